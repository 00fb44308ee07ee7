"""THE accepted-rows table: the only place that decides its columns and their dtypes.

A table of sheet ``key`` has the schema columns in schema order (int → ``Int64``,
number and percent → ``Float64``, date → ``datetime64[ns]``, the rest ``object``), then,
when the schema keeps them, the extra columns of the files in order of first
appearance (``object``), then the META columns (``_unit``, ``_unit_code``, ``_file``,
``_notes`` object; ``_row`` int64).

Validation adds each file's accepted rows as columns (:func:`accepted_columns`);
:func:`accepted_table` builds the same table from row dicts (merge's inputs in tests,
an empty table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..model import META_COLUMNS, META_FILE, META_NOTES, META_ROW, META_UNIT, META_UNIT_CODE, FileData
from ..schema import FIRST_DATA_ROW, SHEETS, SheetSchema

if TYPE_CHECKING:
    import pandas as pd

    from .sheet import CheckedSheet

_EXTRA_PREFIX = "\x00extra:"  # marks an extra column in the accepted columns (never a header)


class Tables:
    """The accepted rows of every sheet, added file by file, and their tables."""

    def __init__(self) -> None:
        self.parts: dict[str, list[dict[str, list]]] = {key: [] for key in SHEETS}  # per file: columns

    def add_columns(self, key: str, columns: dict[str, list]) -> None:
        """One file's accepted rows of sheet ``key`` as columns (:func:`accepted_columns`)."""
        self.parts[key].append(columns)

    def add_rows(self, key: str, rows: Sequence[Mapping[str, Any]], *, unit: str = "", unit_code: str = "",
                 file: str = "", row_numbers: Iterable[int] | None = None,
                 notes: Sequence[str] | None = None) -> None:
        """One file's accepted rows of sheet ``key`` as dicts: schema column key (or extra
        header, when the schema keeps extra columns) → normalized value (``None`` when empty).
        ``row_numbers`` default to consecutive rows from the template's first data row;
        ``notes`` (提示 text per row) to empty."""
        schema = SHEETS[key]
        n = len(rows)
        columns: dict[str, list] = {col.key: [r.get(col.key) for r in rows] for col in schema.columns}
        if schema.allow_extra_columns:
            known = set(schema.keys) | set(META_COLUMNS)
            extra_keys: list[str] = []
            for r in rows:
                for k in r:
                    if k not in known and k not in extra_keys:
                        extra_keys.append(k)
            for k in extra_keys:
                columns[_EXTRA_PREFIX + k] = [r.get(k) for r in rows]
        columns[META_UNIT] = [unit] * n
        columns[META_UNIT_CODE] = [unit_code] * n
        columns[META_FILE] = [file] * n
        columns[META_ROW] = list(row_numbers) if row_numbers is not None else list(
            range(FIRST_DATA_ROW, FIRST_DATA_ROW + n))
        columns[META_NOTES] = list(notes) if notes is not None else [""] * n
        if len(columns[META_ROW]) != n or len(columns[META_NOTES]) != n:
            raise ValueError("row_numbers and notes need one entry per row")
        self.add_columns(key, columns)

    def tables(self) -> "dict[str, pd.DataFrame]":
        """Every sheet's table (empty ones included); the parts added are let go."""
        return {key: _table(SHEETS[key], self.parts.pop(key)) for key in list(self.parts)}


def accepted_table(key: str, rows: Sequence[Mapping[str, Any]] = (), **meta: Any) -> "pd.DataFrame":
    """The accepted-rows table of sheet ``key`` holding ``rows`` of one file
    (``meta``: ``unit``, ``unit_code``, ``file``, ``row_numbers``, ``notes`` of :meth:`Tables.add_rows`)."""
    tables = Tables()
    tables.add_rows(key, rows, **meta)
    return _table(SHEETS[key], tables.parts[key])


def empty_table(key: str) -> "pd.DataFrame":
    """The accepted-rows table of sheet ``key`` without rows."""
    return accepted_table(key)


def accepted_columns(fd: FileData, cs: "CheckedSheet", rejected_idx: list[int], notes: list[str]) -> dict[str, list]:
    """The accepted rows of a checked sheet as columns: schema keys, extra columns (when
    the schema keeps them), then the META columns."""
    schema = cs.schema
    n = cs.n
    if rejected_idx:
        drop = set(rejected_idx)
        keep = [i for i in range(n) if i not in drop]

        def take(col: Sequence) -> list:
            return [col[i] for i in keep]
    else:
        def take(col: Sequence) -> list:
            return list(col)

    out: dict[str, list] = {k: take(v) for k, v in cs.values.items()}
    if schema.allow_extra_columns:
        extras = cs.sheet.rows.extra
        if extras:
            known = set(schema.keys) | set(META_COLUMNS)
            extra_cols = {name: take(col) for name, col in extras.items()}
            firsts = []
            for pos, (name, col) in enumerate(extra_cols.items()):
                # a kept extra value overrides a schema value of the same name (as dict.update did)
                if name in schema.keys:
                    target = out[name]
                    for j, v in enumerate(col):
                        if v is not None:
                            target[j] = v
                    continue
                if name in known:
                    continue  # META columns are set below
                first = next((j for j, v in enumerate(col) if v is not None), None)
                if first is not None:
                    firsts.append((first, pos, name))
            # extra columns in order of first appearance (row by row, then left to right)
            for _first, _pos, name in sorted(firsts):
                out[_EXTRA_PREFIX + name] = extra_cols[name]
    m = n - len(rejected_idx)
    out[META_UNIT] = [fd.unit] * m
    out[META_UNIT_CODE] = [fd.unit_code] * m
    out[META_FILE] = [fd.rel] * m
    out[META_ROW] = take(cs.row_numbers)
    out[META_NOTES] = take(notes)
    return out


def _table(schema: SheetSchema, chunks: list[dict[str, list]]) -> "pd.DataFrame":
    """The accepted-rows table from the accepted columns of each file, in order."""
    import pandas as pd

    sizes = [len(c[META_ROW]) for c in chunks]

    def column(key: str) -> list:
        # each file's part is let go once copied (peak memory at a million rows)
        if len(chunks) == 1:
            col = chunks[0].pop(key, None)
            return col if col is not None else [None] * sizes[0]
        out: list = []
        for c, size in zip(chunks, sizes):
            col = c.pop(key, None)
            out.extend(col if col is not None else [None] * size)
        return out

    data: dict[str, Any] = {}
    for col in schema.columns:
        values = column(col.key)
        if col.kind == "int":
            data[col.key] = pd.array(values, dtype="Int64")
        elif col.kind in ("number", "percent"):
            data[col.key] = pd.array(values, dtype="Float64")
        elif col.kind == "date":
            data[col.key] = _datetime_series(values)
        else:
            data[col.key] = pd.Series(values, dtype=object)
    if schema.allow_extra_columns:
        extra_keys: list[str] = []
        for c in chunks:
            for k in c:
                if k.startswith(_EXTRA_PREFIX) and k not in extra_keys:
                    extra_keys.append(k)
        for k in extra_keys:
            data[k[len(_EXTRA_PREFIX):]] = pd.Series(column(k), dtype=object)
    data[META_UNIT] = pd.Series(column(META_UNIT), dtype=object)
    data[META_UNIT_CODE] = pd.Series(column(META_UNIT_CODE), dtype=object)
    data[META_FILE] = pd.Series(column(META_FILE), dtype=object)
    data[META_ROW] = pd.Series(column(META_ROW), dtype="int64")
    data[META_NOTES] = pd.Series(column(META_NOTES), dtype=object)
    return pd.DataFrame({k: (v.reset_index(drop=True) if hasattr(v, "reset_index") else v) for k, v in data.items()})


def _datetime_series(values: list) -> "pd.Series":
    """datetime64[ns] Series of dates (None → NaT); each distinct date converted once."""
    import numpy as np
    import pandas as pd

    nat = np.iinfo(np.int64).min
    try:
        ns = {v: nat if v is None else pd.Timestamp(v).as_unit("ns").value for v in dict.fromkeys(values)}
        arr = np.fromiter(map(ns.__getitem__, values), dtype=np.int64, count=len(values))
    except (TypeError, ValueError, OverflowError):  # not dates: let pandas decide, as before
        return pd.Series([pd.Timestamp(v) if v is not None else pd.NaT for v in values], dtype="datetime64[ns]")
    return pd.Series(arr.view("datetime64[ns]"))
