"""Record the example calendar's results.jsonl by running `postgen results fetch`.

    python scripts/record_example_results.py        # rewrites ./results.jsonl

The example publishes to a local outbox, so no platform holds its posts.
This script stands the platforms up on 127.0.0.1 (tests/results/fakes.py:
one server that speaks each platform's metrics API and Plausible's Stats API,
and checks every request), gives each variant of the example that was due by
RECORDED_AT a platform-shaped remote id in a scratch ledger, fills the fake
platforms with plausible, seeded numbers (reach and engagement by platform
and funnel stage; visits and purchases for the tracked links), and runs the
real `postgen results fetch` on a scratch copy of the calendar whose channels
point at the fakes. The results.jsonl that run writes is copied here, as it
is: nothing in it is typed by hand. The numbers are the same on every run
(a fixed seed); the snapshots' times are the run's.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from tests.publishers.fakes import FakeServer  # noqa: E402
from tests.results.fakes import ENV, TOKENS, FakeMetrics  # noqa: E402

from postgen import pipeline  # noqa: E402
from postgen.cli import cli  # noqa: E402
from postgen.ledger import Entry, Ledger, key_for  # noqa: E402
from postgen.render.variants import utm_params  # noqa: E402
from postgen.results.store import FILE  # noqa: E402

RECORDED_AT = datetime.fromisoformat("2026-12-06T18:00:00-06:00")
#: Each platform's publisher and options pointing at the fake (from its URL).
WIRING = {
    "mastodon": lambda u: {"instance": u, "token_env": ENV["mastodon"]},
    "bluesky": lambda u: {"pds": u, "app_password_env": ENV["bluesky"]},
    "x": lambda u: {"api_url": f"{u}/2", "token_env": ENV["x"]},
    "linkedin": lambda u: {"base_url": f"{u}/rest", "token_env": ENV["linkedin"]},
    "facebook": lambda u: {"page_id": "104883712093551", "graph_url": f"{u}/v21.0",
                           "token_env": ENV["facebook"]},
    "instagram": lambda u: {"ig_user_id": "17841400000000000", "graph_url": f"{u}/v21.0",
                            "token_env": ENV["instagram"],
                            "media_base_url": "https://calendar.fernwoodroasters.com"},
    "threads": lambda u: {"threads_user_id": "3003", "graph_url": f"{u}/v1.0",
                          "token_env": ENV["threads"]},
    "email": lambda u: {"host": "smtp.fernwoodroasters.com", "to": ["list@fernwoodroasters.com"],
                        "events_url": f"{u}/esp/events", "events_token_env": ENV["esp"]},
}
PUBLISHER = {"email": "smtp"}
#: Typical reach of one post per platform (the account's size), and engagement rates.
REACH = {"instagram": 2400, "facebook": 1500, "linkedin": 900, "x": 700, "mastodon": 300,
         "bluesky": 400, "threads": 600, "email": 950}
RATE = {"awareness": 0.035, "consideration": 0.05, "conversion": 0.04, "retention": 0.07}


def remote_id(platform: str, n: int) -> str:
    return {"mastodon": f"1135{n:014d}", "bluesky": f"at://did:plc:fernwood/app.bsky.feed.post/3l{n:011d}",
            "x": f"18650{n:014d}", "linkedin": f"urn:li:share:72{n:017d}",
            "facebook": f"104883712093551_{n:015d}", "instagram": f"17900{n:012d}",
            "threads": f"18000{n:012d}", "email": f"<{n:032x}.postgen@fernwoodroasters.com>",
            }[platform]


def stats(platform: str, funnel: str, rng: random.Random) -> dict[str, object]:
    reach = int(REACH[platform] * rng.uniform(0.6, 1.5))
    engaged = int(reach * RATE[funnel] * rng.uniform(0.6, 1.6))
    likes, replies, shares = int(engaged * 0.7), int(engaged * 0.12), int(engaged * 0.1)
    saves, clicks = int(engaged * 0.05), int(engaged * 0.2)
    return {
        "mastodon": {"favourites_count": likes, "reblogs_count": shares,
                     "replies_count": replies},
        "bluesky": {"likeCount": likes, "repostCount": shares, "replyCount": replies,
                    "quoteCount": rng.randint(0, 2)},
        "x": {"public_metrics": {"like_count": likes, "retweet_count": shares,
                                 "reply_count": replies, "quote_count": rng.randint(0, 3),
                                 "bookmark_count": saves, "impression_count": reach}},
        "linkedin": {"impressionCount": int(reach * 1.3), "uniqueImpressionsCount": reach,
                     "clickCount": clicks, "likeCount": likes, "commentCount": replies,
                     "shareCount": shares},
        "facebook": {"_platform": "facebook", "post_impressions": int(reach * 1.4),
                     "post_impressions_unique": reach, "post_clicks": clicks,
                     "post_reactions_by_type_total": {"like": likes, "love": saves}},
        "instagram": {"_platform": "instagram", "reach": reach, "views": int(reach * 1.8),
                      "likes": likes, "comments": replies, "saved": saves, "shares": shares,
                      "total_interactions": likes + replies + saves + shares},
        "threads": {"_platform": "threads", "views": reach, "likes": likes,
                    "replies": replies, "reposts": shares, "quotes": rng.randint(0, 2)},
        "email": {"delivered": reach, "bounced": rng.randint(2, 15),
                  "opened": int(reach * rng.uniform(0.35, 0.5)), "clicked": clicks},
    }[platform]


def main() -> None:
    calendar, rendered, _problems = pipeline.check(pipeline.load_calendar(ROOT))
    config = calendar.config
    posts = {p.id: p for p in calendar.posts}
    due = [v for v in rendered.variants if v.date <= RECORDED_AT
           and config.channels[v.channel].platform in WIRING]
    rng = random.Random(20261206)
    server = FakeServer(FakeMetrics())
    try:
        api = server.api
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp) / "calendar"
            shutil.copytree(ROOT / "content", scratch / "content")
            settings = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
            plugin = settings["plugins"][0]["postgen"]
            for channel in plugin["channels"].values():
                wire = WIRING.get(channel["platform"])
                if wire:
                    channel["publisher"] = PUBLISHER.get(channel["platform"],
                                                         channel["platform"])
                    channel["options"] = wire(server.url)
            plugin["results"] = {"analytics": {
                "url": server.url, "site_id": "shop.acme.example.com",
                "token_env": ENV["plausible"], "goals": ["Purchase", "Newsletter signup"]}}
            (scratch / "mkdocs.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
            ledger = Ledger.load(scratch)
            for n, v in enumerate(due, 1):
                platform = config.channels[v.channel].platform
                rid = remote_id(platform, n)
                api.stats[rid] = stats(platform, posts[v.post_id].funnel.value, rng)
                ledger.record(Entry("sent", key_for(v), v.post_id, v.channel,
                                    v.date.isoformat(), remote_id=rid))
                post = posts[v.post_id]
                tags = utm_params(config.utm, post.id, post.campaign, config.channels[v.channel])
                visits = rng.randint(5, 60) if v.links else 0
                if visits:
                    api.visits.append([tags["utm_campaign"], tags["utm_source"],
                                       tags["utm_content"], int(visits * 0.9), visits])
                    if post.funnel.value in ("conversion", "retention"):
                        goal = "Purchase" if post.cta else "Newsletter signup"
                        api.goals.append([tags["utm_campaign"], tags["utm_source"],
                                          tags["utm_content"], goal,
                                          max(1, int(visits * rng.uniform(0.03, 0.12)))])
            env = {ENV[k]: v for k, v in TOKENS.items()}
            old = os.getcwd()
            os.chdir(scratch)
            try:
                result = CliRunner(env=env).invoke(cli, ["results", "fetch"],
                                                   catch_exceptions=False)
            finally:
                os.chdir(old)
            print(result.output, end="")
            if result.exit_code or api.violations:
                raise SystemExit(f"the fetch failed: {api.violations}")
            shutil.copyfile(scratch / FILE, ROOT / FILE)
            print(f"{FILE} copied into the example calendar")
    finally:
        server.close()


if __name__ == "__main__":
    main()
