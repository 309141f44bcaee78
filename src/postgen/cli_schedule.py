"""`postgen queue`: the posting slots ahead, what fills them and the gaps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click

from postgen.cli_publish import CONTEXT, _now


@click.command(context_settings=CONTEXT)
@click.option("--weeks", default=2, show_default=True, type=click.IntRange(1, 52),
              help="How far ahead to show.")
@click.option("-c", "--channel", "channels", multiple=True, metavar="NAME",
              help="Only these channels (repeatable). Default: every channel with slots.")
@click.option("--now", "now_text", metavar="ISO",
              help="Show the queue as of this time (calendar time without an offset).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts.")
@click.pass_context
def queue(ctx: click.Context, weeks: int, channels: tuple[str, ...], now_text: str | None,
          fmt: str) -> None:
    """The next posting slots of each channel, with the post that fills each, and the gaps.

    Slots are set per channel in mkdocs.yml (`slots: ["Mon,Wed,Fri 09:00"]`).
    `date: auto` posts take the next free slot of each of their channels;
    evergreen posts fill the free slots of the next `schedule.lookahead`
    again, at most once per `schedule.min_gap`; a repeating post takes the
    slots its rule lands on.

    \b
    Examples:
      postgen queue
      postgen queue --weeks 4 -c instagram
    """
    from postgen.pipeline import load_calendar
    from postgen.schedule import queue as slots_ahead

    calendar = load_calendar(config_file=ctx.find_root().obj)
    config = calendar.config
    now = datetime.now(UTC) if now_text is None else _now(now_text, config)
    if now_text is not None:  # placed as of that time too
        calendar = load_calendar(config_file=ctx.find_root().obj, now=now)
    unknown = [c for c in channels if c not in config.channels]
    if unknown:
        raise click.BadParameter(f"no channel named {', '.join(unknown)} (channels: "
                                 f"{', '.join(config.channels)})", param_hint="--channel")
    found = {name: slots for name, slots in
             slots_ahead(config, calendar.posts, now, timedelta(weeks=weeks)).items()
             if not channels or name in channels}
    if fmt == "json":
        click.echo(json.dumps({name: [{"at": s.moment.isoformat(),
                                       "posts": [p.id for p in s.posts]} for s in slots]
                               for name, slots in found.items()}, indent=2))
        return
    if not found:
        click.echo("No channel has posting slots: add 'slots: [\"Mon,Wed,Fri 09:00\"]' to a "
                   "channel in mkdocs.yml.")
        return
    tz = config.timezone
    for name, slots in found.items():
        gaps = sum(1 for s in slots if not s.posts)
        click.echo(f"{name}: {len(slots)} slot(s) in the next {weeks} week(s), {gaps} free")
        for s in slots:
            when = s.moment.astimezone(tz).strftime("%a %d %b %H:%M")
            shown = ", ".join(f"{p.id} ({p.title})" for p in s.posts) or "-- free --"
            click.echo(f"  {when}  {shown}")
