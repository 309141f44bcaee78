"""The fast counting paths against the straightforward code they replaced.

The reference functions below are the implementations as they were before
counting went run-based and URL scans were memoised per token, copied as they
were. Every fast path must give the same result for every input, so each test
compares the two over texts built from the pieces that make counting hard:
URLs with and without a scheme (UTM query strings, t.co, punycode, odd
labels), emoji sequences, CJK, astral characters, combining marks (NFC),
mentions, hashtags, CRLF, invalid characters and very long words.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from postgen.platforms import (
    PlatformRules,
    Weighting,
    WeightRange,
    get_platform,
    urls,
    with_overrides,
)
from postgen.platforms.counting import (
    count,
    graphemes,
    mastodon_length,
    twemoji_sequences,
    twitter_weighted_length,
    unique_links,
    utf16_length,
)
from postgen.platforms.urls import Entity, extract_urls

# --- reference implementations (before the fast paths) ----------------------------------

_REF_TOKEN = regex.compile(r"\S+")
_REF_URLISH = regex.compile(r"\.\p{L}")
_REF_INVALID = frozenset("\ufffe\ufeff\uffff")
_REF_GRAPHEME = regex.compile(r"\X")


def ref_domain_tables(text: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """``_Domains``' per-character tables, built one character at a time."""
    n = len(text)
    next_dot = [n] * (n + 1)
    bad_sub = [0] * (n + 1)
    bad_name = [0] * (n + 1)
    bad_ascii = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_dot[i] = i if text[i] == "." else next_dot[i + 1]
    for i, ch in enumerate(text):
        dc = ch not in urls._NOT_DOMAIN
        bad_sub[i + 1] = bad_sub[i] + (not (dc or ch in "_-"))
        bad_name[i + 1] = bad_name[i] + (not (dc or ch == "-"))
        bad_ascii[i + 1] = bad_ascii[i] + (ch not in urls._ASCII_LABEL)
    return next_dot, bad_sub, bad_name, bad_ascii


def ref_extract_urls(text: str, *, without_scheme: bool = True,
                     flavour: urls.Flavour = "twitter") -> list[Entity]:
    """``extract_urls`` scanning every token with a dot (or a colon), nothing memoised.

    Each token is scanned with the character before it: what precedes a domain decides
    where it starts (twitter-text takes ``Àwww.example.org`` whole after a space, but
    only ``www.example.org`` at the start of the text).
    """
    mark = "." if without_scheme else ":"
    if not text or mark not in text:
        return []
    found: list[Entity] = []
    for token in _REF_TOKEN.finditer(text):
        if mark in token.group() and (not without_scheme or _REF_URLISH.search(token.group())):
            offset = max(token.start() - 1, 0)
            found.extend(Entity(e.text, e.start + offset, e.end + offset)
                         for e in urls._extract_urls(text[offset:token.end()], without_scheme,
                                                     flavour))
    return found


def ref_twitter(text: str, rules: PlatformRules, emoji_parsing: bool | None = None
                ) -> dict[str, object]:
    """twitter-text's parseTweet, one Python call per code point."""
    w = rules.weighting
    assert w is not None
    emoji = w.emoji_parsing if emoji_parsing is None else emoji_parsing
    max_length = rules.text_limit if rules.text_limit is not None else 280
    url_weight = (rules.url_length or 0) * w.scale
    norm = unicodedata.normalize("NFC", text)
    found = {e.start: e.end for e in ref_extract_urls(norm)}
    emojis = {e.start: e.end for e in twemoji_sequences(norm)} if emoji else {}

    def weight(cp: int) -> int:
        if cp > 0xFFFF:
            cp = 0xDC00 + ((cp - 0x10000) & 0x3FF)
        for r in w.ranges:
            if r.start <= cp <= r.end:
                return r.weight
        return w.default_weight

    total = 0
    valid = True
    valid_end = 0
    i = u16 = 0
    while i < len(norm):
        if i in found:
            end = found[i]
            total += url_weight
        elif i in emojis:
            end = emojis[i]
            total += w.default_weight
        else:
            end = i + 1
            total += weight(ord(norm[i]))
        u16 += utf16_length(norm[i:end])
        if valid:
            valid = norm[end - 1] not in _REF_INVALID
        if valid and total <= max_length * w.scale:
            valid_end = u16 - 1
        i = end
    weighted = total // w.scale
    return {"weightedLength": weighted, "valid": valid and 0 < weighted <= max_length,
            "permillage": math.floor(total / w.scale / max_length * 1000),
            "displayRangeStart": 0, "displayRangeEnd": max(utf16_length(text) - 1, 0),
            "validRangeStart": 0,
            "validRangeEnd": valid_end + utf16_length(text) - utf16_length(norm)}


def ref_graphemes(text: str) -> int:
    return len(_REF_GRAPHEME.findall(text))


# --- texts ------------------------------------------------------------------------------

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
PIECES = [
    # URLs, with and without scheme, with UTM query strings and odd endings
    "https://fernwoodroasters.com/shop?utm_source=x&utm_medium=social&utm_campaign=a-b",
    "http://example.com/path_(with)_parens", "https://t.co/abc123?x=1", "www.example.org",
    "example.com", "shop.fernwoodroasters.com/gifts?ref=holiday", "foo.co.uk.", "a.b.c.com",
    "xn--bcher-kva.de/x", "https://xn--d1acpjx3f.xn--p1ai", "bücher.de", "例え.jp", "3.5",
    "e.g.", "coffee.Then", "-example.com", "_x.com", "example.com/@user/", "(example.com)",
    "gemini://example.com/x", "ipfs://bafy.example.com", "mailto:me@example.com",
    "http://" + "a" * 70 + ".com", "https://example.com/" + "p" * 120, "foo.com/https://bar.com",
    "a.com.b.org", "https://example.com:8080/x?y=z#frag", "EXAMPLE.COM/Path", "Shop.Example.Net",
    # mentions and hashtags
    "@fernwood", "@user@mastodon.social", "@a.b", "#coffee", "#日本", "＃tag", "#1", "#️⃣",
    # emoji: ZWJ family, flags, skin tone, keycap, tag sequence, text-default symbols
    FAMILY, "\U0001f1fa\U0001f1f8", "\U0001f44d\U0001f3fd", "1\ufe0f\u20e3", "\u2764\ufe0f",
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "©", "☕",
    "\U0001fae8",
    # CJK, astral letters, combining marks (NFC changes them), RTL and directional marks
    "日本語のテキスト", "한국어", "\U0001d400\U0001d401", "\U00020000", "e\u0301", "a\u0301\u0302",
    "\u0915\u094d\u0937\u093f", "مرحبا", "\u200e\u202e", "\u2018quoted\u2019", "\u2014", "\u2026",
    # line breaks, spaces, invalid characters, punctuation
    "\r\n", "\n\n", "\r", "\t", "\u00a0", "\u3000", "\ufeff", "\ufffe", "\uffff", ".", "!", "?",
    # words, long words
    "the", "coffee", "Roastery", "pour-over", "x" * 300, "supercalifragilistic" * 8,
]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "", ". ", "\r\n"]

pieces = st.sampled_from(PIECES) | st.text(max_size=6)
texts = st.lists(st.tuples(pieces, st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda parts: "".join(p + s for p, s in parts))

X = get_platform("x")
X_RULES = [
    X, with_overrides(X, {"text_limit": 25000}), with_overrides(X, {"text_limit": 10}),
    with_overrides(X, {"weighting.emoji_parsing": False}),
    # weightings twitter-text never ships, for the general paths: low surrogates in a
    # range (astral code points then vary), zero and negative weights, overlaps
    dataclasses.replace(X, text_limit=50, weighting=Weighting(
        scale=100, default_weight=200, emoji_parsing=True, ranges=(
            WeightRange(0, 127, 100), WeightRange(100, 300, 0), WeightRange(0xDC00, 0xDC7F, 50),
            WeightRange(0x3000, 0x30FF, 300), WeightRange(-5, -1, 7),
            WeightRange(0xFFF0, 0x20000, 150)))),
    dataclasses.replace(X, text_limit=40, weighting=Weighting(
        scale=7, default_weight=3, emoji_parsing=True, ranges=(
            WeightRange(32, 32, -4), WeightRange(0, 0x10FFFF, 5)))),
    # a scale that does not divide the weights: over the limit yet weighing text_limit
    dataclasses.replace(X, text_limit=10, weighting=Weighting(
        scale=100, default_weight=150, emoji_parsing=True,
        ranges=(WeightRange(0, 127, 101), WeightRange(0xFEFF, 0xFFFF, 0)))),
    dataclasses.replace(X, text_limit=20, weighting=Weighting(
        scale=100, default_weight=0, emoji_parsing=False, ranges=())),
]
ALL = [get_platform(name) for name in ("x", "mastodon", "bluesky", "threads", "linkedin",
                                       "facebook", "sms", "email", "pinterest")]


# --- tests ------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("Àwww.example.org x Àwww.example.org")  # the accented start depends on what precedes
def test_url_extraction_is_unchanged(text: str) -> None:
    for without_scheme, flavour in ((True, "twitter"), (False, "mastodon"), (False, "twitter")):
        assert extract_urls(text, without_scheme=without_scheme, flavour=flavour) == \
            ref_extract_urls(text, without_scheme=without_scheme, flavour=flavour)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_domain_tables_are_unchanged(text: str) -> None:
    d = urls._Domains(text)
    assert (d.next_dot, d.bad_sub, d.bad_name, d.bad_ascii) == ref_domain_tables(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_x_weighted_length_is_unchanged(text: str) -> None:
    for rules in X_RULES:
        assert twitter_weighted_length(text, rules).as_dict() == ref_twitter(text, rules)
    assert twitter_weighted_length(text, X, emoji_parsing=False).as_dict() == \
        ref_twitter(text, X, emoji_parsing=False)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text(alphabet="a\r\n \x00")
       | texts)
def test_graphemes_are_unchanged(text: str) -> None:
    assert graphemes(text) == ref_graphemes(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(["", "CW: coffee", "日本"]))
def test_count_is_unchanged_and_repeatable(text: str, warning: str) -> None:
    for rules in ALL:
        first = count(text, rules, content_warning=warning, subject=text[:90])
        assert count(text, rules, content_warning=warning, subject=text[:90]) == first
    x = count(text, X)
    expected = ref_twitter(text, X)
    assert {k: x.details[k] for k in expected} == expected
    bad = next((ch for ch in unicodedata.normalize("NFC", text) if ch in _REF_INVALID), None)
    message = None if bad is None else f"contains U+{ord(bad):04X}, which X does not accept"
    assert message in x.problems if message else not any("U+" in p for p in x.problems)
    mastodon = get_platform("mastodon")
    assert count(text, mastodon, content_warning=warning).length == \
        mastodon_length(text, warning, mastodon)
    assert count(text, get_platform("threads")).details["links"] == len(unique_links(text))


@pytest.mark.parametrize("text", [
    "a" * 100_000 + ".com",  # one label as long as the text: still linear
    "a." * 30_000 + "com",
    "https://" + "a" * 50_000,
    "x" * 30_000 + "\ufeff" + "y" * 30_000,
    "coffee tea\ufeff",  # invalid after the limit, still weighing the limit (X_RULES[4])
])
def test_pathological_texts_are_unchanged(text: str) -> None:
    for rules in X_RULES:
        assert twitter_weighted_length(text, rules).as_dict() == ref_twitter(text, rules)
    assert extract_urls(text, without_scheme=False, flavour="mastodon") == \
        ref_extract_urls(text, without_scheme=False, flavour="mastodon")
