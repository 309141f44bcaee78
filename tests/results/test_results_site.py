"""Results on the approval site: each sent post's numbers on its page, and the Results page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from postgen.results import store
from tests.conftest import POST, MakeCalendar

AT = "2027-03-05T10:00:00+00:00"


def _snapshot(post: str, channel: str, **metrics: int) -> store.PostSnapshot:
    return store.PostSnapshot(AT, post, channel, f"k-{post}-{channel}", f"r-{post}-{channel}",
                              metrics)  # type: ignore[arg-type]


def _write(root: Path, *snapshots: store.Snapshot) -> None:
    store.Writer(root).append(snapshots)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_post_page_and_results_page_show_the_numbers(make_calendar: MakeCalendar,
                                                     run: Any) -> None:
    root = make_calendar({
        "content/a.md": POST.format(id="launch-a").replace(
            "funnel: awareness", "funnel: conversion\ncampaign: spring\n"
            "cta: {text: Buy, url: 'https://acme.example.com/buy'}"),
        "content/b.md": POST.format(id="launch-b").replace("2027-03-02", "2027-03-09"),
        "docs/welcome.md": "# Hi\n",
    })
    _write(root,
           _snapshot("launch-a", "x", likes=10, reposts=2, replies=3, impressions=500),
           _snapshot("launch-a", "linkedin", likes=40, clicks=10, reach=1000),
           store.WebSnapshot(AT, "spring", "linkedin", "launch-a", 120, 130,
                             {"Purchase": 7}),  # type: ignore[arg-type]
           _snapshot("launch-b", "x", likes=1, impressions=300),
           store.PostSnapshot(AT, "launch-b", "linkedin", "k", "r", state="deleted"))
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    page = (root / "site/posts/launch-a/index.html").read_text()
    text = _text(page)
    assert "Results on LinkedIn People reached 1,000 Likes, replies and shares 50" in text
    assert "Engagement rate 5.0% Visits to the site 130 Sales and sign-ups 7" in text
    assert "Results on X People reached 500 Likes, replies and shares 15" in text
    gone = _text((root / "site/posts/launch-b/index.html").read_text())
    assert "This post is no longer on LinkedIn" in gone
    results = (root / "site/results/index.html").read_text()
    shown = _text(results)
    assert "By funnel stage" in shown and "What the funnel is missing" in shown
    assert "No retention posts went out in March 2027" in shown
    # Charts are static SVG images with their numbers in words; the tables repeat them.
    charts = re.findall(r'<svg class="chart"[^>]*role="img"[^>]*>.*?</svg>', results, re.S)
    assert len(charts) == 4
    assert "<desc>Awareness: 1 likes, replies and shares; Conversion: 65 likes" in charts[0]
    assert "<script" not in results.split("<footer")[0]
    # Campaigns by their titles, as on every other page (campaign: spring).
    row = re.search(r"<tr><th scope=\"row\">Spring</th>(.*?)</tr>", results)
    assert row and _text(row.group(1)) == "2 1,500 65 4.3% 130 7"


def test_results_change_rebuilds_the_pages_that_show_them(make_calendar: MakeCalendar,
                                                          run: Any) -> None:
    root = make_calendar({"content/a.md": POST.format(id="launch-a"), "docs/welcome.md": "# Hi\n"})
    assert run(root, "build").exit_code == 0
    assert "No results yet" in (root / "site/results/index.html").read_text()
    assert "Results on" not in (root / "site/posts/launch-a/index.html").read_text()
    _write(root, _snapshot("launch-a", "x", likes=4, impressions=100))
    assert run(root, "build").exit_code == 0
    assert "Results on X People reached 100" in _text(
        (root / "site/posts/launch-a/index.html").read_text())
    _write(root, store.PostSnapshot("2027-03-06T10:00:00+00:00", "launch-a", "x", "k", "r",
                                    {"likes": 9, "impressions": 900}))  # type: ignore[arg-type]
    assert run(root, "build").exit_code == 0
    assert "People reached 900" in _text((root / "site/posts/launch-a/index.html").read_text())


def test_export_results_as_csv_and_json(make_calendar: MakeCalendar, run: Any) -> None:
    import csv
    import io
    import json

    root = make_calendar({"content/a.md": POST.format(id="launch-a"),
                          "docs/welcome.md": "# Hi\n"})
    _write(root, _snapshot("launch-a", "x", likes=10, replies=2, impressions=400),
           store.PostSnapshot(AT, "launch-a", "linkedin", "k", "=HYPERLINK(1)",
                              state="deleted"))
    result = run(root, "export", "--format", "csv", "--results")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    by = {r["channel"]: r for r in rows}
    assert (by["x"]["people_reached"], by["x"]["interactions"], by["x"]["engagement_rate"],
            by["x"]["likes"], by["x"]["impressions"], by["x"]["reach"]) == (
        "400", "12", "0.03", "10", "400", "")
    assert by["linkedin"]["state"] == "deleted" and by["linkedin"]["likes"] == ""
    as_json = json.loads(run(root, "export", "--format", "json", "--results").stdout)
    assert {r["channel"] for r in as_json} == {"x", "linkedin"}
    refused = run(root, "export", "--format", "ics", "--results")
    assert refused.exit_code == 2 and "csv or json" in refused.output
