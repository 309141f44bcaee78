"""Fake platforms' "who am I" endpoints, for `postgen accounts check` and `refresh`.

Each fake knows its tokens (`Token`: valid until when, with which scopes) and
answers as the platform does: Mastodon `apps/verify_credentials` and
`accounts/verify_credentials`, Bluesky `createSession` and `getSession`, X
`/2/users/me` (an OAuth 2.0 bearer token, or an OAuth 1.0a signature checked
with oauthlib, independently of the authlib that signs it), LinkedIn `userinfo`
and `introspectToken`, Graph `/me`, `debug_token` and the refresh endpoints.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from tests.publishers.fakes import FakeAPI, FakeX, Recorded, Reply, graph_error


@dataclass
class Token:
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None  # None: never
    valid: bool = True


@dataclass
class Tokens:
    """The tokens a platform has issued, by value; `now` is the fake clock's."""

    known: dict[str, Token] = field(default_factory=dict)
    now: datetime | None = None

    def get(self, value: str) -> Token | None:
        token = self.known.get(value)
        if token is None or not token.valid:
            return None
        if token.expires_at is not None and self.now is not None and token.expires_at <= self.now:
            return None
        return token


def bearer(req: Recorded) -> str:
    auth = req.headers.get("authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else ""


class FakeMastodonAccount(FakeAPI):
    def __init__(self, tokens: Tokens) -> None:
        super().__init__()
        self.tokens = tokens

    def handle(self, req: Recorded) -> Reply:
        token = self.tokens.get(bearer(req))
        if token is None:
            return Reply(401, {"error": "The access token was revoked"})
        if req.route == "GET /api/v1/apps/verify_credentials":
            return Reply(200, {"name": "postgen", "website": None, "scopes": list(token.scopes)})
        if req.route == "GET /api/v1/accounts/verify_credentials":
            if not {"profile", "read", "read:accounts"} & set(token.scopes):
                return Reply(403, {"error": "This action is outside the authorized scopes"})
            return Reply(200, {"id": "1", "username": "acme", "acct": "acme"})
        return Reply(404, {"error": "Record not found"})


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


class FakeBlueskyAccount(FakeAPI):
    """createSession: an app password gets an appPass session, the account's own
    password a full one (as the reference PDS); getSession answers who it is."""

    def __init__(self, handle: str, app_password: str, account_password: str) -> None:
        super().__init__()
        self.handle_name = handle
        self.passwords = {app_password: "com.atproto.appPass",
                          account_password: "com.atproto.access"}
        self.sessions: dict[str, str] = {}
        self.active = True

    def handle(self, req: Recorded) -> Reply:
        if req.route == "POST /xrpc/com.atproto.server.createSession":
            body = req.json()
            scope = self.passwords.get(body.get("password"))
            if body.get("identifier") != self.handle_name or scope is None:
                return Reply(401, {"error": "AuthenticationRequired",
                                   "message": "Invalid identifier or password"})
            access = jwt({"scope": scope, "sub": "did:plc:acmetest"})
            self.sessions[access] = scope
            return Reply(200, {"accessJwt": access, "refreshJwt": "r", "did": "did:plc:acmetest",
                               "handle": self.handle_name})
        if req.route == "GET /xrpc/com.atproto.server.getSession":
            if bearer(req) not in self.sessions:
                return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
            answer: dict[str, Any] = {"handle": self.handle_name, "did": "did:plc:acmetest"}
            if not self.active:
                answer |= {"active": False, "status": "deactivated"}
            return Reply(200, answer)
        return Reply(501, {"error": "MethodNotImplemented", "message": req.path})


@dataclass(frozen=True)
class OAuth1Keys:
    consumer_key: str
    consumer_secret: str
    token: str
    token_secret: str


class FakeXAccount(FakeAPI):
    """`GET /2/users/me` with an OAuth 2.0 bearer token or an OAuth 1.0a signature."""

    def __init__(self, tokens: Tokens, users: dict[str, tuple[OAuth1Keys, str]]) -> None:
        """`users`: OAuth 1.0a access token -> (the keys it was issued with, the app's
        access level when it was: read, read-write...)."""
        super().__init__()
        self.tokens, self.users = tokens, users
        self.signed: list[bool] = []  # per OAuth 1.0a request: did the signature verify

    def handle(self, req: Recorded) -> Reply:
        auth = req.headers.get("authorization", "")
        headers: dict[str, str] = {}
        if auth.startswith("OAuth "):
            level = self.verify(req, auth)
            if level is None:
                return Reply(401, {"title": "Unauthorized", "status": 401,
                                   "detail": "Unauthorized", "type": "about:blank"})
            headers["x-access-level"] = level
        elif self.tokens.get(bearer(req)) is None:
            return Reply(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized",
                               "type": "about:blank"})
        if req.route == "GET /2/users/me":
            return Reply(200, {"data": {"id": "2244994945", "name": "Acme", "username": "acme"}},
                         headers)
        return Reply(404, {"title": "Not Found Error", "detail": req.path, "status": 404})

    def verify(self, req: Recorded, auth: str) -> str | None:
        """The HMAC-SHA1 signature over method, URL and parameters (RFC 5849 3.4),
        recomputed by oauthlib from what arrived, with the secrets the fake holds;
        the token's access level if it verifies."""
        query = urlencode(req.query)
        uri = f"{self.base}{req.path}" + (f"?{query}" if query else "")
        params = oauth_signature.collect_parameters(uri_query=query,
                                                    headers={"Authorization": auth},
                                                    exclude_oauth_signature=False)
        given = dict(params)
        request = OAuthRequest(uri, http_method=req.method, headers={"Authorization": auth})
        request.params = [(k, v) for k, v in params if k != "oauth_signature"]
        request.signature = given.get("oauth_signature", "")
        user = self.users.get(given.get("oauth_token", ""))
        ok = (user is not None and given.get("oauth_consumer_key") == user[0].consumer_key
              and given.get("oauth_signature_method") == "HMAC-SHA1"
              and oauth_signature.verify_hmac_sha1(request, user[0].consumer_secret,
                                                   user[0].token_secret))
        self.signed.append(ok)
        return user[1] if ok and user is not None else None


class FakeLinkedInAccount(FakeAPI):
    """`GET /v2/userinfo` and `POST /oauth/v2/introspectToken` (app credentials)."""

    def __init__(self, tokens: Tokens, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.tokens, self.client = tokens, (client_id, client_secret)

    def handle(self, req: Recorded) -> Reply:
        if req.route == "POST /oauth/v2/introspectToken":
            form = dict(parse_qsl(req.body.decode()))
            if (form.get("client_id"), form.get("client_secret")) != self.client:
                return Reply(401, {"error": "invalid_client",
                                   "error_description": "Client authentication failed"})
            known = self.tokens.known.get(form.get("token", ""))
            token = self.tokens.get(form.get("token", ""))
            if token is None:
                status = "expired" if known is not None else "revoked"
                return Reply(200, {"active": False, "status": status})
            expires = int(token.expires_at.timestamp()) if token.expires_at else None
            return Reply(200, {"active": True, "status": "active", "expires_at": expires,
                               "scope": ",".join(token.scopes), "auth_type": "3L"})
        token = self.tokens.get(bearer(req))
        if token is None:
            return Reply(401, {"status": 401, "serviceErrorCode": 65601,
                               "code": "REVOKED_ACCESS_TOKEN",
                               "message": "The token used in the request has been revoked"})
        if req.route == "GET /v2/userinfo":
            if "openid" not in token.scopes:
                return Reply(403, {"status": 403, "serviceErrorCode": 100,
                                   "code": "ACCESS_DENIED",
                                   "message": "Not enough permissions to access: userinfo"})
            return Reply(200, {"sub": "782bbtaQ", "name": "Acme Roasters"})
        return Reply(404, {"status": 404, "message": f"No route for {req.path}"})


class FakeGraphAccount(FakeAPI):
    """Graph `/me`, `/debug_token` and the long-lived token refresh endpoints."""

    def __init__(self, tokens: Tokens, app: tuple[str, str] = ("", "")) -> None:
        super().__init__()
        self.tokens, self.app = tokens, app
        self.issued: list[str] = []

    def handle(self, req: Recorded) -> Reply:
        q = req.query
        if req.path in ("/refresh_access_token", "/v21.0/oauth/access_token"):
            return self.refresh(req.path, q)
        value = bearer(req)
        token = self.tokens.get(value)
        if token is None:
            return Reply(400, graph_error("Error validating access token: Session has expired "
                                          "on Tuesday, 02-Mar-27 08:00:00 PST.", 190,
                                          error_subcode=463))
        if req.path.endswith("/me"):
            fields = q.get("fields", "").split(",")
            self.check("id" in fields, "fields without id")
            return Reply(200, {k: v for k, v in {"id": "17841400000000000", "name": "Acme",
                                                 "username": "acme"}.items() if k in fields})
        if req.path.endswith("/debug_token"):
            inspected = self.tokens.known.get(q.get("input_token", ""))
            self.check(inspected is not None, "debug_token of a token the fake never issued")
            assert inspected is not None
            ends = int(inspected.expires_at.timestamp()) if inspected.expires_at else 0
            return Reply(200, {"data": {"app_id": "1", "type": "USER", "application": "postgen",
                                        "is_valid": True, "expires_at": ends,
                                        "data_access_expires_at": 0,
                                        "scopes": list(inspected.scopes)}})
        return Reply(400, graph_error("Unknown path components", 2500))

    def refresh(self, path: str, q: dict[str, str]) -> Reply:
        grant = q.get("grant_type")
        old = q.get("fb_exchange_token") if grant == "fb_exchange_token" else q.get("access_token")
        if grant == "fb_exchange_token":
            self.check((q.get("client_id"), q.get("client_secret")) == self.app, "app creds")
        else:
            self.check(path == "/refresh_access_token" and grant in ("th_refresh_token",
                                                                     "ig_refresh_token"),
                       f"refresh grant {grant} at {path}")
        token = self.tokens.get(old or "")
        if token is None:
            return Reply(400, graph_error("Error validating access token", 190))
        new = f"renewed-token-{len(self.issued) + 1}-5a6b7c8d"
        self.issued.append(new)
        self.tokens.known[new] = Token(token.scopes, None)
        return Reply(200, {"access_token": new, "token_type": "bearer", "expires_in": 5183944})


class FakeXSigned(FakeX):
    """The fake X that posts, taking OAuth 1.0a user context instead of a bearer token:
    every request's signature is checked as `FakeXAccount` checks it."""

    def __init__(self, keys: OAuth1Keys) -> None:
        super().__init__(token="(oauth1)")
        self.account = FakeXAccount(Tokens(), {keys.token: (keys, "read-write")})

    def handle(self, req: Recorded) -> Reply:
        self.account.base = self.base
        auth = req.headers.get("authorization", "")
        if not auth.startswith("OAuth ") or self.account.verify(req, auth) is None:
            return Reply(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized",
                               "type": "about:blank"})
        return super().handle(replace(req, headers={**req.headers,
                                                    "authorization": "Bearer (oauth1)"}))
