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
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from postgen.publishers.base import Job, Rejected, Sent
from postgen.publishers.rest import Listed, RestPublisher, Values, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import LINKEDIN_API, LINKEDIN_VERSION

FEED_URL = "https://www.linkedin.com/feed/update/"
#: Posts listed in one request; a full page means more than can be searched.
PAGE = 50


class LinkedInPublisher(RestPublisher):
    name: ClassVar[str] = "linkedin"

    @property
    def base(self) -> str:
        return self.option("base_url", LINKEDIN_API).rstrip("/")

    def rebase(self, endpoint: str) -> str:
        return rebased(endpoint, LINKEDIN_API, self.base)

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
