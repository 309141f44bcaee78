"""Write src/postgen/platforms/twemoji.txt: the emoji sequences twitter-text weighs as one.

twitter-text 3.1.0 (X's counter) finds emoji with twemoji-parser 11's regular
expression, generated from the Emoji 11 (2018) data: a sequence outside that
list is weighed code point by code point. This script lists, as data, every
sequence that expression matches, so postgen can weigh text as X does without
running JavaScript:

    (cd tests/js && npm ci) && python scripts/make_twemoji_list.py

Each output line is one sequence as hexadecimal code points; a line ending in
``!FE0E`` is an emoji only when U+FE0E (text presentation) does not follow it.
The script checks with node that twemoji-parser matches each listed sequence
whole, so the file is exactly its list.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from re import _constants as C  # noqa: N812
from re import _parser

ROOT = Path(__file__).resolve().parent.parent
PARSER = ROOT / "tests" / "js" / "node_modules" / "twemoji-parser"
OUT = ROOT / "src" / "postgen" / "platforms" / "twemoji.txt"
NOT_TEXT = "\x00"  # stands for the (?!\ufe0e) look-ahead while enumerating


def _language(seq: list[tuple[object, object]]) -> list[str]:
    out = [""]
    for op, av in seq:
        out = [a + b for a in out for b in _node(op, av)]
    return out


def _node(op: object, av: object) -> list[str]:  # noqa: PLR0911
    if op is C.LITERAL:
        return [chr(av)]  # type: ignore[arg-type]
    if op is C.IN:
        chars: list[str] = []
        for o, a in av:  # type: ignore[attr-defined]
            chars += [chr(a)] if o is C.LITERAL else [chr(c) for c in range(a[0], a[1] + 1)]
        return chars
    if op is C.BRANCH:
        return [s for b in av[1] for s in _language(b)]  # type: ignore[index]
    if op is C.SUBPATTERN:
        return _language(av[-1])  # type: ignore[index]
    if op is C.MAX_REPEAT:
        low, high, sub = av  # type: ignore[misc]
        base = _language(sub)
        return ["".join(p) for n in range(low, high + 1)
                for p in itertools.product(base, repeat=n)]
    if op is C.ASSERT_NOT:
        assert _language(av[1]) == ["\ufe0e"], av  # type: ignore[index]
        return [NOT_TEXT]
    raise ValueError(f"unexpected regex node {op}")


def main() -> int:
    source = (PARSER / "dist" / "lib" / "regex.js").read_text(encoding="utf-8")
    start = source.index("exports.default = /") + len("exports.default = /")
    pattern = source[start:source.rindex("/g;")]
    utf16 = _language(list(_parser.parse(pattern)))
    sequences = sorted({s.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
                        for s in utf16})
    # twemoji-parser must match each sequence whole (its alternation takes the first
    # alternative that matches, which could be shorter than the longest).
    probe = "const {parse} = require('twemoji-parser');" \
            "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));" \
            "console.log(JSON.stringify(xs.map(x => parse(x).map(e => e.text))));"
    plain = [s.replace(NOT_TEXT, "") for s in sequences]
    found = json.loads(subprocess.run(["node", "-e", probe], input=json.dumps(plain),
                                      capture_output=True, text=True, check=True,
                                      cwd=PARSER.parent.parent).stdout)
    wrong = [s for s, f in zip(plain, found, strict=True) if f != [s]]
    if wrong:
        print(f"{len(wrong)} sequences are not matched whole, e.g. {wrong[:3]!r}",
              file=sys.stderr)
        return 1
    lines = [" ".join(f"{ord(c):X}" for c in s.replace(NOT_TEXT, ""))
             + (" !FE0E" if NOT_TEXT in s else "") for s in sequences]
    header = ("# Emoji sequences twitter-text 3.1.0 weighs as one (twemoji-parser 11.0.2's\n"
              "# list, Emoji 11, MIT licence). Made by scripts/make_twemoji_list.py.\n"
              "# '!FE0E': only when not followed by U+FE0E.\n")
    OUT.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} sequences -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
