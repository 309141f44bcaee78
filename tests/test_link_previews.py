"""Link cards from Open Graph tags: fetched at build time from a real HTTP server on
127.0.0.1, kept in .postgen-cache, shown on the preview at the card's ratio."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import image, write_files
from tests.test_site import build_site

PAGE = b"""<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="The Rojas farm, Huila">
<meta property="og:description" content="Six years of buying from one family.">
<meta property="og:image" content="/card.jpg"></head><body>Story</body></html>"""
CARD = image(1200, 630, "JPEG")


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            body, kind = ((PAGE, "text/html") if self.path.startswith("/story")
                          else (CARD, "image/jpeg") if self.path == "/card.jpg"
                          else (b"", "text/plain"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    finally:
        srv.shutdown()
        srv.server_close()


def config(previews: bool) -> str:
    return f"""\
site_name: T
plugins:
  - postgen:
      timezone: UTC
      link_previews: {'true' if previews else 'false'}
      brand: {{name: Acme}}
      channels:
        x: {{platform: x, account: "@acme"}}
        mastodon: {{platform: mastodon, account: "@acme@example.social"}}
"""


def calendar(tmp_path: Path, base: str, previews: bool = True) -> Path:
    return write_files(tmp_path, {
        "mkdocs.yml": config(previews),
        "docs/welcome.md": "# Hi\n",
        "content/a.md": ("---\nid: a\ntitle: A\ndate: 2027-03-02 09:30\nchannels: [x, mastodon]\n"
                         f"funnel: awareness\n---\nRead the story: {base}/story?utm_source=x\n"),
        "content/b.md": ("---\nid: b\ntitle: B\ndate: 2027-03-03 09:30\nchannels: [x]\n"
                         f"funnel: awareness\n---\nAgain: {base}/story\n"),
    })


def test_link_cards_come_from_the_pages_open_graph_tags(
        tmp_path: Path, server: tuple[str, list[str]]) -> None:
    base, seen = server
    root = calendar(tmp_path, base)
    site = build_site(root, root / "site")
    page = (site / "posts/a/index.html").read_text(encoding="utf-8")
    for channel in ("x", "mastodon"):
        article = page[page.index(f'id="ch-{channel}"'):]
        card = article[article.index('class="link-card"'):article.index("</a>", article.index(
            'class="link-card"'))]
        assert "The Rojas farm, Huila" in card and "Six years of buying" in card
        assert 'data-aspect="1.9100"' in card
        src = card.split('<img src="', 1)[1].split('"', 1)[0]
        assert (site / "posts/a" / src).resolve().read_bytes() == CARD
    # One fetch of the page (tracking tags stripped) and one of its image, for both posts.
    assert sorted(seen) == ["/card.jpg", "/story"]
    assert (root / ".postgen-cache/link-previews/index.json").is_file()
    (root / "content/a.md").write_text(
        (root / "content/a.md").read_text().replace("Read the story", "Read it"))
    build_site(root, root / "site")
    assert sorted(seen) == ["/card.jpg", "/story"]  # known: not fetched again


def test_nothing_is_fetched_unless_asked(tmp_path: Path, server: tuple[str, list[str]]) -> None:
    base, seen = server
    root = calendar(tmp_path, base, previews=False)
    site = build_site(root, root / "site")
    assert seen == []
    assert "link-card" not in (site / "posts/a/index.html").read_text(encoding="utf-8")
