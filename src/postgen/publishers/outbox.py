"""The local outbox (the default publisher): each variant written as a JSON file.

Options: `folder` (inside the calendar; default `outbox`).

The file is `<root>/<folder>/<channel>/<post id>.json`: the payload, the text,
the parts, the media list and the idempotency key. It is written atomically (a
temporary file, then `os.replace`), so a reader never sees half of one. Sending
the same job again finds the file with the same key and answers the same
`Sent`; the remote id is the file's path relative to the calendar root.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from postgen.files import write_atomically
from postgen.models import Channel
from postgen.publishers.base import (
    ConfigProblem,
    Context,
    Credential,
    Identity,
    Job,
    Rejected,
    Request,
    RetryLater,
    Sent,
)
from postgen.publishers.document import variant_document


class OutboxPublisher:
    name: ClassVar[str] = "outbox"

    def __init__(self, channel: Channel, context: Context) -> None:
        self.channel = channel
        self.ctx = context

    @property
    def folder(self) -> str:
        return str(self.channel.options.get("folder") or "outbox")

    def validate(self) -> Sequence[str]:
        folder = PurePosixPath(self.folder.replace("\\", "/"))
        if folder.is_absolute() or ".." in folder.parts:
            return [f"{self.channel.name}: options.folder must be a folder inside the "
                    f"calendar, not '{self.folder}'"]
        return []

    def credentials(self) -> Sequence[Credential]:
        return []  # it writes files: no secret, no host

    def whoami(self) -> Identity:
        return Identity(f"{self.folder.strip('/')}/{self.channel.name}/",
                        note="a folder in the calendar: no account")

    def relative(self, job: Job) -> str:
        post_id = job.variant.post_id
        if not post_id or "/" in post_id or "\\" in post_id or post_id in (".", ".."):
            raise Rejected(f"{self.channel.name}: '{post_id}' cannot name an outbox file")
        return f"{self.folder.strip('/')}/{self.channel.name}/{post_id}.json"

    def document(self, job: Job) -> dict[str, Any]:
        return {"idempotency_key": job.idempotency_key, **variant_document(job.variant)}

    def describe(self, job: Job) -> Sequence[Request]:
        return [Request("WRITE", self.relative(job), {}, self.document(job))]

    def send(self, job: Job) -> Sent:
        problems = self.validate()
        if problems:
            raise ConfigProblem("; ".join(problems))
        rel = self.relative(job)
        path = Path(self.ctx.root) / rel
        if self._key_in(path) == job.idempotency_key:
            return Sent(remote_id=rel)
        text = json.dumps(self.document(job), ensure_ascii=False, indent=2, sort_keys=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text + "\n")
        except OSError as exc:  # nothing was replaced: the write is all or nothing
            raise RetryLater(f"{self.channel.name}: cannot write {rel}: "
                             f"{exc.strerror or exc}") from exc
        return Sent(remote_id=rel)

    def resolve(self, job: Job) -> Sent | None:
        """Sent if the file is there with this job's key; None if not (or an older version)."""
        rel = self.relative(job)
        found = self._key_in(Path(self.ctx.root) / rel) == job.idempotency_key
        return Sent(remote_id=rel) if found else None

    @staticmethod
    def _key_in(path: Path) -> str | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        key = data.get("idempotency_key") if isinstance(data, dict) else None
        return key if isinstance(key, str) else None


