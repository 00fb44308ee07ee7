"""Merge: computed columns, statistics (the figures dict) and the merged outputs.

    ValidationResult ─▶ add_computed_columns ─▶ compute figures ─▶ 汇总表.xlsx + 汇总数据.json

The figures dict follows ``docs/figures.md`` exactly; every number shown on the
统计 sheets of 汇总表.xlsx and quoted by the Word report comes from it.
Everything in it is a plain Python value (int, float, str, bool, None, list,
dict) so that it can be written as JSON as is.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import schema as S
from .io import write_text_atomic
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


def _mean1(values: list[float]) -> float | None:
    if not values:
        return None
    total = sum((Decimal(repr(float(v))) for v in values), Decimal(0))
    return float((total / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


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
    """
    import pandas as pd

    index = _UnitIndex(units)
    as_of_ts = pd.Timestamp(as_of)
    out: dict[str, pd.DataFrame] = {}
    for key in S.SHEETS:
        df = tables.get(key)
        if df is None:
            df = _empty_table(key)
        df = df.copy()
        for meta in META_COLUMNS:
            if meta not in df.columns:
                df[meta] = pd.Series([pd.NA] * len(df), index=df.index, dtype=object)
        for col in S.SHEETS[key].keys:
            if col not in df.columns:
                df[col] = pd.Series([pd.NA] * len(df), index=df.index, dtype=object)
        cache: dict[tuple[Any, Any], str] = {}
        names = []
        for pair in zip(df[META_UNIT].tolist(), df[META_UNIT_CODE].tolist()):
            if pair not in cache:
                cache[pair] = index.display(*pair)
            names.append(cache[pair])
        df[UNIT_KEY] = pd.Series(names, index=df.index, dtype=object)
        # Stable order: unit, file, row (ties keep the input order).
        unit_keys = {n: index.sort_key(n) for n in set(names)}
        sort_keys = [
            (unit_keys[n], "" if _isna(f) else str(f), -1 if _isna(r) else int(r), i)
            for i, (n, f, r) in enumerate(zip(names, df[META_FILE].tolist(), df[META_ROW].tolist()))
        ]
        positions = [k[-1] for k in sorted(sort_keys)]
        df = df.iloc[positions].reset_index(drop=True)
        if key == "problems":
            df = _problem_columns(df, as_of_ts, index)
        elif key == "tasks":
            df = _task_columns(df, as_of_ts, index, period)
        out[key] = df
    return out


def _ids(df: "pd.DataFrame", index: _UnitIndex) -> list[str]:
    seen: set[str] = set()
    ids: list[str] = []
    for name, code, seq, row in zip(df[META_UNIT].tolist(), df[META_UNIT_CODE].tolist(),
                                    _col(df, "seq").tolist(), df[META_ROW].tolist()):
        prefix = index.code(name, code) or index.display(name, code)
        number = str(int(seq)) if not _isna(seq) else f"R{_int(row)}"
        base = f"{prefix}-{number}"
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


def _problem_columns(df: "pd.DataFrame", as_of: "pd.Timestamp", index: _UnitIndex) -> "pd.DataFrame":
    import pandas as pd

    deadline = _dates(_col(df, "deadline"))
    closed = _col(df, "status").isin(S.CLOSED_STATUSES).fillna(False).astype(bool)
    days_left = (deadline - as_of).dt.days  # negative when overdue
    has_deadline = deadline.notna()
    overdue = has_deadline & (deadline < as_of) & ~closed
    yellow = has_deadline & ~closed & ~overdue & (days_left <= YELLOW_DAYS)
    df["problem_id"] = pd.Series(_ids(df, index), index=df.index, dtype=object)
    df["overdue"] = pd.Series([YES if o else NO for o in overdue.tolist()], index=df.index, dtype=object)
    days = [(-int(d) if o else pd.NA) for d, o in zip(days_left.tolist(), overdue.tolist())]
    df["days_overdue"] = pd.array(days, dtype="Int64")
    lights = [RED if o else (YELLOW if y else GREEN) for o, y in zip(overdue.tolist(), yellow.tolist())]
    df["light"] = pd.Series(lights, index=df.index, dtype=object)
    return df


def _task_columns(
    df: "pd.DataFrame", as_of: "pd.Timestamp", index: _UnitIndex, period: Period | None
) -> "pd.DataFrame":
    import pandas as pd

    deadline = _dates(_col(df, "deadline"))
    start = _dates(_col(df, "start_date"))
    if period is not None:
        start = start.fillna(pd.Timestamp(period.start))
    done = (_col(df, "status") == TASK_DONE).fillna(False).astype(bool)
    progress = pd.to_numeric(_col(df, "progress"), errors="coerce").astype("Float64").fillna(0.0)
    lights: list[str] = []
    days: list[Any] = []
    for dl, st, is_done, prog in zip(deadline.tolist(), start.tolist(), done.tolist(), progress.tolist()):
        if _isna(dl) or is_done:
            lights.append(GREEN)
            days.append(pd.NA)
            continue
        if as_of > dl:
            lights.append(RED)
            days.append(int((as_of - dl).days))
            continue
        days.append(pd.NA)
        if _isna(st):
            lights.append(GREEN)
            continue
        span = (dl - st).days
        elapsed = (as_of - st).days
        if span <= 0:
            share_num, share_den = (1, 1) if elapsed >= span else (0, 1)
        else:
            share_num, share_den = min(max(elapsed, 0), span), span
        # progress% < elapsed share → lags behind the time schedule
        lights.append(YELLOW if float(prog) * share_den < 100 * share_num else GREEN)
    df["task_id"] = pd.Series(_ids(df, index), index=df.index, dtype=object)
    df["days_overdue"] = pd.array(days, dtype="Int64")
    df["light"] = pd.Series(lights, index=df.index, dtype=object)
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
) -> dict:
    """The content of 汇总数据.json (docs/figures.md)."""
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


def _progress_values(t: "pd.DataFrame") -> list[float]:
    return [float(v) for v in _col(t, "progress").tolist() if not _isna(v)]


def _task_block(t: "pd.DataFrame", index: _UnitIndex) -> dict[str, Any]:
    status = _col(t, "status")
    count = int(len(t))
    completed = int((status == TASK_DONE).fillna(False).sum())
    lights = _col(t, "light").value_counts().to_dict()
    by_type = []
    list_type = _col(t, "list_type")
    for name in S.TASK_LIST_TYPES:
        sub = t[(list_type == name).fillna(False).astype(bool)]
        by_type.append({
            "name": name,
            "count": int(len(sub)),
            "completed": int((_col(sub, "status") == TASK_DONE).fillna(False).sum()),
            "average_progress": _mean1(_progress_values(sub)),
        })
    key = t[((list_type == KEY_TASK) & (status != TASK_DONE)).fillna(False).astype(bool)]
    key = key[[c for c in (UNIT_KEY, "name", "deadline", "progress", "status", "owner", "leader") if c in key.columns]]
    rows = []
    for pos, rec in enumerate(key.to_dict("records")):
        deadline = _iso(rec.get("deadline"))
        rows.append(((deadline is None, deadline or "", pos), {
            "unit": rec[UNIT_KEY],
            "name": _text(rec.get("name")),
            "deadline": deadline,
            "progress": None if _isna(rec.get("progress")) else float(rec["progress"]),
            "status": _text(rec.get("status")),
            "owner": _text(rec.get("owner")),
            "leader": _text(rec.get("leader")),
        }))
    rows.sort(key=lambda r: r[0])  # by 完成时限; ties keep the unit order of the table
    return {
        "count": count,
        "completed": completed,
        "completion_rate": rate(completed, count),
        "average_progress": _mean1(_progress_values(t)),
        "overdue": int(lights.get(RED, 0)),
        "lights": {k: int(lights.get(k, 0)) for k in LIGHTS},
        "by_type": by_type,
        "by_status": _distribution(status, S.TASK_STATUSES),
        "unfinished_key": [r[1] for r in rows],
    }


def _achievements(t: "pd.DataFrame") -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    t = t[_col(t, "result_value").notna().astype(bool)]
    t = t[[c for c in ("result_value", "result_text", "name", "result_unit", UNIT_KEY) if c in t.columns]]
    for rec in t.to_dict("records"):
        value = rec.get("result_value")
        description = _text(rec.get("result_text")) or _text(rec.get("name"))
        unit = _text(rec.get("result_unit"))
        g = groups.setdefault((description, unit), {"sum": Decimal(0), "units": [], "items": 0})
        g["sum"] += Decimal(repr(float(value)))
        g["items"] += 1
        if rec[UNIT_KEY] not in g["units"]:
            g["units"].append(rec[UNIT_KEY])
    return [
        {"description": d, "value": _plain_number(g["sum"]), "unit": u, "units": g["units"], "items": g["items"]}
        for (d, u), g in groups.items()
    ]


def _red_list(p: "pd.DataFrame", t: "pd.DataFrame") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, df, id_col, title_col in (("问题", p, "problem_id", "description"), ("任务", t, "task_id", "name")):
        red = df[(_col(df, "light") == RED).fillna(False).astype(bool)]
        red = red[[c for c in (id_col, UNIT_KEY, title_col, "owner", "leader", "deadline", "days_overdue", "status")
                   if c in red.columns]]
        items = []
        for pos, rec in enumerate(red.to_dict("records")):
            days = _int(rec.get("days_overdue"))
            items.append((-days, pos, {
                "kind": kind,
                "id": _text(rec.get(id_col)),
                "unit": rec[UNIT_KEY],
                "title": _text(rec.get(title_col)),
                "owner": _text(rec.get("owner")),
                "leader": _text(rec.get("leader")),
                "deadline": _iso(rec.get("deadline")),
                "days_overdue": days,
                "status": _text(rec.get("status")),
            }))
        items.sort(key=lambda x: (x[0], x[1]))
        out.extend(i[2] for i in items)
    return out


# --- submission (报送情况) ---------------------------------------------------

TEMPLATE_OK = "已报送"
TEMPLATE_MISSING = "未报送"
TEMPLATE_RETURNED = "有退回"
UNIT_PARTIAL = "部分报送"


def _file_accepted(f: FileReport) -> bool:
    """A file that counts as a submission: read, not superseded, and clean or with rows taken."""
    if f.status in ("无法读取", "已被替代"):
        return False
    return f.status in ("通过", "有提示") or f.rows_accepted > 0


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
        mine = [f for f in unit_files if f.template == template_id and f.status != "已被替代"]
        if any(_file_accepted(f) and f.errors == 0 for f in mine):
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
            if df is not None and META_UNIT in df.columns:
                for n, c in zip(df[META_UNIT].tolist(), _col(df, META_UNIT_CODE).tolist()):
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
            if index.find(name) is not None and not any(_file_accepted(f) for f in unit_files):
                missing.append({"code": code, "name": name})
    expected = len(result.units)
    submitted = sum(
        1 for u in result.units if any(_file_accepted(f) for f in by_unit.get(u.name, []))
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


def _groups(df: "pd.DataFrame") -> "dict[str, pd.DataFrame]":
    if not len(df):
        return {}
    return {str(k): g for k, g in df.groupby(UNIT_KEY, sort=False)}


def _unit_entry(code: str, name: str, submitted: bool | int, v, p, t) -> dict[str, Any]:
    import pandas as pd

    if v is None:
        v = _empty_table("visits")
    if p is None:
        p = _empty_table("problems")
    if t is None:
        t = _empty_table("tasks")
    names = pd.DataFrame({"type": _col(v, "object_type").tolist(),
                          "name": [_text(x) for x in _col(v, "object_name").tolist()]})
    names = names[names["name"] != ""].drop_duplicates()
    by_type_counts = names["type"].value_counts().to_dict()
    problem_block = _problem_block(p) if len(p) else None
    status = _col(t, "status")
    list_type = _col(t, "list_type")
    lt_counts = list_type.value_counts().to_dict()
    st_counts = status.value_counts().to_dict()
    count_p = int(len(p))
    closed = problem_block["closed"] if problem_block else 0
    rated = problem_block["rated"] if problem_block else 0
    satisfied = problem_block["satisfied"] if problem_block else 0
    return {
        "code": code,
        "name": name,
        "submitted": submitted,
        "visits": int(len(v)),
        "participants": int(sum(_int(x) for x in _col(v, "participants").tolist())),
        "objects": int(names["name"].nunique()),
        "objects_by_type": {k: int(by_type_counts.get(k, 0)) for k in S.OBJECT_TYPES},
        "problems_found": int(sum(_int(x) for x in _col(v, "problems_found").tolist())),
        "solved_on_spot": int(sum(_int(x) for x in _col(v, "solved_on_spot").tolist())),
        "problems": count_p,
        "problems_closed": closed,
        "closure_rate": rate(closed, count_p),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, rated),
        "overdue_problems": int((_col(p, "overdue") == YES).fillna(False).sum()),
        "tasks": int(len(t)),
        "tasks_by_type": {k: int(lt_counts.get(k, 0)) for k in S.TASK_LIST_TYPES},
        "tasks_by_status": {k: int(st_counts.get(k, 0)) for k in S.TASK_STATUSES},
        "tasks_completed": int((status == TASK_DONE).fillna(False).sum()),
        "average_progress": _mean1(_progress_values(t)),
        "overdue_tasks": int((_col(t, "light") == RED).fillna(False).sum()),
    }


def _unit_figures(details, result: ValidationResult, index: _UnitIndex, submission: dict) -> list[dict[str, Any]]:
    gv, gp, gt = (_groups(details[k]) for k in ("visits", "problems", "tasks"))
    names: list[tuple[str, str]] = [(u.code, u.name) for u in result.units]
    configured = {u.name for u in result.units}
    found = set(gv) | set(gp) | set(gt) | {n for n in submission["unknown_units"]}
    if not result.units:  # no unit list: every unit found in readable files
        found |= {index.display(f.unit, f.unit_code) for f in result.files if f.status != "无法读取"}
    for name in sorted(found - configured, key=index.sort_key):
        names.append((_first_code(details, name), name))
    accepted_units = {index.display(f.unit, f.unit_code) for f in result.files if _file_accepted(f)}
    out = []
    for code, name in names:
        submitted = name in accepted_units
        out.append(_unit_entry(code, name, submitted, gv.get(name), gp.get(name), gt.get(name)))
    return out


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


def merge(
    result: ValidationResult,
    out_dir: Path,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
) -> MergeOutcome:
    """Write 汇总表.xlsx and 汇总数据.json into ``out_dir`` (atomically) and return them."""
    from .summary_xlsx import write_summary_workbook

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    details = add_computed_columns(result.tables, result.as_of, result.units, period=result.period)
    figures = _figures(details, result, org=org, office=office, low_closure_rate=low_closure_rate)
    workbook = write_summary_workbook(out_dir / WORKBOOK_NAME, details, figures, result)
    figures_path = write_text_atomic(out_dir / FIGURES_NAME, figures_json(figures))
    return MergeOutcome(figures=figures, workbook=workbook, figures_path=figures_path)


def figures_json(figures: dict) -> str:
    return json.dumps(figures, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def load_figures(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
