"""Publisher test harness: a fake clock, real fake platforms, real rendered variants.

`world.use(name)` starts the fake platform for one publisher on 127.0.0.1 and
writes a calendar whose channel points at it; `world.job(body, ...)` renders a
post for that channel (through `load_calendar` and `render_calendar`) into a
`Job`; `world.publisher()` builds the publisher with a `Context` whose clock
and sleep are fake and whose retry jitter is fixed.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from postgen.models import Channel
from postgen.pipeline import load_calendar
from postgen.publishers.base import Context, Job, Publisher, load
from postgen.publishers.http import RetryPolicy
from postgen.render.variants import render_calendar
from tests.conftest import image, write_files
from tests.publishers.fakes import (
    FakeAPI,
    FakeBluesky,
    FakeGraph,
    FakeLinkedIn,
    FakeMastodon,
    FakeServer,
    FakeWebhook,
    FakeX,
)

#: The secret every fake expects; it must never appear in a Request or a message.
SECRET = "tok-SECRET-9f8e7d6c5b4a"
TIMEOUT = 0.3  # seconds; the fakes' slow answers take fakes.SLOW
#: The post's time (09:30 in Berlin) plus a minute: "now" for the fake clock.
POST_DATE = "2027-03-02 09:30"
NOW = datetime(2027, 3, 2, 8, 31, tzinfo=UTC)
MEDIA_BASE = "https://cdn.acme.example/site"
JITTER = 0.5  # so backoff is exactly 0.75, 1.5, 3... seconds


class Clock:
    """`now` and `sleep` for the Context: sleeping moves the clock, instantly."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Spec:
    """One publisher under test: its channel, its fake and what it should receive."""

    publisher: str
    platform: str
    account: str
    env_var: str  # the variable holding SECRET
    options: Callable[[str], dict[str, Any]]  # from the fake's URL
    fake: Callable[[], FakeAPI] | None = None
    single: tuple[str, ...] = ()  # routes for one post with one image
    thread: tuple[str, ...] | None = None  # routes for a 3-part text thread
    env: dict[str, str] = field(default_factory=dict)  # other variables it needs
    media: bool = True  # its single post carries an image


G, T = "/v21.0", "/v1.0"
SPECS: dict[str, Spec] = {s.publisher: s for s in (
    Spec("mastodon", "mastodon", "@acme@mastodon.example", "MASTODON_TOKEN",
         lambda url: {"instance": url, "token_env": "MASTODON_TOKEN"},
         lambda: FakeMastodon(SECRET),
         ("POST /api/v2/media", "POST /api/v1/statuses"),
         ("POST /api/v1/statuses",) * 3),
    Spec("bluesky", "bluesky", "acme.example.com", "BSKY_APP_PASSWORD",
         lambda url: {"pds": url, "app_password_env": "BSKY_APP_PASSWORD"},
         lambda: FakeBluesky("acme.example.com", SECRET),
         ("POST /xrpc/com.atproto.server.createSession", "POST /xrpc/com.atproto.repo.uploadBlob",
          "POST /xrpc/com.atproto.repo.createRecord"),
         ("POST /xrpc/com.atproto.server.createSession",
          *("POST /xrpc/com.atproto.repo.createRecord",) * 3)),
    Spec("x", "x", "@acme", "X_TOKEN",
         lambda url: {"api_url": f"{url}/2", "token_env": "X_TOKEN"},
         lambda: FakeX(SECRET),
         ("POST /2/media/upload", "POST /2/media/metadata", "POST /2/tweets"),
         ("POST /2/tweets",) * 3),
    Spec("linkedin", "linkedin", "urn:li:organization:1", "LINKEDIN_TOKEN",
         lambda url: {"base_url": f"{url}/rest", "token_env": "LINKEDIN_TOKEN"},
         lambda: FakeLinkedIn(SECRET),
         ("POST /rest/images", "PUT /dms-uploads/1", "POST /rest/posts")),
    Spec("facebook", "facebook", "Acme", "FB_PAGE_TOKEN",
         lambda url: {"page_id": "1001", "graph_url": url + G, "media_base_url": MEDIA_BASE,
                      "token_env": "FB_PAGE_TOKEN"},
         lambda: FakeGraph(SECRET, MEDIA_BASE),
         (f"POST {G}/1001/photos",)),
    Spec("instagram", "instagram", "acme", "IG_TOKEN",
         lambda url: {"ig_user_id": "2002", "graph_url": url + G, "media_base_url": MEDIA_BASE,
                      "token_env": "IG_TOKEN"},
         lambda: FakeGraph(SECRET, MEDIA_BASE),
         (f"POST {G}/2002/media", f"GET {G}/17800000000000000",
          f"POST {G}/2002/media_publish", f"GET {G}/17800000000000001")),
    Spec("threads", "threads", "acme", "THREADS_TOKEN",
         lambda url: {"threads_user_id": "3003", "graph_url": url + T,
                      "media_base_url": MEDIA_BASE, "token_env": "THREADS_TOKEN"},
         lambda: FakeGraph(SECRET, MEDIA_BASE),
         (f"POST {T}/3003/threads", f"GET {T}/17800000000000000",
          f"POST {T}/3003/threads_publish", f"GET {T}/17800000000000001"),
         (f"POST {T}/3003/threads", f"POST {T}/3003/threads_publish") * 3
         + (f"GET {T}/17800000000000001",)),
    Spec("webhook", "x", "@acme", "HOOK_SECRET",
         lambda url: {"url": f"{url}/hook", "secret_env": "HOOK_SECRET"},
         lambda: FakeWebhook(SECRET), ("POST /hook",), ("POST /hook",)),
    Spec("smtp", "email", "news@acme.example.com", "SMTP_PASSWORD",
         lambda url: {"host": "127.0.0.1", "port": int(url.rsplit(":", 1)[1]),
                      "security": "none", "to": ["list@acme.example.com"],
                      "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"},
         single=("MAIL news@acme.example.com -> list@acme.example.com",),
         env={"SMTP_USER": "newsletter"}, media=False),
    Spec("outbox", "x", "@acme", "", lambda url: {"folder": "outbox"},
         single=("WRITE outbox/main/p1.json",), thread=("WRITE outbox/main/p1.json",)),
)}
NETWORK = ("mastodon", "bluesky", "x", "linkedin", "facebook", "instagram", "threads",
           "webhook")


class Mailbox:
    """An aiosmtpd handler: keeps every message; logins must be newsletter / SECRET."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.reply = "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session,
                          envelope: Envelope) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply


def smtp_login(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str,
               data: Any) -> AuthResult:
    ok = (isinstance(data, LoginPassword) and data.login == b"newsletter"
          and data.password == SECRET.encode())
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class World:
    def __init__(self, root: Path, client: httpx.Client, clock: Clock) -> None:
        self.root, self.client, self.clock = root, client, clock
        self.server: FakeServer | None = None
        self.smtp: Controller | None = None
        self.mailbox = Mailbox()
        self.spec = SPECS["outbox"]
        self.env: dict[str, str] = {}
        self.url = ""
        self.channel_name = "main"
        self.channel: Channel | None = None

    @property
    def fake(self) -> FakeServer:
        assert self.server is not None, "this publisher has no fake HTTP platform"
        return self.server

    @property
    def api(self) -> Any:
        return self.fake.api

    def use(self, name: str, *, options: dict[str, Any] | None = None,
            fake: FakeAPI | None = None, **smtp: Any) -> World:
        self.spec = spec = SPECS[name]
        if spec.fake is not None:
            self.server = FakeServer(fake or spec.fake())
            self.server.api.clock = self.clock.now
            self.url = self.server.url
        elif name == "smtp":
            port = free_port()
            self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=port,
                                   authenticator=smtp_login,
                                   **{"auth_require_tls": False, **smtp})
            self.smtp.start()
            self.url = f"smtp://127.0.0.1:{port}"
        self.env = {**spec.env, **({spec.env_var: SECRET} if spec.env_var else {})}
        self.options = {**spec.options(self.url), **(options or {})}
        return self

    def received(self) -> list[str]:
        if self.server is not None:
            return self.server.routes
        if self.smtp is not None:
            return [f"MAIL {e.mail_from} -> {','.join(e.rcpt_tos)}"
                    for e in self.mailbox.envelopes]
        return [f"WRITE {p.relative_to(self.root).as_posix()}"
                for p in sorted(self.root.glob("outbox/**/*.json"))]

    def job(self, body: str = "Fresh beans today.\n", *, front: str = "",
            media: bool | None = None, post_id: str = "p1",
            files: dict[str, str | bytes] | None = None) -> Job:
        """Render one post for the channel, through the real pipeline."""
        with_media = self.spec.media if media is None else media
        picture = "image: a.jpg\nalt: A cup of coffee\n" if with_media else ""
        channel = {"platform": self.spec.platform, "account": self.spec.account,
                   "publisher": self.spec.publisher, "options": self.options}
        config = ("site_name: Test\nplugins:\n  - postgen:\n      timezone: Europe/Berlin\n"
                  "      brand: {name: Acme, domains: [acme.example.com]}\n"
                  f"      channels:\n        {self.channel_name}: {json.dumps(channel)}\n")
        post = (f"---\nid: {post_id}\ntitle: A post\ndate: {POST_DATE}\n"
                f"channels: [{self.channel_name}]\nfunnel: awareness\n{picture}{front}---\n"
                f"{body}")
        write_files(self.root, {"mkdocs.yml": config, f"content/{post_id}.md": post,
                                "a.jpg": image(1080, 1080, "JPEG"), **(files or {})})
        calendar = load_calendar(self.root)
        errors = [d for d in calendar.diagnostics if d.severity == "error"]
        assert not errors, errors
        rendered = render_calendar(calendar, {post_id})
        variant = next(v for v in rendered.variants if v.channel == self.channel_name)
        self.channel = calendar.config.channels[self.channel_name]
        return Job(variant, self.channel, f"{post_id}/{self.channel_name}/{variant.hash[:16]}")

    def publisher(self, env: dict[str, str] | None = None) -> Publisher:
        ctx = Context(env=self.env if env is None else env, client=self.client,
                      root=str(self.root), sleep=self.clock.sleep, now=self.clock.now,
                      clock=self.clock.now)
        assert self.channel is not None, "render a job first"
        publisher = load(self.spec.publisher)(self.channel, ctx)
        publisher.policy = RetryPolicy(jitter=lambda: JITTER)  # type: ignore[attr-defined]
        return publisher

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.smtp is not None:
            self.smtp.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT) as c:
        yield c


@pytest.fixture
def world(tmp_path: Path, client: httpx.Client, clock: Clock) -> Iterator[World]:
    w = World(tmp_path, client, clock)
    yield w
    w.close()


#: Front matter for two images (a.jpg and b.jpg: pass TWO_FILES to `World.job`).
TWO_IMAGES = "media:\n  - {src: a.jpg, alt: One cup}\n  - {src: b.jpg, alt: Two cups}\n"
TWO_FILES: dict[str, str | bytes] = {"b.jpg": image(1080, 1350, "JPEG")}
THREAD = "First part.\n\n---\n\nSecond part.\n\n---\n\nThird part.\n"
