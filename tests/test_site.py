"""The built approval site, read as files: feeds, links, media and escaping (no browser).

The example calendar is built once per module by a real `mkdocs build`; the
small calendars for media and escaping are built in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from icalendar import Calendar as ICalendar

from postgen.models import Calendar
from postgen.pipeline import load_calendar
from postgen.render.model import Variant
from postgen.render.variants import render_calendar
from tests.conftest import CONFIG, image, write_files

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-12-01T09:00"


# -- helpers (test_browser.py uses them too) --------------------------------------


def build_site(root: Path, out: Path, now: str = NOW) -> Path:
    """`mkdocs build` of the calendar at `root` into `out`; fails the test on a failed build."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(out)], cwd=root,
        env={**os.environ, "POSTGEN_NOW": now}, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class Doc(HTMLParser):
    """A parsed page: every start tag with its attributes, and each element's text content,
    by tag name and by class."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                      "source", "track", "wbr"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, list[tuple[str, int]]]] = []  # tag, slots in texts
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag in self.VOID:
            return
        slots = []
        for key in dict.fromkeys([tag, *attributes.get("class", "").split()]):
            bucket = self.texts.setdefault(key, [])
            bucket.append("")
            slots.append((key, len(bucket) - 1))
        self._open.append((tag, slots))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for _tag, slots in self._open:
            for key, i in slots:
                self.texts[key][i] += data

    def text_of(self, key: str) -> list[str]:
        """The text content of each element with that tag name or class, in order."""
        return self.texts.get(key, [])

    def attrs(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def parse(path: Path) -> Doc:
    return Doc(path.read_text(encoding="utf-8"))


def internal_refs(doc: Doc) -> Iterator[str]:
    """Every href/src that points into the site (not http(s), mailto, a fragment or data:)."""
    for tag, attributes in doc.tags:
        for name in ("href", "src"):
            if name not in attributes or (name == "src" and tag == "iframe"):
                continue
            value = attributes[name].strip()
            if value.startswith(("http://", "https://", "mailto:", "#", "data:", "tel:", "sms:")):
                continue
            yield value


def resolve(site: Path, page: Path, ref: str) -> Path | None:
    """The file a reference on `page` names (a folder URL means its index.html); None for a
    reference to another host (`//host/...`, a scheme)."""
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith("//"):
        return None
    target = unquote(parts.path)
    base = site if target.startswith("/") else page.parent
    path = (base / target.lstrip("/")).resolve() if target else page.resolve()
    if target.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path


def example_calendar() -> Calendar:
    return load_calendar(REPO)


# -- the example calendar ------------------------------------------------------------


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(REPO, tmp_path_factory.mktemp("example") / "site")


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return example_calendar()


@pytest.fixture(scope="module")
def variants(calendar: Calendar) -> tuple[Variant, ...]:
    return render_calendar(calendar).variants


def test_ics_has_one_event_per_post_and_channel(
        example_site: Path, calendar: Calendar, variants: tuple[Variant, ...],
        tmp_path: Path) -> None:
    feed = ICalendar.from_ical((example_site / "calendar.ics").read_bytes())
    events = list(feed.walk("VEVENT"))
    assert len(events) == sum(len(p.channels) for p in calendar.posts) == len(variants)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids), "UIDs must be unique"

    by_variant: dict[tuple[str, str], Any] = {}
    for event in events:
        url = str(event["URL"])
        found = re.fullmatch(r"posts/([^/]+)/", url)
        assert found, url
        channel = re.match(r"\[([^\]]+)\] ", str(event["SUMMARY"]))
        assert channel, event["SUMMARY"]
        by_variant[(found.group(1), channel.group(1))] = event
    assert set(by_variant) == {(v.post_id, v.channel) for v in variants}
    for v in variants:
        event = by_variant[(v.post_id, v.channel)]
        start = event.decoded("DTSTART")
        assert isinstance(start, datetime)
        offset = start.utcoffset()
        assert offset is not None and offset.total_seconds() == 0
        assert start == v.date.astimezone(UTC), (v.post_id, v.channel)
        assert event["DTSTART"].to_ical().endswith(b"Z")

    # A second build, at another "now": the same UIDs.
    again = build_site(REPO, tmp_path / "again", now="2026-12-15T17:30")
    uids_again = [str(e["UID"]) for e in
                  ICalendar.from_ical((again / "calendar.ics").read_bytes()).walk("VEVENT")]
    assert set(uids_again) == set(uids)


def test_posts_json_matches_the_rendered_variants(
        example_site: Path, calendar: Calendar, variants: tuple[Variant, ...]) -> None:
    data = json.loads((example_site / "posts.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    assert [e["id"] for e in data] == [p.id for p in calendar.posts]
    rendered = {(v.post_id, v.channel): v for v in variants}
    seen = set()
    for entry in data:
        post = calendar.post(entry["id"])
        assert post is not None
        assert entry["title"] == post.title
        assert [v["channel"] for v in entry["variants"]] == list(post.channels)
        for v in entry["variants"]:
            want = rendered[(entry["id"], v["channel"])]
            assert v["hash"] == want.hash, (entry["id"], v["channel"])
            assert v["parts"] == [p.text for p in want.parts]
            seen.add((entry["id"], v["channel"]))
    assert seen == set(rendered)


def test_every_post_has_a_page_and_every_internal_link_resolves(
        example_site: Path, calendar: Calendar) -> None:
    for post in calendar.posts:
        page = example_site / "posts" / post.id / "index.html"
        assert page.is_file(), post.id
        assert post.title in parse(page).text_of("h1")
    broken: list[str] = []
    pages = html_files(example_site)
    site_root = example_site.resolve()
    assert len(pages) > len(calendar.posts)
    for page in pages:
        for ref in internal_refs(parse(page)):
            target = resolve(example_site, page, ref)
            if target is None or not target.is_file() or site_root not in target.parents:
                broken.append(f"{page.relative_to(example_site)}: {ref}")
    assert not broken, "\n".join(sorted(set(broken)))


def test_every_image_of_a_post_page_is_in_site_media(
        example_site: Path, variants: tuple[Variant, ...]) -> None:
    media = (example_site / "media").resolve()
    images = 0
    for page in sorted(example_site.glob("posts/*/index.html")):
        for img in parse(page).attrs("img"):
            target = resolve(example_site, page, img["src"])
            assert target is not None and target.parent == media, img["src"]
            assert target.is_file(), img["src"]
            images += 1
    assert images >= sum(len(v.media) for v in variants) > 0
    # Each file under its content hash, byte for byte the source.
    sources = {m.sha256: m.path for v in variants for m in v.media}
    for sha, source in sources.items():
        copies = list(media.glob(sha[:16] + ".*"))
        assert len(copies) == 1, sha
        assert copies[0].read_bytes() == source.read_bytes()


# -- small calendars -------------------------------------------------------------------


def post_file(title: str, body: str, extra: str = "", channels: str = "[x, linkedin]") -> str:
    return (f"---\nid: {{id}}\ntitle: {json.dumps(title)}\ndate: 2027-03-02 09:30\n"
            f"channels: {channels}\nfunnel: awareness\n{extra}---\n{body}\n")


def test_media_outside_the_repo_is_refused_and_not_copied(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    outside = image(40, 30)
    (tmp_path / "outside.png").write_bytes(outside)
    write_files(root, {
        "mkdocs.yml": CONFIG,
        "docs/welcome.md": "# Hi\n",
        "assets/ok.png": image(1200, 675),
        "content/good.md": post_file("Good", "Fine.", "image: assets/ok.png\nalt: A bag\n")
        .replace("{id}", "good"),
        "content/bad.md": post_file("Bad", "Sneaky.", "image: ../../outside.png\nalt: Out\n")
        .replace("{id}", "bad"),
    })
    site = build_site(root, root / "site")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "media-outside-repo" in home
    assert "content/bad.md" in home
    assert not (site / "posts" / "bad").exists()
    assert (site / "posts" / "good" / "index.html").is_file()
    digest = hashlib.sha256(outside).hexdigest()
    for f in site.rglob("*"):
        if f.is_file():
            assert f.name != "outside.png", f
            assert hashlib.sha256(f.read_bytes()).hexdigest() != digest, f
    assert len(list((site / "media").iterdir())) == 1


NASTY = "<b>&\"'"


@pytest.fixture(scope="module")
def nasty_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A calendar whose one post has `<b>&"'` in its title, body and alt text, and its
    brand in its name: (root, site)."""
    root = write_files(tmp_path_factory.mktemp("nasty"), {
        "mkdocs.yml": CONFIG.replace("name: Acme", f"name: {json.dumps('Acme ' + NASTY)}")
        + "theme:\n  name: postgen\n",
        "docs/welcome.md": "# Hi\n",
        "assets/pic.png": image(1200, 675),
        "content/nasty.md": post_file(
            NASTY, f"Body {NASTY} end", f"image: assets/pic.png\nalt: {json.dumps(NASTY)}\n",
            channels="[x, linkedin, mastodon, newsletter]").replace("{id}", "nasty"),
    })
    return root, build_site(root, root / "site")


def test_title_body_and_alt_text_are_escaped(nasty_site: tuple[Path, Path]) -> None:
    root, site = nasty_site
    calendar = load_calendar(root)
    (post,) = calendar.posts
    assert post.title == NASTY
    rendered = render_calendar(calendar).variants
    assert any(NASTY in v.text for v in rendered)

    for page in html_files(site):
        doc = parse(page)
        assert not doc.attrs("b"), f"a <b> element in {page.relative_to(site)}"
    doc = parse(site / "posts" / "nasty" / "index.html")
    assert doc.text_of("h1") == [NASTY]
    assert doc.text_of("title")[0].startswith(NASTY)
    alts = [img["alt"] for img in doc.attrs("img")]
    assert alts and all(a == NASTY for a in alts)
    assert doc.text_of("mockup-text") == [p.text for v in rendered for p in v.parts]
    assert "<b>" not in (site / "posts" / "nasty" / "index.html").read_text(encoding="utf-8")
    # The brand, on a calendar page (our templates) and a hand-written one (MkDocs' theme).
    for page in ("index.html", "welcome/index.html"):
        assert parse(site / page).text_of("brand")[0].startswith("A" + "Acme " + NASTY), page
    month = parse(site / "month" / "2027-03" / "index.html")
    assert month.text_of("chip-title") == [NASTY]


def test_the_email_html_version_is_escaped_too(nasty_site: tuple[Path, Path]) -> None:
    """The newsletter's HTML (shown in a sandboxed iframe's srcdoc, and sent as the email)."""
    _root, site = nasty_site
    doc = parse(site / "posts" / "nasty" / "index.html")
    (mail,) = [a["srcdoc"] for a in doc.attrs("iframe")]
    email = Doc(mail)
    assert not email.attrs("b"), "the subject is not escaped in the email's HTML"
    assert email.text_of("h1") == [NASTY]
    assert email.text_of("p")[0] == f"Body {NASTY} end"


def test_the_fast_url_quoting_is_urllib_quote() -> None:
    """Approval links quote thousands of lines; the fast path must equal `quote`."""
    import random
    from urllib.parse import quote

    from postgen.site.pages import _quote

    rng = random.Random(4)
    alphabet = [chr(i) for i in range(128)] + ["é", "☕", "\u2028", "%", "%25"]
    samples = ["", "%", "%41", "a b=c:d\n", "by='o''neil'"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
                for _ in range(3000)]
    for text in samples:
        assert _quote(text) == quote(text), repr(text)


def test_every_page_has_the_same_navigation(example_site: Path) -> None:
    """The calendar's pages (our templates) and the hand-written ones (MkDocs' theme) lead
    to the same places under the same names."""
    def navigation(page: Path) -> list[tuple[str, str]]:
        text = page.read_text(encoding="utf-8")
        nav = text[text.index('aria-label="Calendar"'):]
        nav = nav[:nav.index("</nav>")]
        found = []
        for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav):
            target = resolve(example_site, page, href or "./")
            assert target is not None and target.is_file(), (page, href)
            found.append((label, target.relative_to(example_site).as_posix()))
        return found

    def masthead_and_footer(page: Path) -> tuple[list[str], list[str]]:
        doc = parse(page)
        return doc.text_of("brand"), [" ".join(t.split()) for t in doc.text_of("footer")]

    for page in ("welcome/index.html", "brand-notes/index.html"):
        assert masthead_and_footer(example_site / page) == masthead_and_footer(
            example_site / "index.html"), page
    home = navigation(example_site / "index.html")
    assert [label for label, _ in home] == [
        "Overview", "Review queue", "Month", "Week", "Campaigns", "Channels", "Funnel",
        "Results", "Brand notes", "Welcome"]
    for page in ("month/2026-12/index.html", "posts/2026-12-07-winter-harvest-launch/index.html",
                 "welcome/index.html", "brand-notes/index.html"):
        assert navigation(example_site / page) == home, page
