"""Property: no front matter, however mangled, gives a traceback.

Every mangled file must give exit 1 and at least one error located inside
the file (1 <= line <= lines in the file + 1, col >= 1).

CI runs 250 examples. The slow mode runs as many as POSTGEN_FUZZ_EXAMPLES says,
each within 10 seconds (Hypothesis' deadline), e.g. 10,000 before a release:

    POSTGEN_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_fuzz.py -q

Every input a fuzz run ever found to crash is kept in `REPRODUCTIONS`, run each time.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postgen.cli import cli
from postgen.schema import POST_FIELDS
from tests.conftest import CONFIG, write_files
from tests.test_rules import LAUGHS
from tests.test_trust import png_claiming

#: How many examples; more than the default turns on the 10 s deadline per input.
EXAMPLES = int(os.environ.get("POSTGEN_FUZZ_EXAMPLES") or 250)
SLOW = EXAMPLES > 250

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


#: Values the writer's YAML can hold that used to stop every command (issue 18).
hostile = st.one_of(
    st.sampled_from([
        "!!bool maybe", "!!float abc", "!!int abc", "!!int 0x" + "f" * 5000, "1" * 5000,
        "1:59:59:" + "59:" * 3000 + "59", '"assets/a\\0.jpg"', '"9999-12-31 23:59"',
        '"0001-01-01 00:00+14:00"', "*l9", '"a\u2028b"', "\"a\x85b\"", "!!binary ===",
        "!!timestamp 2027-99-99", "!!python/object/apply:os.system [echo]",
    ]),
    st.integers(min_value=1, max_value=9).map(lambda n: f"*l{n}"),
)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A post file whose front matter is wrong in one of many ways."""
    how = draw(st.sampled_from(["random", "wrong-type", "huge", "deep", "junk", "truncated",
                                "hostile", "breaks"]))
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
    elif how == "hostile":  # in one field, or in one of paid's, after the anchors
        field = draw(st.sampled_from([*POST_FIELDS, "paid.start", "paid.end"]))
        value = draw(hostile)
        lines = [f"{k}: {json.dumps(v)}" for k, v in VALID.items() if k != field]
        if field.startswith("paid."):
            lines.append(f"paid: {{budget: 1, currency: EUR, objective: reach, "
                         f"{field[5:]}: {value}}}")
        else:
            lines.append(f"{field}: {value}")
        front = LAUGHS + "\n".join(lines) + "\n"
    elif how == "breaks":  # YAML's other line breaks before an error
        brk = draw(st.sampled_from(["\r", "\x85", "\u2028", "\u2029"]))
        front = _dump(VALID) + f"owner: \"a{brk}b\"\ntittle: x\n"
    else:
        text = _file(_dump(VALID))
        return text[: draw(st.integers(min_value=0, max_value=len(text) - 12))]
    return _file(front)


def _file(front: str) -> bytes:
    return f"---\n{front}---\nBody.\n".encode()


#: Each input that crashed a command, as the fuzz run of issue 18 found them (and the
#: issue's billion laughs and decompression bomb): kept as fixed examples.
REPRODUCTIONS = {
    "huge-int": _file(f"id: {'1' * 5000}\n" + _dump({**VALID, "id": None})[9:]),
    "bad-bool": _file(_dump(VALID) + "draft: !!bool maybe\n"),
    "bad-float": _file(_dump(VALID) + "owner: !!float abc\n"),
    "bad-int": _file(_dump(VALID) + "owner: !!int abc\n"),
    "nul-in-media": _file(_dump(VALID) + 'image: "assets/a\\0.jpg"\nalt: A\n'),
    "reader-error": _file(_dump(VALID) + "owner: " + "[{-?:" * 500 + "\x01\n"),
    "year-9999": _file(_dump({**VALID, "date": "9999-12-31 23:59"})),
    "year-1": _file(_dump({**VALID, "date": "0001-01-01 00:00+14:00"})),
    "sexagesimal": _file("id: 1:59:59:" + "59:" * 3000 + "59\n"
                         + _dump({**VALID, "id": None})[9:]),
    "hex-int": _file(_dump(VALID) + "paid: {budget: 1, currency: EUR, objective: reach, "
                     "audience: {age_min: !!int 0x" + "f" * 5000 + "}}\n"),
    "bomb": _file(_dump(VALID) + "image: bomb.png\nalt: A\n"),
    "laughs-id": _file(LAUGHS + _dump({**VALID, "id": None})[9:] + "id: *l9\n"),
    "laughs-paid": _file(LAUGHS + _dump(VALID) + "paid: {budget: 1, currency: EUR, "
                         "objective: reach, start: *l9, end: *l9}\n"),
}


@pytest.fixture(scope="module")
def calendar() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield write_files(Path(tmp), {"mkdocs.yml": CONFIG,
                                      "bomb.png": png_claiming(65535, 65535)})


@pytest.mark.parametrize("data", REPRODUCTIONS.values(), ids=REPRODUCTIONS.keys())
def test_each_crash_found_is_a_located_error(calendar: Path, data: bytes) -> None:
    check_gives_located_errors(calendar, data)


@settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10) if SLOW else None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mangled())
def test_mangled_front_matter_gives_located_errors(calendar: Path, data: bytes) -> None:
    check_gives_located_errors(calendar, data)


def check_gives_located_errors(calendar: Path, data: bytes) -> None:
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
