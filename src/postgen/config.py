"""The calendar config: `mkdocs.yml`, under the postgen plugin's entry.

```yaml
plugins:
  - postgen:
      timezone: America/Chicago          # IANA name; posts without an offset use it
      content_dir: content
      brand: {name: Fernwood, domains: [fernwoodroasters.com]}
      channels:
        mastodon:
          platform: mastodon
          account: "@fernwood@mastodon.social"
          publisher: mastodon
          options: {instance: https://mastodon.social, token_env: MASTODON_TOKEN}
          limits: {text_limit: 1000}     # this instance allows more
          approval_required: true
          hashtags: inline               # or first_comment (Instagram)
          thread_numbering: true         # "1/3" on automatically split threads
          utm: true                      # tag brand links (default); false for SMS short links
      utm: {source: "{platform}", medium: {default: social, email: email}}
      approval:
        required: true                   # per channel: approval_required
        reviewers: [dana@client.com]     # only they count; empty: anyone
        min_approvals: 1
        # the site's Approve links open this, carrying machine-readable lines
        action_url: "mailto:social@agency.com?subject={subject}&body={body}"
      publish: {grace: 2h}
      results:                           # postgen results fetch: see docs/results.md
        analytics: {provider: plausible, site_id: shop.example.com,
                    token_env: PLAUSIBLE_API_KEY, goals: [Purchase]}
      review:                            # postgen review serve (docs/review.md)
        url: https://review.agency.com
        secret_env: POSTGEN_REVIEW_SECRET
        link_days: 30
        revoked: [3f9c2a7b1d04e6aa]      # link ids (or reviewers) no longer let in
        mail_channel: newsletter         # an smtp channel: invitations and reminders
        rate_limit: 60                   # actions per reviewer per minute
```

Secrets never live here: publisher options name environment variables
(keys ending in `_env`); a key that looks like a secret is refused.

Every setting, for users: docs/configuration.md (tests/test_docs.py keeps it
complete: a new key in `TOP_FIELDS` or `SECTIONS` needs its entry there).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postgen import platforms
from postgen.dates import parse_duration
from postgen.diagnostics import Diagnostic, error, sort, warning
from postgen.errors import ConfigInvalid
from postgen.fields import Fields
from postgen.models import (
    AnalyticsSettings,
    ApprovalPolicy,
    Brand,
    CalendarConfig,
    Channel,
    PublishPolicy,
    ReviewSettings,
    SchedulePolicy,
    Slot,
    SpellingPolicy,
    UtmPolicy,
)
from postgen.yamlsource import Parsed, parse

TOP_FIELDS = ("timezone", "content_dir", "brand", "channels", "utm", "approval", "publish",
              "results", "schedule", "link_previews", "spelling",
              "review")
CHANNEL_FIELDS = (
    "platform", "account", "publisher", "options", "limits", "approval_required", "hashtags",
    "thread_numbering", "utm", "slots", "display_name", "avatar",
)
BRAND_FIELDS = ("name", "domains")
UTM_FIELDS = ("enabled", "source", "medium", "campaign", "content")
APPROVAL_FIELDS = ("required", "reviewers", "min_approvals", "action_url")
PUBLISH_FIELDS = ("grace",)
SCHEDULE_FIELDS = ("min_gap", "lookahead")
SPELLING_FIELDS = ("lang", "words")
REVIEW_FIELDS = ("url", "secret_env", "link_days", "revoked", "mail_channel", "rate_limit")
#: Every group of settings and its keys (docs/configuration.md documents each).
SECTIONS = {"brand": BRAND_FIELDS, "channels.<name>": CHANNEL_FIELDS, "utm": UTM_FIELDS,
            "approval": APPROVAL_FIELDS, "publish": PUBLISH_FIELDS,
            "schedule": SCHEDULE_FIELDS, "spelling": SPELLING_FIELDS,
            "review": REVIEW_FIELDS}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRETISH = re.compile(r"token|secret|password|passwd|api_?key|credential|private", re.I)
#: Set to "1" where the repository is trusted to let mkdocs.yml's `hooks:` run
#: (docs/configuration.md); never read from the repository itself.
ALLOW_HOOKS_ENV = "POSTGEN_ALLOW_HOOKS"
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def load_config(config_path: Path) -> tuple[CalendarConfig | None, list[Diagnostic]]:
    """Read and check the config; None when it has errors that stop everything."""
    from postgen.loader import decode  # the posts' decoding (loader imports much else)

    root = config_path.parent
    shown = config_path.name
    try:
        text = decode(config_path.read_bytes(), shown)
    except OSError as exc:
        return None, [error(shown, 1, 1, "file-unreadable",
                            f"cannot read the config: {exc.strerror or exc}")]
    if isinstance(text, Diagnostic):  # not UTF-8: where, as for a post
        return None, [text]
    parsed = parse(text, shown, any_tags=True)
    diagnostics = list(parsed.diagnostics)
    if parsed.diagnostics:
        return None, diagnostics
    if not isinstance(parsed.data, dict):
        diagnostics.append(error(shown, 1, 1, "config-missing", "mkdocs.yml must be a mapping"))
        return None, diagnostics
    if not hooks_allowed():
        diagnostics += _hooks(parsed, shown)
    top = Fields(parsed.data, parsed.source, shown, diagnostics)
    entry = _plugin_entry(parsed.data)
    if entry is None:
        loc = parsed.source.key("plugins")
        diagnostics.append(
            error(shown, loc.line, loc.col, "config-missing",
                  f"{shown} has no postgen entry under 'plugins:' (add '- postgen:' with "
                  "the calendar settings)")
        )
        return None, diagnostics
    settings, where = entry
    if not isinstance(settings, dict):
        top.sub({}, *where).report("field-type", "the postgen entry must be a mapping of settings")
        return None, diagnostics
    f = top.sub(settings, *where)
    config = _read(f, root, config_path, site_name=str(parsed.data.get("site_name") or ""))
    site_url = top.url("site_url") if parsed.data.get("site_url") else None
    if site_url:
        config = replace(config, site_url=site_url.rstrip("/") + "/")
    errors = [d for d in diagnostics if d.severity == "error"]
    return (None if errors else config), diagnostics


def hooks_allowed() -> bool:
    """Whether the environment (never the repository) lets `hooks:` run."""
    return os.environ.get(ALLOW_HOOKS_ENV, "") == "1"


def runs_code(config_path: Path, allow_hooks: bool) -> list[Diagnostic]:
    """What in mkdocs.yml, or in a file it INHERITs, would run code from the repository
    when MkDocs reads it: YAML tags (its loader runs `!!python/object/apply:os.system
    [...]`) and, unless `allow_hooks`, `hooks:` (Python files MkDocs imports). Call it
    before handing the file to MkDocs, each time."""
    found: list[Diagnostic] = []
    seen: set[Path] = set()
    path: Path | None = config_path.resolve()
    while path is not None and path not in seen:
        seen.add(path)
        try:
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        except (OSError, UnicodeDecodeError):
            break  # MkDocs will say what is wrong with it
        shown = path.name if path == config_path.resolve() else str(path)
        parsed = parse(text, shown, any_tags=True)
        found += [d for d in parsed.diagnostics if d.rule == "config-code-tag"]
        if not allow_hooks:
            found += _hooks(parsed, shown)
        parent = parsed.data.get("INHERIT") if isinstance(parsed.data, dict) else None
        path = (path.parent / parent).resolve() if isinstance(parent, str) else None
    return found


def mkdocs_config(config_path: Path, *, warn: bool = True, **overrides: Any) -> Any:
    """MkDocs' own config of `config_path` (with `overrides`). What MkDocs refuses in it
    (`site_dir: 5`, a `docs_dir` that does not exist...) raises ConfigInvalid with each
    problem at its setting's line, where MkDocs would log only "Config value 'site_dir':
    ..." and abort; its warnings are logged at their lines too (unless not `warn`)."""
    from mkdocs.config import load_config as load_mkdocs
    from mkdocs.exceptions import Abort

    logger = logging.getLogger("mkdocs.config")
    said = _Said()
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(said)
    try:
        config = load_mkdocs(str(config_path), **overrides)
    except Abort:
        raise ConfigInvalid(sort(_mkdocs_said(config_path, said.records))) from None
    finally:
        logger.removeHandler(said)
        logger.propagate = propagate
    for found in _mkdocs_said(config_path, said.records) if warn else ():
        logger.warning(found.text())
    return config


class _Said(logging.Handler):
    """What MkDocs logs while it reads its config (its warnings and errors)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _mkdocs_said(config_path: Path, records: list[logging.LogRecord]) -> list[Diagnostic]:
    """MkDocs' "Config value 'KEY': message" lines, each at KEY's place in the file."""
    shown = config_path.name
    try:
        source = parse(config_path.read_text(encoding="utf-8-sig"), shown, any_tags=True).source
    except (OSError, UnicodeDecodeError):
        source = None
    found = []
    for record in records:
        text = record.getMessage()
        named = re.match(r"Config value '([^']*)': (.*)", text, re.DOTALL)
        key, message = (named[1], named[2]) if named else ("", text)
        loc = source.key(*key.split(".")) if source is not None and key else None
        make = error if record.levelno >= logging.ERROR else warning
        found.append(make(shown, loc.line if loc else 1, loc.col if loc else 1,
                          "config-mkdocs", f"{key}: {message.strip()}" if key else text))
    return found


def _hooks(parsed: Parsed, shown: str) -> list[Diagnostic]:
    """`hooks:` with anything in it: MkDocs would import and run those Python files."""
    if not isinstance(parsed.data, dict) or not parsed.data.get("hooks"):
        return []
    loc = parsed.source.key("hooks")
    return [error(shown, loc.line, loc.col, "config-hooks",
                  "'hooks:' makes MkDocs run Python files from the repository; postgen "
                  f"refuses it, as a pull request could change them (set {ALLOW_HOOKS_ENV}=1 "
                  "where the repository is trusted to allow it)")]


def _plugin_entry(data: dict[object, object]) -> tuple[object, tuple[str | int, ...]] | None:
    plugins = data.get("plugins")
    if isinstance(plugins, dict) and "postgen" in plugins:
        return plugins["postgen"] or {}, ("plugins", "postgen")
    if isinstance(plugins, list):
        for i, item in enumerate(plugins):
            if item == "postgen":
                return {}, ("plugins", i)
            if isinstance(item, dict) and "postgen" in item:
                return item["postgen"] or {}, ("plugins", i, "postgen")
    return None


def _read(f: Fields, root: Path, config_path: Path, site_name: str) -> CalendarConfig:
    f.unknown(TOP_FIELDS, "setting")
    tz = _timezone(f)
    content = f.text("content_dir") or "content"
    content_dir = (root / content).resolve()
    if not content_dir.is_relative_to(root.resolve()):
        f.report("field-value", "'content_dir' must stay inside the calendar repository",
                 "content_dir")
    elif not content_dir.is_dir():
        f.report("content-dir-missing", _no_folder(root, content),
                 *(("content_dir",) if "content_dir" in f.data else ()))
    brand = _brand(f)
    channels = _channels(f, root.resolve())
    return CalendarConfig(
        root=root.resolve(),
        config_path=config_path.resolve(),
        site_name=site_name or brand.name,
        timezone=tz or ZoneInfo("UTC"),
        content_dir=content_dir,
        brand=brand,
        channels=MappingProxyType(channels),
        utm=_utm(f),
        approval=_approval(f),
        publish=_publish(f),
        schedule=_schedule(f),
        analytics=_analytics(f),
        link_previews=f.flag("link_previews") or False,
        spelling=_spelling(f, root.resolve()),
        review=_review(f, channels),
    )


def _no_folder(root: Path, content: str) -> str:
    """Why `content_dir` is no folder of posts, with the near folder it may mean."""
    what = "is a file, not a folder" if (root / content).exists() else "does not exist"
    folders = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    close = difflib.get_close_matches(content.strip("/"), folders, n=1, cutoff=0.6)
    if close:
        return f"content_dir '{content}' {what}; did you mean '{close[0]}'?"
    return (f"content_dir '{content}' {what}: the posts live there (mkdir {content}, or "
            "set content_dir to their folder)")


def _timezone(f: Fields) -> ZoneInfo | None:
    name = f.text("timezone", required=True)
    if name is None:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        f.report("config-timezone",
                 f"'{name}' is not an IANA timezone name (like Europe/Berlin or America/Chicago)",
                 "timezone")
        return None


def _brand(f: Fields) -> Brand:
    b = f.mapping("brand", required=True)
    if b is None:
        return Brand(name="")
    b.unknown(BRAND_FIELDS, "brand setting")
    domains = b.text_list("domains") or ()
    for i, domain in enumerate(domains):
        if not _HOST.fullmatch(domain.lower()):
            b.report("field-value", f"'{domain}' is not a domain name like example.com",
                     "domains", i)
    return Brand(name=b.text("name", required=True) or "",
                 domains=tuple(d.lower() for d in domains))


def _channels(f: Fields, root: Path) -> dict[str, Channel]:
    section = f.mapping("channels", required=True)
    if section is None:
        return {}
    channels: dict[str, Channel] = {}
    for name in section.data:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            section.report("field-value",
                           f"channel name '{name}' must be lowercase letters, digits, '-' or '_'",
                           str(name), at_key=True)
            continue
        c = section.mapping(name, required=True)
        if c is None:
            continue
        c.unknown(CHANNEL_FIELDS, "channel setting")
        platform = c.choice("platform", platforms.platform_names(), "config-platform",
                            required=True)
        account = c.text("account", required=True)
        publisher = c.text("publisher") or "outbox"
        limits = _limits(c, platform)
        options = _options(c)
        approval = c.flag("approval_required")
        hashtags = c.choice("hashtags", ("inline", "first_comment")) or "inline"
        numbering = c.flag("thread_numbering") or False
        utm = c.flag("utm")
        slots = _slots(c)
        display_name = c.text("display_name")
        avatar = c.text("avatar")
        if avatar is not None:
            file = (root / avatar).resolve()
            if not file.is_relative_to(root) or not file.is_file():
                c.report("field-value", f"avatar '{avatar}' is not a file inside the calendar "
                         "repository (a path relative to mkdocs.yml)", "avatar")
                avatar = None
        if platform and account:
            channels[name] = Channel(
                name=name, platform=platform, account=account.strip(), publisher=publisher,
                options=options, limits=limits, approval_required=approval, hashtags=hashtags,
                thread_numbering=numbering, utm=True if utm is None else utm, slots=slots,
                display_name=display_name.strip() if display_name else None, avatar=avatar,
            )
    if not section.data:
        section.report("field-missing", "'channels' defines no channel")
    return channels


def _limits(c: Fields, platform: str | None) -> Mapping[str, object]:
    limits = c.mapping("limits")
    if limits is None or platform is None:
        return MappingProxyType({})
    try:
        platforms.with_overrides(platforms.get_platform(platform), limits.data)  # type: ignore[arg-type]
    except ValueError as exc:
        c.report("field-value", f"limits: {exc}", "limits")
        return MappingProxyType({})
    return MappingProxyType(dict(limits.data))  # type: ignore[arg-type]


def _options(c: Fields) -> Mapping[str, object]:
    options = c.mapping("options")
    if options is None:
        return MappingProxyType({})
    for key, value in options.data.items():
        key = str(key)
        if key.endswith("_env"):
            if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
                options.report("field-value",
                               f"'{key}' names an environment variable, like MASTODON_TOKEN",
                               key)
        elif _SECRETISH.search(key):
            options.report("config-secret",
                           f"'{key}' looks like a secret: secrets never live in the repository; "
                           f"put it in an environment variable and write '{key}_env: NAME'",
                           key, at_key=True)
    return MappingProxyType({str(k): v for k, v in options.data.items()})


def _utm(f: Fields) -> UtmPolicy:
    u = f.mapping("utm")
    if u is None:
        return UtmPolicy()
    u.unknown(UTM_FIELDS, "utm setting")
    default = UtmPolicy()
    medium: Mapping[str, str] = default.medium
    raw_medium = u.raw("medium")
    if isinstance(raw_medium, str):
        medium = MappingProxyType({"default": raw_medium})
    elif raw_medium is not None:
        m = u.mapping("medium")
        if m is not None:
            names = (*platforms.platform_names(), "default")
            m.unknown(names, "platform")
            medium = MappingProxyType(
                {**default.medium, **{k: v for k in m.data if isinstance(k, str)
                                      and (v := m.text(k)) is not None}}
            )
    enabled = u.flag("enabled")
    return UtmPolicy(
        enabled=default.enabled if enabled is None else enabled,
        source=u.text("source") or default.source,
        medium=medium,
        campaign=u.text("campaign") or default.campaign,
        content=u.text("content") or default.content,
    )


def _approval(f: Fields) -> ApprovalPolicy:
    a = f.mapping("approval")
    if a is None:
        return ApprovalPolicy()
    a.unknown(APPROVAL_FIELDS, "approval setting")
    action = a.text("action_url")
    if action is not None and (not action.startswith(("mailto:", "https://", "http://"))
                               or "{body}" not in action):
        a.report("field-value", "'action_url' must be a mailto: or https: URL template with "
                 "{body} (and optionally {subject}), e.g. mailto:social@example.com?subject="
                 "{subject}&body={body}", "action_url")
        action = None
    reviewers = a.text_list("reviewers") or ()
    minimum = a.integer("min_approvals", minimum=1) or 1
    if reviewers and minimum > len(reviewers):
        a.report("field-value",
                 f"'min_approvals' is {minimum} but only {len(reviewers)} reviewer(s) are listed",
                 "min_approvals")
    required = a.flag("required")
    return ApprovalPolicy(required=True if required is None else required,
                          reviewers=reviewers, min_approvals=minimum, action_url=action)


def _slots(c: Fields) -> tuple[Slot, ...]:
    from postgen.schedule import parse_slots

    found: list[Slot] = []
    for i, text in enumerate(c.text_list("slots") or ()):
        slots = parse_slots(text)
        if isinstance(slots, str):
            c.report("field-value", slots, "slots", i)
        else:
            found.extend(s for s in slots if s not in found)
    return tuple(found)


def _schedule(f: Fields) -> SchedulePolicy:
    s = f.mapping("schedule")
    if s is None:
        return SchedulePolicy()
    s.unknown(SCHEDULE_FIELDS, "schedule setting")
    values: dict[str, timedelta] = {}
    for name in ("min_gap", "lookahead"):
        raw = s.raw(name)
        if raw is None:
            continue
        found = parse_duration(raw)
        if found is None or found <= timedelta(0):
            s.report("field-value", f"'{name}' must be a duration like 60d or 4w", name)
        else:
            values[name] = found
    return SchedulePolicy(**values)


def _spelling(f: Fields, root: Path) -> SpellingPolicy | None:
    s = f.mapping("spelling")
    if s is None:
        return None
    s.unknown(SPELLING_FIELDS, "spelling setting")
    lang = s.text("lang", required=True) or ""
    if lang and not spelling_languages(lang):
        s.report("field-value", f"no dictionary for language '{lang}'; there are: "
                 f"{', '.join(spelling_languages())}", "lang")
        return None
    words = s.text("words")
    path = None
    if words is not None:
        path = (root / words).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            s.report("field-value", f"words '{words}' is not a file inside the calendar "
                     "repository (a path relative to mkdocs.yml)", "words")
            path = None
    return SpellingPolicy(lang=lang, words=path) if lang else None


def spelling_languages(lang: str | None = None) -> tuple[str, ...]:
    """The languages pyspellchecker has a dictionary for (or whether it has `lang`'s)."""
    from importlib.resources import files

    names = tuple(sorted(p.name.split(".")[0] for p in (files("spellchecker") / "resources")
                         .iterdir() if p.name.endswith(".json.gz")))
    return names if lang is None else tuple(n for n in names if n == lang.split("-")[0])


def _publish(f: Fields) -> PublishPolicy:
    p = f.mapping("publish")
    if p is None:
        return PublishPolicy()
    p.unknown(PUBLISH_FIELDS, "publish setting")
    raw = p.raw("grace")
    if raw is None:
        return PublishPolicy()
    grace = parse_duration(raw)
    if grace is None:
        p.report("field-value", f"'grace' must be a duration like 30m, 2h or 1d, not {raw!r}",
                 "grace")
        return PublishPolicy()
    return PublishPolicy(grace=grace)


def _analytics(f: Fields) -> AnalyticsSettings | None:
    r = f.mapping("results")
    if r is None:
        return None
    r.unknown(("analytics",), "results setting")
    a = r.mapping("analytics")
    if a is None:
        return None
    a.unknown(("provider", "url", "site_id", "token_env", "goals", "days"), "analytics setting")
    provider = a.choice("provider", ("plausible",)) or "plausible"
    url = a.url("url") if "url" in a.data else None
    site_id = a.text("site_id", required=True)
    token_env = a.text("token_env", required=True)
    if token_env is not None and not _ENV_NAME.fullmatch(token_env):
        a.report("field-value", "'token_env' names an environment variable, like "
                 "PLAUSIBLE_API_KEY", "token_env")
        token_env = None
    days = a.integer("days", minimum=1, maximum=3650) or 90
    if site_id is None or token_env is None:
        return None
    return AnalyticsSettings(site_id=site_id.strip(), token_env=token_env, provider=provider,
                             url=url or "https://plausible.io",
                             goals=a.text_list("goals") or (), days=days)


def _review(f: Fields, channels: Mapping[str, Channel]) -> ReviewSettings | None:
    r = f.mapping("review")
    if r is None:
        return None
    default = ReviewSettings()
    r.unknown(REVIEW_FIELDS, "review setting")
    url = r.url("url") or default.url
    secret_env = r.text("secret_env") or default.secret_env
    if not _ENV_NAME.fullmatch(secret_env):
        r.report("field-value", f"'secret_env' must name an environment variable, not "
                 f"{secret_env!r}", "secret_env")
    mail = r.text("mail_channel")
    if mail is not None and (mail not in channels or channels[mail].publisher != "smtp"):
        smtp = ", ".join(n for n, c in channels.items() if c.publisher == "smtp") or "none"
        r.report("field-value", f"'mail_channel' must name a channel with the smtp publisher "
                 f"(smtp channels: {smtp})", "mail_channel")
        mail = None
    return ReviewSettings(url=url.rstrip("/"), secret_env=secret_env,
                          link_days=r.integer("link_days", minimum=1) or default.link_days,
                          revoked=r.text_list("revoked") or (), mail_channel=mail,
                          rate_limit=r.integer("rate_limit", minimum=1) or default.rate_limit)
