"""What rendering produces: one `Variant` per post and channel.

A variant is exactly what will be sent: the text of each part (one part, or
several for a thread), the media files with their alt text, the tracked
links, the per-platform extras, the API payload, and a content hash over all
of it. The site shows variants, approvals name their hash, the publisher
sends their payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from postgen.platforms.counting import Count


class VariantRef(Protocol):
    """One version of one post on one channel: what approvals and the ledger name.

    A `Variant` is one; so is the site's light `VariantInfo`.
    """

    @property
    def post_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def date(self) -> datetime: ...


@dataclass(frozen=True)
class Video:
    """A video's facts as ffprobe reads them (its shown size is the MediaFile's)."""

    container: str  # "mp4", "mov", "webm", else ffprobe's first format name
    codec: str  # of the first video stream: "h264", "hevc", "vp9"...
    seconds: float


@dataclass(frozen=True)
class MediaFile:
    src: str  # as the writer wrote it
    path: Path  # absolute, inside the calendar
    alt: str | None
    sha256: str
    size: int  # bytes
    width: int | None
    height: int | None
    format: str | None  # "JPEG", "PNG", "GIF", "WEBP" (Pillow's names)
    mime: str
    #: An image (or a header claiming one) over Pillow's MAX_IMAGE_PIXELS: a
    #: decompression bomb, never opened.
    too_many_pixels: bool = False
    #: Why the file cannot be sent at all (not an image Pillow fully decodes nor a
    #: video ffprobe reads: truncated, corrupt, SVG, HTML...), else None.
    unreadable: str | None = None
    mode: str | None = None  # Pillow's image mode: "RGB", "CMYK", "I;16"...
    animated: bool = False  # an image of more than one frame
    video: Video | None = None


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text facet: UTF-8 byte offsets, end exclusive."""

    byte_start: int
    byte_end: int
    kind: str  # "link" | "mention" | "tag"
    value: str  # the URI, the handle (resolved to a DID at publish time) or the tag


@dataclass(frozen=True)
class Link:
    original: str  # as written
    sent: str  # with tracking parameters where the policy adds them


@dataclass(frozen=True)
class LinkCard:
    url: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Part:
    """One message: the whole post, or one part of a thread."""

    text: str
    facets: tuple[Facet, ...] = ()


def _empty() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Variant:
    post_id: str
    channel: str
    platform: str
    account: str
    date: datetime  # timezone-aware
    parts: tuple[Part, ...]
    media: tuple[MediaFile, ...] = ()
    links: tuple[Link, ...] = ()
    link_card: LinkCard | None = None
    first_comment: str | None = None
    subject: str | None = None  # email
    preheader: str | None = None  # email
    html: str | None = None  # email
    content_warning: str | None = None  # mastodon
    lang: str | None = None
    payload: Mapping[str, object] = field(default_factory=_empty)
    #: Each part counted by the platform's own rules (derived: not hashed).
    counts: tuple[Count, ...] = ()
    hash: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts)

    @property
    def is_thread(self) -> bool:
        return len(self.parts) > 1
