"""`postgen publish` and `postgen ledger`: sending what is due, and the record of it.

Thin commands over `postgen.publish` and `postgen.ledger`; registered in
`postgen.cli` with `cli.add_command(publish)` and `cli.add_command(ledger)`,
which also turns library errors into messages and exit codes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from postgen import approvals, pipeline
from postgen import diagnostics as diag
from postgen.cli import Group
from postgen.config import load_config
from postgen.configfile import find_config
from postgen.dates import DateProblem, parse_datetime
from postgen.errors import ConfigInvalid, PostgenError
from postgen.ledger import FILE, Entry, Ledger, Status
from postgen.models import CalendarConfig
from postgen.pipeline import load_calendar

if TYPE_CHECKING:  # publishing pulls in httpx and every publisher: loaded when used
    from postgen import publish as publishing

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HTTP_TIMEOUT = 30.0


def _config_file(ctx: click.Context) -> Path | None:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Path) else None


@click.command(context_settings=CONTEXT)
@click.option("--now", "now_text", metavar="ISO",
              help="Pretend it is this time (ISO 8601; calendar time without an offset). The "
                   "clock runs on from there during the run.")
@click.option("--dry-run", is_flag=True,
              help="Print the exact requests each due post would make (secrets shown as ***); "
                   "send nothing, write nothing.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Channels sending at once (each channel sends one post at a time).")
@click.option("--before-send", metavar="COMMAND",
              help="After recording the intents of every due post and before sending any, run "
                   "COMMAND (a shell command) to make them durable, e.g. commit and push the "
                   "ledger. If it fails, nothing is sent. CI uses this so that a runner that "
                   "dies mid-run leaves its intents where the next run finds them.")
@click.pass_context
def publish(ctx: click.Context, now_text: str | None, dry_run: bool, workers: int,
            before_send: str | None) -> None:
    """Send every due post to its channel, exactly once, and record it in the ledger.

    A variant is due when its time has passed, by no more than the grace window
    (publish.grace in mkdocs.yml); when it is approved with its current content
    hash (where the channel needs approval); and when the ledger
    (publish-ledger.jsonl) has not recorded it as sent. Posts missed by more
    than the grace window are reported, never sent late. A send whose outcome
    is unknown (a crash, a timeout) is never repeated blindly: the next run asks
    the platform where it can; otherwise settle it with `postgen ledger resolve`.

    Secrets come from the environment variables the channels name (token_env...).
    Ends with a summary; exit 0 when all went well, 1 when anything failed, is
    unknown or was missed, 2 when another run holds the lock.

    \b
    Examples:
      postgen publish
      postgen publish --dry-run
      postgen publish --now "2026-12-01 09:05" --dry-run
    """
    calendar, rendered, problems = pipeline.check(load_calendar(config_file=_config_file(ctx)),
                                                  keep_compiled=not dry_run)  # writes nothing
    config = calendar.config
    clock = datetime.now(UTC)
    now = clock if now_text is None else _now(now_text, config)
    errors, _warnings = diag.count(problems)
    if errors:
        for found in problems:
            if found.severity is diag.Severity.ERROR:
                click.echo(found.text(), err=True)
        click.echo(f"postgen: {errors} error{'s' if errors > 1 else ''} in the calendar "
                   "(postgen check); posts with errors in their files are not sent, every "
                   "other post is", err=True)
    shift = now - clock  # --now moves the clock; it runs on from there
    import httpx

    from postgen import publish as publishing
    from postgen.publishers.base import Context

    with nullcontext() if dry_run else publishing.lock(config.root):
        ledger = Ledger.load(config.root)
        for problem in ledger.problems:
            click.echo(f"warning: {problem.text()}", err=True)
        plan = publishing.plan(calendar, rendered.variants, approvals.load(config), ledger, now)
        with httpx.Client(timeout=HTTP_TIMEOUT) as client:
            context = Context(env=os.environ, client=client, root=str(config.root),
                              sleep=time.sleep, now=lambda: datetime.now(UTC) + shift)
            report = publishing.run(plan, context, ledger, dry_run, workers=workers,
                                    before_send=_hook(before_send, config.root))
    listed = {(r.post, r.channel) for r in report.rows}
    held = [i for i in plan.of(publishing.BLOCKED)
            if (i.variant.post_id, i.variant.channel) not in listed]
    click.echo(as_text(report, config, held))
    if not report.ok:
        ctx.exit(1)


def _hook(command: str | None, root: Path) -> Callable[[], None] | None:
    """`--before-send`: the shell command, run in the calendar's folder; its output goes
    to ours; a non-zero exit raises."""
    if command is None:
        return None

    def run() -> None:
        import subprocess

        sys.stdout.flush()
        done = subprocess.run(command, shell=True, cwd=root, check=False)
        if done.returncode != 0:
            raise PostgenError(f"--before-send exited with {done.returncode}")

    return run


def _now(text: str, config: CalendarConfig) -> datetime:
    moment = parse_datetime(text, config.timezone)
    if isinstance(moment, DateProblem):
        raise click.BadParameter(moment.message, param_hint="--now")
    return moment


def as_text(report: publishing.Report, config: CalendarConfig,
            held: Sequence[publishing.Item] = ()) -> str:
    """The dry run's requests, then the summary table, then the blocked variants the
    table does not show (`held`: not due yet, or outside the grace window) and why,
    then the counts."""
    out: list[str] = []
    for row in report.rows:
        if row.requests:
            out.append(f"would send {row.post} -> {row.channel} (key {row.key}):")
            out.extend("  " + line for line in row.requests.splitlines())
            out.append("")
    table = [("POST", "CHANNEL", "OUTCOME", "REMOTE / MESSAGE")]
    table += [(r.post, r.channel, f"{r.outcome} ({r.kind})" if r.kind else r.outcome, r.detail)
              for r in report.rows]
    if report.rows:
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        out.extend("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True))
                   + "  " + row[3] for row in table)
    else:
        out.append("Nothing to send.")
    if held:
        out.append(f"\nBlocked ({len(held)}), not sent until that changes:")
        out.extend(f"  {i.variant.post_id} -> {i.variant.channel}: {i.verdict.reason}"
                   for i in held)
    done = {o: sum(1 for r in report.rows if r.outcome == o) for o in
            ("sent", "failed", "unknown", "missed", "waiting", "would-send")}
    ran = ", ".join(f"{n} {o}" for o, n in done.items()
                    if n or o not in ("would-send", "waiting"))
    plan = ", ".join(f"{n} {s}" for s, n in sorted(report.counts.items()))
    when = report.now.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M %Z")
    prefix = "dry run: " if report.dry_run else ""
    out.append(f"\n{prefix}{ran} (at {when}; all variants: {plan or 'none'})")
    return "\n".join(out)


# -- the ledger -------------------------------------------------------------------------


@click.group(cls=Group, context_settings=CONTEXT)
def ledger() -> None:
    """The publish ledger (publish-ledger.jsonl): what was sent, what failed, what is unknown.

    \b
    Examples:
      postgen ledger show
      postgen ledger resolve 3f2a9c01 --sent --remote-id 1893... --by dana
    """


def _ledger_config(ctx: click.Context) -> CalendarConfig:
    config, problems = load_config(find_config(Path.cwd(), _config_file(ctx)))
    if config is None:
        raise ConfigInvalid(diag.sort(problems))
    return config


@ledger.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts.")
@click.pass_context
def show(ctx: click.Context, fmt: str) -> None:
    """Where every send stands: one line per idempotency key, latest state.

    States: sent, failed (retry-later, auth, config: tried again on the next run;
    rejected, missed: final for this content), unknown (needs `ledger resolve`
    unless the next run can ask the platform), not-sent (resolved as never sent).
    Unreadable lines are reported, never fatal. Times are in the calendar's
    timezone (json: as recorded, ISO 8601 in UTC).

    \b
    Examples:
      postgen ledger show
      postgen ledger show --format json | jq '.[] | select(.state == "unknown")'
    """
    config = _ledger_config(ctx)
    book = Ledger.load(config.root)
    for problem in book.problems:
        click.echo(f"warning: {problem.text()}", err=True)
    from postgen.publish import scrubber

    scrub = scrubber(config, os.environ)  # a ledger written before secrets were scrubbed
    rows = [{k: scrub(v) if isinstance(v, str) else v for k, v in _shown(book, key).items()}
            for key in book.recorded()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"{FILE} records no sends yet.")
    for r in rows:
        state = f"{r['state']} ({r['kind']})" if r["kind"] else str(r["state"])
        detail = r["url"] or r["remote_id"] or r["message"] or ""
        click.echo(f"{r['key']}  {_local(str(r['at']), config)}  {state:<20}  {r['post']} -> "
                   f"{r['channel']}  {detail}")


def _local(at: str, config: CalendarConfig) -> str:
    """A ledger time (ISO 8601, UTC) in the calendar's timezone, as every command shows
    times; as recorded if it cannot be read."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        return at
    return moment.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _shown(book: Ledger, key: str) -> dict[str, object]:
    status = book.status(key)
    last = next(e for e in reversed(book.entries) if e.key == key)
    events = sum(1 for e in book.entries if e.key == key)
    if status is None:
        return {"key": key, "post": last.post, "channel": last.channel, "state": "not-sent",
                "kind": None, "remote_id": None, "url": None, "message": last.message,
                "at": last.at, "events": events}
    return {"key": key, "post": status.post, "channel": status.channel, "state": status.state,
            "kind": status.kind, "remote_id": status.remote_id, "url": status.url,
            "message": status.message, "at": status.at, "events": events}


@ledger.command(context_settings=CONTEXT)
@click.argument("key")
@click.option("--sent/--not-sent", "was_sent", default=None,
              help="What you found on the platform: it is there (--sent) or it is not.")
@click.option("--parts", type=click.IntRange(1), metavar="N",
              help="With --sent, for a thread: how many of its parts you found (the rest "
                   "will not be sent).")
@click.option("--remote-id", help="With --sent: the post's id on the platform.")
@click.option("--url", help="With --sent: the post's URL.")
@click.option("--by", required=True, help="Who checked (kept in the ledger).")
@click.option("--note", help="A note kept with the resolution.")
@click.pass_context
def resolve(ctx: click.Context, key: str, was_sent: bool | None, parts: int | None,
            remote_id: str | None, url: str | None, by: str, note: str | None) -> None:
    """Settle a send whose outcome is unknown, after checking the platform by hand.

    KEY is the idempotency key `postgen publish` and `postgen ledger show` print
    (a unique prefix will do). --sent records it as published (never sent
    again); --not-sent lets the next `postgen publish` send it, if it is still
    within the grace window (else it is reported as missed). For a thread, --sent
    needs --parts: how many of its parts you found, which is what is recorded.

    \b
    Examples:
      postgen ledger resolve 3f2a9c01 --sent --url https://x.com/acme/status/1893 --by dana
      postgen ledger resolve 3f2a9c01 --sent --parts 2 --by dana --note "part 3 missing"
      postgen ledger resolve 3f2a9c01 --not-sent --by dana --note "not on the profile"
    """
    if was_sent is None:
        raise click.UsageError("say what you found: --sent or --not-sent")
    if not was_sent and (remote_id or url or parts):
        raise click.UsageError("--remote-id, --url and --parts go with --sent")
    config = _ledger_config(ctx)
    from postgen import publish as publishing

    with publishing.lock(config.root):
        book = Ledger.load(config.root)
        status = _unknown(book, key)
        seen = _seen(status, parts) if was_sent else None
        outcome = "sent" if was_sent else "not-sent"
        message = "; ".join(filter(None, [seen, note])) or None
        book.record(Entry("resolved", status.key, status.post, status.channel,
                          datetime.now(UTC).isoformat(timespec="seconds"), outcome=outcome,
                          remote_id=remote_id, url=url, by=by, message=message,
                          part_ids=status.part_ids if was_sent else ()))
    click.echo(f"resolved {status.key} ({status.post} -> {status.channel}): {outcome}"
               f"{f' ({seen})' if seen else ''}, by {by}")


def _seen(status: Status, parts: int | None) -> str | None:
    """What --sent records of a thread: how many parts were seen, and which were confirmed."""
    if status.parts < 2:
        if parts not in (None, 1):
            raise click.BadParameter(f"{status.key} is a single post, not a thread",
                                     param_hint="--parts")
        return None
    confirmed = (f"; the ledger confirms part(s) {', '.join(status.part_ids)}"
                 if status.part_ids else "")
    if parts is None:
        raise click.UsageError(
            f"{status.key} ({status.post} -> {status.channel}) is a thread of {status.parts} "
            f"parts{confirmed}: say how many you found on the platform with --parts N")
    if parts > status.parts:
        raise click.BadParameter(f"the thread has {status.parts} parts", param_hint="--parts")
    rest = "" if parts == status.parts else "; the rest will not be sent"
    return f"{parts} of {status.parts} parts seen{rest}"


def _unknown(book: Ledger, key: str) -> Status:
    found = [k for k in book.recorded() if k.startswith(key.lower())] if len(key) >= 6 else []
    if len(found) != 1:
        what = "matches several keys" if found else "matches no key in the ledger"
        raise click.BadParameter(f"'{key}' {what} (give at least 6 characters of a key "
                                 "`postgen ledger show` lists)", param_hint="KEY")
    status = book.status(found[0])
    if status is None or status.state != "unknown":
        state = status.state if status else "resolved as not sent"
        raise PostgenError(f"{found[0]} is {state}, not unknown: nothing to resolve")
    return status
