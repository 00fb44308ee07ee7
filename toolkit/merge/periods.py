"""Period over period: the figures that set this period beside the recorded ones (docs/figures.md).

    previous    the previous recorded period's headline figures, and ``change`` (较上期) key by key
    cumulative  since the first recorded period: visits summed, problems and tasks once per 编号
    trend       one entry per recorded period, then this one
    problems    carried / new / closed_this_period / cancelled_this_period / still_open, and their ``flow``
    tasks       carried / new / completed_this_period / reopened, schedule (序时进度 classes),
                behind_key, behind_units
    units       per unit: problems_carried … tasks_by_schedule, schedule_reached_rate, previous, cumulative

and the per-period columns 汇总表 shows (:func:`state_columns`, :func:`board`). Everything is read
from the merged tables (whole columns) and :class:`toolkit.model.History` (the recorded periods'
headline figures and ledgers, plain data); one Python step per unit, period, month or class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .. import schema as S
from ..model import Carried, History, Period, RecordedPeriod, UnitIndex
from .exact import difference, mean1, plain_number, rate
from .frames import col, equal, factorize, factorize_pairs, floats, isos, lookup, mask, positions, take_at, texts

if TYPE_CHECKING:
    import pandas as pd

FINAL = {"problems": "已销号", "tasks": S.TASK_DONE}  # the status at which an item leaves its list

# ---------------------------------------------------------------------------
# Headline figures: what the store keeps of a period, and what `previous` and `trend` read
# ---------------------------------------------------------------------------

#: the figures blocks kept as a period's headline (lists of rows left out)
HEADLINE_BLOCKS = ("visits", "problems", "tasks", "validation")
LONG_LISTS = ("unfinished_key", "behind_key", "behind_units")
#: the keys of a unit entry kept in the headline (and compared by ``units[].previous``)
HEADLINE_UNIT_KEYS = ("code", "name", "status", "visits", "participants", "problems", "problems_closed",
                      "closure_rate", "tasks", "tasks_completed", "average_progress", "overdue_problems",
                      "overdue_tasks", "problems_carried", "problems_new", "problems_closed_this_period",
                      "problems_still_open", "tasks_by_schedule", "schedule_reached_rate")
_NOT_IN_HEADLINE_TOTALS = ("objects_by_type", "tasks_by_type", "tasks_by_status", "previous", "cumulative")


def headline(figures: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a period: visits/problems/tasks/validation blocks, 报送 counts, totals, per unit."""
    out: dict[str, Any] = {}
    for block in HEADLINE_BLOCKS:
        value = figures.get(block)
        if isinstance(value, dict):
            out[block] = {k: v for k, v in value.items() if k not in LONG_LISTS}
    sub = figures.get("submission") or {}
    out["submission"] = {k: sub.get(k) for k in ("expected", "submitted", "counts")}
    out["units"] = [{k: u.get(k) for k in HEADLINE_UNIT_KEYS} for u in figures.get("units") or []]
    out["totals"] = {k: v for k, v in (figures.get("totals") or {}).items() if k not in _NOT_IN_HEADLINE_TOTALS}
    return out


#: the numbers of a trend entry, compared by ``previous.change`` (RATES: in percentage points)
TREND_KEYS = ("visits", "participants", "problems", "problems_new", "problems_closed", "closure_rate",
              "overdue_problems", "tasks", "tasks_completed", "completion_rate", "average_progress",
              "overdue_tasks", "tasks_behind", "schedule_reached_rate")
#: the numbers of a unit's ``previous`` entry compared by its ``change``
UNIT_CHANGE_KEYS = ("visits", "participants", "problems", "problems_new", "problems_closed", "closure_rate",
                    "overdue_problems", "tasks", "tasks_completed", "average_progress", "overdue_tasks",
                    "tasks_behind", "schedule_reached_rate")
RATES = frozenset(("closure_rate", "completion_rate", "average_progress", "schedule_reached_rate"))


def _get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def trend_entry(head: dict[str, Any]) -> dict[str, Any]:
    """The trend numbers of one period from its headline (None where an older record lacks one)."""
    return {
        "visits": _get(head, "visits", "count"),
        "participants": _get(head, "visits", "participants"),
        "problems": _get(head, "problems", "count"),
        "problems_new": _get(head, "problems", "new"),
        "problems_closed": _get(head, "problems", "closed"),
        "closure_rate": _get(head, "problems", "closure_rate"),
        "overdue_problems": _get(head, "problems", "overdue"),
        "tasks": _get(head, "tasks", "count"),
        "tasks_completed": _get(head, "tasks", "completed"),
        "completion_rate": _get(head, "tasks", "completion_rate"),
        "average_progress": _get(head, "tasks", "average_progress"),
        "overdue_tasks": _get(head, "tasks", "overdue"),
        "tasks_behind": _get(head, "tasks", "schedule", "counts", S.SCHEDULE_BEHIND),
        "schedule_reached_rate": _get(head, "tasks", "schedule", "reached_rate"),
        "problem_lights": _get(head, "problems", "lights"),
        "task_lights": _get(head, "tasks", "lights"),
    }


def _unit_numbers(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: entry.get(k) for k in UNIT_CHANGE_KEYS if k != "tasks_behind"}
    out["tasks_behind"] = _get(entry, "tasks_by_schedule", S.SCHEDULE_BEHIND)
    return out


def change(now: dict[str, Any], before: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``now − before`` per key: counts as integers, rates in percentage points (one decimal); None when
    either is missing."""
    out: dict[str, Any] = {}
    for key in keys:
        a, b = now.get(key), before.get(key)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            out[key] = None
        elif key in RATES:
            out[key] = difference(a, b)
        else:
            out[key] = int(a) - int(b)
    return out


# ---------------------------------------------------------------------------
# Items: what was open at the start, what is new, what changed
# ---------------------------------------------------------------------------


@dataclass
class Flow:
    """Per row of one item table: its status at the start of the period (None: not in that ledger),
    carried (open at the start), new (first listed this period)."""

    start: Any  # object array
    carried: Any  # bool arrays
    new: Any


def _flow(df: "pd.DataFrame", key: str, history: History | None, carried: Carried | None,
          own: list[str]) -> Flow:
    import numpy as np

    n = len(df)
    if not n:
        empty = np.zeros(0, dtype=bool)
        return Flow(np.zeros(0, dtype=object), empty, empty)
    before = history.states.get(key, {}).get(history.start_code) if history else None
    if before is not None:
        start = lookup(before["id"], before["status"], df["id"])
    elif carried and carried.open.get(key):
        items = carried.open[key]
        start = lookup(list(items), [s.get("status") for s in items.values()], df["id"])
    else:
        start = np.full(n, None, dtype=object)
    present = _known(start)
    was_final = _isin(start, (FINAL[key],))
    new = col(df, S.FIRST_PERIOD_KEY).isin(own).fillna(False).to_numpy(dtype=bool)
    return Flow(start, present & ~was_final, new & ~present)


def _isin(values: Any, choices: tuple[str, ...]) -> Any:
    """``value in choices`` per value of an object array (None never is), hashed by pandas."""
    import pandas as pd

    return pd.Series(values, dtype=object).isin(choices).to_numpy(dtype=bool)


def _known(values: Any) -> Any:
    """Not None, per value of an object array."""
    import pandas as pd

    return pd.Series(values, dtype=object).notna().to_numpy(dtype=bool)


def _by_first_period(first: "pd.Series", where: Any, order: list[str], names: dict[str, str]) -> list[dict]:
    import numpy as np

    codes, values = factorize(first[where])
    counts = np.bincount(codes, minlength=len(values) + 1)
    found = {v: int(c) for v, c in zip(values, counts.tolist()) if isinstance(v, str)}
    ranked = [c for c in order if c in found] + sorted(c for c in found if c not in order)
    return [{"period": c, "name": names.get(c, c), "count": found[c]} for c in ranked]


def _periods_listed(first: "pd.Series", where: Any, order: list[str]) -> int | None:
    """The most periods an item of ``where`` has been listed in, this one included."""
    if not where.any() or not order:
        return None
    rank = {c: i for i, c in enumerate(order)}
    ranks = first[where].map(rank).dropna()
    if not len(ranks):
        return None
    return int(len(order) - ranks.min())


def _problem_flow(p: "pd.DataFrame", flow: Flow, as_of: date, order: list[str],
                  names: dict[str, str]) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    status = col(p, "status")
    closed = mask(status.isin(S.CLOSED_STATUSES))
    cancelled = equal(status, "已销号")
    start = flow.start
    closed_at_start = _isin(start, S.CLOSED_STATUSES)
    carried, new = flow.carried, flow.new
    updated = ~equal(col(p, "state"), S.STATE_STALE)
    first = col(p, S.FIRST_PERIOD_KEY)
    still = ~closed
    aged = still & carried
    days = (pd.Timestamp(as_of) - pd.to_datetime(col(p, "assigned_date"), errors="coerce")).dt.days
    days = days[aged].dropna().to_numpy(dtype=np.float64)

    def n(m: Any) -> int:
        return int(np.count_nonzero(m))

    flow = {
        "carried": {
            "count": n(carried),
            "updated": n(carried & updated),
            "stale": n(carried & ~updated),
            "closed": n(carried & closed),
            "closed_this_period": n(carried & closed & ~closed_at_start),
            "cancelled": n(carried & cancelled),
            "awaiting": n(carried & closed & ~cancelled),
            "open": n(carried & ~closed),
            "reopened": n(carried & ~closed & closed_at_start),
            "by_first_period": _by_first_period(first, carried, order, names),
        },
        "new": {"count": n(new), "closed": n(new & closed), "cancelled": n(new & cancelled), "open": n(new & ~closed),
                "by_source": _by_source(col(p, "source"), new)},
        "still_open": {
            "count": n(still),
            "carried": n(aged),
            "new": n(still & new),
            "by_first_period": _by_first_period(first, aged, order, names),
            "periods_max": _periods_listed(first, aged, order),
            "days_max": int(days.max()) if len(days) else None,
            "days_average": mean1(days),
        },
    }
    return {
        "carried": flow["carried"]["count"],
        "new": flow["new"]["count"],
        "closed_this_period": n(closed & ~closed_at_start),
        "cancelled_this_period": n(cancelled & ~_isin(start, ("已销号",))),
        "still_open": flow["still_open"]["count"],
        "flow": flow,
    }


def _by_source(source: "pd.Series", rows: Any) -> list[dict[str, Any]]:
    """How many of ``rows`` came from each 来源 (schema order, then any other value; none left out)."""
    import numpy as np

    picked = source[np.asarray(rows, dtype=bool)]
    counts = picked.value_counts(dropna=True)
    names = [*S.PROBLEM_SOURCES, *sorted(str(v) for v in counts.index if v not in S.PROBLEM_SOURCES)]
    return [{"name": name, "count": int(counts.get(name, 0))} for name in names]


def _task_flow(t: "pd.DataFrame", flow: Flow) -> dict[str, Any]:
    import numpy as np

    done = equal(col(t, "status"), S.TASK_DONE)
    known = flow.carried | flow.new
    return {
        "carried": int(np.count_nonzero(flow.carried)),
        "new": int(np.count_nonzero(flow.new)),
        "completed_this_period": int(np.count_nonzero(done & ~_isin(flow.start, (S.TASK_DONE,)))),
        "reopened": int(np.count_nonzero(~known & ~done)),
    }


# ---------------------------------------------------------------------------
# 序时进度
# ---------------------------------------------------------------------------


def _codes(series: "pd.Series", names: tuple[str, ...]) -> Any:
    """The index in ``names`` of each value (``len(names)`` for any other value or NA), hashed by pandas."""
    import numpy as np
    import pandas as pd

    found = pd.Series(series, dtype=object).map({name: n for n, name in enumerate(names)})
    return found.fillna(len(names)).to_numpy(dtype=np.int64)


def _class_counts(classes: Any, where: Any = None) -> dict[str, int]:
    """Tasks per 序时进度 class (``classes``: :func:`_codes` of ``schedule_class``)."""
    import numpy as np

    values = classes if where is None else classes[where]
    counts = np.bincount(values, minlength=len(S.SCHEDULE_CLASSES) + 1).tolist()
    return {c: int(counts[n]) for n, c in enumerate(S.SCHEDULE_CLASSES)}


def _schedule_entry(counts: dict[str, int]) -> dict[str, Any]:
    count = sum(counts.values())
    reached = count - counts[S.SCHEDULE_BEHIND]
    return {"count": count, "counts": counts, "rates": {c: rate(v, count) for c, v in counts.items()},
            "reached": reached, "reached_rate": rate(reached, count)}


def _schedule(classes: Any, types: Any) -> dict[str, Any]:
    block = {"tolerance": S.SCHEDULE_TOLERANCE, **_schedule_entry(_class_counts(classes))}
    block["by_type"] = [{"name": name, **_schedule_entry(_class_counts(classes, types == n))}
                        for n, name in enumerate(S.TASK_LIST_TYPES)]
    return block


def _behind_key(t: "pd.DataFrame", key_behind: Any) -> list[dict[str, Any]]:
    """重点任务 欠进度 (``key_behind``), by 完成时限 (tasks without one last), ties in row order."""
    import numpy as np
    import pandas as pd

    rows = np.flatnonzero(key_behind)
    due = pd.to_datetime(col(t, "deadline").iloc[rows], errors="coerce")
    days = due.to_numpy(dtype="datetime64[ns]").view(np.int64)
    missing = due.isna().to_numpy(dtype=bool)
    sub = t.iloc[rows[np.lexsort((np.arange(len(rows)), np.where(missing, 0, days), missing))]]
    items = zip(texts(col(sub, "id")), sub[S.UNIT_KEY].tolist(), texts(col(sub, "name")), isos(col(sub, "deadline")),
                floats(col(sub, "progress")), floats(col(sub, "schedule")), texts(col(sub, "status")),
                texts(col(sub, "owner")), texts(col(sub, "leader")), equal(col(sub, "light"), S.RED).tolist())
    return [{"id": i, "unit": u, "name": nm, "deadline": d, "progress": pr, "schedule": sc, "status": st,
             "owner": ow, "leader": le, "overdue": bool(od)}
            for i, u, nm, d, pr, sc, st, ow, le, od in items]


# ---------------------------------------------------------------------------
# Per unit
# ---------------------------------------------------------------------------


def _per_unit(df: "pd.DataFrame", masks: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Unit (display name) → key → rows of ``masks[key]`` (one bincount per key)."""
    import numpy as np

    if not len(df):
        return {}
    codes, names = factorize(df[S.UNIT_KEY])
    out: dict[str, dict[str, int]] = {str(name): {} for name in names}
    for key, m in masks.items():
        counts = np.bincount(codes[m], minlength=len(names) + 1).tolist()
        for i, name in enumerate(names):
            out[str(name)][key] = int(counts[i])
    return out


class _Units:
    """The unit entries of a recorded headline, found by code (when there is one), else by name."""

    def __init__(self, entries: list[dict[str, Any]]):
        self.by_code = {e.get("code"): e for e in reversed(entries) if e.get("code")}
        self.by_name = {e.get("name"): e for e in reversed(entries)}

    def find(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        code = entry.get("code") or ""
        return (self.by_code.get(code) if code else None) or self.by_name.get(entry.get("name"))


# ---------------------------------------------------------------------------
# The whole
# ---------------------------------------------------------------------------


def _own_codes(history: History | None, period: Period | None) -> list[str]:
    if history and history.parts:
        return [p.code for p in history.parts]
    return [period.code] if period is not None else []


def add_period_figures(figures: dict[str, Any], details: "dict[str, pd.DataFrame]", *, history: History | None,
                       carried: Carried | None, period: Period | None, as_of: date, index: UnitIndex,
                       achievements: Callable[["pd.DataFrame"], list[dict[str, Any]]]) -> None:
    """Add the period-over-period figures to ``figures`` (in place; docs/figures.md)."""
    p, t = details["problems"], details["tasks"]
    own = _own_codes(history, period)
    earlier = list(history.periods) if history else []
    shown = list(history.parts) if history and history.parts else []
    names = {r.code: r.name for r in earlier + shown}
    if period is not None and not shown:
        names[period.code] = period.name
    order = [r.code for r in earlier] + own
    flows = {key: _flow(details[key], key, history, carried, own) for key in S.ITEM_SHEETS}

    figures["problems"].update(_problem_flow(p, flows["problems"], as_of, order, names))
    figures["tasks"].update(_task_flow(t, flows["tasks"]))
    classes = _codes(col(t, "schedule_class"), S.SCHEDULE_CLASSES)
    types = _codes(col(t, "list_type"), S.TASK_LIST_TYPES)
    behind = classes == S.SCHEDULE_CLASSES.index(S.SCHEDULE_BEHIND)
    key_behind = behind & (types == S.TASK_LIST_TYPES.index(S.KEY_TASK))
    figures["tasks"]["schedule"] = _schedule(classes, types)
    figures["tasks"]["behind_key"] = _behind_key(t, key_behind)

    # per unit
    pf, status = flows["problems"], col(p, "status")
    closed = mask(status.isin(S.CLOSED_STATUSES))
    closed_at_start = _isin(pf.start, S.CLOSED_STATUSES)
    problem_counts = _per_unit(p, {"problems_carried": pf.carried, "problems_new": pf.new,
                                   "problems_closed_this_period": closed & ~closed_at_start,
                                   "problems_still_open": ~closed})
    task_counts = _per_unit(t, {c: classes == n for n, c in enumerate(S.SCHEDULE_CLASSES)}
                            | {"key_behind": key_behind})
    units, total = figures["units"], figures["totals"]
    empty_problems = dict.fromkeys(("problems_carried", "problems_new", "problems_closed_this_period",
                                    "problems_still_open"), 0)
    for u in units:
        u.update(problem_counts.get(u["name"], empty_problems))
        found = task_counts.get(u["name"], {})
        u["tasks_by_schedule"] = {c: found.get(c, 0) for c in S.SCHEDULE_CLASSES}
        u["schedule_reached_rate"] = rate(u["tasks"] - u["tasks_by_schedule"][S.SCHEDULE_BEHIND], u["tasks"])
    for key in empty_problems:
        total[key] = int(sum(u[key] for u in units))
    total["tasks_by_schedule"] = {c: int(sum(u["tasks_by_schedule"][c] for u in units)) for c in S.SCHEDULE_CLASSES}
    total["schedule_reached_rate"] = rate(total["tasks"] - total["tasks_by_schedule"][S.SCHEDULE_BEHIND],
                                          total["tasks"])
    figures["tasks"]["behind_units"] = [
        {"code": u["code"], "name": u["name"], "count": task_counts.get(u["name"], {}).get(S.SCHEDULE_BEHIND, 0),
         "key": task_counts.get(u["name"], {}).get("key_behind", 0)}
        for u in units if task_counts.get(u["name"], {}).get(S.SCHEDULE_BEHIND, 0)]

    this = headline(figures)
    _previous(figures, this, history, period)
    _cumulative(figures, details, history, carried, index, own, achievements)
    figures["trend"] = _trend(this, history, period)


def _period_json(r: RecordedPeriod) -> dict[str, str]:
    return {"code": r.code, "name": r.name, "start": r.start, "end": r.end}


def _previous(figures: dict[str, Any], this: dict[str, Any], history: History | None, period: Period | None) -> None:
    from datetime import timedelta

    before = history.previous if history else None
    units, total = figures["units"], figures["totals"]
    if before is None:
        figures["previous"] = None
        for u in units:
            u["previous"] = None
        total["previous"] = None
        return
    head = before.headline
    start = period.start if period is not None else None
    if history and history.parts:
        start = date.fromisoformat(history.parts[0].start)
    adjacent = start is not None and date.fromisoformat(before.end) + timedelta(days=1) == start
    figures["previous"] = {
        "period": _period_json(before), "as_of": before.as_of, "adjacent": adjacent,
        "visits": head.get("visits"), "problems": head.get("problems"), "tasks": head.get("tasks"),
        "totals": head.get("totals"),
        "change": change(trend_entry(this), trend_entry(head), TREND_KEYS),
    }
    others = _Units(head.get("units") or [])
    for u in units:
        found = others.find(u)
        u["previous"] = None if found is None else {
            **found, "change": change(_unit_numbers(u), _unit_numbers(found), UNIT_CHANGE_KEYS)}
    found = head.get("totals")
    total["previous"] = None if not found else {
        **found, "change": change(_unit_numbers(total), _unit_numbers(found), UNIT_CHANGE_KEYS)}


_CUMULATIVE_VISITS = ("count", "participants", "problems_found", "solved_on_spot")


def _before(carried: Carried | None, key: str, ledger: "pd.DataFrame") -> "tuple[Any, list[tuple[Any, Any]]]":
    """The items of ``key`` closed before this period and not in its ledger: (unit pair codes, pairs)."""
    import numpy as np
    import pandas as pd

    closed = list((carried.closed.get(key) or {}) if carried else {})
    if not closed:
        return np.zeros(0, dtype=np.int64), []
    ids = pd.Index(closed, dtype=object)
    keep = ~ids.isin(pd.Index(col(ledger, "id").dropna(), dtype=object)) if len(ledger) else np.ones(len(ids), bool)
    issued = carried.issued.get(key, {}) if carried else {}
    owners = [issued.get(i, ("", "", "")) for i in ids[keep].tolist()]
    return factorize_pairs(pd.Series([o[2] for o in owners], dtype=object),
                           pd.Series([o[0] for o in owners], dtype=object))


def _cumulative(figures: dict[str, Any], details: "dict[str, pd.DataFrame]", history: History | None,
                carried: Carried | None, index: UnitIndex, own: list[str],
                achievements: Callable[["pd.DataFrame"], list[dict[str, Any]]]) -> None:
    import numpy as np

    earlier = list(history.periods) if history else []
    first: dict[str, str] | None = figures.get("period") and {"code": figures["period"]["code"],
                                                              "name": figures["period"]["name"]}
    if earlier or (history and history.parts):
        r = earlier[0] if earlier else history.parts[0]  # type: ignore[union-attr]
        first = {"code": r.code, "name": r.name}
    visits = {k: int(figures["visits"].get(k) or 0) + sum(int(_get(r.headline, "visits", k) or 0) for r in earlier)
              for k in _CUMULATIVE_VISITS}
    p, t = figures["problems"], figures["tasks"]
    extra: dict[str, dict[str, int]] = {}  # unit → counts of items closed before, not in the ledger
    totals_before: dict[str, int] = {}
    for key in S.ITEM_SHEETS:
        codes, pairs = _before(carried, key, details[key])
        counts = np.bincount(codes, minlength=len(pairs) + 1).tolist() if len(pairs) else []
        totals_before[key] = int(len(codes))
        for (name, code), c in zip(pairs, counts):
            shown = index.display(name, code)
            extra.setdefault(shown, {}).setdefault(key, 0)
            extra[shown][key] += int(c)
    problems_count = p["count"] + totals_before["problems"]
    problems_closed = p["closed"] + totals_before["problems"]
    tasks_count = t["count"] + totals_before["tasks"]
    tasks_done = t["completed"] + totals_before["tasks"]
    figures["cumulative"] = {
        "first_period": first,
        "periods": len(earlier) + max(1, len(own)),
        "visits": visits,
        "problems": {"count": problems_count, "closed": problems_closed,
                     "cancelled": p["cancelled"] + totals_before["problems"],
                     "open": problems_count - problems_closed, "overdue": p["overdue"],
                     "closure_rate": rate(problems_closed, problems_count)},
        "tasks": {"count": tasks_count, "completed": tasks_done, "open": tasks_count - tasks_done,
                  "overdue": t["overdue"], "completion_rate": rate(tasks_done, tasks_count)},
        "achievements": _add_achievements(figures["achievements"],
                                          achievements(_achievement_rows(details["tasks"], history, index))),
    }
    recorded_units = [_Units(r.headline.get("units") or []) for r in earlier]
    for u in figures["units"] + [figures["totals"]]:
        is_total = u is figures["totals"]
        if is_total:
            before_p, before_t = totals_before["problems"], totals_before["tasks"]
            vis = {k: visits[k] for k in ("count", "participants")}
        else:
            mine = extra.get(u["name"], {})
            before_p, before_t = mine.get("problems", 0), mine.get("tasks", 0)
            vis = {"count": u["visits"], "participants": u["participants"]}
            for found_in in recorded_units:
                found = found_in.find(u)
                if found:
                    vis["count"] += int(found.get("visits") or 0)
                    vis["participants"] += int(found.get("participants") or 0)
        problems, closed_ = u["problems"] + before_p, u["problems_closed"] + before_p
        tasks, done = u["tasks"] + before_t, u["tasks_completed"] + before_t
        u["cumulative"] = {"visits": vis["count"], "participants": vis["participants"], "problems": problems,
                           "problems_closed": closed_, "closure_rate": rate(closed_, problems), "tasks": tasks,
                           "tasks_completed": done, "completion_rate": rate(done, tasks)}


def _achievement_rows(tasks: "pd.DataFrame", history: History | None, index: UnitIndex) -> "pd.DataFrame":
    """The tasks completed before this period with a 成果数值 that are not in its ledger, as a table."""
    import pandas as pd

    keys = ("result_value", "result_text", "name", "result_unit")
    done = (history.achievements if history else None) or {}
    if not done.get("id"):
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in (*keys, S.UNIT_KEY)})
    before = pd.DataFrame({k: pd.Series(done[k], dtype=object) for k in ("id", "unit", "unit_code", *keys)})
    listed = pd.Index(col(tasks, "id").dropna(), dtype=object)
    before = before[~pd.Index(before["id"], dtype=object).isin(listed)]
    codes, pairs = factorize_pairs(before["unit"], before["unit_code"])
    shown = [index.display(n, c) for n, c in pairs] + [""]
    before[S.UNIT_KEY] = pd.Series([shown[c] for c in codes.tolist()], index=before.index, dtype=object)
    before["result_value"] = pd.to_numeric(before["result_value"], errors="coerce")
    return before[[*keys, S.UNIT_KEY]]


def _add_achievements(now: list[dict[str, Any]], before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """This period's 成果 groups with those of the tasks completed before added (same 说明 and 计量单位:
    values summed exactly, units and items added)."""
    from decimal import Decimal

    out = [dict(a, units=list(a["units"])) for a in now]
    found = {(a["description"], a["unit"]): a for a in out}
    for b in before:
        a = found.get((b["description"], b["unit"]))
        if a is None:
            found[(b["description"], b["unit"])] = a = dict(b, units=list(b["units"]))
            out.append(a)
            continue
        a["value"] = plain_number(Decimal(repr(a["value"])) + Decimal(repr(b["value"])))
        a["units"] += [u for u in b["units"] if u not in a["units"]]
        a["items"] += b["items"]
    return out


def _trend(this: dict[str, Any], history: History | None, period: Period | None) -> list[dict[str, Any]]:
    """One entry per recorded period before this one, then this one (a period made of recorded ones:
    one entry per part); ``visits_cumulative`` counts from the first recorded period."""
    earlier = list(history.periods) if history else []
    parts = list(history.parts) if history and history.parts else []
    if parts:
        running = sum(int(_get(r.headline, "visits", "count") or 0) for r in earlier)
        entries = [(_period_json(r), r.headline, False) for r in parts]
    else:
        running = 0
        entries = [(_period_json(r), r.headline, False) for r in earlier]
        if period is not None:
            entries.append(({"code": period.code, "name": period.name, "start": period.start.isoformat(),
                             "end": period.end.isoformat()}, this, True))
    out: list[dict[str, Any]] = []
    for when, head, current in entries:
        numbers = trend_entry(head)
        running += int(numbers["visits"] or 0)
        out.append({"period": when["code"], "name": when["name"], "start": when["start"], "end": when["end"],
                    "current": current, **numbers, "visits_cumulative": running})
    return out


# ---------------------------------------------------------------------------
# 汇总表: the state of each item in each recorded period; the 作战图
# ---------------------------------------------------------------------------


def _percent_texts(values: Any) -> Any:
    """``60%`` / ``33.3%`` per value of an object array of numbers (None stays None)."""
    import numpy as np
    import pandas as pd

    codes, uniques = factorize(pd.Series(values, dtype=object))
    shown = [f"{float(v):g}%" for v in uniques] + [None]
    return np.asarray(shown, dtype=object)[codes]


def _joined(*parts: Any) -> Any:
    """Texts joined per row (object arrays; a None part makes the row None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = [p if isinstance(p, str) else pa.array(p, type=pa.string(), from_pandas=True) for p in parts]
    return pc.binary_join_element_wise(*arrays, "").to_numpy(zero_copy_only=False)


def state_columns(df: "pd.DataFrame", key: str, history: History | None) -> list[tuple[str, "pd.Series"]]:
    """(header, values) of each recorded period before this one: the item's state at its end (problems:
    办理状态; tasks: 推进状态 and 完成进度, ``推进中 60%``); empty where the item was not on that ledger."""
    import pandas as pd

    if history is None:
        return []
    out = []
    states = history.states.get(key, {})
    for r in history.periods:
        st = states.get(r.code)
        if st is None:
            continue
        at = positions(st["id"], df["id"]) if len(df) else []
        status = take_at(st["status"], at) if len(df) else []
        if key == "tasks" and len(df):
            shown = _joined(status, " ", _percent_texts(take_at(st["progress"], at)))
        else:
            shown = status
        out.append((f"{r.name}{'进度' if key == 'tasks' else '状态'}", pd.Series(shown, index=df.index, dtype=object)))
    return out


#: months on the 作战图 at most (a later deadline is planned to the last column)
BOARD_MONTHS = 36
PLANNED, DONE_MARK, FLAG = 1, 2, 4  # bits of a month cell's mark
CHECK, BLACK_FLAG = "✓", "⚑"


@dataclass
class Board:
    """The 作战图 as columns, one line per task under its 清单类型 and unit headings.

    ``lines``: ``level`` (0 清单类型 heading, 1 unit heading, 2 task), ``label`` (the heading's
    text), then the task's ``id``, ``name``, ``unit_in_charge``, ``leader``, ``deadline``,
    ``progress``, ``schedule``, ``schedule_class``, ``light``; ``months`` ((year, month) of each
    month column, from the first recorded period to the latest 完成时限, at most
    :data:`BOARD_MONTHS`); per month, ``cells`` (the text: a period's 完成进度 ``60%`` in the month
    it ended (this period: the month of as_of if earlier), ``✓`` instead in the month the task was
    found 已完成, ``⚑`` in front in the month it went overdue: the month after the 完成时限 it had
    when it was first found 红) and ``marks`` (:data:`PLANNED` — between
    the month of its planned start and of its 完成时限 — | :data:`DONE_MARK` | :data:`FLAG`)."""

    months: list[tuple[int, int]]
    lines: "pd.DataFrame"
    cells: list[Any]
    marks: list[Any]


def _month(value: Any) -> int:
    return value.year * 12 + value.month - 1


def _months(series: "pd.Series") -> Any:
    """Month numbers (year·12 + month − 1) of a datetime column; −1 where missing."""
    import numpy as np

    s = series
    out = (s.dt.year.to_numpy(dtype=np.float64, na_value=np.nan) * 12 + s.dt.month.to_numpy(
        dtype=np.float64, na_value=np.nan) - 1)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def board(tasks: "pd.DataFrame", history: History | None, period: Period | None, as_of: date) -> Board:
    """The 作战图 of the period's tasks (every task of its ledger), with the states of the recorded periods."""
    import numpy as np
    import pandas as pd

    n = len(tasks)
    starts = [date.fromisoformat(history.periods[0].start)] if history and history.periods else []
    if period is not None:
        starts.append(period.start)
    first = min(starts) if starts else as_of.replace(day=1)
    now = min(period.end, as_of) if period is not None else as_of
    deadline = pd.to_datetime(col(tasks, "deadline"), errors="coerce")
    due = _months(deadline)
    last = max([_month(as_of)] + ([int(due.max())] if n and due.max() >= 0 else []))
    last = min(last, _month(first) + BOARD_MONTHS - 1)
    base = _month(first)
    width = last - base + 1
    months = [((base + j) // 12, (base + j) % 12 + 1) for j in range(width)]

    # states in time order: each recorded period's (its month, status, progress, light), then this one
    ids = col(tasks, "id")
    steps: list[tuple[int, int, Any, Any, Any, Any]] = []
    for r in history.periods if history else []:
        st = history.states.get("tasks", {}).get(r.code) if history else None
        if st is None or not n:
            continue
        when = min(date.fromisoformat(r.end), date.fromisoformat(r.as_of))
        at = positions(st["id"], ids)
        due_then = pd.Series(np.asarray(take_at(st.get("deadline", [None] * len(st["id"])), at),
                                        dtype="datetime64[D]").astype("datetime64[ns]"))
        steps.append((_month(when), _month(date.fromisoformat(r.as_of)), take_at(st["status"], at),
                      take_at(st["progress"], at), take_at(st["light"], at), due_then))
    steps.append((_month(now), _month(as_of), col(tasks, "status").to_numpy(dtype=object),
                  col(tasks, "progress").astype(object).to_numpy(dtype=object),
                  col(tasks, "light").to_numpy(dtype=object), deadline))
    cells = [np.full(n, None, dtype=object) for _ in range(width)]
    marks = [np.zeros(n, dtype=np.int8) for _ in range(width)]
    planned_from = _months(pd.to_datetime(col(tasks, S.PLANNED_START_KEY), errors="coerce"))
    planned_to = np.where(due >= 0, due, planned_from)
    for j in range(width):
        m = base + j
        marks[j] |= np.where((planned_from >= 0) & (planned_from <= m) & (m <= planned_to), PLANNED, 0).astype(np.int8)
    was_done = np.zeros(n, dtype=bool)
    red_month = np.full(n, -1, dtype=np.int64)
    for month, checked, status, progress, light, due_then in steps:
        j = month - base
        listed = pd.Series(status, dtype=object).notna().to_numpy(dtype=bool)
        done = pd.Series(status, dtype=object).eq(S.TASK_DONE).to_numpy(dtype=bool)
        newly = done & ~was_done
        text = np.where(newly, CHECK, np.where(listed & ~done, _percent_texts(progress), None)).astype(object)
        if 0 <= j < width:
            cells[j] = np.where(listed, text, cells[j]).astype(object)
            marks[j] |= np.where(newly, DONE_MARK, 0).astype(np.int8)
        was_done = np.where(listed, done, was_done)
        red = pd.Series(light, dtype=object).eq(S.RED).to_numpy(dtype=bool) & (red_month < 0)
        # overdue the month after the 完成时限 it had then (at the latest, the month it was found so)
        after_due = _months(pd.Series(pd.DatetimeIndex(due_then) + pd.Timedelta(days=1)))
        red_month = np.where(red, np.minimum(np.where(after_due >= 0, after_due, checked), checked), red_month)
    for j in range(width):
        flagged = red_month == base + j
        if j == 0:
            flagged |= (red_month >= 0) & (red_month < base)
        if j == width - 1:
            flagged |= red_month > base + j
        if flagged.any():
            rows = np.flatnonzero(flagged)
            cells[j][rows] = [BLACK_FLAG if t is None else f"{BLACK_FLAG}{t}" for t in cells[j][rows].tolist()]
            marks[j][rows] |= FLAG

    # lines: 清单类型 heading, unit heading, the unit's tasks in ledger order
    type_rank = col(tasks, "list_type").map({t: k for k, t in enumerate(S.TASK_LIST_TYPES)})
    type_rank = type_rank.astype("float64").fillna(len(S.TASK_LIST_TYPES)).to_numpy(dtype=np.int64)
    unit_codes, unit_names = factorize(col(tasks, S.UNIT_KEY))
    names_of = [str(u) for u in unit_names] + [""]
    wide = len(names_of)
    type_names = list(S.TASK_LIST_TYPES) + ["其他"]
    kinds, kind_counts = np.unique(type_rank, return_counts=True)
    pairs, pair_counts = np.unique(type_rank * wide + unit_codes, return_counts=True)
    head_type = np.concatenate([kinds, pairs // wide]).astype(np.int64)
    head_unit = np.concatenate([np.full(len(kinds), -1), pairs % wide]).astype(np.int64)
    labels = ([f"{type_names[t]}（{c}项）" for t, c in zip(kinds.tolist(), kind_counts.tolist())]
              + [f"{names_of[u]}（{c}项）" for u, c in zip((pairs % wide).tolist(), pair_counts.tolist())])
    all_type = np.concatenate([type_rank, head_type])
    all_unit = np.concatenate([unit_codes, head_unit])
    all_pos = np.concatenate([np.arange(n), np.full(len(labels), -1)])
    all_level = np.concatenate([np.full(n, 2), np.zeros(len(kinds)), np.ones(len(pairs))]).astype(np.int64)
    order = np.lexsort((all_pos, all_unit, all_type))
    pick = np.where(all_level[order] == 2, all_pos[order], -1)  # −1: a heading line

    def take(values: Any) -> Any:
        return np.append(np.asarray(values, dtype=object), np.asarray([None], dtype=object))[pick]

    def take_numbers(key: str) -> Any:
        values = pd.to_numeric(col(tasks, key), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        return np.append(values, np.nan)[pick]

    lines = pd.DataFrame({
        "level": all_level[order],
        "label": pd.Series(np.asarray([None] * n + labels, dtype=object)[order], dtype=object),
        **{k: pd.Series(take(col(tasks, k).to_numpy(dtype=object)), dtype=object)
           for k in ("id", "name", "unit_in_charge", "leader", "schedule_class", "light")},
        "progress": take_numbers("progress"),
        "schedule": take_numbers("schedule"),
    })
    lines["deadline"] = pd.Series(pd.DatetimeIndex(deadline).append(pd.DatetimeIndex([pd.NaT]))[pick])
    return Board(months, lines, [take(c) for c in cells],
                 [np.append(mk, np.zeros(1, dtype=np.int8))[pick] for mk in marks])
