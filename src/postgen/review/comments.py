"""Comments on posts: `comments.jsonl`, one per line, oldest first.

A comment is what a reviewer wrote when asking for changes (the same words
are the note of the changes-requested decisions in approvals.jsonl, which
`postgen status` shows), or a reply to another comment. The post's page shows
them as one thread, newest last.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "comments.jsonl"


@dataclass(frozen=True)
class Comment:
    id: str
    post: str
    by: str
    at: str  # ISO 8601, UTC
    text: str
    kind: str = "comment"  # comment | changes (asked for changes on `channels`)
    channels: tuple[str, ...] = ()
    reply_to: str | None = None

    def line(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, ())}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def load(root: Path) -> dict[str, list[Comment]]:
    """Every readable comment, by post, oldest first."""
    path = root / FILE
    found: dict[str, list[Comment]] = {}
    if not path.is_file():
        return found
    for raw in path.read_bytes().splitlines():
        try:
            data = json.loads(raw)  # a line that is not UTF-8 is skipped as unreadable
            comment = Comment(id=data["id"], post=data["post"], by=data["by"], at=data["at"],
                              text=data["text"], kind=data.get("kind", "comment"),
                              channels=tuple(data.get("channels", ())),
                              reply_to=data.get("reply_to"))
        except (ValueError, KeyError, TypeError):
            continue
        found.setdefault(comment.post, []).append(comment)
    for thread in found.values():
        thread.sort(key=lambda c: c.at)
    return found
