"""The raw rows of one worksheet: which column is which, merged cells, and which rows are data.

Columns are found by their headers (and aliases) in any order; unknown headers are kept as
extra columns, a second column with the same header is reported. Vertically merged cells of
the data area are filled with their top value (and reported). Empty rows, total rows (合计,
小计, …) and footer rows (注：, 填表人, …) are not data: the last two are listed as skipped.
The cells kept are stored column by column (:class:`toolkit.model.RawRows`).
"""

from __future__ import annotations

import re
from array import array
from operator import add, itemgetter, methodcaller
from typing import Any

from ..errors import column_letter, make_issue
from ..model import FileData, Issue, RawRows, SheetData, SkippedRow
from ..normalize import clean_text, is_blank
from ..schema import normalize_header
from .sheets import SheetMatch, header_lookup

__all__ = ["read_sheet"]

# Rows below the data that are not data: totals, notes, signatures.
_TOTAL_RE = re.compile(r"^[\s\u200b\ufeff]*(?:[合小总共累][\s\u200b]*计|汇[\s\u200b]*总)")
_TOTAL_FIRST = frozenset("合小总共累汇\u200b\ufeff")  # what a total row's first cell can start with (or a space)
_FOOTER_RE = re.compile(r"^(注[:：、1１一]|注$|说明[:：]|填表说明|填表人|填报人|制表人|审核人|审核|单位负责人|负责人|分管领导[:：]|主要负责人)")


def _cell(row: list[Any], idx: int) -> Any:
    if idx >= len(row):
        return None
    v = row[idx]
    if v == "" or v is None:
        return None
    return v


def read_sheet(
    fd: FileData,
    c: SheetMatch,
    rows: list[list[Any]],
    merged: list[tuple[int, int, int, int]],
    formulas: dict[tuple[int, int], str],
) -> SheetData:
    """The data of worksheet ``c`` (its cell values ``rows``, its ``merged`` ranges and its
    formula cells without value): columns, kept rows, skipped rows; issues go to ``fd``."""
    schema = c.schema
    lookup = header_lookup(schema)
    header = rows[c.header_idx] if c.header_idx < len(rows) else []
    columns: dict[str, int] = {}
    extra: dict[str, int] = {}
    issues: list[Issue] = []
    for idx, cell in enumerate(header):
        if is_blank(cell):
            continue
        shown = clean_text(cell)
        key = lookup.get(normalize_header(shown))
        if key is None:
            name = shown
            n = 2
            while name in extra:
                name = f"{shown}({n})"
                n += 1
            extra[name] = idx
            fate = "该列内容随数据保留" if schema.allow_extra_columns else "该列内容不会汇总"
            issues.append(make_issue("column-extra", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column=column_letter(idx), header=shown, fate=fate))
        elif key in columns:
            col = schema.column(key)
            issues.append(make_issue("column-duplicate", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column=column_letter(idx), column_key=key,
                                     header=col.header, first=column_letter(columns[key])))
        else:
            columns[key] = idx
    if "seq" not in columns and "id" in columns:
        # a unit's own layout numbers its rows under "编号": without a 序号 column that is the 序号
        columns["seq"] = columns.pop("id")

    # Fill vertically merged cells of the data area with their top value.
    first_data = c.header_idx + 1
    for r1, c1, r2, c2 in merged:
        if r2 <= r1 or r1 < first_data:
            continue
        while len(rows) <= r2:
            rows.append([])
        value = _cell(rows[r1], c1)
        if value is None:
            continue
        for r in range(r1 + 1, r2 + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            if row[c1] in ("", None):
                row[c1] = value
        key = next((k for k, i in columns.items() if i == c1), None)
        hdr = schema.column(key).header if key else ""
        ref = f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"
        issues.append(make_issue("merged-cells", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key, row=r1 + 1,
                                 column=column_letter(c1), column_key=key, header=hdr, value=value,
                                 range=ref))

    data = SheetData(sheet_key=schema.key, sheet_name=c.ws_name, header_row=c.header_idx + 1,
                     columns=columns, extra_columns=extra)
    first_cols = sorted(set(list(range(3)) + ([columns["seq"]] if "seq" in columns else [])))
    seq_idx = columns.get("seq", -1)
    formula_rows: dict[int, list[int]] = {}
    for (r, col), _f in formulas.items():
        formula_rows.setdefault(r, []).append(col)
    key_of_index = {i: k for k, i in columns.items()}
    kept: list[list[Any]] = []  # the data rows, in order
    numbers: list[int] = []  # their Excel row numbers
    body = rows[first_data:]
    lens = list(map(len, body))
    n_empty = list(map(add, map(_COUNT_EMPTY, body), map(_COUNT_NONE, body)))
    # Rows whose first cells may start a total row (合计, 小计, …): the rest cannot be one.
    suspects: set[int] = set()
    shortest = min(lens, default=0)
    for idx in first_cols:
        cells = map(itemgetter(idx), body) if idx < shortest else \
            (row[idx] if idx < len(row) else None for row in body)
        suspects.update(j for j, v in enumerate(cells)
                        if isinstance(v, str) and v and (v[0] in _TOTAL_FIRST or v[0].isspace()))
    for j, row in enumerate(body):
        if not row:
            continue
        i = first_data + j
        missing_formula = formula_rows.get(i) if formula_rows else None
        if missing_formula is None:
            if n_empty[j] == lens[j]:
                continue
            if all(v is None or (isinstance(v, str) and is_blank(v)) for v in row):
                continue
        n_nonblank = lens[j] - n_empty[j]
        if n_nonblank <= 3 or j in suspects:
            reason = _skip_reason(row, first_cols, n_nonblank)
            if reason:
                data.skipped.append(SkippedRow(i + 1, reason))
                continue
            if n_nonblank <= 1 and _only_seq(row, seq_idx):
                continue  # pre-numbered 序号 (or formulas without value) and nothing else: an empty row
        kept.append(row)
        numbers.append(i + 1)
        for col in missing_formula or ():
            key = key_of_index.get(col)
            if key is None:
                continue  # a formula in a column we do not read
            hdr = schema.column(key).header
            issues.append(make_issue("formula-no-value", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=i + 1, column=column_letter(col), column_key=key, header=hdr,
                                     value=formulas[(i, col)], formula=formulas[(i, col)]))
    data.rows = RawRows(numbers, _columns(kept, columns), _columns(kept, extra))

    for col in schema.columns:
        if col.required and col.key not in columns:
            issues.append(make_issue("column-missing", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column_key=col.key, header=col.header,
                                     rows=len(data.rows)))
    if not data.rows:
        issues.append(make_issue("no-data", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key))
    fd.issues.extend(issues)
    return data


def _columns(rows: list[list[Any]], index: dict[str, int]) -> dict[str, list[Any]]:
    """name -> the cells of column ``index[name]`` of ``rows`` ("" → None), in ``index`` order.

    Equal strings of a column share one object (the same spellings repeat row after row);
    a column of numbers only is an ``array("d")`` (a sequence of the same floats)."""
    if not index:
        return {}
    idxs = list(index.values())
    width = max(idxs) + 1
    if all(len(r) >= width for r in rows):  # calamine rows are rectangular
        if len(idxs) == 1:
            cols = [[r[idxs[0]] for r in rows]]
        else:
            cols = [list(t) for t in zip(*map(itemgetter(*idxs), rows))] if rows else [[] for _ in idxs]
    else:
        cols = [[r[i] if i < len(r) else None for r in rows] for i in idxs]
    out: dict[str, list[Any]] = {}
    for name, col in zip(index, cols):
        classes = set(map(type, col))
        if classes <= _STR_OR_NONE:  # text: one shared object per spelling, "" → None (C-level passes)
            shared: dict[Any, Any] = dict(zip(col, col))
            shared[""] = shared[None] = None
            out[name] = list(map(shared.__getitem__, col))
        elif str in classes:
            shared = {}
            out[name] = [None if v == "" else (shared.setdefault(v, v) if v.__class__ is str else v) for v in col]
        elif classes == _FLOAT and col:
            out[name] = array("d", col)  # numbers only (the usual 序号 and counts): 8 bytes a cell
        else:
            out[name] = col
    return out


def _only_seq(row: list[Any], seq_idx: int) -> bool:
    """True when the row's only non-blank cell is in the 序号 column (people number the
    rows down the sheet in advance); a formula without a cached value reads as blank."""
    for idx, v in enumerate(row):
        if idx == seq_idx or v is None or v == "":
            continue
        if isinstance(v, str) and is_blank(v):
            continue
        return False
    return True


_STR_OR_NONE = frozenset((str, type(None)))
_FLOAT = {float}
_COUNT_EMPTY = methodcaller("count", "")
_COUNT_NONE = methodcaller("count", None)


def _skip_reason(row: list[Any], first_cols: list[int], n_nonblank: int) -> str | None:
    """"合计行", "表尾说明行" or None for a row with ``n_nonblank`` non-blank cells."""
    n = len(row)
    for idx in first_cols:
        v = row[idx] if idx < n else None
        if isinstance(v, str) and v and (v[0] in _TOTAL_FIRST or v[0].isspace()) and _TOTAL_RE.match(v):
            return "合计行"
    if not 0 < n_nonblank <= 3:
        return None
    nonblank = [v for v in row if v != "" and v is not None]
    if 0 < len(nonblank) <= 3 and all(isinstance(v, str) for v in nonblank):
        if _FOOTER_RE.match(clean_text(nonblank[0]).replace(" ", "")):
            return "表尾说明行"
    return None
