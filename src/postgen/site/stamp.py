"""The up-to-date check: a `postgen build` whose inputs are as the last build left them
does nothing.

After a build, `postgen build` records (`.postgen-cache/stamp.json`, one
record per site folder option) the size and modification time of everything
the site is made from: `mkdocs.yml`, every file under the content folder,
the hand-written pages (`docs_dir`), `theme/`, the images posts show,
`approvals.jsonl`, `publish-ledger.jsonl`, postgen's own code, templates and
rules (and its version), and every file the build wrote to the site folder
(the plugin's manifest and the files MkDocs wrote); the
problems the build reported; and the window of "now" in which no page could
change: from the build's now to the first moment after it at which a post
becomes due, enters or leaves the overview's next seven days, a posting slot
comes into the window evergreen re-sends and `date: auto` posts are placed in
(`schedule.moves_at`), or the date changes.

The next build compares before importing MkDocs or loading any post. When
everything matches it reports the same problems and stops; otherwise the
real build runs (and redoes only what changed, see `site/cache.py`). This
module reads no YAML and imports nothing heavy: it is on the path of every
`postgen build`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from postgen import __version__, cachedir
from postgen.errors import PostgenError
from postgen.files import write_atomically

FILE = Path(".postgen-cache") / "stamp.json"
FORMAT = 2

Stats = dict[str, list[int] | None]


def digest(found: Stats) -> str:
    """One digest for many files' sizes and times: the stamp keeps that, not the list."""
    data = json.dumps(sorted(found.items()), separators=(",", ":"))
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


#: Folders already walked in this run, by path: `up_to_date` and the build that
#: follows it look at the same folders as they were before anything was read.
Walked = dict[str, Stats]


def stats(files: Iterable[Path | str] = (), folders: Iterable[Path] = (),
          walked: Walked | None = None) -> Stats:
    """Size and modification time of each file, and of every file under each folder
    (taken from `walked` for a folder walked before, else walked and kept there)."""
    out: Stats = {}
    for path in files:
        try:
            st = os.stat(path)
            out[str(path)] = [st.st_size, st.st_mtime_ns]
        except OSError:
            out[str(path)] = None
    for folder in folders:
        found = walked.get(str(folder)) if walked is not None else None
        if found is None:
            found = _walk(folder)
            if walked is not None:
                walked[str(folder)] = found
        out.update(found)
    return out


def _walk(folder: Path) -> Stats:
    out: Stats = {f"{folder}{os.sep}": [1] if os.path.isdir(folder) else None}
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")  # written as modules load
        for name in names:
            file = os.path.join(base, name)
            try:
                st = os.stat(file)
            except OSError:  # a dangling link, say: still a file the build reports on
                out[file] = None
                continue
            out[file] = [st.st_size, st.st_mtime_ns]
    return out


def package_folders() -> list[Path]:
    """postgen itself: its code, templates and rules (an editable install, or an install
    from another commit under the same version, changes them)."""
    return [Path(__file__).resolve().parent.parent]


def now_for(tz: tzinfo) -> datetime:
    """The build's "now": POSTGEN_NOW (ISO 8601) for reproducible builds, else the clock."""
    fixed = os.environ.get("POSTGEN_NOW")
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError as exc:
            why = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
            raise PostgenError(f"the environment variable POSTGEN_NOW={fixed!r} is not an ISO "
                               f"8601 date and time such as 2027-03-01T09:00{why}; fix it, or "
                               "unset it for the clock's time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    return datetime.now(tz)


def valid_until(now: datetime, moments: Iterable[datetime]) -> datetime:
    """The first of `moments` after `now`, and never later than the next midnight."""
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                tzinfo=now.tzinfo)
    return min([midnight, *(m for m in moments if m > now)])


def _records(root: Path) -> dict[str, dict[str, object]]:
    if not cachedir.usable(root):
        return {}
    try:
        data = json.loads((root / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    records = data.get("builds")
    return records if isinstance(records, dict) else {}


def last_site_dir(config_file: Path) -> Path | None:
    """A site folder `postgen build` wrote and recorded: the default one (no `-d`) first."""
    records = _records(config_file.parent)
    for option in sorted(records, key=bool):  # "" first
        record = records[option]
        site_dir = record.get("site_dir") if isinstance(record, dict) else None
        if isinstance(site_dir, str) and os.path.isdir(site_dir):
            return Path(site_dir)
    return None


def up_to_date(config_file: Path, option: str, strict: bool,
               walked: Walked | None = None) -> list[str] | None:
    """The problems the last build reported, if the site it built for `option` (the
    site folder given on the command line, or '') is still current; else None."""
    root = config_file.parent
    record = _records(root).get(option)
    if not isinstance(record, dict) or record.get("version") != __version__:
        return None
    problems = record.get("problems")
    if not isinstance(problems, list) or (strict and problems):
        return None
    try:
        now = now_for(ZoneInfo(str(record["timezone"])))
        since = datetime.fromisoformat(str(record["now"]))
        until = datetime.fromisoformat(str(record["until"]))
        files = [Path(p) for p in record["files"]]  # type: ignore[attr-defined]
        folders = [Path(p) for p in record["folders"]]  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError):
        return None
    if not since <= now < until:
        return None
    if digest(stats([config_file, *files], folders, walked)) != record["inputs"]:
        return None
    site = str(record["site_dir"])
    written = [os.path.join(site, p) for p in record["written"]]  # type: ignore[attr-defined]
    if digest(stats(written)) != record["site"]:
        return None
    return [str(p) for p in problems]


@dataclass(frozen=True)
class Shell:
    """What MkDocs made of the site: the hand-written pages in the navigation (title,
    URL), the folder they come from, the site folder and the files it wrote there
    (relative path -> size and time)."""

    docs_dir: Path
    extra: tuple[tuple[str, str], ...]
    site_dir: Path
    files: Stats

    @classmethod
    def of(cls, docs_dir: Path, extra: tuple[tuple[str, str], ...], site_dir: Path,
           files: Iterable[str]) -> Shell:
        found = stats(os.path.join(site_dir, p) for p in files)
        return cls(docs_dir, extra, site_dir,
                   {os.path.relpath(p, site_dir): st for p, st in found.items()})


def shell_inputs(config_file: Path, docs_dir: Path, walked: Walked | None = None) -> Stats:
    """What MkDocs' part of the site is made from: the config, the hand-written pages,
    the theme folder and postgen's MkDocs theme."""
    theme = Path(__file__).resolve().parent / "theme"
    return stats([config_file], [docs_dir, config_file.parent / "theme", theme], walked)


def shell_current(config_file: Path, option: str, walked: Walked | None = None
                  ) -> Shell | None:
    """MkDocs' part of the last build for `option`, if nothing it is made from changed
    since and the site folder still holds its files as written; else None."""
    record = _records(config_file.parent).get(option)
    if not isinstance(record, dict) or record.get("version") != __version__:
        return None
    try:
        shell: Any = record["shell"]
        site_dir = str(record["site_dir"])
        docs_dir = Path(shell["docs_dir"])
        extra = tuple((str(t), str(u)) for t, u in shell["extra"])
        files = [str(p) for p in shell["files"]]
    except (KeyError, TypeError, ValueError):
        return None
    if digest(shell_inputs(config_file, docs_dir, walked)) != shell["inputs"]:
        return None
    found = Shell.of(docs_dir, extra, Path(site_dir), files)
    if digest(found.files) != shell["site"]:
        return None
    return found


def record(config_file: Path, option: str, *, timezone: str, now: datetime, until: datetime,
           inputs: Stats, files: list[Path], folders: list[Path], site_dir: Path,
           written: Stats, shell: Shell, shell_inputs: str, problems: list[str]) -> None:
    """Remember a finished build: its inputs as they were when it started, the files
    it left in `site_dir` (relative path -> size and time: the plugin's and MkDocs'),
    and MkDocs' part (`shell_inputs`: the digest of `shell_inputs()` when it started)."""
    root = config_file.parent
    builds = _records(root)
    written = {**written, **shell.files}
    builds[option] = {
        "version": __version__, "timezone": timezone, "now": now.isoformat(),
        "until": until.isoformat(), "files": [str(p) for p in files],
        "folders": [str(p) for p in folders], "inputs": digest(inputs),
        "site_dir": str(site_dir), "written": sorted(written),
        "site": digest({os.path.join(site_dir, p): st for p, st in written.items()}),
        "shell": {"docs_dir": str(shell.docs_dir), "extra": [list(e) for e in shell.extra],
                  "files": sorted(shell.files), "site": digest(shell.files),
                  "inputs": shell_inputs},
        "problems": problems,
    }
    path = root / FILE
    if not cachedir.usable(root):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps({"format": FORMAT, "builds": builds}))
    except OSError:
        pass  # a read-only checkout: every build is a real one
