"""A merged period → what the store keeps of it (plain columns, ISO dates), and back.

The store keeps, per period: the accepted 走访记录 rows; every problem and task of the
period's ledger (reported this period or carried unchanged: ``updated`` 0) with its
state at the end of the period; each unit's 报送情况; the figures (``headline``: the
visits/problems/tasks blocks without their long lists, per unit; ``figures``: the whole
of 汇总数据.json, so that the report of any recorded period can be written again).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..merge.periods import headline
from ..model import META_FILE, META_NOTES, META_ROW, META_UNIT_CODE
from .store import PeriodRecord, table_columns

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Workspace

__all__ = ["headline", "period_record", "record_merged", "table_of"]  # headline: toolkit.merge.periods


def _plain(series: "pd.Series") -> list[Any]:
    """Values as the store keeps them: dates as ISO text, numbers as int/float, NA as None."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        text = np.datetime_as_string(days, unit="D").astype(object)
        text[np.isnat(days)] = None
        return text.tolist()
    if pd.api.types.is_bool_dtype(dtype):
        return [None if v is pd.NA else int(bool(v)) for v in series.astype(object).tolist()]
    if pd.api.types.is_integer_dtype(dtype):
        if series.hasnans:
            return [None if v is pd.NA else int(v) for v in series.astype(object).tolist()]
        return series.astype("int64").tolist()
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return [None if v != v else v for v in values.tolist()]
    out = series.tolist()
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):  # text and gaps: the gaps become None
        for i in np.flatnonzero(series.isna().to_numpy()).tolist():
            out[i] = None
        return out
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else
            (v.date().isoformat() if isinstance(v, datetime) else v) for v in out]


def table_of(key: str, df: "pd.DataFrame") -> dict[str, list[Any]]:
    """The store's columns of one merged table (``merge.add_computed_columns``'s output)."""
    n = len(df)
    sources = {
        "unit_code": META_UNIT_CODE, "unit": S.UNIT_KEY, "file": META_FILE, "row": META_ROW, "notes": META_NOTES,
        "first_period": S.FIRST_PERIOD_KEY,
    }
    out: dict[str, list[Any]] = {}
    for name in table_columns(key):
        if name == "period":
            continue
        if name == "updated":
            state = df["state"].tolist() if "state" in df.columns else [S.STATE_NEW] * n
            out[name] = [0 if s == S.STATE_STALE else 1 for s in state]
            continue
        source = sources.get(name, name)
        out[name] = _plain(df[source]) if source in df.columns else [None] * n
    for name in ("unit_code", "unit"):
        out[name] = ["" if v is None else str(v) for v in out[name]]
    if "file" in out:
        out["file"] = [v or None for v in out["file"]]
    return out


def period_record(ws: "Workspace", figures: dict[str, Any]) -> PeriodRecord:
    p = ws.period
    folders = {name: str(ws.folder(name).relative_to(ws.root)) for name in ws.folders}
    return PeriodRecord(code=p.code, name=p.name, start=p.start.isoformat(), end=p.end.isoformat(),
                        as_of=str(figures.get("as_of") or ws.reference_date().isoformat()),
                        folder=ws.period_folder, folders=folders, headline=headline(figures), figures=figures)


def record_merged(store, ws: "Workspace", details: "dict[str, pd.DataFrame]", figures: dict[str, Any]) -> None:
    """Record the merged period ``ws.period`` in ``store`` (one transaction; that period replaced)."""
    record_tables(store, ws, {key: table_of(key, details[key]) for key in S.SHEETS if key in details}, figures)


def record_tables(store, ws: "Workspace", tables: dict[str, dict[str, list[Any]]], figures: dict[str, Any]) -> None:
    """:func:`record_merged` of the tables already made by :func:`table_of` (``history.kept``)."""
    sub = figures.get("submission") or {}
    store.record_period(period_record(ws, figures), tables, list(sub.get("units") or []))
