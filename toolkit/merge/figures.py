"""The figures dict (汇总数据.json, docs/figures.md) and the merge stage's result, :class:`Merged`.

    ValidationResult ─▶ add_computed_columns ─▶ figures ─▶ Merged (details, figures, red rows)

Every number shown on the 统计 sheets of 汇总表.xlsx and quoted by the Word report comes
from the figures. Everything in them is a plain Python value (int, float, str, bool, None,
list, dict) so that they can be written as JSON as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import Carried, History, UnitIndex, ValidationResult
from .derived import add_computed_columns
from .exact import decimal_sum, mean1, plain_number, rate
from .frames import col, equal, floats, int_array, isos, mask, progress_values, texts
from .jsonfile import FIGURES_FORMAT
from ..submission import Submission, submission_status
from .periods import add_period_figures
from .units import totals, unit_figures

if TYPE_CHECKING:
    import pandas as pd

# 红灯清单 rows: (kind, table, id column, title column), problems first.
_RED_SOURCES = (("问题", "problems", "id", "description"), ("任务", "tasks", "id", "name"))
RED_LIST_COLUMNS = ("kind", "id", "unit", "title", "owner", "leader", "deadline", "days_overdue", "status")


@dataclass
class Merged:
    """The merged collection, before anything is written.

    ``details``: the accepted rows with their computed columns (汇总表's detail sheets);
    ``figures``: 汇总数据.json, read by the 统计 sheets and the report; ``red_rows``: the
    红灯清单 as a table (:func:`red_rows`, the rows of ``figures["red_list"]`` with their
    deadlines as dates); ``history``: what the recorded periods told the merge (汇总表's
    趋势 and 作战图 sheets and the per-period columns of its detail sheets read it)."""

    details: "dict[str, pd.DataFrame]"
    figures: dict
    result: ValidationResult
    red_rows: "pd.DataFrame"
    history: History | None = None


def summarize(
    result: ValidationResult,
    *,
    org: str = "",
    office: str = "",
    low_closure_rate: float = 60.0,
    carried: Carried | None = None,
    history: History | None = None,
    submission: Submission | None = None,
) -> Merged:
    """Merge the accepted rows (and the items ``carried`` from the previous period) and compute the
    figures (no file is written); ``history``: what the recorded periods say (``previous``,
    ``cumulative``, ``trend``, 序时进度 starts, the 红 → 黄 rule); ``submission``: the 报送情况 when it
    is not the result's own (a period made of recorded ones)."""
    details = add_computed_columns(result.tables, result.as_of, result.units, period=result.period,
                                   carried=carried, history=history)
    red = red_rows(details)
    figures = _figures(details, red, result, org=org, office=office, low_closure_rate=low_closure_rate,
                       carried=carried, history=history, status=submission)
    return Merged(details=details, figures=figures, result=result, red_rows=red, history=history)


def _figures(
    details: "dict[str, pd.DataFrame]",
    red: "pd.DataFrame",
    result: ValidationResult,
    *,
    org: str,
    office: str,
    low_closure_rate: float,
    carried: Carried | None = None,
    history: History | None = None,
    status: Submission | None = None,
) -> dict:
    index = UnitIndex(result.units)
    visits, problems, tasks = details["visits"], details["problems"], details["tasks"]
    period = result.period
    counts = result.totals()
    if status is None:
        status = submission_status(result)  # the one 报送情况 every front end reads
    submission = status.to_json()
    units = unit_figures(details, result, index, status)
    total = totals(units, tasks)

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
        "validation": {k: int(counts[k]) for k in (
            "files", "rows_read", "rows_accepted", "rows_rejected", "rows_skipped", "rows_superseded",
            "errors", "hints")},
        "submission": submission,
        "visits": {
            "count": int(len(visits)),
            "participants": total["participants"],
            "objects": total["objects"],
            "problems_found": total["problems_found"],
            "solved_on_spot": total["solved_on_spot"],
            "by_object_type": _distribution(col(visits, "object_type"), S.OBJECT_TYPES),
            "by_method": _distribution(col(visits, "method"), S.VISIT_METHODS),
        },
        "problems": _problem_block(problems),
        "tasks": _task_block(tasks),
        "achievements": _achievements(tasks),
        "red_list": _red_list(red),
        "units": units,
        "totals": total,
        "low_closure_rate": float(low_closure_rate),
        "low_closure_units": [
            u["name"] for u in units if u["closure_rate"] is not None and u["closure_rate"] < low_closure_rate
        ],
    }
    add_period_figures(figures, details, history=history, carried=carried, period=period, as_of=result.as_of,
                       index=index, achievements=_achievements)
    return figures


def _distribution(series: "pd.Series", names: tuple[str, ...]) -> list[dict[str, Any]]:
    counts = series.value_counts(dropna=True).to_dict()
    out = [{"name": n, "count": int(counts.get(n, 0))} for n in names]
    # Values outside the list should not get past validation; never drop them silently.
    for extra in sorted(str(k) for k in counts if k not in names):
        out.append({"name": extra, "count": int(counts[extra])})
    return out


def _problem_block(p: "pd.DataFrame") -> dict[str, Any]:
    status = col(p, "status")
    satisfaction = col(p, "satisfaction")
    count = int(len(p))
    closed = int(status.isin(S.CLOSED_STATUSES).fillna(False).sum())
    rated = int(satisfaction.isin(S.SATISFACTION).fillna(False).sum())
    satisfied = int(satisfaction.isin(S.SATISFIED).fillna(False).sum())
    lights = col(p, "light").value_counts().to_dict()
    return {
        "count": count,
        "closed": closed,
        "closure_rate": rate(closed, count),
        "cancelled": int((status == "已销号").fillna(False).sum()),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, rated),
        "overdue": int((col(p, "overdue") == S.YES).fillna(False).sum()),
        "lights": {k: int(lights.get(k, 0)) for k in S.LIGHTS},
        "by_category": _distribution(col(p, "category"), S.PROBLEM_CATEGORIES),
        "by_source": _distribution(col(p, "source"), S.PROBLEM_SOURCES),
        "by_status": _distribution(status, S.PROBLEM_STATUSES),
    }


def _task_block(t: "pd.DataFrame") -> dict[str, Any]:
    import numpy as np

    status = col(t, "status")
    count = int(len(t))
    done = equal(status, S.TASK_DONE)
    completed = int(done.sum())
    lights = col(t, "light").value_counts().to_dict()
    by_type = []
    list_type = col(t, "list_type")
    progress = col(t, "progress")
    for name in S.TASK_LIST_TYPES:
        mine = equal(list_type, name)
        by_type.append({
            "name": name,
            "count": int(mine.sum()),
            "completed": int((mine & done).sum()),
            "average_progress": mean1(progress_values(progress[mine].to_frame("progress"))),
        })
    key = np.flatnonzero(equal(list_type, S.KEY_TASK) & mask(status != S.TASK_DONE))
    sub = t.iloc[key]
    deadlines = isos(col(sub, "deadline"))
    rows = sorted(zip(((d is None, d or "", pos) for pos, d in enumerate(deadlines)),
                      sub[S.UNIT_KEY].tolist(), texts(col(sub, "name")), deadlines, floats(col(sub, "progress")),
                      texts(col(sub, "status")), texts(col(sub, "owner")), texts(col(sub, "leader"))),
                  key=lambda r: r[0])  # by 完成时限; ties keep the unit order of the table
    return {
        "count": count,
        "completed": completed,
        "completion_rate": rate(completed, count),
        "average_progress": mean1(progress_values(t)),
        "overdue": int(lights.get(S.RED, 0)),
        "lights": {k: int(lights.get(k, 0)) for k in S.LIGHTS},
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

    rows = np.flatnonzero(col(t, "result_value").notna().to_numpy(dtype=bool))
    t = t.iloc[rows]
    groups: dict[tuple[str, str], list[Any]] = {}  # (说明, 计量单位) → [values, units (ordered), items]
    for value, text, name, unit, unit_name in zip(
            col(t, "result_value").tolist(), texts(col(t, "result_text")), texts(col(t, "name")),
            texts(col(t, "result_unit")), t[S.UNIT_KEY].tolist()):
        g = groups.get((text or name, unit))
        if g is None:
            g = groups[(text or name, unit)] = [[], {}, 0]
        g[0].append(value)
        g[1].setdefault(unit_name, None)
        g[2] += 1
    return [
        {"description": d, "value": plain_number(decimal_sum(g[0])), "unit": u, "units": list(g[1]),
         "items": g[2]}
        for (d, u), g in groups.items()
    ]


def red_rows(details: "dict[str, pd.DataFrame]") -> "pd.DataFrame":
    """The 红灯清单: red problems, then red tasks, each most overdue first (ties in table order).

    Columns ``RED_LIST_COLUMNS``: texts stripped, ``deadline`` the detail table's dates
    (datetime64), ``days_overdue`` int64. ``figures["red_list"]`` is this table, row by row.
    """
    import numpy as np
    import pandas as pd

    texts_of: dict[str, list[str]] = {k: [] for k in ("kind", "id", "unit", "title", "owner", "leader", "status")}
    deadlines, days = [], []
    for kind, key, id_col, title_col in _RED_SOURCES:
        df = details[key]
        rows = np.flatnonzero(equal(col(df, "light"), S.RED))
        overdue = int_array(col(df, "days_overdue").iloc[rows]) if len(rows) else np.zeros(0, dtype=np.int64)
        order = np.argsort(-overdue, kind="stable")  # most overdue first, ties in row order
        red = df.iloc[rows[order]]
        texts_of["kind"] += [kind] * len(red)
        texts_of["id"] += texts(col(red, id_col))
        texts_of["unit"] += red[S.UNIT_KEY].tolist()
        texts_of["title"] += texts(col(red, title_col))
        texts_of["owner"] += texts(col(red, "owner"))
        texts_of["leader"] += texts(col(red, "leader"))
        texts_of["status"] += texts(col(red, "status"))
        deadlines.append(pd.to_datetime(col(red, "deadline"), errors="coerce").to_numpy(dtype="datetime64[ns]"))
        days.append(overdue[order])
    data: dict[str, Any] = {k: pd.Series(v, dtype=object) for k, v in texts_of.items()}
    data["deadline"] = pd.Series(np.concatenate(deadlines), dtype="datetime64[ns]")
    data["days_overdue"] = pd.Series(np.concatenate(days), dtype=np.int64)
    return pd.DataFrame({k: data[k] for k in RED_LIST_COLUMNS})


def _red_list(red: "pd.DataFrame") -> list[dict[str, Any]]:
    columns = [isos(red[k]) if k == "deadline" else red[k].tolist() for k in RED_LIST_COLUMNS]
    return [{"kind": kind, "id": id_, "unit": unit, "title": title, "owner": owner, "leader": leader,
             "deadline": deadline, "days_overdue": days, "status": status}
            for kind, id_, unit, title, owner, leader, deadline, days, status in zip(*columns)]
