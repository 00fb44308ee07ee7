"""Per-unit figures (分单位统计): counts per unit in one pass over each table, the units' order, the 合计 row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import FILE_UNREADABLE, META_UNIT_CODE, UnitIndex, ValidationResult
from ..submission import MISSING, SENT, Submission
from .exact import mean1, rate
from .frames import col, equal, factorize, int_array, mask, present_floats, progress_values, text, texts

if TYPE_CHECKING:
    import pandas as pd

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
    codes, names = factorize(df[S.UNIT_KEY])
    return codes, [str(n) for n in names]


def _group_count(codes: "Any", n: int, where: "Any" = None) -> list[int]:
    import numpy as np

    if where is not None:
        codes = codes[where]
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
        sums = {k: _group_sum(codes, n, int_array(col(v, k))) for k in ("participants", "problems_found",
                                                                         "solved_on_spot")}
        # distinct non-empty 走访对象 per unit, and per (unit, 对象类型)
        object_names = np.asarray(texts(col(v, "object_name")), dtype=object)
        present = object_names != ""
        name_codes, _ = factorize(pd.Series(object_names[present], dtype=object))
        type_codes, types = factorize(col(v, "object_type")[present])
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
        status, satisfaction = col(p, "status"), col(p, "satisfaction")
        counts = {
            "problems": _group_count(codes, n),
            "problems_closed": _group_count(codes, n, mask(status.isin(S.CLOSED_STATUSES))),
            "rated": _group_count(codes, n, mask(satisfaction.isin(S.SATISFACTION))),
            "satisfied": _group_count(codes, n, mask(satisfaction.isin(S.SATISFIED))),
            "overdue_problems": _group_count(codes, n, equal(col(p, "overdue"), S.YES)),
        }
        for i, name in enumerate(names):
            e = entry(name)
            for k, values in counts.items():
                e[k] = values[i]
    codes, names = _group_codes(t)
    n = len(names)
    if n:
        status, list_type = col(t, "status"), col(t, "list_type")
        counts = {
            "tasks": _group_count(codes, n),
            "tasks_completed": _group_count(codes, n, equal(status, S.TASK_DONE)),
            "overdue_tasks": _group_count(codes, n, equal(col(t, "light"), S.RED)),
        }
        by_list = {k: _group_count(codes, n, equal(list_type, k)) for k in S.TASK_LIST_TYPES}
        by_status = {k: _group_count(codes, n, equal(status, k)) for k in S.TASK_STATUSES}
        present, values = present_floats(col(t, "progress"))
        values = values[present]
        order = np.argsort(codes[present], kind="stable")
        bounds = np.searchsorted(codes[present][order], np.arange(n + 1))
        for i, name in enumerate(names):
            e = entry(name)
            for k, counted in counts.items():
                e[k] = counted[i]
            e["tasks_by_type"] = {k: by_list[k][i] for k in S.TASK_LIST_TYPES}
            e["tasks_by_status"] = {k: by_status[k][i] for k in S.TASK_STATUSES}
            e["average_progress"] = mean1(values[order[bounds[i]:bounds[i + 1]]])
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


def _unit_entry(code: str, name: str, status: str, st: dict[str, Any] | None) -> dict[str, Any]:
    st = st or _empty_unit_stats()
    return {
        "code": code,
        "name": name,
        "submitted": status != MISSING,  # sent files (有退回 included: it sent something)
        "status": status,  # 报送情况: 已报送 / 部分报送 / 有退回 / 未报送
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


def unit_figures(details: "dict[str, pd.DataFrame]", result: ValidationResult, index: UnitIndex,
                 submission: Submission) -> list[dict[str, Any]]:
    """The ``units`` list of the figures: configured units in order, then the others found (by name)."""
    stats = _unit_stats(details)
    names: list[tuple[str, str]] = [(u.code, u.name) for u in result.units]
    configured = {u.name for u in result.units}
    found = set(stats) | set(submission.unknown_units)
    if not result.units:  # no unit list: every unit found in readable files
        found |= {index.display(f.unit, f.unit_code) for f in result.files if f.status != FILE_UNREADABLE}
    for name in sorted(found - configured, key=index.sort_key):
        names.append((_first_code(details, name), name))
    statuses = {u.name: u.status for u in submission.units}
    return [_unit_entry(code, name, statuses.get(name, SENT if name in stats else MISSING), stats.get(name))
            for code, name in names]


def _first_code(details, name: str) -> str:
    for df in details.values():
        sub = df[df[S.UNIT_KEY] == name] if len(df) else df
        for code in col(sub, META_UNIT_CODE).tolist():
            if text(code):
                return text(code)
    return ""


def totals(units: list[dict[str, Any]], tasks: "pd.DataFrame") -> dict[str, Any]:
    """The 合计 entry: sums of the units' counts, rates recomputed from the sums."""
    total: dict[str, Any] = {"code": "", "name": "合计", "submitted": sum(1 for u in units if u["submitted"])}
    for key in UNIT_COUNT_KEYS:
        total[key] = int(sum(u[key] for u in units))
    total["objects_by_type"] = {k: int(sum(u["objects_by_type"][k] for u in units)) for k in S.OBJECT_TYPES}
    total["tasks_by_type"] = {k: int(sum(u["tasks_by_type"][k] for u in units)) for k in S.TASK_LIST_TYPES}
    total["tasks_by_status"] = {k: int(sum(u["tasks_by_status"][k] for u in units)) for k in S.TASK_STATUSES}
    total["closure_rate"] = rate(total["problems_closed"], total["problems"])
    total["satisfaction_rate"] = rate(total["satisfied"], total["rated"])
    total["average_progress"] = mean1(progress_values(tasks))
    # same key order as a unit entry
    order = list(units[0].keys()) if units else list(total.keys())
    return {k: total[k] for k in order if k in total} | {k: v for k, v in total.items() if k not in order}
