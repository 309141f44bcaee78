"""Bulk work in forked workers (`postgen.parallel`): the same results, in the same order,
as doing it in one process; and a site built with workers equals one built without."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from postgen import parallel
from tests.conftest import MakeCalendar
from tests.test_incremental import post, snapshot

ITEMS = list(range(200))


def where(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def test_workers_do_the_work_and_results_come_back_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGEN_JOBS", "2")
    results = list(parallel.fork_map(where, ITEMS))
    assert [square for square, _ in results] == [i * i for i in ITEMS]
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids and len(pids) >= 1


@pytest.mark.parametrize("case", ["one job", "few items", "a thread runs"])
def test_no_workers_when_they_would_not_pay_or_not_be_safe(
        monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setenv("POSTGEN_JOBS", "1" if case == "one job" else "2")
    items = ITEMS[:parallel.MIN_ITEMS - 1] if case == "few items" else ITEMS
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    if case == "a thread runs":
        other.start()
    try:
        results = list(parallel.fork_map(where, items))
    finally:
        stop.set()
    assert [square for square, _ in results] == [i * i for i in items]
    assert {pid for _, pid in results} == {os.getpid()}


def fails_on_seven(item: int) -> int:
    if item == 7:
        raise ValueError("seven")
    return item


def test_a_worker_s_error_is_raised_in_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGEN_JOBS", "2")
    with pytest.raises(ValueError, match="seven"):
        list(parallel.fork_map(fails_on_seven, ITEMS))
    assert list(parallel.fork_map(abs, ITEMS)) == ITEMS  # usable again afterwards


def test_a_site_built_by_workers_equals_one_built_in_one_process(
        make_calendar: MakeCalendar, run: Callable[..., object],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    posts = {f"content/{i}.md": post(f"p{i}", 1 + i % 28, f"Body {i}: https://example.com/{i}")
             for i in range(80)}
    posts["content/bad.md"] = post("bad", 9).replace("awareness", "hype")
    monkeypatch.setenv("POSTGEN_NOW", "2027-03-01T09:00")
    sites = {}
    root = make_calendar({"docs/welcome.md": "# Welcome\n", **posts})
    for jobs in ("2", "1"):
        shutil.rmtree(root / ".postgen-cache", ignore_errors=True)  # a cold build each time
        monkeypatch.setenv("POSTGEN_JOBS", jobs)
        caplog.clear()
        with caplog.at_level("DEBUG", logger="postgen.parallel"):
            result = run(root, "build", "-d", str(root / f"site-{jobs}"))
        # The site is written; the error in bad.md makes the build exit 1.
        assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
        assert "content/bad.md:6:9: error[funnel-unknown]" in caplog.text
        # Workers loaded the 81 files and rendered the 80 pages, or none did:
        forked = [r.getMessage() for r in caplog.records if r.name == "postgen.parallel"]
        assert forked == ([] if jobs == "1" else ["postgen: 81 items in 2 worker processes",
                                                  "postgen: 80 items in 2 worker processes"])
        sites[jobs] = {path: data for path, (_t, data) in snapshot(root / f"site-{jobs}").items()}
        assert "posts/p79/index.html" in sites[jobs]
    assert sites["2"].keys() == sites["1"].keys()
    assert [p for p in sites["2"] if sites["2"][p] != sites["1"][p]] == []
    assert b"Body 42: " in sites["2"]["posts/p42/index.html"]


def test_jobs_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTGEN_JOBS", "3")
    assert parallel.jobs() == 3
    monkeypatch.setenv("POSTGEN_JOBS", "no")
    assert parallel.jobs() >= 1
