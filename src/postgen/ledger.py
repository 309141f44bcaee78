"""The publish ledger: what was sent where, recorded before and after every send.

`publish-ledger.jsonl` at the calendar root is append-only, one JSON object
per line (sorted keys), one line per event, oldest first. CI commits it back;
`.gitattributes` merges it with git's union driver, so two branches' lines
both survive a merge. Events, each with `key`, `post`, `channel` and `at`:

- `intent`: a send is about to start (`hash`, `publisher`, `parts` for a
  thread); written and fsync'ed before the first request leaves;
- `sent`: the platform answered with `remote_id`, `url`, `part_ids`;
- `failed`: `kind` retry-later | auth | config (tried again on the next run),
  rejected | missed (final for this content hash), with `message` and
  `retry_at` when the platform said when to come back;
- `unknown`: the send may or may not have happened (`message`); a thread also
  records one after each part, with the `part_ids` posted so far, so a run
  that stops mid-thread leaves a record of which parts exist;
- `resolved`: a person (`by`) or the publisher's `resolve` found out:
  `outcome` sent (with `remote_id`) or not-sent.

Sent is final for a key: no later line changes it (new content is a new key).

An intent with no result after it is unknown as well: the run died mid-send.
A send is never repeated while its outcome is unknown.

The idempotency key is stable for (post id, channel, content hash), so the
same content on the same channel is one send however often it is tried.

A crash can cut the last line short: reading skips it (and reports it) and the
next append starts on a fresh line. Reading never fails on a bad line; it
reports it. Nothing secret is ever written: messages are the publishers'
(secret-free by contract) and the publish run scrubs known secret values too.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from postgen.errors import PostgenError
from postgen.render.model import VariantRef

FILE = "publish-ledger.jsonl"
EVENTS = ("intent", "sent", "failed", "unknown", "resolved")
KINDS = ("retry-later", "auth", "config", "rejected", "missed")
#: Failures that are final for a content hash: only new content is sent again.
FINAL = frozenset({"rejected", "missed"})
OUTCOMES = ("sent", "not-sent")


def key_of(post: str, channel: str, content_hash: str) -> str:
    """The idempotency key: 32 hex digits, the same for the same post, channel and content."""
    return hashlib.sha256(f"{post}\n{channel}\n{content_hash}".encode()).hexdigest()[:32]


def key_for(variant: VariantRef) -> str:
    return key_of(variant.post_id, variant.channel, variant.hash)


@dataclass(frozen=True)
class Entry:
    """One line of the ledger."""

    event: str  # one of EVENTS
    key: str
    post: str
    channel: str
    at: str  # ISO 8601 with offset
    hash: str | None = None  # intent
    publisher: str | None = None  # intent
    parts: int | None = None  # intent: the thread's number of parts (None: one)
    remote_id: str | None = None  # sent, resolved
    url: str | None = None  # sent, resolved
    part_ids: tuple[str, ...] = ()  # sent, resolved; unknown: the parts posted so far
    kind: str | None = None  # failed: one of KINDS
    message: str | None = None  # failed, unknown, resolved (a note)
    retry_at: str | None = None  # failed: retry-later
    outcome: str | None = None  # resolved: one of OUTCOMES
    by: str | None = None  # resolved: a person, or "<publisher> resolve"

    def line(self) -> str:
        data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if v is not None and v != ()}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def parse(cls, text: str) -> Entry:
        """An entry from one line; ValueError says what is wrong with it."""
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        for name in ("event", "key", "post", "channel", "at"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ValueError(f"'{name}' is missing")
        if data["event"] not in EVENTS:
            raise ValueError(f"unknown event '{data['event']}'")
        if data["event"] == "failed" and data.get("kind") not in KINDS:
            raise ValueError(f"failed without a known kind ({', '.join(KINDS)})")
        if data["event"] == "resolved" and data.get("outcome") not in OUTCOMES:
            raise ValueError("resolved without outcome sent or not-sent")
        for name in ("at", "retry_at"):
            if data.get(name) is not None:
                _moment(str(data[name]))
        parts = data.get("part_ids", [])
        if not isinstance(parts, list):
            raise ValueError("part_ids is not a list")
        count = data.get("parts")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("parts is not a number of parts")
        def opt(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        return cls(data["event"], data["key"], data["post"], data["channel"], data["at"],
                   hash=opt("hash"), publisher=opt("publisher"), parts=count,
                   remote_id=opt("remote_id"),
                   url=opt("url"), part_ids=tuple(str(p) for p in parts), kind=opt("kind"),
                   message=opt("message"), retry_at=opt("retry_at"), outcome=opt("outcome"),
                   by=opt("by"))


@dataclass(frozen=True)
class Status:
    """Where one key stands, from its events."""

    state: str  # sent | failed | unknown
    key: str
    post: str
    channel: str
    at: str  # of the event that decided it
    kind: str | None = None  # failed
    remote_id: str | None = None
    url: str | None = None
    message: str | None = None
    retry_at: datetime | None = None
    intent_at: datetime | None = None  # the last intent: a send began after it
    parts: int = 1  # the thread's parts, as the last intent said
    part_ids: tuple[str, ...] = ()  # sent: every part; unknown: the parts known posted

    @property
    def final(self) -> bool:
        """Nothing more will be tried for this content: sent, or failed for good."""
        return self.state == "sent" or (self.state == "failed" and self.kind in FINAL)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    #: A line a crash cut short: harmless (the intent it began was never followed by a
    #: send; a result it began leaves the send unknown). Any other bad line may hide a
    #: record, so `postgen publish` will not send until it is repaired.
    torn: bool = False

    def text(self) -> str:
        return f"{FILE}:{self.line}: {self.message}"


class LedgerDamaged(PostgenError):
    """The ledger has lines that cannot be read and were not cut short by a crash."""


def fold(status: Status | None, entry: Entry) -> Status | None:
    """The status after one more event. Sent is final: no later line (a stray one, or
    one a merge put after it) makes a sent post look unsent and send it again."""
    if status is not None and status.state == "sent":
        return status
    intent_at = status.intent_at if status else None
    parts = status.parts if status else 1
    part_ids = entry.part_ids
    if entry.event == "intent":
        intent_at, parts = _moment(entry.at), entry.parts or 1
    elif entry.event in ("failed", "unknown") and status is not None and not part_ids:
        part_ids = status.part_ids  # what was confirmed stays confirmed
    if entry.event == "resolved" and entry.outcome != "sent":
        return None  # not sent: nothing stands in the way of sending
    state = {"intent": "unknown", "resolved": "sent"}.get(entry.event, entry.event)
    message = entry.message
    if entry.event == "intent":
        message = "a send began and recorded no result (the run stopped mid-send)"
    return Status(state, entry.key, entry.post, entry.channel, entry.at,
                  kind=entry.kind, remote_id=entry.remote_id, url=entry.url, message=message,
                  retry_at=_moment(entry.retry_at) if entry.retry_at else None,
                  intent_at=intent_at, parts=parts, part_ids=part_ids)


def _moment(text: str) -> datetime:
    """A timezone-aware time from the ledger; ValueError if it is not one."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no UTC offset")
    return moment


class Ledger:
    """The ledger file and the status of every key in it; safe to append from threads."""

    def __init__(self, path: Path, entries: Iterable[Entry] = (),
                 problems: Sequence[Problem] = ()) -> None:
        self.path = path
        self.problems = tuple(problems)
        self._entries: list[Entry] = []
        self._status: dict[str, Status | None] = {}
        self._owners: dict[tuple[str, str], str] = {}  # (channel, platform id) -> key
        self._lock = threading.Lock()
        for entry in entries:
            self._apply(entry)

    @classmethod
    def load(cls, root: Path) -> Ledger:
        return cls.read(root / FILE)

    @classmethod
    def read(cls, path: Path) -> Ledger:
        """Every readable entry; bad lines and a torn last line become problems."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        lines = data.split(b"\n")
        torn = lines.pop()  # after the last newline: empty unless a write was cut short
        entries: list[Entry] = []
        problems: list[Problem] = []
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entries.append(Entry.parse(raw.decode("utf-8")))
            except (ValueError, TypeError) as exc:
                if _cut_short(raw):
                    problems.append(Problem(number, "a line cut short by a crash; ignored",
                                            torn=True))
                else:
                    problems.append(Problem(number, f"unreadable ledger line, skipped: {exc}"))
        if torn.strip():
            problems.append(Problem(len(lines) + 1, "the last line was cut short (a run "
                                                    "stopped while writing it); ignored",
                                    torn=True))
        return cls(path, entries, problems)

    @property
    def damaged(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.torn)

    def check(self) -> None:
        """Raise `LedgerDamaged` if a bad line (not one cut short) might hide a record."""
        if self.damaged:
            shown = "\n".join(p.text() for p in self.damaged)
            raise LedgerDamaged(
                f"{shown}\nthe ledger has lines that cannot be read, and a lost record "
                "could mean sending a post twice: repair them (`git log -p "
                f"{FILE}` shows what they were), then publish again")

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries)

    def status(self, key: str) -> Status | None:
        return self._status.get(key)

    def recorded(self) -> tuple[str, ...]:
        """Every key the ledger holds, in the order first seen."""
        return tuple(self._status)

    def published(self, variant: VariantRef) -> str | None:
        """For `approvals.state(published=...)`: published | failed | unknown | None."""
        if not self._status:  # nothing sent yet: no key to compute (the site asks for all)
            return None
        status = self.status(key_for(variant))
        if status is None:
            return None
        return {"sent": "published"}.get(status.state, status.state)

    def owner(self, channel: str, remote_id: str) -> str | None:
        """The key of the send the ledger gives the platform id `remote_id` on `channel`
        (a post, or a part of a thread); None when no send has it."""
        return self._owners.get((channel, remote_id))

    def record(self, entry: Entry) -> None:
        """Append one event as a whole line, flushed to disk before returning."""
        data = (entry.line() + "\n").encode("utf-8")
        with self._lock:
            with open(self.path, "a+b") as f:  # every write goes to the end
                size = f.seek(0, os.SEEK_END)
                if size:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":
                        data = b"\n" + data  # a line cut short by a crash stays on its own
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self._apply(entry)

    def _apply(self, entry: Entry) -> None:
        self._entries.append(entry)
        self._status[entry.key] = fold(self._status.get(entry.key), entry)
        for remote_id in (entry.remote_id, *entry.part_ids):
            if remote_id:
                self._owners.setdefault((entry.channel, remote_id), entry.key)


def _cut_short(raw: bytes) -> bool:
    """The start of a line as this module writes them, without its end."""
    text = raw.strip()
    return text.startswith(b'{"') and not text.endswith(b"}")
