"""What the approval site shows, gathered before any page is written.

`SiteData` holds every post as an `Entry` and every grouping the pages need
(months, weeks, campaigns, channels, funnel coverage, statuses), built once
from the pipeline's output. Templates only read it.

An entry is light: `PostInfo` and `VariantInfo` hold what the calendar pages
(grid, agenda, lists, feeds) show, so a rebuild can take unchanged posts from
the build cache (`site/cache.py`) without loading or rendering them again.
A post's own page gets the whole `Post` and its `Variant`s.
"""

from __future__ import annotations

import calendar as calendar_module
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from postgen import diagnostics as diag
from postgen.approvals import State
from postgen.models import Calendar, CalendarConfig, Funnel, Post
from postgen.render.media import inspect, served_suffix
from postgen.render.model import Variant

STAGES = tuple(Funnel)
T = TypeVar("T")

Status = State  # a variant's review state, as approvals.state gives it


@dataclass(frozen=True)
class PostInfo:
    """What the calendar pages show of a post."""

    id: str
    path: str
    title: str
    date: datetime
    funnel: Funnel
    channels: tuple[str, ...]
    campaign: str | None = None
    owner: str | None = None
    draft: bool = False

    @classmethod
    def of(cls, post: Post) -> PostInfo:
        return cls(post.id, post.path, post.title, post.date, post.funnel, post.channels,
                   post.campaign, post.owner, post.draft)


@dataclass(frozen=True)
class ServedMedia:
    """A media file as the site serves it (under its content hash)."""

    src: str  # as the writer wrote it
    path: str  # the file to copy
    sha256: str
    suffix: str = ""  # by its content (render.media.served_suffix); "" = never served


def served_media(src: str, path: Path) -> ServedMedia:
    """A file the site serves that no post names (an avatar, a link card's image): typed
    by its content like a post's media, and not served when it is no image."""
    facts = inspect(path)
    return ServedMedia(src, str(path), facts.sha256, served_suffix(facts) or "")


_SHARED: dict[Any, Any] = {}


def _shared(value: T) -> T:
    """One object for equal values (the media of a post's variants, of posts showing the
    same files): the build cache then stores and loads each once, not per variant."""
    return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class VariantInfo:
    """What the calendar pages and feeds show of a variant: its exact text, by part."""

    post_id: str
    channel: str
    platform: str
    date: datetime
    hash: str
    parts: tuple[str, ...]
    media: tuple[ServedMedia, ...] = ()

    @classmethod
    def of(cls, v: Variant) -> VariantInfo:
        media = _shared(tuple(_shared(ServedMedia(m.src, str(m.path), m.sha256,
                                                          served_suffix(m) or ""))
                              for m in v.media))
        return cls(v.post_id, v.channel, v.platform, v.date, v.hash,
                   tuple(p.text for p in v.parts), media)

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)


def default_status(post: PostInfo, variant: VariantInfo) -> Status:
    if post.draft:
        return Status("draft", "Draft", "Not ready for review yet")
    return Status("in-review", "In review", "Waiting for the client's approval")


_PROGRESS = ("changed", "changes-requested", "in-review", "draft", "approved", "scheduled",
             "published", "failed")


def overall_status(statuses: Mapping[str, Status]) -> Status:
    """The least advanced of a post's channels' states (what still needs doing)."""
    if not statuses:
        return Status("draft", "Draft")
    return min(statuses.values(),
               key=lambda s: _PROGRESS.index(s.key) if s.key in _PROGRESS else 0)


@dataclass(frozen=True)
class Entry:
    """One post on the calendar, with its variants and how it stands."""

    post: PostInfo
    variants: tuple[VariantInfo, ...]
    statuses: Mapping[str, Status]  # by channel
    problems: tuple[diag.Diagnostic, ...]
    #: Digests of what the entry shows (equal keys, equal pages): everything (its own
    #: page, its feed events), its card (lists, grid, agenda), its card and problems
    #: (the overview). See `make_entry`.
    key: str = ""
    card_key: str = ""
    summary_key: str = ""

    @property
    def status(self) -> Status:
        return overall_status(self.statuses)

    @property
    def local_date(self) -> datetime:
        return self.post.date.astimezone(self.post.date.tzinfo)


@dataclass(frozen=True)
class Week:
    year: int
    number: int
    monday: date
    days: tuple[tuple[date, tuple[Entry, ...]], ...]

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.number:02d}"


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    weeks: tuple[tuple[tuple[date, tuple[Entry, ...]], ...], ...]  # Monday-first rows

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def title(self) -> str:
        return f"{calendar_module.month_name[self.month]} {self.year}"


@dataclass(frozen=True)
class SiteData:
    config: CalendarConfig
    entries: tuple[Entry, ...]
    now: datetime
    broken: tuple[tuple[str, tuple[diag.Diagnostic, ...]], ...]  # files with errors
    months: tuple[Month, ...] = ()
    weeks: tuple[Week, ...] = ()
    campaigns: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    channels: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)

    def entry(self, post_id: str) -> Entry | None:
        return next((e for e in self.entries if e.post.id == post_id), None)

    def upcoming(self, days: int = 7) -> tuple[Entry, ...]:
        end = self.now + timedelta(days=days)
        return tuple(e for e in self.entries if self.now <= e.post.date < end)

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for e in self.entries:
            for s in e.statuses.values():
                counts[s.label] += 1
        return dict(sorted(counts.items()))

    def review_queue(self) -> tuple[Entry, ...]:
        waiting = {"in-review", "changed", "changes-requested"}
        return tuple(e for e in self.entries
                     if any(s.key in waiting for s in e.statuses.values()))

    def coverage(self) -> list[tuple[Week, dict[str, dict[str, int]]]]:
        """For each week: stage -> channel -> number of variants (gaps show as empty)."""
        rows = []
        for week in self.weeks:
            cells: dict[str, dict[str, int]] = {s.value: defaultdict(int) for s in STAGES}
            for _day, entries in week.days:
                for e in entries:
                    for v in e.variants:
                        cells[e.post.funnel.value][v.channel] += 1
            rows.append((week, {k: dict(v) for k, v in cells.items()}))
        return rows

    def weekday_matrix(self) -> dict[str, list[int]]:
        """Channel -> posts per weekday (Mon..Sun): which days a channel is silent."""
        matrix: dict[str, list[int]] = {name: [0] * 7 for name in self.config.channels}
        for e in self.entries:
            for v in e.variants:
                matrix[v.channel][v.date.astimezone(self.config.timezone).weekday()] += 1
        return matrix


EntryMaker = Callable[[PostInfo, tuple[VariantInfo, ...], tuple[diag.Diagnostic, ...]], Entry]


def make_entry(post: PostInfo, variants: tuple[VariantInfo, ...], statuses: Mapping[str, Status],
               problems: tuple[diag.Diagnostic, ...]) -> Entry:
    """An entry with its keys (the variants' hashes cover their content)."""
    overall = overall_status(statuses)
    # The card shows the post and its overall state; the funnel page its variants' times.
    # The card shows a thumbnail (the first image) and the start of the text too.
    thumb = next((v.media[0].sha256 for v in variants if v.media), None)
    card = _digest(repr((post, overall.key, overall.label,
                         [(v.channel, v.date) for v in variants], thumb,
                         variants[0].parts[:1] if variants else ())))
    return Entry(post, variants, statuses, problems,
                 key=_digest(repr((card, [(v.channel, v.platform, v.date, v.hash)
                                          for v in variants],
                                   sorted(statuses.items()), problems))),
                 card_key=card,
                 summary_key=_digest(repr((card, [(c, s.key, s.label) for c, s in
                                                  sorted(statuses.items())], problems))))


def entries_by(status: Callable[[PostInfo, VariantInfo], Status]) -> EntryMaker:
    """Entries whose variants stand as `status` says."""
    def make(post: PostInfo, variants: tuple[VariantInfo, ...],
             problems: tuple[diag.Diagnostic, ...]) -> Entry:
        return make_entry(post, variants, {v.channel: status(post, v) for v in variants},
                          problems)
    return make


def build_site_data(
    calendar: Calendar,
    variants: Iterable[Variant],
    problems: tuple[diag.Diagnostic, ...],
    now: datetime,
    status: Callable[[PostInfo, VariantInfo], Status] = default_status,
) -> SiteData:
    """The site of a loaded and rendered calendar."""
    by_post: dict[str, list[VariantInfo]] = defaultdict(list)
    for v in variants:
        by_post[v.post_id].append(VariantInfo.of(v))
    posts = [(PostInfo.of(p), tuple(by_post[p.id])) for p in calendar.posts]
    return assemble(calendar.config, posts, problems, now, entries_by(status))


def assemble(
    config: CalendarConfig,
    posts: Iterable[tuple[PostInfo, tuple[VariantInfo, ...]]],
    problems: Iterable[diag.Diagnostic],
    now: datetime,
    entry: EntryMaker | None = None,
) -> SiteData:
    """The site of `posts` (in calendar order), each with its variants; `entry` makes
    each post's entry from it, its variants and its problems (default: not reviewed)."""
    entry = entry or entries_by(default_status)
    tz = config.timezone
    by_path: dict[str, list[diag.Diagnostic]] = defaultdict(list)
    for d in problems:
        by_path[d.path].append(d)
    entries = []
    valid_paths = set()
    for post, variants in posts:
        valid_paths.add(post.path)
        entries.append(entry(post, variants, tuple(by_path.get(post.path, ()))))
    broken = tuple((path, tuple(ds)) for path, ds in sorted(by_path.items())
                   if path not in valid_paths and any(d.severity == "error" for d in ds))
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for e in entries:
        by_day[e.post.date.astimezone(tz).date()].append(e)
    days = sorted(by_day)
    months, weeks = _months(days, by_day), _weeks(days, by_day)
    campaigns: dict[str, list[Entry]] = defaultdict(list)
    channels: dict[str, list[Entry]] = {name: [] for name in config.channels}
    for e in entries:
        if e.post.campaign:
            campaigns[e.post.campaign].append(e)
        for name in e.post.channels:
            channels[name].append(e)
    return SiteData(
        config=config, entries=tuple(entries), now=now, broken=broken, months=months,
        weeks=weeks, campaigns={k: tuple(v) for k, v in sorted(campaigns.items())},
        channels={k: tuple(v) for k, v in channels.items()},
    )


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _grid_days(first: date, last: date, by_day: Mapping[date, list[Entry]]
               ) -> tuple[tuple[date, tuple[Entry, ...]], ...]:
    out = []
    day = first
    while day <= last:
        out.append((day, tuple(by_day.get(day, ()))))
        day += timedelta(days=1)
    return tuple(out)


def _months(days: list[date], by_day: Mapping[date, list[Entry]]) -> tuple[Month, ...]:
    if not days:
        return ()
    months = []
    year, month = days[0].year, days[0].month
    while (year, month) <= (days[-1].year, days[-1].month):
        first = date(year, month, 1)
        last = date(year, month, calendar_module.monthrange(year, month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        grid = _grid_days(start, end, by_day)
        rows = tuple(grid[i:i + 7] for i in range(0, len(grid), 7))
        months.append(Month(year, month, rows))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _weeks(days: list[date], by_day: Mapping[date, list[Entry]]) -> tuple[Week, ...]:
    if not days:
        return ()
    weeks = []
    monday = days[0] - timedelta(days=days[0].weekday())
    while monday <= days[-1]:
        iso = monday.isocalendar()
        weeks.append(Week(iso.year, iso.week, monday,
                          _grid_days(monday, monday + timedelta(days=6), by_day)))
        monday += timedelta(days=7)
    return tuple(weeks)
