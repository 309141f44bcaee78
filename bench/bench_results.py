"""`postgen results fetch` for 10,000 sent variants: bounded by the platforms' rate limits?

    python bench/bench_results.py                       # 10,000 variants, 50 ms, 100 req/s
    python bench/bench_results.py --variants 2000 --latency 0.05 --limit 50

A ledger of sent variants spread over seven channels (Mastodon, Bluesky, X,
LinkedIn, Facebook, Instagram, Threads), each channel on its own loopback
server (tests/results/fakes.py: it checks every request as the platform would)
that takes --latency seconds over every answer and allows --limit requests a
second per account, answering more with a 429 and the platform's own reset
header (Mastodon's X-RateLimit-Reset time, X's and Bluesky's Unix reset,
Graph's Retry-After), as the real APIs do on their own, longer, windows.

The baseline is the same fetch with one request at a time per channel, run in
this process first. For each run the table shows the requests made, the 429s
met, the wall time, and the bound: the time the slowest channel needs at
best, either its requests at the rate limit or its requests at the latency
with that many in flight, whichever is longer. A ratio near 1.0 means the
fetch is bounded by the platform, not by postgen. Every variant must end with
a snapshot in results.jsonl.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.publishers.fakes import FakeServer, Recorded, Reply  # noqa: E402
from tests.results.fakes import ENV, TOKENS, FakeMetrics  # noqa: E402

from postgen.config import load_config  # noqa: E402
from postgen.ledger import Entry, Ledger  # noqa: E402
from postgen.publishers.base import Context  # noqa: E402
from postgen.results import store  # noqa: E402
from postgen.results.fetch import fetch  # noqa: E402

#: channel -> (platform, ids per request, options from the server's URL)
CHANNELS = {
    "masto": ("mastodon", 1, lambda u: f'{{instance: "{u}", token_env: MASTODON_TOKEN}}'),
    "sky": ("bluesky", 25, lambda u: f'{{pds: "{u}", app_password_env: BSKY_APP_PASSWORD}}'),
    "x": ("x", 100, lambda u: f'{{api_url: "{u}/2", token_env: X_TOKEN}}'),
    "li": ("linkedin", 20, lambda u: f'{{base_url: "{u}/rest", token_env: LINKEDIN_TOKEN}}'),
    "fb": ("facebook", 1,
           lambda u: f'{{page_id: "1", graph_url: "{u}/v21.0", token_env: FB_TOKEN}}'),
    "ig": ("instagram", 1, lambda u: f'{{ig_user_id: "2", graph_url: "{u}/v21.0", '
                                     'token_env: IG_TOKEN, media_base_url: "https://cdn.t"}'),
    "th": ("threads", 1,
           lambda u: f'{{threads_user_id: "3", graph_url: "{u}/v1.0", token_env: THREADS_TOKEN}}'),
}
ACCOUNTS = {"linkedin": "urn:li:organization:7", "mastodon": "@acme@masto.test"}


class LimitedServer(FakeServer):
    """A platform with latency and a rate limit of `limit` requests per one-second window."""

    def __init__(self, platform: str, latency: float, limit: int) -> None:
        self.platform, self.latency, self.limit = platform, latency, limit
        self.window, self.used, self.limited = 0, 0, 0
        self.counter = threading.Lock()
        super().__init__(FakeMetrics())

    def _dispatch(self, req: Recorded) -> Reply:
        time.sleep(self.latency)
        with self.counter:
            now = time.time()
            if int(now) != self.window:
                self.window, self.used = int(now), 0
            self.used += 1
            over = self.used > self.limit and not req.path.endswith("createSession")
            if over:
                self.limited += 1
        if over:
            return Reply(429, {"error": "Too many requests"}, self.reset(int(now) + 1))
        return super()._dispatch(req)

    def reset(self, at: int) -> dict[str, str]:
        when = datetime.fromtimestamp(at, UTC)
        if self.platform == "mastodon":
            return {"X-RateLimit-Reset": when.isoformat().replace("+00:00", "Z")}
        if self.platform in ("x", "bluesky"):
            return {"x-rate-limit-reset": str(at), "ratelimit-reset": str(at)}
        return {"Retry-After": format_datetime(when, usegmt=True)}


def build(root: Path, variants: int, latency: float, limit: int) -> dict[str, LimitedServer]:
    servers = {name: LimitedServer(platform, latency, limit)
               for name, (platform, _b, _o) in CHANNELS.items()}
    lines = ["site_name: Bench", "plugins:", "  - postgen:", "      timezone: UTC",
             "      brand: {name: Acme, domains: [shop.acme.example.com]}", "      channels:"]
    for name, (platform, _batch, options) in CHANNELS.items():
        account = ACCOUNTS.get(platform, "acme.test" if platform == "bluesky" else "acme")
        lines.append(f'        {name}: {{platform: {platform}, account: "{account}", '
                     f"publisher: {platform}, options: {options(servers[name].url)}}}")
    (root / "content").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("\n".join(lines) + "\n")
    ledger = Ledger.load(root)
    names = list(CHANNELS)
    for n in range(variants):
        name = names[n % len(names)]
        platform = CHANNELS[name][0]
        remote = {"bluesky": f"at://did:plc:acme/app.bsky.feed.post/{n}",
                  "linkedin": f"urn:li:share:{n}"}.get(platform, str(10**15 + n))
        servers[name].api.stats[remote] = _stats(platform, n)
        ledger.record(Entry("sent", f"k{n}", f"p{n}", name, "2026-12-01T09:00:00+00:00",
                            remote_id=remote))
    return servers


def _stats(platform: str, n: int) -> dict[str, object]:
    return {"mastodon": {"favourites_count": n % 7},
            "bluesky": {"likeCount": n % 7}, "x": {"public_metrics": {"like_count": n % 7}},
            "linkedin": {"likeCount": n % 7}}.get(platform, {"_platform": platform,
                                                             "likes": n % 7,
                                                             "post_impressions": n})


def run(variants: int, latency: float, limit: int, workers: int) -> tuple[float, float, int, int]:
    """(seconds, bound in seconds, requests, 429s) for one fetch of a fresh calendar."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cal"
        servers = build(root, variants, latency, limit)
        config, problems = load_config(root / "mkdocs.yml")
        assert config is not None, problems
        env = {ENV[k]: v for k, v in TOKENS.items()}
        try:
            with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=200)) as client:
                context = Context(env=env, client=client, root=str(root), sleep=time.sleep,
                                  now=lambda: datetime.now(UTC))
                start = time.perf_counter()
                report = fetch(config, Ledger.load(root), context, store.Writer(root),
                               workers=workers)
                seconds = time.perf_counter() - start
            assert report.ok, report
            assert len(store.read(root).latest_posts()) == variants
            bound = 0.0
            for s in servers.values():
                assert not s.api.violations, s.api.violations[:3]
                calls = sum(1 for r in s.requests if not r.path.endswith("createSession"))
                useful = calls - s.limited
                bound = max(bound, useful / limit, useful * latency / workers)
            return (seconds, bound, sum(len(s.requests) for s in servers.values()),
                    sum(s.limited for s in servers.values()))
        finally:
            for s in servers.values():
                s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--limit", type=int, default=100, help="requests/s per account")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    print(f"{args.variants} sent variants over {len(CHANNELS)} channels, "
          f"{args.latency * 1000:.0f} ms per answer, {args.limit} requests/s per account")
    print(f"{'in flight':>9} {'requests':>9} {'429s':>6} {'seconds':>8} {'bound':>7} "
          f"{'vs bound':>9} {'vs baseline':>12}")
    baseline = None
    for workers in args.workers:
        seconds, bound, requests, limited = run(args.variants, args.latency, args.limit,
                                                workers)
        baseline = baseline or seconds
        print(f"{workers:>9} {requests:>9} {limited:>6} {seconds:>8.2f} {bound:>7.2f} "
              f"{seconds / bound:>8.2f}x {seconds / baseline:>11.2f}x")


if __name__ == "__main__":
    main()
