"""`postgen accounts check` against fake platforms on 127.0.0.1: for each publisher,
channels whose credentials work, are expired or revoked, lack a scope, or lapse soon.

Each test builds one calendar whose channels all point at one fake, each with a
token of its own (by variable), and checks every channel's standing at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from postgen import accounts, trust
from postgen.accounts import Standing
from postgen.config import load_config
from postgen.models import CalendarConfig
from postgen.publishers.base import AuthFailed, Context
from tests.conftest import write_files
from tests.publishers.accounts_fakes import (
    FakeBlueskyAccount,
    FakeGraphAccount,
    FakeLinkedInAccount,
    FakeMastodonAccount,
    FakeXAccount,
    FakeXSigned,
    OAuth1Keys,
    Token,
    Tokens,
)
from tests.publishers.conftest import NOW, Clock, Mailbox, free_port, smtp_login
from tests.publishers.fakes import FakeServer, FakeWebhook

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


def configure(root: Path, channels: dict[str, dict[str, Any]]) -> CalendarConfig:
    lines = ["site_name: T", "plugins:", "  - postgen:", "      timezone: UTC",
             "      brand: {name: Acme, domains: [acme.example.com]}", "      channels:"]
    lines += [f"        {name}: {json.dumps(c)}" for name, c in channels.items()]
    write_files(root, {"mkdocs.yml": "\n".join(lines) + "\n"})
    (root / "content").mkdir(exist_ok=True)
    config, problems = load_config(root / "mkdocs.yml")
    assert config is not None, problems
    return config


@pytest.fixture
def servers() -> Iterator[list[FakeServer]]:
    started: list[FakeServer] = []
    yield started
    for server in started:
        server.close()


def serve(servers: list[FakeServer], api: Any) -> FakeServer:
    server = FakeServer(api)
    servers.append(server)
    return server


def check(config: CalendarConfig, env: dict[str, str], *, now: datetime = NOW,
          warn: timedelta = WEEK) -> dict[str, Standing]:
    clock = Clock(now)
    with httpx.Client(timeout=5) as client:
        context = Context(env=env, client=client, root=str(config.root), sleep=clock.sleep,
                          now=clock.now)
        found = accounts.check(config, context, warn=warn)
    for s in found:  # no secret in any message
        assert not any(len(v) >= 4 and v in f"{s.who} {s.detail}" for v in env.values()), s
    return {s.channel: s for s in found}


def states(found: dict[str, Standing]) -> dict[str, str]:
    return {name: s.state for name, s in found.items()}


def test_mastodon(tmp_path: Path, servers: list[FakeServer]) -> None:
    tokens = Tokens({"tok-ok-1234": Token(("write:statuses", "write:media", "profile")),
                     "tok-write-5678": Token(("write",)),
                     "tok-revoked-9": Token(("write",), valid=False),
                     "tok-read-0000": Token(("read",))}, now=NOW)
    url = serve(servers, FakeMastodonAccount(tokens)).url

    def channel(env: str) -> dict[str, Any]:
        return {"platform": "mastodon", "account": "@acme@mastodon.example",
                "publisher": "mastodon", "options": {"instance": url, "token_env": env}}

    config = configure(tmp_path, {"ok": channel("M_OK"), "noprofile": channel("M_WRITE"),
                                  "revoked": channel("M_REVOKED"), "readonly": channel("M_READ")})
    found = check(config, {"M_OK": "tok-ok-1234", "M_WRITE": "tok-write-5678",
                           "M_REVOKED": "tok-revoked-9", "M_READ": "tok-read-0000"})
    assert states(found) == {"ok": "ok", "noprofile": "ok", "revoked": "expired",
                             "readonly": "wrong-scope"}
    assert found["ok"].who == "@acme" and found["ok"].detail == "works"
    assert "profile scope" in found["noprofile"].detail  # works, but cannot say who
    assert "The access token was revoked" in found["revoked"].detail
    assert "M_REVOKED" in found["revoked"].detail  # which secret to update
    assert found["readonly"].detail.startswith("lacks write:statuses, write:media")


def test_bluesky(tmp_path: Path, servers: list[FakeServer]) -> None:
    fake = FakeBlueskyAccount("acme.example.com", "app-pass-abcd", "account-password-1")
    url = serve(servers, fake).url

    def channel(env: str) -> dict[str, Any]:
        return {"platform": "bluesky", "account": "acme.example.com", "publisher": "bluesky",
                "options": {"pds": url, "app_password_env": env}}

    config = configure(tmp_path, {"ok": channel("B_OK"), "revoked": channel("B_REVOKED"),
                                  "own": channel("B_OWN")})
    env = {"B_OK": "app-pass-abcd", "B_REVOKED": "app-pass-gone", "B_OWN": "account-password-1"}
    found = check(config, env)
    assert states(found) == {"ok": "ok", "revoked": "expired", "own": "wrong-scope"}
    assert found["ok"].who == "@acme.example.com (did:plc:acmetest)"
    assert "Invalid identifier or password" in found["revoked"].detail
    assert "app password" in found["own"].detail
    fake.active = False
    assert check(config, env)["ok"].state == "broken"  # a deactivated account
    assert "deactivated" in check(config, env)["ok"].detail


def test_x_oauth1_signed_by_authlib_verified_by_oauthlib(tmp_path: Path,
                                                          servers: list[FakeServer]) -> None:
    app = dict(consumer_key="ck-acme", consumer_secret="cs-secret-1")
    rw = OAuth1Keys(**app, token="at-rw-1", token_secret="ts-rw-secret")
    ro = OAuth1Keys(**app, token="at-ro-2", token_secret="ts-ro-secret")
    tokens = Tokens({"bearer-ok-1": Token(("tweet.write", "users.read"),
                                          NOW + timedelta(hours=2))}, now=NOW)
    fake = FakeXAccount(tokens, {rw.token: (rw, "read-write"), ro.token: (ro, "read")})
    url = serve(servers, fake).url

    def oauth1(prefix: str) -> dict[str, Any]:
        return {"platform": "x", "account": "@acme", "publisher": "x",
                "options": {"api_url": f"{url}/2", "consumer_key_env": "X_CK",
                            "consumer_secret_env": "X_CS", "token_env": f"{prefix}_T",
                            "token_secret_env": f"{prefix}_TS"}}

    def oauth2(env: str) -> dict[str, Any]:
        return {"platform": "x", "account": "@acme", "publisher": "x",
                "options": {"api_url": f"{url}/2", "token_env": env}}

    config = configure(tmp_path, {"signed": oauth1("RW"), "readonly": oauth1("RO"),
                                  "forged": oauth1("BAD"), "bearer": oauth2("X_BEARER"),
                                  "stale": oauth2("X_STALE")})
    env = {"X_CK": "ck-acme", "X_CS": "cs-secret-1", "RW_T": rw.token,
           "RW_TS": rw.token_secret, "RO_T": ro.token, "RO_TS": ro.token_secret,
           "BAD_T": "at-unknown-3", "BAD_TS": "not-the-token-secret",
           "X_BEARER": "bearer-ok-1", "X_STALE": "bearer-old-2"}
    found = check(config, env)
    assert states(found) == {"signed": "ok", "readonly": "wrong-scope", "forged": "expired",
                             "bearer": "expiring", "stale": "expired"}
    assert found["signed"].who == "@acme" and found["signed"].expires_at is None
    assert "read-write access" in found["readonly"].detail
    assert "two hours" in found["bearer"].detail and "OAuth 1.0a" in found["bearer"].detail
    # oauthlib recomputed authlib's signatures from what arrived: they hold, and the
    # one made with a wrong token secret does not.
    assert fake.signed == [True, True, False]
    for req in fake_requests(servers[0], "GET /2/users/me"):
        auth = req.headers["authorization"]
        assert "cs-secret-1" not in auth and "ts-rw-secret" not in auth


def fake_requests(server: FakeServer, route: str) -> list[Any]:
    return [r for r in server.requests if r.route == route]


def test_linkedin(tmp_path: Path, servers: list[FakeServer]) -> None:
    org = ("w_organization_social", "openid", "profile")
    tokens = Tokens({"li-ok": Token(org, NOW + 50 * DAY), "li-soon": Token(org, NOW + 3 * DAY),
                     "li-old": Token(org, NOW - DAY), "li-member": Token(("w_member_social",),
                                                                          NOW + 50 * DAY)},
                    now=NOW)
    url = serve(servers, FakeLinkedInAccount(tokens, "client-1", "client-secret-1")).url

    def channel(env: str) -> dict[str, Any]:
        return {"platform": "linkedin", "account": "urn:li:organization:1",
                "publisher": "linkedin",
                "options": {"base_url": f"{url}/rest", "oauth_url": f"{url}/oauth/v2",
                            "token_env": env, "client_id_env": "LI_ID",
                            "client_secret_env": "LI_SECRET"}}

    config = configure(tmp_path, {n: channel(f"LI_{n.upper()}")
                                  for n in ("ok", "soon", "old", "member")})
    env = {"LI_ID": "client-1", "LI_SECRET": "client-secret-1", "LI_OK": "li-ok",
           "LI_SOON": "li-soon", "LI_OLD": "li-old", "LI_MEMBER": "li-member"}
    found = check(config, env)
    assert states(found) == {"ok": "ok", "soon": "expiring", "old": "expired",
                             "member": "wrong-scope"}
    assert found["ok"].who == "Acme Roasters"
    assert found["ok"].detail.startswith("works; expires in 50 days (2027-04-21")
    assert found["soon"].detail.startswith("works, but expires in 3 days")
    assert "revoked" in found["old"].detail
    assert found["member"].detail.startswith("lacks w_organization_social")
    # Without the app's credentials: the token works, expiry unknown.
    plain = configure(tmp_path, {"ok": {**channel("LI_OK"), "options": {
        "base_url": f"{url}/rest", "token_env": "LI_OK"}}})
    (alone,) = check(plain, env).values()
    assert alone.state == "ok" and "client_id_env" in alone.detail


@pytest.mark.parametrize(("publisher", "needed", "user"), [
    ("facebook", ("pages_manage_posts", "pages_read_engagement"), {"page_id": "1001"}),
    ("instagram", ("instagram_basic", "instagram_content_publish"),
     {"ig_user_id": "2002", "media_base_url": "https://cdn.acme.example/site"}),
    ("threads", ("threads_basic", "threads_content_publish"), {"threads_user_id": "3003"}),
])
def test_meta(tmp_path: Path, servers: list[FakeServer], publisher: str,
              needed: tuple[str, ...], user: dict[str, str]) -> None:
    tokens = Tokens({"g-ok": Token(needed, None), "g-long": Token(needed, NOW + 59 * DAY),
                     "g-soon": Token(needed, NOW + 2 * DAY), "g-old": Token(needed, NOW - DAY),
                     "g-few": Token(needed[:1], NOW + 59 * DAY)}, now=NOW)
    url = serve(servers, FakeGraphAccount(tokens)).url
    version = "/v1.0" if publisher == "threads" else "/v21.0"

    def channel(env: str) -> dict[str, Any]:
        return {"platform": publisher, "account": "acme", "publisher": publisher,
                "options": {**user, "graph_url": url + version, "token_env": env}}

    names = ("ok", "long", "soon", "old", "few")
    config = configure(tmp_path, {n: channel(f"G_{n.upper()}") for n in names})
    found = check(config, {f"G_{n.upper()}": f"g-{n}" for n in names})
    assert states(found) == {"ok": "ok", "long": "ok", "soon": "expiring", "old": "expired",
                             "few": "wrong-scope"}
    assert found["ok"].detail == "works" and found["ok"].who.endswith("(17841400000000000)")
    assert found["long"].detail.startswith("works; expires in 59 days")
    assert "Session has expired" in found["old"].detail
    assert found["few"].detail == f"lacks {needed[1]}"
    if publisher == "facebook":
        assert "re-authenticate" in found["soon"].detail
    else:
        assert "postgen accounts refresh soon --to-file" in found["soon"].detail


def test_webhook_and_outbox(tmp_path: Path, servers: list[FakeServer]) -> None:
    server = serve(servers, FakeWebhook("hook-secret-1"))

    def hook(env: str, **extra: str) -> dict[str, Any]:
        return {"platform": "x", "account": "@acme", "publisher": "webhook",
                "options": {"url": f"{server.url}/hook", "secret_env": env, **extra}}

    config = configure(tmp_path, {"plain": hook("H1"),
                                  "healthy": hook("H2", health_url=f"{server.url}/ok"),
                                  "sick": hook("H3", health_url=f"{server.url}/sick"),
                                  "files": {"platform": "x", "account": "@acme"}})
    server.fail("GET /ok", _answer(204))
    server.fail("GET /sick", _answer(503), times=10)
    found = check(config, {"H1": "hook-secret-1", "H2": "hook-secret-1", "H3": "hook-secret-1"})
    assert states(found) == {"plain": "ok", "healthy": "ok", "sick": "broken", "files": "ok"}
    assert "health_url" in found["plain"].detail
    assert "answered its health check" in found["healthy"].detail
    assert "503" in found["sick"].detail
    assert not any(r.route == "POST /hook" for r in server.requests)  # nothing delivered
    assert found["files"].who == "outbox/files/"


def _answer(status: int) -> Any:
    from tests.publishers.fakes import answer

    return answer(status, {"status": status})


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port,
                            authenticator=smtp_login, auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


def test_smtp_logs_in_to_a_real_server(tmp_path: Path, smtp_port: int) -> None:
    def mail(port: int, password_env: str) -> dict[str, Any]:
        return {"platform": "email", "account": "news@acme.example.com", "publisher": "smtp",
                "options": {"host": "127.0.0.1", "port": port, "security": "none",
                            "to": ["list@acme.example.com"],
                            "username_env": f"{password_env}_USER",
                            "password_env": password_env, "timeout": 2}}

    config = configure(tmp_path, {"ok": mail(smtp_port, "SMTP_OK"),
                                  "refused": mail(smtp_port, "SMTP_WRONG"),
                                  "down": mail(free_port(), "SMTP_OK2")})
    from tests.publishers.conftest import SECRET

    found = check(config, {"SMTP_OK_USER": "newsletter", "SMTP_WRONG_USER": "newsletter",
                           "SMTP_OK2_USER": "newsletter", "SMTP_OK": SECRET,
                           "SMTP_WRONG": "wrong-password", "SMTP_OK2": SECRET})
    assert states(found) == {"ok": "ok", "refused": "expired", "down": "broken"}
    assert found["ok"].who == f"smtp://127.0.0.1:{smtp_port}"
    assert found["ok"].detail == "works; logged in as SMTP_OK_USER"
    assert "login refused (535)" in found["refused"].detail
    assert "could not ask the platform" in found["down"].detail


def test_an_untrusted_host_is_not_asked(tmp_path: Path, servers: list[FakeServer]) -> None:
    tokens = Tokens({"tok-ok-1234": Token(("write", "profile"))})
    good, evil = (serve(servers, FakeMastodonAccount(tokens)) for _ in range(2))

    def channel(url: str) -> dict[str, Any]:
        return {"platform": "mastodon", "account": "@acme@mastodon.example",
                "publisher": "mastodon", "options": {"instance": url, "token_env": "M_TOKEN"}}

    config = configure(tmp_path, {"main": channel(good.url)})
    trust.write(tmp_path, [trust.Grant("main", "M_TOKEN", good.url.split("//")[1])])
    assert states(check(config, {"M_TOKEN": "tok-ok-1234"})) == {"main": "ok"}
    moved = configure(tmp_path, {"main": channel(evil.url)})
    (standing,) = check(moved, {"M_TOKEN": "tok-ok-1234"}).values()
    assert standing.state == "untrusted"
    assert f"M_TOKEN would go to {evil.url.split('//')[1]}" in standing.detail
    assert evil.requests == []  # the token went nowhere


def test_cli_check_reports_and_fails_loudly(tmp_path: Path, servers: list[FakeServer],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The command, at the real clock: a table, exit 1 when any channel needs attention,
    and --warn-days deciding when a lapsing token fails the run."""
    from click.testing import CliRunner

    from postgen.cli import cli

    now = datetime.now(UTC)
    needed = ("threads_basic", "threads_content_publish")
    tokens = Tokens({"th-ok": Token(needed, now + 20 * DAY), "th-old": Token(needed, now - DAY),
                     "th-few": Token(needed[:1], now + 40 * DAY)}, now=now)
    url = serve(servers, FakeGraphAccount(tokens)).url

    def channel(env: str) -> dict[str, Any]:
        return {"platform": "threads", "account": "acme", "publisher": "threads",
                "options": {"threads_user_id": "3003", "graph_url": f"{url}/v1.0",
                            "token_env": env}}

    configure(tmp_path, {"threads": channel("TH_OK"), "old": channel("TH_OLD"),
                         "few": channel("TH_FEW")})
    monkeypatch.chdir(tmp_path)
    for name, value in {"TH_OK": "th-ok", "TH_OLD": "th-old", "TH_FEW": "th-few"}.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["accounts", "check", *args], catch_exceptions=False)

    everything = run()
    assert everything.exit_code == 1
    lines = everything.stdout.splitlines()
    assert lines[0].split() == ["CHANNEL", "PUBLISHER", "STATE", "ACCOUNT", "/", "DETAIL"]
    assert lines[1].split()[:3] == ["threads", "threads", "ok"]
    assert "expires in 19 days" in lines[1] or "expires in 20 days" in lines[1]
    assert lines[2].split()[:3] == ["old", "threads", "expired"]
    assert lines[3].split()[:3] == ["few", "threads", "wrong-scope"]
    assert "1 ok, 2 need attention" in everything.stderr
    assert not any(t in everything.output for t in ("th-ok", "th-old", "th-few"))
    assert run("-c", "threads").exit_code == 0
    month = run("-c", "threads", "--warn-days", "30")
    assert month.exit_code == 1 and "expiring" in month.stdout
    data = json.loads(run("--format", "json").stdout)
    assert [d["state"] for d in data] == ["ok", "expired", "wrong-scope"]
    unknown = run("-c", "nope")
    assert unknown.exit_code == 2 and "no channel named 'nope'" in unknown.output
    assert os.environ["TH_OK"] == "th-ok"


def test_cli_refresh_writes_the_new_token_only_where_asked(
        tmp_path: Path, servers: list[FakeServer], monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from postgen.cli import cli

    needed = ("threads_basic", "threads_content_publish")
    tokens = Tokens({"th-long-lived": Token(needed, datetime.now(UTC) + 3 * DAY),
                     "ig-long-lived": Token(("instagram_basic",), None)})
    fake = FakeGraphAccount(tokens, app=("app-1", "app-secret-1"))
    server = serve(servers, fake)
    root = tmp_path / "calendar"
    configure(root, {
        "threads": {"platform": "threads", "account": "acme", "publisher": "threads",
                    "options": {"threads_user_id": "3003", "graph_url": f"{server.url}/v1.0",
                                "token_env": "TH_TOKEN"}},
        "instagram": {"platform": "instagram", "account": "acme", "publisher": "instagram",
                      "options": {"ig_user_id": "2002", "graph_url": f"{server.url}/v21.0",
                                  "media_base_url": "https://cdn.acme.example/site",
                                  "token_env": "IG_TOKEN", "app_id_env": "META_APP",
                                  "app_secret_env": "META_SECRET"}},
        "facebook": {"platform": "facebook", "account": "acme", "publisher": "facebook",
                     "options": {"page_id": "1001", "graph_url": f"{server.url}/v21.0",
                                 "token_env": "FB_TOKEN"}}})
    monkeypatch.chdir(root)
    for name, value in {"TH_TOKEN": "th-long-lived", "IG_TOKEN": "ig-long-lived",
                        "META_APP": "app-1", "META_SECRET": "app-secret-1",
                        "FB_TOKEN": "fb-page"}.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["accounts", "refresh", *args], catch_exceptions=False)

    where = run("threads")  # nowhere said: the steps, and no request at all
    assert where.exit_code == 2 and "--to-file PATH or --to-stdout" in where.output
    assert "gh secret set TH_TOKEN" in where.output and server.requests == []
    inside = run("threads", "--to-file", str(root / "token.txt"))
    assert inside.exit_code == 2 and "inside the calendar repository" in inside.output
    assert not (root / "token.txt").exists() and server.requests == []

    target = tmp_path / "private" / "threads.token"
    target.parent.mkdir()
    to_file = run("threads", "--to-file", str(target))
    assert to_file.exit_code == 0, to_file.output
    (new,) = fake.issued
    assert target.read_text() == new + "\n" and target.stat().st_mode & 0o777 == 0o600
    assert new not in to_file.output and "th-long-lived" not in to_file.output
    assert "gh secret set TH_TOKEN" in to_file.stderr and "valid until" in to_file.stderr
    (asked,) = server.requests
    assert asked.route == "GET /refresh_access_token"
    assert asked.query["grant_type"] == "th_refresh_token"

    piped = run("instagram", "--to-stdout")  # Facebook Login: fb_exchange_token
    assert piped.exit_code == 0 and piped.stdout == fake.issued[-1]
    assert server.requests[-1].path == "/v21.0/oauth/access_token"
    assert server.requests[-1].query["fb_exchange_token"] == "ig-long-lived"

    page = run("facebook", "--to-stdout")
    assert page.exit_code == 1 and "not refreshed" in page.output and page.stdout == ""


def test_x_publishes_with_oauth1_signatures(world: Any) -> None:
    """A post with an image and alt text, sent with OAuth 1.0a: every request (the
    multipart upload, the JSON metadata and post) carries a signature that oauthlib
    verifies on the fake; the secrets never appear in what `describe` shows."""
    keys = OAuth1Keys("ck-acme", "cs-secret-1", "at-rw-1", "ts-rw-secret")
    fake = FakeXSigned(keys)
    world.use("x", fake=fake, options={"token_env": "X_T", "token_secret_env": "X_TS",
                                       "consumer_key_env": "X_CK",
                                       "consumer_secret_env": "X_CS"})
    job = world.job()
    env = {"X_T": keys.token, "X_TS": keys.token_secret, "X_CK": keys.consumer_key,
           "X_CS": keys.consumer_secret}
    shown = json.dumps([r.headers for r in world.publisher(env).describe(job)])
    assert "OAuth ***" in shown and not any(v in shown for v in env.values())
    sent = world.publisher(env).send(job)
    assert world.received() == ["POST /2/media/upload", "POST /2/media/metadata",
                                "POST /2/tweets"]
    assert fake.account.signed == [True, True, True] and fake.violations == []
    assert sent.url == f"https://x.com/acme/status/{sent.remote_id}"
    wrong = world.publisher({**env, "X_TS": "stolen-token-but-no-secret"})
    with pytest.raises(AuthFailed):
        wrong.send(world.job(body="Another post.\n", post_id="p2"))
    assert fake.account.signed[-1] is False


def test_a_publisher_that_cannot_be_asked_is_unchecked(tmp_path: Path) -> None:
    """A third party's publisher from before `whoami`: reported, not failing the run."""
    from postgen.publishers.outbox import OutboxPublisher

    class Older(OutboxPublisher):
        def whoami(self) -> Any:
            raise NotImplementedError  # as RestPublisher's default

    config = configure(tmp_path, {"old": {"platform": "x", "account": "@a",
                                          "publisher": "older"}})
    with httpx.Client() as client:
        context = Context(env={}, client=client, root=str(tmp_path), sleep=lambda s: None,
                          now=lambda: NOW)
        (standing,) = accounts.check(config, context, warn=WEEK,
                                     load=lambda name: Older)  # type: ignore[arg-type,return-value]
    assert standing.state == "unchecked" and not standing.failing
    assert "cannot be asked" in standing.detail
