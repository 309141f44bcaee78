"""The CI workflows: valid, and their shell steps run against a bare remote on disk.

The steps' `run:` texts come from the workflow files themselves (tests/gha.py runs
them as GitHub would); the workflow files a calendar gets from `postgen init` are
these (tests/test_init.py). Git pushes go to a bare repository on disk; another
clone pushes meanwhile, as a writer or another run would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.gha import ExpressionError, Workflow, evaluate

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = str(Path(sys.executable).parent)  # where `postgen` is installed
GIT_ENV = {"GIT_AUTHOR_NAME": "writer", "GIT_AUTHOR_EMAIL": "w@example.com",
           "GIT_COMMITTER_NAME": "writer", "GIT_COMMITTER_EMAIL": "w@example.com"}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env={**_env(), **GIT_ENV})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PUSH_RETRY_SECONDS": "0"}


def postgen(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "postgen", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, check=False)
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


# -- the files are valid ----------------------------------------------------------------


def test_every_workflow_is_valid_against_github_s_schema() -> None:
    """check-jsonschema's copy of SchemaStore's github-workflow schema: no network."""
    done = subprocess.run([BIN + "/check-jsonschema", "--builtin-schema",
                           "vendor.github-workflows", *map(str, WORKFLOWS)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(WORKFLOWS) >= 6


def test_every_run_step_passes_shellcheck() -> None:
    """As actionlint would check them (it runs shellcheck); shellcheck is Debian's (.ci/run)."""
    for path in WORKFLOWS:
        for name, job in Workflow(path).data["jobs"].items():
            for step in job["steps"]:
                if "run" in step:
                    done = subprocess.run(["shellcheck", "--shell=bash", "-"],
                                          input=step["run"], text=True, capture_output=True,
                                          check=False)
                    assert done.returncode == 0, f"{path.name}: {name}: {done.stdout}"
    script = REPO / ".github" / "commit-and-push.sh"
    done = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout


def test_every_run_step_is_bash_that_parses_and_pastes_no_expression() -> None:
    for path in WORKFLOWS:
        for name, job in Workflow(path).data["jobs"].items():
            for step in job["steps"]:
                if "run" not in step:
                    continue
                where = f"{path.name}: {name}: {step.get('name', step['run'][:30])}"
                assert "${{" not in step["run"], where  # values go through env
                parsed = subprocess.run(["bash", "-n"], input=step["run"], text=True,
                                        capture_output=True, check=False)
                assert parsed.returncode == 0, f"{where}: {parsed.stderr}"
    script = REPO / ".github" / "commit-and-push.sh"
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0


def test_expressions_evaluate_as_github_does() -> None:
    event = {"issue": {"number": 7, "labels": [{"name": "postgen-approval"}],
                       "user": {"login": "dana"}}}
    context = {"github": {"event": event}, "steps": {"p": {"outputs": {"status": "0"}}}}
    assert evaluate("contains(github.event.issue.labels.*.name, 'Postgen-Approval')", context)
    assert evaluate("github.event.comment.user.login || github.event.issue.user.login",
                    context) == "dana"
    assert evaluate("steps.p.outputs.status != '0'", context) is False
    assert evaluate("!github.event.issue.pull_request && always()", context) is True
    with pytest.raises(ExpressionError):
        evaluate("hashFiles('x')", context)


# -- a calendar repository with a bare remote ------------------------------------------


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Path]:
    """A bare remote holding a calendar from `postgen init`, with one approved post due
    a minute ago on its three outbox channels."""
    made = postgen(tmp_path, "init", "cal", "--name", "Acme", "--reviewer", "dana")
    assert made.returncode == 0
    cal = tmp_path / "cal"
    for old in (cal / "content").rglob("*.md"):
        old.unlink()
    when = datetime.now(UTC) - timedelta(minutes=1)
    postgen(cal, "new", "Due now", "--date", f"{when:%Y-%m-%d %H:%M}")
    post_id = f"{when:%Y-%m-%d}-due-now"
    postgen(cal, "approve", post_id, "--by", "dana")
    git(cal, "init", "-q", "-b", "main")
    git(cal, "add", "-A")
    git(cal, "commit", "-q", "-m", "A calendar")
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(cal), str(bare))
    yield bare


def clone(remote: Path, name: str) -> Path:
    target = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(target))
    return target


def writer_pushes(remote: Path, name: str, title: str) -> None:
    """Someone else pushes a new post meanwhile."""
    other = clone(remote, name)
    postgen(other, "new", title, "--date", "2030-01-01 09:00")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", f"New post: {title}")
    git(other, "push", "-q")


def ledger_at(remote: Path) -> list[dict[str, str]]:
    text = git(remote, "show", "main:publish-ledger.jsonl")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_publish_pushes_intents_before_sending_then_results_over_concurrent_pushes(
        remote: Path) -> None:
    job = Workflow(REPO / ".github" / "workflows" / "publish.yml").job("publish")
    runner = clone(remote, "runner")
    writer_pushes(remote, "w1", "Pushed before the intents")  # the intent push must rebase
    sent = job.run("Send what is due", runner, env=_env())
    assert sent.returncode == 0, sent.output
    assert sent.outputs == {"status": "0"}
    assert "3 sent" in sent.output
    # the intents reached the remote in a commit of their own, before any result
    log = git(remote, "log", "--format=%s", "main")
    assert "Publish ledger: intents of run 4242 [skip ci]" in log
    assert {e["event"] for e in ledger_at(remote)} == {"intent"}
    assert len(ledger_at(remote)) == 3
    writer_pushes(remote, "w2", "Pushed during the run")  # the result push must rebase
    pushed = job.run("Commit the ledger", runner, env=_env())
    assert pushed.returncode == 0, pushed.output
    events = [e["event"] for e in ledger_at(remote)]
    assert sorted(events) == ["intent"] * 3 + ["sent"] * 3
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[0] == "Publish ledger: results of run 4242 [skip ci]"
    assert {"New post: Pushed before the intents", "New post: Pushed during the run"} <= set(log)
    assert len(list((runner / "outbox").rglob("*.json"))) == 3
    failed = job.run("Fail when a post failed, is unknown or was missed", runner, env=_env())
    assert failed.returncode == -1  # skipped: the run went well

    # the next run from a fresh clone sends nothing again
    again = clone(remote, "runner2")
    job2 = Workflow(REPO / ".github" / "workflows" / "publish.yml").job("publish")
    second = job2.run("Send what is due", again, env=_env())
    assert second.returncode == 0 and "0 sent" in second.output, second.output
    assert len(ledger_at(remote)) == 6


def test_when_the_intents_cannot_be_pushed_nothing_is_sent(remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are refused today' >&2\nexit 1\n",
                    encoding="utf-8")
    hook.chmod(0o755)
    job = Workflow(REPO / ".github" / "workflows" / "publish.yml").job("publish")
    runner = clone(remote, "runner")
    sent = job.run("Send what is due", runner, env=_env())
    assert sent.outputs == {"status": "1"}, sent.output
    assert "0 sent, 3 failed" in sent.output
    assert "could not be made durable" in sent.output
    assert not (runner / "outbox").exists()  # nothing was sent
    local = [json.loads(line) for line in
             (runner / "publish-ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in local] == ["intent"] * 3 + ["failed"] * 3
    assert {e.get("kind") for e in local if e["event"] == "failed"} == {"retry-later"}
    failed = job.run("Fail when a post failed, is unknown or was missed", runner, env=_env())
    assert failed.returncode == 1 and "exited with 1" in failed.output
    hook.unlink()  # the push works again: the next run sends
    retry = clone(remote, "runner2")
    again = Workflow(REPO / ".github" / "workflows" / "publish.yml").job("publish")
    assert "3 sent" in again.run("Send what is due", retry, env=_env()).output




# -- approvals from issues and comments ------------------------------------------------

APPROVALS = REPO / ".github" / "workflows" / "approvals.yml"
HOSTILE = "$(touch PWNED1) `touch PWNED2` '; touch PWNED3; ' \"$HOME\" && touch PWNED4 | %0a"


def _fake_gh(folder: Path) -> dict[str, str]:
    """`gh` as the steps call it, recording each call (GitHub's API cannot run here)."""
    folder.mkdir(exist_ok=True)
    log = folder / "gh.log"
    gh = folder / "gh"
    gh.write_text('#!/bin/sh\nprintf "%s\\n" "gh $*" >> "$GH_LOG"\n'
                  'while [ $# -gt 0 ]; do\n  if [ "$1" = --body-file ]; then '
                  'cat "$2" >> "$GH_LOG"; fi\n  shift\ndone\n', encoding="utf-8")
    gh.chmod(0o755)
    env = _env()
    return {**env, "PATH": f"{folder}:{env['PATH']}", "GH_LOG": str(log)}


def _issue(number: int, body: str, login: str) -> dict[str, object]:
    return {"number": number, "body": body, "user": {"login": login},
            "labels": [{"name": "postgen-approval"}]}


def _decisions(remote: Path) -> list[dict[str, str]]:
    """The decisions recorded from GitHub (the fixture's own approval is not one)."""
    text = git(remote, "show", "main:approvals.jsonl")
    return [d for line in text.splitlines() if line.strip()
            if "source" in (d := json.loads(line))]


def test_approvals_are_recorded_once_only_from_what_a_reviewer_wrote(remote: Path) -> None:
    workflow = Workflow(APPROVALS)
    setup = clone(remote, "setup")  # the post under review, a draft, and their lines
    postgen(setup, "new", "Under review", "--date", "2030-01-02 09:00")
    postgen(setup, "new", "Not ready", "--date", "2030-01-03 09:00")
    draft = next((setup / "content").rglob("not-ready.md"))
    text = draft.read_text(encoding="utf-8")
    draft.write_text(text.replace("funnel:", "draft: true\nfunnel:"), encoding="utf-8")
    git(setup, "add", "-A")
    git(setup, "commit", "-q", "-m", "Two posts")
    git(setup, "push", "-q")
    from postgen import approvals
    from postgen.pipeline import check, load_calendar

    calendar, rendered, _ = check(load_calendar(setup))
    by = {(v.post_id.split("-", 3)[-1], v.channel): v for v in rendered.variants}

    def line(decision: str, post: str, channel: str, who: str, note: str | None = None) -> str:
        return approvals.approval_line(decision, by[(post, channel)], who, note)

    env = _fake_gh(remote.parent / "bin")
    runs = iter(range(1, 100))

    def deliver(event_name: str, event: dict[str, object], expect: str) -> str:
        """One event, as GitHub would deliver it: the job's steps in a fresh checkout."""
        if not workflow.starts("record", event_name, event):
            return "not started"
        n = next(runs)
        runner = clone(remote, f"run{n}")
        job = workflow.job("record")
        out = ""
        for step in ("Record the approval lines", "Commit approvals.jsonl",
                     "Answer on the issue"):
            result = job.run(step, runner, event=event, event_name=event_name, env=env,
                             run_id=str(n))
            assert not isinstance(result, subprocess.Popen)
            assert result.returncode == 0, f"{step}: {result.output}"
            out += result.output
            if step == "Record the approval lines":
                writer_pushes(remote, f"w{n}", f"Meanwhile {n}")  # a concurrent push
        assert expect in out, out
        return out

    opened_body = "\n".join([
        "Looks great. " + HOSTILE,
        line(approvals.APPROVE, "under-review", "linkedin", "dana", note=HOSTILE),
        "> " + line(approvals.APPROVE, "under-review", "mastodon", "dana"),  # quoted
        line(approvals.APPROVE, "not-ready", "linkedin", "dana"),  # a draft
    ])
    opened = {"action": "opened", "issue": _issue(7, opened_body, "dana")}
    out = deliver("issues", opened, "approved: ")
    assert "line 4 (" in out and "is a draft" in out  # refused, said on the issue
    assert "line 3" not in out
    assert not list(remote.parent.rglob("PWNED*"))  # the body never ran as code
    recorded = _decisions(remote)
    assert [(d["channel"], d["decision"], d["source"]) for d in recorded] == [
        ("linkedin", "approved", "github issue 7 line 2")]
    assert recorded[0]["note"] == HOSTILE
    gh_log = Path(env["GH_LOG"]).read_text(encoding="utf-8")
    assert "gh issue comment 7 --body-file result.txt" in gh_log
    assert "gh issue close" not in gh_log  # a line was refused: the issue stays open

    # the same event again (a re-run): nothing new
    deliver("issues", opened, "unchanged: line 2 (")
    assert len(_decisions(remote)) == 1

    # the reviewer asks for changes in a comment: recorded once
    ask = {"action": "created", "issue": _issue(7, opened_body, "dana"),
           "comment": {"id": 901, "user": {"login": "dana"},
                       "body": line(approvals.CHANGES, "under-review", "linkedin", "dana",
                                    note="Shorter, please")}}
    deliver("issue_comment", ask, "changes-requested: ")
    # ...then the opening message is replayed, and the comment too: both once only
    deliver("issues", opened, "unchanged: line 2 (")
    deliver("issue_comment", ask, "unchanged: line 1 (")
    assert [(d["decision"], d["source"]) for d in _decisions(remote)] == [
        ("approved", "github issue 7 line 2"),
        ("changes-requested", "github issue 7 comment 901 line 1")]

    # an edit (by the author or anyone else) starts nothing: edits are not read
    edited = {"action": "edited", "issue": _issue(7, opened_body + "\n" + line(
        approvals.APPROVE, "under-review", "mastodon", "dana"), "dana"),
        "sender": {"login": "mallory"}}
    assert deliver("issues", edited, "") == "not started"
    # a comment by someone who is not a reviewer, in their name or in dana's
    for signed in ("mallory", "dana"):
        forged = {"action": "created", "issue": _issue(7, opened_body, "dana"),
                  "comment": {"id": 902, "user": {"login": "mallory"},
                              "body": line(approvals.APPROVE, "under-review", "mastodon",
                                           signed)}}
        deliver("issue_comment", forged, "refused: line 1")
    assert len(_decisions(remote)) == 2

    # where the calendar stands: the later request for changes, whatever `at` says
    final = clone(remote, "final")
    text = (final / "approvals.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(x) for x in text.splitlines()]
    for d in lines:  # a hand edit: the approval "at" a time after the request
        if d.get("source") == "github issue 7 line 2":
            d["at"] = "2099-01-01T00:00:00+00:00"
    (final / "approvals.jsonl").write_text("".join(json.dumps(d) + "\n" for d in lines),
                                           encoding="utf-8")
    calendar, rendered, _ = check(load_calendar(final))
    post = next(p for p in calendar.posts if p.id.endswith("under-review"))
    variant = next(v for v in rendered.variants
                   if v.post_id == post.id and v.channel == "linkedin")
    book = approvals.load(calendar.config)
    state = approvals.state(calendar.config, book, post, variant, datetime.now(UTC))
    assert state.key == "changes-requested"


def test_an_issue_from_anyone_records_nothing_while_no_reviewer_is_listed(
        tmp_path: Path) -> None:
    postgen(tmp_path, "init", "cal")  # no --reviewer
    cal = tmp_path / "cal"
    from postgen import approvals
    from postgen.pipeline import check, load_calendar

    variant = next(iter(check(load_calendar(cal))[1].variants))
    body = approvals.approval_line(approvals.APPROVE, variant, "mallory")
    job = Workflow(APPROVALS).job("record")
    git(cal, "init", "-q", "-b", "main")
    event = {"action": "opened", "issue": _issue(3, body, "mallory")}
    result = job.run("Record the approval lines", cal, event=event, event_name="issues",
                     env=_env())
    assert not isinstance(result, subprocess.Popen)
    assert result.outputs == {"status": "1"}
    assert "nobody may approve from a message yet" in result.output
    assert not (cal / "approvals.jsonl").exists()


def test_a_pull_request_gets_its_diff_in_the_summary_and_the_comment_file(
        remote: Path) -> None:
    job = Workflow(REPO / ".github" / "workflows" / "check.yml").job("check")
    runner = clone(remote, "pr")
    base = git(runner, "rev-parse", "HEAD").strip()
    (post,) = (runner / "content").rglob("*.md")
    post.write_text(post.read_text(encoding="utf-8").replace(
        "Write the post here.", "Fresh beans, $(touch PWNED) today."), encoding="utf-8")
    git(runner, "commit", "-q", "-am", "Edit the post")
    event = {"pull_request": {"base": {"sha": base}, "number": 5}}
    checked = job.run("Check the calendar", runner, event=event, event_name="pull_request",
                      env=_env())
    assert checked.returncode == 0, checked.output
    step = job.run("What the pull request changes", runner, event=event,
                   event_name="pull_request", env=_env())
    assert step.returncode == 0, step.output
    comment = (runner / "postgen-diff.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- postgen-diff -->")
    assert step.summary == comment
    assert "| Due now (`" in comment and "| linkedin | changed |" in comment
    assert "Voids the approval of dana" in comment
    assert "Fresh beans, $(touch PWNED) today." in comment
    assert not list(remote.parent.rglob("PWNED"))


def test_pages_deploys_after_every_run_that_pushes_and_keys_its_cache_by_version(
        remote: Path) -> None:
    from postgen import __version__

    pages = Workflow(REPO / ".github" / "workflows" / "pages.yml")
    # every workflow that pushes with the workflow token (which starts no workflow)
    pushed_by_token = [Workflow(path).data["name"] for path in WORKFLOWS
                       if "commit-and-push.sh" in path.read_text(encoding="utf-8")]
    assert {"publish", "approvals", "results"} <= set(pushed_by_token)
    assert sorted(pages.on["workflow_run"]["workflows"]) == sorted(pushed_by_token)
    assert pages.on["push"]["branches"] == ["main"]
    build = pages.job("build")
    uses = [s.get("uses", "").split("@")[0] for s in build.data["steps"]]
    assert {"actions/cache", "actions/upload-pages-artifact"} <= set(uses)
    deploy = pages.data["jobs"]["deploy"]
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    (cache,) = [s for s in build.data["steps"] if s.get("uses", "").startswith("actions/cache")]
    assert cache["with"]["path"] == ".postgen-cache/"
    assert "steps.postgen.outputs.version" in cache["with"]["key"]
    assert "hashFiles('mkdocs.yml'" in cache["with"]["key"]

    runner = clone(remote, "pages")
    fake = remote.parent / "fake-pip"
    fake.mkdir()
    (fake / "pip").write_text("#!/bin/sh\necho \"pip $*\"\n", encoding="utf-8")  # installed
    (fake / "pip").chmod(0o755)
    env = {**_env(), "PATH": f"{fake}:{_env()['PATH']}"}
    head = git(runner, "rev-parse", "HEAD").strip()
    quiet = {"workflow_run": {"head_sha": head}}  # a publish run that pushed nothing
    check = "Anything new since the run that started this one"
    assert build.run(check, runner, event=quiet, event_name="workflow_run").outputs == {
        "changed": "false"}
    skipped = build.run("Install postgen (the version requirements.txt pins)", runner,
                        env=env, event=quiet, event_name="workflow_run")
    assert skipped.returncode == -1  # nothing to build, nothing to deploy

    build = pages.job("build")
    pushed = {"workflow_run": {"head_sha": "0" * 40}}  # main moved since that run started
    assert build.run(check, runner, event=pushed, event_name="workflow_run").outputs == {
        "changed": "true"}
    installed = build.run("Install postgen (the version requirements.txt pins)", runner,
                          env=env, event=pushed, event_name="workflow_run")
    assert installed.returncode == 0, installed.output
    assert installed.outputs == {"version": __version__}
    built = build.run("Build the approval site", runner, env=env, event=pushed,
                      event_name="workflow_run")
    assert built.returncode == 0, built.output
    assert (runner / "site" / "index.html").is_file()
    assert (runner / ".postgen-cache").is_dir()  # what actions/cache keeps
