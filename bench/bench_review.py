"""The review server under load: 20 reviewers deciding at once, every decision recorded.

    python bench/bench_review.py                     # 260 posts, 20 reviewers, 1,000 decisions
    python bench/bench_review.py --reviewers 5 --decisions 200

A synthetic calendar (bench/synthetic.py, four channels per post) is committed
and pushed to a bare git repository on disk; `postgen review serve` runs as a
subprocess on 127.0.0.1 with it as the remote. Each reviewer is a thread with
its own HTTP client and invitation link (20 reviewers listed in the config).
Each decision approves one channel of one post: the reviewer loads the post's
page, then sends the page's per-channel form, timed from the request until the
answer, which the server gives only once the decision is pushed (or kept in
its journal). No two decisions name the same variant.

Baseline, in the same run: one reviewer alone makes 50 decisions, one after
the other. Then the reviewers decide concurrently. Afterwards the remote's
approvals.jsonl must hold every decision exactly once (by id, and by post and
channel, by the reviewer who made it): the script fails otherwise. It prints
p50 / p95 / max latency for both runs, their ratio, and the throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from postgen.config import load_config  # noqa: E402
from postgen.review.links import Keys  # noqa: E402
from synthetic import make_calendar  # noqa: E402

SECRET = "bench-secret-0123456789abcdef"
ENV = {**os.environ, "POSTGEN_REVIEW_SECRET": SECRET}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com",
                    *args], cwd=cwd, check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(root: Path, posts: int, reviewers: list[str], port: int) -> Path:
    work = root / "writer"
    make_calendar(work, posts, channels_per_post=4)
    config = work / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"        reviewers: \[.*\]", f"        reviewers: [{', '.join(reviewers)}]",
                  text)
    text = text.replace("      publish:", f"""\
      review:
        url: http://127.0.0.1:{port}
        rate_limit: 10000
      publish:""")
    config.write_text(text + "theme:\n  name: postgen\n", encoding="utf-8")
    (work / "calendar" / "welcome.md").write_text("# Welcome\n", encoding="utf-8")
    (work / ".gitignore").write_text("site/\n.postgen-cache/\n", encoding="utf-8")
    git(root, "init", "--quiet", "--bare", "-b", "main", "remote.git")
    git(work, "init", "--quiet", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Synthetic calendar")
    git(work, "remote", "add", "origin", str(root / "remote.git"))
    git(work, "push", "--quiet", "-u", "origin", "main")
    return root / "remote.git"


class Forms(HTMLParser):
    """The per-channel approve forms of a post page: their fields, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._in = "review-act" in (a.get("class") or "").split()
            if self._in:
                self.forms.append([])
        elif tag == "input" and self._in and a.get("name"):
            self.forms[-1].append((a["name"] or "", a.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in = False


def reviewer_run(url: str, link: str, jobs: list[tuple[str, str]],
                 latencies: list[float], errors: list[str]) -> None:
    """Approve each (post, channel) of `jobs`, timing each decision."""
    with httpx.Client(base_url=url, timeout=120) as client:
        if client.get(link).status_code != 303:
            errors.append("the link was refused")
            return
        pages: dict[str, list[list[tuple[str, str]]]] = {}
        for post, channel in jobs:
            if post not in pages:
                parser = Forms()
                parser.feed(client.get(f"/posts/{post}/").text)
                pages[post] = parser.forms
            form = next((f for f in pages[post] if any(
                k == "item" and v.startswith(f"{post} {channel} ") for k, v in f)), None)
            if form is None:
                errors.append(f"no form for {post} {channel}")
                continue
            start = time.perf_counter()
            answer = client.post("/_review/decide", content=urlencode(form),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 303 or "done=" not in answer.headers.get("location", ""):
                errors.append(f"{post} {channel}: {answer.status_code} {answer.text[:200]}")


def run(url: str, links: dict[str, str], jobs: dict[str, list[tuple[str, str]]]
        ) -> tuple[list[float], float, list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=reviewer_run, args=(url, links[who], jobs[who],
                                                           latencies, errors))
               for who in jobs]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - start, errors


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=50)
    args = parser.parse_args()
    needed = args.decisions + args.baseline
    posts = needed // 4 + 10
    reviewers = [f"reviewer{i:02d}@client.example" for i in range(args.reviewers)]
    with tempfile.TemporaryDirectory(prefix="postgen-bench-review-") as tmp:
        root = Path(tmp)
        port = free_port()
        remote = setup(root, posts, reviewers, port)
        url = f"http://127.0.0.1:{port}"
        log = open(root / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "postgen", "review", "serve", "--repo", str(remote),
             "--state-dir", str(root / "state"), "--port", str(port), "--pull-every", "3600"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=log)
        try:
            started = time.perf_counter()
            while True:
                try:
                    if httpx.get(url + "/_review/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.perf_counter() - started > 600:
                    raise SystemExit("the server did not start:\n" +
                                     (root / "server.log").read_text())
                time.sleep(0.2)
            print(f"{posts} posts ({posts * 4} variants); server up in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            config, _ = load_config(root / "writer" / "mkdocs.yml")
            assert config is not None
            keys = Keys(SECRET)
            now = datetime.now(UTC)
            links = {who: keys.mint(config, who, now)[0] for who in reviewers}
            variants = sorted(_variants(root / "writer"))[:needed]
            base_jobs = {reviewers[0]: variants[:args.baseline]}
            rest = variants[args.baseline:]
            jobs = {who: rest[i::args.reviewers] for i, who in enumerate(reviewers)}

            base, base_time, base_errors = run(url, links, base_jobs)
            load, load_time, load_errors = run(url, links, jobs)
            deadline = time.perf_counter() + 300
            while httpx.get(url + "/_review/health").json()["pending"] and (
                    time.perf_counter() < deadline):
                time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        lines = subprocess.run(["git", "show", "main:approvals.jsonl"], cwd=remote,
                               capture_output=True, text=True, check=True).stdout.splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        ids = [r["id"] for r in records]
        keys_seen = [(r["post"], r["channel"]) for r in records]
        expected = {(p, c): who for who, js in {**jobs, "base": base_jobs[reviewers[0]]}.items()
                    for p, c in js}
        wrong = [r for r in records if expected.get((r["post"], r["channel"])) not in (
            r["by"], "base")]
        problems = base_errors + load_errors
        if len(records) != needed:
            problems.append(f"{len(records)} records on the remote, {needed} decisions made")
        if len(set(ids)) != len(ids) or len(set(keys_seen)) != len(keys_seen):
            problems.append("a decision was recorded twice")
        if set(keys_seen) != set(expected):
            problems.append("a decision is missing")
        if wrong:
            problems.append(f"{len(wrong)} decisions carry the wrong reviewer")
        print(f"\n{'':28} {'decisions':>9} {'p50':>8} {'p95':>8} {'max':>8} {'per s':>7}")
        for name, lat, took in (("1 reviewer (baseline)", base, base_time),
                                (f"{args.reviewers} reviewers at once", load, load_time)):
            print(f"{name:28} {len(lat):9d} {pct(lat, .5) * 1000:6.0f}ms "
                  f"{pct(lat, .95) * 1000:6.0f}ms {max(lat) * 1000:6.0f}ms "
                  f"{len(lat) / took:7.1f}")
        print(f"\np50 ratio (loaded / baseline): {pct(load, .5) / pct(base, .5):.2f}x; "
              f"throughput ratio: {(len(load) / load_time) / (len(base) / base_time):.2f}x")
        print(f"remote: {len(records)} records, {len(set(ids))} distinct ids, "
              f"{len(set(keys_seen))} distinct variants; mean latency "
              f"{statistics.mean(load) * 1000:.0f} ms")
        if problems:
            print("FAILED:\n  " + "\n  ".join(problems[:20]))
            raise SystemExit(1)
        print("all recorded, none lost, none doubled")


def _variants(calendar: Path) -> set[tuple[str, str]]:
    """Every (post id, channel) of the synthetic calendar, read from its posts."""
    import yaml

    found: set[tuple[str, str]] = set()
    for path in (calendar / "content").rglob("*.md"):
        front = path.read_text(encoding="utf-8").split("---\n")[1]
        data = yaml.safe_load(front)
        if not data.get("draft"):
            found.update((data["id"], ch) for ch in data["channels"])
    return found


if __name__ == "__main__":
    main()
