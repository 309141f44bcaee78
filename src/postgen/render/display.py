"""Variants shown to people (text) and to programs (JSON).

`postgen render` prints these; the golden files in tests/golden are these.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from postgen.render.model import Variant


def as_text(variants: Iterable[Variant], tz: ZoneInfo) -> str:
    return "\n\n".join(_one(v, tz) for v in variants)


def _one(v: Variant, tz: ZoneInfo) -> str:
    when = v.date.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")
    lines = [f"=== {v.post_id} -> {v.channel} ({v.platform}, {v.account}) at {when}"]
    if v.subject is not None:
        lines.append(f"subject: {v.subject}")
    if v.preheader:
        lines.append(f"preheader: {v.preheader}")
    if v.content_warning:
        lines.append(f"content warning: {v.content_warning}")
    for i, part in enumerate(v.parts):
        label = f"part {i + 1}/{len(v.parts)}" if v.is_thread else "text"
        counted = v.counts[i].summary() if i < len(v.counts) else ""
        lines += [f"--- {label} [{counted}]", part.text]
    if v.first_comment:
        lines += ["--- first comment", v.first_comment]
    for m in v.media:
        size = f"{m.width}x{m.height} " if m.width else ""
        lines.append(f"media: {m.src} ({size}{m.format or m.mime}) alt: {m.alt or '(none)'}")
    for link in v.links:
        lines.append(f"link: {link.sent}")
    if v.link_card:
        lines.append(f"link card: {v.link_card.title} <{v.link_card.url}>")
    lines.append(f"hash: {v.hash}")
    return "\n".join(lines)


def as_dicts(variants: Iterable[Variant]) -> list[dict[str, object]]:
    return [
        {
            "post_id": v.post_id, "channel": v.channel, "platform": v.platform,
            "account": v.account, "date": v.date.isoformat(), "hash": v.hash,
            "parts": [{"text": p.text, "count": v.counts[i].summary() if i < len(v.counts)
                       else None} for i, p in enumerate(v.parts)],
            "first_comment": v.first_comment, "subject": v.subject, "preheader": v.preheader,
            "content_warning": v.content_warning,
            "media": [{"src": m.src, "alt": m.alt, "sha256": m.sha256, "width": m.width,
                       "height": m.height, "mime": m.mime} for m in v.media],
            "links": [{"original": link.original, "sent": link.sent} for link in v.links],
            "payload": v.payload,
        }
        for v in variants
    ]


def as_json(variants: Iterable[Variant]) -> str:
    return json.dumps(as_dicts(variants), indent=2, ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    if hasattr(value, "items"):  # MappingProxyType
        return dict(value.items())
    raise TypeError(f"not JSON: {type(value).__name__}")
