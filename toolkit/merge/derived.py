"""The computed columns of the merged tables (问题编号, 是否逾期, 逾期天数, 亮灯, task ids) and their row order.

The columns are declared in the schema (``schema.COMPUTED_COLUMNS``, ``schema.UNIT_KEY``);
this module computes them. Every step works on whole columns (a Python loop only over
distinct units, files or values); the input tables are not modified.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import META_COLUMNS, META_FILE, META_ROW, META_UNIT, META_UNIT_CODE, Period, Unit, UnitIndex
from .frames import col, factorize, factorize_pairs, int_array, isna, ranks

if TYPE_CHECKING:
    import pandas as pd


def add_computed_columns(
    tables: "dict[str, pd.DataFrame]",
    as_of: date,
    units: list[Unit],
    *,
    period: Period | None = None,
) -> "dict[str, pd.DataFrame]":
    """Copies of the accepted-row tables, in a stable order, with the computed columns.

    Rows are ordered by unit (configured order, then unknown units by name), source
    file and source row, so the output does not depend on the order files were read.

    Every table gets ``UNIT_KEY`` (the unit's display name). 问题清单: ``problem_id``
    问题编号 (unit code, or the unit name when the code is empty, + "-" + 序号; unique
    across units), ``overdue`` 是否逾期 ("是"/"否"), ``days_overdue`` 逾期天数 (NA when
    not overdue), ``light`` 亮灯 (红/黄/绿). 任务清单: ``light`` 亮灯, plus ``task_id`` and
    ``days_overdue`` for 红灯清单. ``period`` gives the start used when a task has no 开始日期.
    """
    import numpy as np
    import pandas as pd

    index = UnitIndex(units)
    as_of_ts = pd.Timestamp(as_of)
    out: dict[str, pd.DataFrame] = {}
    for key in S.SHEETS:
        df = tables.get(key)
        if df is None:
            from ..validate import empty_table

            df = empty_table(key)
        df = df.copy(deep=False)  # new columns go to the copy only
        for name in (*META_COLUMNS, *S.SHEETS[key].keys):
            if name not in df.columns:
                df[name] = pd.Series([pd.NA] * len(df), index=df.index, dtype=object)
        pair_codes, pairs = factorize_pairs(df[META_UNIT], df[META_UNIT_CODE])
        display = [index.display(n, c) for n, c in pairs]
        prefix = [index.code(n, c) or d for (n, c), d in zip(pairs, display)]
        # Stable order: unit, file, row (ties keep the input order).
        unit_rank = ranks([index.sort_key(d) for d in display])[pair_codes]
        file_codes, file_values = factorize(df[META_FILE])
        file_rank = ranks(["" if isna(f) else str(f) for f in file_values] + [""])[file_codes]
        row_key = int_array(df[META_ROW], missing=-1)
        positions = np.lexsort((row_key, file_rank, unit_rank))
        if not (positions == np.arange(len(positions))).all():
            df = df.take(positions)
            pair_codes = pair_codes[positions]
        df = df.reset_index(drop=True)
        df[S.UNIT_KEY] = pd.Series(np.asarray(display + [""], dtype=object)[pair_codes], index=df.index,
                                   dtype=object)
        ids = _ids(df, np.asarray(prefix + [""], dtype=object)[pair_codes])
        if key == "problems":
            df = _problem_columns(df, as_of_ts, ids)
        elif key == "tasks":
            df = _task_columns(df, as_of_ts, ids, period)
        out[key] = df
    return out


def _ids(df: "pd.DataFrame", prefixes: "Any") -> list[str]:
    """问题编号/task ids: prefix + "-" + 序号 (R + source row without one); repeats get -2, -3…"""
    seq = col(df, "seq")
    seq_na = seq.isna().to_numpy(dtype=bool)
    seq_int = int_array(seq)
    rows = int_array(df[META_ROW])
    bases = [f"{p}-R{r}" if na else f"{p}-{n}"
             for p, n, r, na in zip(prefixes.tolist(), seq_int.tolist(), rows.tolist(), seq_na.tolist())]
    if len(set(bases)) == len(bases):
        return bases
    seen: set[str] = set()
    ids: list[str] = []
    for base in bases:
        candidate, n = base, 1
        while candidate in seen:  # two files of one unit: keep every 编号 unique
            n += 1
            candidate = f"{base}-{n}"
        seen.add(candidate)
        ids.append(candidate)
    return ids


def _dates(series: "pd.Series") -> "pd.Series":
    import pandas as pd

    return pd.to_datetime(series, errors="coerce")


def _days(delta: "pd.Series") -> "Any":
    """Whole days (floored, as ``Timedelta.days``) as float64 with NaN for NaT."""
    import numpy as np

    ns = delta.to_numpy(dtype="timedelta64[ns]")
    nat = np.isnat(ns)
    days = np.floor_divide(ns.view(np.int64), 86_400 * 10**9).astype(np.float64)
    days[nat] = np.nan
    return days


def _problem_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", ids: list[str]) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(col(df, "deadline"))
    closed = col(df, "status").isin(S.CLOSED_STATUSES).fillna(False).to_numpy(dtype=bool)
    days_left = _days(deadline - as_of)  # negative when overdue
    has_deadline = deadline.notna().to_numpy(dtype=bool)
    overdue = has_deadline & (deadline < as_of).fillna(False).to_numpy(dtype=bool) & ~closed
    yellow = has_deadline & ~closed & ~overdue & (np.nan_to_num(days_left, nan=np.inf) <= S.YELLOW_DAYS)
    df["problem_id"] = pd.Series(ids, index=df.index, dtype=object)
    df["overdue"] = pd.Series(np.where(overdue, S.YES, S.NO).astype(object), index=df.index, dtype=object)
    days = pd.array(np.where(overdue, -np.nan_to_num(days_left), 0).astype(np.int64), dtype="Int64")
    days[~overdue] = pd.NA
    df["days_overdue"] = days
    df["light"] = pd.Series(np.where(overdue, S.RED, np.where(yellow, S.YELLOW, S.GREEN)).astype(object),
                            index=df.index, dtype=object)
    return df


def _task_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", ids: list[str], period: Period | None) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(col(df, "deadline"))
    start = _dates(col(df, "start_date"))
    if period is not None:
        start = start.fillna(pd.Timestamp(period.start))
    done = (col(df, "status") == S.TASK_DONE).fillna(False).to_numpy(dtype=bool)
    progress = pd.to_numeric(col(df, "progress"), errors="coerce").astype("Float64").fillna(0.0)
    prog = progress.to_numpy(dtype=np.float64, na_value=0.0)
    no_deadline = deadline.isna().to_numpy(dtype=bool)
    no_start = start.isna().to_numpy(dtype=bool)
    green = no_deadline | done
    red = ~green & (deadline < as_of).fillna(False).to_numpy(dtype=bool)
    overdue_days = np.nan_to_num(_days(as_of - deadline)).astype(np.int64)
    span = np.nan_to_num(_days(deadline - start)).astype(np.int64)
    elapsed = np.nan_to_num(_days(as_of - start)).astype(np.int64)
    positive = span > 0
    share_num = np.where(positive, np.minimum(np.maximum(elapsed, 0), span), (elapsed >= span).astype(np.int64))
    share_den = np.where(positive, span, 1)
    # progress% < elapsed share → lags behind the time schedule
    lagging = prog * share_den.astype(np.float64) < 100 * share_num.astype(np.float64)
    yellow = ~green & ~red & ~no_start & lagging
    df["task_id"] = pd.Series(ids, index=df.index, dtype=object)
    days = pd.array(np.where(red, overdue_days, 0), dtype="Int64")
    days[~red] = pd.NA
    df["days_overdue"] = days
    df["light"] = pd.Series(np.where(red, S.RED, np.where(yellow, S.YELLOW, S.GREEN)).astype(object),
                            index=df.index, dtype=object)
    return df
