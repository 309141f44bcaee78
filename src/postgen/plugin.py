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

import contextlib
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from postgen import approvals
from postgen import diagnostics as diag
from postgen.config import load_config
from postgen.ledger import FILE as LEDGER_FILE
from postgen.ledger import Ledger
from postgen.site import stamp
from postgen.site.cache import BuildCache, Collected, SiteFolder, collect, content_key, remove
from postgen.site.model import PostInfo, SiteData, VariantInfo, assemble
from postgen.site.pages import Fragments, site_files

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


class PostgenPlugin(BasePlugin[PostgenConfig]):
    site: SiteData | None = None
    collected: Collected | None = None
    cache: BuildCache | None = None
    folder: SiteFolder | None = None
    written: dict[str, str]  # path -> key, for the files handed to MkDocs
    problems: list[str]
    # For postgen build's up-to-date check (site/stamp.py):
    inputs: stamp.Stats
    stamp_files: list[Path]
    stamp_folders: list[Path]
    until: datetime

    def on_config(self, config: Any) -> Any:
        calendar_config, config_problems = load_config(Path(config.config_file_path))
        if calendar_config is None:
            raise PluginError("postgen:\n" + diag.format_text(diag.sort(config_problems)))
        root = calendar_config.root
        self.stamp_files = [root / approvals.FILE, root / LEDGER_FILE]
        self.stamp_folders = [calendar_config.content_dir, Path(config.docs_dir), root / "theme",
                              *stamp.package_folders()]
        self.inputs = stamp.stats([calendar_config.config_path, *self.stamp_files],
                                  self.stamp_folders)  # as they are before anything is read
        self.cache = BuildCache.load(calendar_config)
        self.collected = collect(calendar_config, self.cache)
        media = {path: st for r in self.cache.records.values() for path, st in r.media}
        for path, st in media.items():  # as collect found them
            self.inputs[path] = list(st) if st else None
            self.stamp_files.append(Path(path))
        book = approvals.load(calendar_config)
        problems = tuple(diag.sort([*config_problems, *self.collected.problems,
                                    *book.problems]))
        self.problems = [d.text() for d in problems]
        for text in self.problems:
            log.warning(text)
        now = stamp.now_for(calendar_config.timezone)
        sent = Ledger.load(calendar_config.root)

        def status(post: PostInfo, variant: VariantInfo) -> approvals.State:
            return approvals.state(calendar_config, book, post, variant, now, sent.published)

        self.site = assemble(calendar_config, self.collected.posts, problems, now, status)
        log.debug(f"postgen: {self.collected.rendered} of {len(self.collected.posts)} posts "
                  "loaded and rendered, the rest from the build cache")
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
        assert self.site is not None and self.collected is not None and self.cache is not None
        site_dir = Path(config.site_dir)
        extra = []
        for f in files.documentation_pages():
            if f.src_uri in ("index.md", "README.md"):
                raise PluginError(f"postgen: calendar/{f.src_uri} would replace the generated "
                                  "overview page; give it another name (welcome.md)")
            heading = _HEADING.search(f.content_string)
            title = heading.group(1).strip() if heading else Path(f.src_uri).stem.title()
            extra.append((title, f.url))
            # A dirty build (postgen build) renders only pages older than their source;
            # these few follow the config and theme too, so they are always rendered.
            with contextlib.suppress(OSError):
                Path(f.abs_dest_path).unlink()
        self.folder = SiteFolder(site_dir, self.cache.sites.get(str(site_dir), {}))
        fragments = Fragments(self.cache.fragments)
        global_key = content_key(f"{self.cache.digest}\0{extra!r}")
        self.written = {}
        for out in site_files(self.site, tuple(extra), details=self.collected.details,
                              fresh=self.folder.fresh, fragments=fragments,
                              global_key=global_key):
            if out.unchanged:
                continue
            if out.source is not None:
                files.append(File.generated(config, out.path, abs_src_path=str(out.source)))
                self.written[out.path] = out.key or ""
                continue
            assert out.content is not None
            key = out.key or content_key(out.content)
            if out.key is None and self.folder.fresh(out.path, key):
                continue
            files.append(File.generated(config, out.path, content=out.content))
            self.written[out.path] = key
        self.cache.fragments = fragments.used
        return files

    def on_post_build(self, config: Any) -> None:
        """Record what the site folder now holds; remove what it no longer should."""
        if self.cache is None or self.folder is None:
            return
        for path, key in self.written.items():
            self.folder.written(path, key)
        removed = remove(self.folder.stale(), self.folder.root)
        if removed:
            log.debug(f"postgen: removed {removed} files the calendar no longer has")
        self.cache.sites[str(self.folder.root)] = self.folder.now
        self.cache.save()
        assert self.site is not None
        now = self.site.now
        self.until = stamp.valid_until(now, (moment for e in self.site.entries for moment in (
            e.post.date, e.post.date - timedelta(days=7), *(v.date for v in e.variants))))

    def record_build(self, config_file: Path, option: str) -> None:
        """Remember this finished build for `postgen build`'s up-to-date check."""
        assert self.site is not None
        stamp.record(config_file, option, timezone=str(self.site.config.timezone),
                     now=self.site.now, until=self.until, inputs=self.inputs,
                     files=self.stamp_files, folders=self.stamp_folders,
                     site_dir=self.folder.root if self.folder else Path(),
                     problems=self.problems)
