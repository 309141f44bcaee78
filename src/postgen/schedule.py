"""When each post goes out: recurring posts, posting slots and the evergreen queue.

Three ways for a post to say when, besides a fixed `date`:

- `repeat:` an RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=SU`, `FREQ=MONTHLY;BYDAY=1MO`,
  with `UNTIL=` or `COUNT=`), read by python-dateutil and started at the post's
  `date`, as wall-clock time in the calendar timezone: 09:00 stays 09:00 across
  daylight-saving changes. A time the clocks skip moves forward by the gap and is
  reported; a repeated one takes its first instant. `skip:` lists dates to leave
  out. A rule with no end runs for `HORIZON` from its start, and says so.
- `date: auto`: the next free posting slot (`slots:` of each of the post's
  channels, e.g. `Mon,Wed,Fri 09:00`) from now; per channel, from that channel's
  slots. A slot is free when no other post of the channel is at that moment.
- `evergreen: true`: besides its own date, the post is sent again into slots
  still free in the next `schedule.lookahead`, at most once per
  `schedule.min_gap`.

Each occurrence (of a rule, or an evergreen re-send) is a post of its own, with
the id `<post id>@<YYYY-MM-DD>`: its own date, content hash, approval and
ledger key. Its links keep the post's id in `utm_content`, so the text of every
occurrence is the same and one approval can cover the series (`postgen
approve <post id>` approves each occurrence's own hash).

Assignment is a pure function of the posts, the approvals, the ledger and
"now": the same files give the same schedule whatever their order on disk.
Approved slotted posts keep the slot their approval recorded (`Decision.date`),
so adding a post never moves one a client has approved; the others take free
slots in id order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType

from dateutil.rrule import rrulestr

from postgen.diagnostics import Diagnostic, Severity, brief
from postgen.models import CalendarConfig, Post, Slot
from postgen.schema import DATE_WINDOW

#: How far an open-ended rule runs from its first date.
HORIZON = timedelta(days=366)
#: At most this many occurrences of one post.
MAX_OCCURRENCES = 400
#: How far ahead `date: auto` looks for a free slot.
SLOT_SEARCH = timedelta(days=366)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
#: Before any post: an evergreen post never sent comes first.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT = re.compile(r"(?P<days>[a-z]{3}(?:\s*,\s*[a-z]{3})*)\s+(?P<h>\d{1,2}):(?P<m>\d{2})",
                   re.I)


def parse_slots(text: str) -> tuple[Slot, ...] | str:
    """`Mon,Wed,Fri 09:00` -> one slot per day; or what is wrong with it."""
    m = _SLOT.fullmatch(text.strip())
    if not m:
        return f"'{brief(text)}' is not a slot like 'Mon,Wed,Fri 09:00' or 'Tue 12:30'"
    days = [d.strip().lower() for d in m["days"].split(",")]
    unknown = [d for d in days if d not in _DAYS]
    if unknown:
        return f"'{unknown[0]}' is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"
    try:
        at = time(int(m["h"]), int(m["m"]))
    except ValueError:
        return f"'{m['h']}:{m['m']}' is not a time of day"
    return tuple(Slot(_DAYS.index(d), at) for d in days)


def wall_time(naive: datetime, tz: tzinfo) -> tuple[datetime, bool]:
    """A wall-clock time in `tz`; a time the clocks skip moves forward by the gap
    (True: it moved). A repeated time takes its first instant."""
    first = naive.replace(tzinfo=tz, fold=0)
    moved = first.astimezone(UTC).astimezone(tz)
    return moved, moved.replace(tzinfo=None) != naive


@dataclass(frozen=True)
class Scheduled:
    """The posts with their dates resolved, and what was found on the way."""

    posts: tuple[Post, ...]
    diagnostics: tuple[Diagnostic, ...]


def occurrence_id(post_id: str, day: date) -> str:
    return f"{post_id}@{day.isoformat()}"


# -- recurring posts -------------------------------------------------------------------


def occurrences(post: Post, tz: tzinfo, found: list[Diagnostic],
                latest: datetime | None = None) -> list[Post]:
    """The recurring post's occurrences, each a post of its own; none after `latest`
    (a calendar plans at most 10 years ahead, as dates in files are held to)."""
    assert post.repeat is not None
    rule = post.repeat.rule.strip()
    rule = rule[6:] if rule.upper().startswith("RRULE:") else rule
    # UNTIL as a date means through that day (writers read it so; RFC 5545 wants a
    # date-time when the start has a time).
    rule = re.sub(r"(UNTIL=\d{8})(?=;|$)", r"\1T235959", rule, flags=re.I)
    start = post.date.astimezone(tz).replace(tzinfo=None)
    freq = re.search(r"FREQ=([A-Z]+)", rule.upper())
    if not freq or freq.group(1) not in FREQUENCIES:
        _report(found, post, "repeat", "repeat-invalid",
                f"repeat needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (an RFC 5545 RRULE like "
                f"'FREQ=WEEKLY;BYDAY=SU'), not '{brief(rule)}'")
        return []
    try:
        parsed = rrulestr(rule, dtstart=start, forceset=True)
    except (ValueError, TypeError, OverflowError) as exc:
        _report(found, post, "repeat", "repeat-invalid",
                f"'{brief(rule)}' is not an RRULE postgen can read: {exc}")
        return []
    bounded = re.search(r"(UNTIL|COUNT)=", rule.upper()) is not None
    end = start + HORIZON
    if not bounded:
        _report(found, post, "repeat", "repeat-open",
                f"the rule has no UNTIL or COUNT: its posts are planned for a year, until "
                f"{end:%d %b %Y}; add UNTIL=YYYYMMDD or COUNT=N to say when it ends",
                Severity.WARNING)
    skip = set(post.repeat.skip)
    days: dict[date, Post] = {}
    used: set[date] = set()
    limit = latest.astimezone(tz).replace(tzinfo=None) if latest else None
    for n, naive in enumerate(parsed.xafter(start, inc=True)):
        if limit is not None and naive > limit:
            _report(found, post, "repeat", "repeat-open",
                    f"the rule runs past {limit:%d %b %Y}, 10 years from today: later posts "
                    "are not planned", Severity.WARNING)
            break
        if (not bounded and naive > end) or n >= MAX_OCCURRENCES:
            if bounded and n >= MAX_OCCURRENCES:
                _report(found, post, "repeat", "repeat-open",
                        f"the rule makes more than {MAX_OCCURRENCES} posts; only the first "
                        f"{MAX_OCCURRENCES} are planned", Severity.WARNING)
            break
        day = naive.date()
        if day in skip:
            used.add(day)
            continue
        if day in days:
            _report(found, post, "repeat", "repeat-invalid",
                    f"the rule makes two posts on {day}: a series has at most one a day")
            return []
        moment, moved = wall_time(naive, tz)
        if moved:
            _report(found, post, "repeat", "repeat-dst-gap",
                    f"{naive:%H:%M} does not exist on {day} in {tz} (the clocks skip it): "
                    f"that post goes out at {moment:%H:%M}", Severity.WARNING)
        days[day] = replace(post, id=occurrence_id(post.id, day), date=moment,
                            series=post.id)
    for day in sorted(skip - used):
        _report(found, post, "skip", "repeat-skip",
                f"skip date {day} is not one of the rule's dates", Severity.WARNING)
    return [days[d] for d in sorted(days)]


# -- posting slots ------------------------------------------------------------------------


def slot_times(slots: Sequence[Slot], tz: tzinfo, after: datetime,
               until: datetime) -> Iterator[datetime]:
    """Every moment of the weekly `slots` in (after, until], in time order."""
    if not slots:
        return
    day = after.astimezone(tz).date()
    while True:
        for s in sorted((s for s in slots if s.weekday == day.weekday()), key=lambda s: s.at):
            moment, _moved = wall_time(datetime.combine(day, s.at), tz)
            if moment > until:
                return
            if moment > after:
                yield moment
        day += timedelta(days=1)


@dataclass
class _Board:
    """Which moments each channel has taken."""

    taken: dict[str, set[datetime]]

    def free(self, channel: str, moment: datetime) -> bool:
        return moment.astimezone(UTC) not in self.taken[channel]

    def take(self, channel: str, moment: datetime) -> None:
        self.taken[channel].add(moment.astimezone(UTC))


def resolve(config: CalendarConfig, posts: Iterable[Post], now: datetime, *,
            approved_dates: Mapping[tuple[str, str], datetime] | None = None,
            last_sent: Mapping[str, datetime] | None = None,
            taken: Iterable[tuple[str, datetime]] = ()) -> Scheduled:
    """Every post with its dates resolved: recurring posts expanded, `date: auto` posts
    in slots, evergreen posts sent again into free slots.

    `approved_dates`: (post id, channel) -> the date its approval recorded, which a
    slotted post keeps. `last_sent`: post id -> when a send of it (any occurrence)
    was last recorded, for the evergreen gap. `taken`: (channel, moment) of posts not
    given in `posts` (the site passes only the scheduled ones).
    """
    tz = config.timezone
    found: list[Diagnostic] = []
    pinned = approved_dates or {}
    fixed: list[Post] = []
    auto: list[Post] = []
    evergreen: list[Post] = []
    for post in posts:
        if post.repeat is not None:
            fixed.extend(occurrences(post, tz, found, now + DATE_WINDOW))
        elif post.auto:
            auto.append(post)
        else:
            fixed.append(post)
        if post.evergreen and post.repeat is None:
            evergreen.append(post)
    board = _Board(defaultdict(set))
    for channel, moment in taken:
        board.take(channel, moment)
    for post in fixed:
        for channel in post.channels:
            board.take(channel, post.date_for(channel))
    auto.sort(key=lambda p: p.id)
    kept = _kept(config, auto, board, pinned)  # approved slots first: they never move
    placed = [p for p in (_place(config, post, board, now, kept, found) for post in auto)
              if p is not None]
    again = _evergreen(config, sorted(evergreen, key=lambda p: p.id), [*fixed, *placed],
                       board, now, pinned, last_sent or {})
    return Scheduled(tuple(sorted([*fixed, *placed, *again], key=lambda p: (p.date, p.id))),
                     tuple(found))


def moves_at(config: CalendarConfig, posts: Iterable[Post], now: datetime) -> list[datetime]:
    """When time alone next changes what `resolve` places, after `now`: per channel of
    the evergreen and `date: auto` posts, the moment its next slot comes into the window
    `resolve` fills (`schedule.lookahead` ahead, `SLOT_SEARCH` ahead). A slot leaving the
    window's near end changes nothing unless a post is in it, and that post's own date
    says when."""
    spans: dict[str, set[timedelta]] = defaultdict(set)
    for post in posts:
        for channel in (c for c in post.channels if c in config.channels):
            if post.evergreen:
                spans[channel].add(config.schedule.lookahead)
            if post.auto:
                spans[channel].add(SLOT_SEARCH)
    moments = []
    for channel, found in spans.items():
        slots = config.channels[channel].slots
        for span in found:
            far = now + span  # as `resolve` reckons it
            coming = next(slot_times(slots, config.timezone, far, far + timedelta(days=8)),
                          None)
            if coming is not None:
                moments.append(coming.astimezone(now.tzinfo) - span)
    return moments


def is_scheduled(post: Post) -> bool:
    """Its dates come from here (a rule, a slot, the evergreen queue), not its file alone."""
    return post.repeat is not None or post.auto or post.evergreen


def _kept(config: CalendarConfig, auto: Sequence[Post], board: _Board,
          pinned: Mapping[tuple[str, str], datetime]) -> dict[tuple[str, str], datetime]:
    """The approved slots that are still slots and still free, taken before any other."""
    kept: dict[tuple[str, str], datetime] = {}
    for post in auto:
        for channel in post.channels:
            moment = pinned.get((post.id, channel))
            slots = config.channels[channel].slots
            if moment is not None and board.free(channel, moment) and \
                    _is_slot(moment, slots, config.timezone):
                board.take(channel, moment)
                kept[(post.id, channel)] = moment
    return kept


def _place(config: CalendarConfig, post: Post, board: _Board, now: datetime,
           kept: Mapping[tuple[str, str], datetime], found: list[Diagnostic]) -> Post | None:
    """The `date: auto` post in its channels' next free slots (or its approved ones)."""
    tz = config.timezone
    dates: dict[str, datetime] = {}
    for channel in post.channels:
        slots = config.channels[channel].slots
        if not slots:
            _report(found, post, "date", "slot-none",
                    f"'date: auto' needs posting slots, and channel '{channel}' has none: add "
                    "'slots: [\"Mon,Wed,Fri 09:00\"]' to it in mkdocs.yml, or give a date")
            return None
        if (post.id, channel) in kept:
            dates[channel] = kept[(post.id, channel)]
            continue
        free = next((m for m in slot_times(slots, tz, now, now + SLOT_SEARCH)
                     if board.free(channel, m)), None)
        if free is None:
            _report(found, post, "date", "slot-full",
                    f"channel '{channel}' has no free slot in the next year")
            return None
        dates[channel] = free
        board.take(channel, free)
    first = min(dates.values())
    overrides = dict(post.overrides)
    for channel, moment in dates.items():
        if moment != first:
            overrides[channel] = replace(post.override(channel), date=moment)
    return replace(post, date=first, overrides=MappingProxyType(overrides))


def _is_slot(moment: datetime, slots: Sequence[Slot], tz: tzinfo) -> bool:
    """Whether `moment` is a slot as `slot_times` makes them: a slot at a time the clocks
    skip is the moment after the gap (on that day, or the next if the gap ends it)."""
    day = moment.astimezone(tz).date()
    return any(s.weekday == d.weekday() and wall_time(datetime.combine(d, s.at), tz)[0] == moment
               for d in (day, day - timedelta(days=1)) for s in slots)


def _evergreen(config: CalendarConfig, evergreen: Sequence[Post], scheduled: Sequence[Post],
               board: _Board, now: datetime, pinned: Mapping[tuple[str, str], datetime],
               last_sent: Mapping[str, datetime]) -> list[Post]:
    """Re-sends of evergreen posts into the free slots of the next `lookahead`."""
    if not evergreen:
        return []
    tz, policy = config.timezone, config.schedule
    last: dict[str, datetime] = {}
    for post in scheduled:
        key = post.series or post.id
        if any(p.id == key for p in evergreen):
            last[key] = max(last.get(key, post.date), post.date)
    for key, moment in last_sent.items():
        last[key] = max(last.get(key, moment), moment)
    made: list[Post] = []
    for post in evergreen:  # approved re-sends keep their dates
        for (post_id, _channel), moment in sorted(pinned.items()):
            if post_id.startswith(f"{post.id}@") and moment > now:
                day = moment.astimezone(tz).date()
                if all(board.free(c, moment) for c in post.channels):
                    made.append(_resend(post, moment, day, board))
                    last[post.id] = max(last.get(post.id, moment), moment)
    channels = sorted({c for p in evergreen for c in p.channels})
    for channel in channels:
        slots = config.channels[channel].slots
        for moment in slot_times(slots, tz, now, now + policy.lookahead):
            if not board.free(channel, moment):
                continue
            ready = [p for p in evergreen if channel in p.channels
                     and all(board.free(c, moment) for c in p.channels)
                     and (p.id not in last or abs(moment - last[p.id]) >= policy.min_gap)]
            if not ready:
                continue
            choice = min(ready, key=lambda p: (last.get(p.id, _NEVER), p.id))
            made.append(_resend(choice, moment, moment.astimezone(tz).date(), board))
            last[choice.id] = moment
    return made


def _resend(post: Post, moment: datetime, day: date, board: _Board) -> Post:
    for channel in post.channels:
        board.take(channel, moment)
    return replace(post, id=occurrence_id(post.id, day), date=moment, series=post.id,
                   overrides=MappingProxyType({c: replace(o, date=None)
                                               for c, o in post.overrides.items()}),
                   evergreen=False)


def _report(found: list[Diagnostic], post: Post, field: str, rule: str, message: str,
            severity: Severity = Severity.ERROR) -> None:
    line, col = post.body_line, 1
    if post.source is not None:
        loc = post.source.value(field)
        line, col = loc.line, loc.col
    found.append(Diagnostic(post.path, line, col, severity, rule, message))




@dataclass(frozen=True)
class QueueSlot:
    moment: datetime
    posts: tuple[Post, ...]  # empty: a gap


def queue(config: CalendarConfig, posts: Iterable[Post], now: datetime,
          span: timedelta) -> dict[str, tuple[QueueSlot, ...]]:
    """Each channel with slots: its slots in (now, now + span] and what fills them."""
    by_moment: dict[tuple[str, datetime], list[Post]] = defaultdict(list)
    for post in posts:
        for channel in post.channels:
            by_moment[(channel, post.date_for(channel).astimezone(UTC))].append(post)
    return {name: tuple(QueueSlot(m, tuple(by_moment.get((name, m.astimezone(UTC)), ())))
                        for m in slot_times(channel.slots, config.timezone, now, now + span))
            for name, channel in config.channels.items() if channel.slots}


def series_of(posts: Iterable[Post], series: str) -> list[Post]:
    """The occurrences of a repeating or evergreen post, in time order."""
    return sorted((p for p in posts if p.series == series), key=lambda p: p.date)
