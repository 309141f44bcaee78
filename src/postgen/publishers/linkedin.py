"""LinkedIn (Posts API): per image `initializeUpload`, `PUT` the bytes to the upload
URL it answers, then `POST /rest/posts`; an optional first comment after it.

Options: `token_env` (an OAuth 2.0 token with `w_member_social` or
`w_organization_social`), `base_url` (default https://api.linkedin.com/rest),
`linkedin_version` (`YYYYMM`, sent as `LinkedIn-Version`; the payload's default).

The new post's URN comes back in the `x-restli-id` header. LinkedIn has no
idempotency key: posts are never repeated automatically.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from postgen.publishers.base import Job, Rejected, Sent
from postgen.publishers.rest import RestPublisher, Values, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import LINKEDIN_API

FEED_URL = "https://www.linkedin.com/feed/update/"


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
