"""Results: what each sent post did, pulled back into the calendar.

The ledger knows every sent variant's remote id; `fetch` asks each platform for
that post's own metrics (likes, reposts, replies, reach...) and a web analytics
API for the visits and goal conversions its tracked links brought, and appends
time-stamped snapshots to `results.jsonl` beside the ledger. `report` joins them
to the calendar (campaign, channel, funnel stage, week) for the site and the CLI.

- `store`: the snapshot records and the append-only file;
- `sources`: one metrics reader per publisher, found through the entry point
  group `postgen.metrics` (built-ins registered like third parties');
- `analytics`: the web analytics readers (Plausible's Stats API);
- `fetch`: one run: every channel at once, one failing channel never stops the others;
- `report`: the totals the site and `postgen results show` print.
"""
