"""The `postgen` command line: thin commands over the library.

Library errors become messages and exit codes here, in one place:
0 success, 1 problems found (or a command failed), 2 usage error: an unknown
option value, channel (-c), post, path or address on the command line, in every
command alike.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from postgen import SOURCE, __version__, cachedir
from postgen import diagnostics as diag
from postgen.errors import ConfigInvalid, PostgenError, PostNotFound

if TYPE_CHECKING:  # the library loads when a command runs: `postgen build` often needs none
    import jinja2

    from postgen.models import Calendar, CalendarConfig, Post
    from postgen.render.model import Variant

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: Commands defined in other modules, imported when asked for.
LAZY_COMMANDS = {
    "queue": "postgen.cli_schedule:queue",
    "publish": "postgen.cli_publish:publish",
    "ledger": "postgen.cli_publish:ledger",
    "results": "postgen.cli_results:results",
    "accounts": "postgen.cli_accounts:accounts",
    "diff": "postgen.cli_diff:diff",
    "schema": "postgen.cli_schema:schema",
    "review": "postgen.cli_review:review",
}


class Group(click.Group):
    """A group whose command list shows each command's first sentence whole."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, command.get_short_help_str(limit=1000))  # click cuts it with "..."
                for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class _Group(Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, name = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for number, arg in enumerate(args, start=1):
            _utf8(arg, f"argument {number}")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigInvalid as exc:
            click.echo(diag.format_text(exc.diagnostics), err=True)
            ctx.exit(1)
        except PostgenError as exc:
            click.echo(f"postgen: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _utf8(value: str, what: str) -> None:
    """Text from the command line or standard input must be UTF-8: bytes that are not
    reach Python as lone surrogates, which no platform counts or sends and no file of
    the calendar can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        bad = f"byte 0x{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise click.UsageError(f"{what} is not valid UTF-8 ({bad} at character "
                               f"{exc.start + 1}): {shown}") from None


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="postgen")
@click.option(
    "-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path),
    help="The calendar's mkdocs.yml (default: found in this folder or above).",
)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """postgen: a social media content calendar that lives in git.

    Posts are markdown files under content/; the calendar settings live in
    mkdocs.yml under the postgen plugin. Start with `postgen check` (a new calendar:
    `postgen init DIR`).
    """
    ctx.obj = config_file


def _calendar(ctx: click.Context) -> Calendar:
    from postgen.pipeline import load_calendar

    config_file: Path | None = ctx.find_root().obj
    return load_calendar(config_file=config_file)


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(diag.FORMATTERS)), default="text",
              show_default=True,
              help="text: path:line:col: severity[rule]: message; json: a list of objects; "
                   "github: workflow commands that annotate a pull request's lines.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--no-cache", is_flag=True,
              help="Render every post again instead of trusting .postgen-cache/ for the posts "
                   "that did not change.")
@click.option("--links", is_flag=True,
              help="Also request every link exactly as it is sent (UTM tags included) and "
                   "check the calls to action; results are kept a day in .postgen-cache/.")
@click.option("--offline", is_flag=True,
              help="With --links: request nothing, check only the CTAs and tracking tags.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], fmt: str, strict: bool,
          no_cache: bool, links: bool, offline: bool) -> None:
    """Check the config and every post; report every problem, each with its place.

    PATHS limits the report to those files or folders (every post is still
    read, so duplicate ids across files are found). Exit 0 when clean, 1 on
    errors (or on warnings with --strict).

    \b
    Examples:
      postgen check
      postgen check content/2027-03 --strict
      postgen check --format github      # in CI: annotations on the PR
      postgen check --links              # links requested, CTAs checked
    """
    from postgen import pipeline
    from postgen.checkcache import CheckCache

    calendar: Calendar | None = None
    problems: Sequence[diag.Diagnostic]
    try:
        calendar = _calendar(ctx)
        cache = (None if no_cache or not cachedir.usable(calendar.config.root)
                 else CheckCache.load(calendar.config))
        problems = pipeline.problems(calendar, cache)
        if links:
            from datetime import UTC, datetime

            from postgen import linkcheck
            from postgen.render.variants import render_calendar

            variants = render_calendar(calendar).variants
            problems = diag.sort([*problems, *linkcheck.check(
                calendar, variants, datetime.now(UTC), offline=offline)])
    except ConfigInvalid as exc:
        problems = exc.diagnostics
    if paths and calendar is not None:
        wanted = [_relative(p, calendar.config.root) for p in paths]
        problems = [d for d in problems if any(_within(d.path, w) for w in wanted)]
    output = diag.FORMATTERS[fmt](problems)
    if output:
        click.echo(output)
    if calendar is not None and fmt == "text":
        channels = len(calendar.config.channels)
        click.echo(f"checked {len(calendar.posts)} valid posts on {channels} channels", err=True)
    errors, warnings = diag.count(problems)
    if errors or (strict and warnings):
        ctx.exit(1)


def _relative(path: Path, root: Path) -> str:
    """PATH as check's report names it; a path outside the calendar is a usage error (it
    would filter out every problem, and the check would pass)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise click.BadParameter(f"'{path}' is not in the calendar ({root})",
                                 param_hint="PATHS") from None


def _within(shown: str, wanted: str) -> bool:
    return wanted in (".", "") or shown == wanted or shown.startswith(wanted.rstrip("/") + "/")


@cli.command(context_settings=CONTEXT)
@click.argument("title")
@click.option("--date", "when", metavar="'YYYY-MM-DD HH:MM'",
              help="When it goes out, in the calendar timezone (default: tomorrow 09:00).")
@click.option("--channel", "-c", "channels", multiple=True,
              help="A channel from mkdocs.yml; repeat for more (default: every channel).")
@click.option("--funnel", type=click.Choice(["awareness", "consideration", "conversion",
                                             "retention"]), default="awareness",
              show_default=True, help="The funnel stage the post serves.")
@click.option("--campaign", help="The campaign slug.")
@click.option("--owner", help="Who writes it.")
@click.pass_context
def new(ctx: click.Context, title: str, when: str | None, channels: tuple[str, ...],
        funnel: str, campaign: str | None, owner: str | None) -> None:
    """Scaffold a post: content/YYYY-MM/<slug>.md with a fresh, stable id.

    \b
    Example:
      postgen new "Spring launch teaser" --date "2027-03-02 09:30" -c linkedin -c x
    """
    import re

    from postgen.scaffold import new_post
    from postgen.schema import is_slug

    if not title.strip():
        raise click.BadParameter("a post needs a title: it names the post's file and id",
                                 param_hint="TITLE")
    if campaign is not None and not is_slug(campaign):
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", campaign.lower()).strip("-_")[:64]
        raise click.BadParameter(f"'{campaign}' must be a slug: lowercase letters, digits, "
                                 f"'-' and '_' (e.g. '{suggestion or 'spring-launch'}')",
                                 param_hint="--campaign")
    calendar = _calendar(ctx)
    _known_channels(calendar, channels)
    if when is not None:
        _parse_now(when, calendar, "--date")  # a usage error, as --now is everywhere
    now = datetime.now(calendar.config.timezone)
    default = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    path = new_post(calendar, title, when=when or default.strftime("%Y-%m-%d %H:%M"),
                    channels=channels or tuple(calendar.config.channels), funnel=funnel,
                    campaign=campaign, owner=owner)
    click.echo(calendar.config.rel(path))


@cli.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The brand's name, shown on the site (default: the folder's name).")
@click.option("--timezone", default="UTC", show_default=True,
              help="The calendar's timezone, an IANA name such as Europe/Berlin: posts' "
                   "times are in it.")
@click.option("--reviewer", "reviewers", multiple=True, metavar="LOGIN",
              help="A GitHub login who may approve (approval.reviewers); repeat for more. The "
                   "approvals workflow records nobody until mkdocs.yml lists someone.")
@click.option("--source", default=SOURCE, show_default=True,
              help="Where requirements.txt installs postgen from: a git URL (pinned to this "
                   "version's tag, v" + __version__ + "), or 'index' for postgen==" +
                   __version__ + " from the package index.")
def init(folder: Path, name: str | None, timezone: str, reviewers: tuple[str, ...],
         source: str) -> None:
    """Scaffold a new calendar repository in FOLDER (new, or empty).

    It gets mkdocs.yml (three channels to start from, each publishing to the
    outbox/ folder until you give it its real publisher), a welcome page for
    clients in calendar/, a first post in content/, requirements.txt pinning
    this postgen, the CI workflows in .github/workflows/ (check pull requests,
    publish what is due, record approval issues, deploy the site to GitHub
    Pages), .gitignore and .gitattributes. Nothing is written if anything
    fails.

    \b
    Example:
      postgen init acme-social --name "Acme Coffee" --timezone America/Chicago \\
        --reviewer dana-acme
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from postgen.scaffold import new_calendar

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{timezone!r} is not an IANA timezone (such as "
                                 "Europe/Berlin or America/Chicago)",
                                 param_hint="--timezone") from None
    folder = folder.absolute()
    written = new_calendar(folder, name or folder.name, timezone, datetime.now(zone).date(),
                           source=source, reviewers=reviewers)
    for path in written:
        click.echo(path.as_posix())
    click.echo(f"created a calendar in {folder}: next, cd there and run `postgen check`, "
               "`postgen build`", err=True)


@cli.command(context_settings=CONTEXT)
@click.option("--channel", "-c", "channel", required=True,
              help="A channel from mkdocs.yml (its limits), or a platform name outside a "
                   "calendar: x, mastodon, bluesky, threads, linkedin, facebook, instagram, "
                   "pinterest, email, sms.")
@click.option("--subject", default="", help="Email: the subject line to count too.")
@click.option("--content-warning", default="", help="Mastodon: the content warning, counted too.")
@click.argument("text", required=False)
@click.pass_context
def count(ctx: click.Context, channel: str, subject: str, content_warning: str,
          text: str | None) -> None:
    """Count TEXT (or standard input) the way the channel's platform counts it.

    Prints the length against the limit (`217/280`; for SMS the characters,
    encoding and segments). Exit 1 when the text breaks a limit.

    \b
    Examples:
      postgen count -c x "Two winter coffees land Tuesday https://fernwoodroasters.com"
      echo "Holiday hours: 8-2 on the 24th" | postgen count -c sms
    """
    from postgen.platforms import get_platform, platform_names, with_overrides
    from postgen.platforms.counting import count as count_text

    if text is None:
        text = sys.stdin.read().removesuffix("\n")
        _utf8(text, "standard input")
    try:
        channels = _calendar(ctx).config.channels
    except ConfigInvalid:  # a calendar whose channels cannot be read: say so
        if channel not in platform_names():
            raise
        click.echo(f"postgen: the calendar config has errors (postgen check lists them); "
                   f"counted by {channel}'s own limits", err=True)
        channels = {}
    except PostgenError:  # outside a calendar
        channels = {}
    if channel in channels:
        rules = with_overrides(get_platform(channels[channel].platform), channels[channel].limits)
    elif channel in platform_names():
        rules = get_platform(channel)
    else:
        known = ", ".join(dict.fromkeys([*channels, *platform_names()]))
        raise click.BadParameter(f"'{channel}' is neither a channel nor a platform ({known})",
                                 param_hint="--channel")
    counted = count_text(text, rules, content_warning=content_warning, subject=subject)
    click.echo(counted.summary())
    for problem in counted.problems:
        click.echo(f"  {problem}")
    if not counted.ok:
        ctx.exit(1)


@cli.command(context_settings=CONTEXT)
@click.argument("post", required=False)
@click.option("--channel", "-c", "channels", multiple=True,
              help="Only this channel; repeat for more (default: every channel of the post).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="text: what each channel will show; json: that plus the exact API payload.")
@click.pass_context
def render(ctx: click.Context, post: str | None, channels: tuple[str, ...], fmt: str) -> None:
    """Print POST (an id or a file path; default every post) as each channel will send it.

    Each variant shows its text or thread parts counted against the limit,
    first comment, media with alt text, tracked links and content hash.

    \b
    Examples:
      postgen render 2026-12-05-pour-over-mistakes-thread -c bluesky
      postgen render content/2026-12/gift-guide.md --format json
    """
    from postgen.render import display
    from postgen.render.variants import render_calendar

    calendar = _calendar(ctx)
    _known_channels(calendar, channels)
    only = None
    if post is not None:
        only = {_post_on(calendar, post, channels).id}
    rendered = render_calendar(calendar, only)
    variants = [v for v in rendered.variants if not channels or v.channel in channels]
    if fmt == "json":
        click.echo(display.as_json(variants))
    else:
        click.echo(display.as_text(variants, calendar.config.timezone))


def _mkdocs_config(ctx: click.Context, **overrides: Any) -> Any:
    from postgen.config import mkdocs_config

    return mkdocs_config(_checked_config(ctx), **overrides)


def _checked_config(ctx: click.Context) -> Path:
    """The config file, its calendar settings checked as `check` checks them, before
    MkDocs reads it: a problem is reported at its line, with "did you mean"."""
    from postgen.config import load_config
    from postgen.configfile import find_config
    from postgen.site import stamp

    path = find_config(Path.cwd(), ctx.find_root().obj)
    _refuse_code(path)
    config, problems = load_config(path)
    if config is None:
        raise ConfigInvalid(diag.sort(problems))
    stamp.now_for(config.timezone)  # a bad POSTGEN_NOW in one line, not after MkDocs' log
    return path


def _refuse_code(path: Path) -> None:
    """Stop before MkDocs reads a mkdocs.yml whose tags or hooks would run code."""
    from postgen.config import hooks_allowed, runs_code

    found = runs_code(path, hooks_allowed())
    if found:
        raise ConfigInvalid(found)


@cli.command(context_settings=CONTEXT)
@click.option("-d", "--site-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site (default: site_dir in mkdocs.yml).")
@click.option("--strict", is_flag=True, help="Fail on any problem in the posts (warnings too).")
@click.option("--clean", is_flag=True,
              help="Empty the site folder and render every post again, ignoring the build "
              "cache.")
@click.pass_context
def build(ctx: click.Context, site_dir: Path | None, strict: bool, clean: bool) -> None:
    """Build the approval site: what `mkdocs build` builds, redoing only what changed.

    Every calendar page, post page, .ics feed and posts.json comes from the
    same variants `postgen render` prints. Posts whose files (and images) did
    not change since the last build come from the build cache
    (.postgen-cache/site/) instead of being loaded and rendered again;
    pages that would come out the same are not written again; files of posts
    that are gone are removed. `--clean` (or plain `mkdocs build`) starts
    from an empty site folder and renders everything.

    When nothing the site is made from changed since the last build (posts,
    images, pages, theme, config, approvals, ledger, the site folder itself)
    and no post became due or entered the overview's next 7 days meanwhile
    (nor did a posting slot come within reach of the evergreen queue or of
    `date: auto` posts), it says so and stops without loading anything.
    When only the calendar changed (posts, images, approvals, ledger, time)
    and not mkdocs.yml, the hand-written pages or the theme, it rebuilds the
    calendar's pages without starting MkDocs, whose pages stay as they are.

    Problems in the posts do not stop the build: the site shows them (a post
    that cannot be read is left out, and named on the overview). Errors
    make it exit 1 once the site is written, warnings only with --strict.

    Set POSTGEN_NOW (ISO 8601) to fix the build's "now" (the overview's next
    7 days, what is scheduled and what is past).
    """
    import jinja2

    from postgen.configfile import find_config
    from postgen.site import stamp

    config_file = find_config(Path.cwd(), ctx.find_root().obj)
    option = str(site_dir.resolve()) if site_dir is not None else ""
    if site_dir is not None:
        try:
            site_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PostgenError(_os_error("cannot write the site to", exc)) from None
    global _EXIT_NOW
    if not clean:
        walked: stamp.Walked = {}  # the folders are walked once, as they were at the start
        problems = stamp.up_to_date(config_file, option, strict, walked)
        if problems is not None:
            click.echo("".join(f"{text}\n" for text in problems), err=True, nl=False)
            click.echo("the site is up to date: nothing changed since the last build", err=True)
            _fail_on_errors(ctx, problems, SITE_SHOWS)
            return
        shell = None if strict else stamp.shell_current(config_file, option, walked)
        if shell is not None:  # only the calendar changed: MkDocs' pages are as they were
            from postgen.site.build import SiteBuild, write_site

            site = SiteBuild(config_file, shell.docs_dir, walked)
            try:
                write_site(site, shell.site_dir, shell.extra)
            except OSError as exc:
                raise PostgenError(_os_error("cannot write the site:", exc)) from None
            except jinja2.TemplateError as exc:
                raise _template_failed(exc, config_file.parent) from None
            site.record(config_file, option, shell)
            click.echo(f"built {shell.site_dir}", err=True)
            _EXIT_NOW = True
            _fail_on_errors(ctx, site.problems, SITE_SHOWS)
            return

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    overrides: dict[str, Any] = {"strict": strict}
    if site_dir is not None:
        overrides["site_dir"] = option
    try:
        config = _mkdocs_config(ctx, **overrides)
        if clean:
            import shutil

            from postgen.site.cache import FOLDER

            shutil.rmtree(config_file.parent / FOLDER, ignore_errors=True)
        with _dirty_builds_expected():
            mkdocs_build(config, dirty=not clean)
    except MkDocsException as exc:
        raise PostgenError(str(exc)) from None
    except OSError as exc:
        raise PostgenError(_os_error("cannot write the site:", exc)) from None
    except jinja2.TemplateError as exc:
        raise _template_failed(exc, config_file.parent) from None
    plugin = config.plugins.get("postgen")
    if plugin is not None:
        plugin.record_build(config_file, option)
    click.echo(f"built {config.site_dir}", err=True)
    _EXIT_NOW = True
    if plugin is not None and plugin.build is not None:
        _fail_on_errors(ctx, plugin.build.problems, SITE_SHOWS)


SITE_SHOWS = "; the site shows them"


def _template_failed(exc: jinja2.TemplateError, root: Path) -> PostgenError:
    from postgen.render.templating import template_failure

    return PostgenError(template_failure(exc, root).text())


def _fail_on_errors(ctx: click.Context, problems: Sequence[str], shown: str = "") -> None:
    """Exit 1 when the calendar has errors: what was written lacks a post, or holds one
    with a problem that stops it from being sent."""
    errors = diag.errors_in(problems)
    if errors:
        click.echo(f"postgen: {errors} error{'s' if errors > 1 else ''} in the calendar "
                   f"(above){shown}", err=True)
        ctx.exit(1)


@cli.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and list the posts; write none.")
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Add the posts of a spreadsheet (FILE, CSV, one row per post) to content/.

    The first row names the columns, in any order: title, date and body (or
    text: the post's markdown) are required; channels (names from mkdocs.yml,
    separated by commas; every channel when empty), funnel, campaign, owner,
    id, cta_text and cta_url, hashtags, media (a line per image: 'path | alt
    text') and draft are optional. Dates are 'YYYY-MM-DD HH:MM' in the
    calendar's timezone. `postgen export --format csv` imports as the same
    posts (its rows of one id make one post).

    A row whose post is already in the calendar (by its id, or the id its
    date and title make) is never added twice: left as it is when the same,
    refused when it differs. Every row is checked first, by check's rules:
    any error and no post is written. Prints each new post's file.

    \b
    Example:
      postgen import planned-posts.csv --dry-run
    """
    from postgen import importer

    calendar = _calendar(ctx)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise PostgenError(f"cannot read {file}: {exc.strerror}") from None
    plan, problems = importer.plan(calendar, data, file.as_posix(),
                                   datetime.now(calendar.config.timezone))
    if problems:
        click.echo(diag.format_text(diag.sort(problems)), err=True)
        click.echo(f"postgen: nothing imported from {file}", err=True)
        ctx.exit(1)
    if not dry_run:
        try:
            importer.write(plan.new)
        except OSError as exc:
            raise PostgenError(f"nothing imported: cannot write {exc.filename}: "
                               f"{exc.strerror}") from None
    for post in plan.new:
        click.echo(calendar.config.rel(post.path))
    verb = "would import" if dry_run else "imported"
    same = f", {len(plan.unchanged)} already in the calendar as they are" if plan.unchanged else ""
    click.echo(f"{verb} {len(plan.new)} post{'' if len(plan.new) == 1 else 's'} from {file}"
               f"{same}; `postgen check` reports what each channel makes of them", err=True)


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["ics", "csv", "json"]), required=True,
              help="ics: one event per post and channel (calendar apps); csv: one row per post "
                   "and channel (spreadsheets); json: every post with its variants.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of standard output (never over mkdocs.yml, a "
                   "record such as approvals.jsonl, or a file in content/, assets/ or theme/).")
@click.option("--results", "what_results", is_flag=True,
              help="Export what sent posts did instead (results.jsonl, newest per post and "
                   "channel, with reach, engagement, visits, conversions): csv or json.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None, what_results: bool) -> None:
    """Export the calendar: every post and channel with its exact text, time and review
    state, as the approval site's calendar.ics and posts.json hold them (or as CSV).

    The posts' problems go to standard error; errors make it exit 1 once the
    export is written (a post that cannot be read is not in it).

    \b
    Examples:
      postgen export --format csv -o calendar.csv
      postgen export --format ics > calendar.ics
      postgen export --format csv --results -o results.csv
    """
    from postgen.configfile import find_config
    from postgen.files import write_atomically
    from postgen.site.build import SiteBuild
    from postgen.site.pages import ics, posts_csv, posts_json

    build = SiteBuild(find_config(Path.cwd(), ctx.find_root().obj), None)
    site = build.site
    if what_results:
        if fmt == "ics":
            raise click.BadParameter("results export as csv or json", param_hint="--format")
        data = _results_export(build, fmt)
    elif fmt == "csv":  # with each post's source, for `postgen import`
        data = posts_csv(site, {p.id: p for p in _calendar(ctx).posts})
    else:
        data = (ics if fmt == "ics" else posts_json)(site).content
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        refuse_own_file(output, site.config)
        try:
            write_atomically(output, data)
        except OSError as exc:
            raise PostgenError(f"cannot write {output}: {exc.strerror}") from None
        click.echo(f"wrote {output}", err=True)
    _fail_on_errors(ctx, build.problems)


def _results_export(build: Any, fmt: str) -> bytes:
    import csv
    import io
    import json

    from postgen import spreadsheet
    from postgen.results.report import EXPORT_COLUMNS, export_rows

    rows = export_rows(build.results, build.site.config.timezone)
    if fmt == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet.escape("" if row[c] is None else str(row[c]))
                         for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@contextmanager
def _dirty_builds_expected() -> Iterator[None]:
    """MkDocs warns that a dirty build may leave stale navigation and links (and
    `--strict` fails on it); the plugin rebuilds whatever depends on what changed."""
    def drop(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")

    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


@cli.command(context_settings=CONTEXT)
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True,
              metavar="IP:PORT",
              help="Address to serve on (0.0.0.0:8000 to let other machines on your network "
                   "see it).")
@click.pass_context
def serve(ctx: click.Context, dev_addr: str) -> None:
    """Serve the approval site locally, rebuilding when a post changes: `mkdocs serve`.

    Edit a post, an image, a template, approvals.jsonl or mkdocs.yml and the
    open page reloads with the new version. The posts' problems are printed
    as `path:line:col` lines, as `postgen check` prints them. An edit that
    breaks mkdocs.yml or a template is reported the same way and the last
    site stays served until it is fixed. Stop it with Ctrl+C. POSTGEN_NOW
    works as for `postgen build`.

    \b
    Example:
      postgen serve -a 127.0.0.1:8001
    """
    import jinja2
    from mkdocs.commands.serve import serve as mkdocs_serve

    from postgen.config import mkdocs_config

    path = _checked_config(ctx)
    _free_address(dev_addr)
    mkdocs_config(path)  # what MkDocs refuses, at its line, before MkDocs says it its way
    _log_like_mkdocs()
    # Dirty rebuilds: the served folder is kept between them, so an edit re-renders the
    # pages that show the post, not every page (the plugin knows which changed).
    try:
        with _dirty_builds_expected():
            mkdocs_serve(str(path), dev_addr=dev_addr, livereload=True, build_type="dirty")
    except OSError as exc:  # the address taken meanwhile, or the site folder unwritable
        raise PostgenError(_os_error("cannot serve", exc)) from None
    except jinja2.TemplateError as exc:  # in the first build (the plugin reports a rebuild's)
        raise _template_failed(exc, path.parent) from None


def _free_address(dev_addr: str) -> None:
    """Refuse a malformed address (usage error) or one another server holds, before the
    first build rather than after it."""
    import ipaddress
    import socket

    host, _, port_text = dev_addr.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        if host != "localhost":
            ipaddress.ip_address(host)
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"'{dev_addr}' is not IP:PORT with a port from 1 to 65535 "
                                 "(e.g. 127.0.0.1:8000)", param_hint="--dev-addr") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PostgenError(f"cannot serve on {dev_addr}: {exc.strerror} (is another "
                               "server running there? pick another address with -a)") from None


def refuse_own_file(output: Path, config: CalendarConfig) -> None:
    """A usage error when `-o` names one of the calendar's own files (its config, a
    record, a post, an image, a template): writing the output there would lose it."""
    from postgen import approvals, ledger, trust
    from postgen.results import store
    from postgen.review import comments

    target = output.resolve()
    records = {config.root.resolve() / name for name in (
        approvals.FILE, ledger.FILE, store.FILE, comments.FILE, trust.FILE)}
    what = None
    if target == config.config_path.resolve():
        what = "the calendar's config"
    elif target in records:
        what = "one of the calendar's records"
    else:
        for folder in config.source_folders:
            if folder.resolve() in target.parents:
                what = f"in the calendar's {config.rel(folder)}/ folder"
    if what is not None:
        raise click.BadParameter(f"{output} is {what}, no place for this output: choose "
                                 "another file", param_hint="'-o'")


def _os_error(doing: str, exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"{doing}{where}: {exc.strerror or exc}"


class _MkDocsFormat(logging.Formatter):
    """MkDocs' lines as `mkdocs serve` prints them (`INFO    -  Serving on ...`); the
    calendar's problems as they are (`path:line:col: severity[rule]: message`)."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "mkdocs.plugins.postgen" and record.levelno == logging.WARNING:
            return record.getMessage()
        return f"{record.levelname:<8}-  {record.getMessage()}"


def _log_like_mkdocs() -> None:
    """What MkDocs says while serving, on standard error: where it serves, each change
    it detected and each rebuild with its time (plain `mkdocs serve` says the same)."""
    handler = logging.StreamHandler()
    handler.setFormatter(_MkDocsFormat())
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _variants_of(ctx: click.Context, post: str | None,
                 channels: tuple[str, ...]) -> tuple[Calendar, list[Variant]]:
    """The current variants of POST (all posts if None), only CHANNELS if given."""
    from postgen import pipeline

    calendar, rendered, _problems = pipeline.check(_calendar(ctx))
    _known_channels(calendar, channels)
    variants = list(rendered.variants)
    if post is not None:
        series = _series(calendar, post)
        found = _post_on(calendar, post, channels, series[0] if series else None)
        ids = {p.id for p in series} or {found.id}
        variants = [v for v in variants if v.post_id in ids]
    if channels:
        variants = [v for v in variants if v.channel in channels]
    return calendar, variants


@cli.command(context_settings=CONTEXT)
@click.argument("post", required=False)
@click.option("--channel", "-c", "channels", multiple=True,
              help="Only this channel; repeat for more (default: every channel of the post).")
@click.option("--by", metavar="NAME",
              help="Who approves; required with POST: a reviewer listed in mkdocs.yml "
                   "(approval.reviewers). With --from, each line names its own reviewer.")
@click.option("--note", help="A note kept with the approval.")
@click.option("--from", "source", type=click.File("r", encoding="utf-8"),
              help="Read approval lines from FILE ('-': standard input), e.g. a client's email "
                   "or an approval issue; each is recorded only if its hash is still current.")
@click.option("--as", "as_reviewer",
              help="With --from: every line must be by this reviewer, who must be listed in "
                   "approval.reviewers (CI passes the login of who wrote the message, so nobody "
                   "approves in another's name).")
@click.option("--source", "origin", metavar="TEXT",
              help="With --from: where the message is (e.g. 'github issue 7 comment 9'); each "
                   "of its lines is recorded once, however often it is read again.")
@click.pass_context
def approve(ctx: click.Context, post: str | None, channels: tuple[str, ...], by: str | None,
            note: str | None, source: Any, as_reviewer: str | None,
            origin: str | None) -> None:
    """Record approval of POST's current variants (their content hashes) in approvals.jsonl.

    Editing anything that is sent afterwards (text, media, alt text, links,
    time, account) moves the hash and makes the variant "changed since
    approval". With --from, approves the lines a client sent from the site.

    \b
    Examples:
      postgen approve 2026-12-01-winter-harvest-teaser --by dana@fernwoodroasters.com
      postgen approve --from client-email.txt
    """
    from postgen import approvals

    if source is not None:
        try:
            text = source.read()
        except UnicodeDecodeError as exc:
            raise click.BadParameter(f"byte 0x{exc.object[exc.start]:02X} at byte "
                                     f"{exc.start + 1} is not UTF-8; save the file as UTF-8",
                                     param_hint="--from") from None
        _approve_lines(ctx, text, as_reviewer, origin)
        return
    if post is None or by is None:
        raise click.UsageError("give POST and --by NAME, or --from FILE")
    _decide(ctx, post, channels, by, approvals.APPROVE, note)


@cli.command("request-changes", context_settings=CONTEXT)
@click.argument("post")
@click.option("--channel", "-c", "channels", multiple=True,
              help="Only this channel; repeat for more (default: every channel of the post).")
@click.option("--by", required=True, help="Who asks: a reviewer listed in mkdocs.yml.")
@click.option("--note", required=True, help="What should change (shown to the writer).")
@click.pass_context
def request_changes(ctx: click.Context, post: str, channels: tuple[str, ...], by: str,
                    note: str) -> None:
    """Record that a reviewer wants changes to POST, with their comment.

    \b
    Example:
      postgen request-changes 2026-12-01-winter-harvest-teaser --by dana --note "Say 12 oz"
    """
    from postgen import approvals

    if not note.strip():
        raise click.BadParameter("say what should change: the writer reads it",
                                 param_hint="--note")
    _decide(ctx, post, channels, by, approvals.CHANGES, note)


def _series(calendar: Calendar, ref: str) -> list[Post]:
    """The occurrences of a repeating or evergreen post, by its id or file (none: not one)."""
    paths = calendar.paths_of(ref)
    return sorted((p for p in calendar.posts if p.series is not None
                   and (p.series == ref or p.path in paths)), key=lambda p: p.date)


def _decide(ctx: click.Context, post: str, channels: tuple[str, ...], by: str, decision: str,
            note: str | None) -> None:
    from datetime import UTC

    from postgen import approvals

    calendar, variants = _variants_of(ctx, post, channels)
    if decision == approvals.APPROVE and _series(calendar, post):
        # One approval for the series covers the occurrences whose text is the one the
        # reviewer read (the first's); each is recorded with its own hash.
        first: dict[str, str] = {}
        for v in variants:
            first.setdefault(v.channel, v.text)
        differ = [v for v in variants if v.text != first[v.channel]]
        variants = [v for v in variants if v.text == first[v.channel]]
        for v in differ:
            click.echo(f"not approved: {v.post_id} on {v.channel}: its text differs from the "
                       "first one's; approve it on its own")
    config = calendar.config
    if not approvals.allowed(config, by):
        raise PostgenError(f"'{by}' is not a reviewer of this calendar (approval.reviewers: "
                           f"{', '.join(config.approval.reviewers)})")
    found = calendar.post(post)
    if found is not None and found.draft:
        raise PostgenError(f"{found.id} is a draft: set 'draft: false' before review")
    now = datetime.now(UTC)
    decisions = [approvals.decide(v, decision, by, now, note) for v in variants]
    approvals.append(config, decisions)
    for d in decisions:
        click.echo(f"{d.decision}: {d.post} on {d.channel} ({d.hash[:12]}) by {d.by}")


def _approve_lines(ctx: click.Context, text: str, as_reviewer: str | None,
                   source: str | None) -> None:
    from datetime import UTC

    from postgen import approvals

    calendar, variants = _variants_of(ctx, None, ())
    config = calendar.config
    reading = approvals.read_lines(config, approvals.load(config), variants,
                                   (p.id for p in calendar.posts if p.draft), text,
                                   datetime.now(UTC), sender=as_reviewer, source=source)
    approvals.append(config, reading.decisions)
    for d in reading.decisions:
        click.echo(f"{d.decision}: {d.post} on {d.channel} ({d.hash[:12]}) by {d.by}")
    for line in reading.repeated:
        click.echo(f"unchanged: {line}")
    for reason in reading.refused:
        click.echo(f"refused: {reason}", err=True)
    if reading.refused:
        ctx.exit(1)


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts.")
@click.option("--now", "now_text", metavar="ISO",
              help="Pretend it is this time (ISO 8601), for what is due soon.")
@click.option("--soon", default=48, show_default=True, type=click.IntRange(min=0),
              help="Hours ahead that count as due soon.")
@click.pass_context
def status(ctx: click.Context, fmt: str, now_text: str | None, soon: int) -> None:
    """Where every variant stands: errors, review, approval, due soon, failed.

    First the calendar's errors (a post with one cannot be rendered or sent),
    which make it exit 1; then what needs review, what is approved, what
    changed since approval (with the difference), what is due soon, what failed.

    \b
    Example:
      postgen status --now 2026-12-01T08:00
    """
    from postgen import pipeline
    from postgen import status as review_status
    from postgen.ledger import Ledger

    calendar, rendered, problems = pipeline.check(_calendar(ctx))
    now = _parse_now(now_text, calendar)
    book = Ledger.load(calendar.config.root)
    report = review_status.report(calendar, list(rendered.variants), now,
                                  timedelta(hours=soon), book.published, problems)
    click.echo(review_status.as_json(report) if fmt == "json"
               else review_status.as_text(report))
    if report.errors:
        ctx.exit(1)


def _parse_now(text: str | None, calendar: Calendar, option: str = "--now") -> datetime:
    from postgen.dates import DateProblem, parse_datetime

    if text is None:
        return datetime.now(calendar.config.timezone)
    moment = parse_datetime(text, calendar.config.timezone)
    if isinstance(moment, DateProblem):
        raise click.BadParameter(moment.message, param_hint=option)
    return moment


def _known_channels(calendar: Calendar, channels: Sequence[str]) -> None:
    """An unknown --channel is a usage error (exit 2) in every command."""
    import difflib

    known = list(calendar.config.channels)
    for name in channels:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"mkdocs.yml has {', '.join(known)}"
            raise click.BadParameter(f"unknown channel '{name}'; {hint}", param_hint="--channel")


def _post_on(calendar: Calendar, ref: str, channels: Sequence[str],
             first: Post | None = None) -> Post:
    """The post REF names (`first`: the first occurrence of the series it names), which
    must go to every one of `channels`."""
    found = first or calendar.post(ref)
    if found is None:
        raise PostNotFound(_missing_post(calendar, ref))
    missing = [c for c in channels if c not in found.channels]
    if missing:
        raise click.BadParameter(f"{found.id} does not go to {', '.join(missing)} (its "
                                 f"channels: {', '.join(found.channels)})", param_hint="--channel")
    return found


def _missing_post(calendar: Calendar, ref: str) -> str:
    paths = calendar.paths_of(ref)
    problems = [d for d in calendar.diagnostics if d.path in paths
                and d.severity is diag.Severity.ERROR]
    if problems:
        return f"{ref} has errors, so it cannot be rendered:\n" + "\n".join(
            d.text() for d in problems)
    return f"no post with id or file '{ref}' (postgen check lists the posts' problems)"


#: Set by a finished `postgen build`: exit without freeing what it loaded.
_EXIT_NOW = False


def main() -> None:
    """Console entry point: a friendly last line instead of a traceback."""
    try:
        cli.main(prog_name="postgen")
    except KeyboardInterrupt:
        click.echo("postgen: interrupted", err=True)
        sys.exit(130)
    except SystemExit as exc:
        if _EXIT_NOW and exc.code in (None, 0, 1):
            # Freeing a big calendar's million objects one by one at exit takes longer
            # than a small rebuild; the operating system reclaims them at once (as mypy
            # does). Everything was written and closed; only output needs flushing.
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code or 0)
        raise
