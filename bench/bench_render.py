"""What rendering every variant costs, next to the YAML parse floor.

    python bench/bench_render.py                         # 1,000 and 10,000 posts, 5 runs
    python bench/bench_render.py --posts 2000 --runs 3 --profile

For each size N a synthetic calendar with four channels per post is generated
in a temporary folder (bench/synthetic.py), then three things are timed:

  floor          `python -c FLOOR` exactly as bench_check.py runs it (read every
                 post, parse its front matter with libyaml);
  load+render    a fresh `python -c RENDER`: `load_calendar` then
                 `render_calendar`; it fails unless every post loaded and the
                 number of variants is the sum of the posts' channels;
  render only    `render_calendar` in this process, on a calendar loaded once,
                 so loading is not in the figure. It is the warm figure: a fresh
                 process's first render also pays more full garbage collections.

One warm-up of each, then --runs timed runs, alternating the three so drift on
a noisy machine hits all of them; the table shows medians. No target is set.

--profile runs `render_calendar` once more under cProfile, for the largest N,
and prints the top 25 entries by cumulative time, the top 25 by own time, and
how long the garbage collector ran.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench_check import (
    FLOOR,
    _GcTimer,
    child_env,
    parse_sizes,
    postgen_src,
    size_parser,
    timed,
)
from synthetic import make_calendar

if TYPE_CHECKING:
    from postgen.render.variants import Rendered

CHANNELS_PER_POST = 4

#: Load and render everything, as `postgen render` does, and prove nothing was skipped
#: (a post whose template fails to render loses its variant, not the run).
RENDER = r"""
import sys
from pathlib import Path
from postgen.pipeline import load_calendar
from postgen.render.variants import render_calendar
cal = load_calendar(Path(sys.argv[1]))
r = render_calendar(cal)
expected = sum(len(p.channels) for p in cal.posts)
if len(r.variants) != expected:
    sys.exit(f"{len(r.variants)} variants rendered, expected {expected}")
print(len(cal.posts), len(r.variants))
"""


def measure(calendar: Path, n_posts: int, runs: int, env: dict[str, str],
            render: Callable[[], Rendered]) -> tuple[float, float, float]:
    """Median floor, load+render and in-process render-only seconds, after one warm-up."""
    floor_cmd = [sys.executable, "-c", FLOOR, str(calendar / "content")]
    render_cmd = [sys.executable, "-c", RENDER, str(calendar)]
    expected = f"{n_posts} {n_posts * CHANNELS_PER_POST}"
    floors: list[float] = []
    loads: list[float] = []
    renders: list[float] = []
    for i in range(runs + 1):
        floor_s, out = timed(floor_cmd, calendar, env)
        if out.strip() != str(n_posts):
            raise SystemExit(f"the floor parsed {out.strip()} posts, expected {n_posts}")
        load_s, out = timed(render_cmd, calendar, env)
        if out.strip() != expected:
            raise SystemExit(f"load+render printed '{out.strip()}' (posts variants), "
                             f"expected '{expected}'")
        start = time.perf_counter()
        variants = len(render().variants)  # the result is dropped at once
        render_s = time.perf_counter() - start
        if variants != n_posts * CHANNELS_PER_POST:
            raise SystemExit(f"in-process render gave {variants} variants")
        if i:  # run 0 is the warm-up
            floors.append(floor_s)
            loads.append(load_s)
            renders.append(render_s)
    print(f"  {n_posts:>6} posts  {expected.split()[1]} variants  floor runs: {_fmt(floors)}"
          f"   load+render runs: {_fmt(loads)}   render-only runs: {_fmt(renders)}",
          file=sys.stderr)
    return statistics.median(floors), statistics.median(loads), statistics.median(renders)


def in_process(calendar: Path) -> Callable[[], Rendered]:
    """Load `calendar` once, in this process; return `render_calendar` on it."""
    from postgen.pipeline import load_calendar
    from postgen.render.variants import render_calendar

    loaded = load_calendar(calendar)
    return lambda: render_calendar(loaded)


def profile_render(render: Callable[[], Rendered], top: int = 25) -> None:
    """`render_calendar` under cProfile; the top entries by cumulative and by own time."""
    gc_time = _GcTimer()
    profiler = cProfile.Profile()
    with gc_time:
        start = time.perf_counter()
        profiler.enable()
        result = render()
        profiler.disable()
        elapsed = time.perf_counter() - start
    print(f"\nrender_calendar under cProfile: {elapsed:.2f} s for {len(result.variants)} "
          f"variants (profiling overhead included); garbage collector: "
          f"{gc_time.collections} collections ({gc_time.full} full), {gc_time.seconds:.2f} s")
    del result
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _fmt(values: Sequence[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = size_parser("Rendering every variant vs the YAML parse floor, on synthetic "
                         "calendars.", 5, "also profile render_calendar in-process for the "
                         "largest N")
    args = parse_sizes(parser, argv)

    src = postgen_src(args.src)
    env = child_env(src)
    if src is not None:
        sys.path.insert(0, str(src))  # the in-process runs use the same postgen
    print(f"python {sys.version.split()[0]}, postgen from "
          f"{src if src is not None else 'the installed package'}, {os.cpu_count()} cpus, "
          f"runs={args.runs} (median after 1 warm-up)", file=sys.stderr)
    rows: list[tuple[int, float, float, float]] = []
    profiled: Callable[[], Rendered] | None = None
    with tempfile.TemporaryDirectory(prefix="postgen-bench-") as tmp:
        for n in sorted(set(args.posts)):
            calendar = Path(tmp, f"cal-{n}")
            start = time.perf_counter()
            make_calendar(calendar, n, channels_per_post=CHANNELS_PER_POST, seed=args.seed)
            print(f"  {n:>6} posts  generated in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)
            render = in_process(calendar)
            rows.append((n, *measure(calendar, n, args.runs, env, render)))
            if args.profile and n == max(args.posts):
                profiled = render  # the largest calendar stays loaded; the others are freed
            del render
        print()
        print("| posts | variants | floor (s) | load+render (s) | load+render/floor "
              "| render only (s) | variants/s |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n, floor_s, load_s, render_s in rows:
            variants = n * CHANNELS_PER_POST
            print(f"| {n:,} | {variants:,} | {floor_s:.2f} | {load_s:.2f} | "
                  f"{load_s / floor_s:.2f}x | {render_s:.2f} | {variants / render_s:,.0f} |")
        if profiled is not None:
            profile_render(profiled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
