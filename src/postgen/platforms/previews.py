"""How each platform's feed shows a post: image crops, grids, folds, display URLs.

The numbers are data (``rules.yaml``, section ``previews``, each with its
source); this module computes from them and an image's size what the feed
shows. The site draws exactly these crops, and its tests compare against them.

This package imports nothing else from postgen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import yaml

__all__ = ["Crop", "MediaLayout", "PreviewRules", "UrlDisplay", "display_url", "fold_point",
           "link_card_aspect", "media_layout", "preview_rules"]

LAYOUTS = ("grid", "carousel", "stack")
ENTITY_KINDS = ("link", "hashtag", "mention", "cashtag")


@dataclass(frozen=True)
class PreviewRules:
    """One platform's feed presentation (``rules.yaml`` ``previews``); None: no bound."""

    name: str
    min_aspect: float | None = None
    max_aspect: float | None = None
    multi: str = "stack"
    grid_aspect: float | None = None
    grid_max: int | None = None
    link_card_aspect: float | None = None
    fold_after: int | None = None
    fold_label: str | None = None
    display_url_length: int | None = None
    entities: tuple[str, ...] = ()  # what the feed links in plain text: ENTITY_KINDS


@dataclass(frozen=True)
class Crop:
    """The frame one image gets: ``aspect`` (width / height); ``rows`` a grid cell spans;
    ``cropped`` when the frame cuts the image (its own ratio differs by over 1 %)."""

    aspect: float
    cropped: bool
    rows: int = 1


@dataclass(frozen=True)
class MediaLayout:
    """How a post's images show: ``single``, ``grid`` (2 columns), ``carousel`` (one at
    a time, all at one ratio) or ``stack``; one crop per shown image; ``more`` images
    not shown (a grid's "+N")."""

    kind: str
    crops: tuple[Crop, ...]
    more: int = 0


@dataclass(frozen=True)
class UrlDisplay:
    """A link as the feed shows it: ``hidden`` prefix, ``shown`` part, ``cut`` rest
    (hidden, an ellipsis standing for it). The three together are the link as sent."""

    hidden: str
    shown: str
    cut: str


def _number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise ValueError(f"{where} must be a number > 0 or null, not {value!r}")


def _count(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError(f"{where} must be a whole number > 0 or null, not {value!r}")


def _rules(name: str, data: object) -> PreviewRules:
    where = f"rules.yaml:previews.{name}"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be a mapping")
    known = {"single", "multi", "grid_aspect", "grid_max", "link_card_aspect", "fold_after",
             "fold_label", "display_url_length", "entities"}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    single = data.get("single") or {}
    if not isinstance(single, Mapping) or set(single) - {"min_aspect", "max_aspect"}:
        raise ValueError(f"{where}.single takes min_aspect and max_aspect")
    multi = data.get("multi", "stack")
    if multi not in LAYOUTS:
        raise ValueError(f"{where}.multi must be one of {', '.join(LAYOUTS)}")
    if multi == "grid" and data.get("grid_aspect") is None:
        raise ValueError(f"{where}: a grid needs grid_aspect")
    label = data.get("fold_label")
    if (data.get("fold_after") is None) != (label is None) or not (
            label is None or isinstance(label, str) and label):
        raise ValueError(f"{where}: fold_after and fold_label (text) go together")
    kinds = data.get("entities") or []
    if not isinstance(kinds, list) or any(k not in ENTITY_KINDS for k in kinds):
        raise ValueError(f"{where}.entities must be a list of {', '.join(ENTITY_KINDS)}")
    return PreviewRules(
        name=name,
        min_aspect=_number(single.get("min_aspect"), f"{where}.single.min_aspect"),
        max_aspect=_number(single.get("max_aspect"), f"{where}.single.max_aspect"),
        multi=str(multi),
        grid_aspect=_number(data.get("grid_aspect"), f"{where}.grid_aspect"),
        grid_max=_count(data.get("grid_max"), f"{where}.grid_max"),
        link_card_aspect=_number(data.get("link_card_aspect"), f"{where}.link_card_aspect"),
        fold_after=_count(data.get("fold_after"), f"{where}.fold_after"),
        fold_label=label,
        display_url_length=_count(data.get("display_url_length"),
                                  f"{where}.display_url_length"),
        entities=tuple(kinds),
    )


@functools.cache
def _load() -> Mapping[str, PreviewRules]:
    text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    section = data.get("previews") if isinstance(data, Mapping) else None
    if not isinstance(section, Mapping):
        raise ValueError("rules.yaml: expected a 'previews' mapping")
    return {str(name): _rules(str(name), entry) for name, entry in section.items()}


def preview_rules(platform: str) -> PreviewRules:
    """The platform's feed presentation; an unknown platform gets no bounds."""
    return _load().get(platform) or PreviewRules(platform)


def _clamp(ratio: float, rules: PreviewRules) -> float:
    if rules.min_aspect is not None:
        ratio = max(ratio, rules.min_aspect)
    if rules.max_aspect is not None:
        ratio = min(ratio, rules.max_aspect)
    return ratio


def _crop(aspect: float, own: float | None, rows: int = 1) -> Crop:
    return Crop(aspect, own is not None and abs(aspect / own - 1) > 0.01, rows)


def _own(size: tuple[int | None, int | None]) -> float | None:
    width, height = size
    return width / height if width and height else None


def media_layout(platform: str, sizes: Sequence[tuple[int | None, int | None]]) -> MediaLayout:
    """How the platform's feed shows images of these (width, height) sizes (None for an
    unknown size: a video, say, shown square within the bounds)."""
    rules = preview_rules(platform)
    owns = [_own(s) for s in sizes]
    if not owns:
        return MediaLayout("single", ())
    if len(owns) == 1 or rules.multi == "stack":
        kind = "single" if len(owns) == 1 else "stack"
        return MediaLayout(kind, tuple(_crop(_clamp(o or 1.0, rules), o) for o in owns))
    if rules.multi == "carousel":
        aspect = _clamp(owns[0] or 1.0, rules)
        return MediaLayout("carousel", tuple(_crop(aspect, o) for o in owns))
    shown = owns[: rules.grid_max or len(owns)]
    box = rules.grid_aspect or 1.0
    rows = (len(shown) + 1) // 2
    cell = box * rows / 2
    crops = []
    for i, own in enumerate(shown):
        if i == 0 and len(shown) % 2:  # an odd count: the first spans the rows
            crops.append(_crop(box / 2, own, rows))
        else:
            crops.append(_crop(cell, own))
    return MediaLayout("grid", tuple(crops), len(owns) - len(shown))


def link_card_aspect(platform: str) -> float | None:
    """The ratio of a link card's image in the platform's feed (None: no card)."""
    return preview_rules(platform).link_card_aspect


_SPACE = re.compile(r"\s")


def fold_point(text: str, platform: str, keep: Sequence[tuple[int, int]] = ()) -> int | None:
    """Where the platform's feed cuts `text` behind its "more" control: the index the
    hidden rest starts at (after the last space within the limit, never inside a
    `keep` span such as a link: before it, or after it when it opens the text), or
    None when the whole text shows."""
    limit = preview_rules(platform).fold_after
    if limit is None or len(text) <= limit:
        return None
    cut = limit
    for start, end in keep:
        if start < cut < end:
            cut = start if text[:start].strip() else end
    spaces = [m.end() for m in _SPACE.finditer(text, 0, cut + 1)]
    at = spaces[-1] if spaces else cut
    return at if 0 < at < len(text) else None


_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?", re.IGNORECASE)


def display_url(url: str, platform: str) -> UrlDisplay:
    """`url` as the platform's feed shows it in a post's text."""
    length = preview_rules(platform).display_url_length
    if length is None:
        return UrlDisplay("", url, "")
    hidden = _SCHEME.match(url)
    prefix = hidden.group() if hidden else ""
    rest = url[len(prefix):]
    if len(rest) <= length:
        return UrlDisplay(prefix, rest, "")
    return UrlDisplay(prefix, rest[:length], rest[length:])
