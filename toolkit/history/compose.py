"""A period made of recorded ones — a year of quarters or months, a half-year — as a merge takes it.

``toolkit report --period 2022`` needs the figures of a period that was never merged as such.
Its rows come from the store: every 走访记录 row of its parts, and each problem and task once,
at its latest state within the parts (the last part's ledger holds every item still listed;
an item closed in an earlier part keeps the state it was closed with). The merge then computes
its figures like any period's (``toolkit.api.period_figures``), with its own 报送情况
(``submission.over_periods``) and the parts' 校验 counts summed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import META_FILE, META_NOTES, META_ROW, META_UNIT, META_UNIT_CODE, Period
from .carry import stored_values
from .store import PeriodRecord, Store

if TYPE_CHECKING:
    import pandas as pd

#: the 校验 counts of a period (``validation`` of 汇总数据.json), summed over the parts
VALIDATION_KEYS = ("files", "rows_read", "rows_accepted", "rows_rejected", "rows_skipped", "rows_superseded",
                   "errors", "hints")


def parts_of(store: Store, period: Period) -> list[PeriodRecord]:
    """The recorded periods inside ``period`` (other than itself), in time order."""
    start, end = period.start.isoformat(), period.end.isoformat()
    return [p for p in store.periods() if p.code != period.code and p.start >= start and p.end <= end]


def _accepted(key: str, cols: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Stored columns → the accepted-rows columns of sheet ``key`` (schema values, META columns)."""
    kinds = {c.key: c.kind for c in S.SHEETS[key].columns}
    n = len(cols["unit"])
    out = {k: stored_values(kind, cols[k]) if k in cols else [None] * n for k, kind in kinds.items()}
    out[META_UNIT] = list(cols["unit"])
    out[META_UNIT_CODE] = list(cols["unit_code"])
    out[META_FILE] = [f or "" for f in cols["file"]]
    out[META_ROW] = [int(r or 0) for r in cols["row"]]
    out[META_NOTES] = [t or "" for t in cols["notes"]]
    return out


def _latest(store: Store, key: str, parts: list[PeriodRecord]) -> dict[str, list[Any]]:
    """Each item of ``key`` once, at its latest state within ``parts`` (the last part's ledger first)."""
    out: dict[str, list[Any]] | None = None
    seen: set[str] = set()
    for part in reversed(parts):
        cols = store.columns(key, part.code)
        if out is None:
            out = {name: [] for name in cols}
        keep = [n for n, i in enumerate(cols["id"]) if i not in seen]
        seen.update(cols["id"][n] for n in keep)
        for name, values in cols.items():
            out[name] += [values[n] for n in keep]
    return out or {}


def composed_tables(store: Store, parts: list[PeriodRecord]) -> "dict[str, pd.DataFrame]":
    """The accepted-rows tables of a period made of ``parts``."""
    from ..validate.tables import Tables

    tables = Tables()
    for key in S.SHEETS:
        if key in S.ITEM_SHEETS:
            cols = _latest(store, key, parts)
            if cols and cols["id"]:
                tables.add_columns(key, _accepted(key, cols))
            continue
        for part in parts:
            cols = store.columns(key, part.code)
            if cols["unit"]:
                tables.add_columns(key, _accepted(key, cols))
    return tables.tables()


def composed_validation(parts: list[PeriodRecord]) -> dict[str, int]:
    """The 校验 counts of the parts, summed."""
    return {k: sum(int((p.headline.get("validation") or {}).get(k) or 0) for p in parts) for k in VALIDATION_KEYS}


def last_as_of(parts: list[PeriodRecord]) -> date:
    return date.fromisoformat(parts[-1].as_of)
