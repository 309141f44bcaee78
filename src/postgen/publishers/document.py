"""A variant as a plain JSON document: what the outbox writes and the webhook posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from postgen.render.model import Variant


def plain(value: object) -> Any:
    """`value` with every mapping a dict and every sequence a list (JSON-serialisable)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def variant_document(v: Variant) -> dict[str, Any]:
    """What was rendered for one post and channel: texts, media, links, the API payload."""
    return {
        "post_id": v.post_id,
        "channel": v.channel,
        "platform": v.platform,
        "account": v.account,
        "hash": v.hash,
        "date": v.date.isoformat(),
        "text": v.text,
        "parts": [p.text for p in v.parts],
        "media": [{"src": m.src, "alt": m.alt, "mime": m.mime, "sha256": m.sha256,
                   "size": m.size, "width": m.width, "height": m.height} for m in v.media],
        "links": [{"original": link.original, "sent": link.sent} for link in v.links],
        "payload": plain(v.payload),
    }
