"""One loopback server that speaks every platform's metrics API and Plausible's Stats API.

Each route checks what the real API checks: the method, the token meant for
that platform, the batch limits (25 URIs for Bluesky's getPosts, 100 ids for
X), the query parameters, LinkedIn's version headers. A post listed in
`deleted` answers the way its platform says "gone": Mastodon 404, Bluesky a
missing entry, X an entry under `errors`, Graph error 100 subcode 33,
LinkedIn 404.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from tests.publishers.fakes import FakeAPI, Recorded, Reply

TOKENS = {
    "mastodon": "tok-mastodon-5ecret-a1", "bluesky": "pw-bluesky-5ecret-b2",
    "x": "tok-x-5ecret-c3", "linkedin": "tok-linkedin-5ecret-d4",
    "facebook": "tok-facebook-5ecret-e5", "instagram": "tok-instagram-5ecret-f6",
    "threads": "tok-threads-5ecret-g7", "plausible": "key-plausible-5ecret-h8",
    "esp": "tok-esp-5ecret-i9",
}
ENV = {"mastodon": "MASTODON_TOKEN", "bluesky": "BSKY_APP_PASSWORD", "x": "X_TOKEN",
       "linkedin": "LINKEDIN_TOKEN", "facebook": "FB_TOKEN", "instagram": "IG_TOKEN",
       "threads": "THREADS_TOKEN", "plausible": "PLAUSIBLE_API_KEY", "esp": "ESP_TOKEN"}
JWT = "jwt-session-5ecret-j0"


class Unauthorized(Exception):
    pass


class FakeMetrics(FakeAPI):
    def __init__(self) -> None:
        super().__init__()
        self.stats: dict[str, dict[str, Any]] = {}  # remote id: the platform's own fields
        self.deleted: set[str] = set()
        #: Plausible: rows [campaign, source, content, visitors, visits] and
        #: conversions [campaign, source, content, goal, visitors].
        self.visits: list[list[Any]] = []
        self.goals: list[list[Any]] = []
        self.sessions = 0

    def _auth(self, req: Recorded, platform: str) -> None:
        token = JWT if platform == "bluesky" else TOKENS[platform]
        if req.headers.get("authorization") != f"Bearer {token}":
            raise Unauthorized(platform)

    def handle(self, req: Recorded) -> Reply:
        try:
            return self.route(req)
        except Unauthorized:  # what each platform says to a wrong or expired token
            return Reply(401, {"error": "The access token is invalid", "status": 401})

    def route(self, req: Recorded) -> Reply:
        path = req.path
        if req.route == "POST /xrpc/com.atproto.server.createSession":
            body = req.json()
            self.check(body.get("password") == TOKENS["bluesky"], "wrong app password")
            self.sessions += 1
            return Reply(200, {"accessJwt": JWT, "did": "did:plc:acme", "handle": "acme.test"})
        if req.method == "GET" and path.startswith("/api/v1/statuses/"):
            self._auth(req, "mastodon")
            rid = path.removeprefix("/api/v1/statuses/")  # ids are opaque: slashes too
            if rid in self.deleted or rid not in self.stats:
                return Reply(404, {"error": "Record not found"})
            return Reply(200, {"id": rid, **self.stats[rid]})
        if req.route == "GET /xrpc/app.bsky.feed.getPosts":
            self._auth(req, "bluesky")
            uris = req.params("uris")
            self.check(0 < len(uris) <= 25, f"getPosts takes 1 to 25 uris, not {len(uris)}")
            return Reply(200, {"posts": [{"uri": u, **self.stats[u]} for u in uris
                                         if u in self.stats and u not in self.deleted]})
        if req.route == "GET /2/tweets":
            self._auth(req, "x")
            ids = req.query.get("ids", "").split(",")
            self.check(0 < len(ids) <= 100, f"ids takes 1 to 100 ids, not {len(ids)}")
            self.check("public_metrics" in req.query.get("tweet.fields", ""),
                       "ask for public_metrics")
            found = [{"id": i, "text": "...", **self.stats[i]} for i in ids
                     if i in self.stats and i not in self.deleted]
            gone = [{"resource_id": i, "title": "Not Found Error",
                     "type": "https://api.twitter.com/2/problems/resource-not-found"}
                    for i in ids if i not in self.stats or i in self.deleted]
            return Reply(200, {"data": found, **({"errors": gone} if gone else {})})
        if path.startswith("/rest/"):
            return self._linkedin(req)
        if req.method == "GET" and path.endswith("/insights"):
            return self._insights(req)
        if req.route == "POST /api/v2/query":
            return self._plausible(req)
        if req.route == "GET /esp/events":
            self._auth(req, "esp")
            rid = req.query.get("message_id", "")
            return Reply(200, self.stats.get(rid, {}))
        return Reply(404, {"error": f"no route {req.route}"})

    def _linkedin(self, req: Recorded) -> Reply:
        self._auth(req, "linkedin")
        self.check(req.headers.get("linkedin-version", "").isdigit(), "LinkedIn-Version")
        self.check(req.headers.get("x-restli-protocol-version") == "2.0.0", "Rest.li 2.0.0")
        if req.path == "/rest/organizationalEntityShareStatistics":
            self.check(req.query.get("q") == "organizationalEntity", "q=organizationalEntity")
            self.check(req.query.get("organizationalEntity", "").startswith(
                "urn:li:organization:"), "an organization urn")
            listed = req.query.get("shares") or req.query.get("ugcPosts") or ""
            self.check(listed.startswith("List(") and listed.endswith(")"), "List(...)")
            kind = "share" if "shares" in req.query else "ugcPost"
            urns = [unquote(u) for u in listed[5:-1].split(",")]
            return Reply(200, {"elements": [
                {kind: u, "totalShareStatistics": self.stats[u]} for u in urns
                if u in self.stats and u not in self.deleted]})
        if req.path.startswith("/rest/socialActions/"):
            urn = req.path.removeprefix("/rest/socialActions/")
            if urn in self.deleted or urn not in self.stats:
                return Reply(404, {"message": "Not found", "status": 404})
            return Reply(200, self.stats[urn])
        return Reply(404, {"message": "no such resource"})

    def _insights(self, req: Recorded) -> Reply:
        version, _, rest = req.path[1:].partition("/")
        rid = rest.removesuffix("/insights")
        stats = self.stats.get(rid)
        platform = stats.get("_platform", "facebook") if stats else "facebook"
        self._auth(req, platform)
        self.check(version == ("v1.0" if platform == "threads" else "v21.0"), "API version")
        if rid in self.deleted or stats is None:
            return Reply(400, {"error": {
                "message": f"Unsupported get request. Object with ID '{rid}' does not exist",
                "type": "GraphMethodException", "code": 100, "error_subcode": 33}})
        asked = req.query.get("metric", "").split(",")
        data = []
        for name in asked:
            if name in stats:
                value = stats[name]
                entry: dict[str, Any] = {"name": name, "period": "lifetime"}
                if platform == "threads":
                    entry["total_value"] = {"value": value}
                else:
                    entry["values"] = [{"value": value}]
                data.append(entry)
        return Reply(200, {"data": data})

    def _plausible(self, req: Recorded) -> Reply:
        self._auth(req, "plausible")
        body = req.json()
        self.check(body.get("site_id") == "shop.acme.example.com", "site_id")
        self.check(isinstance(body.get("date_range"), list), "date_range as two dates")
        page = body.get("pagination") or {}
        limit, offset = int(page.get("limit", 10000)), int(page.get("offset", 0))
        dims = body.get("dimensions")
        if "event:goal" in dims:
            self.check(body.get("filters", [[None]])[0][:2] == ["is", "event:goal"],
                       "filter on the goals")
            rows = [{"dimensions": r[:4], "metrics": r[4:]} for r in self.goals]
        else:
            self.check(body.get("metrics") == ["visitors", "visits"], "metrics")
            rows = [{"dimensions": r[:3], "metrics": r[3:]} for r in self.visits]
        return Reply(200, {"results": rows[offset:offset + limit],
                           "meta": {}, "query": json.loads(json.dumps(body))})
