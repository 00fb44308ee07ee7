"""How wide a text is: one measure for the row heights of 汇总表 and the templates, and the report's line fitting.

A character is *wide* (two columns in a Chinese font) when it is a CJK character, a
full-width form or Chinese punctuation (U+2E80 and above), or one of the curly quotes and
the dash, which Chinese fonts draw full width too; every other character is narrow.

- :func:`display_width` measures in Excel character units (a column of width N holds
  about N of them): a wide character 2, a narrow one 1.1 (Latin letters and digits are
  a little wider than Excel's unit, the width of a "0").
- :func:`wrapped_lines` is the number of lines a text takes in a wrapped cell.
- :func:`em_width` measures in em (Word): a wide character 1, a narrow one 0.5, plus the
  quarter em Word and LibreOffice put between CJK and Latin/digits (autoSpaceDE/DN).

Only the standard library is used: templates and the report import this module.
"""

from __future__ import annotations

import re
from functools import lru_cache

WIDE_PUNCTUATION = "—“”‘’"  # below U+2E80, yet full width in Chinese fonts
_WIDE_CHARS = "[\u2e80-\U0010ffff" + WIDE_PUNCTUATION + "]"


def is_wide(ch: str) -> bool:
    """True for a character that takes two columns (see the module docstring)."""
    return ch >= "\u2e80" or ch in WIDE_PUNCTUATION


@lru_cache(maxsize=65_536)  # 红灯清单 titles and file names repeat
def _tenths(text: str) -> int:
    """:func:`display_width` in tenths of a unit (exact: no float sums)."""
    wide = _wide_pattern().subn("", text)[1]
    return 20 * wide + 11 * (len(text) - wide)


@lru_cache(maxsize=1)
def _wide_pattern() -> "re.Pattern[str]":
    return re.compile(_WIDE_CHARS)  # compiled on first use: a few ms, not at every start


def display_width(text: str) -> float:
    """Width of one line of ``text`` in Excel character units: 2 a wide character, 1.1 a narrow one."""
    return _tenths(text) / 10


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` Excel units wide (each line break starts one).

    A line holds ``int(width) - 1`` units (a unit is kept for the cell's padding), at least one.
    """
    per_line = 10 * max(int(width) - 1, 1)
    return sum(max(1, -(-_tenths(part) // per_line)) for part in str(text).split("\n"))


def em_width(text: str) -> float:
    """Width of ``text`` in em: a wide character 1, a narrow one 0.5, and a quarter em
    where the text changes between wide and narrow characters (not before a space)."""
    width = 0.0
    prev_narrow: bool | None = None
    for ch in text:
        narrow = not is_wide(ch)
        width += 0.5 if narrow else 1.0
        if prev_narrow is not None and narrow != prev_narrow and not ch.isspace():
            width += 0.25
        prev_narrow = narrow
    return width
