"""URLs in plain text, brand domains, and tracking parameters.

`find_urls` finds http(s) URLs and bare `www.` hosts in running text, leaving
sentence punctuation outside the URL. `is_brand` tells whether a URL points
at one of the brand's own domains, and `track` adds campaign parameters to
those URLs only, touching nothing else: any other URL comes back unchanged,
byte for byte, and a brand URL keeps every parameter, its encoding and its
fragment as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote_plus, urlsplit

# A URL runs until whitespace, an angle bracket, a double quote, or CJK and
# full-width punctuation (text in those scripts often has no space after it).
_URL = re.compile(
    r"(?<![\w@./\-])(?:https?://|www\.)[^\s<>\"\u3000-\u303f\uff00-\uffef]+",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
# Never the last character of a URL: sentence punctuation and quotes.
_TRAILING = frozenset(".,!?:;'\"“”‘’«»…")
_CLOSERS = {")": "(", "]": "["}


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """Every URL in `text` as (start, end, url), end exclusive, in order."""
    found: list[tuple[int, int, str]] = []
    for match in _URL.finditer(text):
        url = _trim(match.group())
        if _has_host(url):
            found.append((match.start(), match.start() + len(url), url))
    return found


def _trim(url: str) -> str:
    """Drop trailing punctuation, and closing brackets opened outside the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING or last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def _has_host(url: str) -> bool:
    rest = url.split("://", 1)[1] if "://" in url else url[len("www.") :]
    return bool(rest) and rest[0].isalnum()


def host(url: str) -> str | None:
    """The URL's lower-case host name, without port or trailing dot, if it has one.

    Only `scheme://` URLs and bare `www.` hosts have one (not `mailto:`).
    """
    if _SCHEME.match(url):
        absolute = url
    elif url[:4].lower() == "www.":
        absolute = "//" + url
    else:
        return None
    try:
        name = urlsplit(absolute).hostname
    except ValueError:
        return None
    return name.rstrip(".") if name else None


def is_brand(url: str, domains: Sequence[str]) -> bool:
    """Whether the URL's host is a brand domain or a subdomain of one."""
    name = host(url)
    if name is None:
        return False
    for domain in domains:
        brand = domain.strip().strip(".").lower()
        if brand and (name == brand or name.endswith("." + brand)):
            return True
    return False


def track(url: str, params: Mapping[str, str], domains: Sequence[str]) -> str:
    """`url` with the missing, non-empty `params` appended, for brand URLs only.

    Existing parameters keep their value, order and encoding; the fragment is
    kept. Idempotent: tracking a tracked URL changes nothing.
    """
    if not is_brand(url, domains):
        return url
    base, hash_mark, fragment = url.partition("#")
    path, question_mark, query = base.partition("?")
    present = _query_keys(query)
    added = "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}"
        for key, value in params.items()
        if value and key not in present
    )
    if not added:
        return url
    if not question_mark:
        query = added
    elif not query or query.endswith("&"):
        query += added
    else:
        query += "&" + added
    return f"{path}?{query}{hash_mark}{fragment}"


def _query_keys(query: str) -> frozenset[str]:
    """The decoded names of the parameters in a query string."""
    return frozenset(unquote_plus(pair.partition("=")[0]) for pair in query.split("&") if pair)
