"""LinkedIn little-text escaping and Bluesky facets (UTF-8 byte offsets)."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from postgen.render.model import Facet
from postgen.render.richtext import (
    LINKEDIN_RESERVED,
    bluesky_facet_json,
    bluesky_facets,
    linkedin_escape,
    linkedin_little,
    linkedin_unescape,
    utf8_offsets,
)

# -- LinkedIn ------------------------------------------------------------------


def _has_unescaped_reserved(escaped: str) -> bool:
    """Read `escaped` as LinkedIn does: is any reserved character left bare?"""
    i = 0
    while i < len(escaped):
        ch = escaped[i]
        if ch == "\\":
            if i + 1 == len(escaped) or escaped[i + 1] not in LINKEDIN_RESERVED:
                return True  # a bare backslash is itself reserved
            i += 2
        elif ch in LINKEDIN_RESERVED:
            return True
        else:
            i += 1
    return False


def test_linkedin_escapes_every_reserved_character_once() -> None:
    text = r"a|b{c}d@e[f]g(h)i<j>k#l\m*n_o~p"
    escaped = linkedin_escape(text)
    assert escaped == r"a\|b\{c\}d\@e\[f\]g\(h\)i\<j\>k\#l\\m\*n\_o\~p"
    assert linkedin_unescape(escaped) == text
    assert not _has_unescaped_reserved(escaped)


def test_linkedin_backslash_before_reserved_is_not_double_escaped() -> None:
    assert linkedin_escape("\\#") == "\\\\\\#"
    assert linkedin_unescape("\\\\\\#") == "\\#"


def test_linkedin_leaves_ordinary_text_alone() -> None:
    text = "Héllo, wörld! 50% off: 👨‍👩‍👧 — https://example.com/a?b=c&d=e"
    assert linkedin_escape(text) == text


def test_linkedin_mention_is_literal() -> None:
    assert linkedin_escape("@[Acme](urn:li:organization:1)") == (
        r"\@\[Acme\]\(urn:li:organization:1\)"
    )


@given(st.text())
def test_linkedin_round_trip(text: str) -> None:
    escaped = linkedin_escape(text)
    assert linkedin_unescape(escaped) == text
    assert not _has_unescaped_reserved(escaped)


def test_linkedin_hashtags_go_as_hashtag_templates() -> None:
    """LinkedIn's little text format: `{hashtag|#|value}` is a clickable hashtag; an
    escaped `\\#` is only text (Posts API docs, "little text format")."""
    text = "#Wholesale #cold_brew #New-York ＃日本 #2024 a#b https://x.example.com/#frag"
    assert linkedin_little(text) == (
        "{hashtag|#|Wholesale} \\#cold\\_brew {hashtag|#|New}-York {hashtag|＃|日本} "
        "\\#2024 a\\#b https://x.example.com/\\#frag")
    assert linkedin_unescape(linkedin_little(text)) == text


@given(st.text(alphabet=st.sampled_from(LINKEDIN_RESERVED + "ab\\ #x1_")))
def test_linkedin_little_round_trip(text: str) -> None:
    """Outside its templates the commentary has no bare reserved character."""
    little = linkedin_little(text)
    assert linkedin_unescape(little) == text
    templates = regex.sub(r"\{hashtag\|#\|[a-zA-Z0-9]+\}", "", little)
    assert not _has_unescaped_reserved(templates)


@given(st.text(alphabet=st.sampled_from(LINKEDIN_RESERVED + "ab\\ ")))
def test_linkedin_round_trip_dense(text: str) -> None:
    escaped = linkedin_escape(text)
    assert linkedin_unescape(escaped) == text
    assert not _has_unescaped_reserved(escaped)


# -- offsets -------------------------------------------------------------------


def test_utf8_offsets() -> None:
    text = "é☕👨‍👩‍👧x"
    assert utf8_offsets(text, 0, 1) == (0, 2)
    assert utf8_offsets(text, 1, 2) == (2, 5)
    assert utf8_offsets(text, 2, 7) == (5, 23)
    assert utf8_offsets(text, 7, 8) == (23, 24)
    assert utf8_offsets(text, 8, 8) == (24, 24)


@pytest.mark.parametrize(("start", "end"), [(-1, 1), (2, 1), (0, 9)])
def test_utf8_offsets_out_of_range(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        utf8_offsets("abc", start, end)


@given(st.text(), st.data())
def test_utf8_offsets_slice_the_same_text(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    b_start, b_end = utf8_offsets(text, start, end)
    assert text.encode()[b_start:b_end].decode() == text[start:end]


# -- Bluesky facets ------------------------------------------------------------


def _spans(text: str, facets: tuple[Facet, ...]) -> list[tuple[str, str, str]]:
    data = text.encode("utf-8")
    return [(data[f.byte_start:f.byte_end].decode("utf-8"), f.kind, f.value) for f in facets]


def _assert_well_formed(text: str, facets: tuple[Facet, ...]) -> None:
    size = len(text.encode("utf-8"))
    for f in facets:
        assert 0 <= f.byte_start < f.byte_end <= size
    for a, b in zip(facets, facets[1:], strict=False):
        assert a.byte_end <= b.byte_start


def test_facets_with_emoji() -> None:
    text = "👨‍👩‍👧 see https://x.com/a and #Coffee ☕ @alice.bsky.social"
    facets = bluesky_facets(text, [])
    assert _spans(text, facets) == [
        ("https://x.com/a", "link", "https://x.com/a"),
        ("#Coffee", "tag", "Coffee"),
        ("@alice.bsky.social", "mention", "alice.bsky.social"),
    ]
    assert facets[0].byte_start == len("👨‍👩‍👧 see ".encode())
    _assert_well_formed(text, facets)


def test_facets_after_cjk() -> None:
    text = "日本語のテキスト https://example.com/ページ 続き"
    facets = bluesky_facets(text, [])
    assert _spans(text, facets) == [
        ("https://example.com/ページ", "link", "https://example.com/ページ")
    ]
    assert facets[0].byte_start == len("日本語のテキスト ".encode()) == 25


def test_url_glued_to_cjk_stops_at_cjk_punctuation() -> None:
    text = "詳しくはhttps://example.com/a。ぜひ"
    assert _spans(text, bluesky_facets(text, [])) == [
        ("https://example.com/a", "link", "https://example.com/a")
    ]


def test_given_links_by_offset() -> None:
    text = "Read our 新しい blog post ☕ today"
    start = text.index("新しい")
    end = start + len("新しい blog post")
    facets = bluesky_facets(text, [(start, end, "https://acme.example.com/blog?utm_source=x")])
    assert _spans(text, facets) == [
        ("新しい blog post", "link", "https://acme.example.com/blog?utm_source=x")
    ]


def test_given_link_wins_over_bare_url_inside_it() -> None:
    text = "see https://acme.com/a. and https://b.com"
    start = text.index("https://acme.com/a")
    end = start + len("https://acme.com/a")
    tracked = "https://acme.com/a?utm_source=bsky"
    facets = bluesky_facets(text, [(start, end, tracked)])
    assert _spans(text, facets) == [
        ("https://acme.com/a", "link", tracked),
        ("https://b.com", "link", "https://b.com"),
    ]
    _assert_well_formed(text, facets)


def test_given_link_spanning_a_tag_and_mention() -> None:
    text = "Say hi to #team and @bob.bsky.social now"
    start, end = text.index("#team"), text.index(" now")
    facets = bluesky_facets(text, [(start, end, "https://acme.com/team")])
    assert _spans(text, facets) == [
        ("#team and @bob.bsky.social", "link", "https://acme.com/team")
    ]


def test_given_links_empty_span_is_skipped_and_bad_span_refused() -> None:
    assert bluesky_facets("abc", [(1, 1, "https://a.com")]) == ()
    with pytest.raises(ValueError):
        bluesky_facets("abc", [(1, 9, "https://a.com")])
    with pytest.raises(ValueError):
        bluesky_facets("abcdef", [(0, 3, "https://a.com"), (2, 5, "https://b.com")])


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Go to https://acme.com/x.", "https://acme.com/x"),
        ("(see https://acme.com/x)", "https://acme.com/x"),
        ("wiki https://en.wikipedia.org/wiki/Foo_(bar), ok", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("what? https://acme.com/?q=1&r=2!", "https://acme.com/?q=1&r=2"),
        ('"https://acme.com/q"', "https://acme.com/q"),
        ("HTTPS://ACME.COM/Path", "HTTPS://ACME.COM/Path"),
    ],
)
def test_bare_url_trailing_punctuation(text: str, url: str) -> None:
    assert _spans(text, bluesky_facets(text, [])) == [(url, "link", url)]


@pytest.mark.parametrize("text", ["xhttps://acme.com", "https://", "https:// acme.com", "ftp://a.com"])
def test_not_urls(text: str) -> None:
    assert bluesky_facets(text, []) == ()


@pytest.mark.parametrize(
    "text",
    ["#123", "a#b", "C#", "#_", "#1_2", "##", "# tag", "https://acme.com/#anchor"],
)
def test_not_tags(text: str) -> None:
    assert [f for f in bluesky_facets(text, []) if f.kind == "tag"] == []


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("#Coffee.", "Coffee"),
        ("(#tag)", "tag"),
        ("#tag_", "tag"),
        ("#2026goals", "2026goals"),
        ("#snake_case!", "snake_case"),
        ("#日本語", "日本語"),
        ("#हिन्दी", "हिन्दी"),
        ("＃fullwidth", "fullwidth"),
    ],
)
def test_tags(text: str, tag: str) -> None:
    facets = bluesky_facets(text, [])
    assert [(f.kind, f.value) for f in facets] == [("tag", tag)]
    assert text.encode()[facets[0].byte_start:facets[0].byte_end].decode().endswith(tag)


def test_tag_max_64_graphemes() -> None:
    assert bluesky_facets("#" + "a" * 64, [])[0].value == "a" * 64
    assert bluesky_facets("#" + "a" * 65, []) == ()


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("hi @alice.bsky.social!", "alice.bsky.social"),
        ("cc @Bob.Example.COM.", "bob.example.com"),
        ("(@a-b.c-d.dev)", "a-b.c-d.dev"),
    ],
)
def test_mentions(text: str, handle: str) -> None:
    facets = bluesky_facets(text, [])
    assert [(f.kind, f.value) for f in facets] == [("mention", handle)]
    assert text.encode()[facets[0].byte_start:facets[0].byte_end].decode().lower() == (
        "@" + handle
    )


@pytest.mark.parametrize(
    "text",
    ["mail bob@acme.com", "@alice", "@user@mastodon.social", "@a.123", "@a.local", "@-a.com"],
)
def test_not_mentions(text: str) -> None:
    assert [f for f in bluesky_facets(text, []) if f.kind == "mention"] == []


def test_facets_sorted_and_disjoint() -> None:
    text = "#b https://a.com/#c @x.bsky.social #d"
    facets = bluesky_facets(text, [])
    assert [f.kind for f in facets] == ["tag", "link", "mention", "tag"]
    _assert_well_formed(text, facets)


_PIECES = ["https://", "a", "b1", ".", "#", "＃", "@", " ", "☕", "日", "(", ")", "_", "-", "/",
           "com"]


@given(st.one_of(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join), st.text()))
def test_facets_always_well_formed(text: str) -> None:
    _assert_well_formed(text, bluesky_facets(text, []))


def test_facet_json() -> None:
    assert bluesky_facet_json(Facet(0, 5, "link", "https://a.com")) == {
        "index": {"byteStart": 0, "byteEnd": 5},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://a.com"}],
    }
    assert bluesky_facet_json(Facet(6, 24, "mention", "alice.bsky.social"))["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "handle:alice.bsky.social"}
    ]
    assert bluesky_facet_json(Facet(6, 24, "mention", "did:plc:abc"))["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:abc"}
    ]
    assert bluesky_facet_json(Facet(0, 7, "tag", "Coffee"))["features"] == [
        {"$type": "app.bsky.richtext.facet#tag", "tag": "Coffee"}
    ]
    with pytest.raises(ValueError):
        bluesky_facet_json(Facet(0, 1, "bold", ""))
