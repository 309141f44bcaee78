"""Spelling warnings, when the calendar asks for them (`spelling:` in the config).

Each post's title and body are read in the post's language (its `lang:`, else the
config's `spelling.lang`) with pyspellchecker's dictionary of word frequencies;
the calendar's own words (brand names, products), one per line in the file
`spelling.words` names, are always right. Links, addresses, @mentions,
#hashtags, `code`, words with digits and words in capitals are skipped. Each
unknown word is a `spelling` warning at its file:line:col, with a suggestion.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from postgen import diagnostics as diag
from postgen.models import Calendar, Post

if TYPE_CHECKING:
    from spellchecker import SpellChecker

# What is not prose: links and addresses, mentions, hashtags, inline code, link targets.
_SKIP = regex.compile(r"\S+://\S+|\S+@\S+\.\S+|www\.\S+|[@#＃]\S+|`[^`]*`|\]\([^)]*\)"
                      r"|<[^>]*>|\S+\.(?:com|org|net|io|co|de|fr)\S*")
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’]*\p{L}|\p{L}")
_MAX_WARNINGS = 20  # per post: a text in another language should not flood the report


def problems(calendar: Calendar) -> list[diag.Diagnostic]:
    """A `spelling` warning for each unknown word of each post (none unless configured)."""
    policy = calendar.config.spelling
    if policy is None:
        return []
    own = _own_words(policy.words)
    found: list[diag.Diagnostic] = []
    for post in calendar.posts:
        lang = (post.lang or policy.lang).split("-")[0].lower()
        checker = _checker(lang)
        if checker is None:
            continue
        found.extend(_post(calendar.config.root, post, checker, own, lang))
    return found


@functools.cache
def _checker(lang: str) -> SpellChecker | None:
    from spellchecker import SpellChecker

    try:
        return SpellChecker(language=lang, distance=1)  # suggestions one edit away: fast
    except ValueError:  # no dictionary for that language
        return None


def _own_words(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


def _post(root: Path, post: Post, checker: SpellChecker, own: frozenset[str],
          lang: str) -> list[diag.Diagnostic]:
    try:
        lines = (root / post.path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return []
    found: list[diag.Diagnostic] = []
    for number, col, word in _words(lines, post.body_line):
        key = word.lower().replace("’", "'").removesuffix("'s")
        if key in own or not checker.unknown([key]):
            continue
        guess = checker.correction(key)
        hint = f"; did you mean '{guess}'?" if guess and guess != key else ""
        found.append(diag.Diagnostic(post.path, number, col, diag.Severity.WARNING, "spelling",
                                     f"'{word}' is not in the {lang} dictionary nor in the "
                                     f"calendar's words{hint}"))
        if len(found) >= _MAX_WARNINGS:
            break
    return found


def _words(lines: list[str], body_line: int) -> Iterator[tuple[int, int, str]]:
    """(line, column, word) of the title and of each body line, both 1-based."""
    title = next((i for i, line in enumerate(lines[:body_line]) if line.startswith("title:")),
                 None)
    numbers = ([title] if title is not None else []) + list(range(body_line - 1, len(lines)))
    for index in numbers:
        line = lines[index]
        start = len("title:") if index == title else 0
        masked = _SKIP.sub(lambda m: " " * len(m.group()), line)
        for m in _WORD.finditer(masked, start):
            word = m.group().strip("'’")
            if len(word) < 2 or word.isupper() or any(c.isdigit() for c in word):
                continue
            yield index + 1, m.start() + 1, word
