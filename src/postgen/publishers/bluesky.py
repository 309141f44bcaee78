"""Bluesky (AT Protocol): a session, `uploadBlob` per image, `createRecord` per part.

Options: `handle` (the login identifier; default: the channel's account),
`app_password_env` (an app password, never the account password), `pds`
(default https://bsky.social).

Each record gets a client-chosen `rkey`: a TID derived from the job's
idempotency key, the part and the post's time, so the same part always gets
the same key. Creating it twice fails instead of duplicating, which makes the
whole send safe to repeat: when a create fails, `getRecord` tells whether an
earlier attempt made it. `resolve` asks `getRecord` for every part. A record
found under the key counts only if it holds the part's text: two posts made in
the same second can draw the same key (about one pair in a million).

`whoami` opens a session and asks `com.atproto.server.getSession`. App passwords do
not expire; a revoked one fails `createSession` (401). A session opened with the
account's own password (its token's scope is `com.atproto.access`, not an app
password's `com.atproto.appPass`) is reported as the wrong credential.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx

from postgen.models import Channel
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    Identity,
    Job,
    OutcomeUnknown,
    PublishError,
    Rejected,
    Request,
    Sent,
)
from postgen.publishers.http import secret
from postgen.publishers.rest import RestPublisher, Values, json_of
from postgen.publishers.steps import Step, steps_of
from postgen.render.payloads import BLUESKY_PDS, SET_BY_PUBLISHER

COLLECTION = "app.bsky.feed.post"
#: The scope of a session opened with an app password (privileged or not).
APP_PASSWORD_SCOPES = ("com.atproto.appPass", "com.atproto.appPassPrivileged")
S32 = "234567abcdefghijklmnopqrstuvwxyz"


def tid(key: str, part: int, when: datetime) -> str:
    """A TID (13 characters, base32-sortable) that is always the same for (key, part).

    Microseconds since 1970 in 53 bits: the post's second, then a millisecond
    taken from the key's hash, then the part; 10 bits of clock id also from the
    hash. Parts of one thread sort in order; two posts in the same second
    differ unless about 2^20 hash values collide.
    """
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = int(when.timestamp()) * 1_000_000 + (h % 1000) * 1000 + part % 1000
    clock = (h >> 10) & 0x3FF
    return _s32(micros, 11) + _s32(clock, 2)


def _s32(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        out = S32[n & 31] + out
        n >>= 5
    return out


@dataclass(frozen=True)
class Session:
    access: str
    did: str
    handle: str


class BlueskyPublisher(RestPublisher):
    name: ClassVar[str] = "bluesky"
    token_key: ClassVar[str] = "app_password"
    repeatable: ClassVar[bool] = True

    def __init__(self, channel: Channel, context: Context) -> None:
        super().__init__(channel, context)
        self._session: Session | None = None
        self._dids: dict[str, str | None] = {}

    @property
    def xrpc(self) -> str:
        return self.option("pds", BLUESKY_PDS).rstrip("/") + "/xrpc"

    @property
    def handle(self) -> str:
        return self.option("handle", self.channel.account).lstrip("@")

    @property
    def api_root(self) -> str:
        return self.xrpc

    def whoami(self) -> Identity:
        self.check()
        session = self.session()
        data = self.get_json(f"{self.xrpc}/com.atproto.server.getSession")
        if data.get("active") is False:
            status = data.get("status") or "not active"
            raise Rejected(f"{self.channel.name}: the account is {status} on its PDS")
        scope = _jwt_scope(session.access)
        missing = ("an app password",) if scope and scope not in APP_PASSWORD_SCOPES else ()
        note = ("the password is the account's own: create an app password (Settings > "
                "Privacy and security > App passwords) and use it instead") if missing else ""
        return Identity(f"@{data.get('handle') or session.handle} ({session.did})",
                        missing=missing, note=note)

    # -- the session ---------------------------------------------------------------

    def session(self) -> Session:
        """One session per publisher: createSession is limited to 30 per 5 minutes."""
        if self._session is None:
            password = secret(self.ctx, self.channel, self.token_key)
            response = self.http("POST", f"{self.xrpc}/com.atproto.server.createSession",
                                 headers={}, idempotent=True, secrets=(password,),
                                 json={"identifier": self.handle, "password": password})
            data = json_of(response)
            if not data.get("accessJwt") or not data.get("did"):
                raise AuthFailed(f"{self.channel.name}: createSession answered without a "
                                 "session")
            self._session = Session(str(data["accessJwt"]), str(data["did"]),
                                    str(data.get("handle") or self.handle))
        return self._session

    def auth_headers(self, url: str, *, live: bool) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session().access if live else '***'}"}

    def start(self, job: Job, *, live: bool) -> Values:
        return {"did": self.session().did} if live else {}

    def prologue(self, job: Job) -> list[Request]:
        shown = [Request("POST", f"{self.xrpc}/com.atproto.server.createSession", {},
                         {"identifier": self.handle, "password": "***"})]
        for handle in _mentions(job):
            shown.append(Request("GET", f"{self.xrpc}/com.atproto.identity.resolveHandle"
                                        f"?handle={handle}", {"Authorization": "Bearer ***"}))
        return shown

    # -- records -------------------------------------------------------------------

    def idempotent(self, step: Step, posted: bool) -> bool:
        return True  # blobs are content-addressed; records have a client-chosen rkey

    def rkey(self, job: Job, part: int) -> str:
        return tid(job.idempotency_key, part, job.variant.date)

    def adjust(self, job: Job, step: Step, body: object, *, live: bool) -> object:
        if step.part is None or not isinstance(body, dict):
            return body
        if body.get("rkey") == SET_BY_PUBLISHER:
            body["rkey"] = self.rkey(job, step.part)
        record = body.get("record")
        if live and isinstance(record, dict) and isinstance(record.get("facets"), list):
            record["facets"] = [f for f in (self._resolved(f) for f in record["facets"]) if f]
        return body

    def _resolved(self, facet: Any) -> Any:
        """A mention facet with its `handle:` resolved to a DID; None if it does not resolve
        (the text still shows the @handle, as Bluesky's own app does)."""
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(features, list):
            return facet
        for feature in features:
            did = feature.get("did") if isinstance(feature, dict) else None
            if isinstance(did, str) and did.startswith("handle:"):
                found = self.resolve_handle(did.removeprefix("handle:"))
                if found is None:
                    return None
                feature["did"] = found
        return facet

    def resolve_handle(self, handle: str) -> str | None:
        if handle not in self._dids:
            url = f"{self.xrpc}/com.atproto.identity.resolveHandle"
            try:
                response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                                     idempotent=True, params={"handle": handle})
            except Rejected:
                self._dids[handle] = None
            else:
                did = json_of(response).get("did")
                self._dids[handle] = str(did) if did else None
        return self._dids[handle]

    def perform(self, job: Job, step: Step, values: Values, *, posted: bool) -> None:
        try:
            super().perform(job, step, values, posted=posted)
        except (AuthFailed, ConfigProblem):
            raise
        except PublishError:
            if step.part is None:
                raise
            rkey = self.rkey(job, step.part)
            found = self.get_record(rkey)  # an earlier try made it?
            if found is None:
                raise
            if not _holds(found, job, step.part):
                raise Rejected(f"{self.channel.name}: record key {rkey} already holds another "
                               f"post ({found.get('uri')}), one made in the same second; "
                               "change this post's text or time to send it") from None
            values.update(_record_values(step.part, found))

    def get_record(self, rkey: str) -> Mapping[str, Any] | None:
        url = f"{self.xrpc}/com.atproto.repo.getRecord"
        params = {"repo": self.session().did, "collection": COLLECTION, "rkey": rkey}
        try:
            response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                                 idempotent=True, params=params)
        except Rejected as exc:
            if "RecordNotFound" in str(exc):
                return None
            raise
        return json_of(response)

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        data = json_of(response)
        name = step.produces or ""
        if step.part is not None:
            return _record_values(step.part, data)
        if name.startswith("blob:") and isinstance(data.get("blob"), dict):
            return {name: data["blob"]}
        raise Rejected(f"{self.channel.name}: {step.endpoint} answered without a blob",
                       status=response.status_code)

    def sent(self, job: Job, values: Values) -> Sent:
        uris = tuple(str(values[f"part:{i}.uri"]) for i in range(len(job.variant.parts)))
        handle = self._session.handle if self._session else self.handle
        url = f"https://bsky.app/profile/{handle}/post/{uris[0].rsplit('/', 1)[-1]}"
        return Sent(remote_id=uris[0], url=url, part_ids=uris)

    def resolve(self, job: Job) -> Sent | None:
        """Every part found: Sent; none: None (not posted); some: finish the thread (within
        the grace window)."""
        self.check()
        n = len(job.variant.parts)
        found = [f if f is not None and _holds(f, job, i) else None  # another post's key
                 for i in range(n) for f in [self.get_record(self.rkey(job, i))]]
        if all(f is None for f in found):
            return None
        if any(f is None for f in found):
            if not job.can_send:  # past the grace window: nothing is sent late
                seen = ", ".join(str(i + 1) for i, f in enumerate(found) if f is not None)
                raise OutcomeUnknown(
                    f"{self.channel.name}: part(s) {seen} of the {n}-part thread are posted, "
                    "the rest are not, and the post's grace window has ended: finish the "
                    "thread by hand or record what is there with `postgen ledger resolve "
                    f"--sent --parts {n - found.count(None)}`")
            return self.send(job)  # the parts that exist are recognised by their rkeys
        values: Values = {}
        for i, record in enumerate(found):
            values.update(_record_values(i, record or {}))
        return self.sent(job, values)


def _holds(record: Mapping[str, Any], job: Job, part: int) -> bool:
    """The record is this part's: its text is the part's (two posts made in the same
    second can draw the same record key)."""
    value = record.get("value")
    text = value.get("text") if isinstance(value, Mapping) else None
    for step in steps_of(job.variant):
        body = step.body if step.part == part and isinstance(step.body, Mapping) else {}
        mine = body.get("record")
        if isinstance(mine, Mapping):
            return text == mine.get("text")
    return True  # no text to compare: the key decides


def _record_values(part: int, data: Mapping[str, Any]) -> Values:
    uri, cid = data.get("uri"), data.get("cid")
    if not uri or not cid:
        raise Rejected(f"record {part} came back without uri and cid")
    return {f"part:{part}": str(uri), f"part:{part}.uri": str(uri), f"part:{part}.cid": str(cid)}


def _jwt_scope(token: str) -> str:
    """The `scope` claim of a session token (read, not verified: the PDS did that);
    "" when the token is not a JWT this can read."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return ""
    scope = claims.get("scope") if isinstance(claims, dict) else None
    return scope if isinstance(scope, str) else ""


def _mentions(job: Job) -> Sequence[str]:
    handles = [f.value for p in job.variant.parts for f in p.facets
               if f.kind == "mention" and not f.value.startswith("did:")]
    return list(dict.fromkeys(handles))
