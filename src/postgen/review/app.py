"""The review server's web side: the built site for invited reviewers, and their actions.

One origin serves both. Every page needs a session (opened by an invitation
link); HTML pages get the session's CSRF token in their forms, a fresh
action id per form, the reviewer's name, and each post's comment thread.
Actions (`POST /_review/decide`, `/_review/comment`) need the session, its
CSRF token and a same-origin request; they are size- and rate-limited, and
answer only once the decision is durable. `POST /_review/hook` asks for a
pull (a push webhook); `GET /_review/health` says how the server is.

Nothing here logs a query string, a cookie or a form: tokens never reach a
log.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import UTC, tzinfo
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from postgen import approvals
from postgen.review import actions
from postgen.review.comments import Comment
from postgen.review.journal import Entry
from postgen.review.links import COOKIE, LINK_PATH, Grant, Keys, LinkRefused
from postgen.review.receiver import PUSHED, Receiver
from postgen.site.words import channel_labels, recorded_at

log = logging.getLogger("postgen.review")

CSRF_MARK = "postgen-review-csrf"
ACTION_MARK = "postgen-review-action"
THREAD = re.compile(r"<!--postgen-review-thread:([A-Za-z0-9._-]+)-->")
MAIN = re.compile(r"<main\b[^>]*>")
MAX_BODY = 256 * 1024
REMOVED = "a channel since removed"  # named in a comment, no longer in the calendar
WAIT = 20.0  # seconds a request waits for its round before saying "saved"
DONE = {
    "approved": "Approved. Thank you: it is recorded.",
    "changes": "Sent. Your request for changes is recorded and the writers see it.",
    "comment": "Your reply is added.",
    "saved": "Saved. It is safe with us and shows in the calendar in a moment.",
}


class Limiter:
    """At most `per_minute` actions per reviewer in any minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}

    def allow(self, who: str) -> bool:
        now = time.monotonic()
        seen = self._seen.setdefault(who.lower(), deque())
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return False
        seen.append(now)
        return True


def make_app(receiver: Receiver, keys: Keys) -> Starlette:
    built = receiver.built
    assert built is not None and built.config.review is not None
    settings = built.config.review
    limiter = Limiter(settings.rate_limit)
    secure = settings.url.startswith("https://")

    def brand() -> str:
        current = receiver.built
        return current.config.brand.name if current else ""

    def plain(title: str, text: str, status: int, link: tuple[str, str] | None = None
              ) -> HTMLResponse:
        more = (f'<p><a href="{html.escape(link[0])}">{html.escape(link[1])}</a></p>'
                if link else "")
        body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(title)} · {html.escape(brand())}</title>"
                f'<style>body{{font:17px/1.5 system-ui,sans-serif;max-width:36rem;'
                f'margin:4rem auto;padding:0 1rem;color:#1d2330}}</style></head>'
                f'<body><main><h1>{html.escape(title)}</h1><p class="review-refusal">'
                f"{html.escape(text)}</p>{more}</main></body></html>")
        return HTMLResponse(body, status_code=status, headers=_NO_STORE)

    def grant_of(request: Request) -> Grant | LinkRefused:
        cookie = request.cookies.get(COOKIE)
        current = receiver.built
        assert current is not None
        if not cookie:
            return LinkRefused("This calendar is private. Open the link from your "
                               "invitation email to see it.")
        try:
            return keys.session(current.config, cookie, receiver.clock())
        except LinkRefused as exc:
            return exc

    async def open_link(request: Request) -> Response:
        token = request.query_params.get("t", "")
        current = receiver.built
        assert current is not None
        try:
            grant = keys.open(current.config, token, receiver.clock())
        except LinkRefused as exc:
            return plain("This link does not open the calendar", str(exc), 403)
        response = RedirectResponse("/", status_code=303, headers=_NO_STORE)
        response.set_cookie(COOKIE, keys.cookie(grant),
                            max_age=max(grant.expires - int(receiver.clock().timestamp()), 0),
                            path="/",
                            httponly=True, samesite="lax",
                            secure=secure or request.url.scheme == "https")
        log.info(f"postgen review: link {grant.link} opened by {grant.reviewer}")
        return response

    async def page(request: Request) -> Response:
        grant = grant_of(request)
        if isinstance(grant, LinkRefused):
            return plain("Please open your invitation link", str(grant), 403)
        path = _site_file(receiver.site_dir, request.url.path)
        if path is None:
            missing = receiver.site_dir / "404.html"
            if missing.is_file():
                return HTMLResponse(_dress(missing.read_text("utf-8"), grant, keys, receiver,
                                           None), status_code=404, headers=_NO_STORE)
            return plain("Not found", "There is no such page in the calendar.", 404)
        if path.suffix != ".html":
            return FileResponse(path)
        if path.name == "index.html" and not request.url.path.endswith(("/", ".html")):
            return RedirectResponse(request.url.path + "/", status_code=301)  # relative links
        flash = DONE.get(request.query_params.get("done", ""))
        if flash is not None:  # right after an action: show the site with it
            await anyio.to_thread.run_sync(receiver.wait_built, WAIT)
        return HTMLResponse(_dress(path.read_text("utf-8"), grant, keys, receiver, flash),
                            headers=_NO_STORE)

    async def action(request: Request,
                     make: Callable[[Grant, dict[str, list[str]], str], list[Entry]]
                     ) -> Response:
        grant = grant_of(request)
        if isinstance(grant, LinkRefused):
            return plain("Nothing was recorded", str(grant), 403)
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.url.netloc}" and (
                origin != settings.url):
            return plain("Nothing was recorded", "This form came from another site.", 403)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return plain("Nothing was recorded", "This form is too large.", 413)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        token = (form.get("csrf") or [""])[0]
        if not token or not keys.csrf_ok(grant, token):
            return plain("Nothing was recorded", "This form has expired. Go back, reload the "
                         "page and try again.", 403)
        if not limiter.allow(grant.reviewer):
            return plain("Nothing was recorded", "Too many actions in a minute. Wait a "
                         "moment, then try again.", 429)
        back = _back((form.get("back") or ["/"])[0])
        action_id = (form.get("action") or [""])[0]
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", action_id):
            return plain("Nothing was recorded", "This form is incomplete. Reload the page "
                         "and try again.", 400)
        try:
            entries = make(grant, form, action_id)
        except actions.Refused as exc:
            if exc.stale is not None:
                fresh = _site_file(receiver.site_dir, f"/posts/{exc.stale}/")
                if fresh is not None:
                    return HTMLResponse(_dress(fresh.read_text("utf-8"), grant, keys,
                                               receiver, str(exc), warn=True),
                                        status_code=409, headers=_NO_STORE)
            return plain("Nothing was recorded", str(exc), exc.status, (back, "Back"))
        done = {"approve": "approved", "changes": "changes"}.get(
            (form.get("decision") or [""])[0], "comment")
        outcome = await _wait(receiver.submit(entries))
        log.info(f"postgen review: {len(entries)} record(s) by {grant.reviewer}: {outcome}")
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}done={done if outcome == PUSHED else 'saved'}",
                                status_code=303, headers=_NO_STORE)

    def decide(grant: Grant, form: dict[str, list[str]], action_id: str
               ) -> list[Entry]:
        current = receiver.built
        assert current is not None
        decision = {"approve": approvals.APPROVE, "changes": approvals.CHANGES}.get(
            (form.get("decision") or [""])[0])
        if decision is None:
            raise actions.Refused("This form is incomplete. Reload the page and try again.")
        items = actions.parse_items(form.get("item", []))
        return actions.decide(current, grant.reviewer, action_id, items, decision,
                              (form.get("note") or [""])[0], receiver.clock())

    def comment(grant: Grant, form: dict[str, list[str]], action_id: str
                ) -> list[Entry]:
        current = receiver.built
        assert current is not None
        return actions.reply(current, grant.reviewer, action_id,
                             (form.get("post") or [""])[0], (form.get("reply_to") or [""])[0],
                             (form.get("note") or [""])[0], receiver.clock())

    async def decide_route(request: Request) -> Response:
        return await action(request, decide)

    async def comment_route(request: Request) -> Response:
        return await action(request, comment)

    async def hook(request: Request) -> Response:
        receiver.request_pull()  # only asks for a pull: harmless, and coalesced
        return JSONResponse({"pull": "requested"}, status_code=202)

    async def health(request: Request) -> Response:
        pending = len(receiver.journal.pending())
        return JSONResponse({"ok": receiver.last_error is None, "pending": pending},
                            status_code=200 if receiver.last_error is None else 503)

    routes = [
        Route(LINK_PATH, open_link, methods=["GET"]),
        Route("/_review/decide", decide_route, methods=["POST"]),
        Route("/_review/comment", comment_route, methods=["POST"]),
        Route("/_review/hook", hook, methods=["POST"]),
        Route("/_review/health", health, methods=["GET"]),
        Route("/{path:path}", page, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_AccessLog)
    return app


_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin",
             "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


async def _wait(future: Future[str]) -> str:
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), WAIT)
    except TimeoutError:
        return "saved"


def _back(value: str) -> str:
    """Where to return after an action: a path on this site, nothing else."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in value:
        return "/"
    return quote(parts.path, safe="/-_.~%")


def _site_file(root: Path, url_path: str) -> Path | None:
    relative = url_path.lstrip("/")
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _dress(page: str, grant: Grant, keys: Keys, receiver: Receiver, flash: str | None,
           warn: bool = False) -> str:
    """A built page for this reviewer: their CSRF token, a fresh id per form, who they
    are, what just happened, and each post's comment thread."""
    csrf = keys.csrf(grant)
    page = page.replace(CSRF_MARK, csrf)
    page = re.sub(ACTION_MARK, lambda _m: secrets.token_urlsafe(12), page)
    built = receiver.built
    labels = channel_labels(built.config.channels) if built else {}
    tz = built.config.timezone if built else UTC
    page = THREAD.sub(lambda m: _thread(m.group(1), receiver.comments.get(m.group(1), []),
                                        csrf, labels, tz), page)  # after: comments hold any words
    note = (f'<p class="review-flash{" review-warn" if warn else ""}" role="status">'
            f"{html.escape(flash)}</p>") if flash else ""
    bar = (f'<div class="review-bar"><p>Reviewing as <strong>{html.escape(grant.reviewer)}'
           f"</strong></p>{note}</div>")
    return MAIN.sub(lambda m: m.group(0) + bar, page, count=1)


def _thread(post: str, comments: list[Comment], csrf: str, labels: dict[str, str],
            tz: tzinfo) -> str:
    """The post's comments, oldest first (the newest last), each with a reply form; the
    channels a request for changes named as the site names them (`labels`), the time
    as every time on the site (in the calendar's timezone, `tz`)."""
    if not comments:
        return '<p class="thread-empty">No comments yet.</p>'
    out = ['<ol class="thread">']
    for c in comments:  # oldest first: the newest is last
        what = "asked for changes" if c.kind == "changes" else (
            "replied" if c.reply_to else "wrote")
        where = f" on {', '.join(labels.get(ch, REMOVED) for ch in c.channels)}" if (
            c.channels) else ""
        out.append(f'<li class="comment comment-{c.kind}" id="comment-{html.escape(c.id)}">'
                   f'<p class="comment-head"><strong>{html.escape(c.by)}</strong> {what}'
                   f'{html.escape(where)} · <time datetime="{html.escape(c.at)}">'
                   f"{html.escape(recorded_at(c.at, tz))}</time></p>"
                   f'<p class="comment-text">{html.escape(c.text)}</p>'
                   f'<details class="reply"><summary>Reply</summary>'
                   f'<form class="review-reply" method="post" action="/_review/comment">'
                   f'<input type="hidden" name="csrf" value="{csrf}">'
                   f'<input type="hidden" name="action" value="{secrets.token_urlsafe(12)}">'
                   f'<input type="hidden" name="back" value="/posts/{html.escape(post)}/">'
                   f'<input type="hidden" name="post" value="{html.escape(post)}">'
                   f'<input type="hidden" name="reply_to" value="{html.escape(c.id)}">'
                   f'<label for="reply-{html.escape(c.id)}">Your reply</label>'
                   f'<textarea id="reply-{html.escape(c.id)}" name="note" rows="2" '
                   f'maxlength="{actions.MAX_NOTE}" required></textarea>'
                   f'<button class="btn" type="submit">Reply</button></form></details></li>')
    out.append("</ol>")
    return "".join(out)


class _AccessLog:
    """One line per request: method, path (never the query: it may hold a link's token),
    status."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [0]

        async def sending(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])  # type: ignore[call-overload]
            await send(message)  # type: ignore[operator]

        await self.app(scope, receive, sending)
        log.info(f"{scope['method']} {scope['path']} {status[0]}")
