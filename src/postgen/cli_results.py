"""`postgen results`: what sent posts did, fetched into results.jsonl and shown.

Thin commands over `postgen.results`; registered lazily in `postgen.cli`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from postgen.cli import Group
from postgen.cli_publish import CONTEXT, HTTP_TIMEOUT, _ledger_config
from postgen.ledger import Ledger


@click.group(cls=Group, context_settings=CONTEXT)
def results() -> None:
    """What sent posts did: platform metrics and web analytics, kept in results.jsonl.

    `fetch` asks each channel's platform for the metrics of every post the
    ledger records as sent (likes, reposts, replies, reach...) and the web
    analytics API (results.analytics in mkdocs.yml) for the visits and goal
    conversions each post's tracked links brought. `show` sums them by
    campaign, channel, funnel stage or week. The site shows the same numbers.

    \b
    Examples:
      postgen results fetch
      postgen results show --by funnel
      postgen results show --by post --format csv > results.csv
    """


@results.command(context_settings=CONTEXT)
@click.option("-c", "--channel", "channels", multiple=True, metavar="NAME",
              help="Only these channels (repeatable). Default: every channel with sent posts.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Requests in flight at once per channel (each platform's rate limit "
                   "still applies: a 429 is waited out).")
@click.pass_context
def fetch(ctx: click.Context, channels: tuple[str, ...], workers: int) -> None:
    """Fetch metrics for every sent post and append them to results.jsonl.

    Tokens come from the environment variables the channels name, as for
    publish; each token needs its platform's read scope (docs/publishers.md).
    Each run appends a snapshot per post, so growth over days shows; commit the
    file as CI commits the ledger. Exit 1 when a channel or the analytics API
    could not be read (the others are still fetched and recorded).
    """
    import httpx

    from postgen.publish import scrubber
    from postgen.publishers.base import Context
    from postgen.results.fetch import fetch as run
    from postgen.results.store import FILE, Writer

    config = _ledger_config(ctx)
    unknown = [c for c in channels if c not in config.channels]
    if unknown:
        raise click.BadParameter(f"no channel named {', '.join(unknown)} (channels: "
                                 f"{', '.join(config.channels)})", param_hint="--channel")
    ledger = Ledger.load(config.root)
    scrub = scrubber(config, os.environ)
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        context = Context(env=os.environ, client=client, root=str(config.root),
                          sleep=time.sleep, now=lambda: datetime.now(UTC))
        report = run(config, ledger, context, Writer(config.root), workers=workers,
                     only=channels)
    if not report.channels:
        click.echo("The ledger records no sent posts yet: nothing to fetch.")
    for c in report.channels:
        if c.skipped:
            click.echo(f"{c.channel}: skipped: {c.skipped}")
            continue
        line = f"{c.channel}: {c.read} post(s) read"
        if c.deleted:
            line += f", {c.deleted} no longer on the platform"
        if c.error:
            line += f"; stopped, {c.pending} not read: {scrub(c.error)}"
        click.echo(line)
    if report.web is not None:
        click.echo(f"analytics: {report.web} UTM row(s) read" if report.web_error is None
                   else scrub(report.web_error))
    click.echo(f"Recorded in {FILE}.")
    if not report.ok:
        ctx.exit(1)


COLUMNS = ("label", "sent", "reach", "engagements", "engagement_rate", "visits", "conversions")


@results.command(context_settings=CONTEXT)
@click.option("--by", type=click.Choice(["campaign", "channel", "funnel", "week", "post"]),
              default="campaign", show_default=True, help="How to group the numbers.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="text for people; json or csv for scripts and sheets.")
@click.pass_context
def show(ctx: click.Context, by: str, fmt: str) -> None:
    """The newest results, summed by campaign, channel, funnel stage or week, or per post.

    Reach is the platform's reach, else impressions, else views; engagement
    rate is engagements (likes, reposts, replies, quotes, saves, clicks) per
    person reached. Visits and conversions come from the web analytics.

    \b
    Examples:
      postgen results show --by funnel
      postgen results show --by post --format csv
    """
    from postgen.pipeline import load_calendar
    from postgen.results import store
    from postgen.results.report import summarise

    calendar = load_calendar(config_file=ctx.find_root().obj)
    found = store.read(calendar.config.root)
    for problem in found.problems:
        click.echo(f"warning: {problem}", err=True)
    summary = summarise(calendar.config, calendar.posts, found)
    if by == "post":
        rows = [[f"{r.post.id} ({r.channel})", 1, "" if r.reach is None else r.reach,
                 r.engagements,
                 _rate(r.rate), r.visits, r.conversions] for r in summary.rows if not r.deleted]
    else:
        groups = {"campaign": summary.by_campaign, "channel": summary.by_channel,
                  "funnel": summary.by_funnel, "week": summary.by_week}[by]
        rows = [[g.label, g.sent, "" if g.reach is None else g.reach, g.engagements,
                 _rate(g.rate), g.visits,
                 g.conversions] for g in groups]
    click.echo(_format(rows, fmt, by), nl=fmt == "text")
    if fmt == "text" and summary.gaps:
        click.echo("\nGaps in the funnel:")
        for gap in summary.gaps:
            click.echo(f"- {gap.text()}")


def _rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _format(rows: Sequence[Sequence[object]], fmt: str, by: str) -> str:
    header = [by, *COLUMNS[1:]]
    if fmt == "json":
        return json.dumps([dict(zip(header, row, strict=True)) for row in rows], indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()
    if not rows:
        return "No results yet: run `postgen results fetch` after posts are sent."
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                       for i, (x, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    return "\n".join(lines)
