"""URL, mention and hashtag extraction with indices, the way the platforms find them.

URLs follow twitter-text 3.1.0 (``extractUrlsWithIndices``), whose grammar X uses
to give every URL a fixed weight: a scheme-less URL counts only when its last
label is a valid TLD (``tlds.txt``) and it has an ASCII domain; every label must
punycode-encode to 1-63 characters; a t.co link stops at its slug. The
``mastodon`` flavour is Mastodon's variant of the same grammar
(``config/initializers/twitter_regex.rb``): more schemes and looser path
characters. Mentions follow Mastodon's ``Account::MENTION_RE`` (``@user`` and
``@user@domain``); hashtags a twitter-text style letters-and-digits rule.

Indices are code point offsets into the text given, end exclusive.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import stringprep
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import regex

Flavour = Literal["twitter", "mastodon"]

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63

_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_SPACES = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_MASTODON_SCHEMES = ("https?", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "gemini")
# Mastodon's UCHARS: the non-ASCII characters RFC 3987 allows in a query.
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)


@dataclass(frozen=True)
class Entity:
    """A URL, mention or hashtag found in a text: its text and [start, end) offsets."""

    text: str
    start: int
    end: int


@functools.cache
def tlds() -> tuple[frozenset[str], frozenset[str]]:
    """The valid TLDs (lower case, Unicode form): (generic, country code)."""
    data = resources.files(__package__).joinpath("tlds.txt").read_text(encoding="utf-8")
    lists: dict[str, set[str]] = {"g": set(), "cc": set()}
    current = lists["g"]
    for line in data.splitlines():
        line = line.strip()
        if line == "# ccTLDs":
            current = lists["cc"]
        elif line and not line.startswith("#"):
            current.add(line.lower())
    return frozenset(lists["g"]), frozenset(lists["cc"])


def _char_set(cls: str) -> frozenset[str]:
    """The characters of a character class body such as ``a-c\u2000-\u200a``."""
    chars: set[str] = set()
    i = 0
    while i < len(cls):
        if i + 2 < len(cls) and cls[i + 1] == "-":
            chars.update(chr(c) for c in range(ord(cls[i]), ord(cls[i + 2]) + 1))
            i += 3
        else:
            chars.add(cls[i])
            i += 1
    return frozenset(chars)


# Characters a domain label may not contain (twitter-text's invalidDomainChars).
_NOT_DOMAIN = (frozenset("!'#%&()*+,\\-./:;<=>?@[]^_{|}~$")
               | _char_set(_SPACES) | _char_set(_INVALID) | _char_set(_DIRECTIONAL))
# Characters that may not come right before a URL.
_NOT_BEFORE = frozenset("@\uff20$#\uff03" + _INVALID + "0123456789"
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LABEL = (frozenset("-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                | _char_set(_LATIN_ACCENTS))
_NOT_AFTER_TLD = frozenset("@+-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Mastodon runs twitter-text's Ruby gem, whose domain characters also exclude '"',
# '`' and control characters, and whose punycode TLD has no "-" after "xn--".
_NOT_DOMAIN_RUBY = _NOT_DOMAIN | frozenset('"`\x7f') | frozenset(map(chr, range(32)))
_PUNYCODE = {"twitter": regex.compile(r"xn--[\-0-9a-z]+", regex.IGNORECASE),
             "mastodon": regex.compile(r"xn--[0-9a-z]+", regex.IGNORECASE)}


@dataclass(frozen=True)
class _Charset:
    """What a label may not hold: anywhere at its ends (``edge``), inside a subdomain
    label (which may hold "_" and "-") and inside a domain name label ("-")."""

    edge: frozenset[str]
    sub: frozenset[str]
    name: frozenset[str]
    punycode: regex.Pattern[str]


_CHARSETS = {flavour: _Charset(chars, chars - frozenset("_-"), chars - frozenset("-"),
                               _PUNYCODE[flavour])
             for flavour, chars in (("twitter", _NOT_DOMAIN), ("mastodon", _NOT_DOMAIN_RUBY))}


def _prefix_counts(flags: Iterable[bool]) -> list[int]:
    """``[0, f0, f0 + f1, ...]``: how many flags are true before each index."""
    return list(itertools.accumulate(flags, initial=0))


def _next_dots(text: str) -> list[int]:
    """For each index 0..len(text), the index of the first "." at or after it (else
    len(text)); filled a run at a time, as a token has few dots."""
    found: list[int] = []
    at = 0
    dot = text.find(".")
    while dot >= 0:
        found.extend([dot] * (dot - at + 1))
        at = dot + 1
        dot = text.find(".", at)
    found.extend([len(text)] * (len(text) - at + 1))
    return found


class _Domains:
    """Domain matching over one text, as twitter-text's regex does it but in linear time.

    The regex is ``(subdomain.)* domain_name. tld``: every label runs to the next dot,
    so its greedy backtracking amounts to "the last label of the run of valid labels
    that is followed by a TLD". Results are memoised per label start, so a text of
    thousands of labels (``a.a.a...``) costs no more than it is long.
    """

    def __init__(self, text: str, flavour: Flavour = "twitter") -> None:
        self.text = text
        self.chars = chars = _CHARSETS[flavour]
        self.next_dot = _next_dots(text)
        # Prefix counts of characters a label may not hold, built by C-level iteration
        # (a Python loop per character was most of the cost of finding URLs).
        self.bad_sub = _prefix_counts(map(chars.sub.__contains__, text))
        self.bad_name = _prefix_counts(map(chars.name.__contains__, text))
        self.bad_ascii = _prefix_counts(map(operator.not_, map(_ASCII_LABEL.__contains__, text)))
        self._best: dict[int, int | None] = {}
        self._best_ascii: dict[int, int | None] = {}
        self._tld: dict[int, int] = {}

    def _label(self, s: int, bad: list[int], edges: bool) -> int | None:
        """End of the label at ``s`` if it is valid and a dot follows, else None."""
        e = self.next_dot[s]
        if e >= len(self.text) or e == s or bad[e] - bad[s]:
            return None
        if edges and (self.text[s] in self.chars.edge or self.text[e - 1] in self.chars.edge):
            return None
        return e

    def tld(self, s: int) -> int:
        """Length of the TLD at ``s`` (0 if none): generic first, then country code,
        each longest first, then punycode."""
        if s in self._tld:
            return self._tld[s]
        text = self.text
        found = 0
        for names in tlds():
            for length in _tld_lengths():
                word = text[s:s + length]
                if (len(word) == length and word.lower() in names
                        and text[s + length:s + length + 1] not in _NOT_AFTER_TLD):
                    found = length
                    break
            if found:
                break
        else:
            m = self.chars.punycode.match(text, s)
            found = m.end() - s if m else 0
        self._tld[s] = found
        return found

    def end(self, s: int) -> int | None:
        """End of the domain starting at ``s``, or None."""
        k = self._last_good(s)
        if k is None:
            return None
        after = self.next_dot[k] + 1
        return after + self.tld(after)

    def _last_good(self, s: int) -> int | None:
        chain: list[int] = []
        while s not in self._best:
            chain.append(s)
            e = self._label(s, self.bad_sub, edges=True)
            if e is None:
                self._best[s] = None
                chain.pop()
                break
            s = e + 1
        best = self._best[s]
        for k in reversed(chain):
            if best is None and self._label(k, self.bad_name, edges=True) is not None:
                nxt = self.next_dot[k] + 1
                best = k if self.tld(nxt) else None
            self._best[k] = best
        return best

    def ascii_domains(self) -> list[tuple[int, int]]:
        """Spans of twitter-text's ``validAsciiDomain`` matches in the text, in order."""
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(self.text):
            t = self._last_ascii_tld(i)
            if t is None:
                i += 1
                continue
            found.append((i, t + self.tld(t)))
            i = t + self.tld(t)
        return found

    def _last_ascii_tld(self, s: int) -> int | None:
        """Start of the TLD ending ``(label.)+ tld`` from ``s``: the last that works."""
        chain: list[int] = []
        while s not in self._best_ascii:
            e = self._label(s, self.bad_ascii, edges=False)
            if e is None:
                self._best_ascii[s] = None
                break
            chain.append(s)
            s = e + 1
        best = self._best_ascii[s]
        for k in reversed(chain):
            nxt = self.next_dot[k] + 1
            if best is None and self.tld(nxt):
                best = nxt
            self._best_ascii[k] = best
        return best


@functools.cache
def _tld_lengths() -> tuple[int, ...]:
    generic, country = tlds()
    return tuple(sorted({len(t) for t in generic | country}, reverse=True))


@functools.cache
def _grammar(flavour: Flavour) -> tuple[regex.Pattern[str], ...]:
    """(scheme, what follows the domain, t.co URL) for a flavour."""
    if flavour == "twitter":
        scheme = r"https?://"
        pc = rf"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
        parens = rf"\((?:{pc}+|(?:{pc}*\({pc}+\){pc}*))\)"
        # twitter-text splices the ending "[...]|(?:parens)" in ungrouped, so a bare
        # balanced parenthesis is an alternative of its own: kept as it is.
        ending = rf"[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]"
        path = rf"(?:(?:{pc}*(?:{parens}{pc}*)*{ending}|(?:{parens}))|(?:@{pc}+/))"
        query = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
        query_end = r"[a-z0-9\-_&=#/]"
    else:
        scheme = "(?:" + "|".join(_MASTODON_SCHEMES) + ")://"
        pc = r"[^\p{White_Space}<>()?]"
        parens = rf"\((?:{pc}+|(?:{pc}*\({pc}+\){pc}*))\)"
        # Mastodon redefines the ending before the parentheses, so its parentheses
        # alternative is still the Ruby gem's, built on the gem's path characters.
        gem_pc = rf"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]"
        gem_parens = rf"\((?:{gem_pc}+|(?:{gem_pc}*\({gem_pc}+\){gem_pc}*))\)"
        ending = rf"""[^\p{{White_Space}}()?!*"'「」<>;:=,.$%\[\]~&|@]|(?:{gem_parens})"""
        path = rf"(?:(?:{pc}*(?:{parens}{pc}*)*(?:{ending}))|(?:{pc}+/))"
        query = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^{_UCHARS}]"
        query_end = rf"[a-z0-9_&=#/\-{_UCHARS}]"
    flags = regex.IGNORECASE | regex.V0
    rest = rf"(?::[0-9]+)?(/{path}*)?(?:\?{query}*{query_end})?"
    # The Ruby gem's t.co URL stops at its slug; the JavaScript one keeps a query.
    tco = r"https?://t\.co/([a-z0-9]+)" + ("" if flavour == "mastodon"
                                           else rf"(?:\?{query}*{query_end})?")
    return (regex.compile(scheme, flags), regex.compile(rest, flags), regex.compile(tco, flags))


_LABEL_SEPARATORS = regex.compile("[\u3002\uff0e\uff61]")
_NON_ASCII = regex.compile(r"[^\x20-\x7e]")


def _punycode_length(label: str) -> int:
    """Length of ``label`` after IDNA ToASCII as punycode.js 1.4.1 does it (no nameprep)."""
    parts = _LABEL_SEPARATORS.split(label)
    encoded = [("xn--" + p.encode("punycode").decode("ascii")) if _NON_ASCII.search(p) else p
               for p in parts]
    return len(".".join(encoded))


def _valid_domain(domain: str, url_length: int, flavour: Flavour) -> bool:
    """twitter-text's ``isValidUrl`` (JavaScript) or the Ruby gem's ``is_valid_domain``."""
    if flavour == "mastodon":
        # IDNA2003 ToASCII as libidn does it for the gem (Python's "idna" codec, which
        # also allows code points unassigned in Unicode 3.2; libidn refuses them): a
        # domain it refuses is no URL; a longer ASCII form lengthens the URL.
        if not domain.isascii() and any(map(stringprep.in_table_a1, domain)):
            return False
        try:
            ascii_length = len(domain.encode("idna"))
        except UnicodeError:
            return False
        return url_length + max(ascii_length - len(domain), 0) <= MAX_URL_LENGTH
    if domain[:4] == "xn--" and not _Domains(domain).ascii_domains():
        return False
    return all(0 < _punycode_length(label) <= MAX_DOMAIN_LABEL_LENGTH
               for label in domain.split("."))


def _match(text: str, q: int, domains: _Domains, scheme_re: regex.Pattern[str],
           rest_re: regex.Pattern[str]) -> tuple[int, int, str, int, str] | None:
    """The URL starting at ``q``: (start, end, scheme, domain end, path), or None."""
    s = scheme_re.match(text, q)
    scheme = s.group(0) if s is not None else ""
    end = domains.end(q + len(scheme)) if scheme else None
    if end is None:
        scheme, end = "", domains.end(q)
        if end is None:
            return None
    rest = rest_re.match(text, end)  # all optional: it always matches
    assert rest is not None
    return q, rest.end(), scheme, end, rest.group(1) or ""


# What a white-space-separated token needs to hold a URL: without a scheme, a TLD,
# which starts with a letter right after a dot ("coffee." or "3.5" cannot hold one);
# with a scheme, the scheme's "://".
_MARKS = {True: regex.compile(r"\.\p{L}"), False: regex.compile("://")}
# Mastodon's query may hold any white space from U+00A0 up (its UCHARS): only ASCII
# white space and U+0085 end a URL there.
_TOKEN = {"twitter": r"\S*", "mastodon": r"[^\t\n\x0b\x0c\r \x85]*"}
_NON_SPACE = {f: regex.compile(p) for f, p in _TOKEN.items()}
_NON_SPACE_BEFORE = {f: regex.compile(p, regex.REVERSE) for f, p in _TOKEN.items()}


def _candidate_tokens(text: str, without_scheme: bool,
                      flavour: Flavour) -> Iterator[tuple[int, str]]:
    """(offset, token) of each white-space-separated token that can hold a URL.

    Found from the mark outwards: one anchored regex over the whole text was as slow
    as the token scan it replaced, and the marks are rare.
    """
    end = 0
    for mark in _MARKS[without_scheme].finditer(text):
        if mark.start() < end:
            continue  # a second mark in a token already given
        before = _NON_SPACE_BEFORE[flavour].match(text, 0, mark.start())
        after = _NON_SPACE[flavour].match(text, mark.start())
        assert before is not None and after is not None  # \S* always matches
        end = after.end()
        yield before.start(), text[before.start():end]


def extract_urls(text: str, *, without_scheme: bool = True,
                 flavour: Flavour = "twitter") -> list[Entity]:
    """Every URL in ``text`` as twitter-text finds it (or Mastodon, for that flavour).

    ``without_scheme`` also finds ``example.com`` (valid TLD, ASCII domain, not
    preceded by ``-_./``), as X counts them; Mastodon counts only URLs with a scheme.

    A URL never holds white space and always holds a dot (its TLD), and white
    space may precede one, so only the space-separated tokens that can hold one
    are scanned, each on its own: the scan is per character in Python, and most
    of a post is words. A token's URLs are memoised: splitting a thread counts
    the same tokens again in every candidate part.
    """
    found: list[Entity] = []
    if not text or ("." if without_scheme else "://") not in text:
        return found
    for offset, token in _candidate_tokens(text, without_scheme, flavour):
        found.extend(Entity(e.text, e.start + offset, e.end + offset)
                     for e in _token_urls(token, without_scheme, flavour, offset == 0))
    return found


@functools.lru_cache(maxsize=8192)
def _token_urls(token: str, without_scheme: bool, flavour: Flavour,
                at_start: bool = True) -> tuple[Entity, ...]:
    """The URLs in one white-space-free token (offsets into the token); ``at_start``:
    the token starts the text, else white space precedes it."""
    return tuple(_extract_urls(token, without_scheme, flavour, at_start))


def _extract_urls(text: str, without_scheme: bool, flavour: Flavour,
                  at_start: bool = True) -> list[Entity]:
    if not text or ("." not in text if without_scheme else ":" not in text):
        return []
    scheme_re, rest_re, tco = _grammar(flavour)
    domains = _Domains(text, flavour)
    found: list[Entity] = []
    p = 0
    while p < len(text):
        # Where twitter-text's regex tries next: a character that may precede a URL
        # and the URL after it. At the very start of the text it tries that first and
        # then a URL at 0; after white space (a token's start), a URL at 0 first.
        # twitter-text's JavaScript steps over UTF-16 units: after the high surrogate of
        # an astral character, a scheme-less URL may start at its low surrogate.
        m = None
        if p == 0 and not at_start:
            m = _match(text, 0, domains, scheme_re, rest_re)
        mid_char = m is None and flavour == "twitter" and ord(text[p]) > 0xFFFF
        if mid_char:
            m = _match(text, p, domains, scheme_re, rest_re)
            mid_char = m is not None
        if m is None and text[p] not in _NOT_BEFORE:
            m = _match(text, p + 1, domains, scheme_re, rest_re)
        if m is None and p == 0 and at_start:
            m = _match(text, 0, domains, scheme_re, rest_re)
        if m is None:
            p += 1
            continue
        start, end, scheme, domain_end, path = m
        p = end
        domain = text[start + len(scheme):domain_end]
        url = text[start:end]
        if not _valid_domain(domain, len(url), flavour) or (
                flavour == "twitter" and len(scheme or "https://") + len(url) > MAX_URL_LENGTH):
            continue
        if scheme:
            t = tco.match(url)
            if t:
                if len(t.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url, end = t.group(0), start + len(t.group(0))
            found.append(Entity(url, start, end))
            continue
        if not without_scheme or (start > 0 and text[start - 1] in "-_./" and not mid_char):
            continue
        spans = _Domains(domain).ascii_domains()
        cursor = 0
        for a, b in spans:
            # twitter-text places each one with indexOf from the last one's end
            name = domain[a:b]
            at = domain.index(name, cursor)
            cursor = at + len(name)
            found.append(Entity(name, start + at, start + cursor))
        if spans and path:
            last = found[-1]
            found[-1] = Entity(url.replace(domain, last.text, 1), last.start, end)
    return found


# Ruby's [[:word:]]: letters, marks, decimal digits, connector punctuation (Python's \w
# also takes the joiners U+200C/U+200D and other alphabetics).
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION = regex.compile(
    rf"(?<![=/]|{_WORD})@((?i:[a-z0-9_]+(?:[.\-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.\-]+{_WORD}+)*)?)"
)
MAX_MENTION_DOMAIN_LENGTH = 253  # Mastodon's Extractor: a longer domain is no mention
_END_MENTION = regex.compile(f"[@\uff20{_LATIN_ACCENTS}]|://")
_HASHTAG = regex.compile(
    r"(?<![&\p{L}\p{M}\p{Nd}_\u200c\u200d#\uff03])[#\uff03](?![\ufe0f\u20e3])"
    r"([\p{L}\p{M}\p{Nd}_\u200c\u200d]*[\p{L}\p{M}][\p{L}\p{M}\p{Nd}_\u200c\u200d]*)"
    r"(?![#\uff03]|://)"
)


def extract_mentions(text: str) -> list[Entity]:
    """``@user`` and ``@user@domain`` mentions (Mastodon's ``MENTION_RE``); text without '@'."""
    found: list[Entity] = []
    for m in _MENTION.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        if len(m.group(1).partition("@")[2]) > MAX_MENTION_DOMAIN_LENGTH:
            continue
        found.append(Entity(m.group(1), m.start(), m.end()))
    return found


def extract_hashtags(text: str) -> list[Entity]:
    """Hashtags (text without '#'): letters, marks, digits and '_', at least one letter,
    not inside a URL."""
    urls = extract_urls(text)  # in order, none overlapping
    starts = [u.start for u in urls]

    def in_url(at: int) -> bool:
        i = bisect.bisect_right(starts, at) - 1
        return i >= 0 and at < urls[i].end

    return [Entity(m.group(1), m.start(), m.end()) for m in _HASHTAG.finditer(text)
            if not in_url(m.start())]


def remove_overlapping(entities: list[Entity]) -> list[Entity]:
    """Entities sorted by start, each one dropped that overlaps one kept before it."""
    kept: list[Entity] = []
    for e in sorted(entities, key=lambda e: e.start):
        if not kept or kept[-1].end <= e.start:
            kept.append(e)
    return kept
