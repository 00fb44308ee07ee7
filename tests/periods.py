"""Workspaces over several periods, built as the office and the units work.

The first quarter's files are the toolkit's own templates filled in (factories); the
next quarters' files are the prefilled templates ``next-period`` wrote, opened and
edited the way a unit edits them (by 编号), and saved into the inbox.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any, Callable

import openpyxl

from factories import write_unit_workbooks
from toolkit import api
from toolkit.config import Workspace, init_workspace, load_workspace
from toolkit.model import Unit
from toolkit.schema import FIRST_DATA_ROW, SHEETS, SURVEY, TASK_LEDGER

UNITS = [Unit("01", "办公室"), Unit("02", "党建办"), Unit("03", "财务科")]
AS_OF = date(2022, 4, 10)


def _visit(seq: int, day: date) -> dict[str, Any]:
    return dict(seq=seq, visit_date=day, leader="王建国", visitors="李明、张华", participants=3, method="入户走访",
                object_type="企业", object_name=f"企业{seq}", content="了解企业复工复产情况", problems_found=1,
                solved_on_spot=0)


def _problem(seq: int, status: str, *, visit: int | None = None, deadline: date = date(2022, 5, 30),
             closed: date | None = None, revisit: date | None = None, satisfaction: str | None = None) -> dict:
    return dict(seq=seq, visit_seq=visit, source="大走访" if visit else "自查", description=f"问题{seq}：路灯损坏",
                category="基础设施", leader="王建国", lead_unit="城建科", owner="李明",
                assigned_date=date(2022, 3, 2), deadline=deadline, status=status, closed_date=closed,
                result="已更换路灯" if closed else None, revisit_date=revisit, satisfaction=satisfaction)


def _task(seq: int, status: str, progress: float, deadline: date = date(2022, 9, 30)) -> dict:
    return dict(seq=seq, list_type="重点任务", name=f"任务{seq}：组建党员先锋队", leader="王建国",
                unit_in_charge="党建办", owner="李明", start_date=date(2022, 1, 10), deadline=deadline,
                progress=progress, status=status)


def first_quarter_rows() -> dict[str, list[dict[str, Any]]]:
    """Every unit's first quarter: a closed problem, one 办结, two open; a done task, two under way."""
    return {
        "visits": [_visit(1, date(2022, 3, 1)), _visit(2, date(2022, 3, 5))],
        "problems": [
            _problem(1, "已销号", visit=1, closed=date(2022, 3, 10), revisit=date(2022, 3, 12), satisfaction="满意"),
            _problem(2, "已办结", visit=2, closed=date(2022, 3, 20)),
            _problem(3, "办理中"),
            _problem(4, "已交办"),
        ],
        "tasks": [_task(1, "已完成", 100), _task(2, "推进中", 50), _task(3, "推进中", 30)],
    }


def build(root: Path) -> Workspace:
    """A workspace in 2022Q1 with every unit's files in its inbox."""
    ws = init_workspace(root, "XX市XX局", "2022Q1", units=UNITS, as_of=AS_OF)
    for unit in UNITS:
        write_unit_workbooks(ws.inbox, unit, first_quarter_rows(), period=ws.period)
    return ws


def next_period(ws: Workspace) -> Workspace:
    outcome = api.next_period(ws)
    assert outcome.changed, outcome.notes
    return load_workspace(ws.root)


def template_of(ws: Workspace, unit: Unit, template_id: str) -> Path:
    template = SURVEY if template_id == "survey" else TASK_LEDGER
    return ws.templates_dir / template.file_name(unit.name, ws.period.name)


def column(sheet_key: str, key: str) -> int:
    return SHEETS[sheet_key].keys.index(key) + 1


def rows_by_id(wb, sheet_key: str) -> dict[str, int]:
    """编号 → Excel row of the prefilled items of ``sheet_key``."""
    ws = wb[SHEETS[sheet_key].name]
    out, r = {}, FIRST_DATA_ROW
    while ws.cell(r, column(sheet_key, "id")).value:
        out[ws.cell(r, column(sheet_key, "id")).value] = r
        r += 1
    return out


def put(wb, sheet_key: str, row: int, **values: Any) -> None:
    ws = wb[SHEETS[sheet_key].name]
    for key, value in values.items():
        if SHEETS[sheet_key].column(key).kind == "percent" and isinstance(value, (int, float)):
            value = value / 100
        ws.cell(row, column(sheet_key, key)).value = value


def ret(ws: Workspace, unit: Unit, template_id: str, edit: Callable[[Any], None] | None = None) -> Path:
    """Unit ``unit`` returns its prefilled template, edited by ``edit(workbook)`` (unchanged without)."""
    source = template_of(ws, unit, template_id)
    target = ws.inbox / source.name
    if edit is None:
        shutil.copyfile(source, target)
        return target
    wb = openpyxl.load_workbook(source)
    edit(wb)
    wb.save(target)
    return target


def issues(result, *codes: str) -> set[tuple[str, str, str, int | None, str]]:
    """(code, unit, sheet, row, column) of the issues with one of ``codes``."""
    return {(i.code, f.unit, i.sheet, i.row, i.column) for f in result.files for i in f.issues if i.code in codes}


def letter(sheet_key: str, key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column(sheet_key, key))
