"""A lookup by text never takes another send's post for this one.

After an answer is lost, Mastodon, X, LinkedIn and the Graph publishers look the
account's recent posts up by their text. The occurrences of a repeating post have
the same text: the day before's status must not pass for today's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postgen.ledger import Ledger
from tests.publishers.fakes import reset
from tests.test_publish import Platforms, Run, ledger_states, run, write_calendar

__all__ = ["run"]  # the fixture

BODY = "Weekly mug check: what's in yours?\n"


@pytest.fixture
def mastodon() -> Iterator[Platforms]:
    p = Platforms(["mastodon"])
    yield p
    p.close()


def _remote_ids(root: Path) -> dict[str, str | None]:
    ledger = Ledger.load(root)
    return {s.post: s.remote_id for k in ledger.recorded()
            if (s := ledger.status(k)) is not None}


def test_a_lost_answer_never_takes_the_previous_occurrence_for_this_one(
        tmp_path: Path, run: Run, mastodon: Platforms) -> None:
    root = write_calendar(tmp_path, {"m": mastodon.channel("mastodon")}, [(
        "content/mug.md", "---\nid: mug\ntitle: Mug\ndate: 2027-03-02 09:30\n"
        "repeat: FREQ=DAILY;COUNT=2\nchannels: [m]\nfunnel: retention\n---\n" + BODY)])
    api = mastodon.api("mastodon")
    assert run(root, "publish", "--now", "2027-03-02T09:31:00Z").exit_code == 0
    assert len(api.statuses) == 1
    first = _remote_ids(root)["mug@2027-03-02"]

    # The next day's status: the connection drops before Mastodon makes it. The
    # listing (the fake's real clock: seconds later) still shows yesterday's status,
    # with the same text.
    mastodon.servers["mastodon"].fail("POST /api/v1/statuses", reset(after=False))
    result = run(root, "publish", "--now", "2027-03-03T09:31:00Z")
    assert "GET /api/v1/accounts/109000000000000001/statuses" in [
        r.route for r in mastodon.requests("mastodon")]  # it was looked up
    assert ledger_states(root)[("mug@2027-03-03", "m")] == "unknown", result.output
    assert len(api.statuses) == 1

    # The next run asks again: not there, so it is sent, once, as its own status.
    result = run(root, "publish", "--now", "2027-03-03T09:32:00Z")
    assert result.exit_code == 0, result.output
    assert len(api.statuses) == 2
    ids = _remote_ids(root)
    assert ids["mug@2027-03-02"] == first
    assert ids["mug@2027-03-03"] not in (None, first)
    assert set(ids.values()) == set(api.statuses)


def test_a_lost_answer_still_finds_its_own_status(
        tmp_path: Path, run: Run, mastodon: Platforms) -> None:
    """The other side: the status was made, the answer lost; the lookup finds it (and
    not the day before's, which has the same text and comes first in the listing)."""
    root = write_calendar(tmp_path, {"m": mastodon.channel("mastodon")}, [(
        "content/mug.md", "---\nid: mug\ntitle: Mug\ndate: 2027-03-02 09:30\n"
        "repeat: FREQ=DAILY;COUNT=2\nchannels: [m]\nfunnel: retention\n---\n" + BODY)])
    api = mastodon.api("mastodon")
    assert run(root, "publish", "--now", "2027-03-02T09:31:00Z").exit_code == 0
    mastodon.servers["mastodon"].fail("POST /api/v1/statuses", reset(after=True))
    result = run(root, "publish", "--now", "2027-03-03T09:31:00Z")
    assert result.exit_code == 0, result.output
    assert len(api.statuses) == 2
    ids = _remote_ids(root)
    assert ids["mug@2027-03-03"] == max(api.statuses, key=int)  # today's, the newer
    assert ids["mug@2027-03-02"] == min(api.statuses, key=int)
