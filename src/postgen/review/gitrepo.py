"""The review server's clone of the calendar repository: pull, record, push.

Records are appended to the calendar's JSON-lines files, committed, and
pushed; a rejected push is followed by `pull --rebase` and another try (the
files merge with git's union driver, set in the clone's own attributes so a
calendar without .gitattributes merges them too). Ids already in the files
are never appended again: a commit made before a crash is pushed as it is.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from postgen.errors import PostgenError
from postgen.review.journal import Entry, append

log = logging.getLogger("postgen.review")
UNION_FILES = ("approvals.jsonl", "comments.jsonl")
AUTHOR = ("-c", "user.name=postgen review", "-c", "user.email=postgen-review@localhost")


class GitFailed(PostgenError):
    pass


def _redacted(text: str) -> str:
    """Git's words without a password or token written into a remote's URL."""
    return re.sub(r"//[^/@\s]+@", "//***@", text.strip()[-500:])


def run_git(args: list[str], cwd: Path | None = None, timeout: float = 120,
            check: bool = False) -> subprocess.CompletedProcess[str]:
    """`git ARGS`; a machine without git is a message, not a traceback."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=check, timeout=timeout)
    except FileNotFoundError:
        raise GitFailed("git is not installed: the review server clones, commits and "
                        "pushes the calendar with it") from None


class Repo:
    def __init__(self, path: Path, remote: str | None = None) -> None:
        self.path = path
        self.remote = remote

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = run_git([*AUTHOR, *args], self.path)
        if check and done.returncode != 0:
            raise GitFailed(f"git {args[0]} failed: {_redacted(done.stderr)}")
        return done

    def prepare(self) -> None:
        """Clone the remote when there is no clone yet; union merges for the record files;
        drop what a crash may have left half-written or staged (the journal holds it)."""
        if not (self.path / ".git").exists():
            if self.remote is None:
                raise PostgenError(f"{self.path} is not a git repository: give --repo URL")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            done = run_git(["clone", "--quiet", self.remote, str(self.path)], timeout=600)
            if done.returncode != 0:
                raise GitFailed(f"cannot clone the calendar: {_redacted(done.stderr)}")
        info = self.path / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "attributes").write_text("".join(f"{name} merge=union\n"
                                                 for name in UNION_FILES))
        (self.path / ".git" / "index.lock").unlink(missing_ok=True)  # ours, from a crash
        self.git("rebase", "--abort", check=False)
        self.git("reset", "--hard", "--quiet", check=False)

    def checkout(self, tree: Path, commit: str) -> None:
        """`commit` in a worktree of the clone at `tree` (made the first time), exactly."""
        if not (tree / ".git").exists():
            self.git("worktree", "prune")
            self.git("worktree", "add", "--quiet", "--detach", str(tree), commit)
        run_git(["checkout", "--quiet", "--force", "--detach", commit], tree, check=True)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()

    def pull(self) -> None:
        done = self.git("pull", "--quiet", "--rebase", "--no-autostash", check=False)
        if done.returncode != 0:
            self.git("rebase", "--abort", check=False)  # our commits stay as they were
            raise GitFailed(f"git pull failed: {_redacted(done.stderr)}")

    def ids(self, name: str) -> set[str]:
        path = self.path / name
        found: set[str] = set()
        if path.is_file():
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    found.add(data["id"])
        return found

    def record(self, entries: Iterable[Entry], message: str) -> int:
        """Append the entries not in their files yet and commit; how many were new.

        Starts from the last commit: what a round that failed half-way appended or
        staged is dropped (the journal still holds it), so "already in the file"
        always means committed."""
        self.git("reset", "--hard", "--quiet")
        by_file: dict[str, list[Entry]] = {}
        for e in entries:
            by_file.setdefault(e.file, []).append(e)
        added = 0
        for name, group in by_file.items():
            have = self.ids(name)
            new = [e for e in group if e.id not in have]
            if new:
                append(self.path / name, "".join(e.line + "\n" for e in new))
                self.git("add", "--", name)
                added += len(new)
        if added:
            self.git("commit", "--quiet", "-m", message)
        return added

    def unpushed(self) -> bool:
        done = self.git("rev-list", "--count", "@{upstream}..HEAD", check=False)
        return done.returncode != 0 or done.stdout.strip() != "0"

    def push(self, tries: int = 5) -> None:
        """Push; when the remote moved on, rebase on it and try again."""
        for attempt in range(tries):
            done = self.git("push", "--quiet", check=False)
            if done.returncode == 0:
                return
            log.info(f"postgen review: push refused (try {attempt + 1}): pulling first")
            self.pull()
        raise GitFailed(f"push failed {tries} times; will try again")
