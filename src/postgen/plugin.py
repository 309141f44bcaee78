"""The MkDocs plugin `postgen`: the calendar settings live in its config entry.

MkDocs checks the entry's shape; the calendar itself is read through the same
pipeline as every command (load -> validate -> render), so the site shows
exactly the variants `postgen render` prints and `postgen publish` sends.

MkDocs renders the hand-written pages in `calendar/` (theme `postgen`); every
calendar page (overview, months, weeks, posts, campaigns, channels, funnel,
review queue), the `.ics` feed, `posts.json`, the media and the assets come
from `site/build.py`'s `SiteBuild` (our own Jinja templates) and are handed
to MkDocs with `File.generated`, which is far cheaper than sending thousands
of pages through Markdown and the nav.

Problems in posts do not stop the build: they show on the overview and on
each post's page, and are logged as warnings, so `mkdocs build --strict`
fails on them. Config errors stop the build.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from postgen import diagnostics as diag
from postgen.errors import ConfigInvalid, PostgenError
from postgen.models import CalendarConfig
from postgen.render.templating import sandboxed, template_failure
from postgen.site import stamp, words
from postgen.site.build import ExtraPage, SiteBuild
from postgen.site.cache import seed

log = logging.getLogger("mkdocs.plugins.postgen")
_HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)


class PostgenConfig(base.Config):
    """The settings' names for MkDocs. `postgen.config` checks them (`load_config`
    below), reporting each problem at its line as `postgen check` does; MkDocs' own
    checks would say "Required configuration not provided" for a misspelt key."""

    timezone = c.Optional(c.Type(object))
    content_dir = c.Optional(c.Type(object))
    brand = c.Optional(c.Type(object))
    channels = c.Optional(c.Type(object))
    utm = c.Optional(c.Type(object))
    approval = c.Optional(c.Type(object))
    publish = c.Optional(c.Type(object))
    review = c.Optional(c.Type(object))


class PostgenPlugin(BasePlugin[PostgenConfig]):
    build: SiteBuild | None = None
    extra: tuple[ExtraPage, ...] = ()
    shell_files: list[str]  # what MkDocs writes to the site folder (not the plugin)
    serving = False  # under `mkdocs serve`: the first build starts from the last one's files

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None
                    ) -> tuple[Any, Any]:
        """The settings checked by postgen first, so a config error reads the same in
        `mkdocs build` as in `postgen check` (and unknown keys are errors there)."""
        if config_file_path is not None:
            from postgen.config import load_config

            calendar, problems = load_config(Path(config_file_path))
            if calendar is None:
                raise ValidationError(
                    "postgen:\n" + diag.format_text(diag.sort(problems)))
        return super().load_config(options, config_file_path)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Having this hook also keeps the plugin alive across `mkdocs serve`'s rebuilds.
        self.serving = command == "serve"

    def on_config(self, config: Any) -> Any:
        config_file = Path(config.config_file_path)
        known = self.build.cache if self.build is not None else None  # serving: the last
        try:
            self.build = SiteBuild(config_file, Path(config.docs_dir), known=known)
        except ConfigInvalid as exc:
            raise PluginError("postgen:\n" + diag.format_text(diag.sort(exc.diagnostics))
                              ) from None
        except PostgenError as exc:  # e.g. a malformed POSTGEN_NOW
            raise PluginError(f"postgen: {exc}") from None
        unsafe = _unsafe_site_dir(Path(config.site_dir), self.build.site.config)
        if unsafe:  # before MkDocs empties the folder (a clean build) or writes into it
            raise PluginError(f"postgen: {unsafe}")
        if self.serving:  # MkDocs serves a new, empty folder: fill it from the last build
            self.serving = False
            last = stamp.last_site_dir(config_file)
            if last is not None and last != Path(config.site_dir):
                copied = seed(self.build.cache, last, Path(config.site_dir))
                log.debug(f"postgen: {copied} files of {last} reused")
        return config

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        """`mkdocs serve` rebuilds when a post, an asset, a template, an approval or the
        ledger changes."""
        assert self.build is not None
        calendar = self.build.site.config
        for folder in calendar.source_folders:
            if folder.is_dir():
                server.watch(str(folder))
        # approvals.jsonl and the ledger, even before they exist: the calendar's root
        # alone (what the build writes is in folders under it, unwatched).
        server.watch(str(calendar.root), recursive=False)
        server.builder = _checked_first(server.builder, Path(config.config_file_path))
        return server

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        """MkDocs' own templates (the theme's, a `custom_dir` from the repository) render
        in Jinja's sandbox, as postgen's do; the theme's footer says the timezone as
        postgen's pages do (`words.zone`)."""
        env = sandboxed(env)
        env.globals["postgen_zone"] = words.zone
        return env

    def on_files(self, files: Files, config: Any) -> Files:
        assert self.build is not None
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
        self.extra = tuple(extra)
        # What MkDocs itself writes: hand-written pages, theme files, its templates.
        self.shell_files = [f.dest_uri for f in files if f.generated_by is None]
        self.shell_files += [*config.theme.static_templates, *config.extra_templates]
        if "sitemap.xml" in config.theme.static_templates:
            self.shell_files.append("sitemap.xml.gz")
        for out in self.build.outputs(Path(config.site_dir), self.extra):
            if out.source is not None:
                files.append(File.generated(config, out.path, abs_src_path=str(out.source)))
            elif out.content is not None:
                files.append(File.generated(config, out.path, content=out.content))
        return files

    def on_post_build(self, config: Any) -> None:
        """Record what the site folder now holds; remove what it no longer should."""
        if self.build is not None and self.build.folder is not None:
            self.build.finish()

    def record_build(self, config_file: Path, option: str) -> None:
        """Remember this finished build for `postgen build`'s next run."""
        assert self.build is not None and self.build.folder is not None
        assert self.build.docs_dir is not None
        shell = stamp.Shell.of(self.build.docs_dir, self.extra, self.build.folder.root,
                               self.shell_files)
        self.build.record(config_file, option, shell)


def _unsafe_site_dir(site_dir: Path, calendar: CalendarConfig) -> str | None:
    """Why the site may not be built in `site_dir`: a clean build empties the folder, so it
    must hold none of the calendar's own files (MkDocs checks only its docs_dir)."""
    site = site_dir.resolve()
    root = calendar.root.resolve()
    if site == root or site in root.parents:
        return (f"the site folder {site_dir} holds the whole calendar: building there would "
                "overwrite or delete its files; use a folder of its own, such as site/")
    for kept in calendar.source_folders:
        folder = kept.resolve()
        if site == folder or folder in site.parents or site in folder.parents:
            return (f"the site folder {site_dir} overlaps {calendar.rel(kept)}/: building "
                    "there would overwrite or delete the calendar's files; use a folder of "
                    "its own, such as site/")
    return None


def _checked_first(builder: Callable[[], None], config_file: Path) -> Callable[[], None]:
    """`mkdocs serve` reads mkdocs.yml again for every rebuild: refuse code in it then too,
    as `postgen serve` and `build` do before the first (`postgen.config.runs_code`), and
    report its errors as `postgen check` does (MkDocs would show a traceback). A
    site template that fails is one line at its place, as in `postgen build`, not
    MkDocs' traceback."""
    import jinja2

    from postgen.config import hooks_allowed, load_config, mkdocs_config, runs_code

    def rebuild() -> None:
        found = runs_code(config_file, hooks_allowed())
        if not found:  # broken YAML, a calendar setting's error: at its line, no traceback
            config, problems = load_config(config_file)
            found = problems if config is None else []
        if not found:  # what MkDocs refuses, at its line (MkDocs warns as it reads it)
            try:
                mkdocs_config(config_file, warn=False)
            except ConfigInvalid as exc:
                found = list(exc.diagnostics)
        if found:
            log.error("postgen: not rebuilt, the last site is still served:\n"
                      + diag.format_text(diag.sort(found)))
            return
        try:
            builder()
        except jinja2.TemplateError as exc:
            log.error(template_failure(exc, config_file.parent,
                                       "not rebuilt, the last site is still served").text())

    return rebuild
