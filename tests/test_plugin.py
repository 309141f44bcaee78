"""The MkDocs plugin: real `mkdocs build` reads the calendar through the pipeline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import POST, MakeCalendar


def mkdocs_build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root,
                          capture_output=True, text=True, check=False)


def test_mkdocs_builds_a_clean_calendar(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/index.md": "# Hi\n"})
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    assert (root / "site" / "index.html").is_file()


def test_mkdocs_fails_on_the_errors_check_reports(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a").replace("awareness", "hype"),
                          "docs/index.md": "# Hi\n"})
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "content/a.md:6:9: error[funnel-unknown]" in result.stderr
