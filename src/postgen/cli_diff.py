"""`postgen diff REF`: what the working tree changes in every variant, against a git ref.

Registered in `postgen.cli` through LAZY_COMMANDS; the work is `postgen.diff`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from postgen.configfile import find_config

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command(context_settings=CONTEXT)
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True,
              help="text for a terminal; markdown for a pull request comment and the job "
                   "summary (the check workflow posts it).")
@click.pass_context
def diff(ctx: click.Context, ref: str, fmt: str) -> None:
    """Show what the calendar here changes against git REF, variant by variant.

    For every variant whose content hash differs (added, removed, or changed:
    text, media, links, time, account...): its text before and after, its
    counts by the platform's rules, the problems the change brings (postgen
    check's, that REF did not have), and the approvals it voids. REF is a
    branch, tag or commit; the calendar at REF is read from git, never checked
    out.

    \b
    Examples:
      postgen diff main
      postgen diff origin/main --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    from postgen import diff as diffing
    from postgen.pipeline import load_calendar

    obj = ctx.find_root().obj
    config_file = find_config(Path.cwd(), obj if isinstance(obj, Path) else None)
    head = diffing.Version.of(load_calendar(config_file=config_file))
    with diffing.at_ref(config_file, ref) as calendar:
        base = diffing.Version.of(calendar)
    result = diffing.compare(base, head, datetime.now(UTC))
    click.echo(diffing.markdown(result) if fmt == "markdown" else diffing.text(result), nl=False)
