"""Hostile posts cost time in proportion to their size (issue 18.3), never its square.

    python bench/bench_hostile.py            # each kind at three sizes, doubling
    python bench/bench_hostile.py --runs 3

Each kind of post that used to hang `postgen check` is generated at three sizes,
each twice the one before, up to the 1 MiB a post file may hold: a calendar of that
one post is loaded, checked and rendered in this process (`pipeline.check`). The
table shows the median time per size and its ratio to the size before: about 2 when
the work is linear in the size, about 4 when it is quadratic. The smallest size is
the baseline of each kind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from postgen import pipeline  # noqa: E402

CONFIG = """\
site_name: Bench
plugins:
  - postgen:
      timezone: UTC
      brand: {name: Acme, domains: [acme.example.com]}
      channels:
        bluesky: {platform: bluesky, account: acme.bsky.social}
        mastodon: {platform: mastodon, account: "@acme@mastodon.example"}
        x: {platform: x, account: "@acme"}
"""
FRONT = "id: p1\ntitle: T\ndate: 2027-03-02 09:30\nfunnel: awareness\n"


def hashtags(n: int) -> str:
    return f"---\n{FRONT}channels: [bluesky]\n---\n" + " ".join(f"#t{i}" for i in range(n))


def links(n: int) -> str:
    words = (f"https://acme.example.com/{i} @a{i}@m.example" for i in range(n))
    return f"---\n{FRONT}channels: [bluesky, mastodon, x]\n---\n" + " ".join(words)


def unknown_keys(n: int) -> str:
    keys = "".join(f"key{i}: {i}\n" for i in range(n))
    return f"---\n{FRONT}channels: [x]\n{keys}---\nBody.\n"


KINDS: dict[str, tuple[Callable[[int], str], int]] = {
    "hashtags (Bluesky facets)": (hashtags, 30_000),
    "URLs and mentions (3 platforms)": (links, 5_000),
    "unknown keys (reported each)": (unknown_keys, 12_000),
}


def timed(text: str, runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "mkdocs.yml").write_text(CONFIG)
        (root / "content").mkdir()
        (root / "content" / "a.md").write_text(text)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            pipeline.check(pipeline.load_calendar(root), keep_compiled=False)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'kind':34} {'n':>8} {'bytes':>9} {'seconds':>8} {'x before':>8}")
    for kind, (make, smallest) in KINDS.items():
        timed(make(100), 1)  # first-use costs out of the way
        before = None
        for n in (smallest, smallest * 2, smallest * 4):
            text = make(n)
            seconds = timed(text, args.runs)
            ratio = f"{seconds / before:8.2f}" if before else "baseline"
            print(f"{kind:34} {n:>8,} {len(text.encode()):>9,} {seconds:8.3f} {ratio:>8}")
            before = seconds


if __name__ == "__main__":
    main()
