"""Recurring posts, posting slots and the evergreen queue (postgen.schedule)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from postgen import approvals, pipeline
from postgen.ledger import Ledger
from postgen.models import (
    CalendarConfig,
    Channel,
    Funnel,
    Post,
    Recurrence,
    SchedulePolicy,
    Slot,
)
from postgen.schedule import queue, resolve
from tests.conftest import write_files

NOW = datetime(2027, 1, 1, tzinfo=UTC)

MKDOCS = """\
site_name: Schedule
plugins:
  - postgen:
      timezone: {tz}
      brand: {{name: Acme, domains: [acme.example.com]}}
      approval: {{required: true, reviewers: [dana]}}
      schedule: {{min_gap: 14d, lookahead: 21d}}
      channels:
        fb: {{platform: facebook, account: Acme, slots: ["Mon,Wed,Fri 09:00", "Tue 12:30"]}}
        x: {{platform: x, account: "@acme", slots: ["Mon,Wed,Fri 09:00"]}}
        box: {{platform: x, account: "@acme"}}
"""


def post_file(post_id: str, when: str, *, extra: str = "", channels: str = "fb",
              body: str = "What's in your mug? https://acme.example.com/mugs") -> str:
    return (f"---\nid: {post_id}\ntitle: {post_id}\ndate: {when}\nchannels: [{channels}]\n"
            f"funnel: retention\n{extra}---\n{body}\n")


def calendar(root: Path, files: dict[str, str], tz: str = "America/Chicago",
             now: datetime = NOW) -> Any:
    write_files(root, {"mkdocs.yml": MKDOCS.format(tz=tz), **files})
    return pipeline.load_calendar(root, now=now)


def local(post: Post, tz: str) -> str:
    return post.date.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


# -- recurring posts ----------------------------------------------------------------------


@pytest.mark.parametrize(("tz", "spring", "autumn"), [
    ("America/Chicago", date(2027, 3, 14), date(2027, 11, 7)),
    ("Europe/Berlin", date(2027, 3, 28), date(2027, 10, 31)),
])
def test_weekly_stays_at_wall_time_across_both_dst_changes(tmp_path: Path, tz: str,
                                                          spring: date, autumn: date) -> None:
    cal = calendar(tmp_path, {"content/mug.md": post_file(
        "mug", "2027-03-07 09:00", extra="repeat: FREQ=WEEKLY;BYDAY=SU;UNTIL=20271114\n")},
        tz=tz)
    assert [d.rule for d in cal.diagnostics] == []
    occurrences = [p for p in cal.posts if p.series == "mug"]
    assert {local(p, tz)[11:16] for p in occurrences} == {"09:00"}  # wall time kept
    offsets = {p.date.utcoffset() for p in occurrences}
    assert len(offsets) == 2  # ...while the UTC offset changes twice
    days = [p.date.date() for p in occurrences]
    assert spring in days and autumn in days
    assert [p.id for p in occurrences[:2]] == ["mug@2027-03-07", "mug@2027-03-14"]


def test_a_time_the_clocks_skip_moves_forward_and_is_reported(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/mug.md": post_file(
        "mug", "2027-03-07 02:30", extra="repeat: FREQ=WEEKLY;COUNT=3\n")})
    times = [local(p, "America/Chicago") for p in cal.posts]
    assert times == ["2027-03-07 02:30 CST", "2027-03-14 03:30 CDT", "2027-03-21 02:30 CDT"]
    (problem,) = cal.diagnostics
    assert (problem.rule, problem.line, problem.severity) == ("repeat-dst-gap", 7, "warning")
    assert "02:30 does not exist on 2027-03-14" in problem.message


def test_a_repeated_time_takes_its_first_instant(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/mug.md": post_file(
        "mug", "2027-10-31 01:30", extra="repeat: FREQ=WEEKLY;COUNT=2\n")})
    assert [local(p, "America/Chicago") for p in cal.posts] == [
        "2027-10-31 01:30 CDT", "2027-11-07 01:30 CDT"]  # the first of the two 01:30s


def test_a_monthly_rule_on_the_31st_skips_shorter_months(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/pay.md": post_file(
        "payday", "2027-01-31 10:00", extra="repeat: FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4\n")})
    assert [p.id for p in cal.posts] == ["payday@2027-01-31", "payday@2027-03-31",
                                         "payday@2027-05-31", "payday@2027-07-31"]


def test_count_until_and_skip(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {
        "content/a.md": post_file("counted", "2027-01-03 17:00",
                                  extra="repeat: RRULE:FREQ=WEEKLY;COUNT=3\n"),
        "content/b.md": post_file("until", "2027-01-04 09:00", channels="box",
                                  extra="repeat: FREQ=DAILY;UNTIL=20270107\n"
                                        "skip: [2027-01-05, 2027-02-01]\n"),
        "content/c.md": post_file("first-monday", "2027-01-04 08:00", channels="box",
                                  extra="repeat: FREQ=MONTHLY;BYDAY=1MO;COUNT=3\n"),
    })
    ids = [p.id for p in cal.posts]
    assert [i for i in ids if i.startswith("counted@")] == [
        "counted@2027-01-03", "counted@2027-01-10", "counted@2027-01-17"]
    assert [i for i in ids if i.startswith("until@")] == [
        "until@2027-01-04", "until@2027-01-06", "until@2027-01-07"]
    assert [i for i in ids if i.startswith("first-monday@")] == [
        "first-monday@2027-01-04", "first-monday@2027-02-01", "first-monday@2027-03-01"]
    (skip,) = [d for d in cal.diagnostics]
    assert skip.rule == "repeat-skip" and "2027-02-01" in skip.message


@pytest.mark.parametrize(("rule", "rule_id"), [
    ("FREQ=HOURLY", "repeat-invalid"), ("FREQ=WEEKLY;BYDAY=XX", "repeat-invalid"),
    ("FREQ=DAILY;BYHOUR=9,17;COUNT=4", "repeat-invalid"), ("FREQ=WEEKLY", "repeat-open"),
])
def test_bad_or_open_rules_are_reported_at_their_line(tmp_path: Path, rule: str,
                                                      rule_id: str) -> None:
    cal = calendar(tmp_path, {"content/a.md": post_file("a", "2027-01-03 17:00",
                                                       extra=f"repeat: {rule}\n")})
    assert [(d.path, d.line, d.rule) for d in cal.diagnostics] == [("content/a.md", 7,
                                                                      rule_id)]


def test_occurrences_have_their_own_hash_and_the_same_text(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/a.md": post_file(
        "mug", "2027-01-03 17:00", extra="repeat: FREQ=WEEKLY;COUNT=3\n")})
    _cal, rendered, _problems = pipeline.check(cal)
    variants = rendered.variants
    assert len({v.hash for v in variants}) == 3
    assert len({v.text for v in variants}) == 1  # utm_content is the series id
    assert "utm_content=mug" in variants[0].text


# -- approving a series -----------------------------------------------------------------


def test_a_series_is_approved_once_and_an_edit_voids_only_what_changed(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    files = {"content/a.md": post_file("mug", "2027-01-03 17:00",
                                       extra="repeat: FREQ=WEEKLY;COUNT=3\n")}
    calendar(tmp_path, files)
    result = run(tmp_path, "approve", "mug", "--by", "dana")
    assert result.exit_code == 0, result.output
    assert result.output.count("approved: mug@") == 3
    lines = [json.loads(x) for x in (tmp_path / "approvals.jsonl").read_text().splitlines()]
    assert len({x["hash"] for x in lines}) == 3  # each bound to its own occurrence

    def states() -> dict[str, str]:
        cal = pipeline.load_calendar(tmp_path, now=NOW)
        _c, rendered, _p = pipeline.check(cal)
        book = approvals.load(cal.config)
        posts = {p.id: p for p in cal.posts}
        return {v.post_id: approvals.state(cal.config, book, posts[v.post_id], v, NOW).key
                for v in rendered.variants}

    assert set(states().values()) == {"scheduled"}  # approved, and not yet due
    # More weeks and a skipped one: the approved occurrences stay approved.
    write_files(tmp_path, {"content/a.md": post_file(
        "mug", "2027-01-03 17:00", extra="repeat: FREQ=WEEKLY;COUNT=4\nskip: [2027-01-10]\n")})
    assert states() == {"mug@2027-01-03": "scheduled", "mug@2027-01-17": "scheduled",
                        "mug@2027-01-24": "in-review"}
    # A new body: every occurrence's text changed.
    write_files(tmp_path, {"content/a.md": post_file(
        "mug", "2027-01-03 17:00", body="Mugs!", extra="repeat: FREQ=WEEKLY;COUNT=4\n"
                                                       "skip: [2027-01-10]\n")})
    assert set(states().values()) == {"changed", "in-review"}


# -- posting slots -----------------------------------------------------------------------


def test_auto_posts_take_each_channels_next_free_slot(tmp_path: Path) -> None:
    now = datetime(2027, 1, 4, 9, 30, tzinfo=ZoneInfo("America/Chicago"))  # Mon, after 09:00
    cal = calendar(tmp_path, {
        "content/fixed.md": post_file("fixed", "2027-01-05 12:30"),  # Tue's fb slot taken
        "content/a.md": post_file("a-first", "auto", channels="fb, x"),
        "content/b.md": post_file("b-second", "auto", channels="fb, x"),
    }, now=now)
    assert cal.diagnostics == ()
    posts = {p.id: p for p in cal.posts}
    tz = "America/Chicago"
    assert local(posts["a-first"], tz) == "2027-01-06 09:00 CST"  # Wed: first free for both
    assert local(posts["b-second"], tz) == "2027-01-08 09:00 CST"
    out = queue(cal.config, cal.posts, now, timedelta(weeks=1))
    fb = [(s.moment.astimezone(ZoneInfo(tz)).strftime("%a %H:%M"), [p.id for p in s.posts])
          for s in out["fb"]]
    assert fb == [("Tue 12:30", ["fixed"]), ("Wed 09:00", ["a-first"]),
                  ("Fri 09:00", ["b-second"]), ("Mon 09:00", [])]


def test_a_slot_at_a_skipped_local_time_moves_forward(tmp_path: Path) -> None:
    config = _config([Slot(6, clock(2, 30))])  # Sundays 02:30
    now = datetime(2027, 3, 13, tzinfo=UTC)
    found = resolve(config, [_post("a", auto=True)], now)
    (a,) = found.posts
    assert a.date.astimezone(ZoneInfo("America/Chicago")).strftime("%d %H:%M %Z") == \
        "14 03:30 CDT"


def test_a_channel_without_slots_is_an_error_at_the_date(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/a.md": post_file("a", "auto", channels="box")})
    (d,) = cal.diagnostics
    assert (d.rule, d.line, d.col) == ("slot-none", 4, 7)
    assert cal.posts == ()


def test_a_channel_whose_slots_are_all_taken_for_a_year_is_reported() -> None:
    config = _config([Slot(0, clock(9, 0))])  # Mondays 09:00
    now = datetime(2027, 1, 1, tzinfo=UTC)
    tz = ZoneInfo("America/Chicago")
    mondays = [datetime(2027, 1, 4, 9, tzinfo=tz) + timedelta(weeks=n) for n in range(60)]
    fixed = [_post(f"f{n:02d}", when=m) for n, m in enumerate(mondays)]
    found = resolve(config, [*fixed, _post("late", auto=True)], now)
    assert [d.rule for d in found.diagnostics] == ["slot-full"]
    assert "late" not in {p.id for p in found.posts}


def test_queue_command_shows_slots_and_gaps(tmp_path: Path, run: Callable[..., Any]) -> None:
    calendar(tmp_path, {"content/a.md": post_file("a-first", "auto", channels="fb")})
    result = run(tmp_path, "queue", "--weeks", "1", "--now", "2027-01-04 10:00", "-c", "fb")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "fb: 4 slot(s) in the next 1 week(s), 3 free"
    assert lines[1] == "  Tue 05 Jan 12:30  a-first (a-first)"
    assert lines[2] == "  Wed 06 Jan 09:00  -- free --"


# -- the property: deterministic, one post per slot, approved ones never move ------------------


def _config(slots: list[Slot], channels: int = 1) -> CalendarConfig:
    chans = {f"c{i}": Channel(f"c{i}", "x", "@acme", slots=tuple(slots))
             for i in range(channels)}
    return CalendarConfig(Path("/cal"), Path("/cal/mkdocs.yml"), "T",
                          ZoneInfo("America/Chicago"), Path("/cal/content"),
                          brand=_brand(), channels=MappingProxyType(chans),
                          schedule=SchedulePolicy())


def _brand() -> Any:
    from postgen.models import Brand

    return Brand("Acme")


def _post(post_id: str, channels: tuple[str, ...] = ("c0",), *, auto: bool = False,
          when: datetime | None = None, evergreen: bool = False,
          repeat: str | None = None) -> Post:
    return Post(id=post_id, path=f"content/{post_id}.md", title=post_id,
                date=when or datetime(2000, 1, 1, tzinfo=UTC), channels=channels,
                funnel=Funnel.AWARENESS, body="b", body_line=5, auto=auto,
                evergreen=evergreen, repeat=Recurrence(repeat) if repeat else None)


slot_st = st.builds(Slot, st.integers(0, 6), st.builds(clock, st.integers(0, 23),
                                                       st.sampled_from([0, 15, 30, 45])))


@settings(max_examples=60, deadline=None)
@example(slots=[Slot(6, clock(2, 0))], n=11, channels=1, seed=0, fixed=[])  # 14 March: 03:00
@given(slots=st.lists(slot_st, min_size=1, max_size=5, unique=True),
       n=st.integers(1, 12), channels=st.integers(1, 3), seed=st.integers(0, 10**6),
       fixed=st.lists(st.integers(0, 200), max_size=4))
def test_assignment_is_deterministic_one_per_slot_and_stable(
        slots: list[Slot], n: int, channels: int, seed: int, fixed: list[int]) -> None:
    config = _config(slots, channels)
    rng = random.Random(seed)
    names = tuple(config.channels)
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    posts = [_post(f"p{i:02d}", tuple(sorted(rng.sample(names, rng.randint(1, len(names))))),
                   auto=True) for i in range(n)]
    posts += [_post(f"f{h}", names, when=now + timedelta(hours=h)) for h in fixed]
    first = resolve(config, posts, now)
    shuffled = posts[:]
    rng.shuffle(shuffled)
    assert resolve(config, shuffled, now) == first  # whatever the order on disk
    seen: set[tuple[str, datetime]] = set()
    for p in first.posts:
        for c in p.channels:
            moment = p.date_for(c)
            if p.auto:
                assert (c, moment) not in seen, (c, moment)  # never two in one slot
                assert moment > now
            seen.add((c, moment))
    # Approve half the slotted posts; a new post (sorting first) never moves them.
    approved = {(p.id, c): p.date_for(c) for p in first.posts if p.auto and
                int(p.id[1:]) % 2 == 0 for c in p.channels}
    again = resolve(config, [*posts, _post("a-new", names, auto=True)], now,
                    approved_dates=approved)
    for p in again.posts:
        for c in p.channels:
            if (p.id, c) in approved:
                assert p.date_for(c) == approved[(p.id, c)]


# -- the evergreen queue ----------------------------------------------------------------------


def test_evergreen_posts_fill_free_slots_no_more_often_than_min_gap(tmp_path: Path) -> None:
    now = datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("America/Chicago"))
    cal = calendar(tmp_path, {
        "content/e.md": post_file("tips", "2027-01-04 08:00", channels="x",
                                  extra="evergreen: true\n"),
        "content/f.md": post_file("faq", "2027-01-04 07:00", channels="x",
                                  extra="evergreen: true\n"),
    }, now=now)
    resends = sorted((p.id for p in cal.posts if p.series), key=lambda i: i.split("@")[1])
    # x's slots Mon/Wed/Fri 09:00 for 21 days; each post at most every 14 days.
    assert resends == ["faq@2027-01-18", "tips@2027-01-20"]
    assert all(p.id.split("@")[0] in ("tips", "faq") for p in cal.posts)


def test_evergreen_gap_counts_from_the_last_send_in_the_ledger(tmp_path: Path) -> None:
    now = datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("America/Chicago"))
    files = {"content/e.md": post_file("tips", "2026-11-02 08:00", channels="x",
                                       extra="evergreen: true\n")}
    write_files(tmp_path, {"mkdocs.yml": MKDOCS.format(tz="America/Chicago"), **files})
    from postgen.ledger import Entry

    Ledger.load(tmp_path).record(Entry("sent", "k1", "tips@2026-12-30", "x",
                                       "2026-12-30T15:00:00+00:00", remote_id="1"))
    cal = pipeline.load_calendar(tmp_path, now=now)
    assert [p.id for p in cal.posts if p.series] == ["tips@2027-01-13"]  # 14 days after


# -- the site -----------------------------------------------------------------------------------


def test_occurrences_show_on_the_site_and_in_the_feed(tmp_path: Path,
                                                      run: Callable[..., Any]) -> None:
    import icalendar

    calendar(tmp_path, {"content/a.md": post_file(
        "mug", "2027-01-03 17:00", extra="repeat: FREQ=WEEKLY;COUNT=3\n"),
        "calendar/welcome.md": "# Hi\n"})
    (tmp_path / "mkdocs.yml").write_text("docs_dir: calendar\n" +
                                         (tmp_path / "mkdocs.yml").read_text())
    assert run(tmp_path, "build").exit_code == 0
    site = tmp_path / "site"
    assert sorted(p.name for p in (site / "posts").iterdir()) == [
        "mug@2027-01-03", "mug@2027-01-10", "mug@2027-01-17"]
    month = (site / "month/2027-01/index.html").read_text()
    assert month.count("posts/mug@2027-01") >= 3
    feed = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    uids = sorted(str(e["UID"]) for e in feed.walk("VEVENT"))
    assert len(uids) == 3 and all("mug@2027-01" in u for u in uids)
    assert run(tmp_path, "build").exit_code == 0  # a second build keeps the same UIDs
    again = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == uids


# -- publishing: each occurrence once ------------------------------------------------------------


def test_publish_sends_each_occurrence_once_across_kills(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.test_publish import ENV, RUNNER, Platforms, write_calendar

    # Bluesky's record keys come from each occurrence's own ledger key; Mastodon looks
    # a lost status up by its text, and the three "days" are seconds apart on the fake's
    # real clock: the day before's identical status must never pass for today's.
    platforms = Platforms(["bluesky", "mastodon"], latency=0.02)
    rng = random.Random(20270103)
    root = tmp_path / "cal"
    body = "Weekly mug check: what's in yours?\n"
    write_calendar(root, {"m": platforms.channel("bluesky"), "t": platforms.channel("mastodon"),
                          "box": {"platform": "x", "account": "@acme", "publisher": "outbox"}},
                   [("content/mug.md", "---\nid: mug\ntitle: Mug\ndate: 2027-03-02 09:30\n"
                     "repeat: FREQ=DAILY;COUNT=3\nchannels: [m, t, box]\nfunnel: retention\n"
                     f"---\n{body}")])
    env = {**ENV, "PATH": "/usr/bin:/bin"}
    kills = 0
    for day in (2, 3, 4):
        now = f"2027-03-0{day}T09:31:00Z"
        for _round in range(3):  # killed somewhere, then run again
            proc = subprocess.Popen([sys.executable, "-c", RUNNER, "publish", "--now", now],
                                    cwd=root, env={**env, "PYTHONPATH": str(Path.cwd())},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, 1.2))
            proc.kill()
            proc.wait()
            kills += proc.returncode == -9
        done = subprocess.run([sys.executable, "-c", RUNNER, "publish", "--now", now],
                              cwd=root, env={**env, "PYTHONPATH": str(Path.cwd())},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stdout + done.stderr
    records = platforms.api("bluesky").records
    assert len(records) == 3  # one post per occurrence, none twice
    assert len(platforms.api("mastodon").statuses) == 3
    ledger = Ledger.load(root)
    sent = {(s.post, s.channel) for k in ledger.recorded()
            if (s := ledger.status(k)) is not None and s.state == "sent"}
    assert sent == {(f"mug@2027-03-0{d}", c) for d in (2, 3, 4) for c in ("m", "t", "box")}
    assert kills >= 1  # at least one run was really cut short
    platforms.close()


def test_a_rule_never_plans_past_ten_years_from_today(tmp_path: Path) -> None:
    cal = calendar(tmp_path, {"content/a.md": post_file(
        "yearly", "2027-01-03 17:00", extra="repeat: FREQ=YEARLY;COUNT=400\n")})
    years = [p.date.year for p in cal.posts]
    assert years[0] == 2027 and max(years) <= NOW.year + 10 and len(years) == 10
    assert [d.rule for d in cal.diagnostics] == ["repeat-open"]
    assert "10 years from today" in cal.diagnostics[0].message
