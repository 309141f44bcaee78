"""What each platform makes of the text: links, hashtags and mentions against what the
writer meant, each difference a warning at the token's place in the post's file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import CONFIG, MakeCalendar

Run = Callable[..., Result]
WITH_BLUESKY = CONFIG.replace(
    '        sms: {platform: sms, account: "+15550100"}\n',
    '        sms: {platform: sms, account: "+15550100"}\n'
    '        bluesky: {platform: bluesky, account: acme.bsky.social}\n')


def found(run: Run, make_calendar: MakeCalendar, body: str,
          channels: str) -> list[tuple[int, int, str, str]]:
    post = ("---\nid: p1\ntitle: T\ndate: 2027-03-02 09:30\n"
            f"channels: {channels}\nfunnel: awareness\n---\n{body}")
    root: Path = make_calendar({"mkdocs.yml": WITH_BLUESKY, "content/a.md": post})
    result = run(root, "check", "--format", "json")
    return [(d["line"], d["col"], d["rule"], d["message"]) for d in json.loads(result.output)
            if d["rule"].startswith("entity-")]


# (platform, body line 8, expected (col, rule, words in the message) or None)
CASES = [
    ("x", "We ship ASP.NET apps.", (9, "entity-link", "'ASP.NET' becomes a link on X")),
    ("mastodon", "We ship ASP.NET apps.", None),  # Mastodon links only URLs with a scheme
    ("bluesky", "We ship ASP.NET apps.", None),  # postgen links only what was written
    ("x", "Read file.py first.", (6, "entity-link", "'file.py' becomes a link on X")),
    ("x", "Hello #New-York!", (7, "entity-hashtag", "'#New-York' links only '#New' on X")),
    ("mastodon", "Hello #New-York!",
     (7, "entity-hashtag", "'#New-York' links only '#New' on Mastodon")),
    ("bluesky", "Hello #New-York!",
     (7, "entity-hashtag", "'#New-York' links only '#New' on Bluesky")),
    ("x", "Back in #2024.", (9, "entity-hashtag", "'#2024' is no hashtag on X")),
    ("mastodon", "Back in #2024.", (9, "entity-hashtag", "'#2024' is no hashtag on Mastodon")),
    ("bluesky", "Back in #2024.", (9, "entity-hashtag", "'#2024' is no hashtag on Bluesky")),
    ("instagram", "Hello #New-York!",
     (7, "entity-hashtag", "'#New-York' links only '#New' on Instagram")),
    ("instagram", "Back in #2024.", (9, "entity-hashtag", "'#2024' is no hashtag on Instagram")),
    ("instagram", "See https://example.com/#New-York", None),  # a URL's, not a hashtag
    ("sms", "Hello #New-York, ASP.NET!", None),  # phones make no hashtags, link as written
    ("x", "All fine #coffee, see https://example.com", None),
    ("mastodon", "All fine #coffee, see https://example.com", None),
    ("bluesky", "All fine #coffee, see https://example.com", None),
]


@pytest.mark.parametrize(("platform", "body", "expected"), CASES,
                         ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_what_the_platform_makes_of_it(run: Run, make_calendar: MakeCalendar, platform: str,
                                       body: str,
                                       expected: tuple[int, str, str] | None) -> None:
    got = found(run, make_calendar, body + "\n", f"[{platform}]")
    if expected is None:
        assert got == []
    else:
        col, rule, words = expected
        assert [(g[0], g[1], g[2]) for g in got] == [(8, col, rule)], got
        assert words in got[0][3]


def test_a_mention_that_resolves_on_one_platform_only(run: Run,
                                                      make_calendar: MakeCalendar) -> None:
    body = "Thanks @dana@mastodon.social and @sam for the help.\n"
    got = found(run, make_calendar, body, "[x, mastodon]")
    # Mastodon: @dana@mastodon.social is a remote mention; X stops at the second "@"
    assert got == [(8, 8, "entity-mention", "'@dana@mastodon.social' is a mention on "
                                           "Mastodon but not on X")], got


def test_emphasis_lost_on_plain_text_platforms(run: Run, make_calendar: MakeCalendar) -> None:
    body = "A plain line.\nOur *new* roast is **here**.\n"
    got = found(run, make_calendar, body, "[x, mastodon, newsletter]")
    assert got == [(9, 6, "entity-emphasis",
                    "'new' is emphasised in the body; Mastodon and X show it as plain text")]
    assert found(run, make_calendar, body, "[newsletter]") == []  # the email keeps it
