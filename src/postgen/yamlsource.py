"""YAML with locations: every value and key keeps the line and column it stands at.

libyaml (PyYAML's C parser) composes the node tree; we build the Python values
from the nodes ourselves, in one pass, recording where each key and value
stands and catching what plain `yaml.safe_load` hides (duplicate keys). That
costs about the same as `yaml.load(..., CSafeLoader)`, which builds values
from the same nodes through a slower generic constructor.

Timestamps stay strings: `postgen.dates` reads them, so a date means the same
thing whether or not YAML would have recognised it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postgen.diagnostics import Diagnostic, error

try:
    _FastLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _FastLoader = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
#: No postgen field nests deeper than a few levels; anything past this is junk.
MAX_DEPTH = 32
#: libyaml recurses in C and crashes the process on input nested tens of
#: thousands deep; text with more structure characters than this is parsed by
#: the pure-Python loader, which fails cleanly instead.
_C_SAFE_INDICATORS = 2000

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Loc:
    """A 1-based place in a file."""

    line: int
    col: int


@dataclass(frozen=True)
class SourceMap:
    """Where each key and value of one YAML document stands in its file."""

    values: Mapping[Path, Loc]
    keys: Mapping[Path, Loc]
    origin: Loc

    def value(self, *path: str | int) -> Loc:
        """The value at `path`, or the nearest enclosing one that exists."""
        return self._find(self.values, path)

    def key(self, *path: str | int) -> Loc:
        """The key of the field at `path` (its value's place for list items)."""
        if path in self.keys:
            return self.keys[path]
        return self._find(self.values, path)

    def _find(self, table: Mapping[Path, Loc], path: Path) -> Loc:
        while path:
            if path in table:
                return table[path]
            path = path[:-1]
        return table.get((), self.origin)


@dataclass(frozen=True)
class Parsed:
    data: object
    source: SourceMap
    diagnostics: tuple[Diagnostic, ...]


def parse(text: str, path: str, first_line: int = 1, *, any_tags: bool = False) -> Parsed:
    """Parse one YAML document that starts at line `first_line` of file `path`.

    `any_tags` lets application tags through as their plain value (mkdocs.yml
    has `!ENV` and `!!python/name:` entries that are MkDocs' business).
    """
    builder = _Builder(path, first_line, any_tags)
    origin = Loc(first_line, 1)
    loader_cls = _FastLoader if _indicators(text) <= _C_SAFE_INDICATORS else yaml.SafeLoader
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else builder.build(node, loader)
    except yaml.MarkedYAMLError as exc:
        return builder.failed(origin, _syntax_problem(exc, builder))
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        return builder.failed(origin, _reader_problem(exc, text, builder))
    except RecursionError:
        return builder.failed(origin, builder.diag(origin, "yaml-too-deep", "nested too deeply"))
    finally:
        loader.dispose()
    return Parsed(data, SourceMap(builder.values, builder.keys, origin), tuple(builder.diagnostics))


def _indicators(text: str) -> int:
    # Every level of nesting needs one of these characters, so their count
    # bounds the depth.
    return sum(text.count(c) for c in "[{-?:")


class _Builder:
    def __init__(self, path: str, first_line: int, any_tags: bool) -> None:
        self.path = path
        self.any_tags = any_tags
        self.first_line = first_line
        self.values: dict[Path, Loc] = {}
        self.keys: dict[Path, Loc] = {}
        self.diagnostics: list[Diagnostic] = []
        self._done: dict[int, object] = {}
        self._active: set[int] = set()

    def loc(self, node: Node) -> Loc:
        mark = node.start_mark
        return Loc(mark.line + self.first_line, mark.column + 1)

    def diag(self, loc: Loc, rule: str, message: str) -> Diagnostic:
        return error(self.path, loc.line, loc.col, rule, message)

    def failed(self, origin: Loc, diagnostic: Diagnostic) -> Parsed:
        return Parsed(None, SourceMap({}, {}, origin), (diagnostic,))

    def build(self, node: Node, loader: Any, path: Path = ()) -> object:
        self.values.setdefault(path, self.loc(node))
        key = id(node)
        if key in self._done:  # an alias: built once, shared
            return self._done[key]
        value: object
        if isinstance(node, ScalarNode):
            value = _scalar(node, loader, self.any_tags)
            self._done[key] = value
            return value
        if len(path) >= MAX_DEPTH or key in self._active:
            what = "refers to itself" if key in self._active else "is nested too deeply"
            problem = self.diag(self.loc(node), "yaml-too-deep", f"this value {what}")
            self.diagnostics.append(problem)
            return None
        self._active.add(key)
        try:
            if isinstance(node, SequenceNode):
                value = [self.build(item, loader, (*path, i)) for i, item in enumerate(node.value)]
            elif isinstance(node, MappingNode):
                value = self._mapping(node, loader, path)
            else:  # pragma: no cover - the composer makes only these three
                raise TypeError(node)
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value

    def _mapping(self, node: MappingNode, loader: Any, path: Path) -> dict[object, object]:
        if any(k.tag == _MERGE for k, _ in node.value):
            loader.flatten_mapping(node)
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            where = self.loc(key_node)
            if not isinstance(key_node, ScalarNode):
                self.diagnostics.append(self.diag(where, "field-type", "a key must be plain text"))
                continue
            key = _scalar(key_node, loader, self.any_tags)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = key_node.value
            if key in result:
                first = self.keys.get((*path, key), where)
                self.diagnostics.append(
                    self.diag(
                        where,
                        "yaml-duplicate-key",
                        f"'{key_node.value}' is given twice (first at line {first.line}); "
                        "YAML would silently keep only this one",
                    )
                )
            self.keys.setdefault((*path, key), where)
            result[key] = self.build(value_node, loader, (*path, key))
        return result


def _scalar(node: ScalarNode, loader: Any, any_tags: bool) -> object:
    if node.tag == _TIMESTAMP:
        return node.value
    construct = loader.yaml_constructors.get(node.tag)
    if construct is None:
        if any_tags:
            return node.value
        construct = loader.yaml_constructors[None]
    return construct(loader, node)


def _syntax_problem(exc: yaml.MarkedYAMLError, b: _Builder) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = Loc(mark.line + b.first_line, mark.column + 1) if mark else Loc(b.first_line, 1)
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        problem = f"{problem} ({exc.context} at line {exc.context_mark.line + b.first_line})"
    return b.diag(loc, "yaml-syntax", problem)


def _reader_problem(exc: yaml.YAMLError, text: str, b: _Builder) -> Diagnostic:
    position = getattr(exc, "position", 0)
    character = getattr(exc, "character", None)
    line = text.count("\n", 0, position)
    col = position - (text.rfind("\n", 0, position) + 1)
    if isinstance(character, str):
        character = ord(character)
    what = f"character U+{character:04X}" if isinstance(character, int) else "a character"
    message = f"{what} is not allowed in YAML (control characters must be escaped in quotes)"
    return b.diag(Loc(line + b.first_line, col + 1), "yaml-syntax", message)
