"""`results.jsonl`: time-stamped snapshots of what sent posts did, append-only.

One JSON object per line, sorted keys, oldest first; `.gitattributes` merges
the file with git's union driver, like the ledger, so results fetched on two
branches both survive. Two kinds of line:

- `post`: one sent variant's platform metrics at `at` (`post`, `channel`,
  `key` (the ledger key), `remote_id`, `metrics` {name: count}), or
  `state: deleted` when the platform no longer has it;
- `web`: visits and goal conversions a web analytics API counted for one
  (`campaign`, `source`, `content`) UTM triple at `at` (`content` is the
  post id postgen writes into `utm_content`).

A line cut short by a crash is skipped when read; the next append starts on a
fresh line. Later snapshots of the same thing supersede earlier ones in
`latest`, and all of them are kept, so growth over days shows.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

FILE = "results.jsonl"
#: The metric names a snapshot may hold, whatever the platform calls them.
METRICS = ("impressions", "reach", "views", "likes", "reposts", "replies", "quotes", "saves",
           "clicks", "engagements", "sent", "bounced", "opens")
#: What counts as engagement (a click on a link counts; an impression does not).
ENGAGING = ("likes", "reposts", "replies", "quotes", "saves", "clicks")


def _frozen(data: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(sorted(data.items())))


@dataclass(frozen=True)
class PostSnapshot:
    """One sent variant's metrics on its platform at one moment."""

    at: str  # ISO 8601 with offset
    post: str
    channel: str
    key: str  # the ledger's idempotency key of the send
    remote_id: str
    metrics: Mapping[str, int] = field(default_factory=lambda: _frozen({}))
    state: str = "ok"  # ok | deleted

    @property
    def engagements(self) -> int:
        given = self.metrics.get("engagements")
        return given if given is not None else sum(self.metrics.get(m, 0) for m in ENGAGING)

    def line(self) -> str:
        data: dict[str, Any] = {"kind": "post", "at": self.at, "post": self.post,
                                "channel": self.channel, "key": self.key,
                                "remote_id": self.remote_id, "metrics": dict(self.metrics)}
        if self.state != "ok":
            data["state"] = self.state
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class WebSnapshot:
    """Visits and conversions one UTM triple brought, as the analytics counted them."""

    at: str
    campaign: str
    source: str
    content: str  # utm_content: the post id
    visitors: int
    visits: int
    conversions: Mapping[str, int] = field(default_factory=lambda: _frozen({}))  # goal: count
    provider: str = "plausible"

    @property
    def converted(self) -> int:
        return sum(self.conversions.values())

    def line(self) -> str:
        return json.dumps({"kind": "web", "at": self.at, "campaign": self.campaign,
                           "source": self.source, "content": self.content,
                           "visitors": self.visitors, "visits": self.visits,
                           "conversions": dict(self.conversions), "provider": self.provider},
                          ensure_ascii=False, sort_keys=True)


Snapshot = PostSnapshot | WebSnapshot


def parse(text: str) -> Snapshot:
    """A snapshot from one line; ValueError says what is wrong with it."""
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    kind = data.get("kind")
    if kind == "post":
        for name in ("at", "post", "channel", "key", "remote_id"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"'{name}' is missing")
        return PostSnapshot(data["at"], data["post"], data["channel"], data["key"],
                            data["remote_id"], _counts(data.get("metrics", {})),
                            str(data.get("state", "ok")))
    if kind == "web":
        for name in ("at", "campaign", "source", "content"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"'{name}' is missing")
        return WebSnapshot(data["at"], data["campaign"], data["source"], data["content"],
                           _count(data.get("visitors")), _count(data.get("visits")),
                           _counts(data.get("conversions", {})),
                           str(data.get("provider", "plausible")))
    raise ValueError(f"unknown kind {str(kind)[:20]!r}")


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a count is not a whole number of zero or more")
    return value


def _counts(value: object) -> Mapping[str, int]:
    if not isinstance(value, dict):
        raise ValueError("counts are not an object")
    return _frozen({str(k): _count(v) for k, v in value.items()})


@dataclass(frozen=True)
class Results:
    """Every readable snapshot in the file, and the lines that were not."""

    snapshots: tuple[Snapshot, ...] = ()
    problems: tuple[str, ...] = ()  # "results.jsonl:LINE: why"

    def latest_posts(self) -> dict[tuple[str, str], PostSnapshot]:
        """The newest snapshot per (post, channel)."""
        found: dict[tuple[str, str], PostSnapshot] = {}
        for s in self.snapshots:
            if isinstance(s, PostSnapshot):
                known = found.get((s.post, s.channel))
                if known is None or known.at <= s.at:
                    found[(s.post, s.channel)] = s
        return found

    def latest_web(self) -> dict[tuple[str, str, str], WebSnapshot]:
        """The newest snapshot per (campaign, source, content)."""
        found: dict[tuple[str, str, str], WebSnapshot] = {}
        for s in self.snapshots:
            if isinstance(s, WebSnapshot):
                triple = (s.campaign, s.source, s.content)
                known = found.get(triple)
                if known is None or known.at <= s.at:
                    found[triple] = s
        return found


def read(root: Path) -> Results:
    try:
        data = (root / FILE).read_bytes()
    except FileNotFoundError:
        return Results()
    snapshots: list[Snapshot] = []
    problems: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            snapshots.append(parse(raw.decode("utf-8")))
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{FILE}:{number}: unreadable line, skipped: {exc}")
    return Results(tuple(snapshots), tuple(problems))


class Writer:
    """Appends whole lines, flushed to disk before returning; safe from threads."""

    def __init__(self, root: Path) -> None:
        self.path = root / FILE
        self._lock = threading.Lock()

    def append(self, snapshots: Iterable[Snapshot]) -> int:
        data = "".join(s.line() + "\n" for s in snapshots).encode("utf-8")
        if not data:
            return 0
        with self._lock, open(self.path, "a+b") as f:
            size = f.seek(0, os.SEEK_END)
            if size:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    data = b"\n" + data  # a line a crash cut short stays on its own
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return data.count(b"\n")
