"""Markdown to each platform's text: a small document model and two renderers.

`parse` reads CommonMark (markdown-it-py, no tables) into a `Doc` of frozen
blocks and inline spans. `to_plain` renders it as the plain text social
platforms take, recording where each link ended up (Bluesky facets need the
offsets); `to_html` renders safe HTML for email bodies.

Two choices worth knowing:

- Images are dropped, alt text included: media travel separately, with their
  own alt text, so an inline image has no place in a post's text.
- Raw HTML is not interpreted: the parser runs with `html` off, so
  `<script>alert(1)</script>` is ordinary text, shown as written in plain
  text and escaped in HTML. It never becomes markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from postgen.render.links import find_urls

# --- the document model -----------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Link:
    children: tuple[Inline, ...]
    url: str  # as markdown-it normalised it (percent-encoded)


@dataclass(frozen=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class HardBreak:
    pass


@dataclass(frozen=True)
class SoftBreak:
    pass


Inline = Text | Link | Emphasis | Strong | Code | HardBreak | SoftBreak


@dataclass(frozen=True)
class Paragraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 1-6, as written
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class ListItem:
    """One paragraph of a list item; lists are flat, nesting is `level` (0 = top).

    `number` is the item's number in an ordered list, None for a bullet. A
    list item's later paragraphs are `continuation` items: no marker, same
    level.
    """

    children: tuple[Inline, ...]
    level: int
    number: int | None = None
    continuation: bool = False


@dataclass(frozen=True)
class Blockquote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str
    info: str = ""


@dataclass(frozen=True)
class ThematicBreak:
    pass


Block = Paragraph | Heading | ListItem | Blockquote | CodeBlock | ThematicBreak


@dataclass(frozen=True)
class Doc:
    blocks: tuple[Block, ...]


# --- parsing ------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def parse(markdown: str) -> Doc:
    """Parse CommonMark into a `Doc`."""
    root = SyntaxTreeNode(_MARKDOWN.parse(markdown))
    return Doc(tuple(_blocks(root.children, level=0)))


def _blocks(nodes: Sequence[SyntaxTreeNode], level: int) -> Iterator[Block]:
    for node in nodes:
        yield from _block(node, level)


def _block(node: SyntaxTreeNode, level: int) -> Iterator[Block]:
    kind = node.type
    if kind == "paragraph":
        yield Paragraph(_inlines_of(node))
    elif kind == "heading":
        yield Heading(int(node.tag[1:]), _inlines_of(node))
    elif kind in ("bullet_list", "ordered_list"):
        yield from _list(node, level)
    elif kind == "blockquote":
        yield Blockquote(tuple(_blocks(node.children, level)))
    elif kind in ("code_block", "fence"):
        yield CodeBlock(node.content.rstrip("\n"), node.info.strip())
    elif kind == "hr":
        yield ThematicBreak()


def _list(node: SyntaxTreeNode, level: int) -> Iterator[Block]:
    start = node.attrs.get("start", 1) if node.type == "ordered_list" else None
    for index, item in enumerate(node.children):
        number = None if start is None else int(start) + index
        yield from _list_item(item, level, number)


def _list_item(item: SyntaxTreeNode, level: int, number: int | None) -> Iterator[Block]:
    marked = False
    for child in item.children:
        if child.type == "paragraph":
            yield ListItem(_inlines_of(child), level, number, continuation=marked)
            marked = True
            continue
        if not marked:  # the item starts with something else: its marker alone
            yield ListItem((), level, number)
            marked = True
        yield from _block(child, level + 1)
    if not marked:
        yield ListItem((), level, number)


def _inlines_of(block: SyntaxTreeNode) -> tuple[Inline, ...]:
    return tuple(_inlines(block.children[0].children)) if block.children else ()


def _inlines(nodes: Sequence[SyntaxTreeNode]) -> Iterator[Inline]:
    for node in nodes:
        inline = _inline(node)
        if inline is not None:
            yield inline


def _inline(node: SyntaxTreeNode) -> Inline | None:
    kind = node.type
    if kind in ("text", "text_special", "html_inline"):
        return Text(node.content)
    if kind == "code_inline":
        return Code(node.content)
    if kind == "softbreak":
        return SoftBreak()
    if kind == "hardbreak":
        return HardBreak()
    children = tuple(_inlines(node.children))
    if kind == "link":
        return Link(children, str(node.attrs.get("href", "")))
    if kind == "em":
        return Emphasis(children)
    if kind == "strong":
        return Strong(children)
    return None  # "image": dropped, see the module docstring


# --- plain text -------------------------------------------------------------


def _identity(url: str) -> str:
    return url


LinkMap = Callable[[str], str]
_LINKABLE = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class PlainStyle:
    """How a platform's plain text shows links, list markers and breaks.

    `links`: "inline" (the link text, a space, the URL; only the URL when the
    text is empty or is the URL), "text" (only the link text, for platforms
    with rich-text links) or "url" (only the URL).
    """

    links: str
    bullet: str = "• "
    ordered: str = "{n}. "
    paragraph_break: str = "\n\n"
    soft_break: str = " "

    def __post_init__(self) -> None:
        if self.links not in ("inline", "text", "url"):
            raise ValueError(f"links must be 'inline', 'text' or 'url', not {self.links!r}")


@dataclass(frozen=True)
class PlainText:
    text: str
    # (start, end, url): str offsets of each link's visible span, url after link_map
    links: tuple[tuple[int, int, str], ...]


class _Writer:
    """Accumulates text and link spans; private, lives for one rendering."""

    def __init__(self, style: PlainStyle, link_map: LinkMap) -> None:
        self.style = style
        self.link_map = link_map
        self.chunks: list[str] = []
        self.size = 0
        self.links: list[tuple[int, int, str]] = []
        self.indent = ""  # written after every line break inside a block

    def write(self, text: str) -> None:
        self.chunks.append(text)
        self.size += len(text)

    def write_link(self, visible: str, url: str) -> None:
        start = self.size
        self.write(visible)
        self.links.append((start, self.size, url))

    def result(self) -> PlainText:
        return _normalize("".join(self.chunks), self.links)


def to_plain(doc: Doc, style: PlainStyle, link_map: LinkMap = _identity) -> PlainText:
    """Render `doc` as plain text in the given style, with the links' offsets."""
    writer = _Writer(style, link_map)
    previous: Block | None = None
    for block in _flatten(doc.blocks):
        if previous is not None:
            both_items = isinstance(previous, ListItem) and isinstance(block, ListItem)
            writer.write("\n" if both_items else style.paragraph_break)
        _plain_block(writer, block)
        previous = block
    return writer.result()


def _flatten(blocks: Sequence[Block]) -> Iterator[Block]:
    """Blockquotes are only their blocks in plain text."""
    for block in blocks:
        if isinstance(block, Blockquote):
            yield from _flatten(block.blocks)
        else:
            yield block


def _plain_block(writer: _Writer, block: Block) -> None:
    if isinstance(block, Paragraph | Heading):
        writer.indent = ""
        _plain_inlines(writer, block.children)
    elif isinstance(block, ListItem):
        _plain_item(writer, block)
    elif isinstance(block, CodeBlock):
        writer.write(block.text)
    # ThematicBreak: only the paragraph break around it


def _plain_item(writer: _Writer, item: ListItem) -> None:
    style = writer.style
    marker = style.bullet if item.number is None else style.ordered.format(n=item.number)
    indent = "  " * item.level
    writer.indent = indent + " " * len(marker)
    writer.write(writer.indent if item.continuation else indent + marker)
    _plain_inlines(writer, item.children)


def _plain_inlines(writer: _Writer, inlines: Sequence[Inline]) -> None:
    for inline in inlines:
        _plain_inline(writer, inline)


def _plain_inline(writer: _Writer, inline: Inline) -> None:
    if isinstance(inline, Text):
        _plain_text(writer, inline.text)
    elif isinstance(inline, Code):
        writer.write(inline.text)
    elif isinstance(inline, HardBreak):
        writer.write("\n" + writer.indent)
    elif isinstance(inline, SoftBreak):
        writer.write(writer.style.soft_break.replace("\n", "\n" + writer.indent))
    elif isinstance(inline, Link):
        _plain_link(writer, inline)
    else:
        _plain_inlines(writer, inline.children)


def _plain_text(writer: _Writer, text: str) -> None:
    """Text, with its bare URLs passed through link_map and recorded."""
    done = 0
    for start, end, url in find_urls(text):
        writer.write(text[done:start])
        sent = writer.link_map(url)
        writer.write_link(url if writer.style.links == "text" else sent, sent)
        done = end
    writer.write(text[done:])


def _plain_link(writer: _Writer, link: Link) -> None:
    if not link.url.lower().startswith(_LINKABLE):
        _plain_inlines(writer, link.children)  # relative or odd: its text only
        return
    sent = writer.link_map(link.url)
    visible = _visible_text(link.children).strip()
    mode = writer.style.links
    if mode == "text" and visible:
        start = writer.size
        _plain_link_text(writer, link.children)
        writer.links.append((start, writer.size, sent))
    elif mode == "inline" and visible and not _is_the_url(visible, link.url):
        _plain_link_text(writer, link.children)
        writer.write(" ")
        writer.write_link(_shown(sent), sent)
    else:
        writer.write_link(_shown(sent), sent)


def _shown(url: str) -> str:
    """A URL as plain text shows it: an e-mail address without `mailto:`."""
    return url[len("mailto:") :] if url.lower().startswith("mailto:") else url


def _plain_link_text(writer: _Writer, inlines: Sequence[Inline]) -> None:
    """A link's own text: no bare-URL detection inside it."""
    for inline in inlines:
        if isinstance(inline, Text):
            writer.write(inline.text)
        elif isinstance(inline, Emphasis | Strong | Link):
            _plain_link_text(writer, inline.children)
        else:
            _plain_inline(writer, inline)


def _visible_text(inlines: Sequence[Inline]) -> str:
    parts: list[str] = []
    for inline in inlines:
        if isinstance(inline, Text | Code):
            parts.append(inline.text)
        elif isinstance(inline, HardBreak | SoftBreak):
            parts.append(" ")
        else:
            parts.append(_visible_text(inline.children))
    return "".join(parts)


def _is_the_url(visible: str, url: str) -> bool:
    return visible in (url, unquote(url)) or "mailto:" + visible == url


#: What `_normalize` removes: trailing white space, blank lines at the ends, runs.
_UNTIDY = re.compile(r"[^\S\n]\n|\n\s*\n\s*\n|\A\s|\s\Z")


def _normalize(text: str, links: Sequence[tuple[int, int, str]]) -> PlainText:
    """Drop trailing spaces, blank lines at the ends and runs of blank lines.

    Only deletes characters, so each link offset moves to the number of kept
    characters before it.
    """
    if not _UNTIDY.search(text):
        return PlainText(text, tuple(links))  # the common case: nothing to drop
    keep = _kept(text)
    new_index = [0]
    for kept in keep:
        new_index.append(new_index[-1] + kept)
    clean = "".join(char for char, kept in zip(text, keep, strict=True) if kept)
    moved = tuple(
        (new_index[start], new_index[end], url)
        for start, end, url in links
        if new_index[start] < new_index[end]
    )
    return PlainText(clean, moved)


def _kept(text: str) -> list[bool]:
    """Which characters `_normalize` keeps."""
    keep = [True] * len(text)
    trailing = True
    for index in range(len(text) - 1, -1, -1):  # whitespace at the end of each line
        char = text[index]
        if char == "\n":
            trailing = True
        elif trailing and char.isspace():
            keep[index] = False
        else:
            trailing = False
    newlines = 0
    seen_text = False
    for index, char in enumerate(text):  # leading newlines, a third newline in a row
        if not keep[index]:
            continue
        if char == "\n":
            newlines += 1
            keep[index] = seen_text and newlines <= 2
        else:
            newlines = 0
            seen_text = True
    for index in range(len(text) - 1, -1, -1):  # newlines at the end
        if text[index] != "\n" and keep[index]:
            break
        keep[index] = False
    return keep


# --- HTML ---------------------------------------------------------------------


def to_html(doc: Doc, link_map: LinkMap = _identity) -> str:
    """Safe HTML for an email body: escaped text, only http(s) and mailto links."""
    return "\n".join(_html_blocks(doc.blocks, link_map))


def _html_blocks(blocks: Sequence[Block], link_map: LinkMap) -> Iterator[str]:
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if isinstance(block, ListItem):
            end = index
            while end < len(blocks) and isinstance(blocks[end], ListItem):
                end += 1
            items = [b for b in blocks[index:end] if isinstance(b, ListItem)]
            yield _html_list(items, link_map)
            index = end
            continue
        yield _html_block(block, link_map)
        index += 1


def _html_block(block: Block, link_map: LinkMap) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_html_inlines(block.children, link_map)}</p>"
    if isinstance(block, Heading):
        tag = "h2" if block.level == 1 else "h3"
        return f"<{tag}>{_html_inlines(block.children, link_map)}</{tag}>"
    if isinstance(block, Blockquote):
        inner = "\n".join(_html_blocks(block.blocks, link_map))
        return f"<blockquote>\n{inner}\n</blockquote>"
    if isinstance(block, CodeBlock):
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    if isinstance(block, ThematicBreak):
        return "<hr>"
    return _html_list([block], link_map)


def _html_list(items: Sequence[ListItem], link_map: LinkMap) -> str:
    """Nested <ul>/<ol> from a run of flat list items."""
    out: list[str] = []
    open_lists: list[str] = []  # tags of the open lists, each with an open <li>
    for item in items:
        tag = "ul" if item.number is None else "ol"
        while len(open_lists) > item.level + 1:
            out.append(f"</li></{open_lists.pop()}>")
        content = _html_inlines(item.children, link_map)
        if item.continuation and len(open_lists) == item.level + 1:
            out.append(f"<p>{content}</p>")
            continue
        if len(open_lists) == item.level + 1:
            if open_lists[-1] == tag:
                out.append("</li>")
            else:
                out.append(f"</li></{open_lists.pop()}>")
        while len(open_lists) < item.level + 1:
            out.append(_html_list_open(tag, item.number))
            open_lists.append(tag)
        out.append(f"<li>{content}")
    while open_lists:
        out.append(f"</li></{open_lists.pop()}>")
    return "".join(out)


def _html_list_open(tag: str, number: int | None) -> str:
    if number is not None and number != 1:
        return f'<ol start="{number}">'
    return f"<{tag}>"


def _html_inlines(inlines: Sequence[Inline], link_map: LinkMap, in_link: bool = False) -> str:
    return "".join(_html_inline(inline, link_map, in_link) for inline in inlines)


def _html_inline(inline: Inline, link_map: LinkMap, in_link: bool) -> str:
    if isinstance(inline, Text):
        return html.escape(inline.text) if in_link else _html_text(inline.text, link_map)
    if isinstance(inline, Code):
        return f"<code>{html.escape(inline.text)}</code>"
    if isinstance(inline, HardBreak):
        return "<br>\n"
    if isinstance(inline, SoftBreak):
        return "\n"
    if isinstance(inline, Link):
        return _html_link(inline, link_map, in_link)
    tag = "em" if isinstance(inline, Emphasis) else "strong"
    return f"<{tag}>{_html_inlines(inline.children, link_map, in_link)}</{tag}>"


def _html_text(text: str, link_map: LinkMap) -> str:
    out: list[str] = []
    done = 0
    for start, end, url in find_urls(text):
        out.append(html.escape(text[done:start]))
        out.append(_anchor(link_map(url), html.escape(url)))
        done = end
    out.append(html.escape(text[done:]))
    return "".join(out)


def _html_link(link: Link, link_map: LinkMap, in_link: bool) -> str:
    inner = _html_inlines(link.children, link_map, in_link=True) or html.escape(link.url)
    if in_link or not link.url.lower().startswith(_LINKABLE):
        return inner
    sent = link_map(link.url)
    return _anchor(sent, inner) if sent.lower().startswith(_LINKABLE) else inner


def _anchor(href: str, inner: str) -> str:
    if href.lower().startswith("www."):
        href = "https://" + href
    if not href.lower().startswith(_LINKABLE):
        return inner
    return f'<a href="{html.escape(href)}">{inner}</a>'
