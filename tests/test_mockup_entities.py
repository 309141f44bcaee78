"""The spans each platform links, marked in the site's mockups: escaped, at the right
place after emoji and accented text, the element's text exactly the text as sent,
and the surprises said to the client in plain words."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from postgen.platforms.previews import fold_point, preview_rules
from postgen.render.entities import part_entities
from postgen.render.model import Facet, Link, Part, Variant
from postgen.render.richtext import bluesky_facets, utf8_offsets
from postgen.site.pages import entity_notes, fold_label, rich_text


class Spans(HTMLParser):
    """The text content of some HTML, and each marked span: (classes, href, its text)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.spans: list[tuple[str, str | None, str]] = []
        self._open: list[tuple[str, str | None, int] | None] = []
        self.feed(markup)
        self.close()
        assert self._open == [], markup  # every element closed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        entity = "entity" in (a.get("class") or "").split()
        self._open.append((a.get("class") or "", a.get("href"), len(self.text))
                          if entity else None)

    def handle_endtag(self, tag: str) -> None:
        opened = self._open.pop()
        if opened is not None:
            classes, href, start = opened
            self.spans.append((classes, href, self.text[start:]))

    def handle_data(self, data: str) -> None:
        self.text += data


def marked(text: str, platform: str, facets: tuple[Facet, ...] = ()) -> Spans:
    out = Spans(str(rich_text(Part(text, facets), platform)))
    assert out.text == text  # only elements added: the text as sent
    return out


def test_x_marks_what_twitter_text_links_after_emoji_and_accents() -> None:
    text = "👩‍👩‍👧 Café ❤️ ASP.NET at #New-York, $TSLA & @fernwood_roast: é.com"
    got = marked(text, "x").spans
    assert got == [("entity link", "http://ASP.NET", "ASP.NET"),
                   ("entity hashtag", None, "#New"),
                   ("entity cashtag", None, "$TSLA"),
                   ("entity mention", None, "@fernwood_roast"),
                   ("entity link", "http://é.com", "é.com")]


def test_each_platform_marks_only_its_own_spans() -> None:
    text = "See https://example.com/a?b=1&c=2 or ASP.NET, #coffee and @dana."
    spans = {p: [(c.split()[1], t) for c, _h, t in marked(text, p).spans]
             for p in ("x", "mastodon", "linkedin", "facebook", "instagram", "threads",
                       "pinterest", "sms", "email")}
    url = "https://example.com/a?b=1&c=2"
    assert spans["x"] == [("link", url), ("link", "ASP.NET"), ("hashtag", "#coffee"),
                          ("mention", "@dana")]
    assert spans["mastodon"] == [("link", url), ("hashtag", "#coffee"), ("mention", "@dana")]
    assert spans["facebook"] == [("link", url), ("hashtag", "#coffee")]
    assert spans["linkedin"] == [("link", url), ("hashtag", "#coffee")]  # as a template
    assert spans["instagram"] == [("hashtag", "#coffee"), ("mention", "@dana")]
    assert spans["threads"] == [("link", url), ("mention", "@dana")]
    assert spans["sms"] == spans["email"] == [("link", url)]
    assert spans["pinterest"] == []  # shown plain


def test_spans_are_escaped_in_text_and_href() -> None:
    text = 'Say <b>&"hi"\'</b> and <x>'
    start, end = utf8_offsets(text, 4, 4 + len('<b>&"hi"\'</b>'))
    href = 'https://example.com/?q="1"&r=<2>'
    out = str(rich_text(Part(text, (Facet(start, end, "link", href),)), "bluesky"))
    assert "<b>" not in out and "<x>" not in out and "&amp;" in out
    assert 'href="https://example.com/?q=&quot;1&quot;&amp;r=&lt;2&gt;"' in out
    got = marked(text, "bluesky", (Facet(start, end, "link", href),))
    assert got.spans == [("entity link", href, '<b>&"hi"\'</b>')]


def test_adjacent_spans_and_spans_at_start_and_end() -> None:
    text = "#one@two.bsky.social"  # two facets side by side: the whole text
    a, b = utf8_offsets(text, 0, 4), utf8_offsets(text, 4, len(text))
    facets = (Facet(*a, "tag", "one"), Facet(*b, "mention", "two.bsky.social"))
    assert [(c, t) for c, _h, t in marked(text, "bluesky", facets).spans] == [
        ("entity hashtag", "#one"), ("entity mention", "@two.bsky.social")]
    ends = marked("#start middle https://example.com/end", "mastodon").spans
    assert [t for _c, _h, t in ends] == ["#start", "https://example.com/end"]


def test_bluesky_byte_offsets_map_to_the_characters_after_emoji() -> None:
    text = "🇺🇦 Ça va? 👍🏽 https://example.com/é and #café"
    start = text.index("https://")
    facets = bluesky_facets(text, [(start, start + len("https://example.com/é"),
                                    "https://example.com/é")])
    assert [(c, t) for c, _h, t in marked(text, "bluesky", facets).spans] == [
        ("entity link", "https://example.com/é"), ("entity hashtag", "#café")]
    assert part_entities(Part(text, facets), "bluesky")[0].start == start


@pytest.mark.parametrize("platform", ["instagram", "facebook"])
def test_a_span_across_the_fold_stays_whole_after_it(platform: str) -> None:
    limit = preview_rules(platform).fold_after
    assert limit is not None
    tag = "#WinterHarvestCoffeeFromHuila"
    for offset in range(-3, 10):  # the fold's limit lands before, on and inside the tag
        at = limit - offset
        text = ("word " * 100)[:at - 1] + " " + (tag + " and more words after it ") * 3
        assert text.index(tag) == at
        out = str(rich_text(Part(text), platform))
        assert Spans(out).text == text
        assert fold_label(Part(text), platform) is not None
        assert out.count('<span class="after-fold"') == 1
        assert f'<span class="entity hashtag">{tag}</span>' in out  # never cut
        folded_at = fold_point(text, platform, [(at, at + len(tag))])
        if at < limit < at + len(tag):  # across the fold: the whole tag goes after it
            assert folded_at == at
            assert out.index("after-fold") < out.index(tag)


def test_a_span_that_opens_the_text_folds_after_itself() -> None:
    url = "https://example.com/" + "a" * 300
    text = url + " and then the words the fold hides"
    at = fold_point(text, "linkedin", [(0, len(url))])
    assert at == len(url) + 1
    out = Spans(str(rich_text(Part(text), "linkedin")))  # its fold: 210 characters
    assert out.text == text and out.spans[0][2] == url


def variant(platform: str, text: str, links: tuple[Link, ...] = ()) -> Variant:
    return Variant(post_id="p", channel="ch", platform=platform, account="a",
                   date=datetime(2027, 3, 2, tzinfo=UTC), parts=(Part(text),), links=links)


def test_notes_say_the_surprises_in_the_clients_words() -> None:
    text = "We ship ASP.NET apps from #New-York since #2024, see fernwoodroasters.com."
    assert entity_notes(variant("x", text), ["fernwoodroasters.com"]) == [
        "On X, “ASP.NET” will show as a link.",
        "On X, only “#New” of “#New-York” will work as a hashtag.",
        "On X, “#2024” will not work as a hashtag."]
    assert entity_notes(variant("mastodon", text), []) == [
        "On Mastodon, only “#New” of “#New-York” will work as a hashtag.",
        "On Mastodon, “#2024” will not work as a hashtag."]
    assert entity_notes(variant("instagram", text), []) == [
        "On Instagram, only “#New” of “#New-York” will work as a hashtag.",
        "On Instagram, “#2024” will not work as a hashtag."]
    assert entity_notes(variant("sms", text), []) == []  # phones make no hashtags
    assert entity_notes(variant("x", "Read https://example.com/#top and #coffee."), []) == []
