"""The site's build cache: what the last build knew, so the next does only what changed.

`.postgen-cache/site/` keeps, from one build to the next:

- for each post file that loaded: its size and modification time, a digest
  of its bytes, the size and time of each media file it shows, its problems,
  and what the calendar pages show of it (`PostInfo`, `VariantInfo`). A file
  whose size and time (or, failing those, bytes) and media are unchanged is
  neither parsed nor rendered again. Files with errors are always read again.
- each post's entry (`site/model.py`: its review states and keys) with what
  its states were read from: the decisions and ledger states of its variants
  and the time; the next build reuses it while none of that changed and no
  variant's time came to pass;
- the per-entry fragments the pages are assembled from (`site/pages.py`);
- per site folder, a manifest: each file written there, under the key of
  what it holds (a page's inputs, or its bytes' digest), with its size and
  time as written, and for a feed where each entry's piece lies in it. A
  page whose key is unchanged and whose file is still as written is not
  rendered or written again; files the site no longer has are deleted.

Everything is thrown away when anything else rendering reads changes: the
config, `theme/`, postgen's code, templates and rules, its version
(`checkcache.calendar_digest`). Delete the folder to start afresh; a cache
that cannot be read or written only makes the build slower.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import shutil
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from postgen import cachedir, pipeline
from postgen.checkcache import calendar_digest, media_paths
from postgen.diagnostics import Diagnostic
from postgen.files import write_atomically
from postgen.loader import LoadedFile, discover_names, load_file
from postgen.models import CalendarConfig, Post
from postgen.parallel import fork_map
from postgen.render.model import Variant
from postgen.render.variants import Renderer
from postgen.schedule import is_scheduled, moves_at
from postgen.schema import MediaLookup
from postgen.site.model import Entry, PostInfo, Status, VariantInfo, make_entry
from postgen.site.pages import Earlier, Spans, no_earlier

FOLDER = Path(".postgen-cache") / "site"
#: Bump when what the cache holds changes shape.
FORMAT = 4
#: How many files the posts (and the fragments) are spread over.
PARTS = 32

Stat = tuple[int, int]  # size, st_mtime_ns


def _stat(path: Path | str) -> Stat | None:
    try:
        st = os.stat(path)
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
    """One file in a site folder: the key of what it holds, and its size and time; for a
    feed, where each entry's piece lies in it (`site.pages.Feed`)."""

    key: str
    stat: Stat
    spans: Spans | None = None


Known = tuple[Entry, tuple[object, ...], datetime]  # entry, what its states read, when


@dataclass
class BuildCache:
    """The cache, stored as files of `FOLDER`: `index.pickle` (the site folders'
    manifests), `posts-NN.pickle` (records and entries) and `fragments-NN.pickle`,
    each post or fragment in the part its path's or key's hash names. A build
    rewrites only the parts whose contents changed: after one edit, two of them."""

    folder: Path
    digest: str
    records: dict[str, Record] = field(default_factory=dict)  # by post path
    entries: dict[str, Known] = field(default_factory=dict)  # by record key
    fragments: dict[str, str] = field(default_factory=dict)
    sites: dict[str, dict[str, Written]] = field(default_factory=dict)  # by site folder
    #: Each file's contents as read or last written: a part that is the same is kept.
    stored: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict, repr=False)
    #: The file each key was read from (its name comes from the key's hash).
    where: dict[str, str] = field(default_factory=dict, repr=False)
    #: False when git tracks the cache (`postgen.cachedir`): nothing is read or written.
    usable: bool = True
    #: The index file's size and time as this cache last read or wrote it.
    index_stat: Stat | None = field(default=None, repr=False)

    @classmethod
    def load(cls, config: CalendarConfig, known: BuildCache | None = None) -> BuildCache:
        """The cache on disk; or `known` (a long-lived process's last build's, `postgen
        serve`), when it is this calendar's, for the same digest, and no other build has
        written the cache since."""
        folder, digest = config.root / FOLDER, calendar_digest(config)  # site templates too
        if (known is not None and known.folder == folder and known.digest == digest
                and known.index_stat is not None
                and _stat(folder / "index.pickle") == known.index_stat):
            return known
        cache = cls(folder, digest)
        if not cachedir.usable(config.root):
            return cls(folder, digest, usable=False)
        try:
            with gc_paused():
                index = cache._read("index")
                if index is None:
                    return cache
                for path in sorted(cache.folder.glob("*-*.pickle")):
                    part = cache._read(path.stem)
                    if part is None:
                        raise ValueError(f"{path}: from another build")
                # Long-lived: no later collection need walk it (nor the first one after
                # the pause, which would walk every object just read).
                gc.freeze()
        except Exception:  # noqa: BLE001 - no cache, or one from another version: start afresh
            return cls(cache.folder, cache.digest)
        for name, part in cache.stored.items():
            for attr, items in part.items():
                getattr(cache, attr).update(items)
                if name != "index":
                    cache.where.update(dict.fromkeys(items, name))
        return cache

    def _read(self, name: str) -> dict[str, dict[str, object]] | None:
        with (self.folder / f"{name}.pickle").open("rb") as f:
            data = pickle.load(f)
        if data.get("format") != FORMAT or data.get("digest") != self.digest:
            return None
        part: dict[str, dict[str, object]] = data["part"]
        self.stored[name] = part
        if name == "index":
            self.index_stat = _stat(self.folder / "index.pickle")
        return part

    def parts(self) -> dict[str, dict[str, dict[str, object]]]:
        """The cache as its files hold it: file name -> attribute -> key -> value."""
        parts: dict[str, dict[str, dict[str, object]]] = {"index": {"sites": dict(self.sites)}}
        for attr, items in (("records", self.records), ("entries", self.entries),
                            ("fragments", self.fragments)):
            prefix = "fragments" if attr == "fragments" else "posts"
            where = self.where
            for key, value in items.items():
                name = where.get(key) or f"{prefix}-{zlib.crc32(key.encode()) % PARTS:02d}"
                parts.setdefault(name, {}).setdefault(attr, {})[key] = value
        return parts

    def save(self) -> None:
        """Write the parts that changed, each atomically; a read-only checkout just
        builds slower next time."""
        if not self.usable:
            return
        parts = self.parts()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with gc_paused():
                for name, part in parts.items():
                    if not _same(self.stored.get(name), part):
                        data = {"format": FORMAT, "digest": self.digest, "part": part}
                        write_atomically(self.folder / f"{name}.pickle",
                                         pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
                        self.stored[name] = part
            self.index_stat = _stat(self.folder / "index.pickle")
            for path in self.folder.glob("*.pickle"):  # parts now empty, or of other builds
                if path.stem not in parts:
                    path.unlink()
                    self.stored.pop(path.stem, None)
        except OSError:
            pass


def _same(old: dict[str, dict[str, object]] | None, new: dict[str, dict[str, object]]) -> bool:
    """Both hold the very same objects under the same keys (what was read and kept)."""
    if old is None or old.keys() != new.keys():
        return False
    for attr, items in new.items():
        known = old[attr]
        if known.keys() != items.keys() or any(known[k] is not v for k, v in items.items()):
            return False
    return True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while (un)pickling: hundreds of thousands of new
    objects would set off many collections that find nothing to free."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- the calendar, loaded and rendered where it changed ----------------------------


@dataclass
class Collected:
    """The calendar as the site needs it: every valid post's light data, in calendar
    order, every problem, and the posts loaded in this build."""

    config: CalendarConfig
    posts: list[tuple[PostInfo, tuple[VariantInfo, ...]]]
    problems: list[Diagnostic]
    loaded: dict[str, tuple[Post, tuple[Variant, ...]]]  # by post id, see `for_pages`
    paths: dict[str, str]  # post id -> file, relative to the calendar's root
    now: datetime  # the build's
    rendered: int = 0  # how many posts were loaded and rendered
    moves: list[datetime] = field(default_factory=list)  # when time alone moves a
    # scheduled post's placement (`schedule.moves_at`)

    def details(self, post_id: str) -> tuple[Post, tuple[Variant, ...]]:
        """A post and its variants in full (for its page): loaded again if it was not."""
        if post_id not in self.loaded:
            loaded = load_file(self.config, self.config.root / self.paths[post_id],
                               now=self.now)
            if loaded.post is None:  # changed since the build began
                raise LookupError(f"{self.paths[post_id]}: the post changed during the build")
            variants, _ = Renderer(self.config).post(loaded.post)
            self.loaded[post_id] = for_pages(loaded.post, variants)
        return self.loaded[post_id]


def collect(config: CalendarConfig, cache: BuildCache, now: datetime,
            seen: Mapping[str, list[int] | None] | None = None) -> Collected:
    """Load and render the posts whose files (or media) changed; take the rest from `cache`.
    Dates more than 10 years from `now` are errors.

    `seen` holds files' sizes and times already taken this build (the stamp's walk of
    the content folder, `site.stamp.stats`); other files are looked at here."""
    seen = seen or {}
    stats: dict[str, Stat | None] = {}
    slots: dict[str, Record | None] = {}  # in the content folder's order; None: to load
    todo: list[tuple[str, str, Stat | None]] = []  # file, path shown, size and time
    failed: list[LoadedFile] = []
    series: list[tuple[LoadedFile, Stat]] = []  # scheduled posts, to expand and place
    unplaced: list[Diagnostic] = []  # the problems of scheduled posts that made no post
    loaded: dict[str, tuple[Post, tuple[Variant, ...]]] = {}
    root = f"{config.root}{os.sep}"
    for name in discover_names(config.content_dir):
        shown = (name.removeprefix(root) if name.startswith(root)
                 else config.rel(Path(name))).replace(os.sep, "/")
        found = seen.get(name)
        stat = (found[0], found[1]) if found else _stat(name)
        old = cache.records.get(shown)
        slots[shown] = None
        if old is not None and stat is not None and _media_unchanged(old, stats):
            if old.stat == stat:
                slots[shown] = old
                continue
            with contextlib.suppress(OSError):
                if _digest(Path(name).read_bytes()) == old.digest:
                    slots[shown] = replace(old, stat=stat)
                    continue
        todo.append((name, shown, stat))
    if todo:
        media = MediaLookup(config.root)
        renderer = Renderer(config)

        def load(name: str) -> Loaded:
            """One file loaded and rendered (in a worker process, see `fork_map`)."""
            file = Path(name)
            result = replace(load_file(config, file, media, now=now), source=None,
                             unsent=None)  # not needed here
            if result.post is None or result.raw_id is None or is_scheduled(result.post):
                return result  # a scheduled post is rendered once its dates are known
            variants, problems = renderer.post(result.post)
            post, shown = for_pages(result.post, variants)
            return (replace(result, post=post), shown, tuple(problems),
                    _digest(file.read_bytes()))

        with pipeline.collector_paused():
            for (_name, shown, stat), outcome in zip(
                    todo, fork_map(load, [name for name, _, _ in todo]), strict=True):
                if isinstance(outcome, LoadedFile) and outcome.post is not None \
                        and outcome.raw_id is not None and stat is not None:
                    series.append((outcome, stat))
                    del slots[shown]
                    continue
                if isinstance(outcome, LoadedFile) or stat is None:
                    failed.append(outcome if isinstance(outcome, LoadedFile) else outcome[0])
                    del slots[shown]
                    continue
                result, variants, render_problems, digest = outcome
                assert result.post is not None and result.raw_id is not None
                loaded[result.post.id] = (result.post, variants)
                slots[shown] = Record(
                    stat, digest, _media_stats(result.post, stats), result.raw_id,
                    (*result.diagnostics, *render_problems), PostInfo.of(result.post),
                    tuple(VariantInfo.of(v) for v in variants))
        if series:
            slots.update(_occurrences(config, series, slots, renderer, stats, loaded, now,
                                      unplaced))
    cache.records = records = {k: r for k, r in slots.items() if r is not None}
    problems = [*unplaced, *(d for f in failed for d in f.diagnostics)]
    problems.extend(d for r in records.values() for d in r.diagnostics)
    duplicated = _duplicates(config, records, [*failed, *(f for f, _ in series)], problems,
                             now)
    valid = sorted((r for shown, r in records.items()
                    if shown not in duplicated and r.info.path not in duplicated),
                   key=lambda r: (r.info.date, r.info.id))
    return Collected(
        config, [(r.info, r.variants) for r in valid], problems,
        {k: v for k, v in loaded.items() if k not in duplicated},
        {r.info.id: r.info.path for r in valid}, now,
        rendered=len(loaded) + len(failed),
        moves=moves_at(config, [f.post for f, _ in series if f.post is not None], now))


_NO_PAYLOAD: Mapping[str, object] = MappingProxyType({})


def for_pages(post: Post, variants: Iterable[Variant]) -> tuple[Post, tuple[Variant, ...]]:
    """A post and its variants as its page shows them: light to keep and to send from a
    worker, without the post's source map (its problems are found) or the variants' API
    payloads (the page shows their parts)."""
    return (replace(post, source=None),
            tuple(replace(v, payload=_NO_PAYLOAD) for v in variants))

#: A post file as a worker loaded it: the file with its diagnostics, its variants, their
#: problems, the digest of its bytes; or the file alone, when it has errors.
Loaded = LoadedFile | tuple[LoadedFile, tuple[Variant, ...], tuple[Diagnostic, ...], str]


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


def _occurrences(config: CalendarConfig, series: list[tuple[LoadedFile, Stat]],
                 slots: Mapping[str, Record | None], renderer: Renderer,
                 stats: dict[str, Stat | None],
                 loaded: dict[str, tuple[Post, tuple[Variant, ...]]],
                 now: datetime, problems: list[Diagnostic]) -> dict[str, Record]:
    """The scheduled posts (repeating, slotted, evergreen) placed among the others and
    rendered, one record per occurrence under `<file>@<id>`. They are loaded, placed
    and rendered on every build: where they fall depends on the other posts and on
    the time, which their file alone does not show."""
    taken = [(v.channel, v.date) for r in slots.values() if r is not None
             for v in r.variants]
    files = {f.post.id: (f, stat) for f, stat in series if f.post is not None}
    found = pipeline.schedule_posts(config, [f.post for f, _ in series if f.post is not None],
                                    now, taken)
    records: dict[str, Record] = {}
    reported: set[str] = set()
    for post in found.posts:
        file, stat = files[post.series or post.id]
        variants, problems = renderer.post(post)
        mine = [d for d in found.diagnostics if d.path == file.path]
        first = file.path not in reported  # the file's own problems, once
        reported.add(file.path)
        page_post, shown = for_pages(post, variants)
        loaded[post.id] = (page_post, shown)
        # Never under the file's own path: that record would be reused while the file is
        # unchanged, and a scheduled post's dates can change when the file does not.
        records[_entry_key(PostInfo.of(post)) if post.series else f"{file.path}@"] = Record(
            stat, "", _media_stats(post, stats), post.id,
            (*((*file.diagnostics, *mine) if first else ()), *problems),
            PostInfo.of(post), tuple(VariantInfo.of(v) for v in variants))
    for f, _stat in series:  # a rule that makes no post still has its problems shown
        if f.path not in reported:
            problems.extend([*f.diagnostics, *(d for d in found.diagnostics
                                               if d.path == f.path)])
    return records


def _entry_key(post: PostInfo) -> str:
    """The key of a post's record and entry: its file; `<file>@<id>` for an occurrence."""
    return f"{post.path}@{post.id}" if "@" in post.id else post.path


def _duplicates(config: CalendarConfig, records: dict[str, Record], failed: list[LoadedFile],
                problems: list[Diagnostic], now: datetime) -> set[str]:
    """Paths of posts whose id another file uses too (each reported where it stands)."""
    by_id: dict[str, list[str]] = defaultdict(list)
    for r in records.values():
        if r.raw_id:
            by_id[r.raw_id].append(r.info.path)
    for f in failed:
        if f.raw_id is not None:
            by_id[f.raw_id].append(f.path)
    sharing = {shown for paths in by_id.values() if len(set(paths)) > 1 for shown in paths}
    if not sharing:
        return set()
    reread = [load_file(config, config.root / shown, now=now) for shown in sorted(sharing)]
    found = pipeline.duplicate_ids(reread)
    problems.extend(found)
    return {d.path for d in found}


# -- entries: review states and keys -------------------------------------------------


@dataclass
class Entries:
    """Makes each post's entry (`site.model.EntryMaker`), reusing the last build's while
    the post, its variants and problems, what `reads` gives for each variant (its
    decisions, its ledger state) are the same and no variant's time fell between that
    build's "now" and this one's: its review states would come out the same."""

    known: dict[str, Known]
    status: Callable[[PostInfo, VariantInfo], Status]
    reads: Callable[[PostInfo, VariantInfo], object]
    now: datetime
    made: dict[str, Known] = field(default_factory=dict)

    def __call__(self, post: PostInfo, variants: tuple[VariantInfo, ...],
                 problems: tuple[Diagnostic, ...]) -> Entry:
        reads = tuple(self.reads(post, v) for v in variants)
        old = self.known.get(_entry_key(post))
        if old is not None:
            entry, old_reads, then = old
            if ((entry.post is post or entry.post == post) and entry.variants == variants
                    and entry.problems == problems and old_reads == reads
                    and all((v.date > then) == (v.date > self.now) for v in variants)):
                self.made[_entry_key(post)] = old
                return entry
        entry = make_entry(post, variants, {v.channel: self.status(post, v) for v in variants},
                           problems)
        self.made[_entry_key(post)] = (entry, reads, self.now)
        return entry


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
        if known is None or known.key != key:
            return False
        try:
            st = os.stat(os.path.join(self.root, path))  # not pathlib: 10,000 pages and more
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != known.stat:
            return False
        self.now[path] = known
        return True

    def holds(self, path: str, key: str, stat: Stat) -> None:
        """`path` was written with `stat` (size, time) for `key`."""
        self.now[path] = Written(key, stat)

    def written(self, path: str, key: str, spans: Spans | None = None) -> None:
        stat = _stat(self.root / path)
        if stat is not None:
            self.now[path] = Written(key, stat, spans)

    def pieces(self, path: str) -> Earlier:
        """The entries' pieces of the feed at `path` as the last build wrote it, by entry
        key; none if the file is gone or was touched since."""
        known = self.manifest.get(path)
        if known is None or not known.spans:
            return no_earlier
        try:
            with open(os.path.join(self.root, path), "rb") as f:
                st = os.fstat(f.fileno())
                if (st.st_size, st.st_mtime_ns) != known.stat:
                    return no_earlier
                data = f.read()
        except OSError:
            return no_earlier
        if len(data) != known.stat[0]:  # changed while read
            return no_earlier
        spans, view = known.spans, memoryview(data)  # slices that copy nothing

        def piece(key: str) -> memoryview | None:
            span = spans.get(key)
            return None if span is None else view[span[0]:span[1]]

        return piece

    def stale(self) -> Iterator[Path]:
        """Files of the last build that this one did not produce."""
        for path in sorted(set(self.manifest) - set(self.now)):
            yield self.root / path


def seed(cache: BuildCache, source: Path, target: Path) -> int:
    """Fill the new site folder `target` with the files a build left in `source` that are
    still as it wrote them, and give `target` their manifest: the build that follows
    renders and writes only what changed since (`postgen serve`'s first build). Returns
    how many files were copied."""
    manifest = cache.sites.get(str(source))
    if not manifest or str(target) in cache.sites:
        return 0
    seeded: dict[str, Written] = {}
    for path, written in manifest.items():
        origin, copy = os.path.join(source, path), os.path.join(target, path)
        if _stat(origin) != written.stat:
            continue
        try:
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copyfile(origin, copy)
        except OSError:
            continue
        stat = _stat(copy)
        if stat is not None:
            seeded[path] = replace(written, stat=stat)
    cache.sites[str(target)] = seeded
    return len(seeded)


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
