"""`postgen accounts`: check, trust and refresh the credentials the channels use.

Thin commands over `postgen.accounts` and `postgen.trust`; registered in
`postgen.cli`'s LAZY_COMMANDS, which also turns library errors into messages
and exit codes.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from postgen import diagnostics as diag
from postgen.cli import Group
from postgen.config import load_config
from postgen.configfile import find_config
from postgen.errors import ConfigInvalid
from postgen.models import CalendarConfig

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HTTP_TIMEOUT = 30.0


def _config(ctx: click.Context) -> CalendarConfig:
    obj = ctx.find_root().obj
    config, problems = load_config(find_config(Path.cwd(), obj if isinstance(obj, Path)
                                               else None))
    if config is None:
        raise ConfigInvalid(diag.sort(problems))
    return config


def _channels(config: CalendarConfig, names: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in config.channels]
    if unknown:
        raise click.BadParameter(f"no channel named {', '.join(repr(n) for n in unknown)} in "
                                 f"mkdocs.yml (channels: {', '.join(config.channels)})",
                                 param_hint="--channel")
    return names


@click.group(cls=Group, context_settings=CONTEXT)
def accounts() -> None:
    """The credentials each channel publishes with: are they working, trusted, renewed?

    \b
    Examples:
      postgen accounts check --warn-days 7     # daily, in CI
      postgen accounts trust                   # after changing where a secret goes
      postgen accounts refresh threads --to-file ~/threads.token
    """


@accounts.command(context_settings=CONTEXT)
@click.option("--warn-days", default=7, show_default=True, type=click.IntRange(0, 365),
              help="Fail when a credential expires within this many days (0: only when "
                   "expired).")
@click.option("--channel", "-c", "names", multiple=True,
              help="Check only this channel; repeat for more (default: every channel).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts.")
@click.pass_context
def check(ctx: click.Context, warn_days: int, names: tuple[str, ...], fmt: str) -> None:
    """Ask each channel's platform who its credentials are, and report.

    Each channel is: ok (it works; and when it expires), expiring (within
    --warn-days: renew it now), expired (the platform refuses it: expired or
    revoked), wrong-scope (it works but lacks a permission publishing needs),
    untrusted (accounts.lock does not trust its secret for its host: nothing is
    sent there) or broken (its settings are wrong, or the platform cannot be
    reached). Secrets come from the variables the channels name; none is ever
    printed.

    Exit 0 when every channel is ok, 1 otherwise: run it daily in CI and a token
    fails the build a week before it lapses.

    \b
    Examples:
      postgen accounts check
      postgen accounts check -c mastodon -c x --warn-days 14
      postgen accounts check --format json
    """
    import httpx

    from postgen import accounts as library
    from postgen.publishers.base import Context

    config = _config(ctx)
    wanted = _channels(config, names)
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        context = Context(env=os.environ, client=client, root=str(config.root),
                          sleep=time.sleep, now=lambda: datetime.now(UTC))
        found = library.check(config, context, warn=timedelta(days=warn_days), channels=wanted)
    if fmt == "json":
        click.echo(json.dumps([{"channel": s.channel, "publisher": s.publisher,
                                "state": s.state, "who": s.who, "detail": s.detail,
                                "expires_at": s.expires_at.isoformat() if s.expires_at
                                else None} for s in found], indent=2, ensure_ascii=False))
    else:
        rows = [("CHANNEL", "PUBLISHER", "STATE", "ACCOUNT / DETAIL")]
        rows += [(s.channel, s.publisher, s.state,
                  f"{s.who}: {s.detail}" if s.who else s.detail) for s in found]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            click.echo("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True))
                       + "  " + row[3])
        bad = sum(1 for s in found if s.failing)
        click.echo(f"\n{len(found) - bad} ok, {bad} need attention", err=True)
    if any(s.failing for s in found):
        ctx.exit(1)


@accounts.command(context_settings=CONTEXT)
@click.option("--yes", "-y", is_flag=True, help="Record the changes without asking.")
@click.pass_context
def trust(ctx: click.Context, yes: bool) -> None:
    """Record which secret each channel may use and where it goes, in accounts.lock.

    Lists every (channel, environment variable, host) the config uses that
    accounts.lock does not trust yet, and those it trusts that the config no
    longer uses; asks before writing (--yes: does not ask). Commit the file:
    from then on `postgen publish` refuses a channel whose secret would go to
    another host, or that takes another channel's secret, until this is run
    again. Nothing is sent and no secret is read.

    \b
    Examples:
      postgen accounts trust
      postgen accounts trust --yes && git add accounts.lock
    """
    from postgen import trust as library
    from postgen.channelcheck import offline_context
    from postgen.publishers import base

    config = _config(ctx)
    context = offline_context(config)
    wanted = library.grants_of(library.credentials(config, context, base.load))
    context.client.close()
    lock = library.load(config.root)
    added, dropped = sorted(wanted - lock.grants), sorted(lock.grants - wanted)
    if lock.problem:
        click.echo(f"warning: {lock.problem}", err=True)
    if not added and not dropped and lock.exists:
        click.echo(f"{library.FILE} already trusts exactly what mkdocs.yml uses.")
        return
    for g in added:
        users = sorted(x.channel for x in wanted if x.env == g.env and x.channel != g.channel)
        shared = f" (shared with {', '.join(users)})" if users else ""
        click.echo(f"+ {g.channel}: {g.env} -> {g.host}{shared}")
    for g in dropped:
        click.echo(f"- {g.channel}: {g.env} -> {g.host} (no longer used)")
    if not yes and not _confirmed(f"Trust this in {library.FILE}?"):
        click.echo("Nothing written.")
        ctx.exit(1)
    library.write(config.root, wanted)
    click.echo(f"wrote {library.FILE} ({len(wanted)} entries): commit it")


def _confirmed(question: str) -> bool:
    """Yes from the person at the terminal; no, with how to go on, when nobody answers
    (CI, a closed pipe, Ctrl+C), rather than click's bare "Aborted!"."""
    try:
        return click.confirm(question, default=False)
    except click.Abort:
        click.echo("\nno answer: in CI or without a terminal, run it with --yes to record "
                   "without asking", err=True)
        return False


STEPS = """\
Where the new token goes: publish reads it from {env}. In GitHub Actions that is a
repository secret, and updating a secret needs a token of your own (a fine-grained
personal access token with "Secrets: read and write" on this repository; the
workflow's GITHUB_TOKEN cannot):
  1. postgen accounts refresh {channel} --to-file ~/{channel}.token
  2. gh secret set {env} < ~/{channel}.token      (or paste it under Settings >
     Secrets and variables > Actions > {env})
  3. rm ~/{channel}.token
Or in one go, the token never on screen (at a terminal; in a script use the file,
which a failed refresh leaves unwritten, where a pipe would hand gh nothing):
  postgen accounts refresh {channel} --to-stdout | gh secret set {env}
The old token keeps working until it expires."""


@accounts.command(context_settings=CONTEXT)
@click.argument("channel")
@click.option("--to-file", "to_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the new token to this file (created private, outside the "
                   "calendar repository).")
@click.option("--to-stdout", is_flag=True,
              help="Print only the new token on standard output (pipe it into "
                   "`gh secret set NAME`).")
@click.pass_context
def refresh(ctx: click.Context, channel: str, to_file: Path | None, to_stdout: bool) -> None:
    """Renew CHANNEL's long-lived token (Threads, Instagram: they last 60 days).

    The new token is a secret, so it goes only where you say: --to-file PATH
    (a private file outside the repository) or --to-stdout (for a pipe). Without
    either, nothing is requested and the steps are printed. A Threads token can
    be refreshed once it is a day old and until it expires.

    \b
    Examples:
      postgen accounts refresh threads --to-file ~/threads.token
      postgen accounts refresh instagram --to-stdout | gh secret set IG_TOKEN
    """
    import httpx

    from postgen import accounts as library
    from postgen.publishers.base import Context
    from postgen.publishers.http import env_name

    config = _config(ctx)
    (name,) = _channels(config, (channel,))
    if to_file and to_stdout:
        raise click.UsageError("--to-file and --to-stdout: choose one")
    if to_file is not None:
        to_file = to_file.expanduser().resolve()
        if to_file.is_relative_to(config.root.resolve()):
            raise click.BadParameter(f"{to_file} is inside the calendar repository, where it "
                                     "could be committed: write it somewhere else",
                                     param_hint="--to-file")
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        context = Context(env=os.environ, client=client, root=str(config.root),
                          sleep=time.sleep, now=lambda: datetime.now(UTC))
        publisher = library.refresher(config, context, name)
        steps = STEPS.format(channel=name, env=env_name(config.channels[name], "token"))
        if not to_file and not to_stdout:
            raise click.UsageError("say where the new token goes: --to-file PATH or "
                                   f"--to-stdout (it is never printed otherwise)\n\n{steps}")
        renewed = publisher.refresh()
    until = (f"until {renewed.expires_at.astimezone(config.timezone):%Y-%m-%d %H:%M %Z}"
             if renewed.expires_at else "(the platform did not say until when)")
    if to_file is not None:
        _write_private(to_file, renewed.token + "\n")
        click.echo(f"wrote the new token for {name} to {to_file}, valid {until}", err=True)
        click.echo(steps, err=True)
    else:
        click.echo(renewed.token, nl=False)
        click.echo(f"new token for {name}, valid {until}", err=True)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a new file only its owner can read, replacing any old one at once."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise click.FileError(str(path), exc.strerror or str(exc)) from exc
