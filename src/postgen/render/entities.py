"""What a platform will make of a variant's text: the links, hashtags, mentions and
cashtags it creates, and where that differs from what the writer meant.

X finds them with twitter-text's rules (a bare `ASP.NET` or `file.py` is a link:
`.net` and `.py` are TLDs), Mastodon with its server's (links need a scheme), and
on Bluesky they are the facets postgen sends; the other platforms make the kinds
rules.yaml lists for their feed (`previews.<platform>.entities`), URLs as written,
hashtags by twitter-text's grammar. The site's mockups mark these spans. Each
difference is a warning at the token's place in the post's file:

- `entity-link`: something becomes a link that was not written as one;
- `entity-hashtag`: a hashtag is cut (`#New-York` links `#New`) or is none (`#2024`);
- `entity-mention`: a mention resolves on some of the post's platforms, not others;
- `entity-emphasis`: the body has *italics* or **bold**, which no social platform or
  SMS shows (only the email keeps them).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import regex

from postgen import diagnostics as diag
from postgen.models import Post
from postgen.platforms import get_platform, urls
from postgen.platforms.previews import preview_rules
from postgen.render import markup
from postgen.render.links import find_urls
from postgen.render.model import Part, Variant
from postgen.render.richtext import linkedin_hashtags

PLATFORMS = ("x", "mastodon", "bluesky")  # mentions compared across these (their own code)
_MAX_WARNINGS = 20  # per post: a text full of them should not flood the report

# What the writer wrote: a hashtag is the whole word after "#" (less the punctuation
# that ends a sentence); a mention the whole "@name" or "@name@domain".
_WRITTEN_TAG = regex.compile(r"(?<![\w#&])[#＃][^\s#＃]+")
_WRITTEN_MENTION = regex.compile(r"(?<![\w@./])[@＠][\w][\w.\-]*(?:@[\w][\w.\-]*)?")
_END_PUNCT = regex.compile(r"[\p{P}--[_\-]]+$", regex.V1)
# twitter-text's mention: 1-20 of [A-Za-z0-9_], not glued to a word or an "@".
_X_MENTION = regex.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠][A-Za-z0-9_]{1,20}(?![A-Za-z0-9_@＠]|://)")
# twitter-text's validCashtag: "$" and 1-6 letters (".xx" or "_xx" after), after a space.
_X_CASHTAG = regex.compile(r"(?:^|(?<=[\s\u3000]))\$[a-z]{1,6}(?:[._][a-z]{1,2})?"
                           r"(?=$|\s|[!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$])", regex.IGNORECASE)
# Mastodon's Tag::HASHTAG_RE: word characters and "·", with a letter, "_" or "·".
_MASTODON_TAG = regex.compile(r"(?<![=/)\p{L}\p{N}])[#＃][\w·]*[\p{L}_·][\w·]*")
# Instagram's (and Threads') usernames: letters, digits, "." and "_", at most 30.
_PLAIN_MENTION = regex.compile(r"(?<![\w@＠])[@＠][\w.]{1,30}(?<!\.)(?![\w@＠])")
_FACET_KINDS = {"link": "link", "tag": "hashtag", "mention": "mention"}


@dataclass(frozen=True)
class Entity:
    """A link, hashtag, mention or cashtag a platform makes: a code point span of the
    text (a part's, or the variant's), and where a link leads."""

    kind: str  # "link" | "hashtag" | "mention" | "cashtag"
    start: int
    end: int
    target: str = ""  # a link's URL


@functools.lru_cache(maxsize=1024)  # a site page asks for its parts' several times
def part_entities(part: Part, platform: str) -> tuple[Entity, ...]:
    """The entities `platform` creates in `part.text` (those `rules.yaml` lists for its
    feed), in order and none overlapping: code point offsets of `part.text` (Bluesky's
    facets are in UTF-8 bytes: mapped back)."""
    kinds = preview_rules(platform).entities
    if not kinds:
        return ()
    text = part.text
    found: list[Entity]
    if platform == "bluesky":
        found = list(_facets(part))
    elif platform == "x":
        found = [Entity("link", u.start, u.end, _absolute(u.text))
                 for u in urls.extract_urls(text)]
        found += [Entity("hashtag", h.start, h.end) for h in urls.extract_hashtags(text)]
        found += [Entity("mention", m.start(), m.end()) for m in _X_MENTION.finditer(text)]
        found += [Entity("cashtag", m.start(), m.end()) for m in _X_CASHTAG.finditer(text)]
    elif platform == "mastodon":
        found = [Entity("link", u.start, u.end, u.text) for u in
                 urls.extract_urls(text, without_scheme=False, flavour="mastodon")]
        found += [Entity("hashtag", m.start(), len(m.group().rstrip("·")) + m.start())
                  for m in _MASTODON_TAG.finditer(text)]
        found += [Entity("mention", m.start, m.end) for m in urls.extract_mentions(text)]
    elif platform == "linkedin":  # the hashtags postgen sends as LinkedIn's templates
        found = [Entity("link", s, e, _absolute(url)) for s, e, url in find_urls(text)]
        found += [Entity("hashtag", s, e) for s, e in linkedin_hashtags(text)]
    else:
        found = [Entity("link", s, e, _absolute(url)) for s, e, url in find_urls(text)]
        found += [Entity("hashtag", h.start, h.end) for h in urls.extract_hashtags(text)]
        found += [Entity("mention", m.start(), m.end()) for m in _PLAIN_MENTION.finditer(text)]
    kept: list[Entity] = []
    for e in sorted(found, key=lambda e: (e.start, e.kind != "link")):
        if e.kind in kinds and e.end > e.start and (not kept or kept[-1].end <= e.start):
            kept.append(e)
    return tuple(kept)


def entities(v: Variant) -> list[Entity]:
    """The entities `v`'s platform creates in `v.text` (its parts joined by a blank line)."""
    found: list[Entity] = []
    offset = 0
    for part in v.parts:
        found += [Entity(e.kind, e.start + offset, e.end + offset, e.target)
                  for e in part_entities(part, v.platform)]
        offset += len(part.text) + 2
    return found


def _absolute(url: str) -> str:
    return url if "://" in url else f"http://{url}"


def _facets(part: Part) -> Iterator[Entity]:
    """Bluesky's facets of the part, from UTF-8 byte offsets to code points."""
    data = part.text.encode("utf-8")
    for f in part.facets:
        start = len(data[:f.byte_start].decode("utf-8", "ignore"))
        end = start + len(data[f.byte_start:f.byte_end].decode("utf-8", "ignore"))
        yield Entity(_FACET_KINDS[f.kind], start, end, f.value if f.kind == "link" else "")


@dataclass(frozen=True)
class Surprise:
    """A span the platform makes other than the writer meant: `written` becomes a link
    ("link"), only `made` of the hashtag `written` is one ("cut"), or `written` is no
    hashtag ("none")."""

    kind: str
    written: str
    made: str = ""


def surprises(v: Variant, brand_domains: Iterable[str] = ()) -> list[Surprise]:
    """Where `v`'s platform links something not written as a link (a bare domain of the
    brand's is taken as meant to be one) or makes a written hashtag into less or none."""
    kinds = preview_rules(v.platform).entities
    brand = tuple(d.lower() for d in brand_domains)
    made = entities(v)
    text = v.text
    written_links = {link.original for link in v.links}
    found: list[Surprise] = []
    for e in made:
        shown = text[e.start:e.end]
        host = shown.split("/", 1)[0].lower()
        # (on Bluesky postgen makes the link facets: only links the writer wrote)
        if e.kind == "link" and v.platform != "bluesky" and "://" not in shown \
                and shown not in written_links \
                and not host.startswith("www.") \
                and not any(host == d or host.endswith("." + d) for d in brand):
            found.append(Surprise("link", shown))
    if "hashtag" not in kinds:
        return found
    tags = {e.start: e.end for e in made if e.kind == "hashtag"}
    in_url = _Spans([(e.start, e.end) for e in made if e.kind == "link"]
                    + [(a, b) for a, b, _u in find_urls(text)])
    for m in _WRITTEN_TAG.finditer(text):
        if in_url.holds(m.start()):
            continue  # a fragment of a URL
        written = _END_PUNCT.sub("", m.group())
        if len(written) < 2:
            continue
        end = tags.get(m.start())
        if end is None:
            found.append(Surprise("none", written))
        elif end < m.start() + len(written):
            found.append(Surprise("cut", written, text[m.start():end]))
    return found


class _Spans:
    """Spans of a text, merged, asked in O(log n) whether they hold an index."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _b in merged]
        self.ends = [b for _a, b in merged]

    def holds(self, at: int) -> bool:
        i = bisect.bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.ends[i]


def check(post: Post, variants: Sequence[Variant], root: Path,
          brand_domains: Iterable[str] = ()) -> list[diag.Diagnostic]:
    """Every difference between what the writer meant and what the platforms make (a
    bare domain of the brand's is taken as meant to be a link)."""
    found: list[diag.Diagnostic] = []
    place = _Places(root, post)
    mentions: dict[str, dict[str, bool]] = {}  # written mention -> {platform: resolves}
    for v in variants:
        name = get_platform(v.platform).display_name
        for s in surprises(v, brand_domains):
            if s.kind == "link":
                message = f"'{s.written}' becomes a link on {name}, to http://{s.written}"
            elif s.kind == "cut":
                message = f"'{s.written}' links only '{s.made}' on {name}"
            else:
                message = f"'{s.written}' is no hashtag on {name}"
            rule = "entity-link" if s.kind == "link" else "entity-hashtag"
            found.append(place.warning(s.written, rule, f"{v.channel}: {message}"))
        if v.platform not in PLATFORMS:
            continue
        text = v.text
        people = {e.start: e.end for e in entities(v) if e.kind == "mention"}
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
