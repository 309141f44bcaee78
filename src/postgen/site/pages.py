"""The approval site's files: every page, feed and asset, as (path, content).

Pages come from Jinja2 templates (`site/*.html.j2`: the calendar's
`theme/site/` first, the built-ins behind), autoescaped: whatever a post
says shows as text. Media files are served under their content hash.

Work that repeats is done once per entry and kept in `fragments` (the build
cache carries it from one build to the next): a post's card, which shows on
its month, week, campaign, channel and review pages. The feeds (its events
in the `.ics` feed, its object in `posts.json`) are spliced: an unchanged
entry's bytes are taken from the feed the site folder holds, where the last
build recorded their place (`Feed.spans`). A post's page is rendered only
when `fresh(path, key)` says the site does not hold it already: its key
covers everything the page shows.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import html
import io
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files as resource_files
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from postgen import __version__, spreadsheet
from postgen.approvals import (
    APPROVE,
    CHANGES,
    PLACEHOLDER_BY,
    PLACEHOLDER_NOTE,
    approval_block,
)
from postgen.diagnostics import Diagnostic
from postgen.files import write_atomically
from postgen.models import CalendarConfig, Post
from postgen.parallel import fork_map
from postgen.platforms.previews import (
    MediaLayout,
    display_url,
    fold_point,
    link_card_aspect,
    media_layout,
    preview_rules,
)
from postgen.render.entities import Entity, Surprise, part_entities, surprises
from postgen.render.links import find_urls
from postgen.render.media import served_suffix
from postgen.render.model import MediaFile, Part, Variant, VariantRef
from postgen.render.templating import BUILTIN, bytecode_cache, overrides
from postgen.results.charts import chart
from postgen.results.report import Summary
from postgen.site import words
from postgen.site.model import STAGES, Entry, ServedMedia, SiteData, Status, served_media
from postgen.site.opengraph import LinkPreviews, Preview

PLATFORM_NAMES = {
    "x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "threads": "Threads",
    "linkedin": "LinkedIn", "facebook": "Facebook", "instagram": "Instagram",
    "pinterest": "Pinterest", "email": "Email", "sms": "SMS",
}
STATUS_CHOICES = (
    ("draft", "Draft"), ("in-review", "In review"), ("changes-requested", "Changes requested"),
    ("approved", "Approved"), ("changed", "Changed since approval"), ("scheduled", "Scheduled"),
    ("published", "Published"), ("failed", "Failed"),
)
ASSETS = ("postgen.css", "postgen.js", "review.css", "review.js")


#: Stands for a card's link prefix (`root`) in a cached card: pages sit at several depths.
_ROOT = "\x00root\x00"


@dataclass(frozen=True)
class Output:
    """One file of the site: `content`, a copy of `source`, or (neither) the file the
    site already holds under `key`: held since an earlier build, or `written` by this
    one (its size and time as written)."""

    path: str  # relative to the site root, '/'-separated
    content: str | bytes | None = None
    source: Path | None = None
    #: For pages decided by their inputs alone: a digest of them.
    key: str | None = None
    #: For a feed: where each entry's piece lies in `content` (see `Feed`).
    spans: Spans | None = None
    written: tuple[int, int] | None = None

    @property
    def unchanged(self) -> bool:
        return self.content is None and self.source is None


class Fragments:
    """Pieces of pages, by key ("kind:entry key"): those of earlier builds, and the ones
    this build used."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = known or {}
        self.used: dict[str, str] = {}

    def get(self, key: str, make: Callable[[], str]) -> str:
        found = self.used.get(key)
        if found is None:
            found = self.known.get(key)
            self.used[key] = found = make() if found is None else found
        return found

    def kept(self, entries: Iterable[Entry]) -> dict[str, str]:
        """What to keep for the next build: the fragments used, and those of the entries
        as they are now that this build did not need (a card on pages not rendered)."""
        live = {k for e in entries for k in (e.card_key, e.summary_key)}
        return {**{k: v for k, v in self.known.items() if k.rsplit(":", 1)[-1] in live},
                **self.used}


#: Where each entry's piece of a feed lies in it: entry key -> (start, end) in bytes.
Spans = dict[str, tuple[int, int]]
#: An entry's piece of a feed: its bytes, or a view of an earlier feed's.
Piece = bytes | memoryview
#: An earlier feed's piece for an entry key (`SiteFolder.pieces`), if it has one.
Earlier = Callable[[str], Piece | None]


@dataclass(frozen=True)
class Feed:
    """A feed's bytes, and where each entry's piece lies in them: the next build takes
    the pieces of entries that did not change from here instead of making them again."""

    content: bytes
    spans: Spans

    @classmethod
    def of(cls, pieces: Iterable[tuple[str, Piece]], head: bytes, sep: bytes, tail: bytes,
           empty: bytes) -> Feed:
        """`head`, the pieces (each under its entry key) with `sep` between, `tail`; or
        `empty` when there are none."""
        out: list[Piece] = [head]
        spans: Spans = {}
        at = len(head)
        for key, piece in pieces:
            if spans:
                out.append(sep)
                at += len(sep)
            spans[key] = (at, at + len(piece))
            out.append(piece)
            at += len(piece)
        if not spans:
            return cls(empty, {})
        out.append(tail)
        return cls(b"".join(out), spans)


def no_earlier(_key: str) -> Piece | None:
    """No earlier feed: every piece is made."""
    return None


def _no_earlier_feeds(_path: str) -> Earlier:
    return no_earlier


#: What a post's own page needs besides its entry: the whole post and its variants.
Details = Callable[[str], tuple[Post, tuple[Variant, ...]]]
Fresh = Callable[[str, str], bool]


def environment(root: Path) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(root / "theme"),
        jinja2.PrefixLoader({"default": BUILTIN}, delimiter=":"),
        BUILTIN,
    ])
    # The calendar's own templates (theme/site/ overriding postgen's) render in Jinja's
    # sandbox: a pull request's template must not run code in the CI that builds it.
    sandbox = overrides(root)
    kind = SandboxedEnvironment if sandbox else jinja2.Environment
    env = kind(loader=loader, undefined=jinja2.StrictUndefined, autoescape=True,
               trim_blocks=True, lstrip_blocks=True,
               bytecode_cache=bytecode_cache(root, sandboxed=sandbox),
               auto_reload=False)  # one build: no need to stat templates per page
    env.globals.update(
        stages=STAGES, statuses=STATUS_CHOICES, platform_names=PLATFORM_NAMES,
        rich=rich_text, layout=layout, card_aspect=link_card_aspect, media_url=media_url,
        words=words, status_label=status_label, client_message=client_message,
        fold_label=fold_label, campaign_title=campaign_title, entity_notes=entity_notes,
        utm=utm_pairs, host=host,
        channel_problems=channel_problems, word_diff=word_diff, action_url=action_url,
        approval_text=approval_text, waiting_of=waiting_of, mail_template=mail_template,
        reviewers=reviewers, waiting=WAITING, APPROVE=APPROVE, CHANGES=CHANGES,
    )
    return env


def site_files(site: SiteData, extra_pages: tuple[tuple[str, str], ...] = (), *,
               details: Details, fresh: Fresh | None = None,
               fragments: Fragments | None = None, global_key: str = "",
               earlier: Callable[[str], Earlier] = _no_earlier_feeds,
               site_dir: Path | None = None, results: Summary | None = None
               ) -> Iterator[Output]:
    """Every file of the site, pages first (read everything, then write).

    `details(post_id)` gives a post's page what it shows beyond its entry;
    `fresh(path, key)` says whether the site already holds the page for `key`
    (`global_key` joins every post page's key: what all of them show);
    `fragments` holds per-entry pieces from earlier builds and gains this one's;
    `earlier(path)` gives the pieces of the feed at `path` as the site holds it.
    Post pages are written to `site_dir`, if given, by whoever renders them (the
    workers of a cold build: their HTML need not travel back), and come out as
    `written`; the other files are for the caller to write. `results`: what sent
    posts did, shown on their pages and on the results page.
    """
    config = site.config
    env = environment(config.root)
    tz = config.timezone
    current = site.now if site.entries else datetime.now(UTC)
    now_month = current.astimezone(tz).strftime("%Y-%m")
    iso = current.astimezone(tz).isocalendar()
    now_week = f"{iso.year}-W{iso.week:02d}"
    avatars = {name: served_media(ch.avatar, config.root / ch.avatar)
               for name, ch in config.channels.items() if ch.avatar}
    today = site.now.astimezone(tz).date()
    # Link cards the platforms build from a link's page (Open Graph), when asked for.
    previews: dict[str, Preview] = {}
    if config.link_previews:
        previews = LinkPreviews(config.root, site.now).fetch_all(
            url for e in site.entries for v in e.variants
            if not v.media and link_card_aspect(v.platform)
            for url in [first_link(v.parts[0] if v.parts else "")] if url)
    labels = words.channel_labels(config.channels)
    common = {
        "site": site, "brand": config.brand, "tz": str(tz), "zone": words.zone(tz),
        "now": site.now.astimezone(tz),
        "channels": config.channels, "local": lambda d: d.astimezone(tz),
        "state_detail": lambda status: words.state_detail(status, tz),
        "extra_pages": [{"title": t, "url": u} for t, u in extra_pages],
        "today": today,
        "avatars": {name: media_url(m) for name, m in avatars.items()},
        "link_preview": lambda v: previews.get(first_link(v.parts[0].text) or "") if v.parts
        else None,
        "display_names": {name: words.display_name(ch, config.brand.name)
                          for name, ch in config.channels.items()},
        "channel_labels": labels,
    }
    pieces = fragments or Fragments()
    macros: Any = env.get_template("site/macros.html.j2").make_module({**common, "root": _ROOT})

    def card(entry: Entry, root: str, show_date: bool = False, snippet: bool = False) -> Markup:
        """The entry's card (macros.html.j2 `chip`), rendered once per entry version."""
        html_text = pieces.get(f"card:{int(show_date)}{int(snippet)}:{entry.card_key}",
                               lambda: str(macros.chip(entry, _ROOT, show_date, snippet)))
        return Markup(html_text.replace(_ROOT, root))

    def flagged_item(entry: Entry, root: str) -> Markup:
        """The entry's problems on the overview (`flagged`), rendered once per version."""
        html_text = pieces.get(f"flagged:{entry.summary_key}",
                               lambda: str(macros.flagged(entry, _ROOT)))
        return Markup(html_text.replace(_ROOT, root))

    env.globals.update(card=card, flagged_item=flagged_item)

    # Each page's key: what every page shows (templates, config, the campaigns in the
    # filters), what it shows of each entry (by default its card) and anything else
    # it shows. An equal key, an equal page: a page the site folder holds under its
    # key is not rendered again.
    # Every page shows the avatars; post pages the link cards.
    global_key = f"{global_key}\0{sorted(avatars.items())!r}\0{sorted(previews.items())!r}"
    site_key = f"{global_key}\0{list(site.campaigns)!r}"

    def key(path: str, shown: Iterable[Entry], *more: object, of: str = "card_key") -> str:
        h = hashlib.blake2b(f"{site_key}\0{path}\0{more!r}".encode(), digest_size=16)
        h.update("".join(map(attrgetter(of), shown)).encode())
        return h.hexdigest()

    def render(path: str, template: str, **context: object) -> str:
        return env.get_template(template).render(root="../" * path.count("/"), **common,
                                                 **context)

    def page(path: str, template: str, page_key: str, **context: object) -> Output:
        if fresh is not None and fresh(path, page_key):
            return Output(path, key=page_key)
        return Output(path, render(path, template, **context), key=page_key)

    # Post pages: those the site folder does not hold already are rendered, in worker
    # processes when there are many (a cold build: see `postgen.parallel`). They start
    # now: the other pages are rendered here meanwhile.
    def results_of(post_id: str) -> tuple[Any, ...]:
        return results.of_post(post_id) if results else ()

    post_pages = [(entry, f"posts/{entry.post.id}/index.html",
                   hashlib.blake2b(f"{global_key}\0{entry.key}\0{results_of(entry.post.id)!r}"
                                   .encode(),
                                   digest_size=16).hexdigest()) for entry in site.entries]
    stale = [(entry, path) for entry, path, page_key in post_pages
             if fresh is None or not fresh(path, page_key)]

    def post_page(index: int) -> str | tuple[int, int]:
        """The page's HTML; or written to `site_dir`, its size and time. (An index: a
        worker has `stale` already, and an entry would travel pickled.)"""
        entry, path = stale[index]
        post, variants = details(entry.post.id)
        day = entry.post.date.astimezone(tz).isocalendar()
        html_text = render(path, "site/post.html.j2", kind="post", title=post.title,
                           entry=entry, post=post, variants=variants,
                           week_key=f"{day.year}-W{day.week:02d}",
                           results={r.channel: r for r in results_of(post.id)})
        if site_dir is None:
            return html_text
        target = site_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, html_text)
        st = os.stat(target)
        return st.st_size, st.st_mtime_ns

    rendered = fork_map(post_page, range(len(stale)))
    upcoming = site.upcoming(7)
    attention = [e for e in site.entries
                 if any(st.key in ("approved", "failed") for st in e.statuses.values())]
    # In the order a post goes through them (the review queue's filter's order).
    order = [key for key, _ in STATUS_CHOICES]
    post_counts = Counter(status_label(e.status) for e in sorted(
        site.entries, key=lambda e: order.index(e.status.key) if e.status.key in order
        else len(order)))
    yield page("index.html", "site/home.html.j2",
               key("index.html", site.entries, [e.card_key for e in upcoming], site.broken,
                   site.now.astimezone(tz).date(), of="summary_key"),
               kind="home", title="Overview", upcoming=upcoming, attention=attention,
               post_counts=dict(post_counts), cap=10)
    yield page("checks/index.html", "site/checks-page.html.j2",
               key("checks/index.html", site.entries, site.broken, of="summary_key"),
               kind="checks", title="Failing checks", cap=None)
    # The navigation's Month and Week lead here, to the month and week of "now",
    # so that no other page changes when the date does.
    for kind, target in (("month", _nearest([m.key for m in site.months], now_month)),
                         ("week", _nearest([w.key for w in site.weeks], now_week))):
        path = f"{kind}/index.html"
        yield page(path, "site/redirect.html.j2", key(path, (), target), kind=kind,
                   title=f"This {kind}", target=f"{target}/")
    queue = site.review_queue()
    pages = paged(by_week(queue, tz), QUEUE_PAGE)
    page_urls = [("review/" if n == 1 else f"review/{n}/", f"{n}: {part[0][0]}")
                 for n, part in enumerate(pages, 1)]
    for n, groups in enumerate(pages or [[]], 1):
        path = "review/index.html" if n == 1 else f"review/{n}/index.html"
        on_page = [e for _t, _k, items in groups for e in items]
        yield page(path, "site/list.html.j2", key(path, on_page, page_urls),
                   kind="review", title="Review queue" if n == 1 else f"Review queue, page {n}",
                   intro=f"{len(queue)} posts wait for a decision: open each one, read every "
                   "channel's version, then approve it or ask for changes.",
                   entries=on_page, links=None, empty="Nothing waits for review.",
                   groups=groups, pages=page_urls, page_no=n)
    for i, month in enumerate(site.months):
        prev = site.months[i - 1] if i else None
        after = site.months[i + 1] if i + 1 < len(site.months) else None
        shown = [e for row in month.weeks for _day, entries in row for e in entries]
        own = [e for row in month.weeks for day, entries in row if day.month == month.month
               for e in entries]
        waiting = [e for e in own if any(s.key in WAITING for s in e.statuses.values())]
        batch = [v for e in waiting for v in e.variants if e.statuses[v.channel].key in WAITING]
        path = f"month/{month.key}/index.html"
        yield page(path, "site/month.html.j2",
                   key(path, shown, prev and prev.key, after and after.key, len(waiting),
                       today if any(d == today for row in month.weeks for d, _ in row) else None),
                   kind="month", title=month.title, month=month, waiting_posts=len(waiting),
                   prev=prev, next=after)
        # Approving the month's waiting posts together: its own page, as the message
        # carries a line per version (too heavy for the month's page itself).
        path = f"month/{month.key}/approve/index.html"
        yield page(path, "site/list.html.j2",
                   key(path, waiting, [(v.post_id, v.channel, v.hash) for v in batch]),
                   kind="review", title=f"Approve {month.title} together",
                   intro="Read each post first: approving here approves every version listed, "
                   "exactly as its page shows it.", entries=waiting, links=None,
                   empty="Nothing waits for review this month.", batch=batch,
                   batch_title=month.title, batch_back=f"/month/{month.key}/")
    for i, week in enumerate(site.weeks):
        prev_week = site.weeks[i - 1] if i else None
        next_week = site.weeks[i + 1] if i + 1 < len(site.weeks) else None
        path = f"week/{week.key}/index.html"
        batch = [v for _day, entries in week.days for e in entries for v in e.variants
                 if e.statuses[v.channel].key in WAITING]
        yield page(path, "site/week.html.j2",
                   key(path, (e for _day, entries in week.days for e in entries),
                       prev_week and prev_week.key, next_week and next_week.key,
                       today if any(d == today for d, _ in week.days) else None,
                       [(v.post_id, v.channel, v.hash) for v in batch]),
                   kind="week", title=f"Week {week.number}", week=week, prev=prev_week,
                   next=next_week, batch=batch)
    links = [(campaign_title(c), f"campaigns/{c}/", len(es)) for c, es in site.campaigns.items()]
    yield page("campaigns/index.html", "site/list.html.j2", key("campaigns/", (), links),
               kind="campaign", title="Campaigns", intro="", entries=None, empty="",
               links=links)
    for name, entries in site.campaigns.items():
        path = f"campaigns/{name}/index.html"
        yield page(path, "site/list.html.j2", key(path, entries), kind="campaign",
                   title=f"Campaign: {campaign_title(name)}", intro="", entries=entries,
                   links=None, empty="No posts.")
    links = [(labels[n], f"channels/{n}/", len(site.channels.get(n, ())))
             for n in config.channels]
    yield page("channels/index.html", "site/list.html.j2", key("channels/", (), links),
               kind="channel", title="Channels", intro="", entries=None, empty="", links=links)
    for name, entries in site.channels.items():
        channel = config.channels[name]
        who = words.handle(channel)
        path = f"channels/{name}/index.html"
        yield page(path, "site/list.html.j2", key(path, entries), kind="channel",
                   title=f"Channel: {labels[name]}",
                   intro=f"{words.display_name(channel, config.brand.name)}"
                   f"{' · ' + who if who else ''}", entries=entries, links=None,
                   empty="No posts.")
    yield page("funnel/index.html", "site/funnel.html.j2", key("funnel/", site.entries),
               kind="funnel", title="Funnel coverage")
    yield page("results/index.html", "site/results.html.j2", key("results/", (), results),
               kind="results", title="Results", summary=results, chart=chart,
               fetched=results.fetched_at if results else None,
               campaign_names={g.label: campaign_title(g.label)
                               for g in (results.by_campaign if results else ())})
    for path, make in (("calendar.ics", ics), ("posts.json", posts_json)):  # meanwhile too
        feed_key = key(path, site.entries, of="key")
        if fresh is not None and fresh(path, feed_key):
            yield Output(path, key=feed_key)
        else:
            feed = make(site, earlier(path))
            yield Output(path, feed.content, key=feed_key, spans=feed.spans)
    to_render = {path for _entry, path in stale}
    for _entry, path, page_key in post_pages:
        if path not in to_render:
            yield Output(path, key=page_key)
            continue
        done = next(rendered)
        yield (Output(path, done, key=page_key) if isinstance(done, str)
               else Output(path, key=page_key, written=done))
    served = {(m.sha256, m.src): m for e in site.entries for v in e.variants for m in v.media}
    served.update({(m.sha256, m.src): m for m in avatars.values()})
    served.update({(p.image.sha256, p.image.src): p.image for p in previews.values() if p.image})
    # only validated images and videos, typed by their content: nothing active
    served = {key: m for key, m in served.items() if m.suffix}
    media = {media_url(m): m for m in served.values()}
    for url, m in sorted(media.items()):
        if fresh is not None and fresh(url, m.sha256):
            yield Output(url, key=m.sha256)
        else:
            yield Output(url, source=Path(m.path), key=m.sha256)
    assets = resource_files("postgen") / "templates" / "site" / "assets"
    for name in ASSETS:
        override = config.root / "theme" / "site" / "assets" / name
        yield Output(f"assets/{name}", override.read_bytes() if override.is_file()
                     else (assets / name).read_bytes())


Group = tuple[str, str, list[Entry]]  # title, key, entries


def by_week(entries: Iterable[Entry], tz: Any) -> list[Group]:
    """Entries grouped by ISO week: (title, week page, entries), in order."""
    groups: dict[str, tuple[str, list[Entry]]] = {}
    for e in entries:
        day = e.post.date.astimezone(tz).date()
        iso = day.isocalendar()
        monday = day - timedelta(days=day.weekday())
        title = f"Week {iso.week}, from {monday.strftime('%a')} {monday.day} {monday:%b}"
        groups.setdefault(f"{iso.year}-W{iso.week:02d}", (title, []))[1].append(e)
    return [(title, key, items) for key, (title, items) in groups.items()]


#: Posts on a page of the review queue (whole weeks: a page may hold a few more).
QUEUE_PAGE = 40


def paged(groups: list[Group], size: int) -> list[list[Group]]:
    """Groups on pages of about `size` entries, never splitting one."""
    pages: list[list[Group]] = []
    count = size
    for group in groups:
        if count >= size:
            pages.append([])
            count = 0
        pages[-1].append(group)
        count += len(group[2])
    return pages


def _nearest(keys: list[str], wanted: str) -> str:
    if not keys:
        return wanted
    later = [k for k in keys if k >= wanted]
    return later[0] if later else keys[-1]


# -- template helpers ----------------------------------------------------------

WAITING = ("in-review", "changed", "changes-requested")


def waiting_of(entry: Entry, variants: Sequence[VariantRef]) -> list[VariantRef]:
    """The variants of a post that wait for a decision."""
    return [v for v in variants if entry.statuses[v.channel].key in WAITING]


def reviewers(site: SiteData) -> tuple[str, ...]:
    return site.config.approval.reviewers or (PLACEHOLDER_BY,)


#: Many mail programs cut a mailto: link longer than about 2,000 characters.
MAILTO_LIMIT = 1900


def approval_text(variants: Sequence[VariantRef], decision: str, reviewer: str) -> str:
    """The message that approves (or asks for changes to) `variants`: one block per post."""
    verb = "approve" if decision == APPROVE else "ask for changes to"
    head = (f"I {verb} the following, exactly as shown on the calendar site.\n"
            + (f"Replace {PLACEHOLDER_NOTE} with what should change.\n"
               if decision == CHANGES else "") + "\n")
    posts: dict[str, list[VariantRef]] = {}
    for v in variants:
        posts.setdefault(v.post_id, []).append(v)
    return head + "\n".join(approval_block(decision, group, reviewer)
                             for group in posts.values())


def mail_template(site: SiteData, subject: str) -> str:
    """`approval.action_url` with its subject filled in and `{body}` left for the page's
    script (which narrows a batch to what the filters show)."""
    return (site.config.approval.action_url or "").replace("{subject}", quote(subject))


def action_url(site: SiteData, variants: Sequence[VariantRef], decision: str, reviewer: str,
               subject: str) -> str | None:
    """The link that opens a message carrying `approval_text`; None without
    `approval.action_url`, or when the link would be too long for mail programs (the
    page offers the text to copy instead)."""
    if site.config.approval.action_url is None:
        return None
    body = _quote(approval_text(variants, decision, reviewer))
    url = mail_template(site, subject).replace("{body}", body)
    return url if len(url) <= MAILTO_LIMIT else None


#: What `urllib.parse.quote` makes of each ASCII character it does not keep (it keeps
#: letters, digits, "_.-~" and "/").
_QUOTE_ASCII = {chr(i): f"%{i:02X}" for i in range(128)
                if not (chr(i).isalnum() or chr(i) in "_.-~/")}


def _quote(text: str) -> str:
    """`urllib.parse.quote(text)`, several times faster on ASCII text: one `replace`
    per character that needs quoting ("%" first, as the others bring more)."""
    if not text.isascii():
        return quote(text)
    text = text.replace("%", "%25")
    for ch in _QUOTE_ASCII.keys() & set(text):
        if ch != "%":
            text = text.replace(ch, _QUOTE_ASCII[ch])
    return text


def word_diff(old: str, new: str) -> tuple[Markup, Markup]:
    """Both texts, escaped, with removed words in <del> and added words in <ins>."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    return Markup("".join(left)), Markup("".join(right))



def media_url(m: MediaFile | ServedMedia) -> str:
    """Where the site serves a media file: named by its hash, typed by its content."""
    suffix = m.suffix if isinstance(m, ServedMedia) else served_suffix(m) or ""
    return f"media/{m.sha256[:16]}{suffix}"


def layout(platform: str, media: Iterable[MediaFile]) -> MediaLayout:
    """How the platform's feed shows the images (`previews.media_layout`: the library's
    crops, drawn exactly so)."""
    return media_layout(platform, [(m.width, m.height) for m in media])


def first_link(text: str) -> str | None:
    """The first URL in `text` (absolute), the one a platform builds its card from."""
    found = find_urls(text)
    if not found:
        return None
    url = found[0][2]
    return url if "://" in url else f"https://{url}"


def campaign_title(name: str) -> str:
    """A campaign's name as a title: "winter-harvest" reads "Winter harvest"."""
    return name.replace("-", " ").replace("_", " ").capitalize()


def fold_label(part: Part, platform: str) -> str | None:
    """The label of the platform's "more" control when it folds the part, else None."""
    spans = [(e.start, e.end) for e in part_entities(part, platform)]
    if fold_point(part.text, platform, spans) is None:
        return None
    return preview_rules(platform).fold_label


def entity_notes(v: Variant, brand_domains: Iterable[str]) -> list[str]:
    """In the client's words, each span the platform will make other than written
    (`entities.surprises`): the notes under the channel's mockup."""
    return [_note(s, PLATFORM_NAMES.get(v.platform, v.platform))
            for s in dict.fromkeys(surprises(v, brand_domains))]


def _note(s: Surprise, platform: str) -> str:
    if s.kind == "link":
        return f"On {platform}, “{s.written}” will show as a link."
    if s.kind == "cut":
        return f"On {platform}, only “{s.made}” of “{s.written}” will work as a hashtag."
    return f"On {platform}, “{s.written}” will not work as a hashtag."


def status_label(status: Status) -> str:
    """A state as the client reads it: an approved post whose time passed unsent missed."""
    return "Missed" if status.key == "approved" else status.label


def client_message(d: Diagnostic, channel: str | None) -> str:
    """A problem's message without the channel name it starts with (the page says it)."""
    prefix = f"{channel}: "
    return d.message[len(prefix):] if channel and d.message.startswith(prefix) else d.message


def host(url: str) -> str:
    return urlsplit(url).hostname or url


def utm_pairs(url: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k.startswith("utm_")]


def channel_problems(entry: Entry, channel: str | None) -> list[Diagnostic]:
    """The entry's problems that name `channel` (None: those that name none)."""
    names = set(entry.post.channels)
    if channel is None:
        return [d for d in entry.problems if d.message.split(":", 1)[0] not in names]
    return [d for d in entry.problems if d.message.startswith(f"{channel}: ")]


def rich_text(part: Part, platform: str) -> Markup:
    """The part's exact text, escaped, with the spans the platform turns into links,
    hashtags, mentions and cashtags marked (`entities.part_entities`) as it shows them:
    links clickable and shown as in its feed (`previews.display_url`: the parts it
    hides are in hidden spans), the rest after the platform's fold in a span of its own.

    Only elements are added around spans of the text, so the element's text
    content is byte for byte what is sent.
    """
    text = part.text
    spans = part_entities(part, platform)
    fold = fold_point(text, platform, [(e.start, e.end) for e in spans])
    fold_label = preview_rules(platform).fold_label or ""
    out: list[str] = []

    folded = False

    def plain(start: int, end: int) -> None:
        """Text between spans; the fold opens in it (a span is never cut: the fold
        falls between spans, maybe right before one)."""
        nonlocal folded
        if fold is not None and not folded and start <= fold <= end:
            folded = True
            out.append(html.escape(text[start:fold], quote=False))
            out.append(f'<span class="after-fold" data-label="{html.escape(fold_label)}">')
            start = fold
        out.append(html.escape(text[start:end], quote=False))

    pos = 0
    for e in spans:
        plain(pos, e.start)
        out.append(_entity_html(text[e.start:e.end], e, platform))
        pos = e.end
    plain(pos, len(text))
    if folded:
        out.append("</span>")
    return Markup("".join(out))


def _entity_html(piece: str, e: Entity, platform: str) -> str:
    """One span as the platform shows it: a link clickable (its hidden and cut parts in
    hidden spans), a hashtag, mention or cashtag coloured."""
    if e.kind != "link" or not e.target.startswith(("http://", "https://")):
        return f'<span class="entity {e.kind}">{html.escape(piece, quote=False)}</span>'
    shown = display_url(piece, platform)
    inner = html.escape(shown.shown, quote=False)
    if shown.hidden:
        inner = f'<span class="url-hidden">{html.escape(shown.hidden, quote=False)}</span>{inner}'
    if shown.cut:
        inner += f'<span class="url-cut">{html.escape(shown.cut, quote=False)}</span>'
    short = " url-short" if shown.cut else ""
    href = html.escape(e.target)
    return f'<a class="entity link{short}" href="{href}" rel="noopener">{inner}</a>'


# -- feeds -----------------------------------------------------------------------


def ics(site: SiteData, earlier: Earlier = no_earlier) -> Feed:
    """One event per post and channel, with UIDs stable across builds (RFC 5545).

    An entry's events are made once and taken from the `earlier` feed while the
    entry stays the same, so their DTSTAMP is when that version first showed.
    """
    stamp = _ics_time(site.now)
    head = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0",
        _ics_line("PRODID", f"-//postgen {__version__}//{site.config.brand.name}//EN"),
        _ics_line("X-WR-CALNAME", f"{site.config.brand.name} content calendar"),
        _ics_line("X-WR-TIMEZONE", str(site.config.timezone)),
        "",
    ]).encode("utf-8")
    end = b"END:VCALENDAR\r\n"

    def pieces() -> Iterator[tuple[str, Piece]]:
        for entry in site.entries:
            piece = earlier(entry.key)
            if piece is None:
                piece = _ics_events(entry, stamp, site.config).encode("utf-8")
            if piece:
                yield entry.key, piece

    return Feed.of(pieces(), head, b"\r\n", b"\r\n" + end, head + end)


def _ics_events(entry: Entry, stamp: str, config: CalendarConfig) -> str:
    categories = ",".join(_ics_text(c) for c in (entry.post.funnel.value,
                                                 entry.post.campaign) if c)
    lines: list[str] = []
    for v in entry.variants:
        start = v.date.astimezone(UTC)
        lines += [
            "BEGIN:VEVENT",
            _ics_line("UID", f"{v.post_id}.{v.channel}@postgen"),
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(start)}",
            f"DTEND:{_ics_time(start + timedelta(minutes=15))}",
            _ics_line("SUMMARY", f"[{v.channel}] {entry.post.title}"),
            _ics_line("DESCRIPTION", f"{entry.statuses[v.channel].label}\n\n{v.text}"),
            _ics_line("URL", config.post_url(v.post_id), escape=False),
            _fold(f"CATEGORIES:{categories}"),
            "END:VEVENT",
        ]
    return "\r\n".join(lines)


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


#: What RFC 5545 TEXT may not hold raw: line breaks of every kind (CRLF, LF, a lone
#: CR, NEL, LS, PS: some readers split lines at each) become the escape "\\n"; other
#: control characters (CONTROL in the RFC's grammar) are dropped.
_ICS_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_ICS_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")


def _ics_text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _ICS_CONTROL.sub("", _ICS_BREAK.sub("\\\\n", escaped))


def _ics_line(name: str, value: str, escape: bool = True) -> str:
    return _fold(f"{name}:{_ics_text(value) if escape else value}")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space; never splitting a character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines start with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def posts_json(site: SiteData, earlier: Earlier = no_earlier) -> Feed:
    """Every post with its variants' exact parts, as JSON; one entry's object a line."""
    tz = site.config.timezone

    def obj(e: Entry) -> bytes:
        return json.dumps({
            "id": e.post.id, "title": e.post.title,
            "date": e.post.date.astimezone(tz).isoformat(), "funnel": e.post.funnel.value,
            "campaign": e.post.campaign, "owner": e.post.owner, "status": e.status.key,
            "url": site.config.post_url(e.post.id),
            "variants": [{"channel": v.channel, "platform": v.platform, "hash": v.hash,
                          "date": v.date.astimezone(tz).isoformat(),
                          "status": e.statuses[v.channel].key, "parts": list(v.parts)}
                         for v in e.variants],
        }, ensure_ascii=False).encode("utf-8")

    pieces = ((e.key, earlier(e.key) or obj(e)) for e in site.entries)
    return Feed.of(pieces, b"[\n", b",\n", b"\n]\n", b"[]\n")


#: `postgen export --format csv`: one row per post and channel, what each channel sends,
#: then the post's source (`postgen.spreadsheet`), which `postgen import` reads back.
CSV_COLUMNS = ("post_id", "title", "channel", "platform", "account", "date", "status",
               "funnel", "campaign", "owner", "parts", "text", "hash", "url",
               *spreadsheet.SOURCE_COLUMNS)


def posts_csv(site: SiteData, posts: Mapping[str, Post]) -> bytes:
    """Every post and channel as a CSV row (UTF-8, with a byte order mark so that
    spreadsheets read it as such): its exact text (thread parts separated by a blank
    line; `parts` says how many), time in the calendar's timezone and review state,
    and the post's source from `posts` (by id). A cell that would start a formula
    gets a leading apostrophe, as spreadsheets do."""
    tz = site.config.timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in site.entries:
        post = posts.get(e.post.id)
        source = spreadsheet.source_cells(post) if post else ("",) * len(
            spreadsheet.SOURCE_COLUMNS)
        for v in e.variants:
            row = (v.post_id, e.post.title, v.channel, v.platform,
                   site.config.channels[v.channel].account,
                   v.date.astimezone(tz).isoformat(), e.statuses[v.channel].key,
                   e.post.funnel.value, e.post.campaign or "", e.post.owner or "",
                   str(len(v.parts)), v.text, v.hash, site.config.post_url(v.post_id),
                   *source)
            writer.writerow([spreadsheet.escape(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
