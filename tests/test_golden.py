"""Golden files: every post of the example calendar, rendered for each channel.

tests/golden/<post-id>.txt is `postgen render <post-id>`; <post-id>.json is
`postgen render <post-id> --format json` (with each API payload). Review
changes to them in diffs; regenerate with

    python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

from pathlib import Path

import pytest

from postgen.models import Calendar
from postgen.pipeline import load_calendar
from postgen.render import display
from postgen.render.variants import Rendered, render_calendar

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="module")
def example() -> tuple[Calendar, Rendered]:
    calendar = load_calendar(ROOT)
    return calendar, render_calendar(calendar)


def _expected(calendar: Calendar, rendered: Rendered) -> dict[str, str]:
    files: dict[str, str] = {}
    for post in calendar.posts:
        variants = rendered.of(post.id)
        files[f"{post.id}.txt"] = display.as_text(variants, calendar.config.timezone) + "\n"
        files[f"{post.id}.json"] = display.as_json(variants) + "\n"
    return files


def test_golden_files(example: tuple[Calendar, Rendered], request: pytest.FixtureRequest) -> None:
    calendar, rendered = example
    expected = _expected(calendar, rendered)
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob("*.*"):
            if old.name not in expected:
                old.unlink()
        for name, text in expected.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.*")}
    assert sorted(on_disk) == sorted(expected), "golden files and posts differ: regenerate"
    changed = [name for name, text in expected.items() if on_disk[name] != text]
    assert not changed, f"rendering changed for {changed[:5]}: review, then regenerate"


def test_every_channel_of_every_post_is_golden(example: tuple[Calendar, Rendered]) -> None:
    calendar, rendered = example
    assert len(calendar.posts) >= 40
    for post in calendar.posts:
        assert [v.channel for v in rendered.of(post.id)] == list(post.channels)
