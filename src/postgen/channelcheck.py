"""`postgen check` on each channel's publisher settings, before CI finds out.

Each channel's publisher validates its own settings (`Publisher.validate`, the
check `publish` makes before any request), with the secrets assumed present:
`check` runs where they are not (a laptop, a pull request). An unknown
publisher (with the closest installed name), a missing `token_env` or page id,
and secrets `accounts.lock` does not trust (see `postgen.trust`) become
diagnostics at the channel's line in mkdocs.yml.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

from postgen import trust
from postgen.config import _plugin_entry
from postgen.diagnostics import Diagnostic, error, warning
from postgen.models import CalendarConfig
from postgen.publishers import base
from postgen.publishers.base import Context, PublishError
from postgen.yamlsource import Loc, parse

_OPTION = re.compile(r"options\.([A-Za-z0-9_]+)")


class SecretsAssumed(Mapping[str, str]):
    """An environment in which every variable is set (to a placeholder): settings can be
    checked without the secrets, and nothing real can be sent with them."""

    def __getitem__(self, name: str) -> str:
        return "(assumed set)"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def offline_context(config: CalendarConfig) -> Context:
    """A Context for checking settings: assumed secrets, a client that cannot connect."""
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("postgen check sends nothing", request=request)

    def now() -> datetime:
        return datetime.now(UTC)

    return Context(env=SecretsAssumed(), client=httpx.Client(transport=httpx.MockTransport(
        refuse)), root=str(config.root), sleep=lambda _s: None, now=now)


def problems(config: CalendarConfig) -> list[Diagnostic]:
    """Every channel's publisher settings problems, and its secrets' trust."""
    shown = config.rel(config.config_path)
    at = _locator(config, shown)
    found: list[Diagnostic] = []
    installed = base.names()
    context = offline_context(config)
    for name, channel in config.channels.items():
        if channel.publisher not in installed:
            close = difflib.get_close_matches(channel.publisher, installed, n=1)
            hint = (f"did you mean '{close[0]}'?" if close
                    else f"installed: {', '.join(installed)}")
            loc = at(name, "publisher", value=True)
            found.append(error(shown, loc.line, loc.col, "config-publisher",
                               f"channel '{name}': no publisher named '{channel.publisher}' "
                               f"({hint})"))
            continue
        try:
            said = list(base.load(channel.publisher)(channel, context).validate())
        except PublishError as exc:
            said = [str(exc)]
        except Exception as exc:  # noqa: BLE001 - a third party's publisher that cannot start
            said = [f"{name}: the {channel.publisher} publisher failed to start: "
                    f"{type(exc).__name__}: {exc}"]
        for message in said:
            option = _OPTION.search(message)
            loc = at(name, "options", option.group(1)) if option else at(name, "options")
            found.append(error(shown, loc.line, loc.col, "config-publisher", message))
    found.extend(_trust(config, context, shown, lambda c: at(c, "options")))
    context.client.close()
    return found


def _locator(config: CalendarConfig, shown: str) -> Callable[..., Loc]:
    """Where a channel's setting stands in mkdocs.yml: the key at `path` under the
    channel, or the nearest enclosing one there is."""
    text = config.config_path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    parsed = parse(text, shown, any_tags=True)
    entry = _plugin_entry(parsed.data) if isinstance(parsed.data, dict) else None
    prefix = (*(entry[1] if entry else ()), "channels")
    source = parsed.source

    def at(channel: str, *path: str, value: bool = False) -> Loc:
        full = (*prefix, channel, *path)
        if value and source.has(*full):
            return source.value(*full)
        for n in range(len(full), 0, -1):
            if source.has(*full[:n]):
                return source.key(*full[:n])
        return source.origin

    return at


def _trust(config: CalendarConfig, context: Context, shown: str,
           at: Callable[[str], Loc]) -> list[Diagnostic]:
    lock = trust.load(config.root)
    creds = trust.credentials(config, context, base.load)
    found = []
    for channel, reason in sorted(trust.refusals(lock, creds).items()):
        loc = at(channel)
        found.append(error(shown, loc.line, loc.col, "config-trust", reason))
    if not lock.exists and any(creds.values()):
        loc = at(next(c for c, v in creds.items() if v))
        found.append(warning(shown, loc.line, loc.col, "config-trust",
                             f"no {trust.FILE} records which secret each channel may send, "
                             "and where: a config edit could send a token to a new host "
                             "unnoticed; run `postgen accounts trust` and commit the file"))
    return found
