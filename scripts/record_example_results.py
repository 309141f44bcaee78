"""Record the example calendar's publish ledger and results by running postgen.

    python scripts/record_example_results.py   # rewrites publish-ledger.jsonl, results.jsonl

1. The ledger: on a scratch copy of the example, the real `postgen publish`
   runs at each moment a post fell due until now, sending to the example's
   local outbox, as CI would have. Its publish-ledger.jsonl is copied here:
   the site shows those posts as published.
2. The results: the platforms stand up on 127.0.0.1 (tests/results/fakes.py:
   one server that speaks each platform's metrics API and Plausible's Stats
   API, and checks every request), filled with seeded numbers for every sent
   variant (reach and engagement by platform and funnel stage; visits and
   purchases for the tracked links), and the real `postgen results fetch` runs
   on a scratch copy whose channels point at them, reading the ledger's sent
   posts. The results.jsonl it writes is copied here, as it is.

Nothing in either file is typed by hand. The numbers are the same on every run
(a fixed seed); the times are the run's.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from tests.publishers.fakes import FakeServer  # noqa: E402
from tests.results.fakes import ENV, TOKENS, FakeMetrics  # noqa: E402

from postgen import pipeline  # noqa: E402
from postgen.cli import cli  # noqa: E402
from postgen.ledger import FILE as LEDGER  # noqa: E402
from postgen.ledger import Ledger  # noqa: E402
from postgen.render.variants import utm_params  # noqa: E402
from postgen.results.store import FILE  # noqa: E402

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


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    if result.exit_code not in (0, 1):
        raise SystemExit(f"postgen {' '.join(args)} failed:\n{result.output}")
    return result.output


def scratch_copy(target: Path) -> Path:
    for name in ("content", "assets", "calendar", "theme"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
    for name in ("mkdocs.yml", "approvals.jsonl", "accounts.lock", ".gitattributes"):
        if (ROOT / name).is_file():
            shutil.copyfile(ROOT / name, target / name)
    return target


def main() -> None:
    until = datetime.now(UTC)
    calendar, rendered, _problems = pipeline.check(pipeline.load_calendar(ROOT))
    config = calendar.config
    posts = {p.id: p for p in calendar.posts}
    with tempfile.TemporaryDirectory() as tmp:
        sent_root = scratch_copy(Path(tmp) / "sent")
        for moment in sorted({v.date for v in rendered.variants if v.date <= until}):
            run(sent_root, "publish", "--now", (moment + timedelta(minutes=1)).isoformat())
        shutil.copyfile(sent_root / LEDGER, ROOT / LEDGER)
        ledger = Ledger.load(ROOT)
        sent = [s for k in ledger.recorded() if (s := ledger.status(k)) is not None
                and s.state == "sent" and s.remote_id
                and config.channels[s.channel].platform in WIRING]
        print(f"{LEDGER}: {len(sent)} sends to platforms with metrics, recorded")
        rng = random.Random(20261206)
        server = FakeServer(FakeMetrics())
        try:
            api = server.api
            scratch = scratch_copy(Path(tmp) / "results")
            shutil.copyfile(ROOT / LEDGER, scratch / LEDGER)
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
            for status in sent:
                post = posts[status.post]
                channel = config.channels[status.channel]
                api.stats[str(status.remote_id)] = stats(channel.platform, post.funnel.value,
                                                         rng)
                tags = utm_params(config.utm, post.series or post.id, post.campaign, channel)
                visits = rng.randint(5, 60) if channel.utm and post.cta else rng.randint(0, 8)
                if visits:
                    api.visits.append([tags["utm_campaign"], tags["utm_source"],
                                       tags["utm_content"], int(visits * 0.9), visits])
                if visits and post.funnel.value in ("conversion", "retention"):
                    goal = "Purchase" if post.cta else "Newsletter signup"
                    api.goals.append([tags["utm_campaign"], tags["utm_source"],
                                      tags["utm_content"], goal,
                                      max(1, int(visits * rng.uniform(0.03, 0.12)))])
            env = {ENV[k]: v for k, v in TOKENS.items()}
            print(run(scratch, "results", "fetch", env=env), end="")
            if api.violations:
                raise SystemExit(f"the fetch failed: {api.violations}")
            shutil.copyfile(scratch / FILE, ROOT / FILE)
            print(f"{FILE} copied into the example calendar")
        finally:
            server.close()


if __name__ == "__main__":
    main()
