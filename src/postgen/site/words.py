"""The site in the client's words: counts, states and channels as a reader says them.

Numbers the agency needs (bytes, encodings, rule ids) stay in `Count.summary()`
and go behind the "Details for the agency" disclosure; these are the words in
front of the client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from postgen.approvals import State
from postgen.models import Channel
from postgen.platforms import get_platform
from postgen.platforms.counting import Count

#: Platforms whose account is the handle their feed shows ("@name"); the others' are
#: ids (a LinkedIn URN, a Facebook page id, a phone number) the client never sees.
HANDLE_PLATFORMS = ("x", "mastodon", "bluesky", "threads", "instagram", "pinterest")


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _plural(n: int, word: str) -> str:
    return f"{_n(n)} {word}{'' if n == 1 else 's'}"


def count_words(count: Count) -> str:
    """"234 of 280 characters"; for SMS how many text messages it takes."""
    d = count.details
    if count.counting == "sms":
        segments = int(str(d["segments"]))
        if segments == 1:
            return "Fits in 1 text message (2 would cost double)"
        return f"Sent as {segments} text messages (costs {segments} times one)"
    if count.counting == "email":
        subject = d.get("subject_length")
        limit = d.get("subject_limit")
        if isinstance(subject, int) and isinstance(limit, int):
            fits = "fits" if subject <= limit else "is cut"
            return f"Subject: {_plural(subject, 'character')}, {fits} in most inboxes"
        return "Email"
    if count.limit is None:
        return _plural(count.length, "character")
    words = f"{_n(count.length)} of {_plural(count.limit, 'character')}"
    if count.over:
        words += f": {_n(count.over)} too many"
    return words


def display_name(channel: Channel, brand: str) -> str:
    return channel.display_name or brand


def handle(channel: Channel) -> str:
    """The handle the platform's feed shows, or "" for accounts known by an id."""
    if channel.platform not in HANDLE_PLATFORMS:
        return ""
    account = channel.account
    if channel.platform in ("x", "mastodon", "bluesky") and not account.startswith("@"):
        account = "@" + account
    return account


def channel_label(channel: Channel, shared: bool) -> str:
    """A channel as a reader names it: its platform, and its handle or name when two
    channels share a platform."""
    platform = get_platform(channel.platform).display_name
    if not shared:
        return platform
    return f"{platform} ({handle(channel) or channel.display_name or channel.name})"


def channel_labels(channels: Mapping[str, Channel]) -> dict[str, str]:
    """Every channel's label (`channel_label`), by channel name: what the site and the
    review server show instead of the names in mkdocs.yml."""
    per_platform = Counter(ch.platform for ch in channels.values())
    return {name: channel_label(ch, per_platform[ch.platform] > 1)
            for name, ch in channels.items()}


def day(d: date) -> str:
    """"Mon 7 Dec": a day as every date on the site reads (no leading zero)."""
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')}"


def long_day(d: date) -> str:
    """"Monday 7 December 2026"."""
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"


def due(moment: datetime) -> str:
    """"Mon 7 Dec, 08:00" (in `moment`'s own timezone)."""
    return f"{day(moment)}, {moment.strftime('%H:%M')}"


def zone(tz: tzinfo | str) -> str:
    """The calendar's timezone as a reader says it: "Chicago time" for America/Chicago,
    not the database's name for it."""
    name = str(tz)
    if "/" not in name:
        return name  # UTC, or an offset: nothing friendlier to say
    return name.rsplit("/", 1)[1].replace("_", " ") + " time"


def _recorded(at: str, tz: tzinfo) -> datetime | None:
    """When a decision or comment was recorded (`at`: ISO, UTC), in the calendar's
    timezone; None when `at` is no such time (a hand edit)."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return moment.astimezone(tz) if moment.tzinfo else moment


def _on(at: str, tz: tzinfo) -> str:
    """"Sun 22 Nov": the day `at` was recorded."""
    moment = _recorded(at, tz)
    return day(moment) if moment else at


def recorded_at(at: str, tz: tzinfo) -> str:
    """"Sun 22 Nov, 16:42": when `at` was recorded."""
    moment = _recorded(at, tz)
    return due(moment) if moment else at


def state_detail(status: State, tz: tzinfo) -> str:
    """A review state's detail for the site's reader, the client: who approved and on
    which day in the calendar's timezone (the ledger's `at` is UTC, ISO)."""
    if status.key in ("scheduled", "approved") and status.approved:
        approvals = sorted(status.approved, key=lambda d: d.at)
        return "Approved by " + ", ".join(f"{d.by} on {_on(d.at, tz)}" for d in approvals)
    if status.key == "changed" and status.previous:
        return (f"{status.previous.by} approved an earlier version on "
                f"{_on(status.previous.at, tz)}")
    if status.key == "changes-requested" and status.request:
        asked = status.request
        return (f"{asked.by} asked: “{asked.note}”" if asked.note
                else f"{asked.by} asked for changes, without a comment")
    if status.key == "in-review" and not status.approved:
        return "Waiting for your approval"
    return status.detail
