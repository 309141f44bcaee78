"""postgen's counts against the platforms' own code, on generated texts.

The reference implementations run in node (tests/js: ``npm ci`` there installs
them; .ci/run does): twitter-text 3.1.0 ``parseTweet`` for X, @atproto/api's
RichText for Bluesky, Twilio's sms-segments-calculator for SMS. For Mastodon,
whose counter is Ruby inside the server, tests/js/reference.js writes Mastodon
4.5's rules (StatusLengthValidator, its Extractor and twitter_regex.rb over the
twitter-text 3.1 gem, Account::MENTION_RE; Ruby 3.4) as JavaScript regular
expressions run the way Ruby's ``scan`` runs them, an implementation
independent of postgen's linear-time scanner. It differs from the server in two
named ways (see MASTODON_KNOWN), and postgen follows the server in both.

Each platform gets 5,000+ texts from one seeded generator, mixing scripts,
emoji of every kind, URLs with and without schemes, IDN, mentions, hashtags,
white space, and texts padded to within a few units of the limit. Each node
process counts a whole batch at once.

SMS must agree on every text, grapheme by grapheme: Twilio's calculator finds
clusters with grapheme-splitter (Unicode 10 rules), and so does postgen
(postgen.platforms.sms_graphemes). Its texts add the clusters where Unicode 10
and today's rules part (SMS_HARD) and GSM-7 texts whose escapes and CR LF fall
at part edges; every sequence of up to four Unicode 10 break values is split too.
"""

from __future__ import annotations

import itertools
import json
import random
import stringprep
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import regex

from postgen.platforms import get_platform, sms_graphemes, with_overrides
from postgen.platforms.counting import (
    bluesky_length,
    count,
    mastodon_length,
    sms_info,
    twitter_weighted_length,
)
from postgen.platforms.urls import extract_urls

JS = Path(__file__).parent / "js"
N = 5000

WORDS = [
    "hello", "coffee", "Roast", "naïve", "Ærø", "straße", "façade", "Привет", "мир",
    "Γειά", "日本語", "中文", "한국어", "مرحبا", "שלום", "สวัสดี", "e\u0301", "a\u0300\u0301",
    "१२३", "ﬁ", "Ⅻ", "x²", "…", "€5", "—", "“quoted”", "‘single’", "«guillemets»", "•",
    "{braces}", "[x]", "^~|\\", "@", "#", "&", "$", "£¥", "don't", "\"q\"", "`code`",
]
# Rare: each in about one text of 250 (Mastodon's reference differs on them, named).
RARE = ["क्षि", "स्त्री", "ন্দ্র", "https://\U0001f600.example.com", "https://" + "a" * 70 + ".com"]
EMOJI = [
    "\U0001f600", "\u2764\ufe0f", "\u2764", "\u2764\ufe0e", "\u00a9", "\u00a9\ufe0f", "\u2122",
    "\u2194\ufe0f", "\U0001f44d\U0001f3fd", "\u261d\U0001f3fb",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family (in the list)
    "\U0001f469\u200d\U0001f4bb", "\U0001f9d1\u200d\U0001f4bb",  # technologist: old / new
    "\u2764\ufe0f\u200d\U0001f525", "\U0001f636\u200d\U0001f32b\ufe0f",  # Emoji 13.1
    "\U0001faf8\U0001f3fc", "\U0001fae0", "\U0001f979",  # Emoji 14/15
    "\U0001f1fa\U0001f1f8", "\U0001f1ef\U0001f1f5", "\U0001f1fa",  # flags, a lone indicator
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
    "1\ufe0f\u20e3", "#\ufe0f\u20e3", "*\u20e3", "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\U0001f3f3\ufe0f\u200d\u26a7\ufe0f", "\U0001f46e\u200d\u2640\ufe0f",
    "\U0001f46e\U0001f3ff\u200d\u2642\ufe0f", "\u26f9\U0001f3fb\u200d\u2640\ufe0f",
    "\U0001f468\U0001f3fb\u200d\U0001f91d\u200d\U0001f468\U0001f3ff", "\ufe0f", "\u200d",
]
URLS = [
    "https://example.com", "http://example.com/path?utm_source=x&utm_medium=social",
    "https://shop.example.co.uk/a_(b)/c?q=1#top", "example.com", "www.example.org/page.",
    "https://t.co/abc123", "https://t.co/abc123?amp=1", "t.co/xyz",
    "https://élan.com/x", "élan.com", "bücher.de", "https://bücher.de/ü?ä=ö",
    "https://日本.jp/パス", "https://例え.テスト", "https://xn--p1ai.xn--p1ai/x",
    "https://пример.рф", "пример.рф", "https://i\u2764.ws", "\U0001f600.example.com",
    "https://a.b-c.d_e.com", "https://" + "a" * 60 + ".com", "http://localhost:8080/x",
    "https://example.com/\"quoted\"", "https://ex`ample.com", "https://ex\"ample.com/p",
    "gemini://example.org/x", "ipfs://bafy.example.com", "ftp://example.com",
    "https://example.com/path)", "(https://example.com)", "<https://example.com/>",
    "https://example.com:443/p?x=%20y", "https://example.com/…", "file.py", "ASP.NET",
    "https://example.com/ä?x=ü", "https://example.com/p?q=日本", "mailto:a@example.com",
    "https://xn--80ak6aa92e.com", "https://test.xn--kprw13d", "https://test.xn--p1ai-",
]
MENTIONS = [
    "@alice", "@alice@example.social", "@bob_1@mastodon.example.co.uk", "@a.b-c",
    "user@example.com", "@" + "x" * 25, "@alice@" + "d" * 250 + ".org",
    "@alice@" + "d" * 240 + ".org", "\u200d@bob", "\u200d@bob@example.org", "x@y", "@é",
    "@user@домен.рф", "＠full", "@alice@example.com/path", "RT:@bob",
]
HASHTAGS = ["#coffee", "#New-York", "#2024", "#café", "#日本", "#a_b", "＃full", "#\ufe0f\u20e3"]
# SMS: where Twilio's calculator (grapheme-splitter, Unicode 10 rules) cuts what today's
# Unicode keeps whole, or keeps whole what it cuts.
SMS_HARD = [
    # ZWJ sequences of emoji newer than Unicode 10 (or glued to a non-Glue_After_Zwj one)
    "\u2764\ufe0f\u200d\U0001f525", "\u2764\ufe0f\u200d\U0001fa79",
    "\U0001f636\u200d\U0001f32b\ufe0f", "\U0001f9d1\u200d\U0001f4bb",
    "\U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1", "\U0001f3f3\ufe0f\u200d\u26a7\ufe0f",
    "\U0001f426\u200d\u2b1b", "\U0001f3c3\u200d\u27a1\ufe0f",
    "\U0001faf1\U0001f3fc\u200d\U0001faf2\U0001f3ff",
    "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468",
    "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f", "\U0001f469\ufe0f\u200d\U0001f466\U0001f3fb",
    "a\u200d\u2764\ufe0f",  # ZWJ then Glue_After_Zwj: one cluster in Unicode 10 only
    # Indic conjuncts (Devanagari, Bengali, Malayalam, Tamil, Gujarati; one with ZWJ)
    "क्षि", "स्त्री", "ন্দ্র", "ക്ഷ", "ஸ்ரீ", "ક્ષ", "\u0915\u094d\u200d\u0937",
    # emoji modifiers: on an E_Base, on emoji newer than Unicode 10, after marks, alone
    "\U0001f44d\U0001f3fd", "\U0001faf8\U0001f3fc", "\U0001f977\U0001f3ff",
    "\U0001f90c\U0001f3fb", "\u261d\ufe0f\U0001f3fb", "\u261d\u0301\u0301\U0001f3fb",
    "a\U0001f3fb", "\U0001f3fb",
    # regional indicators: a flag, a lone one, three, a flag with marks, after Prepend
    "\U0001f1fa\U0001f1f8", "\U0001f1fa", "\U0001f1fa\U0001f1f8\U0001f1ef",
    "\U0001f1fa\U0001f1f8\u0301\u0301", "\u0600\U0001f1fa\U0001f1f8",
    "\U0001f1fa\U0001f1f8\u200d\U0001f1ef\U0001f1f5",
    # line breaks, Hangul jamo, a long run of combining marks
    "\r\n", "\r", "\n", "\r\n\r\n", "\u1100\u1161\u11a8", "e" + "\u0301" * 30,
]
# GSM-7 only: escapes (2 septets) and CR LF (split by Twilio) land at part edges.
GSM_PIECES = ["hello", "Roast", "Ærø", "@£$¥", "ÉΔ_Φ", "àèìòù", "¿¡§", "{", "}", "€", "[~]",
              "^", "\\", "|", "\f", "\r\n", "\r", "\n", " ", "  "]
SPACES = [" ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u3000", "\u2028",
          "\u200b", "\u202f"]


def generate(rng: random.Random, pieces: int, hard: Sequence[str] = ()) -> str:
    out: list[str] = []
    for _ in range(pieces):
        if hard and rng.random() < 0.25:
            out.append(rng.choice(hard))
        kind = rng.random()
        if kind < 0.40:
            out.append(rng.choice(WORDS))
        elif kind < 0.58:
            out.append(rng.choice(EMOJI))
        elif kind < 0.72:
            out.append(rng.choice(URLS))
        elif kind < 0.80:
            out.append(rng.choice(MENTIONS))
        elif kind < 0.86:
            out.append(rng.choice(HASHTAGS))
        elif kind < 0.87:
            out.append(rng.choice(["\ufffe", "\ufeff", "\u0000", "\u202e"]))
        else:
            out.append(rng.choice(["a" * rng.randint(1, 40), "日本" * rng.randint(1, 20)]))
        out.append(rng.choice(SPACES) if rng.random() < 0.85 else rng.choice([".", ",", ""]))
    if rng.random() < 0.004:
        out.insert(rng.randrange(len(out) + 1), rng.choice(RARE) + " ")
    text = "".join(out)
    if rng.random() < 0.1:
        text = rng.choice(SPACES) + text + rng.choice(SPACES)
    return text


def texts(seed: int, near: Callable[[str], int], limit: int, n: int = N,
          hard: Sequence[str] = ()) -> list[str]:
    """``n`` texts; a third padded until ``near`` (postgen's count) is within a few
    units of ``limit``, on either side. ``hard`` pieces go in often, and pad too."""
    rng = random.Random(seed)
    made = [generate(rng, rng.randint(1, 40), hard) for _ in range(n)]
    for i in range(0, n, 3):
        text = made[i]
        target = limit + rng.randint(-4, 4)
        filler = rng.choice(["a", "é", "日", "\U0001f600", " x", *hard])
        now = near(text)
        while now < target and len(text) < 20 * limit:
            text += filler * max(1, (target - now) // 4)  # a few counts per text
            now = near(text)
        made[i] = text
    return made


def reference(platform: str, inputs: list[Any]) -> list[dict[str, Any]]:
    if not (JS / "node_modules").is_dir():
        pytest.fail("the reference implementations are not installed: run `npm ci` in tests/js")
    done = subprocess.run(["node", "reference.js", platform], input=json.dumps(inputs),
                          capture_output=True, text=True, cwd=JS, check=False)
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(result) == len(inputs)
    return result


def test_x_agrees_with_twitter_text() -> None:
    x = get_platform("x")
    made = texts(1, lambda t: twitter_weighted_length(t).weighted_length, 280)
    expected = reference("x", made)
    wrong = []
    for text, ref in zip(made, expected, strict=True):
        parsed = twitter_weighted_length(text)
        ours = {"weightedLength": parsed.weighted_length, "valid": parsed.valid,
                "validRangeEnd": parsed.valid_range_end,
                "urls": [u.text for u in extract_urls(unicodedata.normalize("NFC", text))]}
        if ours != ref:
            wrong.append((text, ours, ref))
        # never "fits" where X refuses (an empty text is a media-only post, which X takes)
        assert not count(text, x).ok or ref["valid"] or not text, text
    assert wrong == []


def test_bluesky_agrees_with_atproto() -> None:
    made = texts(2, lambda t: bluesky_length(t)[0], 300)
    expected = reference("bluesky", made)
    wrong = [(t, bluesky_length(t), r) for t, r in zip(made, expected, strict=True)
             if bluesky_length(t) != (r["graphemes"], r["bytes"])]
    assert wrong == []


def gsm_texts(seed: int, n: int) -> list[str]:
    """``n`` GSM-7 texts, each within a few septets of one, two or three parts."""
    rng = random.Random(seed)
    made = []
    for _ in range(n):
        target = rng.choice([160, 306, 459]) + rng.randint(-3, 3)
        pieces: list[str] = []
        units = 0
        while units < target:
            pieces.append(rng.choice(GSM_PIECES))
            units += sms_info(pieces[-1]).units
        made.append("".join(pieces))
    return made


def test_sms_agrees_with_twilio() -> None:
    made = texts(3, lambda t: sms_info(t).units, 70 * 3, N // 2, SMS_HARD)
    made += texts(4, lambda t: sms_info(t).units, 153 * 2, N // 2, SMS_HARD)
    made += gsm_texts(6, N // 5)
    expected = reference("sms", made)
    capped = with_overrides(get_platform("sms"), {"sms.max_segments": 3})
    wrong = []
    for text, ref in zip(made, expected, strict=True):
        info = sms_info(text)
        if (info.encoding, info.segments, sms_graphemes.split(text)) != (
                ref["encoding"], ref["segments"], ref["graphemes"]):
            wrong.append((text, info, ref))
        # never "fits" where Twilio sends more parts than the channel allows
        assert count(text, capped).ok == (ref["segments"] <= 3), text
    assert wrong == []


# One character of each Grapheme_Cluster_Break value of Unicode 10.0
BREAK_CLASSES = ["a", "\r", "\n", "\x01", "\u0301", "\u200d", "\U0001f1e6", "\u0600", "\u0903",
                 "\u1100", "\u1160", "\u11a8", "\uac00", "\uac01", "\u261d", "\U0001f3fb",
                 "\u2764", "\U0001f466"]


def test_sms_graphemes_agree_with_twilio() -> None:
    """Every sequence of up to four break values is split as Twilio's calculator
    splits it, grapheme-splitter's departures from UAX #29 included."""
    made = ["".join(seq) for k in range(1, 5)
            for seq in itertools.product(BREAK_CLASSES, repeat=k)]
    expected = reference("sms", made)
    wrong = [(t, sms_graphemes.split(t), r["graphemes"]) for t, r in zip(made, expected,
                                                                          strict=True)
             if sms_graphemes.split(t) != r["graphemes"]]
    assert wrong == []


# Where the JavaScript reference is not the server, postgen follows the server:
_CONJUNCT = regex.compile(r"\p{InCB=Consonant}\p{InCB=Linker}\p{InCB=Consonant}")
MASTODON_KNOWN: dict[str, Callable[[str, str], bool]] = {
    # Ruby 3.4 counts graphemes by Unicode 15.0, without 15.1's rule GB9c that joins
    # an Indic conjunct into one cluster: ICU (the reference) has it, so it counts less.
    "Indic conjunct (Unicode 15.1 GB9c)": lambda t, cw: bool(_CONJUNCT.search(cw + t)),
    # The gem checks a domain with IDNA2003 (libidn), the reference with WHATWG's
    # UTS 46 (url.domainToASCII): they disagree on characters unassigned in Unicode 3.2
    # (emoji newer than 2002: refused by IDNA2003), on labels over 63 octets (refused
    # by IDNA2003 only) and on "xn--" labels that do not decode (taken by IDNA2003).
    "IDN: IDNA2003 and UTS 46 disagree": lambda t, cw: any(
        _idn_disagreement(host) for host in _HOST.findall(t, overlapped=True)),
}
_HOST = regex.compile(r"[a-z]+://([^/\s?#:]+)")


def _idn_disagreement(host: str) -> bool:
    try:
        host.encode("idna")  # Python's codec is IDNA2003 (allowing unassigned code points)
    except UnicodeError:
        return True
    if any(map(stringprep.in_table_a1, host)):
        return True
    for label in host.lower().split("."):
        if label.startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                return True
    return False


def test_mastodon_agrees_with_its_rules() -> None:
    mastodon = get_platform("mastodon")
    rng = random.Random(5)
    made = texts(5, mastodon_length, 500)
    cws = [rng.choice(["", "", "", "CW: spoilers", " cw\u00a0", "\U0001f600 "]) for _ in made]
    expected = reference("mastodon", [[t, cw] for t, cw in zip(made, cws, strict=True)])
    unexplained, named = [], dict.fromkeys(MASTODON_KNOWN, 0)
    for text, cw, ref in zip(made, cws, expected, strict=True):
        ours = mastodon_length(text, cw)
        if ours == ref["length"]:
            continue
        reason = next((name for name, applies in MASTODON_KNOWN.items() if applies(text, cw)),
                      None)
        if reason is None:
            unexplained.append((text, cw, ours, ref["length"]))
        else:
            named[reason] += 1
            # postgen follows the server, which counts more here, never less
            assert ours >= ref["length"] or "IDN" in reason, (text, ours, ref)
        assert count(text, mastodon, content_warning=cw).length == ours
    assert unexplained == []
    assert sum(named.values()) <= len(made) // 100, named  # >= 99 % agree
