"""A calendar in a bare git repository on disk and `postgen review serve` over it, as a
real process on 127.0.0.1 (the tests kill it with SIGKILL)."""

from __future__ import annotations

import html.parser
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import CONFIG, write_files

SECRET = "test-secret-0123456789abcdef"
REVIEWERS = ("dana@client.example", "sam@client.example")
ENV = {**os.environ, "POSTGEN_REVIEW_SECRET": SECRET, "GIT_TERMINAL_PROMPT": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(port: int, revoked: tuple[str, ...] = (), rate_limit: int = 600) -> str:
    return "docs_dir: calendar\n" + CONFIG.replace("      channels:", f"""\
      approval:
        reviewers: [{', '.join(REVIEWERS)}]
      review:
        url: http://127.0.0.1:{port}
        secret_env: POSTGEN_REVIEW_SECRET
        revoked: [{', '.join(revoked)}]
        rate_limit: {rate_limit}
      channels:""")


def post(post_id: str, day: int, channels: str = "[x, linkedin]",
         body: str = "Body text.") -> str:
    return (f"---\nid: {post_id}\ntitle: Post {post_id}\ndate: 2027-03-{day:02d} 09:30\n"
            f"channels: {channels}\nfunnel: awareness\n---\n{body}\n")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Writer", "-c", "user.email=w@agency.example",
                           *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def make_remote(root: Path, port: int, posts: int = 3, rate_limit: int = 600) -> Path:
    """A calendar pushed to a bare repository: returns the bare repository."""
    work = root / "writer"
    files: dict[str, str | bytes] = {"mkdocs.yml": config(port, rate_limit=rate_limit),
                                     "calendar/welcome.md": "# Welcome\n",
                                     ".gitignore": "site/\n.postgen-cache/\n"}
    files.update({f"content/p{i}.md": post(f"p{i}", i + 1) for i in range(1, posts + 1)})
    write_files(work, files)
    git(root, "init", "--quiet", "--bare", "-b", "main", "remote.git")
    git(work, "init", "--quiet", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Calendar")
    git(work, "remote", "add", "origin", str(root / "remote.git"))
    git(work, "push", "--quiet", "-u", "origin", "main")
    return root / "remote.git"


def remote_lines(remote: Path, name: str = "approvals.jsonl") -> list[dict[str, object]]:
    done = subprocess.run(["git", "show", f"main:{name}"], cwd=remote, capture_output=True,
                          text=True)
    if done.returncode != 0:
        return []
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def postgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "postgen", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=300)


@dataclass
class Server:
    url: str
    state: Path
    remote: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: list[str] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)

    def start(self) -> None:
        self.log_file = self.state.parent / f"server-{len(self.log)}.log"
        self.log.append(str(self.log_file))
        with open(self.log_file, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "postgen", "review", "serve", "--repo",
                 str(self.remote), "--state-dir", str(self.state), "--port", str(self.port),
                 "--pull-every", "3600"], env=ENV, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("the review server stopped:\n" + self.output())
            try:
                if httpx.get(self.url + "_review/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("the review server did not start:\n" + self.output())

    def output(self) -> str:
        return "\n".join(Path(p).read_text() for p in self.log)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def health(self) -> dict[str, object]:
        data: dict[str, object] = httpx.get(self.url + "_review/health", timeout=5).json()
        return data


@contextmanager
def running(root: Path, posts: int = 3, rate_limit: int = 600) -> Iterator[Server]:
    port = free_port()
    remote = make_remote(root, port, posts, rate_limit)
    server = Server(f"http://127.0.0.1:{port}/", root / "state", remote, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def invite(root: Path, reviewer: str, *more: str) -> str:
    """A reviewer's link, as `postgen review invite --print` makes it in a writer's clone."""
    done = postgen(root / "writer", "review", "invite", reviewer, "--print", *more)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class Forms(html.parser.HTMLParser):
    """The forms of a page: their action, class and fields (name, value) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "class": a.get("class") or "",
                               "fields": []})
        elif tag in ("input", "textarea") and self.forms and a.get("name"):
            fields = self.forms[-1]["fields"]
            assert isinstance(fields, list)
            fields.append((a["name"], a.get("value") or ""))


def forms(page: str, css_class: str) -> list[list[tuple[str, str]]]:
    parser = Forms()
    parser.feed(page)
    return [f["fields"] for f in parser.forms  # type: ignore[misc]
            if css_class in str(f["class"]).split()]


def session(server: Server, link: str) -> httpx.Client:
    """An HTTP client that opened `link` (holding its session cookie)."""
    client = httpx.Client(base_url=server.url, timeout=60)
    server.clients.append(client)
    opened = client.get(link)
    assert opened.status_code == 303, opened.text
    return client


def submit(client: httpx.Client, fields: list[tuple[str, str]],
           path: str = "/_review/decide") -> httpx.Response:
    """Post a form as the browser would (urlencoded, repeated fields kept)."""
    from urllib.parse import urlencode

    return client.post(path, content=urlencode(fields),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
