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
from .store import LEDGER_FIELDS, PeriodRecord, Store

#: the status at which an item leaves its list
FINAL_STATUS = {"problems": "已销号", "tasks": "已完成"}
ITEM_SHEETS = tuple(FINAL_STATUS)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def stored_values(kind: str, values: list[Any]) -> list[Any]:
    """A stored column as validation's values (dates as ``date``, numbers as int/float)."""
    if kind == "date":
        return [None if v is None else _date(v) for v in values]
    if kind == "int":
        return [None if v is None else int(v) for v in values]
    if kind in ("number", "percent"):
        return [None if v is None else float(v) for v in values]
    return values


#: the fields of an open item the cross-period checks compare (all a validation needs)
COMPARED = ("status", "deadline", "progress", "description", "name")
_ITEM_META = ("unit_code", "unit", "first_period")


def open_items(store: Store, period: str, sheet_key: str, fields: tuple[str, ...] | None = None) -> dict[str, list[Any]]:
    """The items of ``sheet_key`` still open at the end of ``period``, as stored (columns; ``fields``:
    only those schema keys, with 编号 and the unit)."""
    final = FINAL_STATUS[sheet_key]
    if fields is None:
        return store.columns(sheet_key, period, "status IS NULL OR status != ?", (final,))
    keys = set(S.SHEETS[sheet_key].keys)
    names = ["id", *_ITEM_META, *(f for f in fields if f in keys)]
    if not set(names) <= set(LEDGER_FIELDS[sheet_key]):
        return store.columns(sheet_key, period, "status IS NULL OR status != ?", (final,), names=names)
    ledger = store.ledger(sheet_key, period, dict.fromkeys([*names, "status"]))  # COMPARED is in the ledger
    rows = [n for n, status in enumerate(ledger["status"]) if status != final]
    return {name: [ledger[name][n] for n in rows] for name in names}


def _states(sheet_key: str, cols: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    kinds = {c.key: c.kind for c in S.SHEETS[sheet_key].columns}
    keys = [k for k in cols if k in kinds] + list(_ITEM_META)
    values = [stored_values(kinds.get(k, "text"), cols[k]) for k in keys]
    return {item_id: dict(zip(keys, row)) for item_id, row in zip(cols["id"], zip(*values))}


def complete(store: Store, carried: Carried, wanted: dict[str, set[str]]) -> None:
    """Replace the compared-fields-only states of the ``wanted`` open items (sheet key → 编号s) by
    their whole last state (the items a merge carries unchanged, or a template lists)."""
    for key, ids in wanted.items():
        ids = [i for i in ids if i in carried.open.get(key, {})]
        if not ids:
            continue
        cols = open_items(store, carried.period_code, key)
        keep = set(ids)
        rows = [n for n, i in enumerate(cols["id"]) if i in keep]
        full = _states(key, {k: [v[n] for n in rows] for k, v in cols.items()})
        carried.open[key].update(full)


def carried_into(store: Store, start: str, code: str = "", *, full: bool = True) -> Carried:
    """What the recorded periods before the period starting on ``start`` (ISO) leave for it.

    ``full`` False: each open item holds only the fields validation compares (:data:`COMPARED`,
    fast at city scale); :func:`complete` fetches the whole state of the items that need it."""
    previous: PeriodRecord | None = store.previous(code, start)
    if previous is None:
        return Carried()
    carried = Carried(period_code=previous.code, period_name=previous.name)
    names = {p.code: p.name for p in store.periods()}
    for key in ITEM_SHEETS:
        final = FINAL_STATUS[key]
        cols = open_items(store, previous.code, key, None if full else COMPARED)
        ids = cols["id"]
        carried.open[key] = _states(key, cols)
        by_unit: dict[str, list[str]] = {}
        for item_id, unit_code in zip(ids, cols["unit_code"]):
            by_unit.setdefault(unit_code or "", []).append(item_id)
        carried.by_unit[key] = by_unit
        latest = store.latest(key, start, previous.code)
        carried.issued[key] = {i: (unit_code, first, unit) for i, unit_code, unit, first, _s, _p in latest}
        carried.closed[key] = {i: status for i, _u, _n, _f, status, _p in latest if status == final}
        carried.closed_in.update({i: names.get(p, p) for i, _u, _n, _f, status, p in latest if status == final})
    return carried
