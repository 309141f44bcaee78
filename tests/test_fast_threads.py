"""Thread splitting with the fast helpers against the code they replaced.

``ref_stripped`` is ``threads._stripped`` as it was (walking every word of a
paragraph to find its first and last); the tests compare it with today's
directly, and compare whole splits on X, Mastodon, Bluesky and Threads, with
and without numbering, counted by each platform's own rules, with the old
helper put back in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postgen.platforms import get_platform, with_overrides
from postgen.platforms.counting import count
from postgen.render import threads
from postgen.render.threads import split_thread
from tests.test_fast_counting import PIECES


def ref_stripped(text: str, start: int, end: int) -> Iterator[threads._Span]:
    words = list(threads._words(text, threads._Span(start, end)))
    if words:
        yield threads._Span(words[0].start, words[-1].end)


SEPARATORS = [" ", " ", " ", " ", "\n", "\n\n", " \n \n ", ". ", "! ", "\r\n\r\n", "\u3000"]
WORDS = ["coffee", "the", "roast", "beans", "and", "Brew.", "well?", "(shop.example.com)",
         "«quoted.»", "…", "日本語。", "x" * 40]
long_texts = st.lists(
    st.tuples(st.sampled_from(PIECES + WORDS * 4), st.sampled_from(SEPARATORS)),
    min_size=20, max_size=160,
).map(lambda parts: "".join(p + s for p, s in parts))

PLATFORMS = [get_platform(name) for name in ("x", "mastodon", "bluesky", "threads")]
PLATFORMS.append(with_overrides(get_platform("mastodon"), {"text_limit": 120}))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \n\t\u3000a.", max_size=30), st.data())
def test_stripped_is_unchanged(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert list(threads._stripped(text, start, end)) == list(ref_stripped(text, start, end))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(long_texts, st.booleans(), st.sampled_from(["", "CW: long"]))
def test_split_thread_is_unchanged(monkeypatch: pytest.MonkeyPatch, text: str, numbering: bool,
                                   warning: str) -> None:
    for rules in PLATFORMS:
        def fits(part: str) -> bool:
            return count(part, rules, content_warning=warning).ok  # noqa: B023 - used at once

        fast = split_thread(text, fits, numbering=numbering)
        with monkeypatch.context() as m:
            m.setattr(threads, "_stripped", ref_stripped)
            assert split_thread(text, fits, numbering=numbering) == fast
