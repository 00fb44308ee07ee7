"""Cross-period checks: a unit's 问题清单 and 任务清单 against what the previous period left open.

Rows that carry a 编号 are items the toolkit issued in an earlier period (the next
period's templates are prefilled with them). For each such row of a return:

* ``id-duplicate`` (错误): the same 编号 twice in one return;
* ``id-unknown`` (错误): a 编号 the toolkit never issued to this unit;
* ``status-regressed``: 已销号 → anything else is an 错误; 已办结 → an open status, or a task
  已完成 → not done, is a 提示 asking to confirm;
* ``progress-decreased`` (提示): a task's 完成进度 went down;
* ``deadline-moved`` (提示): 办理时限 / 完成时限 moved later without 延期 (or 长期推进);
* ``text-rewritten`` (提示): 问题描述 / 任务名称 rewritten (old → new);

and for the return as a whole, ``carried-missing`` (提示) for each open item of the unit
that is not in it: the item is not lost — it is carried with its last known state and
marked 未更新 when merging.

A row whose 编号 is one of the unit's open items is *carried*: the rules that only make
sense for a new item (关联走访序号 pointing into this period's 走访记录, the 发现问题数 tally)
are not applied to it; every other rule is.
"""

from __future__ import annotations

from typing import Any

from ..model import ERROR, HINT, Carried, FileData
from ..schema import CLOSED_STATUSES, SHEETS
from .sheet import CheckedSheet, Where, show

ID = "id"
_TITLE = {"problems": "description", "tasks": "name"}
_DONE = {"problems": "已销号", "tasks": "已完成"}
_DEADLINE_OK = ("延期", "长期推进")
_REOPEN_ADVICE = {
    "problems": "已销号的问题不能重新打开：请恢复为“已销号”；如问题再次出现，请另起一行作为新条目报送（“编号”留空）。",
    "tasks": "请确认该任务确需继续推进；否则请恢复为“已完成”。",
}
_CONFIRM_ADVICE = "请确认：如问题确未解决、需要继续办理，可以保留；否则请恢复为“已办结”。"
_OPEN_PROBLEM = tuple(s for s in SHEETS["problems"].column("status").choices if s not in CLOSED_STATUSES)


def id_key(value: Any) -> str:
    """The comparable form of a 编号 as typed (spaces and case do not matter)."""
    return "".join(str(value).split()).upper()


def _short(text: Any, limit: int = 24) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def canonical_ids(carried: Carried, key: str) -> dict[str, str]:
    """Comparable form (:func:`id_key`) → 编号 of every 编号 issued for ``key`` (built once per run)."""
    cache = carried.__dict__.setdefault("_canonical", {})
    found = cache.get(key)
    if found is None:
        found = cache[key] = {id_key(i): i for i in carried.issued.get(key, {})}
    return found


def mark_carried(fd: FileData, cs: CheckedSheet, carried: Carried | None) -> None:
    """Check the 编号 column of one sheet; set ``cs.carried`` (row indices of carried items) and
    replace each accepted 编号 by the one the toolkit issued."""
    key = cs.schema.key
    if key not in _TITLE or ID not in cs.sheet.columns:
        return
    ids = cs.column(ID)
    if not any(v is not None for v in ids):
        return
    where = Where(fd, cs)
    col = cs.schema.column(ID)
    issued = carried.issued.get(key, {}) if carried else {}
    open_items = carried.open.get(key, {}) if carried else {}
    closed = carried.closed.get(key, {}) if carried else {}
    numbers = cs.row_numbers
    unit_code = fd.unit_code
    last = _Last(cs, carried.period_name if carried else "")
    typed = [i for i, v in enumerate(ids) if v is not None]
    owners = list(map(issued.get, ids))
    if len({ids[i] for i in typed}) == len(typed) and all(
            owners[i] is not None and owners[i][0] == unit_code for i in typed):
        # the usual case (prefilled cells untouched): every 编号 as issued to this unit, once
        rows = [i for i in typed if ids[i] in open_items]
        cs.carried.update(rows)
        last.compare_rows(where, rows, [open_items[ids[i]] for i in rows])
        for i in typed:
            if ids[i] not in open_items and ids[i] in closed:
                _reopened(cs, where, i, ids[i], carried, closed)
        return
    canonical = canonical_ids(carried, key) if carried else {}
    seen: dict[str, int] = {}
    out = list(ids)
    for i, value in enumerate(ids):
        if value is None:
            continue
        owner = issued.get(value)  # as issued (the usual case: the prefilled cell untouched)
        if owner is not None:
            k, real = value, value
        else:
            k = id_key(value)
            real = canonical.get(k)
            owner = issued.get(real) if real else None
        if k in seen:
            cs.add(i, where.issue("id-duplicate", numbers[i], col, str(value), first_row=seen[k]))
            continue
        seen[k] = numbers[i]
        if real is None or owner is None or owner[0] != unit_code:
            other = f"（这是{owner[2]}的编号）" if real and owner and owner[2] else ""
            cs.add(i, where.issue("id-unknown", numbers[i], col, str(value), unit=fd.unit, other=other))
            continue
        out[i] = real
        state = open_items.get(real)
        if state is not None:
            cs.carried.add(i)
            last.compare_rows(where, [i], [state])
        elif real in closed:
            _reopened(cs, where, i, real, carried, closed)
    cs.values[ID] = out


def _reopened(cs: CheckedSheet, where: Where, i: int, real: str, carried: Carried | None,
              closed: dict[str, str]) -> None:
    """``status-regressed`` when row ``i`` reports item ``real``, closed before, at another status."""
    status = cs.column("status")[i]
    if status is not None and status != closed[real]:
        key = cs.schema.key
        scol = cs.schema.column("status")
        # a 销号 problem reopened is an error; a completed task taken up again asks to confirm
        cs.add(i, where.issue("status-regressed", cs.row_numbers[i], scol, show(scol, status), before=closed[real],
                              period=carried.closed_in.get(real, "") if carried else "",
                              advice=_REOPEN_ADVICE[key], severity=ERROR if key == "problems" else HINT))


class _Last:
    """Compares rows of one sheet with the last known state of their items (columns read once)."""

    def __init__(self, cs: CheckedSheet, period: str):
        key = cs.schema.key
        self.cs, self.period, self.key = cs, period, key
        self.status = cs.column("status")
        self.deadline = cs.column("deadline")
        self.progress = cs.column("progress") if key == "tasks" else None
        self.title_key = _TITLE[key]
        self.title = cs.column(self.title_key)

    def compare_rows(self, where: Where, rows: list[int], states: list[dict[str, Any]]) -> None:
        """Compare rows ``rows`` with their items' last states, field by field (a row's issues in the
        order status, progress, deadline, text)."""
        if not rows:
            return
        cs, key, period = self.cs, self.key, self.period
        found: list[tuple[int, int, Any]] = []  # (row index, order within the row, issue)
        numbers = cs.row_numbers
        status = self.status
        if key == "problems":
            scol = cs.schema.column("status")
            for i, last in zip(rows, states):
                if status[i] in _OPEN_PROBLEM and last.get("status") == "已办结":
                    found.append((i, 0, where.issue("status-regressed", numbers[i], scol, show(scol, status[i]),
                                                    before="已办结", period=period, advice=_CONFIRM_ADVICE,
                                                    severity=HINT)))
        if self.progress is not None:
            progress, pcol = self.progress, cs.schema.column("progress")
            for i, last in zip(rows, states):
                now, then = progress[i], last.get("progress")
                if now is not None and then is not None and now < then:
                    found.append((i, 1, where.issue("progress-decreased", numbers[i], pcol, show(pcol, now),
                                                    before=show(pcol, then), period=period)))
        deadline, dcol = self.deadline, cs.schema.column("deadline")
        for i, last in zip(rows, states):
            now, then = deadline[i], last.get("deadline")
            if now is not None and then is not None and now > then and status[i] not in _DEADLINE_OK:
                found.append((i, 2, where.issue("deadline-moved", numbers[i], dcol, show(dcol, now),
                                                before=show(dcol, then), period=period)))
        title, tkey = self.title, self.title_key
        tcol = cs.schema.column(tkey)
        for i, last in zip(rows, states):
            now, then = title[i], last.get(tkey)
            if now is not None and then and now != then:
                found.append((i, 3, where.issue("text-rewritten", numbers[i], tcol, _short(now), before=_short(then),
                                                period=period)))
        for i, _order, issue in sorted(found, key=lambda f: (f[0], f[1])):
            cs.add(i, issue)


def missing_items(fd: FileData, checked: dict[str, CheckedSheet], carried: Carried | None) -> None:
    """``carried-missing`` for each open item of the unit absent from its return (per sheet)."""
    if carried is None or not fd.unit_code:
        return
    for key, cs in checked.items():
        if key not in _TITLE:
            continue
        mine = carried.by_unit.get(key, {}).get(fd.unit_code, ())
        if not mine:
            continue
        typed = set(cs.column(ID)) if ID in cs.sheet.columns else set()
        present: set[str] | None = None  # the comparable forms, built when an item is not typed as issued
        where = Where(fd, cs)
        for item in mine:
            if item in typed:
                continue
            if present is None:
                present = {id_key(v) for v in typed if v is not None}
            if id_key(item) in present:
                continue
            last = carried.open[key][item]
            cs.issues.append(where.issue(
                "carried-missing", None, cs.schema.column(ID), item, title=_short(last.get(_TITLE[key])),
                status=last.get("status") or "", period=carried.period_name))
