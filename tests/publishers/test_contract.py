"""The contract every publisher keeps, run over every built-in one.

validate() finds a missing secret before any request; describe() shows the
requests with the secret redacted; send() of a post (and of a 3-part thread
where the platform has threads) answers `Sent` after exactly the expected
requests; no error message ever carries a secret.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from postgen.publishers.base import AuthFailed, ConfigProblem, PublishError, available
from tests.publishers.conftest import NETWORK, SECRET, SPECS, THREAD, World
from tests.publishers.fakes import answer

ALL = tuple(SPECS)
SECRETS = tuple(n for n in ALL if SPECS[n].env_var)
THREADED = tuple(n for n in ALL if SPECS[n].thread)


def test_every_builtin_publisher_is_registered_and_tested() -> None:
    assert set(SPECS) <= set(available())
    builtin = {n for n, cls in available().items() if cls.__module__.startswith("postgen.")}
    assert builtin == set(SPECS)


@pytest.mark.parametrize("name", SECRETS)
def test_validate_reports_a_missing_secret_before_any_request(world: World, name: str) -> None:
    world.use(name)
    job = world.job()
    env_var = world.spec.env_var
    publisher = world.publisher(env={k: v for k, v in world.env.items() if k != env_var})
    problems = publisher.validate()
    assert any(f"set {env_var}" in p for p in problems), problems
    with pytest.raises(ConfigProblem, match=env_var):
        publisher.send(job)
    assert world.received() == []
    assert world.publisher().validate() == []


def test_outbox_validates_its_folder(world: World) -> None:
    world.use("outbox", options={"folder": "../elsewhere"})
    job = world.job()
    publisher = world.publisher()
    assert publisher.validate() == ["main: options.folder must be a folder inside the calendar, "
                                    "not '../elsewhere'"]
    with pytest.raises(ConfigProblem):
        publisher.send(job)
    assert world.received() == []


@pytest.mark.parametrize("name", ALL)
def test_describe_shows_the_requests_with_the_secret_redacted(world: World, name: str) -> None:
    world.use(name)
    job = world.job()
    requests = world.publisher().describe(job)
    shown = json.dumps([dataclasses.asdict(r) for r in requests], default=str)
    assert SECRET not in shown and SECRET not in repr(requests)
    assert world.received() == []  # describing sends nothing
    if name in NETWORK:
        assert "***" in shown
        sent_routes = _writes(world, job)
        described = [(r.method, r.url) for r in requests if r.method != "GET"]
        assert [m for m, _ in described] == [route.split()[0] for route in sent_routes]
        for (_, url), route in zip(described, sent_routes, strict=True):
            if "{{" not in url:
                assert url.startswith(world.url) and url.split("?")[0].endswith(route.split()[1])
    else:
        assert len(requests) == 1


def _writes(world: World, job: object) -> list[str]:
    """Send, and return the requests that were not GETs (polls and look-ups)."""
    world.publisher().send(job)  # type: ignore[arg-type]
    return [r for r in world.received() if not r.startswith("GET ")]


@pytest.mark.parametrize("name", ALL)
def test_send_one_post(world: World, name: str) -> None:
    world.use(name)
    job = world.job()
    sent = world.publisher().send(job)
    assert world.received() == list(world.spec.single)
    assert sent.remote_id
    if name in NETWORK and name != "webhook":
        assert sent.url and sent.part_ids == (sent.remote_id,)
    if world.server is not None:
        assert world.api.violations == []


@pytest.mark.parametrize("name", THREADED)
def test_send_a_three_part_thread(world: World, name: str) -> None:
    world.use(name)
    job = world.job(THREAD, media=False)
    assert [p.text for p in job.variant.parts] == ["First part.", "Second part.", "Third part."]
    sent = world.publisher().send(job)
    assert world.received() == list(world.spec.thread or ())
    if name in ("mastodon", "bluesky", "x", "threads"):
        assert len(set(sent.part_ids)) == 3 and sent.remote_id == sent.part_ids[0]
        assert _replies(world) == [None, sent.part_ids[0], sent.part_ids[1]]
    if world.server is not None:
        assert world.api.violations == []


def _replies(world: World) -> list[str | None]:
    """What each part the fake received replies to, in order."""
    api = world.api
    if world.spec.publisher == "mastodon":
        return [s["in_reply_to_id"] for s in api.statuses.values()]
    if world.spec.publisher == "bluesky":
        return [(r["value"].get("reply") or {}).get("parent", {}).get("uri")
                for r in api.records.values()]
    if world.spec.publisher == "x":
        return [t["reply_to"] for t in api.tweets.values()]
    return [o["body"].get("reply_to_id") for o in api.objects.values()
            if o["kind"] == "container"]


@pytest.mark.parametrize("name", (*NETWORK, "smtp"))
def test_a_wrong_secret_is_auth_failed_naming_the_variable(world: World, name: str) -> None:
    world.use(name)
    job = world.job()
    wrong = "wrong-" + SECRET[::-1]
    with pytest.raises(AuthFailed) as raised:
        world.publisher(env={**world.env, world.spec.env_var: wrong}).send(job)
    message = str(raised.value)
    assert world.spec.env_var in message
    assert SECRET not in message and wrong not in message and SECRET[::-1] not in message


@pytest.mark.parametrize("name", NETWORK)
def test_a_platform_echoing_the_secret_does_not_leak_it(world: World, name: str) -> None:
    world.use(name)
    job = world.job()
    echo = f"token Bearer {SECRET} is not allowed here"
    world.fake.fail("", answer(422, {"error": echo, "message": echo, "detail": echo}))
    with pytest.raises(PublishError) as raised:
        world.publisher().send(job)
    assert SECRET not in str(raised.value)
    assert "is not allowed here" in str(raised.value)
