"""Issue 17, the command line: no tracebacks, no empty success, commands that agree."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
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


def test_a_malformed_postgen_now_is_a_message(make_calendar: MakeCalendar, run: Run,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """POSTGEN_NOW fixes the site's "now": a value that is no date is named, in one line,
    by every command that reads it (the up-to-date check, MkDocs' build, serve, export)."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n"})
    assert run(root, "build").exit_code == 0  # so the next build first asks if it is current
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = f"127.0.0.1:{probe.getsockname()[1]}"
    for value, why in (("garbage", ""), ("2027-02-30T09:00", " (day is out of range for month)")):
        monkeypatch.setenv("POSTGEN_NOW", value)
        said = (f"postgen: the environment variable POSTGEN_NOW='{value}' is not an ISO 8601 "
                f"date and time such as 2027-03-01T09:00{why}; fix it, or unset it for the "
                "clock's time\n")
        for command in ("build", "build --clean", "export --format ics", f"serve -a {free}"):
            result = run(root, *command.split())
            assert (result.exit_code, result.output) == (1, said), command
        plain = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root,
                               capture_output=True, text=True, check=False)
        assert plain.returncode == 1 and "Traceback" not in plain.stderr
        assert said.removeprefix("postgen: ") in plain.stderr


def test_a_dangling_link_among_the_posts_is_not_an_up_to_date_site(
        make_calendar: MakeCalendar, run: Run) -> None:
    """A post file that cannot be read is a change the build reports, not "nothing
    changed since the last build" with exit 0 while `check` fails."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n"})
    assert run(root, "build").exit_code == 0
    (root / "content" / "b.md").symlink_to(root / "content" / "gone.md")
    result = run(root, "build")
    assert result.exit_code == 1, result.output
    assert "1 error in the calendar" in result.output  # the line itself is MkDocs' log's
    assert "nothing changed" not in result.output


def test_the_review_server_without_git_is_a_message(
        make_calendar: MakeCalendar, tmp_path_factory: pytest.TempPathFactory) -> None:
    """In its own process: `review serve` sets up logging for good."""
    root = make_calendar({"content/a.md": POST.format(id="a")})
    state = tmp_path_factory.mktemp("state")
    env = {**os.environ, "PATH": str(tmp_path_factory.mktemp("no-git"))}
    for repo in (("--repo", str(root)), ()):  # cloned, or this folder's origin asked for
        result = subprocess.run([sys.executable, "-m", "postgen", "review", "serve",
                                 "--state-dir", str(state), *repo], cwd=root, env=env,
                                capture_output=True, text=True, check=False, timeout=60)
        assert (result.returncode, result.stderr) == (
            1, "postgen: git is not installed: the review server clones, commits and pushes "
               "the calendar with it\n"), repo


def test_what_mkdocs_refuses_in_mkdocs_yml_is_reported_at_its_line(
        make_calendar: MakeCalendar, run: Run, tmp_path_factory: pytest.TempPathFactory) -> None:
    """MkDocs' own settings, checked by MkDocs: its "Config value 'site_dir': ..." and
    "Aborted with a configuration error!" become lines at the setting's place."""
    root = make_calendar({"mkdocs.yml": "theme: 3\nextra_thing: 1\n" + CONFIG,
                          "content/a.md": POST.format(id="a")})
    said = ("mkdocs.yml:1:1: error[config-mkdocs]: theme: Invalid type <class 'int'>. Expected "
            "a string or key/value pairs.\n"
            "mkdocs.yml:2:1: warning[config-mkdocs]: extra_thing: Unrecognised configuration "
            "name: extra_thing\n"
            "1 error, 1 warning\n")
    for command in ("build", "build --clean", "serve -a 127.0.0.1:1"):
        result = run(root, *command.split())
        assert (result.exit_code, result.output) == (1, said), command
    assert not (root / "site").exists()
    from postgen.errors import PostgenError
    from postgen.review import rebuild

    with pytest.raises(PostgenError) as caught:
        rebuild.build(root / "mkdocs.yml", tmp_path_factory.mktemp("site"))
    assert str(caught.value) == "the site could not be built:\n" + said.rstrip("\n")


def test_a_record_file_line_that_is_not_utf8_is_a_located_problem(
        make_calendar: MakeCalendar, run: Run) -> None:
    """approvals.jsonl (and comments.jsonl) are appended to by hand, by CI and by the review
    server: one bad line is reported (or skipped), never a UnicodeDecodeError."""
    from postgen.review import comments

    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n",
                          "approvals.jsonl": b'\n{"post": "a\xff"}\n',
                          "comments.jsonl": b'{"id": "c\xff"}\n' + json.dumps(
                              {"id": "c1", "post": "a", "by": "dana", "at": "2027-01-01T10:00:00Z",
                               "text": "Nice"}).encode() + b"\n"})
    for command in ("check", "status"):
        result = run(root, command)
        assert result.exit_code == 1, command
        assert ("approvals.jsonl:2:12: error[approval-record]: byte 0xFF is not UTF-8; this "
                "approval record is skipped") in result.output, command
    built = run(root, "build")  # the line itself goes to MkDocs' log
    assert (built.exit_code, built.output.splitlines()[-1]) == (
        1, "postgen: 1 error in the calendar (above); the site shows them")
    assert [c.id for c in comments.load(root)["a"]] == ["c1"]


def test_init_where_no_folder_can_be_made_is_a_message(tmp_path: Path, run: Run) -> None:
    (tmp_path / "afile").write_text("not a folder")
    result = run(tmp_path, "init", "afile/calendar")
    assert (result.exit_code, result.output) == (
        1, f"postgen: cannot create the calendar in {tmp_path / 'afile' / 'calendar'}: Not a "
           "directory; nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_config_file_that_is_not_utf8_or_not_a_calendar_says_where(tmp_path: Path,
                                                                       run: Run) -> None:
    (tmp_path / "cal.yml").write_bytes(b"site_name: ok\nplugins:\n  - postgen:\n"
                                       b"      timezone: caf\xe9\n")
    (tmp_path / "plain.yml").write_text("site_name: x\n")
    for command in ("check", "build"):
        result = run(tmp_path, "-f", "cal.yml", command)
        assert (result.exit_code, result.output) == (
            1, "cal.yml:4:20: error[file-encoding]: byte 0xe9 is not UTF-8; save the file as "
               "UTF-8\n1 error, 0 warnings\n"), command
    result = run(tmp_path, "-f", "plain.yml", "check")
    assert "plain.yml:1:1: error[config-missing]: plain.yml has no postgen entry" in result.output


def test_count_in_a_calendar_with_a_broken_config_says_so(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    root = make_calendar({"mkdocs.yml": CONFIG.replace("timezone: Europe/Berlin", "timezone: [")})
    result = run(root, "count", "-c", "newsletter", "Hello")  # a channel, not a platform
    assert result.exit_code == 1
    assert "mkdocs.yml:7:13: error[yaml-syntax]" in result.output
    result = run(root, "count", "-c", "x", "Hello")
    assert result.exit_code == 0
    assert result.output == ("postgen: the calendar config has errors (postgen check lists "
                             "them); counted by x's own limits\n5/280\n")


def test_a_site_folder_over_the_calendars_files_is_refused_before_it_is_emptied(
        make_calendar: MakeCalendar, run: Run) -> None:
    """`build --clean -d content` emptied content/: every post was deleted."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "docs/welcome.md": "# Hi\n",
                          "assets/logo.png": "png"})
    for folder in ("content", "assets", "content/2027", "."):
        for clean in (("--clean",), ()):
            result = run(root, "build", *clean, "-d", folder)
            assert result.exit_code == 1, (folder, clean)
    assert (root / "content/a.md").read_text() == POST.format(id="a")
    assert sorted(p.name for p in (root / "content").iterdir()) == ["2027", "a.md"]
    assert sorted(p.name for p in (root / "assets").iterdir()) == ["logo.png"]
    (root / "mkdocs.yml").write_text("site_dir: content\n" + CONFIG)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert f"postgen: the site folder {root / 'content'} overlaps content/: building there " \
           "would overwrite or delete the calendar's files" in result.stderr
    assert sorted(p.name for p in (root / "content").iterdir()) == ["2027", "a.md"]


@pytest.mark.parametrize("command", [("export", "--format", "csv"), ("schema",)])
def test_an_output_file_over_the_calendars_own_files_is_refused(
        make_calendar: MakeCalendar, run: Run, command: tuple[str, ...]) -> None:
    """`export -o mkdocs.yml` replaced the config with a CSV; `-o` into content/ wrote a
    file check then reads as a post."""
    root = make_calendar({"content/a.md": POST.format(id="a"), "approvals.jsonl": ""})
    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in root.rglob("*")
                if p.is_file() and ".postgen-cache" not in p.parts}

    before = files()
    for target in ("mkdocs.yml", "approvals.jsonl", "publish-ledger.jsonl", "content/a.md",
                   "content/new.md", "theme/x.j2", str(root / "mkdocs.yml")):
        result = run(root, *command, "-o", target)
        assert result.exit_code == 2, (target, result.output)
        assert "no place for this output" in result.output and "Traceback" not in result.output
    assert files() == before
    result = run(root, *command, "-o", "out.txt")  # any other file is fine
    assert result.exit_code == 0, result.output
    assert (root / "out.txt").read_bytes()


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



def test_check_of_a_path_outside_the_calendar_is_a_usage_error(
        make_calendar: MakeCalendar, run: Run, tmp_path_factory: pytest.TempPathFactory) -> None:
    """It would filter out every problem and pass."""
    root = make_calendar({"content/a.md": "no front matter\n"})
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = run(root, "check", str(elsewhere))
    assert result.exit_code == 2
    assert f"Invalid value for PATHS: '{elsewhere}' is not in the calendar ({root})" in (
        result.output)
    assert run(root, "check", ".").exit_code == 1


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


# -- 17.10: commands that agree --------------------------------------------------------------


def test_status_lists_posts_with_errors_as_errors(make_calendar: MakeCalendar,
                                                  run: Run) -> None:
    broken = POST.format(id="b").replace("awareness", "hype")
    root = make_calendar({"content/a.md": POST.format(id="a"), "content/b.md": broken})
    result = run(root, "status", "--now", "2027-03-01 09:00")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Errors (1 in 1 file; not sent until fixed)\n"
        "  content/b.md:6:9: error[funnel-unknown]: 'hype' is not a funnel")
    assert "a -> x" in result.output
    data = json.loads(run(root, "status", "--format", "json").output)
    assert [(e["path"], e["rule"]) for e in data["errors"]] == [("content/b.md",
                                                                 "funnel-unknown")]


def test_render_of_a_channel_the_post_does_not_go_to_is_an_error(make_calendar: MakeCalendar,
                                                                  run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    result = run(root, "render", "a", "-c", "mastodon")
    assert result.exit_code == 2
    assert "a does not go to mastodon (its channels: x, linkedin)" in result.output


def test_an_unknown_channel_is_a_usage_error_in_every_command(make_calendar: MakeCalendar,
                                                              run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    for command in (["new", "T", "-c", "tiktok"], ["render", "-c", "tiktok"],
                    ["render", "a", "-c", "tiktok"], ["count", "-c", "tiktok", "hi"],
                    ["approve", "a", "-c", "tiktok", "--by", "dana"],
                    ["request-changes", "a", "-c", "tiktok", "--by", "d", "--note", "n"]):
        result = run(root, *command)
        assert result.exit_code == 2, command
        assert "tiktok" in result.output and "Traceback" not in result.output
    assert run(root, "new", "T", "-c", "linkdin").output.endswith(
        "unknown channel 'linkdin'; did you mean 'linkedin'?\n")
    listed = run(root, "count", "-c", "tiktok", "hi").output
    names = listed[listed.index("(") + 1:listed.index(")")].split(", ")
    assert len(names) == len(set(names)) and {"x", "linkedin", "newsletter", "email"} <= set(names)
    assert sorted(p.name for p in (root / "content").rglob("*.md")) == ["a.md"]


def test_ledger_show_prints_the_calendar_timezone(make_calendar: MakeCalendar,
                                                  run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a")})
    (root / "publish-ledger.jsonl").write_text(
        '{"at": "2027-03-02T08:30:05+00:00", "channel": "x", "event": "intent", "hash": "h",'
        ' "key": "0123456789abcdef", "post": "a", "publisher": "outbox"}\n'
        '{"at": "2027-03-02T08:30:06+00:00", "channel": "x", "event": "sent", '
        '"key": "0123456789abcdef", "post": "a", "remote_id": "r1"}\n')
    result = run(root, "ledger", "show")
    assert result.exit_code == 0
    assert result.output.startswith("0123456789abcdef  2027-03-02 09:30:06 CET  sent")
    shown = json.loads(run(root, "ledger", "show", "--format", "json").output)
    assert shown[0]["at"] == "2027-03-02T08:30:06+00:00"


def test_publish_says_which_variants_are_blocked_and_why(make_calendar: MakeCalendar,
                                                         run: Run) -> None:
    draft = POST.format(id="d").replace("funnel: awareness", "funnel: awareness\ndraft: true")
    root = make_calendar({"content/a.md": POST.format(id="a"), "content/d.md": draft})
    result = run(root, "publish", "--dry-run", "--now", "2027-03-01 09:00")
    assert "Blocked (2), not sent until that changes:\n" in result.output
    assert "  d -> x: due 2027-03-02 09:30 CET, but a draft\n" in result.output
    assert "  d -> linkedin: due 2027-03-02 09:30 CET, but a draft\n" in result.output
    assert "a -> x" not in result.output  # waiting, not blocked


# -- 17.14: slugs ------------------------------------------------------------------------------


def test_publish_counts_the_calendars_errors_as_build_does(make_calendar: MakeCalendar,
                                                          run: Run) -> None:
    root = make_calendar({"content/a.md": POST.format(id="a"), "content/b.md": "---\nid: [\n"})
    result = run(root, "publish", "--dry-run")
    assert ("postgen: 1 error in the calendar (postgen check); posts with errors in their "
            "files are not sent, every other post is\n") in result.output


def test_titles_become_transliterated_unique_slugs(make_calendar: MakeCalendar,
                                                   run: Run) -> None:
    root = make_calendar({})
    made = run(root, "new", "Café über Straße", "--date", "2027-03-02 09:30")
    assert made.output == "content/2027-03/cafe-uber-strasse.md\n"
    assert "id: 2027-03-02-cafe-uber-strasse\n" in (root / made.output.strip()).read_text()
    coffee = [run(root, "new", "☕☕☕", "--date", when).output.strip()
              for when in ("2027-03-02 09:30", "2027-03-02 11:00")]
    assert coffee == ["content/2027-03/2027-03-02-0930.md", "content/2027-03/2027-03-02-1100.md"]
    assert "id: 2027-03-02-0930\n" in (root / coffee[0]).read_text()
    assert "title: ☕☕☕\n" in (root / coffee[0]).read_text()
    for empty in ("", "   "):
        refused = run(root, "new", empty)
        assert refused.exit_code == 2
        assert "a post needs a title" in refused.output
    assert len(list((root / "content").rglob("*.md"))) == 3
    checked = run(root, "check")
    assert checked.exit_code == 0
    assert checked.output.count("warning[body-placeholder]: the body is still the placeholder") == 3
    (root / coffee[0]).write_text((root / coffee[0]).read_text().replace(
        "Write the post here.", "Three coffees.", 1))
    assert run(root, "check").output.count("warning[body-placeholder]") == 2


# -- 17.15: help that helps ------------------------------------------------------------------


def test_help_lists_whole_descriptions_and_says_what_approve_requires(run: Run,
                                                                      tmp_path: Path) -> None:
    for args in ((), ("ledger",), ("accounts",), ("results",), ("review",)):
        shown = run(tmp_path, *args, "--help").output
        commands = shown[shown.index("Commands:"):]
        assert "..." not in commands and "…" not in commands
    assert "check Check the config and every post; report every problem, each with its place." in (
        " ".join(run(tmp_path, "--help").output.split()))
    approve = " ".join(run(tmp_path, "approve", "--help").output.split())
    assert "--by NAME Who approves; required with POST" in approve
    serve = " ".join(run(tmp_path, "serve", "--help").output.split())
    assert "-a, --dev-addr IP:PORT Address to serve on" in serve
    assert "Example: postgen serve -a 127.0.0.1:8001" in serve


def test_the_readme_says_how_postgen_gets_on_the_path() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    first_plain = readme.index("`postgen init")
    assert "activate the\nvirtual environment first (`. .venv/bin/activate`)" in (
        readme[:first_plain])
