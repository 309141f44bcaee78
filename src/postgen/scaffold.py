"""Creating files for writers: a new post with a stable id; a new calendar repository."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from importlib.resources import files as resource_files
from pathlib import Path

import frontmatter
import jinja2
from slugify import slugify as _slugify

from postgen import SOURCE, __version__
from postgen.dates import DateProblem, parse_datetime
from postgen.errors import PostgenError
from postgen.files import unsafe_target
from postgen.models import Calendar, CalendarConfig
from postgen.postschema import SCHEMA_FILE, as_json
from postgen.schema import PLACEHOLDER_BODY

FIRST_BODY = ("Hello! We now plan our posts in a content calendar that lives in git. "
              "Replace this post with your first real one.\n")


def slugify(title: str) -> str:
    """The title as a file name: transliterated to ASCII (`Café über Straße` ->
    `cafe-uber-strasse`, by python-slugify), at most 48 characters, cut at a word;
    empty when nothing of it is a letter or digit."""
    return _slugify(title, max_length=48, word_boundary=True)


def _slug(title: str, moment: datetime) -> str:
    # A title with no letter or digit (☕☕☕) is named by its time.
    return slugify(title) or f"{moment:%Y-%m-%d-%H%M}"


def id_stem(title: str, moment: datetime) -> str:
    """The id a post of this title and time gets, before `-2`, `-3`... make it unique."""
    slug, day = _slug(title, moment), f"{moment:%Y-%m-%d}"
    return slug if slug.startswith(day) else f"{day}-{slug}"


def new_post(calendar: Calendar, title: str, *, when: str, channels: tuple[str, ...],
             funnel: str, campaign: str | None = None, owner: str | None = None,
             body: str = PLACEHOLDER_BODY) -> Path:
    config = calendar.config
    if not title.strip():
        raise PostgenError("a post needs a title (it names the file and the id)")
    moment = parse_datetime(when, config.timezone)
    if isinstance(moment, DateProblem):
        raise PostgenError(moment.message)
    unknown = [c for c in channels if c not in config.channels]
    if unknown:
        raise PostgenError(f"unknown channel(s) {', '.join(unknown)}; configured: "
                           f"{', '.join(config.channels)}")
    path, text = post_file(config, title, moment, when, channels=channels, funnel=funnel,
                           campaign=campaign, owner=owner, body=body,
                           taken={p.id for p in calendar.posts})
    if path.exists():
        raise PostgenError(f"{config.rel(path)} already exists; choose another title")
    unsafe = unsafe_target(config.root, path)
    if unsafe:
        raise PostgenError(f"{config.rel(path)} {unsafe}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:  # never through a link made meanwhile
        f.write(text)
    return path


def post_file(config: CalendarConfig, title: str, moment: datetime, when: str, *,
              channels: tuple[str, ...], funnel: str, campaign: str | None = None,
              owner: str | None = None, body: str = PLACEHOLDER_BODY, post_id: str | None = None,
              taken: set[str], claimed: set[Path] | None = None,
              extra: Mapping[str, object] | None = None) -> tuple[Path, str]:
    """A new post's file and text (not written): `content/YYYY-MM/<slug>.md`, its id
    `post_id` or made from the date and title, one no post in `taken` has (it joins
    them). With `claimed`, the file is one that neither exists nor is claimed (it joins
    them: `-2`, `-3`... after the slug). `when` is the date as the writer gave it;
    `moment` what it means. `extra`: more front matter fields (cta, media...)."""
    slug = _slug(title, moment)
    if post_id is None:
        stem = id_stem(title, moment)
        post_id, n = stem, 2
        while post_id in taken:
            post_id, n = f"{stem}-{n}", n + 1
    taken.add(post_id)
    path = config.content_dir / f"{moment:%Y-%m}" / f"{slug}.md"
    if claimed is not None:
        n = 2
        while path.exists() or path in claimed:
            path, n = path.with_name(f"{slug}-{n}.md"), n + 1
        claimed.add(path)
    meta: dict[str, object] = {
        "id": post_id, "title": title, "date": when, "channels": list(channels),
        "funnel": funnel,
    }
    if campaign:
        meta["campaign"] = campaign
    if owner:
        meta["owner"] = owner
    meta.update(extra or {})
    post = frontmatter.Post(body)
    post.metadata.update(meta)
    text = frontmatter.dumps(post, sort_keys=False) + "\n"
    # Editors with the YAML language server complete and check the fields with it.
    schema = Path(os.path.relpath(config.root / SCHEMA_FILE, path.parent)).as_posix()
    return path, text.replace("---\n", f"---\n# yaml-language-server: $schema={schema}\n", 1)


#: A new calendar's files: where each goes, from which file of `templates/init/`
#: (`.j2` ones rendered with the brand's name and the timezone).
CALENDAR_FILES = {
    "mkdocs.yml": "mkdocs.yml.j2",
    "README.md": "README.md.j2",
    "requirements.txt": "requirements.txt.j2",
    "calendar/welcome.md": "calendar/welcome.md.j2",
    "accounts.lock": "accounts.lock",  # trusts no secret yet: `postgen accounts trust`
    ".gitignore": "gitignore",
    ".gitattributes": "gitattributes",
    ".github/workflows/check.yml": "workflows/check.yml",
    ".github/workflows/publish.yml": "workflows/publish.yml",
    ".github/workflows/approvals.yml": "workflows/approvals.yml",
    ".github/workflows/pages.yml": "workflows/pages.yml",
    ".github/workflows/accounts.yml": "workflows/accounts.yml",
    ".github/workflows/results.yml": "workflows/results.yml",
    ".github/commit-and-push.sh": "commit-and-push.sh",
    ".github/workflows/review-reminders.yml": "workflows/review-reminders.yml",
}
FIRST_POST = "Hello from our new content calendar"


def requirement(source: str, version: str) -> str:
    """The line of requirements.txt that pins postgen `version`: from the package index
    (`source` "index"), or a git URL at the tag `v<version>`."""
    if source == "index":
        return f"postgen=={version}"
    if not source.startswith("git+") or "@" in source.rsplit("/", 1)[-1] or \
            any(c.isspace() for c in source):
        raise PostgenError(f"--source must be 'index' or a git URL such as {SOURCE} "
                           f"(without @tag: the tag is v{version}), not {source!r}")
    return f"postgen @ {source}@v{version}"


def new_calendar(folder: Path, name: str, timezone: str, today: date, *,
                 source: str = SOURCE, reviewers: tuple[str, ...] = ()) -> list[Path]:
    """A calendar repository in `folder` (new, or empty): its config, a welcome page, the
    CI workflows, requirements.txt pinning this postgen from `source` (see `requirement`),
    the front matter's JSON Schema for editors (SCHEMA_FILE), and a first post a week
    after `today`, at 09:00; `reviewers` are GitHub logins. Written in a temporary folder
    beside it, then moved into place: all of it, or nothing. Returns the files, relative
    to `folder`."""
    if not name.strip() or any(ord(c) < 32 for c in name):
        raise PostgenError("the calendar's name must be one line of text")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PostgenError(f"{folder} is not an empty folder: postgen init writes only into "
                           "a new or empty one")
    pin = requirement(source, __version__)
    bad = [r for r in reviewers if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", r)]
    if bad:
        raise PostgenError(f"{bad[0]!r} is not a GitHub login (--reviewer)")
    templates = resource_files("postgen") / "templates" / "init"
    values = {"name": name, "timezone": timezone, "requirement": pin,
              "reviewers": json.dumps(list(reviewers)), "version": __version__,
              "quoted_name": json.dumps(name, ensure_ascii=False),  # YAML's "..." form
              "site_name": json.dumps(f"{name} - social calendar", ensure_ascii=False)}
    temp = folder.with_name(f".{folder.name}.init-{os.getpid()}")
    try:
        for target, source in CALENDAR_FILES.items():
            text = (templates / source).read_text(encoding="utf-8")
            if source.endswith(".j2"):
                text = jinja2.Template(text, keep_trailing_newline=True,
                                       undefined=jinja2.StrictUndefined).render(values)
            path = temp / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (temp / "content").mkdir()  # content_dir in the template's mkdocs.yml
        from postgen.pipeline import load_calendar

        calendar = load_calendar(config_file=temp / "mkdocs.yml")
        (temp / SCHEMA_FILE).write_text(as_json(list(calendar.config.channels)),
                                        encoding="utf-8")
        when = f"{today + timedelta(days=7):%Y-%m-%d} 09:00"
        new_post(calendar, FIRST_POST, when=when, channels=tuple(calendar.config.channels),
                 funnel="awareness", body=FIRST_BODY)
        written = sorted(p.relative_to(temp) for p in temp.rglob("*") if p.is_file())
        if folder.exists():
            folder.rmdir()  # empty: checked above
        os.replace(temp, folder)
    except BaseException as exc:
        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(exc, OSError):  # in a file, on a read-only disk...
            raise PostgenError(f"cannot create the calendar in {folder}: "
                               f"{exc.strerror or exc}; nothing was written") from None
        raise
    return written
