"""A generic webhook: the variant as JSON, POSTed to a URL of your choosing, signed.

Options: `url`, `secret_env` (the shared secret for the signature), `health_url`
(optional: a URL `postgen accounts check` GETs, expecting a 2xx; the secret is
not sent to it).

The body is `{post_id, channel, platform, hash, date, parts, media, links,
payload}`; `X-Postgen-Signature: sha256=<hex>` is the HMAC-SHA256 of the exact
body bytes under the secret, and `Idempotency-Key` is the job's key, so the
receiver can drop a repeat; that makes the request safe to retry. Any 2xx
counts as sent; the remote id is the answer's JSON `id` if it has one, else the
key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from postgen.models import Channel
from postgen.publishers.base import (
    ConfigProblem,
    Context,
    Credential,
    Identity,
    Job,
    OutcomeUnknown,
    Request,
    Sent,
)
from postgen.publishers.document import variant_document
from postgen.publishers.http import DEFAULT_POLICY, call, env_name, missing_secrets, secret
from postgen.publishers.rest import host_of, json_of

FIELDS = ("post_id", "channel", "platform", "hash", "date", "parts", "media", "links", "payload")


class WebhookPublisher:
    name: ClassVar[str] = "webhook"

    def __init__(self, channel: Channel, context: Context) -> None:
        self.channel = channel
        self.ctx = context
        self.policy = DEFAULT_POLICY

    @property
    def url(self) -> str:
        return str(self.channel.options.get("url") or "")

    def validate(self) -> Sequence[str]:
        problems: list[str] = []
        if urlsplit(self.url).scheme not in ("http", "https"):
            problems.append(f"{self.channel.name}: set options.url to the webhook's "
                            "http(s) URL")
        return problems + missing_secrets(self.ctx, self.channel, "secret")

    def credentials(self) -> Sequence[Credential]:
        """The secret is never sent, but what it signs goes to the webhook's host."""
        name = self.channel.options.get("secret_env")
        return [Credential(name, host_of(self.url))] if isinstance(name, str) and name else []

    def whoami(self) -> Identity:
        """The receiver's `health_url`, if one is set: any 2xx answer is healthy."""
        problems = self.validate()
        if problems:
            raise ConfigProblem("; ".join(problems))
        health = str(self.channel.options.get("health_url") or "")
        if not health:
            return Identity(host_of(self.url), note="nothing to ask: set options.health_url "
                                                    "to have the receiver checked")
        call(self.ctx, "GET", health, idempotent=True, headers={}, policy=self.policy)
        return Identity(host_of(self.url), note=f"{host_of(health)} answered its health check")

    def body(self, job: Job) -> bytes:
        document = variant_document(job.variant)
        return json.dumps({k: document[k] for k in FIELDS}, ensure_ascii=False,
                          sort_keys=True, separators=(",", ":")).encode()

    def headers(self, job: Job, body: bytes, key: str) -> dict[str, str]:
        digest = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "Idempotency-Key": job.idempotency_key,
                "X-Postgen-Signature": f"sha256={digest}"}

    def describe(self, job: Job) -> Sequence[Request]:
        body = json.loads(self.body(job))
        headers = {"Content-Type": "application/json", "Idempotency-Key": job.idempotency_key,
                   "X-Postgen-Signature": "sha256=***"}
        return [Request("POST", self.url, headers, body)]

    def send(self, job: Job) -> Sent:
        problems = self.validate()
        if problems:
            raise ConfigProblem("; ".join(problems))
        body = self.body(job)
        key = secret(self.ctx, self.channel, "secret")
        response = call(self.ctx, "POST", self.url, idempotent=True,
                        headers=self.headers(job, body, key), content=body, policy=self.policy,
                        auth_env=env_name(self.channel, "secret"), secrets=(key,),
                        publishes=True)
        data = json_of(response)
        remote = data.get("id")
        url = data.get("url")
        return Sent(remote_id=str(remote) if remote else job.idempotency_key,
                    url=str(url) if url else None)

    def resolve(self, job: Job) -> Sent | None:
        raise OutcomeUnknown(
            f"{self.channel.name}: the webhook cannot be asked whether it received "
            f"{job.variant.post_id}; check the receiver for Idempotency-Key "
            f"{job.idempotency_key}, then record what you find with `postgen ledger resolve`")
