"""Period over period: the figures that set this period beside the recorded ones (docs/figures.md).

    previous    the previous recorded period's headline figures, and ``change`` (较上期) key by key
    cumulative  since the first recorded period: visits summed, problems and tasks once per 编号
    trend       one entry per recorded period, then this one
    problems    carried / new / closed_this_period / cancelled_this_period / still_open
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
from .exact import difference, mean1, rate
from .frames import col, equal, factorize, factorize_pairs, floats, isos, lookup, mask, texts

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
        "problems_new": _get(head, "problems", "new", "count"),
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

    return {
        "carried": {
            "count": n(carried),
            "updated": n(carried & updated),
            "stale": n(carried & ~updated),
            "closed": n(carried & closed),
            "closed_this_period": n(carried & closed & ~closed_at_start),
            "cancelled": n(carried & cancelled),
            "open": n(carried & ~closed),
            "reopened": n(carried & ~closed & closed_at_start),
            "by_first_period": _by_first_period(first, carried, order, names),
        },
        "new": {"count": n(new), "closed": n(new & closed), "cancelled": n(new & cancelled), "open": n(new & ~closed)},
        "closed_this_period": n(closed & ~closed_at_start),
        "cancelled_this_period": n(cancelled & ~_isin(start, ("已销号",))),
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


def _class_counts(klass: "pd.Series", where: Any = None) -> dict[str, int]:
    import numpy as np

    values = klass if where is None else klass[where]
    return {c: int(np.count_nonzero(equal(values, c))) for c in S.SCHEDULE_CLASSES}


def _schedule_entry(counts: dict[str, int]) -> dict[str, Any]:
    count = sum(counts.values())
    reached = count - counts[S.SCHEDULE_BEHIND]
    return {"count": count, "counts": counts, "rates": {c: rate(v, count) for c, v in counts.items()},
            "reached": reached, "reached_rate": rate(reached, count)}


def _schedule(t: "pd.DataFrame") -> dict[str, Any]:
    klass = col(t, "schedule_class")
    list_type = col(t, "list_type")
    block = {"tolerance": S.SCHEDULE_TOLERANCE, **_schedule_entry(_class_counts(klass))}
    block["by_type"] = [{"name": name, **_schedule_entry(_class_counts(klass, equal(list_type, name)))}
                        for name in S.TASK_LIST_TYPES]
    return block


def _behind_key(t: "pd.DataFrame") -> list[dict[str, Any]]:
    """重点任务 欠进度, by 完成时限 (tasks without one last), ties in row order."""
    import numpy as np

    rows = np.flatnonzero(equal(col(t, "list_type"), S.KEY_TASK) & equal(col(t, "schedule_class"),
                                                                        S.SCHEDULE_BEHIND))
    sub = t.iloc[rows]
    deadlines = isos(col(sub, "deadline"))
    items = zip(texts(col(sub, "id")), sub[S.UNIT_KEY].tolist(), texts(col(sub, "name")), deadlines,
                floats(col(sub, "progress")), floats(col(sub, "schedule")), texts(col(sub, "status")),
                texts(col(sub, "owner")), texts(col(sub, "leader")), equal(col(sub, "light"), S.RED).tolist())
    keyed = sorted(zip(((d is None, d or "", pos) for pos, d in enumerate(deadlines)), items), key=lambda r: r[0])
    return [{"id": i, "unit": u, "name": nm, "deadline": d, "progress": pr, "schedule": sc, "status": st,
             "owner": ow, "leader": le, "overdue": bool(od)}
            for _, (i, u, nm, d, pr, sc, st, ow, le, od) in keyed]


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


def _same_unit(entry: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any] | None:
    code, name = entry.get("code") or "", entry.get("name") or ""
    for other in others:
        if code and other.get("code") == code:
            return other
    for other in others:
        if other.get("name") == name:
            return other
    return None


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
    import numpy as np

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
    figures["tasks"]["schedule"] = _schedule(t)
    figures["tasks"]["behind_key"] = _behind_key(t)

    # per unit
    pf, status = flows["problems"], col(p, "status")
    closed = mask(status.isin(S.CLOSED_STATUSES))
    closed_at_start = _isin(pf.start, S.CLOSED_STATUSES)
    problem_counts = _per_unit(p, {"problems_carried": pf.carried, "problems_new": pf.new,
                                   "problems_closed_this_period": closed & ~closed_at_start,
                                   "problems_still_open": ~closed})
    klass = col(t, "schedule_class")
    task_counts = _per_unit(t, {c: equal(klass, c) for c in S.SCHEDULE_CLASSES}
                            | {"key_behind": equal(klass, S.SCHEDULE_BEHIND) & equal(col(t, "list_type"), S.KEY_TASK)})
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
    others = head.get("units") or []
    for u in units:
        found = _same_unit(u, others)
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
    keep = ~ids.isin(col(ledger, "id").dropna().tolist()) if len(ledger) else np.ones(len(ids), dtype=bool)
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
        "achievements": achievements(_achievement_rows(details["tasks"], history, index)),
    }
    for u in figures["units"] + [figures["totals"]]:
        is_total = u is figures["totals"]
        if is_total:
            before_p, before_t = totals_before["problems"], totals_before["tasks"]
            vis = {k: visits[k] for k in ("count", "participants")}
        else:
            mine = extra.get(u["name"], {})
            before_p, before_t = mine.get("problems", 0), mine.get("tasks", 0)
            vis = {"count": u["visits"], "participants": u["participants"]}
            for r in earlier:
                found = _same_unit(u, r.headline.get("units") or [])
                if found:
                    vis["count"] += int(found.get("visits") or 0)
                    vis["participants"] += int(found.get("participants") or 0)
        problems, closed_ = u["problems"] + before_p, u["problems_closed"] + before_p
        tasks, done = u["tasks"] + before_t, u["tasks_completed"] + before_t
        u["cumulative"] = {"visits": vis["count"], "participants": vis["participants"], "problems": problems,
                           "problems_closed": closed_, "closure_rate": rate(closed_, problems), "tasks": tasks,
                           "tasks_completed": done, "completion_rate": rate(done, tasks)}


def _achievement_rows(tasks: "pd.DataFrame", history: History | None, index: UnitIndex) -> "pd.DataFrame":
    """The ledger's tasks and those completed before with a 成果数值 (not in the ledger), as one table."""
    import pandas as pd

    keys = ("result_value", "result_text", "name", "result_unit")
    frame = pd.DataFrame({k: col(tasks, k) for k in keys} | {S.UNIT_KEY: col(tasks, S.UNIT_KEY)})
    done = (history.achievements if history else None) or {}
    if not done.get("id"):
        return frame
    before = pd.DataFrame({k: done[k] for k in ("id", "unit", "unit_code", *keys)})
    before = before[~before["id"].isin(col(tasks, "id").dropna().tolist())]
    codes, pairs = factorize_pairs(before["unit"], before["unit_code"])
    shown = [index.display(n, c) for n, c in pairs] + [""]
    before[S.UNIT_KEY] = [shown[c] for c in codes.tolist()]
    before["result_value"] = pd.to_numeric(before["result_value"], errors="coerce")
    return pd.concat([frame, before[list(frame.columns)]], ignore_index=True)


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
