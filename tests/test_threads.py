"""Splitting over-long text into a thread."""

from __future__ import annotations

from collections.abc import Callable

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from postgen.render.threads import split_thread

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme, 7 chars
SUFFIX = regex.compile(r" (\d+)/(\d+)$")


def chars(limit: int) -> Callable[[str], bool]:
    return lambda text: len(text) <= limit


def clusters(text: str) -> list[str]:
    return list(regex.findall(r"\X", text))


def test_text_that_fits_is_one_part_unchanged() -> None:
    text = "  Short enough.\n\nTwo paragraphs.  "
    assert split_thread(text, chars(280)) == (text,)
    assert split_thread(text, chars(280), numbering=True) == (text,)


def test_paragraph_split_keeps_paragraph_breaks_inside_a_part() -> None:
    text = "Para one is here.\n\nPara two is here.\n\nPara three."
    assert split_thread(text, chars(40)) == (
        "Para one is here.\n\nPara two is here.",
        "Para three.",
    )


def test_a_paragraph_that_fits_a_part_is_not_split() -> None:
    para = "This paragraph has thirty-five chr."
    assert split_thread("Short.\n\n" + para, chars(40)) == ("Short.", para)


def test_sentence_split() -> None:
    text = "One two three. Four five six! Seven eight? Nine 3.5 ten."
    assert split_thread(text, chars(30)) == (
        "One two three. Four five six!",
        "Seven eight? Nine 3.5 ten.",
    )


def test_dots_in_numbers_and_urls_do_not_end_sentences() -> None:
    text = "Version 3.5 at https://x.io/a.b ok. Next sentence is here now."
    parts = split_thread(text, chars(36))
    assert parts == ("Version 3.5 at https://x.io/a.b ok.", "Next sentence is here now.")


def test_word_split_never_inside_a_url_mention_or_hashtag() -> None:
    url = "https://fernwoodroasters.com/beans/spring-blend?x=1"  # 51 chars
    text = (
        "We are so happy to announce our new roast today, find it at "
        f"{url} and tell @fernwood.roasters with #FernwoodSpringBlendLaunch2027 please"
    )
    parts = split_thread(text, chars(50))
    assert all(len(part) <= 50 or part == url for part in parts)
    assert url in parts  # longer than a part: alone, whole
    words = [word for part in parts for word in part.split()]
    assert words == text.split()
    for token in ("@fernwood.roasters", "#FernwoodSpringBlendLaunch2027"):
        assert any(token in part.split() for part in parts)


def test_atomic_token_too_long_gets_its_own_part() -> None:
    tag = "#" + "a" * 60
    parts = split_thread(f"before {tag} after", chars(30))
    assert parts == ("before", tag, "after")


def test_long_word_is_cut_between_grapheme_clusters() -> None:
    word = FAMILY * 20  # 140 chars, 20 clusters
    text = f"intro words {word} tail"
    parts = split_thread(text, chars(50))
    allowed = set(clusters(text))
    for part in parts:
        assert len(part) <= 50
        assert set(clusters(part)) <= allowed  # no broken family
    assert clusters("".join(parts).replace(" ", "")) == clusters(text.replace(" ", ""))
    assert parts[0] == "intro words"
    assert parts[-1].endswith(" tail")


def test_combining_marks_stay_with_their_letter() -> None:
    word = "e\u0301" * 40  # 80 chars, 40 clusters of 2
    parts = split_thread(word, chars(41))
    assert all(len(part) <= 41 and not part.startswith("\u0301") for part in parts)
    assert "".join(parts) == word


def test_numbering_suffix_counts_and_total_is_final() -> None:
    # 24 characters each: " 10/10" (6) makes exactly 30.
    paragraphs = [f"Paragraph {i:02d} ends there." for i in range(1, 11)]
    assert {len(p) for p in paragraphs} == {24}
    text = "\n\n".join(paragraphs)
    parts = split_thread(text, chars(30), numbering=True)
    assert parts == tuple(f"{p} {i}/10" for i, p in enumerate(paragraphs, start=1))
    assert len(parts[-1]) == 30
    tighter = split_thread(text, chars(29), numbering=True)
    assert len(tighter) > 10 and all(len(part) <= 29 for part in tighter)


def test_numbering_that_adds_parts_is_stable() -> None:
    # 27 characters each: nine parts unnumbered, but " 1/9" no longer fits.
    paragraphs = [f"Paragraph {i} ends right here" for i in range(1, 10)]
    text = "\n\n".join(paragraphs)
    assert len(split_thread(text, chars(30))) == 9
    parts = split_thread(text, chars(30), numbering=True)
    assert len(parts) > 9
    for index, part in enumerate(parts, start=1):
        assert len(part) <= 30
        assert part.endswith(f" {index}/{len(parts)}")


def test_max_parts_puts_the_rest_in_the_last_part() -> None:
    text = "\n\n".join(f"Paragraph {i}." for i in range(1, 31))
    parts = split_thread(text, chars(20), max_parts=5)
    assert len(parts) == 5
    assert parts[:4] == tuple(f"Paragraph {i}." for i in range(1, 5))
    assert parts[4] == text[text.index("Paragraph 5.") :]
    numbered = split_thread(text, chars(20), numbering=True, max_parts=5)
    assert len(numbered) == 5 and numbered[-1].endswith(" 5/5")


WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzé中☕.,!?…'"),
    min_size=1,
    max_size=15,
)


def _long(prefix: str, alphabet: str) -> st.SearchStrategy[str]:
    """Tokens of 5 to 100 characters after the prefix: often longer than a part."""
    return st.builds(
        lambda size, seed: prefix + (seed * size)[:size],
        st.integers(min_value=5, max_value=100),
        st.text(alphabet, min_size=1, max_size=6),
    )


ATOMIC = st.one_of(
    _long("https://ex.com/", "abcxyz/._-?="),
    _long("#", "abcxyz"),
    _long("@", "abcxyz"),
)
SEPARATOR = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  \n\n\n "])


@st.composite
def texts(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.one_of(WORD, WORD, WORD, ATOMIC), min_size=1, max_size=80))
    out = [tokens[0]]
    for token in tokens[1:]:
        out.append(draw(SEPARATOR))
        out.append(token)
    return "".join(out)


def is_atomic(part: str) -> bool:
    return len(part.split()) == 1 and part.startswith(("https://", "#", "@"))


@settings(max_examples=300, deadline=None)
@given(text=texts(), limit=st.integers(min_value=40, max_value=120), numbering=st.booleans())
def test_property_parts_fit_and_keep_the_words(text: str, limit: int, numbering: bool) -> None:
    parts = split_thread(text, chars(limit), numbering=numbering, max_parts=1000)
    if len(parts) == 1 and len(text) <= limit:
        assert parts == (text,)
        return
    bodies = []
    for index, part in enumerate(parts, start=1):
        body = part
        if numbering:
            match = SUFFIX.search(part)
            assert match is not None
            assert (int(match[1]), int(match[2])) == (index, len(parts))
            body = part[: match.start()]
        assert body.strip() == body != ""
        assert len(part) <= limit or is_atomic(body)
        bodies.append(body)
    assert [word for body in bodies for word in body.split()] == text.split()
