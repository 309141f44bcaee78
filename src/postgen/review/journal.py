"""The local journal: what reviewers decided, kept until it is pushed.

A decision is durable once its entry is here (written whole and fsynced),
before git sees it. Each entry is a record for a file of the calendar
(approvals.jsonl, comments.jsonl) under the action's id; a `done` line marks
ids that reached the remote. After a crash, every entry without its `done`
line is recorded again, and the ids already in the calendar's files are
skipped: nothing is lost, nothing is recorded twice.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    id: str  # one per record: the action's id, plus the post and channel it concerns
    file: str  # approvals.jsonl | comments.jsonl
    line: str  # the record, as one JSON line (no newline)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[str, Entry] = {}
        self._done: set[str] = set()
        if path.is_file():
            self._read()

    def _read(self) -> None:
        for raw in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(raw)
            except ValueError:
                continue  # a line cut short by a crash: its action was not confirmed
            if "done" in data:
                for done in data["done"]:
                    self._pending.pop(done, None)
                    self._done.add(done)
            elif data.get("id") not in self._done:
                self._pending[data["id"]] = Entry(data["id"], data["file"], data["line"])

    def add(self, entries: list[Entry]) -> list[Entry]:
        """Keep the entries not seen before, durably; returns those it added."""
        with self._lock:
            new = [e for e in entries if e.id not in self._pending and e.id not in self._done]
            self._write("".join(json.dumps({"id": e.id, "file": e.file, "line": e.line},
                                           ensure_ascii=False) + "\n" for e in new))
            self._pending.update((e.id, e) for e in new)
            return new

    def pending(self) -> list[Entry]:
        with self._lock:
            return list(self._pending.values())

    def done(self, ids: list[str]) -> None:
        """The ids reached the remote. With nothing left pending the file starts afresh
        (the ids stay known to this process; after a restart the calendar's files tell
        which were recorded)."""
        with self._lock:
            for i in ids:
                self._pending.pop(i, None)
                self._done.add(i)
            if self._pending:
                self._write(json.dumps({"done": ids}) + "\n")
            elif self.path.exists():
                with open(self.path, "w", encoding="utf-8") as f:
                    os.fsync(f.fileno())

    def _write(self, text: str) -> None:
        if text:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            append(self.path, text)


def append(path: Path, text: str) -> None:
    """Add `text` at the end of the file (after a line break if a crash left its last line
    without one) and fsync it: durable once this returns."""
    with open(path, "a+", encoding="utf-8") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(f.tell() - 1)
            if f.read(1) != "\n":
                text = "\n" + text
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
