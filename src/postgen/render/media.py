"""Facts about media files: size, format, dimensions and content hash.

Read once per file per run (a `MediaCache`), since one image is often used
by every channel of a post.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from postgen.models import Media
from postgen.render.model import MediaFile

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class MediaCache:
    def __init__(self) -> None:
        self._facts: dict[Path, tuple[str, int, int | None, int | None, str | None, str]] = {}

    def file(self, media: Media) -> MediaFile:
        facts = self._facts.get(media.path)
        if facts is None:
            facts = self._facts[media.path] = _inspect(media.path)
        sha, size, width, height, fmt, mime = facts
        return MediaFile(src=media.src, path=media.path, alt=media.alt, sha256=sha, size=size,
                         width=width, height=height, format=fmt, mime=mime)


def _inspect(path: Path) -> tuple[str, int, int | None, int | None, str | None, str]:
    data = path.read_bytes()
    width = height = None
    fmt = None
    try:
        with Image.open(path) as image:
            width, height = image.size
            fmt = image.format
    except (UnidentifiedImageError, OSError):
        pass  # not an image Pillow knows (a video, say): no dimensions
    mime = _MIME.get(fmt or "") or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return hashlib.sha256(data).hexdigest(), len(data), width, height, fmt, mime
