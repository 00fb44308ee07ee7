"""Next period's templates prefilled with what each unit still has open.

A unit's copy of the template is made from one prototype per template (see
``templates.write_unit_templates``): the unit name is substituted in the package parts.
Here the prepared data rows of 问题清单 and 任务清单 in that copy are replaced by the unit's
open items — every field as last reported, the 编号 in its grey column, 序号 numbered
1, 2, 3 … — written straight into the sheet XML with the prepared rows' own cell styles
(so data validation, formats and protection stay those of the template). A city of 150
units gets its templates in a second or two instead of the minutes openpyxl would take.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from .celltext import fit
from .schema import FIRST_DATA_ROW, SheetSchema
from .text import row_height

_ROW = re.compile(rb'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_CELL = re.compile(rb'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(rb'\ss="(\d+)"')
_EPOCH = date(1899, 12, 30)
_NUMERIC = frozenset(("date", "int", "number", "percent"))


def _serial(value: date) -> int:
    if isinstance(value, datetime):
        value = value.date()
    return (value - _EPOCH).days


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _cell(ref: str, style: bytes, kind: str, value: Any) -> str:
    s = f' s="{style.decode()}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if kind == "date" and isinstance(value, (date, datetime)):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if kind in ("int", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    if kind == "percent" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"{s}><v>{_number(value / 100)}</v></c>'
    text = fit(str(value))[0]  # written as text: never a formula, whatever it starts with; cut to a cell's limit
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _row_styles(sheet_xml: bytes) -> dict[str, bytes]:
    """Column letter → style id of the first prepared data row."""
    for m in _ROW.finditer(sheet_xml):
        if int(m.group(1)) == FIRST_DATA_ROW:
            styles = {}
            for c in _CELL.finditer(m.group(0)):
                style = _STYLE.search(c.group(2))
                styles[c.group(1).decode()] = style.group(1) if style else b""
            return styles
    return {}


def rows_xml(sheet: SheetSchema, rows: list[dict[str, Any]], styles: dict[str, bytes],
             letters: list[str]) -> list[bytes]:
    """One ``<row>`` per item (schema key → value), from ``FIRST_DATA_ROW`` on (each cell as
    :func:`_cell` writes it; the common cases inline, 28,000 rows at city scale)."""
    out = []
    columns = [(col.key, letter, styles.get(letter, b""), col.kind, col.width,
                max(int(col.width) - 1, 1) // 2)  # wide characters one line holds
               for col, letter in zip(sheet.columns, letters)]
    for offset, values in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        cells = []
        wrapping = []  # (text, width) of the cells that may take more than one line
        for key, letter, style, kind, width, fits in columns:
            value = values.get(key)
            if type(value) is str and value and kind not in _NUMERIC:
                text = fit(value)[0]  # as in _cell
                space = ' xml:space="preserve"' if text != text.strip() else ""
                s = f' s="{style.decode()}"' if style else ""
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                cells.append(f'<c r="{letter}{r}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                cells.append(_cell(f"{letter}{r}", style, kind, value))
            if isinstance(value, str) and value and (len(value) > fits or "\n" in value):  # else one line
                wrapping.append((value, width))
        points = row_height(wrapping) if wrapping else None
        height = f' ht="{points:g}" customHeight="1"' if points is not None else ""
        out.append(f'<row r="{r}"{height}>{"".join(cells)}</row>'.encode("utf-8"))
    return out


def fill_sheet(sheet_xml: bytes, sheet: SheetSchema, rows: list[dict[str, Any]]) -> bytes:
    """``sheet_xml`` (a prepared template sheet) with its first prepared rows replaced by ``rows``.

    The template must have at least ``len(rows)`` prepared rows (``templates.build_workbook``'s
    ``prepared_rows``)."""
    if not rows:
        return sheet_xml
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, len(sheet.columns) + 1)]
    new = rows_xml(sheet, rows, _row_styles(sheet_xml), letters)
    last = FIRST_DATA_ROW + len(rows) - 1
    pieces: list[bytes] = []
    pos = 0
    replaced = 0
    for m in _ROW.finditer(sheet_xml):
        r = int(m.group(1))
        if FIRST_DATA_ROW <= r <= last:
            pieces.append(sheet_xml[pos:m.start()])
            pieces.append(new[r - FIRST_DATA_ROW])
            pos = m.end()
            replaced += 1
        elif r > last:
            break
    if replaced != len(rows):
        raise ValueError(f"the template has {replaced} prepared rows for {len(rows)} items")
    pieces.append(sheet_xml[pos:])
    return b"".join(pieces)
