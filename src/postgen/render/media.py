"""Facts about media files: size, format, dimensions, content hash, and whether they decode.

Every image is decoded in full with Pillow, every frame (a truncated or corrupt
file, or one that is no image, is ``unreadable``); its size is the size shown,
after the EXIF orientation the platforms apply. A file Pillow does not know is
read with ffprobe (Debian's ffmpeg) as a video: container, codec, duration,
size as shown. Anything else (SVG, HTML, text named ``.jpg``) is unreadable:
what a file is comes from its content, never from its name.

Read once per file per run (a `MediaCache`), since one image is often used
by every channel of a post.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

from PIL import Image

from postgen.models import Media
from postgen.render.model import MediaFile, Video

# The types a file may be served and sent as, by what its content is.
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp",
         "mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp",
          "mp4": ".mp4", "mov": ".mov", "webm": ".webm"}
# ffprobe format names of video containers (image "pipes" such as svg_pipe are not).
_VIDEO_FORMATS = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm",
                            "avi", "mpegts", "flv", "mpeg"})
_EXIF_ORIENTATION = 0x0112
_TRANSPOSED = {5, 6, 7, 8}  # orientations that turn the image a quarter: width <-> height
_FFPROBE_SECONDS = 30


class MediaCache:
    def __init__(self) -> None:
        self._facts: dict[Path, MediaFile] = {}

    def file(self, media: Media) -> MediaFile:
        facts = self._facts.get(media.path)
        if facts is None:
            facts = self._facts[media.path] = inspect(media.path)
        return replace(facts, src=media.src, path=media.path, alt=media.alt)


def inspect(path: Path) -> MediaFile:
    """What ``path`` holds (``src`` and ``alt`` left empty)."""
    data = path.read_bytes()
    facts = MediaFile(src="", path=path, alt=None, sha256=hashlib.sha256(data).hexdigest(),
                      size=len(data), width=None, height=None, format=None,
                      mime="application/octet-stream")
    try:
        with warnings.catch_warnings():
            # Past Image.MAX_IMAGE_PIXELS Pillow warns (past twice that it raises): such
            # an image, or a small file whose header claims to be one, is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return _with(facts, too_many_pixels=True, unreadable="it claims too many pixels")
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a file it does not know
        return _video(facts)
    with image:
        fmt = image.format
        width, height = image.size
        mode = image.mode
        frames = getattr(image, "n_frames", 1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                for frame in range(frames):  # decode every pixel of every frame
                    image.seek(frame)
                    image.load()
            orientation = image.getexif().get(_EXIF_ORIENTATION)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return _with(facts, too_many_pixels=True, unreadable="it claims too many pixels")
        except Exception as exc:  # noqa: BLE001 - truncated, corrupt: any decoding failure
            return _with(facts, format=fmt, unreadable=f"it does not decode as {fmt} "
                                                       f"({_reason(exc)})")
    if orientation in _TRANSPOSED:
        width, height = height, width
    if fmt == "PNG" and data[24:25] == b"\x10":  # IHDR bit depth: Pillow reads it as 8
        mode = f"{mode};16"
    return _with(facts, width=width, height=height, format=fmt, mode=mode,
                 animated=frames > 1, mime=_MIME.get(fmt or "", facts.mime),
                 unreadable=None if fmt in SUFFIX else f"it is a {fmt} image, which postgen "
                                                       "does not send")


def _video(facts: MediaFile) -> MediaFile:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return _with(facts, unreadable="it is no image, and ffprobe (ffmpeg) is not installed "
                                       "to read it as a video")
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
             "--", str(facts.path)], capture_output=True, timeout=_FFPROBE_SECONDS, check=False)
        probe = json.loads(done.stdout or b"{}")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        probe = {}
    names = tuple(str(probe.get("format", {}).get("format_name", "")).split(","))
    streams = [s for s in probe.get("streams", []) if s.get("codec_type") == "video"]
    if not _VIDEO_FORMATS.intersection(names) or not streams:
        return _with(facts, unreadable="it is neither an image nor a video")
    stream = streams[0]
    try:
        width, height = int(stream["width"]), int(stream["height"])
        seconds = float(probe["format"].get("duration") or stream.get("duration") or 0)
    except (KeyError, TypeError, ValueError):
        return _with(facts, unreadable="it is a video without a size or duration")
    rotation = next((int(d.get("rotation", 0)) for d in stream.get("side_data_list", [])
                     if "rotation" in d), 0)
    if rotation % 180:
        width, height = height, width
    codec = str(stream.get("codec_name", ""))
    container = _container(names, probe["format"].get("tags", {}), codec)
    return _with(facts, width=width, height=height, mime=_MIME.get(container, facts.mime),
                 video=Video(container=container, codec=codec, seconds=seconds),
                 unreadable=None if container in SUFFIX else
                 f"it is a {container} video, which postgen does not send")


def served_suffix(m: MediaFile) -> str | None:
    """The suffix ``m`` is served and sent under, by what its content is; None for a file
    that is not a validated image or video (it is never served: no SVG or HTML, whose
    scripts would run on the site's origin)."""
    if m.unreadable or m.too_many_pixels:
        return None
    return SUFFIX.get(m.video.container if m.video else m.format or "")


def _container(names: tuple[str, ...], tags: dict[str, str], codec: str) -> str:
    """One name for ffprobe's family: mp4 or mov by the file's brand, webm by codec."""
    if "mp4" in names:
        return "mov" if str(tags.get("major_brand", "")).startswith("qt") else "mp4"
    if "webm" in names and codec in ("vp8", "vp9", "av1"):
        return "webm"
    return names[0]


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]


def _with(facts: MediaFile, **changes: object) -> MediaFile:
    return replace(facts, **changes)  # type: ignore[arg-type]
