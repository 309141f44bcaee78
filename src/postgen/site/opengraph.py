"""Link cards from the linked page's Open Graph tags, fetched at build time.

X, Mastodon and Threads build a post's link card from the first link's page
(`og:title`, `og:description`, `og:image`); the previews do the same when the
calendar sets `link_previews: true`. Each page is fetched once and kept in
`.postgen-cache/link-previews/` (a page that cannot be fetched is remembered
too, for a day), so a rebuild makes no request for a link it has seen.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from postgen import cachedir
from postgen.files import write_atomically
from postgen.site.model import ServedMedia, served_media

FOLDER = Path(".postgen-cache") / "link-previews"
TIMEOUT = 4.0  # seconds per request
MAX_BYTES = 2_000_000  # of a page or an image read
RETRY = timedelta(days=1)  # a failed fetch is tried again after this


@dataclass(frozen=True)
class Preview:
    """A link's card: its page's Open Graph title and description, and its image
    (served with the site), if it has one."""

    url: str
    title: str
    description: str = ""
    image: ServedMedia | None = None


class _OgTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            name = a.get("property") or a.get("name") or ""
            if name.startswith("og:") and name not in self.tags:
                self.tags[name] = a.get("content", "").strip()
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.title:
            self.title = data.strip()


def canonical(url: str) -> str:
    """The page a link leads to, without its tracking tags (one fetch for them all)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class LinkPreviews:
    """The cards of links, fetched through `client` (httpx; tests pass one aimed at a
    loopback server) and kept under `root`'s cache folder."""

    def __init__(self, root: Path, now: datetime, client: httpx.Client | None = None) -> None:
        self.folder = root / FOLDER
        self.now = now
        self.client = client
        self._index_path = self.folder / "index.json"
        self.usable = cachedir.usable(root)  # not when git tracks it
        try:
            self.index: dict[str, dict[str, object]] = json.loads(
                self._index_path.read_text(encoding="utf-8")) if self.usable else {}
        except (OSError, ValueError):
            self.index = {}
        self._changed = False

    def fetch_all(self, urls: Iterable[str]) -> dict[str, Preview]:
        """The cards of `urls` (by the URL as given), fetching those not known."""
        found: dict[str, Preview] = {}
        client = self.client or httpx.Client(timeout=TIMEOUT, follow_redirects=True,
                                             headers={"User-Agent": "postgen link preview"})
        try:
            for url in dict.fromkeys(urls):
                preview = self._preview(canonical(url), client)
                if preview is not None:
                    found[url] = preview
        finally:
            if self.client is None:
                client.close()
            self._save()
        return found

    def _preview(self, url: str, client: httpx.Client) -> Preview | None:
        known = self.index.get(url)
        if known is None or (not known.get("title") and self._stale(known)):
            known = self.index[url] = self._fetch(url, client)
            self._changed = True
        if not known.get("title"):
            return None
        image = None
        if known.get("image_file"):
            path = self.folder / str(known["image_file"])
            if path.is_file():
                image = served_media(str(known["image_file"]), path)
        return Preview(url, str(known["title"]), str(known.get("description") or ""), image)

    def _stale(self, known: dict[str, object]) -> bool:
        try:
            at = datetime.fromisoformat(str(known.get("at")))
        except ValueError:
            return True
        return self.now - at > RETRY

    def _fetch(self, url: str, client: httpx.Client) -> dict[str, object]:
        record: dict[str, object] = {"at": self.now.isoformat()}
        try:
            page = _get(client, url)
        except (httpx.HTTPError, ValueError):
            return record
        tags = _OgTags()
        tags.feed(page.decode("utf-8", "replace"))
        record["title"] = tags.tags.get("og:title") or tags.title
        record["description"] = tags.tags.get("og:description", "")
        image_url = tags.tags.get("og:image")
        if image_url:
            try:
                data = _get(client, urljoin(url, image_url))
            except (httpx.HTTPError, ValueError):
                return record
            sha = hashlib.sha256(data).hexdigest()
            suffix = os.path.splitext(urlsplit(image_url).path)[1].lower()
            known = (".jpg", ".jpeg", ".png", ".webp", ".gif")
            name = f"{sha[:32]}{suffix if suffix in known else '.jpg'}"
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.folder / name, data)
            record.update(image_file=name, image_sha=sha)
        return record

    def _save(self) -> None:
        if not self._changed or not self.usable:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self._index_path, json.dumps(self.index, indent=0, sort_keys=True))
        except OSError:
            pass  # a read-only checkout fetches again next time


def _get(client: httpx.Client, url: str) -> bytes:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    with client.stream("GET", url) as response:
        response.raise_for_status()
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > MAX_BYTES:
                raise ValueError("too large")
    return data
