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

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postgen.diagnostics import Diagnostic, brief, error

try:
    _FastLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _FastLoader = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_YAML_TAG = "tag:yaml.org,2002:"
_PYTHON = "tag:yaml.org,2002:python/"
_PYTHON_NAME = "tag:yaml.org,2002:python/name:"
#: No postgen field nests deeper than a few levels; anything past this is junk.
MAX_DEPTH = 32
#: Composing nodes recurses (in C with libyaml): text with more structure
#: characters than this has its depth measured first from the parser's events
#: (a loop, however deep), and is refused past MAX_DEPTH without composing. (The
#: pure-Python loader, which was the fallback, is quadratic in flow depth: 5,000
#: '[' took seconds.)
_C_SAFE_INDICATORS = 2000
#: How many values aliases may repeat (`*a` stands for all of `&a`'s values): a post
#: needs a handful, a "billion laughs" file billions.
MAX_ALIASED = 10_000
#: Integers longer than this many bits (about 300 digits) are refused: no field takes
#: them, and Python cannot even print one over 4,300 digits.
MAX_INT_BITS = 1000
#: Characters YAML takes as line breaks where a file's lines (and editors) do not.
_ODD_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


@dataclass(frozen=True)
class Loc:
    """A 1-based place in a file."""

    line: int
    col: int


@dataclass(frozen=True)
class SourceMap:
    """Where each key and value of one YAML document stands in its file.

    It keeps only the document's text and composes its node tree again when
    a place is first asked for: a valid post never pays for locations (or
    keeps a million YAML nodes alive) that no report needs.
    """

    text: str
    first_line: int
    origin: Loc
    any_tags: bool = False

    @functools.cached_property
    def root(self) -> Node | None:
        try:
            loader = _FastLoader(self.text)
        except yaml.YAMLError:
            return None
        try:
            node: Node | None = loader.get_single_node()
            if node is not None and "<<" in self.text:
                _flatten_merges(node, loader)
            return node
        except (yaml.YAMLError, RecursionError):
            return None
        finally:
            loader.dispose()

    @functools.cached_property
    def _lines(self) -> Lines:
        return Lines(self.text, self.first_line)

    @functools.cached_property
    def _keys(self) -> dict[int, dict[str, tuple[Node, Node]]]:
        """Each mapping's keys, indexed when first walked (by the node's id): finding
        50,000 keys is then 50,000 look-ups, not 50,000 scans of the mapping."""
        return {}

    def value(self, *path: str | int) -> Loc:
        """The value at `path`, or the nearest enclosing one that exists."""
        found = self._walk(path)
        return self._loc(found[-1][1]) if found else self.origin

    def key(self, *path: str | int) -> Loc:
        """The key of the field at `path` (its value's place for list items)."""
        found = self._walk(path)
        if not found:
            return self.origin
        key_node, value_node = found[-1]
        return self._loc(key_node if len(found) == len(path) + 1 and key_node else value_node)

    def has(self, *path: str | int) -> bool:
        return len(self._walk(path)) == len(path) + 1

    def _loc(self, node: Node) -> Loc:
        return self._lines.loc(node.start_mark)

    def _walk(self, path: tuple[str | int, ...]) -> list[tuple[Node | None, Node]]:
        if self.root is None:
            return []
        trail: list[tuple[Node | None, Node]] = [(None, self.root)]
        node = self.root
        for step in path:
            nxt: tuple[Node | None, Node] | None = None
            if isinstance(node, MappingNode):
                keys = self._keys.get(id(node))
                if keys is None:
                    keys = self._keys[id(node)] = {}
                    for k, v in node.value:  # the last of a key is the one YAML keeps
                        if isinstance(k, ScalarNode):
                            keys[k.value] = (k, v)
                nxt = keys.get(str(step))
            elif (isinstance(node, SequenceNode) and isinstance(step, int)
                  and 0 <= step < len(node.value)):
                nxt = (None, node.value[step])
            if nxt is None:
                break
            trail.append(nxt)
            node = nxt[1]
        return trail


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
    builder = _Builder(path, Lines(text, first_line), any_tags, merges="<<" in text)
    origin = Loc(first_line, 1)
    loader: Any = None
    try:
        deep = _too_deep(text) if _indicators(text) > _C_SAFE_INDICATORS else None
        if deep is not None:
            return builder.failed(origin, builder.diag(builder.lines.loc(deep), "yaml-too-deep",
                                                       "this value is nested too deeply"))
        loader = _FastLoader(text)
        node = loader.get_single_node()
        data = None if node is None else builder.build(node, loader, 0)
    except yaml.MarkedYAMLError as exc:
        return builder.failed(origin, _syntax_problem(exc, builder))
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        return builder.failed(origin, _reader_problem(exc, text, builder))
    except RecursionError:
        return builder.failed(origin, builder.diag(origin, "yaml-too-deep", "nested too deeply"))
    except _TooManyAliased as exc:
        return builder.failed(origin, builder.diag(
            exc.loc, "yaml-aliases", f"aliases of this value (*name) repeat more than "
            f"{MAX_ALIASED:,} values in all; write the values out or use fewer aliases"))
    finally:
        if loader is not None:
            loader.dispose()
    return Parsed(data, SourceMap(text, first_line, origin, any_tags),
                  tuple(builder.diagnostics))


def _too_deep(text: str) -> Any:
    """The mark where collections first nest past MAX_DEPTH, or None. Raises YAMLError."""
    loader = _FastLoader(text)
    try:
        depth = 0
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return None
    finally:
        loader.dispose()


class Lines:
    """Turns YAML's marks into places in the file. YAML also breaks lines at a lone CR,
    NEL, LS and PS; a file's lines (and an editor's) end only at LF."""

    def __init__(self, text: str, first_line: int) -> None:
        self.first_line = first_line
        self.starts = ([0, *(m.end() for m in re.finditer("\n", text))]
                       if _ODD_BREAKS.search(text) else None)

    def loc(self, mark: Any) -> Loc:
        if self.starts is None:
            return Loc(mark.line + self.first_line, mark.column + 1)
        line = bisect.bisect_right(self.starts, mark.index) - 1
        return Loc(line + self.first_line, mark.index - self.starts[line] + 1)


class _TooManyAliased(Exception):
    def __init__(self, loc: Loc) -> None:
        self.loc = loc


def _flatten_merges(node: Node, loader: Any, depth: int = 0) -> None:
    """Apply `<<` merge keys as the builder did, so walks find the same keys."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, MappingNode):
        if any(k.tag == _MERGE for k, _ in node.value):
            loader.flatten_mapping(node)
        for _k, v in node.value:
            _flatten_merges(v, loader, depth + 1)
    elif isinstance(node, SequenceNode):
        for v in node.value:
            _flatten_merges(v, loader, depth + 1)


def _indicators(text: str) -> int:
    # Every level of nesting needs one of these characters, so their count
    # bounds the depth.
    return sum(text.count(c) for c in "[{-?:")


class _Builder:
    def __init__(self, path: str, lines: Lines, any_tags: bool, merges: bool) -> None:
        self.path = path
        self.merges = merges
        self.lines = lines
        self.first_line = lines.first_line
        self.any_tags = any_tags
        self.diagnostics: list[Diagnostic] = []
        self._done: dict[int, object] = {}  # collections already built (aliases share them)
        self._size: dict[int, int] = {}  # how many values each built collection holds
        self._aliased = 0  # values repeated by aliases so far
        self._active: set[int] = set()

    def loc(self, node: Node) -> Loc:
        return self.lines.loc(node.start_mark)

    def diag(self, loc: Loc, rule: str, message: str) -> Diagnostic:
        return error(self.path, loc.line, loc.col, rule, message)

    def failed(self, origin: Loc, diagnostic: Diagnostic) -> Parsed:
        return Parsed(None, SourceMap("", self.first_line, origin), (diagnostic,))

    def build(self, node: Node, loader: Any, depth: int) -> object:
        if node.tag == _STR:
            return node.value
        if self.any_tags and node.tag.startswith(_PYTHON) and \
                not node.tag.startswith(_PYTHON_NAME):
            self.diagnostics.append(self.diag(
                self.loc(node), "config-code-tag",
                f"'!!{node.tag.removeprefix(_YAML_TAG)}' runs code when the file is read; "
                "postgen refuses it (only !!python/name: is allowed)"))
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, loader)
        key = id(node)
        if key in self._done:  # an alias: built once, shared
            self._aliased += self._size[key]
            if self._aliased > MAX_ALIASED:
                raise _TooManyAliased(self.loc(node))
            return self._done[key]
        if depth >= MAX_DEPTH or key in self._active:
            what = "refers to itself" if key in self._active else "is nested too deeply"
            problem = self.diag(self.loc(node), "yaml-too-deep", f"this value {what}")
            self.diagnostics.append(problem)
            return None
        self._active.add(key)
        value: object
        try:
            if isinstance(node, SequenceNode):
                value = [self.build(item, loader, depth + 1) for item in node.value]
                children = node.value
            else:
                value = self._mapping(node, loader, depth)
                children = [n for pair in node.value for n in pair]
        finally:
            self._active.discard(key)
        self._done[key] = value
        self._size[key] = 1 + sum(self._size.get(id(n), 1) for n in children)
        return value

    def _mapping(self, node: Node, loader: Any, depth: int) -> dict[object, object]:
        # Keys a `<<` merge brings in give way to the mapping's own: only a key written
        # twice in the mapping itself is a duplicate.
        written = {id(k) for k, _ in node.value}
        if self.merges and any(k.tag == _MERGE for k, _ in node.value):
            loader.flatten_mapping(node)
        result: dict[object, object] = {}
        first: dict[object, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                problem = self.diag(self.loc(key_node), "field-type", "a key must be plain text")
                self.diagnostics.append(problem)
                continue
            key = key_node.value if key_node.tag == _STR else self.scalar(key_node, loader)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = key_node.value
            if id(key_node) in written:
                if key in first:
                    self.diagnostics.append(self.diag(
                        self.loc(key_node), "yaml-duplicate-key",
                        f"'{brief(key_node.value)}' is given twice (first at line "
                        f"{self.loc(first[key]).line}); YAML would silently keep only this one"))
                else:
                    first[key] = key_node
            result[key] = self.build(value_node, loader, depth + 1)
        return result

    def scalar(self, node: ScalarNode, loader: Any) -> object:
        if node.tag == _TIMESTAMP:
            return node.value
        construct = loader.yaml_constructors.get(node.tag)
        if construct is None:
            if self.any_tags:
                return node.value
            construct = loader.yaml_constructors[None]
        tag = node.tag.removeprefix(_YAML_TAG)
        try:
            value = construct(loader, node)
        except (yaml.YAMLError, ValueError, KeyError, TypeError, ArithmeticError):
            # `!!bool maybe`, `!!float abc`, an integer of 5,000 digits
            self.diagnostics.append(self.diag(
                self.loc(node), "yaml-syntax", f"'{brief(node.value)}' is not a valid !!{tag}"))
            return None
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            self.diagnostics.append(self.diag(
                self.loc(node), "field-value",
                f"a number of {len(node.value):,} characters; no field takes one this long"))
            return None
        return value


def _syntax_problem(exc: yaml.MarkedYAMLError, b: _Builder) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = b.lines.loc(mark) if mark else Loc(b.first_line, 1)
    problem = exc.problem or "invalid YAML"
    if "nesting depth" in problem:  # libyaml's own limit (1,000 levels)
        return b.diag(loc, "yaml-too-deep", "this value is nested too deeply")
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        problem = f"{problem} ({exc.context} at line {b.lines.loc(exc.context_mark).line})"
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
