"""Mastodon: media through `POST /api/v2/media`, statuses through `POST /api/v1/statuses`.

Options: `instance` (the server's URL; default: the domain of an
`@user@domain` account), `token_env` (a token with `write:statuses`,
`write:media` and `read:accounts`, `read:statuses` to look its statuses up).

Every status carries `Idempotency-Key: <job key>-<part index>`. Mastodon keeps
the key for an hour after the status was created, but a server without the
idempotency lock (Mastodon's PR #37879) makes a second status when a repeat
arrives while the first create is still going on (a 504 from a proxy, an answer
slower than the timeout). So a status is never repeated in a run: when its
answer is lost, the account's recent statuses
(`GET /api/v1/accounts/:id/statuses`) are searched for one with the same text
(replying to the part before), and only a status seen there counts as sent.
`resolve` does the same on the next run: every part found is sent; none found
is not sent (the run then sends it, if it is still due); some parts of a thread
found means the rest are sent, replying to the last part found, while the post
is within its grace window.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from postgen.models import Channel
from postgen.publishers.base import Context, Job, OutcomeUnknown, PublishError, Rejected, Sent
from postgen.publishers.rest import RestPublisher, Values, json_of
from postgen.publishers.steps import Step, steps_of

#: Statuses made this long before the recorded intent are not looked at (the margin
#: covers a clock skew between the ledger's clock and the server's).
LOOKBACK = timedelta(minutes=30)
#: Pages of 40 statuses searched at most; an account busier than that since the intent
#: cannot be told apart by hand-free means.
PAGES = 5
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
        if step.part is not None:
            return _part_values(step.part, data)
        return {name: str(data["id"])}

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

    # -- looking statuses up --------------------------------------------------------

    def look_up(self, job: Job, step: Step, values: Values) -> Values | None:
        if step.part is None:
            return None
        parent = values.get(f"part:{step.part - 1}") if step.part else None
        try:
            statuses = self.recent(self.ctx.clock() - LOOKBACK)
        except PublishError:
            return None
        found = _match(statuses or [], _text(step), None if parent is None else str(parent))
        return None if found is None else _part_values(step.part, found)

    def resolve(self, job: Job) -> Sent | None:
        """What the account's statuses show: every part (sent), none (not sent), or some
        (the rest sent now, within the grace window; else a person decides)."""
        self.check()
        began = job.intent_at or job.variant.date
        statuses = self.recent(began + (self.ctx.clock() - self.ctx.now()) - LOOKBACK)
        if statuses is None:
            raise OutcomeUnknown(
                f"{self.channel.name}: {self.channel.account} has posted more than "
                f"{PAGES * 40} statuses since the send began; check it by hand for "
                f"{job.variant.post_id}, then record what you find with `postgen ledger "
                "resolve`")
        found: dict[int, Values] = {}
        parent: str | None = None
        for step in steps_of(job.variant):
            if step.part is None:
                continue
            status = _match(statuses, _text(step), parent)
            if status is None:
                break
            found[step.part] = _part_values(step.part, status)
            parent = str(status["id"])
        n = len(job.variant.parts)
        if not found:
            return None
        if len(found) == n:
            values = {k: v for part in found.values() for k, v in part.items()}
            return self.sent(job, values)
        seen = ", ".join(f"{i + 1} ({found[i][f'part:{i}']})" for i in sorted(found))
        if not job.can_send:
            raise OutcomeUnknown(
                f"{self.channel.name}: part(s) {seen} of the {n}-part thread are on "
                f"{self.channel.account}, the rest are not, and the post's grace window has "
                "ended: finish the thread by hand or record what is there with `postgen "
                f"ledger resolve --sent --parts {len(found)}`")
        return self.finish(job, found)

    def account_id(self) -> str:
        if self._account_id is None:
            url = f"{self.instance}/api/v1/accounts/verify_credentials"
            data = json_of(self.http("GET", url, headers=self.auth_headers(url, live=True),
                                     idempotent=True))
            if not data.get("id"):
                raise OutcomeUnknown(f"{self.channel.name}: verify_credentials answered "
                                     "without an account id")
            self._account_id = str(data["id"])
        return self._account_id

    def recent(self, since: datetime) -> list[Mapping[str, Any]] | None:
        """The account's own statuses created since `since`, newest first; None when there
        are more than `PAGES` pages of them."""
        url = f"{self.instance}/api/v1/accounts/{quote(self.account_id(), safe='')}/statuses"
        params = {"limit": "40", "exclude_reblogs": "true"}
        found: list[Mapping[str, Any]] = []
        for _ in range(PAGES):
            response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                                 idempotent=True, params=params)
            page = response.json()
            if not isinstance(page, list) or not page:
                return found
            for status in page:
                if not isinstance(status, dict) or not status.get("id"):
                    continue
                created = _moment(status.get("created_at"))
                if created is not None and created < since:
                    return found
                found.append(status)
            if len(page) < 40:
                return found
            params = {**params, "max_id": str(found[-1]["id"])}
        return None


def _text(step: Step) -> str:
    body = step.body if isinstance(step.body, Mapping) else {}
    return str(body.get("status", ""))


def _match(statuses: Sequence[Mapping[str, Any]], text: str,
           parent: str | None) -> Mapping[str, Any] | None:
    """The oldest status showing `text` (replying to `parent`, when given)."""
    wanted = _plain(_REMOTE_MENTION.sub(r"\1", text))
    for status in reversed(statuses):
        if parent is not None and str(status.get("in_reply_to_id")) != parent:
            continue
        if _plain(_from_html(str(status.get("content") or ""))) == wanted:
            return dict(status)
    return None


def _from_html(content: str) -> str:
    """A status's text from the HTML Mastodon renders it as (links, mentions and tags
    keep their text; a remote mention shows only `@user`)."""
    return html.unescape(_TAG.sub("", _BREAK.sub(" ", content)))


def _plain(text: str) -> str:
    return " ".join(text.split())


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _part_values(part: int, data: Mapping[str, Any]) -> Values:
    return {f"part:{part}": str(data["id"]), f"part:{part}.url": data.get("url")}


def _parts(values: Values, n: int) -> tuple[str, ...]:
    return tuple(str(values[f"part:{i}"]) for i in range(n))
