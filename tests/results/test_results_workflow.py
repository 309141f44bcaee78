"""The results workflow a calendar gets from `postgen init`: its steps, run as GitHub would
run them (tests/gha.py), fetch from a loopback Mastodon and push results.jsonl to a bare
remote on disk while a writer pushes too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from postgen.ledger import Entry, Ledger
from tests.gha import Workflow
from tests.publishers.fakes import FakeServer
from tests.results.fakes import TOKENS, FakeMetrics
from tests.test_workflows import REPO, _env, clone, git, remote, writer_pushes

__all__ = ["remote"]  # the fixture: a calendar from postgen init in a bare repository


@pytest.fixture
def mastodon() -> Iterator[FakeServer]:
    server = FakeServer(FakeMetrics())
    server.api.stats["1101"] = {"favourites_count": 5, "reblogs_count": 2, "replies_count": 1}
    yield server
    server.close()


def test_results_are_fetched_committed_and_pushed(remote: Path, mastodon: FakeServer) -> None:
    setup = clone(remote, "setup")
    config = (setup / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace('account: "@you@mastodon.social"\n          publisher: outbox',
                            'account: "@you@mastodon.social"\n          publisher: mastodon\n'
                            f'          options: {{instance: "{mastodon.url}", '
                            'token_env: MASTODON_TOKEN}')
    assert "publisher: mastodon" in config
    (setup / "mkdocs.yml").write_text(config, encoding="utf-8")
    Ledger.load(setup).record(Entry("sent", "k1", "hello", "mastodon",
                                    "2026-12-01T09:00:00+00:00", remote_id="1101"))
    git(setup, "add", "-A")
    git(setup, "commit", "-q", "-m", "Mastodon for real; a post was sent")
    git(setup, "push", "-q")

    job = Workflow(REPO / ".github" / "workflows" / "results.yml").job("fetch")
    runner = clone(remote, "runner")
    fetched = job.run("Fetch results", runner, env=_env(),
                      secrets={"MASTODON_TOKEN": TOKENS["mastodon"]})
    assert fetched.returncode == 0, fetched.output
    assert fetched.outputs == {"status": "0"}, fetched.output
    assert "mastodon: 1 post(s) read" in fetched.output
    assert mastodon.api.violations == []
    writer_pushes(remote, "w1", "Pushed during the fetch")  # the push must rebase over it
    pushed = job.run("Commit the results", runner, env=_env())
    assert pushed.returncode == 0, pushed.output
    lines = git(remote, "show", "main:results.jsonl").splitlines()
    (snapshot,) = [json.loads(x) for x in lines]
    assert snapshot["metrics"] == {"likes": 5, "replies": 1, "reposts": 2}
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[0] == "Results of run 4242 [skip ci]"
    assert "New post: Pushed during the fetch" in log
    assert TOKENS["mastodon"] not in fetched.output + git(remote, "show", "main:results.jsonl")
    ok = job.run("Fail when a channel could not be read", runner, env=_env())
    assert ok.returncode == -1  # skipped: every channel was read


def test_a_channel_that_cannot_be_read_fails_the_run_after_committing(
        remote: Path, mastodon: FakeServer) -> None:
    job = Workflow(REPO / ".github" / "workflows" / "results.yml").job("fetch")
    runner = clone(remote, "runner")
    config = (runner / "mkdocs.yml").read_text(encoding="utf-8")
    (runner / "mkdocs.yml").write_text(config.replace(
        'account: "@you@mastodon.social"\n          publisher: outbox',
        'account: "@you@mastodon.social"\n          publisher: mastodon\n'
        f'          options: {{instance: "{mastodon.url}", token_env: MASTODON_TOKEN}}'),
        encoding="utf-8")
    Ledger.load(runner).record(Entry("sent", "k1", "hello", "mastodon",
                                     "2026-12-01T09:00:00+00:00", remote_id="1101"))
    fetched = job.run("Fetch results", runner, env=_env(),
                      secrets={"MASTODON_TOKEN": "an-expired-token"})
    assert fetched.outputs == {"status": "1"}, fetched.output
    assert "an-expired-token" not in fetched.output
    failed = job.run("Fail when a channel could not be read", runner, env=_env())
    assert failed.returncode == 1
