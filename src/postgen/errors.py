"""The library's one exception family.

Problems *in content* (a post's front matter, the calendar config) are not
exceptions: they are collected as `postgen.diagnostics.Diagnostic` values
and reported all together. Exceptions are for conditions that stop a
command outright:

- `PostgenError`: the base class; the CLI turns every one into a message and
  an exit code in one place (`postgen.cli`), never a traceback.
- `CalendarNotFound`: no `mkdocs.yml` with a postgen entry where one was
  looked for.
- `PostNotFound`: a POST argument named neither a post id nor a post file.
- `ConfigInvalid`: the calendar config has errors, so nothing else can be
  trusted; carries the diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from postgen.diagnostics import Diagnostic


class PostgenError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class CalendarNotFound(PostgenError):
    exit_code = 2


class PostNotFound(PostgenError):
    exit_code = 2


class ConfigInvalid(PostgenError):
    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"the calendar config has {len(diagnostics)} problem(s)")
        self.diagnostics = tuple(diagnostics)
