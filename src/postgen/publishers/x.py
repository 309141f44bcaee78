"""X (API v2): `POST /2/media/upload`, alt text through `POST /2/media/metadata`,
then `POST /2/tweets` per part, each replying to the one before.

Options: `api_url` (default https://api.x.com/2) and the credentials, one of:

- OAuth 1.0a user context (tokens that do not expire; best for a schedule):
  `consumer_key_env`, `consumer_secret_env` (the app's API key and secret),
  `token_env`, `token_secret_env` (the account's access token and secret, made
  with "Read and write" permission). Requests are signed by authlib (HMAC-SHA1).
- OAuth 2.0: `token_env` alone, a user access token with `tweet.write`,
  `users.read` and `media.write`. X's user tokens last two hours, so
  `postgen accounts check` always warns about them.

`whoami` asks `GET /2/users/me`; with OAuth 1.0a, X's `x-access-level` answer
header says whether the token may write.

X has no idempotency key: a post is never repeated automatically. A 403 "duplicate
content" during a send means an identical post already exists, most likely from
an earlier attempt whose answer was lost: that is `OutcomeUnknown`, not success and
not a rejection. When a post's answer is lost, and in `resolve`, the user's recent
posts (`GET /2/users/me`, `GET /2/users/:id/tweets`; the token needs `tweet.read`
and `users.read`) are searched for the text, links compared as links (X shows
them as t.co): found is sent, not found after a send that may have happened is
unknown until the next run looks again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from authlib.oauth1 import ClientAuth

from postgen.publishers.base import (
    Credential,
    Identity,
    Job,
    OutcomeUnknown,
    PublishError,
    Rejected,
    Sent,
)
from postgen.publishers.http import missing_secrets, secret
from postgen.publishers.rest import Listed, RestPublisher, Values, host_of, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import X_API

_DUPLICATE = re.compile(r"duplicate", re.I)
_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
#: A link, with or without its scheme, as X would link it (and show it as t.co).
_LINK = re.compile(r"https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", re.I)
#: Posts listed in one request; a full page means more than can be searched.
PAGE = 100
#: The secrets OAuth 1.0a signs with, besides `token_env`.
OAUTH1_KEYS = ("consumer_key", "consumer_secret", "token_secret")
#: How long an OAuth 2.0 user access token lasts (X's documentation: two hours).
OAUTH2_LIFETIME = timedelta(hours=2)


class XPublisher(RestPublisher):
    name: ClassVar[str] = "x"

    def rebase(self, endpoint: str) -> str:
        return rebased(endpoint, X_API, self.option("api_url", X_API))

    # -- credentials: OAuth 1.0a user context, or an OAuth 2.0 bearer token -----------

    @property
    def oauth1(self) -> bool:
        return any(self.option(f"{key}_env") for key in OAUTH1_KEYS)

    @property
    def api_root(self) -> str:
        return self.rebase(X_API)

    def validate(self) -> Sequence[str]:
        problems = list(super().validate())
        if self.oauth1:
            problems += missing_secrets(self.ctx, self.channel, *OAUTH1_KEYS)
        return problems

    def credentials(self) -> Sequence[Credential]:
        keys = ("token", *OAUTH1_KEYS) if self.oauth1 else ("token",)
        host = host_of(self.api_root)
        return [Credential(name, host, app=key.startswith("consumer")) for key in keys
                if (name := self.option(f"{key}_env"))]

    def auth_headers(self, url: str, *, live: bool) -> dict[str, str]:
        if not self.oauth1:
            return super().auth_headers(url, live=live)
        return {} if live else {"Authorization": "OAuth ***"}  # signed in `http`

    def http(self, method: str, url: str, *, headers: Mapping[str, str], idempotent: bool,
             **kwargs: Any) -> httpx.Response:
        """With OAuth 1.0a, each request signed (method, URL and query; X signs no
        JSON or multipart body) just before it goes."""
        if self.oauth1:
            params = kwargs.pop("params", None)
            url = str(httpx.URL(url, params=params)) if params else url
            keys = {key: secret(self.ctx, self.channel, key) for key in OAUTH1_KEYS}
            auth = ClientAuth(keys["consumer_key"], keys["consumer_secret"],
                              secret(self.ctx, self.channel, "token"), keys["token_secret"])
            _uri, signed, _body = auth.sign(method, url, {}, None)
            headers = {**headers, "Authorization": signed["Authorization"]}
            kwargs["secrets"] = (*kwargs.get("secrets", ()), *keys.values())
        return super().http(method, url, headers=headers, idempotent=idempotent, **kwargs)

    def whoami(self) -> Identity:
        self.check()
        url = f"{self.api_root}/users/me"
        response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                             idempotent=True)
        data = json_of(response).get("data")
        who = f"@{data.get('username')}" if isinstance(data, dict) else self.channel.account
        if self.oauth1:
            level = response.headers.get("x-access-level", "")
            missing = ("read-write access",) if level == "read" else ()
            return Identity(who, missing=missing, note="" if not missing else
                            "the app's permission was Read when the token was made: set it to "
                            "Read and write, then regenerate the access token and secret")
        return Identity(who, expires_at=self.ctx.now() + OAUTH2_LIFETIME,
                        note="an OAuth 2.0 user token lasts two hours: for a schedule use "
                             "OAuth 1.0a (consumer_key_env, consumer_secret_env, token_env, "
                             "token_secret_env), whose tokens do not expire")

    def classify(self, response: httpx.Response, message: str) -> PublishError | None:
        if response.status_code == 403 and _DUPLICATE.search(message):
            return OutcomeUnknown(f"{message}: X already has a post with this text, probably "
                                  "from an earlier attempt; check the account, then "
                                  "`postgen ledger resolve`", status=403)
        return None

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        data = json_of(response).get("data")
        found = data.get("id") if isinstance(data, dict) else None
        if step.produces is None:
            return {}
        if not found:
            raise Rejected(f"{self.channel.name}: {step.endpoint} answered without an id",
                           status=response.status_code)
        return {step.produces: str(found)}

    def sent(self, job: Job, values: Values) -> Sent:
        ids = tuple(str(values[f"part:{i}"]) for i in range(len(job.variant.parts)))
        handle = _HANDLE.fullmatch(self.channel.account)
        who = handle.group(1) if handle else "i/web"
        return Sent(remote_id=ids[0], url=f"https://x.com/{who}/status/{ids[0]}", part_ids=ids)

    def recent(self, since: datetime) -> list[Listed] | None:
        me = self.get_json(f"{self.api_root}/users/me").get("data")
        user = me.get("id") if isinstance(me, dict) else None
        if not user:
            return None
        params = {"max_results": str(PAGE), "tweet.fields": "created_at,referenced_tweets",
                  "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        data = self.get_json(f"{self.api_root}/users/{user}/tweets", params)
        meta = data.get("meta")
        if isinstance(meta, dict) and meta.get("next_token"):
            return None
        return [Listed(str(t["id"]), html.unescape(str(t.get("text", ""))), _replied_to(t))
                for t in data.get("data") or () if isinstance(t, dict) and t.get("id")]

    def shown(self, text: str) -> str:
        return super().shown(_LINK.sub("<link>", text))

    def cannot_tell(self, job: Job) -> OutcomeUnknown:
        return OutcomeUnknown(
            f"{self.channel.name}: postgen cannot tell from X whether {job.variant.post_id} "
            f"was posted; look at https://x.com/{self.channel.account.lstrip('@')} and record "
            "what you find with `postgen ledger resolve`")


def _replied_to(tweet: dict[str, object]) -> str:
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return ""
