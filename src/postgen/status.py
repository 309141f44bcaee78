"""`postgen status`: where every variant stands, grouped for people and scripts."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from postgen import approvals
from postgen.diagnostics import Diagnostic, Severity
from postgen.models import Calendar
from postgen.render.model import Variant

GROUPS = (
    ("changed", "Changed since approval"),
    ("changes-requested", "Changes requested"),
    ("in-review", "Needs review"),
    ("due-soon", "Due soon"),
    ("approved", "Approved"),
    ("failed", "Failed"),
    ("published", "Published"),
    ("draft", "Drafts"),
)


@dataclass(frozen=True)
class Row:
    variant: Variant
    title: str
    state: approvals.State
    diff: str = ""  # for changed: the approved text against the current one


@dataclass(frozen=True)
class Report:
    now: datetime
    groups: dict[str, list[Row]]
    #: The calendar's errors (`postgen check`): a post whose file has one is in no
    #: group above, since it cannot be rendered; one over a platform's limit is in its
    #: group and here too.
    errors: tuple[Diagnostic, ...] = ()


def report(calendar: Calendar, variants: list[Variant], now: datetime, soon: timedelta,
           published: approvals.PublishState | None = None,
           problems: tuple[Diagnostic, ...] = ()) -> Report:
    book = approvals.load(calendar.config)
    posts = {p.id: p for p in calendar.posts}
    groups: dict[str, list[Row]] = {key: [] for key, _ in GROUPS}
    for v in variants:
        post = posts[v.post_id]
        st = approvals.state(calendar.config, book, post, v, now, published)
        diff = ""
        if st.previous is not None and st.previous.text is not None:
            diff = "".join(difflib.unified_diff(
                st.previous.text.splitlines(keepends=True), v.text.splitlines(keepends=True),
                f"approved {st.previous.hash[:12]}", f"now {v.hash[:12]}", n=1))
        row = Row(v, post.title, st, diff)
        key = {"scheduled": "approved"}.get(st.key, st.key)
        groups[key].append(row)
        if st.cleared and now <= v.date <= now + soon:
            groups["due-soon"].append(row)
    return Report(now, groups, tuple(d for d in problems if d.severity is Severity.ERROR))


def as_text(r: Report) -> str:
    out: list[str] = []
    if r.errors:
        files = len({d.path for d in r.errors})
        out.append(f"Errors ({len(r.errors)} in {files} file{'' if files == 1 else 's'}; "
                   "not sent until fixed)")
        out.extend(f"  {d.text()}" for d in r.errors)
        out.append("")
    for key, title in GROUPS:
        rows = r.groups[key]
        if not rows:
            continue
        out.append(f"{title} ({len(rows)})")
        for row in sorted(rows, key=lambda row: row.variant.date):
            when = row.variant.date.astimezone(r.now.tzinfo).strftime("%a %d %b %H:%M")
            out.append(f"  {when}  {row.variant.post_id} -> {row.variant.channel}: "
                       f"{row.state.detail or row.state.label}")
            if row.diff:
                out.extend("      " + line for line in row.diff.rstrip("\n").split("\n"))
        out.append("")
    return "\n".join(out).rstrip() or "Nothing in the calendar."


def as_json(r: Report) -> str:
    groups = {
        key: [{"post": row.variant.post_id, "channel": row.variant.channel,
               "date": row.variant.date.isoformat(), "hash": row.variant.hash,
               "state": row.state.key, "detail": row.state.detail,
               "approved_by": [d.by for d in row.state.approved], "diff": row.diff or None}
              for row in rows]
        for key, rows in r.groups.items()
    }
    return json.dumps({"errors": [d.as_dict() for d in r.errors], **groups}, indent=2,
                      ensure_ascii=False)
