"""Reading post files: discovery, decoding, and the front matter split.

The split is done here rather than by python-frontmatter so that line numbers
stay exact (its boundary pattern swallows blank lines) and so a file is read
and scanned once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from postgen.diagnostics import Diagnostic, error
from postgen.fields import Fields
from postgen.models import CalendarConfig, Post
from postgen.schema import MediaLookup, read_post
from postgen.yamlsource import SourceMap, parse

_OPEN = re.compile(r"---[ \t]*\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
#: No post needs more (a long newsletter is a few dozen KB); past it, a file is refused
#: before it is parsed, so no run spends minutes on one.
MAX_POST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LoadedFile:
    """One file's outcome: the post (None if its file has errors) and what was found."""

    path: str
    post: Post | None
    diagnostics: tuple[Diagnostic, ...]
    #: The id as written, even when the post has other errors, so duplicate
    #: ids are found in every file; `source` says where it stands.
    raw_id: str | None = None
    source: SourceMap | None = None
    #: A post whose file has errors that leave its variants as they are (an unknown
    #: field, say): checked, so one run reports all its problems, and never sent.
    unsent: Post | None = None


def discover(content_dir: Path) -> Iterator[Path]:
    """Every post file: `**/*.md`, skipping hidden entries and `_`-prefixed files."""
    return map(Path, discover_names(content_dir))


def discover_names(content_dir: Path) -> Iterator[str]:
    """`discover`'s files as strings (cheaper where 10,000 files are only looked at)."""
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith((".", "_")):
                yield os.path.join(folder, name)


def decode(data: bytes, shown: str) -> str | Diagnostic:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return error(shown, line, col, "file-encoding",
                     f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8")
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def load_file(config: CalendarConfig, file: Path, media: MediaLookup | None = None, *,
              now: datetime) -> LoadedFile:
    """One post file read and checked; its dates must lie within 10 years of `now`."""
    shown = config.rel(file)
    if file.is_symlink() and not _inside(file, config.root):
        return LoadedFile(shown, None, (error(
            shown, 1, 1, "file-outside-repo",
            "this file links to a file outside the calendar repository; posts must live "
            "inside it"),))
    try:
        with file.open("rb") as f:
            data = f.read(MAX_POST_BYTES + 1)
    except OSError as exc:
        d = error(shown, 1, 1, "file-unreadable", f"cannot read: {exc.strerror or exc}")
        return LoadedFile(shown, None, (d,))
    if len(data) > MAX_POST_BYTES:
        return LoadedFile(shown, None, (error(
            shown, 1, 1, "file-too-large",
            f"the file is over {MAX_POST_BYTES // 1024 // 1024} MiB; no post needs that much "
            "(split it, or move the long text elsewhere and link to it)"),))
    text = decode(data, shown)
    if isinstance(text, Diagnostic):
        return LoadedFile(shown, None, (text,))
    return load_text(config, file, text, media, now=now)


def load_text(config: CalendarConfig, file: Path, text: str, media: MediaLookup | None = None,
              *, now: datetime) -> LoadedFile:
    """A post's decoded text, as if read from `file`, checked as `load_file` checks it."""
    shown = config.rel(file)
    opened = _OPEN.match(text)
    if not opened:
        return LoadedFile(shown, None, (error(
            shown, 1, 1, "front-matter-missing",
            "a post starts with front matter: a line '---', the fields, and a closing '---'"),))
    closed = _CLOSE.search(text, opened.end())
    if not closed:
        return LoadedFile(shown, None, (error(
            shown, 1, 1, "front-matter-missing",
            "the front matter opened on line 1 is never closed by a '---' line"),))
    front = text[opened.end() : closed.start()]
    body_line = text.count("\n", 0, closed.end()) + 2
    body = text[closed.end() + 1 :]
    parsed = parse(front, shown, first_line=2)
    diagnostics = list(parsed.diagnostics)
    if parsed.data is None and not diagnostics:
        diagnostics.append(error(shown, 2, 1, "front-matter-not-mapping",
                                 "the front matter is empty"))
    if diagnostics and parsed.data is None:
        return LoadedFile(shown, None, tuple(diagnostics))
    if not isinstance(parsed.data, dict):
        diagnostics.append(error(shown, 2, 1, "front-matter-not-mapping",
                                 "front matter must be 'field: value' lines, not a single value "
                                 "or a list"))
        return LoadedFile(shown, None, tuple(diagnostics))
    fields = Fields(parsed.data, parsed.source, shown, diagnostics)
    post = read_post(config, fields, file, body, body_line, media, now)
    raw_id = parsed.data.get("id")
    clean = not any(d.severity == "error" for d in diagnostics)
    return LoadedFile(
        shown, post if clean else None, tuple(diagnostics),
        raw_id=str(raw_id) if isinstance(raw_id, str | int) else None,
        source=parsed.source, unsent=None if clean else post,
    )


def _inside(file: Path, root: Path) -> bool:
    try:
        return file.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return False
