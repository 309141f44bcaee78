"""Invitation links and sessions, signed with the key in `review.secret_env`.

An invitation link carries the reviewer, a link id and an expiry, signed
(itsdangerous: HMAC-SHA1 over the payload, with a salt per use). Opening it
sets a session cookie carrying the same, plus a session id from which the
CSRF token of every form is derived. A link (and any session it opened) stops
working when it expires, when its id or its reviewer is listed in
`review.revoked`, or when the key is changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from postgen import approvals
from postgen.errors import PostgenError
from postgen.models import CalendarConfig, ReviewSettings

LINK_PATH = "/_review/open"
COOKIE = "postgen_review"
_LINK_SALT, _SESSION_SALT, _CSRF_SALT = "postgen-link", "postgen-session", b"postgen-csrf"


class LinkRefused(Exception):
    """A link or session that lets nobody in; `str()` is what the reviewer is told."""


@dataclass(frozen=True)
class Grant:
    reviewer: str
    link: str  # the link's id, for revoking it
    expires: int  # epoch seconds
    session: str = ""  # set once the link was opened


def secret_of(settings: ReviewSettings, env: dict[str, str] | None = None) -> str:
    import os

    value = (env if env is not None else os.environ).get(settings.secret_env, "")
    if len(value) < 16:
        raise PostgenError(f"set {settings.secret_env} to a random key of at least 16 "
                           "characters (it signs the invitation links): e.g. "
                           "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return value


class Keys:
    """Signs and checks links, sessions and CSRF tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self._links = URLSafeSerializer(secret, salt=_LINK_SALT)
        self._sessions = URLSafeSerializer(secret, salt=_SESSION_SALT)
        self._csrf_key = hashlib.sha256(_CSRF_SALT + secret.encode()).digest()

    def mint(self, config: CalendarConfig, reviewer: str, now: datetime,
             days: int | None = None) -> tuple[str, Grant]:
        """A link for a reviewer listed in approval.reviewers."""
        settings = _settings(config)
        listed = config.approval.reviewers
        if not listed:
            raise PostgenError("list the reviewers in mkdocs.yml (approval.reviewers) before "
                               "inviting anyone: a link names one of them")
        match = [r for r in listed if r.lower() == reviewer.lower()]
        if not match:
            raise PostgenError(f"'{reviewer}' is not a reviewer of this calendar "
                               f"(approval.reviewers: {', '.join(listed)})")
        expires = now + timedelta(days=days or settings.link_days)
        grant = Grant(match[0], secrets.token_hex(8), int(expires.timestamp()))
        token = self._links.dumps({"r": grant.reviewer, "i": grant.link, "e": grant.expires})
        return f"{settings.url}{LINK_PATH}?t={token}", grant

    def open(self, config: CalendarConfig, token: str, now: datetime) -> Grant:
        """The grant a link's token carries, if it still lets its reviewer in."""
        data = _loads(self._links, token)
        grant = Grant(data["r"], data["i"], int(data["e"]), session=secrets.token_hex(16))
        check(config, grant, now)
        return grant

    def cookie(self, grant: Grant) -> str:
        return self._sessions.dumps({"r": grant.reviewer, "i": grant.link, "e": grant.expires,
                                     "s": grant.session})

    def session(self, config: CalendarConfig, cookie: str, now: datetime) -> Grant:
        data = _loads(self._sessions, cookie)
        grant = Grant(data["r"], data["i"], int(data["e"]), data.get("s", ""))
        check(config, grant, now)
        return grant

    def csrf(self, grant: Grant) -> str:
        return hmac.new(self._csrf_key, grant.session.encode(), "sha256").hexdigest()

    def csrf_ok(self, grant: Grant, token: str) -> bool:
        return hmac.compare_digest(self.csrf(grant), token)


def check(config: CalendarConfig, grant: Grant, now: datetime) -> None:
    settings = _settings(config)
    revoked = {r.lower() for r in settings.revoked}
    if grant.link.lower() in revoked or grant.reviewer.lower() in revoked:
        raise LinkRefused("This link has been withdrawn. Ask the agency for a new one.")
    if now.timestamp() >= grant.expires:
        raise LinkRefused("This link has expired. Ask the agency for a new one.")
    if not config.approval.reviewers or not approvals.allowed(config, grant.reviewer):
        raise LinkRefused("This link's reviewer is no longer on the calendar's list of "
                          "reviewers. Ask the agency for a new link.")


def _loads(serializer: URLSafeSerializer, token: str) -> dict[str, str]:
    try:
        data = serializer.loads(token)
    except BadSignature:
        raise LinkRefused("This link is not valid: it was changed or was not made by the "
                          "agency. Open the link exactly as it came in your email, or ask "
                          "for a new one.") from None
    if (not isinstance(data, dict) or not {"r", "i", "e"} <= data.keys()
            or not all(isinstance(v, str | int) for v in data.values())):
        raise LinkRefused("This link is not valid. Ask the agency for a new one.")
    return {k: str(v) for k, v in data.items()}


def _settings(config: CalendarConfig) -> ReviewSettings:
    if config.review is None:
        raise PostgenError("mkdocs.yml has no 'review:' settings under the postgen plugin "
                           "(see docs/review.md)")
    return config.review
