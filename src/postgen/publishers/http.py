"""The HTTP layer every network publisher sends through: one call, classified outcomes.

`call` sends one request through `Context.client` and either returns a 2xx
response or raises the `PublishError` class that says what to do next:

- 429, and Meta Graph throttling codes 4, 17, 32, 613 (or transient 1, 2):
  wait and try again, honouring the platform's own header (`Retry-After` in
  seconds or as an HTTP date, Mastodon's `X-RateLimit-Reset` ISO-8601 time,
  X's `x-rate-limit-reset` Unix time, Graph's `X-Business-Use-Case-Usage`),
  else exponential backoff with jitter; a wait beyond `RetryPolicy.max_wait`
  is not slept but raised as `RetryLater(retry_at=...)` for the next run.
- 5xx: retried with backoff only when the request is `idempotent` (safe to
  repeat: a GET, an upload, a request carrying an idempotency key or a
  client-chosen record key); otherwise `OutcomeUnknown`.
- No connection (refused, connect timeout): nothing was sent, so retried.
- A timeout or reset after the request went out: retried only when
  `idempotent`, else `OutcomeUnknown`; still failing after the last attempt,
  `OutcomeUnknown` too, since one of the attempts may have been posted.
- 401, a 403 that is about authorisation, Graph 190 and permission codes,
  AT Protocol token errors: `AuthFailed`, naming the environment variable.
- Any other 4xx: `Rejected`, with the platform's own message.

An error raised before the request leaves (a header no HTTP request can carry) is
a `ConfigProblem`. A request that `publishes` and had an attempt that may have
reached the platform (no answer, 408, 500, 502, 504) ends in `OutcomeUnknown`
whatever later attempts met (429, 503...): "nothing was sent" would be a lie.

Every sleep goes through `Context.sleep`. The platform's times (reset headers,
`Retry-After` dates) are read against `Context.clock`, the real time; the
`retry_at` they give is on the run's own clock, `Context.now`.
Messages never carry a secret: credentials in headers are scrubbed out of them.
"""

from __future__ import annotations

import json as jsonlib
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from postgen import redaction
from postgen.models import Channel
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    OutcomeUnknown,
    PublishError,
    Rejected,
    RetryLater,
)

__all__ = ["DEFAULT_POLICY", "RetryPolicy", "call", "env_name", "missing_secrets", "redact",
           "secret"]

#: Meta Graph error codes: back off and retry; retry; re-authenticate.
GRAPH_THROTTLED = frozenset({4, 17, 32, 613})
GRAPH_TRANSIENT = frozenset({1, 2})
GRAPH_AUTH = frozenset({10, 102, 190})
#: AT Protocol error names that mean the session or password is wrong.
XRPC_AUTH = frozenset({"AuthenticationRequired", "AuthMissing", "ExpiredToken", "InvalidToken"})
#: Headers whose values are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key",
                            "x-auth-token", "x-postgen-signature"})
_AUTH_403 = re.compile(r"scope|permission|not permitted|token|unauthori[sz]ed|not authori[sz]ed|"
                       r"authenticat|access[_ ]denied|oauth", re.I)
#: Answers after which the platform may have acted on the request (a 503 or 429 says
#: it did not): retrying a request that publishes is then a possible duplicate.
MAY_HAVE_ACTED = frozenset({408, 500, 502, 504})
#: A remote error message is kept to this excerpt (it ends up in the ledger).
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How hard `call` tries before giving up on a request."""

    max_attempts: int = 4
    #: Seconds of sleeping allowed in one call; a longer wait becomes `RetryLater`.
    max_wait: float = 15 * 60
    base_delay: float = 1.0
    max_delay: float = 60.0
    #: A number in [0, 1) for jitter; tests pass a constant.
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Exponential backoff after attempt `attempt` (1-based), with "equal jitter"."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return delay / 2 + delay / 2 * self.jitter()


DEFAULT_POLICY = RetryPolicy()

#: A publisher's own reading of an error response, before the general rules:
#: return the exception to raise, or None to let `call` classify it.
Classifier = Callable[[httpx.Response, str], PublishError | None]


@dataclass(frozen=True)
class _Verdict:
    error: PublishError
    retry: bool = False
    wait: float | None = None  # seconds the platform asked for, if it did


def call(ctx: Context, method: str, url: str, *, idempotent: bool,
         headers: Mapping[str, str], json: object = None, data: Mapping[str, str] | None = None,
         files: Mapping[str, tuple[str, bytes, str]] | None = None, content: bytes | None = None,
         params: Mapping[str, str] | None = None, policy: RetryPolicy = DEFAULT_POLICY,
         auth_env: str = "", classify: Classifier | None = None,
         secrets: Sequence[str] = (), publishes: bool = False) -> httpx.Response:
    """Send one request; return the 2xx response or raise a classified `PublishError`.

    `secrets`: values to keep out of messages besides the credential headers' (a
    password in the body, a signing key). `publishes`: the request makes something
    people see (a post, a delivery): once an attempt may have reached the platform
    (no answer, a 500, a 504), any later failure is `OutcomeUnknown`, never a
    "nothing was sent" `RetryLater`.
    """
    where = f"{method} {_shown(url)}"
    scrub = _scrubber(headers, secrets)
    slept = 0.0
    reached = ""  # what became of the first attempt that may have posted
    for attempt in range(1, policy.max_attempts + 1):
        cause: BaseException | None = None
        try:  # an error here or a LocalProtocolError below: the request never left
            request = ctx.client.build_request(method, url, headers=dict(headers), json=json,
                                               data=data, files=files, content=content,
                                               params=params)
        except (ValueError, TypeError, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _unusable(where, exc, scrub, reached, publishes) from None
        try:
            response = ctx.client.send(request)
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            raise _unusable(where, exc, scrub, reached, publishes) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            cause = exc
            verdict = _Verdict(RetryLater(f"{where}: could not connect ({_kind(exc)}); "
                                          "nothing was sent"), retry=True)
        except httpx.TransportError as exc:
            cause = exc
            reached = reached or f"{_kind(exc)} on attempt {attempt}"
            unknown = OutcomeUnknown(f"{where}: {_kind(exc)} after the request was sent; "
                                     "it may have gone through")
            if not idempotent:
                raise unknown from exc
            verdict = _Verdict(unknown, retry=True)
        else:
            if response.is_success:
                return response
            verdict = _judge(response, where, idempotent, auth_env, ctx.clock(), classify, scrub)
            if response.status_code in MAY_HAVE_ACTED:
                reached = reached or f"{response.status_code} on attempt {attempt}"
        if not verdict.retry:
            raise _unknown_after(verdict.error, reached, publishes) from cause
        delay = verdict.wait if verdict.wait is not None else policy.backoff(attempt)
        if attempt == policy.max_attempts or slept + delay > policy.max_wait:
            raise _unknown_after(_give_up(verdict.error, ctx.now(), delay), reached,
                                 publishes) from cause
        ctx.sleep(delay)
        slept += delay
    raise AssertionError("unreachable: the loop always returns or raises")  # pragma: no cover


def _unusable(where: str, exc: Exception, scrub: Callable[[str], str], reached: str,
              publishes: bool) -> PublishError:
    """A request that could not be made: a config problem (nothing left), scrubbed, since
    the error may quote a header."""
    return _unknown_after(ConfigProblem(scrub(f"{where}: the request cannot be made "
                                              f"({_kind(exc)}: {exc}); nothing was sent")),
                          reached, publishes)


def _unknown_after(error: PublishError, reached: str, publishes: bool) -> PublishError:
    """`error`, or OutcomeUnknown when an earlier attempt of a publishing request may
    have posted: what the last attempt met says nothing about the first."""
    if not (publishes and reached) or isinstance(error, OutcomeUnknown):
        return error
    return OutcomeUnknown(f"{error}; but an earlier attempt ({reached}) may have gone "
                          "through")  # no status: the answer that matters never came


def _give_up(error: PublishError, now: datetime, delay: float) -> PublishError:
    """The error to raise when no more attempts (or no more waiting) are allowed."""
    if isinstance(error, RetryLater):
        at = now + timedelta(seconds=delay)
        return RetryLater(f"{error}; try again after {at.isoformat(timespec='seconds')}",
                          status=error.status, retry_at=at)
    return error


def _judge(response: httpx.Response, where: str, idempotent: bool, auth_env: str,
           now: datetime, classify: Classifier | None,
           scrub: Callable[[str], str]) -> _Verdict:
    status = response.status_code
    info = error_info(response)
    text = scrub(f"{where}: {status} {info.message}")
    if classify is not None:
        mine = classify(response, text)
        if mine is not None:
            return _Verdict(mine)
    if status == 429 or info.code in GRAPH_THROTTLED:
        return _Verdict(RetryLater(f"{text} (rate limited)", status=status), retry=True,
                        wait=rate_limit_wait(response, now))
    if info.code in GRAPH_TRANSIENT or info.transient:
        return _Verdict(RetryLater(text, status=status), retry=True)
    if (status == 401 or info.code in GRAPH_AUTH or 200 <= (info.code or 0) < 300
            or info.name in XRPC_AUTH or (status == 403 and _AUTH_403.search(info.message))):
        fix = f": re-authenticate and update {auth_env}" if auth_env else ""
        return _Verdict(AuthFailed(f"{text}{fix}", status=status))
    if status >= 500 or status == 408:
        if idempotent:
            return _Verdict(RetryLater(text, status=status), retry=True,
                            wait=_retry_after(response, now))
        return _Verdict(OutcomeUnknown(f"{text}; the request may have gone through",
                                       status=status))
    if status < 400:
        return _Verdict(Rejected(f"{where}: unexpected {status} answer", status=status))
    return _Verdict(Rejected(text, status=status))


# -- the platform's own words ---------------------------------------------------


@dataclass(frozen=True)
class ErrorInfo:
    message: str
    code: int | None = None  # Graph's numeric code
    name: str = ""  # an XRPC error name ("ExpiredToken"), Mastodon's `error`
    transient: bool = False


def error_info(response: httpx.Response) -> ErrorInfo:
    """The platform's error message from the shapes they use.

    Mastodon `{"error"}`, Bluesky `{"error", "message"}`, X problem JSON
    `{"title", "detail", "errors": [{"message"}]}`, Graph `{"error": {"message",
    "code"}}`, LinkedIn `{"message"}`; else the start of the body text.
    """
    try:
        data: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return _graph_error(error)
        if isinstance(error, str):
            detail = data.get("message") or data.get("error_description")
            return ErrorInfo(_clip(f"{error}: {detail}" if detail else error), name=error)
        found = [str(data[k]) for k in ("detail", "message") if isinstance(data.get(k), str)]
        errors = data.get("errors")
        if isinstance(errors, list):
            found += [str(e.get("message")) for e in errors
                      if isinstance(e, dict) and e.get("message")]
        if not found and isinstance(data.get("title"), str):
            found.append(data["title"])
        if found:
            return ErrorInfo(_clip("; ".join(dict.fromkeys(found))))
    text = " ".join(response.text.split()) if response.content else ""
    return ErrorInfo(_clip(text or response.reason_phrase or "no message"))


def _graph_error(error: Mapping[str, Any]) -> ErrorInfo:
    message = str(error.get("error_user_msg") or error.get("message") or "unknown error")
    code = error.get("code")
    number = code if isinstance(code, int) else None
    extra = f" (code {number}" if number is not None else ""
    sub = error.get("error_subcode")
    if extra and sub is not None:
        extra += f", subcode {sub}"
    return ErrorInfo(_clip(message + (extra + ")" if extra else "")), code=number,
                     transient=error.get("is_transient") is True)


def _clip(text: str) -> str:
    """A bounded, single-line excerpt of a platform's words."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 1] + "…"


# -- how long the platform asked us to wait --------------------------------------


def rate_limit_wait(response: httpx.Response, now: datetime) -> float | None:
    """Seconds until the platform said to come back, if it said; None if it did not."""
    headers = response.headers
    wait = _retry_after(response, now)
    if wait is not None:
        return wait
    for name in ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        value = headers.get(name)
        if value:
            at = _reset_time(value)
            if at is not None:
                return max(0.0, (at - now).total_seconds())
    usage = headers.get("x-business-use-case-usage")
    return _graph_usage_wait(usage) if usage else None


def _retry_after(response: httpx.Response, now: datetime) -> float | None:
    """`Retry-After` alone (a 503's): other reset headers are about rate limits."""
    after = response.headers.get("retry-after")
    return _seconds_or_date(after, now) if after else None


def _seconds_or_date(value: str, now: datetime) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (_aware(at) - now).total_seconds())


def _reset_time(value: str) -> datetime | None:
    """A reset time: Unix seconds (X, Bluesky) or ISO-8601 (Mastodon)."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def _graph_usage_wait(value: str) -> float | None:
    """Graph's `X-Business-Use-Case-Usage`: the longest `estimated_time_to_regain_access`
    (minutes) over the businesses it lists."""
    try:
        usage: Any = jsonlib.loads(value)
    except ValueError:
        return None
    minutes = [entry.get("estimated_time_to_regain_access")
               for entries in (usage.values() if isinstance(usage, dict) else ())
               if isinstance(entries, list)
               for entry in entries if isinstance(entry, dict)]
    found = [m for m in minutes if isinstance(m, int | float) and m > 0]
    return max(found) * 60.0 if found else None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# -- secrets -----------------------------------------------------------------------


def env_name(channel: Channel, key: str) -> str:
    """The environment variable that `<key>_env` names; ConfigProblem if not set."""
    name = channel.options.get(f"{key}_env")
    if not isinstance(name, str) or not name:
        raise ConfigProblem(f"{channel.name}: set options.{key}_env to the name of the "
                            f"environment variable that holds the {key.replace('_', ' ')}")
    return name


def secret(ctx: Context, channel: Channel, key: str) -> str:
    """The value of the environment variable `options[key + "_env"]` names, without
    surrounding white space (a pasted token often ends in a line break).

    ConfigProblem when the option or the variable is missing, or the value has a
    character no credential has; the message names the variable ("set
    MASTODON_TOKEN"), never a value.
    """
    name = env_name(channel, key)
    value = ctx.env.get(name, "").strip()
    what = key.replace("_", " ")
    if not value:
        raise ConfigProblem(f"{channel.name}: set {name} (the {what} for this channel)")
    wrong = redaction.problem(value)
    if wrong:
        raise ConfigProblem(f"{channel.name}: {name} (the {what} for this channel) {wrong}")
    return value


def missing_secrets(ctx: Context, channel: Channel, *keys: str) -> list[str]:
    """What `secret` would complain about, for each key, without raising."""
    problems: list[str] = []
    for key in keys:
        try:
            secret(ctx, channel, key)
        except ConfigProblem as exc:
            problems.append(str(exc))
    return problems


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with credentials replaced by `***` (an auth scheme is kept)."""
    shown: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} ***" if rest and scheme.isalpha() else "***"
        shown[name] = value
    return shown


def _scrubber(headers: Mapping[str, str], secrets: Sequence[str]) -> Callable[[str], str]:
    """Removes every credential sent in `headers`, and `secrets`, from a message (made on
    first use: a request that succeeds has no message)."""
    values = [value.partition(" ")[2] or value for name, value in headers.items()
              if name.lower() in SECRET_HEADERS]  # the credential, without its scheme
    made: list[redaction.Scrubber] = []

    def scrub(text: str) -> str:
        if not made:
            made.append(redaction.Scrubber([*values, *secrets]))
        return made[0](text)

    return scrub


def _shown(url: str) -> str:
    """A URL as messages show it: without query (where a credential might be) or fragment."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path


def _kind(exc: Exception) -> str:
    return type(exc).__name__
