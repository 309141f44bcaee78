"""`postgen build` redoes only what changed, and ends with the site a clean build makes.

Each test builds a small calendar with the real CLI (MkDocs through the
plugin), changes something, builds again, and checks both what was rewritten
(file modification times) and that the result equals a `--clean` build of
the same calendar, file for file.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from postgen.approvals import SHORT_HASH
from postgen.site.cache import PARTS
from tests.conftest import CONFIG, MakeCalendar, image

NOW = "2027-03-01T09:00"
Run = Callable[..., Result]


def post(post_id: str, day: int, body: str = "Body text.", extra: str = "") -> str:
    return (f"---\nid: {post_id}\ntitle: Post {post_id}\ndate: 2027-03-{day:02d} 09:30\n"
            f"channels: [x, linkedin]\nfunnel: awareness\ncampaign: spring\n{extra}---\n"
            f"{body}\n")


FILES = {"docs/welcome.md": "# Welcome\n",
         **{f"content/{i}.md": post(f"p{i}", i) for i in range(1, 7)}}


@pytest.fixture
def build(run: Run, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    monkeypatch.setenv("POSTGEN_NOW", NOW)

    def go(root: Path, *args: str, exit_code: int = 0) -> Path:
        result = run(root, "build", *args)
        assert result.exit_code == exit_code, result.output
        return root / "site"

    return go


def snapshot(site: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of the site: modification time and bytes."""
    return {p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file()}


def touched(before: dict[str, tuple[int, bytes]], after: dict[str, tuple[int, bytes]]
            ) -> set[str]:
    """Files written (or removed, or added) between two snapshots; MkDocs' own pages aside."""
    own = {"sitemap.xml", "sitemap.xml.gz", "404.html", "welcome/index.html",
           "search/search_index.json"}
    return {p for p in set(before) | set(after)
            if p not in own and before.get(p, (0,))[0] != after.get(p, (0,))[0]}


def same_as_clean(root: Path, build: Callable[..., Path], *, stamps: bool = True) -> None:
    """The incremental site holds exactly what a clean build of the calendar holds
    (`stamps=False`: but for the .ics events' DTSTAMP, when their version first showed)."""
    site = root / "site"

    def unstamped(data: bytes) -> bytes:
        return b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"DTSTAMP"))

    def files(folder: Path) -> dict[str, bytes]:
        found = {p: data for p, (_t, data) in snapshot(folder).items()}
        if not stamps:
            found["calendar.ics"] = unstamped(found["calendar.ics"])
        return found

    incremental = files(site)
    build(root, "--clean", "-d", str(root / "clean"))
    clean = files(root / "clean")
    assert sorted(incremental) == sorted(clean)
    differing = [p for p in clean if clean[p] != incremental[p] and not p.startswith("sitemap")]
    assert differing == []


def rendered_posts(root: Path) -> int:
    """How many post files the last build loaded and rendered (from its log line)."""
    records = 0
    for part in (root / ".postgen-cache" / "site").glob("posts-*.pickle"):
        with part.open("rb") as f:
            records += len(pickle.load(f)["part"].get("records", {}))
    return records


def test_a_build_with_nothing_changed_writes_nothing(make_calendar: MakeCalendar,
                                                     build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    site = build(root)
    first = snapshot(site)
    assert "posts/p3/index.html" in first and "calendar.ics" in first
    again = snapshot(build(root))
    assert touched(first, again) == set()


def test_one_edit_rewrites_that_post_and_the_pages_that_show_it(
        make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    site = build(root)
    before = snapshot(site)
    (root / "content/3.md").write_text(post("p3", 3, "A brand new sentence."), encoding="utf-8")
    after = snapshot(build(root))
    assert "A brand new sentence." in (site / "posts/p3/index.html").read_text()
    changed = touched(before, after)
    assert "posts/p3/index.html" in changed
    assert {"calendar.ics", "posts.json"} <= changed
    assert not {f"posts/p{i}/index.html" for i in (1, 2, 4, 5, 6)} & changed
    feed = json.loads((site / "posts.json").read_text())
    # Pages that list the post are rendered again (the month's batch approval page
    # names the new hashes, as far as its messages carry them).
    assert {"month/2027-03/index.html", "month/2027-03/approve/index.html"} <= changed
    batch = (site / "month/2027-03/approve/index.html").read_text()
    new_hashes = {v["hash"] for p in feed if p["id"] == "p3" for v in p["variants"]}
    assert all(h[:SHORT_HASH] in batch for h in new_hashes)
    assert [p["variants"][0]["parts"] for p in feed if p["id"] == "p3"] == [
        ["A brand new sentence."]]
    same_as_clean(root, build)


def events(site: Path) -> dict[str, str]:
    """The .ics feed's events by UID: each one's DTSTAMP."""
    from icalendar import Calendar

    feed = Calendar.from_ical((site / "calendar.ics").read_bytes())
    return {str(e["UID"]): e.decoded("DTSTAMP").isoformat() for e in feed.walk("VEVENT")}


def test_the_feeds_keep_unchanged_posts_pieces_and_remake_the_edited_ones(
        make_calendar: MakeCalendar, build: Callable[..., Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The feeds are spliced: an unchanged post's events and object are the bytes the
    site holds (its events keep the DTSTAMP of when that version first showed), the
    edited post's are made anew, and the result is what a clean build makes."""
    root = make_calendar(FILES)
    site = build(root)
    first = events(site)
    assert len(first) == 12 and set(first.values()) == {"2027-03-01T08:00:00+00:00"}
    monkeypatch.setenv("POSTGEN_NOW", "2027-03-01T09:05")
    (root / "content/3.md").write_text(post("p3", 3, "Spliced."), encoding="utf-8")
    build(root)
    second = events(site)
    assert {uid for uid, stamp in second.items() if stamp != first[uid]} == {
        "p3.x@postgen", "p3.linkedin@postgen"}
    assert second["p3.x@postgen"] == "2027-03-01T08:05:00+00:00"
    feed = json.loads((site / "posts.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in feed] == [f"p{i}" for i in range(1, 7)]
    assert feed[2]["variants"][0]["parts"] == ["Spliced."]
    same_as_clean(root, build, stamps=False)


def test_a_feed_touched_in_the_site_folder_is_made_anew_not_spliced(
        make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    """Someone edited the feeds by hand: the recorded places of the posts' pieces no
    longer hold them, so the next build makes every piece again."""
    root = make_calendar(FILES)
    site = build(root)
    for name in ("calendar.ics", "posts.json"):  # the same size: only the time tells
        data = (site / name).read_bytes()
        mid = len(data) // 2  # inside one of the posts' pieces
        (site / name).write_bytes(data[:mid] + data[mid:mid + 40][::-1] + data[mid + 40:])
    (root / "content/3.md").write_text(post("p3", 3, "After the touch."), encoding="utf-8")
    build(root)
    assert len(events(site)) == 12
    assert "After the touch." in (site / "posts.json").read_text(encoding="utf-8")
    same_as_clean(root, build)


def test_a_new_title_reaches_every_page_that_lists_the_post(
        make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    site = build(root)
    before = snapshot(site)
    (root / "content/2.md").write_text(post("p2", 2).replace("Post p2", "Renamed"),
                                       encoding="utf-8")
    changed = touched(before, snapshot(build(root)))
    for page in ("posts/p2/index.html", "month/2027-03/index.html", "week/2027-W09/index.html",
                 "campaigns/spring/index.html", "channels/x/index.html", "review/index.html"):
        assert page in changed
        assert "Renamed" in (site / page).read_text(), page
    same_as_clean(root, build)


def test_removed_and_added_posts(make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    site = build(root)
    (root / "content/4.md").unlink()
    (root / "content/new.md").write_text(post("fresh", 20), encoding="utf-8")
    build(root)
    assert not (site / "posts/p4").exists()
    assert (site / "posts/fresh/index.html").is_file()
    assert "posts/p4/" not in (site / "month/2027-03/index.html").read_text()
    same_as_clean(root, build)


def test_an_approval_changes_the_post_without_rendering_any(
        make_calendar: MakeCalendar, build: Callable[..., Path], run: Run) -> None:
    root = make_calendar(FILES)
    site = build(root)
    before = snapshot(site)
    assert run(root, "approve", "p5", "-c", "x", "--by", "dana").exit_code == 0
    changed = touched(before, snapshot(build(root)))
    page = (site / "posts/p5/index.html").read_text()
    assert "Approved by dana" in page
    assert "posts/p5/index.html" in changed
    assert not {f"posts/p{i}/index.html" for i in (1, 2, 3, 4, 6)} & changed
    same_as_clean(root, build)


def test_a_variant_whose_time_passes_turns_from_scheduled_to_approved(
        make_calendar: MakeCalendar, build: Callable[..., Path], run: Run,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_calendar(FILES)
    assert run(root, "approve", "p5", "-c", "x", "--by", "dana").exit_code == 0

    def status() -> str:
        feed = json.loads((root / "site/posts.json").read_text())
        return next(v["status"] for p in feed if p["id"] == "p5" for v in p["variants"]
                    if v["channel"] == "x")

    build(root)
    assert status() == "scheduled"
    monkeypatch.setenv("POSTGEN_NOW", "2027-03-05T10:00")  # p5 went out at 09:30
    build(root)
    assert status() == "approved"
    page = (root / "site/posts/p5/index.html").read_text()
    assert "Missed" in page and "no send is recorded" in page
    same_as_clean(root, build, stamps=False)


def test_a_post_edit_leaves_mkdocs_pages_alone_a_page_edit_rebuilds_them(
        make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    """Only the calendar changed: postgen rebuilds its pages without MkDocs, which
    always renders the hand-written pages again when it runs."""
    root = make_calendar(FILES)
    site = build(root)
    welcome = site / "welcome/index.html"
    first = welcome.stat().st_mtime_ns
    (root / "content/3.md").write_text(post("p3", 3, "Edited."), encoding="utf-8")
    build(root)
    assert "Edited." in (site / "posts/p3/index.html").read_text()
    assert welcome.stat().st_mtime_ns == first
    same_as_clean(root, build)
    (root / "docs/welcome.md").write_text("# Welcome\n\nHello, client.\n", encoding="utf-8")
    build(root)
    assert "Hello, client." in welcome.read_text()
    welcome.unlink()  # the site folder lost one of MkDocs' pages: MkDocs runs again
    build(root)
    assert "Hello, client." in welcome.read_text()
    same_as_clean(root, build)


def fragments(folder: Path) -> dict[str, str]:
    """Every cached page fragment, by key."""
    found: dict[str, str] = {}
    for part in folder.glob("fragments-*.pickle"):
        found.update(pickle.loads(part.read_bytes())["part"]["fragments"])
    return found


def test_one_edit_rewrites_one_part_of_the_cache(make_calendar: MakeCalendar,
                                                 build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    build(root)
    folder = root / ".postgen-cache" / "site"
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*-*.pickle")}
    assert len([n for n in before if n.startswith("posts-")]) > 1
    assert len([n for n in before if n.startswith("fragments-")]) > 2  # 6 posts' cards
    cards_before = fragments(folder)
    (root / "content/3.md").write_text(post("p3", 3, "Edited."), encoding="utf-8")
    build(root)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*-*.pickle")}
    changed = {n for n in after.keys() | before.keys() if after.get(n) != before.get(n)}
    assert len([n for n in changed if n.startswith("posts-")]) == 1
    # A body edit changes the post's own cards (a week row shows the start of its text)
    # and nothing else: the other posts' cards stay where they are (those no page
    # rendered this time too). Its feed pieces live in the feeds.
    cards_after = fragments(folder)
    differ = {k for k in cards_before.keys() ^ cards_after.keys()}
    assert differ and len({k.rsplit(":", 1)[-1] for k in differ}) <= 4  # one post's, old and new
    assert {n for n in changed if n.startswith("fragments-")} <= {
        f"fragments-{zlib.crc32(k.encode()) % PARTS:02d}.pickle" for k in differ}
    assert rendered_posts(root) == 6


def test_a_changed_image_under_the_same_name_is_shown(
        make_calendar: MakeCalendar, build: Callable[..., Path]) -> None:
    media = "media:\n  - src: assets/a.png\n    alt: A square\n"
    root = make_calendar({**FILES, "content/1.md": post("p1", 1, extra=media),
                          "assets/a.png": image(40, 40)})
    site = build(root)
    first = {p.name for p in (site / "media").iterdir()}
    (root / "assets/a.png").write_bytes(image(80, 40))
    build(root)
    now = {p.name for p in (site / "media").iterdir()}
    assert len(now) == 1 and now != first  # served under its new hash; the old file is gone
    assert f"media/{now.pop()}" in (site / "posts/p1/index.html").read_text()
    same_as_clean(root, build)


def test_a_config_change_rebuilds_everything(make_calendar: MakeCalendar,
                                            build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    site = build(root)
    before = snapshot(site)
    (root / "mkdocs.yml").write_text(CONFIG.replace("name: Acme", "name: Acme Roasters"),
                                     encoding="utf-8")
    changed = touched(before, snapshot(build(root)))
    assert {f"posts/p{i}/index.html" for i in range(1, 7)} <= changed
    assert "Acme Roasters" in (site / "posts/p1/index.html").read_text()
    same_as_clean(root, build)


def test_an_edited_theme_template_shows_on_the_next_build(make_calendar: MakeCalendar,
                                                         build: Callable[..., Path]) -> None:
    """Compiled templates are kept between builds (.postgen-cache/jinja/); an edited
    template is compiled again, a variant's or the site's."""
    root = make_calendar({**FILES, "theme/variants/x.txt.j2": "{{ body }} (one)",
                          "theme/site/redirect.html.j2": "first {{ target }}"})
    site = build(root)
    assert list((root / ".postgen-cache" / "jinja").iterdir())
    assert "Body text. (one)" in (site / "posts/p1/index.html").read_text()
    assert (site / "month/index.html").read_text().startswith("first ")
    (root / "theme/variants/x.txt.j2").write_text("{{ body }} (two)", encoding="utf-8")
    (root / "theme/site/redirect.html.j2").write_text("second {{ target }}", encoding="utf-8")
    build(root)
    assert "Body text. (two)" in (site / "posts/p1/index.html").read_text()
    assert "(one)" not in (site / "posts/p1/index.html").read_text()
    assert (site / "month/index.html").read_text().startswith("second ")
    same_as_clean(root, build)


def test_errors_stay_reported_on_every_build(make_calendar: MakeCalendar,
                                             build: Callable[..., Path], run: Run) -> None:
    root = make_calendar({**FILES, "content/bad.md": post("bad", 9).replace("awareness", "hype"),
                          "content/twin.md": post("p1", 10)})
    for _ in range(2):  # the second time the site is up to date: the same errors, exit 1
        site = build(root, exit_code=1)
        home = (site / "index.html").read_text()
        assert "content/bad.md" in home and "is not a funnel" in home
        assert "content/twin.md" in home and "also used by" in home
        result = run(root, "build", "--strict")
        assert result.exit_code != 0
    result = run(root, "build")
    assert result.output.endswith("postgen: 3 errors in the calendar (above); the site shows "
                                  "them\n"), result.output
    # Fixing the duplicate brings both posts back; bad.md's error still fails the build.
    (root / "content/twin.md").write_text(post("p1b", 10), encoding="utf-8")
    build(root, exit_code=1)
    assert (site / "posts/p1/index.html").is_file() and (site / "posts/p1b/index.html").is_file()
    (root / "content/bad.md").write_text(post("bad", 9), encoding="utf-8")
    build(root)  # no errors: exit 0
    same_as_clean(root, build)


def test_only_changed_posts_are_loaded(make_calendar: MakeCalendar, build: Callable[..., Path],
                                       caplog: pytest.LogCaptureFixture) -> None:
    root = make_calendar(FILES)
    build(root)
    (root / "content/6.md").write_text(post("p6", 6, "Changed."), encoding="utf-8")
    os.utime(root / "content/5.md")  # touched, not changed: its bytes are compared
    with caplog.at_level("DEBUG", logger="mkdocs.plugins.postgen"):
        build(root)
    assert "postgen: 1 of 6 posts loaded and rendered" in caplog.text
    assert rendered_posts(root) == 6


def test_a_broken_cache_is_ignored(make_calendar: MakeCalendar,
                                   build: Callable[..., Path]) -> None:
    root = make_calendar(FILES)
    build(root)
    parts = sorted((root / ".postgen-cache" / "site").glob("*.pickle"))
    assert len(parts) > 2
    parts[1].write_bytes(b"not a pickle")
    site = build(root)
    assert (site / "posts/p1/index.html").is_file()
    same_as_clean(root, build)


# -- the up-to-date check: nothing loaded when nothing changed --------------------------


def test_an_unchanged_calendar_is_up_to_date(make_calendar: MakeCalendar,
                                             build: Callable[..., Path], run: Run) -> None:
    root = make_calendar(FILES)
    site = build(root)
    before = snapshot(site)
    result = run(root, "build")
    assert result.exit_code == 0 and "the site is up to date" in result.output
    assert snapshot(site) == before  # MkDocs did not even run: its sitemap is untouched
    # Any input that changes makes it a real build again.
    for change in (lambda: os.utime(root / "content/1.md"),
                   lambda: (root / "docs/welcome.md").write_text("# Hello\n"),
                   lambda: (site / "posts/p2/index.html").unlink(),
                   lambda: run(root, "approve", "p3", "--by", "dana")):
        change()
        result = run(root, "build")
        assert result.exit_code == 0 and "the site is up to date" not in result.output
        assert "the site is up to date" in run(root, "build").output
    assert (site / "posts/p2/index.html").is_file()
    assert "Hello" in (site / "welcome/index.html").read_text()


def test_time_passing_rebuilds_when_a_page_would_change(
        make_calendar: MakeCalendar, build: Callable[..., Path], run: Run,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_calendar(FILES)
    monkeypatch.setenv("POSTGEN_NOW", "2027-02-20T09:00")
    site = build(root)
    assert "posts/p1/" not in (site / "index.html").read_text().split("Next 7 days")[1]
    monkeypatch.setenv("POSTGEN_NOW", "2027-02-20T18:00")  # same day, nothing due
    assert "the site is up to date" in run(root, "build").output
    monkeypatch.setenv("POSTGEN_NOW", "2027-02-23T10:00")  # p1 (1 March) is now 6 days off
    assert "the site is up to date" not in run(root, "build").output
    assert "posts/p1/" in (site / "index.html").read_text().split("Next 7 days")[1]


def test_the_site_stays_up_to_date_until_the_next_post_or_channel_falls_due(
        make_calendar: MakeCalendar, build: Callable[..., Path], run: Run,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Within one day: p1 goes out at 09:30, p8's X variant at its own time, 09:12."""
    root = make_calendar({**FILES, "content/8.md": post(
        "p8", 20, extra="variants:\n  x:\n    date: 2027-03-01 09:12\n")})
    build(root)  # 09:00

    def current(at: str) -> bool:
        monkeypatch.setenv("POSTGEN_NOW", f"2027-03-01T{at}")
        return "the site is up to date" in run(root, "build").output

    assert current("09:11")
    assert not current("09:13")  # p8 on X fell due: rebuilt
    assert current("09:29")
    assert not current("09:31")  # p1 fell due


def test_strict_builds_fail_every_time_on_warnings(make_calendar: MakeCalendar,
                                                   build: Callable[..., Path], run: Run) -> None:
    long_sms = post("p9", 9).replace("[x, linkedin]", "[sms]") + "word " * 60 + "\n"
    root = make_calendar({**FILES, "content/9.md": long_sms})
    build(root)
    again = run(root, "build")
    assert "the site is up to date" in again.output and "warning[sms-segments]" in again.output
    assert run(root, "build", "--strict").exit_code != 0


def test_a_long_lived_process_reuses_its_cache_only_while_it_is_current(
        make_calendar: MakeCalendar, build: Callable[..., Path],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """`postgen serve` hands each build the last one's cache: taken as it is only for the
    same calendar, while no other build has written the cache since."""
    from postgen.config import load_config
    from postgen.site.cache import BuildCache

    root = make_calendar(FILES)
    build(root)
    config, _ = load_config(root / "mkdocs.yml")
    assert config is not None
    known = BuildCache.load(config)
    assert known.records and BuildCache.load(config, known) is known
    twin = tmp_path_factory.mktemp("twin") / "calendar"  # the same files: the same digest
    shutil.copytree(root, twin, ignore=shutil.ignore_patterns(".postgen-cache", "site"))
    twin_config, _ = load_config(twin / "mkdocs.yml")
    assert twin_config is not None
    assert BuildCache.load(twin_config, known) is not known
    (root / "content/3.md").write_text(post("p3", 3, "Edited."), encoding="utf-8")
    build(root)  # another process's build writes the cache
    again = BuildCache.load(config, known)
    assert again is not known and again.records["content/3.md"] != known.records["content/3.md"]


def test_time_alone_moving_an_evergreen_re_send_into_view_rebuilds(
        make_calendar: MakeCalendar, build: Callable[..., Path], run: Run,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Slots on Fridays at 09:00, re-sends looked for 10 days ahead: on Tuesday 2 March
    at 09:00 the slot of Friday 12 March comes into view. No post falls due that day."""
    config = CONFIG.replace('x: {platform: x, account: "@acme"}',
                            'x: {platform: x, account: "@acme", slots: ["Fri 09:00"]}')
    config = config.replace("      channels:",
                            "      schedule: {min_gap: 1d, lookahead: 10d}\n      channels:")
    root = make_calendar({"mkdocs.yml": config, "docs/welcome.md": "# Welcome\n",
                          "content/e1.md": "---\nid: e1\ntitle: Evergreen\ndate: 2027-02-01 "
                          "09:00\nchannels: [x]\nfunnel: awareness\nevergreen: true\n---\n"
                          "Body.\n"})

    def resends(at: str) -> tuple[bool, list[str]]:
        monkeypatch.setenv("POSTGEN_NOW", f"2027-03-02T{at}")
        result = run(root, "build")
        assert result.exit_code == 0, result.output
        posts = json.loads((root / "site" / "posts.json").read_text())
        return ("the site is up to date" in result.output,
                sorted(p["id"] for p in posts if "@" in p["id"]))

    assert resends("08:00") == (False, ["e1@2027-03-05"])
    assert resends("08:59") == (True, ["e1@2027-03-05"])
    assert resends("09:01") == (False, ["e1@2027-03-05", "e1@2027-03-12"])
    assert resends("18:00") == (True, ["e1@2027-03-05", "e1@2027-03-12"])


def test_time_alone_bringing_a_free_slot_within_reach_places_a_date_auto_post(
        make_calendar: MakeCalendar, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Friday slot of the coming year is taken: the `date: auto` post has none
    (slot-full) until, on Wednesday 3 March at 09:00, Friday 3 March 2028 comes within
    the year it looks ahead."""
    from datetime import date, timedelta

    config = CONFIG.replace('x: {platform: x, account: "@acme"}',
                            'x: {platform: x, account: "@acme", slots: ["Fri 09:00"]}')
    fridays = [date(2027, 3, 5) + timedelta(weeks=n) for n in range(52)]
    files = {f"content/f{n}.md": f"---\nid: f{n}\ntitle: Friday {n}\ndate: {day} 09:00\n"
             "channels: [x]\nfunnel: awareness\n---\nBody.\n"
             for n, day in enumerate(fridays)}
    root = make_calendar({"mkdocs.yml": config, "docs/welcome.md": "# Welcome\n", **files,
                          "content/auto.md": "---\nid: auto\ntitle: Whenever\ndate: auto\n"
                          "channels: [x]\nfunnel: awareness\n---\nBody.\n"})

    def build_at(at: str) -> tuple[bool, int, str | None]:
        monkeypatch.setenv("POSTGEN_NOW", f"2027-03-03T{at}")
        result = run(root, "build")
        posts = json.loads((root / "site" / "posts.json").read_text())
        placed = next((p["date"] for p in posts if p["id"] == "auto"), None)
        return "the site is up to date" in result.output, result.exit_code, placed

    assert build_at("08:00") == (False, 1, None)  # error[slot-full]
    assert build_at("08:59") == (True, 1, None)
    assert build_at("09:30") == (False, 0, "2028-03-03T09:00:00+01:00")
