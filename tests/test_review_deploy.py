"""The Dockerfile runs the review server with settings the command really reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from postgen.cli_review import review

ROOT = Path(__file__).resolve().parent.parent


def test_the_dockerfile_runs_postgen_review_serve_configured_by_its_variables() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd and json.loads(cmd[1]) == ["postgen", "review", "serve"]
    serve = review.commands["serve"]
    read = {p.envvar: p.name for p in serve.params
            if isinstance(p, click.Option) and isinstance(p.envvar, str)}
    instructions = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    set_here = set(re.findall(r"\b(POSTGEN_REVIEW_[A-Z]+)=", instructions))
    assert set_here == {"POSTGEN_REVIEW_STATE", "POSTGEN_REVIEW_HOST", "POSTGEN_REVIEW_PORT"}
    assert set_here <= set(read)  # each one an option of the command
    documented = set(re.findall(r"POSTGEN_REVIEW_[A-Z]+", text))
    assert documented - set(read) == {"POSTGEN_REVIEW_SECRET"}  # the key, not an option
    docs = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    assert all(name in docs for name in documented)
    assert "EXPOSE 8000" in text and "VOLUME /data" in text
