"""The site as a client sees it, in real Chromium: platform mockups, crops, the
client's words, accessibility (axe-core, offline) and weight.

A small calendar in tmp_path posts one image of each shape (4:5, 1:1, 16:9,
1.91:1, 9:16) to a channel on each of the ten platforms; each image's frame on
the page must have the ratio `postgen.platforms.previews` computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from postgen.diagnostics import RULES
from postgen.platforms.previews import fold_point, link_card_aspect, media_layout, preview_rules
from tests.conftest import image, write_files
from tests.test_browser import ARTIFACTS, DESKTOP, LAUNCH, PHONE, browser, serve  # noqa: F401
from tests.test_site import REPO, build_site

SHAPES = {"4x5": (800, 1000), "1x1": (900, 900), "16x9": (1600, 900), "191x100": (1910, 1000),
          "9x16": (900, 1600)}
PLATFORMS = {"x": "@acme", "instagram": "acme", "facebook": "104883712093551",
             "linkedin": "urn:li:organization:88412207", "threads": "acme",
             "mastodon": "@acme@mastodon.social", "bluesky": "acme.example.com",
             "pinterest": "acme", "email": "news@acme.example.com", "sms": "+15550100"}
CONFIG = """\
site_name: Look
plugins:
  - postgen:
      timezone: Europe/Berlin
      brand:
        name: Acme
        domains: [acme.example.com]
      channels:
{channels}
"""
LONG = ("Our winter harvest is here, and it is the best one yet: two single-origin coffees "
        "from farms we have bought from for six years, roasted light so that the fruit "
        "shows. Huila tastes of red apple and panela; Yirgacheffe of blueberry and jasmine. "
        "Both ship on Monday. Read the farm stories, then pick the bag for your mornings. "
        "We will be at the market on Saturday with samples of both, so come and taste them.")


def channels_yaml() -> str:
    lines = []
    for platform, account in PLATFORMS.items():
        extra = ', display_name: "Acme Coffee", avatar: assets/avatar.png' \
            if platform == "facebook" else ""
        lines.append(f'        {platform}: {{platform: {platform}, account: "{account}"{extra}}}')
    return "\n".join(lines)


def post(pid: str, day: int, body: str, channels: list[str], extra: str = "") -> str:
    return (f"---\nid: {pid}\ntitle: Post {pid}\ndate: 2027-03-{day:02d} 09:30\n"
            f"channels: [{', '.join(channels)}]\nfunnel: awareness\n{extra}---\n{body}\n")


@pytest.fixture(scope="module")
def look(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("look")
    images = {f"assets/{name}.jpg": image(*size, "JPEG") for name, size in SHAPES.items()}
    everywhere = list(PLATFORMS)
    posts = {
        f"content/{name}.md": post(f"shape-{name}", 2 + i, f"A {name} picture.", everywhere,
                                   f"image: assets/{name}.jpg\nalt: A {name} picture\n")
        for i, name in enumerate(SHAPES)
    }
    folding = [p for p in everywhere if p not in ("x", "bluesky", "sms", "threads")]
    write_files(root, {
        "mkdocs.yml": CONFIG.format(channels=channels_yaml()),
        "docs/welcome.md": "# Hi\n",
        "assets/avatar.png": image(64, 64),
        **images,
        **posts,
        "content/long.md": post("long", 10, LONG, folding),
        "content/grid.md": post(
            "grid", 11, "Three pictures.", ["x", "instagram", "facebook", "mastodon"],
            "media:\n" + "".join(f"  - src: assets/{n}.jpg\n    alt: {n}\n"
                                 for n in ("1x1", "4x5", "16x9"))),
        "content/paid.md": post(
            "paid", 12, "Shop the harvest.", ["facebook", "instagram", "linkedin"],
            "cta: {text: Shop now, url: 'https://acme.example.com/shop'}\n"
            "paid: {budget: 100, currency: EUR, objective: traffic}\n"),
        "content/card.md": post(
            "card", 13, "Read the story.", ["facebook", "linkedin", "bluesky", "threads"],
            "cta: {text: The farm story, url: 'https://acme.example.com/story'}\n"),
    })
    site = build_site(root, root / "site", now="2027-03-01T09:00")
    with serve(site) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


FRAMES_JS = """() => Array.from(document.querySelectorAll('article.variant'), a => ({
  channel: a.dataset.channel,
  frames: Array.from(a.querySelectorAll('.mockup .crop img, .mockup .card-image'), f => {
    const r = f.getBoundingClientRect(); return r.width / r.height; })}))"""


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_image_shows_at_the_crop_the_library_computed(
        page: Any, look: str, shape: str) -> None:
    page.goto(f"{look}posts/shape-{shape}/", wait_until="load")
    shown = {a["channel"]: a["frames"] for a in page.evaluate(FRAMES_JS)}
    assert set(shown) == set(PLATFORMS)
    for platform in PLATFORMS:
        (crop,) = media_layout(platform, [SHAPES[shape]]).crops
        assert len(shown[platform]) == 1, platform
        assert shown[platform][0] == pytest.approx(crop.aspect, rel=0.01), (platform, shape)
    # 4:5 and 1:1 show whole on the feeds that bound them; 9:16 does not fit X's bounds.
    if shape in ("4x5", "1x1"):
        assert not any(media_layout(p, [SHAPES[shape]]).crops[0].cropped for p in PLATFORMS)
    if shape == "9x16":
        assert media_layout("x", [SHAPES[shape]]).crops[0].cropped


def test_grids_carousels_and_link_cards_show_as_computed(page: Any, look: str) -> None:
    page.goto(f"{look}posts/grid/", wait_until="load")
    shown = {a["channel"]: a["frames"] for a in page.evaluate(FRAMES_JS)}
    sizes = [SHAPES[n] for n in ("1x1", "4x5", "16x9")]
    for platform, frames in shown.items():
        layout = media_layout(platform, sizes)
        assert frames == pytest.approx([c.aspect for c in layout.crops], rel=0.01), platform
    assert page.locator("#ch-x .media-grid").count() == 1
    assert page.locator("#ch-instagram .media-carousel").count() == 1
    page.goto(f"{look}posts/card/", wait_until="load")
    shown = {a["channel"]: a["frames"] for a in page.evaluate(FRAMES_JS)}
    for platform, frames in shown.items():
        assert frames == pytest.approx([link_card_aspect(platform)], rel=0.01), platform
        assert page.locator(f"#ch-{platform} .link-card .card-title").text_content() \
            == "The farm story"


def test_every_platform_has_its_layout(page: Any, look: str) -> None:
    page.goto(f"{look}posts/shape-1x1/", wait_until="load")
    for platform in PLATFORMS:
        mockup = page.locator(f"#ch-{platform} .mockup")
        assert mockup.locator(".post-head .avatar").count() >= 1, platform
        name = "Acme Coffee" if platform == "facebook" else "Acme"
        assert mockup.locator(".post-head .display-name").first.text_content() == name
        assert mockup.locator(".action-row").count() >= 1, platform
    # The channel's avatar is the picture it is given; the others have the initial.
    assert page.locator("#ch-facebook .post-head img.avatar").count() == 1
    assert page.locator("#ch-x .post-head span.avatar").text_content() == "A"
    # Instagram: the photo comes before the caption.
    order = page.evaluate("""() => { const m = document.querySelector('#ch-instagram .mockup');
      return [m.querySelector('.media'), m.querySelector('.mockup-text')].map(
        e => e.getBoundingClientRect().top); }""")
    assert order[0] < order[1]


def test_the_fold_is_where_the_platform_cuts(page: Any, look: str) -> None:
    page.goto(f"{look}posts/long/", wait_until="load")
    folding = [p for p in PLATFORMS if p not in ("x", "bluesky", "sms", "threads")]
    for platform in folding:
        article = page.locator(f"#ch-{platform}")
        text = article.locator(".mockup-text").first
        full = text.text_content()
        cut = fold_point(full, platform)
        toggle = article.locator(".fold-toggle")
        if cut is None:
            assert toggle.count() == 0, platform
            continue
        assert toggle.is_visible(), platform
        assert toggle.text_content() == preview_rules(platform).fold_label
        assert text.inner_text() == full[:cut], platform  # the feed shows up to the fold
        toggle.click()
        assert text.inner_text() == full, platform
        assert full == LONG  # the exact text is there all along
    assert {p for p in folding if fold_point(LONG, p) is not None} >= {
        "instagram", "linkedin", "facebook"}


def test_paid_posts_say_sponsored_and_show_the_call_to_action(page: Any, look: str) -> None:
    page.goto(f"{look}posts/paid/", wait_until="load")
    for platform in ("facebook", "instagram", "linkedin"):
        article = page.locator(f"#ch-{platform}")
        assert article.locator(".sponsored").first.text_content() == "Sponsored"
        cta = article.locator(".cta-btn")
        assert cta.text_content() == "Shop now"
        assert cta.get_attribute("href") == "https://acme.example.com/shop"


# -- the client's words -----------------------------------------------------------------


#: A page's rendered text (what CSS shows), outside <details> and outside the links in
#: the posts' own text and its diff (a tracked link carries the post's id in utm_content: that is
#: what is sent, and the mockup shows it as the platform does).
RENDERED_JS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('details, .mockup-text a, .diff-text, script').forEach(e => e.remove());
  document.body.after(body); body.hidden = false;
  const text = body.innerText; body.remove(); return text; }"""


def test_client_pages_show_no_developer_words(page: Any, tmp_path: Path) -> None:
    from tests.test_site import example_calendar  # noqa: PLC0415

    calendar = example_calendar()
    site = build_site(REPO, tmp_path / "site")
    ids = [p.id for p in calendar.posts]
    accounts = [c.account for c in calendar.config.channels.values()
                if c.platform in ("linkedin", "facebook", "sms")]
    pages = sorted(str(p.relative_to(site).parent) for p in site.rglob("index.html")
                   if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8"))
    assert len(pages) > 50
    with serve(site) as url:
        for path in pages:
            page.goto(f"{url}{'' if path == '.' else path + '/'}", wait_until="domcontentloaded")
            text = page.evaluate(RENDERED_JS)
            assert len(text) > 100, path
            assert "`" not in text, path
            assert not re.search(r"\b[0-9a-f]{12,64}\b", text), path  # a content hash
            for pid in ids:
                assert pid not in text, (path, pid)
            for account in accounts:
                assert account not in text, (path, account)
            for rule in RULES:
                assert not re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", text), (path, rule)
            assert "postgen publish" not in text, path


def test_words_on_the_example(page: Any, tmp_path: Path) -> None:
    site = build_site(REPO, tmp_path / "site")
    with serve(site) as url:
        page.goto(url + LAUNCH, wait_until="load")
        counts = page.locator("#ch-x .count").text_content() or ""
        assert re.fullmatch(r"\s*(Part \d: )?\d+ of 280 characters.*", counts, re.S), counts
        page.goto(url + "posts/2026-12-07-sms-winter-harvest-live/", wait_until="load")
        assert page.locator("#ch-sms .count").text_content() == \
            "Fits in 1 text message (2 would cost double)"
        # A send that failed: in red.
        page.goto(url + "posts/2026-12-03-newsletter-gift-guide/", wait_until="load")
        in_red(page, "Failed", "is due Thu 3 Dec, 10:00")
        # The SMS link is never broken across lines, even on a phone.
        page.set_viewport_size(PHONE)
        page.goto(url + "posts/2026-12-07-sms-winter-harvest-live/", wait_until="load")
        links = page.locator("#ch-sms .mockup-text a")
        assert links.count() >= 1
        for i in range(links.count()):
            assert links.nth(i).evaluate("a => a.getClientRects().length") == 1
            assert links.nth(i).evaluate("""a => a.getBoundingClientRect().right
              <= a.closest('.mockup-text').getBoundingClientRect().right""")  # inside it
        page.set_viewport_size(DESKTOP)
        # The email: its HTML in a sandboxed frame, subject and preheader above, the
        # plain text beneath.
        page.goto(url + "posts/2026-12-03-newsletter-gift-guide/", wait_until="load")
        mail = page.locator("#ch-newsletter .mockup")
        frame = mail.locator("iframe.mail-frame")
        assert frame.get_attribute("sandbox") == "allow-same-origin"  # no scripts
        assert "<" in (frame.get_attribute("srcdoc") or "")
        assert mail.locator(".mockup-subject").text_content()
        assert mail.locator(".mail-preheader").text_content()
        tops = mail.evaluate("""m => ['.mockup-subject', 'iframe', '.mockup-text'].map(
          s => m.querySelector(s).getBoundingClientRect().top)""")
        assert tops == sorted(tops)
        assert frame.evaluate("f => f.getBoundingClientRect().height") > 300
        # The month marks today.
        page.goto(url + "month/2026-12/", wait_until="load")
        assert page.locator("td.today time").text_content() == "1"
        assert page.locator(".today-mark").count() == 1
        # Home: one call to action, in posts.
        page.goto(url, wait_until="load")
        assert re.fullmatch(r"Review \d+ posts: the first is due \w{3} \d+ \w{3}",
                            page.locator(".btn-main").text_content() or "")


def in_red(page: Any, label: str, detail: str) -> None:
    """The page's first missed-or-failed state says `label` and `detail`, in red."""
    state = page.locator(".state-missed").first
    assert state.locator(".state-label").text_content() == label
    assert state.locator(".state-detail").text_content() == detail
    colour = state.locator(".state-label").evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(179, 38, 30)"


def test_an_approved_post_whose_time_passed_unsent_reads_missed_in_red(
        page: Any, tmp_path: Path) -> None:
    site = build_site(REPO, tmp_path / "site", now="2027-02-01T09:00")
    with serve(site) as url:
        page.goto(url + "posts/2026-12-06-sunday-mug-check/", wait_until="load")
        in_red(page, "Missed", "was due Sun 6 Dec, 17:00")
        page.goto(url, wait_until="load")  # the overview puts it first
        first = page.locator("#h-attention + ul .chip-title").first.text_content()
        assert first and page.locator("section.attention").count() == 1


# -- the week filter -----------------------------------------------------------------------


CHIPS = """() => Array.from(document.querySelectorAll('.chip'), c => ({
  channels: c.dataset.channels.split(' '), visible: c.getClientRects().length > 0}))"""


def test_week_filter_hides_each_post_not_each_day(page: Any, tmp_path: Path) -> None:
    """W51 filtered to SMS showed an Instagram post: one day's last post decided
    whether the whole day showed."""
    site = build_site(REPO, tmp_path / "site")
    with serve(site) as url:
        page.goto(url + "week/2026-W51/?channel=sms", wait_until="load")
        chips = page.evaluate(CHIPS)
        assert any(c["visible"] for c in chips)
        assert any("sms" not in c["channels"] for c in chips)
        for chip in chips:
            assert chip["visible"] == ("sms" in chip["channels"]), chip
        assert page.locator(".no-match").is_hidden()
        page.select_option("select[name=status]", "draft")  # none in W51 with SMS
        assert page.evaluate("() => document.querySelectorAll('.chip').length") > 0
        assert all(not c["visible"] for c in page.evaluate(CHIPS))
        assert page.locator(".no-match").is_visible()


def test_batch_approval_covers_what_the_filters_show(page: Any, tmp_path: Path) -> None:
    site = build_site(REPO, tmp_path / "site")
    with serve(site) as url:
        page.goto(url + "month/2026-12/approve/", wait_until="load")
        text = page.locator(".review-view .approval-text").first
        everything = text.text_content() or ""
        assert page.locator(".review-note").is_hidden()
        page.goto(url + "month/2026-12/?channel=sms", wait_until="load")
        carry = page.locator("a.carry-filters")
        assert carry.text_content() == "Approve the posts shown together"
        carry.click()
        page.wait_for_url(url + "month/2026-12/approve/?channel=sms")
        narrowed = text.text_content() or ""
        channels = re.findall(r"^([a-z0-9_-]+): [0-9a-f]{16}$", narrowed, re.MULTILINE)
        assert channels and set(channels) == {"sms"}
        assert narrowed.count("postgen-approval:") < everything.count("postgen-approval:")
        assert page.locator(".review-note").is_visible()
        link = page.locator(".review-view a.btn-approve").first  # short enough now: a link
        href = link.get_attribute("href") or ""
        assert link.is_visible() and len(href) < 2000
        assert unquote(href.split("body=", 1)[1]) == narrowed
