"""URLs in text, brand domains and UTM tracking."""

from __future__ import annotations

import pytest

from postgen.render.links import find_urls, is_brand, track

BRAND = ["fernwoodroasters.com"]
UTM = {
    "utm_source": "mastodon",
    "utm_medium": "social",
    "utm_campaign": "spring",
    "utm_content": "launch",
}


def urls(text: str) -> list[str]:
    return [url for _, _, url in find_urls(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://example.com.", ["https://example.com"]),
        ("Is it https://example.com/a?", ["https://example.com/a"]),
        ("Go: https://example.com/x, now!", ["https://example.com/x"]),
        ('He said "https://example.com/q"', ["https://example.com/q"]),
        ("(see https://example.com/page)", ["https://example.com/page"]),
        (
            "(https://en.wikipedia.org/wiki/Mercury_(planet))",
            ["https://en.wikipedia.org/wiki/Mercury_(planet)"],
        ),
        (
            "https://en.wikipedia.org/wiki/Java_(disambiguation).",
            ["https://en.wikipedia.org/wiki/Java_(disambiguation)"],
        ),
        ("[https://example.com/x]", ["https://example.com/x"]),
        (
            "visit www.example.com; or HTTP://Example.com:",
            ["www.example.com", "HTTP://Example.com"],
        ),
        ("no urls in awww.nothing or foo@www.example.com", []),
        ("https://a.com/x?q=1&r=2#frag!", ["https://a.com/x?q=1&r=2#frag"]),
        ("just http:// alone", []),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert urls(text) == expected


def test_find_urls_offsets_are_str_indices() -> None:
    text = "咖啡 ☕️ 👩‍👩‍👧 https://example.com/b. done"
    [(start, end, url)] = find_urls(text)
    assert text[start:end] == url == "https://example.com/b"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://fernwoodroasters.com/", True),
        ("https://shop.fernwoodroasters.com/beans", True),
        ("HTTPS://Shop.FernwoodRoasters.COM:443/x", True),
        ("www.fernwoodroasters.com/a", True),
        ("https://evilfernwoodroasters.com/", False),
        ("https://fernwoodroasters.com.evil.example/", False),
        ("https://example.com/?u=fernwoodroasters.com", False),
        ("https://fernwoodroasters.com@evil.example/", False),
        ("mailto:hi@fernwoodroasters.com", False),
    ],
)
def test_is_brand(url: str, expected: bool) -> None:
    assert is_brand(url, BRAND) is expected


def test_track_adds_utm_in_order() -> None:
    assert track("https://fernwoodroasters.com/beans", UTM, BRAND) == (
        "https://fernwoodroasters.com/beans?utm_source=mastodon&utm_medium=social"
        "&utm_campaign=spring&utm_content=launch"
    )


def test_track_keeps_existing_params_order_encoding_and_fragment() -> None:
    url = "https://shop.fernwoodroasters.com/b?z=1&a=%7Ex+y&utm_source=news#buy-now"
    assert track(url, UTM, BRAND) == (
        "https://shop.fernwoodroasters.com/b?z=1&a=%7Ex+y&utm_source=news"
        "&utm_medium=social&utm_campaign=spring&utm_content=launch#buy-now"
    )


def test_track_never_duplicates_a_parameter() -> None:
    tracked = track("https://fernwoodroasters.com/?utm_source=x", UTM, BRAND)
    assert tracked.count("utm_source") == 1
    assert "utm_source=x" in tracked


def test_track_encodes_values() -> None:
    tracked = track("https://fernwoodroasters.com/", {"utm_campaign": "spring sale&more"}, BRAND)
    assert tracked == "https://fernwoodroasters.com/?utm_campaign=spring%20sale%26more"


@pytest.mark.parametrize(
    "url",
    [
        "https://fernwoodroasters.com/beans",
        "https://fernwoodroasters.com/?",
        "https://fernwoodroasters.com/?a=1&",
        "https://fernwoodroasters.com/?utm_medium=email#x",
        "www.fernwoodroasters.com",
    ],
)
def test_track_is_idempotent(url: str) -> None:
    once = track(url, UTM, BRAND)
    assert once != url
    assert track(once, UTM, BRAND) == once
    assert "?&" not in once and "&&" not in once


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/beans",
        "https://evilfernwoodroasters.com/x?a=%2f%2F&b=ü",
        "HTTPS://EXAMPLE.com/%7e?x=a+b#Frag",
        "mailto:hi@fernwoodroasters.com",
    ],
)
def test_track_leaves_other_domains_byte_identical(url: str) -> None:
    assert track(url, UTM, BRAND).encode() == url.encode()


def test_track_skips_empty_values() -> None:
    params = {"utm_source": "x", "utm_medium": "", "utm_campaign": "c"}
    assert (
        track("https://fernwoodroasters.com/", params, BRAND)
        == "https://fernwoodroasters.com/?utm_source=x&utm_campaign=c"
    )
    assert track("https://fernwoodroasters.com/", {"utm_source": ""}, BRAND) == (
        "https://fernwoodroasters.com/"
    )
