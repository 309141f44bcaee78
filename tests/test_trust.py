"""Security and trust (issue 18): one bad file never stops the others, hostile input
costs no more than its size, and nothing in the repository runs as code.

Fixed reproductions of the fuzz findings (each input that used to crash) are in
tests/test_fuzz.py; the rules' places are in tests/test_rules.py.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result

from postgen import approvals, pipeline
from postgen.cli import cli
from postgen.diagnostics import Diagnostic
from postgen.fields import Fields
from postgen.platforms.counting import mastodon_length
from postgen.render.richtext import bluesky_facets
from postgen.yamlsource import parse
from tests.conftest import CONFIG, MakeCalendar
from tests.test_publish import post, write_calendar
from tests.test_rules import LAUGHS

Run = Callable[..., Result]


def check(run: Run, root: Path) -> tuple[int, list[dict[str, object]]]:
    result = run(root, "check", "--format", "json")
    return result.exit_code, json.loads(result.output)


def front(text: str, body: str = "Body.\n") -> str:
    return f"---\n{text}---\n{body}"


BASE = "id: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: [x]\nfunnel: awareness\n"


# -- 18.1 and 18.9: one unreadable post; posts with errors are never sent ---------------


def test_publish_sends_every_valid_post_beside_unreadable_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    channels = {"free": {"platform": "x", "account": "@acme", "approval_required": False}}
    posts = [
        post("good-one", ["free"]), post("good-two", ["free"]),
        # each of these stopped every command before (a traceback, nothing sent):
        post("maybe-draft", ["free"], extra="draft: !!bool maybe\n"),
        post("end-of-time", ["free"], when="9999-12-31 23:59"),
        ("content/huge-id.md", front(f"id: {'1' * 5000}\ntitle: T\ndate: 2027-03-02 09:30\n"
                                     "channels: [free]\nfunnel: awareness\n")),
        # ...and these were sent despite the errors in their files:
        post("typo", ["free"], extra="campain: spring\n"),
        post("twice", ["free"], extra="title: Again\n"),
    ]
    root = write_calendar(tmp_path, channels, posts)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["publish", "--now", "2027-03-02T09:31:00Z"],
                                catch_exceptions=False)
    sent = sorted(p.name for p in root.glob("outbox/**/*.json"))
    assert sent == ["good-one.json", "good-two.json"], result.output
    for path in ("maybe-draft", "end-of-time", "huge-id", "typo", "twice"):
        assert f"content/{path}.md:" in result.output  # each reported where it stands
    assert "Traceback" not in result.output
    assert "2 sent" in result.output


def test_publish_never_sends_media_that_cannot_be_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A decompression bomb, or a text file named .png, is an error in `check`; publish
    holds the variant back rather than send what the platform cannot show."""
    import struct

    bomb = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
            + struct.pack(">IIBBBBB", 65535, 65535, 8, 2, 0, 0, 0) + b"\0" * 4)
    channels = {"free": {"platform": "x", "account": "@acme", "approval_required": False}}
    posts = [post("good-one", ["free"]),
             post("bomb", ["free"], extra="image: assets/bomb.png\nalt: A bomb\n"),
             post("fake", ["free"], extra="image: assets/fake.png\nalt: Text\n")]
    root = write_calendar(tmp_path, channels, posts)
    (root / "assets").mkdir()
    (root / "assets/bomb.png").write_bytes(bomb)
    (root / "assets/fake.png").write_text("not an image\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["publish", "--now", "2027-03-02T09:31:00Z"],
                                catch_exceptions=False)
    sent = sorted(p.name for p in root.glob("outbox/**/*.json"))
    assert sent == ["good-one.json"], result.output
    assert "media cannot be sent" in result.output
    assert "Traceback" not in result.output


def test_an_edit_after_a_send_is_never_sent_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New text (or new channel settings) makes a new content hash, so a new ledger key:
    within the grace window that version would go out a second time."""
    channels = {"free": {"platform": "x", "account": "@acme", "approval_required": False}}
    root = write_calendar(tmp_path, channels, [post("p1", ["free"], body="First words.\n")])
    monkeypatch.chdir(root)
    first = CliRunner().invoke(cli, ["publish", "--now", "2027-03-02T09:31:00Z"],
                               catch_exceptions=False)
    assert "1 sent" in first.output
    write_calendar(tmp_path, channels, [post("p1", ["free"], body="Second words.\n")])
    again = CliRunner().invoke(cli, ["publish", "--now", "2027-03-02T09:45:00Z"],
                               catch_exceptions=False)
    assert "0 sent" in again.output, again.output
    assert "an earlier version of this post went out" in again.output
    assert len(list(root.glob("outbox/**/*.json"))) == 1


def test_a_post_with_an_error_in_its_file_is_still_checked_in_full(
        make_calendar: MakeCalendar, run: Run) -> None:
    """Errors in two rounds (17.12): a bad `paid` hid the body's length on LinkedIn."""
    root = make_calendar({"content/a.md": front(
        BASE.replace("[x]", "[linkedin]") + "paid: {budget: 10, currency: euro, "
        "objective: reach}\n", "word " * 700)})
    code, found = check(run, root)
    assert code == 1
    assert {(d["rule"], d["line"]) for d in found} == {("field-value", 7), ("length-over", 9)}


def test_approve_from_refuses_lines_for_drafts(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({
        "mkdocs.yml": CONFIG.replace("      timezone:", "      approval: {reviewers: [dana]}\n"
                                     "      timezone:"),
        "content/a.md": front(BASE + "draft: true\n")})
    [variant] = pipeline.check(pipeline.load_calendar(root))[1].variants
    line = approvals.approval_line(approvals.APPROVE, variant, "dana")
    result = run(root, "approve", "--from", "-", input=line + "\n")
    assert result.exit_code == 1
    assert "p1 is a draft" in result.output
    assert not (root / approvals.FILE).exists() or not (root / approvals.FILE).read_text()


# -- 18.2: aliases and values in messages ---------------------------------------------


@pytest.mark.parametrize("where", ["id: *l6\n", "paid: {budget: 10, currency: EUR, "
                                   "objective: reach, start: *l6, end: *l6}\n"])
def test_billion_laughs_are_refused(make_calendar: MakeCalendar, run: Run, where: str) -> None:
    six = LAUGHS.split("x-l7")[0]  # nine values, nine times over, six levels: 531,441
    base = BASE.replace("id: p1\n", "") if where.startswith("id") else BASE
    root = make_calendar({"content/a.md": front(six + base + where)})
    code, found = check(run, root)
    assert code == 1
    assert [d["rule"] for d in found if d["rule"] == "yaml-aliases"] == ["yaml-aliases"]
    assert all(len(str(d["message"])) < 300 for d in found)


@pytest.mark.parametrize("value", ["[" + ", ".join(["a"] * 5000) + "]", "x" * 5000,
                                   "!!int 0x" + "f" * 5000])
@pytest.mark.parametrize("field", ["id", "paid.start", "funnel", "campaign", "date"])
def test_messages_never_show_a_whole_value(make_calendar: MakeCalendar, run: Run, field: str,
                                           value: str) -> None:
    lines = dict(line.split(": ", 1) for line in BASE.splitlines())
    if field == "paid.start":
        lines["paid"] = f"{{budget: 10, currency: EUR, objective: reach, start: {value}}}"
    else:
        lines[field] = value
    root = make_calendar({"content/a.md": front("".join(f"{k}: {v}\n"
                                                        for k, v in lines.items()))})
    code, found = check(run, root)
    assert code == 1 and found
    assert all(len(str(d["message"])) < 300 for d in found), found


# -- 18.3: linear in the size of the post ---------------------------------------------


def events(work: Callable[[], object]) -> int:
    """How many Python calls and returns `work` makes: an operation count (no clock).
    Resuming a generator counts too, so a scan of a list in `any(...)` shows."""
    count = 0

    def profile(_frame: object, _event: str, _arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def grows_linearly(work: Callable[[int], object], n: int = 400) -> None:
    """Twice the input costs about twice the operations (four times if quadratic).
    `work(n)` should make text of its own for each n: what is cached stays out."""
    work(n + 1)  # first-use costs (tables loaded, patterns compiled) out of the count
    small, large = events(lambda: work(n)), events(lambda: work(2 * n))
    assert large < 2.5 * small, (small, large)


def test_bluesky_facets_are_linear() -> None:
    grows_linearly(lambda n: bluesky_facets(" ".join(f"#t{n}x{i}" for i in range(n)), []))
    grows_linearly(lambda n: bluesky_facets(
        " ".join(f"https://acme{n}.example.com/{i} @a{i}.bsky.social" for i in range(n)), []))


def test_mastodon_counting_is_linear() -> None:
    grows_linearly(lambda n: mastodon_length(
        " ".join(f"https://acme{n}.example.com/{i} @a{i}@m.example" for i in range(n))))


def test_reporting_unknown_keys_is_linear() -> None:
    def report(n: int) -> list[Diagnostic]:
        text = "".join(f"key{i}: {i}\n" for i in range(n))
        parsed = parse(text, "a.md")
        found: list[Diagnostic] = []
        assert isinstance(parsed.data, dict)
        Fields(parsed.data, parsed.source, "a.md", found).unknown(("id", "title"))
        return found

    assert len(report(10)) == 10
    grows_linearly(report)


# -- 18.8: the .ics feed ----------------------------------------------------------------


def test_line_breaks_of_every_kind_stay_inside_the_summary(make_calendar: MakeCalendar,
                                                           run: Run) -> None:
    title = 'T\\rBEGIN:VEVENT\\u2028U\\x85V\\r\\nW\\x01'  # escapes YAML reads in quotes
    root = make_calendar({"content/a.md": front(BASE.replace("title: T", f'title: "{title}"')),
                          "docs/welcome.md": "# Home\n"})
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    data = (root / "site" / "calendar.ics").read_bytes()
    assert data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    assert not any(c in data.decode() for c in "\x85\u2028\x01")
    assert b"\r" not in data.replace(b"\r\n", b"")
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "[x] T\nBEGIN:VEVENT\nU\nV\nW"


# -- 18.10: line numbers ------------------------------------------------------------------


@pytest.mark.parametrize("brk", ["\r", "\x85", "\u2028", "\u2029"])
def test_yaml_line_breaks_do_not_move_later_errors(make_calendar: MakeCalendar, run: Run,
                                                   brk: str) -> None:
    root = make_calendar({"content/a.md": front(f'{BASE}owner: "a{brk}b"\ntittle: x\n')})
    code, found = check(run, root)
    assert [(d["rule"], d["line"], d["col"]) for d in found] == [("field-unknown", 8, 1)]


def test_a_key_after_a_merge_overrides_it(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": front(
        BASE + 'cta: &c {text: Shop, url: "https://acme.example.com/"}\n'
        "variants:\n  x:\n    cta:\n      <<: *c\n      text: Buy now\n")})
    assert check(run, root) == (0, [])
    [post] = pipeline.load_calendar(root).posts
    assert post.overrides["x"].cta is not None and post.overrides["x"].cta.text == "Buy now"


# -- 18.11: links out of the repository -----------------------------------------------------


def test_a_post_file_linking_outside_the_repository_is_refused(
        tmp_path: Path, make_calendar: MakeCalendar, run: Run) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text(front(BASE))
    root = make_calendar({"content/inside.md": front(BASE.replace("p1", "p2"))})
    (root / "content" / "linked.md").symlink_to(outside)
    code, found = check(run, root)
    assert [(d["path"], d["rule"]) for d in found] == [("content/linked.md",
                                                        "file-outside-repo")]
    assert [p.id for p in pipeline.load_calendar(root).posts] == ["p2"]


def test_new_and_import_never_write_through_links(tmp_path: Path, make_calendar: MakeCalendar,
                                                  run: Run) -> None:
    away = tmp_path.parent / f"{tmp_path.name}-away"
    away.mkdir()
    root = make_calendar({"content/.keep": ""})
    # a dangling link where `new` would write, and a month folder linking out
    (root / "content" / "2027-03").mkdir()
    (root / "content" / "2027-03" / "spring.md").symlink_to(away / "spring.md")
    (root / "content" / "2027-04").symlink_to(away, target_is_directory=True)
    first = run(root, "new", "Spring", "--date", "2027-03-02 09:30", "-c", "x")
    second = run(root, "new", "Easter", "--date", "2027-04-02 09:30", "-c", "x")
    csv = "title,date,text,channels\nEaster,2027-04-03 09:30,Hello,x\n"
    (root / "in.csv").write_text(csv)
    third = run(root, "import", "in.csv")
    assert (first.exit_code, second.exit_code, third.exit_code) == (1, 1, 1)
    assert "symbolic link" in first.output and "links outside" in second.output
    assert "file-outside-repo" in third.output
    assert list(away.iterdir()) == []


# -- 18.12: code in the repository ----------------------------------------------------------


@pytest.mark.parametrize("inherit", [False, True])
def test_build_refuses_code_tags_before_mkdocs_reads_the_config(
        make_calendar: MakeCalendar, run: Run, inherit: bool) -> None:
    tag = "extra: !!python/object/apply:os.system ['touch pwned']\n"
    files = ({"base.yml": tag, "mkdocs.yml": "INHERIT: base.yml\n" + CONFIG} if inherit
             else {"mkdocs.yml": CONFIG + tag})
    root = make_calendar({**files, "content/a.md": front(BASE), "docs/welcome.md": "# Home\n"})
    for command in ("build", "serve"):
        result = run(root, command)
        assert result.exit_code != 0
        assert "config-code-tag" in result.output
        assert not (root / "pwned").exists()


#: A hook MkDocs would import: it leaves a file named `pwned` next to itself.
HOOK = "from pathlib import Path\nPath(__file__).with_name('pwned').write_text('ran')\n"


@pytest.mark.parametrize("inherit", [False, True])
def test_build_and_serve_refuse_mkdocs_hooks_unless_the_environment_allows_them(
        make_calendar: MakeCalendar, run: Run, inherit: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTGEN_ALLOW_HOOKS", raising=False)
    hooks = "hooks:\n  - hooks/site.py\n"
    files = ({"base.yml": hooks, "mkdocs.yml": "INHERIT: base.yml\n" + CONFIG} if inherit
             else {"mkdocs.yml": CONFIG + hooks})
    root = make_calendar({**files, "hooks/site.py": HOOK, "content/a.md": front(BASE),
                          "docs/welcome.md": "# Home\n"})
    where = f"{root / 'base.yml'}:1:1" if inherit else "mkdocs.yml:16:1"
    for command in ("build", "serve"):
        result = run(root, command)
        assert result.exit_code != 0
        assert f"{where}: error[config-hooks]" in result.output
        assert "POSTGEN_ALLOW_HOOKS=1" in result.output
        assert not (root / "hooks" / "pwned").exists()
    if not inherit:  # check says it too, at the same place (CI runs it first)
        code, found = check(run, root)
        assert code == 1 and [(d["path"], d["line"], d["rule"]) for d in found] == [
            ("mkdocs.yml", 16, "config-hooks")]
    monkeypatch.setenv("POSTGEN_ALLOW_HOOKS", "1")  # the machine's say, not the repository's
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    assert (root / "hooks" / "pwned").read_text() == "ran"


def test_the_review_server_builds_no_config_that_runs_code(
        make_calendar: MakeCalendar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postgen.errors import PostgenError
    from postgen.review import rebuild

    monkeypatch.delenv("POSTGEN_ALLOW_HOOKS", raising=False)
    root = make_calendar({"mkdocs.yml": CONFIG + "hooks:\n  - hooks/site.py\n",
                          "hooks/site.py": HOOK, "content/a.md": front(BASE),
                          "docs/welcome.md": "# Home\n"})
    with pytest.raises(PostgenError, match=r"mkdocs\.yml:16:1: error\[config-hooks\]"):
        rebuild.build(root / "mkdocs.yml", tmp_path / "site")
    assert not (root / "hooks" / "pwned").exists()


def test_variant_templates_render_in_the_sandbox(make_calendar: MakeCalendar, run: Run,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_TOKEN", "s3cr3t-value")
    root = make_calendar({
        "content/a.md": front(BASE),
        "theme/variants/x.txt.j2": "{{ cycler.__init__.__globals__.os.environ.ACME_TOKEN }}\n",
    })
    result = run(root, "render", "p1")
    assert "s3cr3t-value" not in result.output
    code, found = check(run, root)
    assert [d["rule"] for d in found] == ["template-error"]
    assert "unsafe" in str(found[0]["message"])


def test_python_m_postgen_imports_nothing_from_the_calendar(
        make_calendar: MakeCalendar) -> None:
    """`python -m` puts the working directory on the import path; a module of the
    repository named in mkdocs.yml must not be found there."""
    root = make_calendar({"mkdocs.yml": CONFIG + "markdown_extensions:\n  - evil\n",
                          "evil.py": "open('pwned', 'w').write('ran')\n",
                          "content/a.md": front(BASE), "docs/welcome.md": "# Home\n"})
    result = subprocess.run([sys.executable, "-m", "postgen", "build"], cwd=root,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "No module named 'evil'" in result.stderr
    assert not (root / "pwned").exists()


#: A template expression that reaches `os` outside Jinja's sandbox.
ESCAPE = "{{ cycler.__init__.__globals__.os.system('touch pwned') }}\n"


@pytest.mark.parametrize("where", ["theme/site/home.html.j2", "overrides/main.html"])
def test_site_templates_from_the_repository_render_in_the_sandbox(
        make_calendar: MakeCalendar, run: Run, where: str) -> None:
    """The calendar's override of a site template, and a MkDocs theme custom_dir, are
    the repository's code as much as a hook: `check.yml` builds pull requests' sites."""
    theme = "theme:\n  name: postgen\n  custom_dir: overrides\n" * where.startswith("o")
    root = make_calendar({"mkdocs.yml": CONFIG + theme, where: ESCAPE,
                          "content/a.md": front(BASE), "docs/welcome.md": "# Home\n"})
    result = run(root, "build")
    assert result.exit_code == 1
    assert result.output.startswith(f"postgen: {where}:1:1: error[template-error]: access to "
                                    "attribute '__init__'"), result.output
    assert "Traceback" not in result.output
    assert not (root / "pwned").exists()


def test_the_review_server_reports_a_refused_site_template_at_its_place(
        make_calendar: MakeCalendar, tmp_path: Path) -> None:
    """The review server's rebuild log says what `postgen build` says, in one line."""
    from postgen.errors import PostgenError
    from postgen.review import rebuild

    root = make_calendar({"mkdocs.yml": CONFIG, "theme/site/home.html.j2": ESCAPE,
                          "content/a.md": front(BASE), "docs/welcome.md": "# Home\n"})
    with pytest.raises(PostgenError) as caught:
        rebuild.build(root / "mkdocs.yml", tmp_path / "site")
    assert str(caught.value) == (
        "theme/site/home.html.j2:1:1: error[template-error]: access to attribute '__init__' "
        "of 'type' object is unsafe; the site was not built")
    assert not (root / "pwned").exists()


def test_an_override_of_the_sites_templates_still_builds_the_whole_site(
        tmp_path: Path, run: Run) -> None:
    """In the sandbox every built-in template still renders (any override turns it on)."""
    repo = Path(__file__).parent.parent
    for name in ("mkdocs.yml", "approvals.jsonl", "publish-ledger.jsonl", "results.jsonl"):
        shutil.copy(repo / name, tmp_path / name)
    for folder in ("content", "assets", "calendar"):
        shutil.copytree(repo / folder, tmp_path / folder)
    banner = '<p class="agency-banner">Planned with you by Acme Agency</p>'
    write = tmp_path / "theme" / "site" / "home.html.j2"
    write.parent.mkdir(parents=True)
    write.write_text('{% extends "default:site/home.html.j2" %}\n'
                     f"{{% block main %}}{banner}{{{{ super() }}}}{{% endblock %}}\n")
    result = run(tmp_path, "build", "--clean")
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    assert banner in (site / "index.html").read_text()
    plain = tmp_path / "plain"
    shutil.rmtree(tmp_path / "theme")
    assert run(tmp_path, "build", "--clean", "-d", str(plain)).exit_code == 0
    pages = sorted(p.relative_to(plain) for p in plain.rglob("*.html"))
    assert pages == sorted(p.relative_to(site) for p in site.rglob("*.html"))
    for page in pages:  # the same site, apart from the banner
        if page != Path("index.html"):
            assert (site / page).read_text() == (plain / page).read_text(), page


def test_a_cache_tracked_by_git_is_ignored(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": front(BASE), "docs/welcome.md": "# Home\n"})

    class Pwn:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {root / 'pwned'}",))

    folder = root / ".postgen-cache" / "site"
    folder.mkdir(parents=True)
    (folder / "index.pickle").write_bytes(pickle.dumps(Pwn()))
    (root / ".postgen-cache" / "check.json").write_text("{}")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "a cache"], cwd=root, check=True)
    built = run(root, "build")
    assert built.exit_code == 0, built.output
    checked = subprocess.run([sys.executable, "-m", "postgen", "check"], cwd=root,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not (root / "pwned").exists()
    assert "git tracks .postgen-cache/" in checked.stderr
    changed = subprocess.run(["git", "status", "--porcelain", ".postgen-cache"], cwd=root,
                             capture_output=True, text=True, check=True).stdout
    assert changed == ""  # neither read nor written


# -- 18.13 and media ------------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A 67-byte PNG whose header claims `width` x `height` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_an_error_for_its_post(make_calendar: MakeCalendar,
                                                       run: Run) -> None:
    root = make_calendar({
        "content/a.md": front(BASE + "image: bomb.png\nalt: A bomb\n"),
        "content/b.md": front(BASE.replace("p1", "p2")),
        "bomb.png": png_claiming(65535, 65535)})
    code, found = check(run, root)
    assert code == 1
    assert [(d["path"], d["rule"]) for d in found] == [("content/a.md", "media-size")]
    assert "too large to open safely" in str(found[0]["message"])


def test_dates_far_from_now_are_errors_with_now_as_a_parameter(
        make_calendar: MakeCalendar) -> None:
    root = make_calendar({"content/a.md": front(BASE.replace("2027", "2207"))})
    assert pipeline.load_calendar(root).posts == ()
    later = pipeline.load_calendar(root, now=datetime(2205, 1, 1, tzinfo=UTC))
    assert [p.id for p in later.posts] == ["p1"]
