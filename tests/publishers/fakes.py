"""Fake platforms on 127.0.0.1: real HTTP servers that speak each platform's API.

A `FakeServer` runs one `FakeAPI` in a thread. The API checks what a real
platform checks (method, path, auth header, content type, body shape, ids
that must exist) and records what it should never see in `violations`; the
server records every request and can be told to fail the next matching ones:
an answer of the platform's own (429 with its reset header, 500, 401, 422),
a delay longer than the client's timeout, or a dropped connection, before or
after the platform acted on the request.
"""

from __future__ import annotations

import io
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

#: Longer than the clients' timeout in these tests (see conftest.TIMEOUT).
SLOW = 0.8


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # decoded, without the query
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    raw_query: str = ""  # as sent: repeated names (`uris=a&uris=b`) survive here

    def params(self, name: str) -> list[str]:
        return [v for k, v in parse_qsl(self.raw_query) if k == name]

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
        """A multipart body: (fields, files as (filename, content type, bytes))."""
        head = f"Content-Type: {self.headers.get('content-type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[str(name)] = (filename, part.get_content_type(), data)
            else:
                fields[str(name)] = data.decode()
        return fields, files


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # JSON unless bytes
    headers: dict[str, str] = field(default_factory=dict)


#: How long a "late" fault's platform goes on with the request after answering 504.
LATE = 0.25


@dataclass(frozen=True)
class Fault:
    kind: str  # "reply", "timeout", "reset" or "late"
    reply: Reply | None = None
    after: bool = False  # act on the request first (the platform did it), then fail


def answer(status: int, body: Any = None, **headers: str) -> Fault:
    return Fault("reply", Reply(status, body, {k.replace("_", "-"): v
                                               for k, v in headers.items()}))


def timeout(*, after: bool = True) -> Fault:
    return Fault("timeout", after=after)


def reset(*, after: bool = False) -> Fault:
    return Fault("reset", after=after)


def late() -> Fault:
    """A proxy's 504 at once, while the platform goes on and acts `LATE` seconds later."""
    return Fault("late", Reply(504, b"<html><body>504 Gateway Time-out</body></html>"))


class Violation(Exception):
    """The client did something the real platform refuses or mis-handles."""


def real_clock() -> datetime:
    return datetime.now(UTC)


class FakeAPI:
    base = ""  # the server's URL, set when it starts

    def __init__(self) -> None:
        self.violations: list[str] = []
        #: The platform's own time (the harness's fake clock, in the publishers' tests).
        self.clock: Callable[[], datetime] = real_clock

    def handle(self, req: Recorded) -> Reply:
        raise NotImplementedError

    def check(self, condition: object, message: str) -> None:
        if not condition:
            raise Violation(message)


class FakeServer:
    def __init__(self, api: FakeAPI) -> None:
        self.api = api
        self.requests: list[Recorded] = []
        self._faults: list[list[Any]] = []  # [route prefix, fault, times left, to skip]
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        api.base = self.url
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    @property
    def routes(self) -> list[str]:
        return [r.route for r in self.requests]

    def fail(self, route: str, fault: Fault, times: int = 1, *, skip: int = 0) -> None:
        """Fail `times` requests whose route starts with `route`, after letting `skip` by."""
        self._faults.append([route, fault, times, skip])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _take_fault(self, req: Recorded) -> Fault | None:
        with self._lock:
            for entry in self._faults:
                if not req.route.startswith(entry[0]) or entry[2] == 0:
                    continue
                if entry[3] > 0:
                    entry[3] -= 1
                    continue
                entry[2] -= 1
                return entry[1]  # type: ignore[no-any-return]
        return None

    def _dispatch(self, req: Recorded) -> Reply:
        with self._lock:
            try:
                return self.api.handle(req)
            except Violation as exc:
                self.api.violations.append(f"{req.route}: {exc}")
                return Reply(400, {"error": "FakeViolation", "message": str(exc)})
            except Exception as exc:  # a bug in the fake, or a body it cannot read
                self.api.violations.append(f"{req.route}: the fake crashed: {exc!r}")
                return Reply(500, {"error": "FakeCrashed", "message": repr(exc)})


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined on close: a slow answer finishes before the test ends
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a slow answer: expected here


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            req = Recorded(self.command, unquote(url.path), dict(parse_qsl(url.query)),
                           {k.lower(): v for k, v in self.headers.items()}, body, url.query)
            with server._lock:
                server.requests.append(req)
            fault = server._take_fault(req)
            if fault is not None and fault.kind == "reply" and fault.reply is not None:
                self._send(fault.reply)
                return
            if fault is not None and fault.kind == "late" and fault.reply is not None:
                self._send(fault.reply)
                self.wfile.flush()
                time.sleep(LATE)
                server._dispatch(req)
                return
            reply = server._dispatch(req) if fault is None or fault.after else None
            if fault is None and reply is not None:
                self._send(reply)
            elif fault is not None and fault.kind == "timeout":
                time.sleep(SLOW)
                if reply is not None:
                    self._send(reply)
            else:
                self._drop()

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def _send(self, reply: Reply) -> None:
            if isinstance(reply.body, bytes):
                data, kind = reply.body, "application/octet-stream"
            elif reply.body is None:
                data, kind = b"", ""
            else:
                data, kind = json.dumps(reply.body).encode(), "application/json"
            self.send_response(reply.status)
            if kind:
                self.send_header("Content-Type", kind)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            """Close the connection without an answer (a reset: RST, not FIN)."""
            self.close_connection = True
            self.wfile = io.BytesIO()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()

    return Handler


def serve(make: Callable[[], FakeAPI]) -> FakeServer:
    return FakeServer(make())


# -- Mastodon ------------------------------------------------------------------------


class FakeMastodon(FakeAPI):
    """`/api/v2/media` (202 while processing, polled at `/api/v1/media/:id`),
    `/api/v1/statuses` with Idempotency-Key (a key repeated within the hour answers the
    same status), `verify_credentials` and the account's statuses, newest first."""

    def __init__(self, token: str, *, processing: int = 0) -> None:
        super().__init__()
        self.token = token
        self.processing = processing  # polls answered 206 before a media is ready
        self.media: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, tuple[str, datetime]] = {}  # key -> status id, when made

    def handle(self, req: Recorded) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        if req.route == "POST /api/v2/media":
            return self.upload(req)
        if req.method == "GET" and req.path.startswith("/api/v1/media/"):
            return self.poll(req.path.rsplit("/", 1)[1])
        if req.route == "POST /api/v1/statuses":
            return self.status(req)
        if req.route == "GET /api/v1/accounts/verify_credentials":
            return Reply(200, {"id": MASTODON_ACCOUNT, "username": "acme", "acct": "acme"})
        if req.route == f"GET /api/v1/accounts/{MASTODON_ACCOUNT}/statuses":
            return self.listing(req)
        return Reply(404, {"error": "Record not found"})

    def listing(self, req: Recorded) -> Reply:
        """The account's statuses, newest first, 40 at most, older than `max_id`; their
        `content` is HTML, as Mastodon renders it."""
        self.check(req.query.get("limit") == "40", "limit")
        before = int(req.query.get("max_id", "9" * 12))
        newest = sorted((s for s in self.statuses.values() if int(s["id"]) < before),
                        key=lambda s: int(s["id"]), reverse=True)[:40]
        return Reply(200, [{**s, "content": as_html(s["content"])} for s in newest])

    def upload(self, req: Recorded) -> Reply:
        self.check(req.headers.get("content-type", "").startswith("multipart/form-data"),
                   "media must be multipart/form-data")
        fields, files = req.form()
        self.check("file" in files, "no file field")
        _, kind, data = files["file"]
        self.check(kind.startswith("image/") and data, "the file is not an image")
        media_id = str(200 + len(self.media))
        ready = self.processing == 0
        self.media[media_id] = {"id": media_id, "type": "image", "pending": self.processing,
                                "url": f"{self.base}/files/{media_id}.jpg" if ready else None,
                                "description": fields.get("description")}
        return Reply(200 if ready else 202, self._public(media_id))

    def poll(self, media_id: str) -> Reply:
        media = self.media.get(media_id)
        if media is None:
            return Reply(404, {"error": "Record not found"})
        if media["pending"] > 0:
            media["pending"] -= 1
        if media["pending"] > 0:
            return Reply(206, self._public(media_id))
        media["url"] = f"{self.base}/files/{media_id}.jpg"
        return Reply(200, self._public(media_id))

    def _public(self, media_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.media[media_id].items() if k != "pending"}

    def status(self, req: Recorded) -> Reply:
        self.check(req.headers.get("content-type") == "application/json", "not JSON")
        key = req.headers.get("idempotency-key")
        self.check(key, "a status without Idempotency-Key")
        made = self.keys.get(str(key))
        if made is not None and self.clock() - made[1] < KEY_WINDOW:
            return Reply(200, self.statuses[made[0]])
        body = req.json()
        text = body.get("status")
        self.check(isinstance(text, str) and text, "no status text")
        for media_id in body.get("media_ids", []):
            self.check(media_id in self.media, f"media {media_id} was never uploaded")
            if not self.media[media_id]["url"]:
                return Reply(422, {"error": "Cannot attach files that have not finished "
                                            "processing. Try again in a moment!"})
        parent = body.get("in_reply_to_id")
        self.check(parent is None or parent in self.statuses, f"no status {parent} to reply to")
        if len(text) > 500:
            return Reply(422, {"error": "Validation failed: Text character limit of 500 "
                                        "exceeded"})
        status_id = str(110000 + len(self.statuses))
        self.statuses[status_id] = {
            "id": status_id, "url": f"{self.base}/@acme/{status_id}",
            "uri": f"{self.base}/users/acme/statuses/{status_id}", "content": text,
            "in_reply_to_id": parent, "visibility": body.get("visibility"),
            "created_at": self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "media_attachments": [self._public(m) for m in body.get("media_ids", [])],
        }
        self.keys[str(key)] = (status_id, self.clock())
        return Reply(200, self.statuses[status_id])


MASTODON_ACCOUNT = "109000000000000001"
#: How long Mastodon answers a repeated Idempotency-Key with the status it made.
KEY_WINDOW = timedelta(hours=1)


def as_html(text: str) -> str:
    """A status's text as Mastodon renders it: paragraphs, line breaks, linked tags."""
    import html
    import re

    escaped = html.escape(text, quote=False)
    linked = re.sub(r"#(\w+)", r'<a href="/tags/\1" class="mention hashtag" rel="tag">'
                              r"#<span>\1</span></a>", escaped)
    paragraphs = linked.split("\n\n")
    return "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in paragraphs)


# -- Bluesky -------------------------------------------------------------------------

TID = r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}"
DID = "did:plc:acmetest"
ACCESS_JWT = "access-jwt-for-tests"


class FakeBluesky(FakeAPI):
    """A PDS: createSession, resolveHandle, uploadBlob, createRecord (a repeated rkey
    fails, as in the reference PDS, with a 500), getRecord."""

    def __init__(self, handle: str, password: str) -> None:
        super().__init__()
        self.account, self.password = handle, password
        self.handles = {"alice.bsky.social": "did:plc:alice"}
        self.sessions = 0
        self.blobs: dict[str, str] = {}
        self.records: dict[str, dict[str, Any]] = {}

    def handle(self, req: Recorded) -> Reply:
        import re

        m = re.fullmatch(r"/xrpc/([\w.]+)", req.path)
        if m is None:
            return Reply(404, {"error": "NotFound", "message": "Not Found"})
        method = m.group(1)
        if method == "com.atproto.server.createSession":
            return self.create_session(req)
        if req.headers.get("authorization") != f"Bearer {ACCESS_JWT}":
            return Reply(401, {"error": "AuthenticationRequired",
                               "message": "Authentication Required"})
        handlers: dict[str, Callable[[Recorded], Reply]] = {
            "com.atproto.identity.resolveHandle": self.resolve_handle,
            "com.atproto.repo.uploadBlob": self.upload_blob,
            "com.atproto.repo.createRecord": self.create_record,
            "com.atproto.repo.getRecord": self.get_record,
        }
        if method not in handlers:
            return Reply(501, {"error": "MethodNotImplemented", "message": method})
        return handlers[method](req)

    def create_session(self, req: Recorded) -> Reply:
        self.check(req.method == "POST", "createSession is a POST")
        body = req.json()
        if body.get("identifier") != self.account or body.get("password") != self.password:
            return Reply(401, {"error": "AuthenticationRequired",
                               "message": "Invalid identifier or password"})
        self.sessions += 1
        return Reply(200, {"accessJwt": ACCESS_JWT, "refreshJwt": "refresh-jwt",
                           "handle": self.account, "did": DID})

    def resolve_handle(self, req: Recorded) -> Reply:
        self.check(req.method == "GET", "resolveHandle is a GET")
        did = self.handles.get(req.query.get("handle", ""))
        if did is None:
            return Reply(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
        return Reply(200, {"did": did})

    def upload_blob(self, req: Recorded) -> Reply:
        import hashlib

        kind = req.headers.get("content-type", "")
        self.check(kind.startswith("image/"), f"blob content type {kind!r}")
        self.check(req.body, "an empty blob")
        cid = "bafkrei" + hashlib.sha256(req.body).hexdigest()[:24]
        self.blobs[cid] = kind
        return Reply(200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind,
                                    "size": len(req.body)}})

    def create_record(self, req: Recorded) -> Reply:
        import hashlib
        import re

        body = req.json()
        self.check(body.get("repo") == DID, f"repo {body.get('repo')!r} is not the session's")
        self.check(body.get("collection") == "app.bsky.feed.post", "wrong collection")
        rkey = str(body.get("rkey"))
        self.check(re.fullmatch(TID, rkey), f"rkey {rkey!r} is not a TID")
        record = body.get("record") or {}
        self.check(record.get("$type") == "app.bsky.feed.post", "record $type")
        self.check(record.get("createdAt"), "no createdAt")
        text = record.get("text", "")
        if len(text) > 300:
            return Reply(400, {"error": "InvalidRequest", "message": "Invalid app.bsky.feed."
                               "post record: Record/text must not be longer than 300 graphemes"})
        size = len(text.encode())
        for facet in record.get("facets", []):
            index = facet["index"]
            self.check(0 <= index["byteStart"] < index["byteEnd"] <= size, "facet offsets")
            for feature in facet["features"]:
                if feature["$type"].endswith("#mention"):
                    self.check(feature["did"].startswith("did:"), f"mention {feature['did']}")
        for image in (record.get("embed") or {}).get("images", []):
            self.check(image["image"].get("ref", {}).get("$link") in self.blobs,
                       "an image blob that was never uploaded")
            self.check(isinstance(image.get("alt"), str), "an image without alt")
        reply = record.get("reply")
        if reply:
            for ref in (reply["root"], reply["parent"]):
                known = [r for r in self.records.values() if r["uri"] == ref["uri"]]
                self.check(known and known[0]["cid"] == ref["cid"], f"reply to {ref}")
        if rkey in self.records:  # the reference PDS: MST "already a value at key" -> 500
            return Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        cid = "bafyrei" + hashlib.sha256(req.body).hexdigest()[:24]
        self.records[rkey] = {"uri": uri, "cid": cid, "value": record}
        return Reply(200, {"uri": uri, "cid": cid})

    def get_record(self, req: Recorded) -> Reply:
        q = req.query
        self.check(q.get("repo") in (DID, self.account), "getRecord repo")
        self.check(q.get("collection") == "app.bsky.feed.post", "getRecord collection")
        found = self.records.get(q.get("rkey", ""))
        if found is None:
            return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record: "
                               f"at://{DID}/app.bsky.feed.post/{q.get('rkey')}"})
        return Reply(200, found)


# -- X -------------------------------------------------------------------------------

X_USER = "2244994945"
X_DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.",
               "type": "about:blank", "title": "Forbidden", "status": 403}


class FakeX(FakeAPI):
    """`/2/media/upload`, `/2/media/metadata`, `/2/tweets` (identical text: 403 duplicate)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.media: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}

    def handle(self, req: Recorded) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                               "detail": "Unauthorized"})
        if req.route == "POST /2/media/upload":
            fields, files = req.form()
            self.check("media" in files and files["media"][2], "no media file")
            self.check(fields.get("media_category") == "tweet_image", "media_category")
            media_id = str(1880000000000000000 + len(self.media))
            self.media[media_id] = {"id": media_id, "alt": None}
            return Reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}",
                                        "expires_after_secs": 86400}})
        if req.route == "POST /2/media/metadata":
            body = req.json()
            self.check(body.get("id") in self.media, "alt text for unknown media")
            self.media[body["id"]]["alt"] = body["metadata"]["alt_text"]["text"]
            return Reply(200, {"data": {"id": body["id"],
                                        "associated_metadata": body["metadata"]}})
        if req.route == "POST /2/tweets":
            return self.tweet(req)
        if req.route == "GET /2/users/me":
            return Reply(200, {"data": {"id": X_USER, "name": "Acme", "username": "acme"}})
        if req.route == f"GET /2/users/{X_USER}/tweets":
            return self.timeline(req.query)
        return Reply(404, {"title": "Not Found Error", "detail": req.path, "status": 404})

    def timeline(self, query: dict[str, str]) -> Reply:
        """The user's posts since `start_time`, newest first; links shown as t.co."""
        import re

        since = datetime.fromisoformat(query["start_time"].replace("Z", "+00:00"))
        self.check("created_at" in query.get("tweet.fields", ""), "tweet.fields")
        shown = []
        for tweet_id, t in reversed(self.tweets.items()):
            if t["created"] < since:
                continue
            text = re.sub(r"https?://\S+", "https://t.co/Ab12Cd34", t["text"])
            item: dict[str, Any] = {"id": tweet_id, "text": text.replace("&", "&amp;"),
                                    "created_at": t["created"].isoformat().replace("+00:00",
                                                                                   "Z")}
            if t["reply_to"]:
                item["referenced_tweets"] = [{"type": "replied_to", "id": t["reply_to"]}]
            shown.append(item)
        limit = int(query.get("max_results", "10"))
        meta: dict[str, Any] = {"result_count": min(limit, len(shown))}
        if len(shown) > limit:
            meta["next_token"] = "page2"
        return Reply(200, {"data": shown[:limit], "meta": meta} if shown else {"meta": meta})

    def tweet(self, req: Recorded) -> Reply:
        self.check(req.headers.get("content-type") == "application/json", "not JSON")
        body = req.json()
        text = body.get("text")
        self.check(isinstance(text, str) and text, "no text")
        for media_id in (body.get("media") or {}).get("media_ids", []):
            self.check(media_id in self.media, f"media {media_id} not uploaded before the post")
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        self.check(parent is None or parent in self.tweets, f"reply to unknown {parent}")
        if any(t["text"] == text for t in self.tweets.values()):
            return Reply(403, X_DUPLICATE)
        tweet_id = str(1890000000000000000 + len(self.tweets))
        self.tweets[tweet_id] = {"id": tweet_id, "text": text, "reply_to": parent,
                                 "created": self.clock(),
                                 "media": (body.get("media") or {}).get("media_ids", [])}
        return Reply(201, {"data": {"id": tweet_id, "text": text,
                                    "edit_history_tweet_ids": [tweet_id]}})


# -- LinkedIn ------------------------------------------------------------------------

#: Characters "little" text reserves; unescaped, LinkedIn cuts the post there.
LITTLE_RESERVED = set("|{}@[]()<>#\\*_~")
#: The HashtagTemplate: its sign '#' or '＃', a value without reserved characters.
HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|[#\uff03]\|[^|{}@\[\]()<>#\\*_~\s]+\}")


class FakeLinkedIn(FakeAPI):
    """`/rest/images?action=initializeUpload`, the upload URL (PUT), `/rest/posts` (201,
    id in `x-restli-id`), `/rest/socialActions/{urn}/comments`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.images: dict[str, bool] = {}  # urn -> bytes received
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []

    def handle(self, req: Recorded) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"status": 401, "serviceErrorCode": 65600,
                               "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"})
        if req.method == "PUT" and req.path.startswith("/dms-uploads/"):
            urn = f"urn:li:image:C4E{req.path.rsplit('/', 1)[1]}"
            self.check(urn in self.images and req.body, "an upload nobody initialised")
            self.images[urn] = True
            return Reply(201)
        self.check(req.headers.get("x-restli-protocol-version") == "2.0.0",
                   "X-Restli-Protocol-Version")
        self.check(len(req.headers.get("linkedin-version", "")) == 6, "LinkedIn-Version")
        if req.route == "POST /rest/images" and req.query.get("action") == "initializeUpload":
            owner = req.json()["initializeUploadRequest"]["owner"]
            self.check(owner.startswith("urn:li:"), "owner")
            n = str(len(self.images) + 1)
            self.images[f"urn:li:image:C4E{n}"] = False
            return Reply(200, {"value": {"uploadUrlExpiresAt": 1900000000000,
                                         "uploadUrl": f"{self.base}/dms-uploads/{n}",
                                         "image": f"urn:li:image:C4E{n}"}})
        if req.route == "POST /rest/posts":
            return self.post(req)
        if req.route == "GET /rest/posts" and req.query.get("q") == "author":
            return self.by_author(req)
        if req.method == "POST" and req.path.startswith("/rest/socialActions/"):
            urn = req.path.split("/")[3]
            self.check(urn in self.posts, f"a comment on unknown {urn}")
            self.comments.append(req.json())
            return Reply(201, {"id": f"{len(self.comments)}", "object": urn})
        return Reply(404, {"status": 404, "message": f"No route for {req.path}"})

    def by_author(self, req: Recorded) -> Reply:
        """The author's posts, newest first (the Posts API's "find by author")."""
        self.check(req.headers.get("x-restli-method") == "FINDER", "X-RestLi-Method")
        author = req.query.get("author")
        mine = [{"id": urn, **p} for urn, p in reversed(self.posts.items())
                if p["author"] == author]
        count = int(req.query.get("count", "10"))
        return Reply(200, {"elements": mine[:count],
                           "paging": {"start": 0, "count": count, "links": []}})

    def post(self, req: Recorded) -> Reply:
        body = req.json()
        self.check(body.get("author", "").startswith("urn:li:"), "author")
        self.check(body.get("lifecycleState") == "PUBLISHED", "lifecycleState")
        self.check(body.get("visibility") == "PUBLIC", "visibility")
        self.check(body.get("distribution", {}).get("feedDistribution") == "MAIN_FEED",
                   "distribution")
        commentary = body.get("commentary", "")
        escaped = False
        i = 0
        while i < len(commentary):
            ch = commentary[i]
            template = HASHTAG_TEMPLATE.match(commentary, i) if not escaped else None
            if template is not None:  # {hashtag|#|value}: LinkedIn shows #value, linked
                i = template.end()
                continue
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch in LITTLE_RESERVED:
                self.check(False, f"unescaped {ch!r} at {i}: LinkedIn would cut the post there")
            i += 1
        content = body.get("content") or {}
        images = ([content["media"]] if "media" in content
                  else content.get("multiImage", {}).get("images", []))
        for image in images:
            self.check(self.images.get(image["id"]), f"{image['id']} has no bytes yet")
        urn = f"urn:li:share:{7100000000000000000 + len(self.posts)}"
        self.posts[urn] = {**body, "createdAt": int(self.clock().timestamp() * 1000)}
        return Reply(201, None, {"x-restli-id": urn})


# -- Meta Graph (Facebook, Instagram, Threads) -----------------------------------------

PAGE_ID, IG_USER_ID, THREADS_USER_ID = "1001", "2002", "3003"


def graph_error(message: str, code: int, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code,
                      "fbtrace_id": "AbCdEf123", **extra}}


class FakeGraph(FakeAPI):
    """Facebook `/{page}/photos|feed`, Instagram `/{ig}/media|media_publish`, Threads
    `/{uid}/threads|threads_publish`, `GET /{id}?fields=...`, `/{id}/comments`."""

    def __init__(self, token: str, media_base: str, *, processing: int = 0) -> None:
        super().__init__()
        self.token, self.media_base, self.processing = token, media_base, processing
        self.objects: dict[str, dict[str, Any]] = {}
        self.published: list[str] = []

    def new(self, kind: str, **fields: Any) -> str:
        object_id = str(17800000000000000 + len(self.objects))
        self.objects[object_id] = {"kind": kind, "created": self.clock(), **fields}
        return object_id

    def listing(self, node: str, edge: str, query: dict[str, str]) -> Reply:
        """An account's published posts, newest first, since `since` (Unix seconds)."""
        since = datetime.fromtimestamp(int(query.get("since", "0")), UTC)
        fields = query.get("fields", "").split(",")
        items = []
        for post in reversed(self.published):
            obj = self.objects[post.split("_")[-1]]
            body = self.objects.get(obj.get("container", ""), {}).get("body", {})
            reply = bool(body.get("reply_to_id"))
            mine = {(PAGE_ID, "published_posts"): post.startswith(f"{PAGE_ID}_"),
                    (IG_USER_ID, "media"): obj.get("user") == IG_USER_ID,
                    (THREADS_USER_ID, "threads"): obj.get("user") == THREADS_USER_ID
                    and not reply,
                    (THREADS_USER_ID, "replies"): obj.get("user") == THREADS_USER_ID
                    and reply}.get((node, edge), False)
            if not mine or obj["created"] < since:
                continue
            text = obj.get("caption") or obj.get("message") or body.get("caption") \
                or body.get("text")
            stamp = obj["created"].strftime("%Y-%m-%dT%H:%M:%S+0000")
            item = {"id": post, "message": text, "caption": text, "text": text,
                    "created_time": stamp, "timestamp": stamp}
            items.append({k: v for k, v in item.items() if k in fields})
        return Reply(200, {"data": items[:int(query.get("limit", "25"))]})

    def handle(self, req: Recorded) -> Reply:
        import re

        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(400, graph_error("Invalid OAuth access token - Cannot parse access "
                                          "token", 190))
        m = re.fullmatch(r"/v\d+\.\d+/([\w]+)(?:/(\w+))?", req.path)
        if m is None:
            return Reply(404, graph_error("Unknown path components", 2500))
        node, edge = m.group(1), m.group(2)
        if req.method == "GET" and edge is None:
            return self.read(node, req.query.get("fields", ""))
        if req.method == "GET" and edge in ("published_posts", "media", "threads", "replies"):
            return self.listing(node, edge, req.query)
        self.check(req.method == "POST", "a write that is not a POST")
        body = req.json()
        handler = {(PAGE_ID, "photos"): self.photo, (PAGE_ID, "feed"): self.feed,
                   (IG_USER_ID, "media"): self.ig_container,
                   (IG_USER_ID, "media_publish"): self.publish,
                   (THREADS_USER_ID, "threads"): self.threads_container,
                   (THREADS_USER_ID, "threads_publish"): self.publish}.get((node, edge or ""))
        if handler is not None:
            return handler(body)
        if edge == "comments":
            self.check(node in self.published, f"a comment on {node}, which is not published")
            self.check(body.get("message"), "an empty comment")
            return Reply(200, {"id": self.new("comment", on=node, message=body["message"])})
        return Reply(400, graph_error(f"Unsupported post request. Object with ID '{node}' "
                                      "does not exist", 100, error_subcode=33))

    def _image(self, url: object) -> None:
        self.check(isinstance(url, str) and url.startswith(self.media_base),
                   f"image_url {url!r} is not under {self.media_base}")

    def photo(self, body: dict[str, Any]) -> Reply:
        self._image(body.get("url"))
        photo = self.new("photo", published=body.get("published"), caption=body.get("caption"))
        if body.get("published") is False:
            return Reply(200, {"id": photo})
        post = f"{PAGE_ID}_{photo}"
        self.published.append(post)
        return Reply(200, {"id": photo, "post_id": post})

    def feed(self, body: dict[str, Any]) -> Reply:
        self.check(body.get("message"), "a feed post without a message")
        for item in body.get("attached_media", []):
            photo = self.objects.get(item["media_fbid"], {})
            self.check(photo.get("kind") == "photo" and photo.get("published") is False,
                       "attached_media must be unpublished photos")
        post = f"{PAGE_ID}_{self.new('post', message=body['message'])}"
        self.published.append(post)
        return Reply(200, {"id": post})

    def ig_container(self, body: dict[str, Any]) -> Reply:
        if body.get("media_type") == "CAROUSEL":
            for child in body.get("children", []):
                self.check(self.objects.get(child, {}).get("item"), f"child {child}")
        else:
            self._image(body.get("image_url"))
        return Reply(200, {"id": self.new("container", pending=self.processing,
                                          item=body.get("is_carousel_item", False),
                                          body=body, user=IG_USER_ID)})

    def threads_container(self, body: dict[str, Any]) -> Reply:
        kind = body.get("media_type")
        self.check(kind in ("TEXT", "IMAGE", "CAROUSEL"), f"media_type {kind}")
        if kind == "IMAGE":
            self._image(body.get("image_url"))
        if kind == "CAROUSEL":
            for child in str(body.get("children", "")).split(","):
                self.check(self.objects.get(child, {}).get("item"), f"child {child}")
        parent = body.get("reply_to_id")
        self.check(parent is None or parent in self.published, f"reply to {parent}")
        pending = 0 if kind == "TEXT" else self.processing
        return Reply(200, {"id": self.new("container", pending=pending,
                                          item=body.get("is_carousel_item", False),
                                          body=body, user=THREADS_USER_ID)})

    def publish(self, body: dict[str, Any]) -> Reply:
        container = self.objects.get(str(body.get("creation_id")), {})
        self.check(container.get("kind") == "container", "publish of an unknown container")
        if container.get("pending"):
            return Reply(400, graph_error("Media ID is not available", 9007,
                                          error_subcode=2207027))
        self.check(not container.get("published"), "a container published twice")
        container["published"] = True
        media = self.new("media", container=body["creation_id"], user=container.get("user"))
        self.published.append(media)
        return Reply(200, {"id": media})

    def read(self, node: str, fields: str) -> Reply:
        obj = self.objects.get(node)
        if obj is None:
            return Reply(400, graph_error(f"Object with ID '{node}' does not exist", 100))
        if obj["kind"] == "container":
            if obj["pending"]:
                obj["pending"] -= 1
            state = "IN_PROGRESS" if obj["pending"] else "FINISHED"
            return Reply(200, {"id": node, "status_code": state, "status": state})
        self.check("permalink" in fields, f"fields {fields!r}")
        return Reply(200, {"id": node, "permalink": f"https://www.instagram.com/p/{node}/"})


# -- a webhook receiver --------------------------------------------------------------


class FakeWebhook(FakeAPI):
    """Checks the signature over the exact body bytes; drops a repeated Idempotency-Key."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.deliveries: dict[str, dict[str, Any]] = {}

    def handle(self, req: Recorded) -> Reply:
        import hashlib
        import hmac

        self.check(req.route == "POST /hook", "not POST /hook")
        self.check(req.headers.get("content-type") == "application/json", "not JSON")
        expected = hmac.new(self.secret.encode(), req.body, hashlib.sha256).hexdigest()
        if req.headers.get("x-postgen-signature") != f"sha256={expected}":
            return Reply(401, {"error": "bad signature"})
        key = req.headers.get("idempotency-key", "")
        self.check(key, "no Idempotency-Key")
        if key not in self.deliveries:
            self.deliveries[key] = {"id": f"delivery-{len(self.deliveries) + 1}",
                                    "body": req.json()}
        return Reply(202, {"id": self.deliveries[key]["id"]})
