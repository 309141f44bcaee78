"""The built wheel carries the templates and data files, and both entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "postgen"


def test_wheel_has_templates_data_and_entry_points(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("postgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = [p.relative_to(SRC.parent).as_posix() for p in SRC.rglob("*")
              if p.is_file() and p.suffix in (".j2", ".yaml", ".txt", ".typed")]
    assert needed and not [n for n in needed if n not in names]
    (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "postgen = postgen.cli:main" in text
    assert "[mkdocs.plugins]\npostgen = postgen.plugin:PostgenPlugin" in text


def test_the_installed_wheel_checks_the_example_calendar(tmp_path: Path) -> None:
    """Not the editable checkout: the wheel, installed on its own (dependencies from here)."""
    wheels, target = tmp_path / "wheels", tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("postgen-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import postgen; print(postgen.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=env)
    assert where.stdout.startswith(str(target))  # the installed copy, not the source tree
    result = subprocess.run([sys.executable, "-m", "postgen", "-f", str(ROOT / "mkdocs.yml"),
                             "check", "--no-cache"], capture_output=True, text=True,
                            check=False, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


def test_the_release_check_passes_a_good_build_and_names_what_a_bad_one_lacks(
        tmp_path: Path) -> None:
    """scripts/check_dist.py, as the release workflow runs it on the sdist and the wheel."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_sdist(sys.argv[1])", str(dist)], cwd=ROOT, check=True,
                   capture_output=True)
    check = [sys.executable, str(ROOT / "scripts" / "check_dist.py")]
    from postgen import __version__

    good = subprocess.run([*check, "--tag", f"v{__version__}", str(dist)], capture_output=True,
                          text=True, check=False)
    assert good.returncode == 0, good.stderr
    wrong_tag = subprocess.run([*check, "--tag", "v9.9.9", str(dist)], capture_output=True,
                               text=True, check=False)
    assert wrong_tag.returncode == 1 and "is not v" in wrong_tag.stderr
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        kept = [(i, z.read(i)) for i in z.infolist() if not i.filename.endswith(".j2")]
    with zipfile.ZipFile(wheel, "w") as z:
        for info, data in kept:
            z.writestr(info, data)
    bad = subprocess.run([*check, str(dist)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "lacks postgen/templates/init/mkdocs.yml.j2" in bad.stderr
