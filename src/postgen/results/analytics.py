"""Web analytics: the visits and goal conversions each tracked link brought.

postgen tags brand links with `utm_campaign` (the campaign), `utm_source` (the
platform) and `utm_content` (the post id); an analytics API grouped by those
three joins a post to the visits and sign-ups it caused, across social, email
and SMS.

Plausible's Stats API v2 (`POST /api/v2/query`, open source and self-hostable):
one query for visitors and visits by the three UTM dimensions, one for goal
conversions (`event:goal` as a fourth dimension, filtered to the configured
goals), each paged with `pagination: {limit, offset}` until a short page.
Settings (mkdocs.yml, under the postgen plugin):

```yaml
results:
  analytics:
    provider: plausible
    url: https://plausible.io          # or your own Plausible
    site_id: shop.example.com
    token_env: PLAUSIBLE_API_KEY       # a Stats API key
    goals: [Purchase, Newsletter signup]
    days: 90                           # how far back each fetch looks
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from postgen.models import AnalyticsSettings
from postgen.publishers.base import ConfigProblem, Context
from postgen.publishers.http import DEFAULT_POLICY, call
from postgen.results.store import WebSnapshot

DIMENSIONS = ["visit:utm_campaign", "visit:utm_source", "visit:utm_content"]
PAGE = 1000


@dataclass(frozen=True)
class Plausible:
    settings: AnalyticsSettings
    ctx: Context

    def token(self) -> str:
        value = self.ctx.env.get(self.settings.token_env, "")
        if not value:
            raise ConfigProblem(f"results.analytics: set {self.settings.token_env} (the "
                                "Plausible Stats API key)")
        return value

    def query(self, body: dict[str, Any]) -> Iterator[list[Any]]:
        """Every result row of one query, page by page."""
        url = self.settings.url.rstrip("/") + "/api/v2/query"
        headers = {"Authorization": f"Bearer {self.token()}"}
        offset = 0
        while True:
            page = {**body, "pagination": {"limit": PAGE, "offset": offset}}
            response = call(self.ctx, "POST", url, idempotent=True, headers=headers,
                            json=page, policy=DEFAULT_POLICY, auth_env=self.settings.token_env)
            rows = response.json().get("results", [])
            for row in rows:
                if isinstance(row, dict):
                    yield [*row.get("dimensions", []), *row.get("metrics", [])]
            if len(rows) < PAGE:
                return
            offset += PAGE

    def snapshots(self, now: datetime) -> list[WebSnapshot]:
        """Visits and conversions per (campaign, source, post) over the last `days`."""
        span = [(now - timedelta(days=self.settings.days)).date().isoformat(),
                now.date().isoformat()]
        base = {"site_id": self.settings.site_id, "date_range": span}
        visits: dict[tuple[str, str, str], tuple[int, int]] = {}
        for campaign, source, content, visitors, count in self.query(
                {**base, "metrics": ["visitors", "visits"], "dimensions": DIMENSIONS}):
            visits[(str(campaign), str(source), str(content))] = (_n(visitors), _n(count))
        conversions: dict[tuple[str, str, str], dict[str, int]] = {}
        if self.settings.goals:
            for campaign, source, content, goal, visitors in self.query(
                    {**base, "metrics": ["visitors"],
                     "dimensions": [*DIMENSIONS, "event:goal"],
                     "filters": [["is", "event:goal", list(self.settings.goals)]]}):
                triple = (str(campaign), str(source), str(content))
                conversions.setdefault(triple, {})[str(goal)] = _n(visitors)
        at = now.isoformat(timespec="seconds")
        return [WebSnapshot(at, c, s, p, *visits.get((c, s, p), (0, 0)),
                            conversions=MappingProxyType(dict(sorted(
                                conversions.get((c, s, p), {}).items()))))
                for c, s, p in sorted({*visits, *conversions})
                if p and p != "(none)"]


def _n(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
