"""The one pipeline every command uses: load -> validate -> render.

`load_calendar` reads the config and every post, checks everything and
returns a `Calendar` holding the valid posts and every problem found. It
raises only when the config itself is unusable (`ConfigInvalid`).
`check` adds the rendered variants and their problems by platform rules.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from postgen import approvals, spelling
from postgen import diagnostics as diag
from postgen.checkcache import CheckCache
from postgen.config import load_config
from postgen.configfile import find_config
from postgen.errors import ConfigInvalid
from postgen.loader import LoadedFile, discover, load_file
from postgen.models import Calendar, CalendarConfig, Post
from postgen.schedule import is_scheduled
from postgen.schema import MediaLookup

if TYPE_CHECKING:  # rendering (Jinja2, markdown-it, payloads) loads only when it runs
    from postgen.render.variants import Rendered, Renderer
    from postgen.schedule import Scheduled  # noqa: F401 - in a string annotation


def load_calendar(start: Path | None = None, config_file: Path | None = None,
                  now: datetime | None = None) -> Calendar:
    """The calendar found from `start` (default: the current folder) or `config_file`;
    dates more than 10 years from `now` (default: the clock) are errors."""
    config_path = find_config(start or Path.cwd(), config_file)
    config, problems = load_config(config_path)
    if config is None:
        raise ConfigInvalid(diag.sort(problems))
    media = MediaLookup(config.root)
    now = now or datetime.now(UTC)
    with collector_paused():
        files = [load_file(config, path, media, now=now)
                 for path in discover(config.content_dir)]
    problems.extend(d for f in files for d in f.diagnostics)
    problems.extend(duplicate_ids(files))
    duplicated = {d.path for d in problems if d.rule == "id-duplicate"}
    posts = sorted(
        (f.post for f in files if f.post is not None and f.path not in duplicated),
        key=_post_order,
    )
    if any(map(is_scheduled, posts)):
        found = schedule_posts(config, posts, now)
        posts, problems = list(found.posts), [*problems, *found.diagnostics]
    unsent = tuple(f.unsent for f in files if f.unsent is not None)
    return Calendar(config, tuple(posts), tuple(diag.sort(problems)), unsent)


def schedule_posts(config: CalendarConfig, posts: Iterable[Post], now: datetime,
                   taken: Iterable[tuple[str, datetime]] = ()) -> Scheduled:
    """Dates resolved: approved slots kept (approvals.jsonl), evergreen gaps from the
    ledger's sends."""
    from postgen.ledger import Ledger
    from postgen.schedule import resolve

    book = approvals.load(config)
    kept = {(d.post, d.channel): datetime.fromisoformat(d.date) for d in book.decisions
            if d.decision == approvals.APPROVE and d.date}
    ledger = Ledger.load(config.root)
    last: dict[str, datetime] = {}
    for key in ledger.recorded():
        status = ledger.status(key)
        if status is not None and status.state == "sent" and "@" in status.post:
            series, at = status.post.split("@", 1)[0], datetime.fromisoformat(status.at)
            last[series] = max(last.get(series, at), at)
    return resolve(config, posts, now, approved_dates=kept, last_sent=last, taken=taken)


def check(calendar: Calendar, keep_compiled: bool = True
          ) -> tuple[Calendar, Rendered, tuple[diag.Diagnostic, ...]]:
    """Render every post and gather every problem: the content's and the variants'."""
    from postgen.render.variants import render_calendar

    rendered = render_calendar(calendar, keep_compiled=keep_compiled)
    book = approvals.load(calendar.config)
    return calendar, rendered, tuple(diag.sort([*calendar.diagnostics, *rendered.diagnostics,
                                                *unsent_problems(calendar), *book.problems,
                                                *channel_problems(calendar),
                                                *spelling.problems(calendar)]))


def unsent_problems(calendar: Calendar) -> list[diag.Diagnostic]:
    """What rendering finds in the posts whose files have other errors, so that one run
    reports every independent problem (their variants are never sent)."""
    if not calendar.unsent:
        return []
    from postgen.render.variants import Renderer

    renderer = Renderer(calendar.config, keep_compiled=False)
    return [d for post in calendar.unsent for d in renderer.post(post)[1]]


def problems(calendar: Calendar, cache: CheckCache | None = None) -> tuple[diag.Diagnostic, ...]:
    """Every problem, like `check`, re-rendering only the posts the cache cannot vouch for
    (no cache: every post, and nothing is read from or written to .postgen-cache/)."""
    if cache is None:
        return check(calendar, keep_compiled=False)[2]
    renderer: Renderer | None = None

    found: list[diag.Diagnostic] = []
    with collector_paused():
        for post in calendar.posts:
            known = cache.get(post)
            if known is None:
                if renderer is None:
                    from postgen.render.variants import Renderer

                    renderer = Renderer(calendar.config)
                known = renderer.post(post)[1]
                cache.put(post, known)
            found.extend(known)
    cache.save({post.id for post in calendar.posts})
    book = approvals.load(calendar.config)
    return tuple(diag.sort([*calendar.diagnostics, *found, *unsent_problems(calendar),
                            *book.problems, *channel_problems(calendar),
                            *spelling.problems(calendar)]))


def channel_problems(calendar: Calendar) -> list[diag.Diagnostic]:
    """Each channel's publisher settings, checked by its publisher (and its secrets' trust)."""
    from postgen import channelcheck  # loads the publishers and httpx

    return channelcheck.problems(calendar.config)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Bulk work builds many objects that all live on: the cyclic garbage collector
    would scan them again and again for nothing (a quarter of the time at 10,000
    posts). It waits, and the survivors are then frozen out of its view (they hold
    no cycles; reference counting still frees them)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def _post_order(post: Post) -> tuple[object, ...]:
    return (post.date, post.id)


def duplicate_ids(files: list[LoadedFile]) -> list[diag.Diagnostic]:
    by_id: dict[str, list[LoadedFile]] = defaultdict(list)
    for f in files:
        if f.raw_id is not None and f.source is not None:
            by_id[f.raw_id].append(f)
    found = []
    for post_id, sharing in by_id.items():
        if len(sharing) < 2:
            continue
        places = [(f.path, f.source.value("id")) for f in sharing if f.source is not None]
        for path, loc in places:
            others = ", ".join(f"{p}:{o.line}" for p, o in places if p != path)
            found.append(diag.error(
                path, loc.line, loc.col, "id-duplicate",
                f"post id '{post_id}' is also used by {others}; ids must be unique (the "
                "publisher tells posts apart by id)"))
    return found
