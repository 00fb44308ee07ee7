"""The period's ledger: computed columns of the merged tables (编号, 本期情况, 是否逾期, 逾期天数, 亮灯, 序时进度,
进度评价), the items carried unchanged from the previous period, and the row order.

The columns are declared in the schema (``schema.COMPUTED_COLUMNS``, ``schema.UNIT_KEY``);
this module computes them. Every step works on whole columns (a Python loop only over
distinct units, files or values); the input tables are not modified.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import (
    META_COLUMNS,
    META_FILE,
    META_ROW,
    META_UNIT,
    META_UNIT_CODE,
    Carried,
    History,
    Period,
    Unit,
    UnitIndex,
)
from .frames import col, factorize, factorize_pairs, int_array, isna, lookup, ranks

if TYPE_CHECKING:
    import pandas as pd


def add_computed_columns(
    tables: "dict[str, pd.DataFrame]",
    as_of: date,
    units: list[Unit],
    *,
    period: Period | None = None,
    carried: Carried | None = None,
    history: History | None = None,
) -> "dict[str, pd.DataFrame]":
    """The period's ledger: copies of the accepted-row tables, in a stable order, with the computed columns.

    问题清单 and 任务清单 also hold every item ``carried`` from the previous period that the
    units did not report again: with its last known state, no source file, and 本期情况
    ``未更新`` — nothing open is lost between periods. Rows are ordered by unit (configured
    order, then unknown units by name), then the unit's reported rows by source file and
    row, then its items carried unchanged in their earlier order.

    Every table gets ``UNIT_KEY`` (the unit's display name). Items get their 编号 (``id``:
    kept for a carried item, given now to a new one: unit code, or the unit name when the
    code is empty, ``-`` period, ``-P``/``-T`` + 序号; unique in the workspace), 本期情况
    (``state``) and ``_first_period``. 问题清单: ``overdue`` 是否逾期 ("是"/"否"),
    ``days_overdue`` 逾期天数 (NA when not overdue), ``light`` 亮灯 (红/黄/绿). 任务清单:
    ``light``, ``schedule`` 序时进度 (0–100, one decimal; NA without 完成时限), ``schedule_class``
    进度评价 (``schema.SCHEDULE_CLASSES``), and ``days_overdue`` for 红灯清单. A task without
    开始日期 is planned from the start of the period it was first listed in (``history.starts``;
    ``period`` for a new one): ``schema.PLANNED_START_KEY``. An open item whose light was 红 at the
    end of the previous period (``history``) and would be 绿 now shows 黄 (docs/figures.md).
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
        stale = np.zeros(len(df), dtype=bool)
        if key in S.ITEM_SHEETS and carried:
            df, stale = _with_stale_items(df, key, carried)
        pair_codes, pairs = factorize_pairs(df[META_UNIT], df[META_UNIT_CODE])
        display = [index.display(n, c) for n, c in pairs]
        prefix = [index.code(n, c) or d for (n, c), d in zip(pairs, display)]
        # Stable order: unit, reported before carried unchanged, file, row (ties keep the input order).
        unit_rank = ranks([index.sort_key(d) for d in display])[pair_codes]
        file_codes, file_values = factorize(df[META_FILE])
        file_rank = ranks(["" if isna(f) else str(f) for f in file_values] + [""])[file_codes]
        row_key = int_array(df[META_ROW], missing=-1)
        positions = np.lexsort((row_key, file_rank, stale, unit_rank))
        if not (positions == np.arange(len(positions))).all():
            df = df.take(positions)
            pair_codes = pair_codes[positions]
            stale = stale[positions]
        df = df.reset_index(drop=True)
        df[S.UNIT_KEY] = pd.Series(np.asarray(display + [""], dtype=object)[pair_codes], index=df.index,
                                   dtype=object)
        if key in S.ITEM_SHEETS:
            _item_columns(df, key, np.asarray(prefix + [""], dtype=object)[pair_codes], stale, period, carried)
        if key == "problems":
            df = _problem_columns(df, as_of_ts)
        elif key == "tasks":
            df = _task_columns(df, as_of_ts, period, history.starts if history else {})
        if key in S.ITEM_SHEETS and history:
            _light_memory(df, key, history)
        out[key] = df
    return out


STALE_NOTE = "本期报送中没有这一条，按上期状态结转（未更新）"


def _with_stale_items(df: "pd.DataFrame", key: str, carried: Carried) -> "tuple[pd.DataFrame, Any]":
    """``df`` with the carried items that no accepted row reports again appended (and their mask)."""
    import numpy as np
    import pandas as pd

    from ..validate import Tables

    reported = {v for v in df["id"].tolist() if not isna(v)} if len(df) else set()
    items = carried.open.get(key, {})
    stale_ids = [i for i in items if i not in reported]
    if not stale_ids:
        return df, np.zeros(len(df), dtype=bool)
    keys = S.SHEETS[key].keys
    tables = Tables()
    by_unit: dict[tuple[str, str], list[str]] = {}
    for item_id in stale_ids:
        item = items[item_id]
        by_unit.setdefault((item.get("unit") or "", item.get("unit_code") or ""), []).append(item_id)
    for (unit, code), ids in by_unit.items():
        rows = [{k: items[i].get(k) for k in keys} for i in ids]
        for row, item_id in zip(rows, ids):
            row["id"] = item_id
        tables.add_rows(key, rows, unit=unit, unit_code=code, file="", row_numbers=[0] * len(rows),
                        notes=[STALE_NOTE] * len(rows))
    extra = tables.tables()[key]
    combined = pd.concat([df, extra[[c for c in df.columns if c in extra.columns]]], ignore_index=True)
    stale = np.zeros(len(combined), dtype=bool)
    stale[len(df):] = True
    return combined, stale


def period_token(period: Period | None) -> str:
    """The period part of a 编号: ``2022Q1``, ``202205``, ``2022H1``, ``2022``."""
    return period.code.replace("-", "") if period is not None else ""


def _item_columns(df: "pd.DataFrame", key: str, prefixes: "Any", stale: "Any", period: Period | None,
                  carried: Carried | None) -> None:
    """编号 for new items, 本期情况 and the first period of every item (in place)."""
    import numpy as np
    import pandas as pd

    ids = df["id"].tolist()
    new = np.asarray([isna(v) for v in ids], dtype=bool)
    token = period_token(period)
    letter = S.ID_LETTERS[key]
    seq = col(df, "seq")
    seq_na = seq.isna().to_numpy(dtype=bool)
    seq_int = int_array(seq)
    rows = int_array(df[META_ROW])
    taken = {v for v, n in zip(ids, new.tolist()) if not n}
    for i in np.flatnonzero(new).tolist():
        head = f"{prefixes[i]}-{token}-{letter}" if token else f"{prefixes[i]}-{letter}"
        base = f"{head}R{rows[i]}" if seq_na[i] else f"{head}{seq_int[i]:03d}"
        candidate, n = base, 1
        while candidate in taken:  # two files of one unit, or a clash with a carried 编号: keep each unique
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        ids[i] = candidate
    df["id"] = pd.Series(ids, index=df.index, dtype=object)
    state = np.where(new, S.STATE_NEW, np.where(stale, S.STATE_STALE, S.STATE_UPDATED)).astype(object)
    df["state"] = pd.Series(state, index=df.index, dtype=object)
    issued = carried.issued.get(key, {}) if carried is not None else {}
    this = period.code if period is not None else ""
    first = [this if n else (issued[v][1] if v in issued else this) for v, n in zip(ids, new.tolist())]
    df[S.FIRST_PERIOD_KEY] = pd.Series(first, index=df.index, dtype=object)


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


def _problem_columns(df: "pd.DataFrame", as_of: "pd.Timestamp") -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(col(df, "deadline"))
    closed = col(df, "status").isin(S.CLOSED_STATUSES).fillna(False).to_numpy(dtype=bool)
    days_left = _days(deadline - as_of)  # negative when overdue
    has_deadline = deadline.notna().to_numpy(dtype=bool)
    overdue = has_deadline & (deadline < as_of).fillna(False).to_numpy(dtype=bool) & ~closed
    yellow = has_deadline & ~closed & ~overdue & (np.nan_to_num(days_left, nan=np.inf) <= S.YELLOW_DAYS)
    df["overdue"] = pd.Series(np.where(overdue, S.YES, S.NO).astype(object), index=df.index, dtype=object)
    days = pd.array(np.where(overdue, -np.nan_to_num(days_left), 0).astype(np.int64), dtype="Int64")
    days[~overdue] = pd.NA
    df["days_overdue"] = days
    df["light"] = pd.Series(np.where(overdue, S.RED, np.where(yellow, S.YELLOW, S.GREEN)).astype(object),
                            index=df.index, dtype=object)
    return df


def _first_starts(df: "pd.DataFrame", period: Period | None, starts: dict[str, str]) -> "pd.Series":
    """The start of the period each item was first listed in (NaT when unknown)."""
    import pandas as pd

    known = dict(starts)
    if period is not None:
        known[period.code] = period.start.isoformat()
    codes, firsts = factorize(col(df, S.FIRST_PERIOD_KEY))
    table = [pd.Timestamp(known[c]) if isinstance(c, str) and c in known else pd.NaT for c in firsts] + [pd.NaT]
    return pd.Series(pd.DatetimeIndex(table).take(codes), index=df.index)


def _task_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", period: Period | None,
                  starts: dict[str, str]) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(col(df, "deadline"))
    start = _dates(col(df, "start_date")).fillna(_first_starts(df, period, starts))
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
    days = pd.array(np.where(red, overdue_days, 0), dtype="Int64")
    days[~red] = pd.NA
    df["days_overdue"] = days
    df["light"] = pd.Series(np.where(red, S.RED, np.where(yellow, S.YELLOW, S.GREEN)).astype(object),
                            index=df.index, dtype=object)
    # 序时进度 in tenths of a percent, rounded half-up; the class compares the progress with it as shown
    planned = ~no_deadline & ~no_start
    tenths = (2000 * share_num + share_den) // (2 * share_den)
    schedule = pd.array(tenths / 10, dtype="Float64")
    schedule[~planned] = pd.NA
    df["schedule"] = schedule
    margin = 10 * S.SCHEDULE_TOLERANCE
    shown = np.round(prog * 10, 6)
    behind = red | (planned & (shown < tenths - margin))
    ahead = planned & ~red & (shown > tenths + margin)
    klass = np.where(done, S.SCHEDULE_DONE, np.where(behind, S.SCHEDULE_BEHIND,
                                                      np.where(ahead, S.SCHEDULE_AHEAD, S.SCHEDULE_ON)))
    df["schedule_class"] = pd.Series(klass.astype(object), index=df.index, dtype=object)
    df[S.PLANNED_START_KEY] = start
    return df


def _light_memory(df: "pd.DataFrame", key: str, history: History) -> None:
    """An open item 红 at the end of the previous period that would be 绿 now shows 黄 (in place)."""
    import numpy as np
    import pandas as pd

    before = history.states.get(key, {}).get(history.lights_code)
    if not before or not len(df) or not before.get("id"):
        return
    was = lookup(before["id"], before["light"], df["id"])
    status = col(df, "status")
    closed = (status.isin(S.CLOSED_STATUSES) if key == "problems" else status == S.TASK_DONE).fillna(False)
    light = df["light"].to_numpy(dtype=object)
    caught_up = (was == S.RED) & (light == S.GREEN) & ~closed.to_numpy(dtype=bool)
    if caught_up.any():
        df["light"] = pd.Series(np.where(caught_up, S.YELLOW, light).astype(object), index=df.index, dtype=object)
