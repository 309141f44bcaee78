"""`postgen init DIR`: a new calendar repository that checks clean and builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from click.testing import Result

from postgen.scaffold import CALENDAR_FILES

Run = Callable[..., Result]
REPO = Path(__file__).resolve().parent.parent


def test_a_new_calendar_checks_clean_and_builds(run: Run, tmp_path: Path) -> None:
    name = 'Acme: "Coffee" #1'  # YAML would misread it unquoted
    result = run(tmp_path, "init", "acme", "--name", name, "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    (post,) = [f for f in files if f.startswith("content/")]
    assert sorted(f for f in files if f != post) == sorted([*CALENDAR_FILES, "post.schema.json"])
    assert (root / post).read_text(encoding="utf-8").startswith(
        "---\n# yaml-language-server: $schema=../../post.schema.json\nid: ")
    for line in files:  # each file is listed, relative to the new folder
        assert line in result.output
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    settings = config["plugins"][0]["postgen"]
    assert settings["brand"]["name"] == name and settings["timezone"] == "Europe/Berlin"
    assert {c["publisher"] for c in settings["channels"].values()} == {"outbox"}
    week = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=7)
    assert f"\ndate: {week:%Y-%m-%d} 09:00\n" in (root / post).read_text(encoding="utf-8")
    assert ".postgen-cache/" in (root / ".gitignore").read_text(encoding="utf-8")

    checked = run(root, "check", "--format", "json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output) == []
    built = run(root, "build")
    assert built.exit_code == 0, built.output
    feed = json.loads((root / "site" / "posts.json").read_text(encoding="utf-8"))
    assert [p["title"] for p in feed] == ["Hello from our new content calendar"]
    assert {v["channel"] for v in feed[0]["variants"]} == {"linkedin", "mastodon", "newsletter"}
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "Acme: &#34;Coffee&#34; #1" in home or "Acme: &quot;Coffee&quot; #1" in home


def test_the_workflows_it_writes_are_the_ones_this_repository_runs() -> None:
    """One set of workflows: the package's copies may not drift from the example's."""
    templates = REPO / "src" / "postgen" / "templates" / "init"
    for target, source in CALENDAR_FILES.items():
        if target.startswith((".github/", ".gitattributes")):
            assert (templates / source).read_bytes() == (REPO / target).read_bytes(), target


def test_it_writes_nothing_into_a_folder_that_holds_something(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run(tmp_path, "init", "busy")
    assert result.exit_code == 1
    assert "is not an empty folder" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]  # no temporary folder left


def test_an_empty_folder_will_do_and_a_bad_timezone_will_not(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    bad = run(tmp_path, "init", "empty", "--timezone", "Mars/Olympus")
    assert bad.exit_code == 2 and "not an IANA timezone" in bad.output
    assert list((tmp_path / "empty").iterdir()) == []
    good = run(tmp_path, "init", "empty")
    assert good.exit_code == 0, good.output
    config = yaml.safe_load((tmp_path / "empty" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"][0]["postgen"]["brand"]["name"] == "empty"
    assert config["plugins"][0]["postgen"]["timezone"] == "UTC"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_requirements_pin_this_version_from_git_or_the_index(run: Run, tmp_path: Path) -> None:
    from postgen import SOURCE, __version__

    assert run(tmp_path, "init", "a").exit_code == 0
    text = (tmp_path / "a" / "requirements.txt").read_text(encoding="utf-8")
    assert f"\npostgen @ {SOURCE}@v{__version__}\n" in text
    assert f"`postgen=={__version__}`" in text  # how to switch to the index
    assert run(tmp_path, "init", "b", "--source", "index").exit_code == 0
    text = (tmp_path / "b" / "requirements.txt").read_text(encoding="utf-8")
    assert text.splitlines()[-1] == f"postgen=={__version__}"
    for bad in ("https://example.com/x", f"{SOURCE}@v9", "git+https://a b"):
        result = run(tmp_path, "init", "c", "--source", bad)
        assert result.exit_code == 1 and "--source must be" in result.output, bad
        assert not (tmp_path / "c").exists()


def test_reviewers_are_listed_and_an_empty_list_says_what_it_means(run: Run,
                                                                    tmp_path: Path) -> None:
    assert run(tmp_path, "init", "a", "--reviewer", "dana-acme", "--reviewer", "sam").exit_code == 0
    config = yaml.safe_load((tmp_path / "a" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"][0]["postgen"]["approval"]["reviewers"] == ["dana-acme", "sam"]
    assert run(tmp_path, "init", "b").exit_code == 0
    text = (tmp_path / "b" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "empty: anyone" not in text and "records only their issues" in text
    bad = run(tmp_path, "init", "c", "--reviewer", "dana; rm -rf /")
    assert bad.exit_code == 1 and "is not a GitHub login" in bad.output
