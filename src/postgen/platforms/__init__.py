"""Each platform's publishing rules, loaded from ``rules.yaml`` into frozen dataclasses.

``rules.yaml`` is the one place the numbers live (as twitter-text keeps X's in
``config/v3.json``); this module only reads and checks it. A channel can
override a limit (a Mastodon instance allowing 1000 characters, X Premium's
25,000) with :func:`with_overrides`. How text is counted is in ``counting``.

This package imports nothing else from postgen.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "PLATFORMS", "MediaRules", "PlatformRules", "SmsRules", "WeightRange", "Weighting",
    "get_platform", "override_keys", "platform_names", "with_overrides",
]

#: The counting rules ``counting`` implements (``PlatformRules.counting``).
COUNTING_RULES = ("twitter-weighted", "graphemes-mastodon", "bluesky", "threads", "linkedin",
                  "chars", "sms", "email")


@dataclass(frozen=True)
class WeightRange:
    """Code points ``start``..``end`` (inclusive) weigh ``weight`` (in ``Weighting.scale``)."""

    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class Weighting:
    """twitter-text's weighted-length configuration (``config/v3.json``)."""

    scale: int
    default_weight: int
    ranges: tuple[WeightRange, ...]
    emoji_parsing: bool


@dataclass(frozen=True)
class SmsRules:
    """Characters (septets or UTF-16 units) per SMS segment, alone and in a split message."""

    gsm7_single: int
    gsm7_part: int
    ucs2_single: int
    ucs2_part: int
    max_segments: int | None


@dataclass(frozen=True)
class MediaRules:
    """What media a post may carry. ``None`` (or no formats) means unknown: not checked."""

    max_count: int | None = None
    formats: tuple[str, ...] = ()  # Pillow format names: "JPEG", "PNG", ...
    max_bytes: int | None = None  # per image
    max_gif_bytes: int | None = None
    max_video_bytes: int | None = None
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    min_width: int | None = None
    max_width: int | None = None
    animated: bool = True  # takes animated images (GIF, WebP, APNG of several frames)
    # Videos, as ffprobe reads them (render/media.py): containers "mp4", "mov", "webm";
    # ffprobe's codec names ("h264", "hevc", "vp9"); seconds; the size as shown.
    video_containers: tuple[str, ...] = ()  # empty: unknown, not checked
    video_codecs: tuple[str, ...] = ()
    min_video_seconds: float | None = None
    max_video_seconds: float | None = None
    video_min_aspect: float | None = None  # width / height
    video_max_aspect: float | None = None
    max_video_width: int | None = None
    max_video_height: int | None = None


@dataclass(frozen=True)
class PlatformRules:
    """One platform's rules. ``None`` means unknown or no limit (see ``rules.yaml``)."""

    name: str
    display_name: str
    counting: str
    text_limit: int | None
    supports_threads: bool
    media: MediaRules
    byte_limit: int | None = None  # UTF-8 bytes of the text (Bluesky)
    title_limit: int | None = None  # Pinterest's title; counted like the text
    link_url_limit: int | None = None  # length of the one link a post carries (Pinterest)
    subject_limit: int | None = None  # email subject, a SHOULD
    line_limit: int | None = None  # email body line, octets, a MUST
    line_limit_should: int | None = None  # email body line, characters, a SHOULD
    max_links: int | None = None
    unique_links: bool = False  # the link limit counts distinct URLs
    links_clickable: bool = True
    max_hashtags: int | None = None
    max_mentions: int | None = None
    url_length: int | None = None  # a URL counts this much, whatever its length
    url_schemes: tuple[str, ...] = ()
    alt_text_limit: int | None = None
    alt_text_required: bool = False
    weighting: Weighting | None = None
    sms: SmsRules | None = None


_FIXED = ("name", "display_name", "counting")  # not overridable


def _coerce(value: object, hint: Any, where: str) -> object:
    """``value`` checked against the type ``hint``; ValueError says what was expected."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = (a for a in args if a is not type(None))
        return _coerce(value, inner, where)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be true or false, not {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError(f"{where} must be a whole number >= 0, not {value!r}")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise ValueError(f"{where} must be a number > 0, not {value!r}")
    if hint is str:
        if isinstance(value, str) and value:
            return value
        raise ValueError(f"{where} must be a non-empty string, not {value!r}")
    if origin is tuple and args[1:] == (Ellipsis,) and args[0] is str:
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError(f"{where} must be a list of strings, not {value!r}")
    raise ValueError(f"{where} cannot be set")


def _build(cls: type[Any], data: object, where: str) -> Any:
    """A ``cls`` dataclass from a mapping in ``rules.yaml``, every field type-checked."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be a mapping")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values: dict[str, object] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        raw = data[f.name]
        sub = f"{where}.{f.name}"
        if f.name == "media":
            values[f.name] = _build(MediaRules, raw, sub)
        elif f.name == "sms":
            values[f.name] = None if raw is None else _build(SmsRules, raw, sub)
        elif f.name == "weighting":
            values[f.name] = None if raw is None else _weighting(raw, sub)
        else:
            values[f.name] = _coerce(raw, hints[f.name], sub)
    return cls(**values)


def _weighting(data: object, where: str) -> Weighting:
    if not isinstance(data, Mapping) or not isinstance(data.get("ranges"), list):
        raise ValueError(f"{where} needs scale, default_weight, emoji_parsing and ranges")
    ranges = []
    for r in data["ranges"]:
        if not (isinstance(r, list) and len(r) == 3 and all(type(x) is int for x in r)):
            raise ValueError(f"{where}.ranges: each range is [start, end, weight], not {r!r}")
        ranges.append(WeightRange(*r))
    unknown = sorted(str(k) for k in data if k not in ("scale", "default_weight",
                                                         "emoji_parsing", "ranges"))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    scale = typing.cast(int, _coerce(data.get("scale"), int, f"{where}.scale"))
    if not scale:
        raise ValueError(f"{where}.scale must be > 0")
    return Weighting(
        scale=scale,
        default_weight=typing.cast(int, _coerce(data.get("default_weight"), int,
                                                f"{where}.default_weight")),
        ranges=tuple(ranges),
        emoji_parsing=typing.cast(bool, _coerce(data.get("emoji_parsing"), bool,
                                                f"{where}.emoji_parsing")),
    )


@functools.cache
def _load() -> Mapping[str, PlatformRules]:
    text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping) or not isinstance(data.get("platforms"), Mapping):
        raise ValueError("rules.yaml: expected a 'platforms' mapping")
    loaded: dict[str, PlatformRules] = {}
    for name, entry in data["platforms"].items():
        rules: PlatformRules = _build(PlatformRules, {"name": name, **entry}, f"rules.yaml:{name}")
        if rules.counting not in COUNTING_RULES:
            raise ValueError(f"rules.yaml:{name}: unknown counting rule '{rules.counting}'")
        if (rules.counting == "twitter-weighted") != (rules.weighting is not None):
            raise ValueError(f"rules.yaml:{name}: 'weighting' goes with twitter-weighted")
        if (rules.counting == "sms") != (rules.sms is not None):
            raise ValueError(f"rules.yaml:{name}: 'sms' goes with the sms counting rule")
        loaded[str(name)] = rules
    return types.MappingProxyType(loaded)


class _Platforms(Mapping[str, PlatformRules]):
    """Read-only view of every platform's rules, loaded on first use."""

    def __getitem__(self, name: str) -> PlatformRules:
        return _load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_load())

    def __len__(self) -> int:
        return len(_load())

    def __repr__(self) -> str:
        return f"PLATFORMS({', '.join(self)})"


PLATFORMS: Mapping[str, PlatformRules] = _Platforms()


def platform_names() -> tuple[str, ...]:
    """Every platform name, in ``rules.yaml`` order."""
    return tuple(_load())


def get_platform(name: str) -> PlatformRules:
    """The rules of platform ``name``; KeyError names the known ones."""
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"unknown platform '{name}'; known: {', '.join(_load())}") from None


def override_keys(rules: PlatformRules) -> tuple[str, ...]:
    """The keys :func:`with_overrides` accepts for ``rules``: its fields, ``media.*``,
    and ``sms.*`` or ``weighting.emoji_parsing`` where the platform has them."""
    keys: list[str] = []
    for f in fields(rules):
        value = getattr(rules, f.name)
        if f.name in _FIXED or value is None and f.name in ("sms", "weighting"):
            continue
        if f.name == "weighting":  # only the switch; the weights are twitter-text's
            keys.append("weighting.emoji_parsing")
        elif is_dataclass(value):
            keys.extend(f"{f.name}.{g.name}" for g in fields(value))
        else:
            keys.append(f.name)
    return tuple(keys)


def with_overrides(rules: PlatformRules, overrides: Mapping[str, object]) -> PlatformRules:
    """``rules`` with some values replaced, e.g. ``{"text_limit": 1000}`` for a Mastodon
    instance or ``{"media.max_count": 10}``. Unknown keys and wrong types raise ValueError."""
    if not overrides:
        return rules
    valid = override_keys(rules)
    top: dict[str, Any] = {}  # values are checked by _coerce
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        if not isinstance(key, str) or key not in valid:
            raise ValueError(f"unknown limit {key!r} for {rules.name}; valid keys: "
                             f"{', '.join(valid)}")
        owner, _, attr = key.rpartition(".")
        target = getattr(rules, owner) if owner else rules
        hint = typing.get_type_hints(type(target))[attr]
        coerced = _coerce(value, hint, key)
        if owner:
            nested.setdefault(owner, {})[attr] = coerced
        else:
            top[attr] = coerced
    for owner, values in nested.items():
        top[owner] = replace(getattr(rules, owner), **values)
    return replace(rules, **top)
