"""`postgen publish` meeting bad secrets, rate limits, lost answers and crashed threads
(issue 17, items 1-7, and issue 18, item 7), against fake platforms on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from postgen import approvals, pipeline
from postgen import publish as publishing
from postgen.ledger import FILE, Entry, Ledger, key_of
from postgen.publishers.base import Context, Job, load
from postgen.publishers.rest import Values
from postgen.publishers.steps import Step
from tests.publishers.conftest import SECRET
from tests.publishers.fakes import FakeMastodon, Recorded, Reply, answer
from tests.test_publish import (
    BASE,
    ENV,
    NOW,
    Died,
    Platforms,
    Run,
    _hash,
    ledger_states,
    post,
    run,
    thread,
    write_calendar,
)

__all__ = ["run"]  # the fixture: the commands, inside the calendar, secrets set


@pytest.fixture
def mastodon() -> Iterator[Platforms]:
    p = Platforms(["mastodon"])
    yield p
    p.close()


def everything(root: Path, run: Run, *outputs: str) -> str:
    """Every text postgen wrote or printed about the run: ledger, summary, `ledger show`."""
    shown = run(root, "ledger", "show").output + run(root, "ledger", "show", "--format",
                                                     "json").output
    return "\n".join([(root / FILE).read_text(), shown, *outputs])


# -- 17.1, 17.6: a secret that cannot go into a header --------------------------------


def test_a_token_pasted_with_a_line_break_is_stripped_and_works(
        tmp_path: Path, run: Run, mastodon: Platforms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTODON_TOKEN", f"  {SECRET}\n")
    root = write_calendar(tmp_path, {"mastodon": mastodon.channel("mastodon")},
                          [post("p1", ["mastodon"])])
    result = run(root, "publish", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert ledger_states(root) == {("p1", "mastodon"): "sent"}
    sent = mastodon.requests("mastodon", "POST /api/v1/statuses")
    assert [r.headers["authorization"] for r in sent] == [f"Bearer {SECRET}"]
    assert SECRET not in everything(root, run, result.output)


def test_a_token_with_a_non_ascii_character_is_a_config_failure_naming_the_variable(
        tmp_path: Path, run: Run, mastodon: Platforms, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "tok-SECRÉT-9f8e7d6c5b4a"
    monkeypatch.setenv("MASTODON_TOKEN", token)
    root = write_calendar(tmp_path, {"mastodon": mastodon.channel("mastodon")},
                          [post("p1", ["mastodon"]), post("p2", ["mastodon"])])
    result = run(root, "publish", "--now", NOW)
    assert result.exit_code == 1
    assert ledger_states(root) == {("p1", "mastodon"): "failed (config)",
                                   ("p2", "mastodon"): "failed (config)"}
    assert "MASTODON_TOKEN (the token for this channel) has a non-ASCII character" \
        in result.output
    assert "may have gone out" not in result.output
    assert mastodon.requests("mastodon") == []  # nothing left
    text = everything(root, run, result.output)
    assert token not in text and "SECR" not in text and quote(token) not in text


def test_an_error_raised_before_the_request_leaves_is_a_config_problem() -> None:
    """A header no HTTP request can carry: httpx refuses it before sending anything."""
    from postgen.publishers.base import ConfigProblem
    from postgen.publishers.http import call
    from tests.publishers.conftest import Clock
    from tests.publishers.fakes import FakeServer, FakeWebhook

    server = FakeServer(FakeWebhook(SECRET))
    clock = Clock()
    try:
        with httpx.Client(timeout=2) as client:
            ctx = Context(env={}, client=client, root=".", sleep=clock.sleep, now=clock.now,
                          clock=clock.now)
            for value in (f"Bearer {SECRET}\n", "Bearer tok-SECRÉT-9f8e7d6c5b4a"):
                with pytest.raises(ConfigProblem, match="nothing was sent") as raised:
                    call(ctx, "POST", f"{server.url}/hook", idempotent=False,
                         headers={"Authorization": value}, json={}, publishes=True)
                message = str(raised.value)
                assert "SECR" not in message and "9f8e7d6c" not in message, message
    finally:
        server.close()
    assert server.requests == []


# -- 18.7: an echo server reflecting the token in every form --------------------------

#: A bearer token (RFC 6750 allows + / =) with characters every encoding changes.
ODD_TOKEN = 'tok+SECRET/9f8e7d6c\\5b4a"x=='


def reflections(token: str) -> list[str]:
    data = token.encode()
    return [token, repr(token)[1:-1], json.dumps(token)[1:-1], json.dumps(json.dumps(token)),
            quote(token, safe=""), quote_plus(token), quote(token, safe="").lower(),
            base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode(),
            base64.b64encode(b"Bearer " + data).decode(),
            base64.b64encode(b"acme:" + data).decode(), token[:12], token[3:15]]


class EchoMastodon(FakeMastodon):
    """Answers with the token it was sent, in every form: in an error for one post, in
    the id and URL of the status for the other."""

    def handle(self, req: Recorded) -> Reply:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if req.route != "POST /api/v1/statuses" or token != self.token:
            return super().handle(req)
        if "p1" in req.json()["status"]:
            return Reply(422, {"error": "Validation failed: " + " | ".join(
                reflections(token))})
        return Reply(200, {"id": f"777{quote(token, safe='')}",
                           "url": f"{self.base}/@acme/777?echo={quote_plus(token)}"
                                  f"&b={base64.b64encode(token.encode()).decode()}"})


def test_secrets_are_scrubbed_in_every_form_from_every_output(
        tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTODON_TOKEN", ODD_TOKEN)
    p = Platforms([])
    from tests.test_publish import SlowServer

    p.servers["mastodon"] = SlowServer(EchoMastodon(ODD_TOKEN))
    try:
        root = write_calendar(tmp_path, {"mastodon": p.channel("mastodon")},
                              [post("p1", ["mastodon"]), post("p2", ["mastodon"])])
        result = run(root, "publish", "--now", NOW)
    finally:
        p.close()
    assert ledger_states(root) == {("p1", "mastodon"): "failed (rejected)",
                                   ("p2", "mastodon"): "sent"}
    assert "Validation failed: ***" in result.output, result.output  # scrubbed
    text = everything(root, run, result.output)
    for form in reflections(ODD_TOKEN):
        assert form not in text, form
    message = Ledger.load(root).status(key_of("p1", "mastodon", _hash(root, "p1", "mastodon")))
    assert message is not None and message.message is not None
    assert len(message.message) < 400  # a bounded excerpt of the platform's answer


def test_ledger_show_scrubs_a_secret_an_older_version_wrote(
        tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTODON_TOKEN", f"{SECRET}\n")  # as the report had it
    root = write_calendar(tmp_path, {"mastodon": {"platform": "mastodon", "account": "@a@b.c",
                                                  "options": {"token_env": "MASTODON_TOKEN"}}},
                          [post("p1", ["mastodon"])])
    leaked = f"Illegal header value b'Bearer {SECRET}\\n'"
    (root / FILE).write_text(Entry("failed", "k" * 32, "p1", "mastodon",
                                   "2027-03-02T09:31:00+00:00", kind="config",
                                   message=leaked).line() + "\n")
    shown = run(root, "ledger", "show").output
    assert "Illegal header value b'Bearer ***'" in shown and SECRET[:8] not in shown


# -- 17.4: a long rate limit stops the channel -------------------------------------------


def test_a_rate_limit_resetting_hours_away_stops_the_channel_until_then(
        tmp_path: Path, run: Run) -> None:
    p = Platforms(["x"])
    reset = str(int(time.time()) + 2 * 3600)  # X's reset: Unix time, on the real clock
    p.servers["x"].fail("POST /2/tweets", answer(429, {"title": "Too Many Requests"},
                                                 x_rate_limit_remaining="0",
                                                 x_rate_limit_reset=reset), times=100)
    try:
        root = write_calendar(tmp_path, {"x": p.channel("x")},
                              [post(f"p{n}", ["x"]) for n in range(6)])
        first = run(root, "publish", "--now", NOW)
        assert first.exit_code == 1
        assert len(p.requests("x", "POST /2/tweets")) == 1
        assert "0 sent, 1 failed, 0 unknown, 0 missed, 5 waiting" in first.output
        assert first.output.count("not tried: x is rate limited until 2027-03-02T11:3") == 5, \
            first.output  # two hours after the run's "now" (09:31), give or take a second
        assert set(ledger_states(root).values()) == {"failed (retry-later)"}
        later = run(root, "publish", "--now", "2027-03-02T10:31:00Z")
        assert len(p.requests("x", "POST /2/tweets")) == 1  # still waiting: no request
        assert "Nothing to send." in later.output and "6 waiting" in later.output
    finally:
        p.close()


# -- 17.5: the platform's times are real; resolve never sends late ------------------------


def test_a_rate_limit_reset_is_read_against_the_real_clock_not_now() -> None:
    from postgen.publishers.http import RetryPolicy, call
    from tests.publishers.conftest import Clock

    real = Clock(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    pretend = Clock(datetime(2027, 3, 2, 9, 31, tzinfo=UTC))  # `publish --now`
    answers = iter([httpx.Response(429, headers={
        "X-RateLimit-Reset": (real.now() + timedelta(seconds=120)).isoformat()}),
        httpx.Response(200, json={"id": "1"})])
    transport = httpx.MockTransport(lambda request: next(answers))
    with httpx.Client(transport=transport) as client:
        ctx = Context(env={}, client=client, root=".", sleep=pretend.sleep, now=pretend.now,
                      clock=real.now)
        call(ctx, "POST", "https://mastodon.example/api/v1/statuses", idempotent=True,
             headers={}, policy=RetryPolicy(jitter=lambda: 0.5))
    assert pretend.sleeps == [120.0]


def test_resolve_never_sends_a_post_whose_grace_window_has_ended(
        tmp_path: Path, run: Run, mastodon: Platforms) -> None:
    """The run that began sending died before the request left; 45 minutes later, with a
    30-minute grace window, nothing is on Mastodon: it is missed, not posted late (even
    within the hour Mastodon would recognise its key)."""
    root = write_calendar(tmp_path, {"mastodon": mastodon.channel("mastodon")},
                          [post("p1", ["mastodon"])], grace="30m")
    key = key_of("p1", "mastodon", _hash(root, "p1", "mastodon"))
    (root / FILE).write_text(Entry("intent", key, "p1", "mastodon", "2027-03-02T09:30:30+00:00",
                                   hash=_hash(root, "p1", "mastodon"),
                                   publisher="mastodon").line() + "\n")
    result = run(root, "publish", "--now", "2027-03-02T10:15:00Z")
    assert result.exit_code == 1
    assert mastodon.requests("mastodon", "POST") == []
    assert ledger_states(root) == {("p1", "mastodon"): "failed (missed)"}
    assert "not sent earlier; was due" in result.output


# -- 17.7: threads ------------------------------------------------------------------------


def dies_before_part(n: int) -> type:
    real = load("x")

    class Dying(real):  # type: ignore[valid-type,misc]
        def perform(self, job: Job, step: Step, values: Values, *, posted: bool) -> None:
            if step.part == n:
                raise Died(job.variant.post_id)
            super().perform(job, step, values, posted=posted)

    return Dying


def test_a_crashed_thread_says_how_many_parts_to_look_for_and_resolves_by_parts(
        tmp_path: Path, run: Run) -> None:
    p = Platforms(["x"])
    # The token may post but not read (no users.read): X cannot be asked what exists.
    p.servers["x"].fail("GET /2/users/me", answer(403, {
        "title": "Forbidden", "detail": "You are not permitted to perform this request.",
        "type": "about:blank", "status": 403}), times=10)
    try:
        root = write_calendar(tmp_path, {"x": p.channel("x")},
                              [post("p1", ["x"], body=thread("p1"))])
        calendar, rendered, _ = pipeline.check(pipeline.load_calendar(root))
        ledger = Ledger.load(root)
        plan = publishing.plan(calendar, rendered.variants, approvals.load(calendar.config),
                               ledger, BASE + timedelta(minutes=1))
        with httpx.Client(timeout=5) as client, pytest.raises(Died):
            context = Context(env=ENV, client=client, root=str(root), sleep=lambda s: None,
                              now=lambda: BASE + timedelta(minutes=1))
            publishing.run(plan, context, ledger, load=lambda name: dies_before_part(2))
        tweets = list(p.api("x").tweets)
        assert len(tweets) == 2
        again = run(root, "publish", "--now", NOW)
    finally:
        p.close()
    assert again.exit_code == 1
    assert (f"(a thread of 3 parts; part(s) 1 ({tweets[0]}), 2 ({tweets[1]}) confirmed "
            "posted: look for all 3") in again.output
    key = key_of("p1", "x", _hash(root, "p1", "x"))
    whole = run(root, "ledger", "resolve", key[:8], "--sent", "--by", "dana")
    assert whole.exit_code == 2
    assert f"is a thread of 3 parts; the ledger confirms part(s) {', '.join(tweets)}" \
        in whole.output
    assert run(root, "ledger", "resolve", key[:8], "--sent", "--parts", "4",
               "--by", "dana").exit_code == 2
    seen = run(root, "ledger", "resolve", key[:8], "--sent", "--parts", "2", "--by", "dana")
    assert seen.exit_code == 0, seen.output
    assert "sent (2 of 3 parts seen; the rest will not be sent), by dana" in seen.output
    last = Ledger.load(root).entries[-1]
    assert (last.event, last.outcome, last.part_ids) == ("resolved", "sent", tuple(tweets))
    assert last.message == "2 of 3 parts seen; the rest will not be sent"


def test_sent_is_still_what_it_was_for_a_single_post(tmp_path: Path, run: Run) -> None:
    root = write_calendar(tmp_path, {"x": {"platform": "x", "account": "@acme",
                                           "publisher": "x", "options": {"token_env": "T"}}},
                          [post("p1", ["x"])])
    key = key_of("p1", "x", _hash(root, "p1", "x"))
    (root / FILE).write_text(Entry("intent", key, "p1", "x", "2027-03-02T09:30:30+00:00",
                                   hash="h", publisher="x").line() + "\n")
    result = run(root, "ledger", "resolve", key, "--sent", "--remote-id", "1", "--by", "dana")
    assert result.exit_code == 0, result.output
    assert Ledger.load(root).status(key).state == "sent"  # type: ignore[union-attr]
