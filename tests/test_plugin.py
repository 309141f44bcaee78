"""The MkDocs plugin: real `mkdocs build` reads the calendar through the pipeline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG, POST, MakeCalendar


def mkdocs_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=root,
                          capture_output=True, text=True, check=False)


def test_mkdocs_builds_a_clean_calendar(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n"})
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    assert (root / "site" / "index.html").is_file()
    assert (root / "site" / "posts" / "a" / "index.html").is_file()


def test_post_errors_show_on_the_site_and_fail_strict_builds(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a").replace("awareness", "hype"),
                          "docs/welcome.md": "# Hi\n"})
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    assert "content/a.md:6:9: error[funnel-unknown]" in result.stderr
    home = (root / "site" / "index.html").read_text()
    assert "content/a.md" in home and "is not a funnel" in home
    strict = mkdocs_build(root, "--strict")
    assert strict.returncode != 0


def test_config_errors_stop_the_build(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"mkdocs.yml": CONFIG.replace("Europe/Berlin", "Mars/Base"),
                          "docs/welcome.md": "# Hi\n"})
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "mkdocs.yml:5:17: error[config-timezone]" in result.stderr
