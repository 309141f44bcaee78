"""Every kind of page, at phone and desktop width, in real Chromium: axe-core finds no
violation (axe-playwright-python bundles axe.min.js: nothing is fetched), and a
screenshot of each goes to test-artifacts/. On the example calendar and on a
2,000-post synthetic one (bench/synthetic.py), whose post, month and home pages
must each stay under 100 KB of HTML.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.test_browser import ARTIFACTS, DESKTOP, LAUNCH, PHONE, browser, serve  # noqa: F401
from tests.test_site import REPO, build_site

sys.path.insert(0, str(REPO / "bench"))
from synthetic import make_calendar  # noqa: E402

#: One page of each kind of the example calendar.
EXAMPLE = {
    "home": "", "month": "month/2026-12/", "week": "week/2026-W50/", "post": LAUNCH,
    "post-email": "posts/2026-12-03-newsletter-gift-guide/",
    "post-sms": "posts/2026-12-07-sms-winter-harvest-live/",
    "post-thread": "posts/2026-12-05-pour-over-mistakes-thread/",
    "review": "review/", "approve": "month/2026-12/approve/", "campaigns": "campaigns/",
    "campaign": "campaigns/winter-harvest/", "channels": "channels/", "channel": "channels/x/",
    "funnel": "funnel/", "checks": "checks/", "results": "results/", "handwritten": "welcome/",
}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
LIMIT = 100_000  # bytes of HTML per page at 2,000 posts


@pytest.fixture(scope="module")
def example() -> Iterator[tuple[Path, str]]:
    from tempfile import TemporaryDirectory  # noqa: PLC0415

    with TemporaryDirectory() as tmp:
        site = build_site(REPO, Path(tmp) / "site")
        with serve(site) as url:
            yield site, url


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("synthetic")
    make_calendar(root, 2000)
    site = build_site(root, root / "site", now="2027-05-03T09:00")
    with serve(site) as url:
        yield site, url


def synthetic_pages(site: Path) -> dict[str, str]:
    """One page of each kind of the synthetic calendar: the heaviest where it matters."""
    def heaviest(pattern: str) -> str:
        path = max(site.glob(pattern), key=lambda p: p.stat().st_size)
        return str(path.parent.relative_to(site)) + "/"
    return {"home": "", "month": heaviest("month/*/index.html"),
            "week": heaviest("week/*/index.html"), "post": heaviest("posts/*/index.html"),
            "review": "review/", "campaign": heaviest("campaigns/*/index.html"),
            "channel": "channels/x/", "funnel": "funnel/", "checks": "checks/"}


def violations(page: Any) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes'][:5]]}" for v in found]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:  # noqa: F811
    opened = browser.new_context(viewport=DESKTOP)
    opened.set_default_timeout(20_000)
    yield opened
    opened.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_example_pages_pass_axe_and_are_photographed(
        context: Any, example: tuple[Path, str], width: str) -> None:
    site, url = example
    ARTIFACTS.mkdir(exist_ok=True)
    page = context.new_page()
    page.set_viewport_size(WIDTHS[width])
    found = {}
    for kind, path in EXAMPLE.items():
        assert (site / path / "index.html").is_file(), path
        page.goto(url + path, wait_until="load")
        found[kind] = violations(page)
        page.evaluate("""() => Promise.all([...document.images].map(img => {
            img.loading = "eager"; return img.decode().catch(() => null); }))""")
        shot = ARTIFACTS / f"{kind}-{WIDTHS[width]['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, shot
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_2000_post_calendar_passes_axe(
        context: Any, synthetic: tuple[Path, str], width: str) -> None:
    site, url = synthetic
    page = context.new_page()
    page.set_viewport_size(WIDTHS[width])
    found = {}
    for kind, path in synthetic_pages(site).items():
        page.goto(url + path, wait_until="load")
        found[kind] = violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_pages_stay_light_at_2000_posts(synthetic: tuple[Path, str]) -> None:
    site, _url = synthetic
    assert len(list(site.glob("posts/*/index.html"))) == 2000
    sizes = {kind: (site / path / "index.html").stat().st_size
             for kind, path in synthetic_pages(site).items()
             if kind in ("home", "month", "post", "review")}
    assert all(0 < n < LIMIT for n in sizes.values()), sizes
    # Busy days show three posts and "+N more" (the day's list one click away).
    month = (site / synthetic_pages(site)["month"] / "index.html").read_text(encoding="utf-8")
    days = month.split('<td class="day')[1:]
    assert max(d.count('class="chip"') for d in days) == 3
    assert 'class="day-more"' in month
    # Failing checks on the overview: grouped by post, capped, with the full list linked.
    home = (site / "index.html").read_text(encoding="utf-8")
    if (site / "checks/index.html").read_text(encoding="utf-8").count("checks fail") > 10:
        assert 'href="checks/"' in home
        assert home.count("check fails") + home.count("checks fail") <= 10
    # The review queue comes in pages of whole weeks, each light.
    queue = [site / "review" / "index.html", *site.glob("review/*/index.html")]
    assert len(queue) > 1
    assert max(p.stat().st_size for p in queue) < LIMIT
