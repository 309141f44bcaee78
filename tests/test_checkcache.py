"""The check cache never changes what check reports, only how much it renders."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from postgen.render import variants as variants_module
from tests.conftest import POST, MakeCalendar, image

Run = Callable[..., Result]
ROOT = Path(__file__).resolve().parent.parent


def found(run: Run, root: Path, *args: str) -> list[tuple[str, int, str]]:
    result = run(root, "check", "--format", "json", *args)
    return [(d["path"], d["line"], d["rule"]) for d in json.loads(result.output)]


def test_warm_check_equals_cold_on_the_example(tmp_path: Path, run: Run) -> None:
    for name in ("mkdocs.yml", "approvals.jsonl"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("content", "assets", "calendar"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    cold = found(run, tmp_path, "--no-cache")
    assert not (tmp_path / ".postgen-cache").exists()
    first = found(run, tmp_path)
    assert (tmp_path / ".postgen-cache" / "check.json").is_file()
    assert found(run, tmp_path) == first == cold


def test_unchanged_posts_are_not_rendered_again(make_calendar: MakeCalendar, run: Run,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_calendar({f"content/{i}.md": POST.format(id=f"p{i}") for i in range(5)})
    found(run, root)
    rendered: list[str] = []
    original = variants_module.Renderer.post

    def counting(self: variants_module.Renderer, post: object) -> object:
        rendered.append(post.id)  # type: ignore[attr-defined]
        return original(self, post)  # type: ignore[arg-type]

    monkeypatch.setattr(variants_module.Renderer, "post", counting)
    found(run, root)
    assert rendered == []
    (root / "content/3.md").write_text(POST.format(id="p3").replace("Body text.", "Other."))
    found(run, root)
    assert rendered == ["p3"]


def test_edits_anywhere_rendering_reads_are_seen(make_calendar: MakeCalendar, run: Run) -> None:
    post = POST.format(id="a").replace("channels: [x, linkedin]",
                                       "channels: [linkedin, instagram]\nimage: a.jpg\nalt: A cup")
    root = make_calendar({"content/a.md": post, "a.jpg": image(1080, 1080, "JPEG")})
    assert found(run, root) == []
    (root / "content/a.md").write_text(post.replace("Body text.", "word " * 700))
    assert ("content/a.md", 10, "length-over") in found(run, root)
    (root / "content/a.md").write_text(post)
    (root / "a.jpg").write_bytes(image(960, 320, "JPEG"))
    assert ("content/a.md", 6, "media-aspect") in found(run, root)
    (root / "a.jpg").write_bytes(image(1080, 1080, "JPEG"))
    assert found(run, root) == []
    (root / "theme/variants").mkdir(parents=True)
    (root / "theme/variants/linkedin.txt.j2").write_text("{{ nope }}\n")
    assert ("theme/variants/linkedin.txt.j2", 1, "template-error") in found(run, root)


def test_postgen_s_own_code_is_in_the_digest_its_compiled_files_are_not(
        make_calendar: MakeCalendar, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An install from another commit under the same version must not reuse what the
    older code rendered; Python writing `__pycache__` as modules load changes nothing."""
    from postgen import checkcache
    from postgen.config import load_config
    from postgen.site import stamp

    package = tmp_path / "package"
    (package / "render" / "__pycache__").mkdir(parents=True)
    (package / "render" / "variants.py").write_text("A = 1\n", encoding="utf-8")
    monkeypatch.setattr(checkcache, "resource_files", lambda _name: package)
    config, _ = load_config(make_calendar({}) / "mkdocs.yml")
    assert config is not None

    def now() -> tuple[str, str]:
        return checkcache.calendar_digest(config), stamp.digest(stamp.stats((), [package]))

    first = now()
    (package / "render" / "__pycache__" / "variants.cpython-311.pyc").write_bytes(b"\0")
    assert now() == first
    (package / "render" / "variants.py").write_text("A = 22\n", encoding="utf-8")
    changed = now()
    assert changed[0] != first[0] and changed[1] != first[1]
