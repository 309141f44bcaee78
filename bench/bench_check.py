"""How far `postgen check` is from the cost of just parsing the front matter.

    python bench/bench_check.py                          # 1,000 and 10,000 posts, 5 runs
    python bench/bench_check.py --posts 2000 --runs 3 --profile

For each size N a synthetic calendar is generated in a temporary folder
(bench/synthetic.py), then two subprocesses are timed, each started fresh so
interpreter start-up is on both sides:

  floor   `python -c FLOOR`: walk content/**/*.md, read each file, split the
          front matter at its `---` lines and `yaml.load(fm, Loader=yaml.CSafeLoader)`;
  check   `python -m postgen check` in the calendar folder (must exit 0).

One warm-up of each, then --runs timed runs, alternating floor and check so
drift on a noisy machine hits both; the table shows medians and check/floor.
The target is check <= 1.5x the floor at 10,000 posts.

--profile runs the check once more in this process under cProfile, for the
largest N, and prints the top 25 entries by cumulative time (then the top 15
by own time, and how long the garbage collector ran).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import importlib.util
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthetic import make_calendar

REPO = Path(__file__).resolve().parent.parent
TARGET_POSTS = 10_000
TARGET_RATIO = 1.5

#: The parse floor: what any tool reading these posts must at least do.
FLOOR = r"""
import os, sys, yaml
n = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if not name.endswith(".md"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            text = fh.read()
        if not text.startswith("---\n"):
            continue
        end = text.find("\n---\n", 3)
        fm = text[4:end + 1]
        data = yaml.load(fm, Loader=yaml.CSafeLoader)
        n += isinstance(data, dict)
print(n)
"""


def postgen_src(explicit: Path | None) -> Path | None:
    """The folder to put on PYTHONPATH: None when postgen is installed (and not overridden)."""
    if explicit is not None:
        return explicit.resolve()
    if importlib.util.find_spec("postgen") is not None:
        return None
    return REPO / "src"


def child_env(src: Path | None) -> dict[str, str]:
    """The environment of the timed commands. Python may keep compiled modules (as
    `pip install` does for an installed postgen): the warm-up compiles them once."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    return env


def timed(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of one subprocess run; its stdout. Fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-20:]
        raise SystemExit(f"{' '.join(cmd[:3])} exited {proc.returncode} in {cwd}:\n"
                         + "\n".join(tail))
    return elapsed, proc.stdout


def measure(calendar: Path, n_posts: int, runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median floor and check seconds over `runs`, after one warm-up of each."""
    floor_cmd = [sys.executable, "-c", FLOOR, str(calendar / "content")]
    check_cmd = [sys.executable, "-m", "postgen", "check"]
    floors: list[float] = []
    checks: list[float] = []
    for i in range(runs + 1):
        floor_s, out = timed(floor_cmd, calendar, env)
        if out.strip() != str(n_posts):
            raise SystemExit(f"the floor parsed {out.strip()} posts, expected {n_posts}")
        check_s, _ = timed(check_cmd, calendar, env)
        if i:  # run 0 is the warm-up
            floors.append(floor_s)
            checks.append(check_s)
    print(f"  {n_posts:>6} posts  floor runs: {_fmt(floors)}   check runs: {_fmt(checks)}",
          file=sys.stderr)
    return statistics.median(floors), statistics.median(checks)


def profile_check(calendar: Path, src: Path | None, top: int = 25) -> None:
    """Run `postgen check` in this process under cProfile; print the top entries.

    Also times the garbage collector during the run (cProfile charges its pauses
    to whichever function happens to be allocating).
    """
    if src is not None:
        sys.path.insert(0, str(src))
    start = time.perf_counter()
    from postgen.cli import cli  # imported outside the profile: start-up is measured above

    imported = time.perf_counter() - start
    run = profile_cli(cli, calendar, ["check"])
    if run.code not in (None, 0):
        raise SystemExit(f"in-process postgen check returned {run.code}:\n{run.output[-2000:]}")
    profiler, gc_time, elapsed = run.profiler, run.gc_time, run.seconds
    print(f"\nimport postgen.cli: {imported:.2f} s; in-process check under cProfile: "
          f"{elapsed:.2f} s (profiling overhead included); garbage collector: "
          f"{gc_time.collections} collections ({gc_time.full} full), {gc_time.seconds:.2f} s")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)


@dataclass
class Profiled:
    code: object
    seconds: float
    output: str
    profiler: cProfile.Profile
    gc_time: _GcTimer


def profile_cli(cli: Any, folder: Path, args: list[str],
                env: dict[str, str] | None = None) -> Profiled:
    """Run one postgen command in this process, in `folder`, under cProfile, output
    silenced, garbage collections timed; `env` is set for the run only."""
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    previous = Path.cwd()
    os.chdir(folder)
    gc_time, profiler, sink = _GcTimer(), cProfile.Profile(), io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), gc_time:
            start = time.perf_counter()
            profiler.enable()
            code = cli.main(args=args, prog_name="postgen", standalone_mode=False)
            profiler.disable()
            seconds = time.perf_counter() - start
    finally:
        os.chdir(previous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Profiled(code, seconds, sink.getvalue(), profiler, gc_time)


class _GcTimer:
    """Counts and times garbage collections while active (a `gc.callbacks` hook)."""

    def __init__(self) -> None:
        self.collections = self.full = 0
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> _GcTimer:
        gc.callbacks.append(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._hook)

    def _hook(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.collections += 1
        self.full += info["generation"] == 2


def _fmt(values: Sequence[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def size_parser(description: str, runs: int, profile: str) -> argparse.ArgumentParser:
    """The options every benchmark here takes: sizes, runs, seed, --profile, --src."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--posts", type=int, nargs="+", default=[1_000, 10_000], metavar="N",
                        help="calendar sizes (default: 1000 10000)")
    parser.add_argument("--runs", type=int, default=runs,
                        help=f"timed runs per size, after a warm-up (default: {runs})")
    parser.add_argument("--seed", type=int, default=0, help="synthetic calendar seed")
    parser.add_argument("--profile", action="store_true", help=profile)
    parser.add_argument("--src", type=Path,
                        help="the postgen source folder to benchmark (default: the installed "
                             "postgen, else this repository's src/)")
    return parser


def parse_sizes(parser: argparse.ArgumentParser,
                argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.runs < 1 or any(n < 1 for n in args.posts):
        parser.error("--runs and --posts must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = size_parser("postgen check vs the YAML parse floor, on synthetic calendars.", 5,
                         "also profile the check in-process for the largest N")
    args = parse_sizes(parser, argv)

    src = postgen_src(args.src)
    env = child_env(src)
    print(f"python {sys.version.split()[0]}, postgen from "
          f"{src if src is not None else 'the installed package'}, {os.cpu_count()} cpus, "
          f"runs={args.runs} (median after 1 warm-up)", file=sys.stderr)
    rows: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="postgen-bench-") as tmp:
        calendars: dict[int, Path] = {}
        for n in sorted(set(args.posts)):
            calendar = Path(tmp, f"cal-{n}")
            start = time.perf_counter()
            make_calendar(calendar, n, seed=args.seed)
            print(f"  {n:>6} posts  generated in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)
            floor_s, check_s = measure(calendar, n, args.runs, env)
            rows.append((n, floor_s, check_s))
            calendars[n] = calendar
        print()
        print("| posts | floor (s) | check (s) | check/floor | target |")
        print("|---:|---:|---:|---:|---|")
        for n, floor_s, check_s in rows:
            ratio = check_s / floor_s
            target = "-"
            if n == TARGET_POSTS:
                verdict = "met" if ratio <= TARGET_RATIO else "not met"
                target = f"<= {TARGET_RATIO}x ({verdict})"
            print(f"| {n:,} | {floor_s:.2f} | {check_s:.2f} | {ratio:.2f}x | {target} |")
        if args.profile:
            profile_check(calendars[max(calendars)], src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
