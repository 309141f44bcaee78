"""Metrics readers: one per publisher, asking the platform what a sent post did.

A reader is found by the channel's publisher name under the entry point group
`postgen.metrics` (the built-ins are registered there exactly like a third
party's). It reuses its publisher's settings (instance, API root, token,
session), so a channel that can publish can be read with no more settings;
the token needs the read scopes listed in docs/publishers.md.

`read(items)` takes up to `batch` sent items and answers {remote_id: metrics},
with None for a post the platform no longer has (deleted). Errors are the
publishers' classes (`postgen.publishers.base`): a rate limit is waited out or
raised as `RetryLater`, a bad token as `AuthFailed`.

Platform field names and limits (read 2026-12):
- Mastodon `GET /api/v1/statuses/:id`: favourites_count, reblogs_count, replies_count;
- Bluesky `app.bsky.feed.getPosts` (25 URIs a call): like/repost/reply/quoteCount;
- X `GET /2/tweets?ids=` (100 a call), `tweet.fields=public_metrics` (impression_count
  included), plus `non_public_metrics` (link clicks) with `options.metrics: private`;
- LinkedIn: organisations `organizationalEntityShareStatistics` (impressions,
  clicks, likes, comments, shares), members `socialActions/{urn}`;
- Facebook Page posts `/{id}/insights` post_impressions, post_impressions_unique,
  post_clicks, post_reactions_by_type_total;
- Instagram `/{id}/insights` reach, views, likes, comments, saved, shares,
  total_interactions; Threads `/{id}/insights` views, likes, replies, reposts, quotes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol
from urllib.parse import quote

import httpx

from postgen.models import Channel
from postgen.publishers.base import Context, PublishError, Rejected
from postgen.publishers.bluesky import BlueskyPublisher
from postgen.publishers.http import call, error_info
from postgen.publishers.linkedin import LinkedInPublisher
from postgen.publishers.mastodon import MastodonPublisher
from postgen.publishers.meta import (
    FacebookPublisher,
    GraphPublisher,
    InstagramPublisher,
    ThreadsPublisher,
)
from postgen.publishers.rest import RestPublisher, json_of
from postgen.publishers.x import XPublisher

ENTRY_POINT_GROUP = "postgen.metrics"

Metrics = Mapping[str, int]


@dataclass(frozen=True)
class SentItem:
    """One sent variant, as the ledger recorded it."""

    post: str
    channel: str
    key: str
    remote_id: str


class Gone(Rejected):
    """The platform no longer has the post (deleted, or never visible to this token)."""


class MetricsReader(Protocol):
    name: ClassVar[str]  # the publisher it reads for
    batch: ClassVar[int]  # remote ids one `read` takes

    def __init__(self, channel: Channel, context: Context) -> None: ...

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        """{remote_id: metrics}, None for a post the platform no longer has."""
        ...


def available() -> dict[str, type[MetricsReader]]:
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _pick(data: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """{our name: data[their name]} for the names the answer has."""
    return {ours: _count(data[theirs]) for ours, theirs in names.items() if theirs in data}


class _Reader:
    """What the built-in readers share: their publisher's settings and one GET."""

    publisher: ClassVar[type[RestPublisher]]
    batch: ClassVar[int] = 1

    def __init__(self, channel: Channel, context: Context) -> None:
        self.channel = channel
        self.pub = self.publisher(channel, context)

    def get(self, url: str, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        pub = self.pub
        response = call(pub.ctx, "GET", url, idempotent=True, params=params,
                        headers={**pub.auth_headers(url, live=True), **(headers or {})},
                        policy=pub.policy, auth_env=pub.auth_env, classify=self.gone)
        return json_of(response)

    def gone(self, response: httpx.Response, message: str) -> PublishError | None:
        if response.status_code in (404, 410):
            return Gone(message, status=response.status_code)
        return self.pub.classify(response, message)

    def each(self, items: Sequence[SentItem], one: Any) -> dict[str, Metrics | None]:
        found: dict[str, Metrics | None] = {}
        for item in items:
            try:
                found[item.remote_id] = one(item.remote_id)
            except Gone:
                found[item.remote_id] = None
        return found


class MastodonMetrics(_Reader):
    name: ClassVar[str] = "mastodon"
    publisher = MastodonPublisher
    NAMES: ClassVar[Mapping[str, str]] = {
        "likes": "favourites_count", "reposts": "reblogs_count", "replies": "replies_count",
        "quotes": "quotes_count"}

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        base = f"{self.pub.instance}/api/v1/statuses/"  # type: ignore[attr-defined]
        return self.each(items, lambda rid: _pick(self.get(base + quote(rid, safe="")),
                                                  self.NAMES))


class BlueskyMetrics(_Reader):
    name: ClassVar[str] = "bluesky"
    publisher = BlueskyPublisher
    batch: ClassVar[int] = 25  # getPosts' limit
    NAMES: ClassVar[Mapping[str, str]] = {
        "likes": "likeCount", "reposts": "repostCount", "replies": "replyCount",
        "quotes": "quoteCount"}

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        url = f"{self.pub.xrpc}/app.bsky.feed.getPosts"  # type: ignore[attr-defined]
        params = httpx.QueryParams([("uris", i.remote_id) for i in items])
        data = self.get(str(httpx.URL(url, params=params)))
        posts = {p.get("uri"): p for p in data.get("posts", []) if isinstance(p, dict)}
        return {i.remote_id: _pick(posts[i.remote_id], self.NAMES)
                if i.remote_id in posts else None for i in items}


class XMetrics(_Reader):
    name: ClassVar[str] = "x"
    publisher = XPublisher
    batch: ClassVar[int] = 100  # GET /2/tweets' limit
    NAMES: ClassVar[Mapping[str, str]] = {
        "likes": "like_count", "reposts": "retweet_count", "replies": "reply_count",
        "quotes": "quote_count", "saves": "bookmark_count", "impressions": "impression_count"}

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        fields = "public_metrics"
        if self.pub.option("metrics") == "private":  # user context, posts under 30 days
            fields += ",non_public_metrics"
        data = self.get(self.pub.rebase("https://api.x.com/2/tweets"),
                        params={"ids": ",".join(i.remote_id for i in items),
                                "tweet.fields": fields})
        found: dict[str, Metrics | None] = {}
        tweets = {t.get("id"): t for t in data.get("data", []) if isinstance(t, dict)}
        for item in items:
            tweet = tweets.get(item.remote_id)
            if tweet is None:
                found[item.remote_id] = None  # listed under "errors" as not found
                continue
            metrics = _pick(tweet.get("public_metrics") or {}, self.NAMES)
            private = tweet.get("non_public_metrics") or {}
            if "url_link_clicks" in private:
                metrics["clicks"] = _count(private["url_link_clicks"])
            found[item.remote_id] = metrics
        return found


class LinkedInMetrics(_Reader):
    name: ClassVar[str] = "linkedin"
    publisher = LinkedInPublisher
    batch: ClassVar[int] = 20
    NAMES: ClassVar[Mapping[str, str]] = {
        "impressions": "impressionCount", "reach": "uniqueImpressionsCount",
        "clicks": "clickCount", "likes": "likeCount", "replies": "commentCount",
        "reposts": "shareCount"}

    def headers(self) -> dict[str, str]:
        return {"LinkedIn-Version": self.pub.option("linkedin_version", "202411"),
                "X-Restli-Protocol-Version": "2.0.0"}

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        base: str = self.pub.base  # type: ignore[attr-defined]
        org = self.channel.account
        if org.startswith("urn:li:organization:"):
            return self._organisation(base, org, items)
        return self.each(items, lambda urn: self._member(base, urn))

    def _organisation(self, base: str, org: str, items: Sequence[SentItem]
                      ) -> dict[str, Metrics | None]:
        found: dict[str, Metrics | None] = {}
        for kind in ("share", "ugcPost"):
            urns = [i.remote_id for i in items if i.remote_id.startswith(f"urn:li:{kind}:")]
            if not urns:
                continue
            listed = ",".join(quote(u, safe="") for u in urns)
            query = (f"q=organizationalEntity&organizationalEntity={quote(org, safe='')}"
                     f"&{kind}s=List({listed})")
            data = self.get(f"{base}/organizationalEntityShareStatistics?{query}",
                            headers=self.headers())
            for element in data.get("elements", []):
                if isinstance(element, dict) and element.get(kind) in urns:
                    found[str(element[kind])] = _pick(
                        element.get("totalShareStatistics") or {}, self.NAMES)
        missing = [i for i in items if i.remote_id not in found]  # deleted, or too new
        return {**found, **self.each(missing, lambda urn: self._member(base, urn))}

    def _member(self, base: str, urn: str) -> Metrics:
        data = self.get(f"{base}/socialActions/{quote(urn, safe='')}", headers=self.headers())
        likes = (data.get("likesSummary") or {}).get("totalLikes")
        comments = (data.get("commentsSummary") or {}).get("aggregatedTotalComments")
        return {"likes": _count(likes), "replies": _count(comments)}


class _Insights(_Reader):
    """Graph `/{id}/insights`: one call per post, the metrics by name."""

    METRICS: ClassVar[Mapping[str, str]]  # theirs: ours

    def gone(self, response: httpx.Response, message: str) -> PublishError | None:
        info = error_info(response)
        if response.status_code in (404, 410) or (info.code == 100 and "subcode 33" in
                                                    info.message):
            return Gone(message, status=response.status_code)
        return self.pub.classify(response, message)

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        graph: str = self.pub.graph  # type: ignore[attr-defined]
        metric = ",".join(self.METRICS)
        return self.each(items, lambda rid: self._values(
            self.get(f"{graph}/{quote(rid, safe='')}/insights", params={"metric": metric})))

    def _values(self, data: Mapping[str, Any]) -> Metrics:
        found: dict[str, int] = {}
        for entry in data.get("data", []):
            if not isinstance(entry, dict) or entry.get("name") not in self.METRICS:
                continue
            ours = self.METRICS[str(entry["name"])]
            total = entry.get("total_value")
            values = entry.get("values") or [{}]
            value = total.get("value") if isinstance(total, dict) else values[-1].get("value")
            if isinstance(value, dict):  # reactions by type
                value = sum(_count(v) for v in value.values())
            found[ours] = found.get(ours, 0) + _count(value)
        return found


class FacebookMetrics(_Insights):
    name: ClassVar[str] = "facebook"
    publisher: ClassVar[type[GraphPublisher]] = FacebookPublisher
    METRICS: ClassVar[Mapping[str, str]] = {
        "post_impressions": "impressions", "post_impressions_unique": "reach",
        "post_clicks": "clicks", "post_reactions_by_type_total": "likes"}


class InstagramMetrics(_Insights):
    name: ClassVar[str] = "instagram"
    publisher: ClassVar[type[GraphPublisher]] = InstagramPublisher
    METRICS: ClassVar[Mapping[str, str]] = {
        "reach": "reach", "views": "views", "likes": "likes", "comments": "replies",
        "saved": "saves", "shares": "reposts", "total_interactions": "engagements"}


class ThreadsMetrics(_Insights):
    name: ClassVar[str] = "threads"
    publisher: ClassVar[type[GraphPublisher]] = ThreadsPublisher
    METRICS: ClassVar[Mapping[str, str]] = {
        "views": "views", "likes": "likes", "replies": "replies", "reposts": "reposts",
        "quotes": "quotes"}


class EmailMetrics:
    """Email sent over SMTP: the SMTP side knows only that each recipient was accepted.

    Opens, clicks and bounces come from the email service's event API when
    `options.events_url` is set: `GET <events_url>?message_id=<Message-ID>` with
    `Authorization: Bearer <events_token_env>` answering
    `{"delivered": n, "bounced": n, "opened": n, "clicked": n}` (what a small
    receiver of the ESP's webhooks, or the ESP's own stats API, can serve).
    """

    name: ClassVar[str] = "smtp"
    batch: ClassVar[int] = 1
    NAMES: ClassVar[Mapping[str, str]] = {
        "sent": "delivered", "bounced": "bounced", "opens": "opened", "clicks": "clicked"}

    def __init__(self, channel: Channel, context: Context) -> None:
        from postgen.publishers.smtp import SmtpPublisher

        self.channel = channel
        self.ctx = context
        self.pub = SmtpPublisher(channel, context)

    def read(self, items: Sequence[SentItem]) -> dict[str, Metrics | None]:
        from postgen.publishers.http import DEFAULT_POLICY, secret

        url = self.pub.option("events_url")
        accepted = len(self.pub.recipients)
        if not url:
            return {i.remote_id: {"sent": accepted} for i in items}
        token = secret(self.ctx, self.channel, "events_token") \
            if self.pub.option("events_token_env") else ""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        found: dict[str, Metrics | None] = {}
        for item in items:
            response = call(self.ctx, "GET", url, idempotent=True, headers=headers,
                            params={"message_id": item.remote_id}, policy=DEFAULT_POLICY,
                            auth_env=self.pub.option("events_token_env"))
            found[item.remote_id] = {"sent": accepted, **_pick(json_of(response), self.NAMES)}
        return found
