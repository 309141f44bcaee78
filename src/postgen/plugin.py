"""The MkDocs plugin `postgen`: the calendar settings live in its config entry.

MkDocs checks the entry's shape; the calendar itself is read through the same
pipeline as every command (load -> validate -> render), so the site shows
exactly the variants `postgen render` prints and `postgen publish` sends.

MkDocs renders the hand-written pages in `calendar/` (theme `postgen`); every
calendar page (overview, months, weeks, posts, campaigns, channels, funnel,
review queue), the `.ics` feed, `posts.json`, the media and the assets are
generated here with `File.generated` from our own Jinja templates, which is
far cheaper than sending thousands of pages through Markdown and the nav.

Problems in posts do not stop the build: they show on the overview and on
each post's page, and are logged as warnings, so `mkdocs build --strict`
fails on them. Config errors stop the build.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from postgen import approvals, pipeline
from postgen import diagnostics as diag
from postgen.errors import ConfigInvalid
from postgen.ledger import Ledger
from postgen.models import Post
from postgen.render.model import Variant
from postgen.site.model import SiteData, build_site_data
from postgen.site.pages import site_files

log = logging.getLogger("mkdocs.plugins.postgen")
_HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)


class PostgenConfig(base.Config):
    """The settings' shape; `postgen.config` checks their meaning, with locations."""

    timezone = c.Type(str)
    content_dir = c.Type(str, default="content")
    brand = c.Type(dict)
    channels = c.Type(dict)
    utm = c.Optional(c.Type(dict))
    approval = c.Optional(c.Type(dict))
    publish = c.Optional(c.Type(dict))


def build_now(tz: Any) -> datetime:
    """The build's "now": POSTGEN_NOW (ISO 8601) for reproducible builds, else the clock."""
    fixed = os.environ.get("POSTGEN_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    return datetime.now(tz)


class PostgenPlugin(BasePlugin[PostgenConfig]):
    site: SiteData | None = None

    def on_config(self, config: Any) -> Any:
        try:
            calendar = pipeline.load_calendar(config_file=Path(config.config_file_path))
        except ConfigInvalid as exc:
            raise PluginError("postgen:\n" + diag.format_text(exc.diagnostics)) from None
        calendar, rendered, problems = pipeline.check(calendar)
        for d in problems:
            log.warning(d.text())
        now = build_now(calendar.config.timezone)
        book = approvals.load(calendar.config)
        sent = Ledger.load(calendar.config.root)

        def status(post: Post, variant: Variant) -> approvals.State:
            return approvals.state(calendar.config, book, post, variant, now, sent.published)

        self.site = build_site_data(calendar, rendered.variants, problems, now, status)
        return config

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        """`mkdocs serve` rebuilds when a post, an asset or a template changes."""
        assert self.site is not None
        root = self.site.config.root
        for folder in (self.site.config.content_dir, root / "assets", root / "theme"):
            if folder.is_dir():
                server.watch(str(folder))
        return server

    def on_files(self, files: Files, config: Any) -> Files:
        assert self.site is not None
        extra = []
        for f in files.documentation_pages():
            if f.src_uri in ("index.md", "README.md"):
                raise PluginError(f"postgen: calendar/{f.src_uri} would replace the generated "
                                  "overview page; give it another name (welcome.md)")
            heading = _HEADING.search(f.content_string)
            title = heading.group(1).strip() if heading else Path(f.src_uri).stem.title()
            extra.append((title, f.url))
        for out in site_files(self.site, tuple(extra)):
            if out.source is not None:
                files.append(File.generated(config, out.path, abs_src_path=str(out.source)))
            else:
                assert out.content is not None
                files.append(File.generated(config, out.path, content=out.content))
        return files
