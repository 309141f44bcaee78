"""Editors and hooks: the front matter's JSON Schema, the modeline, the pre-commit hook."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from jsonschema import Draft7Validator

from postgen import postschema, schema

Run = Callable[..., Result]
REPO = Path(__file__).resolve().parent.parent


def _front_matter(path: Path) -> Any:
    """As an editor's YAML 1.2 parser sees it: dates are text."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, datetime):
            return f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, date):
            return value.isoformat()
        return value

    return plain(yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1]))


def test_the_schema_accepts_every_example_post_and_flags_what_check_refuses(run: Run) -> None:
    result = run(REPO, "schema")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    Draft7Validator.check_schema(document)
    validator = Draft7Validator(document)
    posts = sorted((REPO / "content").rglob("*.md"))
    assert len(posts) > 40
    for path in posts:
        errors = [e.message for e in validator.iter_errors(_front_matter(path))]
        assert errors == [], (path, errors)
    on_disk = json.loads((REPO / "post.schema.json").read_text(encoding="utf-8"))
    assert on_disk == document  # the example's copy is current
    good = _front_matter(posts[0])
    assert set(document["properties"]) == set(schema.POST_FIELDS)
    for bad, why in (({**good, "colour": "red"}, "Additional properties"),
                     ({**good, "channels": ["myspace"]}, "is not one of"),
                     ({**good, "funnel": "hype"}, "is not one of"),
                     ({**good, "id": "Not An Id"}, "does not match"),
                     ({**good, "variants": {"x": {"subject": "Hi"}, "fax": {}}},
                      "is not one of")):
        messages = " ".join(e.message for e in validator.iter_errors(bad))
        assert why in messages, bad


def test_the_schema_is_made_from_the_readers_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "POST_FIELDS", (*schema.POST_FIELDS, "mood"))
    with pytest.raises(AssertionError, match="mood"):
        postschema.front_matter()
    monkeypatch.undo()
    outside = postschema.front_matter()  # no calendar: any channel name
    assert outside["properties"]["channels"]["items"] == {"type": "string"}


def test_schema_writes_a_file_and_new_posts_point_at_it(run: Run, tmp_path: Path) -> None:
    assert run(tmp_path, "init", "cal").exit_code == 0
    cal = tmp_path / "cal"
    written = json.loads((cal / "post.schema.json").read_text(encoding="utf-8"))
    assert written["properties"]["channels"]["items"]["enum"] == [
        "linkedin", "mastodon", "newsletter"]
    (cal / "post.schema.json").unlink()
    assert run(cal, "schema", "-o", "post.schema.json").exit_code == 0
    assert json.loads((cal / "post.schema.json").read_text(encoding="utf-8")) == written
    made = run(cal, "new", "Second post", "--date", "2030-02-01 10:00")
    assert made.exit_code == 0, made.output
    path = cal / made.output.strip()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n# yaml-language-server: $schema=../../post.schema.json\n")
    front = text.rsplit("---\n", 1)[0]
    path.write_text(front + "---\nFresh beans on Friday.\n", encoding="utf-8")  # written
    checked = run(cal, "check", "--strict", "--format", "json")
    assert checked.exit_code == 0 and json.loads(checked.output) == []


def test_the_pre_commit_hook_runs_check_strict_and_the_example_passes_it() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "postgen-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    import re

    files = re.compile(hook["files"])
    assert all(files.search(p) for p in ("content/2026-12/a.md", "mkdocs.yml", "a.jpg"))
    command = shlex.split(hook["entry"])
    assert command[:3] == ["postgen", "check", "--strict"]
    done = subprocess.run([sys.executable, "-m", "postgen", *command[1:]], cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings" in done.stdout
