"""X (API v2): `POST /2/media/upload`, alt text through `POST /2/media/metadata`,
then `POST /2/tweets` per part, each replying to the one before.

Options: `token_env` (an OAuth 2.0 user access token with `tweet.write` and
`media.write`), `api_url` (default https://api.x.com/2).

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
from datetime import UTC, datetime
from typing import ClassVar

import httpx

from postgen.publishers.base import Job, OutcomeUnknown, PublishError, Rejected, Sent
from postgen.publishers.rest import Listed, RestPublisher, Values, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import X_API

_DUPLICATE = re.compile(r"duplicate", re.I)
_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
#: A link, with or without its scheme, as X would link it (and show it as t.co).
_LINK = re.compile(r"https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", re.I)
#: Posts listed in one request; a full page means more than can be searched.
PAGE = 100


class XPublisher(RestPublisher):
    name: ClassVar[str] = "x"

    def rebase(self, endpoint: str) -> str:
        return rebased(endpoint, X_API, self.option("api_url", X_API))

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
        api = self.option("api_url", X_API).rstrip("/")
        me = json_of(self.http("GET", f"{api}/users/me", idempotent=True,
                               headers=self.auth_headers(f"{api}/users/me", live=True)))
        user = me.get("data", {}).get("id") if isinstance(me.get("data"), dict) else None
        if not user:
            return None
        url = f"{api}/users/{user}/tweets"
        params = {"max_results": str(PAGE), "tweet.fields": "created_at,referenced_tweets",
                  "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        data = json_of(self.http("GET", url, headers=self.auth_headers(url, live=True),
                                 idempotent=True, params=params))
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
