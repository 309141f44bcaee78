"""A JSON Schema of a post's front matter, for editors (`postgen schema`).

Made from the definitions `postgen.schema` reads posts with (its field lists,
patterns, funnel stages and paid objectives) and from the calendar's channels, so
it cannot drift from what `postgen check` accepts: a field added there without a
shape here fails `shape`. It helps an editor complete and flag fields; `postgen
check` stays the judge (dates, media files, limits).

`postgen new` writes a yaml-language-server modeline pointing at SCHEMA_FILE, the
file `postgen schema -o` (and `postgen init`) writes at the calendar's root.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from postgen import schema
from postgen.models import Funnel

SCHEMA_FILE = "post.schema.json"
DRAFT = "https://json-schema.org/draft-07/schema#"  # what yaml-language-server reads

_TEXT = {"type": "string"}
_DATE = {"type": "string", "description": "YYYY-MM-DD HH:MM, in the calendar's timezone "
         "(or with an offset, +02:00)"}
_DAY = {"type": "string", "description": "YYYY-MM-DD"}
_HASHTAGS = {"type": "array", "items": {"type": "string"},
             "description": "Words without '#'; added to each channel's text where it fits"}


def _anchored(pattern: re.Pattern[str]) -> str:
    return f"^{pattern.pattern}$"


def _cta() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": ["text", "url"],
            "properties": {"text": _TEXT, "url": {"type": "string", "pattern": "^https?://"}}}


def _media() -> dict[str, Any]:
    item = {"type": "object", "additionalProperties": False, "required": ["src"],
            "properties": {"src": _TEXT, "alt": _TEXT}}
    return {"anyOf": [_TEXT, item, {"type": "array", "items": {"anyOf": [_TEXT, item]}}],
            "description": "Files in the repository: 'path' or {src, alt}, or a list of them"}


def _paid(channels: list[str] | None) -> dict[str, Any]:
    audience = {"type": "object", "additionalProperties": False, "properties": {
        "locations": {"type": "array", "items": _TEXT},
        "age_min": {"type": "integer", "minimum": 13, "maximum": 100},
        "age_max": {"type": "integer", "minimum": 13, "maximum": 100},
        "interests": {"type": "array", "items": _TEXT}}}
    fields = {
        "budget": {"type": ["number", "string"]},
        "currency": {"type": "string", "pattern": _anchored(schema._CURRENCY)},
        "objective": {"enum": list(schema.OBJECTIVES)},
        "audience": audience,
        "start": _DAY,
        "end": _DAY,
        "channels": _channel_list(channels),
    }
    return {"type": "object", "additionalProperties": False,
            "required": ["budget", "currency", "objective"],
            "properties": shape(fields, schema.PAID_FIELDS, "paid")}


def _channel_list(channels: list[str] | None) -> dict[str, Any]:
    item: dict[str, Any] = {"enum": channels} if channels is not None else _TEXT
    return {"type": "array", "items": item, "uniqueItems": True}


def _override(platform_fields: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    fields = {
        "text": _TEXT, "thread": {"type": "array", "items": _TEXT}, "date": _DATE,
        "hashtags": _HASHTAGS, "media": _media(), "cta": _cta(),
        **{name: {**_TEXT, "description": f"Only for {', '.join(platforms)} channels"}
           for name, platforms in platform_fields.items()},
    }
    return {"type": "object", "additionalProperties": False,
            "properties": shape(fields, schema.OVERRIDE_FIELDS, "variants.<channel>")}


def shape(fields: dict[str, Any], names: Iterable[str], where: str) -> dict[str, Any]:
    """`fields` in the order of `names`, which must be exactly the fields the reader knows."""
    names = tuple(names)
    if set(fields) != set(names):
        raise AssertionError(f"{where}: the schema's fields {sorted(fields)} are not the "
                             f"reader's {sorted(names)}")
    return {name: fields[name] for name in names}


def front_matter(channels: list[str] | None = None) -> dict[str, Any]:
    """The JSON Schema; `channels` the calendar's channel names (None: any name)."""
    fields: dict[str, Any] = {
        "id": {"type": "string", "pattern": _anchored(schema.ID_PATTERN),
               "description": "Stable: it survives renaming the file"},
        "title": {"type": "string", "maxLength": 300},
        "date": {"description": _DATE["description"] + "; or 'auto': the next free posting "
                 "slot of each channel", "type": "string"},
        "channels": {**_channel_list(channels), "minItems": 1},
        "funnel": {"enum": [f.value for f in Funnel]},
        "campaign": {"type": "string", "maxLength": 64, "pattern": _anchored(schema._SLUG)},
        "owner": {"type": "string", "maxLength": 100},
        "cta": _cta(),
        "media": _media(),
        "image": {**_TEXT, "description": "One image (with 'alt'); or use 'media'"},
        "alt": {**_TEXT, "description": "The image's alternative text"},
        "hashtags": _HASHTAGS,
        "lang": {"type": "string", "maxLength": 35, "pattern": _anchored(schema._LANG)},
        "draft": {"type": "boolean"},
        "paid": _paid(channels),
        "repeat": {"type": "string", "maxLength": 500,
                   "description": "An RFC 5545 RRULE: FREQ=WEEKLY;BYDAY=SU;COUNT=8"},
        "skip": {"anyOf": [_DAY, {"type": "array", "items": _DAY}],
                 "description": "Occurrences of 'repeat' left out"},
        "evergreen": {"type": "boolean",
                      "description": "Sent again into free posting slots"},
        "variants": {"type": "object", "description": "Per-channel changes, by channel name",
                     "additionalProperties": _override(dict(schema.PLATFORM_FIELDS)),
                     **({"propertyNames": {"enum": channels}} if channels is not None else {})},
    }
    return {
        "$schema": DRAFT,
        "title": "postgen post front matter",
        "description": "The fields of a post's front matter; `postgen check` checks the rest.",
        "type": "object",
        "required": ["id", "title", "date", "channels", "funnel"],
        "additionalProperties": False,
        "properties": shape(fields, schema.POST_FIELDS, "post"),
    }


def as_json(channels: list[str] | None = None) -> str:
    return json.dumps(front_matter(channels), indent=2, ensure_ascii=False) + "\n"
