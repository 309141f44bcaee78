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
from postgen.platforms import MediaRules, PlatformRules
from postgen.platforms.counting import count, sms_info
from postgen.render.model import MediaFile, Variant, Video
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
        yield from _media_file(m, v.platform, media_rules, w, at)


def _media_file(m: MediaFile, platform: str, rules: MediaRules, w: _Where,
                at: Loc) -> Iterator[diag.Diagnostic]:
    """What one file breaks: it must decode, then be of a kind, size and shape the
    platform takes."""
    if m.too_many_pixels:
        yield w.error(at, "media-size", f"'{m.src}' is (or claims to be) an image of over "
                      f"{Image.MAX_IMAGE_PIXELS or 0:,} pixels: too large to open safely")
        return
    if m.unreadable:
        yield w.error(at, "media-unreadable", f"'{m.src}' cannot be sent: {m.unreadable}")
        return
    if m.video is not None:
        yield from _video(m, m.video, platform, rules, w, at)
        return
    if rules.formats and m.format and m.format not in rules.formats:
        yield w.error(at, "media-format", f"'{m.src}' is {m.format}; {platform} takes "
                      f"{', '.join(rules.formats)}")
    if m.animated and not rules.animated:
        yield w.error(at, "media-format", f"'{m.src}' is an animated {m.format}; {platform} "
                      "takes still images only")
    if m.mode == "CMYK":
        yield w.error(at, "media-color", f"'{m.src}' is a CMYK image: browsers and apps show "
                      "it with wrong colours (save it as RGB)", diag.Severity.WARNING)
    elif m.mode and m.mode.endswith(";16") or m.mode in ("I;16", "I;16B", "I"):
        yield w.error(at, "media-color", f"'{m.src}' has 16 bits per channel: platforms "
                      "reduce it to 8 and some refuse it (save it with 8)",
                      diag.Severity.WARNING)
    limit = rules.max_gif_bytes if m.format == "GIF" and rules.max_gif_bytes else \
        rules.max_bytes
    if limit is not None and m.size > limit:
        yield w.error(at, "media-size", f"'{m.src}' is {m.size:,} bytes; {platform} "
                      f"takes at most {limit:,}")
    if m.width and rules.min_width is not None and m.width < rules.min_width:
        # (wider than the maximum is fine: the platform scales it down)
        yield w.error(at, "media-size", f"'{m.src}' is {m.width} px wide; {platform} "
                      f"needs at least {rules.min_width}")
    yield from _aspect(m, platform, rules.min_aspect, rules.max_aspect, w, at)


def _video(m: MediaFile, video: Video, platform: str, rules: MediaRules, w: _Where,
           at: Loc) -> Iterator[diag.Diagnostic]:
    if rules.video_containers and video.container not in rules.video_containers:
        yield w.error(at, "media-video", f"'{m.src}' is a {video.container} video; {platform} "
                      f"takes {', '.join(rules.video_containers)}")
    if rules.video_codecs and video.codec not in rules.video_codecs:
        yield w.error(at, "media-video", f"'{m.src}' is encoded as {video.codec}; {platform} "
                      f"takes {', '.join(rules.video_codecs)}")
    low, high = rules.min_video_seconds, rules.max_video_seconds
    if (low is not None and video.seconds < low) or (high is not None and video.seconds > high):
        yield w.error(at, "media-video", f"'{m.src}' lasts {video.seconds:.1f} s; {platform} "
                      f"takes {low or 0:g} to {high or 0:g} s" if high else
                      f"'{m.src}' lasts {video.seconds:.1f} s; {platform} needs at least "
                      f"{low or 0:g} s")
    for size, most, what in ((m.width, rules.max_video_width, "wide"),
                             (m.height, rules.max_video_height, "high")):
        if size and most is not None and size > most:
            yield w.error(at, "media-video", f"'{m.src}' is {size} px {what}; {platform} takes "
                          f"at most {most}")
    if rules.max_video_bytes is not None and m.size > rules.max_video_bytes:
        yield w.error(at, "media-size", f"'{m.src}' is {m.size:,} bytes; {platform} "
                      f"takes videos of at most {rules.max_video_bytes:,}")
    yield from _aspect(m, platform, rules.video_min_aspect, rules.video_max_aspect, w, at)


def _aspect(m: MediaFile, platform: str, low: float | None, high: float | None, w: _Where,
            at: Loc) -> Iterator[diag.Diagnostic]:
    if m.width and m.height:
        ratio = m.width / m.height
        if (low is not None and ratio < low - 1e-3) or (high is not None
                                                        and ratio > high + 1e-3):
            yield w.error(at, "media-aspect",
                          f"'{m.src}' is {m.width}x{m.height} (aspect {ratio:.2f}); "
                          f"{platform} takes {low or 0:.2f} to {high or 0:.2f}")


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
