"""Which secret each channel may use, and which host it may go to: `accounts.lock`.

A config edit can point a channel's `token_env` at another channel's secret, or
send a token to a new host (an `instance`, `pds`, `api_url`, `graph_url`, SMTP
`host`...). Such a change needs the agency's explicit confirmation:
`postgen accounts trust` records every (channel, variable, host) the config
uses in `accounts.lock`, committed to git and reviewed like code.

- With `accounts.lock` in the repository, `postgen publish` and
  `postgen accounts check` refuse a channel with a secret or host the file does
  not list for it (that channel alone; the others go on), and `postgen check`
  reports it as an error at the channel's line in mkdocs.yml.
- Without the file, a variable named by two channels is refused all the same
  (trust it to share it: one Page token for Facebook and Instagram, say), and
  `postgen check` warns that nothing else is guarded yet.

The publishers say what they send where (`Publisher.credentials`); no secret's
value is ever read here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from postgen.files import write_atomically
from postgen.models import CalendarConfig
from postgen.publishers.base import Context, Credential, Publisher

FILE = "accounts.lock"
HEADER = """\
# Written by `postgen accounts trust`: the secret (environment variable) each channel
# may use and the host it may go to. `postgen publish` refuses a channel whose secret
# would go anywhere else, or that uses another channel's secret, until this file says
# so. Review changes to it like code.
"""

Loader = Callable[[str], type[Publisher]]


@dataclass(frozen=True, order=True)
class Grant:
    channel: str
    env: str
    host: str


@dataclass(frozen=True)
class Lock:
    grants: frozenset[Grant]
    exists: bool
    problem: str = ""  # why the file could not be read (then it trusts nothing)


def load(root: Path) -> Lock:
    path = root / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock(frozenset(), exists=False)
    except (OSError, UnicodeDecodeError) as exc:
        return Lock(frozenset(), True, f"{FILE} cannot be read ({exc}); it trusts nothing")
    try:
        data = yaml.safe_load(text)
        items = (data.get("trusted") or []) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ValueError("it has no 'trusted:' list")
        grants = frozenset(Grant(str(i["channel"]), str(i["env"]), str(i["host"]))
                           for i in items)
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        reason = exc if isinstance(exc, ValueError) else type(exc).__name__
        return Lock(frozenset(), True, f"{FILE} is damaged ({reason}); it trusts nothing: "
                                       "run `postgen accounts trust` to write it again")
    return Lock(grants, exists=True)


def write(root: Path, grants: Iterable[Grant]) -> None:
    lines = [f"  - {{channel: {json.dumps(g.channel)}, env: {json.dumps(g.env)}, "
             f"host: {json.dumps(g.host)}}}" for g in sorted(set(grants))]
    body = "trusted:\n" + "".join(line + "\n" for line in lines) if lines else "trusted: []\n"
    write_atomically(root / FILE, HEADER + body)


def credentials(config: CalendarConfig, context: Context,
                load_publisher: Loader) -> dict[str, list[Credential]]:
    """Every channel's secrets and their hosts (channels whose publisher cannot start
    are left out: their own settings problem is reported elsewhere)."""
    found: dict[str, list[Credential]] = {}
    for name, channel in config.channels.items():
        try:
            found[name] = list(load_publisher(channel.publisher)(channel,
                                                                  context).credentials())
        except Exception:  # noqa: BLE001 - unknown publisher, bad settings: reported by check
            continue
    return found


def grants_of(found: Mapping[str, list[Credential]]) -> set[Grant]:
    return {Grant(name, c.env, c.host) for name, creds in found.items() for c in creds}


def refusals(lock: Lock, found: Mapping[str, list[Credential]]) -> dict[str, str]:
    """Channel name -> why its secrets may not be used (channels not listed may)."""
    users: dict[str, set[str]] = defaultdict(set)
    for name, creds in found.items():
        for c in creds:
            users[c.env].add(name)  # an app's key may be shared; an account's secret not
    refused: dict[str, str] = {}
    for name, creds in found.items():
        reasons: list[str] = []
        for c in creds:
            if Grant(name, c.env, c.host) in lock.grants:
                continue
            others = [] if c.app else sorted(users[c.env] - {name})
            if others:
                reasons.append(f"{c.env} is also the secret of {', '.join(others)}, and "
                               f"{FILE} does not say this channel may use it")
            elif lock.exists:
                known = sorted(g.host for g in lock.grants if (g.channel, g.env) == (name, c.env))
                was = f" (it trusts {', '.join(known)})" if known else ""
                reasons.append(f"{c.env} would go to {c.host}, which {FILE} does not trust for "
                               f"this channel{was}")
        if reasons:
            fix = lock.problem or ("if that is intended, run `postgen accounts trust` and "
                                   f"commit {FILE}")
            refused[name] = f"{name}: {'; '.join(reasons)}: nothing was sent; {fix}"
    return refused


def guard(config: CalendarConfig, context: Context, load_publisher: Loader) -> dict[str, str]:
    """What `refusals` says about the calendar's channels under its `accounts.lock`."""
    return refusals(load(config.root), credentials(config, context, load_publisher))
