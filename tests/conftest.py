"""Shared fixtures: a small calendar repo built in tmp_path from a dict of files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from postgen.cli import cli

CONFIG = """\
site_name: Test calendar
plugins:
  - search
  - postgen:
      timezone: Europe/Berlin
      brand:
        name: Acme
        domains: [acme.example.com]
      channels:
        x: {platform: x, account: "@acme"}
        linkedin: {platform: linkedin, account: "urn:li:organization:1"}
        instagram: {platform: instagram, account: acme}
        mastodon: {platform: mastodon, account: "@acme@mastodon.social"}
        newsletter: {platform: email, account: news@acme.example.com}
        sms: {platform: sms, account: "+15550100"}
"""

POST = """\
---
id: {id}
title: A post
date: 2027-03-02 09:30
channels: [x, linkedin]
funnel: awareness
---
Body text.
"""

# A 1x1 PNG (a transparent pixel) that decodes in full: postgen decodes every image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)

def image(width: int, height: int, fmt: str = "PNG") -> bytes:
    """A real image file of that size, made by Pillow."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (120, 80, 50)).save(out, fmt)
    return out.getvalue()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden from the example calendar instead of comparing.")


Files = Mapping[str, str | bytes]
MakeCalendar = Callable[[Files], Path]


def write_files(root: Path, files: Files) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def make_calendar(tmp_path: Path) -> MakeCalendar:
    """Build a calendar repo: mkdocs.yml (CONFIG unless given) plus `files`."""

    def make(files: Files) -> Path:
        (tmp_path / "content").mkdir(exist_ok=True)  # a calendar has its posts' folder
        return write_files(tmp_path, {"mkdocs.yml": CONFIG, **files})

    return make


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the CLI inside a folder: run(root, "check", "--format", "json")."""

    def invoke(root: Path, *args: str, input: str | None = None) -> Result:
        monkeypatch.chdir(root)
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke
