"""The site's build cache: what the last build knew, so the next does only what changed.

`.postgen-cache/site.pickle` keeps, from one build to the next:

- for each post file that loaded: its size and modification time, a digest
  of its bytes, the size and time of each media file it shows, its problems,
  and what the calendar pages show of it (`PostInfo`, `VariantInfo`). A file
  whose size and time (or, failing those, bytes) and media are unchanged is
  neither parsed nor rendered again. Files with errors are always read again.
- the per-entry fragments the pages are assembled from (`site/pages.py`);
- per site folder, a manifest: each file written there, under the key of
  what it holds (a page's inputs, or its bytes' digest), with its size and
  time as written. A page whose key is unchanged and whose file is still as
  written is not rendered or written again; files the site no longer has are
  deleted.

Everything is thrown away when anything else rendering reads changes: the
config, `theme/`, postgen's templates and rules, its version
(`checkcache.calendar_digest`). Delete the folder to start afresh; a cache
that cannot be read or written only makes the build slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib.resources import files as resource_files
from pathlib import Path

from postgen import pipeline
from postgen.checkcache import _digest_tree, calendar_digest, media_paths
from postgen.diagnostics import Diagnostic
from postgen.loader import LoadedFile, discover, load_file
from postgen.models import CalendarConfig, Post
from postgen.render.model import Variant
from postgen.render.variants import Renderer
from postgen.schema import MediaLookup
from postgen.site.model import PostInfo, VariantInfo

FILE = Path(".postgen-cache") / "site.pickle"
#: Bump when what the cache holds changes shape.
FORMAT = 2

Stat = tuple[int, int]  # size, st_mtime_ns


def _stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Record:
    """One post file as the last build saw it."""

    stat: Stat
    digest: str  # of the file's bytes
    media: tuple[tuple[str, Stat | None], ...]  # each media file the post shows
    raw_id: str
    diagnostics: tuple[Diagnostic, ...]  # loading and rendering
    info: PostInfo
    variants: tuple[VariantInfo, ...]


@dataclass(frozen=True)
class Written:
    """One file in a site folder: the key of what it holds, and its size and time."""

    key: str
    stat: Stat


@dataclass
class BuildCache:
    path: Path
    digest: str
    records: dict[str, Record] = field(default_factory=dict)  # by post path
    fragments: dict[str, str] = field(default_factory=dict)
    sites: dict[str, dict[str, Written]] = field(default_factory=dict)  # by site folder

    @classmethod
    def load(cls, config: CalendarConfig) -> BuildCache:
        digest = site_digest(config)
        path = config.root / FILE
        try:
            with path.open("rb") as f:
                data = pickle.load(f)
            if data.get("format") == FORMAT and data.get("digest") == digest:
                return cls(path, digest, data["records"], data["fragments"], data["sites"])
        except Exception:  # noqa: BLE001 - no cache, or one from another version: start afresh
            pass
        return cls(path, digest)

    def save(self) -> None:
        """Write the cache atomically; a read-only checkout just builds slower next time."""
        data = {"format": FORMAT, "digest": self.digest, "records": self.records,
                "fragments": self.fragments, "sites": self.sites}
        temp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temp.open("wb") as f:
                pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()


def site_digest(config: CalendarConfig) -> str:
    """Everything outside the posts that the site's pages depend on."""
    h = hashlib.sha256(calendar_digest(config).encode())
    _digest_tree(h, Path(str(resource_files("postgen"))) / "templates" / "site")
    return h.hexdigest()


# -- the calendar, loaded and rendered where it changed ----------------------------


@dataclass
class Collected:
    """The calendar as the site needs it: every valid post's light data, in calendar
    order, every problem, and the posts loaded in this build."""

    config: CalendarConfig
    posts: list[tuple[PostInfo, tuple[VariantInfo, ...]]]
    problems: list[Diagnostic]
    loaded: dict[str, tuple[Post, tuple[Variant, ...]]]  # by post id
    paths: dict[str, Path]  # post id -> file
    rendered: int = 0  # how many posts were loaded and rendered

    def details(self, post_id: str) -> tuple[Post, tuple[Variant, ...]]:
        """A post and its variants in full (for its page): loaded again if it was not."""
        if post_id not in self.loaded:
            loaded = load_file(self.config, self.paths[post_id])
            if loaded.post is None:  # changed since the build began
                raise LookupError(f"{self.paths[post_id]}: the post changed during the build")
            variants, _ = Renderer(self.config).post(loaded.post)
            self.loaded[post_id] = (loaded.post, tuple(variants))
        return self.loaded[post_id]


def collect(config: CalendarConfig, cache: BuildCache) -> Collected:
    """Load and render the posts whose files (or media) changed; take the rest from `cache`."""
    media = MediaLookup(config.root)
    renderer: Renderer | None = None
    stats: dict[str, Stat | None] = {}
    records: dict[str, Record] = {}
    failed: list[LoadedFile] = []
    loaded: dict[str, tuple[Post, tuple[Variant, ...]]] = {}
    with pipeline.collector_paused():
        for file in discover(config.content_dir):
            shown = config.rel(file)
            stat = _stat(file)
            old = cache.records.get(shown)
            if old is not None and stat is not None and _media_unchanged(old, stats):
                if old.stat == stat:
                    records[shown] = old
                    continue
                with contextlib.suppress(OSError):
                    if _digest(file.read_bytes()) == old.digest:
                        records[shown] = replace(old, stat=stat)
                        continue
            result = load_file(config, file, media)
            if result.post is None or result.raw_id is None or stat is None:
                failed.append(result)
                continue
            if renderer is None:
                renderer = Renderer(config)
            variants, problems = renderer.post(result.post)
            loaded[result.post.id] = (result.post, tuple(variants))
            records[shown] = Record(
                stat, _digest(file.read_bytes()), _media_stats(result.post, stats),
                result.raw_id, (*result.diagnostics, *problems), PostInfo.of(result.post),
                tuple(VariantInfo.of(v) for v in variants))
    cache.records = records
    problems = [d for f in failed for d in f.diagnostics]
    problems.extend(d for r in records.values() for d in r.diagnostics)
    duplicated = _duplicates(config, records, failed, problems)
    valid = sorted((r for shown, r in records.items() if shown not in duplicated),
                   key=lambda r: (r.info.date, r.info.id))
    return Collected(
        config, [(r.info, r.variants) for r in valid], problems,
        {k: v for k, v in loaded.items() if k not in duplicated},
        {r.info.id: config.root / r.info.path for r in valid},
        rendered=len(loaded) + len(failed))


def _media_stats(post: Post, stats: dict[str, Stat | None]) -> tuple[tuple[str, Stat | None], ...]:
    out = []
    for path in sorted(str(p) for p in media_paths(post)):
        if path not in stats:
            stats[path] = _stat(Path(path))
        out.append((path, stats[path]))
    return tuple(out)


def _media_unchanged(record: Record, stats: dict[str, Stat | None]) -> bool:
    for path, stat in record.media:
        if path not in stats:
            stats[path] = _stat(Path(path))
        if stats[path] != stat:
            return False
    return True


def _duplicates(config: CalendarConfig, records: dict[str, Record], failed: list[LoadedFile],
                problems: list[Diagnostic]) -> set[str]:
    """Paths of posts whose id another file uses too (each reported where it stands)."""
    by_id: dict[str, list[str]] = defaultdict(list)
    for shown, r in records.items():
        by_id[r.raw_id].append(shown)
    for f in failed:
        if f.raw_id is not None:
            by_id[f.raw_id].append(f.path)
    sharing = {shown for paths in by_id.values() if len(paths) > 1 for shown in paths}
    if not sharing:
        return set()
    reread = [load_file(config, config.root / shown) for shown in sorted(sharing)]
    found = pipeline.duplicate_ids(reread)
    problems.extend(found)
    return {d.path for d in found}


# -- the site folder ----------------------------------------------------------------


@dataclass
class SiteFolder:
    """What one site folder holds, as the manifest says and the files confirm."""

    root: Path
    manifest: dict[str, Written]
    now: dict[str, Written] = field(default_factory=dict)  # this build's manifest

    def fresh(self, path: str, key: str) -> bool:
        """The folder holds `path` as built for `key`, untouched since."""
        known = self.manifest.get(path)
        if known is None or known.key != key or _stat(self.root / path) != known.stat:
            return False
        self.now[path] = known
        return True

    def written(self, path: str, key: str) -> None:
        stat = _stat(self.root / path)
        if stat is not None:
            self.now[path] = Written(key, stat)

    def stale(self) -> Iterator[Path]:
        """Files of the last build that this one did not produce."""
        for path in sorted(set(self.manifest) - set(self.now)):
            yield self.root / path


def content_key(content: str | bytes) -> str:
    return _digest(content.encode("utf-8") if isinstance(content, str) else content)


def remove(paths: Iterable[Path], root: Path) -> int:
    """Delete the files, and the folders they leave empty (never `root`)."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except OSError:
            continue
        folder = path.parent
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    return removed
