"""X (API v2): `POST /2/media/upload`, alt text through `POST /2/media/metadata`,
then `POST /2/tweets` per part, each replying to the one before.

Options: `token_env` (an OAuth 2.0 user access token with `tweet.write` and
`media.write`), `api_url` (default https://api.x.com/2).

X has no idempotency key: a post is never repeated automatically. A 403 "duplicate
content" during a send means an identical post already exists, most likely from
an earlier attempt whose answer was lost: that is `OutcomeUnknown`, not success and
not a rejection. `resolve` cannot find out either: a person checks.
"""

from __future__ import annotations

import re
from typing import ClassVar

import httpx

from postgen.publishers.base import Job, OutcomeUnknown, PublishError, Rejected, Sent
from postgen.publishers.rest import RestPublisher, Values, json_of, rebased
from postgen.publishers.steps import Step
from postgen.render.payloads import X_API

_DUPLICATE = re.compile(r"duplicate", re.I)
_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")


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

    def resolve(self, job: Job) -> Sent | None:
        raise OutcomeUnknown(
            f"{self.channel.name}: X has no idempotency key, so postgen cannot tell whether "
            f"{job.variant.post_id} was posted; look at https://x.com/"
            f"{self.channel.account.lstrip('@')} and record what you find with "
            "`postgen ledger resolve`")
