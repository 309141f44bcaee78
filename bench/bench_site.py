"""The approval site build (`postgen build`, i.e. `mkdocs build`) next to Hugo.

    python bench/bench_site.py                           # 1,000 and 10,000 posts, 3 runs
    python bench/bench_site.py --posts 10000 --runs 1 --profile

For each size N a synthetic calendar with four channels per post is generated
in a temporary folder (bench/synthetic.py), plus what it needs to build as a
site (`theme: {name: postgen}` and a hand-written `calendar/welcome.md`), and
the SAME posts (id, title, date, markdown body, read back from the calendar's
files) are written as a plain Hugo site: `hugo.toml` with `buildFuture = true`,
a minimal layout (single, list and home templates printing title, date and
content, lists linking every page) and one `content/posts/<id>.md` per post
with TOML front matter. Four builds are timed, each a fresh subprocess:

  hugo cold      `hugo --quiet -d OUT` after removing OUT, `resources/` and
                 Hugo's cache folder (cacheDir, set inside the Hugo site);
  postgen cold   `python -m postgen build -d OUT` after removing OUT and the
                 build cache (.postgen-cache/);
  postgen warm   the same command again, nothing changed;
  one edit       one post's body changed (a different sentence each time),
                 then the same command; the post's page must show the change.

POSTGEN_NOW is fixed so every postgen build sees the same "now". One warm-up
round, then --runs timed rounds, each running the four in that order, so drift
on a noisy machine hits all of them; the table shows medians and ratios to the
Hugo cold build, and whether the goals are met:

  cold <= 1.0x Hugo cold, warm <= 0.1x Hugo cold, one edit <= 1 s.

Then the writer's loop: `python -m postgen serve` on 127.0.0.1 right after the
last build, timed until it serves the edited post's page, then edits of that
post (max(runs, 3), half a second apart), each timed until the served page
shows it (MkDocs' file watcher and live-reload server included).

--profile builds the largest calendar once more, cold, in this process under
cProfile, and prints the top 30 entries by own time (then the top 25 by
cumulative time, and how long the garbage collector ran).
"""

from __future__ import annotations

import json
import os
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bench_check import child_env, parse_sizes, postgen_src, profile_cli, size_parser, timed
from synthetic import TIMEZONE, make_calendar

CHANNELS_PER_POST = 4
#: The build's fixed "now" (local time of the calendar): early in the synthetic year.
POSTGEN_NOW = "2027-03-01T09:00:00"
HUGO = "hugo"
#: Goals: postgen cold / Hugo cold, postgen warm / Hugo cold, one edit in seconds.
GOAL_COLD = 1.0
GOAL_WARM = 0.1
GOAL_EDIT_S = 1.0

WELCOME = """# Welcome

A synthetic calendar for benchmarks (bench/bench_site.py).
"""

HUGO_TOML = """baseURL = "https://example.org/"
languageCode = "en-us"
title = "Synthetic calendar"
buildFuture = true
cacheDir = "{cache}"
"""

#: The minimal layout: every page prints its title, date and content; lists link their pages.
LAYOUTS = {
    "_default/single.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{- .Date.Format "Mon 2 Jan 2006 15:04 MST" }}</time></p>
{{ .Content }}
</body></html>
""",
    "_default/list.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ .Date.Format "2006-01-02 15:04" }}</li>
{{ end }}</ul>
</body></html>
""",
    "index.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head>
<body>
<h1>{{ .Site.Title }}</h1>
{{ .Content }}
<ul>
{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ .Date.Format "2006-01-02 15:04" }}</li>
{{ end }}</ul>
</body></html>
""",
}


@dataclass
class Sites:
    """One size's calendar and Hugo site, their output folders and the post to edit."""

    n_posts: int
    calendar: Path
    hugo: Path
    hugo_out: Path
    postgen_out: Path
    edit_file: Path
    edit_id: str
    edit_text: str = ""
    edits: int = 0


@dataclass
class Timings:
    hugo_cold: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    edit: list[float] = field(default_factory=list)
    serve_start: list[float] = field(default_factory=list)
    serve_reload: list[float] = field(default_factory=list)

    def medians(self) -> tuple[float, float, float, float]:
        return (statistics.median(self.hugo_cold), statistics.median(self.cold),
                statistics.median(self.warm), statistics.median(self.edit))


# -- the two sites ----------------------------------------------------------------


def make_sites(root: Path, n_posts: int, seed: int) -> Sites:
    """The synthetic calendar, ready to build, and the same posts as a Hugo site."""
    calendar = root / "calendar"
    make_calendar(calendar, n_posts, channels_per_post=CHANNELS_PER_POST, seed=seed)
    config = calendar / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "theme:\n  name: postgen\n",
                      encoding="utf-8")
    (calendar / "calendar" / "welcome.md").write_text(WELCOME, encoding="utf-8")

    hugo = root / "hugo"
    (hugo / "content" / "posts").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(HUGO_TOML.format(cache=hugo / ".hugo_cache"),
                                    encoding="utf-8")
    for name, text in LAYOUTS.items():
        path = hugo / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tz = ZoneInfo(TIMEZONE)
    posts = sorted((calendar / "content").rglob("*.md"))
    for path in posts:
        meta, body = split_post(path.read_text(encoding="utf-8"))
        when = meta["date"]
        if not isinstance(when, datetime):
            when = datetime.fromisoformat(str(when))
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        front = (f"title = {json.dumps(str(meta['title']))}\n"
                 f"date = {when.isoformat()}\n")
        (hugo / "content" / "posts" / f"{meta['id']}.md").write_text(
            f"+++\n{front}+++\n\n{body}", encoding="utf-8")
    if len(posts) != n_posts:
        raise SystemExit(f"the calendar has {len(posts)} posts, expected {n_posts}")
    edit_file = posts[len(posts) // 2]
    meta, _ = split_post(edit_file.read_text(encoding="utf-8"))
    return Sites(n_posts, calendar, hugo, root / "out-hugo", root / "out-postgen", edit_file,
                 str(meta["id"]), edit_file.read_text(encoding="utf-8"))


def split_post(text: str) -> tuple[dict[str, object], str]:
    """A post's front matter (libyaml) and its markdown body."""
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 3)
    meta = yaml.load(text[4:end + 1], Loader=yaml.CSafeLoader)
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[end + 5:].lstrip("\n")


def edit_one_post(sites: Sites) -> str:
    """Change the chosen post's body; return a marker its rebuilt page must show."""
    sites.edits += 1
    marker = f"Edited for the benchmark, revision {sites.edits}."
    sites.edit_file.write_text(sites.edit_text.rstrip("\n") + f" {marker}\n", encoding="utf-8")
    return marker


def count_files(folder: Path) -> tuple[int, float]:
    """Files under `folder` and their size in MB."""
    n, size = 0, 0
    for path in folder.rglob("*"):
        if path.is_file():
            n += 1
            size += path.stat().st_size
    return n, size / 1e6


# -- the builds -----------------------------------------------------------------


def hugo_cold(sites: Sites, env: dict[str, str]) -> float:
    for folder in (sites.hugo_out, sites.hugo / "resources", sites.hugo / ".hugo_cache"):
        shutil.rmtree(folder, ignore_errors=True)
    seconds, _ = timed([HUGO, "--quiet", "-d", str(sites.hugo_out)], sites.hugo, env)
    return seconds


def postgen_build(sites: Sites, env: dict[str, str], *, clean: bool) -> float:
    if clean:  # nothing kept from earlier builds: no site folder, no build cache
        shutil.rmtree(sites.postgen_out, ignore_errors=True)
        shutil.rmtree(sites.calendar / ".postgen-cache", ignore_errors=True)
    cmd = [sys.executable, "-m", "postgen", "build", "-d", str(sites.postgen_out)]
    seconds, _ = timed(cmd, sites.calendar, env)
    return seconds


def round_of_builds(sites: Sites, env: dict[str, str]) -> tuple[float, float, float, float]:
    """Hugo cold, postgen cold, postgen warm, postgen after one edit (seconds)."""
    hugo_s = hugo_cold(sites, env)
    pages = len(list((sites.hugo_out / "posts").glob("*/index.html")))
    if pages != sites.n_posts:
        raise SystemExit(f"Hugo wrote {pages} post pages, expected {sites.n_posts}")
    cold_s = postgen_build(sites, env, clean=True)
    pages = len(list((sites.postgen_out / "posts").glob("*/index.html")))
    if pages != sites.n_posts:
        raise SystemExit(f"postgen wrote {pages} post pages, expected {sites.n_posts}")
    warm_s = postgen_build(sites, env, clean=False)
    marker = edit_one_post(sites)
    edit_s = postgen_build(sites, env, clean=False)
    page = sites.postgen_out / "posts" / sites.edit_id / "index.html"
    if marker not in page.read_text(encoding="utf-8"):
        raise SystemExit(f"{page} does not show the edit after the rebuild")
    return hugo_s, cold_s, warm_s, edit_s


def serve_session(sites: Sites, env: dict[str, str], edits: int) -> tuple[float, list[float]]:
    """`postgen serve` right after a build: seconds until the edited post's page is
    served, then, per edit of that post, until the served page shows it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/posts/{sites.edit_id}/"
    served = sites.calendar.parent / "serve-tmp"  # where MkDocs makes the served folder
    served.mkdir(exist_ok=True)
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "postgen", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=sites.calendar, env={**env, "TMPDIR": str(served)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def shows(marker: str, since: float) -> float:
        while time.perf_counter() - since < 600:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                    if marker in response.read().decode("utf-8"):
                        return time.perf_counter() - since
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit(f"postgen serve exited {server.returncode}")
            time.sleep(0.02)
        raise SystemExit(f"{url} did not show {marker!r} within 600 s")

    try:
        first = shows(f"Edited for the benchmark, revision {sites.edits}.", start)
        reloads = []
        for _ in range(edits):
            time.sleep(0.5)  # what MkDocs' watcher sees as one change
            since = time.perf_counter()
            reloads.append(shows(edit_one_post(sites), since))
        return first, reloads
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def measure(sites: Sites, runs: int, env: dict[str, str]) -> Timings:
    """Medians over `runs` rounds after one warm-up round."""
    timings = Timings()
    for i in range(runs + 1):
        hugo_s, cold_s, warm_s, edit_s = round_of_builds(sites, env)
        print(f"  {sites.n_posts:>6} posts  round {i}{' (warm-up)' if not i else ''}: "
              f"hugo cold {hugo_s:.2f}  postgen cold {cold_s:.2f}  warm {warm_s:.2f}  "
              f"one edit {edit_s:.2f}", file=sys.stderr, flush=True)
        if i:
            timings.hugo_cold.append(hugo_s)
            timings.cold.append(cold_s)
            timings.warm.append(warm_s)
            timings.edit.append(edit_s)
    first, reloads = serve_session(sites, env, edits=max(runs, 3))
    timings.serve_start.append(first)
    timings.serve_reload.extend(reloads)
    print(f"  {sites.n_posts:>6} posts  postgen serve: first page {first:.2f} s, reloads "
          f"{' '.join(f'{r:.2f}' for r in reloads)} s", file=sys.stderr, flush=True)
    hugo_files, hugo_mb = count_files(sites.hugo_out)
    pg_files, pg_mb = count_files(sites.postgen_out)
    print(f"  {sites.n_posts:>6} posts  output: hugo {hugo_files:,} files {hugo_mb:.0f} MB, "
          f"postgen {pg_files:,} files {pg_mb:.0f} MB", file=sys.stderr, flush=True)
    return timings


# -- profile ----------------------------------------------------------------------


def profile_build(sites: Sites, src: Path | None, top: int = 30) -> None:
    """A cold `postgen build` in this process under cProfile; the top entries by own time."""
    if src is not None:
        sys.path.insert(0, str(src))
    from postgen.cli import cli  # imported outside the profile: start-up is measured above

    shutil.rmtree(sites.postgen_out, ignore_errors=True)
    run = profile_cli(cli, sites.calendar, ["build", "-d", str(sites.postgen_out)],
                      {"POSTGEN_NOW": POSTGEN_NOW})
    profiler, gc_time, elapsed = run.profiler, run.gc_time, run.seconds
    print(f"\nin-process cold postgen build of {sites.n_posts:,} posts under cProfile: "
          f"{elapsed:.2f} s (profiling overhead included); garbage collector: "
          f"{gc_time.collections} collections ({gc_time.full} full), {gc_time.seconds:.2f} s")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(25)


# -- report ---------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(rows: Sequence[tuple[int, Timings]]) -> None:
    print()
    print("| posts | Hugo cold (s) | postgen cold (s) | cold/Hugo | warm, no change (s) "
          "| warm/Hugo | one edit (s) | edit/Hugo |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, t in rows:
        hugo_s, cold_s, warm_s, edit_s = t.medians()
        print(f"| {n:,} | {hugo_s:.2f} | {cold_s:.2f} | {cold_s / hugo_s:.1f}x | {warm_s:.2f} "
              f"| {warm_s / hugo_s:.1f}x | {edit_s:.2f} | {edit_s / hugo_s:.1f}x |")
    print()
    print("| posts | cold <= 1.0x Hugo | warm <= 0.1x Hugo | one edit <= 1 s |")
    print("|---:|---|---|---|")
    for n, t in rows:
        hugo_s, cold_s, warm_s, edit_s = t.medians()
        cold_r, warm_r = cold_s / hugo_s, warm_s / hugo_s
        print(f"| {n:,} | {verdict(cold_r <= GOAL_COLD)} ({cold_r:.1f}x) "
              f"| {verdict(warm_r <= GOAL_WARM)} ({warm_r:.1f}x) "
              f"| {verdict(edit_s <= GOAL_EDIT_S)} ({edit_s:.1f} s) |")
    print()
    print("| posts | `postgen serve` after a build: first page (s) | reload after one edit (s) |")
    print("|---:|---:|---:|")
    for n, t in rows:
        print(f"| {n:,} | {statistics.median(t.serve_start):.2f} "
              f"| {statistics.median(t.serve_reload):.2f} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = size_parser("The postgen approval site build vs Hugo, on synthetic calendars.", 3,
                         "also profile a cold postgen build in-process for the largest N")
    args = parse_sizes(parser, argv)
    if shutil.which(HUGO) is None:
        parser.error("hugo is not on PATH")

    src = postgen_src(args.src)
    env = child_env(src)
    env["POSTGEN_NOW"] = POSTGEN_NOW
    hugo_version = subprocess.run([HUGO, "version"], capture_output=True, text=True,
                                  check=True).stdout.split()[1]
    print(f"python {sys.version.split()[0]}, hugo {hugo_version}, postgen from "
          f"{src if src is not None else 'the installed package'}, {os.cpu_count()} cpus, "
          f"runs={args.runs} (median after 1 warm-up round)", file=sys.stderr, flush=True)
    rows: list[tuple[int, Timings]] = []
    with tempfile.TemporaryDirectory(prefix="postgen-bench-site-") as tmp:
        largest: Sites | None = None
        for n in sorted(set(args.posts)):
            start = time.perf_counter()
            sites = make_sites(Path(tmp, f"n{n}"), n, args.seed)
            print(f"  {n:>6} posts  both sites generated in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr, flush=True)
            rows.append((n, measure(sites, args.runs, env)))
            if largest is not None:
                shutil.rmtree(largest.calendar.parent)  # keep only the largest on disk
            largest = sites
        report(rows)
        if args.profile and largest is not None:
            profile_build(largest, src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
