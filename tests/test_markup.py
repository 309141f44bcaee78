"""Markdown to plain text and to email HTML."""

from __future__ import annotations

import textwrap

import pytest

from postgen.render.markup import (
    Doc,
    Emphasis,
    Heading,
    Link,
    ListItem,
    Paragraph,
    PlainStyle,
    PlainText,
    Strong,
    Text,
    parse,
    to_html,
    to_plain,
)

INLINE = PlainStyle(links="inline")
TEXT = PlainStyle(links="text")
URL = PlainStyle(links="url")


def plain(markdown: str, style: PlainStyle = INLINE) -> str:
    return to_plain(parse(textwrap.dedent(markdown)), style).text


def html(markdown: str) -> str:
    return to_html(parse(textwrap.dedent(markdown)))


def spans(result: PlainText) -> list[tuple[str, str]]:
    return [(result.text[start:end], url) for start, end, url in result.links]


def tag(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "t=1"


def test_parse_builds_the_model() -> None:
    doc = parse("# Hi\n\nA *b* **c** [d](https://e.com)\n\n- x\n")
    assert doc == Doc(
        (
            Heading(1, (Text("Hi"),)),
            Paragraph(
                (
                    Text("A "),
                    Emphasis((Text("b"),)),
                    Text(" "),
                    Strong((Text("c"),)),
                    Text(" "),
                    Link((Text("d"),), "https://e.com"),
                )
            ),
            ListItem((Text("x"),), level=0, number=None),
        )
    )


def test_paragraphs_and_blank_lines() -> None:
    assert plain("\n\n\nOne.\n\n\n\nTwo.\n\n\n") == "One.\n\nTwo."


def test_soft_and_hard_breaks() -> None:
    assert plain("one\ntwo  \nthree\\\nfour") == "one two\nthree\nfour"
    assert to_plain(parse("a\nb"), PlainStyle("inline", soft_break="\n")).text == "a\nb"


def test_emphasis_markers_dropped_code_kept() -> None:
    assert plain("*a* **b** _c_ __d__ `e*f`") == "a b c d e*f"


def test_headings_are_paragraphs() -> None:
    assert plain("# Title\nText\n## Sub\nMore") == "Title\n\nText\n\nSub\n\nMore"


def test_lists_nested_and_ordered() -> None:
    markdown = """\
        Intro:

        - one
        - two
          1. first
          2. second
             - deep
        - three

        7. seven
        8. eight

        After.
        """
    assert plain(markdown) == (
        "Intro:\n\n• one\n• two\n  1. first\n  2. second\n    • deep\n• three\n"
        "7. seven\n8. eight\n\nAfter."
    )
    style = PlainStyle("inline", bullet="- ", ordered="{n}) ")
    assert to_plain(parse("- a\n\n1. b\n"), style).text == "- a\n1) b"


def test_loose_list_item_continuation_and_hard_break() -> None:
    assert plain("- a  \n  b\n\n  c\n- d\n") == "• a\n  b\n  c\n• d"


def test_blockquote_is_just_paragraphs() -> None:
    assert plain("> quoted\n> text\n\nafter") == "quoted text\n\nafter"


def test_no_trailing_whitespace_or_double_blank_lines() -> None:
    text = plain("```\ncode   \n\n\n\nend\n```\n\n---\n\n\nlast")
    assert text == "code\n\nend\n\nlast"
    assert all(line == line.rstrip() for line in text.split("\n"))


@pytest.mark.parametrize(
    ("style", "expected_text", "expected_spans"),
    [
        (
            INLINE,
            "☕️👩‍👩‍👧 中文 our beans https://fern.com/b?t=1 now",
            [("https://fern.com/b?t=1", "https://fern.com/b?t=1")],
        ),
        (TEXT, "☕️👩‍👩‍👧 中文 our beans now", [("our beans", "https://fern.com/b?t=1")]),
        (
            URL,
            "☕️👩‍👩‍👧 中文 https://fern.com/b?t=1 now",
            [("https://fern.com/b?t=1", "https://fern.com/b?t=1")],
        ),
    ],
)
def test_link_styles_and_offsets(
    style: PlainStyle, expected_text: str, expected_spans: list[tuple[str, str]]
) -> None:
    result = to_plain(parse("☕️👩‍👩‍👧 中文 [our *beans*](https://fern.com/b) now"), style, tag)
    assert result.text == expected_text
    assert spans(result) == expected_spans
    # offsets are str indices, not bytes or UTF-16 units
    start = result.links[0][0]
    assert start == expected_text.index(expected_spans[0][0])


def test_inline_link_whose_text_is_the_url_is_shown_once() -> None:
    assert plain("<https://fern.com/a> and [https://fern.com/b](https://fern.com/b)") == (
        "https://fern.com/a and https://fern.com/b"
    )
    assert plain("[](https://fern.com/c)", TEXT) == "https://fern.com/c"
    assert plain("mail <hi@fern.com>") == "mail hi@fern.com"


def test_link_map_applies_to_markdown_links_and_bare_urls() -> None:
    markdown = "See [shop](https://fern.com/s), https://fern.com/x. and www.fern.com!"
    result = to_plain(parse(markdown), INLINE, tag)
    assert result.text == (
        "See shop https://fern.com/s?t=1, https://fern.com/x?t=1. and www.fern.com?t=1!"
    )
    assert [url for _, _, url in result.links] == [
        "https://fern.com/s?t=1",
        "https://fern.com/x?t=1",
        "www.fern.com?t=1",
    ]
    assert all(result.text[s:e] == url for s, e, url in result.links)


def test_bare_urls_keep_their_written_form_in_text_style() -> None:
    result = to_plain(parse("🎉 go to https://fern.com/x now"), TEXT, tag)
    assert result.text == "🎉 go to https://fern.com/x now"
    assert spans(result) == [("https://fern.com/x", "https://fern.com/x?t=1")]


def test_offsets_survive_normalization() -> None:
    result = to_plain(parse("\n\nA   \n\n\n\n[l](https://a.com)   \n"), TEXT)
    assert result.text == "A\n\nl"
    assert spans(result) == [("l", "https://a.com")]


def test_raw_html_is_text() -> None:
    markdown = "Hi <script>alert(1)</script> <b>x</b>\n\n<div onclick=x>block</div>\n"
    assert plain(markdown) == "Hi <script>alert(1)</script> <b>x</b>\n\n<div onclick=x>block</div>"
    out = html(markdown)
    assert "<script" not in out and "<b>" not in out and "<div" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;div onclick=x&gt;block&lt;/div&gt;" in out


def test_javascript_links_are_not_links() -> None:
    out = html("[click](javascript:alert(1)) [ok](https://a.com)")
    assert out.count("<a ") == 1
    assert 'href="javascript' not in out
    assert '<a href="https://a.com">ok</a>' in out
    assert to_html(parse("[x](https://a.com)"), lambda u: "javascript:alert(1)") == "<p>x</p>"


def test_relative_links_are_their_text() -> None:
    assert plain("[about](/about)") == "about"
    assert html("[about](/about)") == "<p>about</p>"


def test_images_are_dropped() -> None:
    assert plain("Look ![a cat](cat.png) here") == "Look  here"
    assert "cat" not in html("Look ![a cat](cat.png) here")
    assert plain("![only](x.png)") == ""


def test_html_structure() -> None:
    markdown = """\
        # Title

        Some **bold** and *em* and `co<de>` & [link](https://a.com/?a=1&b=2)\\
        after https://b.com.

        ## Sub

        - a
          1. b

        > quote

        ```
        <x>
        ```

        ***
        """
    assert html(markdown) == (
        "<h2>Title</h2>\n"
        "<p>Some <strong>bold</strong> and <em>em</em> and <code>co&lt;de&gt;</code> &amp; "
        '<a href="https://a.com/?a=1&amp;b=2">link</a><br>\n'
        'after <a href="https://b.com">https://b.com</a>.</p>\n'
        "<h3>Sub</h3>\n"
        "<ul><li>a<ol><li>b</li></ol></li></ul>\n"
        "<blockquote>\n<p>quote</p>\n</blockquote>\n"
        "<pre><code>&lt;x&gt;</code></pre>\n"
        "<hr>"
    )


def test_html_ordered_start_and_link_map() -> None:
    out = to_html(parse("3. x https://a.com\n4. [y](https://b.com)\n"), tag)
    assert out == (
        '<ol start="3"><li>x <a href="https://a.com?t=1">https://a.com</a></li>'
        '<li><a href="https://b.com?t=1">y</a></li></ol>'
    )
    assert 'href="https://www.a.com?t=1"' in to_html(parse("www.a.com"), tag)


def test_html_escapes_quotes_in_hrefs() -> None:
    out = to_html(parse('[x](https://a.com/"onmouseover=1)'))
    assert '"onmouseover' not in out


def test_deterministic() -> None:
    markdown = "# T\n\n- a [b](https://c.com)\n\nhttps://d.com"
    assert to_plain(parse(markdown), TEXT) == to_plain(parse(markdown), TEXT)
    assert to_html(parse(markdown)) == to_html(parse(markdown))


def test_plain_style_rejects_unknown_link_mode() -> None:
    with pytest.raises(ValueError, match="links"):
        PlainStyle(links="markdown")


def test_mailto_links_show_the_address() -> None:
    result = to_plain(parse("[write us](mailto:hi@fern.com)"), URL)
    assert result.text == "hi@fern.com"
    assert result.links == ((0, 11, "mailto:hi@fern.com"),)
    assert plain("[write us](mailto:hi@fern.com)") == "write us hi@fern.com"
    assert html("<hi@fern.com>") == '<p><a href="mailto:hi@fern.com">hi@fern.com</a></p>'
