"""Mastodon: media through `POST /api/v2/media`, statuses through `POST /api/v1/statuses`.

Options: `instance` (the server's URL; default: the domain of an
`@user@domain` account), `token_env` (a token with `write:statuses` and
`write:media`; add `profile` so `postgen accounts check` can name the account).

`whoami` asks `GET /api/v1/apps/verify_credentials` (any token; since Mastodon
4.3 it lists the app's scopes, which bound the token's) and
`GET /api/v1/accounts/verify_credentials` (needs `profile` or `read:accounts`).
Mastodon's tokens do not expire; a revoked one answers 401.

Every status carries `Idempotency-Key: <job key>-<part index>`: Mastodon keeps
the key for an hour after the status was created and answers a repeat with the
status it already made, so statuses are retried like any idempotent request,
and `resolve` within that hour is simply sending again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar
from urllib.parse import quote

import httpx

from postgen.publishers.base import AuthFailed, Identity, Job, OutcomeUnknown, Rejected, Sent
from postgen.publishers.rest import RestPublisher, Values, json_of
from postgen.publishers.steps import Step

#: The scopes a token needs to post (a broader `write` covers both).
SCOPES = ("write:statuses", "write:media")
#: How long Mastodon remembers an Idempotency-Key, less a margin for clock skew.
IDEMPOTENCY_WINDOW = timedelta(hours=1) - timedelta(minutes=5)


class MastodonPublisher(RestPublisher):
    name: ClassVar[str] = "mastodon"

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
        return True  # uploads are harmless to repeat; statuses carry an Idempotency-Key

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
        ids = _parts(values, len(job.variant.parts))
        url = values.get("part:0.url")
        return Sent(remote_id=ids[0], url=str(url) if url else None, part_ids=ids)

    def resolve(self, job: Job) -> Sent | None:
        """Within Mastodon's hour, send again: the same keys return the same statuses.

        The ledger's intent is when the send started (the post's scheduled time is
        the earliest it could have, if the intent time is unknown).
        """
        age = self.ctx.now() - (job.intent_at or job.variant.date)
        if timedelta(0) <= age < IDEMPOTENCY_WINDOW:
            return self.send(job)
        raise OutcomeUnknown(
            f"{self.channel.name}: Mastodon only recognises a repeated Idempotency-Key for an "
            f"hour; check {self.channel.account} by hand for {job.variant.post_id}, then "
            "record what you find with `postgen ledger resolve`")


def _parts(values: Values, n: int) -> tuple[str, ...]:
    return tuple(str(values[f"part:{i}"]) for i in range(n))
