"""The review server's state: the clone, the journal, the built site, one git worker.

Requests put entries in the journal (durable at once) and wait for them;
one worker thread does every git operation and build, in rounds: record
what the journal holds (commit, push; pull --rebase and retry when the
remote moved), or pull when asked (timer, webhook), then rebuild the site if
anything changed. Entries that could not be pushed stay in the journal and
are retried every round, across restarts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

from postgen.review import comments
from postgen.review.gitrepo import Repo
from postgen.review.journal import Entry, Journal
from postgen.review.rebuild import Built, build

log = logging.getLogger("postgen.review")

#: How an entry ended its round: pushed (and the site rebuilt), or kept in the journal.
PUSHED, SAVED = "pushed", "saved"


class Receiver:
    def __init__(self, state_dir: Path, remote: str | None, *, config_name: str = "mkdocs.yml",
                 pull_every: float = 60.0, clock: Callable[[], datetime] | None = None) -> None:
        self.state_dir = state_dir
        self.repo = Repo(state_dir / "calendar", remote)
        self.site_dir = state_dir / "site"
        self.config_name = config_name
        self.journal = Journal(state_dir / "journal.jsonl")
        self.pull_every = pull_every
        self.clock = clock or (lambda: datetime.now(UTC))
        self.built: Built | None = None
        self.comments: dict[str, list[comments.Comment]] = {}
        self._wake = threading.Condition()
        self._pull_wanted = False
        self._stopping = False
        self._waiting: dict[str, list[Future[str]]] = {}
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def config_file(self) -> Path:
        return self.repo.path / self.config_name

    def start(self) -> None:
        """Clone (or recover the clone), record what a crash left in the journal, build."""
        self.repo.prepare()
        try:
            self._round(pull=True)
        except Exception as exc:  # the remote may be down: serve what we have
            log.warning(f"postgen review: {exc}")
            self.last_error = str(exc)
        if self.built is None:
            self._rebuild()
        self._thread = threading.Thread(target=self._work, name="postgen-review-git",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def submit(self, entries: list[Entry]) -> Future[str]:
        """Journal the entries (durable when this returns); the future says how the round
        that records them ended. Entries seen before are not recorded again."""
        future: Future[str] = Future()
        with self._wake:
            self.journal.add(entries)
            waiting = [e.id for e in entries if self.journal.known(e.id)]
            pending = {e.id for e in self.journal.pending()}
            if not any(i in pending for i in waiting):
                future.set_result(PUSHED)  # every one recorded already
                return future
            for i in waiting:
                if i in pending:
                    self._waiting.setdefault(i, []).append(future)
            self._wake.notify_all()
        return future

    def request_pull(self) -> None:
        with self._wake:
            self._pull_wanted = True
            self._wake.notify_all()

    # -- the worker --------------------------------------------------------------

    def _work(self) -> None:
        backoff, retry_at, last_pull = 0.0, 0.0, time.monotonic()
        while True:
            with self._wake:
                while True:
                    now = time.monotonic()
                    if self._stopping:
                        return
                    if self._pull_wanted or now >= last_pull + self.pull_every:
                        break
                    if self.journal.pending() and now >= retry_at:
                        break
                    until = last_pull + self.pull_every
                    if self.journal.pending():
                        until = min(until, retry_at)
                    self._wake.wait(timeout=max(until - now, 0.01))
                pull = self._pull_wanted or now >= last_pull + self.pull_every
                self._pull_wanted = False
            try:
                self._round(pull=pull)
                backoff = 0.0
                self.last_error = None
            except Exception as exc:
                self.last_error = str(exc)
                log.warning(f"postgen review: {exc} (the decisions are kept in the journal; "
                            "retrying)")
                self._settle(SAVED)
                backoff = min(max(backoff * 2, 1.0), 30.0)
                retry_at = time.monotonic() + backoff
            if pull:
                last_pull = time.monotonic()

    def _round(self, pull: bool) -> None:
        start = time.monotonic()
        before = self.repo.head()
        pending = self.journal.pending()
        if pending:
            who = sorted({_by(e) for e in pending})
            names = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
            self.repo.record(pending, f"Review: {len(pending)} record(s) from the review site "
                                      f"({names})")
            self.repo.push()
            self.journal.done([e.id for e in pending])
        elif pull:
            self.repo.pull()
        elif self.repo.unpushed():
            self.repo.push()
        recorded = time.monotonic()
        if self.built is None or self.repo.head() != before:
            self._rebuild()
            log.info(f"postgen review: {len(pending)} record(s) pushed in "
                     f"{recorded - start:.2f} s, site rebuilt in "
                     f"{time.monotonic() - recorded:.2f} s")
        self._settle(PUSHED, {e.id for e in pending})

    def _rebuild(self) -> None:
        known = self.built.cache if self.built is not None else None
        self.built = build(self.config_file, self.site_dir, known)
        self.comments = comments.load(self.repo.path)

    def _settle(self, outcome: str, ids: set[str] | None = None) -> None:
        with self._wake:
            for i in list(self._waiting):
                if ids is None or i in ids:
                    for future in self._waiting.pop(i):
                        if not future.done():
                            future.set_result(outcome)


def _by(entry: Entry) -> str:
    return str(json.loads(entry.line).get("by", "?"))
