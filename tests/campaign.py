"""A campaign of three quarters with known contents, for the period-over-period figures and sheets.

Every unit (办公室 01, 党建办 02, 财务科 03) files the same first quarter (as_of 2022-04-10):
two visits; problems P001 已销号, P002 已办结, P003 办理中, P004 已交办 (办理时限 2022-05-30);
tasks T001 已完成 (成果 2 支), T002 推进中 50%, T003 推进中 30% (2022-01-10 → 2022-09-30) and
T004 问题整改 20% without 开始日期 (→ 2022-12-31).

Second quarter (as_of 2022-07-10): 办公室 销号 P002, 办结 P003, adds P004 of 2022Q2 and three
visits; its tasks go to 80/40/30%, it adds T004 of 2022Q2 (2022-04-01 → 2022-06-15, 60%: its
deadline passes), T005 of 2022Q2 (no 开始日期, → 2022-12-31, 10%), and takes up again the
completed T001 (推进中 90%). 党建办 returns its prefilled templates unchanged; 财务科 sends nothing.

Third quarter (as_of 2022-10-10, current, merged not recorded): 办公室 销号 P003, moves P004
(red in the second quarter) to 2022-12-31 as 延期, completes T002 and T001 again, and moves its
overdue T004 of 2022Q2 to 2022-12-31 as 延期 at 75%; one visit. 党建办 sends nothing; 财务科
returns its prefilled templates unchanged.

"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import periods as P
from factories import write_unit_workbooks
from toolkit import api
from toolkit.config import Workspace, init_workspace, load_workspace
from toolkit.schema import FIRST_DATA_ROW
from toolkit.templates import fill_rows

UNITS = P.UNITS
OFFICE, PARTY, FINANCE = UNITS
AS_OF = {"2022Q1": date(2022, 4, 10), "2022Q2": date(2022, 7, 10), "2022Q3": date(2022, 10, 10)}
START = {"2022Q1": date(2022, 1, 1), "2022Q2": date(2022, 4, 1), "2022Q3": date(2022, 7, 1)}


def visit(seq: int, day: date, participants: int) -> dict[str, Any]:
    return dict(seq=seq, visit_date=day, leader="王建国", visitors="李明、张华", participants=participants,
                method="入户走访", object_type="企业", object_name=f"企业{seq}", content="了解企业复工复产情况",
                problems_found=0, solved_on_spot=0)


def problem(seq: int, status: str, *, deadline: date = date(2022, 5, 30), assigned: date = date(2022, 3, 2),
            closed: date | None = None, revisit: date | None = None, satisfaction: str | None = None) -> dict:
    return dict(seq=seq, source="自查", description=f"问题{seq}：路灯损坏", category="基础设施", leader="王建国",
                lead_unit="城建科", owner="李明", assigned_date=assigned, deadline=deadline, status=status,
                closed_date=closed, result="已更换路灯" if closed else None, revisit_date=revisit,
                satisfaction=satisfaction)


def task(seq: int, status: str, progress: float, *, start: date | None = date(2022, 1, 10),
         deadline: date = date(2022, 9, 30), list_type: str = "重点任务", **more: Any) -> dict:
    return dict(seq=seq, list_type=list_type, name=f"任务{seq}：组建党员先锋队", leader="王建国",
                unit_in_charge="党建办", owner="李明", start_date=start, deadline=deadline, progress=progress,
                status=status, **more)


def q1_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "visits": [visit(1, date(2022, 3, 1), 3), visit(2, date(2022, 3, 5), 3)],
        "problems": [
            problem(1, "已销号", closed=date(2022, 3, 10), revisit=date(2022, 3, 12), satisfaction="满意"),
            problem(2, "已办结", closed=date(2022, 3, 20)),
            problem(3, "办理中"),
            problem(4, "已交办"),
        ],
        "tasks": [
            task(1, "已完成", 100, result_text="成立党员先锋队", result_value=2, result_unit="支"),
            task(2, "推进中", 50),
            task(3, "推进中", 30),
            task(4, "推进中", 20, start=None, deadline=date(2022, 12, 31), list_type="问题整改"),
        ],
    }


def _append(wb, key: str, rows: list[dict[str, Any]]) -> None:
    fill_rows(wb, key, rows, first_row=FIRST_DATA_ROW + len(P.rows_by_id(wb, key)))


def _ids(unit, period: str, letter: str, n: int) -> str:
    return f"{unit.code}-{period}-{letter}{n:03d}"


def build(root: Path) -> Workspace:
    """The workspace in 2022Q3 (2022Q1 and 2022Q2 recorded) with the third quarter's files in its inbox."""
    ws = init_workspace(root, "XX市XX局", "2022Q1", units=UNITS, as_of=AS_OF["2022Q1"])
    for unit in UNITS:
        write_unit_workbooks(ws.inbox, unit, q1_rows(), period=ws.period)
    ws = P.next_period(ws)
    assert ws.reference_date() == AS_OF["2022Q2"]

    def office_survey(wb):
        rows = P.rows_by_id(wb, "problems")
        P.put(wb, "problems", rows[_ids(OFFICE, "2022Q1", "P", 2)], status="已销号", revisit_date=date(2022, 5, 1),
              satisfaction="满意")
        P.put(wb, "problems", rows[_ids(OFFICE, "2022Q1", "P", 3)], status="已办结", closed_date=date(2022, 5, 2),
              result="已更换路灯")
        new = problem(4, "办理中", deadline=date(2022, 8, 31), assigned=date(2022, 5, 1))
        _append(wb, "problems", [new])
        fill_rows(wb, "visits", [visit(n, date(2022, 5, n), 4) for n in (1, 2, 3)])

    def office_tasks(wb):
        rows = P.rows_by_id(wb, "tasks")
        for n, progress in ((2, 80), (3, 40), (4, 30)):
            P.put(wb, "tasks", rows[_ids(OFFICE, "2022Q1", "T", n)], progress=progress)
        late = task(4, "推进中", 60, start=date(2022, 4, 1), deadline=date(2022, 6, 15))
        undated = task(5, "推进中", 10, start=None, deadline=date(2022, 12, 31))
        again = task(6, "推进中", 90, id=_ids(OFFICE, "2022Q1", "T", 1))
        _append(wb, "tasks", [late, undated, again])

    P.ret(ws, OFFICE, "survey", office_survey)
    P.ret(ws, OFFICE, "tasks", office_tasks)
    P.ret(ws, PARTY, "survey")
    P.ret(ws, PARTY, "tasks")
    ws = P.next_period(ws)
    assert ws.period.code == "2022Q3" and ws.reference_date() == AS_OF["2022Q3"]

    def office_survey3(wb):
        rows = P.rows_by_id(wb, "problems")
        P.put(wb, "problems", rows[_ids(OFFICE, "2022Q1", "P", 3)], status="已销号", revisit_date=date(2022, 7, 15),
              satisfaction="满意")
        P.put(wb, "problems", rows[_ids(OFFICE, "2022Q1", "P", 4)], status="延期", deadline=date(2022, 12, 31))
        fill_rows(wb, "visits", [visit(1, date(2022, 8, 1), 5)])

    def office_tasks3(wb):
        rows = P.rows_by_id(wb, "tasks")
        for item in (_ids(OFFICE, "2022Q1", "T", 2), _ids(OFFICE, "2022Q1", "T", 1)):
            P.put(wb, "tasks", rows[item], progress=100, status="已完成")
        P.put(wb, "tasks", rows[_ids(OFFICE, "2022Q2", "T", 4)], progress=75, status="延期",
              deadline=date(2022, 12, 31))

    P.ret(ws, OFFICE, "survey", office_survey3)
    P.ret(ws, OFFICE, "tasks", office_tasks3)
    P.ret(ws, FINANCE, "survey")
    P.ret(ws, FINANCE, "tasks")
    return load_workspace(ws.root)


def merged(ws: Workspace):
    """The third quarter merged (汇总表 and 汇总数据.json written; not recorded)."""
    return api.merge_workspace(ws)
