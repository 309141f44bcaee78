"""`postgen import FILE`: posts from a CSV spreadsheet, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import frontmatter
import pytest
from click.testing import Result

from tests.conftest import CONFIG, PNG, POST, MakeCalendar, image, write_files

Run = Callable[..., Result]
SHEET = (
    'Title,Date,Channels,Body,Funnel,Campaign\r\n'
    '"Spring: ""teaser""",2027-03-02 09:30,"x, linkedin","First line.\r\n\r\nSecond '
    '**bold** line.",Consideration,spring\r\n'
    ',,,,,\r\n'  # a blank row
    'Twice,2027-03-03 10:00,,Plain text.,,\r\n'
    'Twice,2027-03-03 10:00,mastodon,Plain text again.,,\r\n'
)


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "content").rglob("*.md")}


def test_rows_become_posts_as_postgen_new_writes_them(make_calendar: MakeCalendar,
                                                      run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    (root / "sheet.csv").write_bytes(b"\xef\xbb\xbf" + SHEET.encode())  # Excel's BOM
    dry = run(root, "import", "sheet.csv", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert files(root) == {"content/a.md"}
    result = run(root, "import", "sheet.csv")
    assert result.exit_code == 0, result.output
    new = ["content/2027-03/spring-teaser.md", "content/2027-03/twice.md",
           "content/2027-03/twice-2.md"]
    assert result.output.splitlines()[:3] == new == dry.output.splitlines()[:3]
    assert files(root) == {"content/a.md", *new}
    spring = frontmatter.load(root / new[0])
    assert spring.metadata == {
        "id": "2027-03-02-spring-teaser", "title": 'Spring: "teaser"', "date": "2027-03-02 09:30",
        "channels": ["x", "linkedin"], "funnel": "consideration", "campaign": "spring"}
    assert spring.content == "First line.\n\nSecond **bold** line."
    twice, again = (frontmatter.load(root / p) for p in new[1:])
    assert twice["id"] == "2027-03-03-twice" and again["id"] == "2027-03-03-twice-2"
    assert twice["channels"] == ["x", "linkedin", "instagram", "mastodon", "newsletter", "sms"]
    assert again["channels"] == ["mastodon"]
    checked = run(root, "check")
    assert checked.exit_code == 0, checked.output
    rendered = run(root, "render", "2027-03-02-spring-teaser", "-c", "x")
    assert "First line.\n\nSecond bold line." in rendered.output


def test_any_error_and_nothing_is_written(make_calendar: MakeCalendar, run: Run) -> None:
    """Each problem names the row's first line and the cell's column."""
    root = make_calendar({"content/a.md": POST.format(id="a")})
    sheet = (
        "title,date,text,channel,id\n"
        'Fine,2027-03-02 09:30,"two\nlines",x,\n'
        "Bad day,2027-02-30 10:00,t,x,\n"  # line 4: the cell above spans lines 2-3
        "Bad channel,2027-03-02 09:30,t,tiktok,\n"
        "Taken,2027-03-02 09:30,t,x,a\n"
        "Short,2027-03-02 09:30\n"
    )
    (root / "sheet.csv").write_text(sheet, encoding="utf-8")
    result = run(root, "import", "sheet.csv")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:4] == [
        "sheet.csv:4:2: error[date-invalid]: '2027-02-30 10:00' is not a real date "
        "(day is out of range for month)",
        "sheet.csv:5:4: error[channel-unknown]: unknown channel(s) tiktok; mkdocs.yml has x, "
        "linkedin, instagram, mastodon, newsletter, sms",
        "sheet.csv:6:5: error[id-duplicate]: post 'a' is already in the calendar "
        "(content/a.md) with another title, body, channels; change it in its file, or give "
        "this row an id of its own",
        "sheet.csv:7:1: error[import-syntax]: 2 cells, the header names 5",
    ]
    assert lines[-1] == "postgen: nothing imported from sheet.csv"
    assert files(root) == {"content/a.md"}


def test_a_bad_header_or_encoding_is_reported_at_its_place(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    root = make_calendar({})
    (root / "cols.csv").write_text("title,date,colour\nA,2027-03-02 09:30,red\n")
    result = run(root, "import", "cols.csv")
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "cols.csv:1:1: error[import-column]: no column body (required)",
        "cols.csv:1:3: error[import-column]: unknown column 'colour'; the columns are title, "
        "date, body, channels, funnel, campaign, owner, id, cta_text, cta_url, hashtags, "
        "media, draft",
    ]
    (root / "latin1.csv").write_bytes("title,date,text\nCafé,2027-03-02 09:30,t\n".encode(
        "latin-1"))
    result = run(root, "import", "latin1.csv")
    assert result.exit_code == 1
    assert result.output.startswith("latin1.csv:2:1: error[file-encoding]: byte 0xE9 is not "
                                    "UTF-8")
    missing = run(root, "import", "nope.csv")
    assert missing.exit_code == 1 and missing.output.startswith("postgen: cannot read nope.csv")
    assert not (root / "content").exists() or files(root) == set()


# -- issue 17.13: a round trip, the new columns, no silent duplicates ---------------------

RICH = """\
---
id: {id}
title: "{title}"
date: 2027-03-0{day} 09:30
channels: [x, linkedin, instagram]
funnel: conversion
campaign: spring
owner: maria
cta: {{text: Pre-order now, url: "https://acme.example.com/shop"}}
hashtags: [SpringLaunch, Coffee]
media:
  - src: assets/a.jpg
    alt: A brown square
{extra}---
- first point, a list the spreadsheet must not take for a formula
- second point

=1+1 stays text.
"""


JPEG = image(1080, 1080, "JPEG")


def _export(run: Run, root: Path) -> bytes:
    result = run(root, "export", "--format", "csv", "-o", str(root / "out.csv"))
    assert result.exit_code == 0, result.output
    return (root / "out.csv").read_bytes()


def test_an_export_imports_as_the_same_posts(make_calendar: MakeCalendar, run: Run,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGEN_NOW", "2027-03-01T09:00")
    posts = {"content/a.md": RICH.format(id="a", title="@launch: =big", day=2, extra=""),
             "content/b.md": RICH.format(id="b", title="Second", day=3, extra="draft: true\n"),
             "content/c.md": POST.format(id="c"), "assets/a.jpg": JPEG}
    root = make_calendar(posts)
    exported = _export(run, root)
    # Into a calendar with the same settings and images, but no posts.
    other = tmp_path / "other"
    write_files(other, {"mkdocs.yml": CONFIG, "assets/a.jpg": JPEG})
    (other / "content").mkdir()
    (other / "sheet.csv").write_bytes(exported)
    result = run(other, "import", "sheet.csv")
    assert result.exit_code == 0, result.output
    assert "imported 3 posts from sheet.csv" in result.output
    assert _export(run, other) == exported
    made = {p.name: frontmatter.load(p) for p in (other / "content").rglob("*.md")}
    launch = next(m for m in made.values() if m["id"] == "a")
    assert launch["title"] == "@launch: =big" and "draft" not in launch.metadata
    assert launch["cta"] == {"text": "Pre-order now", "url": "https://acme.example.com/shop"}
    assert launch["hashtags"] == ["SpringLaunch", "Coffee"]
    assert launch["media"] == [{"src": "assets/a.jpg", "alt": "A brown square"}]
    assert launch.content.startswith("- first point")
    assert next(m for m in made.values() if m["id"] == "b")["draft"] is True
    # Into the calendar it came from: every post is there already, as it is.
    (root / "sheet.csv").write_bytes(exported)
    again = run(root, "import", "sheet.csv")
    assert again.exit_code == 0, again.output
    assert "imported 0 posts from sheet.csv, 3 already in the calendar as they are" in (
        again.output)
    assert sorted(p.name for p in (root / "content").rglob("*.md")) == ["a.md", "b.md", "c.md"]


def test_reimporting_a_sheet_matches_its_posts_instead_of_duplicating(
        make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({})
    (root / "sheet.csv").write_text(SHEET, encoding="utf-8")
    assert run(root, "import", "sheet.csv").exit_code == 0
    before = files(root)
    again = run(root, "import", "sheet.csv")
    assert again.exit_code == 0, again.output
    assert "imported 0 posts from sheet.csv, 3 already in the calendar as they are" in (
        again.output)
    assert files(root) == before
    (root / "sheet.csv").write_text(SHEET.replace("Plain text again.", "Edited."),
                                    encoding="utf-8")
    edited = run(root, "import", "sheet.csv")
    assert edited.exit_code == 1
    assert ("sheet.csv:7:1: error[id-duplicate]: post '2027-03-03-twice-2' is already in the "
            "calendar (content/2027-03/twice-2.md) with another body; change it in its file, "
            "or give this row an id of its own") in edited.output
    assert files(root) == before


def test_cta_hashtags_media_and_draft_columns(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"assets/a.png": PNG})
    (root / "sheet.csv").write_text(
        "title,date,text,channels,cta_text,cta_url,hashtags,media,draft\n"
        'Launch,2027-03-02 09:30,Hello.,x,Shop,https://acme.example.com,"#One, Two",'
        '"assets/a.png | A dot\nassets/a.png",yes\n'
        "Bad,2027-03-03 09:30,Hi.,x,Shop,,,assets/none.png,maybe\n", encoding="utf-8")
    result = run(root, "import", "sheet.csv")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("sheet.csv")]
    assert errors == [
        "sheet.csv:4:5: error[field-missing]: a call to action needs both cta_text and cta_url",
        "sheet.csv:4:9: error[field-type]: draft must be true or false, not 'maybe'"]
    (root / "sheet.csv").write_text((root / "sheet.csv").read_text().replace(
        "Shop,,,assets/none.png,maybe", "Shop,https://acme.example.com,,assets/none.png,no"))
    missing = run(root, "import", "sheet.csv")
    assert missing.exit_code == 1
    assert "sheet.csv:4:1: error[media-missing]" in missing.output
    (root / "sheet.csv").write_text((root / "sheet.csv").read_text().replace("none.png",
                                                                             "a.png"))
    assert run(root, "import", "sheet.csv").exit_code == 0
    launch = frontmatter.load(root / "content/2027-03/launch.md")
    assert launch["cta"] == {"text": "Shop", "url": "https://acme.example.com"}
    assert launch["hashtags"] == ["One", "Two"] and launch["draft"] is True
    assert launch["media"] == [{"src": "assets/a.png", "alt": "A dot"}, {"src": "assets/a.png"}]


def test_feed_and_export_links_are_absolute_with_a_site_url(make_calendar: MakeCalendar,
                                                            run: Run) -> None:
    root = make_calendar({"mkdocs.yml": "site_url: https://cal.acme.example.com/team\n" + CONFIG,
                          "content/a.md": POST.format(id="a")})
    csv_out = _export(run, root).decode("utf-8-sig")
    assert ",https://cal.acme.example.com/team/posts/a/," in csv_out
    ics = run(root, "export", "--format", "ics").output
    assert "URL:https://cal.acme.example.com/team/posts/a/\n" in ics
    assert '"url": "https://cal.acme.example.com/team/posts/a/"' in (
        run(root, "export", "--format", "json").output)
