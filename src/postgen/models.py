"""The calendar's data: frozen dataclasses, built once by the loader.

A `Post` is what a writer wrote, typed and checked; `Calendar` is every post
plus the config and the problems found on the way. Rendering (one variant per
post and channel) builds on these and never changes them.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

from postgen.diagnostics import Diagnostic
from postgen.yamlsource import SourceMap


class Funnel(enum.StrEnum):
    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    CONVERSION = "conversion"
    RETENTION = "retention"


def _frozen_map() -> Mapping[str, object]:
    return MappingProxyType({})


# -- the calendar config (mkdocs.yml, under the postgen plugin) ---------------


@dataclass(frozen=True)
class Slot:
    """A weekly posting time of a channel (`slots:`), in the calendar timezone."""

    weekday: int  # 0 = Monday
    at: time


@dataclass(frozen=True)
class Channel:
    """One account on one platform that posts go to."""

    name: str
    platform: str
    account: str
    publisher: str = "outbox"
    #: Publisher settings; secrets appear only as the names of environment
    #: variables (keys ending in `_env`), never as values.
    options: Mapping[str, object] = field(default_factory=_frozen_map)
    #: Overrides of the platform's limits (a 1000-character Mastodon instance).
    limits: Mapping[str, object] = field(default_factory=_frozen_map)
    #: None: the calendar's approval policy decides.
    approval_required: bool | None = None
    #: "inline" (end of the text) or "first_comment" (Instagram's habit).
    hashtags: str = "inline"
    #: Number the parts of an automatically split thread ("1/3").
    thread_numbering: bool = False
    #: Add UTM tags to brand links (off for SMS with short links, say).
    utm: bool = True
    #: Weekly posting slots that `date: auto` posts and evergreen re-sends fill.
    slots: tuple[Slot, ...] = ()
    #: The account's name as its followers see it (default: the brand's name), and
    #: its picture (a path relative to the calendar root): the site's mockups show both.
    display_name: str | None = None
    avatar: str | None = None


@dataclass(frozen=True)
class Brand:
    name: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class UtmPolicy:
    """UTM tags added to links to the brand's own domains.

    Each value is a template: {platform}, {channel}, {campaign}, {post_id}.
    `medium` maps a platform (or "default") to utm_medium.
    """

    enabled: bool = True
    source: str = "{platform}"
    medium: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"default": "social", "email": "email", "sms": "sms"}
        )
    )
    campaign: str = "{campaign}"
    content: str = "{post_id}"


@dataclass(frozen=True)
class ApprovalPolicy:
    required: bool = True
    reviewers: tuple[str, ...] = ()
    min_approvals: int = 1
    #: Where the site's Approve / Request changes links go: a URL template with
    #: {subject} and {body} (a mailto: address or a new-issue URL).
    action_url: str | None = None


@dataclass(frozen=True)
class ReviewSettings:
    """`postgen review serve`: the receiver that records reviewers' decisions in git.

    Set, the site's buttons post to it (serve the site with it); unset, they open
    messages (`ApprovalPolicy.action_url`)."""

    #: Where reviewers reach the server (the invitation links start with it).
    url: str = "http://127.0.0.1:8000"
    #: The environment variable holding the key that signs links and sessions.
    secret_env: str = "POSTGEN_REVIEW_SECRET"
    #: How long an invitation link (and the session it opens) lasts.
    link_days: int = 30
    #: Invitation link ids, or reviewers, whose links no longer open anything.
    revoked: tuple[str, ...] = ()
    #: An email channel with the smtp publisher: invitations and reminders go through it.
    mail_channel: str | None = None
    #: Actions one reviewer may take per minute.
    rate_limit: int = 60


@dataclass(frozen=True)
class PublishPolicy:
    #: A post missed by more than this is reported, not sent late.
    grace: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class AnalyticsSettings:
    """A web analytics API that counts visits and goals by UTM tags (`results.analytics`)."""

    site_id: str
    token_env: str
    provider: str = "plausible"
    url: str = "https://plausible.io"
    goals: tuple[str, ...] = ()
    days: int = 90  # how far back each fetch looks


@dataclass(frozen=True)
class SchedulePolicy:
    """The evergreen queue (`schedule:`): how often a post may come back, how far ahead."""

    min_gap: timedelta = timedelta(days=60)
    lookahead: timedelta = timedelta(days=28)


@dataclass(frozen=True)
class SpellingPolicy:
    """Spelling warnings (`spelling:`): the posts' default language and the calendar's own
    words (brand names, products), one per line in `words`."""

    lang: str
    words: Path | None = None


@dataclass(frozen=True)
class CalendarConfig:
    root: Path
    config_path: Path
    site_name: str
    timezone: ZoneInfo
    content_dir: Path
    brand: Brand
    channels: Mapping[str, Channel]
    utm: UtmPolicy = UtmPolicy()
    approval: ApprovalPolicy = ApprovalPolicy()
    publish: PublishPolicy = PublishPolicy()
    schedule: SchedulePolicy = SchedulePolicy()
    analytics: AnalyticsSettings | None = None
    #: Fetch linked pages' Open Graph tags at build time for the previews' link cards.
    link_previews: bool = False
    spelling: SpellingPolicy | None = None  # None: spelling is not checked
    #: The approval site's public address (MkDocs' `site_url`), ending in "/"; empty
    #: when mkdocs.yml sets none.
    site_url: str = ""
    review: ReviewSettings | None = None

    def post_url(self, post_id: str) -> str:
        """A post's page: absolute with `site_url`, else relative to the site's root."""
        return f"{self.site_url}posts/{post_id}/"

    @property
    def source_folders(self) -> tuple[Path, Path, Path]:
        """The folders the site is made from: posts, images, templates."""
        return self.content_dir, self.root / "assets", self.root / "theme"

    def rel(self, path: Path) -> str:
        """A path as shown in messages: relative to the calendar root."""
        text, root = str(path), str(self.root)
        if text.startswith(root) and text[len(root) : len(root) + 1] == os.sep:
            return text[len(root) + 1 :].replace(os.sep, "/")
        return path.as_posix()


# -- posts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Media:
    src: str  # as written
    path: Path  # resolved, inside the calendar root
    alt: str | None


@dataclass(frozen=True)
class Cta:
    text: str
    url: str


@dataclass(frozen=True)
class Audience:
    locations: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    interests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paid:
    """Paid promotion: the post is paid social, not only organic."""

    budget: Decimal
    currency: str
    objective: str
    audience: Audience | None = None
    start: date | None = None
    end: date | None = None
    channels: tuple[str, ...] = ()  # empty: every channel of the post


@dataclass(frozen=True)
class Recurrence:
    """`repeat:` (an RFC 5545 RRULE) and `skip:` (dates left out)."""

    rule: str
    skip: tuple[date, ...] = ()


@dataclass(frozen=True)
class Override:
    """What one channel of a post does differently; None keeps the post's own."""

    channel: str
    text: str | None = None
    thread: tuple[str, ...] | None = None
    date: datetime | None = None
    hashtags: tuple[str, ...] | None = None
    media: tuple[Media, ...] | None = None
    cta: Cta | None = None
    first_comment: str | None = None
    subject: str | None = None
    preheader: str | None = None
    content_warning: str | None = None


@dataclass(frozen=True)
class Post:
    id: str
    path: str  # relative to the calendar root, '/'-separated
    title: str
    date: datetime  # timezone-aware
    channels: tuple[str, ...]
    funnel: Funnel
    body: str
    body_line: int  # the file line the body starts on
    campaign: str | None = None
    owner: str | None = None
    cta: Cta | None = None
    media: tuple[Media, ...] = ()
    media_field: str = "media"  # or "image": the shorthand the writer used
    hashtags: tuple[str, ...] = ()
    lang: str | None = None
    draft: bool = False
    paid: Paid | None = None
    overrides: Mapping[str, Override] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    source: SourceMap | None = field(default=None, compare=False, repr=False)
    repeat: Recurrence | None = None
    auto: bool = False  # `date: auto`: the next free slot (see postgen.schedule)
    evergreen: bool = False
    #: On an occurrence of a recurring or evergreen post: that post's id.
    series: str | None = None

    def override(self, channel: str) -> Override:
        return self.overrides.get(channel) or Override(channel)

    def date_for(self, channel: str) -> datetime:
        return self.override(channel).date or self.date


class PostRef(Protocol):
    """What a variant's state needs of its post: a `Post`, or the site's light `PostInfo`."""

    @property
    def id(self) -> str: ...
    @property
    def draft(self) -> bool: ...


@dataclass(frozen=True)
class Calendar:
    config: CalendarConfig
    posts: tuple[Post, ...]  # the posts whose files have no errors: only these are sent
    diagnostics: tuple[Diagnostic, ...]
    #: Posts read despite errors in their files that leave their variants as they are
    #: (an unknown field...): rendered for their problems only, never sent or shown.
    unsent: tuple[Post, ...] = ()

    def post(self, ref: str) -> Post | None:
        """A post by its id or by its file path (relative to cwd or the root)."""
        for post in self.posts:
            if post.id == ref:
                return post
        wanted = self.paths_of(ref)
        return next((post for post in self.posts if post.path in wanted), None)

    def paths_of(self, ref: str) -> set[str]:
        """How a file path given on the command line may appear in `Post.path`."""
        candidate = Path(ref)
        return {self.config.rel(p.resolve()) for p in (candidate, self.config.root / candidate)}
