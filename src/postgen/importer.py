"""`postgen import FILE`: posts from a spreadsheet (CSV), one row per post.

The columns are named in the first row, in any order and case: `title`,
`date` and `text` (or `body`: the post's markdown) are required; `channels`
(or `channel`: names from mkdocs.yml, separated by commas or spaces; every
channel when empty), `funnel` (awareness when empty), `campaign`, `owner`
and `id` (made from the date and title when empty) are optional. A date is
read as front matter's is: `YYYY-MM-DD HH:MM` in the calendar's timezone,
or with an offset.

Every row is checked before anything is written; any error (reported as
`FILE:line:col: error[rule]: message`, the line a row starts on) and no
post is written. Otherwise each row becomes `content/YYYY-MM/<slug>.md`,
exactly as `postgen new` would write it, with the row's text as its body.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from postgen import diagnostics as diag
from postgen.dates import DateProblem, parse_datetime
from postgen.files import unsafe_target
from postgen.models import Calendar, Funnel
from postgen.scaffold import post_file
from postgen.schema import ID_PATTERN

REQUIRED = ("title", "date", "text")
OPTIONAL = ("channels", "funnel", "campaign", "owner", "id")
SYNONYMS = {"body": "text", "channel": "channels"}


@dataclass(frozen=True)
class NewPost:
    """One row, checked: where its post goes and what the file holds."""

    path: Path
    text: str


def plan(calendar: Calendar, data: bytes, shown: str
         ) -> tuple[list[NewPost], list[diag.Diagnostic]]:
    """The posts the CSV `data` (from the file `shown`) makes, or its problems."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return [], [diag.error(shown, line, 1, "file-encoding",
                               f"byte 0x{data[exc.start]:02X} is not UTF-8; save the "
                               "spreadsheet as CSV UTF-8")]
    problems: list[diag.Diagnostic] = []
    rows = list(_rows(text, shown, problems))
    if problems or not rows:
        return [], problems or [diag.error(shown, 1, 1, "import-column",
                                           "no header row: the first line names the columns")]
    header_line, header = rows[0]
    columns = _columns(header, shown, header_line, problems)
    if problems:
        return [], problems
    config = calendar.config
    taken = {p.id for p in calendar.posts}
    claimed: set[Path] = set()
    posts: list[NewPost] = []
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue  # a blank row
        if len(cells) != len(header):
            problems.append(diag.error(shown, line, 1, "import-syntax",
                                       f"{len(cells)} cells, the header names {len(header)}"))
            continue
        row = {columns[i]: cell.strip() for i, cell in enumerate(cells) if i in columns}
        before = len(problems)
        report = _Reporter(shown, line, columns, problems)

        title, when, body = row["title"], row["date"], row["text"]
        for column, value in (("title", title), ("date", when), ("text", body)):
            if not value:
                report(column, "field-missing", f"'{column}' is empty")
        moment = parse_datetime(when, config.timezone) if when else None
        if isinstance(moment, DateProblem):
            report("date", moment.rule, moment.message)
        channels = tuple(c for c in re.split(r"[,\s]+", row.get("channels", "")) if c)
        unknown = [c for c in channels if c not in config.channels]
        if unknown:
            report("channels", "channel-unknown",
                   f"unknown channel(s) {', '.join(unknown)}; mkdocs.yml has "
                   f"{', '.join(config.channels)}")
        funnel = row.get("funnel", "").lower() or Funnel.AWARENESS.value
        if funnel not in {f.value for f in Funnel}:
            report("funnel", "funnel-unknown", f"'{funnel}' is not a funnel stage; use one of "
                   f"{', '.join(f.value for f in Funnel)}")
        post_id = row.get("id") or None
        if post_id is not None and not ID_PATTERN.fullmatch(post_id):
            report("id", "id-invalid", f"post id '{post_id}' must be lowercase letters, "
                   "digits and '-', at most 64 characters")
        elif post_id is not None and post_id in taken:
            report("id", "id-duplicate", f"post id '{post_id}' is taken already")
        if len(problems) > before or moment is None or isinstance(moment, DateProblem):
            continue
        path, content = post_file(
            config, title, moment, when, channels=channels or tuple(config.channels),
            funnel=funnel, campaign=row.get("campaign") or None,
            owner=row.get("owner") or None, body=body.replace("\r\n", "\n") + "\n",
            post_id=post_id, taken=taken, claimed=claimed)
        unsafe = unsafe_target(config.root, path)
        if unsafe:
            problems.append(diag.error(shown, line, 1, "file-outside-repo",
                                       f"the post's file {config.rel(path)} {unsafe}"))
        posts.append(NewPost(path, content))
    return ([] if problems else posts), problems


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
             ) -> dict[int, str]:
    """Column index -> field, from the header row."""
    columns: dict[int, str] = {}
    for i, cell in enumerate(header):
        name = re.sub(r"[\s_-]+", "_", cell.strip().lower())
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
    return columns


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
