"""Meta: Facebook Pages, Instagram and Threads, all through Graph-style APIs.

Options (all three): `token_env` (a Page token for Facebook; an Instagram or
Threads user token), `graph_url` (the API root with its version: default
https://graph.facebook.com/<graph_version or v21.0>, and for Threads
https://graph.threads.net/v1.0), `media_base_url` (where the calendar's files
are served publicly, e.g. the approval site: Meta fetches images by URL; an
image's URL is this plus its path inside the calendar). Plus `page_id`
(Facebook), `ig_user_id` (Instagram), `threads_user_id` (Threads).

Instagram and Threads publish in two steps: a container, then `media_publish` /
`threads_publish`; a container with an image is polled until it is FINISHED
(bounded) before it is published. Creating containers is invisible, so those are
retried like uploads; publishing and comments are never repeated automatically.
When a publishing request's answer is lost, and in `resolve`, the account's
recent posts are searched for the text instead (Facebook `published_posts`,
Instagram `media`, Threads `threads` and `replies`).

`whoami` asks `GET /me` and `GET /debug_token` (the token inspecting itself: is it
valid, its scopes, when it and its data access expire). Facebook Page tokens made
from a long-lived user token do not expire; Instagram and Threads long-lived user
tokens last 60 days and `refresh` renews them (Threads:
`graph.threads.net/refresh_access_token`; Instagram Login tokens:
`graph.instagram.com/refresh_access_token`; Instagram through Facebook Login:
`oauth/access_token?grant_type=fb_exchange_token`, with `app_id_env` and
`app_secret_env`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import quote

import httpx

from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Credential,
    Identity,
    Job,
    PublishError,
    Refreshed,
    Rejected,
    Sent,
)
from postgen.publishers.http import secret
from postgen.publishers.rest import Listed, RestPublisher, Values, host_of, json_of, rebased
from postgen.publishers.steps import Step, public_url
from postgen.render.payloads import GRAPH_API, THREADS_API

GRAPH_VERSION = "v21.0"
INSTAGRAM_LOGIN_HOST = "graph.instagram.com"


class GraphPublisher(RestPublisher):
    """What the three share: the Graph root, public image URLs, ids in answers."""

    #: The container's state field (FINISHED when ready) and the one saying why it failed.
    status_field: ClassVar[str] = "status_code"
    detail_field: ClassVar[str] = "status"
    #: The option naming the account, the edges listing its posts, and the fields of a
    #: listed post holding its text and its time (for `recent`).
    user_option: ClassVar[str] = ""
    edges: ClassVar[tuple[str, ...]] = ()
    text_field: ClassVar[str] = "message"
    time_field: ClassVar[str] = "created_time"
    #: Posts listed per request; a full page means more than can be searched.
    PAGE = 100

    @property
    def payload_root(self) -> str:
        """The API root `build_payload` wrote into the endpoints."""
        version = self.option("graph_version")
        return f"{GRAPH_API}/{version}" if version else GRAPH_API

    @property
    def graph(self) -> str:
        default = f"{GRAPH_API}/{self.option('graph_version', GRAPH_VERSION)}"
        return self.option("graph_url", default).rstrip("/")

    def rebase(self, endpoint: str) -> str:
        return rebased(endpoint, self.payload_root, self.graph)

    # -- accounts --------------------------------------------------------------------

    #: The permissions the token needs to publish.
    scopes: ClassVar[tuple[str, ...]] = ()
    me_fields: ClassVar[str] = "id,name"

    @property
    def api_root(self) -> str:
        return self.graph

    @property
    def needed(self) -> tuple[str, ...]:
        return self.scopes

    def whoami(self) -> Identity:
        self.check()
        token = secret(self.ctx, self.channel, self.token_key)
        me = self.get_json(f"{self.graph}/me", {"fields": self.me_fields})
        who = f"{me.get('name') or me.get('username') or '?'} ({me.get('id')})"
        try:
            found = self.get_json(f"{self.graph}/debug_token", {"input_token": token},
                                  secrets=(token,)).get("data")
        except Rejected as exc:
            return Identity(who, note=f"scopes and expiry unknown: debug_token answered {exc}")
        data: Mapping[str, object] = found if isinstance(found, dict) else {}
        if data.get("is_valid") is False:
            raise AuthFailed(f"{self.channel.name}: debug_token says the token is not valid "
                             "(expired or revoked)", status=401)
        ends = [_moment(data.get(k)) for k in ("expires_at", "data_access_expires_at")]
        granted = data.get("scopes")
        missing = tuple(s for s in self.needed
                        if isinstance(granted, list) and s not in granted)
        return Identity(who, expires_at=min((e for e in ends if e), default=None),
                        missing=missing)

    def renew(self, url: str, params: dict[str, str], secrets: tuple[str, ...]) -> Refreshed:
        """The platform's renewed long-lived token (GET `url` with `params`)."""
        self.check()
        response = self.http("GET", url, headers={}, idempotent=True, params=params,
                             secrets=secrets)
        data = json_of(response)
        new, lasts = data.get("access_token"), data.get("expires_in")
        if not isinstance(new, str) or not new:
            raise Rejected(f"{self.channel.name}: the refresh answered without a token")
        until = (self.ctx.now() + timedelta(seconds=lasts)
                 if isinstance(lasts, int | float) else None)
        return Refreshed(new, until)

    def start(self, job: Job, *, live: bool) -> Values:
        media = job.variant.media
        base = self.option("media_base_url")
        if not media or (not base and not live):
            return {}
        if not base:
            raise ConfigProblem(f"{self.channel.name}: set options.media_base_url: Meta fetches "
                                "images from a public URL (where the approval site serves the "
                                "calendar's files, say)")
        return {f"image_url:{i}": public_url(base, m, self.ctx.root) for i, m in enumerate(media)}

    def idempotent(self, step: Step, posted: bool) -> bool:
        """Containers and unpublished photos are invisible; publishing and comments are not."""
        return step.produces is not None and step.part is None

    def produced(self, job: Job, step: Step, response: httpx.Response) -> Values:
        name = step.produces
        if name is None:
            return {}
        data = json_of(response)
        found = data.get("post_id") or data.get("id")
        if not found:
            raise Rejected(f"{self.channel.name}: {step.endpoint} answered without an id",
                           status=response.status_code)
        if name.startswith(("container:", "child:")) and self.needs_wait(step):
            self.poll(lambda: self.ready(str(found)), f"container {found}")
        return {name: str(found)}

    def needs_wait(self, step: Step) -> bool:
        return True

    def ready(self, container: str) -> bool | None:
        """True once the container is FINISHED; None while in progress; Rejected on ERROR."""
        data = self.get(container, f"{self.status_field},{self.detail_field}")
        state = str(data.get(self.status_field) or "")
        if state in ("FINISHED", "PUBLISHED"):
            return True
        if state in ("ERROR", "EXPIRED"):
            why = data.get(self.detail_field) or state
            raise Rejected(f"{self.channel.name}: container {container}: {why}")
        return None

    def get(self, object_id: str, fields: str) -> dict[str, object]:
        url = f"{self.graph}/{quote(object_id, safe='')}"
        response = self.http("GET", url, headers=self.auth_headers(url, live=True),
                             idempotent=True, params={"fields": fields})
        return json_of(response)

    def permalink(self, object_id: str) -> str | None:
        """The post's public URL; None if the API will not say (the post exists anyway)."""
        try:
            link = self.get(object_id, "permalink").get("permalink")
        except PublishError:
            return None
        return str(link) if link else None

    def sent(self, job: Job, values: Values) -> Sent:
        ids = tuple(str(values[f"part:{i}"]) for i in range(len(job.variant.parts)))
        return Sent(remote_id=ids[0], url=self.permalink(ids[0]), part_ids=ids)

    def part_text(self, job: Job, step: Step) -> str:
        return job.variant.text  # one part: the whole text (Threads: each part's)

    def recent(self, since: datetime) -> list[Listed] | None:
        """The account's posts since `since`, from each of its listing edges."""
        user = self.option(self.user_option)
        found: list[Listed] = []
        for edge in self.edges:
            url = f"{self.graph}/{quote(user, safe='')}/{edge}"
            params = {"fields": f"id,{self.text_field},{self.time_field}",
                      "since": str(int(since.timestamp())), "limit": str(self.PAGE)}
            data = json_of(self.http("GET", url, headers=self.auth_headers(url, live=True),
                                     idempotent=True, params=params)).get("data")
            if not isinstance(data, list) or len(data) >= self.PAGE:
                return None
            found += [Listed(str(item["id"]), str(item.get(self.text_field) or ""))
                      for item in data if isinstance(item, dict) and item.get("id")
                      and _after(item.get(self.time_field), since)]
        return found if self.edges else None


def _after(value: object, since: datetime) -> bool:
    """A Graph time (`2027-03-02T09:31:00+0000`) not before `since`; True if unreadable."""
    try:
        return datetime.fromisoformat(str(value)) >= since
    except ValueError:
        return True


def _unversioned(root: str) -> str:
    """The API root without its version: the refresh endpoints have none."""
    return re.sub(r"/v\d+(?:\.\d+)?$", "", root)


def _moment(value: object) -> datetime | None:
    """A Graph time (Unix seconds; 0 means never)."""
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) and value > 0 else None


class FacebookPublisher(GraphPublisher):
    name: ClassVar[str] = "facebook"
    required: ClassVar[tuple[str, ...]] = ("page_id",)
    user_option: ClassVar[str] = "page_id"
    edges: ClassVar[tuple[str, ...]] = ("published_posts",)
    scopes: ClassVar[tuple[str, ...]] = ("pages_manage_posts", "pages_read_engagement")

    def sent(self, job: Job, values: Values) -> Sent:
        post = str(values["part:0"])
        return Sent(remote_id=post, url=f"https://www.facebook.com/{post}", part_ids=(post,))


class InstagramPublisher(GraphPublisher):
    name: ClassVar[str] = "instagram"
    required: ClassVar[tuple[str, ...]] = ("ig_user_id",)
    user_option: ClassVar[str] = "ig_user_id"
    edges: ClassVar[tuple[str, ...]] = ("media",)
    text_field: ClassVar[str] = "caption"
    time_field: ClassVar[str] = "timestamp"
    me_fields: ClassVar[str] = "id,username"

    @property
    def instagram_login(self) -> bool:
        """A token from Instagram Login (graph.instagram.com), not Facebook Login."""
        return host_of(self.graph).split(":")[0] == INSTAGRAM_LOGIN_HOST

    @property
    def needed(self) -> tuple[str, ...]:
        if self.instagram_login:
            return ("instagram_business_basic", "instagram_business_content_publish")
        return ("instagram_basic", "instagram_content_publish")

    def credentials(self) -> Sequence[Credential]:
        host = host_of(self.graph)
        return [*super().credentials(),
                *(Credential(name, host, app=True) for key in ("app_id", "app_secret")
                  if (name := self.option(f"{key}_env")))]

    def refresh(self) -> Refreshed:
        """Instagram Login tokens: `refresh_access_token`; Facebook Login ones: a new
        long-lived token through `fb_exchange_token`, with the app's id and secret."""
        token = secret(self.ctx, self.channel, self.token_key)
        if self.instagram_login:
            return self.renew(f"{_unversioned(self.graph)}/refresh_access_token",
                              {"grant_type": "ig_refresh_token", "access_token": token},
                              (token,))
        app_id = secret(self.ctx, self.channel, "app_id")
        app_secret = secret(self.ctx, self.channel, "app_secret")
        return self.renew(f"{self.graph}/oauth/access_token",
                          {"grant_type": "fb_exchange_token", "client_id": app_id,
                           "client_secret": app_secret, "fb_exchange_token": token},
                          (token, app_secret))

    def validate(self) -> Sequence[str]:
        problems = list(super().validate())
        if not self.option("media_base_url"):
            problems.insert(0, f"{self.channel.name}: set options.media_base_url (the public "
                               "URL the calendar's images are served under): Instagram posts "
                               "need an image it can fetch")
        return problems


class ThreadsPublisher(GraphPublisher):
    name: ClassVar[str] = "threads"
    required: ClassVar[tuple[str, ...]] = ("threads_user_id",)
    status_field: ClassVar[str] = "status"
    detail_field: ClassVar[str] = "error_message"
    user_option: ClassVar[str] = "threads_user_id"
    edges: ClassVar[tuple[str, ...]] = ("threads", "replies")  # a thread's parts are replies
    text_field: ClassVar[str] = "text"
    time_field: ClassVar[str] = "timestamp"

    def part_text(self, job: Job, step: Step) -> str:
        return job.variant.parts[step.part or 0].text
    scopes: ClassVar[tuple[str, ...]] = ("threads_basic", "threads_content_publish")
    me_fields: ClassVar[str] = "id,username"

    def refresh(self) -> Refreshed:
        """`refresh_access_token`: a token at least a day old, not yet expired."""
        token = secret(self.ctx, self.channel, self.token_key)
        return self.renew(f"{_unversioned(self.graph)}/refresh_access_token",
                          {"grant_type": "th_refresh_token", "access_token": token}, (token,))

    @property
    def payload_root(self) -> str:
        return THREADS_API

    @property
    def graph(self) -> str:
        return self.option("graph_url", THREADS_API).rstrip("/")

    def needs_wait(self, step: Step) -> bool:
        """Text containers are ready at once; images and carousels take processing."""
        body = step.body
        return not (isinstance(body, dict) and body.get("media_type") == "TEXT")
