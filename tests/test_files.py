"""`postgen.files.write_atomically`: the old contents or the new, never half, no litter."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgen.files import write_atomically


def test_text_and_bytes_replace_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_atomically(path, "ünïcode\n")
    assert path.read_bytes() == "ünïcode\n".encode()
    write_atomically(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_failed_replace_keeps_the_old_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "kept.html").write_text("old", encoding="utf-8")
    with pytest.raises(OSError):
        write_atomically(target, "new")  # a folder stands there: it cannot be replaced
    assert (target / "kept.html").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_missing_folder_raises_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomically(tmp_path / "missing" / "a.txt", "x")
    assert list(tmp_path.iterdir()) == []
