"""Problems found in a calendar, reported compiler-style.

Every problem is a `Diagnostic` with a stable rule id from `RULES`, a
severity and the place it stands (`path:line:col`, 1-based). Diagnostics are
collected, never raised, so one run reports all of them; the formatters turn
a list into text, JSON or GitHub workflow commands.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


#: Every rule id postgen reports, with what it means. Ids are stable: tools
#: and people filter on them, so never rename one.
RULES: dict[str, str] = {
    # the file itself
    "file-encoding": "the file is not valid UTF-8 text",
    "file-unreadable": "the file cannot be read",
    "file-too-large": "a post file over 1 MiB: no post needs that much, and it slows every run",
    "file-outside-repo": "a post file that is a link to a file outside the calendar repository",
    "front-matter-missing": "a post needs YAML front matter between '---' lines",
    "front-matter-not-mapping": "front matter must be a mapping of field: value",
    "yaml-syntax": "YAML syntax error",
    "yaml-duplicate-key": "a key appears twice in one mapping; YAML would keep only the last",
    "yaml-too-deep": "the YAML is nested far deeper than any field allows",
    "yaml-aliases": "aliases (*name) that repeat more values than any post needs",
    # fields
    "field-unknown": "a field the schema does not know (often a typo)",
    "field-missing": "a required field is missing",
    "field-type": "a field has the wrong type",
    "field-value": "a field's value is outside what it allows",
    "field-not-for-platform": "a per-channel field that the channel's platform has no use for",
    # meaning
    "id-invalid": "a post id must be lowercase letters, digits and '-', at most 64 characters",
    "id-duplicate": "two posts share one id",
    "channel-unknown": "a channel that the calendar config does not define",
    "channel-duplicate": "a channel listed twice in one post",
    "variant-channel": "a per-channel override for a channel the post does not go to",
    "funnel-unknown": "a funnel stage other than awareness, consideration, conversion, retention",
    "url-invalid": "a URL that is not an absolute http(s) URL",
    "date-invalid": "a date or time that cannot be read or does not exist in the calendar",
    "date-nonexistent": "a local time skipped by a daylight-saving change",
    "date-ambiguous": "a local time that occurs twice at a daylight-saving change",
    "date-range": "a date more than 10 years before or after today",
    "cta-missing": "a conversion-stage post without a call to action (warning)",
    "body-placeholder": "a post whose body is still the one `postgen new` wrote (warning)",
    "media-missing": "a media file that does not exist",
    "media-outside-repo": "a media path that leaves the calendar repository",
    # rendered variants, by each platform's rules
    "length-over": "a variant's text breaks its platform's limits (length, bytes, links)",
    "hashtags-over": "more hashtags than the platform allows",
    "mentions-over": "more @mentions than the platform allows",
    "alt-missing": "an image without alt text (an error where the platform requires it)",
    "alt-too-long": "alt text longer than the platform allows",
    "media-count": "more media files than the platform takes in one post",
    "media-format": "a media format the platform does not take",
    "media-size": "a media file larger than the platform takes",
    "media-aspect": "an image or video whose aspect ratio the platform does not take",
    "media-unreadable": "a media file that does not decode in full as an image or video "
                        "(truncated, corrupt, SVG, HTML, text named .jpg)",
    "media-color": "a CMYK or 16-bit image that platforms show wrongly or refuse (warning)",
    "media-video": "a video whose container, codec, duration or size the platform does not "
                   "take",
    "sms-encoding": "a character outside GSM-7 turns the whole SMS into UCS-2 (warning)",
    "sms-segments": "an SMS longer than one segment is billed as several (warning)",
    "email-format": "an email line or subject over what mail standards allow or advise",
    "template-error": "a template (a variant's, or a site template from the repository) "
                      "failed to render",
    "spelling": "a word in neither the post language's dictionary nor the calendar's words "
                "(warning; only with `spelling:` in the config)",
    "entity-link": "the platform turns into a link what was not written as one (ASP.NET) "
                   "(warning)",
    "entity-hashtag": "a hashtag the platform cuts (#New-York links #New) or does not make "
                      "(#2024) (warning)",
    "entity-mention": "a mention that resolves on some of the post's platforms, not others "
                      "(warning)",
    "entity-emphasis": "italics or bold in the body, which social platforms and SMS show as "
                       "plain text (warning)",
    # postgen check --links
    "link-broken": "a link that answers 4xx or 5xx, requested exactly as it is sent",
    "link-redirect": "a link that redirects (a call to action landing on a home page is "
                     "called out) (warning)",
    "link-unreachable": "a link that timed out, has a bad TLS certificate or no connection "
                        "(warning)",
    "link-untracked": "a link to the brand's domains sent without UTM tags (warning)",
    "cta-untracked": "a conversion post's call to action sent without UTM tags (warning)",
    "cta-absent": "a variant of a conversion post showing neither the CTA's text nor its link "
                  "(warning)",
    # postgen import
    "import-column": "a CSV header that names an unknown column, one twice, or lacks one",
    "import-syntax": "a CSV row that cannot be read, or has more or fewer cells than the header",
    # approvals.jsonl
    "approval-record": "a line of approvals.jsonl that cannot be read",
    # calendar config (mkdocs.yml)
    "repeat-invalid": "a post's repeat rule (RRULE) cannot be read or makes impossible posts",
    "repeat-open": "a repeat rule without UNTIL or COUNT: planned for one year only",
    "repeat-dst-gap": "a repeating post's time does not exist on a day (daylight saving): moved",
    "repeat-skip": "a skip date that is not one of the repeat rule's dates",
    "slot-none": "a 'date: auto' post on a channel without posting slots",
    "slot-full": "no free posting slot for a 'date: auto' post",
    "config-missing": "the postgen plugin entry is missing from mkdocs.yml",
    "config-timezone": "the calendar timezone is not a known IANA name",
    "config-platform": "a channel's platform is not one postgen knows",
    "config-code-tag": "a YAML tag in mkdocs.yml that would run code when the file is read",
    "config-mkdocs": "a MkDocs setting in mkdocs.yml that MkDocs refuses (reported by "
                     "`postgen build` and `serve`, which hand the file to MkDocs)",
    "config-hooks": "MkDocs 'hooks:' in mkdocs.yml (Python files it would run), without "
                    "POSTGEN_ALLOW_HOOKS=1",
    "config-secret": "a secret written into the config instead of named by an environment variable",
    "config-publisher": "a channel's publisher is not installed, or its settings are incomplete",
    "config-trust": "a channel's secret would go to a host, or is shared with a channel, that "
                    "accounts.lock does not trust (postgen accounts trust)",
    "content-dir-missing": "content_dir names no folder (a typo, or content/ not made yet)",
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    rule: str
    message: str

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unregistered rule id {self.rule!r}")

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.rule}]: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": str(self.severity),
            "rule": self.rule,
            "message": self.message,
        }


def error(path: str, line: int, col: int, rule: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, col, Severity.ERROR, rule, message)


def warning(path: str, line: int, col: int, rule: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, col, Severity.WARNING, rule, message)


def brief(value: object, limit: int = 60) -> str:
    """`value` as a message may show it: text cut short, never a whole list or mapping,
    never a number too long to print."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return str(value)
    if isinstance(value, int):
        if value.bit_length() > 200:
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return str(value)
    if isinstance(value, list | dict | tuple | set):
        return f"a {type(value).__name__} of {len(value)} items"
    text = str(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= limit else f"{text[:limit]}…"


def sort(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """In file order, each problem once (every occurrence of a repeating post renders the
    same text, and so finds the same problems)."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.rule, d.message))


#: `Diagnostic.text()`'s severity: the first `:line:col: severity[rule]: ` in it.
_SEVERITY_IN_TEXT = re.compile(r":\d+:\d+: (error|warning)\[[a-z0-9-]+\]: ")


def errors_in(texts: Iterable[str]) -> int:
    """How many of these problems, as `Diagnostic.text()` wrote them, are errors."""
    found = (_SEVERITY_IN_TEXT.search(t) for t in texts)
    return sum(1 for m in found if m is not None and m.group(1) == "error")


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for d in diagnostics:
        if d.severity is Severity.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def format_text(diagnostics: Sequence[Diagnostic]) -> str:
    lines = [d.text() for d in diagnostics]
    errors, warnings = count(diagnostics)
    lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    return "\n".join(lines)


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], indent=2, ensure_ascii=False)


def format_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per problem, on its line."""
    return "\n".join(
        f"::{d.severity} file={_gh_prop(d.path)},line={d.line},col={d.col},"
        f"title={_gh_prop(d.rule)}::{_gh_data(d.message)}"
        for d in diagnostics
    )


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
