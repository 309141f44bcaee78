"""What the results say: sent posts joined to their campaign, channel, funnel stage and week.

For each sent (post, channel) the newest platform snapshot gives reach (reach,
else impressions, else views) and engagements; the newest web analytics
snapshots for the post's UTM tags on that channel give visits and conversions.
Totals are grouped four ways, the best and worst posts ranked by engagement
rate (engagements per person reached; posts with no reach figure rank by
engagements), and each month's funnel stages read for gaps: a stage with no
posts, or posts that brought visits and no conversions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from postgen.models import CalendarConfig, Funnel
from postgen.render.variants import utm_params
from postgen.results.store import METRICS as METRIC_NAMES
from postgen.results.store import PostSnapshot, Results, WebSnapshot

REACH = ("reach", "impressions", "views")
#: What a month's funnel stage without results means for the plan, in the client's words.
ADVICE = {
    Funnel.AWARENESS: "fewer new people are meeting the brand, so every later stage "
                      "will have fewer people to work with",
    Funnel.CONSIDERATION: "people who found the brand are not being given reasons to "
                          "look closer; plan posts that answer their questions",
    Funnel.CONVERSION: "nothing asked people to act, or the offer did not land; check the "
                       "call to action and the page it leads to",
    Funnel.RETENTION: "existing customers heard nothing; a thank-you or a tip keeps them "
                      "coming back",
}
#: What posts of a stage that brought visits and no sale or sign-up mean for the plan.
NO_SALE = ("people came to the site and did not act there; check the page the posts lead "
           "to and what it offers")


class PostLike(Protocol):
    """What results need of a post: a `Post`, or the site's light `PostInfo`."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def date(self) -> datetime: ...
    @property
    def funnel(self) -> Funnel: ...
    @property
    def campaign(self) -> str | None: ...


@dataclass(frozen=True)
class PostResult:
    """One sent variant's numbers."""

    post: PostLike
    channel: str
    snapshot: PostSnapshot
    visits: int = 0
    conversions: int = 0

    @property
    def deleted(self) -> bool:
        return self.snapshot.state == "deleted"

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.snapshot.at)

    @property
    def reach(self) -> int | None:
        metrics = self.snapshot.metrics
        return next((metrics[m] for m in REACH if m in metrics), None)

    @property
    def engagements(self) -> int:
        return self.snapshot.engagements

    @property
    def rate(self) -> float | None:
        reach = self.reach
        return self.engagements / reach if reach else None


@dataclass(frozen=True)
class Group:
    """Totals over some sent variants."""

    label: str
    sent: int  # variants with results
    reach: int | None  # None: no platform in the group reports reach
    engagements: int
    visits: int
    conversions: int
    rate: float | None  # engagements per person reached, over the variants with reach

    @classmethod
    def of(cls, label: str, rows: Sequence[PostResult]) -> Group:
        reached = [r for r in rows if r.reach is not None]
        reach = sum(r.reach or 0 for r in reached) if reached else None
        rate = sum(r.engagements for r in reached) / reach if reach else None
        return cls(label, len(rows), reach, sum(r.engagements for r in rows),
                   sum(r.visits for r in rows), sum(r.conversions for r in rows), rate)


@dataclass(frozen=True)
class Gap:
    month: str  # "2026-12"
    stage: Funnel
    posts: int
    visits: int

    def text(self) -> str:
        month_name = datetime.strptime(self.month, "%Y-%m").strftime("%B %Y")  # noqa: DTZ007
        if not self.posts:
            said = f"No {self.stage.value} posts went out in {month_name}"
        else:
            said = (f"{self.posts} {self.stage.value} post{'s' if self.posts != 1 else ''} in "
                    f"{month_name} brought {self.visits} visit{'s' if self.visits != 1 else ''} "
                    "and no sales or sign-ups")
            return f"{said}: {NO_SALE}."
        return f"{said}: {ADVICE[self.stage]}."


@dataclass(frozen=True)
class Summary:
    rows: tuple[PostResult, ...]
    by_campaign: tuple[Group, ...]
    by_channel: tuple[Group, ...]
    by_funnel: tuple[Group, ...]
    by_week: tuple[Group, ...]
    top: tuple[PostResult, ...]
    bottom: tuple[PostResult, ...]
    gaps: tuple[Gap, ...]
    fetched_at: datetime | None  # the newest snapshot's time

    def of_post(self, post_id: str) -> tuple[PostResult, ...]:
        return tuple(r for r in self.rows if r.post.id == post_id)


def summarise(config: CalendarConfig, posts_in: Iterable[PostLike], results: Results, *,
              ranked: int = 5) -> Summary:
    posts = {p.id: p for p in posts_in}
    web = _web_by_tags(results.latest_web().values())
    rows: list[PostResult] = []
    for (post_id, channel_name), snap in sorted(results.latest_posts().items()):
        post, channel = posts.get(post_id), config.channels.get(channel_name)
        if post is None or channel is None:
            continue  # a post or channel no longer in the calendar
        tags = utm_params(config.utm, post.id, post.campaign, channel)
        visits, conversions = web.get((tags["utm_source"], tags["utm_content"]), (0, 0))
        rows.append(PostResult(post, channel_name, snap, visits, conversions))
    tz = config.timezone
    live = [r for r in rows if not r.deleted]
    # Ranked by engagement rate: only posts whose platform reports reach can be.
    ranked_rows = sorted((r for r in live if r.rate is not None), key=_score, reverse=True)
    newest = max((r.snapshot.at for r in rows), default=None)
    fetched = datetime.fromisoformat(newest) if newest else None
    return Summary(
        rows=tuple(rows),
        by_campaign=_groups(live, lambda r: r.post.campaign or "(no campaign)"),
        by_channel=_groups(live, lambda r: r.channel),
        by_funnel=_groups(live, lambda r: r.post.funnel.value,
                          order=[f.value for f in Funnel], label=str.capitalize),
        by_week=_groups(live, lambda r: _week(r.post.date.astimezone(tz)), label=_week_label),
        top=tuple(ranked_rows[:ranked]),
        bottom=tuple(reversed(ranked_rows[-ranked:])) if len(ranked_rows) > ranked else (),
        gaps=tuple(_gaps(live, tz)),
        fetched_at=fetched,
    )


def _web_by_tags(snapshots: Iterable[WebSnapshot]) -> dict[tuple[str, str], tuple[int, int]]:
    """Visits and conversions per (utm_source, utm_content), summed over campaigns."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for s in snapshots:
        visits, converted = found.get((s.source, s.content), (0, 0))
        found[(s.source, s.content)] = (visits + s.visits, converted + s.converted)
    return found


def _score(r: PostResult) -> tuple[float, int, str]:
    return (r.rate or 0.0, r.engagements, r.post.id)


def _groups(rows: Sequence[PostResult], key: Callable[[PostResult], str],
            order: Sequence[str] = (), label: Callable[[str], str] = str) -> tuple[Group, ...]:
    grouped: dict[str, list[PostResult]] = defaultdict(list)
    for r in rows:
        grouped[key(r)].append(r)
    keys = [o for o in order if o in grouped] + sorted(set(grouped) - set(order))
    return tuple(Group.of(label(k), grouped[k]) for k in keys)


def _week_label(key: str) -> str:
    """"2026-W49" -> "Week of 30 Nov 2026" (its Monday)."""
    monday = datetime.strptime(f"{key}-1", "%G-W%V-%u")  # noqa: DTZ007 - a date only
    return f"Week of {monday.day} {monday:%b %Y}"


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _gaps(live: Sequence[PostResult], tz: object) -> list[Gap]:
    """Per month with results: the stages with no posts, or with visits and no conversions."""
    months: dict[str, dict[Funnel, list[PostResult]]] = defaultdict(lambda: defaultdict(list))
    for r in live:
        months[r.post.date.astimezone(tz).strftime("%Y-%m")][r.post.funnel].append(r)  # type: ignore[arg-type]
    gaps: list[Gap] = []
    for month in sorted(months):
        for stage in Funnel:
            rows = months[month][stage]
            if not rows:
                gaps.append(Gap(month, stage, 0, 0))
            elif sum(r.conversions for r in rows) == 0 and stage != Funnel.AWARENESS:
                gaps.append(Gap(month, stage, len({r.post.id for r in rows}),
                                sum(r.visits for r in rows)))
    return gaps


#: `postgen export --results`: one row per sent post and channel.
EXPORT_COLUMNS = ("post_id", "title", "channel", "date", "funnel", "campaign", "state",
                  "fetched_at", "people_reached", "interactions", "engagement_rate", "visits",
                  "conversions", *METRIC_NAMES)  # then the platform's numbers as read


def export_rows(summary: Summary, tz: object) -> list[dict[str, object]]:
    """The newest results of every sent post and channel, for spreadsheets and scripts."""
    rows: list[dict[str, object]] = []
    for r in summary.rows:
        metrics = r.snapshot.metrics
        rows.append({
            "post_id": r.post.id, "title": r.post.title, "channel": r.channel,
            "date": r.post.date.astimezone(tz).isoformat(),  # type: ignore[arg-type]
            "funnel": r.post.funnel.value, "campaign": r.post.campaign or "",
            "state": r.snapshot.state, "fetched_at": r.snapshot.at,
            "people_reached": r.reach, "interactions": r.engagements,
            "engagement_rate": None if r.rate is None else round(r.rate, 4),
            "visits": r.visits, "conversions": r.conversions,
            **{m: metrics.get(m) for m in METRIC_NAMES}})
    return rows
