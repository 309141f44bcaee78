"""Each network platform failing the way it fails: rate limits with its own reset
header, server errors, timeouts, resets, refused connections, bad tokens, refusals.

What matters is the class of the outcome: a request that may have posted is
never repeated unless it carries a client-chosen record key (Bluesky, and the
webhook's Idempotency-Key); Mastodon looks its statuses up instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from postgen.publishers.base import OutcomeUnknown, Rejected, RetryLater, Sent
from tests.publishers.conftest import NOW, SECRET, THREAD, World, free_port
from tests.publishers.fakes import Fault, answer, graph_error, reset, timeout

G, T = "/v21.0", "/v1.0"
BACKOFF = [0.75, 1.5, 3.0]  # base 1 s doubling, jitter fixed at 0.5 ("equal jitter")


def usage(minutes: float) -> str:
    """Graph's X-Business-Use-Case-Usage header asking for `minutes` of rest."""
    return json.dumps({"1001": [{"type": "pages", "call_count": 100, "total_cputime": 30,
                                 "total_time": 30, "estimated_time_to_regain_access": minutes}]})


@dataclass(frozen=True)
class Faults:
    post: str  # the route of the request that publishes
    keyed: bool  # it carries a key that makes repeating it safe
    #: The platform's own "slow down" for a wait of `seconds` from `now`.
    limit: Callable[[datetime, float], Fault]
    rejected: Fault
    message: str  # the platform's words, which Rejected must carry
    count: Callable[[Any], int]  # how many posts the platform (a FakeAPI) now has
    upload: str | None = None  # a request before the post that is safe to repeat
    header: bool = True  # the rate limit says when to come back
    looks_up: bool = False  # after a lost answer, finds the post it made on the platform


FAULTS = {
    "mastodon": Faults(
        "POST /api/v1/statuses", False,
        lambda now, s: answer(429, {"error": "Too many requests"},
                              X_RateLimit_Reset=(now + timedelta(seconds=s)).isoformat()),
        answer(422, {"error": "Validation failed: Text character limit of 500 exceeded"}),
        "Validation failed: Text character limit of 500 exceeded",
        lambda api: len(api.statuses), "POST /api/v2/media", looks_up=True),
    "bluesky": Faults(
        "POST /xrpc/com.atproto.repo.createRecord", True,
        lambda now, s: answer(429, {"error": "RateLimitExceeded", "message": "Rate Limit "
                                    "Exceeded"}, Retry_After=str(int(s))),
        answer(400, {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: "
                     "Record/text must not be longer than 300 graphemes"}),
        "Record/text must not be longer than 300 graphemes",
        lambda api: len(api.records), "POST /xrpc/com.atproto.repo.uploadBlob"),
    "x": Faults(
        "POST /2/tweets", False,
        lambda now, s: answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                    "type": "about:blank", "status": 429},
                              x_rate_limit_remaining="0",
                              x_rate_limit_reset=str(int(now.timestamp() + s))),
        answer(400, {"errors": [{"message": "The `text` field is too long."}],
                     "title": "Invalid Request", "detail": "One or more parameters to your "
                     "request was invalid.", "type": "https://api.twitter.com/2/problems/"
                     "invalid-request"}),
        "The `text` field is too long.", lambda api: len(api.tweets), "POST /2/media/upload",
        looks_up=True),
    "linkedin": Faults(
        "POST /rest/posts", False,
        lambda now, s: answer(429, {"status": 429, "message": "Resource level throttle limit "
                                    "for calls to this resource is reached."}),
        answer(422, {"status": 422, "message": "ERROR :: /commentary :: Exceeded maximum "
                     "length"}),
        "ERROR :: /commentary :: Exceeded maximum length", lambda api: len(api.posts),
        "POST /rest/images", header=False, looks_up=True),
    "facebook": Faults(
        f"POST {G}/1001/photos", False,
        lambda now, s: answer(403, graph_error("(#32) Page request limit reached", 32),
                              X_Business_Use_Case_Usage=usage(s / 60)),
        answer(400, graph_error("(#100) Invalid parameter", 100)),
        "(#100) Invalid parameter (code 100)", lambda api: len(api.published), looks_up=True),
    "instagram": Faults(
        f"POST {G}/2002/media_publish", False,
        lambda now, s: answer(400, graph_error("(#4) Application request limit reached", 4,
                                               is_transient=True),
                              X_Business_Use_Case_Usage=usage(s / 60)),
        answer(400, graph_error("The aspect ratio is not supported.", 36003,
                                error_subcode=2207009)),
        "The aspect ratio is not supported. (code 36003, subcode 2207009)",
        lambda api: len(api.published), f"POST {G}/2002/media", looks_up=True),
    "threads": Faults(
        f"POST {T}/3003/threads_publish", False,
        lambda now, s: answer(400, graph_error("(#613) Calls to this api have exceeded the "
                                               "rate limit.", 613),
                              X_Business_Use_Case_Usage=usage(s / 60)),
        answer(400, graph_error("Param text must be at most 500 characters long.", 100)),
        "Param text must be at most 500 characters long.", lambda api: len(api.published),
        f"POST {T}/3003/threads", looks_up=True),
    "webhook": Faults(
        "POST /hook", True,
        lambda now, s: answer(429, {"error": "slow down"},
                              Retry_After=format_datetime(now + timedelta(seconds=s),
                                                          usegmt=True)),
        answer(422, {"error": "unknown channel"}), "unknown channel",
        lambda api: len(api.deliveries)),
}
NAMES = tuple(FAULTS)
WITH_UPLOAD = tuple(n for n in NAMES if FAULTS[n].upload)


def start(world: World, name: str) -> Faults:
    world.use(name)
    return FAULTS[name]


def posts(world: World, faults: Faults) -> int:
    return faults.count(world.api)


def hits(world: World, route: str) -> int:
    return sum(1 for r in world.received() if r.startswith(route))


@pytest.mark.parametrize("name", NAMES)
def test_rate_limit_waits_as_long_as_the_platform_says(world: World, name: str) -> None:
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, faults.limit(NOW, 120))
    sent = world.publisher().send(job)
    assert isinstance(sent, Sent)
    assert world.clock.sleeps == ([120.0] if faults.header else BACKOFF[:1])
    assert hits(world, faults.post) == 2 and posts(world, faults) == 1


@pytest.mark.parametrize("name", [n for n in NAMES if FAULTS[n].header])
def test_a_wait_beyond_max_wait_is_left_to_the_next_run(world: World, name: str) -> None:
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, faults.limit(NOW, 3600))
    with pytest.raises(RetryLater) as raised:
        world.publisher().send(job)
    assert raised.value.retry_at == NOW + timedelta(seconds=3600)
    assert world.clock.sleeps == [] and posts(world, faults) == 0


@pytest.mark.parametrize("name", NAMES)
def test_a_server_error_is_retried_only_when_repeating_is_safe(world: World,
                                                              name: str) -> None:
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, answer(500, {"error": "Internal Server Error"}))
    if faults.keyed:
        world.publisher().send(job)
        assert world.clock.sleeps == BACKOFF[:1] and hits(world, faults.post) == 2
    else:
        with pytest.raises(OutcomeUnknown, match="500"):
            world.publisher().send(job)
        assert world.clock.sleeps == [] and hits(world, faults.post) == 1
    assert posts(world, faults) == (1 if faults.keyed else 0)


@pytest.mark.parametrize("name", WITH_UPLOAD)
def test_a_server_error_on_an_upload_is_retried(world: World, name: str) -> None:
    faults = start(world, name)
    job = world.job()
    assert faults.upload
    world.fake.fail(faults.upload, answer(503, {"error": "unavailable"}))
    world.publisher().send(job)
    assert world.clock.sleeps == BACKOFF[:1] and posts(world, faults) == 1


@pytest.mark.parametrize("name", NAMES)
def test_a_timeout_after_posting_is_never_a_duplicate(world: World, name: str) -> None:
    """The platform acts, the answer comes too late: keyed requests are repeated and the
    platform recognises the key; Mastodon finds the status among the account's; others
    are an unknown outcome, never repeated."""
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, timeout(after=True))
    if faults.keyed:
        sent = world.publisher().send(job)
        assert sent.remote_id
        assert hits(world, faults.post) >= 2
    elif faults.looks_up:
        sent = world.publisher().send(job)
        assert sent.remote_id and hits(world, faults.post) == 1
    else:
        with pytest.raises(OutcomeUnknown, match="ReadTimeout"):
            world.publisher().send(job)
        assert hits(world, faults.post) == 1
    assert posts(world, faults) == 1  # posted once, whatever happened to the answer
    assert world.api.violations == []


@pytest.mark.parametrize("name", NAMES)
def test_a_reset_connection(world: World, name: str) -> None:
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, reset(after=False))
    if faults.keyed:
        world.publisher().send(job)
        assert posts(world, faults) == 1 and hits(world, faults.post) == 2
    else:
        with pytest.raises(OutcomeUnknown, match="may have gone through"):
            world.publisher().send(job)
        assert posts(world, faults) == 0 and hits(world, faults.post) == 1


@pytest.mark.parametrize("name", NAMES)
def test_no_connection_is_retried_then_left_for_later(world: World, name: str) -> None:
    world.use(name)
    world.options = world.spec.options(f"http://127.0.0.1:{free_port()}")
    job = world.job()
    with pytest.raises(RetryLater, match="could not connect"):
        world.publisher().send(job)
    assert world.clock.sleeps == BACKOFF


@pytest.mark.parametrize("name", NAMES)
def test_a_refusal_carries_the_platforms_own_message(world: World, name: str) -> None:
    faults = start(world, name)
    job = world.job()
    world.fake.fail(faults.post, faults.rejected)
    with pytest.raises(Rejected) as raised:
        world.publisher().send(job)
    assert faults.message in str(raised.value)
    assert SECRET not in str(raised.value)
    assert posts(world, faults) == 0 and world.clock.sleeps == []


def test_x_duplicate_content_means_possibly_already_posted(world: World) -> None:
    world.use("x")
    first = world.job(media=False)
    world.publisher().send(first)
    again = world.job(media=False, front="lang: en\n")  # a new key, the same text
    assert again.idempotency_key != first.idempotency_key
    with pytest.raises(OutcomeUnknown, match="duplicate content") as raised:
        world.publisher().send(again)
    assert raised.value.status == 403
    assert len(world.api.tweets) == 1


def test_a_mastodon_status_whose_answer_is_lost_is_looked_up_never_repeated(
        world: World) -> None:
    world.use("mastodon")
    job = world.job(THREAD, media=False)
    world.fake.fail("POST /api/v1/statuses", timeout(after=True), skip=1)  # the 2nd part
    sent = world.publisher().send(job)
    statuses = [r for r in world.fake.requests if r.route == "POST /api/v1/statuses"]
    assert [r.headers["idempotency-key"] for r in statuses] == [
        f"{job.idempotency_key}-{i}" for i in range(3)]  # each part once
    assert "GET /api/v1/accounts/109000000000000001/statuses" in world.received()
    assert list(world.api.statuses) == list(sent.part_ids) and len(sent.part_ids) == 3
    second = world.api.statuses[sent.part_ids[1]]
    assert second["in_reply_to_id"] == sent.part_ids[0]


def test_a_mastodon_status_not_found_after_a_lost_answer_is_unknown(world: World) -> None:
    world.use("mastodon")
    job = world.job(media=False)
    world.fake.fail("POST /api/v1/statuses", timeout(after=False))  # never made
    with pytest.raises(OutcomeUnknown, match="may have gone through"):
        world.publisher().send(job)
    assert hits(world, "POST /api/v1/statuses") == 1 and world.api.statuses == {}


def test_a_bluesky_retry_with_the_same_rkey_does_not_post_twice(world: World) -> None:
    world.use("bluesky")
    job = world.job()
    world.fake.fail("POST /xrpc/com.atproto.repo.createRecord", timeout(after=True))
    sent = world.publisher().send(job)
    creates = [r for r in world.fake.requests
               if r.route == "POST /xrpc/com.atproto.repo.createRecord"]
    assert len({r.json()["rkey"] for r in creates}) == 1 and len(creates) >= 2
    assert len(world.api.records) == 1
    assert sent.remote_id == next(iter(world.api.records.values()))["uri"]
    assert world.received()[-1].startswith("GET /xrpc/com.atproto.repo.getRecord")


@pytest.mark.parametrize("code", [1, 2])
def test_graph_transient_errors_are_retried(world: World, code: int) -> None:
    world.use("threads")
    job = world.job(media=False)
    world.fake.fail(f"POST {T}/3003/threads_publish",
                      answer(500, graph_error("An unknown error occurred", code)))
    world.publisher().send(job)
    assert world.clock.sleeps == BACKOFF[:1] and len(world.api.published) == 1


def test_a_thread_that_breaks_half_way_reports_what_was_posted(world: World) -> None:
    world.use("x")
    job = world.job(THREAD, media=False)
    world.fake.fail("POST /2/tweets", answer(500, {"title": "Internal"}), skip=1)
    with pytest.raises(OutcomeUnknown) as raised:
        world.publisher().send(job)
    first = next(iter(world.api.tweets))
    assert f"part(s) {first} of 3 posted" in str(raised.value)
    assert len(world.api.tweets) == 1


def test_a_later_part_refused_after_the_first_was_posted_is_not_retry_later(
        world: World) -> None:
    world.use("mastodon")
    job = world.job(THREAD, media=False)
    world.fake.fail("POST /api/v1/statuses", answer(429, {"error": "Too many requests"},
                      X_RateLimit_Reset=(NOW + timedelta(hours=3)).isoformat()), skip=1)
    with pytest.raises(OutcomeUnknown, match="of 3 posted"):
        world.publisher().send(job)


def test_uploads_that_keep_timing_out_are_retry_later(world: World) -> None:
    world.use("x")
    job = world.job()
    world.fake.fail("POST /2/media/upload", timeout(after=False), times=4)
    with pytest.raises(RetryLater, match="nothing was posted yet"):
        world.publisher().send(job)
    assert world.clock.sleeps == BACKOFF and world.api.tweets == {}
