"""What a change to the calendar does to every variant: for pull request review.

`at_ref` renders the calendar as it is at a git ref (through the same pipeline as
every command, from `git archive`, in a temporary folder); `compare` sets two
renderings side by side: per variant added, removed or changed (its content hash
moved), the text before and after, the counts, the problems the change brings,
and the approvals it voids (those of the old hash). `markdown` writes it for a
pull request comment and the job summary; `text` for a terminal.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from postgen import approvals, pipeline
from postgen import diagnostics as diag
from postgen.errors import PostgenError
from postgen.models import Calendar
from postgen.render.model import Variant

#: The pull request comment carries it, so the workflow finds and updates its comment.
MARKER = "<!-- postgen-diff -->"


@dataclass(frozen=True)
class Version:
    """One side: the calendar, its variants and problems, as one ref has them."""

    calendar: Calendar
    variants: tuple[Variant, ...]
    problems: tuple[diag.Diagnostic, ...]

    @classmethod
    def of(cls, calendar: Calendar) -> Version:
        calendar, rendered, problems = pipeline.check(calendar, keep_compiled=False)
        return cls(calendar, tuple(rendered.variants), problems)


@dataclass(frozen=True)
class Change:
    post: str
    channel: str
    title: str
    kind: str  # added | removed | changed | has errors (it was sendable, is not now)
    before: Variant | None
    after: Variant | None
    voided: tuple[approvals.Decision, ...] = ()  # approvals of the old version


@dataclass(frozen=True)
class Diff:
    changes: tuple[Change, ...]
    new_problems: tuple[diag.Diagnostic, ...]
    fixed: int  # problems the change removes


@contextmanager
def at_ref(config_file: Path, ref: str) -> Iterator[Calendar]:
    """The calendar whose config is `config_file`, as it is at git `ref`."""
    folder = config_file.resolve().parent
    top = _git(folder, "rev-parse", "--show-toplevel").decode().strip()
    inner = config_file.resolve().relative_to(Path(top).resolve())
    _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    tree = _git(folder, "archive", "--format=tar", ref)
    with tempfile.TemporaryDirectory(prefix="postgen-diff-") as temp:
        with tarfile.open(fileobj=io.BytesIO(tree)) as archive:
            archive.extractall(temp, filter="data")
        config = Path(temp) / inner
        if not config.is_file():
            raise PostgenError(f"{inner.as_posix()} does not exist at {ref}")
        yield pipeline.load_calendar(config_file=config)


def _git(folder: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, check=False)
    except FileNotFoundError:
        raise PostgenError("git is not installed") from None
    if done.returncode != 0:
        if args[0] == "rev-parse" and "--verify" in args:
            raise PostgenError(f"{args[-1].removesuffix('^{commit}')} is not a commit here "
                               "(a branch, a tag or a hash; fetch it first in a shallow clone)")
        message = done.stderr.decode(errors="replace").strip()
        raise PostgenError(f"git {args[0]}: {message or 'failed'}")
    return done.stdout


def compare(base: Version, head: Version, now: datetime) -> Diff:
    """Every variant that differs between `base` and `head`, in date order."""
    before = {(v.post_id, v.channel): v for v in base.variants}
    after = {(v.post_id, v.channel): v for v in head.variants}
    posts = {p.id: p for p in base.calendar.posts} | {p.id: p for p in head.calendar.posts}
    old_posts = {p.id: p for p in base.calendar.posts}
    book = approvals.load(head.calendar.config)
    broken = {d.path for d in head.problems if d.severity == diag.Severity.ERROR}
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys(),
                      key=lambda k: ((after.get(k) or before[k]).date, k)):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old.hash == new.hash:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        if kind == "removed" and posts[key[0]].path in broken:
            kind = "has errors"  # its file is still there, but cannot be sent
        voided: tuple[approvals.Decision, ...] = ()
        if old is not None and new is not None and key[0] in old_posts:
            voided = approvals.state(base.calendar.config, book, old_posts[key[0]], old,
                                     now).approved
        changes.append(Change(key[0], key[1], posts[key[0]].title, kind, old, new, voided))
    known = {_identity(d) for d in base.problems}
    new_problems = tuple(d for d in head.problems if _identity(d) not in known)
    now_known = {_identity(d) for d in head.problems}
    return Diff(tuple(changes), new_problems, len(known - now_known))


def _identity(d: diag.Diagnostic) -> tuple[str, str, str, str]:
    """A problem across versions: lines move when text is added above it."""
    return (d.path, str(d.severity), d.rule, d.message)


# -- writing it --------------------------------------------------------------------------


def counts(v: Variant | None) -> str:
    if v is None:
        return "-"
    return ", ".join(c.summary() for c in v.counts) or "-"


def markdown(d: Diff) -> str:
    out = [MARKER, "## What this pull request changes in the calendar", ""]
    if not d.changes and not d.new_problems:
        out.append("No post changes what it sends, and no new problems.")
        return "\n".join(out) + "\n"
    if d.changes:
        out += ["| Post | Channel | Change | Count before | Count after | Approvals voided |",
                "|---|---|---|---|---|---|"]
        for c in d.changes:
            voided = ", ".join(sorted({a.by for a in c.voided})) or "-"
            out.append(f"| {_cell(c.title)} (`{c.post}`) | {c.channel} | {c.kind} | "
                       f"{_cell(counts(c.before))} | {_cell(counts(c.after))} | "
                       f"{_cell(voided)} |")
        out.append("")
    fixed = f" ({d.fixed} fixed)" if d.fixed else ""
    out.append(f"**New problems: {len(d.new_problems)}**{fixed}")
    if d.new_problems:
        out += ["", _fenced("\n".join(p.text() for p in d.new_problems))]
    for c in d.changes:
        out += ["", f"### {_inline(c.title)} · {c.channel} ({c.kind})"]
        if c.voided:
            who = ", ".join(f"{a.by} ({a.at[:10]})" for a in c.voided)
            out += ["", f"Voids the approval of {_inline(who)}: the new version needs review."]
        if c.before is not None and c.after is not None and c.before.date != c.after.date:
            out += ["", f"Time: {c.before.date:%Y-%m-%d %H:%M %Z} → "
                        f"{c.after.date:%Y-%m-%d %H:%M %Z}"]
        if c.before is not None and c.after is not None and c.before.text == c.after.text:
            out += ["", "The text is unchanged (media, links, time or settings changed)."]
            continue
        for label, v in (("Before", c.before), ("After", c.after)):
            if v is not None:
                out += ["", f"{label} ({counts(v)}):", "", _fenced(v.text)]
    return "\n".join(out) + "\n"


def text(d: Diff) -> str:
    if not d.changes and not d.new_problems:
        return "No post changes what it sends, and no new problems.\n"
    out: list[str] = []
    for c in d.changes:
        out.append(f"{c.post} on {c.channel}: {c.kind} ({counts(c.before)} -> "
                   f"{counts(c.after)})")
        if c.voided:
            out.append("  voids the approval of " + ", ".join(a.by for a in c.voided))
        for label, v in (("before", c.before), ("after", c.after)):
            if v is not None:
                out.append(f"  {label}:")
                out.extend("    " + line for line in v.text.splitlines())
    out.append(f"{len(d.new_problems)} new problem(s)")
    out.extend(p.text() for p in d.new_problems)
    return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    """Safe in a table cell: one line, no pipes, no HTML."""
    return _inline(value).replace("|", "\\|")


def _inline(value: str) -> str:
    return " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fenced(body: str) -> str:
    """A code block no backticks in `body` can close."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"
