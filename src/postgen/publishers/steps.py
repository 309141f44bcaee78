"""A variant's payload as steps: the requests `build_payload` described, in order.

Each step is one request with placeholders (`{{media:0}}`, `{{part:1.uri}}`...)
that earlier steps' answers fill in. `fill` substitutes them: a string that is
exactly one placeholder becomes the value itself (which may be an object, as a
Bluesky blob is); inside a longer string the value's text is substituted,
percent-encoded where it lands in a URL path. See `postgen.render.payloads`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from postgen.publishers.base import ConfigProblem, Rejected
from postgen.render.model import MediaFile, Variant

PLACEHOLDER = re.compile(r"\{\{([a-z_]+(?::\d+)*(?:\.[a-z_]+)?)\}\}")
_PART = re.compile(r"part:(\d+)")


@dataclass(frozen=True)
class FileRef:
    """The file an upload step sends: which one, and what it must hash to."""

    src: str
    mime: str
    sha256: str
    field: str | None  # the multipart field; None: the bytes are the whole body


@dataclass(frozen=True)
class Step:
    method: str
    endpoint: str
    body: object
    headers: Mapping[str, str]
    encoding: str | None  # None (JSON), "multipart" or "binary"
    file: FileRef | None
    produces: str | None  # the placeholder's name, without braces: "media:0"

    @property
    def part(self) -> int | None:
        """The index of the part this step publishes, if it publishes one."""
        found = _PART.fullmatch(self.produces or "")
        return int(found.group(1)) if found else None


def steps_of(variant: Variant) -> tuple[Step, ...]:
    """The variant's payload requests as steps, in the order they are sent."""
    requests = variant.payload.get("requests", ())
    if not isinstance(requests, Sequence):
        raise ValueError(f"{variant.post_id}: the payload's requests are not a list")
    return tuple(_step(r) for r in requests)


def _step(request: Any) -> Step:
    file = request.get("file")
    produces = request.get("produces")
    return Step(
        method=str(request["method"]),
        endpoint=str(request["endpoint"]),
        body=request.get("body"),
        headers=MappingProxyType(dict(request.get("headers") or {})),
        encoding=request.get("encoding"),
        file=FileRef(src=str(file["src"]), mime=str(file["mime"]), sha256=str(file["sha256"]),
                     field=file.get("field")) if file else None,
        produces=produces[2:-2] if isinstance(produces, str) else None,
    )


def fill(value: object, values: Mapping[str, object], *, strict: bool) -> object:
    """`value` (a JSON-like tree) with its placeholders replaced from `values`.

    Unknown placeholders stay as they are unless `strict` (then ConfigProblem:
    something that should have filled them did not).
    """
    if isinstance(value, str):
        return _fill_text(value, values, strict=strict, in_url=False)
    if isinstance(value, Mapping):
        return {str(k): fill(v, values, strict=strict) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, values, strict=strict) for v in value]
    return value


def fill_url(endpoint: str, values: Mapping[str, object], *, strict: bool) -> str:
    """An endpoint with its placeholders filled: percent-encoded inside the path."""
    return str(_fill_text(endpoint, values, strict=strict, in_url=True))


def _fill_text(text: str, values: Mapping[str, object], *, strict: bool,
               in_url: bool) -> object:
    whole = PLACEHOLDER.fullmatch(text)
    if whole and whole.group(1) in values:
        return values[whole.group(1)]

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            if strict:
                raise ConfigProblem(f"nothing filled {m.group(0)} in a request")
            return m.group(0)
        found = str(values[m.group(1)])
        return quote(found, safe="") if in_url else found

    return PLACEHOLDER.sub(one, text)


def media_for(variant: Variant, ref: FileRef) -> MediaFile:
    for m in variant.media:
        if m.src == ref.src:
            return m
    raise ValueError(f"{variant.post_id}: the payload uploads {ref.src}, which the post lacks")


def read_media(variant: Variant, ref: FileRef) -> bytes:
    """The bytes of the file an upload sends, checked against the approved hash."""
    media = media_for(variant, ref)
    try:
        data = media.path.read_bytes()
    except OSError as exc:
        raise Rejected(f"{variant.post_id}: cannot read {ref.src}: {exc.strerror}") from exc
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise Rejected(f"{variant.post_id}: {ref.src} changed after it was rendered; "
                       "render and approve the post again")
    return data


def public_url(base: str, media: MediaFile, root: str) -> str:
    """Where `media` is served under `base`: its path inside the calendar, else its src."""
    try:
        rel = media.path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        rel = media.src.lstrip("./")
    return f"{base.rstrip('/')}/{quote(rel)}"
