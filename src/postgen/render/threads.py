"""Splitting text that is too long for one message into a thread.

Greedy packing at the coarsest boundary that works: paragraphs, then the
sentences of a paragraph too long for a part, then the words of a sentence
too long for a part. A word is never split, except a single word longer than
a whole part that is not a URL, @mention or #hashtag: that one is cut between
grapheme clusters. Every part is a contiguous slice of the original text,
stripped, so the separators inside a part are the ones the writer typed.

What fits is the caller's `fits(text)`: the platform's counting rule and
limit, which this module knows nothing about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

Fits = Callable[[str], bool]

_PARAGRAPH_BREAK = regex.compile(r"\n[^\S\n]*\n\s*")
_WORD = regex.compile(r"\S+")
_LAST_NON_SPACE = regex.compile(r"\S", regex.REVERSE)
_GRAPHEME = regex.compile(r"\X")
_SENTENCE_END = regex.compile(r"[.!?…][\"'”’»)\]]*$")
# A URL, a @mention or a #hashtag, possibly in brackets or quotes: never cut.
_ATOMIC = regex.compile(
    r"[\"'“‘(\[]*(?:https?://|www\.|[@#][\w@.\-]*\w)",
    regex.IGNORECASE,
)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int  # exclusive


def split_thread(
    text: str, fits: Fits, *, numbering: bool = False, max_parts: int = 25
) -> tuple[str, ...]:
    """The parts of a thread for `text`: `(text,)` when it fits in one.

    With `numbering`, each part ends with " i/n" (counted by `fits`). A URL,
    mention or hashtag that does not fit a part on its own gets a part of its
    own anyway, over the limit (the caller reports it). Past `max_parts`
    parts, the rest of the text goes into the last one.
    """
    if fits(text):
        return (text,)
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    if not numbering:
        return _texts(text, _packed(text, fits, None, max_parts), None)
    total = min(len(_packed(text, fits, None, max_parts)), max_parts)
    # The count is in the suffix, so it may change the count: grow it until
    # stable. Fewer parts than counted only shortens the suffixes.
    for _ in range(max_parts):
        spans = _packed(text, fits, total, max_parts)
        if len(spans) <= total:
            break
        total = len(spans)
    return _texts(text, spans, len(spans))


def _suffix(index: int, total: int | None) -> str:
    return "" if total is None else f" {index}/{total}"


def _texts(text: str, spans: list[_Span], total: int | None) -> tuple[str, ...]:
    if not spans:
        return (text.strip(),)
    return tuple(
        text[span.start : span.end] + _suffix(index, total)
        for index, span in enumerate(spans, start=1)
    )


def _packed(text: str, fits: Fits, total: int | None, max_parts: int) -> list[_Span]:
    packer = _Packer(text, fits, total)
    for paragraph in _paragraphs(text):
        packer.place(paragraph, level=0)
    spans = packer.finish()
    if len(spans) > max_parts:
        last = _Span(spans[max_parts - 1].start, spans[-1].end)
        spans = [*spans[: max_parts - 1], last]
    return spans


def _paragraphs(text: str) -> Iterator[_Span]:
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield from _stripped(text, start, match.start())
        start = match.end()
    yield from _stripped(text, start, len(text))


def _stripped(text: str, start: int, end: int) -> Iterator[_Span]:
    """``text[start:end]`` without white space around it, if anything is left: from
    its first word to the end of its last, found without walking the words between."""
    first = _WORD.search(text, start, end)
    if first is not None:
        last = _LAST_NON_SPACE.search(text, start, end)
        assert last is not None  # there is a word
        yield _Span(first.start(), last.end())


def _words(text: str, span: _Span) -> Iterator[_Span]:
    for match in _WORD.finditer(text, span.start, span.end):
        yield _Span(match.start(), match.end())


def _sentences(text: str, paragraph: _Span) -> Iterator[_Span]:
    """Sentences end at . ! ? … (maybe closed by quotes) followed by whitespace."""
    start: int | None = None
    for word in _words(text, paragraph):
        start = word.start if start is None else start
        if _SENTENCE_END.search(text, word.start, word.end):
            yield _Span(start, word.end)
            start = None
    if start is not None:
        yield _Span(start, paragraph.end)


class _Packer:
    """Greedy packing of spans into parts; private, lives for one split."""

    def __init__(self, text: str, fits: Fits, total: int | None) -> None:
        self.text = text
        self.fits = fits
        self.total = total
        self.parts: list[_Span] = []
        self.current: _Span | None = None

    def _fits(self, start: int, end: int, index: int) -> bool:
        return self.fits(self.text[start:end] + _suffix(index, self.total))

    def _flush(self) -> None:
        if self.current is not None:
            self.parts.append(self.current)
            self.current = None

    def place(self, span: _Span, level: int) -> None:
        """Add a paragraph (level 0), sentence (1) or word (2) to the thread."""
        index = len(self.parts) + 1
        current = self.current
        if current is not None and self._fits(current.start, span.end, index):
            self.current = _Span(current.start, span.end)
            return
        alone = index if current is None else index + 1
        if self._fits(span.start, span.end, alone):
            self._flush()
            self.current = span
        elif level == 0:
            for sentence in _sentences(self.text, span):
                self.place(sentence, level=1)
        elif level == 1:
            for word in _words(self.text, span):
                self.place(word, level=2)
        else:
            self._place_long_word(span)

    def _place_long_word(self, word: _Span) -> None:
        self._flush()
        if _ATOMIC.match(self.text, word.start, word.end):
            self.parts.append(word)  # over the limit: the caller reports it
            return
        start = word.start
        for cluster in _GRAPHEME.finditer(self.text, word.start, word.end):
            index = len(self.parts) + 1
            if cluster.start() > start and not self._fits(start, cluster.end(), index):
                self.parts.append(_Span(start, cluster.start()))
                start = cluster.start()
        self.current = _Span(start, word.end)

    def finish(self) -> list[_Span]:
        self._flush()
        return self.parts
