"""Secrets kept out of every text postgen writes: the ledger, the summary, messages.

A secret can reach a text in many shapes: as it is, escaped by `repr` (an
exception quoting `b'Bearer abc\\n'`) or JSON (once or twice), URL-encoded, HTML-escaped,
base64-encoded (alone or inside a longer encoded value, such as Basic auth),
or cut short by a server that echoes part of it. `Scrubber` removes every
one of these: each form whole, and any run of `PIECE` or more characters of a
form (case-insensitively; `WORD` or more when they are all letters), so a
secret cut short or embedded is removed too.

`problem` says what is wrong with a secret's value before it is ever used: a
value with characters no credential has (non-ASCII, control characters) is
refused, naming the variable, never the value.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

#: Values shorter than this are not scrubbed (they would match ordinary words).
SHORTEST = 4
#: A run of this many characters of a secret's form is scrubbed wherever it appears;
#: a run of letters alone only from `WORD` characters on (a password may hold a word
#: such as "password", which error messages use too).
PIECE = 8
WORD = 12
MASK = "***"


def forms(value: str) -> set[str]:
    """Every shape in which `value` may appear in a text."""
    found = {value, value.strip()}
    for v in list(found):
        data = v.encode("utf-8", "surrogatepass")
        escaped = {repr(v)[1:-1], ascii(v)[1:-1], repr(data)[2:-1], json.dumps(v)[1:-1],
                   json.dumps(v, ensure_ascii=False)[1:-1]}
        twice = {f for e in escaped for f in (repr(e)[1:-1], json.dumps(e)[1:-1])}
        found |= escaped | twice | {quote(v, safe=""), quote(v), quote_plus(v, safe=""),
                                    html.escape(v)}
        found |= set(_base64(data))
    return {f for f in found if len(f) >= SHORTEST}


def _base64(data: bytes) -> Iterable[str]:
    """`data` base64-encoded, at each of the 3 offsets it can have inside a longer value:
    only the characters that depend on `data` alone."""
    for k in range(3):
        bits_before, bits_end = 8 * k, 8 * (k + len(data))
        first, last = -(-bits_before // 6), bits_end // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            yield encode(b"\0" * k + data).decode()[first:last]


class Scrubber:
    """Callable: a text with every form of every secret replaced by `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.whole: list[str] = []
        self.pieces: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        for secret in secrets:
            if len(secret.strip()) < SHORTEST:
                continue
            for form in forms(secret):
                lowered = form.lower()
                self.whole.append(lowered)
                self.pieces |= {p for i in range(len(form) - PIECE + 1)
                                if not (p := lowered[i:i + PIECE]).isalpha()}
                self.pieces |= {lowered[i:i + WORD] for i in range(len(form) - WORD + 1)}
        self.whole.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        if not self.whole or not text:
            return text
        lowered = text.lower()
        hidden = [False] * len(text)
        for form in self.whole:
            start = lowered.find(form)
            while start != -1:
                hidden[start:start + len(form)] = [True] * len(form)
                start = lowered.find(form, start + 1)
        if self.pieces:
            for size in (PIECE, WORD):
                for i in range(len(text) - size + 1):
                    if lowered[i:i + size] in self.pieces:
                        hidden[i:i + size] = [True] * size
        if not any(hidden):
            return text
        out: list[str] = []
        for i, ch in enumerate(text):
            if not hidden[i]:
                out.append(ch)
            elif i == 0 or not hidden[i - 1]:
                out.append(MASK)
        return "".join(out)


def problem(value: str) -> str | None:
    """What makes `value` (already stripped of surrounding white space) unusable as a
    credential, without quoting it; None when it is fine."""
    if not value.isascii():
        return "has a non-ASCII character (a credential is plain ASCII: copy it again)"
    if any(not ch.isprintable() for ch in value):
        return "has a control character, such as a line break, inside it (copy it again)"
    return None
