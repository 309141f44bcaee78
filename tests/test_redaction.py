"""Secrets scrubbed in every form they can take in a text."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from postgen.redaction import Scrubber, problem

TOKEN = "tok+SECRET/9f8e7d6c5b4a=="


@pytest.mark.parametrize("shown", [
    TOKEN, repr(TOKEN + "\n"), repr((TOKEN + "\n").encode()), json.dumps(TOKEN + '"'),
    json.dumps(json.dumps(TOKEN + "\\")), quote(TOKEN, safe=""), quote_plus(TOKEN),
    quote(TOKEN, safe="").lower(), base64.b64encode(TOKEN.encode()).decode(),
    base64.urlsafe_b64encode(TOKEN.encode()).decode(),
    base64.b64encode(f"user:{TOKEN}".encode()).decode(),  # Basic auth: inside, offset 5
    base64.b64encode(f"Bearer {TOKEN}".encode()).decode(),  # offset 7
    TOKEN[:9] + "…", "…" + TOKEN[-9:], TOKEN.upper(),
])
def test_every_form_is_scrubbed(shown: str) -> None:
    scrub = Scrubber([TOKEN + "\n"])  # as pasted, with its line break
    text = f"error: {shown} (retry)"
    cleaned = scrub(text)
    assert cleaned.startswith("error: ") and cleaned.endswith(" (retry)"), cleaned
    middle = shown[len(shown) // 2 - 4:len(shown) // 2 + 4]  # the secret's, in every form
    assert "***" in cleaned and middle not in cleaned, cleaned
    assert TOKEN[:8].lower() not in cleaned.lower()


def test_ordinary_text_is_left_alone_and_short_values_are_not_scrubbed() -> None:
    text = "POST https://mastodon.example/api/v1/statuses: 422 Validation failed"
    assert Scrubber([TOKEN]).__call__(text) == text
    assert Scrubber(["abc", ""])("abc def") == "abc def"  # would hide ordinary words


@pytest.mark.parametrize(("value", "expected"), [
    ("tok-123", None), ("tök-123", "non-ASCII"), ("tok\n123", "control character"),
    ("pass word", None),
])
def test_problem_names_what_is_wrong_never_the_value(value: str,
                                                     expected: str | None) -> None:
    found = problem(value)
    assert (found is None) if expected is None else (expected in (found or ""))
    assert found is None or value not in found


def test_a_word_inside_a_password_is_not_scrubbed_from_every_message() -> None:
    scrub = Scrubber(["account-password-1"])
    assert scrub("401: Invalid identifier or password") == "401: Invalid identifier or password"
    assert scrub("echo: account-passw…") == "echo: ***…"
