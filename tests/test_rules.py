"""One test per rule id: each asserts the exact path:line:col and rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from postgen import diagnostics as diag
from postgen.diagnostics import RULES
from postgen.schema import PLACEHOLDER_BODY
from tests.conftest import CONFIG, PNG, MakeCalendar, image

Run = Callable[..., Result]


def problems(run: Run, root: Path) -> list[tuple[str, int, int, str]]:
    result = run(root, "check", "--format", "json")
    found = json.loads(result.output)
    assert result.exit_code == (1 if any(d["severity"] == "error" for d in found) else 0)
    return [(d["path"], d["line"], d["col"], d["rule"]) for d in found]


def post(front: str, body: str = "Body.\n") -> str:
    return f"---\n{front}---\n{body}"


BASE = "id: p1\ntitle: T\ndate: 2027-03-02 09:30\nchannels: [x]\nfunnel: awareness\n"
#: "Billion laughs": nine levels of nine aliases, 9**9 values once expanded.
LAUGHS = "x-l1: &l1 [a, a, a, a, a, a, a, a, a]\n" + "".join(
    f"x-l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(2, 10))

# (rule, files, expected (path, line, col))
CASES: list[tuple[str, dict[str, str | bytes], tuple[str, int, int]]] = [
    ("file-encoding", {"content/a.md": b"---\nid: p1\ntitle: caf\xe9\n---\n"},
     ("content/a.md", 3, 11)),
    ("front-matter-missing", {"content/a.md": "Just text.\n"}, ("content/a.md", 1, 1)),
    ("front-matter-missing", {"content/a.md": "---\nid: p1\n"}, ("content/a.md", 1, 1)),
    ("front-matter-not-mapping", {"content/a.md": post("- a\n- b\n")}, ("content/a.md", 2, 1)),
    ("yaml-syntax", {"content/a.md": post(BASE + "hashtags: [a, b\n")}, ("content/a.md", 8, 1)),
    ("yaml-syntax", {"content/a.md": post(BASE + "title2: \x07\n")}, ("content/a.md", 7, 9)),
    ("yaml-duplicate-key", {"content/a.md": post(BASE + "title: Again\n")},
     ("content/a.md", 7, 1)),
    ("yaml-too-deep", {"content/a.md": post(BASE + "owner: " + "[" * 40 + "]" * 40 + "\n")},
     ("content/a.md", 7, 39)),
    ("field-unknown", {"content/a.md": post(BASE + "tittle: x\n")}, ("content/a.md", 7, 1)),
    ("file-too-large", {"content/a.md": post(BASE, "word " * 210_000)}, ("content/a.md", 1, 1)),
    ("yaml-aliases", {"content/a.md": post(BASE + LAUGHS + "owner: *l9\n")},
     ("content/a.md", 10, 7)),
    ("date-range", {"content/a.md": post(BASE.replace("2027-03-02", "2207-03-02"))},
     ("content/a.md", 4, 7)),
    ("config-code-tag",
     {"mkdocs.yml": CONFIG + "extra: !!python/object/apply:os.system ['touch pwned']\n"},
     ("mkdocs.yml", 16, 8)),
    ("config-hooks",
     {"mkdocs.yml": CONFIG + "hooks:\n  - hooks/site.py\n", "hooks/site.py": "x = 1\n"},
     ("mkdocs.yml", 16, 1)),
    ("field-missing",
     {"content/a.md": post("id: p1\ntitle: T\nchannels: [x]\nfunnel: retention\n")},
     ("content/a.md", 2, 1)),
    ("field-type", {"content/a.md": post(BASE + "draft: maybe\n")}, ("content/a.md", 7, 8)),
    ("field-value", {"content/a.md": post(BASE + "campaign: Spring Launch\n")},
     ("content/a.md", 7, 11)),
    ("field-not-for-platform",
     {"content/a.md": post(BASE + "variants:\n  x:\n    subject: Hi\n")}, ("content/a.md", 9, 5)),
    ("id-invalid", {"content/a.md": post(BASE.replace("id: p1", "id: My Post"))},
     ("content/a.md", 2, 5)),
    ("channel-unknown", {"content/a.md": post(BASE.replace("[x]", "[x, tiktok]"))},
     ("content/a.md", 5, 15)),
    ("channel-duplicate", {"content/a.md": post(BASE.replace("[x]", "[x, x]"))},
     ("content/a.md", 5, 15)),
    ("variant-channel", {"content/a.md": post(BASE + "variants:\n  linkedin:\n    text: Hi\n")},
     ("content/a.md", 8, 3)),
    ("funnel-unknown", {"content/a.md": post(BASE.replace("funnel: awareness", "funnel: hype"))},
     ("content/a.md", 6, 9)),
    ("url-invalid", {"content/a.md": post(BASE + "cta:\n  text: Go\n  url: www.acme\n")},
     ("content/a.md", 9, 8)),
    ("date-invalid", {"content/a.md": post(BASE.replace("2027-03-02 09:30", "2027-02-30 09:30"))},
     ("content/a.md", 4, 7)),
    ("date-nonexistent",
     {"content/a.md": post(BASE.replace("2027-03-02 09:30", "2027-03-28 02:30"))},
     ("content/a.md", 4, 7)),
    ("date-ambiguous",
     {"content/a.md": post(BASE.replace("2027-03-02 09:30", "2027-10-31 02:30"))},
     ("content/a.md", 4, 7)),
    ("cta-missing", {"content/a.md": post(BASE.replace("awareness", "conversion"))},
     ("content/a.md", 6, 9)),
    ("media-missing", {"content/a.md": post(BASE + "image: assets/nope.png\nalt: A\n")},
     ("content/a.md", 7, 8)),
    ("media-outside-repo",
     {"content/a.md": post(BASE + "media:\n  - src: ../../secret.png\n    alt: A\n")},
     ("content/a.md", 8, 10)),
    ("config-timezone", {"mkdocs.yml": CONFIG.replace("Europe/Berlin", "Europe/Berln")},
     ("mkdocs.yml", 5, 17)),
    ("config-platform", {"mkdocs.yml": CONFIG.replace("platform: sms", "platform: smss")},
     ("mkdocs.yml", 15, 25)),
    ("config-secret",
     {"mkdocs.yml": CONFIG.replace('"@acme"}', '"@acme", options: {token: abc}}')},
     ("mkdocs.yml", 10, 54)),
    ("config-missing", {"mkdocs.yml": "site_name: x\nplugins:\n  - search\n"},
     ("mkdocs.yml", 2, 1)),
    ("config-publisher",
     {"mkdocs.yml": CONFIG.replace('"@acme"}', '"@acme", publisher: outbx}')},
     ("mkdocs.yml", 10, 55)),
    ("config-publisher",  # a Mastodon channel without token_env
     {"mkdocs.yml": CONFIG.replace('"@acme@mastodon.social"}',
                                   '"@acme@mastodon.social", publisher: mastodon}')},
     ("mkdocs.yml", 13, 9)),
    ("config-trust",  # two channels, one secret, no accounts.lock saying so
     {"mkdocs.yml": CONFIG.replace(
         '"@acme"}', '"@acme", publisher: x, options: {token_env: SHARED}}').replace(
         '"@acme@mastodon.social"}',
         '"@acme@mastodon.social", publisher: mastodon, options: {token_env: SHARED}}')},
     ("mkdocs.yml", 10, 58)),
]


def with_base(extra: str, channels: str = "[x]", body: str = "Body.\n") -> str:
    return post(BASE.replace("[x]", channels) + extra, body)


JPEG_WIDE = image(960, 320, "JPEG")  # 3:1, wider than Instagram takes
JPEG_OK = image(1080, 1080, "JPEG")
X_TINY_MEDIA = CONFIG.replace('x: {platform: x, account: "@acme"}',
                              'x: {platform: x, account: "@acme", limits: {media.max_bytes: 10}}')
# Problems found by rendering each variant with its platform's rules.
CASES += [
    # (on X these would become threads: LinkedIn has none)
    ("length-over", {"content/a.md": with_base("", "[linkedin]", "word " * 700)},
     ("content/a.md", 8, 1)),
    ("length-over", {"content/a.md": with_base("variants:\n  linkedin:\n    text: " + "w" * 3100
                                               + "\n", "[linkedin]")},
     ("content/a.md", 9, 11)),
    ("hashtags-over", {"content/a.md": with_base("hashtags: [a, b, c, d, e, f]\nimage: a.jpg\n"
                                                 "alt: A cup\n", "[instagram]"),
                       "a.jpg": JPEG_OK}, ("content/a.md", 7, 11)),
    ("mentions-over", {"content/a.md": with_base("image: a.jpg\nalt: A cup\n", "[instagram]",
                                                 " ".join(f"@user{i}" for i in range(21))),
                       "a.jpg": JPEG_OK}, ("content/a.md", 10, 1)),
    ("alt-missing", {"content/a.md": with_base("image: a.png\n"), "a.png": PNG},
     ("content/a.md", 7, 8)),
    ("alt-too-long", {"content/a.md": with_base(f"image: a.png\nalt: {'a' * 1001}\n"),
                      "a.png": PNG}, ("content/a.md", 7, 8)),
    ("media-count", {"content/a.md": with_base("media:\n" + "  - {src: a.png, alt: A}\n" * 5),
                     "a.png": PNG}, ("content/a.md", 8, 3)),
    ("media-format", {"content/a.md": with_base("media:\n  - {src: a.png, alt: A}\n",
                                                "[instagram]"), "a.png": PNG},
     ("content/a.md", 8, 5)),
    ("media-size", {"mkdocs.yml": X_TINY_MEDIA, "a.png": PNG,
                    "content/a.md": with_base("image: a.png\nalt: A dot\n")},
     ("content/a.md", 7, 8)),
    ("media-aspect", {"content/a.md": with_base("image: a.jpg\nalt: A banner\n", "[instagram]"),
                      "a.jpg": JPEG_WIDE}, ("content/a.md", 7, 8)),
    ("sms-encoding", {"content/a.md": with_base("", "[sms]", "It\u2019s on.\n")},
     ("content/a.md", 8, 1)),
    ("sms-segments", {"content/a.md": with_base("", "[sms]", "word " * 40)},
     ("content/a.md", 8, 1)),
    ("email-format", {"content/a.md": with_base("", "[newsletter]", "x" * 1000 + "\n")},
     ("content/a.md", 8, 1)),
    ("email-format", {"content/a.md": with_base(
        "variants:\n  newsletter:\n    subject: " + "Long subject " * 8 + "\n", "[newsletter]")},
     ("content/a.md", 9, 14)),
    ("template-error", {"content/a.md": with_base(""),
                        "theme/variants/x.txt.j2": "{{ body }}\n{{ no_such_name }}\n"},
     ("theme/variants/x.txt.j2", 2, 1)),
    ("body-placeholder", {"content/a.md": with_base("", "[x]", PLACEHOLDER_BODY)},
     ("content/a.md", 8, 1)),
    ("content-dir-missing", {"mkdocs.yml": CONFIG.replace(
        "  - postgen:\n", "  - postgen:\n      content_dir: posts\n")},
     ("mkdocs.yml", 5, 20)),
]


@pytest.mark.parametrize(("rule", "files", "where"), CASES, ids=[c[0] for c in CASES])
def test_rule_is_reported_at_its_place(
    make_calendar: MakeCalendar, run: Run, rule: str, files: dict[str, str | bytes],
    where: tuple[str, int, int],
) -> None:
    root = make_calendar(files)
    assert (*where, rule) in problems(run, root)


def test_duplicate_ids_are_reported_in_both_files(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": post(BASE), "content/sub/b.md": post(BASE)})
    found = problems(run, root)
    assert ("content/a.md", 2, 5, "id-duplicate") in found
    assert ("content/sub/b.md", 2, 5, "id-duplicate") in found


def test_every_rule_has_a_test() -> None:
    # id-duplicate: below; approval-record: tests/test_approvals.py; import-column and
    # import-syntax: tests/test_import.py
    # file-outside-repo: tests/test_trust.py (a symbolic link)
    # repeat-*, slot-*: tests/test_schedule.py
    # media-unreadable, media-color, media-video: tests/test_media.py (real files)
    # link-* and cta-absent/-untracked: tests/test_linkcheck.py (loopback servers)
    # entity-*: tests/test_entities.py (per platform); spelling: tests/test_spelling.py
    schedule = {"repeat-invalid", "repeat-open", "repeat-dst-gap", "repeat-skip", "slot-none",
                "slot-full"}
    quality = {"media-unreadable", "media-color", "media-video", "link-broken", "link-redirect",
               "link-unreachable", "link-untracked", "cta-untracked", "cta-absent",
               "entity-link", "entity-hashtag", "entity-mention", "entity-emphasis", "spelling"}
    # config-mkdocs: tests/test_cli_robustness.py (MkDocs checks it, in build and serve)
    tested = {c[0] for c in CASES} | {"id-duplicate", "approval-record", "import-column",
                                      "import-syntax", "file-outside-repo",
                                      "config-mkdocs"} | schedule | quality
    untested = set(RULES) - tested - {"file-unreadable"}  # needs a file we cannot read as root
    assert not untested


def test_clean_post_has_no_problems(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": post(BASE), "assets/a.png": PNG})
    assert problems(run, root) == []


def test_errors_are_counted_from_problem_lines_as_written() -> None:
    """`postgen build` counts errors in the problem lines it keeps between builds."""
    problems = [
        diag.error("content/a: b.md", 3, 1, "yaml-syntax", "bad: error[x]: here"),
        diag.warning("content/c.md", 4, 2, "sms-segments", "looks like 'x:1:2: error[y]: '"),
        diag.error("content/d.md", 1, 1, "funnel-unknown", "first line\nsecond: error[z]: "),
    ]
    texts = [d.text() for d in problems]
    assert diag.errors_in(texts) == 2 == diag.count(problems)[0]
    assert diag.errors_in(texts[1:2]) == 0
