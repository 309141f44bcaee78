"""What a rendered variant breaks of its platform's rules, as located diagnostics.

Each problem names the channel and points at the field that causes it: the
channel's override where there is one, else the post's own field or body.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex
from PIL import Image

from postgen import diagnostics as diag
from postgen.models import Post
from postgen.platforms import PlatformRules
from postgen.platforms.counting import count, sms_info
from postgen.render.model import Variant
from postgen.yamlsource import Loc

_MENTION = regex.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
_HASHTAG = regex.compile(r"(?<![\w#&])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*")


def check(post: Post, v: Variant, rules: PlatformRules) -> Iterator[diag.Diagnostic]:
    where = _Where(post, v.channel)
    yield from _length(v, rules, where)
    yield from _entities(v, rules, where)
    yield from _media(v, rules, where)
    if v.platform == "sms":
        yield from _sms(v, where)
    if v.platform == "email":
        yield from _email(v, rules, where)


class _Where:
    """Locates a problem: the channel's override if it has the field, else the post's."""

    def __init__(self, post: Post, channel: str) -> None:
        self.post = post
        self.channel = channel
        self.override = post.override(channel)

    def loc(self, field: str, *more: str | int) -> Loc:
        source = self.post.source
        if source is None:
            return Loc(1, 1)
        if getattr(self.override, field, None) is not None:
            return source.value("variants", self.channel, field, *more)
        if field in ("text", "thread"):
            return Loc(self.post.body_line, 1)
        return source.value(field, *more)

    def text_loc(self, part: int) -> Loc:
        if self.override.thread:
            return self.loc("thread", min(part, len(self.override.thread) - 1))
        return self.loc("text")

    def error(self, loc: Loc, rule: str, message: str,
              severity: diag.Severity = diag.Severity.ERROR) -> diag.Diagnostic:
        return diag.Diagnostic(self.post.path, loc.line, loc.col, severity, rule,
                               f"{self.channel}: {message}")


def _length(v: Variant, rules: PlatformRules, w: _Where) -> Iterator[diag.Diagnostic]:
    if v.platform == "email":
        return  # lines and subject: _email
    for i, counted in enumerate(v.counts):
        if counted.ok:
            continue
        which = f" (part {i + 1} of {len(v.parts)})" if len(v.parts) > 1 else ""
        detail = "; ".join(counted.problems) or counted.summary()
        yield w.error(w.text_loc(i), "length-over", f"{detail}{which}")


def _entities(v: Variant, rules: PlatformRules, w: _Where) -> Iterator[diag.Diagnostic]:
    text = "\n".join(p.text for p in v.parts)
    comment = v.first_comment or ""
    tags = {t.lower() for t in _HASHTAG.findall(text + "\n" + comment)}
    if rules.max_hashtags is not None and len(tags) > rules.max_hashtags:
        yield w.error(w.loc("hashtags"), "hashtags-over",
                      f"{len(tags)} hashtags; {v.platform} allows {rules.max_hashtags}")
    mentions = set(_MENTION.findall(text))
    if rules.max_mentions is not None and len(mentions) > rules.max_mentions:
        yield w.error(w.text_loc(0), "mentions-over",
                      f"{len(mentions)} mentions; {v.platform} allows {rules.max_mentions}")


def _media(v: Variant, rules: PlatformRules, w: _Where) -> Iterator[diag.Diagnostic]:
    media_rules = rules.media
    field = w.post.media_field
    if v.media and media_rules.max_count is not None and len(v.media) > media_rules.max_count:
        yield w.error(w.loc(field), "media-count",
                      f"{len(v.media)} media files; {v.platform} takes at most "
                      f"{media_rules.max_count}")
    for i, m in enumerate(v.media):
        at = w.loc(field, i) if field == "media" else w.loc(field)
        if not m.alt:
            severity = diag.Severity.ERROR if rules.alt_text_required else diag.Severity.WARNING
            yield w.error(at, "alt-missing",
                          f"'{m.src}' has no alt text; people who cannot see it need one",
                          severity)
        elif rules.alt_text_limit is not None and len(m.alt) > rules.alt_text_limit:
            yield w.error(at, "alt-too-long", f"alt text of '{m.src}' is {len(m.alt)} "
                          f"characters; {v.platform} allows {rules.alt_text_limit}")
        if m.too_many_pixels:
            yield w.error(at, "media-size", f"'{m.src}' is (or claims to be) an image of over "
                          f"{Image.MAX_IMAGE_PIXELS or 0:,} pixels: too large to open safely")
        if media_rules.formats and m.format and m.format not in media_rules.formats:
            yield w.error(at, "media-format", f"'{m.src}' is {m.format}; {v.platform} takes "
                          f"{', '.join(media_rules.formats)}")
        if media_rules.max_bytes is not None and m.size > media_rules.max_bytes:
            yield w.error(at, "media-size", f"'{m.src}' is {m.size:,} bytes; {v.platform} "
                          f"takes at most {media_rules.max_bytes:,}")
        if m.width and media_rules.min_width is not None and m.width < media_rules.min_width:
            # (wider than the maximum is fine: the platform scales it down)
            yield w.error(at, "media-size", f"'{m.src}' is {m.width} px wide; {v.platform} "
                          f"needs at least {media_rules.min_width}")
        if m.width and m.height:
            ratio = m.width / m.height
            low, high = media_rules.min_aspect, media_rules.max_aspect
            if (low is not None and ratio < low - 1e-3) or (high is not None
                                                            and ratio > high + 1e-3):
                yield w.error(at, "media-aspect",
                              f"'{m.src}' is {m.width}x{m.height} (aspect {ratio:.2f}); "
                              f"{v.platform} takes {low or 0:.2f} to {high or 0:.2f}")


def _sms(v: Variant, w: _Where) -> Iterator[diag.Diagnostic]:
    info = sms_info(v.text)
    if info.encoding != "GSM-7":
        culprit = next((c for c in v.text if sms_info(c).encoding != "GSM-7"), "")
        yield w.error(w.text_loc(0), "sms-encoding",
                      f"'{culprit}' is not in the GSM-7 alphabet, so the whole SMS is sent as "
                      f"UCS-2: {info.per_segment} characters per segment instead of 153-160",
                      diag.Severity.WARNING)
    if info.segments > 1:
        yield w.error(w.text_loc(0), "sms-segments",
                      f"{info.segments} segments ({info.units} {info.encoding} units): billed "
                      f"as {info.segments} messages", diag.Severity.WARNING)


def _email(v: Variant, rules: PlatformRules, w: _Where) -> Iterator[diag.Diagnostic]:
    counted = count(v.text, rules, subject=v.subject or "")
    for problem in counted.problems:
        if "should" in problem.lower() and "subject" not in problem.lower():
            continue  # the renderer wraps at 78; what is left is one unbreakable URL
        yield w.error(w.loc("subject") if "subject" in problem.lower() else w.text_loc(0),
                      "email-format", problem, diag.Severity.WARNING if "should" in
                      problem.lower() else diag.Severity.ERROR)
