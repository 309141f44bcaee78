"""The MkDocs plugin `postgen`: the calendar settings live in its config entry.

MkDocs checks the entry's shape; the calendar itself is read through the same
pipeline as every command (`postgen.pipeline.load_calendar`), so `mkdocs
build` fails on exactly the errors `postgen check` reports. The approval
site's pages are generated here (see the site issue).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from postgen import diagnostics as diag
from postgen.errors import ConfigInvalid
from postgen.models import Calendar
from postgen.pipeline import load_calendar

log = logging.getLogger("mkdocs.plugins.postgen")


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
    calendar: Calendar | None = None

    def on_config(self, config: Any) -> Any:
        try:
            calendar = load_calendar(config_file=Path(config.config_file_path))
        except ConfigInvalid as exc:
            raise PluginError("postgen:\n" + diag.format_text(exc.diagnostics)) from None
        errors, warnings = diag.count(calendar.diagnostics)
        for d in calendar.diagnostics:
            (log.error if d.severity is diag.Severity.ERROR else log.warning)(d.text())
        if errors:
            raise PluginError(f"postgen: {errors} error(s) in the calendar; see above")
        self.calendar = calendar
        return config
