"""`postgen import FILE`: posts from a spreadsheet (CSV), one row per post.

The columns are named in the first row, in any order and case: `title`,
`date` and `body` (or `text`: the post's markdown) are required; `channels`
(or `channel`: names from mkdocs.yml, separated by commas or spaces; every
channel when empty), `funnel` (awareness when empty), `campaign`, `owner`,
`id` (or `post_id`; made from the date and title when empty), `cta_text` and
`cta_url` (both or neither), `hashtags`, `media` (one image a line: `path |
alt text`) and `draft` are optional (`postgen.spreadsheet` says how each is
written). A date is read as front matter's is: `YYYY-MM-DD HH:MM` in the
calendar's timezone, or with an offset.

`postgen export --format csv` imports as the same posts: it writes one row per
post and channel, with the post's source in `body`, `channels`, `cta_text`...;
the rows of one id make one post, and the columns it writes for reading (the
rendered `text` beside `body`, `channel` beside `channels`, `platform`,
`account`, `status`, `parts`, `hash`, `url`) are ignored. What a CSV cannot
carry (per-channel `variants:`, `paid`, `lang`) is not exported; a post
whose channels go out at different times imports only into a calendar that
already has it.

A row whose post is already in the calendar (its `id`, or the id its date
and title make) is matched, never duplicated: the same post is left as it
is ("unchanged"); one that differs in a column the sheet has is refused,
naming the columns. Change such a post in its file, or give the row an id
of its own.

Every row is checked, by the same rules as `postgen check`, before anything
is written; any error (reported as `FILE:line:col: error[rule]: message`, the
line a row starts on) and no post is written. Otherwise each new post
becomes `content/YYYY-MM/<slug>.md`, exactly as `postgen new` would write it,
with the row's body.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from postgen import diagnostics as diag
from postgen import spreadsheet
from postgen.dates import DateProblem, parse_datetime
from postgen.files import unsafe_target
from postgen.loader import load_text
from postgen.models import Calendar, Funnel, Post
from postgen.scaffold import id_stem, post_file
from postgen.schema import ID_PATTERN, MediaLookup

REQUIRED = ("title", "date", "body")
OPTIONAL = ("channels", "funnel", "campaign", "owner", "id", "cta_text", "cta_url",
            "hashtags", "media", "draft")
#: Another name for a column; `text` and `channel` only when `body` and `channels`
#: are not there (export writes both pairs: the rendered text, one channel a row).
SYNONYMS = {"text": "body", "channel": "channels", "post_id": "id"}
#: Columns `postgen export` writes for reading, which import leaves alone.
READ_ONLY = ("platform", "account", "status", "parts", "hash", "url")
#: The columns that say something about the post (compared with one the calendar has).
_FIELDS = ("title", "date", "body", "channels", "funnel", "campaign", "owner", "cta_text",
           "cta_url", "hashtags", "media", "draft")


@dataclass(frozen=True)
class NewPost:
    """One row, checked: where its post goes and what the file holds."""

    path: Path
    text: str


@dataclass(frozen=True)
class Plan:
    """What importing a sheet does: new posts to write, posts already in the calendar."""

    new: list[NewPost] = field(default_factory=list)
    unchanged: list[Post] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]  # column -> cell, apostrophes taken off
    channel: str | None  # export's one-channel-a-row `channel`, beside `channels`
    moment: datetime | None = None


def plan(calendar: Calendar, data: bytes, shown: str, now: datetime
         ) -> tuple[Plan, list[diag.Diagnostic]]:
    """What the CSV `data` (from the file `shown`) does to the calendar, or its
    problems (then nothing may be written)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return Plan(), [diag.error(shown, line, 1, "file-encoding",
                                   f"byte 0x{data[exc.start]:02X} is not UTF-8; save the "
                                   "spreadsheet as CSV UTF-8")]
    problems: list[diag.Diagnostic] = []
    rows = list(_rows(text, shown, problems))
    if problems or not rows:
        return Plan(), problems or [diag.error(
            shown, 1, 1, "import-column", "no header row: the first line names the columns")]
    header_line, header = rows[0]
    columns, single = _columns(header, shown, header_line, problems)
    if problems:
        return Plan(), problems
    groups: dict[str, list[_Row]] = {}
    derived: dict[str, int] = {}
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue  # a blank row
        if len(cells) != len(header):
            problems.append(diag.error(shown, line, 1, "import-syntax",
                                       f"{len(cells)} cells, the header names {len(header)}"))
            continue
        row = _Row(line, {columns[i]: spreadsheet.unescape(c.strip())
                          for i, c in enumerate(cells) if i in columns},
                   spreadsheet.unescape(cells[single].strip()) if single is not None else None)
        report = _Reporter(shown, line, columns, problems)
        if _checked(calendar, row, report) and row.moment is not None:
            post_id = row.cells.get("id")
            if not post_id:  # the n-th row of a title and time is the n-th post made of it
                stem = id_stem(row.cells["title"], row.moment)
                derived[stem] = derived.get(stem, 0) + 1
                post_id = stem if derived[stem] == 1 else f"{stem}-{derived[stem]}"
            groups.setdefault(post_id, []).append(row)
    result = Plan()
    existing = {p.id: p for p in calendar.posts}
    media = MediaLookup(calendar.config.root)
    taken, claimed = set(existing), set[Path]()
    for post_id, group in groups.items():
        first = group[0]
        report = _Reporter(shown, first.line, columns, problems)
        new = _new_post(calendar, post_id, group, taken, claimed)
        loaded = load_text(calendar.config, new.path, new.text, media, now=now)
        errors = [d for d in loaded.diagnostics if d.severity is diag.Severity.ERROR]
        for d in errors:  # what `postgen check` would say of the post the row makes
            problems.append(diag.error(shown, first.line, 1, d.rule, d.message))
        if errors or loaded.post is None:
            continue
        if post_id in existing:
            differ = _differences(existing[post_id], loaded.post, group)
            if differ:
                report("id" if "id" in first.cells else "title", "id-duplicate",
                       f"post '{post_id}' is already in the calendar "
                       f"({existing[post_id].path}) with another {', '.join(differ)}; change "
                       "it in its file, or give this row an id of its own")
            else:
                result.unchanged.append(existing[post_id])
            continue
        for row in group[1:]:
            differ = [c for c in _FIELDS if c in columns.values() and c != "channels"
                      and row.cells.get(c) != first.cells.get(c)]
            if differ:
                _Reporter(shown, row.line, columns, problems)(
                    differ[0], "id-duplicate",
                    f"a row of post '{post_id}' (line {first.line}) with another "
                    f"{', '.join(differ)}; the rows of one post must agree (per-channel "
                    "times and texts belong under variants: in the post's file)")
        unsafe = unsafe_target(calendar.config.root, new.path)
        if unsafe:
            problems.append(diag.error(shown, first.line, 1, "file-outside-repo",
                                       f"the post's file {calendar.config.rel(new.path)} "
                                       f"{unsafe}"))
        result.new.append(new)
    return (Plan() if problems else result), problems


def _checked(calendar: Calendar, row: _Row, report: _Reporter) -> bool:
    """The row's cells that a post's file cannot say where they came from: each problem
    reported at its cell. False when there was one."""
    config, cells = calendar.config, row.cells
    before = len(report.problems)
    for column in REQUIRED:
        if not cells[column]:
            report(column, "field-missing", f"'{column}' is empty")
    if cells["date"]:
        moment = parse_datetime(cells["date"], config.timezone)
        if isinstance(moment, DateProblem):
            report("date", moment.rule, moment.message)
        else:
            row.moment = moment
    named = [*spreadsheet.words(cells.get("channels", "")), *([row.channel] if row.channel
                                                              else [])]
    unknown = [c for c in named if c not in config.channels]
    if unknown:
        report("channels", "channel-unknown", f"unknown channel(s) {', '.join(unknown)}; "
               f"mkdocs.yml has {', '.join(config.channels)}")
    funnel = cells.get("funnel", "").lower()
    if funnel and funnel not in {f.value for f in Funnel}:
        report("funnel", "funnel-unknown", f"'{funnel}' is not a funnel stage; use one of "
               f"{', '.join(f.value for f in Funnel)}")
    post_id = cells.get("id")
    if post_id and not ID_PATTERN.fullmatch(post_id):
        report("id", "id-invalid", f"post id '{post_id}' must be lowercase letters, digits "
               "and '-', at most 64 characters")
    if bool(cells.get("cta_text")) != bool(cells.get("cta_url")):
        report("cta_text" if "cta_text" in cells else "cta_url", "field-missing",
               "a call to action needs both cta_text and cta_url")
    if spreadsheet.flag(cells.get("draft", "")) is None:
        report("draft", "field-type", f"draft must be true or false, not '{cells['draft']}'")
    return len(report.problems) == before


def _new_post(calendar: Calendar, post_id: str, group: list[_Row], taken: set[str],
              claimed: set[Path]) -> NewPost:
    """The file the rows of one post make (the first row's cells; every row's channel)."""
    config, first = calendar.config, group[0]
    cells = first.cells
    channels = spreadsheet.words(cells.get("channels", "")) or tuple(dict.fromkeys(
        row.channel for row in group if row.channel)) or tuple(config.channels)
    extra: dict[str, object] = {}
    if cells.get("cta_text"):
        extra["cta"] = {"text": cells["cta_text"], "url": cells["cta_url"]}
    if spreadsheet.words(cells.get("hashtags", "")):
        extra["hashtags"] = list(spreadsheet.words(cells["hashtags"]))
    images = spreadsheet.media(cells.get("media", ""))
    if images:
        extra["media"] = [{"src": src, "alt": alt} if alt else {"src": src}
                          for src, alt in images]
    if spreadsheet.flag(cells.get("draft", "")):
        extra["draft"] = True
    assert first.moment is not None  # checked
    path, content = post_file(
        config, cells["title"], first.moment, cells["date"], channels=channels,
        funnel=cells.get("funnel", "").lower() or Funnel.AWARENESS.value,
        campaign=cells.get("campaign") or None, owner=cells.get("owner") or None,
        body=cells["body"].replace("\r\n", "\n") + "\n", post_id=post_id, taken=taken,
        claimed=claimed, extra=extra)
    return NewPost(path, content)


def _differences(have: Post, row_post: Post, group: list[_Row]) -> list[str]:
    """The columns (of those the sheet has) in which the rows differ from the post the
    calendar has."""
    sheet = group[0].cells
    found = []
    same: Mapping[str, bool] = {
        "title": have.title == row_post.title,
        "body": have.body.strip() == row_post.body.strip(),
        "funnel": have.funnel == row_post.funnel,
        "campaign": have.campaign == row_post.campaign,
        "owner": have.owner == row_post.owner,
        "cta_text": (have.cta.text if have.cta else None) == (
            row_post.cta.text if row_post.cta else None),
        "cta_url": (have.cta.url if have.cta else None) == (
            row_post.cta.url if row_post.cta else None),
        "hashtags": have.hashtags == row_post.hashtags,
        "media": [(m.src, m.alt) for m in have.media] == [(m.src, m.alt)
                                                          for m in row_post.media],
        "draft": have.draft == row_post.draft,
        # export's rows: one channel each, at that channel's time
        "channels": (set(row_post.channels) == set(have.channels) if sheet.get("channels")
                     else all(r.channel in have.channels for r in group if r.channel)),
        "date": all(r.moment == (have.date_for(r.channel) if r.channel in have.channels
                                 else have.date) for r in group if r.moment),
    }
    for column in _FIELDS:
        if column in sheet and not same[column]:
            found.append(column)
    return found


@dataclass(frozen=True)
class _Reporter:
    """Reports a problem in one row's cell of a column."""

    shown: str
    line: int
    columns: dict[int, str]
    problems: list[diag.Diagnostic]

    def __call__(self, column: str, rule: str, message: str) -> None:
        col = next(i for i, name in self.columns.items() if name == column) + 1
        self.problems.append(diag.error(self.shown, self.line, col, rule, message))


def _rows(text: str, shown: str, problems: list[diag.Diagnostic]
          ) -> Iterator[tuple[int, list[str]]]:
    """Each row and the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(diag.error(shown, start, 1, "import-syntax", f"not CSV: {exc}"))


def _columns(header: list[str], shown: str, line: int, problems: list[diag.Diagnostic]
             ) -> tuple[dict[int, str], int | None]:
    """Column index -> field, from the header row; and the index of export's `channel`
    column when there is a `channels` one too."""
    names = [_name(cell) for cell in header]
    columns: dict[int, str] = {}
    single = None
    for i, (cell, name) in enumerate(zip(header, names, strict=True)):
        if name in READ_ONLY or (name == "text" and "body" in names):
            continue
        if name == "channel" and "channels" in names:
            single = i
            continue
        name = SYNONYMS.get(name, name)
        if name not in (*REQUIRED, *OPTIONAL):
            problems.append(diag.error(shown, line, i + 1, "import-column",
                                       f"unknown column '{cell}'; the columns are "
                                       f"{', '.join(REQUIRED + OPTIONAL)}"))
        elif name in columns.values():
            problems.append(diag.error(shown, line, i + 1, "import-column",
                                       f"column '{name}' appears twice"))
        else:
            columns[i] = name
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        problems.append(diag.error(shown, line, 1, "import-column",
                                   f"no column {', '.join(missing)} (required)"))
    return columns, single


def _name(cell: str) -> str:
    return re.sub(r"[\s_-]+", "_", cell.strip().lower())


def write(posts: list[NewPost]) -> None:
    """Write every post's file, or none: a file that fails takes the ones before it
    back. Raises OSError."""
    done: list[Path] = []
    try:
        for post in posts:
            post.path.parent.mkdir(parents=True, exist_ok=True)
            with post.path.open("x", encoding="utf-8") as f:  # never over another's file
                done.append(post.path)
                f.write(post.text)
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
