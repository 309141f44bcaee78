"""Spelling warnings: a real dictionary (pyspellchecker), the calendar's own words, the
post's language, each unknown word at its file:line:col."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import CONFIG, MakeCalendar

Run = Callable[..., Result]
SPELLING = CONFIG + "      spelling: {lang: en, words: spelling.txt}\n"


def warnings(run: Run, root: Path) -> list[tuple[str, int, int, str, str]]:
    result = run(root, "check", "--format", "json")
    return [(d["path"], d["line"], d["col"], d["rule"], d["message"])
            for d in json.loads(result.output)]


def post(body: str, extra: str = "", title: str = "Our new roast") -> str:
    return (f"---\nid: p1\ntitle: {title}\ndate: 2027-03-02 09:30\nchannels: [x]\n"
            f"funnel: awareness\n{extra}---\n{body}")


def test_unknown_words_are_warned_at_their_place(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({
        "mkdocs.yml": SPELLING, "spelling.txt": "# our words\nFernwood\nYirgacheffe\n",
        "content/a.md": post("Fernwood's Yirgacheffe is here.\n"
                             "You will recieve it tomorow, see https://exmaple.com/teh "
                             "#tehtag @teh `teh` and NASA.\n", title="A freshh roast"),
    })
    found = warnings(run, root)
    assert [(f[1], f[2], f[3]) for f in found] == [
        (3, 10, "spelling"),  # title: freshh
        (9, 10, "spelling"),  # recieve (line 8: the calendar's words, a possessive)
        (9, 21, "spelling"),  # tomorow
    ], found
    assert "did you mean 'receive'?" in found[1][4]
    assert all(f[0] == "content/a.md" for f in found)


def test_the_posts_language_wins(make_calendar: MakeCalendar, run: Run) -> None:
    german = "Unser neuer Kaffee ist frisch geröstet.\n"
    root = make_calendar({"mkdocs.yml": SPELLING, "spelling.txt": "",
                          "content/a.md": post(german, "lang: de\n", title="Neuer Kaffee")})
    assert warnings(run, root) == []
    root_en = make_calendar({"mkdocs.yml": SPELLING, "spelling.txt": "",
                             "content/a.md": post(german, title="Neuer Kaffee")})
    assert {f[3] for f in warnings(run, root_en)} == {"spelling"}  # read as English


def test_off_unless_configured_and_a_bad_language_is_refused(make_calendar: MakeCalendar,
                                                            run: Run) -> None:
    root = make_calendar({"content/a.md": post("Teh typo stays unsaid.\n")})
    assert warnings(run, root) == []
    bad = make_calendar({"mkdocs.yml": CONFIG + "      spelling: {lang: xx}\n",
                         "content/a.md": post("Body.\n")})
    found = warnings(run, bad)
    assert [(f[0], f[3]) for f in found] == [("mkdocs.yml", "field-value")], found
    assert "no dictionary for language 'xx'" in found[0][4]
