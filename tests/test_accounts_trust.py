"""What an approval covers: the channel's sending settings are part of the content hash,
and a token that would go somewhere new needs `postgen accounts trust`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from postgen import trust
from postgen.cli import cli
from postgen.pipeline import load_calendar
from postgen.render.variants import render_calendar
from tests.conftest import write_files
from tests.publishers.conftest import SECRET

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


# -- accounts.lock: which secret may go where --------------------------------------------


@pytest.fixture
def cli_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    from tests.test_publish import ENV

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    def invoke(root: Path, *args: str, input: str | None = None) -> Result:
        monkeypatch.chdir(root)
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    yield invoke


def test_a_secret_sent_somewhere_new_needs_accounts_trust(
        tmp_path: Path, cli_run: Callable[..., Result]) -> None:
    from tests.publishers.fakes import FakeMastodon, FakeServer
    from tests.test_publish import NOW, Platforms, post, write_calendar

    platforms = Platforms(("mastodon", "x"))
    evil = FakeServer(FakeMastodon(SECRET))
    try:
        channels = {n: platforms.channel(n) for n in ("mastodon", "x")}
        root = write_calendar(tmp_path, channels, [post("p1", ["mastodon", "x"])])
        # No accounts.lock yet: check warns (once), publish sends.
        first = json.loads(cli_run(root, "check", "--format", "json").stdout)
        assert [(d["rule"], d["severity"]) for d in first] == [("config-trust", "warning")]
        trusted = cli_run(root, "accounts", "trust", input="y\n")
        assert trusted.exit_code == 0, trusted.output
        host = platforms.servers["mastodon"].url.split("//")[1]
        assert f"+ mastodon: MASTODON_TOKEN -> {host}" in trusted.output
        lock = (root / trust.FILE).read_text()
        assert SECRET not in lock and lock.count("channel:") == 2
        assert cli_run(root, "check").exit_code == 0
        assert "already trusts exactly" in cli_run(root, "accounts", "trust").output

        # The instance moves to another host: check fails at the channel's line,
        # publish refuses that channel alone and the token goes nowhere.
        moved = {**channels, "mastodon": {**channels["mastodon"], "options": {
            **channels["mastodon"]["options"], "instance": evil.url}}}  # type: ignore[dict-item]
        write_calendar(tmp_path, moved, [post("p1", ["mastodon", "x"])])
        checked = cli_run(root, "check")
        assert checked.exit_code == 1
        line = next(i for i, t in enumerate((root / "mkdocs.yml").read_text().splitlines(), 1)
                    if t.strip().startswith("mastodon:"))
        evil_host = evil.url.split("//")[1]
        assert (f"mkdocs.yml:{line}:" in checked.output and "error[config-trust]" in
                checked.output and f"MASTODON_TOKEN would go to {evil_host}" in checked.output)
        sent = cli_run(root, "publish", "--now", NOW)
        assert sent.exit_code == 1
        assert "failed (config)" in sent.output and "postgen accounts trust" in sent.output
        assert evil.requests == [] and len(platforms.api("x").tweets) == 1

        # Another channel's secret: refused even where the host is trusted.
        borrowed = {**channels, "x": {**channels["x"], "options": {
            **channels["x"]["options"], "token_env": "MASTODON_TOKEN"}}}  # type: ignore[dict-item]
        (root / "content/p1.md").unlink()  # (its hash moved with the settings: due again)
        write_calendar(tmp_path, borrowed, [post("p2", ["x"])])
        again = cli_run(root, "publish", "--now", NOW)
        assert "MASTODON_TOKEN is also the secret of mastodon" in again.output
        assert len(platforms.api("x").tweets) == 1

        # Trusting it is an explicit act: declined, nothing changes; accepted, it sends.
        declined = cli_run(root, "accounts", "trust", input="n\n")
        assert declined.exit_code == 1 and (root / trust.FILE).read_text() == lock
        assert "(shared with mastodon)" in declined.output
        assert "- x: X_TOKEN" in declined.output  # no longer used
        unanswered = cli_run(root, "accounts", "trust", input="")  # CI: nobody to ask
        assert unanswered.exit_code == 1 and (root / trust.FILE).read_text() == lock
        assert "Aborted!" not in unanswered.output
        assert "no answer: in CI or without a terminal, run it with --yes" in unanswered.output
        assert cli_run(root, "accounts", "trust", "--yes").exit_code == 0
        final = cli_run(root, "publish", "--now", NOW)
        assert final.exit_code == 0, final.output
        assert len(platforms.api("x").tweets) == 2
    finally:
        platforms.close()
        evil.close()


def test_a_damaged_lock_trusts_nothing(tmp_path: Path, cli_run: Callable[..., Result]) -> None:
    from tests.test_publish import Platforms, write_calendar

    platforms = Platforms(("mastodon",))
    try:
        root = write_calendar(tmp_path, {"mastodon": platforms.channel("mastodon")}, [])
        (root / "content").mkdir()
        (root / trust.FILE).write_text("trusted: [oops\n")
        checked = cli_run(root, "check")
        assert checked.exit_code == 1 and "accounts.lock is damaged" in checked.output
    finally:
        platforms.close()


def test_check_validates_each_publishers_settings(tmp_path: Path,
                                                  cli_run: Callable[..., Result]) -> None:
    """Reported by `check` where the setting stands, not found out in CI."""
    config = ("site_name: T\nplugins:\n  - postgen:\n      timezone: UTC\n"
              "      brand: {name: Acme}\n      channels:\n"
              "        typo: {platform: x, account: '@a', publisher: outbx}\n"
              "        masto:\n          platform: mastodon\n          account: '@a@m.example'\n"
              "          publisher: mastodon\n          options:\n"
              "            instance: https://m.example\n"
              "        fb:\n          platform: facebook\n          account: Acme\n"
              "          publisher: facebook\n          options: {token_env: FB}\n")
    write_files(tmp_path, {"mkdocs.yml": config})
    (tmp_path / "content").mkdir()
    out = cli_run(tmp_path, "check").output
    assert ("mkdocs.yml:7:55: error[config-publisher]: channel 'typo': no publisher named "
            "'outbx' (did you mean 'outbox'?)") in out
    assert "mkdocs.yml:12:11: error[config-publisher]: masto: set options.token_env" in out
    assert "mkdocs.yml:18:11: error[config-publisher]: fb: set options.page_id" in out
    assert "FB" not in out.replace("fb:", "")  # no secret is looked up: none is missing


def test_a_new_calendar_trusts_no_secret_until_told(tmp_path: Path,
                                                    cli_run: Callable[..., Result]) -> None:
    """`postgen init` writes an empty accounts.lock: the first channel switched to a real
    publisher is refused until `postgen accounts trust` records where its token goes."""
    assert cli_run(tmp_path, "init", "cal").exit_code == 0
    root = tmp_path / "cal"
    lock = (root / trust.FILE).read_text()
    trust.write(tmp_path, [])
    assert lock == (tmp_path / trust.FILE).read_text()  # what `accounts trust` writes
    assert trust.load(root) == trust.Lock(frozenset(), exists=True)
    config = (root / "mkdocs.yml").read_text()
    (root / "mkdocs.yml").write_text(config.replace(
        "account: \"@you@mastodon.social\"\n          publisher: outbox",
        "account: \"@you@mastodon.social\"\n          publisher: mastodon\n"
        "          options: {token_env: MASTODON_TOKEN}"))
    checked = cli_run(root, "check")
    assert checked.exit_code == 1
    assert "MASTODON_TOKEN would go to mastodon.social, which accounts.lock does not trust" \
        in checked.output
    assert cli_run(root, "accounts", "trust", "--yes").exit_code == 0
    assert cli_run(root, "check").exit_code == 0
