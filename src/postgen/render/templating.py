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
from postgen.diagnostics import Diagnostic, error

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


def bytecode_cache(root: Path, sandboxed: bool) -> BytecodeCache | None:
    """None when git tracks the cache (see `postgen.cachedir`): templates compile afresh.
    A sandboxed environment compiles a template to other code: it keeps its own files."""
    pattern = "sandboxed-%s.cache" if sandboxed else "%s.cache"
    return BytecodeCache(str(root / BYTECODE), pattern) if usable(root) else None


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
        bytecode_cache=bytecode_cache(root, sandboxed=True) if keep_compiled else None,
        auto_reload=False,  # a renderer lives for one run: no need to stat templates per use
    )
    return env


def template_place(exc: jinja2.TemplateError, filename: str | None = None
                   ) -> tuple[str | None, int | None]:
    """Where a template failed: the file and line Jinja names (a syntax error), else the
    last line of `filename` (default: of the innermost template) in the traceback."""
    if getattr(exc, "filename", None):
        return getattr(exc, "filename", None), getattr(exc, "lineno", None)
    found, line = filename, None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name == filename if filename else not name.endswith(".py"):
            found, line = name, tb.tb_lineno
        tb = tb.tb_next
    return found, line


def template_failure(exc: jinja2.TemplateError, root: Path,
                     outcome: str = "the site was not built") -> Diagnostic:
    """A site template (the calendar's theme, or MkDocs' custom_dir) that failed, or that
    the sandbox stopped, at its file:line (relative to the calendar's `root`), saying
    what came of it: one line for `postgen build`, `serve` and the review server alike."""
    filename, line = template_place(exc)
    shown = "a template"
    if filename:
        path = Path(filename)
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else filename
    return error(shown, line or 1, 1, "template-error",
                 f"{str(exc.message or exc).rstrip('.')}; {outcome}")


def sandboxed(env: jinja2.Environment) -> SandboxedEnvironment:
    """`env` with its templates rendered in Jinja's sandbox: the same loader, filters,
    tests, globals and extensions (a template from the repository must not reach code)."""
    if isinstance(env, SandboxedEnvironment):
        return env
    safe = SandboxedEnvironment(
        loader=env.loader, undefined=env.undefined, autoescape=env.autoescape,
        auto_reload=env.auto_reload, trim_blocks=env.trim_blocks,
        lstrip_blocks=env.lstrip_blocks, keep_trailing_newline=env.keep_trailing_newline,
        extensions=[type(e) for e in env.extensions.values()])
    safe.filters.update(env.filters)
    safe.tests.update(env.tests)
    safe.policies.update(env.policies)
    safe.globals.update({k: v for k, v in env.globals.items() if k != "range"})  # safe_range
    return safe


def overrides(root: Path) -> bool:
    """Whether the calendar's `theme/` replaces one of postgen's built-in templates."""
    theme = root / "theme"
    if not theme.is_dir():
        return False
    names = set(BUILTIN.list_templates())
    return any(p.relative_to(theme).as_posix() in names for p in theme.rglob("*") if p.is_file())


def variant_template(env: jinja2.Environment, channel: str, platform: str,
                     kind: str = "txt") -> jinja2.Template:
    return env.select_template([f"variants/{channel}.{kind}.j2", f"variants/{platform}.{kind}.j2"])
