"""Grapheme clusters as Twilio's SMS segment calculator finds them: where a part may end.

Twilio's sms-segments-calculator 1.3.0 (platforms.md's reference for SMS) keeps
each grapheme cluster whole in one part. It finds clusters with
grapheme-splitter 1.0.4, that is UAX #29 for Unicode 10.0: Grapheme_Cluster_Break
values from Unicode 10.0.0 (``grapheme_break_10.txt``, made from the UCD by
scripts/make_grapheme_break_10.py), rules GB10 (E_Base or E_Base_GAZ, Extend*,
E_Modifier) and GB11 (ZWJ, then Glue_After_Zwj or E_Base_GAZ), no
Extended_Pictographic and no Indic-conjunct rule. So a ZWJ sequence of later
emoji (``❤️‍🔥``) or an Indic conjunct is two or more clusters here, one for
``regex``'s ``\\X``.

grapheme-splitter decides each break from the cluster's first character, the
ones after it and the next one, and differs from UAX #29 in these ways, which
this module follows (the reference code wins):

- A cluster whose second character is a regional indicator (a flag, or Prepend
  then an indicator) ends after the first character that follows its
  indicators: a flag takes one Extend, ZWJ or SpacingMark, never two.
- After Prepend and one regional indicator, a second one starts a new cluster.
- E_Modifier joins an E_Base (or E_Base_GAZ) that ends a cluster holding no
  Extend, or one followed by exactly one Extend that ends the cluster; with an
  Extend elsewhere in the cluster, or two after the base, it stands alone.

Twilio's calculator then splits each CR LF cluster into CR and LF.
"""

from __future__ import annotations

import bisect
import functools
from importlib import resources

# Grapheme_Cluster_Break values (the names used in grapheme_break_10.txt)
(OTHER, CR, LF, CONTROL, EXTEND, ZWJ, RI, PREPEND, SPACING_MARK, L, V, T, LV, LVT,
 E_BASE, E_MODIFIER, GLUE_AFTER_ZWJ, E_BASE_GAZ) = range(18)
_NAMES = {"CR": CR, "LF": LF, "Control": CONTROL, "Extend": EXTEND, "ZWJ": ZWJ,
          "Regional_Indicator": RI, "Prepend": PREPEND, "SpacingMark": SPACING_MARK,
          "L": L, "V": V, "T": T, "LV": LV, "LVT": LVT, "E_Base": E_BASE,
          "E_Modifier": E_MODIFIER, "Glue_After_Zwj": GLUE_AFTER_ZWJ, "E_Base_GAZ": E_BASE_GAZ}
_CONTROLS = (CONTROL, CR, LF)
_BASES = (E_BASE, E_BASE_GAZ)
_HANGUL_NEXT = {L: (L, V, LV, LVT), LV: (V, T), V: (V, T), LVT: (T,), T: (T,)}

# What follows a cluster's first character: not a regional indicator, only regional
# indicators so far, or regional indicators then other characters only
_RI_NONE, _RI_RUN, _RI_THEN_OTHER = range(3)


@functools.cache
def _table() -> tuple[list[int], list[int], list[int]]:
    """The ranges' first code points, last code points and values."""
    data = resources.files(__package__).joinpath("grapheme_break_10.txt").read_text(
        encoding="utf-8")
    firsts, lasts, values = [], [], []
    for line in data.splitlines():
        if line and not line.startswith("#"):
            first, last, name = line.split()
            firsts.append(int(first, 16))
            lasts.append(int(last, 16))
            values.append(_NAMES[name])
    return firsts, lasts, values


def grapheme_break(cp: int) -> int:
    """The code point's Grapheme_Cluster_Break value in Unicode 10.0.0."""
    firsts, lasts, values = _table()
    i = bisect.bisect_right(firsts, cp) - 1
    return values[i] if i >= 0 and cp <= lasts[i] else OTHER


def split(text: str) -> list[str]:
    """``text`` in the parts Twilio's calculator weighs whole: grapheme clusters as
    grapheme-splitter 1.0.4 finds them, with CR LF as two."""
    if text.isascii():  # in ASCII only CR LF joins, and the calculator splits it
        return list(text)
    joining, prepend = _joining()
    cps = list(map(ord, text))
    if joining.isdisjoint(cps):
        return list(text)
    # grapheme-splitter always breaks before Other, Control, CR and LF unless Prepend
    # comes before (or CR before LF, which the calculator splits again): only the
    # runs between such breaks need its rules
    out: list[str] = []
    begin = 0
    for i in range(1, len(cps) + 1):
        if i == len(cps) or (cps[i] not in joining and cps[i - 1] not in prepend):
            if i - begin == 1:
                out.append(text[begin])
            else:
                out.extend(_clusters(text[begin:i]))
            begin = i
    return out


@functools.cache
def _joining() -> tuple[frozenset[int], frozenset[int]]:
    """The code points of every value but Other, Control, CR and LF; of Prepend."""
    firsts, lasts, values = _table()
    ranges = list(zip(firsts, lasts, values, strict=True))
    return (frozenset(cp for a, b, value in ranges if value not in _CONTROLS
                      for cp in range(a, b + 1)),
            frozenset(cp for a, b, value in ranges if value == PREPEND
                      for cp in range(a, b + 1)))


def _clusters(text: str) -> list[str]:
    """The clusters of ``text``, by grapheme-splitter's rules."""
    out: list[str] = []
    begin = 0
    first = prev = before = grapheme_break(ord(text[0]))
    size = 1  # characters in the cluster so far
    all_extend = True  # every character after the first is Extend
    has_extend = first == EXTEND
    has_ri = False  # a regional indicator after the first character
    ri_state = _RI_NONE
    for i in range(1, len(text)):
        nxt = grapheme_break(ord(text[i]))
        if _breaks(first, prev, before, nxt, size=size, all_extend=all_extend,
                   has_extend=has_extend, has_ri=has_ri, ri_state=ri_state):
            out.append(text[begin:i])
            begin, first, prev, size = i, nxt, nxt, 1
            all_extend, has_extend, has_ri, ri_state = True, nxt == EXTEND, False, _RI_NONE
            continue
        if size == 1:
            ri_state = _RI_RUN if nxt == RI else _RI_NONE
        elif ri_state == _RI_RUN and nxt != RI:
            ri_state = _RI_THEN_OTHER
        elif ri_state == _RI_THEN_OTHER and nxt == RI:
            ri_state = _RI_NONE
        size += 1
        before, prev = prev, nxt
        all_extend = all_extend and nxt == EXTEND
        has_extend = has_extend or nxt == EXTEND
        has_ri = has_ri or nxt == RI
    out.append(text[begin:])
    return out


def _breaks(first: int, prev: int, before: int, nxt: int, *, size: int, all_extend: bool,
            has_extend: bool, has_ri: bool, ri_state: int) -> bool:
    """Whether a cluster ends before ``nxt``: ``first`` and ``prev`` are its first and
    last characters' values, ``before`` the one before ``prev`` (if ``size`` > 1)."""
    # grapheme-splitter's look-aheads, checked before everything else
    if nxt == E_MODIFIER and size > 1 and all_extend and first not in (EXTEND, *_BASES):
        return True
    if nxt == RI and size == 1 and first not in (PREPEND, RI):
        return True
    if nxt != RI and ri_state == _RI_THEN_OTHER and prev != PREPEND:
        return True
    # GB3 (CR LF) is left out: the calculator splits CR LF again
    if prev in _CONTROLS or nxt in _CONTROLS:  # GB4, GB5
        return True
    if nxt in _HANGUL_NEXT.get(prev, ()):  # GB6, GB7, GB8
        return False
    if nxt in (EXTEND, ZWJ, SPACING_MARK) or prev == PREPEND:  # GB9, GB9a, GB9b
        return False
    if nxt == E_MODIFIER and (  # GB10, as grapheme-splitter reads it
            (prev in _BASES and not has_extend)
            or (prev == EXTEND and size > 1 and before in _BASES)):
        return False
    if prev == ZWJ and nxt in (GLUE_AFTER_ZWJ, E_BASE_GAZ):  # GB11
        return False
    if has_ri:  # GB12, GB13: a pair of regional indicators is a whole flag
        return True
    return not (prev == RI and nxt == RI)
