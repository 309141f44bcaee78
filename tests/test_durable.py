"""Durable publishing in CI: a runner killed after a send, before the final push.

A calendar repository lives in a bare remote on disk; its channels point at fake
Mastodon, Bluesky and X servers on 127.0.0.1. The publish workflow's own "Send
what is due" step (tests/gha.py) runs in a clone: `postgen publish` records the
intents of every due post, pushes them (`--before-send`), then sends. The whole
step is killed (SIGKILL, its process group) as soon as the k-th send is recorded
in the runner's ledger, for every k: the runner and its unpushed results are
gone. The step then runs again in a fresh clone of the remote, and the final
push step after it.

Counted on the platforms afterwards: no variant exists twice (0 double posts);
every variant is sent, or reported unknown for `postgen ledger resolve` where
the platform cannot be asked (X), never silently dropped (0 lost).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from postgen.ledger import Ledger
from tests.gha import Workflow
from tests.test_publish import ENV, Platforms, post, write_calendar
from tests.test_workflows import REPO, _env, clone, git

CHANNELS = ("mastodon", "bluesky", "x")
POSTS = ("d1", "d2")
SENDS = len(CHANNELS) * len(POSTS)
LATENCY = 0.15  # seconds each fake answer takes: the kill lands between sends


def _remote(tmp_path: Path, platforms: Platforms) -> Path:
    cal = tmp_path / "cal"
    when = f"{datetime.now(UTC) - timedelta(minutes=1):%Y-%m-%d %H:%M}"
    write_calendar(cal, {c: platforms.channel(c) for c in CHANNELS},
                   [post(p, CHANNELS, when=when, body=f"{p} says hello.\n") for p in POSTS])
    for name in (".gitattributes", ".gitignore", ".github/commit-and-push.sh"):
        (cal / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, cal / name)
    git(cal, "init", "-q", "-b", "main")
    git(cal, "add", "-A")
    git(cal, "commit", "-q", "-m", "A calendar")
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(cal), str(bare))
    return bare


def _sent(root: Path) -> int:
    path = root / "publish-ledger.jsonl"
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()
               if line.endswith("}") and json.loads(line)["event"] == "sent")


def _on_platforms(p: Platforms) -> Counter[tuple[str, str]]:
    texts = {"mastodon": [s["content"] for s in p.api("mastodon").statuses.values()],
             "bluesky": [r["value"]["text"] for r in p.api("bluesky").records.values()],
             "x": [t["text"] for t in p.api("x").tweets.values()]}
    return Counter((text.split(" ")[0], channel) for channel, found in texts.items()
                   for text in found)


def test_a_runner_killed_after_each_send_point_never_posts_twice_nor_loses_one(
        tmp_path: Path) -> None:
    publish = REPO / ".github" / "workflows" / "publish.yml"
    figures: Counter[str] = Counter()
    for k in range(1, SENDS + 1):
        platforms = Platforms(CHANNELS, latency=LATENCY)
        try:
            remote = _remote(tmp_path / f"k{k}", platforms)
            runner = clone(remote, "runner")
            job = Workflow(publish).job("publish")
            step = job.run("Send what is due", runner, secrets=ENV, env=_env(), popen=True,
                           start_new_session=True)
            assert isinstance(step, subprocess.Popen)
            deadline = time.monotonic() + 60
            while _sent(runner) < k and step.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            os.killpg(step.pid, signal.SIGKILL)  # the runner dies: no final push
            output, _ = step.communicate()
            assert _sent(runner) >= k, output
            figures["killed before the step ended"] += int(step.returncode == -signal.SIGKILL)
            remote_ledger = git(remote, "show", "main:publish-ledger.jsonl").splitlines()
            assert {json.loads(line)["event"] for line in remote_ledger} == {"intent"}
            assert len(remote_ledger) == SENDS  # every intent pushed before the first send

            fresh = clone(remote, "fresh")
            rerun = Workflow(publish).job("publish")
            again = rerun.run("Send what is due", fresh, secrets=ENV, env=_env())
            assert not isinstance(again, subprocess.Popen)
            final = rerun.run("Commit the ledger", fresh, env=_env())
            assert not isinstance(final, subprocess.Popen) and final.returncode == 0

            ledger = Ledger.load(fresh)
            status = {(s.post, s.channel): s.state for key in ledger.recorded()
                      if (s := ledger.status(key)) is not None}
            exists = _on_platforms(platforms)
            for post_id in POSTS:
                for channel in CHANNELS:
                    where = (post_id, channel, k, again.output)
                    assert exists[(post_id, channel)] <= 1, where  # no double post
                    if status[(post_id, channel)] == "sent":
                        assert exists[(post_id, channel)] == 1, where
                        figures["sent once"] += 1
                    else:  # not lost: reported for resolution, where it cannot be asked
                        assert status[(post_id, channel)] == "unknown", where
                        assert channel == "x" and post_id in again.output, where
                        figures["reported unknown (x)"] += 1
            figures["double posts"] += sum(max(0, n - 1) for n in exists.values())
            assert platforms.api("x").violations == []
        finally:
            platforms.close()
    print(dict(figures))
    assert figures["double posts"] == 0
    assert figures["sent once"] + figures["reported unknown (x)"] == SENDS * SENDS
    assert figures["sent once"] >= SENDS * 4  # Mastodon and Bluesky resolve by asking
