"""`postgen import FILE`: posts from a CSV spreadsheet, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import frontmatter
from click.testing import Result

from tests.conftest import POST, MakeCalendar

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
        "sheet.csv:6:5: error[id-duplicate]: post id 'a' is taken already",
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
        "cols.csv:1:1: error[import-column]: no column text (required)",
        "cols.csv:1:3: error[import-column]: unknown column 'colour'; the columns are title, "
        "date, text, channels, funnel, campaign, owner, id",
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
