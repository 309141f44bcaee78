"""Writing files so that no reader (and no crash) ever sees half of one."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def write_atomically(path: Path, data: bytes | str) -> None:
    """Replace the file at once: a reader sees the old contents or the new, never a mix.

    The bytes go to a temporary file next to it (named for this process and thread,
    so no two writers share one), then take its place. Text is written as UTF-8.
    Raises OSError (a read-only folder, a full disk), leaving no temporary file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_native_id()}.tmp")
    try:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temp, path)
    except BaseException:  # interrupted too
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def unsafe_target(root: Path, path: Path) -> str | None:
    """Why a new file at `path` would not land where it seems, or None: `path` is a
    symbolic link (a dangling one too), or a folder on the way links out of `root`."""
    if path.is_symlink():
        return "is a symbolic link; postgen writes only new plain files"
    try:
        inside = path.parent.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        inside = False
    return None if inside else "is in a folder that links outside the calendar repository"
