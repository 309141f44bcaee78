"""The check cache: render problems of unchanged posts, remembered between runs.

`postgen check` renders every variant to apply each platform's rules; most
runs (a pre-commit hook, CI on a small change) see the same posts as the run
before. `.postgen-cache/check.json` keeps each post's render diagnostics under
a key over everything rendering reads: the post's front matter and body, the
calendar config, the theme's and postgen's own templates, the platform rules
and the postgen version; media files are compared by size and modification
time. A post whose key and media match is not rendered again.

Only `postgen check` uses it: the site and publishing always render, and
never read it. Delete the folder or pass --no-cache to start afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib.resources import files as resource_files
from pathlib import Path

from postgen import __version__
from postgen.diagnostics import Diagnostic, Severity
from postgen.files import write_atomically
from postgen.models import CalendarConfig, Post

FILE = Path(".postgen-cache") / "check.json"


def _digest_tree(h: hashlib._Hash, root: Path) -> None:
    """Every file under `root`, by path and bytes; compiled Python (`__pycache__`) aside:
    it is written as modules are imported, and says nothing the sources do not."""
    found: list[Path] = []
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found.extend(Path(base, name) for name in names)
    for path in sorted(found):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())


def calendar_digest(config: CalendarConfig) -> str:
    """Everything outside a post that its rendering depends on: the config, `theme/`, and
    postgen itself (its version, and its code, templates and rules: an install from a
    newer commit under the same version must not reuse what the older one made)."""
    h = hashlib.sha256(__version__.encode())
    h.update(config.config_path.read_bytes())
    _digest_tree(h, config.root / "theme")
    _digest_tree(h, Path(str(resource_files("postgen"))))
    return h.hexdigest()


def media_paths(post: Post) -> set[Path]:
    """Every media file the post shows, on any channel."""
    paths = {m.path for m in post.media}
    for override in post.overrides.values():
        paths.update(m.path for m in override.media or ())
    return paths


def _stat(path: Path) -> list[object]:
    try:
        st = path.stat()
        return [str(path), st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path), None, None]


@dataclass
class CheckCache:
    path: Path
    digest: str
    entries: dict[str, dict[str, object]] = field(default_factory=dict)
    changed: bool = False
    _stats: dict[Path, list[object]] = field(default_factory=dict)  # one stat per file a run

    def media_stats(self, post: Post) -> list[list[object]]:
        out = []
        for path in sorted(media_paths(post)):
            if path not in self._stats:
                self._stats[path] = _stat(path)
            out.append(self._stats[path])
        return out

    @classmethod
    def load(cls, config: CalendarConfig) -> CheckCache:
        path = config.root / FILE
        digest = calendar_digest(config)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("digest") == digest and isinstance(data.get("posts"), dict):
                return cls(path, digest, data["posts"])
        except (OSError, ValueError):
            pass  # no cache, or an unreadable one: start afresh
        return cls(path, digest)

    def key(self, post: Post) -> str:
        source = post.source.text if post.source is not None else ""
        return hashlib.sha256("\0".join([post.path, source, post.body]).encode()).hexdigest()

    def get(self, post: Post) -> list[Diagnostic] | None:
        entry = self.entries.get(post.id)
        if not entry or entry.get("key") != self.key(post) \
                or entry.get("media") != self.media_stats(post):
            return None
        return [Diagnostic(d["path"], d["line"], d["col"], Severity(d["severity"]), d["rule"],
                           d["message"]) for d in entry["diagnostics"]]  # type: ignore[attr-defined]

    def put(self, post: Post, diagnostics: list[Diagnostic]) -> None:
        self.entries[post.id] = {"key": self.key(post), "media": self.media_stats(post),
                                 "diagnostics": [d.as_dict() for d in diagnostics]}
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the cache (only the posts that still exist), atomically."""
        stale = set(self.entries) - keep
        if not self.changed and not stale:
            return
        for post_id in stale:
            del self.entries[post_id]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps({"digest": self.digest,
                                                    "posts": self.entries}))
        except OSError:
            pass  # a read-only checkout: checking still works, only slower next time
