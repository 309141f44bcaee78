"""Build the site from the server's clone, as `postgen build` does: incrementally.

When only the calendar changed (posts, images, approvals, ledger), a
`SiteBuild` rewrites the pages that show what changed, without MkDocs; when
the config, the hand-written pages or the theme changed (and the first
time), MkDocs builds the whole site, through the same plugin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from postgen import diagnostics as diag
from postgen.errors import ConfigInvalid, PostgenError
from postgen.models import CalendarConfig
from postgen.render.templating import template_failure
from postgen.site import stamp
from postgen.site.build import SiteBuild, write_site
from postgen.site.cache import BuildCache


@dataclass(frozen=True)
class Shown:
    """A variant as the site shows it: what a decision about it must name."""

    post: str
    channel: str
    hash: str
    text: str
    draft: bool
    date: datetime  # when it goes out


@dataclass(frozen=True)
class Built:
    config: CalendarConfig
    variants: dict[tuple[str, str], Shown]
    titles: dict[str, str]  # post id -> title
    cache: BuildCache


def build(config_file: Path, site_dir: Path, known: BuildCache | None = None) -> Built:
    option = str(site_dir.resolve())
    walked: stamp.Walked = {}
    shell = stamp.shell_current(config_file, option, walked)
    try:
        if shell is not None:
            site = SiteBuild(config_file, shell.docs_dir, walked, known)
            write_site(site, shell.site_dir, shell.extra)
            site.record(config_file, option, shell)
        else:
            site = _mkdocs_build(config_file, option)
    except jinja2.TemplateError as exc:  # a template of the repository's theme
        raise PostgenError(template_failure(exc, config_file.parent).text()) from None
    variants = {(v.post_id, v.channel): Shown(v.post_id, v.channel, v.hash, v.text,
                                              e.post.draft, v.date)
                for e in site.site.entries for v in e.variants}
    titles = {e.post.id: e.post.title for e in site.site.entries}
    return Built(site.site.config, variants, titles, site.cache)


def _mkdocs_build(config_file: Path, option: str) -> SiteBuild:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    from postgen.config import hooks_allowed, mkdocs_config, runs_code

    found = runs_code(config_file, hooks_allowed())
    if found:  # before MkDocs reads the file
        raise PostgenError("not built: the config would run code from the repository\n"
                           + diag.format_text(diag.sort(found)))
    dirty = logging.getLogger("mkdocs.commands.build")
    quiet = _NoDirtyWarning()
    dirty.addFilter(quiet)
    try:
        config = mkdocs_config(config_file, site_dir=option)
        mkdocs_build(config, dirty=True)
    except ConfigInvalid as exc:
        raise PostgenError("the site could not be built:\n"
                           + diag.format_text(exc.diagnostics)) from None
    except MkDocsException as exc:
        raise PostgenError(f"the site could not be built: {exc}") from None
    finally:
        dirty.removeFilter(quiet)
    plugin: Any = config.plugins["postgen"]  # postgen.plugin.PostgenPlugin
    plugin.record_build(config_file, option)
    result: SiteBuild = plugin.build
    return result


class _NoDirtyWarning(logging.Filter):
    """The plugin rebuilds what depends on what changed: MkDocs' dirty-build warning is
    not for us."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")
