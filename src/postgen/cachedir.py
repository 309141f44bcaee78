"""Whether `.postgen-cache/` may be used: never when git tracks it.

The cache holds what postgen reads back as its own work (pickled build data,
compiled templates, the last check's results). A copy committed to the
repository came from someone else's machine and could hold anything, so
postgen then neither reads nor writes it, and says so once per run.
"""

from __future__ import annotations

import functools
import logging
import subprocess
from pathlib import Path

FOLDER = ".postgen-cache"

log = logging.getLogger("postgen")


@functools.cache
def usable(root: Path) -> bool:
    """False when git tracks anything in `root`'s `.postgen-cache/` (no git: True)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", FOLDER], cwd=root,
                                capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return True
    if listed.returncode != 0 or not listed.stdout:
        return True
    log.warning(f"postgen: git tracks {FOLDER}/ in this repository, so postgen ignores it "
                "(a committed cache could hold anything): run "
                f"`git rm -r --cached {FOLDER}` and keep it in .gitignore")
    return False
