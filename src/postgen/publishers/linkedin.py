"""LinkedIn (Posts API): per image `initializeUpload`, `PUT` the bytes to the upload
URL it answers, then `POST /rest/posts`; an optional first comment after it.

Options: `token_env` (an OAuth 2.0 token with `w_member_social` or
`w_organization_social`), `base_url` (default https://api.linkedin.com/rest),
`linkedin_version` (`YYYYMM`, sent as `LinkedIn-Version`; the payload's default).

The new post's URN comes back in the `x-restli-id` header. LinkedIn has no
idempotency key: posts are never repeated automatically. When a post's answer
is lost, and in `resolve`, the author's recent posts (`GET /rest/posts?q=author`;
the token needs `r_organization_social` or `r_member_social`) are searched for
the same commentary instead.

`whoami` asks `GET /v2/userinfo` (needs the `openid` and `profile` scopes). With
`client_id_env` and `client_secret_env` (the app's credentials) it also asks
LinkedIn's token introspection (`POST /oauth/v2/introspectToken` on `oauth_url`,
default https://www.linkedin.com/oauth/v2), the only way to learn a token's scopes
and expiry: LinkedIn tokens last 60 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from postgen.publishers.base import AuthFailed, Credential, Identity, Job, Rejected, Sent
from postgen.publishers.http import missing_secrets, secret
from postgen.publishers.rest import Listed, RestPublisher, Values, host_of, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import LINKEDIN_API, LINKEDIN_VERSION

FEED_URL = "https://www.linkedin.com/feed/update/"
OAUTH_URL = "https://www.linkedin.com/oauth/v2"
APP_KEYS = ("client_id", "client_secret")
#: Posts listed in one request; a full page means more than can be searched.
PAGE = 50


class LinkedInPublisher(RestPublisher):
    name: ClassVar[str] = "linkedin"

    @property
    def base(self) -> str:
        return self.option("base_url", LINKEDIN_API).rstrip("/")

    def rebase(self, endpoint: str) -> str:
        return rebased(endpoint, LINKEDIN_API, self.base)

    @property
    def api_root(self) -> str:
        return self.base

    @property
    def oauth(self) -> str:
        return self.option("oauth_url", OAUTH_URL).rstrip("/")

    @property
    def introspects(self) -> bool:
        return all(self.option(f"{key}_env") for key in APP_KEYS)

    def validate(self) -> Sequence[str]:
        problems = list(super().validate())
        if any(self.option(f"{key}_env") for key in APP_KEYS):
            problems += missing_secrets(self.ctx, self.channel, *APP_KEYS)
        return problems

    def credentials(self) -> Sequence[Credential]:
        found = list(super().credentials())
        if self.introspects:
            oauth = host_of(self.oauth)
            found += [Credential(self.option(f"{key}_env"), oauth, app=key in APP_KEYS)
                      for key in ("token", *APP_KEYS)]
        return found

    @property
    def scope(self) -> str:
        """The scope posting needs: as an organization, or as a member."""
        organization = self.channel.account.startswith("urn:li:organization:")
        return "w_organization_social" if organization else "w_member_social"

    def whoami(self) -> Identity:
        self.check()
        root = self.base.removesuffix("/rest")
        try:
            me = self.get_json(f"{root}/v2/userinfo")
            who, note = str(me.get("name") or me.get("sub") or self.channel.account), ""
        except AuthFailed as exc:
            if exc.status != 403:
                raise
            who, note = self.channel.account, ("the token may not read its profile (no openid "
                                               "and profile scopes)")
        if not self.introspects:
            note = "; ".join(filter(None, [note, "set client_id_env and client_secret_env to "
                                                  "see its scopes and expiry"]))
            return Identity(who, note=note)
        token = secret(self.ctx, self.channel, "token")
        app = {key: secret(self.ctx, self.channel, key) for key in APP_KEYS}
        response = self.http("POST", f"{self.oauth}/introspectToken", headers={},
                             idempotent=True, data={**app, "token": token},
                             secrets=(token, *app.values()))
        info = json_of(response)
        if info.get("active") is not True:
            raise AuthFailed(f"{self.channel.name}: LinkedIn says the token is "
                             f"{info.get('status') or 'not active'} (expired or revoked)",
                             status=401)
        granted = str(info.get("scope") or "").replace(" ", ",").split(",")
        expires = info.get("expires_at")
        return Identity(who, note=note,
                        expires_at=datetime.fromtimestamp(expires, UTC)
                        if isinstance(expires, int) else None,
                        missing=() if self.scope in granted else (self.scope,))

    def auth_headers(self, url: str, *, live: bool) -> dict[str, str]:
        """The token goes to the API and to LinkedIn's own upload hosts, nowhere else."""
        host = urlsplit(url).hostname or ""
        ours = host == urlsplit(self.base).hostname or host.endswith(".linkedin.com")
        return super().auth_headers(url, live=live) if ours else {}

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        name = step.produces
        if name is None:
            return {}
        if step.part is not None:
            urn = response.headers.get("x-restli-id") or json_of(response).get("id")
            if not urn:
                raise Rejected(f"{self.channel.name}: the post was accepted without an id "
                               "(no x-restli-id header)", status=response.status_code)
            return {name: str(urn)}
        value = json_of(response).get("value")
        if not isinstance(value, dict) or not value.get("image") or not value.get("uploadUrl"):
            raise Rejected(f"{self.channel.name}: initializeUpload answered without an image "
                           "and upload URL", status=response.status_code)
        return {name: str(value["image"]), f"{name}.upload_url": str(value["uploadUrl"])}

    def sent(self, job: Job, values: Values) -> Sent:
        urn = str(values["part:0"])
        return Sent(remote_id=urn, url=FEED_URL + urn, part_ids=(urn,))

    def part_text(self, job: Job, step: Step) -> str:
        """The commentary as sent (in LinkedIn's escaped "little" format, as it is kept)."""
        body = step.body if isinstance(step.body, dict) else {}
        return str(body.get("commentary", ""))

    def recent(self, since: datetime) -> list[Listed] | None:
        author = self.channel.account
        if not author.startswith("urn:li:"):
            return None
        url = f"{self.base}/posts"
        headers = {**self.auth_headers(url, live=True), "X-RestLi-Method": "FINDER",
                   "X-Restli-Protocol-Version": "2.0.0",
                   "LinkedIn-Version": self.option("linkedin_version", LINKEDIN_VERSION)}
        params = {"q": "author", "author": author, "count": str(PAGE), "sortBy": "CREATED"}
        elements = json_of(self.http("GET", url, headers=headers, idempotent=True,
                                     params=params)).get("elements")
        if not isinstance(elements, list) or len(elements) >= PAGE:
            return None
        start = since.astimezone(UTC).timestamp() * 1000
        return [Listed(str(e["id"]), str(e.get("commentary") or ""),
                       url=FEED_URL + str(e["id"]))
                for e in elements if isinstance(e, dict) and e.get("id")
                and float(e.get("createdAt") or start) >= start]
