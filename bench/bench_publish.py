"""Sends per second of `postgen publish`: one channel at a time, then several at once.

    python bench/bench_publish.py                     # 1,000 variants, 50 ms answers
    python bench/bench_publish.py --variants 200 --workers 1 8

A calendar of due posts goes to eight channels (two Mastodon, two Bluesky, two
X, two webhooks), each on its own fake platform on 127.0.0.1 (the servers of
tests/publishers/fakes.py, which check every request as the platform would)
that takes --latency seconds over every answer. For each --workers value a
fresh copy of the calendar (no ledger) is published with `publish.run`, the
library call behind `postgen publish`: every send writes its intent and its
result to the ledger with fsync, as in production. The plan is made before the
clock starts. Afterwards every variant must be in the ledger as sent and exist
exactly once on its platform.

Within a channel (one account) sends stay one at a time and in order; workers
run channels side by side, at most `publish.PARALLEL` channels per publisher.
A last row with no latency shows postgen's own cost per send (two fsyncs, the
HTTP round trip on loopback).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.test_publish import ENV, Platforms, post, write_calendar  # noqa: E402

from postgen import approvals, pipeline  # noqa: E402
from postgen import publish as publishing  # noqa: E402
from postgen.ledger import Ledger  # noqa: E402
from postgen.publishers.base import Context  # noqa: E402

PLATFORMS = ("mastodon", "bluesky", "x", "webhook")
COPIES = 2  # channels per platform


def build(root: Path, posts: int, latency: float) -> tuple[Platforms, list[str]]:
    """The calendar and its fake platforms: one server per channel (one account each)."""
    servers = Platforms([], latency)
    channels: dict[str, dict[str, object]] = {}
    for name in PLATFORMS:
        for copy in range(COPIES):
            one = Platforms([name], latency)
            servers.servers[f"{name}-{copy}"] = one.servers[name]
            channel = one.channel(name)
            options = channel["options"]
            assert isinstance(options, dict)
            # each account its own secret: publish refuses a channel using another's
            channel["options"] = {k: f"{v}_{copy}" if k.endswith("_env") else v
                                  for k, v in options.items()}
            channels[f"{name}-{copy}"] = channel
    names = list(channels)
    write_calendar(root, channels, [post(f"p{n:04d}", names, body=f"Post {n} says hello.\n")
                                    for n in range(posts)])
    return servers, names


#: What each fake keeps of what was created.
MADE = {"mastodon": "statuses", "bluesky": "records", "x": "tweets", "webhook": "deliveries"}


def created(servers: Platforms) -> int:
    """Posts that exist on the fakes (each checked every request it received)."""
    total = 0
    for name, server in servers.servers.items():
        assert not server.api.violations, server.api.violations
        total += len(getattr(server.api, MADE[name.rsplit("-", 1)[0]]))
    return total


def one(workers: int, latency: float, posts: int) -> tuple[float, int]:
    """Publish a fresh copy of the calendar; (seconds, variants sent)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "calendar"
        servers, _names = build(root, posts, latency)
        try:
            calendar, rendered, _ = pipeline.check(pipeline.load_calendar(root))
            now = min(v.date for v in rendered.variants) + timedelta(minutes=1)
            ledger = Ledger.load(root)
            plan = publishing.plan(calendar, rendered.variants,
                                   approvals.load(calendar.config), ledger, now)
            assert len(plan.of(publishing.DUE)) == len(rendered.variants)
            with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
                env = {f"{k}_{copy}": v for k, v in ENV.items() for copy in range(COPIES)}
                context = Context(env=env, client=client, root=str(root), sleep=time.sleep,
                                  now=lambda: now)
                start = time.perf_counter()
                report = publishing.run(plan, context, ledger, workers=workers)
                seconds = time.perf_counter() - start
            sent = sum(1 for r in report.rows if r.outcome == "sent")
            assert report.ok and sent == len(rendered.variants), report.rows[:3]
            assert created(servers) == sent
            again = Ledger.load(root)
            assert all(s is not None and s.state == "sent"
                       for s in map(again.status, again.recorded()))
            return seconds, sent
        finally:
            servers.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--variants", type=int, default=1000,
                        help="due variants (a multiple of 8; default 1000)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds each fake platform takes to answer (default 0.05)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8],
                        help="channels sending at once, one row each (default 1 2 4 8)")
    args = parser.parse_args(argv)
    channels = len(PLATFORMS) * COPIES
    posts = max(1, args.variants // channels)
    print(f"{posts * channels} due variants on {channels} channels "
          f"({', '.join(f'{COPIES} {p}' for p in PLATFORMS)}); answers take "
          f"{args.latency * 1000:.0f} ms\n")
    print(f"{'workers':>8}  {'latency':>8}  {'seconds':>8}  {'sends/s':>8}  {'speed-up':>8}")
    base: float | None = None
    rows = [(w, args.latency) for w in args.workers] + [(max(args.workers), 0.0)]
    for workers, latency in rows:
        seconds, sent = one(workers, latency, posts)
        rate = sent / seconds
        if base is None:
            base = rate
        speed = f"{rate / base:.1f}x" if latency == args.latency else "-"
        print(f"{workers:>8}  {latency * 1000:>6.0f}ms  {seconds:>8.2f}  {rate:>8.1f}  "
              f"{speed:>8}", flush=True)


if __name__ == "__main__":
    main()
