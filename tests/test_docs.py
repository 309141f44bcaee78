"""docs/ documents every setting and every publisher for a pip user who never opens src/
(as sqlite-utils tests that every command is documented)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from postgen import config
from postgen.publishers.base import available

DOCS = Path(__file__).resolve().parent.parent / "docs"


def sections(name: str) -> dict[str, str]:
    """Each `## ` section of a docs page by its heading's first code span (or heading)."""
    text = (DOCS / name).read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        code = re.match(r"`([^`]+)`", heading)
        found[code.group(1) if code else heading.strip()] = body
    return found


@pytest.mark.parametrize("field", config.TOP_FIELDS)
def test_every_setting_has_its_section(field: str) -> None:
    assert field in sections("configuration.md"), f"docs/configuration.md: add '## `{field}`'"


@pytest.mark.parametrize(("group", "key"), [(g, k) for g, keys in config.SECTIONS.items()
                                            for k in keys])
def test_every_key_of_a_setting_is_documented(group: str, key: str) -> None:
    section = sections("configuration.md")[group.split(".")[0]]
    assert f"`{key}`" in section, f"docs/configuration.md, {group}: document `{key}`"


@pytest.mark.parametrize("name", sorted(available()))
def test_every_publisher_and_its_options_are_documented(name: str) -> None:
    section = sections("publishers.md").get(name)
    assert section is not None, f"docs/publishers.md: add '## `{name}`'"
    # The options the publisher's module names in its docstring's "Options" paragraph
    # (Meta's three share one: each other's ids are not this one's), and the ones its
    # class requires or reads a secret from.
    publisher = available()[name]
    doc = importlib.import_module(publisher.__module__).__doc__ or ""
    paragraph = re.search(r"^Options.*?(?=\n\n(?![-\s])|\Z)", doc, re.MULTILINE | re.DOTALL)
    assert paragraph is not None, f"{name}: its module docstring names no options"
    mine = set(getattr(publisher, "required", ()))
    others = {o for n, p in available().items() if n != name
              for o in getattr(p, "required", ())} - mine
    values = {"starttls", "tls", "none"}  # smtp's `security`
    options = set(re.findall(r"`([a-z_]+)`", paragraph.group(0))) - others - values
    if hasattr(publisher, "token_key"):
        options.add(f"{publisher.token_key}_env")
    for option in sorted(options | mine):
        assert f"`{option}`" in section, f"docs/publishers.md, {name}: document `{option}`"
    for word in ("Environment variables", "What it", "Errors"):
        assert f"**{word}" in section, f"docs/publishers.md, {name}: say {word.lower()}"
