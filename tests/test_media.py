"""Media decoded, not sniffed: broken and disguised files, EXIF rotation, colour, videos.

Every case is a real file: images made with Pillow, videos with Debian's ffmpeg
(a test fails, never skips, when ffmpeg is missing), checked through
``postgen check`` at the media line, and the site built to see what it serves.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image

from postgen.render.media import inspect
from tests.conftest import CONFIG, MakeCalendar, image
from tests.test_site import build_site

Run = Callable[..., Result]
THREADS = CONFIG.replace('        sms: {platform: sms, account: "+15550100"}\n',
                         '        sms: {platform: sms, account: "+15550100"}\n'
                         '        threads: {platform: threads, account: acme}\n')


def post(media: str, channels: str = "[x]") -> str:
    # line 7 holds the media entry, at column 8 ("image: ")
    return (f"---\nid: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: {channels}\n"
            f"funnel: awareness\nimage: {media}\nalt: A picture\n---\nBody.\n")


def problems(run: Run, root: Path) -> list[tuple[str, int, int, str, str]]:
    result = run(root, "check", "--format", "json")
    return [(d["path"], d["line"], d["col"], d["severity"], d["rule"])
            for d in json.loads(result.output)]


def jpeg(width: int = 600, height: int = 400, orientation: int | None = None,
         mode: str = "RGB") -> bytes:
    out = BytesIO()
    picture = Image.new(mode, (width, height), (10, 200, 30) if mode == "RGB" else 0)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def video(tmp_path: Path, width: int, height: int, seconds: int) -> bytes:
    """A real H.264 MP4 made with ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed (Debian's ffmpeg; .ci/run installs it)"
    out = tmp_path / "made.mp4"
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=red:s={width}x{height}:d={seconds}", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(out)], check=True, timeout=120)
    data = out.read_bytes()
    out.unlink()
    return data


BROKEN = {
    "truncated": jpeg()[:400],
    "corrupt": jpeg()[:300] + bytes(range(256)) * 20 + jpeg()[-200:],
    "text named .jpg": b"This is not a picture at all.\n",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_file_that_does_not_decode_is_an_error_at_its_line(
        make_calendar: MakeCalendar, run: Run, kind: str) -> None:
    suffix = {"svg": ".svg", "html": ".html"}.get(kind, ".jpg")
    root = make_calendar({"content/a.md": post(f"pic{suffix}"), f"pic{suffix}":
                          BROKEN[kind]})
    found = problems(run, root)
    assert ("content/a.md", 7, 8, "error", "media-unreadable") in found, found


def test_a_twelve_byte_mp4_is_an_error_on_every_platform(
        make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": post("clip.mp4", "[x, instagram]"),
                          "clip.mp4": b"\x00\x00\x00\x0cftypmp4"})
    found = problems(run, root)
    assert found.count(("content/a.md", 7, 8, "error", "media-unreadable")) == 2, found


def test_exif_rotation_is_the_shown_size(make_calendar: MakeCalendar, run: Run,
                                        tmp_path: Path) -> None:
    # 600x400 stored, orientation 6 (turned a quarter): shown 400x600, aspect 0.67,
    # which Instagram does not take (0.8 to 1.91); stored as it is, it would pass.
    rotated = jpeg(orientation=6)
    facts = inspect(_write(tmp_path, rotated))
    assert (facts.width, facts.height) == (400, 600)
    root = make_calendar({"content/a.md": post("pic.jpg", "[instagram]"),
                          "pic.jpg": rotated})
    assert ("content/a.md", 7, 8, "error", "media-aspect") in problems(run, root)
    upright = make_calendar({"content/a.md": post("pic.jpg", "[instagram]"),
                             "pic.jpg": jpeg(orientation=1)})
    assert not [p for p in problems(run, upright) if p[4] == "media-aspect"]


def test_cmyk_and_16_bit_images_are_warned(make_calendar: MakeCalendar, run: Run) -> None:
    sixteen = BytesIO()
    Image.new("I;16", (8, 8), 300).save(sixteen, "PNG")
    root = make_calendar({"content/a.md": post("cmyk.jpg"),
                          "cmyk.jpg": jpeg(mode="CMYK"),
                          "content/b.md": post("deep.png").replace("id: p1", "id: p2"),
                          "deep.png": sixteen.getvalue()})
    found = problems(run, root)
    assert ("content/a.md", 7, 8, "warning", "media-color") in found
    assert ("content/b.md", 7, 8, "warning", "media-color") in found


def test_an_animated_image_where_the_platform_takes_stills(
        make_calendar: MakeCalendar, run: Run) -> None:
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 0, 255))]
    out = BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])  # APNG
    root = make_calendar({"mkdocs.yml": THREADS, "content/a.md": post("anim.png",
                                                                       "[threads, x]"),
                          "anim.png": out.getvalue()})
    found = problems(run, root)
    assert found == [("content/a.md", 7, 8, "error", "media-format")], found


def test_a_real_two_second_9_16_video(make_calendar: MakeCalendar, run: Run,
                                      tmp_path: Path) -> None:
    clip = video(tmp_path, 360, 640, 2)
    facts = inspect(_write(tmp_path, clip))
    assert facts.video is not None
    assert (facts.video.container, facts.video.codec, facts.width, facts.height) == (
        "mp4", "h264", 360, 640)
    assert 1.9 < facts.video.seconds < 2.2
    assert facts.mime == "video/mp4"
    # X takes it (0.5-140 s, 1:3-3:1); an Instagram Reel must last at least 3 s
    root = make_calendar({"mkdocs.yml": THREADS,
                          "content/a.md": post("clip.mp4", "[x, instagram, threads]"),
                          "clip.mp4": clip})
    found = problems(run, root)
    assert found == [("content/a.md", 7, 8, "error", "media-video")], found
    assert run(root, "check", "--format", "json").exit_code == 1


def test_a_video_too_wide_for_x(make_calendar: MakeCalendar, run: Run, tmp_path: Path) -> None:
    root = make_calendar({"content/a.md": post("wide.mp4"),
                          "wide.mp4": video(tmp_path, 1600, 400, 1)})
    found = problems(run, root)
    # 1600 px over X's 1280, and 4:1 over its 3:1
    assert ("content/a.md", 7, 8, "error", "media-video") in found
    assert ("content/a.md", 7, 8, "error", "media-aspect") in found


def test_the_site_serves_no_active_content(make_calendar: MakeCalendar, tmp_path: Path) -> None:
    root = make_calendar({
        "docs/welcome.md": "# Home\n",
        "content/a.md": post("evil.svg"), "evil.svg": BROKEN["svg"],
        "content/b.md": post("photo.JPEG").replace("id: p1", "id: p2"),
        "photo.JPEG": image(40, 40, "JPEG"),
        "content/c.md": post("page.jpg").replace("id: p1", "id: p3"),
        "page.jpg": BROKEN["html"],
    })
    site = build_site(root, tmp_path / "built")
    served = sorted(p.name for p in (site / "media").iterdir())
    assert len(served) == 1 and served[0].endswith(".jpg"), served  # typed by content
    assert not [p for p in site.rglob("*") if p.suffix in (".svg", ".html") and
                p.parent.name == "media"]


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "probe.bin"
    path.write_bytes(data)
    return path
