"""The shared HTTP layer: how answers and failures are classified, waits, secrets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from postgen.models import Channel
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    OutcomeUnknown,
    Rejected,
    RetryLater,
)
from postgen.publishers.http import (
    RetryPolicy,
    call,
    error_info,
    rate_limit_wait,
    redact,
    secret,
)
from tests.publishers.conftest import Clock

NOW = datetime(2027, 3, 2, 8, 31, tzinfo=UTC)
URL = "https://api.example/v1/things?access_token=hidden"
POLICY = RetryPolicy(jitter=lambda: 0.5)
Answer = httpx.Response | Exception


def scripted(answers: list[Answer]) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose transport answers (or raises) from `answers`, in order."""
    seen: list[httpx.Request] = []
    queue: Iterator[Answer] = iter(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.Client(transport=httpx.MockTransport(handle)), seen


def send(answers: list[Answer], *, idempotent: bool = False, clock: Clock | None = None,
         **kwargs: object) -> tuple[httpx.Response, list[httpx.Request], Clock]:
    clock = clock or Clock(NOW)
    client, seen = scripted(answers)
    with client:
        ctx = Context(env={}, client=client, root=".", sleep=clock.sleep, now=clock.now,
                      clock=clock.now)
        response = call(ctx, "POST", URL, idempotent=idempotent,
                        headers={"Authorization": "Bearer tok-123456"}, policy=POLICY,
                        auth_env="API_TOKEN", **kwargs)  # type: ignore[arg-type]
    return response, seen, clock


def fails(answers: list[Answer], error: type[Exception], *, idempotent: bool = False,
          clock: Clock | None = None) -> tuple[Exception, Clock]:
    clock = clock or Clock(NOW)
    with pytest.raises(error) as raised:
        send(answers, idempotent=idempotent, clock=clock)
    assert "tok-123456" not in str(raised.value) and "hidden" not in str(raised.value)
    return raised.value, clock


def ok() -> httpx.Response:
    return httpx.Response(200, json={"id": "1"})


def test_success_is_returned_as_it_is() -> None:
    response, seen, clock = send([ok()])
    assert response.json() == {"id": "1"} and len(seen) == 1 and clock.sleeps == []


def test_backoff_doubles_with_jitter_and_stops_after_max_attempts() -> None:
    error, clock = fails([httpx.Response(503)] * 4, RetryLater, idempotent=True)
    assert clock.sleeps == [0.75, 1.5, 3.0]
    assert isinstance(error, RetryLater) and error.retry_at == NOW + timedelta(seconds=5.25 + 6.0)
    assert RetryPolicy(jitter=lambda: 0.0, max_delay=2).backoff(5) == 1.0


def test_retry_after_on_a_503_is_honoured() -> None:
    _, _, clock = send([httpx.Response(503, headers={"Retry-After": "7"}), ok()],
                       idempotent=True)
    assert clock.sleeps == [7.0]


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "42"}, 42.0),
    ({"Retry-After": format_datetime(NOW + timedelta(seconds=90), usegmt=True)}, 90.0),
    ({"X-RateLimit-Reset": (NOW + timedelta(minutes=5)).isoformat()}, 300.0),
    ({"X-RateLimit-Reset": "2027-03-02T08:32:00.000Z"}, 60.0),
    ({"x-rate-limit-reset": str(int(NOW.timestamp()) + 15)}, 15.0),
    ({"X-Business-Use-Case-Usage": '{"1": [{"estimated_time_to_regain_access": 3}]}'}, 180.0),
    ({}, None),
])
def test_rate_limit_headers(headers: dict[str, str], wait: float | None) -> None:
    assert rate_limit_wait(httpx.Response(429, headers=headers), NOW) == wait


def test_429_waits_then_succeeds_even_when_not_idempotent() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "30"})
    _, seen, clock = send([limited, ok()])
    assert clock.sleeps == [30.0] and len(seen) == 2


def test_waits_add_up_to_at_most_max_wait() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "500"})
    error, clock = fails([limited, limited, limited], RetryLater)
    assert clock.sleeps == [500.0]  # a second 500 s would pass 15 minutes
    assert isinstance(error, RetryLater) and error.retry_at == NOW + timedelta(seconds=1000)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("x"),
                                     httpx.ReadError("reset"), httpx.WriteError("broken")])
def test_failures_after_sending(failure: Exception) -> None:
    fails([failure], OutcomeUnknown)
    _, seen, _ = send([failure, ok()], idempotent=True)
    assert len(seen) == 2
    error, _ = fails([failure] * 4, OutcomeUnknown, idempotent=True)
    assert "may have gone through" in str(error)


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("x")])
def test_failures_before_sending_are_retried_even_when_not_idempotent(failure: Exception) -> None:
    _, seen, clock = send([failure, ok()])
    assert len(seen) == 2 and clock.sleeps == [0.75]


@pytest.mark.parametrize(("status", "body", "error", "text"), [
    (401, {"error": "The access token is invalid"}, AuthFailed, "update API_TOKEN"),
    (403, {"error": "This action is outside the authorized scopes"}, AuthFailed, "API_TOKEN"),
    (403, {"detail": "You are not permitted to perform this action."}, AuthFailed, "permitted"),
    (403, {"message": "Not enough permissions to access: posts.CREATE"}, AuthFailed, "posts"),
    (400, {"error": "ExpiredToken", "message": "Token has expired"}, AuthFailed, "expired"),
    (400, {"error": {"message": "Session has expired", "code": 190}}, AuthFailed, "code 190"),
    (403, {"error": "Forbidden", "message": "Sensitive media must be labelled"}, Rejected,
     "Forbidden: Sensitive media"),
    (422, {"error": "Validation failed: Text can't be blank"}, Rejected, "can't be blank"),
    (400, {"title": "Invalid Request", "errors": [{"message": "text is too long"}]}, Rejected,
     "text is too long"),
    (400, {"message": "ERROR :: /author :: is required", "status": 400}, Rejected, "/author"),
    (404, "plain words from a proxy", Rejected, "plain words from a proxy"),
    (302, None, Rejected, "unexpected 302"),
])
def test_answers_are_classified_with_the_platforms_words(
        status: int, body: object, error: type[Exception], text: str) -> None:
    answer = (httpx.Response(status, text=body) if isinstance(body, str)
              else httpx.Response(status, json=body) if body is not None
              else httpx.Response(status))
    raised, clock = fails([answer], error, idempotent=True)
    assert text in str(raised) and clock.sleeps == []


def test_a_5xx_after_a_post_is_an_unknown_outcome() -> None:
    error, _ = fails([httpx.Response(502, text="Bad Gateway")], OutcomeUnknown)
    assert "502 Bad Gateway" in str(error)


def test_a_url_that_cannot_be_requested_is_a_config_problem() -> None:
    clock = Clock(NOW)
    with httpx.Client() as client:
        ctx = Context(env={}, client=client, root=".", sleep=clock.sleep, now=clock.now,
                      clock=clock.now)
        with pytest.raises(ConfigProblem, match="cannot be made"):
            call(ctx, "GET", "{instance}/api/v1/statuses", idempotent=True, headers={})


def test_error_info_reads_graph_errors() -> None:
    info = error_info(httpx.Response(400, json={"error": {
        "message": "(#4) Application request limit reached", "code": 4, "error_subcode": 1,
        "is_transient": True}}))
    assert info.code == 4 and info.transient
    assert info.message == "(#4) Application request limit reached (code 4, subcode 1)"


def test_redact_keeps_the_scheme_and_hides_the_rest() -> None:
    assert redact({"Authorization": "Bearer abc", "Cookie": "a=b", "Accept": "x"}) == {
        "Authorization": "Bearer ***", "Cookie": "***", "Accept": "x"}


@pytest.mark.parametrize(("options", "env", "message"), [
    ({}, {}, "set options.token_env"),
    ({"token_env": "MASTODON_TOKEN"}, {}, "set MASTODON_TOKEN"),
    ({"token_env": "MASTODON_TOKEN"}, {"MASTODON_TOKEN": ""}, "set MASTODON_TOKEN"),
])
def test_secret_names_the_variable_never_a_value(options: dict[str, object],
                                                 env: dict[str, str], message: str) -> None:
    ctx = _ctx(env)
    channel = Channel("social", "mastodon", "@a@b.example", options=options)
    with pytest.raises(ConfigProblem, match=message):
        secret(ctx, channel, "token")


def test_secret_reads_the_named_variable() -> None:
    channel = Channel("social", "mastodon", "@a@b.example", options={"token_env": "T"})
    assert secret(_ctx({"T": "value"}), channel, "token") == "value"


def _ctx(env: dict[str, str]) -> Context:
    with httpx.Client() as client:  # closed: reading a secret makes no request
        clock = Clock(NOW)
        return Context(env=env, client=client, root=".", sleep=clock.sleep, now=clock.now,
                      clock=clock.now)


@pytest.mark.parametrize("then", [
    [httpx.Response(429, headers={"Retry-After": "7200"})],  # a reset two hours away
    [httpx.Response(503, text="busy")] * 3,
    [httpx.Response(500, text="duplicate key")] * 3,
])
@pytest.mark.parametrize("publishes", [True, False])
def test_after_an_attempt_that_may_have_posted_a_later_refusal_is_not_nothing_sent(
        then: list[Answer], publishes: bool) -> None:
    """A create whose answer was lost, then the platform's "not now": for a request that
    publishes, the outcome is unknown (the first attempt may be a post); for an upload,
    nothing anyone sees was made, so it is left for later."""
    lost: Answer = httpx.ReadTimeout("timed out")
    clock = Clock(NOW)
    with pytest.raises(OutcomeUnknown if publishes else RetryLater) as raised:
        send([lost, *then], idempotent=True, clock=clock, publishes=publishes)
    if publishes:
        assert "an earlier attempt (ReadTimeout on attempt 1) may have gone through" \
            in str(raised.value)
