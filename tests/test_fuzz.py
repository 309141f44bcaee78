"""Property: no front matter, however mangled, gives a traceback.

Every mangled file must give exit 1 and at least one error located inside
the file (1 <= line <= lines in the file + 1, col >= 1).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postgen.cli import cli
from postgen.schema import POST_FIELDS
from tests.conftest import CONFIG, write_files

VALID = {
    "id": "p1", "title": "A post", "date": "2027-03-02 09:30", "channels": ["x"],
    "funnel": "awareness",
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=40), st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)
huge = st.one_of(
    st.integers(min_value=10**70, max_value=10**90),  # more digits than an id may have
    st.integers(min_value=10_000, max_value=200_000).map(lambda n: "x" * n),
    st.integers(min_value=1, max_value=5000).map(lambda n: ["#"] * n),
)
deep = st.integers(min_value=30, max_value=25_000).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, "[" * n, "{a: " * n + "}" * n, "- " * n + "x"])
)


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A post file whose front matter is wrong in one of many ways."""
    how = draw(st.sampled_from(["random", "wrong-type", "huge", "deep", "junk", "truncated"]))
    if how == "random":  # arbitrary YAML: never has every required field right
        doc = draw(st.one_of(values, st.dictionaries(st.text(max_size=8), values, max_size=5)))
        front = _dump(doc)
    elif how == "wrong-type":
        field = draw(st.sampled_from(list(VALID)))
        bad = draw(values.filter(lambda v: not isinstance(v, str | list) or v in ("", [])))
        front = _dump({**VALID, field: bad})
    elif how == "huge":
        field = draw(st.sampled_from(list(POST_FIELDS)))
        value = draw(huge)
        if isinstance(value, str):  # long text: only short fields have a cap
            field = draw(st.sampled_from(["id", "title", "owner", "campaign", "lang", "funnel"]))
        front = _dump({**VALID, field: value})
    elif how == "deep":
        front = _dump(VALID) + "owner: " + draw(deep) + "\n"
    elif how == "junk":
        junk = draw(st.binary(min_size=1, max_size=200))
        at = draw(st.integers(min_value=0, max_value=60))
        text = _dump(VALID).encode()
        return b"---\n" + text[:at] + b"\x00\xff" + junk + text[at:] + b"---\nBody\n"
    else:
        text = _file(_dump(VALID))
        return text[: draw(st.integers(min_value=0, max_value=len(text) - 12))]
    return _file(front)


def _file(front: str) -> bytes:
    return f"---\n{front}---\nBody.\n".encode()


@pytest.fixture(scope="module")
def calendar() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield write_files(Path(tmp), {"mkdocs.yml": CONFIG})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(data=mangled())
def test_mangled_front_matter_gives_located_errors(calendar: Path, data: bytes) -> None:
    post = calendar / "content" / "a.md"
    post.parent.mkdir(exist_ok=True)
    post.write_bytes(data)
    cwd = os.getcwd()
    os.chdir(calendar)
    try:
        result = CliRunner().invoke(cli, ["check", "--format", "json"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)
    errors = [p for p in problems if p["severity"] == "error"]
    assert errors
    lines = data.count(b"\n") + 1
    for p in errors:
        assert p["path"] == "content/a.md"
        assert 1 <= p["line"] <= lines + 1, p
        assert p["col"] >= 1
