"""Reading the dates writers type, in the calendar's timezone.

A post's time is local to the calendar timezone unless it carries an offset.
Local times that a daylight-saving change skips or repeats are refused with a
message that says what to write instead: a calendar must never guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from postgen.diagnostics import brief

_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[Tt ]+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s*(?P<tz>Z|z|UTC|[+-]\d{2}:?\d{2})?)?"
)
_DURATION = re.compile(r"(?P<n>\d+)\s*(?P<unit>s|m|min|h|d|w)")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}

FORMAT_HINT = "write it as YYYY-MM-DD HH:MM (calendar time) or with an offset, e.g. +01:00"


@dataclass(frozen=True)
class DateProblem:
    rule: str
    message: str


def parse_datetime(value: object, tz: tzinfo) -> datetime | DateProblem:
    """A timezone-aware datetime from front matter, or the problem with it."""
    if isinstance(value, datetime):  # only from callers that built one themselves
        return value if value.tzinfo else localize(value, tz)
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
        return DateProblem("field-type", f"expected a date and time, got {kind}; {FORMAT_HINT}")
    text = value.strip()
    m = _DATETIME.fullmatch(text)
    shown = brief(text)
    if not m:
        return DateProblem("date-invalid", f"'{shown}' is not a date and time; {FORMAT_HINT}")
    if m["time"] is None:
        return DateProblem("date-invalid", f"'{shown}' has no time of day; {FORMAT_HINT}")
    try:
        day = date.fromisoformat(m["date"])
    except ValueError as exc:
        return DateProblem("date-invalid", f"'{text}' is not a real date ({exc})")
    hms = [int(p) for p in m["time"].split(":")] + [0]
    try:
        clock = time(hms[0], hms[1], hms[2])
    except ValueError as exc:
        return DateProblem("date-invalid", f"'{text}' is not a real time of day ({exc})")
    naive = datetime.combine(day, clock)
    if m["tz"] is None:
        try:
            return localize(naive, tz, text)
        except OverflowError:  # a time at the very end of year 9999, seen in UTC
            return DateProblem("date-range", f"'{text}' is out of range")
    offset = _offset(m["tz"])
    if offset is None:
        return DateProblem("date-invalid", f"'{m['tz']}' is not a valid UTC offset")
    return naive.replace(tzinfo=offset)


def parse_day(value: object) -> date | DateProblem:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
        return DateProblem("field-type", f"expected a date like 2027-03-02, got {kind}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return DateProblem("date-invalid", f"'{brief(value)}' is not a real date (YYYY-MM-DD)")


def localize(naive: datetime, tz: tzinfo, text: str = "") -> datetime | DateProblem:
    """Attach `tz` to a wall-clock time, refusing skipped and repeated times."""
    shown = text or naive.isoformat(sep=" ", timespec="minutes")
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    # The round trip through UTC lands on another wall time when it is skipped.
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return DateProblem(
            "date-nonexistent",
            f"{shown} does not exist in {tz}: the clocks skip it at a daylight-saving "
            "change; pick another time",
        )
    return DateProblem(
        "date-ambiguous",
        f"{shown} happens twice in {tz} (clocks go back); add the offset you mean: "
        f"{_fmt_offset(early)} or {_fmt_offset(late)}",
    )


def parse_duration(value: object) -> timedelta | None:
    """'2h', '90m', '1d 6h', or a number of minutes; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return timedelta(minutes=value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    total, pos = 0, 0
    for m in _DURATION.finditer(text):
        if text[pos : m.start()].strip():
            return None
        total += int(m["n"]) * _UNITS[m["unit"]]
        pos = m.end()
    return timedelta(seconds=total) if pos and not text[pos:].strip() else None


def _offset(text: str) -> timezone | None:
    if text.upper() in ("Z", "UTC"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _fmt_offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"{dt:%Y-%m-%d %H:%M}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
