"""`postgen diff REF`: the pull request comment's markdown, against a golden file.

The calendar is committed, one approved post is edited (its X text now too long,
its LinkedIn text longer), another is left alone; the working tree is compared
with HEAD. Regenerate with `python -m pytest tests/test_diff.py --update-golden`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from postgen import approvals
from postgen.pipeline import check, load_calendar
from tests.conftest import MakeCalendar
from tests.test_approvals import REVIEWED, post

Run = Callable[..., Result]
GOLDEN = Path(__file__).resolve().parent / "golden" / "diff" / "one-post.md"
LONG = ("Our winter blend is back, roasted this week in small batches. " * 5).strip()


def _commit(root: Path) -> None:
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *env, *args], cwd=root, check=True, capture_output=True)


def test_the_markdown_for_a_change_to_one_post(make_calendar: MakeCalendar, run: Run,
                                               request: pytest.FixtureRequest) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED,
                          "content/a.md": post("Winter blend: back soon. <b>|</b>\n"),
                          "content/b.md": post("Untouched.\n", post_id="p2",
                                               date="2027-03-03 09:30")})
    calendar, rendered, _ = check(load_calendar(root))
    approvals.append(calendar.config, [
        approvals.decide(v, approvals.APPROVE, "dana", datetime(2027, 2, 27, 10, tzinfo=UTC))
        for v in rendered.variants])
    _commit(root)
    edited = post(LONG + "\n").replace("funnel: awareness", "funnel: conversion")
    (root / "content/a.md").write_text(edited, encoding="utf-8")  # a CTA is missing now

    result = run(root, "diff", "HEAD", "--format", "markdown")
    assert result.exit_code == 0, result.output
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(result.output, encoding="utf-8")
    assert result.output == GOLDEN.read_text(encoding="utf-8")
    # what the golden file must say, whatever it was regenerated to
    assert result.output.startswith("<!-- postgen-diff -->\n")
    assert "| T (`p1`) | x | changed |" in result.output and "`p2`" not in result.output
    assert "Voids the approval of dana (2027-02-27)" in result.output
    assert "warning[cta-missing]" in result.output  # the new problem
    assert "<b>" not in result.output.split("### ")[0]  # no raw HTML outside code blocks


def test_no_change_and_a_bad_ref(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    _commit(root)
    same = run(root, "diff", "HEAD")
    assert same.exit_code == 0 and "No post changes what it sends" in same.output
    bad = run(root, "diff", "no-such-branch")
    assert bad.exit_code == 1 and "no-such-branch is not a commit here" in bad.output
    (root / "content/a.md").unlink()
    removed = run(root, "diff", "HEAD")
    assert "p1 on x: removed" in removed.output


def test_a_post_that_gets_an_error_says_so(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    _commit(root)
    (root / "content/a.md").write_text(post(extra="colour: red\n"), encoding="utf-8")
    result = run(root, "diff", "HEAD", "--format", "markdown")
    assert "| T (`p1`) | x | has errors |" in result.output
    assert "error[field-unknown]" in result.output
