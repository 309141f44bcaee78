"""Posts as spreadsheet cells: what `postgen export --format csv` writes of a post's
source and `postgen import` reads back, so that an export imports as the same posts.

A post's source columns (`SOURCE_COLUMNS`), beside the rendered text export
writes for reading:

- `body`: the post's markdown, as written in its file;
- `channels`: its channels, separated by commas;
- `cta_text`, `cta_url`: its call to action (both, or neither);
- `hashtags`: its hashtags, separated by spaces or commas (`#` optional);
- `media`: one image a line, `path | alt text` (the path as the post writes it);
- `draft`: `true` or `false`.

A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
tab or a carriage return) is written with a leading apostrophe, as spreadsheets
do themselves, and so is one that starts with an apostrophe; reading takes that
apostrophe off again.
"""

from __future__ import annotations

import re

from postgen.models import Post

SOURCE_COLUMNS = ("body", "channels", "cta_text", "cta_url", "hashtags", "media", "draft")
#: A spreadsheet takes a cell starting with one of these for a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*FORMULA_START, "'")
_LIST = re.compile(r"[,\s]+")


def escape(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_ESCAPED) else cell


def unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_ESCAPED) else cell


def source_cells(post: Post) -> tuple[str, ...]:
    """The post's `SOURCE_COLUMNS`, in order."""
    media = "\n".join(f"{m.src} | {m.alt}" if m.alt else m.src for m in post.media)
    return (post.body.strip("\n"), ", ".join(post.channels),
            post.cta.text if post.cta else "", post.cta.url if post.cta else "",
            " ".join(f"#{tag}" for tag in post.hashtags), media, str(post.draft).lower())


def words(cell: str) -> tuple[str, ...]:
    """A list cell (`channels`, `hashtags`): the items, `#` taken off hashtags."""
    return tuple(w.lstrip("#") for w in _LIST.split(cell) if w.lstrip("#"))


def media(cell: str) -> tuple[tuple[str, str | None], ...]:
    """A `media` cell: (path, alt text or None) for each non-empty line."""
    found = []
    for line in cell.splitlines():
        src, _, alt = line.partition("|")
        if src.strip():
            found.append((src.strip(), alt.strip() or None))
    return tuple(found)


def flag(cell: str) -> bool | None:
    """A `draft` cell: True, False, or None when it is neither (empty is False)."""
    return {"": False, "true": True, "yes": True, "false": False, "no": False}.get(
        cell.strip().lower())
