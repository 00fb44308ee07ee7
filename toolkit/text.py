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
- :func:`cells` measures in terminal columns (the console): a wide character 2, a narrow
  one 1; :func:`wrap_cells` breaks a text into lines of a terminal width the way Chinese
  is set (no line starts with 。，、 or a closing bracket, none ends with an opening one,
  numbers, dates and file names are not split unless longer than a line), and
  :func:`fit_cells` shortens a text to a width with “…” in the middle.

Only the standard library is used: templates and the report import this module.
"""

from __future__ import annotations

import re
import unicodedata
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


#: a row of wrapped text in the templates and 退回修改 files (11-point cells): points per line, the
#: tallest it is made (lines), the padding
TEMPLATE_LINE, TEMPLATE_MOST_LINES, ROW_PADDING = 14.5, 12, 4.0


def row_height(cells, *, line: float = TEMPLATE_LINE, most: int | None = TEMPLATE_MOST_LINES,
               pad: float = ROW_PADDING, limit: float = 409.0) -> float | None:
    """The height (points) of a row whose wrapped ``cells`` are (text, column width) pairs: ``line``
    points a line of its tallest cell (at most ``most`` lines) plus ``pad``; None when every cell
    fits on one line (the program's default height). Neither Excel nor LibreOffice nor WPS
    re-measures the rows of a file they open: a file the toolkit writes sets them."""
    lines = max([1] + [wrapped_lines(text, width) for text, width in cells if isinstance(text, str) and text])
    if lines <= 1:
        return None
    if most is not None:
        lines = min(lines, most)
    return min(line * lines + pad, limit)


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


# ---------------------------------------------------------------------------
# Terminal columns (the console)
# ---------------------------------------------------------------------------

#: full width on a Chinese console (cmd.exe with a CJK font), whatever other terminals do:
#: counting them as two never lets a line overflow
_AMBIGUOUS_WIDE = "…·×※°"
#: characters a line must not start with (closing punctuation, 避头) and must not end with (避尾)
NO_LINE_START = "，。、；：？！）】》」』〉〕”’…—·%,.;:?!)]}%"
NO_LINE_END = "（【《「『〈〔“‘([{"
#: kept on one line: dates (2022年4月29日), counts and places (第13行, 3处, B列), then runs of Latin letters,
#: digits and path characters (2022-04-29, 0531-12345678, 汇总表.xlsx's extension, folder/names)
_WORD = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日|\d{4}年(?:\d{1,2}月)?|第?\d+[行列处次项个人条页期份天]|"
                   r"[A-Z]{1,3}\d*列|[A-Za-z0-9_.\-/\\:%+@#~&=]+")


def _char_cells(ch: str) -> int:
    if is_wide(ch) or ch in _AMBIGUOUS_WIDE:
        return 2
    if ch == "\u200b" or unicodedata.combining(ch):
        return 0
    return 1


def cells(text: str) -> int:
    """Width of ``text`` in terminal columns: 2 a wide character (see :func:`is_wide`; also …·×),
    0 a combining mark or zero-width space, 1 any other."""
    return sum(_char_cells(ch) for ch in text)


def fit_cells(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` columns, else its start and end around “…” (file names
    differ at both ends: the folder and the 报送/修改 at the end)."""
    if cells(text) <= width:
        return text
    if width <= 2:
        return "…"[:width]
    room = width - 2  # the ellipsis
    head_room = (room + 1) // 2
    head, used = "", 0
    for ch in text:
        w = _char_cells(ch)
        if used + w > head_room:
            break
        head += ch
        used += w
    tail, used_tail = "", 0
    for ch in reversed(text[len(head):]):
        w = _char_cells(ch)
        if used + used_tail + w > room:
            break
        tail = ch + tail
        used_tail += w
    return head + "…" + tail


def _tokens(line: str) -> list[str]:
    """Break opportunities: a word of Latin letters, digits and path characters, a space, or one character."""
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(line):
        out.extend(line[pos:m.start()])
        out.append(m.group(0))
        pos = m.end()
    out.extend(line[pos:])
    return out


def _split_long(token: str, width: int) -> list[str]:
    """A token wider than a line, cut into line-wide pieces (after a / or \\ when there is one)."""
    pieces: list[str] = []
    current, used = "", 0
    for ch in token:
        w = _char_cells(ch)
        if used + w > width and current:
            cut = max(current.rfind("/"), current.rfind("\\"))
            if 0 < cut < len(current) - 1:
                pieces.append(current[:cut + 1])
                current = current[cut + 1:]
                used = cells(current)
            else:
                pieces.append(current)
                current, used = "", 0
        current += ch
        used += w
    if current:
        pieces.append(current)
    return pieces


def wrap_cells(text: str, width: int, *, first: int | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns (the first line: ``first``), broken
    as Chinese is set: never before closing punctuation (。，、）” …) or after an opening bracket,
    never inside a number, date or file name unless it is longer than a line. Line breaks in
    ``text`` are kept; spaces where a line is broken are dropped."""
    out: list[str] = []
    for raw in str(text).split("\n"):
        limit = max(first if first is not None and not out else width, 1)
        tokens = _tokens(raw)
        line: list[str] = []
        used = 0
        i = 0
        while i < len(tokens):
            token = tokens[i]
            w = cells(token)
            if used + w <= limit or (token == " " and not line):
                if not (token == " " and not line):
                    line.append(token)
                    used += w
                i += 1
                continue
            if token == " ":  # a break at a space: the space goes
                i += 1
            elif not line:  # a token wider than the whole line
                pieces = _split_long(token, limit)
                tokens[i:i + 1] = pieces
                continue
            else:
                # 避头: closing punctuation goes down with the character before it; 避尾: an opening
                # bracket at the end of the line goes down too
                carry = 0
                if token[:1] in NO_LINE_START:
                    carry = 1
                    while carry < len(line) and line[-carry][:1] in NO_LINE_START:
                        carry += 1
                while carry < len(line) and line[-1 - carry][-1:] in NO_LINE_END:
                    carry += 1
                if carry >= len(line):  # nothing would be left on the line: break here all the same
                    carry = 0
                if carry:
                    i -= carry
                    del line[-carry:]
            out.append("".join(line).rstrip(" "))
            line, used = [], 0
            limit = max(width, 1)
        out.append("".join(line).rstrip(" "))
    return out
