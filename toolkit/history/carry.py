"""What one period carries into the next, read from the store as plain data (:class:`toolkit.model.Carried`).

An item (problem or task) stays on its unit's list until it is closed — a problem at 已销号,
a task at 已完成. The state of every item at the end of a period is recorded with that
period (:mod:`toolkit.history.store`), so the open items at the start of period P are
the open items of the latest recorded period before P, with their last known state.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import schema as S
from ..model import Carried
from .store import PeriodRecord, Store

#: the status at which an item leaves its list
FINAL_STATUS = {"problems": "已销号", "tasks": "已完成"}
ITEM_SHEETS = tuple(FINAL_STATUS)


def _typed(sheet_key: str) -> dict[str, str]:
    return {c.key: c.kind for c in S.SHEETS[sheet_key].columns}


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    if kind == "int":
        return int(value)
    if kind in ("number", "percent"):
        return float(value)
    return value


def open_items(store: Store, period: str, sheet_key: str) -> dict[str, list[Any]]:
    """The items of ``sheet_key`` still open at the end of ``period``, as stored (columns)."""
    return store.columns(sheet_key, period, "status IS NULL OR status != ?", (FINAL_STATUS[sheet_key],))


def carried_into(store: Store, start: str, code: str = "") -> Carried:
    """What the recorded periods before the period starting on ``start`` (ISO) leave for it."""
    previous: PeriodRecord | None = store.previous(code, start)
    if previous is None:
        return Carried()
    carried = Carried(period_code=previous.code, period_name=previous.name)
    names = {p.code: p.name for p in store.periods()}
    for key in ITEM_SHEETS:
        kinds = _typed(key)
        cols = open_items(store, previous.code, key)
        keys = [k for k in cols if k in kinds or k in ("unit_code", "unit", "first_period")]
        items: dict[str, dict[str, Any]] = {}
        by_unit: dict[str, list[str]] = {}
        for i, item_id in enumerate(cols["id"]):
            items[item_id] = {k: _value(kinds.get(k, "text"), cols[k][i]) for k in keys}
            by_unit.setdefault(cols["unit_code"][i] or "", []).append(item_id)
        carried.open[key] = items
        carried.by_unit[key] = by_unit
        carried.issued[key] = store.issued(key, start)
        closed, closed_in = store.closed(key, start, FINAL_STATUS[key])
        carried.closed[key] = closed
        carried.closed_in.update({i: names.get(p, p) for i, p in closed_in.items()})
    return carried
