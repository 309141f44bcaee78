"""What a platform will make of a variant's text: the links, hashtags and mentions it
creates, and where that differs from what the writer meant.

X finds them with twitter-text's rules (a bare `ASP.NET` or `file.py` is a link:
`.net` and `.py` are TLDs), Mastodon with its server's (links need a scheme), and
on Bluesky they are the facets postgen sends. Each difference is a warning at the
token's place in the post's file:

- `entity-link`: something becomes a link that was not written as one;
- `entity-hashtag`: a hashtag is cut (`#New-York` links `#New`) or is none (`#2024`);
- `entity-mention`: a mention resolves on some of the post's platforms, not others;
- `entity-emphasis`: the body has *italics* or **bold**, which no social platform or
  SMS shows (only the email keeps them).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import regex

from postgen import diagnostics as diag
from postgen.models import Post
from postgen.platforms import get_platform, urls
from postgen.render import markup
from postgen.render.model import Variant

PLATFORMS = ("x", "mastodon", "bluesky")
_MAX_WARNINGS = 20  # per post: a text full of them should not flood the report
_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}

# What the writer wrote: a hashtag is the whole word after "#" (less the punctuation
# that ends a sentence); a mention the whole "@name" or "@name@domain".
_WRITTEN_TAG = regex.compile(r"(?<![\w#&])[#＃][^\s#＃]+")
_WRITTEN_MENTION = regex.compile(r"(?<![\w@./])[@＠][\w][\w.\-]*(?:@[\w][\w.\-]*)?")
_END_PUNCT = regex.compile(r"[\p{P}--[_\-]]+$", regex.V1)
# twitter-text's mention: 1-20 of [A-Za-z0-9_], not glued to a word or an "@".
_X_MENTION = regex.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠][A-Za-z0-9_]{1,20}(?![A-Za-z0-9_@＠]|://)")
# Mastodon's Tag::HASHTAG_RE: word characters and "·", with a letter, "_" or "·".
_MASTODON_TAG = regex.compile(r"(?<![=/)\p{L}\p{N}])[#＃][\w·]*[\p{L}_·][\w·]*")


@dataclass(frozen=True)
class Entity:
    """A link, hashtag or mention a platform makes: code point span of the variant text."""

    kind: str  # "link" | "hashtag" | "mention"
    start: int
    end: int


def entities(v: Variant) -> list[Entity]:
    """The entities `v`'s platform creates in `v.text` (none for other platforms)."""
    text = v.text
    if v.platform == "x":
        found = [Entity("link", u.start, u.end) for u in urls.extract_urls(text)]
        found += [Entity("hashtag", h.start, h.end) for h in urls.extract_hashtags(text)]
        found += [Entity("mention", m.start(), m.end()) for m in _X_MENTION.finditer(text)]
        return found
    if v.platform == "mastodon":
        found = [Entity("link", u.start, u.end) for u in
                 urls.extract_urls(text, without_scheme=False, flavour="mastodon")]
        found += [Entity("hashtag", m.start(), len(m.group().rstrip("·")) + m.start())
                  for m in _MASTODON_TAG.finditer(text)]
        found += [Entity("mention", m.start, m.end) for m in urls.extract_mentions(text)]
        return found
    if v.platform == "bluesky":
        return list(_facets(v))
    return []


def _facets(v: Variant) -> Iterator[Entity]:
    """Bluesky's facets of each part, from UTF-8 byte offsets back to code points of
    `v.text` (the parts joined by a blank line)."""
    kinds = {"link": "link", "tag": "hashtag", "mention": "mention"}
    offset = 0
    for part in v.parts:
        data = part.text.encode("utf-8")
        for f in part.facets:
            start = offset + len(data[:f.byte_start].decode("utf-8", "ignore"))
            end = start + len(data[f.byte_start:f.byte_end].decode("utf-8", "ignore"))
            yield Entity(kinds[f.kind], start, end)
        offset += len(part.text) + 2


def check(post: Post, variants: Sequence[Variant], root: Path,
          brand_domains: Iterable[str] = ()) -> list[diag.Diagnostic]:
    """Every difference between what the writer meant and what the platforms make (a
    bare domain of the brand's is taken as meant to be a link)."""
    brand = tuple(d.lower() for d in brand_domains)
    found: list[diag.Diagnostic] = []
    place = _Places(root, post)
    mentions: dict[str, dict[str, bool]] = {}  # written mention -> {platform: resolves}
    for v in variants:
        if v.platform not in PLATFORMS:
            continue
        name = _NAMES[v.platform]
        made = entities(v)
        text = v.text
        written_links = {link.original for link in v.links}
        for e in made:
            shown = text[e.start:e.end]
            host = shown.split("/", 1)[0].lower()
            # (on Bluesky postgen makes the link facets: only links the writer wrote)
            if e.kind == "link" and v.platform != "bluesky" and "://" not in shown \
                    and shown not in written_links \
                    and not host.startswith("www.") \
                    and not any(host == d or host.endswith("." + d) for d in brand):
                found.append(place.warning(shown, "entity-link", f"{v.channel}: '{shown}' "
                                           f"becomes a link on {name}, to http://{shown}"))
        tags = {e.start: e.end for e in made if e.kind == "hashtag"}
        links = sorted((e.start, e.end) for e in made if e.kind == "link")
        starts = [a for a, _ in links]
        for m in _WRITTEN_TAG.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and m.start() < links[i][1]:
                continue  # a fragment of a URL
            written = _END_PUNCT.sub("", m.group())
            if len(written) < 2:
                continue
            end = tags.get(m.start())
            if end is None:
                found.append(place.warning(written, "entity-hashtag", f"{v.channel}: "
                                           f"'{written}' is no hashtag on {name}"))
            elif end < m.start() + len(written):
                found.append(place.warning(written, "entity-hashtag", f"{v.channel}: "
                                           f"'{written}' links only '{text[m.start():end]}' "
                                           f"on {name}"))
        people = {e.start: e.end for e in made if e.kind == "mention"}
        for m in _WRITTEN_MENTION.finditer(text):
            written = _END_PUNCT.sub("", m.group())
            resolves = people.get(m.start()) == m.start() + len(written)
            mentions.setdefault(written, {})[name] = resolves
    plain = sorted({get_platform(v.platform).display_name for v in variants
                    if v.platform != "email"})
    emphasis = _first_emphasis(markup.parse(post.body).blocks) if plain else None
    if emphasis is not None:
        found.append(place.warning(emphasis, "entity-emphasis", f"'{emphasis}' is emphasised "
                                   f"in the body; {_list(plain)} show it as plain text"))
    for written, where in mentions.items():
        yes = sorted(p for p, ok in where.items() if ok)
        no = sorted(p for p, ok in where.items() if not ok)
        if yes and no:
            found.append(place.warning(written, "entity-mention", f"'{written}' is a mention "
                                       f"on {_list(yes)} but not on {_list(no)}"))
    return _unique(found)[:_MAX_WARNINGS]


def _first_emphasis(blocks: Iterable[object]) -> str | None:
    """The text of the first emphasised or strong span in `blocks`, if any."""
    for block in blocks:
        inner = getattr(block, "blocks", None)
        found = (_first_emphasis(inner) if inner is not None
                 else _emphasis_in(getattr(block, "children", ())))
        if found:
            return found
    return None


def _emphasis_in(inlines: Iterable[markup.Inline]) -> str | None:
    for inline in inlines:
        if isinstance(inline, markup.Emphasis | markup.Strong):
            text = "".join(t.text for t in inline.children if isinstance(t, markup.Text))
            return text or None
        if isinstance(inline, markup.Link):
            found = _emphasis_in(inline.children)
            if found:
                return found
    return None


def _list(names: Iterable[str]) -> str:
    *most, last = names
    return f"{', '.join(most)} and {last}" if most else last


def _unique(found: list[diag.Diagnostic]) -> list[diag.Diagnostic]:
    return list(dict.fromkeys(found))


class _Places:
    """Where a token stands in the post's file: its first place in the body, else in
    the front matter (a per-channel text), else the body's first line."""

    def __init__(self, root: Path, post: Post) -> None:
        self.post = post
        try:
            self.lines = (root / post.path).read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            self.lines = []
        self.found: dict[str, tuple[int, int]] = {}

    def warning(self, token: str, rule: str, message: str) -> diag.Diagnostic:
        line, col = self._find(token)
        return diag.Diagnostic(self.post.path, line, col, diag.Severity.WARNING, rule, message)

    def _find(self, token: str) -> tuple[int, int]:
        if token not in self.found:
            self.found[token] = self._search(token)
        return self.found[token]

    def _search(self, token: str) -> tuple[int, int]:
        body = self.post.body_line - 1
        order = [*range(body, len(self.lines)), *range(0, min(body, len(self.lines)))]
        for index in order:
            col = self.lines[index].find(token)
            if col >= 0:
                return index + 1, col + 1
        return self.post.body_line, 1
