"""The publish ledger: append-only lines that survive crashes, junk and merges."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from postgen.ledger import FILE, Entry, Ledger, LedgerDamaged, key_of

AT = "2027-03-02T08:31:00+00:00"


def entry(event: str, key: str = "k1", **fields: object) -> Entry:
    return Entry(event, key, "p1", "mastodon", AT, **fields)  # type: ignore[arg-type]


def test_round_trip(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    written = [entry("intent", hash="abc", publisher="mastodon"),
               entry("sent", remote_id="110001", url="https://m.example/@a/110001",
                     part_ids=("110001", "110002")),
               entry("failed", "k2", kind="retry-later", message="429",
                     retry_at="2027-03-02T09:00:00+00:00"),
               entry("unknown", "k3", message="timeout after the request was sent"),
               entry("resolved", "k3", outcome="not-sent", by="dana", message="not there")]
    for e in written:
        ledger.record(e)
    again = Ledger.load(tmp_path)
    assert again.entries == tuple(written)
    assert again.problems == ()
    lines = (tmp_path / FILE).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["intent", "sent", "failed",
                                                             "unknown", "resolved"]
    assert lines[1] == json.dumps(json.loads(lines[1]), sort_keys=True, ensure_ascii=False)
    assert "outcome" not in json.loads(lines[0])  # nothing that does not apply


def test_a_torn_last_line_is_ignored_and_the_next_append_starts_a_new_line(
        tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)
    ledger.record(entry("intent"))
    whole = entry("sent", remote_id="110001").line()
    with open(tmp_path / FILE, "a", encoding="utf-8") as f:
        f.write(whole[: len(whole) // 2])  # the run died while writing
    torn = Ledger.load(tmp_path)
    assert torn.status("k1") is not None and torn.status("k1").state == "unknown"  # type: ignore[union-attr]
    assert [p.line for p in torn.problems] == [2]
    assert "cut short" in torn.problems[0].text()
    torn.record(entry("resolved", outcome="sent", remote_id="110001", by="mastodon resolve"))
    after = Ledger.load(tmp_path)
    assert after.status("k1").state == "sent"  # type: ignore[union-attr]
    assert len(after.entries) == 2
    assert [p.line for p in after.problems] == [2]  # the torn half stays on its own line
    assert after.problems[0].torn and after.damaged == ()
    after.check()  # harmless: publishing goes on


def test_junk_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    good = entry("sent", remote_id="1").line()
    junk = ["not json", "[1, 2]", json.dumps({"event": "sent"}),
            json.dumps({"event": "exploded", "key": "k", "post": "p", "channel": "c",
                        "at": AT}),
            json.dumps({"event": "failed", "key": "k", "post": "p", "channel": "c",
                        "at": AT, "kind": "bad-luck"}),
            json.dumps({"event": "sent", "key": "k", "post": "p", "channel": "c",
                        "at": "2027-03-02 08:31"}),  # no offset
            "<<<<<<< HEAD"]
    (tmp_path / FILE).write_bytes(("\n".join([good, *junk, "", good]) + "\n").encode()
                                  + b"\xff\xfe\n")
    ledger = Ledger.load(tmp_path)
    assert len(ledger.entries) == 2
    assert [p.line for p in ledger.problems] == [2, 3, 4, 5, 6, 7, 8, 11]
    assert all(p.text().startswith(f"{FILE}:") for p in ledger.problems)
    assert ledger.status("k1").state == "sent"  # type: ignore[union-attr]
    assert ledger.damaged == ledger.problems  # none of them was cut short by a crash
    with pytest.raises(LedgerDamaged, match=f"(?s){FILE}:2: unreadable.*a lost record"):
        ledger.check()


def test_keys_are_stable_and_differ_by_post_channel_and_hash() -> None:
    key = key_of("2027-03-02-teaser", "mastodon", "ab" * 32)
    assert key == key_of("2027-03-02-teaser", "mastodon", "ab" * 32)
    # Pinned: a new derivation would make every recorded send look unsent.
    assert key == "0a178197fcad345be81575a6cbbb5b98"
    others = {key_of("2027-03-02-teaser", "x", "ab" * 32),
              key_of("2027-03-02-teaser", "mastodon", "cd" * 32),
              key_of("2027-03-02-other", "mastodon", "ab" * 32)}
    assert key not in others and len(others) == 3


def test_status_transitions(tmp_path: Path) -> None:
    ledger = Ledger.load(tmp_path)

    def state() -> tuple[str | None, str | None]:
        s = ledger.status("k1")
        return (s.state, s.kind) if s else (None, None)

    assert state() == (None, None)
    ledger.record(entry("intent"))
    assert state() == ("unknown", None)  # an intent with no result
    ledger.record(entry("failed", kind="retry-later", message="503",
                        retry_at="2027-03-02T09:00:00+00:00"))
    assert state() == ("failed", "retry-later")
    s = ledger.status("k1")
    assert s is not None and not s.final
    assert s.retry_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    ledger.record(entry("intent"))
    ledger.record(entry("unknown", message="reset after sending"))
    assert state() == ("unknown", None)
    ledger.record(entry("resolved", outcome="not-sent", by="dana"))
    assert state() == (None, None)  # free to send again
    ledger.record(entry("intent"))
    ledger.record(entry("sent", remote_id="110001"))
    assert state() == ("sent", None)
    ledger.record(entry("failed", kind="rejected", message="a stray line"))
    ledger.record(entry("resolved", outcome="not-sent", by="a merge put me here"))
    assert state() == ("sent", None)  # sent is final: new content is a new key
    ledger.record(entry("failed", "k2", kind="rejected", message="422 too long"))
    assert ledger.status("k2").final  # type: ignore[union-attr]
    status = ledger.status("k1")
    assert status is not None and status.intent_at == datetime(2027, 3, 2, 8, 31, tzinfo=UTC)
