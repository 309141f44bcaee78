"""One build of the calendar's part of the site, with or without MkDocs.

MkDocs builds the shell (the hand-written pages in `docs_dir`, the theme's
files, its sitemap and 404 page); everything else comes from here. The
plugin (`postgen.plugin`) runs a `SiteBuild` inside MkDocs' build and hands
its files to MkDocs. When nothing the shell is made from changed since the
last build, `postgen build` runs a `SiteBuild` alone and writes its files
itself (`write_site`): the site comes out the same, without MkDocs' start-up
and page pipeline (see `site/stamp.py` for how it knows).

The steps follow MkDocs' events: `SiteBuild(...)` (on_config) loads the
calendar, the build cache and the approvals and assembles the site;
`outputs` (on_files) yields the files that must be written; `finish`
(on_post_build) records them, removes what the site no longer has and
saves the cache; `record` keeps the stamp for the next `postgen build`.
"""

from __future__ import annotations

import bisect
import logging
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from postgen import approvals
from postgen import diagnostics as diag
from postgen.config import load_config
from postgen.errors import ConfigInvalid
from postgen.files import write_atomically
from postgen.ledger import FILE as LEDGER_FILE
from postgen.ledger import Ledger
from postgen.results import store as results_store
from postgen.results.report import Summary, summarise
from postgen.site import stamp
from postgen.site.cache import (
    BuildCache,
    Collected,
    Entries,
    SiteFolder,
    collect,
    content_key,
    remove,
)
from postgen.site.model import PostInfo, SiteData, VariantInfo, assemble
from postgen.site.pages import Fragments, Output, Spans, site_files

log = logging.getLogger("mkdocs.plugins.postgen")

#: A hand-written page in the navigation: its title and URL.
ExtraPage = tuple[str, str]


class SiteBuild:
    """The calendar loaded (from the build cache where unchanged) and assembled."""

    site: SiteData
    collected: Collected
    cache: BuildCache
    problems: list[str]  # every problem, as `path:line:col: severity[rule]: message`
    folder: SiteFolder | None = None
    results: Summary  # what sent posts did (results.jsonl)
    written: dict[str, tuple[str, Spans | None]]  # path -> key (and a feed's spans), of
    # the files `outputs` gave to write
    until: datetime
    # For postgen build's up-to-date check (site/stamp.py):
    inputs: stamp.Stats
    shell_inputs: str
    stamp_files: list[Path]
    stamp_folders: list[Path]

    def __init__(self, config_file: Path, docs_dir: Path | None,
                 walked: stamp.Walked | None = None, known: BuildCache | None = None) -> None:
        """`docs_dir`: the hand-written pages (None: no site folder is written, `postgen
        export`); `walked`: folders `postgen build`'s up-to-date check has just walked;
        `known`: the last build's cache, in a process that builds again (`postgen serve`)."""
        self.docs_dir = docs_dir
        calendar_config, config_problems = load_config(config_file)
        if calendar_config is None:
            raise ConfigInvalid(config_problems)
        root = calendar_config.root
        self.stamp_files = [root / approvals.FILE, root / LEDGER_FILE, root / results_store.FILE]
        self.stamp_folders = [calendar_config.content_dir, *([docs_dir] if docs_dir else []),
                              root / "theme", *stamp.package_folders()]
        # As they are before anything is read:
        self.inputs = stamp.stats([calendar_config.config_path, *self.stamp_files],
                                  self.stamp_folders, walked)
        self.shell_inputs = (stamp.digest(stamp.shell_inputs(config_file, docs_dir, walked))
                             if docs_dir else "")
        self.cache = BuildCache.load(calendar_config, known)
        now = stamp.now_for(calendar_config.timezone)
        self.collected = collect(calendar_config, self.cache, now, self.inputs)
        media = {path: st for r in self.cache.records.values() for path, st in r.media}
        for path, st in media.items():  # as collect found them
            self.inputs[path] = list(st) if st else None
            self.stamp_files.append(Path(path))
        book = approvals.load(calendar_config)
        problems = tuple(diag.sort([*config_problems, *self.collected.problems,
                                    *book.problems]))
        self.problems = [d.text() for d in problems]
        if self.problems:  # in one record: logging thousands one by one takes 0.1 s
            log.warning("\n".join(self.problems))
        sent = Ledger.load(calendar_config.root)
        states: dict[approvals.State, approvals.State] = {}

        def status(post: PostInfo, variant: VariantInfo) -> approvals.State:
            found = approvals.state(calendar_config, book, post, variant, now, sent.published)
            return states.setdefault(found, found)  # one object per state: a lighter cache

        def reads(post: PostInfo, variant: VariantInfo) -> object:
            return book.of(post.id, variant.channel), sent.published(variant)

        self.results = summarise(calendar_config, (p for p, _v in self.collected.posts),
                                 results_store.read(root))
        entries = Entries(self.cache.entries, status, reads, now)
        self.site = assemble(calendar_config, self.collected.posts, problems, now, entries)
        self.cache.entries = entries.made
        log.debug(f"postgen: {self.collected.rendered} of {len(self.collected.posts)} posts "
                  "loaded and rendered, the rest from the build cache")

    def outputs(self, site_dir: Path, extra: tuple[ExtraPage, ...]) -> Iterator[Output]:
        """The files `site_dir` does not hold as they should be: each must be written."""
        self.folder = SiteFolder(site_dir, self.cache.sites.get(str(site_dir), {}))
        fragments = Fragments(self.cache.fragments)
        global_key = content_key(f"{self.cache.digest}\0{extra!r}")
        self.written = {}
        for out in site_files(self.site, extra, details=self.collected.details,
                              fresh=self.folder.fresh, fragments=fragments,
                              global_key=global_key, earlier=self.folder.pieces,
                              site_dir=site_dir, results=self.results):
            if out.written is not None:  # a post page, written where it was rendered
                assert out.key is not None
                self.folder.holds(out.path, out.key, out.written)
                continue
            if out.unchanged:
                continue
            if out.content is not None:
                key = out.key or content_key(out.content)
                if out.key is None and self.folder.fresh(out.path, key):
                    continue
            else:
                key = out.key or ""
            self.written[out.path] = key, out.spans
            yield out
        self.cache.fragments = fragments.kept(self.site.entries)

    def finish(self) -> None:
        """Record what the site folder now holds; remove what it no longer should; save
        the cache."""
        assert self.folder is not None
        for path, (key, spans) in self.written.items():
            self.folder.written(path, key, spans)
        removed = remove(self.folder.stale(), self.folder.root)
        if removed:
            log.debug(f"postgen: removed {removed} files the calendar no longer has")
        # This folder's manifest; those of folders gone since (`postgen serve`'s) are dropped.
        self.cache.sites = {path: files for path, files in self.cache.sites.items()
                            if os.path.isdir(path)}
        self.cache.sites[str(self.folder.root)] = self.folder.now
        self.cache.save()
        self.until = stamp.valid_until(self.site.now, self._moments())

    def _moments(self) -> list[datetime]:
        """When a page could change: the next post falls due or enters the overview's
        next 7 days, a channel's own time (one not the post's) comes, or a slot comes
        into the window evergreen re-sends and `date: auto` posts are placed in."""
        entries = self.site.entries
        moments = [v.date for e in entries for v in e.variants if v.date != e.post.date]
        moments += self.collected.moves
        dates = sorted(e.post.date for e in entries)  # calendar order already: cheap
        for ahead in (timedelta(0), timedelta(days=7)):
            i = bisect.bisect_right(dates, self.site.now + ahead)
            if i < len(dates):
                moments.append(dates[i] - ahead)
        return moments

    def record(self, config_file: Path, option: str, shell: stamp.Shell) -> None:
        """Remember this finished build for the next `postgen build`."""
        assert self.folder is not None
        written: stamp.Stats = {path: list(w.stat) for path, w in self.folder.now.items()}
        stamp.record(config_file, option, timezone=str(self.site.config.timezone),
                     now=self.site.now, until=self.until, inputs=self.inputs,
                     files=self.stamp_files, folders=self.stamp_folders,
                     site_dir=self.folder.root, written=written, shell=shell,
                     shell_inputs=self.shell_inputs, problems=self.problems)


def write_site(build: SiteBuild, site_dir: Path, extra: tuple[ExtraPage, ...]) -> None:
    """Write the build's files to `site_dir` (what MkDocs does with the plugin's files)."""
    for out in build.outputs(site_dir, extra):
        path = site_dir / out.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if out.source is not None:
            shutil.copyfile(out.source, path)
        else:
            assert out.content is not None
            write_atomically(path, out.content)
    build.finish()

