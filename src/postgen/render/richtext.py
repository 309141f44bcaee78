"""Rich text for the platforms that need more than plain text.

LinkedIn's "little" text format reserves a few characters for its own markup
(mentions, hashtags, templates); every literal one must be escaped with a
backslash or the API silently truncates the post at that character.

Bluesky has no markup at all: links, mentions and hashtags are *facets* that
point into the text by UTF-8 **byte** offsets (`byteStart` inclusive,
`byteEnd` exclusive). A URL without a facet shows as plain, unclickable text.
Reference: /work/shared/reference/platforms.md, the `app.bsky.richtext.facet`
lexicon and the AT Protocol handle syntax.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import regex

from postgen.platforms.urls import extract_hashtags
from postgen.render.model import Facet

__all__ = [
    "LINKEDIN_RESERVED",
    "bluesky_facet_json",
    "bluesky_facets",
    "linkedin_escape",
    "linkedin_hashtags",
    "linkedin_little",
    "linkedin_unescape",
    "utf8_offsets",
]

# -- LinkedIn "little" text ----------------------------------------------------

#: The characters LinkedIn's little text format reserves.
LINKEDIN_RESERVED = "|{}@[]()<>#\\*_~"
_RESERVED_CLASS = "[" + regex.escape(LINKEDIN_RESERVED, special_only=False) + "]"
_LI_ESCAPE = regex.compile(_RESERVED_CLASS)
_LI_UNESCAPE = regex.compile(r"\\(" + _RESERVED_CLASS + r")|\{hashtag\|([#\uff03])\|([^|{}\\]+)\}")


def linkedin_escape(text: str) -> str:
    r"""`text` as a literal in LinkedIn's little text format.

    Every reserved character (`| { } @ [ ] ( ) < > # \ * _ ~`) gets a
    backslash in front. One left-to-right pass, so a backslash in the text
    becomes `\\` and nothing is escaped twice. Mentions (`@[Name](urn:...)`)
    are not supported yet: a literal `@` is escaped and shows as an `@`.
    """
    escaped: str = _LI_ESCAPE.sub(r"\\\g<0>", text)
    return escaped


def linkedin_hashtags(text: str) -> list[tuple[int, int]]:
    """The spans (from the sign) `linkedin_little` sends as hashtags: twitter-text's
    hashtags whose value holds no reserved character (`#cold_brew` stays literal)."""
    return [(h.start, h.end) for h in extract_hashtags(text)
            if _LI_ESCAPE.search(h.text) is None]


def linkedin_little(text: str) -> str:
    """`text` as LinkedIn's commentary: its hashtags as HashtagTemplates
    (`{hashtag|#|coffee}`, which LinkedIn shows as a clickable `#coffee`), everything
    else escaped as a literal (`linkedin_escape`)."""
    out: list[str] = []
    pos = 0
    for start, end in linkedin_hashtags(text):
        out += [linkedin_escape(text[pos:start]),
                f"{{hashtag|{text[start]}|{text[start + 1:end]}}}"]
        pos = end
    out.append(linkedin_escape(text[pos:]))
    return "".join(out)


def linkedin_unescape(text: str) -> str:
    """The text LinkedIn shows for commentary `linkedin_little` wrote: a backslash
    before a reserved character goes, a HashtagTemplate is its sign and value."""
    unescaped: str = _LI_UNESCAPE.sub(lambda m: m.group(1) or m.group(2) + m.group(3), text)
    return unescaped


# -- offsets -------------------------------------------------------------------


def utf8_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Code point offsets `[start, end)` in `text` as UTF-8 byte offsets."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}..{end} is outside a text of length {len(text)}")
    byte_start = len(text[:start].encode("utf-8"))
    return byte_start, byte_start + len(text[start:end].encode("utf-8"))


# -- Bluesky facets ------------------------------------------------------------

# A bare http(s) URL: ASCII URL characters, or non-ASCII letters, marks and
# digits (internationalised paths); it stops at spaces, quotes, angle
# brackets and non-ASCII punctuation or symbols (a CJK full stop, an emoji).
_URL = regex.compile(
    r"(?<![A-Za-z0-9_])(?i:https?)://(?=[\p{L}\p{N}\[])"
    r"(?:[!#-;=?-~]|[^\x00-\x7F\s\p{P}\p{Z}\p{C}\p{S}])+"
)
_URL_TRAILING = ".,;:!?'"
_URL_CLOSERS = {")": "(", "]": "[", "}": "{"}

# A handle is a domain name: two or more labels of letters, digits and inner
# hyphens. It must not be glued to a word, an email address or a path.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MENTION = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}_@./-])@(?P<handle>{_LABEL}(?:\.{_LABEL})+)"
    r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
)
#: Top-level domains the AT Protocol refuses in handles.
_BAD_TLDS = frozenset({"alt", "arpa", "example", "internal", "invalid", "local", "localhost",
                       "onion"})

_TAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_#＃&])[#＃](?P<tag>[\p{L}\p{M}\p{N}_]+)")
_TAG_MAX_GRAPHEMES = 64
_LETTER = regex.compile(r"[\p{L}\p{M}]")
_GRAPHEME = regex.compile(r"\X")
_TAG_MAX_BYTES = 640


def bluesky_facets(text: str, links: Sequence[tuple[int, int, str]]) -> tuple[Facet, ...]:
    """Every facet of `text`: links, bare URLs, mentions and hashtags.

    `links` are the links the markup module found: the code point span of
    the visible text and the target URI (the visible text may differ from
    it). Empty spans are skipped; a span outside the text, or two given links
    that overlap, raise `ValueError`. Then, in that order of precedence and
    only where they overlap nothing found before: bare `http(s)://` URLs,
    mentions `@handle.domain` (value: the lowercased handle, which the
    publisher resolves to a DID) and hashtags `#tag` (value without `#`).
    Offsets are UTF-8 bytes, end exclusive; the result is sorted by start.
    """
    taken = _Taken(len(text))
    found: list[tuple[int, int, str, str]] = []
    for start, end, uri in _given(text, links):
        if not taken.claim(start, end):
            raise ValueError(f"the links at {start}..{end} overlap another link")
        found.append((start, end, "link", uri))
    for detector in (_bare_urls, _mentions, _tags):
        for start, end, kind, value in detector(text):
            if taken.claim(start, end):
                found.append((start, end, kind, value))
    found.sort()
    facets: list[Facet] = []
    at = byte_at = 0  # UTF-8 offsets counted on from the facet before (none overlap)
    for start, end, kind, value in found:
        byte_at += len(text[at:start].encode("utf-8"))
        width = len(text[start:end].encode("utf-8"))
        facets.append(Facet(byte_at, byte_at + width, kind, value))
        byte_at, at = byte_at + width, end
    return tuple(facets)


def bluesky_facet_json(f: Facet) -> dict[str, object]:
    """One facet as `app.bsky.richtext.facet` JSON.

    A mention's `did` is `handle:<handle>` until the publisher resolves the
    handle (a value that already is a `did:` is kept as it is).
    """
    feature: dict[str, object]
    if f.kind == "link":
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": f.value}
    elif f.kind == "mention":
        did = f.value if f.value.startswith("did:") else f"handle:{f.value}"
        feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
    elif f.kind == "tag":
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": f.value}
    else:
        raise ValueError(f"unknown facet kind {f.kind!r}")
    return {"index": {"byteStart": f.byte_start, "byteEnd": f.byte_end}, "features": [feature]}


# -- detectors: code point spans ---------------------------------------------------


def _given(text: str, links: Sequence[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    for start, end, uri in sorted(links):
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"link span {start}..{end} is outside a text of length {len(text)}")
        if start < end:
            yield start, end, uri


class _Taken:
    """Which code points a facet holds already. A claim looks only at its own span, and
    no two claims that succeed share a code point (nor do two spans one detector
    finds): all the looking costs a few passes over the text, however many facets."""

    def __init__(self, length: int) -> None:
        self.held = bytearray(length)

    def claim(self, start: int, end: int) -> bool:
        """Take [start, end) unless part of it is taken already."""
        if self.held.find(1, start, end) != -1:
            return False
        self.held[start:end] = b"\x01" * (end - start)
        return True


def _bare_urls(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in _URL.finditer(text):
        url = _trim_url(m.group())
        yield m.start(), m.start() + len(url), "link", url


def _trim_url(url: str) -> str:
    """Without the punctuation that ends a sentence, or a bracket it did not open."""
    while url[-1] in _URL_TRAILING or _unopened(url, url[-1]):
        url = url[:-1]
    return url


def _unopened(url: str, last: str) -> bool:
    return last in _URL_CLOSERS and url.count(_URL_CLOSERS[last]) < url.count(last)


def _mentions(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in _MENTION.finditer(text):
        handle = m.group("handle").lower()
        tld = handle.rsplit(".", 1)[1]
        if len(handle) <= 253 and tld[0].isalpha() and tld not in _BAD_TLDS:
            yield m.start(), m.end(), "mention", handle


def _tags(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in _TAG.finditer(text):
        tag = m.group("tag").rstrip("_")
        if _is_tag(tag):
            yield m.start(), m.start("tag") + len(tag), "tag", tag


def _is_tag(tag: str) -> bool:
    return (
        _LETTER.search(tag) is not None
        and len(_GRAPHEME.findall(tag)) <= _TAG_MAX_GRAPHEMES
        and len(tag.encode("utf-8")) <= _TAG_MAX_BYTES
    )
