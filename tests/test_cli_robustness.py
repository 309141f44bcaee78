"""Issue 17, the command line: no tracebacks, no empty success, commands that agree."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import POST, MakeCalendar

Run = Callable[..., Result]


# -- 17.8: clear messages instead of tracebacks ------------------------------------------


def test_serve_on_a_taken_or_impossible_address_is_a_message(make_calendar: MakeCalendar,
                                                             run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(root, "serve", "-a", f"127.0.0.1:{port}")
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in result.output
    assert not (root / "site").exists()  # refused before building anything
    for address in ("127.0.0.1:99999", "127.0.0.1:http", "nowhere:8000"):
        result = run(root, "serve", "-a", address)
        assert result.exit_code == 2, address
        assert f"'{address}' is not IP:PORT with a port from 1 to 65535" in result.output


def test_build_into_an_impossible_folder_is_a_message(make_calendar: MakeCalendar,
                                                      run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n"})
    (root / "afile").write_text("not a folder")
    result = run(root, "build", "-d", "afile/site")
    assert result.exit_code == 1
    assert result.output == "postgen: cannot write the site to afile/site: Not a directory\n"
    result = run(root, "build", "-d", "/proc/postgen-nowhere/site")
    assert result.exit_code == 1
    assert "cannot write the site to /proc/postgen-nowhere" in result.output
    # The same folder named in mkdocs.yml: the build stops with the file it could not write.
    config = (root / "mkdocs.yml").read_text()
    (root / "mkdocs.yml").write_text("site_dir: afile/site\n" + config)
    result = run(root, "build")
    assert result.exit_code == 1
    assert result.output.startswith("postgen: cannot write the site: ")
    assert "afile/site" in result.output and "Not a directory" in result.output
