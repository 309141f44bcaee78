"""`postgen results`: metrics fetched from loopback platforms, stored, summed, shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from postgen.config import load_config
from postgen.ledger import Entry, Ledger
from postgen.pipeline import load_calendar
from postgen.publishers.base import Context
from postgen.results import store
from postgen.results.fetch import fetch
from postgen.results.report import summarise
from tests.conftest import write_files
from tests.publishers.conftest import Clock
from tests.publishers.fakes import FakeServer, answer
from tests.results.fakes import ENV, TOKENS, FakeMetrics

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)

CONFIG = """\
site_name: Results
plugins:
  - postgen:
      timezone: America/Chicago
      brand: {{name: Acme, domains: [shop.acme.example.com]}}
      channels:
        masto: {{platform: mastodon, account: "@acme@masto.test", publisher: mastodon,
                 options: {{instance: "{url}", token_env: MASTODON_TOKEN}}}}
        sky: {{platform: bluesky, account: acme.test, publisher: bluesky,
               options: {{pds: "{url}", app_password_env: BSKY_APP_PASSWORD}}}}
        x: {{platform: x, account: "@acme", publisher: x,
             options: {{api_url: "{url}/2", token_env: X_TOKEN}}}}
        li: {{platform: linkedin, account: "urn:li:organization:7", publisher: linkedin,
              options: {{base_url: "{url}/rest", token_env: LINKEDIN_TOKEN}}}}
        fb: {{platform: facebook, account: Acme, publisher: facebook,
              options: {{page_id: "1001", graph_url: "{url}/v21.0", token_env: FB_TOKEN}}}}
        ig: {{platform: instagram, account: acme, publisher: instagram,
              options: {{ig_user_id: "2002", graph_url: "{url}/v21.0", token_env: IG_TOKEN,
                         media_base_url: "https://cdn.acme.example.com"}}}}
        th: {{platform: threads, account: acme, publisher: threads,
              options: {{threads_user_id: "3003", graph_url: "{url}/v1.0",
                         token_env: THREADS_TOKEN}}}}
        news: {{platform: email, account: news@acme.example.com, publisher: smtp,
                options: {{host: smtp.acme.example.com, to: [list@acme.example.com],
                           events_url: "{url}/esp/events", events_token_env: ESP_TOKEN}}}}
        box: {{platform: x, account: "@acme", publisher: outbox}}
      results:
        analytics: {{url: "{url}", site_id: shop.acme.example.com,
                     token_env: PLAUSIBLE_API_KEY, goals: [Purchase, Signup]}}
"""

POST = """\
---
id: {id}
title: {title}
date: {date}
channels: [{channels}]
funnel: {funnel}
campaign: {campaign}
---
Fresh beans at https://shop.acme.example.com/beans today.
"""

#: post id -> (funnel, campaign, date, {channel: (remote id, the platform's own fields)})
SENT: dict[str, tuple[str, str, str, dict[str, tuple[str, dict[str, Any]]]]] = {
    "beans-1": ("awareness", "winter", "2026-12-01 09:00", {
        "masto": ("1101", {"favourites_count": 12, "reblogs_count": 3, "replies_count": 2}),
        "sky": ("at://did:plc:acme/app.bsky.feed.post/3kaaa",
                {"likeCount": 20, "repostCount": 4, "replyCount": 1, "quoteCount": 1}),
        "x": ("1900000000000000001", {"public_metrics": {
            "like_count": 7, "retweet_count": 1, "reply_count": 0, "quote_count": 0,
            "bookmark_count": 2, "impression_count": 900}}),
    }),
    "beans-2": ("conversion", "winter", "2026-12-08 09:00", {
        "li": ("urn:li:share:555", {"impressionCount": 1000, "uniqueImpressionsCount": 800,
                                    "clickCount": 40, "likeCount": 30, "commentCount": 5,
                                    "shareCount": 5}),
        "fb": ("1001_77", {"_platform": "facebook", "post_impressions": 2000,
                           "post_impressions_unique": 1500, "post_clicks": 60,
                           "post_reactions_by_type_total": {"like": 40, "love": 10}}),
        "ig": ("17900000000000001", {"_platform": "instagram", "reach": 3000, "views": 5000,
                                     "likes": 150, "comments": 12, "saved": 30, "shares": 8,
                                     "total_interactions": 200}),
    }),
    "beans-3": ("consideration", "spring", "2026-12-09 09:00", {
        "th": ("18000000000000001", {"_platform": "threads", "views": 400, "likes": 9,
                                     "replies": 1, "reposts": 0, "quotes": 0}),
        "news": ("<abc.postgen@acme.example.com>",
                 {"delivered": 950, "bounced": 12, "opened": 400, "clicked": 55}),
        "box": ("outbox-1", {}),
    }),
}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(FakeMetrics())
    yield fake
    fake.close()


def _calendar(root: Path, url: str) -> Path:
    files: dict[str, str | bytes] = {"mkdocs.yml": CONFIG.format(url=url)}
    for post_id, (funnel, campaign, date, channels) in SENT.items():
        files[f"content/{post_id}.md"] = POST.format(
            id=post_id, title=post_id.title(), date=date, channels=", ".join(channels),
            funnel=funnel, campaign=campaign)
    write_files(root, files)
    ledger = Ledger.load(root)
    for post_id, (_f, _c, _d, channels) in SENT.items():
        for channel, (remote_id, _stats) in channels.items():
            ledger.record(Entry("sent", f"k-{post_id}-{channel}", post_id, channel,
                                "2026-12-10T10:00:00+00:00", remote_id=remote_id))
    return root


def _stock(api: FakeMetrics) -> None:
    for _p, (_f, _c, _d, channels) in SENT.items():
        for remote_id, stats in channels.values():
            api.stats[remote_id] = stats
    api.visits = [["winter", "mastodon", "beans-1", 30, 35],
                  ["winter", "linkedin", "beans-2", 80, 90],
                  ["winter", "facebook", "beans-2", 50, 55],
                  ["spring", "email", "beans-3", 70, 71],
                  ["(none)", "(none)", "(none)", 999, 999]]
    api.goals = [["winter", "linkedin", "beans-2", "Purchase", 6],
                 ["winter", "linkedin", "beans-2", "Signup", 2],
                 ["winter", "facebook", "beans-2", "Purchase", 3]]


@pytest.fixture
def env() -> dict[str, str]:
    return {ENV[k]: v for k, v in TOKENS.items()}


def _context(client: httpx.Client, env: dict[str, str], clock: Clock) -> Context:
    return Context(env=env, client=client, root="", sleep=clock.sleep, now=clock.now,
                   clock=clock.now)


def _fetch(root: Path, env: dict[str, str], clock: Clock | None = None, **kw: Any) -> Any:
    config, problems = load_config(root / "mkdocs.yml")
    assert config is not None, problems
    with httpx.Client(timeout=2) as client:
        return fetch(config, Ledger.load(root), _context(client, env, clock or Clock(NOW)),
                     store.Writer(root), **kw)


def test_every_platform_read_and_stored_in_our_words(tmp_path: Path, server: FakeServer,
                                                     env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    report = _fetch(root, env)
    assert server.api.violations == []
    assert report.ok, report
    by = {c.channel: c for c in report.channels}
    assert by["box"].skipped and "outbox" in by["box"].skipped
    assert {c: by[c].read for c in by if c != "box"} == {
        "masto": 1, "sky": 1, "x": 1, "li": 1, "fb": 1, "ig": 1, "th": 1, "news": 1}
    latest = store.read(root).latest_posts()
    assert latest[("beans-1", "masto")].metrics == {"likes": 12, "reposts": 3, "replies": 2}
    assert latest[("beans-1", "sky")].metrics == {"likes": 20, "reposts": 4, "replies": 1,
                                                  "quotes": 1}
    assert latest[("beans-1", "x")].metrics == {"likes": 7, "reposts": 1, "replies": 0,
                                                "quotes": 0, "saves": 2, "impressions": 900}
    assert latest[("beans-2", "li")].metrics == {"impressions": 1000, "reach": 800,
                                                 "clicks": 40, "likes": 30, "replies": 5,
                                                 "reposts": 5}
    assert latest[("beans-2", "fb")].metrics == {"impressions": 2000, "reach": 1500,
                                                 "clicks": 60, "likes": 50}
    assert latest[("beans-2", "ig")].metrics["engagements"] == 200
    assert latest[("beans-2", "ig")].engagements == 200  # the platform's own total wins
    assert latest[("beans-3", "th")].metrics == {"views": 400, "likes": 9, "replies": 1,
                                                 "reposts": 0, "quotes": 0}
    assert latest[("beans-3", "news")].metrics == {"sent": 950, "bounced": 12, "opens": 400,
                                                   "clicks": 55}
    # Bluesky logged in once; the right token went to each API (the fake checks).
    assert server.api.sessions == 1
    web = store.read(root).latest_web()
    assert set(web) == {("winter", "mastodon", "beans-1"), ("winter", "linkedin", "beans-2"),
                        ("winter", "facebook", "beans-2"), ("spring", "email", "beans-3")}
    assert web[("winter", "linkedin", "beans-2")].conversions == {"Purchase": 6, "Signup": 2}
    text = (root / store.FILE).read_text()
    assert not any(token in text for token in TOKENS.values())


def test_batches_follow_each_api_limit(tmp_path: Path, server: FakeServer,
                                       env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    ledger = Ledger.load(root)
    for n in range(60):  # 60 more Bluesky posts: 61 URIs, 3 getPosts calls of <= 25
        uri = f"at://did:plc:acme/app.bsky.feed.post/3k{n:03d}"
        server.api.stats[uri] = {"likeCount": n, "repostCount": 0, "replyCount": 0}
        ledger.record(Entry("sent", f"bulk-{n}", "beans-1", "sky", "2026-12-10T10:00:00+00:00",
                            remote_id=uri))
    report = _fetch(root, env, only=["sky"])
    assert server.api.violations == []
    assert [c.read for c in report.channels] == [61]
    calls = [r for r in server.requests if r.path == "/xrpc/app.bsky.feed.getPosts"]
    assert sorted(len(r.params("uris")) for r in calls) == [11, 25, 25]


def test_deleted_posts_are_recorded_as_gone(tmp_path: Path, server: FakeServer,
                                            env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    server.api.deleted |= {"1101", "at://did:plc:acme/app.bsky.feed.post/3kaaa",
                           "1900000000000000001", "1001_77", "urn:li:share:555"}
    report = _fetch(root, env)
    assert report.ok and server.api.violations == []
    latest = store.read(root).latest_posts()
    for key in [("beans-1", "masto"), ("beans-1", "sky"), ("beans-1", "x"),
                ("beans-2", "fb"), ("beans-2", "li")]:
        assert latest[key].state == "deleted", key
    # LinkedIn's statistics leave a deleted share out; its social actions then say 404.
    assert "GET /rest/socialActions/urn:li:share:555" in server.routes
    assert latest[("beans-2", "ig")].state == "ok"


def test_a_short_rate_limit_is_waited_out(tmp_path: Path, server: FakeServer,
                                          env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    server.fail("GET /api/v1/statuses/", answer(429, {"error": "Too many requests"},
                                                X_RateLimit_Reset=(NOW + timedelta(seconds=30))
                                                .isoformat()))
    clock = Clock(NOW)
    report = _fetch(root, env, clock, only=["masto"])
    assert report.ok
    assert clock.sleeps == [30.0]
    assert store.read(root).latest_posts()[("beans-1", "masto")].metrics["likes"] == 12


def test_a_long_rate_limit_or_a_bad_token_stops_one_channel_only(
        tmp_path: Path, server: FakeServer, env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    reset = (NOW + timedelta(hours=2)).timestamp()
    server.fail("GET /2/tweets", answer(429, {"title": "Too Many Requests"},
                                        x_rate_limit_reset=str(int(reset))), times=10)
    env = {**env, "LINKEDIN_TOKEN": "tok-expired"}
    report = _fetch(root, env)
    by = {c.channel: c for c in report.channels}
    assert not report.ok
    assert by["x"].error and "rate limited" in by["x"].error and by["x"].pending == 1
    assert by["li"].error and "401" in by["li"].error and "LINKEDIN_TOKEN" in by["li"].error
    assert by["li"].read == 0 and by["li"].pending == 1
    assert by["masto"].error is None and by["masto"].read == 1
    assert by["fb"].read == 1 and by["th"].read == 1
    assert len([r for r in server.requests if r.path == "/2/tweets"]) == 1  # no hammering
    assert "tok-expired" not in json.dumps([c.error for c in report.channels])


def test_analytics_pages_through_every_row(tmp_path: Path, server: FakeServer,
                                           env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    server.api.visits = [["winter", "x", f"post-{n}", n, n + 1] for n in range(2500)]
    server.api.goals = []
    report = _fetch(root, env, only=["masto"])
    assert report.web == 2500 and server.api.violations == []
    offsets = [r.json()["pagination"]["offset"] for r in server.requests
               if r.route == "POST /api/v2/query" and "event:goal" not in r.json()["dimensions"]]
    assert offsets == [0, 1000, 2000]


def test_summary_joins_results_to_campaign_channel_funnel_and_week(
        tmp_path: Path, server: FakeServer, env: dict[str, str]) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    assert _fetch(root, env).ok
    calendar = load_calendar(root)
    summary = summarise(calendar.config, calendar.posts, store.read(root), ranked=3)
    li = next(r for r in summary.rows if r.channel == "li")
    assert (li.reach, li.engagements, li.visits, li.conversions) == (800, 80, 90, 8)
    campaigns = {g.label: g for g in summary.by_campaign}
    assert campaigns["winter"].conversions == 11  # 8 on LinkedIn, 3 on Facebook
    assert campaigns["winter"].visits == 35 + 90 + 55
    assert [g.label for g in summary.by_funnel] == ["Awareness", "Consideration", "Conversion"]
    assert [g.label for g in summary.by_week] == ["Week of 30 Nov 2026", "Week of 7 Dec 2026"]
    masto = next(g for g in summary.by_channel if g.label == "masto")
    assert masto.reach is None and masto.rate is None  # Mastodon reports no reach
    # Only posts with a reach figure are ranked by rate.
    assert all(r.rate is not None for r in (*summary.top, *summary.bottom))
    assert summary.top[0].rate is not None
    assert [r.rate for r in summary.top] == sorted((r.rate for r in summary.top), reverse=True)
    # December: no retention posts, and the consideration post brought visits, no sale.
    gaps = {(g.stage.value, g.posts) for g in summary.gaps}
    assert ("retention", 0) in gaps and ("consideration", 1) in gaps
    assert ("conversion", 1) not in gaps


def test_cli_fetch_and_show(tmp_path: Path, server: FakeServer, env: dict[str, str],
                            run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run(root, "results", "fetch")
    assert result.exit_code == 0, result.output
    assert "masto: 1 post(s) read" in result.output
    assert "box: skipped" in result.output
    assert "analytics: 4 UTM row(s) read" in result.output
    shown = run(root, "results", "show", "--by", "funnel")
    assert shown.exit_code == 0
    assert "conversion" in shown.output and "Gaps in the funnel" in shown.output
    as_csv = run(root, "results", "show", "--by", "post", "--format", "csv")
    lines = as_csv.output.splitlines()
    assert lines[0] == "post,sent,reach,engagements,engagement_rate,visits,conversions"
    assert "beans-2 (li),1,800,80,10.0%,90,8" in lines
    for token in TOKENS.values():
        assert token not in result.output + shown.output


def test_cli_fetch_fails_loudly_when_a_channel_fails(tmp_path: Path, server: FakeServer,
                                                     env: dict[str, str], run: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = _calendar(tmp_path, server.url)
    _stock(server.api)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MASTODON_TOKEN", "wrong-token-1234")
    result = run(root, "results", "fetch")
    assert result.exit_code == 1
    assert "masto: 0 post(s) read; stopped" in result.output
    assert "sky: 1 post(s) read" in result.output
    assert "wrong-token-1234" not in result.output


def test_unreadable_results_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    good = store.PostSnapshot("2026-12-01T00:00:00+00:00", "p", "c", "k", "r")
    (tmp_path / store.FILE).write_text(good.line() + "\n{\"kind\": \"post\", \"at\n"
                                       + json.dumps({"kind": "web"}) + "\n")
    found = store.read(tmp_path)
    assert found.snapshots == (good,)
    assert [p.split(":")[1] for p in found.problems] == ["2", "3"]
    store.Writer(tmp_path).append([good])
    assert store.read(tmp_path).snapshots == (good, good)
