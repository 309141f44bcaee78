"""Every HTTP publisher against every way a create can go wrong, through `publish.run`.

Each cell publishes one due post through the real publish run (ledger, resolve
and all) to the publisher's fake platform on 127.0.0.1, with one fault on the
request that publishes:

- lost: the platform made the post, the connection dropped before its answer;
- lost-then-429 / -503 / -500: that, and then the platform's own rate limit
  (resetting in two hours), three 503s, or a 500 for the next attempts;
- slow: the platform made the post, its answer came after the client's timeout;
- 504-going-on: a proxy answered 504 at once while the platform went on and made
  the post a moment later.

A second run comes three hours later: past every rate limit, and past the hour
Mastodon keeps an Idempotency-Key, so a post wrongly recorded as "not sent"
would be posted again there. The ledger's state after each run is the cell's
expected outcome; in every cell the platform ends with exactly one post.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from postgen import approvals, pipeline
from postgen import publish as publishing
from postgen.ledger import Ledger
from postgen.publishers.base import Context
from tests.conftest import image
from tests.publishers.conftest import SECRET, SPECS, TIMEOUT, Clock
from tests.publishers.fakes import LATE, FakeServer, Fault, answer, late, reset, timeout
from tests.publishers.test_faults import FAULTS
from tests.test_publish import post, write_calendar

WHEN = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
CELLS = ("lost", "lost-then-429", "lost-then-503", "lost-then-500", "slow", "504-going-on")
SENT, UNKNOWN = ("sent", "sent"), ("unknown", "unknown")
#: (after the first run, after the second), per publisher and cell.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    # A status is never repeated: the account's statuses are searched instead; a create
    # still going on is not there yet, so it is unknown until the next run finds it.
    "mastodon": {**dict.fromkeys(CELLS, SENT), "504-going-on": ("unknown", "sent")},
    # Record keys chosen by the client: a repeat cannot duplicate, getRecord tells.
    "bluesky": dict.fromkeys(CELLS, SENT),
    # The receiver drops a repeated Idempotency-Key, so repeating is safe; but once an
    # attempt may have got through, a later 429 or 503 cannot say "nothing was sent".
    "webhook": {**dict.fromkeys(CELLS, SENT), "lost-then-429": UNKNOWN,
                "lost-then-503": UNKNOWN},
    # No key: never repeated; the account's posts are searched, as on Mastodon.
    **{name: {**dict.fromkeys(CELLS, SENT), "504-going-on": ("unknown", "sent")}
       for name in ("x", "linkedin", "facebook", "instagram", "threads")},
}


def inject(server: FakeServer, name: str, cell: str) -> None:
    route = FAULTS[name].post
    first: Fault = {"slow": timeout(after=True), "504-going-on": late()}.get(
        cell, reset(after=True))
    server.fail(route, first)
    then = {"lost-then-429": (FAULTS[name].limit(WHEN, 7200), 1),
            "lost-then-503": (answer(503, {"error": "Service Unavailable"}), 3),
            "lost-then-500": (answer(500, {"error": "Internal Server Error"}), 1)}
    if cell in then:
        fault, times = then[cell]
        server.fail(route, fault, times)


def run_once(root: Path, clock: Clock, client: httpx.Client) -> str:
    """One publish run at the clock's time; the post's ledger state after it."""
    calendar, rendered, _ = pipeline.check(pipeline.load_calendar(root))
    ledger = Ledger.load(root)
    plan = publishing.plan(calendar, rendered.variants, approvals.load(calendar.config),
                           ledger, clock.now())
    env = {SPECS[n].env_var: SECRET for n in SPECS if SPECS[n].env_var}
    context = Context(env=env, client=client, root=str(root), sleep=clock.sleep,
                      now=clock.now, clock=clock.now)
    publishing.run(plan, context, ledger)
    status = Ledger.load(root).status(next(iter(Ledger.load(root).recorded())))
    assert status is not None
    return status.state


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT) as c:
        yield c


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_fault_matrix(tmp_path: Path, client: httpx.Client, name: str, cell: str) -> None:
    spec = SPECS[name]
    assert spec.fake is not None
    server = FakeServer(spec.fake())
    clock = Clock(WHEN + timedelta(minutes=1))
    server.api.clock = clock.now
    try:
        channel = {"platform": spec.platform, "account": spec.account,
                   "publisher": spec.publisher, "options": spec.options(server.url)}
        picture = "image: a.jpg\nalt: A cup of coffee\n" if spec.media else ""
        write_calendar(tmp_path, {"main": channel},
                       [post("p1", ["main"], when="2027-03-02 09:30", extra=picture)],
                       grace="6h")
        (tmp_path / "a.jpg").write_bytes(image(1080, 1080, "JPEG"))
        inject(server, name, cell)

        first = run_once(tmp_path, clock, client)
        time.sleep(LATE + 0.1)  # a create still going on lands (in real time)
        made_first = FAULTS[name].count(server.api)
        clock.current = WHEN + timedelta(hours=3)
        second = run_once(tmp_path, clock, client)
        made = FAULTS[name].count(server.api)
    finally:
        server.close()
    assert (first, second) == EXPECTED[name][cell]
    assert made_first == made == 1  # made once, and never again: 0 double posts
    assert server.api.violations == []
