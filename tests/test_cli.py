"""The command line: exit codes, formats, help, and POST references."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from postgen.cli import cli
from postgen.pipeline import load_calendar
from postgen.schema import PLACEHOLDER_BODY
from tests.conftest import CONFIG, POST, MakeCalendar

Run = Callable[..., Result]
ROOT = Path(__file__).resolve().parent.parent


def test_clean_calendar_exits_0(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "check")
    assert result.exit_code == 0
    assert "0 errors, 0 warnings" in result.output


def test_errors_exit_1_with_compiler_style_lines(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a").replace("awareness", "hype")})
    result = run(root, "check")
    assert result.exit_code == 1
    assert "content/a.md:6:9: error[funnel-unknown]: 'hype' is not a funnel" in result.output


def test_warnings_fail_only_with_strict(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a").replace("awareness", "conversion")})
    assert run(root, "check").exit_code == 0
    strict = run(root, "check", "--strict")
    assert strict.exit_code == 1
    assert "warning[cta-missing]" in strict.output


def test_json_format(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="Bad Id")})
    result = run(root, "check", "--format", "json")
    assert json.loads(result.output) == [{
        "path": "content/a.md", "line": 2, "col": 5, "severity": "error", "rule": "id-invalid",
        "message": "post id 'Bad Id' must be lowercase letters, digits and '-' (at most 64, "
                   "not starting or ending with '-')",
    }]


def test_github_format_escapes_properties_and_data(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a, b.md": POST.format(id="a").replace("2027-03-02 09:30",
                                                                        "50% off")})
    result = run(root, "check", "--format", "github")
    assert result.exit_code == 1
    assert result.output.startswith(
        "::error file=content/a%2C b.md,line=4,col=7,title=date-invalid::'50%25 off' is not")


def test_paths_limit_the_report(make_calendar: MakeCalendar, run: Run) -> None:
    bad = POST.format(id="x").replace("awareness", "hype")
    root = make_calendar({"content/one/a.md": bad, "content/two/b.md": bad.replace("x", "y", 1)})
    result = run(root, "check", "content/two")
    assert result.exit_code == 1
    assert "content/two/b.md" in result.output
    assert "content/one/a.md" not in result.output
    nothing = run(root, "check", "content/nothing-here")
    assert nothing.exit_code == 2
    assert "Path 'content/nothing-here' does not exist" in nothing.output


def test_config_errors_are_located(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": CONFIG.replace("Europe/Berlin", "Mars/Olympus")})
    result = run(root, "check")
    assert result.exit_code == 1
    assert "mkdocs.yml:5:17: error[config-timezone]" in result.output


def test_not_a_calendar_is_a_usage_error(tmp_path: Path, run: Run) -> None:
    result = run(tmp_path, "check")
    assert result.exit_code == 2
    assert "no mkdocs.yml" in result.output


def test_unknown_format_is_a_usage_error(make_calendar: MakeCalendar, run: Run) -> None:
    assert run(make_calendar({}), "check", "--format", "xml").exit_code == 2


def test_config_file_option(make_calendar: MakeCalendar, run: Run, tmp_path: Path) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(elsewhere, "-f", str(root / "mkdocs.yml"), "check").exit_code == 0


def test_new_scaffolds_a_valid_post(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "new", "Spring launch teaser!", "--date", "2027-03-02 09:30",
                 "-c", "x", "-c", "linkedin", "--campaign", "spring")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content/2027-03/spring-launch-teaser.md"
    text = (root / "content/2027-03/spring-launch-teaser.md").read_text()
    assert "id: 2027-03-02-spring-launch-teaser\n" in text
    assert run(root, "check").exit_code == 0
    placeholder = run(root, "check", "--strict")  # until the writer writes the post
    assert placeholder.exit_code == 1
    body_line = text.splitlines().index(PLACEHOLDER_BODY.strip()) + 1
    assert (f"content/2027-03/spring-launch-teaser.md:{body_line}:1: warning[body-placeholder]"
            in placeholder.output)
    assert placeholder.output.count("warning[") == 1  # the placeholder draws no other
    again = run(root, "new", "Spring launch teaser!", "--date", "2027-03-02 09:30")
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_new_refuses_an_impossible_date(make_calendar: MakeCalendar, run: Run) -> None:
    """A usage error (exit 2) naming --date, as --now is in status and publish."""
    root = make_calendar({})
    for when, said in (("2027-03-28 02:30", "2027-03-28 02:30 does not exist in Europe/Berlin"),
                       ("2027-02-30 09:00", "'2027-02-30 09:00' is not a real date"),
                       ("next tuesday", "'next tuesday' is not a date and time")):
        result = run(root, "new", "Gap", "--date", when)
        assert result.exit_code == 2, when
        assert "Invalid value for --date: " + said in result.output, when
    assert not any((root / "content").iterdir())


def test_new_refuses_a_campaign_check_would_refuse(make_calendar: MakeCalendar,
                                                   run: Run) -> None:
    root = make_calendar({})
    result = run(root, "new", "Teaser", "--date", "2027-03-02 09:30", "--campaign",
                 "Spring Launch!")
    assert result.exit_code == 2
    assert ("Invalid value for --campaign: 'Spring Launch!' must be a slug: lowercase letters, "
            "digits, '-' and '_' (e.g. 'spring-launch')") in result.output
    assert not any((root / "content").iterdir())


def test_request_changes_needs_a_note_that_says_something(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "request-changes", "a", "--by", "dana", "--note", "  ")
    assert result.exit_code == 2
    assert "Invalid value for --note: say what should change: the writer reads it" in (
        result.output)
    assert not (root / "approvals.jsonl").exists()


def test_status_refuses_negative_hours(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "status", "--soon", "-5")
    assert result.exit_code == 2
    assert "Invalid value for '--soon': -5 is not in the range x>=0" in result.output


def test_a_post_is_found_by_id_or_by_path(make_calendar: MakeCalendar,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_calendar({"content/2027/a.md": POST.format(id="launch")})
    calendar = load_calendar(root)
    assert calendar.post("launch") is calendar.posts[0]
    assert calendar.post("content/2027/a.md") is calendar.posts[0]
    monkeypatch.chdir(root / "content")
    assert calendar.post("2027/a.md") is calendar.posts[0]
    assert calendar.post(str(root / "content/2027/a.md")) is calendar.posts[0]
    assert calendar.post("nope") is None


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda v: str(v))
def test_every_command_has_useful_help(name: str, command: click.Command, run: Run,
                                       tmp_path: Path) -> None:
    result = run(tmp_path, *name.split(), "--help")
    assert result.exit_code == 0
    assert len((command.help or "").split()) >= 8, f"'{name}' needs a real description"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and param.name != "help":
            assert param.help, f"'{name}' option {param.opts} has no help"


@pytest.mark.parametrize("name", [n for n, _ in _commands(cli)])
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    assert f"postgen {name}" in (ROOT / "README.md").read_text()


def test_python_dash_m_works() -> None:
    result = subprocess.run([sys.executable, "-m", "postgen", "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0
    assert "content calendar that lives in git" in result.stdout


def test_text_that_is_not_utf8_is_a_usage_error_and_writes_nothing(
        make_calendar: MakeCalendar, run: Run, tmp_path: Path) -> None:
    """Invalid UTF-8 on the command line reaches Python as lone surrogates: refused with
    what and where, before anything is counted or written."""
    root = make_calendar({"content/a.md": POST})
    files = sorted(p.relative_to(root) for p in root.rglob("*"))
    for args in (("count", "-c", "x", "ab\udcffcd"),
                 ("new", "Title \udcff"),
                 ("request-changes", "a", "--by", "dana", "--note", "fix \udcff this")):
        result = run(root, *args)
        assert result.exit_code == 2, result.output
        assert "is not valid UTF-8 (byte 0xFF at character" in result.output
        assert "Traceback" not in result.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == files
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"APPROVE a x 0123\xff\n")
    result = run(root, "approve", "--from", str(lines))
    assert result.exit_code == 2
    assert "byte 0xFF at byte 17 is not UTF-8" in result.output
    assert not (root / "approvals.jsonl").exists()


def test_standard_input_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "postgen", "count", "-c", "x"],
                            input=b"ab\xffcd\n", capture_output=True, cwd=tmp_path, check=False,
                            env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert result.returncode == 2
    assert b"standard input is not valid UTF-8 (byte 0xFF at character 3)" in result.stderr
    assert b"Traceback" not in result.stderr
