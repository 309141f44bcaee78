"""Feed presentation rules (rules.yaml `previews`) and the crops computed from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgen.platforms import platform_names
from postgen.platforms.previews import (
    display_url,
    fold_point,
    link_card_aspect,
    media_layout,
    preview_rules,
)

FOUR_FIVE, SQUARE, WIDE, TALL = (800, 1000), (1000, 1000), (1600, 900), (900, 1600)


def test_every_platform_has_preview_rules() -> None:
    for name in platform_names():
        assert preview_rules(name).name == name


@pytest.mark.parametrize("platform", ["x", "mastodon", "facebook", "linkedin", "instagram",
                                      "threads", "bluesky"])
def test_single_4_5_and_square_images_show_uncropped(platform: str) -> None:
    for size in (FOUR_FIVE, SQUARE):
        (crop,) = media_layout(platform, [size]).crops
        assert not crop.cropped, (platform, size)
        assert crop.aspect == pytest.approx(size[0] / size[1])


def test_tall_images_are_cut_to_the_platforms_bound() -> None:
    assert media_layout("x", [TALL]).crops[0].aspect == pytest.approx(0.75)
    assert media_layout("facebook", [TALL]).crops[0].aspect == pytest.approx(0.8)
    assert media_layout("facebook", [TALL]).crops[0].cropped
    # No bound: an email shows the image whole.
    assert not media_layout("email", [TALL]).crops[0].cropped


def test_grids_and_carousels() -> None:
    two = media_layout("x", [SQUARE, SQUARE])
    assert two.kind == "grid" and [c.aspect for c in two.crops] == pytest.approx([0.8889] * 2,
                                                                                rel=1e-3)
    three = media_layout("x", [SQUARE] * 3)
    assert [c.rows for c in three.crops] == [2, 1, 1]
    assert [c.aspect for c in three.crops] == pytest.approx([0.8889, 1.7778, 1.7778], rel=1e-3)
    five = media_layout("linkedin", [SQUARE] * 5)
    assert len(five.crops) == 4 and five.more == 1
    carousel = media_layout("instagram", [FOUR_FIVE, WIDE, TALL])
    assert carousel.kind == "carousel"
    assert {c.aspect for c in carousel.crops} == {0.8}  # every slide at the first's ratio
    assert [c.cropped for c in carousel.crops] == [False, True, True]


def test_link_cards_are_1_91() -> None:
    for platform in ("x", "facebook", "linkedin", "mastodon", "bluesky", "threads"):
        assert link_card_aspect(platform) == 1.91
    assert link_card_aspect("instagram") is None


def test_fold_cuts_at_a_space_within_the_limit_and_never_in_a_link() -> None:
    text = "word " * 40  # 200 characters
    at = fold_point(text, "instagram")
    assert at is not None and at <= 125 and text[at - 1] == " "
    assert fold_point("short", "instagram") is None
    assert fold_point(text, "mastodon") is None  # the whole post shows
    link = "x" * 100 + " https://example.com/" + "a" * 40
    start = link.index("https://")
    assert fold_point(link, "instagram", [(start, len(link))]) == start


def test_display_urls() -> None:
    long = "https://www.example.com/a/very/long/path?utm_source=x&utm_medium=social"
    shown = display_url(long, "x")
    assert shown.hidden == "https://www."
    assert len(shown.shown) == preview_rules("x").display_url_length
    assert shown.hidden + shown.shown + shown.cut == long
    assert display_url(long, "bluesky").shown == long


def test_channel_display_settings(tmp_path: Path) -> None:
    from postgen.config import load_config
    from tests.conftest import image, write_files

    config = """\
site_name: T
plugins:
  - postgen:
      timezone: UTC
      brand: {name: Acme}
      channels:
        fb: {platform: facebook, account: "1", display_name: Acme Coffee, avatar: a.png}
        x: {platform: x, account: "@acme", avatar: missing.png}
"""
    root = write_files(tmp_path, {"mkdocs.yml": config, "a.png": image(8, 8),
                                  "content/.keep": ""})
    loaded, problems = load_config(root / "mkdocs.yml")
    assert [(d.line, d.rule) for d in problems] == [(8, "field-value")]
    assert "avatar 'missing.png'" in problems[0].message
    write_files(root, {"mkdocs.yml": config.replace(", avatar: missing.png", "")})
    loaded, problems = load_config(root / "mkdocs.yml")
    assert problems == [] and loaded is not None
    assert (loaded.channels["fb"].display_name, loaded.channels["fb"].avatar) == (
        "Acme Coffee", "a.png")
    assert loaded.channels["x"].display_name is None


def test_the_fold_right_before_a_link_keeps_the_link_whole() -> None:
    from postgen.render.model import Part
    from postgen.site.pages import rich_text

    text = "word " * 46 + "https://example.com/" + "a" * 40 + " and more words after it"
    start = text.index("https://")
    assert fold_point(text, "facebook", [(start, start + 60)]) == start
    out = str(rich_text(Part(text), "facebook"))
    assert out.count('<span class="after-fold"') == 1
    assert out.endswith("</a> and more words after it</span>")  # the fold closes at the end
    assert out.index('<span class="after-fold"') < out.index("<a class=")
    # Instagram makes no link of it (captions' links are not clickable): plain text.
    assert "<a " not in str(rich_text(Part(text), "instagram"))
