"""Checks a release's files before they go to the package index (release workflow).

    python scripts/check_dist.py [--tag vX.Y.Z] dist/

dist/ must hold one sdist and one wheel of the same version (the tag's, with
--tag). The wheel must carry every data file of src/postgen (templates, platform
rules, the theme, py.typed) and the `postgen` command and plugin entry points;
the sdist the same data files. Prints what is wrong and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import zipfile
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
DATA = (".j2", ".yaml", ".yml", ".txt", ".typed", ".html", ".css", ".js")
ENTRY_POINTS = ("postgen = postgen.cli:main",
                "[mkdocs.plugins]\npostgen = postgen.plugin:PostgenPlugin")


def data_files() -> list[str]:
    """Every data file of the package, as `postgen/...`."""
    return sorted(p.relative_to(SRC).as_posix() for p in (SRC / "postgen").rglob("*")
                  if p.is_file() and p.suffix in DATA and "__pycache__" not in p.parts)


def problems(dist: Path, tag: str | None) -> list[str]:
    wheels, sdists = sorted(dist.glob("postgen-*.whl")), sorted(dist.glob("postgen-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{dist}: expected one wheel and one sdist, found {len(wheels)} and {len(sdists)}"]
    wheel, sdist = wheels[0], sdists[0]
    found: list[str] = []
    version = wheel.name.split("-")[1]
    if tag is not None and tag != f"v{version}":
        found.append(f"the tag {tag} is not v{version}, the version built")
    if not sdist.name.startswith(f"postgen-{version}.tar"):
        found.append(f"{sdist.name} is not version {version}")
    needed = data_files()
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        found += [f"{wheel.name} lacks {n}" for n in needed if n not in names]
        entry = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        text = z.read(entry[0]).decode() if entry else ""
        found += [f"{wheel.name} lacks the entry point {e!r}" for e in ENTRY_POINTS
                  if e not in text]
    with tarfile.open(sdist) as t:
        members = {m.split("/", 1)[1] for m in t.getnames() if "/" in m}
        found += [f"{sdist.name} lacks src/{n}" for n in needed if f"src/{n}" not in members]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--tag", help="the git tag being released: v<version>")
    args = parser.parse_args()
    found = problems(args.dist, args.tag)
    for line in found:
        print(f"check_dist: {line}", file=sys.stderr)
    if not found:
        print(f"check_dist: {args.dist}: one sdist and one wheel, every data file in both")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
