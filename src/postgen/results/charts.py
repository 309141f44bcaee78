"""Static SVG charts, made at build time: no JavaScript and no CDN needed to read them.

Each chart is a labelled image (`role="img"`, a `<title>` and a `<desc>` with
every number) and the page puts the same numbers in a table beside it, so a
screen reader gets them either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from postgen.results.report import Group

ROW = 30  # px per bar
LABEL = 160  # px for the labels on the left
#: Narrow, so that a phone shows the 14 px labels at 12 px, not at 8 (scaled to fit).
WIDTH = 420
SHORT = 20  # characters of a label that fit in LABEL
INK, BAR, TRACK = "#1f2328", "#2f6f4e", "#e7ece9"


def bars(rows: Sequence[tuple[str, int]], title: str, unit: str) -> str:
    """A horizontal bar per (label, value), longest bar = the largest value."""
    if not rows:
        return ""
    top = max(value for _label, value in rows) or 1
    room = WIDTH - LABEL - 70
    height = ROW * len(rows) + 8
    desc = "; ".join(f"{label}: {value:,} {unit}" for label, value in rows)
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        width = round(room * value / top)
        shown = label if len(label) <= SHORT else label[:SHORT - 1] + "…"
        out.append(
            f'<text x="{LABEL - 8}" y="{y + 19}" text-anchor="end" fill="{INK}" '
            f'font-size="14">{escape(shown)}</text>'
            f'<rect x="{LABEL}" y="{y + 4}" width="{room}" height="20" rx="3" fill="{TRACK}"/>'
            f'<rect x="{LABEL}" y="{y + 4}" width="{width}" height="20" rx="3" fill="{BAR}"/>'
            f'<text x="{LABEL + width + 6}" y="{y + 19}" fill="{INK}" '
            f'font-size="14">{value:,}</text>')
    out.append("</svg>")
    return "".join(out)


def chart(groups: Sequence[Group], metric: str, title: str, unit: str,
          names: Mapping[str, str] | None = None) -> Markup:
    """`bars` of one of the groups' numbers (sent, reach, engagements, visits,
    conversions), each labelled by `names` where it has one."""
    names = names or {}
    return Markup(bars([(names.get(g.label, g.label), int(getattr(g, metric) or 0))
                        for g in groups], title, unit))
