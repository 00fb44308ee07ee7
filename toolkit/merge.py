"""Merge: computed columns, statistics (the figures dict) and the merged outputs.

    ValidationResult ─▶ add_computed_columns ─▶ compute figures ─▶ 汇总表.xlsx + 汇总数据.json

The figures dict follows ``docs/figures.md`` exactly; every number shown on the
统计 sheets of 汇总表.xlsx and quoted by the Word report comes from it.
Everything in it is a plain Python value (int, float, str, bool, None, list,
dict) so that it can be written as JSON as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring as _encode_str  # the C function json.dumps uses
from decimal import MAX_PREC, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import schema as S
from .io import atomic_path
from .model import (
    ERROR,
    META_COLUMNS,
    META_FILE,
    META_ROW,
    META_UNIT,
    META_UNIT_CODE,
    UNKNOWN_UNIT,
    FileReport,
    MergeOutcome,
    Period,
    Unit,
    ValidationResult,
)

if TYPE_CHECKING:
    import pandas as pd

_INF = float("inf")
FIGURES_FORMAT = "toolkit.figures/1"
WORKBOOK_NAME = "汇总表.xlsx"
FIGURES_NAME = "汇总数据.json"

RED, YELLOW, GREEN = "红", "黄", "绿"
LIGHTS = (RED, YELLOW, GREEN)
YES, NO = "是", "否"
YELLOW_DAYS = 7  # a problem ≤ this many days before its 办理时限 gets 黄
TASK_DONE = "已完成"
KEY_TASK = "重点任务"

# Computed columns shown on the detail sheets: sheet key -> ((column key, header, kind, width), ...).
COMPUTED_COLUMNS: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "visits": (),
    "problems": (
        ("problem_id", "问题编号", "text", 10),
        ("overdue", "是否逾期", "text", 8),
        ("days_overdue", "逾期天数", "int", 8),
        ("light", "亮灯", "light", 6),
    ),
    "tasks": (("light", "亮灯", "light", 6),),
}
# Computed but not shown on the detail sheet (used by 红灯清单).
HIDDEN_COMPUTED = {"tasks": ("task_id", "days_overdue")}
# Internal helper column: the unit's display name (configured name when matched).
UNIT_KEY = "_unit_name"
_EXACT_LIMIT = Decimal(10) ** 28  # partial sums below this (in units of the last place) are exact


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a percentage rounded half-up to one decimal; None when 0/0."""
    if not denominator:
        return None
    value = Decimal(int(numerator)) * 100 / Decimal(int(denominator))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def round1(value: Any) -> float | None:
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean1(values: Any) -> float | None:
    if not len(values):
        return None
    total = _decimal_sum(values)
    return float((total / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _decimal_sum(values: Any) -> Decimal:
    """``sum(Decimal(repr(float(v))) for v in values)`` from ``Decimal(0)``, as the plain loop computes it.

    Values repeat (progress 0/50/100, the same 成果数值), so each distinct value is
    converted once and multiplied by its count. That gives the loop's result whenever no
    partial sum needs more than the context's 28 digits (then every addition is exact,
    in any order); otherwise the loop runs as it is.
    """
    import numpy as np

    floats = [float(v) for v in values] if not isinstance(values, np.ndarray) else values.astype(np.float64)
    array = np.asarray(floats, dtype=np.float64)
    if len(array) and np.isfinite(array).all():
        distinct, counts = np.unique(array, return_counts=True)
        terms = [(Decimal(repr(v)), c) for v, c in zip(distinct.tolist(), counts.tolist())]
        places = max(0, max(-t.as_tuple().exponent for t, _ in terms))
        with localcontext() as ctx:
            ctx.prec = MAX_PREC
            bound = sum((abs(t) * c for t, c in terms), Decimal(0))
            if bound.scaleb(places) < _EXACT_LIMIT:
                total = Decimal(0)
                for t, c in terms:
                    total += t * c
                return total
    return sum((Decimal(repr(float(v))) for v in array.tolist()), Decimal(0))


def _isna(value: Any) -> bool:
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes
        return False


def _text(value: Any) -> str:
    return "" if _isna(value) else str(value).strip()


def _iso(value: Any) -> str | None:
    if _isna(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _int(value: Any) -> int:
    return 0 if _isna(value) else int(value)


def _plain_number(value: Decimal) -> int | float:
    """int when whole, else float rounded to 2 decimals."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _empty_table(sheet_key: str) -> "pd.DataFrame":
    import pandas as pd

    sheet = S.SHEETS[sheet_key]
    data: dict[str, Any] = {}
    for col in sheet.columns:
        if col.kind == "int":
            data[col.key] = pd.Series([], dtype="Int64")
        elif col.kind in ("number", "percent"):
            data[col.key] = pd.Series([], dtype="Float64")
        elif col.kind == "date":
            data[col.key] = pd.Series([], dtype="datetime64[ns]")
        else:
            data[col.key] = pd.Series([], dtype=object)
    for meta in META_COLUMNS:
        data[meta] = pd.Series([], dtype="Int64" if meta == META_ROW else object)
    return pd.DataFrame(data)


def _col(df: "pd.DataFrame", key: str) -> "pd.Series":
    import pandas as pd

    if key in df.columns:
        return df[key]
    return pd.Series([pd.NA] * len(df), index=df.index, dtype=object)


def _texts(series: "pd.Series") -> list[str]:
    """``_text`` of every value (each distinct text stripped once)."""
    import numpy as np

    codes, uniques = _factorize(series)
    if all(isinstance(u, str) for u in uniques):
        table = np.asarray([u.strip() for u in uniques] + [""], dtype=object)
        return table[codes].tolist()
    return [_text(v) for v in series.tolist()]


def _isos(series: "pd.Series") -> list[str | None]:
    """``_iso`` of every value."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_dtype(series.dtype):
        days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        text = np.datetime_as_string(days, unit="D").astype(object)
        ok = ~np.isnat(days) & (days >= np.datetime64("1000-01-01")) & (days <= np.datetime64("9999-12-31"))
        if ok.all():
            return text.tolist()
        return [t if good else _iso(v) for t, good, v in zip(text.tolist(), ok.tolist(), series.tolist())]
    return [_iso(v) for v in series.tolist()]


def _floats(series: "pd.Series") -> list[float | None]:
    """``None if _isna(v) else float(v)`` of every value."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_float_dtype(series.dtype) or (
            pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return [None if v != v else v for v in values.tolist()]
    return [None if _isna(v) else float(v) for v in series.tolist()]


def _mask(series: "pd.Series") -> "Any":
    """A boolean series (NA → False) as a numpy array."""
    return series.fillna(False).to_numpy(dtype=bool) if series.hasnans else series.to_numpy(dtype=bool)


def _equal(series: "pd.Series", value: Any) -> "Any":
    return _mask(series == value)


class _UnitIndex:
    """Resolves the unit names/codes found in files to the configured units."""

    def __init__(self, units: list[Unit]):
        self.units = list(units)
        self.by_code = {u.code: u for u in units if u.code}
        self.by_name: dict[str, Unit] = {}
        for u in units:
            self.by_name[u.name] = u
            for alias in u.aliases:
                self.by_name.setdefault(alias, u)
        self.order = {u.name: i for i, u in enumerate(units)}

    def find(self, name: Any, code: Any = "") -> Unit | None:
        code = _text(code)
        if code and code in self.by_code:
            return self.by_code[code]
        return self.by_name.get(_text(name))

    def display(self, name: Any, code: Any = "") -> str:
        unit = self.find(name, code)
        if unit is not None:
            return unit.name
        return _text(name) or UNKNOWN_UNIT

    def code(self, name: Any, code: Any = "") -> str:
        unit = self.find(name, code)
        if unit is not None:
            return unit.code
        return _text(code)

    def sort_key(self, display_name: str) -> tuple[int, int, str]:
        if display_name in self.order:
            return (0, self.order[display_name], "")
        return (1, 1 if display_name == UNKNOWN_UNIT else 0, display_name)


# ---------------------------------------------------------------------------
# Computed columns
# ---------------------------------------------------------------------------


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

    问题清单: ``problem_id`` 问题编号 (unit code, or the unit name when the code is
    empty, + "-" + 序号; unique across units), ``overdue`` 是否逾期 ("是"/"否"),
    ``days_overdue`` 逾期天数 (NA when not overdue), ``light`` 亮灯 (红/黄/绿).
    任务清单: ``light`` 亮灯, plus ``task_id`` and ``days_overdue`` for 红灯清单.
    ``period`` gives the start used when a task has no 开始日期.

    Every step works on whole columns (a Python loop only over distinct units, files
    or values); the input tables are not modified.
    """
    import numpy as np
    import pandas as pd

    index = _UnitIndex(units)
    as_of_ts = pd.Timestamp(as_of)
    out: dict[str, pd.DataFrame] = {}
    for key in S.SHEETS:
        df = tables.get(key)
        if df is None:
            df = _empty_table(key)
        df = df.copy(deep=False)  # new columns go to the copy only
        for col in (*META_COLUMNS, *S.SHEETS[key].keys):
            if col not in df.columns:
                df[col] = pd.Series([pd.NA] * len(df), index=df.index, dtype=object)
        pair_codes, pairs = _factorize_pairs(df[META_UNIT], df[META_UNIT_CODE])
        display = [index.display(n, c) for n, c in pairs]
        prefix = [index.code(n, c) or d for (n, c), d in zip(pairs, display)]
        # Stable order: unit, file, row (ties keep the input order).
        unit_rank = _ranks([index.sort_key(d) for d in display])[pair_codes]
        file_codes, file_values = _factorize(df[META_FILE])
        file_rank = _ranks(["" if _isna(f) else str(f) for f in file_values] + [""])[file_codes]
        row_key = _int_array(df[META_ROW], missing=-1)
        positions = np.lexsort((row_key, file_rank, unit_rank))
        if not (positions == np.arange(len(positions))).all():
            df = df.take(positions)
            pair_codes = pair_codes[positions]
        df = df.reset_index(drop=True)
        df[UNIT_KEY] = pd.Series(np.asarray(display + [""], dtype=object)[pair_codes], index=df.index, dtype=object)
        ids = _ids(df, np.asarray(prefix + [""], dtype=object)[pair_codes])
        if key == "problems":
            df = _problem_columns(df, as_of_ts, ids)
        elif key == "tasks":
            df = _task_columns(df, as_of_ts, ids, period)
        out[key] = df
    return out


def _factorize(series: "pd.Series") -> "tuple[Any, list[Any]]":
    """Codes (NA → len(uniques)) and the distinct values, in order of appearance."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    uniques = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, uniques


def _factorize_pairs(a: "pd.Series", b: "pd.Series") -> "tuple[Any, list[tuple[Any, Any]]]":
    """Codes of the (a, b) pairs and the distinct pairs (NA as None); the last code is unused."""
    import numpy as np
    import pandas as pd

    ca, ua = _factorize(a)
    cb, ub = _factorize(b)
    combined = ca * (len(ub) + 1) + cb
    codes, firsts = pd.factorize(combined)
    codes = np.asarray(codes, dtype=np.int64)
    ua_na, ub_na = ua + [None], ub + [None]
    pairs = [(ua_na[int(k) // (len(ub) + 1)], ub_na[int(k) % (len(ub) + 1)]) for k in np.asarray(firsts).tolist()]
    return codes, pairs


def _ranks(keys: list[Any]) -> "Any":
    """Rank of each key in sorted order (equal keys share a rank)."""
    import numpy as np

    order = sorted(set(keys))
    rank = {k: i for i, k in enumerate(order)}
    return np.asarray([rank[k] for k in keys], dtype=np.int64)


def _int_array(series: "pd.Series", missing: int = 0) -> "Any":
    """``int(v)`` per value (``missing`` for NA) as an int64 array."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if series.hasnans:
            series = series.fillna(missing)
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        mask = np.isnan(values)
        if np.isfinite(values[~mask]).all():
            return np.where(mask, missing, np.trunc(np.where(mask, 0.0, values)).astype(np.int64))
    # anything else: exactly as int() does it (and fails where int() fails)
    return np.asarray([missing if _isna(v) else int(v) for v in series.tolist()], dtype=np.int64)


def _ids(df: "pd.DataFrame", prefixes: "Any") -> list[str]:
    """问题编号/task ids: prefix + "-" + 序号 (R + source row without one); repeats get -2, -3…"""
    seq = _col(df, "seq")
    seq_na = seq.isna().to_numpy(dtype=bool)
    seq_int = _int_array(seq)
    rows = _int_array(df[META_ROW])
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
    mask = np.isnat(ns)
    days = np.floor_divide(ns.view(np.int64), 86_400 * 10**9).astype(np.float64)
    days[mask] = np.nan
    return days


def _problem_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", ids: list[str]) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(_col(df, "deadline"))
    closed = _col(df, "status").isin(S.CLOSED_STATUSES).fillna(False).to_numpy(dtype=bool)
    days_left = _days(deadline - as_of)  # negative when overdue
    has_deadline = deadline.notna().to_numpy(dtype=bool)
    overdue = has_deadline & (deadline < as_of).fillna(False).to_numpy(dtype=bool) & ~closed
    yellow = has_deadline & ~closed & ~overdue & (np.nan_to_num(days_left, nan=np.inf) <= YELLOW_DAYS)
    df["problem_id"] = pd.Series(ids, index=df.index, dtype=object)
    df["overdue"] = pd.Series(np.where(overdue, YES, NO).astype(object), index=df.index, dtype=object)
    days = pd.array(np.where(overdue, -np.nan_to_num(days_left), 0).astype(np.int64), dtype="Int64")
    days[~overdue] = pd.NA
    df["days_overdue"] = days
    df["light"] = pd.Series(np.where(overdue, RED, np.where(yellow, YELLOW, GREEN)).astype(object), index=df.index,
                            dtype=object)
    return df


def _task_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", ids: list[str], period: Period | None) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    deadline = _dates(_col(df, "deadline"))
    start = _dates(_col(df, "start_date"))
    if period is not None:
        start = start.fillna(pd.Timestamp(period.start))
    done = (_col(df, "status") == TASK_DONE).fillna(False).to_numpy(dtype=bool)
    progress = pd.to_numeric(_col(df, "progress"), errors="coerce").astype("Float64").fillna(0.0)
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
    df["light"] = pd.Series(np.where(red, RED, np.where(yellow, YELLOW, GREEN)).astype(object), index=df.index,
                            dtype=object)
    return df


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def compute_figures(
    result: ValidationResult,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
    details: "dict[str, pd.DataFrame] | None" = None,
) -> dict:
    """The content of 汇总数据.json (docs/figures.md).

    ``details``: the output of ``add_computed_columns`` for this result when the caller
    already has it (it is computed here otherwise).
    """
    if details is None:
        details = add_computed_columns(result.tables, result.as_of, result.units, period=result.period)
    return _figures(details, result, org=org, office=office, low_closure_rate=low_closure_rate)


def _figures(
    details: "dict[str, pd.DataFrame]",
    result: ValidationResult,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
) -> dict:
    index = _UnitIndex(result.units)
    visits, problems, tasks = details["visits"], details["problems"], details["tasks"]
    period = result.period
    totals = result.totals()
    submission = _submission(result, index)
    units = _unit_figures(details, result, index, submission)
    total = _totals(units, tasks)

    figures: dict[str, Any] = {
        "format": FIGURES_FORMAT,
        "generated_at": datetime.now().replace(microsecond=0).isoformat(),
        "org": org,
        "office": office,
        "period": None if period is None else {
            "code": period.code, "name": period.name,
            "start": period.start.isoformat(), "end": period.end.isoformat(),
        },
        "as_of": result.as_of.isoformat(),
        "validation": {k: int(totals[k]) for k in (
            "files", "rows_read", "rows_accepted", "rows_rejected", "rows_skipped", "rows_superseded",
            "errors", "hints")},
        "submission": submission,
        "visits": {
            "count": int(len(visits)),
            "participants": total["participants"],
            "objects": total["objects"],
            "problems_found": total["problems_found"],
            "solved_on_spot": total["solved_on_spot"],
            "by_object_type": _distribution(_col(visits, "object_type"), S.OBJECT_TYPES),
            "by_method": _distribution(_col(visits, "method"), S.VISIT_METHODS),
        },
        "problems": _problem_block(problems),
        "tasks": _task_block(tasks, index),
        "achievements": _achievements(tasks),
        "red_list": _red_list(problems, tasks),
        "units": units,
        "totals": total,
        "low_closure_rate": float(low_closure_rate),
        "low_closure_units": [
            u["name"] for u in units if u["closure_rate"] is not None and u["closure_rate"] < low_closure_rate
        ],
    }
    return figures


def _distribution(series: "pd.Series", names: tuple[str, ...]) -> list[dict[str, Any]]:
    counts = series.value_counts(dropna=True).to_dict()
    out = [{"name": n, "count": int(counts.get(n, 0))} for n in names]
    # Values outside the list should not get past validation; never drop them silently.
    for extra in sorted(str(k) for k in counts if k not in names):
        out.append({"name": extra, "count": int(counts[extra])})
    return out


def _problem_block(p: "pd.DataFrame") -> dict[str, Any]:
    status = _col(p, "status")
    satisfaction = _col(p, "satisfaction")
    count = int(len(p))
    closed = int(status.isin(S.CLOSED_STATUSES).fillna(False).sum())
    rated = int(satisfaction.isin(S.SATISFACTION).fillna(False).sum())
    satisfied = int(satisfaction.isin(S.SATISFIED).fillna(False).sum())
    lights = _col(p, "light").value_counts().to_dict()
    return {
        "count": count,
        "closed": closed,
        "closure_rate": rate(closed, count),
        "cancelled": int((status == "已销号").fillna(False).sum()),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, rated),
        "overdue": int((_col(p, "overdue") == YES).fillna(False).sum()),
        "lights": {k: int(lights.get(k, 0)) for k in LIGHTS},
        "by_category": _distribution(_col(p, "category"), S.PROBLEM_CATEGORIES),
        "by_source": _distribution(_col(p, "source"), S.PROBLEM_SOURCES),
        "by_status": _distribution(status, S.PROBLEM_STATUSES),
    }


def _progress_values(t: "pd.DataFrame") -> "Any":
    """完成进度 values present, in row order, as floats."""
    present, values = _progress(_col(t, "progress"))
    return values[present]


def _progress(series: "pd.Series") -> "tuple[Any, Any]":
    """(present mask, float values) of 完成进度; NA and NaN are not present."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_float_dtype(series.dtype) or (
            pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return ~np.isnan(values), values
    present = np.asarray([not _isna(v) for v in series.tolist()], dtype=bool)
    values = np.asarray([float(v) if ok else np.nan for v, ok in zip(series.tolist(), present.tolist())],
                        dtype=np.float64)
    return present, values


def _task_block(t: "pd.DataFrame", index: _UnitIndex) -> dict[str, Any]:
    import numpy as np

    status = _col(t, "status")
    count = int(len(t))
    done = _equal(status, TASK_DONE)
    completed = int(done.sum())
    lights = _col(t, "light").value_counts().to_dict()
    by_type = []
    list_type = _col(t, "list_type")
    progress = _col(t, "progress")
    for name in S.TASK_LIST_TYPES:
        mine = _equal(list_type, name)
        by_type.append({
            "name": name,
            "count": int(mine.sum()),
            "completed": int((mine & done).sum()),
            "average_progress": _mean1(_progress_values(progress[mine].to_frame("progress"))),
        })
    key = np.flatnonzero(_equal(list_type, KEY_TASK) & _mask(status != TASK_DONE))
    sub = t.iloc[key]
    deadlines = _isos(_col(sub, "deadline"))
    rows = sorted(zip(((d is None, d or "", pos) for pos, d in enumerate(deadlines)),
                      sub[UNIT_KEY].tolist(), _texts(_col(sub, "name")), deadlines, _floats(_col(sub, "progress")),
                      _texts(_col(sub, "status")), _texts(_col(sub, "owner")), _texts(_col(sub, "leader"))),
                  key=lambda r: r[0])  # by 完成时限; ties keep the unit order of the table
    return {
        "count": count,
        "completed": completed,
        "completion_rate": rate(completed, count),
        "average_progress": _mean1(_progress_values(t)),
        "overdue": int(lights.get(RED, 0)),
        "lights": {k: int(lights.get(k, 0)) for k in LIGHTS},
        "by_type": by_type,
        "by_status": _distribution(status, S.TASK_STATUSES),
        "unfinished_key": [
            {"unit": unit, "name": name, "deadline": deadline, "progress": progress, "status": st, "owner": owner,
             "leader": leader}
            for _, unit, name, deadline, progress, st, owner, leader in rows
        ],
    }


def _achievements(t: "pd.DataFrame") -> list[dict[str, Any]]:
    import numpy as np

    rows = np.flatnonzero(_col(t, "result_value").notna().to_numpy(dtype=bool))
    t = t.iloc[rows]
    groups: dict[tuple[str, str], list[Any]] = {}  # (说明, 计量单位) → [values, units (ordered), items]
    for value, text, name, unit, unit_name in zip(
            _col(t, "result_value").tolist(), _texts(_col(t, "result_text")), _texts(_col(t, "name")),
            _texts(_col(t, "result_unit")), t[UNIT_KEY].tolist()):
        g = groups.get((text or name, unit))
        if g is None:
            g = groups[(text or name, unit)] = [[], {}, 0]
        g[0].append(value)
        g[1].setdefault(unit_name, None)
        g[2] += 1
    return [
        {"description": d, "value": _plain_number(_decimal_sum(g[0])), "unit": u, "units": list(g[1]),
         "items": g[2]}
        for (d, u), g in groups.items()
    ]


def _red_list(p: "pd.DataFrame", t: "pd.DataFrame") -> list[dict[str, Any]]:
    import numpy as np

    out: list[dict[str, Any]] = []
    for kind, df, id_col, title_col in (("问题", p, "problem_id", "description"), ("任务", t, "task_id", "name")):
        red = df.iloc[np.flatnonzero(_equal(_col(df, "light"), RED))]
        days = _int_array(_col(red, "days_overdue")) if len(red) else np.zeros(0, dtype=np.int64)
        order = np.argsort(-days, kind="stable")  # most overdue first, ties in row order
        columns = (_texts(_col(red, id_col)), red[UNIT_KEY].tolist() if UNIT_KEY in red else [],
                   _texts(_col(red, title_col)), _texts(_col(red, "owner")), _texts(_col(red, "leader")),
                   _isos(_col(red, "deadline")), days.tolist(), _texts(_col(red, "status")))
        ids, units, titles, owners, leaders, deadlines, days_list, statuses = columns
        for i in order.tolist():
            out.append({
                "kind": kind,
                "id": ids[i],
                "unit": units[i],
                "title": titles[i],
                "owner": owners[i],
                "leader": leaders[i],
                "deadline": deadlines[i],
                "days_overdue": days_list[i],
                "status": statuses[i],
            })
    return out


# --- submission (报送情况) ---------------------------------------------------

TEMPLATE_OK = "已报送"
TEMPLATE_MISSING = "未报送"
TEMPLATE_RETURNED = "有退回"
UNIT_PARTIAL = "部分报送"


def _unreadable_reason(f: FileReport) -> str:
    for issue in f.issues:
        if issue.severity == ERROR:
            return issue.message
    return f.issues[0].message if f.issues else "文件无法读取"


def _submission(result: ValidationResult, index: _UnitIndex) -> dict[str, Any]:
    files = result.files
    configured = bool(result.units)
    by_unit: dict[str, list[FileReport]] = {}
    for f in files:
        by_unit.setdefault(index.display(f.unit, f.unit_code), []).append(f)

    def template_status(unit_files: list[FileReport], template_id: str) -> str:
        # an unreadable file (template unknown) of the unit counts as sent back for every template
        mine = [f for f in unit_files if (f.template == template_id or (f.template is None and f.status == "无法读取"))
                and f.status != "已被替代"]
        if any(f.delivered and f.errors == 0 for f in mine):
            return TEMPLATE_OK
        if mine:
            return TEMPLATE_RETURNED  # files with errors or unreadable: sent back for correction
        return TEMPLATE_MISSING

    units_out: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    unknown: list[str] = []
    if configured:
        found_names = sorted({n for n in by_unit if index.find(n) is None}, key=index.sort_key)
        # Units found only in unreadable files are "未识别"; list names found in readable files or rows.
        table_names: set[str] = set()
        for df in result.tables.values():
            if df is not None and META_UNIT in df.columns and len(df):
                for n, c in _factorize_pairs(df[META_UNIT], _col(df, META_UNIT_CODE))[1]:  # distinct pairs
                    if index.find(n, c) is None:
                        table_names.add(index.display(n, c))
        unknown = sorted(
            {n for n in found_names if any(f.status != "无法读取" for f in by_unit[n]) and n != UNKNOWN_UNIT}
            | (table_names - {UNKNOWN_UNIT}),
            key=index.sort_key,
        )
        entries = [(u.code, u.name) for u in result.units] + [("", n) for n in unknown]
        for code, name in entries:
            unit_files = by_unit.get(name, [])
            templates = {t.id: template_status(unit_files, t.id) for t in S.TEMPLATES}
            states = set(templates.values())
            if states == {TEMPLATE_OK}:
                status = TEMPLATE_OK
            elif TEMPLATE_RETURNED in states:
                status = TEMPLATE_RETURNED
            elif TEMPLATE_OK in states:
                status = UNIT_PARTIAL
            else:
                status = TEMPLATE_MISSING
            units_out.append({
                "code": code, "name": name, "status": status, "templates": templates,
                "files": [f.rel for f in unit_files],
            })
            if index.find(name) is not None and not any(f.delivered for f in unit_files):
                missing.append({"code": code, "name": name})
    expected = len(result.units)
    submitted = sum(
        1 for u in result.units if any(f.delivered for f in by_unit.get(u.name, []))
    )
    return {
        "expected": expected,
        "submitted": submitted,
        "missing": missing,
        "units": units_out,
        "rejected_files": [
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "errors": int(f.errors)}
            for f in files if f.errors > 0 and f.status not in ("无法读取", "已被替代")
        ],
        "superseded_files": [
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "by": f.superseded_by or "",
             "rows": int(f.rows_superseded)}
            for f in files if f.status == "已被替代" or f.superseded_by
        ],
        "unreadable_files": [
            {"file": f.rel, "reason": _unreadable_reason(f)} for f in files if f.status == "无法读取"
        ],
        "unknown_units": unknown,
    }


# --- per unit ---------------------------------------------------------------

UNIT_COUNT_KEYS = (
    "visits", "participants", "objects", "problems_found", "solved_on_spot",
    "problems", "problems_closed", "rated", "satisfied", "overdue_problems",
    "tasks", "tasks_completed", "overdue_tasks",
)


def _group_codes(df: "pd.DataFrame") -> "tuple[Any, list[str]]":
    """Per-row unit codes and the units (display names) in order of appearance."""
    import numpy as np

    if not len(df):
        return np.zeros(0, dtype=np.int64), []
    codes, names = _factorize(df[UNIT_KEY])
    return codes, [str(n) for n in names]


def _group_count(codes: "Any", n: int, mask: "Any" = None) -> list[int]:
    import numpy as np

    if mask is not None:
        codes = codes[mask]
    return np.bincount(codes, minlength=n + 1)[:n].astype(np.int64).tolist()


def _group_sum(codes: "Any", n: int, values: "Any") -> list[int]:
    import numpy as np

    out = np.zeros(n + 1, dtype=np.int64)
    np.add.at(out, codes, values)
    return out[:n].tolist()


def _unit_stats(details: "dict[str, pd.DataFrame]") -> "dict[str, dict[str, Any]]":
    """Per-unit counts for 分单位统计, one pass over each table (group codes, bincount)."""
    import numpy as np
    import pandas as pd

    stats: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        if name not in stats:
            stats[name] = _empty_unit_stats()
        return stats[name]

    v, p, t = details["visits"], details["problems"], details["tasks"]
    codes, names = _group_codes(v)
    n = len(names)
    if n:
        visits = _group_count(codes, n)
        sums = {k: _group_sum(codes, n, _int_array(_col(v, k))) for k in ("participants", "problems_found",
                                                                         "solved_on_spot")}
        # distinct non-empty 走访对象 per unit, and per (unit, 对象类型)
        object_names = np.asarray(_texts(_col(v, "object_name")), dtype=object)
        present = object_names != ""
        name_codes, _ = _factorize(pd.Series(object_names[present], dtype=object))
        type_codes, types = _factorize(_col(v, "object_type")[present])
        unit_codes = codes[present]
        width = int(name_codes.max()) + 1 if len(name_codes) else 1
        per_unit = np.unique(unit_codes * width + name_codes)
        objects = np.bincount(per_unit // width, minlength=n)[:n].tolist()
        per_type = np.unique((unit_codes * (len(types) + 1) + type_codes) * width + name_codes) // width
        by_type: dict[int, dict[str, int]] = {}
        type_names = types + [None]
        for key, count in zip(*np.unique(per_type, return_counts=True)):
            u, k = divmod(int(key), len(types) + 1)
            by_type.setdefault(u, {})[type_names[k]] = int(count)
        for i, name in enumerate(names):
            e = entry(name)
            e["visits"] = visits[i]
            e["participants"] = sums["participants"][i]
            e["objects"] = objects[i]
            found = by_type.get(i, {})
            e["objects_by_type"] = {k: int(found.get(k, 0)) for k in S.OBJECT_TYPES}
            e["problems_found"] = sums["problems_found"][i]
            e["solved_on_spot"] = sums["solved_on_spot"][i]
    codes, names = _group_codes(p)
    n = len(names)
    if n:
        status, satisfaction = _col(p, "status"), _col(p, "satisfaction")
        counts = {
            "problems": _group_count(codes, n),
            "problems_closed": _group_count(codes, n, _mask(status.isin(S.CLOSED_STATUSES))),
            "rated": _group_count(codes, n, _mask(satisfaction.isin(S.SATISFACTION))),
            "satisfied": _group_count(codes, n, _mask(satisfaction.isin(S.SATISFIED))),
            "overdue_problems": _group_count(codes, n, _equal(_col(p, "overdue"), YES)),
        }
        for i, name in enumerate(names):
            e = entry(name)
            for k, values in counts.items():
                e[k] = values[i]
    codes, names = _group_codes(t)
    n = len(names)
    if n:
        status, list_type = _col(t, "status"), _col(t, "list_type")
        counts = {
            "tasks": _group_count(codes, n),
            "tasks_completed": _group_count(codes, n, _equal(status, TASK_DONE)),
            "overdue_tasks": _group_count(codes, n, _equal(_col(t, "light"), RED)),
        }
        by_list = {k: _group_count(codes, n, _equal(list_type, k)) for k in S.TASK_LIST_TYPES}
        by_status = {k: _group_count(codes, n, _equal(status, k)) for k in S.TASK_STATUSES}
        present, values = _progress(_col(t, "progress"))
        values = values[present]
        order = np.argsort(codes[present], kind="stable")
        bounds = np.searchsorted(codes[present][order], np.arange(n + 1))
        for i, name in enumerate(names):
            e = entry(name)
            for k, col in counts.items():
                e[k] = col[i]
            e["tasks_by_type"] = {k: by_list[k][i] for k in S.TASK_LIST_TYPES}
            e["tasks_by_status"] = {k: by_status[k][i] for k in S.TASK_STATUSES}
            e["average_progress"] = _mean1(values[order[bounds[i]:bounds[i + 1]]])
    return stats


def _empty_unit_stats() -> dict[str, Any]:
    return {
        "visits": 0, "participants": 0, "objects": 0, "objects_by_type": {k: 0 for k in S.OBJECT_TYPES},
        "problems_found": 0, "solved_on_spot": 0,
        "problems": 0, "problems_closed": 0, "rated": 0, "satisfied": 0, "overdue_problems": 0,
        "tasks": 0, "tasks_by_type": {k: 0 for k in S.TASK_LIST_TYPES},
        "tasks_by_status": {k: 0 for k in S.TASK_STATUSES}, "tasks_completed": 0, "average_progress": None,
        "overdue_tasks": 0,
    }


def _unit_entry(code: str, name: str, submitted: bool | int, st: dict[str, Any] | None) -> dict[str, Any]:
    st = st or _empty_unit_stats()
    return {
        "code": code,
        "name": name,
        "submitted": submitted,
        "visits": st["visits"],
        "participants": st["participants"],
        "objects": st["objects"],
        "objects_by_type": st["objects_by_type"],
        "problems_found": st["problems_found"],
        "solved_on_spot": st["solved_on_spot"],
        "problems": st["problems"],
        "problems_closed": st["problems_closed"],
        "closure_rate": rate(st["problems_closed"], st["problems"]),
        "rated": st["rated"],
        "satisfied": st["satisfied"],
        "satisfaction_rate": rate(st["satisfied"], st["rated"]),
        "overdue_problems": st["overdue_problems"],
        "tasks": st["tasks"],
        "tasks_by_type": st["tasks_by_type"],
        "tasks_by_status": st["tasks_by_status"],
        "tasks_completed": st["tasks_completed"],
        "average_progress": st["average_progress"],
        "overdue_tasks": st["overdue_tasks"],
    }


def _unit_figures(details, result: ValidationResult, index: _UnitIndex, submission: dict) -> list[dict[str, Any]]:
    stats = _unit_stats(details)
    names: list[tuple[str, str]] = [(u.code, u.name) for u in result.units]
    configured = {u.name for u in result.units}
    found = set(stats) | {n for n in submission["unknown_units"]}
    if not result.units:  # no unit list: every unit found in readable files
        found |= {index.display(f.unit, f.unit_code) for f in result.files if f.status != "无法读取"}
    for name in sorted(found - configured, key=index.sort_key):
        names.append((_first_code(details, name), name))
    accepted_units = {index.display(f.unit, f.unit_code) for f in result.files if f.delivered}
    return [_unit_entry(code, name, name in accepted_units, stats.get(name)) for code, name in names]


def _first_code(details, name: str) -> str:
    for df in details.values():
        sub = df[df[UNIT_KEY] == name] if len(df) else df
        for code in _col(sub, META_UNIT_CODE).tolist():
            if _text(code):
                return _text(code)
    return ""


def _totals(units: list[dict[str, Any]], tasks: "pd.DataFrame") -> dict[str, Any]:
    total: dict[str, Any] = {"code": "", "name": "合计", "submitted": sum(1 for u in units if u["submitted"])}
    for key in UNIT_COUNT_KEYS:
        total[key] = int(sum(u[key] for u in units))
    total["objects_by_type"] = {k: int(sum(u["objects_by_type"][k] for u in units)) for k in S.OBJECT_TYPES}
    total["tasks_by_type"] = {k: int(sum(u["tasks_by_type"][k] for u in units)) for k in S.TASK_LIST_TYPES}
    total["tasks_by_status"] = {k: int(sum(u["tasks_by_status"][k] for u in units)) for k in S.TASK_STATUSES}
    total["closure_rate"] = rate(total["problems_closed"], total["problems"])
    total["satisfaction_rate"] = rate(total["satisfied"], total["rated"])
    total["average_progress"] = _mean1(_progress_values(tasks))
    # same key order as a unit entry
    order = list(units[0].keys()) if units else list(total.keys())
    return {k: total[k] for k in order if k in total} | {k: v for k, v in total.items() if k not in order}


# ---------------------------------------------------------------------------
# merge
# ---------------------------------------------------------------------------


@dataclass
class Merged:
    """The merged collection, before anything is written: detail tables with their
    computed columns (for 汇总表) and the figures (for 汇总数据.json and the report)."""

    details: dict[str, pd.DataFrame]
    figures: dict
    result: ValidationResult


def summarize(
    result: ValidationResult,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
) -> Merged:
    """Merge the accepted rows and compute the figures (no file is written)."""
    details = add_computed_columns(result.tables, result.as_of, result.units, period=result.period)
    figures = _figures(details, result, org=org, office=office, low_closure_rate=low_closure_rate)
    return Merged(details=details, figures=figures, result=result)


def write_workbook(merged: Merged, out_dir: Path) -> Path:
    """Write 汇总表.xlsx into ``out_dir`` (atomically)."""
    from .summary_xlsx import write_summary_workbook

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_summary_workbook(out_dir / WORKBOOK_NAME, merged.details, merged.figures, merged.result)


def write_figures(figures: dict, out_dir: Path) -> Path:
    """Write 汇总数据.json into ``out_dir`` (atomically)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pieces = _figures_pieces(figures)
    target = out_dir / FIGURES_NAME
    # written piece by piece: at province scale the text is ~70 MB, joining it first would double that
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, len(pieces), 4096):
            fh.write("".join(pieces[start:start + 4096]))
    return target


def merge(
    result: ValidationResult,
    out_dir: Path,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
) -> MergeOutcome:
    """Write 汇总表.xlsx and 汇总数据.json into ``out_dir`` (each atomically) and return them."""
    merged = summarize(result, org=org, office=office, low_closure_rate=low_closure_rate)
    workbook = write_workbook(merged, out_dir)
    return MergeOutcome(figures=merged.figures, workbook=workbook, figures_path=write_figures(merged.figures, out_dir))


def figures_json(figures: dict) -> str:
    """``json.dumps(figures, ensure_ascii=False, indent=2, allow_nan=False) + "\\n"``, byte for byte.

    The standard library pretty-prints with its pure-Python encoder (its C encoder has no
    indentation), about 2 µs a value: seconds for a province-scale 红灯清单. This writer
    produces the same text in one tight recursive pass.
    """
    return "".join(_figures_pieces(figures))


def _figures_pieces(figures: dict) -> list[str]:
    """The text of :func:`figures_json` as a list of pieces (joined, they are that text)."""
    out: list[str] = []
    _dump(figures, out, "\n")
    out.append("\n")
    return out


def _dump(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (_INF, -_INF):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        try:  # flat dicts (红灯清单, 重点任务 rows …): one pass, no recursion
            parts = [inner + _encode_str(k if isinstance(k, str) else _key(k)) + ": " + _SCALARS[v.__class__](v)
                     for k, v in value.items()]
        except KeyError:
            parts = None
        if parts is not None:
            out.append("{" + ",".join(parts) + newline + "}")
            return
        first = True
        for key, item in value.items():
            out.append(("{" if first else ",") + inner + _encode_str(key if isinstance(key, str) else _key(key)) + ": ")
            first = False
            _dump(item, out, inner)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        first = True
        for item in value:
            out.append(("[" if first else ",") + inner)
            first = False
            _dump(item, out, inner)
        out.append(newline + "]")
    else:  # anything else: exactly as json.dumps does it (or its TypeError)
        out.append(json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False).replace("\n", newline))


def _float(value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
    return float.__repr__(value)


_SCALARS = {str: _encode_str, int: int.__repr__, float: _float, bool: lambda v: "true" if v else "false",
            type(None): lambda v: "null"}


def _key(key: Any) -> str:
    """A non-string dict key as json.dumps writes it."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        if key != key or key in (_INF, -_INF):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(key))
        return float.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def load_figures(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
