"""What the HTTP API publishers share: walking a payload's steps and sending them.

A platform's publisher says only what differs: its options, how it
authenticates, which base URL the channel may override, which steps are safe
to repeat, what each answer produces and what `Sent` looks like. The walk:
fill each step's placeholders from earlier answers, send it through
`postgen.publishers.http.call`, record what it produced.

A failure part-way is reported for what it means. Before anything was posted
an upload's unknown outcome is only `RetryLater` (an orphaned upload is
invisible). After a part of a thread (or the post a first comment goes on)
was posted, any failure is `OutcomeUnknown` naming what exists, unless the
whole send is safe to repeat (`repeatable`): sending again would duplicate.

A post is never sent twice on the strength of "no answer". Where the platform
can list the account's recent posts (`recent`), a part whose request may have
reached it is looked up there (`look_up`: same text, replying to the part
before) instead of being repeated, and `resolve` does the same on the next
run: every part found is sent, none found is not sent, some found is finished
while the post is within its grace window (`Job.can_send`). Where it cannot,
the outcome stays unknown for a person to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import httpx

from postgen.models import Channel
from postgen.publishers.base import (
    ConfigProblem,
    Context,
    Credential,
    Identity,
    Job,
    OutcomeUnknown,
    PublishError,
    Request,
    RetryLater,
    Sent,
)
from postgen.publishers.http import (
    DEFAULT_POLICY,
    call,
    env_name,
    missing_secrets,
    redact,
    secret,
)
from postgen.publishers.steps import Step, fill, fill_url, read_media, steps_of

T = TypeVar("T")
Values = dict[str, object]
#: Seconds between checks of something the platform is still processing.
POLL_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0, 30.0)
#: Posts made this long before a send began are not looked at (the margin covers a
#: skew between the ledger's clock and the platform's).
LOOKBACK = timedelta(minutes=30)


@dataclass(frozen=True)
class Listed:
    """One of the account's posts, as the platform lists it."""

    id: str
    text: str  # as people see it (markup removed)
    reply_to: str | None = None  # the post it replies to, when the platform says
    url: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One step, filled in: what goes on the wire (the file is read at send time)."""

    step: Step
    method: str
    url: str
    headers: Mapping[str, str]
    body: object


class RestPublisher:
    """A publisher that sends a variant's payload steps to an HTTP API."""

    #: The publisher's name, which is also the platform whose variants it sends.
    name: ClassVar[str]
    #: `options.<token_key>_env` names the variable holding the bearer token.
    token_key: ClassVar[str] = "token"
    #: Options that must be set.
    required: ClassVar[tuple[str, ...]] = ()
    #: The whole send can be repeated safely (client-chosen record keys).
    repeatable: ClassVar[bool] = False

    def __init__(self, channel: Channel, context: Context) -> None:
        self.channel = channel
        self.ctx = context
        self.policy = DEFAULT_POLICY

    # -- settings ------------------------------------------------------------------

    def option(self, key: str, default: str = "") -> str:
        value = self.channel.options.get(key)
        return default if value is None or value == "" else str(value)

    def validate(self) -> Sequence[str]:
        problems = [f"{self.channel.name}: set options.{key}" for key in self.required
                    if not self.option(key)]
        if self.channel.platform != self.name:
            problems.append(f"{self.channel.name}: the {self.name} publisher cannot send "
                            f"{self.channel.platform} posts")
        return problems + missing_secrets(self.ctx, self.channel, self.token_key)

    def check(self) -> None:
        problems = self.validate()
        if problems:
            raise ConfigProblem("; ".join(problems))

    @property
    def auth_env(self) -> str:
        try:
            return env_name(self.channel, self.token_key)
        except ConfigProblem:
            return ""

    def auth_headers(self, url: str, *, live: bool) -> dict[str, str]:
        """Credentials for a request to `url` (`***` when not `live`)."""
        token = secret(self.ctx, self.channel, self.token_key) if live else "***"
        return {"Authorization": f"Bearer {token}"}

    def rebase(self, endpoint: str) -> str:
        """The endpoint on the channel's base URL (tests and proxies override it)."""
        return endpoint

    # -- accounts --------------------------------------------------------------------

    @property
    def api_root(self) -> str:
        """The API's root URL on the channel's settings: where the token goes."""
        raise NotImplementedError

    def credentials(self) -> Sequence[Credential]:
        name = self.auth_env
        return [Credential(name, host_of(self.api_root))] if name else []

    def whoami(self) -> Identity:
        raise NotImplementedError

    def get_json(self, url: str, params: Mapping[str, str] | None = None,
                 secrets: Sequence[str] = ()) -> dict[str, Any]:
        """GET `url` with the channel's credentials; the answer's JSON object."""
        response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                             idempotent=True, params=params, secrets=secrets)
        return json_of(response)

    # -- hooks ---------------------------------------------------------------------

    def start(self, job: Job, *, live: bool) -> Values:
        """Placeholder values known before the first step (a DID, public image URLs)."""
        return {}

    def idempotent(self, step: Step, posted: bool) -> bool:
        """Safe to repeat: preparation before anything is posted, and PUT uploads."""
        return step.method in ("GET", "PUT") or (step.part is None and not posted)

    def classify(self, response: httpx.Response, message: str) -> PublishError | None:
        """A platform's own reading of an error answer (None: the general rules)."""
        return None

    def extra_headers(self, job: Job, step: Step) -> dict[str, str]:
        return {}

    def adjust(self, job: Job, step: Step, body: object, *, live: bool) -> object:
        """The body as sent, once filled (a Bluesky rkey, resolved mentions...)."""
        return body

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        """The placeholder values an answer fills in."""
        raise NotImplementedError

    def sent(self, job: Job, values: Values) -> Sent:
        raise NotImplementedError

    def prologue(self, job: Job) -> list[Request]:
        """Requests made before the payload's own (sessions, lookups), for `describe`."""
        return []

    # -- the interface -------------------------------------------------------------

    def describe(self, job: Job) -> Sequence[Request]:
        values = self.start(job, live=False)
        shown = self.prologue(job)
        for step in steps_of(job.variant):
            p = self.prepare(job, step, values, live=False)
            body = p.body
            if step.file is not None:
                body = {"file": step.file.src, "content_type": step.file.mime,
                        "sha256": step.file.sha256, "fields": p.body}
            shown.append(Request(p.method, p.url, redact(p.headers), body))
        return shown

    def send(self, job: Job) -> Sent:
        return self.finish(job, {})

    def finish(self, job: Job, found: Mapping[int, Values]) -> Sent:
        """Send the variant's steps, skipping the parts in `found` (already on the platform,
        with the values their answers gave) and every step before the last of them."""
        self.check()
        values = self.start(job, live=True)
        steps = steps_of(job.variant)
        last = max(found, default=-1)
        skip = next((i for i, s in enumerate(steps) if s.part == last), -1)
        posted: list[str] = []
        for index, step in enumerate(steps):
            if step.part is not None and step.part in found:
                values.update(found[step.part])
                posted.append(str(values.get(f"part:{step.part}")))
                continue
            if index <= skip:
                continue
            try:
                self.perform(job, step, values, posted=bool(posted))
            except OutcomeUnknown as exc:
                lost = exc.status is None or exc.status >= 500  # no answer, or a 5xx
                made = self.look_up(job, step, values) if lost else None
                if made is None:
                    raise self.interrupted(job, exc, step, posted) from exc
                values.update(made)
            except PublishError as exc:
                raise self.interrupted(job, exc, step, posted) from exc
            if step.part is not None:
                posted.append(str(values.get(f"part:{step.part}")))
                if job.progress is not None and len(job.variant.parts) > 1:
                    job.progress(tuple(posted))  # a thread: record each part
        return self.sent(job, values)

    # -- finding what was posted ---------------------------------------------------

    def recent(self, since: datetime) -> Sequence[Listed] | None:
        """The account's posts made since `since` (the platform's, real time), newest
        first; None when the platform cannot list them all."""
        return None

    def part_text(self, job: Job, step: Step) -> str:
        """The text of the part `step` publishes, as sent."""
        return job.variant.parts[step.part or 0].text

    def shown(self, text: str) -> str:
        """A text as it is compared with what the platform lists."""
        return " ".join(text.split())

    def found(self, part: int, post: Listed) -> Values:
        """The values the part's answer would have given."""
        return {f"part:{part}": post.id, f"part:{part}.url": post.url}

    def match(self, posts: Sequence[Listed], job: Job, step: Step,
              parent: str | None) -> Listed | None:
        """The oldest listed post showing the part's text (replying to `parent`, when the
        platform says what a post replies to) that the ledger gives to no other send."""
        wanted = self.shown(self.part_text(job, step))
        for post in reversed(posts):
            if job.taken(post.id):
                continue
            if parent is not None and post.reply_to is not None and post.reply_to != parent:
                continue
            if self.shown(post.text) == wanted:
                return post
        return None

    def look_up(self, job: Job, step: Step, values: Values) -> Values | None:
        """After a part's request may have reached the platform: find what it made.

        The values the part's answer would have given when the platform shows it
        exists; None when it does not, or cannot tell (the request is then never
        repeated in this run: a create may still be going on).
        """
        if step.part is None:
            return None
        parent = values.get(f"part:{step.part - 1}") if step.part else None
        try:
            posts = self.recent(self.ctx.clock() - LOOKBACK)
        except PublishError:
            return None
        post = self.match(posts or (), job, step, None if parent is None else str(parent))
        return None if post is None else self.found(step.part, post)

    def resolve(self, job: Job) -> Sent | None:
        """What the account's posts show: every part (sent), none (not sent), or some
        (the rest sent now, within the grace window; else a person decides)."""
        self.check()
        began = job.intent_at or job.variant.date  # on the run's clock: made real here
        posts = self.recent(began + (self.ctx.clock() - self.ctx.now()) - LOOKBACK)
        if posts is None:
            raise self.cannot_tell(job)
        found: dict[int, Values] = {}
        parent: str | None = None
        for step in steps_of(job.variant):
            if step.part is None:
                continue
            post = self.match(posts, job, step, parent)
            if post is None:
                break
            found[step.part] = self.found(step.part, post)
            parent = post.id
        n = len(job.variant.parts)
        if not found:
            return None
        if len(found) == n:  # follow-ups (a first comment) are not repeated
            return self.sent(job, {k: v for part in found.values() for k, v in part.items()})
        if not job.can_send:
            seen = ", ".join(f"{i + 1} ({found[i][f'part:{i}']})" for i in sorted(found))
            raise OutcomeUnknown(
                f"{self.channel.name}: part(s) {seen} of the {n}-part thread are on "
                f"{self.channel.account}, the rest are not, and the post's grace window has "
                "ended: finish the thread by hand or record what is there with `postgen "
                f"ledger resolve --sent --parts {len(found)}`")
        return self.finish(job, found)

    def cannot_tell(self, job: Job) -> OutcomeUnknown:
        return OutcomeUnknown(
            f"{self.channel.name}: {self.name} cannot tell whether {job.variant.post_id} was "
            f"posted: look at {self.channel.account} by hand, then record what you find with "
            "`postgen ledger resolve`")

    # -- the walk ------------------------------------------------------------------

    def prepare(self, job: Job, step: Step, values: Values, *, live: bool) -> Prepared:
        url = self.rebase(fill_url(step.endpoint, values, strict=live))
        headers = {**step.headers, **self.extra_headers(job, step), **self.auth_headers(url,
                                                                                          live=live)}
        if step.encoding == "multipart":
            headers.pop("Content-Type", None)  # httpx writes it, with the boundary
        body = self.adjust(job, step, fill(step.body, values, strict=live), live=live)
        return Prepared(step, step.method, url, headers, body)

    def perform(self, job: Job, step: Step, values: Values, *, posted: bool) -> None:
        p = self.prepare(job, step, values, live=True)
        response = self.request(job, p, idempotent=self.idempotent(step, posted))
        values.update(self.produced(job, step, response))

    def request(self, job: Job, p: Prepared, *, idempotent: bool) -> httpx.Response:
        file = p.step.file
        kwargs: dict[str, Any] = {}
        if file is not None and file.field is not None:
            data = read_media(job.variant, file)
            form = p.body if isinstance(p.body, Mapping) else {}
            kwargs["data"] = {str(k): str(v) for k, v in form.items()}
            kwargs["files"] = {file.field: (file.src.rsplit("/", 1)[-1], data, file.mime)}
        elif file is not None:
            kwargs["content"] = read_media(job.variant, file)
        elif p.body is not None:
            kwargs["json"] = p.body
        return self.http(p.method, p.url, headers=p.headers, idempotent=idempotent,
                         publishes=p.step.part is not None, **kwargs)

    def http(self, method: str, url: str, *, headers: Mapping[str, str], idempotent: bool,
             **kwargs: Any) -> httpx.Response:
        return call(self.ctx, method, url, idempotent=idempotent, headers=headers,
                    policy=self.policy, auth_env=self.auth_env, classify=self.classify,
                    **kwargs)

    def interrupted(self, job: Job, exc: PublishError, step: Step,
                    posted: Sequence[str]) -> PublishError:
        """What a failure at `step` means, given what was already posted."""
        if not posted:
            if isinstance(exc, OutcomeUnknown) and step.part is None:
                return RetryLater(f"{exc} (nothing was posted yet)", status=exc.status)
            return exc
        if self.repeatable:
            return exc
        total = sum(1 for s in steps_of(job.variant) if s.part is not None)
        done = (f"part(s) {', '.join(posted)} of {total} posted" if total > 1
                else f"posted as {posted[0]}")
        what = "then" if step.part is not None else "but a follow-up request failed:"
        return OutcomeUnknown(f"{self.channel.name}: {done}; {what} {exc}. Sending again "
                              "would duplicate: finish by hand, then `postgen ledger resolve`",
                              status=exc.status)

    def poll(self, check: Callable[[], T | None], what: str) -> T:
        """Ask `check` until it answers, sleeping between tries; RetryLater if it never does."""
        for delay in (0.0, *POLL_DELAYS):
            if delay:
                self.ctx.sleep(delay)
            found = check()
            if found is not None:
                return found
        raise RetryLater(f"{self.channel.name}: {what} still not ready after "
                         f"{sum(POLL_DELAYS):.0f}s")


def json_of(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object ({} when it has none)."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def host_of(url: str) -> str:
    """The host (and port, if any) a URL sends to, lower-cased."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def rebased(endpoint: str, default: str, base: str) -> str:
    """`endpoint` moved from the `default` base URL to `base`."""
    default, base = default.rstrip("/"), base.rstrip("/")
    if base != default and (endpoint == default or endpoint.startswith(default + "/")):
        return base + endpoint[len(default):]
    return endpoint
