"""Each platform's API requests for one variant, exactly as the publisher sends them.

`build_payload` returns `{"requests": [...]}`, in the order they are sent
(email and SMS, which have no HTTP API of their own here, also carry a
`"message"`). A request is a JSON-serialisable dict:

- `method`, `endpoint` and `body` (a JSON body unless `encoding` says else);
- `headers`, only the ones that matter to the content (never credentials);
- `encoding`: `"multipart"` (form fields in `body`, the file in the field
  `file.field`) or `"binary"` (the file is the whole body); absent for JSON;
- `file`: for uploads, which file by `src`, with its `mime`, `sha256` (so
  the publisher can check it is the approved file) and `alt`;
- `produces`: the placeholder its response fills in.

Values that only exist at publish time are placeholders:

- `{{media:i}}` the id of uploaded media `i` (for LinkedIn the image URN
  from `initializeUpload`, and `{{media:i.upload_url}}` where its bytes go);
- `{{blob:i}}` the Bluesky blob object of media `i` (the whole value is
  replaced by the object `uploadBlob` returns);
- `{{part:i}}` the id of posted part `i`; for Bluesky `{{part:i.uri}}` and
  `{{part:i.cid}}`;
- `{{container:i}}` the Instagram/Threads container of part `i`, and
  `{{child:i:j}}` the container of carousel item `j` of part `i`;
- `{{image_url:i}}` a publicly reachable URL of media `i`;
- `{{did}}` the DID of the Bluesky session.

A string that is exactly one placeholder is replaced by the value (which may
be an object); inside a longer string the publisher substitutes the text,
percent-encoded where it lands in an endpoint's path. Texts the publisher
chooses itself (Mastodon's `Idempotency-Key`, a Bluesky `rkey`) read
`<set by publisher>`. Endpoint segments come from the channel's options
(`page_id`, `ig_user_id`, `threads_user_id`, `board_id`, `instance`, `pds`,
`graph_version`); a missing one stays a `{page-id}`-style path segment.
Reference: /work/shared/reference/platforms.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from types import MappingProxyType

import regex

from postgen.render.model import MediaFile, Variant
from postgen.render.richtext import bluesky_facet_json, linkedin_little

__all__ = ["PLATFORMS", "SET_BY_PUBLISHER", "build_payload"]

Options = Mapping[str, object]
Request = dict[str, object]

SET_BY_PUBLISHER = "<set by publisher>"
X_API = "https://api.x.com/2"
LINKEDIN_API = "https://api.linkedin.com/rest"
THREADS_API = "https://graph.threads.net/v1.0"
PINTEREST_API = "https://api.pinterest.com/v5"
GRAPH_API = "https://graph.facebook.com"
BLUESKY_PDS = "https://bsky.social"
LINKEDIN_VERSION = "202611"
PIN_TITLE_MAX = 100


def build_payload(v: Variant, options: Mapping[str, object] | None = None) -> dict[str, object]:
    """The requests (and for email and SMS the message) that publish `v`."""
    builder = _BUILDERS.get(v.platform)
    if builder is None:
        raise ValueError(f"no payload builder for platform {v.platform!r}")
    return builder(v, options or MappingProxyType({}))


# -- X ---------------------------------------------------------------------------


def _x(v: Variant, options: Options) -> dict[str, object]:
    """X API v2: `POST /2/media/upload`, `POST /2/media/metadata`, `POST /2/tweets`."""
    requests: list[Request] = []
    for i, m in enumerate(v.media):
        form = {"media_category": _x_category(m.mime), "media_type": m.mime}
        requests.append(_upload(f"{X_API}/media/upload", m, "media", form, f"{{{{media:{i}}}}}"))
        if m.alt:
            alt = {"id": f"{{{{media:{i}}}}}", "metadata": {"alt_text": {"text": m.alt}}}
            requests.append(_request(f"{X_API}/media/metadata", alt))
    for i, part in enumerate(v.parts):
        body: dict[str, object] = {"text": part.text}
        if i == 0 and v.media:
            body["media"] = {"media_ids": _placeholders("media", len(v.media))}
        if i > 0:
            body["reply"] = {"in_reply_to_tweet_id": f"{{{{part:{i - 1}}}}}"}
        requests.append(_request(f"{X_API}/tweets", body, produces=f"{{{{part:{i}}}}}"))
    return {"requests": requests}


def _x_category(mime: str) -> str:
    if mime == "image/gif":
        return "tweet_gif"
    return "tweet_video" if mime.startswith("video/") else "tweet_image"


# -- Mastodon ----------------------------------------------------------------------


def _mastodon(v: Variant, options: Options) -> dict[str, object]:
    """Mastodon: `POST /api/v2/media` (multipart), then `POST /api/v1/statuses` per part."""
    base = _mastodon_instance(v.account, options)
    requests: list[Request] = []
    for i, m in enumerate(v.media):
        form = {"description": m.alt} if m.alt else {}
        requests.append(_upload(f"{base}/api/v2/media", m, "file", form, f"{{{{media:{i}}}}}"))
    for i, part in enumerate(v.parts):
        body: dict[str, object] = {"status": part.text, "visibility": "public"}
        if i == 0 and v.media:
            body["media_ids"] = _placeholders("media", len(v.media))
        if i > 0:
            body["in_reply_to_id"] = f"{{{{part:{i - 1}}}}}"
        if v.content_warning:
            body["spoiler_text"] = v.content_warning
        if v.lang:
            body["language"] = v.lang
        requests.append(_request(f"{base}/api/v1/statuses", body, produces=f"{{{{part:{i}}}}}",
                                 headers={"Idempotency-Key": SET_BY_PUBLISHER}))
    return {"requests": requests}


def _mastodon_instance(account: str, options: Options) -> str:
    """The `instance` option, else the domain of an `@user@domain` account."""
    instance = _option(options, "instance", "")
    if not instance and account.count("@") == 2 and account.startswith("@"):
        instance = account.rsplit("@", 1)[1]
    if not instance:
        return "{instance}"
    return (instance if "://" in instance else f"https://{instance}").rstrip("/")


# -- Bluesky ----------------------------------------------------------------------


def _bluesky(v: Variant, options: Options) -> dict[str, object]:
    """AT Protocol: `com.atproto.repo.uploadBlob` per image, `createRecord` per part."""
    xrpc = _option(options, "pds", BLUESKY_PDS).rstrip("/") + "/xrpc"
    requests: list[Request] = []
    for i, m in enumerate(v.media):
        requests.append(_upload(f"{xrpc}/com.atproto.repo.uploadBlob", m, None, {},
                                f"{{{{blob:{i}}}}}"))
    for i in range(len(v.parts)):
        body = {"repo": "{{did}}", "collection": "app.bsky.feed.post", "rkey": SET_BY_PUBLISHER,
                "record": _bluesky_record(v, i)}
        requests.append(_request(f"{xrpc}/com.atproto.repo.createRecord", body,
                                 produces=f"{{{{part:{i}}}}}"))
    return {"requests": requests}


def _bluesky_record(v: Variant, i: int) -> dict[str, object]:
    part = v.parts[i]
    record: dict[str, object] = {"$type": "app.bsky.feed.post", "text": part.text}
    if part.facets:
        record["facets"] = [bluesky_facet_json(f) for f in part.facets]
    record["createdAt"] = _bluesky_time(v)
    if v.lang:
        record["langs"] = [v.lang]
    embed = _bluesky_embed(v) if i == 0 else None
    if embed:
        record["embed"] = embed
    if i > 0:
        record["reply"] = {
            "root": {"uri": "{{part:0.uri}}", "cid": "{{part:0.cid}}"},
            "parent": {"uri": f"{{{{part:{i - 1}.uri}}}}", "cid": f"{{{{part:{i - 1}.cid}}}}"},
        }
    return record


def _bluesky_time(v: Variant) -> str:
    """`createdAt`: the post's time in UTC, milliseconds, `Z`."""
    if v.date.tzinfo is None:
        raise ValueError(f"{v.post_id}: the variant's date has no timezone")
    return v.date.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bluesky_embed(v: Variant) -> dict[str, object] | None:
    """Images (`app.bsky.embed.images`), else a link card (`app.bsky.embed.external`)."""
    if v.media:
        return {"$type": "app.bsky.embed.images",
                "images": [_bluesky_image(i, m) for i, m in enumerate(v.media)]}
    if v.link_card:
        card = v.link_card
        return {"$type": "app.bsky.embed.external",
                "external": {"uri": card.url, "title": card.title,
                             "description": card.description}}
    return None


def _bluesky_image(i: int, m: MediaFile) -> dict[str, object]:
    image: dict[str, object] = {"alt": m.alt or "", "image": f"{{{{blob:{i}}}}}"}
    if m.width and m.height:
        image["aspectRatio"] = {"width": m.width, "height": m.height}
    return image


# -- Threads -----------------------------------------------------------------------


def _threads(v: Variant, options: Options) -> dict[str, object]:
    """Threads API: `POST /{uid}/threads` (a container) then `POST /{uid}/threads_publish`."""
    base = f"{THREADS_API}/{_option(options, 'threads_user_id', '{threads-user-id}')}"
    requests: list[Request] = []
    for i in range(len(v.parts)):
        if i == 0 and len(v.media) > 1:
            requests.extend(_meta_children(f"{base}/threads", v.media, 0, {"media_type": "IMAGE"}))
        requests.append(_request(f"{base}/threads", _threads_container(v, i),
                                 produces=f"{{{{container:{i}}}}}"))
        requests.append(_request(f"{base}/threads_publish",
                                 {"creation_id": f"{{{{container:{i}}}}}"},
                                 produces=f"{{{{part:{i}}}}}"))
    return {"requests": requests}


def _threads_container(v: Variant, i: int) -> dict[str, object]:
    """Part 0 carries the media (a carousel for several) or the link card; replies are text."""
    text = v.parts[i].text
    if i > 0:
        return {"media_type": "TEXT", "text": text, "reply_to_id": f"{{{{part:{i - 1}}}}}"}
    if len(v.media) > 1:
        return {"media_type": "CAROUSEL", "text": text,
                "children": ",".join(_children(0, len(v.media)))}
    if v.media:
        return {"media_type": "IMAGE", "text": text, **_meta_image(0, v.media[0])}
    if v.link_card:
        return {"media_type": "TEXT", "text": text, "link_attachment": v.link_card.url}
    return {"media_type": "TEXT", "text": text}


# -- LinkedIn ----------------------------------------------------------------------


def _linkedin(v: Variant, options: Options) -> dict[str, object]:
    """LinkedIn Posts API: `POST /rest/images?action=initializeUpload`, `PUT` the bytes,
    `POST /rest/posts`; the text in little format (mentions not supported yet)."""
    headers = {"LinkedIn-Version": _option(options, "linkedin_version", LINKEDIN_VERSION),
               "X-Restli-Protocol-Version": "2.0.0"}
    requests: list[Request] = []
    for i, m in enumerate(v.media):
        init = {"initializeUploadRequest": {"owner": v.account}}
        requests.append(_request(f"{LINKEDIN_API}/images?action=initializeUpload", init,
                                 headers=headers,
                                 produces=f"{{{{media:{i}}}}}"))
        requests.append(_upload(f"{{{{media:{i}.upload_url}}}}", m, None, {}, None,
                                method="PUT"))
    requests.append(_request(f"{LINKEDIN_API}/posts", _linkedin_post(v), headers=headers,
                             produces="{{part:0}}"))
    if v.first_comment:
        comment = {"actor": v.account, "object": "{{part:0}}",
                   "message": {"text": v.first_comment}}
        requests.append(_request(f"{LINKEDIN_API}/socialActions/{{{{part:0}}}}/comments",
                                 comment, headers=headers))
    return {"requests": requests}


def _linkedin_post(v: Variant) -> dict[str, object]:
    body: dict[str, object] = {
        "author": v.account,
        "commentary": linkedin_little(v.text),
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                         "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    content = _linkedin_content(v)
    if content:
        body["content"] = content
    return body


def _linkedin_content(v: Variant) -> dict[str, object] | None:
    images = [_linkedin_image(i, m) for i, m in enumerate(v.media)]
    if len(images) == 1:
        return {"media": images[0]}
    if images:
        return {"multiImage": {"images": images}}
    if v.link_card:
        article = {"source": v.link_card.url, "title": v.link_card.title}
        if v.link_card.description:
            article["description"] = v.link_card.description
        return {"article": article}
    return None


def _linkedin_image(i: int, m: MediaFile) -> dict[str, object]:
    image: dict[str, object] = {"id": f"{{{{media:{i}}}}}"}
    if m.alt:
        image["altText"] = m.alt
    return image


# -- Facebook ----------------------------------------------------------------------


def _facebook(v: Variant, options: Options) -> dict[str, object]:
    """Facebook Page: `POST /{page-id}/feed` {message, link}; one image is
    `POST /{page-id}/photos` {url, caption}; several are unpublished photos
    attached to a feed post (`attached_media`). Alt text is not sent."""
    page = f"{_graph(options)}/{_option(options, 'page_id', '{page-id}')}"
    requests: list[Request] = []
    if len(v.media) == 1:
        photo = {"url": "{{image_url:0}}", "caption": v.text, "published": True}
        requests.append(_request(f"{page}/photos", photo, produces="{{part:0}}"))
    else:
        for i in range(len(v.media)):
            photo = {"url": f"{{{{image_url:{i}}}}}", "published": False}
            requests.append(_request(f"{page}/photos", photo, produces=f"{{{{media:{i}}}}}"))
        requests.append(_request(f"{page}/feed", _facebook_feed(v), produces="{{part:0}}"))
    requests.extend(_first_comment(v, options))
    return {"requests": requests}


def _facebook_feed(v: Variant) -> dict[str, object]:
    body: dict[str, object] = {"message": v.text}
    if v.media:
        body["attached_media"] = [{"media_fbid": p} for p in _placeholders("media", len(v.media))]
    elif v.link_card:
        body["link"] = v.link_card.url
    return body


# -- Instagram ---------------------------------------------------------------------


def _instagram(v: Variant, options: Options) -> dict[str, object]:
    """Instagram Graph API: `POST /{ig-user-id}/media` (carousel items first), then
    `POST /{ig-user-id}/media_publish`, then the first comment on the new media."""
    user = f"{_graph(options)}/{_option(options, 'ig_user_id', '{ig-user-id}')}"
    requests: list[Request] = []
    container: dict[str, object]
    if len(v.media) > 1:
        requests.extend(_meta_children(f"{user}/media", v.media, 0, {}))
        container = {"media_type": "CAROUSEL", "caption": v.text,
                     "children": _children(0, len(v.media))}
    else:
        image = _meta_image(0, v.media[0]) if v.media else {}
        container = {**image, "caption": v.text}
    requests.append(_request(f"{user}/media", container, produces="{{container:0}}"))
    requests.append(_request(f"{user}/media_publish", {"creation_id": "{{container:0}}"},
                             produces="{{part:0}}"))
    requests.extend(_first_comment(v, options))
    return {"requests": requests}


# -- Meta helpers ------------------------------------------------------------------


def _graph(options: Options) -> str:
    """The Graph API root, versioned if the channel names a `graph_version`."""
    version = _option(options, "graph_version", "")
    return f"{GRAPH_API}/{version}" if version else GRAPH_API


def _meta_image(i: int, m: MediaFile) -> dict[str, object]:
    image: dict[str, object] = {"image_url": f"{{{{image_url:{i}}}}}"}
    if m.alt:
        image["alt_text"] = m.alt
    return image


def _meta_children(endpoint: str, media: Sequence[MediaFile], part: int,
                   extra: Mapping[str, object]) -> list[Request]:
    """One carousel item container per image (Instagram and Threads)."""
    return [
        _request(endpoint, {**extra, **_meta_image(j, m), "is_carousel_item": True},
                 produces=f"{{{{child:{part}:{j}}}}}")
        for j, m in enumerate(media)
    ]


def _children(part: int, n: int) -> list[str]:
    return [f"{{{{child:{part}:{j}}}}}" for j in range(n)]


def _first_comment(v: Variant, options: Options) -> list[Request]:
    """`POST /{object-id}/comments` {message} on the new post (Facebook, Instagram)."""
    if not v.first_comment:
        return []
    return [_request(f"{_graph(options)}/{{{{part:0}}}}/comments", {"message": v.first_comment})]


# -- Pinterest ---------------------------------------------------------------------


def _pinterest(v: Variant, options: Options) -> dict[str, object]:
    """Pinterest API v5: `POST /v5/pins`; one image by URL, or 2-5 as `multiple_image_urls`."""
    body: dict[str, object] = {
        "board_id": _option(options, "board_id", "{board-id}"),
        "title": _pin_title(v, options),
        "description": v.text,
    }
    link = v.link_card.url if v.link_card else (v.links[0].sent if v.links else None)
    if link:
        body["link"] = link
    if v.media and v.media[0].alt:
        body["alt_text"] = v.media[0].alt
    body["media_source"] = _pin_media(len(v.media))
    return {"requests": [_request(f"{PINTEREST_API}/pins", body, produces="{{part:0}}")]}


def _pin_title(v: Variant, options: Options) -> str:
    """The `title` option, else the subject, else the first line; at most 100 characters."""
    first_line = v.text.strip().split("\n", 1)[0]
    title = _option(options, "title", "") or v.subject or first_line
    if len(title) <= PIN_TITLE_MAX:
        return title
    kept = ""
    for grapheme in regex.findall(r"\X", title):
        if len(kept) + len(grapheme) > PIN_TITLE_MAX - 1:
            break
        kept += grapheme
    return kept.rstrip() + "…"


def _pin_media(n: int) -> dict[str, object]:
    if n > 1:
        return {"source_type": "multiple_image_urls",
                "items": [{"url": url} for url in _placeholders("image_url", n)]}
    return {"source_type": "image_url", "url": "{{image_url:0}}"}


# -- email and SMS -----------------------------------------------------------------


def _email(v: Variant, options: Options) -> dict[str, object]:
    """An email (sent over SMTP): the text and HTML bodies and RFC 8058 unsubscribe headers."""
    message = {
        "from": v.account, "subject": v.subject, "preheader": v.preheader,
        "text": v.text, "html": v.html, "headers": _unsubscribe_headers(options),
    }
    return {"requests": [], "message": message}


def _unsubscribe_headers(options: Options) -> dict[str, str]:
    """`List-Unsubscribe` from the `unsubscribe_url` / `unsubscribe_mailto` options; the
    one-click `List-Unsubscribe-Post` only with an https URL (RFC 8058)."""
    url = _option(options, "unsubscribe_url", "")
    mailto = _option(options, "unsubscribe_mailto", "")
    if mailto and not mailto.startswith("mailto:"):
        mailto = f"mailto:{mailto}"
    targets = [f"<{t}>" for t in (url, mailto) if t]
    headers: dict[str, str] = {}
    if targets:
        headers["List-Unsubscribe"] = ", ".join(targets)
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _sms(v: Variant, options: Options) -> dict[str, object]:
    """A text message: who from and the body; the gateway is the publisher's."""
    return {"requests": [], "message": {"from": v.account, "body": v.text}}


# -- helpers -----------------------------------------------------------------------


def _request(endpoint: str, body: object, *, headers: Mapping[str, str] | None = None,
             produces: str | None = None) -> Request:
    request: Request = {"method": "POST", "endpoint": endpoint}
    if headers:
        request["headers"] = dict(headers)
    request["body"] = body
    if produces:
        request["produces"] = produces
    return request


def _upload(endpoint: str, m: MediaFile, field: str | None, form: Mapping[str, object],
            produces: str | None, *, method: str = "POST") -> Request:
    """A file upload: multipart with the file in `field`, or the raw bytes (`field` None)."""
    file: dict[str, object] = {"src": m.src, "mime": m.mime, "sha256": m.sha256, "alt": m.alt}
    request: Request = {"method": method, "endpoint": endpoint}
    if field is None:
        request.update(headers={"Content-Type": m.mime}, encoding="binary")
    else:
        file = {"field": field, **file}
        request.update(encoding="multipart", body=dict(form))
    request["file"] = file
    if produces:
        request["produces"] = produces
    return request


def _placeholders(kind: str, n: int) -> list[str]:
    return [f"{{{{{kind}:{i}}}}}" for i in range(n)]


def _option(options: Options, key: str, default: str) -> str:
    value = options.get(key)
    return default if value is None or value == "" else str(value)


_Builder = Callable[[Variant, Options], dict[str, object]]
_BUILDERS: Mapping[str, _Builder] = MappingProxyType({
    "x": _x, "mastodon": _mastodon, "bluesky": _bluesky, "threads": _threads,
    "linkedin": _linkedin, "facebook": _facebook, "instagram": _instagram,
    "pinterest": _pinterest, "email": _email, "sms": _sms,
})
#: The platforms `build_payload` knows.
PLATFORMS = tuple(_BUILDERS)
