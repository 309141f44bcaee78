"""Write src/postgen/platforms/grapheme_break_10.txt: Unicode 10.0.0's Grapheme_Cluster_Break.

Twilio's sms-segments-calculator (SMS's reference) finds grapheme clusters with
grapheme-splitter 1.0.4, which follows UAX #29 for Unicode 10.0 (E_Base,
E_Modifier, Glue_After_Zwj, E_Base_GAZ; no Extended_Pictographic, no GB9c).
postgen.platforms.sms_graphemes segments the same way with this table, made
from the Unicode Character Database files themselves:

    https://www.unicode.org/Public/10.0.0/ucd/auxiliary/GraphemeBreakProperty.txt
    https://www.unicode.org/Public/emoji/5.0/emoji-data.txt

    python scripts/make_grapheme_break_10.py GraphemeBreakProperty.txt emoji-data.txt

In Unicode 10 the emoji values UAX #29 uses (E_Base, E_Base_GAZ, E_Modifier) are
in GraphemeBreakProperty.txt itself; the script checks them against emoji-data
5.0 (Emoji_Modifier_Base, Emoji_Modifier), from which they are derived.

Each output line is ``first last value``: hexadecimal code points, adjacent
ranges of one value merged; a code point not listed is Other.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "postgen" / "platforms" / \
    "grapheme_break_10.txt"


def read_ranges(text: str) -> list[tuple[int, int, str]]:
    """A UCD property file's ``(first, last, value)`` lines."""
    ranges = []
    for line in text.splitlines():
        data = line.partition("#")[0].strip()
        if data:
            points, value = (part.strip() for part in data.split(";"))
            first, _, last = points.partition("..")
            ranges.append((int(first, 16), int(last or first, 16), value))
    return ranges


def code_points(ranges: list[tuple[int, int, str]], *values: str) -> set[int]:
    return {cp for first, last, value in ranges if value in values
            for cp in range(first, last + 1)}


def main(gbp_path: Path, emoji_path: Path) -> None:
    gbp_text = gbp_path.read_text(encoding="utf-8")
    head = gbp_text.splitlines()[:3]
    if head[0] != "# GraphemeBreakProperty-10.0.0.txt":
        sys.exit(f"{gbp_path}: not GraphemeBreakProperty-10.0.0.txt ({head[0]!r})")
    emoji_text = emoji_path.read_text(encoding="utf-8")
    if "# Version: 5.0" not in emoji_text.splitlines()[:30]:
        sys.exit(f"{emoji_path}: not emoji-data.txt version 5.0")
    gbp, emoji = read_ranges(gbp_text), read_ranges(emoji_text)
    if code_points(gbp, "E_Base", "E_Base_GAZ") != code_points(emoji, "Emoji_Modifier_Base") \
            or code_points(gbp, "E_Modifier") != code_points(emoji, "Emoji_Modifier"):
        sys.exit("the emoji values of GraphemeBreakProperty.txt disagree with emoji-data.txt")
    merged: list[list[object]] = []
    for first, last, value in sorted(gbp):
        if merged and merged[-1][2] == value and merged[-1][1] == first - 1:
            merged[-1][1] = last
        else:
            merged.append([first, last, value])
    digest = hashlib.sha256(gbp_path.read_bytes()).hexdigest()
    header = [
        "# Grapheme_Cluster_Break of Unicode 10.0.0, as ranges: first last value",
        "# (hexadecimal code points); a code point not listed is Other.",
        f"# Source: GraphemeBreakProperty-10.0.0.txt ({head[1][2:]}, sha256 {digest}),",
        "# https://www.unicode.org/Public/10.0.0/ucd/auxiliary/GraphemeBreakProperty.txt;",
        "# E_Base, E_Base_GAZ and E_Modifier checked against emoji-data.txt 5.0.",
        "# Written by scripts/make_grapheme_break_10.py; used by sms_graphemes.py.",
    ]
    lines = [f"{first:04X} {last:04X} {value}" for first, last, value in merged]
    OUT.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} ranges to {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
