"""Approvals bound to exact variants: records, states, lines from clients, policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result

from postgen import approvals
from postgen.pipeline import check, load_calendar
from postgen.render.model import Variant
from tests.conftest import CONFIG, PNG, MakeCalendar, image

Run = Callable[..., Result]
REVIEWED = CONFIG.replace("      channels:", "      approval:\n        reviewers: [dana, sam]\n"
                          "      channels:")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def post(body: str = "Hello.\n", date: str = "2027-03-02 09:30", extra: str = "",
         post_id: str = "p1") -> str:
    return (f"---\nid: {post_id}\ntitle: T\ndate: {date}\nchannels: [x, linkedin]\n"
            f"funnel: awareness\n{extra}---\n{body}")


def states(root: Path) -> dict[tuple[str, str], approvals.State]:
    calendar, rendered, _ = check(load_calendar(root))
    book = approvals.load(calendar.config)
    posts = {p.id: p for p in calendar.posts}
    return {(v.post_id, v.channel): approvals.state(calendar.config, book, posts[v.post_id], v,
                                                    NOW) for v in rendered.variants}


def variants(root: Path) -> list[Variant]:
    return list(check(load_calendar(root))[1].variants)


def test_approve_records_the_current_hashes(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    result = run(root, "approve", "p1", "-c", "x", "--by", "dana", "--note", "Fine")
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in (root / "approvals.jsonl").read_text().splitlines()]
    x = next(v for v in variants(root) if v.channel == "x")
    assert (record["post"], record["channel"], record["hash"], record["by"], record["note"],
            record["decision"], record["text"]) == ("p1", "x", x.hash, "dana", "Fine",
                                                     "approved", "Hello.")
    found = states(root)
    assert found[("p1", "x")].key == "scheduled"
    assert found[("p1", "x")].detail.startswith("Approved by dana on ")
    assert found[("p1", "linkedin")].key == "in-review"


def test_editing_anything_sent_makes_the_approval_stale(make_calendar: MakeCalendar,
                                                        run: Run) -> None:
    media = "image: a.png\nalt: A dot\n"
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post(extra=media),
                          "a.png": PNG})
    edits = {
        "text": lambda: (root / "content/a.md").write_text(post("Hello again.\n", extra=media)),
        "image": lambda: (root / "a.png").write_bytes(image(3, 3)),
        "alt": lambda: (root / "content/a.md").write_text(
            post(extra=media.replace("A dot", "A red dot"))),
        "time": lambda: (root / "content/a.md").write_text(
            post(date="2027-03-02 10:00", extra=media)),
    }
    for what, edit in edits.items():
        assert run(root, "approve", "p1", "--by", "dana").exit_code == 0
        assert states(root)[("p1", "x")].cleared, what
        edit()
        after = states(root)[("p1", "x")]
        assert after.key == "changed", f"editing the {what} did not make the approval stale"
        assert after.previous is not None and after.previous.by == "dana"


def test_lines_from_a_client_are_recorded_and_stale_ones_refused(make_calendar: MakeCalendar,
                                                                 run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    x, linkedin = sorted(variants(root), key=lambda v: v.channel != "x")
    email = ("Hi team, all good!\n\n"
             f"{approvals.approval_line(approvals.APPROVE, x, 'dana')}\n"
             f"> {approvals.approval_line(approvals.APPROVE, linkedin, 'dana')}\n")
    (root / "content/a.md").write_text(post("Edited after the client looked.\n"))
    result = run(root, "approve", "--from", "-", input=email)
    assert result.exit_code == 1
    assert "refused: line 3 (p1 on x): stale" in result.output
    assert "line 4" not in result.output  # quoted: someone else's words, not read
    assert not (root / "approvals.jsonl").exists() or "approved" not in (
        root / "approvals.jsonl").read_text()
    fresh = {v.channel: v for v in variants(root)}
    good = approvals.approval_line(approvals.APPROVE, fresh["x"], "sam")
    assert run(root, "approve", "--from", "-", input=good).exit_code == 0
    assert states(root)[("p1", "x")].cleared


def test_a_reviewer_not_on_the_list_is_refused(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    result = run(root, "approve", "p1", "--by", "mallory")
    assert result.exit_code == 1 and "not a reviewer" in result.output
    line = approvals.approval_line(approvals.APPROVE, variants(root)[0], "mallory")
    assert run(root, "approve", "--from", "-", input=line).exit_code == 1
    as_other = approvals.approval_line(approvals.APPROVE, variants(root)[0], "dana")
    refused = run(root, "approve", "--from", "-", "--as", "sam", input=as_other)
    assert refused.exit_code == 1 and "signed by 'dana' but sent by 'sam'" in refused.output
    assert not (root / "approvals.jsonl").exists()


def test_a_whole_month_from_one_batch_of_lines(make_calendar: MakeCalendar, run: Run) -> None:
    files = {f"content/{i}.md": post(date=f"2027-03-{i:02d} 09:30", post_id=f"p{i}")
             for i in range(1, 11)}
    root = make_calendar({"mkdocs.yml": REVIEWED, **files})
    from postgen.site.pages import approval_text

    rendered = check(load_calendar(root))[1]
    body = approval_text(list(rendered.variants), approvals.APPROVE, "dana")
    assert body.count(approvals.LINE_MARK) == 10  # one block per post
    result = run(root, "approve", "--from", "-", input=body)
    assert result.exit_code == 0, result.output
    assert all(s.cleared for s in states(root).values())
    assert len(states(root)) == 20


def test_changes_requested_and_two_approvals_needed(make_calendar: MakeCalendar,
                                                    run: Run) -> None:
    config = REVIEWED.replace("reviewers: [dana, sam]", "reviewers: [dana, sam]\n"
                              "        min_approvals: 2")
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post()})
    run(root, "approve", "p1", "-c", "x", "--by", "dana")
    assert states(root)[("p1", "x")].detail == "1 of 2 approvals"
    run(root, "request-changes", "p1", "-c", "x", "--by", "sam", "--note", "Shorter")
    st = states(root)[("p1", "x")]
    assert (st.key, st.detail) == ("changes-requested", "sam: Shorter")
    run(root, "approve", "p1", "-c", "x", "--by", "sam")
    assert states(root)[("p1", "x")].cleared


def test_channels_that_need_no_approval(make_calendar: MakeCalendar) -> None:
    config = REVIEWED.replace('x: {platform: x, account: "@acme"}',
                              'x: {platform: x, account: "@acme", approval_required: false}')
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post()})
    found = states(root)
    assert found[("p1", "x")].cleared and not found[("p1", "linkedin")].cleared


def test_a_broken_approvals_line_is_reported(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": post(), "approvals.jsonl": '{"post": "p1"}\n{oops\n'})
    result = run(root, "check", "--format", "json")
    found = [(d["path"], d["line"], d["rule"]) for d in json.loads(result.output)]
    assert ("approvals.jsonl", 1, "approval-record") in found
    assert ("approvals.jsonl", 2, "approval-record") in found


def test_status_shows_the_difference(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post("Order by noon.\n")})
    run(root, "approve", "p1", "--by", "dana")
    (root / "content/a.md").write_text(post("Order by 2 pm.\n"))
    text = run(root, "status", "--now", "2027-03-01 09:00").output
    assert "Changed since approval (2)" in text
    assert "-Order by noon." in text and "+Order by 2 pm." in text
    data = json.loads(run(root, "status", "--format", "json", "--now",
                          "2027-03-01 09:00").output)
    assert {r["channel"] for r in data["changed"]} == {"x", "linkedin"}


def block(decision: str, root: Path, by: str = "dana", note: str | None = None) -> str:
    from postgen.site.pages import approval_text

    text = approval_text(variants(root), decision, by)
    return text if note is None else text.replace(approvals.PLACEHOLDER_NOTE, note)


def test_a_note_with_quotes_and_apostrophes_is_read_as_written(make_calendar: MakeCalendar,
                                                               run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    note = 'Don\'t say "hello" – say "welcome" 😀'
    result = run(root, "approve", "--from", "-", input=block(approvals.CHANGES, root,
                                                             note=note))
    assert result.exit_code == 0, result.output
    assert {s.detail for s in states(root).values()} == {f"dana: {note}"}
    one_line = (approval_line(approvals.CHANGES, root, "sam").split(" note=")[0]
                + f" note={note}")  # typed by hand, unquoted
    assert run(root, "approve", "--from", "-", input=one_line).exit_code == 0
    assert approvals.load(load_calendar(root).config).decisions[-1].note == note


def approval_line(decision: str, root: Path, by: str) -> str:
    x = next(v for v in variants(root) if v.channel == "x")
    return approvals.approval_line(decision, x, by, "placeholder")


def test_lines_a_mail_program_wrapped_are_read(make_calendar: MakeCalendar,
                                               run: Run) -> None:
    root = make_calendar({"mkdocs.yml": REVIEWED, "content/a.md": post()})
    note = ("The second sentence is far too long for a post that people read on a phone "
            "while walking, so please cut it in half and keep the link")
    text = block(approvals.CHANGES, root, note=note)
    import textwrap

    wrapped = "\n".join(line for para in text.split("\n")
                         for line in (textwrap.wrap(para, 60) or [""]))
    assert wrapped.count("\n") > text.count("\n")  # the note was wrapped
    quoted = "\n".join("> " + line for line in block(approvals.APPROVE, root).splitlines())
    reply = (f"{wrapped}\n\n-- \nDana Whitfield\nClient Inc.\n\n"
             f"On Monday Sam wrote:\n{quoted}\n")  # a quoted approval is not Dana's
    result = run(root, "approve", "--from", "-", input=reply)
    assert result.exit_code == 0, result.output
    assert {s.detail for s in states(root).values()} == {f"dana: {note}"}


def test_placeholders_are_refused_and_nothing_is_recorded(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    config = REVIEWED.replace("        reviewers: [dana, sam]\n", "")
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post()})
    from postgen.site.pages import approval_text

    unsigned = approval_text(variants(root), approvals.APPROVE, approvals.PLACEHOLDER_BY)
    result = run(root, "approve", "--from", "-", input=unsigned)
    assert result.exit_code == 1 and "in place of YOUR-NAME" in result.output
    unchanged = block(approvals.CHANGES, root)  # the note still says WRITE WHAT SHOULD CHANGE
    result = run(root, "approve", "--from", "-", input=unchanged)
    assert result.exit_code == 1 and "write what should change" in result.output
    assert not (root / "approvals.jsonl").exists()
    signed = unsigned.replace(approvals.PLACEHOLDER_BY, "dana@client.example")
    assert run(root, "approve", "--from", "-", input=signed).exit_code == 0
    assert all(s.cleared for s in states(root).values())
