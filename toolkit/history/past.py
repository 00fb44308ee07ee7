"""What the recorded periods tell a period's figures and sheets, read from the store as plain data
(:class:`toolkit.model.History`; the figures it feeds are defined in docs/figures.md).

Per recorded period: its headline figures (one JSON value of ``periods``, never its rows) for
``previous``, ``cumulative`` and ``trend``; and, because sheets need them, each period's ledger
as a few columns (编号, status, light, and a task's progress and deadline) for the 红 → 黄 rule, what was open
at the start of the period, the per-period columns of the detail sheets and the 作战图.
"""

from __future__ import annotations

from typing import Any

from ..model import History, RecordedPeriod
from .carry import FINAL_STATUS, ITEM_SHEETS
from .store import PeriodRecord, Store

#: the columns of each recorded period's ledger that History keeps
STATE_FIELDS = {"problems": ("id", "status", "light"), "tasks": ("id", "status", "light", "progress", "deadline")}
_ACHIEVEMENT_FIELDS = ("id", "unit_code", "unit", "name", "result_text", "result_value", "result_unit")


def recorded(record: PeriodRecord) -> RecordedPeriod:
    return RecordedPeriod(record.code, record.name, record.start, record.end, record.as_of, dict(record.headline))


def ledger_states(store: Store, codes: list[str]) -> dict[str, dict[str, dict[str, list[Any]]]]:
    """Sheet key → period code → that period's ledger (:data:`STATE_FIELDS` as columns)."""
    return {key: {code: {f: list(v) for f, v in store.ledger(key, code, STATE_FIELDS[key]).items()}
                  for code in dict.fromkeys(codes) if code}
            for key in ITEM_SHEETS}


def closed_achievements(store: Store, codes: list[str], closed: dict[str, str] | None) -> dict[str, list[Any]]:
    """Columns of the tasks completed before (``closed``: 编号 → final status, ``Carried.closed``) that
    have a 成果数值, each with its final state (the newest of ``codes`` that records it completed)."""
    out: dict[str, list[Any]] = {name: [] for name in _ACHIEVEMENT_FIELDS}
    if not closed:
        return out
    seen: set[str] = set()
    final = FINAL_STATUS["tasks"]
    for code in reversed(codes):
        ledger = store.ledger("tasks", code, ("id", "status", "result_value"))
        if not any(status == final and value is not None and item_id in closed and item_id not in seen
                   for item_id, status, value in zip(ledger["id"], ledger["status"], ledger["result_value"])):
            continue  # nothing this period adds (a task completed once is found in the newest period first)
        cols = store.columns("tasks", code, "status = ? AND result_value IS NOT NULL", (final,),
                             names=_ACHIEVEMENT_FIELDS)
        for n, item_id in enumerate(cols["id"]):
            if item_id in closed and item_id not in seen:
                seen.add(item_id)
                for name in _ACHIEVEMENT_FIELDS:
                    out[name].append(cols[name][n])
    return out


def history_into(store: Store, start: str, code: str = "", closed: dict[str, str] | None = None) -> History:
    """What the recorded periods before the period starting on ``start`` (ISO; ``code`` itself left
    out) tell it; ``closed``: the tasks completed before it (``Carried.closed["tasks"]``)."""
    every = store.periods()
    starts = {p.code: p.start for p in every}
    earlier = [p for p in every if p.code != code and p.start < start]
    if not earlier:
        return History(starts=starts)
    codes = [p.code for p in earlier]
    last = earlier[-1]
    return History(periods=[recorded(p) for p in earlier], previous=recorded(last), starts=starts,
                   states=ledger_states(store, codes), start_code=last.code, lights_code=last.code,
                   achievements=closed_achievements(store, codes, closed))


def composed_history(store: Store, start: str, parts: list[PeriodRecord],
                     closed: dict[str, str] | None = None) -> History:
    """What the recorded periods tell a period made of the recorded ``parts`` (a year, a half-year)
    that starts on ``start``: the periods before it, its parts, the ledger at its start, the lights
    of the period before its last part (``previous``: left to the caller)."""
    every = store.periods()
    own = {p.code for p in parts}
    earlier = [p for p in every if p.code not in own and p.start < start]
    prior = [p for p in every if p.code != parts[-1].code and p.start < parts[-1].start]
    start_code = earlier[-1].code if earlier else ""
    lights_code = prior[-1].code if prior else ""
    return History(periods=[recorded(p) for p in earlier], parts=[recorded(p) for p in parts],
                   starts={p.code: p.start for p in every}, states=ledger_states(store, [start_code, lights_code]),
                   start_code=start_code, lights_code=lights_code,
                   achievements=closed_achievements(store, [p.code for p in earlier], closed))
