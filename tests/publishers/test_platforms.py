"""What each HTTP platform's publisher does that the others do not."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from postgen.publishers.base import ConfigProblem, OutcomeUnknown, Rejected
from postgen.publishers.bluesky import tid
from postgen.publishers.linkedin import LinkedInPublisher
from postgen.render.richtext import linkedin_unescape
from tests.publishers.conftest import MEDIA_BASE, NOW, SECRET, THREAD, TWO_FILES, TWO_IMAGES, World
from tests.publishers.fakes import TID, FakeGraph, FakeMastodon, answer

G, T = "/v21.0", "/v1.0"
COMMENT = "variants:\n  main:\n    first_comment: More at acme.example.com\n"

# -- Mastodon ------------------------------------------------------------------------


def test_mastodon_waits_for_media_still_processing(world: World) -> None:
    world.use("mastodon", fake=FakeMastodon(SECRET, processing=3))
    job = world.job()
    world.publisher().send(job)
    assert world.received() == ["POST /api/v2/media", "GET /api/v1/media/200",
                                "GET /api/v1/media/200", "GET /api/v1/media/200",
                                "POST /api/v1/statuses"]
    assert world.clock.sleeps == [1.0, 2.0]
    status = next(iter(world.api.statuses.values()))
    assert status["media_attachments"][0]["description"] == "A cup of coffee"


def test_mastodon_resolve_finds_the_statuses_a_send_made(world: World) -> None:
    world.use("mastodon")
    job = world.job(THREAD, media=False)
    first = world.publisher().send(job)
    world.clock.current += timedelta(hours=2)  # past the hour Mastodon keeps the keys
    before = len(world.received())
    again = world.publisher().resolve(job)
    assert again == first
    assert len(world.api.statuses) == 3
    assert all(r.startswith("GET ") for r in world.received()[before:])


def test_mastodon_resolve_finds_nothing_and_sends_nothing(world: World) -> None:
    world.use("mastodon")
    job = world.job()
    world.clock.current = job.variant.date.astimezone(UTC) + timedelta(hours=2)
    assert world.publisher().resolve(dataclasses.replace(job, intent_at=NOW)) is None
    assert world.received() == ["GET /api/v1/accounts/verify_credentials",
                                "GET /api/v1/accounts/109000000000000001/statuses"]


def test_mastodon_resolve_does_not_count_an_older_status_with_the_same_text(
        world: World) -> None:
    world.use("mastodon")
    job = world.job(media=False)
    world.publisher().send(job)  # a day before the send that is to be resolved
    world.clock.current += timedelta(days=1)
    later = dataclasses.replace(job, intent_at=world.clock.current)
    assert world.publisher().resolve(later) is None


@pytest.mark.parametrize("within_grace", [True, False])
def test_mastodon_resolve_of_a_half_posted_thread(world: World, within_grace: bool) -> None:
    world.use("mastodon")
    job = world.job(THREAD, media=False)
    world.fake.fail("POST /api/v1/statuses", answer(422, {"error": "Validation failed"}),
                    skip=2)
    with pytest.raises(OutcomeUnknown, match="of 3 posted"):
        world.publisher().send(job)
    made = list(world.api.statuses)
    again = dataclasses.replace(job, intent_at=NOW, can_send=within_grace)
    if within_grace:  # the third part, replying to the second; the two others found
        sent = world.publisher().resolve(again)
        assert sent is not None and sent.part_ids[:2] == tuple(made)
        assert world.api.statuses[sent.part_ids[2]]["in_reply_to_id"] == made[1]
        assert len(world.api.statuses) == 3
    else:
        with pytest.raises(OutcomeUnknown, match=r"part\(s\) 1 \(\d+\), 2 \(\d+\) of the "
                                                 r"3-part thread.*--parts 2"):
            world.publisher().resolve(again)
        assert len(world.api.statuses) == 2


def test_mastodon_instance_comes_from_the_account_when_not_set(world: World) -> None:
    world.use("mastodon", options={"instance": ""})
    job = world.job()
    requests = world.publisher().describe(job)
    assert requests[0].url == "https://mastodon.example/api/v2/media"


# -- Bluesky -------------------------------------------------------------------------


def test_bluesky_mentions_are_resolved_to_dids_and_unknown_ones_dropped(world: World) -> None:
    world.use("bluesky")
    job = world.job("Thanks @alice.bsky.social and @nobody.example.com!\n", media=False)
    world.publisher().send(job)
    record = next(iter(world.api.records.values()))["value"]
    mentions = [f["features"][0] for f in record["facets"]]
    assert mentions == [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]
    assert world.api.violations == []


def test_bluesky_images_are_blobs_with_alt_text(world: World) -> None:
    world.use("bluesky")
    job = world.job(media=False, front=TWO_IMAGES, files=TWO_FILES)
    world.publisher().send(job)
    images = next(iter(world.api.records.values()))["value"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["One cup", "Two cups"]
    assert [i["image"]["ref"]["$link"] for i in images] == list(world.api.blobs)
    assert world.api.violations == []


def test_bluesky_keeps_one_session_per_publisher(world: World) -> None:
    world.use("bluesky")
    first = world.job(media=False)
    publisher = world.publisher()
    publisher.send(first)
    publisher.send(world.job("Another one.\n", media=False, post_id="p2"))
    assert world.api.sessions == 1


def test_bluesky_rkeys_are_stable_tids_in_thread_order() -> None:
    when = datetime(2027, 3, 2, 8, 30, tzinfo=UTC)
    keys = [tid("p1/main/abc", i, when) for i in range(3)]
    assert all(re.fullmatch(TID, k) for k in keys)
    assert keys == sorted(keys) and len(set(keys)) == 3
    assert keys == [tid("p1/main/abc", i, when) for i in range(3)]
    assert tid("p1/main/abd", 0, when) != keys[0]


def test_bluesky_resolve_asks_getrecord(world: World) -> None:
    world.use("bluesky")
    job = world.job(THREAD, media=False)
    assert world.publisher().resolve(job) is None  # nothing there: not posted
    sent = world.publisher().send(job)
    assert world.publisher().resolve(job) == sent
    assert len(world.api.records) == 3


def test_bluesky_resolve_finishes_a_half_posted_thread(world: World) -> None:
    world.use("bluesky")
    job = world.job(THREAD, media=False)
    world.fake.fail("POST /xrpc/com.atproto.repo.createRecord",
                    answer(400, {"error": "InvalidRequest", "message": "nope"}), skip=1)
    with pytest.raises(Rejected, match="nope"):
        world.publisher().send(job)
    assert len(world.api.records) == 1
    late = dataclasses.replace(job, can_send=False)  # past the grace window
    with pytest.raises(OutcomeUnknown, match=r"part\(s\) 1 of the 3-part thread.*--parts 1"):
        world.publisher().resolve(late)
    assert len(world.api.records) == 1
    sent = world.publisher().resolve(job)
    assert sent is not None and len(sent.part_ids) == 3
    assert len(world.api.records) == 3 and world.api.violations == []


def test_bluesky_a_record_key_holding_another_post_is_not_taken_for_this_one(
        world: World) -> None:
    """Two posts in the same second can draw the same record key: the record found under
    it counts as this post only if it holds this post's text."""
    world.use("bluesky")
    job = world.job(media=False)
    rkey = tid(job.idempotency_key, 0, job.variant.date)
    other = {"uri": f"at://did:plc:acmetest/app.bsky.feed.post/{rkey}", "cid": "bafyother",
             "value": {"$type": "app.bsky.feed.post", "text": "Another post entirely."}}
    world.api.records[rkey] = other
    assert world.publisher().resolve(job) is None  # not this post's record
    with pytest.raises(Rejected, match=f"record key {rkey} already holds another post"):
        world.publisher().send(job)
    assert world.api.records == {rkey: other}


# -- X -------------------------------------------------------------------------------


def test_x_uploads_media_and_alt_text_before_the_post(world: World) -> None:
    world.use("x")
    job = world.job(media=False, front=TWO_IMAGES, files=TWO_FILES)
    sent = world.publisher().send(job)
    assert world.received() == ["POST /2/media/upload", "POST /2/media/metadata"] * 2 + [
        "POST /2/tweets"]
    tweet = world.api.tweets[sent.remote_id]
    assert tweet["media"] == list(world.api.media)
    assert [m["alt"] for m in world.api.media.values()] == ["One cup", "Two cups"]


def test_x_resolve_finds_a_thread_whose_links_x_shows_as_t_co(world: World) -> None:
    world.use("x")
    body = "See https://acme.example.com/beans and acme.example.com.\n\n---\n\nPart two.\n"
    job = world.job(body, media=False)
    first = world.publisher().send(job)
    before = len(world.received())
    assert world.publisher().resolve(dataclasses.replace(job, intent_at=NOW)) == first
    assert world.received()[before:] == ["GET /2/users/me", "GET /2/users/2244994945/tweets"]


def test_x_resolve_asks_a_person_when_the_posts_are_too_many_to_search(world: World) -> None:
    world.use("x")
    for n in range(101):
        world.api.tweets[str(n)] = {"id": str(n), "text": f"other {n}", "reply_to": None,
                                    "created": NOW, "media": []}
    job = world.job(media=False)
    with pytest.raises(OutcomeUnknown, match="https://x.com/acme"):
        world.publisher().resolve(dataclasses.replace(job, intent_at=NOW))
    assert not any(r.startswith("POST") for r in world.received())


def test_threads_resolve_finds_the_first_part_and_its_replies(world: World) -> None:
    world.use("threads")
    job = world.job(THREAD, media=False)
    first = world.publisher().send(job)
    published = len(world.api.published)
    assert world.publisher().resolve(dataclasses.replace(job, intent_at=NOW)) == first
    assert len(world.api.published) == published
    assert f"GET {T}/3003/replies" in world.received()


# -- LinkedIn ------------------------------------------------------------------------


def test_linkedin_commentary_is_escaped_and_the_first_comment_follows(world: World) -> None:
    world.use("linkedin")
    text = r"Save (today) | use code [BREW] @shop <now> #coffee \ * _ ~ {x}"
    body = (text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
            .replace("#", "\\#").replace("<", "&lt;").replace("[", "\\["))
    job = world.job(body + "\n", media=False, front=COMMENT)
    assert job.variant.text == text
    sent = world.publisher().send(job)
    assert world.api.violations == []
    post = world.api.posts[sent.remote_id]
    assert linkedin_unescape(post["commentary"]) == text
    assert "{hashtag|#|coffee}" in post["commentary"]  # a hashtag LinkedIn links
    assert world.received()[-1] == f"POST /rest/socialActions/{sent.remote_id}/comments"
    assert world.api.comments == [{"actor": "urn:li:organization:1", "object": sent.remote_id,
                                   "message": {"text": "More at acme.example.com"}}]
    assert sent.url == f"https://www.linkedin.com/feed/update/{sent.remote_id}"


def test_linkedin_multi_image(world: World) -> None:
    world.use("linkedin")
    job = world.job(media=False, front=TWO_IMAGES, files=TWO_FILES)
    sent = world.publisher().send(job)
    images = world.api.posts[sent.remote_id]["content"]["multiImage"]["images"]
    assert images == [{"id": "urn:li:image:C4E1", "altText": "One cup"},
                      {"id": "urn:li:image:C4E2", "altText": "Two cups"}]
    assert world.api.violations == []


def test_linkedin_sends_its_token_only_to_linkedin(world: World) -> None:
    world.use("linkedin")
    world.job()
    publisher = world.publisher()
    assert isinstance(publisher, LinkedInPublisher)
    upload = "https://www.linkedin.com/dms-uploads/abc"
    assert publisher.auth_headers(upload, live=True)["Authorization"].startswith("Bearer ")
    assert publisher.auth_headers("https://elsewhere.example/upload", live=True) == {}


def test_a_first_comment_failing_after_the_post_is_an_unknown_outcome(world: World) -> None:
    world.use("linkedin")
    job = world.job(media=False, front=COMMENT)
    world.fake.fail("POST /rest/socialActions", answer(500, {"message": "boom"}))
    with pytest.raises(OutcomeUnknown, match="posted as urn:li:share:") as raised:
        world.publisher().send(job)
    assert "follow-up request failed" in str(raised.value)
    assert world.clock.sleeps == []  # a comment is never repeated blindly


# -- Meta ----------------------------------------------------------------------------


def test_facebook_several_photos_go_unpublished_then_into_one_post(world: World) -> None:
    world.use("facebook")
    job = world.job(media=False, front=TWO_IMAGES + COMMENT, files=TWO_FILES)
    sent = world.publisher().send(job)
    assert world.received() == [f"POST {G}/1001/photos", f"POST {G}/1001/photos",
                                f"POST {G}/1001/feed", f"POST {G}/{sent.remote_id}/comments"]
    assert world.api.violations == []
    photos = [r.json() for r in world.fake.requests[:2]]
    assert [p["url"] for p in photos] == [f"{MEDIA_BASE}/a.jpg", f"{MEDIA_BASE}/b.jpg"]


def test_facebook_link_post(world: World) -> None:
    world.use("facebook")
    job = world.job(media=False, front="cta: {text: Read, url: 'https://acme.example.com/b'}\n")
    world.publisher().send(job)
    feed = world.fake.requests[0]
    assert feed.route == f"POST {G}/1001/feed"
    assert feed.json()["link"].startswith("https://acme.example.com/b?utm_source=facebook")


def test_instagram_carousel_waits_for_containers_then_publishes_and_comments(
        world: World) -> None:
    world.use("instagram", fake=FakeGraph(SECRET, MEDIA_BASE, processing=2))
    job = world.job(media=False, front=TWO_IMAGES + COMMENT, files=TWO_FILES)
    sent = world.publisher().send(job)
    writes = [r for r in world.received() if r.startswith("POST")]
    assert writes == [f"POST {G}/2002/media"] * 3 + [f"POST {G}/2002/media_publish",
                                                     f"POST {G}/{sent.remote_id}/comments"]
    assert world.clock.sleeps == [1.0] * 3  # each container: IN_PROGRESS once, then FINISHED
    assert sent.url == f"https://www.instagram.com/p/{sent.remote_id}/"
    assert world.api.violations == []


def test_instagram_container_error_is_rejected_before_publishing(world: World) -> None:
    world.use("instagram")
    job = world.job()
    world.fake.fail(f"GET {G}/", answer(200, {"status_code": "ERROR",
                                              "status": "Error: the image is too small"}))
    with pytest.raises(Rejected, match="the image is too small"):
        world.publisher().send(job)
    assert world.api.published == []


def test_instagram_needs_a_public_media_url(world: World) -> None:
    world.use("instagram", options={"media_base_url": ""})
    job = world.job()
    assert any("media_base_url" in p for p in world.publisher().validate())
    with pytest.raises(ConfigProblem, match="media_base_url"):
        world.publisher().send(job)
    assert world.received() == []


def test_threads_with_an_image_but_no_media_url_is_a_config_problem(world: World) -> None:
    world.use("threads", options={"media_base_url": ""})
    job = world.job()
    assert world.publisher().validate() == []  # text-only posts need no URL
    with pytest.raises(ConfigProblem, match="media_base_url"):
        world.publisher().send(job)
    assert world.received() == []


def test_threads_carousel(world: World) -> None:
    world.use("threads")
    job = world.job(media=False, front=TWO_IMAGES, files=TWO_FILES)
    world.publisher().send(job)
    containers = [r.json() for r in world.fake.requests if r.route == f"POST {T}/3003/threads"]
    assert [c["media_type"] for c in containers] == ["IMAGE", "IMAGE", "CAROUSEL"]
    assert containers[2]["children"] == "17800000000000000,17800000000000001"
    assert world.api.violations == []


def test_graph_version_and_url_options(world: World) -> None:
    world.use("facebook", options={"graph_version": "v20.0"})
    job = world.job()
    assert world.publisher().describe(job)[0].url == f"{world.url}{G}/1001/photos"
    world.options = {**world.options, "graph_url": ""}
    job = world.job()
    assert world.publisher().describe(job)[0].url == "https://graph.facebook.com/v20.0/1001/photos"


def test_the_approved_file_is_what_gets_uploaded(world: World) -> None:
    world.use("x")
    job = world.job()
    (world.root / "a.jpg").write_bytes(b"not the approved picture")
    with pytest.raises(Rejected, match="changed after it was rendered"):
        world.publisher().send(job)
    assert world.received() == []



@pytest.mark.parametrize("name", ["mastodon", "bluesky", "linkedin", "threads"])
def test_a_publisher_refuses_another_platforms_posts(world: World, name: str) -> None:
    world.use(name)
    world.spec = dataclasses.replace(world.spec, platform="x", account="@acme")
    job = world.job(media=False)
    assert f"the {name} publisher cannot send x posts" in " ".join(world.publisher().validate())
    with pytest.raises(ConfigProblem):
        world.publisher().send(job)
    assert world.received() == []


@pytest.mark.parametrize(("name", "option"), [("facebook", "page_id"),
                                              ("instagram", "ig_user_id"),
                                              ("threads", "threads_user_id")])
def test_meta_needs_the_account_id(world: World, name: str, option: str) -> None:
    world.use(name, options={option: ""})
    job = world.job()
    assert f"main: set options.{option}" in world.publisher().validate()
    with pytest.raises(ConfigProblem, match=option):
        world.publisher().send(job)
    assert world.received() == []
