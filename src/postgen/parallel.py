"""Bulk work spread over the machine's cores: `fork_map`.

A cold build loads and renders every post and renders every post's page:
work that is the same for each item and needs nothing from the others.
`fork_map(task, items)` runs `task` on each item in forked worker
processes, which start with everything the parent holds (the config, the
renderer, the loaded posts: nothing to send), and returns the results in
order, as `map` would. The workers start at once: the parent can do other
work meanwhile (the site renders its list pages while the workers render the
post pages). It falls back to plain `map` where forking is not safe or not
worth it: few items, one core, no `fork` (Windows, macOS' default is spawn
for a reason), or threads running (a serving `mkdocs serve`: a fork copies
locks held by other threads).

A task's exception is raised in the parent; results cross back pickled, so
they should be light (the posts' light data; a page is written where it is
rendered).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are done in the parent: forking costs more than it saves.
MIN_ITEMS = 48
#: Items per message to a worker.
CHUNK = 16
#: POSTGEN_JOBS=1 turns the workers off (or sets how many there are).
JOBS_VARIABLE = "POSTGEN_JOBS"

log = logging.getLogger("postgen.parallel")
_task: Callable[[Any], Any] | None = None


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


# Frozen models hold read-only mappings; they travel as plain dicts.
ForkingPickler.register(MappingProxyType,
                        lambda m: (_mapping_proxy, (dict(m),)))


def jobs() -> int:
    """How many worker processes `fork_map` would use (1: none)."""
    wanted = os.environ.get(JOBS_VARIABLE, "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return (sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def _run(chunk: list[Any]) -> list[Any]:
    assert _task is not None
    return [_task(item) for item in chunk]


def fork_map(task: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """`task(item)` for each item, in order: in forked workers when it pays. The workers
    start at once, so the caller can do other work before it takes the results; it
    should take them all (the workers stop when the last is taken)."""
    global _task
    workers = min(jobs(), len(items) // CHUNK)
    if len(items) < MIN_ITEMS or workers < 2 or not _can_fork() or _task is not None:
        return map(task, items)
    _task = task  # what the workers run: they are forked with it
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)
    finally:
        _task = None  # in this process; a worker's own fork_map runs in the worker
    log.debug(f"postgen: {len(items)} items in {workers} worker processes")
    chunks = [list(items[i:i + CHUNK]) for i in range(0, len(items), CHUNK)]
    return _results(pool, pool.imap(_run, chunks))


def _results(pool: Any, chunks: Iterator[list[R]]) -> Iterator[R]:
    with pool:  # stops the workers, however the loop ends
        for results in chunks:
            yield from results
