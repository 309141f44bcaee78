"""Creating files for writers: a new post with a stable id."""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter

from postgen.dates import DateProblem, parse_datetime
from postgen.errors import PostgenError
from postgen.models import Calendar

BODY = "Write the post here. Markdown: [links](https://example.com), *emphasis*, lists.\n"


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-") or "post"


def new_post(calendar: Calendar, title: str, *, when: str, channels: tuple[str, ...],
             funnel: str, campaign: str | None = None, owner: str | None = None) -> Path:
    config = calendar.config
    moment = parse_datetime(when, config.timezone)
    if isinstance(moment, DateProblem):
        raise PostgenError(moment.message)
    unknown = [c for c in channels if c not in config.channels]
    if unknown:
        raise PostgenError(f"unknown channel(s) {', '.join(unknown)}; configured: "
                           f"{', '.join(config.channels)}")
    slug = slugify(title)
    post_id = f"{moment:%Y-%m-%d}-{slug}"
    taken = {p.id for p in calendar.posts}
    n = 2
    while post_id in taken:
        post_id, n = f"{moment:%Y-%m-%d}-{slug}-{n}", n + 1
    path = config.content_dir / f"{moment:%Y-%m}" / f"{slug}.md"
    if path.exists():
        raise PostgenError(f"{config.rel(path)} already exists; choose another title")
    meta: dict[str, object] = {
        "id": post_id, "title": title, "date": when, "channels": list(channels),
        "funnel": funnel,
    }
    if campaign:
        meta["campaign"] = campaign
    if owner:
        meta["owner"] = owner
    post = frontmatter.Post(BODY)
    post.metadata.update(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
    return path
