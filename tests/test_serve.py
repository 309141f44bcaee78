"""`postgen serve` serves the site and rebuilds when a post is edited."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import POST, MakeCalendar


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, deadline: float, wanted: str) -> str:
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
                body = response.read().decode()
            if wanted in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    return body


def test_serve_reloads_an_edited_post(make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n"})
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "postgen", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        url = f"http://127.0.0.1:{port}/posts/a/"
        assert "Body text." in _get(url, time.monotonic() + 30, "Body text.")
        post = Path(root, "content/a.md")
        post.write_text(post.read_text().replace("Body text.", "Edited while serving."))
        assert "Edited while serving." in _get(url, time.monotonic() + 30,
                                               "Edited while serving.")
    finally:
        server.terminate()
        server.wait(timeout=10)
