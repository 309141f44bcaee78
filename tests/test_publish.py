"""`postgen publish`: what is due, sent once, against real fake platforms on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from postgen import approvals, pipeline
from postgen import publish as publishing
from postgen.cli import _Group
from postgen.cli_publish import ledger as ledger_command
from postgen.cli_publish import publish as publish_command
from postgen.ledger import FILE, Ledger, key_of
from postgen.publishers.base import Context, Job, Publisher, Sent, load
from postgen.render.model import Variant
from tests.publishers.conftest import SECRET, SPECS
from tests.publishers.fakes import FakeAPI, FakeServer, Recorded, Reply, answer, reset

#: The commands as `postgen` will have them once registered in postgen.cli.
GROUP = _Group(commands=[publish_command, ledger_command])
#: Runs the same commands in a fresh interpreter.
RUNNER = ("import sys; from postgen.cli import _Group; "
          "from postgen.cli_publish import publish, ledger; "
          "_Group(commands=[publish, ledger])(sys.argv[1:], prog_name='postgen')")
NETWORK = ("mastodon", "bluesky", "x", "webhook")
ALL = (*NETWORK, "outbox")
ENV = {"MASTODON_TOKEN": SECRET, "BSKY_APP_PASSWORD": SECRET, "X_TOKEN": SECRET,
       "HOOK_SECRET": SECRET}
WHEN = "2027-03-02 09:30"  # the posts' time (UTC calendars)
NOW = "2027-03-02T09:31:00Z"  # a minute later
BASE = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)


# -- a calendar whose channels point at fake platforms -----------------------------------


class SlowServer(FakeServer):
    """A fake platform that takes `latency` seconds over every answer (concurrently).

    A request whose body stopped short of its Content-Length (the client was killed
    while sending it) is dropped unseen, as a real server drops it.
    """

    def __init__(self, api: FakeAPI, latency: float = 0.0) -> None:
        self.latency = latency
        self.cut_off = 0
        super().__init__(api)

    def _dispatch(self, req: Recorded) -> Reply:
        if len(req.body) < int(req.headers.get("content-length") or 0):
            self.cut_off += 1
            return Reply(400, {"error": "incomplete request"})
        if self.latency:
            time.sleep(self.latency)
        return super()._dispatch(req)


class Platforms:
    """One fake server per network publisher; `channel(name)` is a channel pointing at it."""

    def __init__(self, names: Sequence[str] = NETWORK, latency: float = 0.0) -> None:
        self.servers = {n: SlowServer(_fake(n), latency) for n in names}

    def channel(self, name: str, **extra: object) -> dict[str, object]:
        spec = SPECS[name]
        url = self.servers[name].url if name in self.servers else ""
        return {"platform": spec.platform, "account": spec.account,
                "publisher": spec.publisher, "options": spec.options(url), **extra}

    def api(self, name: str) -> Any:
        return self.servers[name].api

    def requests(self, name: str, route: str = "") -> list[Recorded]:
        return [r for r in self.servers[name].requests if r.route.startswith(route)]

    def close(self) -> None:
        for server in self.servers.values():
            server.close()


def _fake(name: str) -> FakeAPI:
    make = SPECS[name].fake
    assert make is not None
    return make()


def post(post_id: str, channels: Sequence[str], *, when: str = WHEN, body: str = "",
         extra: str = "") -> tuple[str, str]:
    text = body or f"News from {post_id}: fresh beans today.\n"
    return (f"content/{post_id}.md",
            f"---\nid: {post_id}\ntitle: {post_id}\ndate: {when}\n"
            f"channels: [{', '.join(channels)}]\nfunnel: awareness\n{extra}---\n{text}")


def thread(post_id: str) -> str:
    return "\n\n---\n\n".join(f"{post_id}, part {n} of 3." for n in (1, 2, 3)) + "\n"


def write_calendar(root: Path, channels: Mapping[str, Mapping[str, object]],
                   posts: Sequence[tuple[str, str]], *, tz: str = "UTC",
                   approval: bool = False, grace: str = "2h") -> Path:
    lines = ["site_name: Test", "plugins:", "  - postgen:", f"      timezone: {tz}",
             "      brand: {name: Acme, domains: [acme.example.com]}",
             f"      approval: {{required: {str(approval).lower()}, reviewers: [dana]}}",
             f"      publish: {{grace: {grace}}}", "      channels:"]
    lines += [f"        {name}: {json.dumps(c)}" for name, c in channels.items()]
    files = {"mkdocs.yml": "\n".join(lines) + "\n", **dict(posts)}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def variants(root: Path) -> list[Variant]:
    return list(pipeline.check(pipeline.load_calendar(root))[1].variants)


def approve(root: Path, wanted: Callable[[Variant], bool] = lambda v: True) -> None:
    config = pipeline.load_calendar(root).config
    approvals.append(config, [approvals.decide(v, approvals.APPROVE, "dana", BASE)
                              for v in variants(root) if wanted(v)])


def states(root: Path, now: datetime) -> dict[tuple[str, str], str]:
    calendar, rendered, _ = pipeline.check(pipeline.load_calendar(root))
    plan = publishing.plan(calendar, rendered.variants, approvals.load(calendar.config),
                           Ledger.load(root), now)
    return {(i.variant.post_id, i.variant.channel): i.state for i in plan.items}


def ledger_states(root: Path, allow_torn: bool = False) -> dict[tuple[str, str], str]:
    ledger = Ledger.load(root)
    assert ledger.damaged == () and (allow_torn or ledger.problems == ())
    found: dict[tuple[str, str], str] = {}
    for key in ledger.recorded():
        s = ledger.status(key)
        if s is not None:
            found[(s.post, s.channel)] = f"{s.state} ({s.kind})" if s.kind else s.state
    return found


Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    """run(root, "publish", "--now", NOW): the commands, inside the calendar, secrets set."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    def invoke(root: Path, *args: str) -> Result:
        monkeypatch.chdir(root)
        return CliRunner().invoke(GROUP, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.close()


def created(p: Platforms) -> dict[str, int]:
    """What now exists on each platform."""
    return {"mastodon": len(p.api("mastodon").statuses), "bluesky": len(p.api("bluesky").records),
            "x": len(p.api("x").tweets), "webhook": len(p.api("webhook").deliveries)}


# -- what is due -------------------------------------------------------------------------


def test_due_missed_waiting_and_blocked_with_the_grace_window(tmp_path: Path, run: Run) -> None:
    channels: dict[str, dict[str, object]] = {
        "free": {"platform": "x", "account": "@acme", "approval_required": False},
        "gated": {"platform": "mastodon", "account": "@acme@mastodon.example"}}
    posts = [post("on-time", ["free", "gated"], when="2027-03-02 11:30"),
             post("at-the-edge", ["free", "gated"], when="2027-03-02 10:00"),
             post("too-late", ["free", "gated"], when="2027-03-02 09:59"),
             post("soon", ["free", "gated"], when="2027-03-02 12:01"),
             post("not-ready", ["free", "gated"], when="2027-03-02 11:00",
                  extra="draft: true\n"),
             post("edited", ["free", "gated"], when="2027-03-02 11:45")]
    root = write_calendar(tmp_path, channels, posts, approval=True)
    approve(root, lambda v: v.channel == "gated" and v.post_id in ("on-time", "edited"))
    (root / "content/edited.md").write_text(posts[-1][1].replace("fresh", "roasted"))
    now = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    assert states(root, now) == {
        ("too-late", "free"): "missed", ("too-late", "gated"): "missed",
        ("at-the-edge", "free"): "due", ("at-the-edge", "gated"): "blocked",  # in review
        ("not-ready", "free"): "blocked", ("not-ready", "gated"): "blocked",  # a draft
        ("on-time", "free"): "due", ("on-time", "gated"): "due",  # approved
        ("edited", "free"): "due", ("edited", "gated"): "blocked",  # changed since approval
        ("soon", "free"): "waiting", ("soon", "gated"): "waiting",
    }

    first = run(root, "publish", "--now", "2027-03-02 12:00")
    assert first.exit_code == 1, first.output  # the missed ones
    out = first.output
    assert "past the grace window of 2h: not sent late" in out
    assert "changed since approval" in out and "in review" in out and "a draft" in out
    assert sorted(p.relative_to(root).as_posix() for p in root.glob("outbox/**/*.json")) == [
        "outbox/free/at-the-edge.json", "outbox/free/edited.json", "outbox/free/on-time.json",
        "outbox/gated/on-time.json"]
    assert ledger_states(root) == {
        ("too-late", "free"): "failed (missed)", ("too-late", "gated"): "failed (missed)",
        ("at-the-edge", "free"): "sent", ("on-time", "free"): "sent",
        ("on-time", "gated"): "sent", ("edited", "free"): "sent"}

    second = run(root, "publish", "--now", "2027-03-02 12:00")
    assert second.exit_code == 0, second.output  # missed is reported once, then recorded
    assert "0 sent" in second.output and "2 failed-final" in second.output
    approve(root, lambda v: v.post_id == "too-late")
    assert states(root, now)[("too-late", "gated")] == "failed-final"  # never sent late


def test_daylight_saving_time_is_real_time(tmp_path: Path, run: Run) -> None:
    """America/Chicago springs forward at 02:00 on 2027-03-14: 03:30 CDT is 08:30 UTC, and
    01:30 CST (07:30 UTC) to 04:29 CDT is under two hours, not three."""
    channels = {"free": {"platform": "x", "account": "@acme"}}
    root = write_calendar(tmp_path, channels, [
        post("spring", ["free"], when="2027-03-14 03:30"),
        post("night", ["free"], when="2027-03-14 01:30")], tz="America/Chicago")

    def at(hour: int, minute: int) -> dict[str, str]:
        found = states(root, datetime(2027, 3, 14, hour, minute, tzinfo=UTC))
        return {p: s for (p, _c), s in found.items()}

    assert at(8, 29) == {"night": "due", "spring": "waiting"}
    assert at(8, 31) == {"night": "due", "spring": "due"}
    assert at(9, 29) == {"night": "due", "spring": "due"}  # 04:29 local, 1h59m late
    assert at(9, 31) == {"night": "missed", "spring": "due"}
    assert at(10, 30) == {"night": "missed", "spring": "due"}  # exactly the grace window
    assert at(10, 31) == {"night": "missed", "spring": "missed"}

    skipped = run(root, "publish", "--now", "2027-03-14 02:30")
    assert skipped.exit_code == 2 and "does not exist" in skipped.output
    result = run(root, "publish", "--now", "2027-03-14T08:31:00Z")
    assert result.exit_code == 0, result.output
    assert "at 2027-03-14 03:31 CDT" in result.output
    assert ledger_states(root) == {("night", "free"): "sent", ("spring", "free"): "sent"}


# -- sending -----------------------------------------------------------------------------


def test_a_run_sends_each_due_variant_once_and_the_next_sends_nothing(
        tmp_path: Path, run: Run, platforms: Platforms) -> None:
    root = write_calendar(tmp_path, {n: platforms.channel(n) for n in ALL}, [
        post("single", ALL), post("threaded", ALL, body=thread("threaded")),
        post("tomorrow", ALL, when="2027-03-03 09:30")])
    first = run(root, "publish", "--now", NOW)
    assert first.exit_code == 0, first.output
    assert "10 sent, 0 failed, 0 unknown, 0 missed" in first.output
    assert SECRET not in first.output
    assert created(platforms) == {"mastodon": 4, "bluesky": 4, "x": 4, "webhook": 2}
    assert len(list(root.glob("outbox/outbox/*.json"))) == 2
    assert set(ledger_states(root).values()) == {"sent"} and len(ledger_states(root)) == 10
    statuses = platforms.api("mastodon").statuses.values()
    assert [s["in_reply_to_id"] is None for s in statuses].count(True) == 2  # a reply chain
    assert not any(p.api(n).violations for p in [platforms] for n in NETWORK)
    ledger_text = (root / FILE).read_text()
    assert SECRET not in ledger_text

    before = {n: len(platforms.requests(n)) for n in NETWORK}
    second = run(root, "publish", "--now", NOW)
    assert second.exit_code == 0, second.output
    assert "Nothing to send." in second.output and "10 done" in second.output
    assert {n: len(platforms.requests(n)) for n in NETWORK} == before
    assert (root / FILE).read_text() == ledger_text

    shown = json.loads(run(root, "ledger", "show", "--format", "json").output)
    assert len(shown) == 10 and {r["state"] for r in shown} == {"sent"}
    mastodon = next(r for r in shown if r["channel"] == "mastodon" and r["post"] == "single")
    assert mastodon["url"].startswith(platforms.servers["mastodon"].url)
    text = run(root, "ledger", "show").output
    assert f"{key_of('single', 'x', _hash(root, 'single', 'x'))}" in text


def _hash(root: Path, post_id: str, channel: str) -> str:
    return next(v.hash for v in variants(root) if (v.post_id, v.channel) == (post_id, channel))


def test_one_failing_channel_never_stops_the_others(tmp_path: Path, run: Run,
                                                    platforms: Platforms,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_calendar(tmp_path, {n: platforms.channel(n) for n in ALL},
                          [post("p1", ALL), post("p2", ALL)])
    monkeypatch.setenv("MASTODON_TOKEN", "an-expired-token")  # 401
    hook = platforms.servers["webhook"]  # p1's delivery: no answer, then three 503s
    hook.fail("POST /hook", reset(after=False))
    hook.fail("POST /hook", answer(503, {"error": "Service Unavailable"}), times=3)
    first = run(root, "publish", "--now", NOW)
    assert first.exit_code == 1, first.output
    assert ledger_states(root) == {
        ("p1", "mastodon"): "failed (auth)", ("p2", "mastodon"): "failed (auth)",
        ("p1", "webhook"): "unknown", ("p2", "webhook"): "sent",  # it may have arrived
        **{(p, c): "sent" for p in ("p1", "p2") for c in ("bluesky", "x", "outbox")}}
    assert "failed (auth)" in first.output and "re-authenticate and update MASTODON_TOKEN" \
        in first.output
    assert "an-expired-token" not in first.output + (root / FILE).read_text()
    assert created(platforms) == {"mastodon": 0, "bluesky": 2, "x": 2, "webhook": 1}

    monkeypatch.setenv("MASTODON_TOKEN", SECRET)  # re-authenticated
    hooks = len(platforms.requests("webhook", "POST /hook"))
    second = run(root, "publish", "--now", "2027-03-02T09:46:00Z")
    assert second.exit_code == 1, second.output  # the webhook's p1 is still unknown
    assert len(platforms.requests("webhook", "POST /hook")) == hooks  # never resent blindly
    assert created(platforms)["mastodon"] == 2  # auth failures are retried
    key = key_of("p1", "webhook", _hash(root, "p1", "webhook"))
    assert "ledger resolve" in second.output and key in second.output

    missing = run(root, "ledger", "resolve", "0000000", "--sent", "--by", "dana")
    assert missing.exit_code == 2 and "matches no key" in missing.output
    sent_key = key_of("p2", "webhook", _hash(root, "p2", "webhook"))
    refused = run(root, "ledger", "resolve", sent_key, "--not-sent", "--by", "dana")
    assert refused.exit_code == 1 and "is sent, not unknown" in refused.output
    resolved = run(root, "ledger", "resolve", key[:8], "--not-sent", "--by", "dana",
                   "--note", "not on the profile")
    assert resolved.exit_code == 0, resolved.output
    third = run(root, "publish", "--now", "2027-03-02T10:01:00Z")
    assert third.exit_code == 0, third.output
    assert created(platforms) == {"mastodon": 2, "bluesky": 2, "x": 2, "webhook": 2}
    assert set(ledger_states(root).values()) == {"sent"}


def test_a_channel_with_config_problems_fails_alone_before_any_request(
        tmp_path: Path, run: Run, platforms: Platforms,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_calendar(tmp_path, {n: platforms.channel(n) for n in ALL}, [post("p1", ALL)])
    monkeypatch.delenv("BSKY_APP_PASSWORD")
    result = run(root, "publish", "--now", NOW)
    assert result.exit_code == 1
    assert "failed (config)" in result.output and "set BSKY_APP_PASSWORD" in result.output
    assert platforms.requests("bluesky") == []
    assert created(platforms) == {"mastodon": 1, "bluesky": 0, "x": 1, "webhook": 1}
    assert ledger_states(root)[("p1", "bluesky")] == "failed (config)"


def test_rejected_is_final_and_retry_later_waits_for_the_platform(
        tmp_path: Path, run: Run, platforms: Platforms) -> None:
    root = write_calendar(tmp_path, {"x": platforms.channel("x"),
                                     "webhook": platforms.channel("webhook")}, [post("p1",
                                                                                ["x", "webhook"])])
    platforms.servers["x"].fail("POST /2/tweets", answer(400, {
        "title": "Invalid Request", "detail": "One or more parameters to your request was "
                                              "invalid.", "type": "about:blank"}))
    platforms.servers["webhook"].fail("POST /hook", answer(503, {"error": "busy"},
                                                           Retry_After="1200"))
    first = run(root, "publish", "--now", NOW)
    assert first.exit_code == 1
    assert "failed (rejected)" in first.output and "parameters to your request" in first.output
    assert ledger_states(root) == {("p1", "x"): "failed (rejected)",
                                   ("p1", "webhook"): "failed (retry-later)"}
    retry_at = Ledger.load(root).status(key_of("p1", "webhook", _hash(root, "p1", "webhook")))
    assert retry_at is not None and retry_at.retry_at is not None
    assert retry_at.retry_at - datetime(2027, 3, 2, 9, 31, tzinfo=UTC) >= timedelta(minutes=20)

    hooks = len(platforms.requests("webhook"))
    again = run(root, "publish", "--now", "2027-03-02T09:40:00Z")
    assert again.exit_code == 0 and "Nothing to send." in again.output
    assert len(platforms.requests("webhook")) == hooks and created(platforms)["x"] == 0
    assert states(root, datetime(2027, 3, 2, 9, 40, tzinfo=UTC)) == {
        ("p1", "x"): "failed-final", ("p1", "webhook"): "waiting"}
    later = run(root, "publish", "--now", "2027-03-02T09:55:00Z")
    assert later.exit_code == 0, later.output
    assert created(platforms) == {"mastodon": 0, "bluesky": 0, "x": 0, "webhook": 1}


def test_a_damaged_ledger_stops_sending_but_a_line_cut_short_does_not(
        tmp_path: Path, run: Run) -> None:
    root = write_calendar(tmp_path, {"outbox": {"platform": "x", "account": "@acme"}},
                          [post("p1", ["outbox"])])
    (root / FILE).write_text('{"event": "sent", "key": "abc", "post": "p0", "ch\n'
                             'someone typed here\n')
    result = run(root, "publish", "--now", NOW)
    assert result.exit_code == 1
    assert f"{FILE}:2: unreadable ledger line" in result.output
    assert f"{FILE}:1:" not in result.output.split("warning:")[-1]  # the torn one is harmless
    assert "could mean sending a post twice" in result.output
    assert not (root / "outbox").exists()
    assert run(root, "publish", "--now", NOW, "--dry-run").exit_code == 0
    (root / FILE).write_text('{"event": "sent", "key": "abc", "post": "p0", "ch\n')
    repaired = run(root, "publish", "--now", NOW)
    assert repaired.exit_code == 0, repaired.output
    assert f"warning: {FILE}:1: a line cut short by a crash; ignored" in repaired.output
    assert ledger_states(root, allow_torn=True) == {("p1", "outbox"): "sent"}


class Died(BaseException):
    """The process stopping dead right after the platform acted (as SIGKILL would)."""


def dying(name: str) -> type[Publisher]:
    real = load(name)

    class Dying(real):  # type: ignore[valid-type,misc]
        def send(self, job: Job) -> Sent:
            super().send(job)
            raise Died(job.variant.post_id)

    return Dying


def test_unknown_outcomes_are_resolved_by_asking_the_platform_on_the_next_run(
        tmp_path: Path, run: Run, platforms: Platforms) -> None:
    names = ("mastodon", "bluesky", "x", "outbox")
    root = write_calendar(tmp_path, {n: platforms.channel(n) for n in names},
                          [post("p1", names, body=thread("p1"))])
    calendar, rendered, _ = pipeline.check(pipeline.load_calendar(root))
    ledger = Ledger.load(root)
    now = BASE + timedelta(minutes=1)
    plan = publishing.plan(calendar, rendered.variants, approvals.load(calendar.config),
                           ledger, now)
    with httpx.Client(timeout=5) as client, pytest.raises(Died):
        context = Context(env=ENV, client=client, root=str(root), sleep=lambda s: None,
                          now=lambda: now)
        publishing.run(plan, context, ledger, load=dying)
    assert set(ledger_states(root).values()) == {"unknown"}  # intents, no results
    again = publishing.plan(calendar, rendered.variants, approvals.load(calendar.config),
                            Ledger.load(root), now)
    assert {(i.state, i.intent_at) for i in again.items} == {("unknown", now)}  # for resolve
    assert created(platforms) == {"mastodon": 3, "bluesky": 3, "x": 3, "webhook": 0}
    statuses = dict(platforms.api("mastodon").statuses)

    second = run(root, "publish", "--now", "2027-03-02T09:35:00Z")
    assert second.exit_code == 0, second.output
    assert ledger_states(root) == {("p1", "mastodon"): "sent", ("p1", "bluesky"): "sent",
                                   ("p1", "outbox"): "sent", ("p1", "x"): "sent"}
    # Mastodon: the account's statuses show all three parts; nothing is posted again.
    assert platforms.api("mastodon").statuses == statuses
    assert len(platforms.requests("mastodon", "POST /api/v1/statuses")) == 3
    assert len(platforms.requests("mastodon", "GET /api/v1/accounts/")) == 2
    # Bluesky: getRecord found every part; nothing was created again.
    assert len(platforms.requests("bluesky", "GET /xrpc/com.atproto.repo.getRecord")) == 3
    assert len(platforms.requests("bluesky", "POST /xrpc/com.atproto.repo.createRecord")) == 3
    # X: the user's posts show all three parts; nothing is posted again.
    assert len(platforms.api("x").tweets) == 3
    assert len(platforms.requests("x", "POST /2/tweets")) == 3
    assert len(platforms.requests("x", "GET /2/users/")) == 2
    assert "an earlier send had gone through" in second.output
    resolved = [e for e in Ledger.load(root).entries if e.event == "resolved"]
    assert {(e.channel, e.by) for e in resolved} == {("mastodon", "mastodon resolve"),
                                                     ("bluesky", "bluesky resolve"),
                                                     ("outbox", "outbox resolve"),
                                                     ("x", "x resolve")}
    status = Ledger.load(root).status(key_of("p1", "mastodon", _hash(root, "p1", "mastodon")))
    assert status is not None and status.remote_id == next(iter(statuses))
    status = Ledger.load(root).status(key_of("p1", "x", _hash(root, "p1", "x")))
    assert status is not None and status.part_ids == tuple(platforms.api("x").tweets)
    third = run(root, "publish", "--now", "2027-03-02T09:36:00Z")
    assert third.exit_code == 0 and "Nothing to send." in third.output


def test_dry_run_shows_the_requests_without_secrets_and_writes_nothing(
        tmp_path: Path, run: Run, platforms: Platforms) -> None:
    root = write_calendar(tmp_path, {n: platforms.channel(n) for n in ALL}, [post("p1", ALL)])
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run(root, "publish", "--now", NOW, "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert SECRET not in out
    assert out.count("would send p1 -> ") == 5
    assert f"POST {platforms.servers['mastodon'].url}/api/v1/statuses" in out
    assert "Authorization: Bearer ***" in out and "Idempotency-Key: " in out
    assert '"password": "***"' in out  # Bluesky's createSession
    assert "X-Postgen-Signature: sha256=***" in out
    assert "WRITE outbox/outbox/p1.json" in out
    assert "dry run: 0 sent" in out and "5 would-send" in out
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # no ledger, lock
    assert all(platforms.requests(n) == [] for n in NETWORK)


def test_a_second_run_on_the_same_calendar_exits_2_while_the_first_sends(
        tmp_path: Path, run: Run) -> None:
    slow = Platforms(["webhook"], latency=0.4)
    try:
        root = write_calendar(tmp_path, {"webhook": slow.channel("webhook")},
                              [post(f"p{n}", ["webhook"]) for n in range(3)])
        first = subprocess.Popen([sys.executable, "-c", RUNNER, "publish", "--now", NOW],
                                 cwd=root, env={**os.environ, **ENV}, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        lock = root / publishing.LOCK_FILE
        deadline = time.monotonic() + 20
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.01)
        second = run(root, "publish", "--now", NOW)
        output, _ = first.communicate(timeout=30)
        assert first.returncode == 0, output
        assert second.exit_code == 2, second.output
        assert f"(pid {first.pid}) is running on this calendar" in second.output
        assert "3 sent" in output
        assert len(slow.requests("webhook")) == 3 and len(slow.api("webhook").deliveries) == 3
        third = run(root, "publish", "--now", NOW)
        assert third.exit_code == 0 and "Nothing to send." in third.output
    finally:
        slow.close()


# -- the example calendar --------------------------------------------------------------------


def test_the_example_calendar_publishes_to_the_outbox(tmp_path: Path, run: Run) -> None:
    repo = Path(__file__).resolve().parent.parent
    for name in ("mkdocs.yml", "content", "assets", "approvals.jsonl"):
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.is_file():
            shutil.copy2(source, tmp_path / name)
    calendar = pipeline.load_calendar(tmp_path)
    posts = {p.id: p for p in calendar.posts}
    current = [v for v in variants(tmp_path)
               if not posts[v.post_id].draft and all(c.ok for c in v.counts)]
    first_day = min(v.date for v in current)
    now = first_day + timedelta(minutes=5)
    due = [v for v in current if v.date <= now]
    assert len(due) >= 4
    approvals.append(calendar.config, [approvals.decide(v, approvals.APPROVE,
                                                        calendar.config.approval.reviewers[0],
                                                        now) for v in due])
    when = now.astimezone(UTC).isoformat()

    result = run(tmp_path, "publish", "--now", when)
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("outbox/**/*.json"))
    assert files == sorted(f"outbox/{v.channel}/{v.post_id}.json" for v in due)
    for v in due:
        document = json.loads((tmp_path / f"outbox/{v.channel}/{v.post_id}.json").read_text())
        assert document["idempotency_key"] == key_of(v.post_id, v.channel, v.hash)
    assert f"{len(due)} sent" in result.output
    stamps = {f: (tmp_path / f).stat().st_mtime_ns for f in files}

    again = run(tmp_path, "publish", "--now", when)
    assert again.exit_code == 0 and "Nothing to send." in again.output
    assert {f: (tmp_path / f).stat().st_mtime_ns for f in files} == stamps
    assert f"{len(due)} done" in again.output


def test_the_ledger_answers_approvals_published_callback(tmp_path: Path, run: Run) -> None:
    root = write_calendar(tmp_path, {"outbox": {"platform": "x", "account": "@acme"}},
                          [post("p1", ["outbox"]), post("p2", ["outbox"], when="2027-03-09 09:30")])
    assert run(root, "publish", "--now", NOW).exit_code == 0
    calendar = pipeline.load_calendar(root)
    ledger = Ledger.load(root)
    posts = {p.id: p for p in calendar.posts}
    found = {v.post_id: approvals.state(calendar.config, approvals.load(calendar.config),
                                        posts[v.post_id], v, BASE, ledger.published).key
             for v in variants(root)}
    assert found == {"p1": "published", "p2": "scheduled"}
