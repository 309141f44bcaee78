"""`postgen review invite` and `notify` send through the calendar's SMTP channel, here a
real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from click.testing import Result

from postgen.config import load_config
from postgen.review.links import Keys, LinkRefused
from tests.conftest import CONFIG, MakeCalendar
from tests.reviewserver import free_port

Run = Callable[..., Result]
SECRET = "mail-test-secret-0123456789"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTPServer, session: Session,
                          envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def calendar(make_calendar: MakeCalendar, port: int, posts: dict[str, str]) -> Path:
    config = CONFIG.replace("      channels:", f"""\
      approval:
        reviewers: [dana@client.example, sam@client.example]
        min_approvals: 2
      review:
        url: https://review.agency.example
        mail_channel: mail
      channels:
        mail:
          platform: email
          account: "Agency <social@agency.example>"
          publisher: smtp
          options: {{host: 127.0.0.1, port: {port}, security: none, to: list@agency.example}}""")
    return make_calendar({"mkdocs.yml": config, **posts})


def post(post_id: str, date: str) -> str:
    return (f"---\nid: {post_id}\ntitle: Post {post_id}\ndate: {date}\nchannels: [x, linkedin]\n"
            "funnel: awareness\n---\nBody.\n")


def test_an_invitation_is_mailed_with_a_link_that_opens_the_site(
        make_calendar: MakeCalendar, run: Run, smtp: tuple[Inbox, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp
    root = calendar(make_calendar, port, {"content/a.md": post("a", "2027-03-02 09:30")})
    monkeypatch.setenv("POSTGEN_REVIEW_SECRET", SECRET)
    result = run(root, "review", "invite", "Dana@Client.example", "--days", "7")
    assert result.exit_code == 0, result.output
    (message,) = inbox.messages
    assert message["To"] == "dana@client.example"  # as listed in the config
    assert message["From"] == "Agency <social@agency.example>"
    body = message.get_content()
    link = next(w for w in body.split() if w.startswith("https://review.agency.example/"))
    assert SECRET not in body
    config, _ = load_config(root / "mkdocs.yml")
    assert config is not None
    from datetime import UTC, datetime, timedelta

    grant = Keys(SECRET).open(config, link.split("t=", 1)[1], datetime.now(UTC))
    assert grant.reviewer == "dana@client.example"
    with pytest.raises(LinkRefused, match="expired"):
        Keys(SECRET).open(config, link.split("t=", 1)[1],
                          datetime.now(UTC) + timedelta(days=8))
    refused = run(root, "review", "invite", "mallory@evil.example")
    assert refused.exit_code == 1 and "not a reviewer" in refused.output
    monkeypatch.setenv("POSTGEN_REVIEW_SECRET", "short")
    weak = run(root, "review", "invite", "dana@client.example")
    assert weak.exit_code == 1 and "at least 16 characters" in weak.output
    assert len(inbox.messages) == 1


def test_notify_tells_each_reviewer_what_waits_and_reminds_of_what_is_due_soon(
        make_calendar: MakeCalendar, run: Run, smtp: tuple[Inbox, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp
    root = calendar(make_calendar, port, {
        "content/a.md": post("a", "2027-03-02 09:30"),  # within 48 hours of "now"
        "content/b.md": post("b", "2027-03-10 09:30"),
    })
    monkeypatch.setenv("POSTGEN_REVIEW_SECRET", SECRET)
    assert run(root, "approve", "b", "--by", "sam@client.example").exit_code == 0
    result = run(root, "review", "notify", "--now", "2027-03-01 12:00")
    assert result.exit_code == 0, result.output
    by = {m["To"]: m for m in inbox.messages}
    assert set(by) == {"dana@client.example", "sam@client.example"}
    dana, sam = by["dana@client.example"], by["sam@client.example"]
    assert "Reminder: 1 post goes out within 48 hours" in dana["Subject"]
    text = dana.get_content()
    assert "2 posts wait for your review on the Acme content calendar." in text  # no "'s":
    # a brand such as "Fernwood Coffee Roasters" read "Roasters's"
    assert "The first goes out on Tuesday 02 March at 09:30" in text
    assert "Post a (Tue 02 Mar 09:30)" in text
    assert text.count("https://review.agency.example/_review/open?t=") == 1
    assert "1 post waits for your review" in sam.get_content()  # Sam approved b
    quiet = run(root, "review", "notify", "--now", "2027-04-01 12:00", "--print")
    assert quiet.exit_code == 0 and "0 reviewers" in quiet.output
    assert len(inbox.messages) == 2


def test_the_review_settings_are_checked_with_their_place(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    config = CONFIG.replace("      channels:", """\
      review:
        url: not a url
        secret_env: "bad name"
        mail_channel: x
        rate_limit: 0
      channels:""")
    root = make_calendar({"mkdocs.yml": config})
    result = run(root, "check", "--format", "json")
    found: list[dict[str, Any]] = json.loads(result.output)
    messages = " | ".join(d["message"] for d in found)
    assert result.exit_code == 1
    assert "not an absolute http(s) URL" in messages
    assert "'secret_env' must name an environment variable" in messages
    assert "'mail_channel' must name a channel with the smtp publisher" in messages
    assert all(d["path"] == "mkdocs.yml" and d["line"] > 1 for d in found)
