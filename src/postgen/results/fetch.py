"""One `postgen results fetch` run: every sent variant's metrics, every channel at once.

The sent variants come from the ledger (state sent, with the platform's remote
id). Each channel is read by its publisher's metrics reader in batches of the
size the platform's API takes; the first batch goes alone (it opens a session,
and a bad token stops the channel after one request), the rest go `workers` at
a time. Snapshots are appended `FLUSH` at a time (one fsync each) and at the end,
so a run stopped half way keeps most of what it read. A rate limit is waited out
as publish waits it out; one too long, a bad token or a platform error stops
that channel alone, and the others go on. Channels whose publisher has no
reader (outbox, webhook) are listed as such.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from postgen.ledger import Ledger
from postgen.models import CalendarConfig, Channel
from postgen.publishers.base import Context, PublishError
from postgen.results import sources
from postgen.results.analytics import Plausible
from postgen.results.store import PostSnapshot, Writer


@dataclass(frozen=True)
class ChannelOutcome:
    channel: str
    read: int = 0  # snapshots recorded
    deleted: int = 0  # of those, posts the platform no longer has
    pending: int = 0  # sent variants not read because the channel stopped
    error: str | None = None  # what stopped the channel
    skipped: str | None = None  # why the channel was not read at all


@dataclass(frozen=True)
class Report:
    channels: tuple[ChannelOutcome, ...]
    web: int | None = None  # web snapshots recorded; None: no analytics configured
    web_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.web_error is None and all(c.error is None for c in self.channels)


def sent_items(config: CalendarConfig, ledger: Ledger) -> dict[str, list[sources.SentItem]]:
    """The ledger's sent variants by channel, in the order they were first recorded."""
    found: dict[str, list[sources.SentItem]] = {}
    for key in ledger.recorded():
        status = ledger.status(key)
        if status is None or status.state != "sent" or not status.remote_id:
            continue
        found.setdefault(status.channel, []).append(
            sources.SentItem(status.post, status.channel, key, status.remote_id))
    return found


def fetch(config: CalendarConfig, ledger: Ledger, context: Context, writer: Writer, *,
          workers: int = 4, only: Iterable[str] = ()) -> Report:
    wanted = set(only)
    readers = sources.available()
    items = sent_items(config, ledger)
    channels = [c for name, c in config.channels.items()
                if name in items and (not wanted or name in wanted)]

    def one(channel: Channel) -> ChannelOutcome:
        reader = readers.get(channel.publisher)
        if reader is None:
            return ChannelOutcome(channel.name, pending=len(items[channel.name]),
                                  skipped=f"the {channel.publisher} publisher has no metrics")
        return _read_channel(reader(channel, context), items[channel.name], context.now,
                             writer, workers)

    with ThreadPoolExecutor(max_workers=max(1, len(channels))) as pool:
        outcomes = tuple(pool.map(one, channels))
    if config.analytics is None:
        return Report(outcomes)
    try:
        web = Plausible(config.analytics, context).snapshots(context.now())
    except PublishError as exc:
        return Report(outcomes, 0, f"analytics: {exc}")
    return Report(outcomes, writer.append(web))


#: Snapshots kept in memory before they are appended (one fsync per flush): a run
#: stopped half way loses at most this many per channel, and they can be fetched again.
FLUSH = 500


def _read_channel(reader: sources.MetricsReader, items: Sequence[sources.SentItem],
                  now: Callable[[], datetime], writer: Writer, workers: int) -> ChannelOutcome:
    size = max(1, reader.batch)
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    errors: list[str] = []  # the first stops the batches not yet begun
    pending: list[PostSnapshot] = []
    lock = threading.Lock()
    read = deleted = 0

    def flush(at_least: int) -> None:
        nonlocal read, deleted
        with lock:
            if len(pending) >= at_least:
                writer.append(pending)
                read += len(pending)
                deleted += sum(1 for s in pending if s.state == "deleted")
                pending.clear()

    def batch(chunk: Sequence[sources.SentItem]) -> None:
        if errors:
            return
        try:
            answers = reader.read(chunk)
        except PublishError as exc:
            errors.append(str(exc))
            return
        at = now().isoformat(timespec="seconds")
        with lock:
            pending.extend(_snapshot(at, i, answers[i.remote_id]) for i in chunk
                           if i.remote_id in answers)
        flush(FLUSH)

    batch(batches[0])
    if not errors:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(batch, batches[1:]))
    flush(1)
    return ChannelOutcome(items[0].channel, read, deleted,
                          len(items) - read if errors else 0, errors[0] if errors else None)


def _snapshot(at: str, item: sources.SentItem, found: sources.Metrics | None
              ) -> PostSnapshot:
    if found is None:
        return PostSnapshot(at, item.post, item.channel, item.key, item.remote_id,
                            state="deleted")
    return PostSnapshot(at, item.post, item.channel, item.key, item.remote_id,
                        MappingProxyType(dict(sorted(found.items()))))
