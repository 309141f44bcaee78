"""The approval site in a real browser: Debian's headless Chromium driven by Playwright.

The example calendar is built once per module by `mkdocs build` and served by
a threaded `http.server` on 127.0.0.1; one browser serves every test.
Screenshots go to test-artifacts/ at the repo root.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import playwright.sync_api as playwright_api  # the [test] extra: never missing quietly
import pytest

from postgen.models import Calendar, Post
from postgen.render.model import Variant
from postgen.render.variants import render_calendar
from tests.conftest import CONFIG, write_files
from tests.test_site import REPO, build_site, example_calendar

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():  # fail loudly (CI installs it: .ci/run), unless told to skip
    if os.environ.get("POSTGEN_SKIP_BROWSER") == "1":
        pytest.skip("POSTGEN_SKIP_BROWSER=1: the browser tests are skipped",
                    allow_module_level=True)
    pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (as .ci/run "
                "does), or set POSTGEN_SKIP_BROWSER=1 to skip the browser tests knowingly",
                pytrace=False)

Browser = Any  # playwright.sync_api.Browser
Page = Any  # playwright.sync_api.Page

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"
LAUNCH = "posts/2026-12-07-winter-harvest-launch/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port); yields the base URL, ending in '/'."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(REPO, tmp_path_factory.mktemp("browser") / "site")


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return example_calendar()


@pytest.fixture(scope="module")
def variants(calendar: Calendar) -> tuple[Variant, ...]:
    return render_calendar(calendar).variants


def in_december(calendar: Calendar) -> list[Post]:
    tz = calendar.config.timezone
    return [p for p in calendar.posts
            if (p.date.astimezone(tz).year, p.date.astimezone(tz).month) == (2026, 12)]


CHIPS_JS = """() => Array.from(document.querySelectorAll('.chip'), c => ({
  href: c.href, title: c.querySelector('.chip-title').textContent,
  channels: c.dataset.channels.split(' '), campaign: c.dataset.campaign,
  stage: c.dataset.stage, visible: c.getClientRects().length > 0,
  in_month: !c.closest('.other-month')}))"""


def chips(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(CHIPS_JS)
    return result


# -- the month page ---------------------------------------------------------------------


def test_month_page_lists_decembers_posts_and_opens_them(
        page: Page, base_url: str, calendar: Calendar) -> None:
    page.goto(base_url + "month/2026-12/")
    shown = {c["href"]: c["title"] for c in chips(page)}
    december = in_december(calendar)
    assert len(december) > 20
    for post in december:
        url = f"{base_url}posts/{post.id}/"
        assert shown.get(url) == post.title, post.id

    launch = calendar.post("2026-12-07-winter-harvest-launch")
    assert launch is not None
    page.click(f'a.chip[href$="{LAUNCH}"]')
    page.wait_for_url(base_url + LAUNCH)
    assert page.url == base_url + LAUNCH
    assert page.locator("h1").text_content() == launch.title


def test_every_mockup_shows_exactly_what_render_sends(
        page: Page, base_url: str, calendar: Calendar, variants: tuple[Variant, ...]) -> None:
    by_post: dict[str, list[Variant]] = {}
    for v in variants:
        by_post.setdefault(v.post_id, []).append(v)
    assert set(by_post) == {p.id for p in calendar.posts}
    collect = """channels => Object.fromEntries(channels.map(ch => [ch, Array.from(
      document.querySelectorAll('article#ch-' + CSS.escape(ch) + ' .mockup-text'),
      e => e.textContent)]))"""
    for post in calendar.posts:
        page.goto(f"{base_url}posts/{post.id}/", wait_until="domcontentloaded")
        shown = page.evaluate(collect, [v.channel for v in by_post[post.id]])
        for v in by_post[post.id]:
            assert shown[v.channel] == [p.text for p in v.parts], (post.id, v.channel)


def test_filters_narrow_the_month_and_live_in_the_url(
        page: Page, base_url: str, calendar: Calendar) -> None:
    page.goto(base_url + "month/2026-12/")
    form = page.locator("form.filters")
    assert form.is_visible()
    count = form.locator("output.filter-count")
    everything = chips(page)
    # Counted: the month's own posts, not the neighbouring months' days in its grid.
    total = sum(c["in_month"] for c in everything)
    assert 0 < total < len(everything)
    assert all(c["visible"] for c in everything)
    assert count.text_content() == f"{total} of {total} posts"

    page.select_option("select[name=channel]", "sms")
    now = chips(page)
    sms = [c for c in now if "sms" in c["channels"]]
    assert 0 < len(sms) < total
    assert [c["href"] for c in now if c["visible"]] == [c["href"] for c in sms]
    assert count.text_content() == f"{sum(c['in_month'] for c in sms)} of {total} posts"
    assert parse_qs(urlsplit(page.url).query) == {"channel": ["sms"]}

    # A campaign and a stage that some, not all, SMS posts share.
    combos = [(c["campaign"], c["stage"]) for c in sms if c["campaign"]]
    campaign, stage = next(
        (cs for cs in combos
         if 0 < sum((c["campaign"], c["stage"]) == cs for c in sms) < len(sms)), combos[0])
    page.select_option("select[name=campaign]", campaign)
    page.select_option("select[name=stage]", stage)
    narrowed = [c["href"] for c in sms if (c["campaign"], c["stage"]) == (campaign, stage)]
    assert 0 < len(narrowed) < len(sms)
    assert [c["href"] for c in chips(page) if c["visible"]] == narrowed
    in_month = sum(c["in_month"] for c in sms if c["href"] in narrowed)
    assert count.text_content() == f"{in_month} of {total} posts"
    assert parse_qs(urlsplit(page.url).query) == {
        "channel": ["sms"], "campaign": [campaign], "stage": [stage]}

    # The filtered URL, opened afresh, applies the same filter.
    page.goto(page.url)
    assert page.locator("select[name=channel]").input_value() == "sms"
    assert [c["href"] for c in chips(page) if c["visible"]] == narrowed

    for name in ("channel", "campaign", "stage"):
        page.select_option(f"select[name={name}]", "")
    assert all(c["visible"] for c in chips(page))
    assert count.text_content() == f"{total} of {total} posts"
    assert urlsplit(page.url).query == ""


# -- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "", "month/2026-12/", "week/2026-W50/", LAUNCH, "funnel/", "review/", "campaigns/",
    "channels/", "results/",
])
def test_no_console_errors(page: Page, base_url: str, path: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error"
            else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    response = page.goto(base_url + path, wait_until="load")
    assert response is not None and response.status == 200
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
    assert errors == []


def test_readable_without_javascript(browser: Browser, base_url: str, calendar: Calendar) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(base_url + "month/2026-12/")
        assert page.locator("form.filters").is_hidden()
        titles = page.locator(".chip .chip-title")
        visible = [titles.nth(i).text_content() for i in range(titles.count())
                   if titles.nth(i).is_visible()]
        for post in in_december(calendar):
            assert post.title in visible, post.id
    finally:
        context.close()


def test_tab_reaches_the_skip_link_first(page: Page, base_url: str) -> None:
    # Focus and a same-page jump settle asynchronously: the checks wait for them
    # (Playwright's expect, up to the context's timeout) instead of reading at once.
    expect = playwright_api.expect
    page.goto(base_url, wait_until="load")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    assert page.evaluate("() => [document.activeElement.getAttribute('href'), "
                         "document.activeElement.textContent]") == ["#main", "Skip to content"]
    expect(skip).to_be_visible()  # shown while focused
    assert page.locator("#main").count() == 1
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "#main")
    expect(page.locator("#main")).to_be_focused()


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots_and_no_sideways_scrolling(
        page: Page, base_url: str, width: dict[str, int]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(width)
    overflowing = []
    for name, path in (("home", ""), ("month", "month/2026-12/"), ("post", LAUNCH)):
        page.goto(base_url + path, wait_until="load")
        # Images load lazily, and a full-page shot does not scroll: load them all, then
        # check each one decoded (a broken media link would show as an empty frame).
        broken = page.evaluate("""() => Promise.all([...document.images].map(img => {
            img.loading = "eager";
            return img.decode().then(() => null, () => img.getAttribute("src"));
        })).then(found => found.filter(Boolean))""")
        assert broken == [], (name, broken)
        shot = ARTIFACTS / f"{name}-{width['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.is_file() and shot.stat().st_size > 10_000, shot
        if width == PHONE:
            sizes = page.evaluate("() => [document.documentElement.scrollWidth, "
                                  "window.innerWidth]")
            if sizes[0] > sizes[1] + 1:
                overflowing.append(f"{name}: scrollWidth {sizes[0]} > {sizes[1]}")
    assert overflowing == []


def test_the_example_marks_the_spans_each_platform_links(page: Page, base_url: str) -> None:
    spans = """ch => Array.from(document.querySelectorAll(
      'article#ch-' + ch + ' .mockup-text .entity'), e => [e.classList[1], e.textContent])"""
    page.goto(base_url + LAUNCH, wait_until="load")
    assert ["hashtag", "#SpecialtyCoffee"] in page.evaluate(spans, "x")
    assert [k for k, _t in page.evaluate(spans, "instagram")].count("hashtag") >= 2
    assert not any(t.startswith("$") for _k, t in page.evaluate(spans, "mastodon"))  # "$19"
    assert page.locator(".entity-notes").count() == 0  # the example means its spans


# -- a hostile post --------------------------------------------------------------------------


def test_script_in_a_post_never_runs(browser: Browser, tmp_path: Path) -> None:
    title = "<script>alert(1)</script>"
    root = write_files(tmp_path, {
        "mkdocs.yml": CONFIG,
        "docs/welcome.md": "# Hi\n",
        "content/xss.md": (f"---\nid: xss\ntitle: {json.dumps(title)}\ndate: 2027-03-02 09:30\n"
                           "channels: [x, linkedin, mastodon, newsletter]\nfunnel: awareness\n"
                           "---\n<img src=x onerror=alert(2)>\n"),
    })
    site = build_site(root, tmp_path / "out")
    context = browser.new_context(viewport=DESKTOP)
    dialogs: list[str] = []
    errors: list[str] = []
    try:
        page = context.new_page()

        def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        page.on("pageerror", lambda e: errors.append(str(e)))
        with serve(site) as url:
            page.goto(url + "posts/xss/", wait_until="load")
            assert page.evaluate("() => document.querySelector('h1').textContent") == title
            # The site's own scripts, only:
            assert page.evaluate("() => Array.from(document.scripts, s => s.getAttribute("
                                 "'src'))") == ["../../assets/review.js",
                                                "../../assets/postgen.js"]
            assert page.locator("main img").count() == 0
            assert "<img src=x onerror=alert(2)>" in page.locator(".mockup-text").first.inner_text()
            page.wait_for_timeout(200)
            page.goto(url + "month/2027-03/", wait_until="load")
            assert page.locator(".chip-title").all_text_contents() == [title]
            page.wait_for_timeout(200)
    finally:
        context.close()
    assert dialogs == []
    assert errors == []


def test_approval_states_show_and_links_carry_the_hash(
    page: Page, base_url: str, variants: tuple[Variant, ...]
) -> None:
    by_key = {(v.post_id, v.channel): v for v in variants}
    page.goto(f"{base_url}/posts/2026-12-01-winter-harvest-teaser/")  # sent (the ledger)
    sent = page.locator("article#ch-x .state")
    assert sent.locator(".state-label").text_content() == "Published"
    page.goto(f"{base_url}/posts/2027-01-01-happy-new-year/")
    approved = page.locator("article#ch-x .state")
    assert approved.locator(".state-label").text_content() == "Scheduled"
    assert "Approved by dana.whitfield@fernwoodroasters.com on" in (
        approved.locator(".state-detail").text_content() or "")

    page.goto(f"{base_url}/posts/2027-01-14-newsletter-brew-school-january/")
    changed = page.locator("article#ch-newsletter .state")
    assert changed.locator(".state-label").text_content() == "Changed since approval"
    assert changed.locator(".diff-old del").first.text_content() == "noon"
    assert "10 am" in (changed.locator(".diff-new").text_content() or "")
    # One message per post, carrying every channel that waits (not one per channel):
    assert page.locator("article a.btn-approve").count() == 0
    approve = page.locator(".review-actions a.btn-approve").first
    href = approve.get_attribute("href") or ""
    current = by_key[("2027-01-14-newsletter-brew-school-january", "newsletter")]
    assert href.startswith("mailto:social@fernwoodroasters.com?subject=")
    body = unquote(href.split("body=", 1)[1])
    assert f"\nnewsletter: {current.hash[:16]}\n" in body
    assert all(len(line) <= 72 for line in body.splitlines())  # no mail program wraps them

    page.goto(f"{base_url}/posts/2026-12-08-huila-producer-story/")
    requested = page.locator("article#ch-linkedin .state")
    assert requested.locator(".state-label").text_content() == "Changes requested"
    assert "Pitalito" in (requested.locator(".state-detail").text_content() or "")


def test_the_reviewer_is_picked_once_and_asks_for_changes_in_their_own_name(
        page: Page, base_url: str) -> None:
    reviewers = ["dana.whitfield@fernwoodroasters.com", "sam.ortega@fernwoodroasters.com"]
    page.goto(f"{base_url}/posts/2026-12-07-winter-harvest-launch/")
    page.select_option(".reviewer-pick select", reviewers[1])
    page.goto(f"{base_url}/posts/2026-12-08-huila-producer-story/")  # another page
    assert page.locator(".reviewer-pick select").input_value() == reviewers[1]
    links = page.locator(".review-actions a.btn:visible")
    hrefs = [unquote(h or "") for h in links.evaluate_all("els => els.map(e => e.href)")]
    assert len(hrefs) == 2 and all("\nby: " + reviewers[1] + "\n" in h for h in hrefs)
    assert "\nnote: WRITE WHAT SHOULD CHANGE" in hrefs[1]
    page.locator(".by-reviewer:visible details.copy summary").click()
    page.locator(".by-reviewer:visible .copy-text").first.click()
    page.wait_for_function(  # the clipboard answers asynchronously
        "() => Array.from(document.querySelectorAll('.copy-text'))"
        ".some(b => b.textContent === 'Copied')")


def test_month_page_offers_every_waiting_version_in_one_text(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}month/2026-12/")
    page.click("a.carry-filters")
    page.wait_for_url(f"{base_url}month/2026-12/approve/")
    text = page.locator(".review-view .by-reviewer").first.locator(
        ".approval-text").text_content() or ""
    assert text.count("postgen-approval: approve") > 10  # a block per post waiting


def test_every_mail_link_on_the_example_site_fits_a_mail_program(built_site: Path) -> None:
    """Many mail programs cut a mailto: link at about 2,000 characters."""
    longest = 0
    for page_file in built_site.rglob("*.html"):
        for href in re.findall(r'href="(mailto:[^"]*)"', page_file.read_text("utf-8")):
            longest = max(longest, len(html.unescape(href)))
    assert 0 < longest < 2000


def test_a_new_calendar_s_buttons_open_a_message_chromium_allows(
        browser: Browser, tmp_path: Path) -> None:
    """`postgen init`'s default: a mailto: link per post (Chromium refuses data: URLs),
    signed with the name the reviewer types once; its text records the approval."""
    from datetime import date

    from click.testing import CliRunner

    from postgen.cli import cli
    from postgen.scaffold import new_calendar

    root = tmp_path / "acme"
    new_calendar(root, "Acme", "UTC", date(2030, 1, 1))
    site = build_site(root, tmp_path / "site")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    with serve(site) as url:
        page.goto(url)
        post_url = page.evaluate("() => document.querySelector('a.chip').href")
        page.goto(post_url)
        page.fill(".reviewer-name", "Dana O'Neil")
        links = page.locator(".review-actions a.btn").evaluate_all(
            "els => els.map(e => e.href)")
        assert [h.split("?")[0] for h in links] == ["mailto:", "mailto:"]
        assert all("by: Dana O'Neil\n" in unquote(h) for h in links)
        page.goto(post_url)  # the name is typed once: kept for the next page
        assert page.locator(".reviewer-name").input_value() == "Dana O'Neil"
        page.locator("details.copy summary").click()
        text = page.locator(".approval-text").first.inner_text()
    context.close()
    old = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["approve", "--from", "-"], input=text,
                                    catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert result.output.count("approved: ") == 3  # its three channels
