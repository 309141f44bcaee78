"""Text length exactly as each platform counts it, and one entry point, :func:`count`.

Per counting rule (``PlatformRules.counting``):

- ``twitter-weighted`` (X): twitter-text v3 ``parseTweet``. NFC first; each URL
  (with a scheme, or without one if its TLD is valid) weighs ``url_length``;
  each emoji sequence in twitter-text's own list (twemoji-parser 11, the Emoji 11
  set, kept in ``twemoji.txt``) weighs the default weight as a unit; a newer or
  non-standard sequence is weighed code point by code point; other code points
  weigh by the configured ranges (astral ones, as UTF-16 low surrogates, never
  fall in a range). CRLF is two code points and weighs 2, as in the reference.
  U+FFFE, U+FEFF, U+FFFF make the text invalid. Ranges are UTF-16 indices.
- ``graphemes-mastodon``: Mastodon's ``StatusLengthValidator`` (Mastodon 4.5 on
  Ruby 3.4): content warning and text stripped of ASCII white space, then extended
  grapheme clusters (Unicode 15.0: no Indic-conjunct rule) of content warning +
  text, where each URL with a scheme is ``url_length`` x's and ``@user@domain`` is
  ``@user`` (URLs and mentions found as Mastodon finds them: ``urls.py``).
- ``bluesky``: graphemes (``text_limit``) and UTF-8 bytes (``byte_limit``).
- ``threads``: code points, except that each emoji sequence counts its UTF-8
  bytes (platforms.md: "emoji counted as their UTF-8 bytes"): an emoji of four
  UTF-8 bytes counts 4, a ZWJ family 25. Links: distinct URLs (scheme,
  host lower-cased; trailing "/" ignored), including ones without a scheme.
- ``linkedin``, ``chars`` (Facebook, Instagram, Pinterest): UTF-16 code units.
  The platforms do not say which unit; UTF-16 units (what a JavaScript counter
  reports) are never fewer than code points, so the limit is never overrun.
  LinkedIn is counted over the text before its "little" format escaping.
- ``sms``: Twilio's sms-segments-calculator 1.3.0. GSM-7 septets (extension
  characters take 2) or, if any character is outside GSM-7, UCS-2 (UTF-16 units);
  parts are filled in order, a part never splitting a grapheme cluster (so neither
  an escape nor a surrogate pair). Clusters are the calculator's: Unicode 10.0
  rules as its grapheme-splitter applies them (``sms_graphemes``), with CR LF as
  two, so a ZWJ sequence of later emoji or an Indic conjunct may be cut.
- ``email``: the longest body line in UTF-8 octets against the 998 MUST, every
  line in characters against the 78 SHOULD, the subject in characters.

Graphemes are the ``regex`` package's ``\\X`` (current Unicode), except for SMS.
"""

from __future__ import annotations

import functools
import itertools
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import regex

from postgen.platforms import PlatformRules, SmsRules, Weighting, get_platform, sms_graphemes
from postgen.platforms.urls import Entity, extract_mentions, extract_urls, remove_overlapping

_GRAPHEME = regex.compile(r"\X")
_ELEMENT = (
    r"(?:[#*0-9]\ufe0f?\u20e3|\p{Regional_Indicator}\p{Regional_Indicator}"
    r"|[\p{Extended_Pictographic}\p{Emoji_Presentation}]"
    r"(?:\p{Emoji_Modifier}|\ufe0f|[\U000e0020-\U000e007e]+\U000e007f)?)"
)
_EMOJI = regex.compile(rf"{_ELEMENT}(?:\u200d{_ELEMENT})*")
_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_INVALID = frozenset("\ufffe\ufeff\uffff")
_LINE_BREAK = regex.compile(r"\r\n|\r|\n")


def graphemes(text: str) -> int:
    """Extended grapheme clusters (``regex`` ``\\X``, current Unicode)."""
    if text.isascii():  # in ASCII only CR LF is one cluster of two: no scan needed
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def utf16_length(text: str) -> int:
    """UTF-16 code units: astral code points count 2."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


@functools.cache
def _twemoji() -> tuple[dict[str, bool], int, regex.Pattern[str]]:
    """twitter-text's emoji list: {sequence: only when U+FE0E does not follow}, the
    longest sequence's length, and a pattern finding where one may start."""
    data = resources.files(__package__).joinpath("twemoji.txt").read_text(encoding="utf-8")
    seqs: dict[str, bool] = {}
    for line in data.splitlines():
        if line and not line.startswith("#"):
            *points, last = line.split()
            not_text = last == "!FE0E"
            if not not_text:
                points.append(last)
            seqs["".join(chr(int(p, 16)) for p in points)] = not_text
    firsts = sorted({ord(s[0]) for s in seqs})
    ranges = []  # runs of consecutive code points: a short class compiles fast
    for _, run in itertools.groupby(enumerate(firsts), lambda pair: pair[1] - pair[0]):
        run_points = [cp for _, cp in run]
        ranges.append(f"\\U{run_points[0]:08x}-\\U{run_points[-1]:08x}")
    return seqs, max(map(len, seqs)), regex.compile(f"[{''.join(ranges)}]")


def twemoji_sequences(text: str) -> list[Entity]:
    """Emoji as twitter-text 3.1.0 finds them: from the left, the longest sequence of
    its list at each place (its expression lists longer sequences first)."""
    seqs, longest, starts = _twemoji()
    found: list[Entity] = []
    at = 0
    for m in starts.finditer(text):
        i = m.start()
        if i < at:
            continue
        for n in range(min(longest, len(text) - i), 0, -1):
            not_text = seqs.get(text[i:i + n])
            if not_text is None or (not_text and text[i + n:i + n + 1] == "\ufe0e"):
                continue
            found.append(Entity(text[i:i + n], i, i + n))
            at = i + n
            break
    return found


def emoji_sequences(text: str) -> list[Entity]:
    """Emoji sequences: ZWJ sequences, flags, keycaps, tag sequences, modifier and
    presentation sequences, and single default-emoji characters (not ``©`` alone)."""
    return [Entity(m.group(0), m.start(), m.end()) for m in _EMOJI.finditer(text)
            if len(m.group(0)) > 1 or _PRESENTATION.match(m.group(0))]


# --- X -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TwitterParse:
    """twitter-text ``parseTweet``'s result; ranges are inclusive UTF-16 indices."""

    weighted_length: int
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int

    def as_dict(self) -> dict[str, object]:
        """The result under twitter-text's (camelCase) names."""
        return {"weightedLength": self.weighted_length, "valid": self.valid,
                "permillage": self.permillage, "displayRangeStart": self.display_range_start,
                "displayRangeEnd": self.display_range_end,
                "validRangeStart": self.valid_range_start, "validRangeEnd": self.valid_range_end}


def twitter_weighted_length(text: str, rules: PlatformRules | None = None, *,
                            emoji_parsing: bool | None = None) -> TwitterParse:
    """X's weighted length of ``text`` (twitter-text v3 by default; ``emoji_parsing=False``
    is config v2)."""
    rules = rules or get_platform("x")
    w = rules.weighting
    if w is None:
        raise ValueError(f"{rules.name} has no weighting")
    emoji = w.emoji_parsing if emoji_parsing is None else emoji_parsing
    max_length = rules.text_limit if rules.text_limit is not None else 280
    url_weight = (rules.url_length or 0) * w.scale
    norm = unicodedata.normalize("NFC", text)
    # twitter-text steps over the text a URL, an emoji sequence or a code point at a
    # time, URLs first; an entity starting inside one already stepped over is skipped.
    entities = {e.start: (e.end, w.default_weight) for e in twemoji_sequences(norm)} if emoji \
        else {}
    entities.update({e.start: (e.end, url_weight) for e in extract_urls(norm)})
    tally = _Tally(norm, _weights(w), max_length * w.scale)
    for start in sorted(entities):
        if start >= tally.at:
            end, weight = entities[start]
            tally.code_points(start)
            tally.step(end, weight, utf16_length(norm[start:end]))
    tally.code_points(len(norm))
    weighted = tally.total // w.scale
    return TwitterParse(
        weighted_length=weighted,
        valid=tally.valid and 0 < weighted <= max_length,
        permillage=math.floor(tally.total / w.scale / max_length * 1000),
        display_range_start=0,
        display_range_end=max(utf16_length(text) - 1, 0),
        valid_range_start=0,
        valid_range_end=tally.valid_end + utf16_length(text) - utf16_length(norm),
    )


_ASTRAL = regex.compile("[\U00010000-\U0010ffff]")
_INVALID_CHAR = regex.compile("[\ufffe\ufeff\uffff]")


@dataclass(frozen=True)
class _Weights:
    """A :class:`Weighting` compiled to weigh a run of code points with a few regex scans
    instead of one Python call per code point."""

    weighting: Weighting
    #: (runs of BMP code points of one weight other than the default, weight - default)
    classes: tuple[tuple[regex.Pattern[str], int], ...]
    #: An astral code point weighs as its low surrogate: False if all of those weigh
    #: the default (twitter-text's ranges), so astral code points need no look.
    astral_varies: bool
    lightest: int
    heaviest: int

    def weigh(self, text: str, start: int, end: int) -> int:
        """The summed weight of the code points ``text[start:end]``."""
        default = self.weighting.default_weight
        total = default * (end - start)
        for runs, extra in self.classes:
            total += extra * sum(map(len, runs.findall(text, start, end)))
        if self.astral_varies:
            total += sum(_weight(self.weighting, ord(ch)) - default
                         for ch in _ASTRAL.findall(text, start, end))
        return total


def _weight(w: Weighting, cp: int) -> int:
    """One code point's weight, as twitter-text finds it."""
    if cp > 0xFFFF:  # twitter-text weighs the low surrogate
        cp = 0xDC00 + ((cp - 0x10000) & 0x3FF)
    for r in w.ranges:
        if r.start <= cp <= r.end:
            return r.weight
    return w.default_weight


@functools.lru_cache(maxsize=8)
def _weights(w: Weighting) -> _Weights:
    # Between two range edges every BMP code point weighs the same.
    edges = sorted({0, 0x10000} | {min(max(x, 0), 0x10000) for r in w.ranges
                                    for x in (r.start, r.end + 1)})
    spans: dict[int, list[str]] = {}
    low_surrogates: set[int] = set()
    for a, b in itertools.pairwise(edges):
        weight = _weight(w, a)
        spans.setdefault(weight, []).append(f"\\U{a:08x}-\\U{b - 1:08x}")
        if a <= 0xDFFF and b > 0xDC00:
            low_surrogates.add(weight)
    classes = tuple((regex.compile(f"[{''.join(s)}]+"), weight - w.default_weight)
                    for weight, s in spans.items() if weight != w.default_weight)
    return _Weights(w, classes, low_surrogates != {w.default_weight},
                    min(spans), max(spans))


class _Tally:
    """twitter-text's running state while it steps over a text; lives for one count.

    ``valid_end`` is the UTF-16 end of the last step that left the text valid and
    within ``limit``: only steps near the limit or an invalid character need to be
    taken one at a time, the rest go in bulk.
    """

    def __init__(self, text: str, weights: _Weights, limit: int) -> None:
        self.text = text
        self.weights = weights
        self.limit = limit
        self.at = 0  # where the next step starts
        self.total = 0
        self.u16 = 0
        self.valid = True
        self.valid_end = 0

    def step(self, end: int, weight: int, u16: int) -> None:
        """One step: a URL, an emoji sequence or a code point, ending at ``end``."""
        self.total += weight
        self.u16 += u16
        if self.valid:
            self.valid = self.text[end - 1] not in _INVALID
        if self.valid and self.total <= self.limit:
            self.valid_end = self.u16 - 1
        self.at = end

    def code_points(self, end: int) -> None:
        """Steps of one code point each up to ``end``."""
        text, weights = self.text, self.weights
        while self.at < end:
            if not self.valid or (self.total > self.limit and weights.lightest >= 0):
                self._bulk(end)  # no step can be valid and within the limit again
                return
            # Steps that stay within the limit whatever they weigh, before any
            # invalid character: only the last of them sets valid_end.
            if self.total > self.limit:
                room = 0
            elif weights.heaviest <= 0:
                room = end - self.at
            else:
                room = (self.limit - self.total) // weights.heaviest
            safe = min(end, self.at + room)
            invalid = _INVALID_CHAR.search(text, self.at, safe)
            if invalid is not None:
                safe = invalid.start()
            if safe > self.at:
                self._bulk(safe)
                self.valid_end = self.u16 - 1
            else:
                cp = ord(text[self.at])
                self.step(self.at + 1, _weight(weights.weighting, cp), 2 if cp > 0xFFFF else 1)

    def _bulk(self, end: int) -> None:
        """Steps up to ``end`` at once, leaving ``valid_end`` to the caller."""
        if self.valid and _INVALID_CHAR.search(self.text, self.at, end):
            self.valid = False
        self.total += self.weights.weigh(self.text, self.at, end)
        self.u16 += utf16_length(self.text[self.at:end])
        self.at = end


# --- Mastodon, Bluesky, Threads -----------------------------------------------------

def mastodon_length(text: str, content_warning: str = "",
                    rules: PlatformRules | None = None) -> int:
    """Mastodon's countable length of a status (``StatusLengthValidator``, Mastodon 4.5):
    CW and text stripped of ASCII white space at both ends, then graphemes (Ruby's
    Unicode 15.0 rules) of CW + text, each URL with a scheme ``url_length``
    characters, ``@user@domain`` as ``@user``."""
    rules = rules or get_platform("mastodon")
    text = text.strip(_RUBY_STRIP)
    countable = _mastodon_countable(text, rules) if text else ""
    return graphemes_ruby(content_warning.strip(_RUBY_STRIP) + countable)


# Ruby's String#strip: ASCII white space and NUL. The server's blank check (fast_blank)
# is ASCII-only too, so a stripped text is blank only when empty.
_RUBY_STRIP = "\x00\t\n\x0b\x0c\r "
# Unicode 15.1's rule GB9c joins an Indic conjunct (consonant, virama, consonant) into
# one cluster; Ruby 3.4 (Unicode 15.0) breaks before each such consonant.
@functools.cache
def _conjunct() -> regex.Pattern[str]:
    return regex.compile(
        r"(?<=\p{InCB=Consonant}[\p{InCB=Extend}\p{InCB=Linker}]*\p{InCB=Linker}"
        r"[\p{InCB=Extend}\p{InCB=Linker}]*)\p{InCB=Consonant}")


def graphemes_ruby(text: str) -> int:
    """Grapheme clusters as Ruby 3.4 counts them: Unicode 15.0, without GB9c."""
    n = graphemes(text)
    if not text.isascii():
        n += sum(1 for _ in _conjunct().finditer(text))
    return n


def _mastodon_countable(text: str, rules: PlatformRules) -> str:
    urls = [] if rules.url_length is None else [
        u for u in extract_urls(text, without_scheme=False, flavour="mastodon")
        if u.text.partition("://")[0].lower() in rules.url_schemes]
    url_starts = {u.start for u in urls}  # a mention starts at "@", a URL never does
    mentions = extract_mentions(text) if "@" in text else []
    out: list[str] = []
    at = 0
    for e in remove_overlapping(urls + mentions):
        out.append(text[at:e.start])
        is_url = e.start in url_starts
        out.append("x" * (rules.url_length or 0) if is_url else "@" + e.text.split("@")[0])
        at = e.end
    out.append(text[at:])
    return "".join(out)


def bluesky_length(text: str) -> tuple[int, int]:
    """Bluesky's two measures: (graphemes, UTF-8 bytes)."""
    return graphemes(text), utf8_length(text)


def threads_length(text: str) -> int:
    """Code points, each emoji sequence counting its UTF-8 bytes instead."""
    total = at = 0
    for e in emoji_sequences(text):
        total += e.start - at + utf8_length(e.text)
        at = e.end
    return total + len(text) - at


def unique_links(text: str) -> tuple[str, ...]:
    """The distinct URLs in ``text``, with or without scheme, in order of appearance."""
    seen: dict[str, str] = {}
    for u in extract_urls(text):
        scheme, sep, rest = u.text.partition("://")
        if not sep:
            scheme, rest = "https", u.text
        host, slash, path = rest.partition("/")
        key = f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")
        seen.setdefault(key, u.text)
    return tuple(seen.values())


# --- SMS -----------------------------------------------------------------------------

_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # escape + character: 2 septets


@dataclass(frozen=True)
class SmsInfo:
    """How an SMS is encoded and split."""

    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # code points
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of each segment: single, or per part when split


def sms_info(text: str, rules: SmsRules | None = None) -> SmsInfo:
    """Encoding, units and segments of ``text`` as an SMS, as Twilio's
    sms-segments-calculator 1.3.0 finds them."""
    sms = rules or get_platform("sms").sms
    assert sms is not None
    if all(ch in _GSM7 or ch in _GSM7_EXTENSION for ch in text):
        encoding, single, part = "GSM-7", sms.gsm7_single, sms.gsm7_part
        # no GSM-7 character joins another in a cluster (CR LF is split): one per cluster
        costs = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
        units = sum(costs)
    else:
        encoding, single, part = "UCS-2", sms.ucs2_single, sms.ucs2_part
        units = utf16_length(text)
        costs = [] if units <= single else [
            utf16_length(cluster) for cluster in sms_graphemes.split(text)]
    if units <= single:
        return SmsInfo(encoding, len(text), units, 1 if text else 0, single)
    return SmsInfo(encoding, len(text), units, _sms_parts(costs, single, part), part)


def _sms_parts(costs: list[int], single: int, part: int) -> int:
    """How many parts Twilio's calculator fills with clusters of these costs.

    It fills the first part up to ``single``; when a cluster does not fit, the
    first part gets its concatenation header (room for ``part``), its last clusters
    that no longer fit move to the second part, and the cluster goes there too,
    whether or not it fits. Each later part takes clusters while they fit; one
    that does not fit starts a new part. A cluster is never split.
    """
    parts, used = 1, 0
    first: list[int] = []  # the first part's clusters, while it has no header
    for c in costs:
        if (single if parts == 1 else part) - used < c:
            used = 0
            if parts == 1:
                kept = sum(first)
                while kept > part:
                    kept -= first[-1]
                    used += first.pop()
            parts += 1
        used += c
        if parts == 1:
            first.append(c)
    return parts


# --- Email ---------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailInfo:
    """Line and subject lengths of an email; line numbers start at 1."""

    subject_length: int  # characters
    longest_line: int  # UTF-8 octets
    longest_line_number: int
    over_must: tuple[tuple[int, int], ...]  # (line, octets) over the MUST limit
    over_should: tuple[tuple[int, int], ...]  # (line, characters) over only the SHOULD


def email_info(body: str, subject: str = "", rules: PlatformRules | None = None) -> EmailInfo:
    rules = rules or get_platform("email")
    must = rules.line_limit
    should = rules.line_limit_should
    lines = _LINE_BREAK.split(body)
    octets = [utf8_length(line) for line in lines]
    longest = max(range(len(lines)), key=lambda i: octets[i])
    return EmailInfo(
        subject_length=len(subject),
        longest_line=octets[longest],
        longest_line_number=longest + 1,
        over_must=tuple((i + 1, n) for i, n in enumerate(octets) if must is not None and n > must),
        over_should=tuple((i + 1, len(line)) for i, line in enumerate(lines)
                          if should is not None and len(line) > should
                          and (must is None or octets[i] <= must)),
    )


# --- count ---------------------------------------------------------------------------

_UNITS = {"twitter-weighted": "weighted characters", "graphemes-mastodon": "graphemes",
          "bluesky": "graphemes", "threads": "characters", "linkedin": "characters",
          "chars": "characters", "sms": "segments", "email": "octets per line"}


@dataclass(frozen=True)
class Count:
    """A text counted by its platform's rules.

    ``ok`` is False when a limit is broken; ``problems`` says which, in words. For
    email, ``problems`` also holds SHOULD advice (the word "should" is in it) that
    leaves ``ok`` True. ``over`` is how far ``length`` exceeds ``limit`` (0 if not).
    """

    counting: str
    length: int
    limit: int | None
    unit: str
    ok: bool
    over: int
    problems: tuple[str, ...]
    details: Mapping[str, object]

    def summary(self) -> str:
        """One line for the CLI: ``217/280``; Bluesky and SMS say more."""
        d = self.details
        if self.counting == "bluesky":
            return (f"{self.length}/{self.limit} graphemes, "
                    f"{d['bytes']}/{d['byte_limit']} bytes")
        if self.counting == "sms":
            s = "" if d["segments"] == 1 else "s"
            return (f"{d['characters']} characters, {d['encoding']}, {d['segments']} "
                    f"segment{s} ({d['per_segment']} per segment)")
        if self.counting == "email":
            return (f"longest line {self.length}/{self.limit} octets "
                    f"(line {d['longest_line_number']}), "
                    f"subject {d['subject_length']}/{d['subject_limit']} characters")
        if self.limit is None:
            return f"{self.length} {self.unit}"
        return f"{self.length}/{self.limit}"


def count(text: str, rules: PlatformRules, *, content_warning: str = "",
          subject: str = "") -> Count:
    """``text`` counted as ``rules.counting`` says, checked against ``rules``' limits.

    ``content_warning`` counts on Mastodon; ``subject`` is the email subject, or
    the pin title on Pinterest (``title_limit``).
    """
    return _count(text, rules, content_warning, subject)


# Memoised: splitting a thread counts each candidate part, and rendering counts the
# parts it settled on again. A Count is frozen, so one can be shared.
@functools.lru_cache(maxsize=1024)
def _count(text: str, rules: PlatformRules, content_warning: str, subject: str) -> Count:
    how = rules.counting
    name = rules.display_name
    details: dict[str, object] = {}
    problems: list[str] = []
    ok = True
    limit = rules.text_limit
    unit = _UNITS[how]
    if how == "twitter-weighted":
        parsed = twitter_weighted_length(text, rules)
        length = parsed.weighted_length
        details.update(parsed.as_dict())
        bad = _INVALID_CHAR.search(unicodedata.normalize("NFC", text))
        if bad is not None:
            ok = False
            problems.append(f"contains U+{ord(bad.group()):04X}, which {name} does not accept")
    elif how == "graphemes-mastodon":
        length = mastodon_length(text, content_warning, rules)
    elif how == "bluesky":
        length, size = bluesky_length(text)
        details.update(bytes=size, byte_limit=rules.byte_limit)
        if rules.byte_limit is not None and size > rules.byte_limit:
            ok = False
            problems.append(f"{size} UTF-8 bytes, {name} allows {rules.byte_limit}")
    elif how == "threads":
        length = threads_length(text)
    elif how in ("linkedin", "chars"):
        length = utf16_length(text)
        if rules.title_limit is not None and utf16_length(subject) > rules.title_limit:
            ok = False
            problems.append(f"title is {utf16_length(subject)} characters, "
                            f"{name} allows {rules.title_limit}")
    elif how == "sms":
        assert rules.sms is not None
        info = sms_info(text, rules.sms)
        details.update(encoding=info.encoding, characters=info.characters, units=info.units,
                       segments=info.segments, per_segment=info.per_segment)
        length, limit = info.segments, rules.sms.max_segments
    elif how == "email":
        return _email_count(text, subject, rules)
    else:  # pragma: no cover - rules.yaml is checked on load
        raise ValueError(f"unknown counting rule {how!r}")
    over = max(length - limit, 0) if limit is not None else 0
    if over:
        ok = False
        problems.insert(0, f"{length} {unit}, {name} allows {limit}")
    if rules.max_links is not None:
        links = unique_links(text) if rules.unique_links else extract_urls(text)
        details["links"] = len(links)
        if len(links) > rules.max_links:
            ok = False
            kind = "unique links" if rules.unique_links else "links"
            problems.append(f"{len(links)} {kind}, {name} allows {rules.max_links}")
    return Count(how, length, limit, unit, ok, over, tuple(problems), MappingProxyType(details))


def _email_count(body: str, subject: str, rules: PlatformRules) -> Count:
    info = email_info(body, subject, rules)
    problems: list[str] = []
    for line, octets in info.over_must[:3]:
        problems.append(f"line {line} is {octets} octets; RFC 5322 allows at most "
                        f"{rules.line_limit} per line")
    for line, chars in info.over_should[:3]:
        problems.append(f"line {line} is {chars} characters; RFC 5322 says lines should be "
                        f"at most {rules.line_limit_should}")
    if rules.subject_limit is not None and info.subject_length > rules.subject_limit:
        problems.append(f"subject is {info.subject_length} characters; it should be at most "
                        f"{rules.subject_limit} to fit one header line")
    limit = rules.line_limit
    over = max(info.longest_line - limit, 0) if limit is not None else 0
    details = MappingProxyType({
        "longest_line_number": info.longest_line_number, "subject_length": info.subject_length,
        "subject_limit": rules.subject_limit, "lines_over_must": len(info.over_must),
        "lines_over_should": len(info.over_should),
    })
    return Count("email", info.longest_line, limit, _UNITS["email"], not over, over,
                 tuple(problems), details)
