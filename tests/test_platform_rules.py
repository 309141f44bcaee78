"""The platform rules data: every number checked against platforms.md, and overrides."""

from __future__ import annotations

import dataclasses

import pytest

from postgen import platforms
from postgen.platforms import (
    PLATFORMS,
    MediaRules,
    PlatformRules,
    WeightRange,
    get_platform,
    override_keys,
    platform_names,
    with_overrides,
)
from postgen.platforms.counting import count

ALL = ("x", "mastodon", "bluesky", "threads", "linkedin", "facebook", "instagram", "pinterest",
       "email", "sms")


def test_every_platform_is_present() -> None:
    assert platform_names() == ALL
    assert tuple(PLATFORMS) == ALL and len(PLATFORMS) == len(ALL)
    for name in ALL:
        rules = get_platform(name)
        assert isinstance(rules, PlatformRules) and rules.name == name
        assert PLATFORMS[name] is rules
        assert isinstance(rules.media, MediaRules)


def test_unknown_platform_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown platform 'myspace'"):
        get_platform("myspace")
    with pytest.raises(KeyError):
        PLATFORMS["myspace"]


def test_rules_are_read_only() -> None:
    with pytest.raises(TypeError):
        PLATFORMS["x"] = get_platform("x")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_platform("x").text_limit = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_platform("x").media.max_count = 1  # type: ignore[misc]
    for name in ALL:
        _assert_immutable(get_platform(name), name)


def _assert_immutable(value: object, where: str) -> None:
    """No list, dict or set anywhere in the rules: tuples and frozen dataclasses only."""
    assert not isinstance(value, (list, dict, set)), where
    if dataclasses.is_dataclass(value):
        assert getattr(type(value), "__dataclass_params__").frozen, where  # noqa: B009
        for f in dataclasses.fields(value):
            _assert_immutable(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, tuple):
        for item in value:
            _assert_immutable(item, where)


def test_x() -> None:
    x = get_platform("x")
    assert (x.counting, x.text_limit, x.url_length, x.alt_text_limit) == (
        "twitter-weighted", 280, 23, 1000)
    assert x.supports_threads
    assert x.media.max_count == 4
    assert (x.media.max_bytes, x.media.max_gif_bytes, x.media.max_video_bytes) == (
        5_000_000, 15_000_000, 512_000_000)
    w = x.weighting
    assert w is not None
    assert (w.scale, w.default_weight, w.emoji_parsing) == (100, 200, True)
    assert w.ranges == (WeightRange(0, 4351, 100), WeightRange(8192, 8205, 100),
                        WeightRange(8208, 8223, 100), WeightRange(8242, 8247, 100))


def test_mastodon() -> None:
    m = get_platform("mastodon")
    assert (m.counting, m.text_limit, m.url_length, m.alt_text_limit) == (
        "graphemes-mastodon", 500, 23, 1500)
    assert m.supports_threads
    assert {"http", "https"} <= set(m.url_schemes)
    assert (m.media.max_count, m.media.max_bytes, m.media.max_video_bytes) == (
        4, 16_777_216, 103_809_024)


def test_bluesky() -> None:
    b = get_platform("bluesky")
    assert (b.counting, b.text_limit, b.byte_limit) == ("bluesky", 300, 3000)
    assert b.supports_threads and b.alt_text_required and b.alt_text_limit == 2000
    assert b.url_length is None  # links are facets: counted as text
    assert (b.media.max_count, b.media.max_bytes) == (4, 1_000_000)


def test_threads() -> None:
    t = get_platform("threads")
    assert (t.counting, t.text_limit, t.max_links, t.unique_links) == ("threads", 500, 5, True)
    assert t.supports_threads
    assert (t.media.formats, t.media.max_bytes) == (("JPEG", "PNG"), 8_000_000)


def test_linkedin_facebook_pinterest() -> None:
    li = get_platform("linkedin")
    assert (li.counting, li.text_limit, li.media.max_count) == ("linkedin", 3000, 20)
    assert li.alt_text_limit is None  # [UNVERIFIED]
    fb = get_platform("facebook")
    assert (fb.counting, fb.text_limit) == ("chars", 63206)
    p = get_platform("pinterest")
    assert (p.text_limit, p.title_limit, p.link_url_limit, p.alt_text_limit) == (
        800, 100, 2048, 500)
    assert p.media.max_count == 5
    assert not any(get_platform(n).supports_threads for n in (
        "linkedin", "facebook", "instagram", "pinterest", "email", "sms"))


def test_instagram() -> None:
    ig = get_platform("instagram")
    assert (ig.counting, ig.text_limit, ig.max_mentions) == ("chars", 2200, 20)
    # 30 per the official docs, 5 from December 2025 [2nd]: the smaller is enforced
    assert ig.max_hashtags == 5
    assert with_overrides(ig, {"max_hashtags": 30}).max_hashtags == 30
    assert not ig.links_clickable
    media = ig.media
    assert (media.min_aspect, media.max_aspect) == (0.8, 1.91)
    assert (media.min_width, media.max_width, media.max_count) == (320, 1440, 10)
    assert (media.formats, media.max_bytes) == (("JPEG",), 8_000_000)


def test_sms_and_email() -> None:
    sms = get_platform("sms").sms
    assert sms is not None
    assert (sms.gsm7_single, sms.gsm7_part, sms.ucs2_single, sms.ucs2_part) == (160, 153, 70, 67)
    email = get_platform("email")
    assert (email.line_limit, email.line_limit_should, email.subject_limit) == (998, 78, 78)
    assert email.text_limit is None


# --- with_overrides ------------------------------------------------------------------------

def test_with_overrides_replaces_values_and_leaves_the_original() -> None:
    mastodon = get_platform("mastodon")
    bigger = with_overrides(mastodon, {"text_limit": 1000, "media.max_count": 6,
                                       "url_schemes": ["https"]})
    assert (bigger.text_limit, bigger.media.max_count, bigger.url_schemes) == (
        1000, 6, ("https",))
    assert bigger.media.max_bytes == mastodon.media.max_bytes
    assert (mastodon.text_limit, mastodon.media.max_count) == (500, 4)
    assert with_overrides(mastodon, {}) is mastodon
    assert count("x" * 600, bigger).ok and not count("x" * 600, mastodon).ok


def test_with_overrides_sets_none_and_floats() -> None:
    ig = get_platform("instagram")
    loose = with_overrides(ig, {"media.max_aspect": 2, "max_mentions": None})
    assert loose.media.max_aspect == 2.0 and isinstance(loose.media.max_aspect, float)
    assert loose.max_mentions is None


def test_with_overrides_rejects_unknown_keys_listing_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown limit 'txt_limit'.*text_limit"):
        with_overrides(get_platform("x"), {"txt_limit": 300})
    with pytest.raises(ValueError, match="unknown limit 'sms.max_segments'"):
        with_overrides(get_platform("x"), {"sms.max_segments": 2})  # X has no SMS rules
    with pytest.raises(ValueError, match="unknown limit 'name'"):
        with_overrides(get_platform("x"), {"name": "y"})
    assert "sms.max_segments" in override_keys(get_platform("sms"))
    assert "weighting.emoji_parsing" in override_keys(get_platform("x"))
    assert "weighting.scale" not in override_keys(get_platform("x"))


@pytest.mark.parametrize(("key", "value"), [
    ("text_limit", "1000"),
    ("text_limit", True),
    ("text_limit", -1),
    ("text_limit", 1.5),
    ("supports_threads", "yes"),
    ("url_schemes", "https"),
    ("url_schemes", ["https", 1]),
    ("media.min_aspect", 0),
    ("media.max_count", [4]),
])
def test_with_overrides_rejects_wrong_types(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        with_overrides(get_platform("mastodon"), {key: value})


def test_rules_file_rejects_unknown_keys_and_bad_values() -> None:
    build = platforms._build
    base = {"name": "p", "display_name": "P", "counting": "chars", "text_limit": 10,
            "supports_threads": False, "media": {}}
    assert build(PlatformRules, base, "t").text_limit == 10
    with pytest.raises(ValueError, match="unknown key"):
        build(PlatformRules, {**base, "txt_limit": 3}, "t")
    with pytest.raises(ValueError, match="unknown key"):
        build(PlatformRules, {**base, "media": {"max_cout": 3}}, "t")
    with pytest.raises(ValueError, match="text_limit"):
        build(PlatformRules, {**base, "text_limit": "10"}, "t")
