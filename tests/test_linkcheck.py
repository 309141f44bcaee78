"""`postgen check --links` against real servers on 127.0.0.1.

One plain HTTP server answers 200, 301 -> 404, 500, a slow page, a CTA that
redirects to the home page, and a page that refuses HEAD; one TLS server has a
self-signed certificate made here with the openssl CLI. Each problem is checked
at its file:line:col with its severity, the URLs arrive exactly as sent (UTM
tags included), and a second run within the TTL requests nothing.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import Result

from postgen import linkcheck
from postgen.pipeline import load_calendar
from postgen.render.variants import render_calendar
from tests.conftest import CONFIG, MakeCalendar

Run = Callable[..., Result]


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]

    def _answer(self) -> None:
        self.seen.append((self.command, self.path))
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(3)
        if path == "/headless" and self.command == "HEAD":
            self.send_response(405)
        elif path in ("/", "/ok", "/slow", "/headless"):
            self.send_response(200)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/gone")
        elif path == "/offer":
            self.send_response(302)
            self.send_header("Location", "/")
        elif path == "/error":
            self.send_response(500)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = _answer  # noqa: N815
    do_GET = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _serve(context: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    yield from _serve()


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command is needed to make a self-signed certificate"
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    yield from _serve(context)


def calendar(make_calendar: MakeCalendar, base: str, tls: str) -> Path:
    post = (
        "---\nid: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: [x, mastodon]\n"
        f"funnel: conversion\ncta: {{text: Order now, url: '{base}/offer'}}\n---\n"
        f"Fine: {base}/ok\n\n"  # line 9
        f"Moved: {base}/moved?utm_source=newsletter&x=1\n\n"  # line 11
        f"Broken: {base}/error\n\n"  # line 13
        f"Slow: {base}/slow\n\n"  # line 15
        f"Secure: {tls}/ok\n\n"  # line 17
        f"No HEAD: {base}/headless\n"  # line 19
    )
    return make_calendar({"content/a.md": post})


def problems(run: Run, root: Path, *args: str) -> list[tuple[str, int, int, str, str]]:
    result = run(root, "check", "--links", "--format", "json", *args)
    return sorted((d["path"], d["line"], d["col"], d["severity"], d["rule"])
                  for d in json.loads(result.output))


def test_every_link_is_requested_as_sent_and_reported_at_its_place(
        make_calendar: MakeCalendar, run: Run, monkeypatch: pytest.MonkeyPatch,
        http: tuple[str, list[tuple[str, str]]],
        https: tuple[str, list[tuple[str, str]]]) -> None:
    monkeypatch.setattr(linkcheck, "TIMEOUT", 1.0)
    (base, seen), (tls, _tls_seen) = http, https
    root = calendar(make_calendar, base, tls)
    found = problems(run, root)
    a = "content/a.md"
    assert found == [
        # the CTA (its value at 7:29) is not the brand's, so no UTM tags: x and mastodon
        (a, 7, 29, "warning", "cta-untracked"), (a, 7, 29, "warning", "cta-untracked"),
        (a, 7, 29, "warning", "link-redirect"),  # it lands on the home page
        (a, 11, 8, "error", "link-broken"),  # 301 -> 404
        (a, 13, 9, "error", "link-broken"),  # 500
        (a, 15, 7, "warning", "link-unreachable"),  # no answer in time
        (a, 17, 9, "warning", "link-unreachable"),  # self-signed certificate
    ], found
    asked = {path for _method, path in seen}
    assert "/moved?utm_source=newsletter&x=1" in asked  # exactly as sent
    assert ("HEAD", "/headless") in seen
    assert any(m == "GET" and p.startswith("/headless") for m, p in seen)  # the fallback
    messages = json.loads(run(root, "check", "--links", "--format", "json").output)
    said = {(d["line"], d["rule"]): d["message"] for d in messages}
    assert "home page" in said[(7, "link-redirect")]
    assert "no answer within 1 s" in said[(15, "link-unreachable")]
    assert "TLS certificate" in said[(17, "link-unreachable")]
    assert "answers 404 (after redirects to" in said[(11, "link-broken")]

    # within the TTL a second run asks nothing, and reports the same
    before = len(seen)
    assert problems(run, root) == found
    assert len(seen) == before


def test_offline_requests_nothing(make_calendar: MakeCalendar, run: Run,
                                  http: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = http
    root = calendar(make_calendar, base, base)
    assert {f[4] for f in problems(run, root, "--offline")} == {"cta-untracked"}
    assert seen == []


def test_cta_checks_need_no_network(make_calendar: MakeCalendar, run: Run) -> None:
    config = CONFIG.replace('sms: {platform: sms, account: "+15550100"}',
                            'sms: {platform: sms, account: "+15550100", utm: false}')
    post = ("---\nid: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: [x, sms]\n"
            "funnel: conversion\ncta: {text: Order now, url: 'https://acme.example.com/o'}\n"
            "---\nSee https://acme.example.com/menu\n")
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post,
                          # a template that drops the call to action
                          "theme/variants/x.txt.j2": "{{ body }}\n"})
    found = problems(run, root, "--offline")
    assert found == [
        ("content/a.md", 7, 29, "warning", "cta-absent"),  # x: its template drops it
        ("content/a.md", 7, 29, "warning", "cta-untracked"),  # sms: utm: false
        ("content/a.md", 9, 5, "warning", "link-untracked"),  # sms: the body's brand link
    ], found


class _ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request to the loopback server instead of the host it names (the
    brand's domain), so the brand's links, UTM tags added, reach a real server."""

    def __init__(self, base: str) -> None:
        self.port = int(base.rsplit(":", 1)[1])
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_brand_links_are_requested_with_their_utm_tags_and_cached_for_the_ttl(
        make_calendar: MakeCalendar, http: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = http
    post = ("---\nid: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: [x, mastodon]\n"
            "funnel: conversion\ncampaign: spring\n"
            "cta: {text: Order now, url: 'https://acme.example.com/offer'}\n---\nBuy.\n")
    calendar = load_calendar(make_calendar({"content/a.md": post}))
    variants = render_calendar(calendar).variants
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    found = linkcheck.check(calendar, variants, now, transport=_ToLoopback(base))
    assert [(d.line, d.col, d.rule) for d in found] == [(8, 29, "link-redirect")]
    asked = sorted(p for _m, p in seen if p.startswith("/offer"))
    assert asked == [f"/offer?utm_source={c}&utm_medium=social&utm_campaign=spring"
                     f"&utm_content=p1" for c in ("mastodon", "x")]
    count = len(seen)
    linkcheck.check(calendar, variants, now + timedelta(hours=23), transport=_ToLoopback(base))
    assert len(seen) == count  # within the TTL: from .postgen-cache/links.json
    linkcheck.check(calendar, variants, now + timedelta(hours=25), transport=_ToLoopback(base))
    assert len(seen) > count  # past it: asked again
