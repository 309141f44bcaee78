"""The review server's state: the clone, the journal, the built site, two workers.

Requests put entries in the journal (durable at once) and wait for them.
The git worker does every git operation, in rounds: record what the journal
holds (commit, push; pull --rebase and retry when the remote moved), or pull
when asked (timer, webhook). Entries that could not be pushed stay in the
journal and are retried every round, across restarts. The build worker
builds the site from its own worktree of the clone, checked out at the
newest commit whenever the git worker made or fetched one: a build (seconds,
when many posts changed) never holds up the next decision's commit.
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

from postgen.errors import PostgenError
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
        self.build_tree = state_dir / "build"
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
        self._threads: list[threading.Thread] = []
        self.last_error: str | None = None
        self.head = ""  # the clone's newest commit
        self.built_head = ""  # the commit the site was last built from

    @property
    def config_file(self) -> Path:
        return self.build_tree / self.config_name

    def start(self) -> None:
        """Clone (or recover the clone), record what a crash left in the journal, build."""
        self.repo.prepare()
        try:
            self._round(pull=True)
        except Exception as exc:  # the remote may be down: serve what we have
            log.warning(f"postgen review: {exc}")
            self.last_error = str(exc)
        self.head = self.repo.head()
        self._rebuild()
        for name, target in (("git", self._work), ("build", self._build_loop)):
            thread = threading.Thread(target=target, name=f"postgen-review-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_built(self, timeout: float) -> bool:
        """Wait until the site shows every commit made so far (after an action)."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self.built_head != self.head and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(timeout=left)
        return True

    def submit(self, entries: list[Entry]) -> Future[str]:
        """Journal the entries (durable when this returns); the future says how the round
        that records them ended. Entries seen before are not recorded again."""
        future: Future[str] = Future()
        with self._wake:
            self.journal.add(entries)
            pending = {e.id for e in self.journal.pending()}
            waiting = [e.id for e in entries if e.id in pending]
            if not waiting:
                future.set_result(PUSHED)  # every one recorded already
                return future
            for i in waiting:
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
        if pending:
            log.info(f"postgen review: {len(pending)} record(s) pushed in "
                     f"{time.monotonic() - start:.2f} s")
        head = self.repo.head()
        with self._wake:
            self.head = head
            self._wake.notify_all()  # the build worker
        self._settle(PUSHED, {e.id for e in pending})

    def _build_loop(self) -> None:
        while True:
            with self._wake:
                while self.built_head == self.head and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
            try:
                self._rebuild()
            except PostgenError as exc:  # says what was not built, and where the cause is
                log.warning(f"postgen review: {exc}")
                time.sleep(5)
            except Exception as exc:
                log.warning(f"postgen review: the site could not be built: {exc}")
                time.sleep(5)

    def _rebuild(self) -> None:
        """Check the newest commit out in the build worktree and build the site from it."""
        head = self.head
        start = time.monotonic()
        self.repo.checkout(self.build_tree, head)
        known = self.built.cache if self.built is not None else None
        built = build(self.config_file, self.site_dir, known)
        found = comments.load(self.build_tree)
        with self._wake:
            self.built, self.comments, self.built_head = built, found, head
            self._wake.notify_all()
        log.info(f"postgen review: site built in {time.monotonic() - start:.2f} s")

    def _settle(self, outcome: str, ids: set[str] | None = None) -> None:
        with self._wake:
            for i in list(self._waiting):
                if ids is None or i in ids:
                    for future in self._waiting.pop(i):
                        if not future.done():
                            future.set_result(outcome)


def _by(entry: Entry) -> str:
    return str(json.loads(entry.line).get("by", "?"))
