"""Rendering posts into variants: text, links, threads, templates, payloads, hashes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import regex
from click.testing import Result

from postgen.pipeline import load_calendar
from postgen.platforms.counting import twitter_weighted_length
from postgen.render.model import Variant
from postgen.render.richtext import linkedin_unescape
from postgen.render.variants import render_calendar
from tests.conftest import CONFIG, PNG, MakeCalendar, image

Run = Callable[..., Result]


def post(front: str, body: str = "Body.\n", channels: str = "[x]") -> str:
    return (f"---\nid: p1\ntitle: The title\ndate: 2027-03-02 09:30\nchannels: {channels}\n"
            f"funnel: awareness\n{front}---\n{body}")


def variants(root: Path) -> dict[str, Variant]:
    calendar = load_calendar(root)
    assert not [d for d in calendar.diagnostics if d.severity == "error"], calendar.diagnostics
    return {v.channel: v for v in render_calendar(calendar).variants}


def test_markdown_becomes_platform_text(make_calendar: MakeCalendar) -> None:
    body = "Hello *there*.\nSame paragraph.\n\n- one\n- two\n\nSee [the guide](https://other.org/g).\n"
    v = variants(make_calendar({"content/a.md": post("", body, "[x, linkedin]")}))
    assert v["x"].text == ("Hello there.\nSame paragraph.\n\n• one\n• two\n\n"
                           "See the guide https://other.org/g.")
    assert v["linkedin"].text == v["x"].text


def test_a_single_line_break_is_kept_in_social_and_sms(make_calendar: MakeCalendar) -> None:
    body = "Line one\nLine two\n\nNext paragraph.\n"
    v = variants(make_calendar({"content/a.md": post(
        "", body, "[x, linkedin, instagram, mastodon, sms, newsletter]")}))
    for channel in ("x", "linkedin", "instagram", "mastodon", "sms"):
        assert v[channel].text.startswith("Line one\nLine two\n\nNext paragraph."), channel
    assert "Line one Line two" in v["newsletter"].text  # wrapped plain-text email


def test_cta_and_hashtags_are_placed_and_brand_links_tracked(make_calendar: MakeCalendar) -> None:
    front = ("campaign: spring\ncta: {text: Join, url: 'https://acme.example.com/w?ref=a'}\n"
             "hashtags: [SaaS, '#Launch']\n")
    body = "Read [this](https://acme.example.com/b?utm_source=mine) and https://other.org/x.\n"
    x = variants(make_calendar({"content/a.md": post(front, body)}))["x"]
    tracked = ("https://acme.example.com/w?ref=a&utm_source=x&utm_medium=social"
               "&utm_campaign=spring&utm_content=p1")
    assert x.text == (
        "Read this https://acme.example.com/b?utm_source=mine&utm_medium=social&utm_campaign="
        "spring&utm_content=p1 and https://other.org/x.\n\n"
        f"Join: {tracked}\n\n#SaaS #Launch")
    assert {link.sent for link in x.links} >= {tracked, "https://other.org/x"}


def test_utm_can_be_switched_off_per_channel(make_calendar: MakeCalendar) -> None:
    config = CONFIG.replace('sms: {platform: sms, account: "+15550100"}',
                            'sms: {platform: sms, account: "+15550100", utm: false}')
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post(
        "cta: {text: Go, url: 'https://acme.example.com/s/1'}\n", "Hi.\n", "[sms, x]")})
    v = variants(root)
    assert v["sms"].text == "Hi.\nGo: https://acme.example.com/s/1"
    assert "utm_source=x" in v["x"].text


def test_long_text_becomes_a_numbered_thread_where_the_platform_has_threads(
        make_calendar: MakeCalendar) -> None:
    config = CONFIG.replace('x: {platform: x, account: "@acme"}',
                            'x: {platform: x, account: "@acme", thread_numbering: true}')
    sentences = " ".join(f"Sentence number {i} says something useful." for i in range(30))
    root = make_calendar({"mkdocs.yml": config,
                          "content/a.md": post("", sentences + "\n", "[x, linkedin]")})
    v = variants(root)
    parts = v["x"].parts
    assert len(parts) > 1
    for i, part in enumerate(parts, 1):
        assert part.text.endswith(f" {i}/{len(parts)}")
        assert twitter_weighted_length(part.text).weighted_length <= 280
    assert all(c.ok for c in v["x"].counts)
    assert len(v["linkedin"].parts) == 1  # no threads on LinkedIn: one post


def test_explicit_parts_are_a_thread_on_x_and_one_post_on_linkedin(
        make_calendar: MakeCalendar) -> None:
    body = "First part.\n\n---\n\nSecond part.\n"
    v = variants(make_calendar({"content/a.md": post("", body, "[x, linkedin]")}))
    assert [p.text for p in v["x"].parts] == ["First part.", "Second part."]
    assert v["linkedin"].text == "First part.\n\nSecond part."
    assert v["x"].payload["requests"][1]["body"]["reply"] == {  # type: ignore[index]
        "in_reply_to_tweet_id": "{{part:0}}"}


def test_theme_templates_override_the_built_ins(make_calendar: MakeCalendar) -> None:
    root = make_calendar({
        "content/a.md": post("hashtags: [A]\n", "Hi.\n", "[x, mastodon]"),
        "theme/variants/x.txt.j2": '{% extends "default:variants/x.txt.j2" %}'
                                   "{% block hashtags %}Tags: {{ hashtags|join(',') }}"
                                   "{% endblock %}",
        "theme/variants/mastodon.txt.j2": "{{ body|upper }}",
    })
    v = variants(root)
    assert v["x"].text == "Hi.\n\nTags: #A"
    assert v["mastodon"].text == "HI."


def test_instagram_hashtags_can_go_to_the_first_comment(make_calendar: MakeCalendar) -> None:
    config = CONFIG.replace("instagram: {platform: instagram, account: acme}",
                            "instagram: {platform: instagram, account: acme, "
                            "hashtags: first_comment}")
    root = make_calendar({"mkdocs.yml": config, "a.jpg": image(1080, 1080, "JPEG"),
                          "content/a.md": post("image: a.jpg\nalt: A cup\nhashtags: [Coffee]\n"
                                               "variants:\n  instagram:\n    first_comment: Hi\n",
                                               "Morning.\n", "[instagram]")})
    ig = variants(root)["instagram"]
    assert ig.text == "Morning."
    assert ig.first_comment == "Hi\n\n#Coffee"


def test_linkedin_payload_escapes_every_reserved_character(make_calendar: MakeCalendar) -> None:
    reserved = r"a | b { c } d @ e [ f ] g ( h ) i < j > k # l \ m * n _ o ~ p"
    root = make_calendar({"content/a.md": post("", reserved.replace("\\", "\\\\")
                                               .replace("*", "\\*").replace("_", "\\_")
                                               .replace("#", "\\#").replace("<", "&lt;")
                                               .replace("[", "\\[") + "\n", "[linkedin]")})
    li = variants(root)["linkedin"]
    assert li.text == reserved
    commentary = li.payload["requests"][0]["body"]["commentary"]  # type: ignore[index]
    assert linkedin_unescape(commentary) == reserved
    assert regex.search(r"(?<!\\)[|{}@\[\]()<>#*_~]", commentary.replace("\\\\", "")) is None


def test_bluesky_facets_point_at_the_link_after_emoji(make_calendar: MakeCalendar) -> None:
    config = CONFIG.replace("newsletter:", "bluesky: {platform: bluesky, account: acme.bsky.social}"
                                           "\n        newsletter:")
    body = "👨‍👩‍👧 Coffee ☕ [the guide](https://acme.example.com/g) #Brew\n"
    root = make_calendar({"mkdocs.yml": config, "content/a.md": post("", body, "[bluesky]")})
    bsky = variants(root)["bluesky"]
    assert bsky.text == "👨‍👩‍👧 Coffee ☕ the guide #Brew"
    data = bsky.text.encode()
    found = {(f.kind, data[f.byte_start:f.byte_end].decode(), f.value)
             for f in bsky.parts[0].facets}
    assert ("link", "the guide", "https://acme.example.com/g?utm_source=bluesky&utm_medium=social"
            "&utm_content=p1") in found
    assert ("tag", "#Brew", "Brew") in found
    record = bsky.payload["requests"][-1]["body"]["record"]  # type: ignore[index]
    # 👨‍👩‍👧 is 18 UTF-8 bytes, " Coffee " 8, ☕ 3, " " 1: the link starts at byte 30
    assert record["facets"][0]["index"] == {"byteStart": 30, "byteEnd": 39}


def test_email_has_subject_text_and_safe_html(make_calendar: MakeCalendar) -> None:
    body = "Hello <script>alert(1)</script> " + "words " * 30 + "\n"
    root = make_calendar({"content/a.md": post(
        "variants:\n  newsletter:\n    preheader: Early news\n", body, "[newsletter]")})
    mail = variants(root)["newsletter"]
    assert mail.subject == "The title"
    assert mail.html is not None and "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert all(len(line) <= 78 for line in mail.text.split("\n"))
    message = mail.payload["message"]  # type: ignore[index]
    assert message["subject"] == "The title" and message["preheader"] == "Early news"


def _hash(root: Path, channel: str = "x") -> str:
    return variants(root)[channel].hash


def test_content_hash_moves_with_everything_that_is_sent(make_calendar: MakeCalendar,
                                                         tmp_path: Path) -> None:
    base = "image: a.png\nalt: A dot\n"
    root = make_calendar({"content/a.md": post(base), "a.png": PNG})
    original = _hash(root)
    assert _hash(root) == original  # stable
    (root / "content/a.md").rename(root / "content/renamed.md")
    assert _hash(root) == original  # the file's name is not sent
    edits = {
        "text": lambda: (root / "content/renamed.md").write_text(post(base, "Other.\n")),
        "alt": lambda: (root / "content/renamed.md").write_text(post("image: a.png\nalt: B\n")),
        "image": lambda: (root / "a.png").write_bytes(image(2, 2)),
        "time": lambda: (root / "content/renamed.md").write_text(
            post(base).replace("09:30", "09:31")),
        "account": lambda: (root / "mkdocs.yml").write_text(CONFIG.replace('"@acme"', '"@acme2"')),
    }
    seen = {original}
    for what, edit in edits.items():
        edit()
        changed = _hash(root)
        assert changed not in seen, f"editing the {what} did not move the hash"
        seen.add(changed)


def test_render_command(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/a.md": post("", "Hi.\n", "[x, linkedin]")})
    by_id = run(root, "render", "p1", "-c", "x")
    assert by_id.exit_code == 0
    assert by_id.output.startswith("=== p1 -> x (x, @acme) at Tue 2027-03-02 09:30 CET\n"
                                   "--- text [3/280]\nHi.\n")
    assert "linkedin" not in by_id.output
    assert run(root, "render", "content/a.md").output.count("=== p1") == 2
    data = json.loads(run(root, "render", "p1", "--format", "json").output)
    assert [d["channel"] for d in data] == ["x", "linkedin"]
    assert data[0]["payload"]["requests"][0]["endpoint"] == "https://api.x.com/2/tweets"
    missing = run(root, "render", "nope")
    assert missing.exit_code == 2 and "no post with id or file 'nope'" in missing.output
    assert run(root, "render", "p1", "-c", "tiktok").exit_code == 2


def test_count_command(make_calendar: MakeCalendar, run: Run, tmp_path: Path) -> None:
    root = make_calendar({})
    ok = run(root, "count", "-c", "x", "Héllo 👨‍👩‍👧 https://example.com/a/long/path")
    assert (ok.exit_code, ok.output) == (0, "32/280\n")
    assert run(root, "count", "-c", "x", "a" * 281).exit_code == 1
    sms = run(root, "count", "-c", "sms", input="It\u2019s on\n")
    assert sms.output == "7 characters, UCS-2, 1 segment (70 per segment)\n"
    outside = tmp_path / "outside"
    outside.mkdir()
    assert run(outside, "count", "-c", "bluesky", "hi").output.startswith("2/300 graphemes")
    assert run(root, "count", "-c", "myspace", "hi").exit_code == 2


def test_render_names_the_errors_of_a_broken_post(make_calendar: MakeCalendar, run: Run) -> None:
    root = make_calendar({"content/sub/a.md": post("", "Hi.\n").replace("awareness", "hype")})
    result = run(root, "render", "content/sub/a.md")
    assert result.exit_code == 2
    assert "content/sub/a.md has errors, so it cannot be rendered" in result.output
    assert "content/sub/a.md:6:9: error[funnel-unknown]" in result.output
