"""Render every post for every channel: the `Variant` that will be sent.

For one post and channel: the text (the channel's override, its explicit
thread parts, or the body) goes from markdown to the platform's plain text
with tracked links; the channel's template places it with the CTA and
hashtags; a thread is split where the platform allows it and the text is
over the limit; then the text is counted by the platform's own rules, the
media checked against its rules, the API payload built and the whole hashed.
Problems go to `postgen check` as located diagnostics.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from types import MappingProxyType

import jinja2
from markupsafe import Markup

from postgen import diagnostics as diag
from postgen.models import Calendar, CalendarConfig, Channel, Post, UtmPolicy
from postgen.platforms import PlatformRules, get_platform, with_overrides
from postgen.platforms.counting import count
from postgen.render import entities, markup, problems
from postgen.render.links import track
from postgen.render.media import MediaCache
from postgen.render.model import Link, LinkCard, MediaFile, Part, Variant
from postgen.render.payloads import build_payload
from postgen.render.richtext import bluesky_facets
from postgen.render.templating import environment, template_place, variant_template
from postgen.render.threads import split_thread
from postgen.schema import split_parts

# Private-use characters that mark a link's visible text through templating
# and splitting, so rich-text platforms (Bluesky) get exact facet offsets.
OPEN, CLOSE = "\ue000", "\ue001"
_MARKS = re.compile(f"[{OPEN}{CLOSE}]")
_BLANKS = re.compile(r"\n{3,}")
#: Platforms whose API takes a link card (a preview) with a post that has no media.
LINK_CARD_PLATFORMS = frozenset({"linkedin", "bluesky", "facebook", "threads"})
#: Plain-text email lines SHOULD stay within 78 characters (RFC 5322).
EMAIL_WIDTH = 78
_BULLET = re.compile(r"(\s*(?:[-•*]|\d+\.)\s+)")


@dataclass(frozen=True)
class Rendered:
    variants: tuple[Variant, ...]
    diagnostics: tuple[diag.Diagnostic, ...]

    def of(self, post_id: str) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.post_id == post_id)


class Renderer:
    """Renders posts of one calendar; holds what is shared between them."""

    def __init__(self, config: CalendarConfig, keep_compiled: bool = True) -> None:
        self.config = config
        self.env = environment(config.root, keep_compiled)
        self.media = MediaCache()
        self._rules: dict[str, PlatformRules] = {}
        self._docs: dict[str, markup.Doc] = {}  # parsed markdown, for one post at a time

    def rules(self, channel: Channel) -> PlatformRules:
        if channel.name not in self._rules:
            base = get_platform(channel.platform)
            self._rules[channel.name] = with_overrides(base, channel.limits)
        return self._rules[channel.name]

    def post(self, post: Post) -> tuple[list[Variant], list[diag.Diagnostic]]:
        variants: list[Variant] = []
        found: list[diag.Diagnostic] = []
        self._docs.clear()
        for name in post.channels:
            channel = self.config.channels[name]
            try:
                variant = self.variant(post, channel)
            except jinja2.TemplateError as exc:
                found.append(self._template_problem(exc, post, channel))
                continue
            variants.append(variant)
            found.extend(problems.check(post, variant, self.rules(channel)))
        found.extend(entities.check(post, variants, self.config.root, self.config.brand.domains))
        return variants, found

    def _template_problem(self, exc: jinja2.TemplateError, post: Post,
                          channel: Channel) -> diag.Diagnostic:
        try:
            template: str | None = variant_template(self.env, channel.name,
                                                    channel.platform).filename
        except jinja2.TemplateError:
            template = None
        filename, line = template_place(exc, template)
        shown = self.config.rel(Path(filename)) if filename else f"variants/{channel.platform}"
        return diag.error(shown, line or 1, 1, "template-error",
                          f"{exc.message or exc} (rendering {post.id} for {channel.name})")

    def variant(self, post: Post, channel: Channel) -> Variant:
        rules = self.rules(channel)
        override = post.override(channel.name)
        sent: dict[str, str] = {}
        tracker = _recording(self._tracker(post, channel), sent)
        rich = channel.platform == "bluesky"
        style = _style(channel.platform, rich)
        cta = override.cta or post.cta
        hashtags = ["#" + t for t in (override.hashtags if override.hashtags is not None
                                      else post.hashtags)]
        first_comment = override.first_comment
        if hashtags and channel.hashtags == "first_comment":
            first_comment = "\n\n".join(filter(None, [first_comment, " ".join(hashtags)]))
            hashtags = []
        sources = _sources(post, channel.name)
        cta_url = tracker(cta.url) if cta else ""
        context = {
            "post": post, "channel": channel, "brand": self.config.brand,
            # cta.link: the CTA as the platform shows a link (linked text on rich text).
            "cta": {"text": cta.text, "url": cta_url,
                    "link": f"{OPEN}{cta.text}{CLOSE}" if rich else f"{cta.text}: {cta_url}"}
            if cta else None,
            "hashtags": hashtags,
        }
        template = variant_template(self.env, channel.name, channel.platform)
        texts: list[str] = []
        urls: list[str] = []
        for i, src in enumerate(sources):
            body, body_urls = _plain(self._doc(src), style, tracker, rich)
            urls.extend(body_urls)
            texts.append(_tidy(template.render(body=body, part=i, parts=len(sources),
                                               last=i == len(sources) - 1, **context)))
        if cta and rich:
            urls.append(cta_url)  # the CTA's mark comes after the body's links
        if channel.platform == "email":
            texts = [_wrap(t, EMAIL_WIDTH) for t in texts]
        if len(texts) == 1 and rules.supports_threads:
            def fits(text: str) -> bool:
                return count(_MARKS.sub("", text), rules,
                             content_warning=override.content_warning or "").ok

            texts = list(split_thread(texts[0], fits, numbering=channel.thread_numbering))
        elif not rules.supports_threads and len(texts) > 1:
            texts = ["\n\n".join(texts)]
        parts = _parts(texts, urls) if rich else tuple(Part(t) for t in texts)
        media = tuple(self.media.file(m) for m in (override.media if override.media is not None
                                                   else post.media))
        card = (LinkCard(cta_url, cta.text)
                if cta and not media and channel.platform in LINK_CARD_PLATFORMS else None)
        variant = Variant(
            post_id=post.id, channel=channel.name, platform=channel.platform,
            account=channel.account, date=post.date_for(channel.name), parts=parts,
            media=media, links=tuple(Link(o, t) for o, t in sent.items()), link_card=card,
            first_comment=first_comment,
            subject=(override.subject or post.title) if channel.platform == "email" else None,
            preheader=override.preheader, content_warning=override.content_warning,
            lang=post.lang,
        )
        if channel.platform == "email":
            variant = self._email_html(variant, sources, tracker, context)
        payload = build_payload(variant, channel.options)
        counts = tuple(count(p.text, rules, content_warning=variant.content_warning or "",
                             subject=variant.subject or "") for p in parts)
        return _with(variant, payload=MappingProxyType(payload), counts=counts,
                     hash=content_hash(variant, sending(channel)))

    def _doc(self, source: str) -> markup.Doc:
        doc = self._docs.get(source)
        if doc is None:
            doc = self._docs[source] = markup.parse(_MARKS.sub("", source))
        return doc

    def _email_html(self, variant: Variant, sources: list[str],
                    tracker: Callable[[str], str], context: Mapping[str, object]) -> Variant:
        body_html = "\n".join(markup.to_html(self._doc(s), tracker) for s in sources)
        template = variant_template(self.env, variant.channel, "email", "html")
        html = template.render(body_html=Markup(body_html),
                               subject=variant.subject, preheader=variant.preheader,
                               **context)
        return _with(variant, html=html)

    def _tracker(self, post: Post, channel: Channel) -> Callable[[str], str]:
        utm = self.config.utm
        if not (utm.enabled and channel.utm and self.config.brand.domains):
            return lambda url: url
        params = utm_params(utm, post.series or post.id, post.campaign, channel)
        domains = self.config.brand.domains
        return lambda url: track(url, params, domains)


def utm_params(utm: UtmPolicy, post_id: str, campaign: str | None,
               channel: Channel) -> dict[str, str]:
    """The UTM tags brand links of this post get on this channel (results join on them)."""
    values = {"platform": channel.platform, "channel": channel.name,
              "campaign": campaign or "", "post_id": post_id}
    medium = utm.medium.get(channel.platform) or utm.medium.get("default", "social")
    return {
        "utm_source": utm.source.format_map(values),
        "utm_medium": medium.format_map(values),
        "utm_campaign": utm.campaign.format_map(values),
        "utm_content": utm.content.format_map(values),
    }


def render_calendar(calendar: Calendar, only: set[str] | None = None,
                    keep_compiled: bool = True) -> Rendered:
    """Every variant of every post (or of the posts whose ids are in `only`);
    `keep_compiled=False`: nothing read from or written to .postgen-cache/."""
    renderer = Renderer(calendar.config, keep_compiled)
    variants: list[Variant] = []
    found: list[diag.Diagnostic] = []
    for post in calendar.posts:
        if only is not None and post.id not in only:
            continue
        v, d = renderer.post(post)
        variants.extend(v)
        found.extend(d)
    return Rendered(tuple(variants), tuple(diag.sort(found)))


#: Channel options that change no request a send makes: they tune waiting, or only
#: `postgen accounts` uses them (a health check, the app credentials that inspect or
#: refresh a token). Every other option a channel sets is part of its variants' hash.
UNSENT_OPTIONS = frozenset({"timeout", "health_url", "client_id_env", "client_secret_env",
                            "app_id_env", "app_secret_env"})


def sending(channel: Channel) -> dict[str, object]:
    """The channel's settings that decide where, how and as whom its posts are sent: the
    publisher and its options (the page, the instance, the token's variable...), in a
    canonical form. Defaults are left out (the outbox, no options), so a channel that
    sets nothing hashes as it always did; a third party's options are all included."""
    settings: dict[str, object] = {}
    if channel.publisher != "outbox":
        settings["publisher"] = channel.publisher
    options = {k: v for k, v in channel.options.items() if k not in UNSENT_OPTIONS}
    if options:
        settings["options"] = options
    return settings


def content_hash(v: Variant, settings: Mapping[str, object] | None = None) -> str:
    """SHA-256 over everything that is sent, and the channel's `sending` settings that
    decide where and as whom: change any of it, the hash moves (and approvals lapse)."""
    sent: dict[str, object] = {
        "account": v.account, "platform": v.platform, "channel": v.channel,
        "date": v.date.astimezone(UTC).isoformat(),
        "parts": [[p.text, [[f.byte_start, f.byte_end, f.kind, f.value] for f in p.facets]]
                  for p in v.parts],
        "media": [[m.sha256, m.alt] for m in v.media],
        "link_card": [v.link_card.url, v.link_card.title, v.link_card.description]
        if v.link_card else None,
        "first_comment": v.first_comment, "subject": v.subject, "preheader": v.preheader,
        "html": v.html, "content_warning": v.content_warning, "lang": v.lang,
    }
    if settings:
        sent["settings"] = settings
    canonical = json.dumps(sent, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- helpers -------------------------------------------------------------------


def _with(v: Variant, **changes: object) -> Variant:
    return replace(v, **changes)  # type: ignore[arg-type]


def _style(platform: str, rich: bool) -> markup.PlainStyle:
    # A single newline in the body is a line break the writer meant (social copy and
    # SMS); the plain-text email joins it as Markdown does, its lines being wrapped.
    if platform == "sms":
        return markup.PlainStyle(links="inline", bullet="- ", soft_break="\n")
    return markup.PlainStyle(links="text" if rich else "inline",
                             soft_break=" " if platform == "email" else "\n")


def _sources(post: Post, channel: str) -> list[str]:
    override = post.override(channel)
    if override.thread:
        return list(override.thread)
    if override.text is not None:
        return [override.text]
    return list(split_parts(post.body)) or [""]


def _recording(tracker: Callable[[str], str], sent: dict[str, str]) -> Callable[[str], str]:
    def record(url: str) -> str:
        sent[url] = tracker(url)
        return sent[url]

    return record


def _plain(doc: markup.Doc, style: markup.PlainStyle, tracker: Callable[[str], str],
           rich: bool) -> tuple[str, list[str]]:
    """The platform text, and for rich text the link targets in order of their marks."""
    plain = markup.to_plain(doc, style, tracker)
    if not rich:
        return plain.text, []
    text = plain.text
    links = sorted(plain.links)
    pieces: list[str] = []  # joined once: a copy of the text per link was quadratic
    at = 0
    for start, end, _url in links:
        pieces += (text[at:start], OPEN, text[start:end], CLOSE)
        at = end
    pieces.append(text[at:])
    return "".join(pieces), [url for _s, _e, url in links]


def _wrap(text: str, width: int) -> str:
    """Wrap long lines at spaces (never inside a URL), keeping list indents."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        bullet = _BULLET.match(line)
        indent = " " * len(bullet.group(1)) if bullet else ""
        out.extend(textwrap.wrap(line, width, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines))


def _parts(texts: list[str], urls: list[str]) -> tuple[Part, ...]:
    """Rich-text parts: marks become facets; a link cut by a part break continues."""
    queue = list(urls)
    current: str | None = None
    parts: list[Part] = []
    for text in texts:
        clean: list[str] = []
        spans: list[tuple[int, int, str]] = []
        start = 0 if current else None
        for ch in text:
            if ch == OPEN:
                current, start = (queue.pop(0) if queue else None), len(clean)
            elif ch == CLOSE:
                if current is not None and start is not None:
                    spans.append((start, len(clean), current))
                current, start = None, None
            else:
                clean.append(ch)
        if current is not None and start is not None and start < len(clean):
            spans.append((start, len(clean), current))
        plain = "".join(clean)
        parts.append(Part(plain, bluesky_facets(plain, spans)))
    return tuple(parts)


__all__ = ["MediaFile", "Rendered", "Renderer", "content_hash", "render_calendar", "sending"]
