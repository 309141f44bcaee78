"""What an approval covers: the channel's sending settings are part of the content hash,
and a token that would go somewhere new needs `postgen accounts trust`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postgen.pipeline import load_calendar
from postgen.render.variants import render_calendar
from tests.conftest import write_files

POST = ("---\nid: p1\ntitle: A post\ndate: 2027-03-02 09:30\nchannels: [main]\n"
        "funnel: awareness\n---\nFresh beans today.\n")

#: (platform, publisher, options): a channel with its settings, one per publisher.
CHANNELS = {
    "facebook": ("facebook", "facebook", {"page_id": "1001", "token_env": "FB_TOKEN"}),
    "mastodon": ("mastodon", "mastodon", {"instance": "https://mastodon.example",
                                          "token_env": "MASTODON_TOKEN"}),
    "instagram": ("instagram", "instagram", {"ig_user_id": "2002", "token_env": "IG_TOKEN",
                                             "media_base_url": "https://cdn.example/site"}),
    "threads": ("threads", "threads", {"threads_user_id": "3003", "token_env": "TH_TOKEN"}),
    "pinterest": ("pinterest", "outbox", {"board_id": "77", "title": "Pins"}),
    "bluesky": ("bluesky", "bluesky", {"pds": "https://pds.example",
                                       "app_password_env": "BSKY_PASSWORD"}),
    "email": ("email", "smtp", {"host": "smtp.example", "to": ["list@acme.example.com"],
                                "unsubscribe_url": "https://acme.example.com/unsub",
                                "unsubscribe_mailto": "unsub@acme.example.com"}),
    "x": ("x", "x", {"token_env": "X_TOKEN", "api_url": "https://api.x.com/2"}),
}
ACCOUNT = {"mastodon": "@acme@mastodon.example", "email": "news@acme.example.com"}


def config(platform: str, publisher: str, options: dict[str, object]) -> str:
    channel = {"platform": platform, "account": ACCOUNT.get(platform, "acme"),
               "publisher": publisher, "options": options}
    return ("site_name: T\nplugins:\n  - postgen:\n      timezone: Europe/Berlin\n"
            "      brand: {name: Acme, domains: [acme.example.com]}\n"
            f"      channels:\n        main: {json.dumps(channel)}\n")


def hash_with(root: Path, platform: str, publisher: str, options: dict[str, object]) -> str:
    write_files(root, {"mkdocs.yml": config(platform, publisher, options),
                       "content/p1.md": POST})
    calendar = load_calendar(root)
    assert not [d for d in calendar.diagnostics if d.severity == "error"], calendar.diagnostics
    (variant,) = render_calendar(calendar).variants
    return variant.hash


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_every_sending_setting_moves_the_hash(tmp_path: Path, name: str) -> None:
    """Where (page, instance, PDS, board, host), as whom (token variable) and what
    (title, unsubscribe headers) a post is sent: changing any voids its approval."""
    platform, publisher, options = CHANNELS[name]
    original = hash_with(tmp_path, platform, publisher, options)
    assert hash_with(tmp_path, platform, publisher, options) == original  # stable
    seen = {original}
    for key, value in options.items():
        changed = {**options, key: [f"{value[0]}x"] if isinstance(value, list) else f"{value}9"}
        moved = hash_with(tmp_path, platform, publisher, changed)
        assert moved not in seen, f"{name}: changing options.{key} kept the approval"
        seen.add(moved)
    other = "webhook" if publisher != "webhook" else "outbox"
    assert hash_with(tmp_path, platform, other, options) not in seen, "the publisher"


def test_settings_that_send_nothing_keep_the_hash(tmp_path: Path) -> None:
    """A timeout, or the app credentials only `accounts` uses, change no request."""
    options = {"host": "smtp.example", "to": ["list@acme.example.com"]}
    original = hash_with(tmp_path, "email", "smtp", options)
    quieter = {**options, "timeout": 60, "health_url": "https://x.example/ok",
               "client_id_env": "ID", "client_secret_env": "SECRET"}
    assert hash_with(tmp_path, "email", "smtp", quieter) == original
    # A channel that sets nothing hashes as before settings were hashed (the example
    # calendar's approvals still hold).
    bare = hash_with(tmp_path, "x", "outbox", {})
    assert bare == hash_with(tmp_path, "x", "outbox", {})
    assert hash_with(tmp_path, "x", "outbox", {"folder": "elsewhere"}) != bare
