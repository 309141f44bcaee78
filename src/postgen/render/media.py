"""Facts about media files: size, format, dimensions and content hash.

Read once per file per run (a `MediaCache`), since one image is often used
by every channel of a post.
"""

from __future__ import annotations

import hashlib
import mimetypes
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from postgen.models import Media
from postgen.render.model import MediaFile

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


Facts = tuple[str, int, int | None, int | None, str | None, str, bool]


class MediaCache:
    def __init__(self) -> None:
        self._facts: dict[Path, Facts] = {}

    def file(self, media: Media) -> MediaFile:
        facts = self._facts.get(media.path)
        if facts is None:
            facts = self._facts[media.path] = _inspect(media.path)
        sha, size, width, height, fmt, mime, bomb = facts
        return MediaFile(src=media.src, path=media.path, alt=media.alt, sha256=sha, size=size,
                         width=width, height=height, format=fmt, mime=mime, too_many_pixels=bomb)


def _inspect(path: Path) -> Facts:
    data = path.read_bytes()
    width = height = None
    fmt = None
    bomb = False
    try:
        with warnings.catch_warnings():
            # Past Image.MAX_IMAGE_PIXELS Pillow warns (past twice that it raises): such
            # an image, or a small file whose header claims to be one, is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                fmt = image.format
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        bomb = True
    except (UnidentifiedImageError, OSError):
        pass  # not an image Pillow knows (a video, say): no dimensions
    mime = _MIME.get(fmt or "") or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return hashlib.sha256(data).hexdigest(), len(data), width, height, fmt, mime, bomb
