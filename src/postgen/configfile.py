"""Finding a calendar's config file, `mkdocs.yml` (reading it is `postgen.config`'s job)."""

from __future__ import annotations

from pathlib import Path

from postgen.errors import CalendarNotFound

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")


def find_config(start: Path, explicit: Path | None = None) -> Path:
    """The calendar's mkdocs.yml: `explicit`, or the first in `start` and its parents."""
    if explicit is not None:
        if not explicit.is_file():
            raise CalendarNotFound(f"{explicit}: no such config file")
        return explicit.resolve()
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    raise CalendarNotFound(
        f"no mkdocs.yml in {start} or any folder above it: run postgen inside a calendar "
        "repository, pass -f PATH/mkdocs.yml, or create one with `postgen init DIR`"
    )
