"""Typed reading of one YAML mapping, collecting located problems.

`Fields` wraps a mapping and its `SourceMap`; each getter returns the typed
value or None, and records a diagnostic at the field's line and column when
the value is missing or wrong. The post schema and the config schema are
written with it, so every message has the same shape.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from postgen.diagnostics import Diagnostic, Severity, brief
from postgen.yamlsource import SourceMap

Path = tuple[str | int, ...]
_SPACE = re.compile(r"\s")


def type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host.strip(".") and not _SPACE.search(value)


class Fields:
    def __init__(
        self,
        data: Mapping[object, object],
        source: SourceMap,
        path: str,
        diagnostics: list[Diagnostic],
        prefix: Path = (),
    ) -> None:
        self.data = data
        self.source = source
        self.path = path
        self.diagnostics = diagnostics
        self.prefix = prefix

    # -- reporting ---------------------------------------------------------

    def report(
        self,
        rule: str,
        message: str,
        *where: str | int,
        at_key: bool = False,
        severity: Severity = Severity.ERROR,
    ) -> None:
        full = (*self.prefix, *where)
        loc = self.source.key(*full) if at_key else self.source.value(*full)
        self.diagnostics.append(Diagnostic(self.path, loc.line, loc.col, severity, rule, message))

    def label(self, name: str | int) -> str:
        return ".".join(str(p) for p in (*self.prefix, name))

    def unknown(self, allowed: Collection[str], what: str = "field") -> None:
        for key in self.data:
            if key in allowed:
                continue
            message = f"unknown {what} '{self.label(str(key))}'"
            close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean '{close[0]}'?"
            else:
                message += f" (known: {', '.join(sorted(allowed))})"
            self.report("field-unknown", message, key if isinstance(key, str | int) else str(key),
                        at_key=True)

    def _get(self, name: str, required: bool) -> object:
        value = self.data.get(name)
        if value is None and required:
            if name in self.data:
                self.report("field-missing", f"'{self.label(name)}' is empty", name)
            else:
                self.report("field-missing", f"'{self.label(name)}' is required")
        return value

    def _wrong(self, name: str | int, expected: str, value: object, hint: str = "") -> None:
        message = f"'{self.label(name)}' must be {expected}, not {type_name(value)}"
        if hint:
            message += f"; {hint}"
        self.report("field-type", message, name)

    # -- getters -----------------------------------------------------------

    def raw(self, name: str, required: bool = False) -> object:
        return self._get(name, required)

    def text(self, name: str, required: bool = False, *, nonempty: bool = True,
             max_length: int | None = None) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            hint = "put it in quotes" if isinstance(value, int | float | bool) else ""
            self._wrong(name, "text", value, hint)
            return None
        if nonempty and not value.strip():
            self.report("field-value", f"'{self.label(name)}' is empty", name)
            return None
        if max_length is not None and len(value) > max_length:
            self.report("field-value", f"'{self.label(name)}' is {len(value)} characters long; "
                        f"at most {max_length}", name)
            return None
        return value

    def flag(self, name: str) -> bool | None:
        value = self._get(name, False)
        if value is None or isinstance(value, bool):
            return value
        self._wrong(name, "true or false", value)
        return None

    def integer(
        self, name: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(name, "a whole number", value)
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self.report("field-value", f"'{self.label(name)}' must be {bounds}, not {brief(value)}",
                        name)
            return None
        return value

    def decimal(self, name: str, required: bool = False) -> Decimal | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self._wrong(name, "a number", value)
            return None
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            self._wrong(name, "a number", value)
            return None
        if not number.is_finite() or number <= 0:
            self.report("field-value", f"'{self.label(name)}' must be more than 0", name)
            return None
        return number

    def text_list(self, name: str, required: bool = False) -> tuple[str, ...] | None:
        """A list of texts; a single text is taken as a list of one."""
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            self._wrong(name, "a list", value)
            return None
        items: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                items.append(item)
            else:
                self._wrong_item(name, i, item)
        if required and not value:
            self.report("field-missing", f"'{self.label(name)}' is an empty list", name)
        return tuple(items)

    def _wrong_item(self, name: str, i: int, item: object) -> None:
        message = f"each of '{self.label(name)}' must be text, item {i + 1} is {type_name(item)}"
        if isinstance(item, int | float | bool):
            message += "; put it in quotes"
        self.report("field-type", message, name, i)

    def choice(self, name: str, choices: Collection[str], rule: str = "field-value",
               required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is None:
            return None
        if value not in choices:
            shown = f"'{brief(value)}' is not a {self.label(name)}"
            message = f"{shown}; use one of: {', '.join(choices)}"
            close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
            if close:
                message = f"{shown}; did you mean '{close[0]}'?"
            self.report(rule, message, name)
            return None
        return value

    def url(self, name: str, required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is None:
            return None
        if not is_http_url(value.strip()):
            self.report("url-invalid", f"'{brief(value)}' is not an absolute http(s) URL", name)
            return None
        return value.strip()

    def mapping(self, name: str, required: bool = False) -> Fields | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(name, "a mapping of field: value", value)
            return None
        return self.sub(value, name)

    def sub(self, data: Mapping[object, object], *where: str | int) -> Fields:
        return Fields(data, self.source, self.path, self.diagnostics, (*self.prefix, *where))
