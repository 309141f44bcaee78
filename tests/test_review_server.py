"""`postgen review serve` as a real process on 127.0.0.1, over a bare git repository on
disk: reviewers open their links in Debian's Chromium (Playwright) or over HTTP, and
their decisions must reach the remote exactly once, or nowhere when refused."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from postgen.config import load_config
from postgen.review.links import Keys
from postgen.site import words
from tests.reviewserver import (
    REVIEWERS,
    SECRET,
    Server,
    config,
    forms,
    git,
    invite,
    post,
    postgen,
    remote_lines,
    running,
    session,
    submit,
)
from tests.test_browser import browser  # noqa: F401  (the shared Chromium fixture)

DANA, SAM = REVIEWERS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running(tmp_path) as s:
        yield s


def status_in_fresh_clone(server: Server, tmp: Path) -> dict[str, Any]:
    clone = tmp / f"fresh-{time.monotonic_ns()}"
    subprocess.run(["git", "clone", "--quiet", str(server.remote), str(clone)], check=True)
    done = postgen(clone, "status", "--format", "json", "--now", "2027-03-01 08:00")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def states(report: dict[str, Any], post_id: str) -> dict[str, dict[str, Any]]:
    return {row["channel"]: row for rows in report.values() for row in rows
            if row["post"] == post_id and rows is not report.get("due-soon")}


def push_edit(server: Server, name: str, text: str) -> None:
    """A writer changes the calendar and pushes; the push webhook tells the server."""
    work = server.state.parent / "writer"
    git(work, "pull", "--quiet", "--rebase")
    (work / name).write_text(text)
    git(work, "commit", "--quiet", "-am", f"Edit {name}")
    git(work, "push", "--quiet")
    assert httpx.post(server.url + "_review/hook").status_code == 202


def nothing_recorded(server: Server) -> None:
    assert remote_lines(server.remote) == []
    assert remote_lines(server.remote, "comments.jsonl") == []
    assert server.health()["pending"] == 0


# -- in Chromium ---------------------------------------------------------------------


def test_a_reviewer_approves_a_post_on_every_channel_in_one_click_and_asks_for_changes(
        server: Server, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    link = invite(tmp_path, DANA)
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(link)
    assert page.url == server.url  # the token is not left in the address bar
    cookie = next(c for c in context.cookies() if c["name"] == "postgen_review")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.goto(server.url + "posts/p1/")
    assert page.locator(".review-bar").inner_text().startswith(f"Reviewing as {DANA}")
    page.locator(".review-all button").click()
    page.wait_for_url("**/posts/p1/?done=approved")
    assert "Approved" in page.locator(".review-flash").inner_text()
    assert page.locator("article .state-label").all_text_contents() == ["Scheduled"] * 2

    lines = remote_lines(server.remote)
    assert {(r["post"], r["channel"], r["by"], r["decision"]) for r in lines} == {
        ("p1", "x", DANA, "approved"), ("p1", "linkedin", DANA, "approved")}
    report = states(status_in_fresh_clone(server, tmp_path), "p1")
    assert {ch: row["state"] for ch, row in report.items()} == {
        "x": "scheduled", "linkedin": "scheduled"}

    note = 'Say "twelve ounces", don\'t abbreviate 😀'
    page.goto(server.url + "posts/p2/")
    page.fill(".review-changes textarea", note)
    page.locator(".review-changes button").click()
    page.wait_for_url("**/posts/p2/?done=changes")
    comment = page.locator(".thread .comment").last
    assert comment.locator(".comment-text").inner_text() == note
    head = comment.locator(".comment-head").inner_text()
    assert DANA in head
    # The channels as the site names them to clients, never mkdocs.yml's names.
    asked_on, when = head.split(" asked for changes on ", 1)[1].split(" · ", 1)
    assert sorted(asked_on.split(", ")) == ["LinkedIn", "X"], head
    # When, as every time on the site: in the calendar's timezone (Berlin), not UTC.
    at = datetime.fromisoformat(comment.locator("time").get_attribute("datetime") or "")
    assert when == words.due(at.astimezone(ZoneInfo("Europe/Berlin"))), head
    report = states(status_in_fresh_clone(server, tmp_path), "p2")
    assert {row["state"] for row in report.values()} == {"changes-requested"}
    assert all(row["detail"] == f"{DANA}: {note}" for row in report.values())
    text = postgen(server.state / "calendar", "status", "--now", "2027-03-01 08:00").stdout
    assert f"{DANA}: {note}" in text

    # A reply, under the comment: the thread reads oldest first, the newest last.
    page.locator(".thread details.reply summary").last.click()
    page.fill(".thread .review-reply textarea", "Fixed, thanks!")
    page.locator(".thread .review-reply button").click()
    page.wait_for_url("**/posts/p2/?done=comment")
    texts = page.locator(".thread .comment-text").all_inner_texts()
    assert texts == [note, "Fixed, thanks!"]
    replies = remote_lines(server.remote, "comments.jsonl")
    assert replies[-1]["reply_to"] == replies[0]["id"]
    context.close()


def test_a_post_changed_while_the_reviewer_read_it_is_refused_with_the_new_version(
        server: Server, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(invite(tmp_path, SAM))
    page.goto(server.url + "posts/p3/")
    watcher = session(server, invite(tmp_path, DANA))
    push_edit(server, "content/p3.md", post("p3", 4, body="New words."))
    wait_for(lambda: "New words." in watcher.get("/posts/p3/").text)
    page.locator(".review-all button").click()
    page.wait_for_load_state()
    assert "this post changed while you were reading; here is the new version" in (
        page.locator(".review-flash").inner_text().lower())
    assert "New words." in page.locator("article .mockup-text").first.inner_text()
    nothing_recorded(server)
    page.locator(".review-all button").click()  # the new version: accepted
    page.wait_for_url("**/posts/p3/?done=approved")
    assert len(remote_lines(server.remote)) == 2
    context.close()


def wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


# -- refusals over HTTP ----------------------------------------------------------------


def test_forged_tampered_expired_and_revoked_links_are_refused(server: Server,
                                                               tmp_path: Path) -> None:
    good, link_id = invite_with_id(tmp_path, DANA)
    token = good.split("t=", 1)[1]
    payload, signature = token.rsplit(".", 1)
    cfg, _ = load_config(server.state / "calendar" / "mkdocs.yml")
    assert cfg is not None
    expired, _ = Keys(SECRET).mint(cfg, DANA, datetime.now(UTC) - timedelta(days=40))
    forged, _ = Keys("another-secret-0123456789").mint(cfg, DANA, datetime.now(UTC))
    sam_payload = Keys(SECRET).mint(cfg, SAM, datetime.now(UTC))[0].split("t=")[1]
    tampered = f"{sam_payload.rsplit('.', 1)[0]}.{signature}"  # Sam's claims, Dana's seal
    cases = {
        "forged": (forged, "not valid"),
        "tampered": (f"{server.url}_review/open?t={tampered}", "not valid"),
        "garbage": (f"{server.url}_review/open?t={payload}", "not valid"),
        "expired": (expired, "expired"),
    }
    for what, (link, says) in cases.items():
        response = httpx.get(link)
        assert response.status_code == 403, what
        assert says in response.text, what
        assert "set-cookie" not in response.headers, what
    # Revoked: the link's id listed in the config, pushed; its session stops working too.
    client = session(server, good)
    fields = forms(client.get("/posts/p1/").text, "review-all")[0]
    other = session(server, invite(tmp_path, DANA))  # another link: it stays valid
    push_edit(server, "mkdocs.yml", config(server.port, revoked=(link_id,)))
    wait_for(lambda: httpx.get(good).status_code == 403)
    assert "withdrawn" in httpx.get(good).text
    refused = submit(client, fields)
    assert refused.status_code == 403 and "withdrawn" in refused.text
    assert client.get("/posts/p1/").status_code == 403
    nothing_recorded(server)
    assert other.get("/posts/p1/").status_code == 200


def invite_with_id(tmp: Path, reviewer: str) -> tuple[str, str]:
    """A link and its id, which `postgen review invite` prints for revoking it."""
    done = postgen(tmp / "writer", "review", "invite", reviewer, "--print")
    link_id = re.search(r"link ([0-9a-f]{16}) for", done.stderr)
    assert done.returncode == 0 and link_id, done.stderr
    return done.stdout.strip(), link_id[1]


def test_an_action_without_its_csrf_token_or_session_is_refused(server: Server,
                                                               tmp_path: Path) -> None:
    link = invite(tmp_path, DANA)
    over_http = httpx.get(link).headers["set-cookie"].lower()
    behind_https = httpx.get(link, headers={"X-Forwarded-Proto": "https"})  # a proxy's word
    cookie = behind_https.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "; secure" in cookie and "; secure" not in over_http
    client = session(server, link)
    fields = forms(client.get("/posts/p1/").text, "review-all")[0]
    without = [(k, v) for k, v in fields if k != "csrf"]
    assert submit(client, without).status_code == 403
    wrong = [(k, "0" * 64 if k == "csrf" else v) for k, v in fields]
    assert submit(client, wrong).status_code == 403
    other_site = client.post("/_review/decide", content="x=1", headers={
        "Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"})
    assert other_site.status_code == 403
    stranger = httpx.Client(base_url=server.url)
    server.clients.append(stranger)
    assert submit(stranger, fields).status_code == 403  # no session
    assert stranger.get("/posts/p1/").status_code == 403
    huge = fields + [("note", "x" * 300_000)]
    assert submit(client, huge).status_code == 413
    nothing_recorded(server)
    assert "csrf" not in server.output().lower() and "t=ey" not in server.output()


def test_two_reviewers_approving_at_the_same_moment_both_land(server: Server,
                                                            tmp_path: Path) -> None:
    clients = {who: session(server, invite(tmp_path, who)) for who in (DANA, SAM)}
    posts = {DANA: "p1", SAM: "p2"}
    fields = {who: forms(c.get(f"/posts/{posts[who]}/").text, "review-all")[0]
              for who, c in clients.items()}
    start = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def approve(who: str) -> None:
        start.wait()
        answers[who] = submit(clients[who], fields[who])

    threads = [threading.Thread(target=approve, args=(who,)) for who in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a.headers["location"].endswith("done=approved") for a in answers.values())
    lines = remote_lines(server.remote)
    assert sorted((r["by"], r["post"], r["channel"]) for r in lines) == [
        (DANA, "p1", "linkedin"), (DANA, "p1", "x"), (SAM, "p2", "linkedin"), (SAM, "p2", "x")]
    # The same form sent twice (a double click, a reload) is recorded once.
    again = submit(clients[DANA], fields[DANA])
    assert again.status_code == 303 and len(remote_lines(server.remote)) == 4


def test_killed_between_commit_and_push_the_decision_lands_exactly_once(
        server: Server, tmp_path: Path) -> None:
    hook = server.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'remote is down' >&2\nexit 1\n")
    hook.chmod(0o755)
    client = session(server, invite(tmp_path, DANA))
    fields = forms(client.get("/posts/p1/").text, "review-all")[0]
    answer = submit(client, fields)
    assert answer.headers["location"].endswith("done=saved")  # durable, not yet pushed
    clone = server.state / "calendar"
    assert "Review: 2 record(s)" in git(clone, "log", "-1", "--format=%s")  # committed
    assert remote_lines(server.remote) == []  # not pushed
    server.kill()
    hook.unlink()
    server.start()
    wait_for(lambda: len(remote_lines(server.remote)) == 2 and server.health()["pending"] == 0)
    server.stop()
    server.start()  # and once more: nothing is recorded twice
    assert server.health()["pending"] == 0
    lines = remote_lines(server.remote)
    assert len(lines) == 2 and len({r["id"] for r in lines}) == 2


def test_a_reviewer_acting_too_fast_is_slowed_down(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=2) as server:
        client = session(server, invite(tmp_path, DANA))
        codes = []
        for p in ("p1", "p2", "p3"):
            fields = forms(client.get(f"/posts/{p}/").text, "review-all")[0]
            codes.append(submit(client, fields).status_code)
        assert codes == [303, 303, 429]
        assert len(remote_lines(server.remote)) == 4


def test_approve_everything_a_filtered_month_shows(server: Server, browser: Any,  # noqa: F811
                                                   tmp_path: Path) -> None:
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(invite(tmp_path, SAM))
    page.goto(server.url + "month/2027-03/")
    page.select_option("form.filters select[name=channel]", "x")
    page.click("a.carry-filters")  # "Approve the posts shown together"
    page.wait_for_url("**/month/2027-03/approve/?channel=x")
    page.locator(".review-batch button").click()
    page.wait_for_url("**/month/2027-03/?done=approved")
    lines = remote_lines(server.remote)
    assert sorted((r["post"], r["channel"], r["by"]) for r in lines) == [
        ("p1", "x", SAM), ("p2", "x", SAM), ("p3", "x", SAM)]  # not linkedin: filtered out
    context.close()
    output = server.output()
    assert SECRET not in output
    site = server.state / "site"
    assert not any(SECRET in p.read_text("utf-8", "replace") for p in site.rglob("*.html"))


def test_killed_before_the_commit_the_journal_brings_the_decision_in_once(
        server: Server, tmp_path: Path) -> None:
    hook = server.state / "calendar" / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nsleep 60\n")  # the server stops here, mid-commit
    hook.chmod(0o755)
    client = session(server, invite(tmp_path, SAM))
    fields = forms(client.get("/posts/p2/").text, "review-all")[0]
    sending = threading.Thread(target=lambda: _ignore_errors(lambda: submit(client, fields)))
    sending.start()
    wait_for(lambda: server.health()["pending"] == 2)  # journaled, not committed
    server.kill()
    sending.join()
    hook.unlink()
    server.start()
    wait_for(lambda: len(remote_lines(server.remote)) == 2 and server.health()["pending"] == 0)
    lines = remote_lines(server.remote)
    assert sorted((r["post"], r["channel"], r["by"]) for r in lines) == [
        ("p2", "linkedin", SAM), ("p2", "x", SAM)]


def _ignore_errors(call: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):  # killed while the request waited
        call()
