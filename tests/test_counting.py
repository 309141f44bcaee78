"""Counting as each platform counts: twitter-text conformance, graphemes, and the rest."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from postgen.platforms import get_platform, platform_names, with_overrides
from postgen.platforms.counting import (
    bluesky_length,
    count,
    email_info,
    graphemes,
    mastodon_length,
    sms_info,
    threads_length,
    twitter_weighted_length,
    unique_links,
    utf16_length,
)
from postgen.platforms.sms_graphemes import split

CONFORMANCE = Path(__file__).parent / "data" / "twitter_text_validate.yml"
# The section, and whether it is config v3 (emoji parsed) or v2.
SECTIONS = {
    "WeightedTweetsCounterTest": False,
    "WeightedTweetsWithDiscountedEmojiCounterTest": True,
    "UnicodeDirectionalMarkerCounterTest": True,
}
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def _conformance() -> list[Any]:
    tests = yaml.safe_load(CONFORMANCE.read_text(encoding="utf-8"))["tests"]
    return [pytest.param(section, case, id=f"{section}: {case['description']}")
            for section in SECTIONS for case in tests[section]]


def test_conformance_file_has_every_case() -> None:
    tests = yaml.safe_load(CONFORMANCE.read_text(encoding="utf-8"))["tests"]
    assert {s: len(tests[s]) for s in SECTIONS} == {
        "WeightedTweetsCounterTest": 20,
        "WeightedTweetsWithDiscountedEmojiCounterTest": 22,
        "UnicodeDirectionalMarkerCounterTest": 2,
    }


@pytest.mark.parametrize(("section", "case"), _conformance())
def test_twitter_text_conformance(section: str, case: dict[str, Any]) -> None:
    parsed = twitter_weighted_length(case["text"], emoji_parsing=SECTIONS[section])
    assert parsed.as_dict() == case["expected"]


# --- graphemes -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    (FAMILY, 1),  # ZWJ sequence
    ("\U0001f1fa\U0001f1f8\U0001f1ec\U0001f1e7", 2),  # two flags
    ("\U0001f44d\U0001f3fd", 1),  # skin tone
    ("\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 1),  # England
    ("1\ufe0f\u20e3", 1),  # keycap
    ("日本語", 3),
    ("e\u0301", 1),
    ("a\u0301\u0302b", 2),  # combining marks stay with their base
    ("\u0915\u094d\u0937\u093f", 1),  # Devanagari conjunct KSSI: one cluster since Unicode 15.1
    ("\u1100\u1161\u11a8", 1),  # Hangul jamo
    ("\r\n", 1),
    ("\r\n\r\n", 2),
    ("\n\r", 2),
    ("", 0),
])
def test_graphemes(text: str, expected: int) -> None:
    assert graphemes(text) == expected


# --- X -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("\u2026", 2),  # ellipsis
    ("\u20ac", 2),  # euro sign
    ("\u2022", 2),  # bullet
    ("\u2014", 1),  # em dash
    ("\u201cq\u201d", 3),  # curly quotes weigh 1 each
    ("日本語", 6),
    (FAMILY, 2),
    ("\U0001faf8\U0001f3fc", 4),  # newer than twitter-text's list: per code point
    ("\u2764\ufe0f\u200d\U0001f525", 5),  # a sequence not in the list: per code point
    ("see \u00e9lan.com", 27),  # a scheme-less domain may start with an accented letter
    ("a\r\nb", 4),  # CRLF is 2, as in the reference
    ("\u00a9", 1),  # a text-style symbol in the weight-1 range stays 1
    ("\u00a9\ufe0f", 2),  # as an emoji it is an emoji
    ("example.com", 23),
    ("see example.com.", 28),
    ("example.invalidtld", 18),  # no valid TLD: counted as it is
    ("https://" + "a" * 60 + ".com/" + "p" * 100, 23),
    ("https://" + "a" * 64 + ".com", 76),  # a label over 63: not a URL
])
def test_x_weights(text: str, expected: int) -> None:
    assert twitter_weighted_length(text).weighted_length == expected


def test_x_count_over_limit_and_premium_override() -> None:
    x = get_platform("x")
    text = "日本語" * 50  # 300 weighted
    counted = count(text, x)
    assert (counted.length, counted.limit, counted.ok, counted.over) == (300, 280, False, 20)
    assert counted.problems == ("300 weighted characters, X allows 280",)
    assert counted.details["validRangeEnd"] == 139
    premium = count(text, with_overrides(x, {"text_limit": 25000}))
    assert premium.ok
    assert premium.summary() == "300/25000"


def test_x_invalid_character_is_a_problem_but_media_only_post_is_not() -> None:
    x = get_platform("x")
    bad = count("hello\ufffe", x)
    assert not bad.ok and bad.over == 0
    assert bad.problems == ("contains U+FFFE, which X does not accept",)
    assert count("", x).ok  # twitter-text calls it invalid; X takes a post of media alone


def test_x_link_limit() -> None:
    text = " ".join(f"https://e{i}.example.com" for i in range(11))
    counted = count(text, get_platform("x"))
    assert not counted.ok
    assert "11 links, X allows 10" in counted.problems


# --- Mastodon ------------------------------------------------------------------------------

def test_mastodon_url_counts_23_whatever_its_length() -> None:
    url = "https://example.com/a/very/long/path/that/is/way/over/23/characters"
    assert mastodon_length(url) == 23
    assert mastodon_length(f"see {url}") == 27
    assert mastodon_length("http://x.co") == 23  # shorter URLs count 23 too


def test_mastodon_bare_domain_counts_literally() -> None:
    assert mastodon_length("see example.com") == 15


def test_mastodon_remote_mention_counts_as_local() -> None:
    assert mastodon_length("@alice@remote.example.org hi") == 9
    assert mastodon_length("@bob hi") == 7
    assert mastodon_length("mail@example.org") == 16  # an address is not a mention


@pytest.mark.parametrize(("text", "expected"), [
    ("  hello \n", 5),  # the server strips ASCII white space at both ends
    ("\u00a0", 1),  # its blank check is ASCII-only: a lone NBSP is a character
    ("\u3000hi\u3000", 4),  # non-ASCII white space is not stripped
    ("https://bücher.de/x", 23),  # an IDN domain IDNA2003 takes
    ("https://\U0001f600.example.com", 21),  # unassigned in Unicode 3.2: no URL
    ("https://" + "a" * 64 + ".com", 76),  # a label over 63 octets: no URL
    ('https://ex"ample.com', 20),  # '"' is no domain character for the Ruby gem
    ("https://ex`ample.com", 20),
    ("https://t.co/abc123?amp=1", 29),  # the gem's t.co URL stops at its slug
    ("https://test.xn--p1ai-x", 25),  # the gem's punycode TLD has no "-"
    ("https://x.com/?q=a\u3000b", 23),  # its query takes any character from U+00A0
    ("a\u200d@bob@example.org", 5),  # ZWJ is no word character in Ruby: a mention
    ("@alice@" + "d" * 250 + ".org", 261),  # a domain over 253: no mention
    ("\u0915\u094d\u0937\u093f", 2),  # Ruby 3.4 (Unicode 15.0): no conjunct rule
])
def test_mastodon_counts_as_its_server(text: str, expected: int) -> None:
    assert mastodon_length(text) == expected


def test_mastodon_counts_graphemes_and_content_warning() -> None:
    assert mastodon_length(FAMILY + "e\u0301") == 2
    assert mastodon_length("hello", "cw:") == 8
    assert mastodon_length("   ", "cw") == 2  # blank text counts nothing


def test_mastodon_count_limit_and_instance_overrides() -> None:
    rules = get_platform("mastodon")
    text = "x" * 480 + " https://example.com/" + "p" * 100
    counted = count(text, rules)
    assert (counted.length, counted.ok) == (504, False)
    assert counted.problems == ("504 graphemes, Mastodon allows 500",)
    assert count(text, rules, content_warning="").over == 4
    bigger = with_overrides(rules, {"text_limit": 1000, "url_length": 30})
    assert count(text, bigger).length == 511
    assert count(text, bigger).ok


# --- Bluesky -------------------------------------------------------------------------------

def test_bluesky_300_graphemes_but_too_many_bytes_is_rejected() -> None:
    text = FAMILY * 300
    assert bluesky_length(text) == (300, 7500)
    counted = count(text, get_platform("bluesky"))
    assert (counted.length, counted.ok, counted.over) == (300, False, 0)
    assert counted.problems == ("7500 UTF-8 bytes, Bluesky allows 3000",)


def test_bluesky_limits() -> None:
    bluesky = get_platform("bluesky")
    assert count("a" * 300, bluesky).ok
    assert count("é" * 300, bluesky).ok  # 600 bytes
    over = count("a" * 301, bluesky)
    assert (over.ok, over.over, over.problems) == (False, 1, ("301 graphemes, Bluesky allows 300",))
    assert count("https://example.com/" + "a" * 290, bluesky).length == 310  # links are text


# --- Threads -------------------------------------------------------------------------------

def test_threads_emoji_count_their_utf8_bytes() -> None:
    assert threads_length("\U0001f600") == 4
    assert threads_length("a\U0001f600b") == 6
    assert threads_length("\u2764\ufe0f") == 6
    assert threads_length(FAMILY) == 25
    assert threads_length("日本") == 2  # other characters count 1
    threads = get_platform("threads")
    assert count("a" * 496 + "\U0001f600", threads).ok
    assert count("a" * 497 + "\U0001f600", threads).over == 1


def test_threads_six_unique_links_are_rejected() -> None:
    text = " ".join(f"https://site{i}.example.com/x" for i in range(6))
    counted = count(text, get_platform("threads"))
    assert not counted.ok
    assert counted.problems == ("6 unique links, Threads allows 5",)


def test_threads_duplicate_links_count_once() -> None:
    links = [f"https://site{i}.example.com" for i in range(5)]
    text = " ".join(links + ["HTTPS://SITE0.example.com/", "site1.example.com", links[2]])
    assert len(unique_links(text)) == 5
    assert count(text, get_platform("threads")).ok


# --- SMS -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "segments"), [
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),  # 2 x 153
    ("a" * 307, 3),
    ("{" * 80, 1),  # 160 septets
    ("{" * 81, 2),
    # the escape pair would straddle the 153 boundary: it moves to the next part
    ("a" * 152 + "\u20ac" + "a" * 152, 3),
])
def test_sms_gsm7_segments(text: str, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.segments) == ("GSM-7", segments)


def test_sms_extension_characters_take_two_septets() -> None:
    for ch in "^{}\\[~]|\u20ac\f":
        assert sms_info(ch).units == 2, ch
    assert sms_info("@£$¥èéÇΔ_ÆßÉ¤¡§¿äöñüà").units == 21


def test_sms_one_emoji_switches_to_ucs2() -> None:
    info = sms_info("a" * 100 + "\U0001f600")
    assert (info.encoding, info.units, info.characters, info.segments, info.per_segment) == (
        "UCS-2", 102, 101, 2, 67)
    assert sms_info("\u00ea").encoding == "UCS-2"  # ê is not in GSM-7
    assert sms_info("\U0001f600" + "a" * 68).segments == 1  # 70 units
    assert sms_info("\U0001f600" + "a" * 69).segments == 2


def test_sms_never_splits_a_grapheme() -> None:
    flag = "\U0001f1fa\U0001f1f8"  # 4 units, one grapheme
    assert sms_info("a" * 65 + flag + "a" * 65).segments == 3  # 65 + 4 > 67: moves whole
    zwj = "\U0001f469\u200d\U0001f4bb"  # 5 units
    assert sms_info("a" * 64 + zwj + "a" * 60).segments == 2  # 64 + 5 > 67
    assert sms_info("a" * 62 + zwj + "a" * 67).segments == 2  # 62 + 5 = 67 fits


# Twilio's sms-segments-calculator 1.3.0 gives these counts (run through
# tests/js/reference.js). The first four texts are 134 UCS-2 units, two full parts
# if the part edge may fall inside the named sequence: Twilio cuts it by Unicode 10
# rules, where today's rules (regex's \X) keep it whole and would need three parts.
@pytest.mark.parametrize(("text", "segments"), [
    # ZWJ sequence of Emoji 13.1: U+2764 U+FE0F U+200D | U+1F525 in Unicode 10
    ("a" * 64 + "\u2764\ufe0f\u200d\U0001f525" + "a" * 65, 2),
    # Devanagari conjunct KSSI: KA VIRAMA | SSA I (no GB9c before Unicode 15.1)
    ("a" * 65 + "\u0915\u094d\u0937\u093f" + "a" * 65, 2),
    # modifier after an Emoji 14 hand, which is no E_Base in Unicode 10
    ("a" * 65 + "\U0001faf8\U0001f3fc" + "a" * 65, 2),
    # a flag takes one combining mark in grapheme-splitter, not two
    ("a" * 62 + "\U0001f1fa\U0001f1f8\u0301\u0301" + "a" * 66, 2),
    # a family of Unicode 10 (ZWJ then E_Base_GAZ) stays whole: 60 + 11 > 67
    ("a" * 60 + "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" + "a" * 60, 3),
])
def test_sms_parts_end_where_twilio_ends_them(text: str, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.segments) == ("UCS-2", segments)


def test_sms_first_part_gets_its_header_as_twilio_adds_it() -> None:
    # Twilio's counts. The first part fills to 160 / 70, then takes its header and
    # moves what no longer fits on; the cluster that overflowed follows it unchecked.
    assert sms_info("a" * 152 + "\r\n" + "a" * 152).segments == 2  # CR | LF at the edge
    assert sms_info("a" * 159 + "\u20ac").segments == 2  # 161 septets
    # 60 + 10 units fill part 1 (70); the next cluster of 60 moves the 10 with it,
    # 70 units in part 2
    assert sms_info("a" * 60 + "e" + "\u0301" * 9 + "e" + "\u0301" * 59).segments == 2
    # one cluster longer than a part: Twilio leaves the first part to its header
    assert sms_info("e" + "\u0301" * 80).segments == 2


def test_sms_graphemes_are_twilios() -> None:
    # grapheme-splitter's clusters (Unicode 10), CR LF split as Twilio's calculator does
    assert split("\u2764\ufe0f\u200d\U0001f525") == ["\u2764\ufe0f\u200d", "\U0001f525"]
    assert split("\U0001f469\u200d\U0001f4bb") == ["\U0001f469\u200d\U0001f4bb"]
    assert split("\U0001f1fa\U0001f1f8\U0001f1fa") == ["\U0001f1fa\U0001f1f8", "\U0001f1fa"]
    assert split("\U0001f44d\U0001f3fd\U0001faf8\U0001f3fc") == [
        "\U0001f44d\U0001f3fd", "\U0001faf8", "\U0001f3fc"]
    assert split("a\r\nb") == ["a", "\r", "\n", "b"]
    assert split("\u0915\u094d\u0937\u093f") == ["\u0915\u094d", "\u0937\u093f"]
    assert split("\uac01\u11a8\u1100\u1161") == ["\uac01\u11a8", "\u1100\u1161"]


def test_sms_never_splits_a_surrogate_pair() -> None:
    text = "a" * 66 + "\U0001f600" + "a" * 66  # 134 units = 2 x 67, but the pair straddles
    assert sms_info(text).segments == 3


def test_sms_count_and_summary() -> None:
    sms = get_platform("sms")
    counted = count("a" * 172, sms)
    assert counted.summary() == "172 characters, GSM-7, 2 segments (153 per segment)"
    assert counted.ok and counted.limit is None
    assert count("hi", sms).summary() == "2 characters, GSM-7, 1 segment (160 per segment)"
    capped = with_overrides(sms, {"sms.max_segments": 1})
    assert not count("a" * 172, capped).ok


# --- email ---------------------------------------------------------------------------------

def test_email_line_of_999_fails_the_must() -> None:
    counted = count("Hello\n" + "x" * 999 + "\nBye", get_platform("email"))
    assert (counted.ok, counted.length, counted.over) == (False, 999, 1)
    assert counted.details["longest_line_number"] == 2
    assert counted.problems == ("line 2 is 999 octets; RFC 5322 allows at most 998 per line",)


def test_email_line_of_80_warns_the_should() -> None:
    counted = count("Hi\r\n" + "y" * 80, get_platform("email"))
    assert counted.ok
    assert counted.problems == ("line 2 is 80 characters; RFC 5322 says lines should be at "
                                "most 78",)
    assert count("y" * 78, get_platform("email")).problems == ()


def test_email_must_is_in_octets() -> None:
    info = email_info("é" * 500)  # 500 characters, 1000 UTF-8 octets
    assert (info.longest_line, info.over_must, info.over_should) == (1000, ((1, 1000),), ())


def test_email_subject() -> None:
    email = get_platform("email")
    counted = count("Body", email, subject="S" * 90)
    assert counted.ok
    assert counted.problems == ("subject is 90 characters; it should be at most 78 to fit one "
                                "header line",)
    assert count("Body", email, subject="Hello").summary() == (
        "longest line 4/998 octets (line 1), subject 5/78 characters")


# --- LinkedIn and the other character counts ------------------------------------------------

def test_linkedin_counts_the_unescaped_text_in_utf16_units() -> None:
    linkedin = get_platform("linkedin")
    text = "(a) [b] #c @d *e* _f_ ~g~ <h> {i} |j| \\k"
    assert count(text, linkedin).length == len(text)  # not the escaped length
    assert count("\U0001f600", linkedin).length == 2
    assert count("a" * 3000, linkedin).ok
    assert count("a" * 2999 + "\U0001f600", linkedin).over == 1


def test_other_platforms_count_utf16_units() -> None:
    assert utf16_length("a\U0001f600é") == 4
    instagram = get_platform("instagram")
    assert count("a" * 2200, instagram).ok
    assert count("a" * 2201, instagram).problems == ("2201 characters, Instagram allows 2200",)
    facebook = get_platform("facebook")
    assert count("a" * 63206, facebook).ok and not count("a" * 63207, facebook).ok


def test_pinterest_title_and_description() -> None:
    pinterest = get_platform("pinterest")
    assert count("d" * 800, pinterest, subject="t" * 100).ok
    assert not count("d" * 801, pinterest).ok
    long_title = count("d", pinterest, subject="t" * 101)
    assert not long_title.ok
    assert long_title.problems == ("title is 101 characters, Pinterest allows 100",)


# --- summary and invariants -----------------------------------------------------------------

def test_summaries() -> None:
    assert count("a" * 217, get_platform("x")).summary() == "217/280"
    assert count("a" * 217, get_platform("mastodon")).summary() == "217/500"
    text = "a" * 110 + "é" * 10  # 120 graphemes, 130 bytes
    assert count(text, get_platform("bluesky")).summary() == "120/300 graphemes, 130/3000 bytes"


def test_count_is_frozen() -> None:
    counted = count("hi", get_platform("x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        counted.length = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        counted.details["x"] = 1  # type: ignore[index]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_count_never_fails_and_is_consistent(text: str) -> None:
    for name in platform_names():
        counted = count(text, get_platform(name), content_warning="cw", subject="s")
        assert counted.length >= 0 and counted.over >= 0
        if counted.ok:
            assert counted.over == 0
        if counted.over:
            assert not counted.ok
        assert counted.summary()
    parsed = twitter_weighted_length(text)
    assert parsed.valid_range_end <= max(parsed.display_range_end, 0) + len(text)
