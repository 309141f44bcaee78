"""What a reviewer's click becomes: journal entries, or the reason it is refused.

Every action names the exact versions the reviewer saw (post, channel,
hash). If any of them is no longer the current one, the whole action is
refused and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from postgen import approvals
from postgen.review.comments import FILE as COMMENTS
from postgen.review.comments import Comment
from postgen.review.journal import Entry
from postgen.review.rebuild import Built, Shown

MAX_NOTE = 4000


@dataclass(frozen=True)
class Item:
    post: str
    channel: str
    hash: str


class Refused(Exception):
    """The action is refused, nothing recorded; `str()` is what the reviewer is told."""

    def __init__(self, message: str, *, stale: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.stale = stale  # the post that changed (its new version is shown)
        self.status = status


def parse_items(values: list[str]) -> list[Item]:
    items = []
    for value in values:
        parts = value.split()
        if len(parts) != 3:
            raise Refused("This form is incomplete. Reload the page and try again.")
        items.append(Item(*parts))
    return items


def current(built: Built, items: list[Item]) -> list[Shown]:
    """The variants the items name, if each is still the version the reviewer saw."""
    if not items:
        raise Refused("Nothing to approve here.")
    found = []
    for item in items:
        shown = built.variants.get((item.post, item.channel))
        if shown is None:
            raise Refused("This post is no longer in the calendar.", status=410)
        if shown.hash != item.hash:
            raise Refused("This post changed while you were reading; here is the new "
                          "version.", stale=item.post, status=409)
        if shown.draft:
            raise Refused("This post is a draft: it is not ready for review yet.")
        found.append(shown)
    return found


def decide(built: Built, reviewer: str, action: str, items: list[Item], decision: str,
           note: str, now: datetime) -> list[Entry]:
    """The entries that record `decision` on every item (one comment too, for changes)."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Refused(f"Your comment is too long (at most {MAX_NOTE} characters).",
                      status=413)
    if decision == approvals.CHANGES and not note:
        raise Refused("Write what should change, then send it again.")
    variants = current(built, items)
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    entries = [Entry(f"{action}:{v.post}:{v.channel}", approvals.FILE, approvals.Decision(
        post=v.post, channel=v.channel, hash=v.hash, decision=decision, by=reviewer, at=at,
        note=note or None, text=v.text, date=v.date.isoformat(),
        id=f"{action}:{v.post}:{v.channel}").line())
        for v in variants]
    if decision == approvals.CHANGES:
        posts = {v.post for v in variants}
        if len(posts) != 1:
            raise Refused("Ask for changes to one post at a time.")
        comment = Comment(f"{action}:c", posts.pop(), reviewer, at, note, "changes",
                          tuple(v.channel for v in variants))
        entries.append(Entry(comment.id, COMMENTS, comment.line()))
    return entries


def reply(built: Built, reviewer: str, action: str, post: str, reply_to: str | None,
          note: str, now: datetime) -> list[Entry]:
    note = note.strip()
    if not note:
        raise Refused("Write your reply, then send it again.")
    if len(note) > MAX_NOTE:
        raise Refused(f"Your reply is too long (at most {MAX_NOTE} characters).", status=413)
    if post not in built.titles:
        raise Refused("This post is no longer in the calendar.", status=410)
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    comment = Comment(f"{action}:c", post, reviewer, at, note, reply_to=reply_to or None)
    return [Entry(comment.id, COMMENTS, comment.line())]
