"""A calendar made by `postgen init` installs the postgen its workflows install, and runs.

The generated requirements.txt pins this repository at the tag of the version
that made the calendar. Here a copy of the working tree, committed and tagged in
a temporary git repository, stands in for the repository on GitHub (or for the
package index): `postgen init --source git+file://...` points the pin at it. The
install step is the generated workflows' own text, run with bash in a fresh
virtual environment, and `check`, `build` and `publish` then run from that
install.

To keep it fast the fresh environment installs postgen alone (PIP_NO_DEPS): its
dependencies come from this test's environment, whose site-packages folder a
.pth file puts on the new environment's path. That folder's own .pth files are
not processed, so the editable checkout of postgen installed there stays out of
sight; the test asserts postgen is imported from the new environment.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from postgen import __version__

REPO = Path(__file__).resolve().parent.parent


def _tagged_copy(target: Path) -> Path:
    """The working tree (tracked and new files, as git sees them) committed and tagged."""
    files = subprocess.run(["git", "ls-files", "-z", "-c", "-o", "--exclude-standard"],
                           cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        rel = Path(os.fsdecode(name))
        source = REPO / rel
        if rel.parts[0] in ("content", "assets") or not source.is_file():
            continue  # the example calendar's posts and images: not part of the package
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(source.read_bytes())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "release"],
                 ["tag", f"v{__version__}"]):
        subprocess.run([*git, *args], cwd=target, check=True, capture_output=True)
    return target


def _fresh_venv(path: Path) -> dict[str, str]:
    """A new environment that sees this one's packages (not its postgen); the env to
    run commands in it, `pip` and `postgen` first on PATH."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    purelib = Path(subprocess.run([str(path / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "borrowed-dependencies.pth").write_text(
        "".join(p + "\n" for p in site.getsitepackages()), encoding="utf-8")
    pip = path / "bin" / "pip"  # pip's own, from the borrowed packages, for the new python
    pip.write_text(f'#!/bin/sh\nexec "{path}/bin/python" -m pip "$@"\n', encoding="utf-8")
    pip.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PATH": f"{path / 'bin'}:{env['PATH']}", "VIRTUAL_ENV": str(path),
            "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _install_step(workflow: Path) -> str:
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
    runs = [s["run"] for job in steps.values() for s in job.get("steps", [])
            if "pip install" in s.get("run", "")]
    assert len(runs) == 1, workflow
    return str(runs[0])


def test_a_new_calendar_installs_its_pinned_postgen_and_runs_from_it(tmp_path: Path) -> None:
    source = _tagged_copy(tmp_path / "postgen-src")
    env = _fresh_venv(tmp_path / "venv")
    postgen = [str(tmp_path / "venv" / "bin" / "python"), "-m", "postgen"]

    # init runs from this checkout: the calendar it makes pins the tag of this version
    made = subprocess.run([sys.executable, "-m", "postgen", "init", "cal", "--name", "Acme",
                           "--source", f"git+file://localhost{source}"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    cal = tmp_path / "cal"
    pin = f"postgen @ git+file://localhost{source}@v{__version__}"
    lines = (cal / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [ln for ln in lines if ln and not ln.startswith("#")] == [pin]

    workflows = sorted((cal / ".github" / "workflows").glob("*.yml"))
    step = "pip install -r requirements.txt\npostgen --version\n"
    for workflow in workflows:  # each installs the same way, and prints the version
        assert _install_step(workflow).startswith(step), workflow
    installed = subprocess.run(["bash", "-e", "-c", step], cwd=cal, env=env,
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert f"postgen, version {__version__}" in installed.stdout

    where = subprocess.run([*postgen[:1], "-c", "import postgen; print(postgen.__file__)"],
                           cwd=cal, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*postgen, *args], cwd=cal, env=env, capture_output=True,
                              text=True, check=False)

    checked = run("check", "--strict")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = run("build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (cal / "site" / "index.html").is_file()
    (post,) = (cal / "content").rglob("*.md")
    meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---")[1])
    approved = run("approve", meta["id"], "--by", "dana")
    assert approved.returncode == 0, approved.stderr
    due = datetime.fromisoformat(str(meta["date"])) + timedelta(minutes=5)
    published = run("publish", "--now", f"{due:%Y-%m-%d %H:%M}")
    assert published.returncode == 0, published.stdout + published.stderr
    assert "3 sent" in published.stdout
    assert len(list((cal / "outbox").rglob("*.json"))) == 3
