"""Publishing: what is due, sent exactly once, every outcome in the ledger.

`plan` classifies every variant at a given "now":

- due: its time has passed, by no more than `publish.grace`; cleared by the
  approval policy for its exact hash; within its platform's limits; not sent;
- waiting: its time has not come (or the platform asked to come back later);
- blocked: a draft, not approved, changed since approval, or over a limit;
- missed: its time passed by more than the grace window: reported (and
  recorded, once), never sent late;
- done: sent; failed-final: rejected, or missed, for this content hash;
- unknown: a send may or may not have happened: never sent again blindly.

`run` acts on a plan. Every channel's publisher validates its settings before
any request (a channel with problems fails alone); then each channel, in a
thread of its own, first asks the platform about its unknowns (`resolve`),
then sends its due variants in time order: intent recorded and on disk, send,
result recorded (and, for a thread, each part as it is posted). A failure is
recorded for what it is and never stops the other channels; a rate limit that
resets more than `LONG_WAIT` away stops its channel until the reset, the rest
of its posts recorded as waiting. `lock` keeps a second run on the same
calendar from sending.

A channel whose secret `accounts.lock` does not trust for its host, or that
uses another channel's secret, is refused like a channel with bad settings
(see `postgen.trust`).

No secret reaches the ledger or the summary in any form: every text written
passes through `scrubber` (see `postgen.redaction`).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from postgen import approvals, redaction, trust
from postgen.errors import PostgenError
from postgen.ledger import Entry, Ledger, Status, key_for
from postgen.models import Calendar, CalendarConfig, Channel, Post
from postgen.publishers import base
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    Job,
    OutcomeUnknown,
    Publisher,
    PublishError,
    Rejected,
    Request,
    RetryLater,
    Sent,
)
from postgen.render.model import Variant

DUE, WAITING, BLOCKED, MISSED = "due", "waiting", "blocked", "missed"
DONE, UNKNOWN, FAILED_FINAL = "done", "unknown", "failed-final"
#: Outcomes of a run that make it fail (exit non-zero).
BAD = frozenset({"failed", "unknown", "missed"})
#: At most this many channels of one publisher send at once. Within a channel
#: (one account) sends are one at a time, in order; the channels of one
#: publisher may share an app's quota or a mail server's connections.
PARALLEL: Mapping[str, int] = {"default": 4, "smtp": 2}
LOCK_FILE = ".postgen-publish.lock"
#: A rate limit that resets further away than this stops the channel for the run.
LONG_WAIT = timedelta(minutes=15)
_FAILURES: tuple[tuple[type[PublishError], str], ...] = (
    (RetryLater, "retry-later"), (AuthFailed, "auth"), (Rejected, "rejected"),
    (ConfigProblem, "config"))


class Locked(PostgenError):
    """Another `postgen publish` holds the calendar's lock."""

    exit_code = 2


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str


@dataclass(frozen=True)
class Item:
    variant: Variant
    key: str
    verdict: Verdict  # with the ledger taken into account
    unsent: Verdict  # what it would be if nothing had been sent (after a not-sent resolve)
    intent_at: datetime | None = None  # the last recorded intent, if any

    @property
    def state(self) -> str:
        return self.verdict.state


@dataclass(frozen=True)
class Plan:
    config: CalendarConfig
    now: datetime
    items: tuple[Item, ...]

    def of(self, *states: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.state in states)


@dataclass(frozen=True)
class Row:
    """One line of the summary: what happened to one variant in this run."""

    post: str
    channel: str
    key: str
    date: datetime
    outcome: str  # sent | failed | unknown | missed | blocked | not-sent | waiting |
    #              would-send | would-resolve
    detail: str
    kind: str | None = None  # failed: retry-later | auth | rejected | config
    requests: str = ""  # would-send: the requests, shown as text, secrets redacted


@dataclass(frozen=True)
class Report:
    now: datetime
    rows: tuple[Row, ...]
    counts: Mapping[str, int]  # the plan's states
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(r.outcome in BAD for r in self.rows)


# -- what is due -------------------------------------------------------------------


def plan(calendar: Calendar, variants: Sequence[Variant], book: approvals.Book, ledger: Ledger,
         now: datetime) -> Plan:
    """Every variant classified at `now` (timezone-aware)."""
    config = calendar.config
    posts = {p.id: p for p in calendar.posts}
    gone = _gone_out(ledger)
    items: list[Item] = []
    for v in sorted(variants, key=lambda v: (v.date, v.post_id, v.channel)):
        post = posts.get(v.post_id)
        if post is None:
            continue
        key = key_for(v)
        status = ledger.status(key)
        unsent = timing(config, book, post, v, now)
        verdict = _after(unsent, status, now)
        earlier = gone.get((v.post_id, v.channel))
        if status is None and earlier is not None and verdict.state == DUE:
            # Another version of this post went out on this channel (its text or the
            # channel's settings changed since): sending this one would post it twice.
            shown = earlier.url or earlier.remote_id or earlier.state
            verdict = Verdict(BLOCKED, f"an earlier version of this post went out on this "
                                       f"channel ({shown}); a post is never sent twice: to "
                                       "send the new version, give it a post of its own")
        items.append(Item(v, key, verdict, unsent, status.intent_at if status else None))
    return Plan(config, now, tuple(items))


def _gone_out(ledger: Ledger) -> dict[tuple[str, str], Status]:
    """(post, channel) -> a send that went out, or may have: sent or unknown."""
    found: dict[tuple[str, str], Status] = {}
    for key in ledger.recorded():
        status = ledger.status(key)
        if status is not None and status.state in ("sent", UNKNOWN):
            found.setdefault((status.post, status.channel), status)
    return found


def timing(config: CalendarConfig, book: approvals.Book, post: Post, v: Variant,
           now: datetime) -> Verdict:
    """Where a variant stands at `now` if nothing had been sent."""
    when = v.date.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M %Z")
    if post.draft:
        return Verdict(BLOCKED, f"due {when}, but a draft")
    state = approvals.state(config, book, post, v, now)
    if v.date > now:
        return Verdict(WAITING, f"due {when} ({state.label.lower()})")
    late, grace = now - v.date, config.publish.grace
    if late > grace:
        never = "" if state.cleared else f"; it was never cleared ({state.label.lower()})"
        return Verdict(MISSED, f"was due {when}, {span(late)} ago, past the grace window of "
                               f"{span(grace)}: not sent late{never}")
    if not state.cleared:
        return Verdict(BLOCKED, f"due {when}, but {state.label.lower()}: {state.detail}")
    unsendable = [f"{m.src}: {m.unreadable or 'too many pixels to open safely'}"
                  for m in v.media if m.unreadable or m.too_many_pixels]
    if unsendable:
        return Verdict(BLOCKED, f"due {when}, but its media cannot be sent: "
                                f"{'; '.join(unsendable)} (postgen check)")
    broken = [p for c in v.counts if not c.ok for p in c.problems]
    if broken:
        return Verdict(BLOCKED, f"due {when}, but breaks the platform's limits: "
                                f"{'; '.join(broken)} (postgen check)")
    return Verdict(DUE, f"due {when}; {state.detail}")


def _after(unsent: Verdict, status: Status | None, now: datetime) -> Verdict:
    """The verdict once the ledger's record of the key is taken into account."""
    if status is None:
        return unsent
    if status.state == "sent":
        return Verdict(DONE, status.url or status.remote_id or "sent")
    if status.state == UNKNOWN:
        return Verdict(UNKNOWN, status.message or "the outcome of a send is unknown")
    if status.final:
        return Verdict(FAILED_FINAL, f"{status.kind}: {status.message}")
    if unsent.state == DUE and status.retry_at is not None and status.retry_at > now:
        return Verdict(WAITING, f"{status.kind} failure; retry after "
                                f"{status.retry_at.isoformat(timespec='seconds')}")
    if unsent.state == DUE:
        return Verdict(DUE, f"trying again after a {status.kind} failure: {status.message}")
    return unsent


def span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    shown = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(shown) or "0m"


# -- sending -----------------------------------------------------------------------

Loader = Callable[[str], type[Publisher]]


def run(plan: Plan, context: Context, ledger: Ledger, dry_run: bool = False, *,
        workers: int = 4, load: Loader = base.load,
        before_send: Callable[[], None] | None = None) -> Report:
    """Act on the plan: resolve unknowns, send what is due, record every outcome.

    With `dry_run`, nothing is written and nothing is sent: the rows carry the
    requests each due variant would make. Raises `LedgerDamaged` (before anything
    is sent) when the ledger has bad lines that might hide a record.

    With `before_send`, the intents of every due variant are recorded first, then
    `before_send` is called to make them durable elsewhere (CI pushes a commit): if a
    run dies after a send, the next run, wherever it starts, finds the intent and asks
    the platform instead of sending again. If it raises, nothing is sent (each due
    variant is recorded as a retry-later failure).
    """
    if not dry_run:
        ledger.check()
    scrub = scrubber(plan.config, context.env)
    record = _Record(ledger, scrub)
    rows: list[Row] = []
    grace_start = plan.now - plan.config.publish.grace
    for item in plan.of(MISSED, BLOCKED):
        if item.state == MISSED:
            if not dry_run:
                record(_entry("failed", item, context.now(), kind="missed",
                              message=item.verdict.reason))
            rows.append(_row(item, "missed", item.verdict.reason))
        elif grace_start <= item.variant.date <= plan.now:
            rows.append(_row(item, "blocked", item.verdict.reason))
    work: dict[str, list[Item]] = defaultdict(list)
    for item in plan.of(UNKNOWN, DUE):
        work[item.variant.channel].append(item)
    senders: list[_Sender] = []
    refused = trust.guard(plan.config, context, load) if work else {}
    for name, items in work.items():  # every channel validated before any request
        sender, problem = ((None, refused[name]) if name in refused else
                           _start(plan.config, name, context, record, scrub, load))
        if sender is None:
            rows.extend(_config_failure(item, problem, record, context, dry_run)
                        for item in items)
        else:
            senders.append(sender)
    if dry_run:
        rows.extend(row for s in senders for item in work[s.channel] for row in s.show(item))
    elif before_send is None or _durable(senders, work, record, context, before_send, rows):
        rows.extend(_in_parallel(senders, work, workers))
    rows = [replace(r, detail=scrub(r.detail), requests=scrub(r.requests)) for r in rows]
    rows.sort(key=lambda r: (r.date, r.post, r.channel))
    counts = Counter(i.state for i in plan.items)
    return Report(plan.now, tuple(rows), dict(counts), dry_run)


class _Record:
    """Appends events to the ledger, every text in them scrubbed of secrets first."""

    def __init__(self, ledger: Ledger, scrub: Callable[[str], str]) -> None:
        self.ledger, self.scrub = ledger, scrub

    def __call__(self, entry: Entry) -> None:
        def clean(text: str | None) -> str | None:
            return None if text is None else self.scrub(text)

        self.ledger.record(replace(entry, message=clean(entry.message), url=clean(entry.url),
                                   remote_id=clean(entry.remote_id),
                                   part_ids=tuple(self.scrub(p) for p in entry.part_ids)))


def _start(config: CalendarConfig, name: str, context: Context, record: _Record,
           scrub: Callable[[str], str], load: Loader) -> tuple[_Sender | None, str]:
    channel = config.channels[name]
    try:
        publisher = load(channel.publisher)(channel, context)
        problems = list(publisher.validate())
    except PublishError as exc:
        problems = [str(exc)]
    except Exception as exc:  # a third party's publisher that cannot even start
        problems = [f"{name}: the {channel.publisher} publisher failed to start: "
                    f"{type(exc).__name__}: {exc}"]
    if problems:
        return None, scrub("; ".join(problems))
    return _Sender(channel, publisher, record, context, scrub), ""


def _config_failure(item: Item, problem: str, record: _Record, context: Context,
                    dry_run: bool) -> Row:
    if item.state == UNKNOWN:
        return _row(item, UNKNOWN, f"cannot ask the platform: {problem}")
    if not dry_run:
        record(_entry("failed", item, context.now(), kind="config", message=problem))
    return _row(item, "failed", problem, kind="config")


def _durable(senders: Sequence[_Sender], work: Mapping[str, list[Item]], record: _Record,
             context: Context, before_send: Callable[[], None], rows: list[Row]) -> bool:
    """Every due variant's intent recorded, then `before_send`; False (and a failure
    row per due variant) if it failed, when nothing may be sent."""
    due = [(s, i) for s in senders for i in work[s.channel] if i.state == DUE]
    if not due:
        return True
    for sender, item in due:
        sender.intended[item.key] = sender.intent(item)
    try:
        before_send()
    except Exception as exc:
        message = (f"the run's intents could not be made durable before sending ({exc}); "
                   "nothing was sent, the next run tries again")
        for _sender, item in due:
            record(_entry("failed", item, context.now(), kind="retry-later", message=message))
            rows.append(_row(item, "failed", message, kind="retry-later"))
        return False
    return True


def _in_parallel(senders: Sequence[_Sender], work: Mapping[str, list[Item]],
                 workers: int) -> list[Row]:
    limits: dict[str, threading.Semaphore] = {}
    for s in senders:
        name = s.publisher.name
        limits.setdefault(name, threading.Semaphore(PARALLEL.get(name, PARALLEL["default"])))

    def channel(sender: _Sender) -> list[Row]:
        with limits[sender.publisher.name]:
            items = sorted(work[sender.channel], key=lambda i: i.state != UNKNOWN)
            return [sender.act(item) for item in items]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(channel, s) for s in senders]
        return [row for f in futures for row in f.result()]


class _Sender:
    """One channel's publisher, sending and resolving that channel's items in turn."""

    def __init__(self, channel: Channel, publisher: Publisher, record: _Record,
                 context: Context, scrub: Callable[[str], str]) -> None:
        self.channel, self.publisher, self.record = channel.name, publisher, record
        self.settings, self.context, self.scrub = channel, context, scrub
        self.intended: dict[str, datetime] = {}  # recorded ahead (before_send), not sent yet
        self.limited: RetryLater | None = None  # a long rate limit: stop until it resets

    def job(self, item: Item, intent_at: datetime | None) -> Job:
        v = item.variant

        def progress(part_ids: tuple[str, ...]) -> None:
            self.record(Entry("unknown", item.key, v.post_id, v.channel,
                              _iso(self.context.now()), part_ids=part_ids,
                              message=f"{len(part_ids)} of the thread's {len(v.parts)} "
                                      "parts posted when the run stopped"))

        def taken(remote_id: str) -> bool:
            return self.record.ledger.owner(v.channel, remote_id) not in (None, item.key)

        return Job(v, self.settings, item.key, intent_at, progress=progress,
                   can_send=item.unsent.state == DUE, taken=taken)

    def act(self, item: Item) -> Row:
        if self.limited is not None:
            return self.wait(item, self.limited)
        return self.resolve(item) if item.state == UNKNOWN else self.send(item)

    def intent(self, item: Item) -> datetime:
        """Record that `item` is about to be sent; when."""
        at = self.context.now()
        v = item.variant
        self.record(Entry("intent", item.key, v.post_id, v.channel, _iso(at), hash=v.hash,
                          publisher=self.publisher.name,
                          parts=len(v.parts) if len(v.parts) > 1 else None))
        return at

    def send(self, item: Item, before: str = "") -> Row:
        at = self.intended.pop(item.key, None) or self.intent(item)
        try:
            sent = self.publisher.send(self.job(item, at))
        except Exception as exc:
            kind, message = self.failure(exc)
            event = "unknown" if kind is None else "failed"
            retry = exc.retry_at if isinstance(exc, RetryLater) else None
            if isinstance(exc, RetryLater) and retry is not None and retry - at > LONG_WAIT:
                self.limited = exc
            self.record(_entry(event, item, self.context.now(), kind=kind, message=message,
                               retry_at=retry))
            shown = f"{message}{_thread(item, self.status_parts(item))} [key {item.key}]" \
                if kind is None else message
            return _row(item, event, before + shown, kind=kind)
        self.record(_sent("sent", item, self.context.now(), sent))
        return _row(item, "sent", before + (sent.url or sent.remote_id))

    def status_parts(self, item: Item) -> tuple[str, ...]:
        status = self.record.ledger.status(item.key)
        return status.part_ids if status is not None and status.state == UNKNOWN else ()

    def wait(self, item: Item, limit: RetryLater) -> Row:
        """The channel is rate limited for long: nothing is asked until the reset."""
        at = limit.retry_at or self.context.now()
        why = (f"not tried: {self.channel} is rate limited until "
               f"{at.isoformat(timespec='seconds')} (an earlier post met the limit)")
        if item.state == UNKNOWN:
            return _row(item, UNKNOWN, f"{item.verdict.reason}; {why} [key {item.key}]")
        self.record(_entry("failed", item, self.context.now(), kind="retry-later",
                           message=why, retry_at=at))
        return _row(item, "waiting", why)

    def failure(self, exc: Exception) -> tuple[str | None, str]:
        """The failure kind (None: the outcome is unknown) and a message fit to record."""
        for cls, kind in _FAILURES:
            if isinstance(exc, cls):
                return kind, self.scrub(str(exc))
        if isinstance(exc, PublishError):  # OutcomeUnknown, or a class we do not know
            return None, self.scrub(str(exc))
        return None, self.scrub(f"{self.channel}: the {self.publisher.name} publisher stopped "
                                f"with {type(exc).__name__}: {exc}; the post may have gone out")

    def resolve(self, item: Item) -> Row:
        """Ask the platform whether an unknown send happened; record what it says."""
        try:
            found = self.publisher.resolve(self.job(item, item.intent_at))
        except Exception as exc:
            _kind, message = self.failure(exc)
            if not isinstance(exc, OutcomeUnknown):
                message = f"could not ask the platform: {message}"
            return _row(item, UNKNOWN, f"{message}{_thread(item, self.status_parts(item))} "
                                       f"[key {item.key}]")
        by = f"{self.publisher.name} resolve"
        if found is not None:
            self.record(_sent("resolved", item, self.context.now(), found, by=by))
            return _row(item, "sent", f"{found.url or found.remote_id} (an earlier send had "
                                      "gone through)")
        self.record(_entry("resolved", item, self.context.now(), outcome="not-sent", by=by))
        unsent = item.unsent
        if unsent.state == DUE:
            return self.send(item, before="not sent earlier, sent now: ")
        if unsent.state == MISSED:
            self.record(_entry("failed", item, self.context.now(), kind="missed",
                               message=unsent.reason))
            return _row(item, "missed", f"not sent earlier; {unsent.reason}")
        return _row(item, "not-sent", f"not sent earlier; now {unsent.state}: {unsent.reason}")

    def show(self, item: Item) -> list[Row]:
        """Dry run: what would be done, touching nothing."""
        if item.state == UNKNOWN:
            return [_row(item, "would-resolve", f"would ask the platform first: "
                                                f"{item.verdict.reason}")]
        try:
            requests = self.publisher.describe(self.job(item, None))
        except Exception as exc:
            kind, message = self.failure(exc)
            return [_row(item, "failed" if kind else UNKNOWN, message, kind=kind)]
        return [_row(item, "would-send", f"{len(requests)} request(s)",
                     requests=self.scrub(show_requests(requests)))]


def _thread(item: Item, confirmed: Sequence[str]) -> str:
    """For a thread whose outcome is unknown: how many parts to look for, and which the
    ledger records as posted."""
    total = len(item.variant.parts)
    if total < 2:
        return ""
    seen = (f"; part(s) {', '.join(f'{i + 1} ({p})' for i, p in enumerate(confirmed))} "
            "confirmed posted" if confirmed else "; no part confirmed posted")
    return (f" (a thread of {total} parts{seen}: look for all {total}, then `postgen ledger "
            f"resolve --sent --parts N` with N the number found, or --not-sent if none is)")


def show_requests(requests: Sequence[Request]) -> str:
    lines: list[str] = []
    for r in requests:
        lines.append(f"{r.method} {r.url}")
        lines.extend(f"  {name}: {value}" for name, value in r.headers.items())
        if r.body is not None:
            body = json.dumps(r.body, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            lines.extend("  " + line for line in body.splitlines())
    return "\n".join(lines)


def _entry(event: str, item: Item, at: datetime, *, kind: str | None = None,
           message: str | None = None, retry_at: datetime | None = None,
           outcome: str | None = None, by: str | None = None) -> Entry:
    v = item.variant
    return Entry(event, item.key, v.post_id, v.channel, _iso(at), kind=kind, message=message,
                 retry_at=_iso(retry_at) if retry_at else None, outcome=outcome, by=by)


def _sent(event: str, item: Item, at: datetime, sent: Sent, by: str | None = None) -> Entry:
    v = item.variant
    return Entry(event, item.key, v.post_id, v.channel, _iso(at), remote_id=sent.remote_id,
                 url=sent.url, part_ids=sent.part_ids, by=by,
                 outcome="sent" if event == "resolved" else None)


def _row(item: Item, outcome: str, detail: str, *, kind: str | None = None,
         requests: str = "") -> Row:
    v = item.variant
    return Row(v.post_id, v.channel, item.key, v.date, outcome, detail, kind, requests)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def scrubber(config: CalendarConfig, env: Mapping[str, str]) -> redaction.Scrubber:
    """Removes the value of every variable a channel names (`*_env`), in every form (see
    `postgen.redaction`), from a text."""
    names = {value for channel in config.channels.values()
             for key, value in channel.options.items()
             if key.endswith("_env") and isinstance(value, str)}
    return redaction.Scrubber(env[n] for n in sorted(names) if n in env)


# -- one run at a time ----------------------------------------------------------------


@contextmanager
def lock(root: Path) -> Iterator[None]:
    """Hold the calendar's publish lock, or raise `Locked` at once if a run holds it."""
    path = root / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise Locked(f"another `postgen publish`{who} is running on this calendar and "
                         f"holds {LOCK_FILE}; this run sent nothing. Let it finish, then run "
                         "again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
