"""The post schema: front matter in, a typed `Post` (or located problems) out.

Fields (see docs/content-model.md for the writer's version):

    id, title, date, channels, funnel          required
    campaign, owner, cta {text, url}, media [{src, alt}] (or image + alt),
    hashtags, lang, draft, paid {...}, variants {channel: {...}}

Each check reports at the line and column of the field at fault and goes
on, so one run shows every problem in the file.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from postgen.dates import DateProblem, parse_datetime, parse_day
from postgen.diagnostics import Diagnostic, Severity, brief
from postgen.fields import Fields
from postgen.models import (
    Audience,
    CalendarConfig,
    Cta,
    Funnel,
    Media,
    Override,
    Paid,
    Post,
    Recurrence,
)

POST_FIELDS = (
    "id", "title", "date", "channels", "funnel", "campaign", "owner", "cta", "media",
    "image", "alt", "hashtags", "lang", "draft", "paid", "variants", "repeat", "skip",
    "evergreen",
)
OVERRIDE_FIELDS = (
    "text", "thread", "date", "hashtags", "media", "cta",
    "first_comment", "subject", "preheader", "content_warning",
)
#: Per-channel fields that only some platforms have a use for.
PLATFORM_FIELDS = {
    "first_comment": ("instagram", "facebook", "linkedin"),
    "subject": ("email",),
    "preheader": ("email",),
    "content_warning": ("mastodon",),
}
PAID_FIELDS = ("budget", "currency", "objective", "audience", "start", "end", "channels")
OBJECTIVES = (
    "awareness", "reach", "traffic", "engagement", "leads", "conversions",
    "app_installs", "video_views",
)
ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LANG = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*")
#: A `date: auto` post's date until `postgen.schedule` assigns its slot.
UNASSIGNED = datetime(2000, 1, 1, tzinfo=UTC)
#: Dates further than this from "now" are errors: a typo (2207 for 2027) would
#: otherwise build a calendar page for every month in between.
DATE_WINDOW = timedelta(days=3653)
#: A line of exactly '---' between blank lines splits the body into thread parts.
#: The body `postgen new` writes: `check` warns until the writer replaces it.
def is_slug(text: str) -> bool:
    """Whether `text` can be a campaign (or another slug field) as front matter has it."""
    return len(text) <= 64 and _SLUG.fullmatch(text) is not None


PLACEHOLDER_BODY = ("Write the post here. A line break stays a line break; markdown "
                    "[links](https://example.com) and lists work.\n")
PART_BREAK = re.compile(r"\n[ \t]*\n---[ \t]*\n[ \t]*\n")


def suggest_id(path: Path, date: object) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "post"
    day = date[:10] if isinstance(date, str) and re.match(r"\d{4}-\d\d-\d\d", date) else ""
    return (f"{day}-{stem}" if day and not stem.startswith(day) else stem)[:64].strip("-")


class MediaLookup:
    """Where a media path points and whether it is there, looked up once per run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[tuple[Path, str], tuple[Path, bool, bool | str]] = {}

    def find(self, base: Path, written: str) -> tuple[Path, bool, bool | str]:
        """(resolved path, inside the root?, True if a file / False / an OS error message)."""
        key = (base, written)
        if key not in self._seen:
            path = base / written.lstrip("/")
            inside = True
            found: bool | str
            try:
                path = path.resolve()
                inside = path.is_relative_to(self.root)
                found = inside and path.is_file()
            except OSError as exc:  # a name too long for the filesystem, say
                found = exc.strerror or str(exc)
            except ValueError:  # Path refuses a NUL
                found = "a path cannot hold a NUL character"
            except RuntimeError:  # a loop of symbolic links
                found = "its symbolic links go round in a loop"
            self._seen[key] = (path, inside, found)
        return self._seen[key]


class PostReader:
    """Reads one post's front matter against the calendar config."""

    def __init__(self, config: CalendarConfig, f: Fields, file: Path,
                 media: MediaLookup | None, now: datetime) -> None:
        self.config = config
        self.f = f
        self.file = file
        self.media = media or MediaLookup(config.root)
        self.now = now

    def read(self, body: str, body_line: int) -> Post | None:
        """The post as far as its variants go: None when an error touches what they are
        made of. A post returned may have errors elsewhere in its file (an unknown
        field, a bad `paid`): `load_file` then has it checked, never sent."""
        f = self.f
        f.unknown(POST_FIELDS)
        before = self._errors()
        post_id = self._id()
        title = f.text("title", required=True, max_length=300)
        auto = f.raw("date") == "auto"
        date = UNASSIGNED if auto else self._date(f, "date", required=True)
        channels = self._channels()
        funnel = f.choice("funnel", tuple(Funnel), "funnel-unknown", required=True)
        sent = self._errors() - before  # errors in what the variants are made of
        campaign = self._slug(f, "campaign")
        owner = f.text("owner", max_length=100)
        before = self._errors()
        cta = self._cta(f)
        media = self._media_field(f)
        hashtags = self._hashtags(f, "hashtags")
        lang = f.text("lang", max_length=35)
        if lang is not None and not _LANG.fullmatch(lang):
            f.report("field-value", f"'{brief(lang)}' is not a language tag like en or pt-BR",
                     "lang")
        sent += self._errors() - before
        draft = f.flag("draft") or False
        if funnel == Funnel.CONVERSION and "cta" not in f.data:
            f.report("cta-missing", "a conversion post should have a call to action: add "
                     "'cta: {text: ..., url: ...}'", "funnel", severity=Severity.WARNING)
        if body.strip() == PLACEHOLDER_BODY.strip():
            text_line = body_line + len(body) - len(body.lstrip("\n"))
            f.diagnostics.append(Diagnostic(
                f.path, text_line, 1, Severity.WARNING, "body-placeholder",
                "the body is still the placeholder `postgen new` wrote: write the post"))
        paid = self._paid(channels)
        before = self._errors()
        overrides = self._overrides(channels)
        repeat = self._repeat(auto, overrides)
        evergreen = f.flag("evergreen") or False
        if sent or self._errors() > before:
            return None
        assert post_id and title and date and funnel  # all required, no error reported
        return Post(
            id=post_id, path=self.config.rel(self.file), title=title.strip(), date=date,
            channels=channels, funnel=Funnel(funnel), body=body, body_line=body_line,
            campaign=campaign, owner=owner, cta=cta, media=media or (),
            media_field="image" if "image" in f.data else "media",
            hashtags=hashtags or (), lang=lang, draft=draft, paid=paid,
            overrides=MappingProxyType(overrides), source=f.source,
            repeat=repeat, auto=auto, evergreen=evergreen,
        )

    def _repeat(self, auto: bool, overrides: dict[str, Override]) -> Recurrence | None:
        """`repeat:` and `skip:`; the rule itself is read by `postgen.schedule`."""
        f = self.f
        rule = f.text("repeat", max_length=500)
        skip: list[date] = []
        raw = f.raw("skip")
        for i, value in enumerate(raw if isinstance(raw, list) else [] if raw is None
                                  else [raw]):
            day = parse_day(value)
            if isinstance(day, DateProblem):
                f.sub({"skip": raw if isinstance(raw, list) else [raw]}).report(
                    day.rule, day.message, "skip", i)
            else:
                skip.append(day)
        if rule is None:
            if raw is not None:
                f.report("field-value", "'skip' leaves dates out of a 'repeat' rule; this "
                         "post does not repeat", "skip", at_key=True)
            return None
        if auto:
            f.report("field-value", "a repeating post needs a first date and time, not "
                     "'date: auto'", "date")
        for name, o in overrides.items():
            if o.date is not None:
                f.report("field-value", f"'{name}' has its own date, which a repeating post "
                         "cannot have: make it a post of its own", "variants", at_key=True)
        return Recurrence(rule.strip(), tuple(skip))

    def _errors(self) -> int:
        return sum(1 for d in self.f.diagnostics if d.severity == "error")

    # -- single fields -------------------------------------------------------

    def _id(self) -> str | None:
        f = self.f
        if "id" not in f.data:
            f.report("field-missing",
                     "'id' is required: a stable id that survives renaming the file, e.g. "
                     f"'id: {suggest_id(self.file, f.data.get('date'))}'")
            return None
        value = f.raw("id")
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads `id: 0123` as 83: an id must be written as text.
            f.report("id-invalid", f"post id {brief(value)} is a number to YAML; put it in "
                     "quotes", "id")
            return None
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            shown = f"'{brief(value)}'" if isinstance(value, str) else brief(value)
            f.report("id-invalid",
                     f"post id {shown} must be lowercase letters, digits and '-' "
                     "(at most 64, not starting or ending with '-')", "id")
            return None
        return value

    def _date(self, f: Fields, name: str, required: bool = False) -> datetime | None:
        value = f.raw(name, required)
        if value is None:
            return None
        result = parse_datetime(value, self.config.timezone)
        if not isinstance(result, DateProblem):
            result = self._outside(result.date()) or result
        if isinstance(result, DateProblem):
            f.report(result.rule, result.message, name)
            return None
        return result

    def _outside(self, day: date) -> DateProblem | None:
        """The problem with a date too far from "now" to be meant."""
        today = self.now.date()
        if abs(day - today) <= DATE_WINDOW:
            return None
        return DateProblem("date-range", f"{day} is more than 10 years from today ({today}); "
                           "check the year")

    def _slug(self, f: Fields, name: str) -> str | None:
        value = f.text(name, max_length=64)
        if value is not None and not _SLUG.fullmatch(value):
            f.report("field-value",
                     f"'{brief(value)}' must be a slug: lowercase letters, digits, '-' and '_'",
                     name)
            return None
        return value

    def _channels(self) -> tuple[str, ...]:
        f = self.f
        names = f.text_list("channels", required=True) or ()
        seen: list[str] = []
        for i, name in enumerate(names):
            if name in seen:
                f.report("channel-duplicate", f"channel '{name}' is listed twice", "channels", i)
            elif name not in self.config.channels:
                known = ", ".join(self.config.channels) or "none"
                f.report("channel-unknown",
                         f"channel '{name}' is not configured in mkdocs.yml (channels: {known})",
                         "channels", i)
            else:
                seen.append(name)
        return tuple(seen)

    def _cta(self, f: Fields) -> Cta | None:
        c = f.mapping("cta")
        if c is None:
            return None
        c.unknown(("text", "url"), "cta field")
        text, url = c.text("text", required=True), c.url("url", required=True)
        return Cta(text.strip(), url) if text and url else None

    def _hashtags(self, f: Fields, name: str) -> tuple[str, ...] | None:
        tags = f.text_list(name)
        if tags is None:
            return None
        clean: list[str] = []
        for i, tag in enumerate(tags):
            bare = tag.strip().lstrip("#")
            if not bare or any(c.isspace() or c in "#,.!?;:'\"" for c in bare):
                f.report("field-value",
                         f"hashtag '{tag}' must be one word (letters, digits, '_')", name, i)
            else:
                clean.append(bare)
        return tuple(clean)

    # -- media -----------------------------------------------------------------

    def _media_field(self, f: Fields) -> tuple[Media, ...] | None:
        if "image" in f.data or "alt" in f.data:
            if "media" in f.data:
                f.report("field-value", "use either 'image' (with 'alt') or 'media', not both",
                         "image", at_key=True)
                return None
            src = f.text("image", required=True)
            alt = f.text("alt")
            item = self._media_item(f, "image", src, alt) if src else None
            return (item,) if item else ()
        return self._media_list(f, "media")

    def _media_list(self, f: Fields, name: str) -> tuple[Media, ...] | None:
        raw = f.raw(name)
        if raw is None:
            return None
        if not isinstance(raw, list):
            raw = [raw]
            f = f.sub({name: raw})  # so item 0 points at the field itself
        items: list[Media] = []
        for i, entry in enumerate(raw):
            if isinstance(entry, str):
                entry = {"src": entry}
            if not isinstance(entry, dict):
                f.report("field-type", f"each of '{f.label(name)}' must be a mapping with src "
                         "and alt", name, i)
                continue
            m = f.sub(entry, name, i)
            m.unknown(("src", "alt"), "media field")
            src = m.text("src", required=True)
            item = self._media_item(m, "src", src, m.text("alt")) if src else None
            if item:
                items.append(item)
        return tuple(items)

    def _media_item(self, f: Fields, name: str, src: str, alt: str | None) -> Media | None:
        root = self.config.root
        written = src.strip()
        base = self.file.parent if written.startswith(("./", "../")) else root
        path, inside, found = self.media.find(base, written)
        if not inside:
            f.report("media-outside-repo",
                     f"'{written}' leaves the calendar repository; media must live inside it",
                     name)
            return None
        if isinstance(found, str):
            f.report("media-missing", f"media file '{written[:80]}' cannot be looked up: "
                     f"{found}", name)
            return None
        if not found:
            f.report("media-missing", f"media file '{written}' does not exist "
                     f"(looked for {self.config.rel(path)})", name)
            return None
        return Media(src=written, path=path, alt=alt.strip() if alt else None)

    # -- paid promotion -------------------------------------------------------------

    def _paid(self, channels: tuple[str, ...]) -> Paid | None:
        p = self.f.mapping("paid")
        if p is None:
            return None
        p.unknown(PAID_FIELDS, "paid field")
        budget = p.decimal("budget", required=True)
        currency = p.text("currency", required=True)
        if currency is not None and not _CURRENCY.fullmatch(currency):
            p.report("field-value", f"'{currency}' is not an ISO 4217 currency code like USD",
                     "currency")
            currency = None
        objective = p.choice("objective", OBJECTIVES, required=True)
        audience = self._audience(p)
        start, end = self._day(p, "start"), self._day(p, "end")
        if start and end and end < start:
            p.report("field-value", f"'end' ({end}) is before 'start' ({start})", "end")
        paid_channels = p.text_list("channels") or ()
        for i, name in enumerate(paid_channels):
            if name not in channels:
                p.report("variant-channel",
                         f"paid channel '{name}' is not one of this post's channels", "channels", i)
        if budget is None or currency is None or objective is None:
            return None
        return Paid(budget, currency, objective, audience, start, end, paid_channels)

    def _day(self, f: Fields, name: str) -> date | None:
        value = f.raw(name)
        if value is None:
            return None
        result = parse_day(value)
        if not isinstance(result, DateProblem):
            result = self._outside(result) or result
        if isinstance(result, DateProblem):
            f.report(result.rule, result.message, name)
            return None
        return result

    def _audience(self, p: Fields) -> Audience | None:
        a = p.mapping("audience")
        if a is None:
            return None
        a.unknown(("locations", "age_min", "age_max", "interests"), "audience field")
        age_min = a.integer("age_min", minimum=13, maximum=100)
        age_max = a.integer("age_max", minimum=13, maximum=100)
        if age_min and age_max and age_max < age_min:
            a.report("field-value", f"'age_max' ({age_max}) is below 'age_min' ({age_min})",
                     "age_max")
        return Audience(a.text_list("locations") or (), age_min, age_max,
                        a.text_list("interests") or ())

    # -- per-channel overrides ----------------------------------------------------------

    def _overrides(self, channels: tuple[str, ...]) -> dict[str, Override]:
        v = self.f.mapping("variants")
        if v is None:
            return {}
        result: dict[str, Override] = {}
        for name in v.data:
            key = str(name)
            if key not in channels:
                what = "not configured" if key not in self.config.channels else \
                    "not in this post's channels"
                v.report("variant-channel", f"override for channel '{key}', which is {what}",
                         key, at_key=True)
                continue
            o = v.mapping(key)
            if o is None:
                continue
            o.unknown(OVERRIDE_FIELDS, "per-channel field")
            platform = self.config.channels[key].platform
            for fieldname, allowed in PLATFORM_FIELDS.items():
                if fieldname in o.data and platform not in allowed:
                    o.report("field-not-for-platform",
                             f"'{fieldname}' applies to {', '.join(allowed)} channels; "
                             f"'{key}' is {platform}", fieldname, at_key=True)
            if "text" in o.data and "thread" in o.data:
                o.report("field-value", "give either 'text' or 'thread', not both", "thread",
                         at_key=True)
            thread = o.text_list("thread")
            result[key] = Override(
                channel=key,
                text=o.text("text"),
                thread=thread if thread else None,
                date=self._date(o, "date"),
                hashtags=self._hashtags(o, "hashtags"),
                media=self._media_list(o, "media"),
                cta=self._cta(o),
                first_comment=o.text("first_comment"),
                subject=o.text("subject"),
                preheader=o.text("preheader"),
                content_warning=o.text("content_warning"),
            )
        return result


def read_post(config: CalendarConfig, f: Fields, file: Path, body: str, body_line: int,
              media: MediaLookup | None, now: datetime) -> Post | None:
    """See `PostReader.read`; dates more than 10 years from `now` are errors."""
    return PostReader(config, f, file, media, now).read(body, body_line)


def split_parts(body: str) -> tuple[str, ...]:
    """The body's explicit thread parts (one part when there is no break)."""
    parts = [p.strip() for p in PART_BREAK.split(f"\n{body.strip()}\n")]
    return tuple(p for p in parts if p)


__all__ = ["Diagnostic", "read_post", "split_parts", "suggest_id"]
