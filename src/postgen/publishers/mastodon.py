"""Mastodon: media through `POST /api/v2/media`, statuses through `POST /api/v1/statuses`.

Options: `instance` (the server's URL; default: the domain of an
`@user@domain` account), `token_env` (a token with `write:statuses` and
`write:media`, `read:accounts` and `read:statuses` to look its statuses up; add
`profile` so `postgen accounts check` can name the account).

`whoami` asks `GET /api/v1/apps/verify_credentials` (any token; since Mastodon
4.3 it lists the app's scopes, which bound the token's) and
`GET /api/v1/accounts/verify_credentials` (needs `profile` or `read:accounts`).
Mastodon's tokens do not expire; a revoked one answers 401.

Every status carries `Idempotency-Key: <job key>-<part index>`. Mastodon keeps
the key for an hour after the status was created, but a server without the
idempotency lock (Mastodon's PR #37879) makes a second status when a repeat
arrives while the first create is still going on (a 504 from a proxy, an answer
slower than the timeout). So a status is never repeated in a run: when its
answer is lost, the account's recent statuses
(`GET /api/v1/accounts/:id/statuses`) are searched for one with the same text
replying to the part before, and `resolve` does the same on the next run (see
`postgen.publishers.rest`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from urllib.parse import quote

import httpx

from postgen.models import Channel
from postgen.publishers.base import (
    AuthFailed,
    Context,
    Identity,
    Job,
    OutcomeUnknown,
    Rejected,
    Sent,
)
from postgen.publishers.rest import Listed, RestPublisher, Values, json_of
from postgen.publishers.steps import Step

#: The scopes a token needs to post (a broader `write` covers both).
SCOPES = ("write:statuses", "write:media")
#: Pages of 40 statuses searched at most; an account busier than that since the send
#: began is left to a person.
PAGES = 10
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.I)
_REMOTE_MENTION = re.compile(r"(@\w+)@[\w.-]+\w")


class MastodonPublisher(RestPublisher):
    name: ClassVar[str] = "mastodon"

    def __init__(self, channel: Channel, context: Context) -> None:
        super().__init__(channel, context)
        self._account_id: str | None = None

    @property
    def instance(self) -> str:
        instance = self.option("instance")
        account = self.channel.account
        if not instance and account.count("@") == 2 and account.startswith("@"):
            instance = account.rsplit("@", 1)[1]
        if instance and "://" not in instance:
            instance = f"https://{instance}"
        return instance.rstrip("/")

    def validate(self) -> Sequence[str]:
        problems = list(super().validate())
        if not self.instance:
            problems.insert(0, f"{self.channel.name}: set options.instance (the Mastodon "
                               "server's URL), or use an @user@domain account")
        return problems

    @property
    def api_root(self) -> str:
        return self.instance

    def whoami(self) -> Identity:
        self.check()
        app = self.get_json(f"{self.instance}/api/v1/apps/verify_credentials")
        granted = app.get("scopes")
        missing: tuple[str, ...] = ()
        if isinstance(granted, list):
            missing = tuple(s for s in SCOPES
                            if s not in granted and s.split(":")[0] not in granted)
        try:
            me = self.get_json(f"{self.instance}/api/v1/accounts/verify_credentials")
        except AuthFailed as exc:
            if exc.status != 403:
                raise
            return Identity(self.channel.account, missing=missing,
                            note="the token may not read its own profile (add the profile "
                                 "scope to see which account it is)")
        return Identity(f"@{me.get('acct')}", missing=missing)

    def idempotent(self, step: Step, posted: bool) -> bool:
        """Uploads and reads are harmless to repeat; a status is never repeated (see above)."""
        return step.part is None

    def extra_headers(self, job: Job, step: Step) -> dict[str, str]:
        if step.part is None:
            return {}
        return {"Idempotency-Key": f"{job.idempotency_key}-{step.part}"}

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        data = json_of(response)
        if not data.get("id"):
            raise Rejected(f"{self.channel.name}: {step.endpoint} answered without an id",
                           status=response.status_code)
        name = step.produces or ""
        if step.file is not None and (response.status_code == 202 or not data.get("url")):
            self.poll(lambda: self._processed(str(data["id"])), f"media {data['id']}")
        values: Values = {name: str(data["id"])}
        if step.part is not None:
            values[f"{name}.url"] = data.get("url")
        return values

    def _processed(self, media_id: str) -> bool | None:
        """True once the media's `url` is there; None while Mastodon still processes it."""
        url = f"{self.instance}/api/v1/media/{quote(media_id, safe='')}"
        response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                             idempotent=True)
        ready = response.status_code == 200 and json_of(response).get("url")
        return True if ready else None

    def sent(self, job: Job, values: Values) -> Sent:
        ids = tuple(str(values[f"part:{i}"]) for i in range(len(job.variant.parts)))
        url = values.get("part:0.url")
        return Sent(remote_id=ids[0], url=str(url) if url else None, part_ids=ids)

    # -- the account's statuses -----------------------------------------------------

    def account_id(self) -> str:
        if self._account_id is None:
            data = self.get_json(f"{self.instance}/api/v1/accounts/verify_credentials")
            if not data.get("id"):
                raise OutcomeUnknown(f"{self.channel.name}: verify_credentials answered "
                                     "without an account id")
            self._account_id = str(data["id"])
        return self._account_id

    def recent(self, since: datetime) -> list[Listed] | None:
        url = f"{self.instance}/api/v1/accounts/{quote(self.account_id(), safe='')}/statuses"
        params = {"limit": "40", "exclude_reblogs": "true"}
        found: list[Listed] = []
        for _ in range(PAGES):
            response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                                 idempotent=True, params=params)
            page = response.json()
            if not isinstance(page, list):
                return None
            for status in page:
                if not isinstance(status, dict) or not status.get("id"):
                    continue
                created = _moment(status.get("created_at"))
                if created is not None and created < since:
                    return found
                parent = status.get("in_reply_to_id")
                found.append(Listed(str(status["id"]), _from_html(str(status.get("content"))),
                                    str(parent) if parent else "", status.get("url")))
            if len(page) < 40:
                return found
            params = {**params, "max_id": str(page[-1].get("id"))}
        return None

    def shown(self, text: str) -> str:
        return super().shown(_REMOTE_MENTION.sub(r"\1", text))  # shown as @user


def _from_html(content: str) -> str:
    """A status's text from the HTML Mastodon renders it as (links, mentions and tags
    keep their text; a remote mention shows only `@user`)."""
    return html.unescape(_TAG.sub("", _BREAK.sub(" ", content)))


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
