"""Jinja2 templates for variants: the calendar's `theme/` first, built-ins behind.

A calendar overrides a platform's template with `theme/variants/<platform>.txt.j2`
or one channel's with `theme/variants/<channel>.txt.j2`; either can extend the
built-in one as `{% extends "default:variants/<platform>.txt.j2" %}`.
Undefined names are errors (StrictUndefined), never empty strings. Templates
render in Jinja's sandbox: a template in a calendar repository is content, and
may not reach Python's internals (and through them the environment's secrets).
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket
from jinja2.sandbox import SandboxedEnvironment

from postgen.cachedir import usable

BUILTIN = jinja2.PackageLoader("postgen", "templates")
#: Where compiled templates are kept between runs (under the calendar's root).
BYTECODE = Path(".postgen-cache") / "jinja"


class BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Templates compiled once, not on every run (compiling the site's templates takes
    longer than rendering a page). Jinja checks each entry against its template's
    source and the Python version; a folder that cannot be written only costs time."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def bytecode_cache(root: Path) -> BytecodeCache | None:
    """None when git tracks the cache (see `postgen.cachedir`): templates compile afresh."""
    return BytecodeCache(str(root / BYTECODE)) if usable(root) else None


def environment(root: Path, keep_compiled: bool = True) -> jinja2.Environment:
    """`keep_compiled`: compiled templates are read from and kept in `BYTECODE`."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(root / "theme"),
        jinja2.PrefixLoader({"default": BUILTIN}, delimiter=":"),
        BUILTIN,
    ])
    env = SandboxedEnvironment(
        # Text templates are plain text; the email's HTML part is escaped.
        loader=loader, undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                            default_for_string=False),
        keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
        bytecode_cache=bytecode_cache(root) if keep_compiled else None,
        auto_reload=False,  # a renderer lives for one run: no need to stat templates per use
    )
    return env


def variant_template(env: jinja2.Environment, channel: str, platform: str,
                     kind: str = "txt") -> jinja2.Template:
    return env.select_template([f"variants/{channel}.{kind}.j2", f"variants/{platform}.{kind}.j2"])
