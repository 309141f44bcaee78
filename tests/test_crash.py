"""The publish process killed with SIGKILL at random points, then run to the end.

Each round writes a fresh calendar (20 due variants on mastodon, bluesky, x, a
webhook and the outbox, one post a 3-part thread), starts `postgen publish` in
a child process, kills it with SIGKILL at a seeded random point (after a random
number of its ledger lines, plus a random delay within an answer), checks the
ledger still reads, then runs `postgen publish` again to completion. Afterwards
every part of every due variant exists on its platform exactly once, or the
variant is reported unknown (only where the platform cannot be asked: X, the
webhook); nothing exists twice, and nothing that cannot be asked was sent twice.

The children are forked from a forkserver that has postgen imported already, so
a round costs the run itself, not an interpreter start; retry backoff is shortened.
Run with -s for the figures; CRASH_SEED=n tries other kill points.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pytest

from postgen.ledger import Ledger
from tests.publishers.fakes import Recorded
from tests.test_publish import ALL, ENV, NOW, Platforms, post, thread, write_calendar

ROUNDS = 60
SEED = int(os.environ.get("CRASH_SEED", "20270302"))
POSTS = 4
LATENCY = 0.015  # seconds the fake platforms take over each answer
#: Retry backoff in the children runs this many times faster (as the fake clock does
#: in the publishers' own tests): Bluesky answers a repeated record key with a 500,
#: which is retried with backoff before getRecord finds the record.
BACKOFF_SCALE = 50
THREADED = {"mastodon", "bluesky", "x"}  # where the thread post is 3 posts
ASKABLE = {"mastodon", "bluesky", "outbox"}  # resolve() can find out
_TEXT = re.compile(r"(r\d+-p\d+)(?:, part (\d) of 3| says hello)")


def _cli(root: str, args: list[str], env: dict[str, str], log: str) -> None:
    """The child: `postgen ARGS` inside ROOT, output to LOG (exits with its code)."""
    os.chdir(root)
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    pause = time.sleep

    def shortened(seconds: float) -> None:  # the retry backoff
        pause(seconds / BACKOFF_SCALE)

    time.sleep = shortened  # type: ignore[assignment]
    from tests.test_publish import GROUP

    GROUP.main(args, prog_name="postgen")


@pytest.fixture(scope="module")
def forkserver() -> Iterator[ForkServerContext]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.test_crash", "postgen.cli_publish",
                                *(f"postgen.publishers.{m}" for m in (
                                    "mastodon", "bluesky", "x", "webhook", "outbox", "smtp",
                                    "linkedin", "meta"))])
    yield ctx


def start(ctx: ForkServerContext, root: Path) -> multiprocessing.process.BaseProcess:
    proc = ctx.Process(target=_cli, args=(str(root), ["publish", "--now", NOW], ENV,
                                          str(root / "publish.log")))
    proc.start()
    return proc


def calendar(root: Path, p: Platforms, tag: str) -> list[tuple[str, str]]:
    """A fresh calendar for one round; its due (post, channel) pairs."""
    posts = [post(f"{tag}-p{n}", ALL, body=f"{tag}-p{n} says hello.\n") for n in range(1, POSTS)]
    posts.append(post(f"{tag}-p0", ALL, body=thread(f"{tag}-p0")))
    write_calendar(root, {n: p.channel(n) for n in ALL}, posts)
    return [(f"{tag}-p{n}", c) for n in range(POSTS) for c in ALL]


def parts(post_id: str, channel: str) -> int:
    return 3 if post_id.endswith("-p0") and channel in THREADED else 1


def made(p: Platforms, root: Path) -> tuple[Counter[tuple[str, str, int]],
                                             Counter[tuple[str, str, int]]]:
    """What exists on the platforms, and what was asked of those that cannot be asked
    back (X posts, webhook deliveries), per (post, channel, part)."""
    exists: Counter[tuple[str, str, int]] = Counter()
    asked: Counter[tuple[str, str, int]] = Counter()

    def part(text: str) -> tuple[str, int] | None:
        m = _TEXT.search(text)
        return (m.group(1), int(m.group(2) or 1) - 1) if m else None

    sources = [("mastodon", [s["content"] for s in p.api("mastodon").statuses.values()]),
               ("bluesky", [r["value"]["text"] for r in p.api("bluesky").records.values()]),
               ("x", [t["text"] for t in p.api("x").tweets.values()])]
    for channel, texts in sources:
        for post_id, index in filter(None, map(part, texts)):
            exists[(post_id, channel, index)] += 1
    tweeted = [part(r.json()["text"]) for r in p.requests("x", "POST /2/tweets")
               if whole(r)]
    for post_id, index in filter(None, tweeted):
        asked[(post_id, "x", index)] += 1
    for r in filter(whole, p.requests("webhook", "POST /hook")):
        asked[(r.json()["post_id"], "webhook", 0)] += 1
    for key, deliveries in Counter((d["body"]["post_id"], "webhook", 0) for d in
                                   p.api("webhook").deliveries.values()).items():
        exists[key] += deliveries
    for file in root.glob("outbox/outbox/*.json"):
        exists[(file.stem, "outbox", 0)] += 1
    return exists, asked


def _lines(root: Path) -> int:
    try:
        return (root / "publish-ledger.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def whole(r: Recorded) -> bool:
    """Not cut off mid-body by the kill (such a request never reached the platform)."""
    return len(r.body) >= int(r.headers.get("content-length") or 0)


def test_killed_at_random_points_nothing_is_sent_twice(tmp_path: Path,
                                                       forkserver: ForkServerContext) -> None:
    rng = random.Random(SEED)
    platforms = Platforms(latency=LATENCY)
    figures: Counter[str] = Counter()
    started = time.monotonic()
    try:
        durations, lines = [], []
        for n in range(3):  # how long a whole run takes, once warm, and the lines it writes
            calibration = tmp_path / f"calibrate{n}"
            calendar(calibration, platforms, f"r0{n}")
            t0 = time.monotonic()
            proc = start(forkserver, calibration)
            proc.join(60)
            durations.append(time.monotonic() - t0)
            assert proc.exitcode == 0, (calibration / "publish.log").read_text()
            lines.append(len(Ledger.load(calibration).entries))
        full = min(durations)
        for n in range(1, ROUNDS + 1):
            root = tmp_path / f"r{n}"
            due = calendar(root, platforms, f"r{n}")
            proc = start(forkserver, root)
            # A random point of the run: after a random number of its ledger lines, plus
            # a random part of one answer's time (loading the calendar takes most of a
            # run on a busy machine, so a kill at a random time would rarely land mid-send).
            after = rng.randrange(min(lines) + 1)
            while proc.is_alive() and _lines(root) < after:
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 2 * LATENCY))
            proc.kill()
            proc.join(30)
            figures["runs"] += 1
            killed = Ledger.load(root)
            assert killed.damaged == ()  # readable; at most a line cut short
            figures["lines cut short"] += len(killed.problems)
            pending = [k for k in killed.recorded()
                       if (s := killed.status(k)) is not None and s.state == "unknown"]
            sent = sum(1 for k in killed.recorded() if (s := killed.status(k)) and
                       s.state == "sent")
            if proc.exitcode != -9:
                figures["finished before the kill"] += 1
            elif not killed.entries:
                figures["killed before the first send"] += 1
            elif pending:
                figures["killed mid-send"] += 1
                figures["sends cut off mid-way"] += len(pending)
            else:
                figures["killed between sends"] += 1
            figures["sent before the kill"] += sent

            t1 = time.monotonic()
            again = start(forkserver, root)
            again.join(60)
            figures["completing, ms in all"] += int((time.monotonic() - t1) * 1000)
            log = (root / "publish.log").read_text()
            assert again.exitcode in (0, 1), log
            ledger = Ledger.load(root)
            assert ledger.damaged == ()
            exists, asked = made(platforms, root)
            statuses = {(s.post, s.channel): s for k in ledger.recorded()
                        if (s := ledger.status(k)) is not None}
            for post_id, channel in due:
                counts = [exists[(post_id, channel, i)] for i in range(parts(post_id, channel))]
                requested = [asked[(post_id, channel, i)]
                             for i in range(parts(post_id, channel))]
                figures["duplicates"] += sum(max(0, c - 1) for c in counts + requested)
                assert max(counts) <= 1 and max(requested, default=0) <= 1, (post_id, channel)
                status = statuses.get((post_id, channel))
                assert status is not None, (post_id, channel, log)
                if status.state == "sent":
                    assert counts == [1] * len(counts), (post_id, channel, counts)
                    figures["sent exactly once"] += 1
                else:
                    assert status.state == "unknown" and channel not in ASKABLE, status
                    figures[f"left unknown ({channel})"] += 1
                    figures["left unknown, of which created"] += int(any(counts))
            figures["resolved by asking the platform"] += sum(
                1 for e in ledger.entries if e.event == "resolved")
            assert not any(platforms.api(name).violations for name in platforms.servers), [
                platforms.api(name).violations for name in platforms.servers]
        figures["requests cut off mid-body"] = sum(s.cut_off for s in platforms.servers.values())
    finally:
        platforms.close()
    elapsed = time.monotonic() - started
    report = ", ".join(f"{k}: {v}" for k, v in sorted(figures.items()))
    print(f"\ncrash test ({elapsed:.1f} s, seed {SEED}, full run {full:.2f} s): {report}")
    assert figures["runs"] == ROUNDS and figures["duplicates"] == 0
    assert figures["killed mid-send"] >= ROUNDS // 4  # the kills do land mid-send
