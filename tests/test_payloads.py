"""The API requests each platform's variant turns into, in order, with placeholders."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from postgen.render.model import Facet, Link, LinkCard, MediaFile, Part, Variant
from postgen.render.payloads import PLATFORMS, build_payload
from postgen.render.richtext import bluesky_facets

BERLIN_SUMMER = timezone(timedelta(hours=2))
WHEN = datetime(2026, 7, 1, 9, 30, 5, 123456, tzinfo=BERLIN_SUMMER)


def media(n: int, *, alt: bool = True) -> tuple[MediaFile, ...]:
    return tuple(
        MediaFile(src=f"img/{i}.jpg", path=Path(f"/cal/img/{i}.jpg"),
                  alt=f"alt {i}" if alt else None, sha256=f"{i:064x}", size=1000 + i,
                  width=1200, height=800, format="JPEG", mime="image/jpeg")
        for i in range(n)
    )


def variant(platform: str, *texts: str, **kw: Any) -> Variant:
    parts = kw.pop("parts", None) or tuple(Part(t) for t in (texts or ("Hello",)))
    defaults: dict[str, Any] = {"post_id": "p1", "channel": platform, "platform": platform,
                                "account": "acct", "date": WHEN, "parts": parts}
    return Variant(**{**defaults, **kw})


def requests(payload: dict[str, object]) -> list[dict[str, Any]]:
    reqs = payload["requests"]
    assert isinstance(reqs, list)
    return reqs


def route(payload: dict[str, object]) -> list[tuple[str, str]]:
    return [(r["method"], r["endpoint"]) for r in requests(payload)]


def roundtrips(payload: dict[str, object]) -> None:
    assert json.loads(json.dumps(payload)) == payload


# -- X ---------------------------------------------------------------------------


def test_x_thread_with_media_on_first_part_only() -> None:
    v = variant("x", "one", "two", "three", media=media(2))
    payload = build_payload(v)
    roundtrips(payload)
    assert route(payload) == [
        ("POST", "https://api.x.com/2/media/upload"),
        ("POST", "https://api.x.com/2/media/metadata"),
        ("POST", "https://api.x.com/2/media/upload"),
        ("POST", "https://api.x.com/2/media/metadata"),
        ("POST", "https://api.x.com/2/tweets"),
        ("POST", "https://api.x.com/2/tweets"),
        ("POST", "https://api.x.com/2/tweets"),
    ]
    up, meta, *_, t0, t1, t2 = requests(payload)
    assert up["encoding"] == "multipart"
    assert up["file"] == {"field": "media", "src": "img/0.jpg", "mime": "image/jpeg",
                          "sha256": f"{0:064x}", "alt": "alt 0"}
    assert up["body"] == {"media_category": "tweet_image", "media_type": "image/jpeg"}
    assert up["produces"] == "{{media:0}}"
    assert meta["body"] == {"id": "{{media:0}}", "metadata": {"alt_text": {"text": "alt 0"}}}
    assert t0["body"] == {"text": "one", "media": {"media_ids": ["{{media:0}}", "{{media:1}}"]}}
    assert t0["produces"] == "{{part:0}}"
    assert t1["body"] == {"text": "two", "reply": {"in_reply_to_tweet_id": "{{part:0}}"}}
    assert t2["body"] == {"text": "three", "reply": {"in_reply_to_tweet_id": "{{part:1}}"}}


def test_x_without_alt_has_no_metadata_request() -> None:
    payload = build_payload(variant("x", media=media(1, alt=False)))
    assert [r["endpoint"].rsplit("/", 1)[1] for r in requests(payload)] == ["upload", "tweets"]


def test_x_plain_tweet() -> None:
    assert requests(build_payload(variant("x", "hi"))) == [
        {"method": "POST", "endpoint": "https://api.x.com/2/tweets", "body": {"text": "hi"},
         "produces": "{{part:0}}"}
    ]


# -- Mastodon ----------------------------------------------------------------------


def test_mastodon_thread_with_spoiler_and_language() -> None:
    v = variant("mastodon", "one", "two", account="@acme@mastodon.social", media=media(1),
                content_warning="spoilers", lang="de")
    payload = build_payload(v)
    roundtrips(payload)
    assert route(payload) == [
        ("POST", "https://mastodon.social/api/v2/media"),
        ("POST", "https://mastodon.social/api/v1/statuses"),
        ("POST", "https://mastodon.social/api/v1/statuses"),
    ]
    up, s0, s1 = requests(payload)
    assert up["body"] == {"description": "alt 0"}
    assert up["file"]["field"] == "file"
    assert s0["headers"] == {"Idempotency-Key": "<set by publisher>"}
    assert s0["body"] == {"status": "one", "visibility": "public", "media_ids": ["{{media:0}}"],
                          "spoiler_text": "spoilers", "language": "de"}
    assert s1["body"] == {"status": "two", "visibility": "public", "in_reply_to_id": "{{part:0}}",
                          "spoiler_text": "spoilers", "language": "de"}


def test_mastodon_instance_option_and_omitted_fields() -> None:
    payload = build_payload(variant("mastodon", "hi"), {"instance": "https://social.example/"})
    (status,) = requests(payload)
    assert status["endpoint"] == "https://social.example/api/v1/statuses"
    assert status["body"] == {"status": "hi", "visibility": "public"}
    unknown = requests(build_payload(variant("mastodon", "hi", account="acme")))
    assert unknown[0]["endpoint"] == "{instance}/api/v1/statuses"


# -- Bluesky -----------------------------------------------------------------------


def test_bluesky_record_with_facets_langs_images() -> None:
    text = "Fresh #Coffee ☕ at https://acme.com"
    v = variant("bluesky", parts=(Part(text, bluesky_facets(text, [])),), media=media(2),
                lang="en", link_card=LinkCard("https://acme.com", "Acme"))
    payload = build_payload(v)
    roundtrips(payload)
    assert route(payload) == [
        ("POST", "https://bsky.social/xrpc/com.atproto.repo.uploadBlob"),
        ("POST", "https://bsky.social/xrpc/com.atproto.repo.uploadBlob"),
        ("POST", "https://bsky.social/xrpc/com.atproto.repo.createRecord"),
    ]
    blob0, _, create = requests(payload)
    assert blob0["encoding"] == "binary"
    assert blob0["headers"] == {"Content-Type": "image/jpeg"}
    assert blob0["file"]["src"] == "img/0.jpg"
    assert blob0["produces"] == "{{blob:0}}"
    body = create["body"]
    assert body["repo"] == "{{did}}"
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == "<set by publisher>"
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2026-07-01T07:30:05.123Z"
    assert record["langs"] == ["en"]
    assert record["facets"] == [
        {"index": {"byteStart": 6, "byteEnd": 13},
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Coffee"}]},
        {"index": {"byteStart": 21, "byteEnd": 37},
         "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.com"}]},
    ]
    assert record["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [
            {"alt": "alt 0", "image": "{{blob:0}}", "aspectRatio": {"width": 1200, "height": 800}},
            {"alt": "alt 1", "image": "{{blob:1}}", "aspectRatio": {"width": 1200, "height": 800}},
        ],
    }
    assert "reply" not in record


def test_bluesky_thread_replies_and_external_card() -> None:
    card = LinkCard("https://acme.com/blog", "Our blog", "News")
    v = variant("bluesky", "one", "two", "three", link_card=card)
    payload = build_payload(v, {"pds": "https://pds.example"})
    roundtrips(payload)
    create = ("POST", "https://pds.example/xrpc/com.atproto.repo.createRecord")
    assert route(payload) == [create] * 3
    r0, r1, r2 = (r["body"]["record"] for r in requests(payload))
    assert r0["embed"] == {"$type": "app.bsky.embed.external",
                           "external": {"uri": "https://acme.com/blog", "title": "Our blog",
                                        "description": "News"}}
    assert "reply" not in r0 and "facets" not in r0 and "langs" not in r0
    assert "embed" not in r1 and "embed" not in r2
    assert r1["reply"] == {"root": {"uri": "{{part:0.uri}}", "cid": "{{part:0.cid}}"},
                           "parent": {"uri": "{{part:0.uri}}", "cid": "{{part:0.cid}}"}}
    assert r2["reply"] == {"root": {"uri": "{{part:0.uri}}", "cid": "{{part:0.cid}}"},
                           "parent": {"uri": "{{part:1.uri}}", "cid": "{{part:1.cid}}"}}


def test_bluesky_mention_and_missing_alt() -> None:
    part = Part("hi @alice.bsky.social", (Facet(3, 21, "mention", "alice.bsky.social"),))
    payload = build_payload(variant("bluesky", parts=(part,), media=media(1, alt=False)))
    record = requests(payload)[1]["body"]["record"]
    assert record["facets"][0]["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "handle:alice.bsky.social"}
    ]
    assert record["embed"]["images"][0]["alt"] == ""


def test_bluesky_refuses_naive_date() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_payload(variant("bluesky", date=datetime(2026, 7, 1, 9, 30)))  # noqa: DTZ001


# -- Threads -----------------------------------------------------------------------


def test_threads_text_thread_with_link_attachment() -> None:
    v = variant("threads", "one", "two", link_card=LinkCard("https://acme.com", "Acme"))
    payload = build_payload(v, {"threads_user_id": 42})
    roundtrips(payload)
    base = "https://graph.threads.net/v1.0/42"
    assert route(payload) == [("POST", f"{base}/threads"), ("POST", f"{base}/threads_publish")] * 2
    c0, p0, c1, p1 = requests(payload)
    assert c0["body"] == {"media_type": "TEXT", "text": "one",
                          "link_attachment": "https://acme.com"}
    assert c0["produces"] == "{{container:0}}"
    assert p0["body"] == {"creation_id": "{{container:0}}"}
    assert p0["produces"] == "{{part:0}}"
    assert c1["body"] == {"media_type": "TEXT", "text": "two", "reply_to_id": "{{part:0}}"}
    assert p1["body"] == {"creation_id": "{{container:1}}"}


def test_threads_single_image() -> None:
    payload = build_payload(variant("threads", "pic", media=media(1)))
    container, publish = requests(payload)
    assert container["endpoint"] == "https://graph.threads.net/v1.0/{threads-user-id}/threads"
    assert container["body"] == {"media_type": "IMAGE", "text": "pic",
                                 "image_url": "{{image_url:0}}", "alt_text": "alt 0"}
    assert publish["body"] == {"creation_id": "{{container:0}}"}


def test_threads_carousel() -> None:
    payload = build_payload(variant("threads", "pics", media=media(2)))
    c0, c1, carousel, publish = requests(payload)
    assert c0["body"] == {"media_type": "IMAGE", "image_url": "{{image_url:0}}",
                          "alt_text": "alt 0", "is_carousel_item": True}
    assert c1["produces"] == "{{child:0:1}}"
    assert carousel["body"] == {"media_type": "CAROUSEL", "text": "pics",
                                "children": "{{child:0:0}},{{child:0:1}}"}
    assert publish["body"] == {"creation_id": "{{container:0}}"}


# -- LinkedIn ----------------------------------------------------------------------


LI_HEADERS = {"LinkedIn-Version": "202611", "X-Restli-Protocol-Version": "2.0.0"}


def test_linkedin_commentary_escaped_with_article() -> None:
    card = LinkCard("https://acme.com/a", "Title", "Desc")
    v = variant("linkedin", "Big news (really) #launch @team_x", account="urn:li:organization:1",
                link_card=card)
    payload = build_payload(v)
    roundtrips(payload)
    (post,) = requests(payload)
    assert post["endpoint"] == "https://api.linkedin.com/rest/posts"
    assert post["headers"] == LI_HEADERS
    assert post["body"] == {
        "author": "urn:li:organization:1",
        "commentary": r"Big news \(really\) {hashtag|#|launch} \@team\_x",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                         "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "content": {"article": {"source": "https://acme.com/a", "title": "Title",
                                "description": "Desc"}},
    }


def test_linkedin_images_version_option_and_joined_parts() -> None:
    v = variant("linkedin", "a", "b", account="urn:li:person:7", media=media(2),
                link_card=LinkCard("https://acme.com", "ignored with images"))
    payload = build_payload(v, {"linkedin_version": "202701"})
    roundtrips(payload)
    assert route(payload) == [
        ("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
        ("PUT", "{{media:0.upload_url}}"),
        ("POST", "https://api.linkedin.com/rest/images?action=initializeUpload"),
        ("PUT", "{{media:1.upload_url}}"),
        ("POST", "https://api.linkedin.com/rest/posts"),
    ]
    init, put, *_, post = requests(payload)
    assert init["body"] == {"initializeUploadRequest": {"owner": "urn:li:person:7"}}
    assert init["headers"]["LinkedIn-Version"] == "202701"
    assert init["produces"] == "{{media:0}}"
    assert put["encoding"] == "binary" and put["file"]["src"] == "img/0.jpg"
    assert post["body"]["commentary"] == "a\n\nb"
    assert post["body"]["content"] == {"multiImage": {"images": [
        {"id": "{{media:0}}", "altText": "alt 0"}, {"id": "{{media:1}}", "altText": "alt 1"},
    ]}}


def test_linkedin_single_image_and_first_comment() -> None:
    v = variant("linkedin", "x", account="urn:li:person:7", media=media(1), first_comment="#tags")
    *_, post, comment = requests(build_payload(v))
    assert post["body"]["content"] == {"media": {"id": "{{media:0}}", "altText": "alt 0"}}
    assert comment["endpoint"] == "https://api.linkedin.com/rest/socialActions/{{part:0}}/comments"
    assert comment["body"] == {"actor": "urn:li:person:7", "object": "{{part:0}}",
                               "message": {"text": "#tags"}}


# -- Facebook ----------------------------------------------------------------------


def test_facebook_feed_with_link() -> None:
    v = variant("facebook", "hello", link_card=LinkCard("https://acme.com", "Acme"))
    (feed,) = requests(build_payload(v, {"page_id": "123"}))
    assert feed["endpoint"] == "https://graph.facebook.com/123/feed"
    assert feed["body"] == {"message": "hello", "link": "https://acme.com"}


def test_facebook_one_photo_and_first_comment() -> None:
    v = variant("facebook", "pic", media=media(1), first_comment="more")
    payload = build_payload(v, {"graph_version": "v23.0"})
    roundtrips(payload)
    photo, comment = requests(payload)
    assert photo["endpoint"] == "https://graph.facebook.com/v23.0/{page-id}/photos"
    assert photo["body"] == {"url": "{{image_url:0}}", "caption": "pic", "published": True}
    assert comment["endpoint"] == "https://graph.facebook.com/v23.0/{{part:0}}/comments"
    assert comment["body"] == {"message": "more"}


def test_facebook_several_photos() -> None:
    *photos, feed = requests(build_payload(variant("facebook", "pics", media=media(2))))
    assert [p["body"] for p in photos] == [
        {"url": "{{image_url:0}}", "published": False},
        {"url": "{{image_url:1}}", "published": False},
    ]
    assert feed["body"] == {"message": "pics", "attached_media": [
        {"media_fbid": "{{media:0}}"}, {"media_fbid": "{{media:1}}"}]}


# -- Instagram ---------------------------------------------------------------------


def test_instagram_carousel_and_first_comment() -> None:
    v = variant("instagram", "caption", media=media(3), first_comment="#a #b")
    payload = build_payload(v, {"ig_user_id": "1789"})
    roundtrips(payload)
    user = "https://graph.facebook.com/1789"
    assert route(payload) == [("POST", f"{user}/media")] * 4 + [
        ("POST", f"{user}/media_publish"),
        ("POST", "https://graph.facebook.com/{{part:0}}/comments"),
    ]
    reqs = requests(payload)
    assert reqs[0]["body"] == {"image_url": "{{image_url:0}}", "alt_text": "alt 0",
                               "is_carousel_item": True}
    assert [r["produces"] for r in reqs[:3]] == ["{{child:0:0}}", "{{child:0:1}}", "{{child:0:2}}"]
    assert reqs[3]["body"] == {"media_type": "CAROUSEL", "caption": "caption",
                               "children": ["{{child:0:0}}", "{{child:0:1}}", "{{child:0:2}}"]}
    assert reqs[3]["produces"] == "{{container:0}}"
    assert reqs[4]["body"] == {"creation_id": "{{container:0}}"}
    assert reqs[4]["produces"] == "{{part:0}}"
    assert reqs[5]["body"] == {"message": "#a #b"}


def test_instagram_single_image() -> None:
    container, publish = requests(build_payload(variant("instagram", "cap", media=media(1))))
    assert container["endpoint"] == "https://graph.facebook.com/{ig-user-id}/media"
    assert container["body"] == {"image_url": "{{image_url:0}}", "alt_text": "alt 0",
                                 "caption": "cap"}
    assert publish["endpoint"] == "https://graph.facebook.com/{ig-user-id}/media_publish"


# -- Pinterest ---------------------------------------------------------------------


def test_pinterest_pin() -> None:
    long_line = "A very long first line " * 10
    v = variant("pinterest", f"{long_line}\nmore", media=media(1),
                links=(Link("https://acme.com", "https://acme.com?utm_source=pinterest"),))
    payload = build_payload(v, {"board_id": "b1"})
    roundtrips(payload)
    (pin,) = requests(payload)
    body = pin["body"]
    assert pin["endpoint"] == "https://api.pinterest.com/v5/pins"
    assert body["board_id"] == "b1"
    assert len(body["title"]) <= 100 and body["title"].endswith("…")
    assert body["description"] == f"{long_line}\nmore"
    assert body["link"] == "https://acme.com?utm_source=pinterest"
    assert body["alt_text"] == "alt 0"
    assert body["media_source"] == {"source_type": "image_url", "url": "{{image_url:0}}"}


def test_pinterest_title_option_and_several_images() -> None:
    v = variant("pinterest", "text", media=media(2), subject="Subject",
                link_card=LinkCard("https://acme.com/card", "Card"))
    body = requests(build_payload(v, {"title": "Chosen"}))[0]["body"]
    assert body["title"] == "Chosen"
    assert body["link"] == "https://acme.com/card"
    assert body["media_source"] == {"source_type": "multiple_image_urls", "items": [
        {"url": "{{image_url:0}}"}, {"url": "{{image_url:1}}"}]}
    assert requests(build_payload(v))[0]["body"]["title"] == "Subject"


# -- email and SMS -----------------------------------------------------------------


def test_email_message() -> None:
    v = variant("email", "Plain text", account="news@acme.com", subject="Hi",
                preheader="Read me", html="<p>Plain text</p>")
    payload = build_payload(v, {"unsubscribe_url": "https://acme.com/u?t=1",
                                "unsubscribe_mailto": "unsub@acme.com"})
    roundtrips(payload)
    assert payload == {"requests": [], "message": {
        "from": "news@acme.com", "subject": "Hi", "preheader": "Read me",
        "text": "Plain text", "html": "<p>Plain text</p>",
        "headers": {"List-Unsubscribe": "<https://acme.com/u?t=1>, <mailto:unsub@acme.com>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }}


def test_email_mailto_only_has_no_one_click() -> None:
    payload = build_payload(variant("email"), {"unsubscribe_mailto": "mailto:u@acme.com"})
    message = payload["message"]
    assert isinstance(message, dict)
    assert message["headers"] == {"List-Unsubscribe": "<mailto:u@acme.com>"}
    no_options = build_payload(variant("email"))["message"]
    assert isinstance(no_options, dict) and no_options["headers"] == {}


def test_sms_message() -> None:
    payload = build_payload(variant("sms", "Sale today", account="+15550100"))
    assert payload == {"requests": [], "message": {"from": "+15550100", "body": "Sale today"}}


# -- all ---------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_serialises(platform: str) -> None:
    text = "Hi 👋 #tag https://acme.com"
    v = variant(platform, parts=(Part(text, bluesky_facets(text, [])), Part("more")),
                media=media(2), link_card=LinkCard("https://acme.com", "Acme"),
                first_comment="c", subject="s", preheader="p", html="<p>h</p>",
                content_warning="cw", lang="en")
    payload = build_payload(v)
    roundtrips(payload)
    for r in requests(payload):
        assert r["method"] in {"POST", "PUT"}
        assert set(r) <= {"method", "endpoint", "headers", "encoding", "file", "body", "produces"}


def test_unknown_platform() -> None:
    with pytest.raises(ValueError, match="tiktok"):
        build_payload(variant("tiktok"))
