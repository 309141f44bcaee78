"""Where each channel's credentials stand: `postgen accounts check` and `refresh`.

`check` asks every channel's platform who its credentials are
(`Publisher.whoami`: Mastodon `verify_credentials`, Bluesky `getSession`, X
`/2/users/me`, LinkedIn `userinfo` and token introspection, Graph `/me` and
`debug_token`, an SMTP login, a webhook's health URL) and reports one `Standing`
per channel:

- ok: it works (and expires in N days, if it expires);
- expiring: it works, but lapses within the warning window: renew it now;
- expired: the platform refuses it (expired or revoked; 401, Graph 190, a
  refused SMTP login): re-authenticate;
- wrong-scope: it works but may not do what publishing needs (missing scopes,
  an X app with read-only permission, a Bluesky account password);
- untrusted: `accounts.lock` does not trust its secret for its host (see
  `postgen.trust`); nothing was asked, so the token went nowhere;
- broken: its settings are wrong, or the platform could not be reached;
- unchecked: its publisher (a third party's) cannot be asked (no `whoami`).

`refresh` renews a Threads or Instagram long-lived token (they last 60 days).
The new token is a secret: it goes only where the caller says (a file or
standard output), never into a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from postgen import trust
from postgen.models import CalendarConfig
from postgen.publish import scrubber
from postgen.publishers import base
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    Identity,
    PublishError,
    Refreshed,
)

OK, EXPIRING, EXPIRED, WRONG_SCOPE, UNTRUSTED, BROKEN, UNCHECKED = (
    "ok", "expiring", "expired", "wrong-scope", "untrusted", "broken", "unchecked")
#: States that make `accounts check` fail.
FAILING = frozenset({EXPIRING, EXPIRED, WRONG_SCOPE, UNTRUSTED, BROKEN})

Loader = Callable[[str], type[base.Publisher]]


@dataclass(frozen=True)
class Standing:
    channel: str
    publisher: str
    state: str
    detail: str
    who: str = ""
    expires_at: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.state in FAILING


@runtime_checkable
class Refreshing(Protocol):
    """A publisher whose long-lived tokens can be renewed (Threads, Instagram)."""

    def refresh(self) -> Refreshed: ...


def check(config: CalendarConfig, context: Context, *, warn: timedelta,
          channels: Sequence[str] = (), load: Loader = base.load) -> list[Standing]:
    """Every channel's standing (or those named), asking each platform in turn."""
    refused = trust.guard(config, context, load)
    scrub = scrubber(config, context.env)
    now = context.now()
    found = []
    for name in channels or list(config.channels):
        channel = config.channels[name]
        standing = _ask(config, name, context, load, refused.get(name), now, warn)
        found.append(Standing(name, channel.publisher, standing.state, scrub(standing.detail),
                              standing.who, standing.expires_at))
    return found


def _ask(config: CalendarConfig, name: str, context: Context, load: Loader,
         refused: str | None, now: datetime, warn: timedelta) -> Standing:
    channel = config.channels[name]

    def standing(state: str, detail: str, identity: Identity | None = None) -> Standing:
        who = identity.who if identity else ""
        return Standing(name, channel.publisher, state, detail, who,
                        identity.expires_at if identity else None)

    try:
        publisher = load(channel.publisher)(channel, context)
        problems = list(publisher.validate())
    except PublishError as exc:
        problems = [str(exc)]
    except Exception as exc:  # noqa: BLE001 - a third party's publisher that cannot start
        problems = [f"the {channel.publisher} publisher failed to start: "
                    f"{type(exc).__name__}: {exc}"]
    if problems:
        return standing(BROKEN, "; ".join(problems))
    if refused:
        return standing(UNTRUSTED, refused)
    try:
        identity = publisher.whoami()
    except (AttributeError, NotImplementedError) as exc:  # a publisher without `whoami`
        return standing(UNCHECKED, f"the {channel.publisher} publisher cannot be asked who its "
                                   f"credentials are ({type(exc).__name__})")
    except AuthFailed as exc:
        return standing(WRONG_SCOPE if exc.status == 403 else EXPIRED, str(exc))
    except ConfigProblem as exc:
        return standing(BROKEN, str(exc))
    except PublishError as exc:
        return standing(BROKEN, f"could not ask the platform: {exc}")
    except Exception as exc:  # noqa: BLE001 - a third party's publisher
        return standing(BROKEN, f"the {channel.publisher} publisher cannot be asked: "
                                f"{type(exc).__name__}: {exc}")
    notes = [identity.note] if identity.note else []
    if identity.missing:
        return standing(WRONG_SCOPE, "; ".join([f"lacks {', '.join(identity.missing)}",
                                                *notes]), identity)
    ends = identity.expires_at
    if ends is None:
        return standing(OK, "; ".join(["works", *notes]), identity)
    left = ends - now
    when = f"{ends.astimezone(config.timezone):%Y-%m-%d %H:%M %Z}"
    if left <= timedelta(0):
        return standing(EXPIRED, "; ".join([f"expired {when}", *notes]), identity)
    days = left.days
    lasts = f"expires in {days} day{'s' if days != 1 else ''} ({when})" if days else \
        f"expires within a day ({when})"
    if left <= warn:
        fix = renewal(name, publisher)
        return standing(EXPIRING, "; ".join([f"works, but {lasts}", *notes, fix]), identity)
    return standing(OK, "; ".join([f"works; {lasts}", *notes]), identity)


def renewal(name: str, publisher: base.Publisher) -> str:
    """What to do about a token that lapses soon."""
    if isinstance(publisher, Refreshing):
        return (f"renew it with `postgen accounts refresh {name} --to-file PATH`, then store "
                "the new token where publish reads it (see `postgen accounts refresh --help`)")
    return "re-authenticate and update the secret"


def refresher(config: CalendarConfig, context: Context, name: str,
              load: Loader = base.load) -> Refreshing:
    """Channel `name`'s publisher, to renew its long-lived token; `ConfigProblem` when
    it has none to renew, or its secret is not trusted for its host."""
    channel = config.channels[name]
    publisher = load(channel.publisher)(channel, context)
    if not isinstance(publisher, Refreshing):
        raise ConfigProblem(f"{name}: {channel.publisher} tokens are not refreshed by postgen "
                            "(only Threads and Instagram long-lived tokens are)")
    refused = trust.guard(config, context, load).get(name)
    if refused:
        raise ConfigProblem(refused)
    return publisher
