"""Issue 17, the command line: no tracebacks, no empty success, commands that agree."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable

from click.testing import Result

from tests.conftest import CONFIG, POST, MakeCalendar

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


# -- 17.9: no empty success --------------------------------------------------------------


def test_a_content_dir_that_is_no_folder_is_a_config_error(make_calendar: MakeCalendar,
                                                           run: Run) -> None:
    typo = CONFIG.replace("  - postgen:\n", "  - postgen:\n      content_dir: contnet\n")
    root = make_calendar({"mkdocs.yml": typo, "content/a.md": POST.format(id="a")})
    for command in ("check", "build", "status", "export --format csv"):
        result = run(root, *command.split())
        assert result.exit_code == 1, command
        assert ("mkdocs.yml:5:20: error[content-dir-missing]: content_dir 'contnet' does not "
                "exist; did you mean 'content'?") in result.output, command
    (root / "content/a.md").unlink()
    (root / "content").rmdir()
    result = run(root, "-f", "mkdocs.yml", "check")
    assert result.exit_code == 1
    assert "content_dir 'contnet' does not exist: the posts live there" in result.output
    (root / "mkdocs.yml").write_text(CONFIG)
    result = run(root, "check")
    assert result.exit_code == 1
    assert ("mkdocs.yml:5:7: error[content-dir-missing]: content_dir 'content' does not exist"
            in result.output)


def test_check_of_a_path_that_does_not_exist_is_a_usage_error(make_calendar: MakeCalendar,
                                                               run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "check", "content/nope")
    assert result.exit_code == 2
    assert "'content/nope' does not exist" in result.output


# -- 17.11: config errors read the same from every command --------------------------------


def test_a_config_typo_reads_the_same_in_build_serve_and_mkdocs(make_calendar: MakeCalendar,
                                                                run: Run) -> None:
    typo = CONFIG.replace("timezone:", "timezon:")
    root = make_calendar({"mkdocs.yml": typo, "content/a.md": POST.format(id="a"),
                          "docs/welcome.md": "# Hi\n"})
    checked = run(root, "check")
    assert checked.exit_code == 1
    expected = "mkdocs.yml:5:7: error[field-unknown]: unknown setting "
    assert expected + "'plugins.1.postgen.timezon'; did you mean 'timezone'?" in checked.output
    for command in ("build", "build --strict", "build --clean", "serve -a 127.0.0.1:1"):
        result = run(root, *command.split())
        assert result.exit_code == 1, command
        assert result.output == checked.output, command
        assert "Required configuration" not in result.output
    assert not (root / "site").exists()
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root,
                           capture_output=True, text=True, check=False)
    assert plain.returncode == 1
    assert "Required configuration" not in plain.stderr
    assert checked.output.splitlines()[0] in plain.stderr
