"""The spans each platform links, in real headless Chromium: marked per platform in the
mockups (`ASP.NET` a link on X only, `#New-York` a hashtag `#New`), the text as sent
unchanged, a fold across a hashtag still opening, the surprises said in plain words,
and axe-core finding nothing (the link colours keep their contrast)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from postgen.pipeline import load_calendar
from postgen.render.model import Variant
from postgen.render.variants import render_calendar
from tests.conftest import CONFIG, write_files
from tests.test_browser import DESKTOP, PHONE, browser, serve  # noqa: F401
from tests.test_site import build_site

Page = Any

SPANS_CONFIG = CONFIG.replace(
    '        sms: {platform: sms, account: "+15550100"}\n',
    '        sms: {platform: sms, account: "+15550100"}\n'
    '        bluesky: {platform: bluesky, account: acme.bsky.social}\n'
    '        facebook: {platform: facebook, account: "1234"}\n')
CHANNELS = ["x", "mastodon", "bluesky", "linkedin", "facebook", "instagram", "sms",
            "newsletter"]
BODY = ("Café ❤️‍🔥 naïve émigrés: we ship ASP.NET apps from #New-York since #2024. "
        "Menu: https://example.org/menu?a=1&b=2\n")
# A Facebook post whose hashtag stands across the feed's fold (250 characters).
FOLDED = ("word " * 48 + "more #WinterHarvestCoffeeFromHuila and the words the fold hides, "
          "all of them.\n")

# (classes, text, colour, text-decoration line, font weight) of each marked span.
SPANS_JS = """ch => Array.from(
  document.querySelectorAll('article#ch-' + CSS.escape(ch) + ' .mockup-text .entity'),
  e => { const s = getComputedStyle(e);
         return [e.className, e.textContent, s.color, s.textDecorationLine, s.fontWeight]; })"""
TEXT_JS = """ch => Array.from(
  document.querySelectorAll('article#ch-' + CSS.escape(ch) + ' .mockup-text'),
  e => e.textContent)"""
NOTES_JS = """ch => Array.from(
  document.querySelectorAll('article#ch-' + CSS.escape(ch) + ' .entity-notes li'),
  e => e.textContent)"""


@pytest.fixture(scope="module")
def spans_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Variant]]]:
    root = write_files(tmp_path_factory.mktemp("spans"), {
        "mkdocs.yml": SPANS_CONFIG,
        "docs/welcome.md": "# Hi\n",
        "content/spans.md": ("---\nid: spans\ntitle: Spans\ndate: 2027-03-02 09:30\n"
                             f"channels: [{', '.join(CHANNELS)}]\nfunnel: awareness\n"
                             f"---\n{BODY}"),
        "content/folded.md": ("---\nid: folded\ntitle: Folded\ndate: 2027-03-03 09:30\n"
                              "channels: [facebook]\nfunnel: awareness\n---\n" + FOLDED),
    })
    variants = list(render_calendar(load_calendar(root)).variants)
    site = build_site(root, root / "out")
    with serve(site) as url:
        yield url, variants


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def spans(page: Page, channel: str) -> list[tuple[str, str]]:
    return [(c.replace("entity ", "").replace(" url-short", ""), t)
            for c, t, *_ in page.evaluate(SPANS_JS, channel)]


def test_each_mockup_marks_what_its_platform_links(
        page: Page, spans_site: tuple[str, list[Variant]]) -> None:
    url, variants = spans_site
    page.goto(url + "posts/spans/", wait_until="load")
    by_channel = {v.channel: v for v in variants if v.post_id == "spans"}
    assert set(by_channel) == set(CHANNELS)
    for channel, v in by_channel.items():  # only elements added: the text as sent
        assert page.evaluate(TEXT_JS, channel) == [p.text for p in v.parts], channel
    sent = by_channel["x"].links[0].sent  # the menu link as sent
    menu = ("link", sent)  # (what the feed hides of a long link is in the element too)
    shown = functools.partial(spans, page)

    assert shown("x") == [("link", "ASP.NET"), ("hashtag", "#New"), menu]
    assert shown("mastodon") == [("hashtag", "#New"), menu]
    assert shown("bluesky") == [("hashtag", "#New"), menu]
    assert shown("facebook") == [("hashtag", "#New"), menu]
    assert shown("linkedin") == [("hashtag", "#New"), menu]  # a HashtagTemplate
    assert shown("instagram") == [("hashtag", "#New")]  # its captions' links do not work
    assert shown("sms") == [menu]
    assert shown("newsletter") == [menu]

    styles = {ch: page.evaluate(SPANS_JS, ch) for ch in CHANNELS}
    plain = page.evaluate("() => getComputedStyle(document.querySelector("
                          "'article#ch-x .mockup-text')).color")
    for channel, found in styles.items():  # coloured as the platform colours them
        assert all(colour != plain for _c, _t, colour, _d, _w in found), channel
    assert {d for *_, d, _w in styles["sms"]} == {"underline"}  # phones underline links
    assert {d for *_, d, _w in styles["newsletter"]} == {"underline"}
    assert {d for *_, d, _w in styles["x"]} == {"none"}
    assert {w for *_, w in styles["linkedin"]} == {"600"}
    assert {w for *_, w in styles["x"]} == {"400"}


def test_the_client_reads_the_surprises_in_plain_words(
        page: Page, spans_site: tuple[str, list[Variant]]) -> None:
    url, _variants = spans_site
    page.goto(url + "posts/spans/", wait_until="load")
    assert page.evaluate(NOTES_JS, "x") == [
        "On X, “ASP.NET” will show as a link.",
        "On X, only “#New” of “#New-York” will work as a hashtag.",
        "On X, “#2024” will not work as a hashtag."]
    assert page.evaluate(NOTES_JS, "facebook") == [
        "On Facebook, only “#New” of “#New-York” will work as a hashtag.",
        "On Facebook, “#2024” will not work as a hashtag."]
    assert page.evaluate(NOTES_JS, "linkedin") == [  # what postgen sends as hashtags
        "On LinkedIn, only “#New” of “#New-York” will work as a hashtag.",
        "On LinkedIn, “#2024” will not work as a hashtag."]
    assert page.evaluate(NOTES_JS, "sms") == []
    assert page.locator("article#ch-x .entity-notes").is_visible()
    # No rule ids nor checker's wording outside the agency's details; they are inside.
    client = page.evaluate("() => { const b = document.body.cloneNode(true); "
                           "b.querySelectorAll('details.agency').forEach(d => d.remove()); "
                           "return b.innerText; }")
    assert "entity-" not in client and "becomes a link" not in client
    agency = page.locator("details.agency").text_content()
    assert "warning[entity-link]" in agency and "'ASP.NET' becomes a link on X" in agency


def test_a_fold_across_a_hashtag_still_opens(
        page: Page, spans_site: tuple[str, list[Variant]]) -> None:
    url, variants = spans_site
    page.goto(url + "posts/folded/", wait_until="load")
    text = page.locator("article#ch-facebook .mockup-text")
    tag = text.locator(".entity.hashtag")
    assert tag.text_content() == "#WinterHarvestCoffeeFromHuila"
    start = FOLDED.index("#")
    assert start < 250 < start + len("#WinterHarvestCoffeeFromHuila")  # across the fold
    assert not tag.is_visible()  # behind the fold, whole
    page.locator("article#ch-facebook .fold-toggle").click()
    assert tag.is_visible()
    (v,) = [v for v in variants if v.post_id == "folded"]
    assert text.text_content() == v.parts[0].text


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_marked_mockups_pass_axe(browser: Any, spans_site: tuple[str, list[Variant]],  # noqa: F811
                                 viewport: dict[str, int]) -> None:
    url, _variants = spans_site
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        for path in ("posts/spans/", "posts/folded/"):
            page.goto(url + path, wait_until="load")
            found = Axe().run(page).response["violations"]
            assert [(f["id"], [n["target"] for n in f["nodes"]]) for f in found] == [], path
    finally:
        context.close()
