"""The one small interface every publisher implements, and how they are found.

A publisher sends one rendered `Variant` to one channel's platform. Built-in
publishers are registered exactly like third-party ones, under the entry point
group `postgen.publishers` (see pyproject.toml), and looked up by the name a
channel gives in `mkdocs.yml` (`publisher: mastodon`).

Errors are classified, because what happens next depends on the class:

- `RetryLater`: the platform said "not now" (429, 5xx) or the request never
  left (connection refused); nothing was posted; safe to try again later.
- `AuthFailed`: the token is missing, wrong or expired (401, 403 auth):
  a person must re-authenticate; retrying will not help.
- `Rejected`: the platform refused the content (other 4xx): the platform's own
  message says why; final.
- `OutcomeUnknown`: the request may have been posted (a timeout or reset
  after the body was sent, a 5xx after a non-idempotent POST, or any failure
  after an attempt that may have posted): never resent blindly;
  `Publisher.resolve` or a person decides.
- `ConfigProblem`: the channel's publisher settings are wrong (found by
  `validate` before any network call), or a request could not even be made
  (a secret no header can carry): nothing left.

Every error's message is safe to print: no secret ever goes into one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, ClassVar, Protocol

from postgen.errors import PostgenError
from postgen.models import Channel
from postgen.render.model import Variant

if TYPE_CHECKING:  # only in annotations: a calendar checked without a network publisher
    import httpx  # never imports it

ENTRY_POINT_GROUP = "postgen.publishers"


class PublishError(PostgenError):
    """A send did not succeed; the subclass says what to do next."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RetryLater(PublishError):
    def __init__(self, message: str, *, status: int | None = None,
                 retry_at: datetime | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at  # when the platform said to come back, if it did


class AuthFailed(PublishError):
    pass


class Rejected(PublishError):
    pass


class OutcomeUnknown(PublishError):
    pass


class ConfigProblem(PublishError):
    pass


@dataclass(frozen=True)
class Job:
    """One variant to send, with what makes the send idempotent."""

    variant: Variant
    channel: Channel
    #: Stable for (post id, channel, content hash): the same variant always
    #: gets the same key, so a platform that de-duplicates by key can.
    idempotency_key: str
    #: When the ledger recorded the intent to send (for `resolve`: the send that may
    #: have happened began after this); None when nothing was recorded yet.
    intent_at: datetime | None = None
    #: Called with the platform ids of the parts posted so far, after each part of a
    #: thread, so a run that stops mid-thread leaves a record of what exists.
    progress: Callable[[tuple[str, ...]], None] | None = None
    #: For `resolve`: whether it may send the missing parts of a thread it finds half
    #: posted (False once the post's grace window has ended: nothing is sent late).
    can_send: bool = True
    #: Whether a platform id is another send's, as the ledger records it: a lookup by
    #: text never takes that post for this one (a repeating post's earlier occurrence,
    #: or any post whose text is the same).
    taken: Callable[[str], bool] = lambda _remote_id: False


@dataclass(frozen=True)
class Sent:
    """What the platform answered: ids and URL of what now exists there."""

    remote_id: str
    url: str | None = None
    part_ids: tuple[str, ...] = ()  # every part of a thread, in order


@dataclass(frozen=True)
class Request:
    """A request as `--dry-run` shows it: secrets already redacted."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None


def real_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Credential:
    """A secret a channel uses, by the variable that holds it, and the host it goes to."""

    env: str
    host: str
    #: The app's credential (an API key every channel of one app shares), not the
    #: account's: channels may share it without being trusted to.
    app: bool = False


@dataclass(frozen=True)
class Identity:
    """What the platform says about a channel's credentials (`Publisher.whoami`)."""

    who: str  # the account as the platform names it
    #: When the credentials stop working (None: they do not expire, or nobody says).
    expires_at: datetime | None = None
    #: Scopes (permissions) the publisher needs that the credentials lack.
    missing: tuple[str, ...] = ()
    note: str = ""  # anything else the user should know


@dataclass(frozen=True)
class Refreshed:
    """A renewed token: a secret, shown only where the user asks for it."""

    token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Context:
    """What a publisher is given to work with; tests swap every piece."""

    env: Mapping[str, str]  # the environment variables (secrets by name)
    client: httpx.Client  # all HTTP goes through it
    root: str  # the calendar root, for outbox folders and media files
    sleep: Callable[[float], None]  # for backoff; tests pass a fake
    now: Callable[[], datetime]  # timezone-aware "now" of the run (`publish --now` moves it)
    #: The real time, which the platforms' own times (rate-limit resets, Retry-After
    #: dates, the statuses they list) are compared with; `--now` never moves it.
    clock: Callable[[], datetime] = real_clock


class Publisher(Protocol):
    name: ClassVar[str]

    def __init__(self, channel: Channel, context: Context) -> None: ...

    def validate(self) -> Sequence[str]:
        """Problems with the channel's settings (missing env vars...), before any request."""
        ...

    def describe(self, job: Job) -> Sequence[Request]:
        """The exact requests `send` would make, secrets redacted (for --dry-run)."""
        ...

    def send(self, job: Job) -> Sent:
        """Send the variant; raise a `PublishError` subclass when it does not succeed."""
        ...

    def resolve(self, job: Job) -> Sent | None:
        """After an unknown outcome: find out whether it was posted (None: it was not).

        Raises `OutcomeUnknown` when the platform cannot tell.
        """
        ...

    def credentials(self) -> Sequence[Credential]:
        """Every secret the channel's settings name, with the host it is sent to
        (`postgen accounts trust` records them; publish refuses others)."""
        ...

    def whoami(self) -> Identity:
        """Ask the platform who the credentials are, what they may do, until when.

        Raises `AuthFailed` when it refuses them (401: expired or revoked; 403: not
        permitted), like `send` would.
        """
        ...


def available() -> dict[str, type[Publisher]]:
    """Every installed publisher, by name (built-ins and third-party alike)."""
    found: dict[str, type[Publisher]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load()
    return found


def names() -> list[str]:
    """The installed publishers' names, without importing any of them."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def load(name: str) -> type[Publisher]:
    """The publisher named `name`, importing only its own module."""
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        found: type[Publisher] = ep.load()
        return found
    known = ", ".join(names()) or "none installed"
    raise ConfigProblem(f"no publisher named '{name}' (installed: {known})")
