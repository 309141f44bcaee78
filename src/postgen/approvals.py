"""Approvals: facts about exact variants, kept in git.

`approvals.jsonl` at the calendar root holds one decision per line, oldest
first: who approved (or asked for changes to) which variant hash, when, with
what note, and the text they saw. `.gitattributes` merges it with git's union
driver, so reviews on two branches never conflict.

A variant's state follows from the book, the approval policy and the publish
ledger: draft, in review, changes requested, approved / scheduled, changed
since approval (its hash moved), published, failed.

Without the review server (`postgen.review`), a client approves by message:
the site's links open an email carrying one block per post,

    postgen-approval: approve
    post: 2026-12-01-teaser
    by: dana@client.com
    x: 1f2e3d4c5b6a7980
    linkedin: 9a8b7c6d5e4f3021

(or, in an approval issue, a line per variant: `postgen-approval: approve
post=... channel=x hash=... by=dana`), which `postgen approve --from FILE`
records after checking each hash is still the current one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from postgen import diagnostics as diag
from postgen.models import CalendarConfig, Channel, PostRef

if TYPE_CHECKING:
    from postgen.render.model import Variant, VariantRef

FILE = "approvals.jsonl"
APPROVE, CHANGES = "approved", "changes-requested"
LINE_MARK = "postgen-approval:"
#: A line of its own: a quoted one (`> postgen-approval: ...`, a reply quoting an
#: earlier message) is not the writer's decision.
_LINE = re.compile(rf"^\s*{LINE_MARK}\s*(?P<rest>.+)$")


@dataclass(frozen=True)
class Decision:
    post: str
    channel: str
    hash: str
    decision: str  # approved | changes-requested
    by: str
    at: str  # ISO 8601, UTC
    note: str | None = None
    text: str | None = None  # what the reviewer saw
    date: str | None = None  # when the variant was to go out (a slot it keeps)
    #: Where an approval line came from, e.g. "github issue 7 comment 9 line 3": each
    #: is recorded once, however often the message is read again.
    source: str | None = None
    id: str | None = None  # set by the review server: one action recorded once, however
    #                        often it is retried

    def line(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None},
                          ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class State:
    key: str  # draft | in-review | changes-requested | approved | scheduled | changed |
    #          published | failed
    label: str
    detail: str = ""
    approved: tuple[Decision, ...] = ()  # the approvals of the current hash
    previous: Decision | None = None  # the last approval of an older version (changed)
    request: Decision | None = None  # the changes requested, when that is the state

    @property
    def cleared(self) -> bool:
        """May be published (as far as approval goes)."""
        return self.key in ("approved", "scheduled")


@dataclass(frozen=True)
class Book:
    decisions: tuple[Decision, ...]
    problems: tuple[diag.Diagnostic, ...] = ()

    def of(self, post: str, channel: str) -> tuple[Decision, ...]:
        return self._by_variant.get((post, channel), ())

    @cached_property
    def _by_variant(self) -> dict[tuple[str, str], tuple[Decision, ...]]:
        """Decisions by (post, channel), oldest first: the site asks for every variant."""
        found: dict[tuple[str, str], list[Decision]] = {}
        for d in self.decisions:
            found.setdefault((d.post, d.channel), []).append(d)
        return {k: tuple(v) for k, v in found.items()}


def path_of(config: CalendarConfig) -> Path:
    return config.root / FILE


def load(config: CalendarConfig) -> Book:
    """Every decision in approvals.jsonl; unreadable lines become located problems."""
    path = path_of(config)
    if not path.is_file():
        return Book(())
    decisions: list[Decision] = []
    problems: list[diag.Diagnostic] = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = line.decode("utf-8")
        except UnicodeDecodeError as exc:  # one bad line, not the whole file
            problems.append(diag.error(FILE, number, exc.start + 1, "approval-record",
                                       f"byte 0x{line[exc.start]:02X} is not UTF-8; this "
                                       "approval record is skipped"))
            continue
        try:
            data = json.loads(raw)
            decision = Decision(**{k: data[k] for k in ("post", "channel", "hash", "decision",
                                                        "by", "at")},
                                note=data.get("note"), text=data.get("text"),
                                date=data.get("date"), source=data.get("source"),
                                id=data.get("id"))
            if decision.decision not in (APPROVE, CHANGES):
                raise ValueError(f"decision must be {APPROVE} or {CHANGES}")
            decisions.append(decision)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(diag.error(FILE, number, 1, "approval-record",
                                       f"unreadable approval record: {exc}"))
    return Book(tuple(decisions), tuple(problems))


def append(config: CalendarConfig, decisions: Iterable[Decision]) -> None:
    """Add decisions at the end of the file, each a whole line, flushed to disk."""
    path = path_of(config)
    text = "".join(d.line() + "\n" for d in decisions)
    if not text:
        return
    with open(path, "a+", encoding="utf-8") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(f.tell() - 1)
            if f.read(1) != "\n":
                text = "\n" + text  # a line cut short by a crash stays on its own
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def required(config: CalendarConfig, channel: Channel) -> bool:
    if channel.approval_required is not None:
        return channel.approval_required
    return config.approval.required


def allowed(config: CalendarConfig, reviewer: str) -> bool:
    reviewers = config.approval.reviewers
    return not reviewers or reviewer.lower() in {r.lower() for r in reviewers}


PublishState = Callable[["VariantRef"], "str | None"]  # "published" | "failed" | "unknown" | None


def state(config: CalendarConfig, book: Book, post: PostRef, variant: VariantRef, now: datetime,
          published: PublishState | None = None) -> State:
    """Where one variant stands."""
    sent = published(variant) if published else None
    if sent == "published":
        return State("published", "Published", "Sent to the platform")
    if sent in ("failed", "unknown"):
        return State("failed", "Failed" if sent == "failed" else "Outcome unknown",
                     "See postgen publish's report")
    if post.draft:
        return State("draft", "Draft", "Not ready for review yet")
    channel = config.channels[variant.channel]
    if not required(config, channel):
        return _ready(variant, now, "No approval needed for this channel", ())
    history = book.of(post.id, variant.channel)
    current = [d for d in history if d.hash == variant.hash]
    approvals = _latest_by_reviewer([d for d in current if allowed(config, d.by)])
    granted = tuple(d for d in approvals.values() if d.decision == APPROVE)
    requests = [d for d in approvals.values() if d.decision == CHANGES]
    if requests:
        last = requests[-1]
        return State("changes-requested", "Changes requested",
                     f"{last.by}: {last.note or 'no comment'}", granted, request=last)
    needed = config.approval.min_approvals
    if len(granted) >= needed:
        who = ", ".join(f"{d.by} on {d.at[:10]}" for d in sorted(granted, key=lambda d: d.at))
        return _ready(variant, now, f"Approved by {who}", granted)
    older = [d for d in history if d.hash != variant.hash and d.decision == APPROVE]
    if older:
        last = older[-1]
        return State("changed", "Changed since approval",
                     f"{last.by} approved an earlier version on {last.at[:10]}", granted,
                     previous=last)
    detail = "Waiting for the client's approval"
    if granted:
        detail = f"{len(granted)} of {needed} approvals"
    return State("in-review", "In review", detail, granted)


def _ready(variant: VariantRef, now: datetime, detail: str,
           granted: tuple[Decision, ...]) -> State:
    if variant.date > now:
        return State("scheduled", "Scheduled", detail, granted)
    # Its time came and no send is recorded (a sent or failed one is said above): never
    # show that as plain "Approved", as if nothing were wrong.
    return State("approved", "Approved, not sent",
                 f"{detail}; its time has passed and no send is recorded: the next "
                 "`postgen publish` sends it within the publish grace window, or reports it "
                 "missed", granted)


def _latest_by_reviewer(decisions: list[Decision]) -> dict[str, Decision]:
    """Each reviewer's last decision, in the order of the file (the order git recorded
    them in), oldest first. Never by `at`: a hand edit can set any time there."""
    latest: dict[str, Decision] = {}
    for d in decisions:
        latest.pop(d.by.lower(), None)
        latest[d.by.lower()] = d
    return latest


# -- approval lines ------------------------------------------------------------

#: What the site's messages hold until the reviewer replaces it: refused as it is.
PLACEHOLDER_BY = "YOUR-NAME"
PLACEHOLDER_NOTE = "WRITE WHAT SHOULD CHANGE"
#: How much of a hash a message carries: enough to tell versions apart, short enough
#: for a mail link and a line that no mail program wraps.
SHORT_HASH = 16
_FIELD = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.*)$")
_PAIR = re.compile(r"([a-z]+)=(\"[^\"]*\"|'[^']*'|\S+)")


@dataclass(frozen=True)
class Line:
    decision: str
    post: str
    channel: str
    hash: str  # the whole hash, or the first SHORT_HASH characters of it
    by: str
    note: str | None
    number: int  # where it stood in the message


def approval_line(decision: str, variant: VariantRef, by: str, note: str | None = None) -> str:
    """One variant on one line (the approval issue's format)."""
    verb = "approve" if decision == APPROVE else "request-changes"
    line = (f"{LINE_MARK} {verb} post={variant.post_id} channel={variant.channel} "
            f"hash={variant.hash} by={shlex.quote(by)}")
    return line + (f" note={shlex.quote(note)}" if note else "")


def approval_block(decision: str, variants: list[VariantRef], by: str) -> str:
    """One post, every channel given, on short lines that survive a mail program's
    wrapping and quoting; a request for changes ends with the note to replace."""
    verb = "approve" if decision == APPROVE else "request-changes"
    lines = [f"{LINE_MARK} {verb}", f"post: {variants[0].post_id}", f"by: {by}"]
    lines += [f"{v.channel}: {v.hash[:SHORT_HASH]}" for v in variants]
    if decision == CHANGES:
        lines.append(f"note: {PLACEHOLDER_NOTE}")
    return "\n".join(lines) + "\n"


def parse_lines(text: str) -> tuple[list[Line], list[str]]:
    """The approval lines and blocks in a message (an email, an issue), and what was wrong
    with the others. A quoted line ("> postgen-approval: ...", a reply quoting an
    earlier message) does not count; a line a mail program wrapped is joined back; a
    note runs to the end of its block (a blank line, the next block, a signature) and
    may hold any quotation marks and apostrophes."""
    lines: list[Line] = []
    errors: list[str] = []
    raw_lines = [raw.rstrip() for raw in text.splitlines()]
    i = 0
    while i < len(raw_lines):
        m = _LINE.search(raw_lines[i])
        if not m:
            i += 1
            continue
        number, rest = i + 1, m["rest"].strip()
        i += 1
        if "=" in rest:  # the one-line form: verb key=value...
            parsed, problem = _one_line(rest, number)
        else:  # a block: verb, then key: value lines
            block: list[str] = []
            while i < len(raw_lines) and not _LINE.search(raw_lines[i]) and (
                    raw_lines[i].strip() or _in_note(block)) and raw_lines[i] != "--":
                block.append(raw_lines[i])
                i += 1
            parsed, problem = _block(rest, block, number)
        lines.extend(parsed)
        if problem:
            errors.append(problem)
    return lines, errors


def _in_note(block: list[str]) -> bool:
    return any((m := _FIELD.match(b)) is not None and m[1].lower() == "note" for b in block)


def _verb(word: str) -> str | None:
    return {"approve": APPROVE, "request-changes": CHANGES}.get(word.strip().lower())


def _one_line(rest: str, number: int) -> tuple[list[Line], str | None]:
    verb, _, pairs = rest.partition(" ")
    fields: dict[str, str] = {}
    note_at = re.search(r"(?:^|\s)note=", pairs)
    if note_at:  # a note runs to the end of the line, quoted or not, apostrophes and all
        fields["note"] = _unquote(pairs[note_at.end():].strip())
        pairs = pairs[:note_at.start()]
    for key, value in _PAIR.findall(pairs):
        fields[key] = _unquote(value)
    return _checked(_verb(verb), fields, [(fields.get("channel", ""), fields.get("hash", ""))],
                    number, "post=, channel=, hash=, by=")


def _block(rest: str, block: list[str], number: int) -> tuple[list[Line], str | None]:
    fields: dict[str, str] = {}
    channels: list[tuple[str, str]] = []
    note: list[str] = []
    last = ""
    for raw in block:
        m = _FIELD.match(raw)
        if last == "note":  # the note runs on; a blank line is a new paragraph
            note.append(raw.strip())
        elif m is None:  # a line a mail program wrapped
            if last and raw.strip():
                fields[last] = f"{fields.get(last, '')} {raw.strip()}".strip()
        elif (key := m[1].lower()) in ("post", "by", "note"):
            fields[key] = m[2].strip()
            note = [m[2].strip()] if key == "note" else note
            last = key
        else:
            channels.append((key, m[2].strip()))
            last = ""
    if note:
        paragraphs = " ".join(line or "\n" for line in note).split("\n")
        fields["note"] = "\n\n".join(p.strip() for p in paragraphs if p.strip())
    return _checked(_verb(rest), fields, channels, number, "post:, by: and a channel: hash line")


def _checked(decision: str | None, fields: dict[str, str], channels: list[tuple[str, str]],
             number: int, expected: str) -> tuple[list[Line], str | None]:
    where = f"line {number}"
    missing = [k for k in ("post", "by") if not fields.get(k)]
    channels = [(c, h) for c, h in channels if c or h]
    if decision is None or missing or not channels or not all(c and h for c, h in channels):
        return [], (f"{where}: expected 'approve' or 'request-changes' with {expected} "
                    f"(missing: {', '.join(missing) or ('channel' if not channels else '-')})")
    by, note = fields["by"], fields.get("note") or None
    if by.upper() == PLACEHOLDER_BY:
        return [], f"{where}: write your name or address in place of {PLACEHOLDER_BY}"
    if note is not None and PLACEHOLDER_NOTE in note:
        return [], f"{where}: write what should change in place of '{PLACEHOLDER_NOTE}'"
    if decision == CHANGES and not note:
        return [], f"{where}: a request for changes needs a note saying what should change"
    return [Line(decision, fields["post"], c, h, by, note, number) for c, h in channels], None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        if value[0] == "'":
            inner = inner.replace("'\"'\"'", "'")  # how shlex.quote writes an apostrophe
        return inner
    return value


def matches(line: Line, variant: VariantRef) -> bool:
    """Whether the line names this version of the variant."""
    if len(line.hash) == len(variant.hash):
        return line.hash == variant.hash
    return len(line.hash) >= 12 and variant.hash.startswith(line.hash)


def decide(variant: Variant, decision: str, by: str, now: datetime,
           note: str | None = None, source: str | None = None) -> Decision:
    return Decision(post=variant.post_id, channel=variant.channel, hash=variant.hash,
                    decision=decision, by=by, at=now.astimezone(UTC).isoformat(
                        timespec="seconds"), note=note, text=variant.text,
                    date=variant.date.isoformat(), source=source)


def current_hashes(variants: Iterable[Variant]) -> Mapping[tuple[str, str], Variant]:
    return {(v.post_id, v.channel): v for v in variants}


@dataclass(frozen=True)
class Reading:
    """What a message's approval lines come to: decisions to record, lines refused
    (with why), lines recorded before (from the same source)."""

    decisions: tuple[Decision, ...]
    refused: tuple[str, ...]
    repeated: tuple[str, ...]


def read_lines(config: CalendarConfig, book: Book, variants: Iterable[Variant],
               drafts: Iterable[str], text: str, now: datetime, *,
               sender: str | None = None, source: str | None = None) -> Reading:
    """The decisions a message's approval lines make.

    A line counts when it names a post and channel of the calendar, not a draft, with
    its current hash, signed by a reviewer. With `sender` (who wrote the message, as
    GitHub says), every line must be signed by them and they must be listed in
    `approval.reviewers`: an empty list lets nobody in that way. With `source` (where the
    message is, e.g. "github issue 7 comment 9"), each line is recorded once: a line
    of the same source and number that the book holds is repeated, not recorded again.
    """
    current = current_hashes(variants)
    drafted = set(drafts)
    lines, refused = parse_lines(text)
    if not lines and not refused:
        refused.append(f"no '{LINE_MARK}' lines found (quoted lines do not count)")
    if sender is not None and not config.approval.reviewers:
        refused += [f"line {line.number} ({line.post} on {line.channel}): nobody may approve "
                    "from a message yet: list the reviewers' logins under approval.reviewers "
                    "in mkdocs.yml" for line in lines]
        return Reading((), tuple(refused), ())
    seen = {d.source for d in book.decisions if d.source}
    decisions: list[Decision] = []
    repeated: list[str] = []
    for line in lines:
        where = f"line {line.number} ({line.post} on {line.channel})"
        variant = current.get((line.post, line.channel))
        origin = f"{source} line {line.number}" if source else None
        if origin is not None and origin in seen:
            repeated.append(f"{where}: already recorded from {origin}")
        elif variant is None:
            refused.append(f"{where}: no such post and channel in the calendar")
        elif sender is not None and line.by.lower() != sender.lower():
            refused.append(f"{where}: signed by '{line.by}' but sent by '{sender}'")
        elif not allowed(config, line.by):  # the sender, when there is one
            refused.append(f"{where}: '{line.by}' is not a reviewer of this calendar")
        elif line.post in drafted:
            refused.append(f"{where}: {line.post} is a draft: set 'draft: false' before "
                           "review")
        elif not matches(line, variant):
            refused.append(f"{where}: stale: the post changed after this version was "
                           f"reviewed ({line.hash[:12]} is now {variant.hash[:12]}); open the "
                           "site again and review the current version")
        else:
            decisions.append(decide(variant, line.decision, line.by, now, line.note, origin))
    return Reading(tuple(decisions), tuple(refused), tuple(repeated))
