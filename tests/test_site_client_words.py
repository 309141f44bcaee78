"""What the client reads on the approval site, in real headless Chromium: dates as one
format in the calendar's timezone, no timezone database names, approvals dated in
the client's words, campaigns by their titles, states in workflow order.

The posts' own text (the mockups, the approved version beside it) is what will be
sent and may hold anything; these tests read everything else a reader sees, with
every closed disclosure ("Details for the agency", "Copy the text") left closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from postgen.approvals import Decision, State
from postgen.models import Funnel
from postgen.results.report import Gap
from postgen.site import words
from tests.conftest import CONFIG, PNG, write_files
from tests.test_browser import browser, serve  # noqa: F401  (the shared browser fixture)
from tests.test_site import REPO, build_site, parse

Page = Any

#: What a reader sees of a page: its main part and footer, without the posts' own text.
VISIBLE_JS = """() => {
  for (const e of document.querySelectorAll('.mockup, .diff, pre')) e.remove();
  return document.querySelector('main').innerText + '\\n' +
         document.querySelector('footer').innerText;
}"""
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
PADDED_DAY = re.compile(rf"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* 0\d\b|\b0\d ({MONTHS})")
ZONE_NAME = re.compile(r"\b(America|Europe|Asia|Africa|Australia|Pacific)/\w+")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = build_site(REPO, tmp_path_factory.mktemp("words") / "site", now="2026-12-06T10:00")
    with serve(site) as url:
        yield site, url


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def visible(page: Page, url: str) -> str:
    page.goto(url, wait_until="load")
    return str(page.evaluate(VISIBLE_JS))


def test_every_page_dates_like_the_calendar_and_names_no_timezone_database(
        page: Page, site_url: tuple[Path, str]) -> None:
    site, url = site_url
    paths = sorted(str(p.parent.relative_to(site)) for p in site.rglob("index.html")
                   if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for path in paths:
        text = visible(page, url + ("" if path == "." else path + "/"))
        bad = [m.group(0) for pattern in (ISO_DATE, PADDED_DAY, ZONE_NAME)
               for m in pattern.finditer(text)]
        bad += ["the client's"] if "the client's" in text else []
        if bad:
            found[path] = bad
    assert len(paths) > 80
    assert found == {}


def test_a_post_page_reads_in_the_client_s_words(
        page: Page, site_url: tuple[Path, str]) -> None:
    _site, url = site_url
    launch = visible(page, url + "posts/2026-12-07-winter-harvest-launch/")
    assert "Monday 7 December 2026, 08:00 Chicago time" in launch
    assert ("Paid promotion: 500 USD, goal: conversions, from Mon 7 Dec to Sun 20 Dec;"
            in launch)
    assert "In review: Waiting for your approval" in launch
    assert "times are Chicago time" in launch
    # Approvals are dated in the calendar's timezone, as every other date.
    sunday = visible(page, url + "posts/2026-12-06-sunday-mug-check/")
    assert "Approved by dana.whitfield@fernwoodroasters.com on Sun 22 Nov" in sunday
    assert "Nothing on this post waits for your approval." in sunday  # as with a server
    changed = visible(page, url + "posts/2027-01-14-newsletter-brew-school-january/")
    assert ("sam.ortega@fernwoodroasters.com approved an earlier version on Sun 6 Dec"
            in changed)


def test_the_overview_counts_states_in_the_order_a_post_goes_through_them(
        site_url: tuple[Path, str]) -> None:
    site, _url = site_url
    labels = parse(site / "index.html").text_of("stat-label")
    assert labels == ["Draft", "In review", "Changes requested", "Changed since approval",
                      "Scheduled", "Published", "Failed", "posts in all"]


def test_results_name_campaigns_by_title_and_date_their_figures(
        page: Page, site_url: tuple[Path, str]) -> None:
    _site, url = site_url
    text = visible(page, url + "results/")
    assert "brew-school" not in text and "holiday-gifting" not in text
    assert "Brew school" in text and "Holiday gifting" in text
    assert re.search(r"without a rate\. Figures as of Sun 6 Dec, \d\d:\d\d\.", text)


def test_a_stage_that_brought_visits_and_no_sale_says_so() -> None:
    said = Gap("2026-12", Funnel.CONSIDERATION, posts=2, visits=124).text()
    assert said.startswith("2 consideration posts in December 2026 brought 124 visits "
                           "and no sales or sign-ups: people came to the site")
    assert "not being given reasons" not in said  # that is for a stage with no posts
    none = Gap("2026-12", Funnel.CONSIDERATION, posts=0, visits=0).text()
    assert "not being given reasons to look closer" in none


def test_zone_and_state_words() -> None:
    assert words.zone(ZoneInfo("America/Chicago")) == "Chicago time"
    assert words.zone(ZoneInfo("America/Argentina/Buenos_Aires")) == "Buenos Aires time"
    assert words.zone(UTC) == "UTC"
    chicago = ZoneInfo("America/Chicago")
    # 03:00 UTC on the 7th is the evening of the 6th in Chicago.
    late = Decision("p", "x", "h", "approved", "dana", "2026-12-07T03:00:00+00:00")
    scheduled = State("scheduled", "Scheduled", "Approved by dana on 2026-12-07", (late,))
    assert words.state_detail(scheduled, chicago) == "Approved by dana on Sun 6 Dec"
    changed = State("changed", "Changed since approval", "", (), previous=late)
    assert words.state_detail(changed, chicago) == \
        "dana approved an earlier version on Sun 6 Dec"
    assert words.state_detail(State("in-review", "In review", "x"), chicago) == \
        "Waiting for your approval"
    asked = Decision("p", "x", "h", "changes-requested", "dana", late.at, note="Say 12 oz")
    requested = State("changes-requested", "Changes requested", "dana: Say 12 oz",
                      request=asked)
    assert words.state_detail(requested, chicago) == "dana asked: “Say 12 oz”"
    assert words.due(datetime(2027, 1, 4, 7, 30, tzinfo=chicago)) == "Mon 4 Jan, 07:30"
    assert words.long_day(datetime(2027, 1, 4, tzinfo=chicago)) == "Monday 4 January 2027"


def test_failing_checks_on_the_overview_name_the_channel_as_the_client_does(
        tmp_path: Path) -> None:
    root = write_files(tmp_path / "cal", {
        "mkdocs.yml": CONFIG,
        "docs/welcome.md": "# Hi\n",
        "assets/a.png": PNG,  # shown without alt text: a warning on X
        "content/no-alt.md": "---\nid: no-alt\ntitle: No alt\ndate: 2026-12-10 09:30\n"
                             "channels: [x]\nfunnel: awareness\nimage: assets/a.png\n---\nHi.\n",
    })
    site = build_site(root, tmp_path / "site", now="2026-12-06T10:00")
    problems = " ".join(parse(site / "index.html").text_of("sev-warning"))
    assert problems.startswith("X: "), problems
    assert "x: " not in problems


FITS_JS = """sel => { const e = document.querySelector(sel), box = e.closest('section');
  const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
  const pad = parseFloat(getComputedStyle(box).paddingRight);
  return {inside: r.right <= b.right - pad + 0.5, height: r.height}; }"""


def test_the_decision_s_controls_fit_a_phone_and_a_finger(
        page: Page, site_url: tuple[Path, str]) -> None:
    _site, url = site_url
    page.goto(url + "posts/2026-12-07-sms-winter-harvest-live/", wait_until="load")
    # The reviewer's long address overflowed the card at 390 px, in a 23 px tall select.
    picked = page.evaluate(FITS_JS, ".reviewer-pick select")
    assert picked["inside"] and picked["height"] >= 44, picked
    for summary in ("details.agency summary", "details.links summary", "details.copy summary"):
        height = page.locator(summary).first.bounding_box()["height"]
        assert height >= 40, (summary, height)


def test_the_month_says_what_each_dot_colour_means(
        page: Page, site_url: tuple[Path, str]) -> None:
    _site, url = site_url
    page.goto(url + "month/2026-12/", wait_until="load")
    legend = page.locator("caption.legend")
    assert "Awareness Consideration Conversion Retention" in legend.inner_text()
    keys = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('.legend .status-key'), k => [k.dataset.status,
        [k.textContent.trim(), getComputedStyle(k.querySelector('.dot')).backgroundColor]]))""")
    assert [label for label, _colour in keys.values()] == [
        "Draft", "In review", "Changes requested", "Missed", "Changed since approval",
        "Scheduled", "Published", "Failed"]
    # Each key's dot is the colour of the posts' dots in that state.
    chips = page.evaluate("""() => Array.from(document.querySelectorAll('.chip'),
        c => [c.dataset.status, getComputedStyle(c.querySelector('.dot')).backgroundColor])""")
    assert {status for status, _ in chips} >= {"in-review", "published", "scheduled"}
    assert all(keys[status][1] == colour for status, colour in chips)


def test_result_charts_are_readable_on_a_phone(
        page: Page, site_url: tuple[Path, str]) -> None:
    _site, url = site_url
    page.goto(url + "results/", wait_until="load")
    # Each chart's 14-unit labels, as drawn: the SVG is scaled to the page's width.
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart'),
        s => 14 * s.getBoundingClientRect().width / s.viewBox.baseVal.width)""")
    assert len(sizes) == 4
    assert min(sizes) >= 11.5, sizes  # were 7.8 px at 390 px wide


def test_funnel_cells_list_channels_in_the_calendar_s_order(
        site_url: tuple[Path, str]) -> None:
    site, _url = site_url
    # The order of the filters and the weekday table (mkdocs.yml's); it was the order of
    # mkdocs.yml's keys, so that "Email" (newsletter) stood between Mastodon and SMS.
    order = [o for o in parse(site / "review/index.html").text_of("option")
             if o in parse(site / "funnel/index.html").text_of("th")]
    doc = parse(site / "funnel/index.html")
    cells = [re.sub(r" ×\d+", "", c).split() for c in doc.text_of("covered")
             if "×" in c or " " in c.strip()]
    assert cells and "Email" in order
    for cell in cells:
        shown = [name for name in cell if name in order]
        assert shown == sorted(shown, key=order.index), cell


def test_a_post_file_that_cannot_be_read_is_named_for_the_agency_only(
        tmp_path: Path, page: Page) -> None:
    """The overview said "content/b.md cannot be shown until it is fixed: line 3: while
    scanning a simple key ..." (the YAML parser's words) to the client."""
    root = write_files(tmp_path / "cal", {
        "mkdocs.yml": CONFIG, "docs/welcome.md": "# Hi\n",
        "content/a.md": "---\nid: a\ntitle: A\ndate: 2027-03-02 09:30\nchannels: [x]\n"
                        "funnel: awareness\n---\nBody.\n",
        "content/b.md": "---\nid: b\ntitle: [unclosed\n---\nBody.\n"})
    site = build_site(root, tmp_path / "site", now="2027-03-01T09:00")
    with serve(site) as url:
        text = visible(page, url + "/")
        assert "1 post cannot be shown here: its file has a mistake the agency must fix " \
               "first." in text
        assert "content/b.md" not in text and "did not find expected" not in text
        assert "posts.json" not in text  # the footer names what the file is for
        details = page.locator("details.agency").last
        assert "content/b.md:" in (details.text_content() or "")
