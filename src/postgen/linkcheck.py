"""Links as they will be sent: requested, and the calls to action checked.

`postgen check --links` requests every URL a variant carries (body links, the
CTA, the link card) exactly as it is sent, tracking parameters included: HEAD,
then GET when HEAD is refused; redirects followed and reported; a few requests
per host at once. Results are kept in `.postgen-cache/links.json` for a while
(`ttl`), so a second run soon after makes no request.

Each problem stands at the place of the URL in the post's file:

- `link-broken` (error): the URL answers 4xx or 5xx;
- `link-redirect` (warning): it redirects; a call to action that lands on a
  home page is called out, as it usually means the page is gone;
- `link-unreachable` (warning): a timeout, a TLS problem, no connection;
- `cta-untracked` (warning): a conversion post's CTA is sent without UTM tags;
- `cta-absent` (warning): a variant shows neither the CTA's text nor its link;
- `link-untracked` (warning): a link to the brand's domains sent without UTM tags.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

from postgen import cachedir
from postgen import diagnostics as diag
from postgen.files import write_atomically
from postgen.models import Calendar, Funnel, Post
from postgen.render.model import Variant

CACHE_FILE = "links.json"
TTL = timedelta(hours=24)
TIMEOUT = 10.0  # seconds per request
PER_HOST = 2  # requests in flight to one host
IN_FLIGHT = 16  # requests in flight in all
_USER_AGENT = "postgen link check (+https://pypi.org/project/postgen/)"


@dataclass(frozen=True)
class Use:
    """One URL as a variant sends it, and where the writer wrote it."""

    url: str
    path: str
    line: int
    col: int
    channel: str
    cta: bool


@dataclass(frozen=True)
class Result:
    """What requesting a URL gave: a status, or a problem; redirects on the way."""

    url: str
    checked_at: str  # ISO 8601, timezone-aware
    status: int | None = None
    final: str = ""  # where the redirects ended
    redirects: int = 0
    problem: str = ""  # timeout, TLS or connection trouble, in words


def uses(calendar: Calendar, variants: Iterable[Variant]) -> list[Use]:
    """Every URL each variant sends, placed where its post's file holds it."""
    posts = {p.id: p for p in calendar.posts}
    found: list[Use] = []
    for v in variants:
        post = posts.get(v.post_id)
        if post is None:
            continue
        cta = post.override(v.channel).cta or post.cta
        sent = {link.sent: link.original for link in v.links}
        if v.link_card is not None:
            sent.setdefault(v.link_card.url, v.link_card.url)
        for url, original in sent.items():
            is_cta = cta is not None and original == cta.url
            line, col = _place(calendar.config.root, post, original, is_cta, v.channel)
            found.append(Use(url, post.path, line, col, v.channel, is_cta))
    return found


def _place(root: Path, post: Post, original: str, is_cta: bool,
           channel: str) -> tuple[int, int]:
    """Line and column of `original` in the post's file (1-based)."""
    source = post.source
    if is_cta and source is not None:
        override = post.override(channel).cta
        loc = (source.value("variants", channel, "cta", "url") if override is not None
               else source.value("cta", "url"))
        return loc.line, loc.col
    try:
        text = (root / post.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    at = text.find(original)
    if at < 0:
        return post.body_line, 1
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def check(calendar: Calendar, variants: Sequence[Variant], now: datetime, *,
          offline: bool = False, ttl: timedelta = TTL,
          transport: httpx.AsyncBaseTransport | None = None) -> list[diag.Diagnostic]:
    """Every link problem of `variants`: requested (unless `offline`), and the CTA and
    tracking checks, which need no network."""
    found = uses(calendar, variants)
    problems = _tracking(calendar, variants, found)
    if not offline and found:
        results = _request_all(calendar, sorted({u.url for u in found}), now, ttl, transport)
        problems.extend(_reported(found, results))
    return diag.sort(problems)


# -- requests ----------------------------------------------------------------------


def _request_all(calendar: Calendar, urls: list[str], now: datetime, ttl: timedelta,
                 transport: httpx.AsyncBaseTransport | None) -> dict[str, Result]:
    root = calendar.config.root
    cache_path = root / cachedir.FOLDER / CACHE_FILE if cachedir.usable(root) else None
    cached = _load(cache_path)
    fresh = {u: r for u, r in cached.items()
             if u in urls and now - datetime.fromisoformat(r.checked_at) < ttl}
    wanted = [u for u in urls if u not in fresh]
    if wanted:
        fetched = asyncio.run(_fetch_all(wanted, now, transport))
        cached.update(fetched)
        fresh.update(fetched)
        if cache_path is not None:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            keep = {u: asdict(r) for u, r in cached.items()
                    if now - datetime.fromisoformat(r.checked_at) < ttl}
            write_atomically(cache_path, json.dumps(keep, indent=1, sort_keys=True))
    return fresh


def _load(path: Path | None) -> dict[str, Result]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(u): Result(**r) for u, r in data.items()
                if datetime.fromisoformat(r["checked_at"]).tzinfo is not None}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}  # no cache, or one that cannot be read: ask again


async def _fetch_all(urls: list[str], now: datetime,
                     transport: httpx.AsyncBaseTransport | None) -> dict[str, Result]:
    hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(PER_HOST))
    overall = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(follow_redirects=True, timeout=TIMEOUT, transport=transport,
                                 headers={"User-Agent": _USER_AGENT}) as client:

        async def one(url: str) -> Result:
            async with overall, hosts[urlsplit(url).netloc.lower()]:
                return await _fetch(client, url, now)

        return dict(zip(urls, await asyncio.gather(*map(one, urls)), strict=True))


async def _fetch(client: httpx.AsyncClient, url: str, now: datetime) -> Result:
    stamp = now.isoformat()
    try:
        response = await client.head(url)
        if response.status_code >= 400:  # some servers refuse HEAD: ask as a browser does
            async with client.stream("GET", url) as streamed:
                response = streamed
    except httpx.TimeoutException:
        return Result(url, stamp, problem=f"no answer within {TIMEOUT:g} s")
    except httpx.ConnectError as exc:
        cause = exc.__cause__ or exc.__context__
        while cause is not None and not isinstance(cause, ssl.SSLError):
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, ssl.SSLError) or "SSL" in str(exc) or "certificate" in str(exc):
            return Result(url, stamp, problem=f"its TLS certificate is not valid ({exc})")
        return Result(url, stamp, problem=f"no connection ({exc or type(exc).__name__})")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Result(url, stamp, problem=f"the request failed ({exc or type(exc).__name__})")
    return Result(url, stamp, status=response.status_code, final=str(response.url),
                  redirects=len(response.history))


def _reported(found: list[Use], results: dict[str, Result]) -> list[diag.Diagnostic]:
    """One diagnostic per place and kind of problem, naming the channels it touches (each
    channel sends its own URL: its own UTM tags)."""
    grouped: dict[tuple[str, int, int, str], tuple[diag.Severity, str, set[str]]] = {}
    for use in found:
        result = results.get(use.url)
        judged = _judge(use, result) if result is not None else None
        if judged is None:
            continue
        severity, rule, message = judged
        key = (use.path, use.line, use.col, rule)
        grouped.setdefault(key, (severity, message, set()))[2].add(use.channel)
    return [diag.Diagnostic(path, line, col, severity, rule,
                            f"{', '.join(sorted(channels))}: {message}")
            for (path, line, col, rule), (severity, message, channels) in grouped.items()]


def _judge(use: Use, result: Result) -> tuple[diag.Severity, str, str] | None:
    url = use.url
    if result.problem:
        return diag.Severity.WARNING, "link-unreachable", f"{url}: {result.problem}"
    if result.status is not None and result.status >= 400:
        after = f" (after redirects to {result.final})" if result.redirects else ""
        return diag.Severity.ERROR, "link-broken", f"{url} answers {result.status}{after}"
    if result.redirects:
        home = urlsplit(result.final).path in ("", "/") and urlsplit(url).path not in ("", "/")
        why = (": a call to action that lands on the home page usually means its page is gone"
               if use.cta and home else ": link to where it ends instead")
        return diag.Severity.WARNING, "link-redirect", f"{url} redirects to {result.final}{why}"
    return None


# -- calls to action and tracking ---------------------------------------------------


def _tracked(url: str) -> bool:
    return any(k.lower().startswith("utm_") for k, _ in parse_qsl(urlsplit(url).query))


def _brand(url: str, domains: Iterable[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))


def _tracking(calendar: Calendar, variants: Sequence[Variant],
              found: list[Use]) -> list[diag.Diagnostic]:
    config = calendar.config
    posts = {p.id: p for p in calendar.posts}
    problems: list[diag.Diagnostic] = []
    for use in found:
        if use.cta or not _brand(use.url, config.brand.domains) or _tracked(use.url):
            continue
        channel = config.channels.get(use.channel)
        why = " (the channel sets utm: false)" if channel is not None and not channel.utm else ""
        problems.append(diag.Diagnostic(use.path, use.line, use.col, diag.Severity.WARNING,
                                        "link-untracked", f"{use.channel}: {use.url} goes to "
                                        f"the brand's site without UTM tags{why}: its visits "
                                        "will not be counted for this post"))
    for v in variants:
        post = posts.get(v.post_id)
        if post is None or post.funnel != Funnel.CONVERSION:
            continue
        cta = post.override(v.channel).cta or post.cta
        if cta is None:
            continue  # cta-missing says so
        sent = next((link.sent for link in v.links if link.original == cta.url), None)
        shown = "\n".join([v.text, v.first_comment or "", v.link_card.url if v.link_card else ""])
        place = next(((u.line, u.col) for u in found if u.cta and u.channel == v.channel),
                     (post.body_line, 1))
        if sent is not None and not _tracked(sent):
            problems.append(diag.Diagnostic(post.path, *place, diag.Severity.WARNING,
                                            "cta-untracked", f"{v.channel}: the call to action "
                                            f"{sent} is sent without UTM tags: conversions from "
                                            "this post will not be counted"))
        if cta.text not in shown and cta.url not in shown and (sent is None
                                                               or sent not in shown):
            problems.append(diag.Diagnostic(post.path, *place, diag.Severity.WARNING,
                                            "cta-absent", f"{v.channel}: the variant shows "
                                            f"neither the call to action '{cta.text}' nor its "
                                            "link"))
    return problems
