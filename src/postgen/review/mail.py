"""Invitations and reminders: what each reviewer is told, and sending it.

Mail goes through the calendar's own SMTP settings: the email channel named
in `review.mail_channel` (its host, port, security, sender and login
variables), so the review server needs no settings of its own for it.
"""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from postgen import approvals
from postgen.errors import PostgenError
from postgen.models import Calendar, CalendarConfig
from postgen.publishers.base import Context
from postgen.publishers.smtp import SmtpPublisher
from postgen.render.model import Variant
from postgen.site.pages import WAITING  # the states the site offers a decision on

SOON = timedelta(hours=48)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str


def invitation(config: CalendarConfig, to: str, link: str, until: datetime) -> Message:
    brand = config.brand.name
    return Message(to, f"{brand}: your link to review the content calendar", (
        f"Hello,\n\nHere is your link to the {brand} content calendar. Open it to read every "
        "post exactly as it will appear, and approve it or ask for changes: no account, no "
        "password.\n\n"
        f"{link}\n\n"
        f"The link is yours alone (it signs your decisions with {to}) and works until "
        f"{until.astimezone(config.timezone):%A %d %B %Y}. Please do not forward it.\n"))


@dataclass(frozen=True)
class Waiting:
    reviewer: str
    posts: tuple[str, ...]  # titles, in date order
    first_due: datetime | None
    urgent: tuple[tuple[str, datetime], ...]  # due within 48 hours, not approved


def waiting(calendar: Calendar, variants: Sequence[Variant], now: datetime,
            published: approvals.PublishState | None = None) -> list[Waiting]:
    """What waits for each listed reviewer's decision."""
    config = calendar.config
    book = approvals.load(config)
    posts = {p.id: p for p in calendar.posts}
    found: list[Waiting] = []
    for reviewer in config.approval.reviewers:
        mine: dict[str, datetime] = {}
        urgent: dict[str, datetime] = {}
        for v in variants:
            post = posts[v.post_id]
            st = approvals.state(config, book, post, v, now, published)
            if st.key not in WAITING or v.date < now:
                continue
            if any(d.by.lower() == reviewer.lower() for d in st.approved):
                continue
            mine[post.title] = min(mine.get(post.title, v.date), v.date)
            if v.date <= now + SOON:
                urgent[post.title] = min(urgent.get(post.title, v.date), v.date)
        if mine:
            ordered = sorted(mine, key=lambda t: mine[t])
            found.append(Waiting(reviewer, tuple(ordered), mine[ordered[0]],
                                 tuple(sorted(urgent.items(), key=lambda kv: kv[1]))))
    return found


def reminder(config: CalendarConfig, w: Waiting, link: str) -> Message:
    tz = config.timezone
    count = len(w.posts)
    noun = "post waits" if count == 1 else "posts wait"
    lines = [f"Hello,\n\n{count} {noun} for your review on the {config.brand.name} content "
             "calendar."]
    if w.first_due is not None:
        lines.append(f"The first goes out on {w.first_due.astimezone(tz):%A %d %B at %H:%M}.")
    if w.urgent:
        lines.append("\nGoing out within 48 hours and not approved yet:")
        lines += [f"  - {title} ({when.astimezone(tz):%a %d %b %H:%M})"
                  for title, when in w.urgent]
    lines.append(f"\nOpen the calendar: {link}\n")
    soon = len(w.urgent)
    subject = (f"Reminder: {soon} {'post goes' if soon == 1 else 'posts go'} out within 48 "
               "hours without your approval" if soon else f"{count} {noun} for your review")
    return Message(w.reviewer, f"{config.brand.name}: {subject}", "\n".join(lines))


def send(config: CalendarConfig, messages: Sequence[Message],
         env: Mapping[str, str] | None = None) -> None:
    """Send through the smtp channel named in review.mail_channel (its server, security,
    sender and login, as its publisher uses them), on one connection."""
    name = config.review.mail_channel if config.review else None
    if name is None:
        raise PostgenError("set review.mail_channel in mkdocs.yml to an email channel with the "
                           "smtp publisher, or use --print")
    channel = config.channels[name]
    with httpx.Client() as client:  # the publisher's context has one; SMTP needs none
        publisher = SmtpPublisher(channel, Context(
            env=os.environ if env is None else env, client=client, root=str(config.root),
            sleep=time.sleep, now=lambda: datetime.now(UTC)))
        try:
            with publisher.connection() as smtp:
                for m in messages:
                    msg = EmailMessage()
                    msg["From"], msg["To"], msg["Subject"] = publisher.sender, m.to, m.subject
                    msg["Date"], msg["Message-ID"] = formatdate(), make_msgid()
                    msg.set_content(m.text)
                    smtp.send_message(msg, from_addr=publisher.envelope_sender,
                                      to_addrs=[m.to])
        except (OSError, smtplib.SMTPException) as exc:
            raise PostgenError(f"{name}: cannot send ({type(exc).__name__}: {exc})") from None
