"""`postgen serve` serves the site and rebuilds when a post is edited."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CONFIG, POST, MakeCalendar


def _serve(root: Path, log: Path | None = None, env: dict[str, str] | None = None
           ) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m postgen serve` in `root` on a free port; its standard error in `log`."""
    port = _free_port()
    with log.open("wb") if log else contextlib.nullcontext(subprocess.DEVNULL) as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "postgen", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
            stdout=subprocess.DEVNULL, stderr=err, env=env if env is not None else {**os.environ})
    return server, port


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, deadline: float, wanted: str) -> str:
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
                body = response.read().decode()
            if wanted in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    return body


def test_serve_reloads_an_edited_post(make_calendar: MakeCalendar, tmp_path: Path) -> None:
    """It also says where it serves, each change it saw and each rebuild (as `mkdocs
    serve` does), and the calendar's problems as compiler-style lines."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n",
                          "content/b.md": POST.format(id="b").replace("x, linkedin", "nope")})
    log = tmp_path / "serve.log"
    server, port = _serve(root, log)
    try:
        url = f"http://127.0.0.1:{port}/posts/a/"
        assert "Body text." in _get(url, time.monotonic() + 30, "Body text.")
        said = log.read_text(encoding="utf-8").splitlines()
        assert f"http://127.0.0.1:{port}/" in next(line for line in said if "Serving on" in line)
        problem = next(line for line in said if "content/b.md" in line)
        assert problem.startswith("content/b.md:") and "error[" in problem
        post = Path(root, "content/a.md")
        post.write_text(post.read_text().replace("Body text.", "Edited while serving."))
        assert "Edited while serving." in _get(url, time.monotonic() + 30,
                                               "Edited while serving.")
        deadline = time.monotonic() + 10
        while "Reloading browsers" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        said = log.read_text(encoding="utf-8")
        assert "Detected file changes" in said and said.count("Documentation built in") == 2
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_log(log: Path, *wanted: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while not all(w in (said := log.read_text(encoding="utf-8")) for w in wanted):
        assert time.monotonic() < deadline, said
        time.sleep(0.2)
    return said


def test_serve_checks_an_edited_mkdocs_yml_for_code_before_reloading_it(
        make_calendar: MakeCalendar, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An edit that adds a code tag or `hooks:` while serving is refused as at the start:
    nothing runs, the last site stays served; the fixed file is built again."""
    hook = "from pathlib import Path\nPath(__file__).with_name('pwned').write_text('ran')\n"
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n",
                          "hooks/site.py": hook})
    log = tmp_path_factory.mktemp("log") / "serve.log"  # not in the calendar: it is watched
    env = {k: v for k, v in os.environ.items() if k != "POSTGEN_ALLOW_HOOKS"}
    server, port = _serve(root, log, env)
    try:
        url = f"http://127.0.0.1:{port}/posts/a/"
        assert "Body text." in _get(url, time.monotonic() + 30, "Body text.")
        _wait_for_log(log, "Serving on")
        tag = f"extra: !!python/object/apply:os.system ['touch {root / 'pwned-tag'}']\n"
        (root / "mkdocs.yml").write_text(CONFIG + "hooks:\n  - hooks/site.py\n" + tag)
        said = _wait_for_log(log, "error[config-hooks]", "error[config-code-tag]")
        assert "mkdocs.yml:16:1: error[config-hooks]" in said
        assert "mkdocs.yml:18:8: error[config-code-tag]" in said
        time.sleep(1)  # the rebuild it refused would have run them by now
        assert not (root / "hooks" / "pwned").exists() and not (root / "pwned-tag").exists()
        assert "Traceback" not in log.read_text(encoding="utf-8")
        assert "Body text." in _get(url, time.monotonic() + 5, "Body text.")  # still served
        (root / "mkdocs.yml").write_text(CONFIG)
        _wait_for_log(log, "Documentation built in", "Detected file changes\nINFO    -  "
                      "Building documentation")  # the fixed file: built again
    finally:
        server.terminate()
        server.wait(timeout=10)


#: A site template that reaches `os` outside Jinja's sandbox (refused there).
ESCAPE = "{{ cycler.__init__.__globals__.os.system('touch pwned') }}\n"
REFUSED = ("theme/site/home.html.j2:1:1: error[template-error]: access to attribute "
           "'__init__' of 'type' object is unsafe")


def test_serve_reports_a_refused_site_template_in_one_line(
        make_calendar: MakeCalendar, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A template the sandbox refuses reads as in `postgen build`: one line at its place,
    no MkDocs traceback; in the first build it ends the server, in a rebuild the last
    site stays served (as it does when an edit breaks mkdocs.yml)."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n",
                          "theme/site/home.html.j2": ESCAPE})
    first = subprocess.run([sys.executable, "-m", "postgen", "serve", "-a",
                            f"127.0.0.1:{_free_port()}"], cwd=root, capture_output=True,
                           text=True, timeout=60, check=False)
    assert first.returncode == 1
    assert f"postgen: {REFUSED}; the site was not built\n" in first.stderr, first.stderr
    assert "Traceback" not in first.stderr
    (root / "theme/site/home.html.j2").write_text('{% extends "default:site/home.html.j2" %}\n')
    log = tmp_path_factory.mktemp("log") / "serve.log"
    server, port = _serve(root, log)
    try:
        url = f"http://127.0.0.1:{port}/posts/a/"
        assert "Body text." in _get(url, time.monotonic() + 30, "Body text.")
        _wait_for_log(log, "Serving on")
        (root / "theme/site/home.html.j2").write_text(ESCAPE)
        said = _wait_for_log(log, "error[template-error]")
        assert f"{REFUSED}; not rebuilt, the last site is still served\n" in said
        assert "Traceback" not in said and not (root / "pwned").exists()
        assert "Body text." in _get(url, time.monotonic() + 5, "Body text.")  # still served
        # So is an edit that breaks mkdocs.yml: its problem at its line, as check says it.
        (root / "mkdocs.yml").write_text(CONFIG.replace("timezone: Europe/Berlin",
                                                        "timezone: [Europe/Berlin"))
        said = _wait_for_log(log, "error[yaml-syntax]")
        assert "postgen: not rebuilt, the last site is still served:\nmkdocs.yml:" in said
        assert "Traceback" not in said
        assert "Body text." in _get(url, time.monotonic() + 5, "Body text.")
        (root / "mkdocs.yml").write_text("theme: 3\n" + CONFIG)  # MkDocs refuses it
        said = _wait_for_log(log, "error[config-mkdocs]")
        assert ("postgen: not rebuilt, the last site is still served:\nmkdocs.yml:1:1: "
                "error[config-mkdocs]: theme: Invalid type") in said
        assert "Aborted with a configuration error" not in said
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_rewrites_only_what_an_edit_or_an_approval_changes(
        make_calendar: MakeCalendar, tmp_path: Path) -> None:
    """Serving keeps its folder between rebuilds (dirty builds): an edited post's page
    is rewritten, the other posts' pages are not; an approval is seen too."""
    root = make_calendar({**{f"content/{i}.md": POST.format(id=f"p{i}") for i in range(5)},
                          "docs/welcome.md": "# Hi\n"})
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "POSTGEN_NOW": "2027-03-01T09:00"}
    server, port = _serve(root, env=env)
    try:
        url = f"http://127.0.0.1:{port}/posts/"
        assert "Body text." in _get(url + "p1/", time.monotonic() + 30, "Body text.")
        (served,) = temp.glob("mkdocs_*")

        def pages() -> dict[str, int]:
            return {p.parent.name: p.stat().st_mtime_ns
                    for p in served.glob("posts/*/index.html")}

        before = pages()
        assert len(before) == 5
        post = Path(root, "content/1.md")
        post.write_text(post.read_text().replace("Body text.", "Edited while serving."))
        assert "Edited while serving." in _get(url + "p1/", time.monotonic() + 30,
                                               "Edited while serving.")
        after = pages()
        assert {name for name in before if after[name] != before[name]} == {"p1"}
        approve = subprocess.run(
            [sys.executable, "-m", "postgen", "approve", "p2", "-c", "x", "--by", "dana"],
            cwd=root, env=env, capture_output=True, text=True, check=False)
        assert approve.returncode == 0, approve.stdout + approve.stderr
        assert "state-scheduled" in _get(url + "p2/", time.monotonic() + 30, "state-scheduled")
        assert {name for name in after if pages()[name] != after[name]} == {"p2"}
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: MkDocs removes the served folder
        server.wait(timeout=10)
    # The served folder is gone with the server; the next build forgets its manifest.
    assert not served.exists()
    build = subprocess.run([sys.executable, "-m", "postgen", "build"], cwd=root, env=env,
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    index = pickle.loads((root / ".postgen-cache/site/index.pickle").read_bytes())
    assert list(index["part"]["sites"]) == [str(root / "site")]


def test_serve_starts_from_the_files_of_the_last_build(
        make_calendar: MakeCalendar, tmp_path: Path) -> None:
    """The first build of `postgen serve` copies what `postgen build` left in site/ (as
    it recorded it) and renders only what changed since: a page the manifest vouches for
    is served as it is on disk, a post edited since is served new."""
    root = make_calendar({**{f"content/{i}.md": POST.format(id=f"p{i}") for i in range(3)},
                          "docs/welcome.md": "# Hi\n"})
    env = {**os.environ, "POSTGEN_NOW": "2027-03-01T09:00"}
    build = subprocess.run([sys.executable, "-m", "postgen", "build"], cwd=root, env=env,
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    # Marked on disk without changing its size or time: only a copy can show the mark.
    page = root / "site/posts/p1/index.html"
    st = page.stat()
    page.write_text(page.read_text().replace("Body text.", "Body TEXT."))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    post = root / "content/2.md"
    post.write_text(post.read_text().replace("Body text.", "Edited since."))
    server, port = _serve(root, env=env)
    try:
        url = f"http://127.0.0.1:{port}/posts/"
        assert "Edited since." in _get(url + "p2/", time.monotonic() + 30, "Edited since.")
        assert "Body TEXT." in _get(url + "p1/", time.monotonic() + 5, "Body TEXT.")
        assert "Body text." in _get(url + "p0/", time.monotonic() + 5, "Body text.")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
