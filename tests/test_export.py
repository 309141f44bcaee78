"""`postgen export --format ics|csv|json`: the calendar out of the repository."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from icalendar import Calendar

from postgen.site.pages import CSV_COLUMNS
from tests.conftest import POST, MakeCalendar

Run = Callable[..., Result]
FORMULA = "=HYPERLINK(\"https://evil.example\",\"click\")"
FILES = {
    "docs/welcome.md": "# Welcome\n",
    "content/a.md": POST.format(id="a"),
    "content/b.md": POST.format(id="b").replace("title: A post", f"title: '{FORMULA}'")
                    .replace("Body text.", "+1 if you agree.\n\nSecond paragraph."),
}


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGEN_NOW", "2027-03-01T09:00")


def exported(run: Run, root: Path, fmt: str) -> bytes:
    out = root / f"export.{fmt}"
    result = run(root, "export", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_the_three_formats_hold_what_the_site_holds(make_calendar: MakeCalendar,
                                                    run: Run) -> None:
    root = make_calendar(FILES)
    built = run(root, "build")
    assert built.exit_code == 0, built.output
    site = root / "site"
    assert exported(run, root, "json") == (site / "posts.json").read_bytes()
    assert exported(run, root, "ics") == (site / "calendar.ics").read_bytes()
    events = Calendar.from_ical(exported(run, root, "ics")).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == [
        "a.linkedin@postgen", "a.x@postgen", "b.linkedin@postgen", "b.x@postgen"]

    data = exported(run, root, "csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    feed = json.loads((site / "posts.json").read_text(encoding="utf-8"))
    expected = {(p["id"], v["channel"]): ("\n\n".join(v["parts"]), v["hash"], v["status"])
                for p in feed for v in p["variants"]}
    assert {(r["post_id"], r["channel"]): (r["text"].removeprefix("'"), r["hash"], r["status"])
            for r in rows} == expected
    b_x = next(r for r in rows if r["post_id"] == "b" and r["channel"] == "x")
    # A spreadsheet would run these as formulas: they start with an apostrophe.
    assert b_x["title"] == "'" + FORMULA
    assert b_x["text"] == "'+1 if you agree.\n\nSecond paragraph."
    assert b_x["date"] == "2027-03-02T09:30:00+01:00" and b_x["url"] == "posts/b/"
    assert b_x["parts"] == "1" and b_x["account"] == "'@acme"  # "@" starts one too


def test_standard_output_and_errors(make_calendar: MakeCalendar, run: Run,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """A post with an error is left out and makes it exit 1; the rest is exported."""
    root = make_calendar({**FILES, "content/c.md": POST.format(id="c").replace("awareness",
                                                                              "hype")})
    result = run(root, "export", "--format", "json")
    assert result.exit_code == 1
    assert "content/c.md:6:9: error[funnel-unknown]" in caplog.text
    assert result.output.endswith("postgen: 1 error in the calendar (above)\n")
    start = result.output.index("[\n")
    posts = json.loads(result.output[start:result.output.index("\n]\n") + 3])
    assert [p["id"] for p in posts] == ["a", "b"]


def test_an_unwritable_output_is_a_message(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar(FILES)
    result = run(root, "export", "--format", "csv", "-o", str(root / "no" / "such" / "x.csv"))
    assert result.exit_code == 1
    assert result.output.startswith("postgen: cannot write ") and "Traceback" not in result.output
