"""A small stand-in for GitHub Actions' runner: the workflows' own steps, run here.

`Workflow(path)` reads a workflow file. `job.run(step, ...)` runs one step's
`run:` text exactly as written, with bash as GitHub runs it (`bash --noprofile
--norc -eo pipefail`), in a given folder (a clone of a bare remote on disk, as
actions/checkout leaves it), with the environment GitHub would set: the step's
and the job's `env:` with their `${{ }}` expressions evaluated against an event
payload, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, GITHUB_RUN_ID,
CI. Outputs written to GITHUB_OUTPUT become `steps.<id>.outputs`, as GitHub
reads them. `if:` conditions are evaluated the same way.

Expressions: literals, context paths (`github.event.issue.number`, with `*`
for every item of a list), `!`, `==`, `!=`, `&&`, `||`, parentheses, and the
functions always(), success(), failure(), contains(). Anything else (hashFiles
on a `run:` step, say) raises: a test never passes by ignoring an expression.
A `run:` text holding `${{ }}` is refused: GitHub would paste the value into the
script unquoted (script injection), so the workflows pass values through env.

What does not run here: `uses:` steps (checkout, setup-python, caches, pages,
github-script). The install step (`pip install -r requirements.txt`) runs in
tests/test_install.py against a tagged copy of this repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|"
                    r"(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z_][\w-]*(?:\.(?:\*|[\w-]+))*))")


class ExpressionError(Exception):
    pass


def evaluate(text: str, context: Mapping[str, Any], status: str = "success") -> Any:
    """The value of one GitHub Actions expression (without `${{ }}`)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m[kind]))
        pos = m.end()
    tokens.append(("end", ""))
    at = 0

    def peek() -> str:
        return tokens[at][1]

    def take() -> tuple[str, str]:
        nonlocal at
        at += 1
        return tokens[at - 1]

    def either() -> Any:
        left = both()
        while peek() == "||":
            take()
            right = both()
            left = left or right
        return left

    def both() -> Any:
        left = compare()
        while peek() == "&&":
            take()
            right = compare()
            left = left and right
        return left

    def compare() -> Any:
        left = unary()
        while peek() in ("==", "!="):
            op = take()[1]
            right = unary()
            same = _loose(left) == _loose(right)
            left = same if op == "==" else not same
        return left

    def unary() -> Any:
        if peek() == "!":
            take()
            return not unary()
        return atom()

    def atom() -> Any:
        kind, value = take()
        if value == "(":
            inner = either()
            if take()[1] != ")":
                raise ExpressionError(f"missing ) in {text!r}")
            return inner
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value)
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {text!r}")
        if peek() == "(":
            take()
            args = []
            while peek() != ")":
                args.append(either())
                if peek() == ",":
                    take()
            take()
            return _call(value, args, status, text)
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        return _lookup(context, value.split("."))

    result = either()
    if tokens[at][0] != "end":
        raise ExpressionError(f"unexpected {peek()!r} in {text!r}")
    return result


def _loose(value: Any) -> Any:
    """GitHub compares strings case-insensitively, and numbers as numbers."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.lower()
    return value


def _lookup(value: Any, parts: list[str]) -> Any:
    for i, part in enumerate(parts):
        if part == "*":
            items = value if isinstance(value, list) else []
            return [_lookup(item, parts[i + 1:]) for item in items]
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _call(name: str, args: list[Any], status: str, text: str) -> Any:
    if name == "always":
        return True
    if name == "success":
        return status == "success"
    if name == "failure":
        return status == "failure"
    if name == "contains":
        haystack, needle = args
        if isinstance(haystack, list):
            return any(_loose(item) == _loose(needle) for item in haystack)
        return str(_loose(needle)) in str(_loose(haystack or ""))
    raise ExpressionError(f"{name}() is not supported here ({text!r})")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _as_text(evaluate(m[1], context)), text)


@dataclass
class Result:
    returncode: int
    output: str  # stdout and stderr, interleaved
    outputs: dict[str, str]
    summary: str


@dataclass
class Job:
    name: str
    data: dict[str, Any]
    steps_done: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "success"
    cwd: str = ""  # of the last step run

    def step(self, name: str) -> dict[str, Any]:
        found = [s for s in self.data["steps"] if name in (s.get("name"), s.get("id"))]
        assert len(found) == 1, f"{self.name}: no single step named {name!r}"
        return dict(found[0])

    def run(self, name: str, cwd: Path, *, event: Mapping[str, Any] | None = None,
            event_name: str = "push", secrets: Mapping[str, str] | None = None,
            env: Mapping[str, str] | None = None, run_id: str = "4242",
            start_new_session: bool = False,
            popen: bool = False) -> Result | subprocess.Popen[str]:
        """Run step `name` in `cwd`, if its `if:` holds (else a Result with code -1).
        With `popen`, started and returned: `finish(name, code, output)` when it ends."""
        step = self.step(name)
        script = step.get("run")
        assert isinstance(script, str), f"{name} has no run: text"
        assert "${{" not in script, f"{name}: an expression pasted into the script"
        context = _context(event_name, event, secrets, self.steps_done, run_id)
        condition = step.get("if")
        if condition is not None:
            cond = str(condition)
            cond = cond[3:-2] if cond.startswith("${{") else cond
            if not evaluate(cond, context, self.status):
                return Result(-1, "", {}, "")
        elif self.status != "success":
            return Result(-1, "", {}, "")
        values = {**self.data.get("env", {}), **step.get("env", {})}
        self.cwd = str(cwd)
        home = self._home(cwd)
        home.mkdir(exist_ok=True)
        output, summary = home / "output", home / "summary"
        output.write_text("", encoding="utf-8")
        summary.write_text("", encoding="utf-8")
        environment = {**os.environ, **(env or {}),
                       **{k: substitute(str(v), context) for k, v in values.items()},
                       "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
                       "GITHUB_WORKSPACE": str(cwd), "GITHUB_RUN_ID": run_id, "CI": "true",
                       "GITHUB_ACTIONS": "true"}
        (home / "step.sh").write_text(script, encoding="utf-8")
        args = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(home / "step.sh")]
        if popen:
            return subprocess.Popen(args, cwd=cwd, env=environment, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    start_new_session=start_new_session)
        done = subprocess.run(args, cwd=cwd, env=environment, text=True, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return self.finish(name, done.returncode, done.stdout)

    def finish(self, name: str, returncode: int, text: str) -> Result:
        """Read the step's outputs and summary, as GitHub does when a step ends."""
        step = self.step(name)
        home = self._home(Path(self.cwd))
        outputs = {}
        for line in (home / "output").read_text(encoding="utf-8").splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                outputs[key] = value
        if step.get("id"):
            self.steps_done[str(step["id"])] = {
                "outputs": outputs, "outcome": "success" if returncode == 0 else "failure"}
        if returncode != 0:
            self.status = "failure"
        return Result(returncode, text, outputs,
                      (home / "summary").read_text(encoding="utf-8"))

    def _home(self, cwd: Path) -> Path:
        return cwd.parent / f".runner-{cwd.name}-{self.name}"


def _context(event_name: str, event: Mapping[str, Any] | None,
             secrets: Mapping[str, str] | None = None,
             steps: Mapping[str, Any] | None = None, run_id: str = "4242") -> dict[str, Any]:
    return {"github": {"event": dict(event or {}), "event_name": event_name, "run_id": run_id,
                       "token": "ghs_test-token", "repository": "acme/social"},
            "secrets": dict(secrets or {}), "steps": dict(steps or {})}


class Workflow:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        # YAML 1.1 reads the key `on` as True
        self.on: dict[str, Any] = self.data.get("on", self.data.get(True))  # type: ignore[call-overload]

    def job(self, name: str) -> Job:
        return Job(name, dict(self.data["jobs"][name]))

    def starts(self, job: str, event_name: str, event: Mapping[str, Any]) -> bool:
        """Whether GitHub would run `job` for this event: the workflow's `on:` (event and
        activity types) and the job's `if:`."""
        trigger = self.on.get(event_name, False) if isinstance(self.on, dict) else False
        if trigger is False:
            return False
        types = (trigger or {}).get("types")
        if types and event.get("action") not in types:
            return False
        condition = self.data["jobs"][job].get("if")
        return condition is None or bool(evaluate(str(condition), _context(event_name, event)))
