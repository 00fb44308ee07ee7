"""``toolkit demo``: a complete workspace for a fictional bureau, two periods of the campaign year.

Twelve units. In the first quarter eleven send their two ledgers back (one unit is missing,
so it appears in the 催报名单). The submissions carry the typical quirks of real files
(dates typed as text, counts with units, full-width brackets, a file sent twice, an Excel
lock file) and a few real mistakes, so that one file is returned for correction (退回修改).

The first quarter is then closed with ``next-period``: recorded in the history store, and the
second quarter's templates are prefilled with what each unit still has open. The units fill
those in as units do: most open problems are 办结 or 销号, tasks progress, new visits and
problems are added below the carried rows — and a few slips the cross-period checks catch
(a closed problem reopened, a task's progress going down, a deadline moved without 延期, a
carried row deleted). The demo's current period is the second quarter.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date
from pathlib import Path

from .config import ReportText, Workspace, init_workspace
from .model import Unit
from .schema import FIRST_DATA_ROW, SURVEY, TASK_LEDGER, SHEETS
from .sample import generate_unit_rows

DEMO_ORG = "滨海市体育局"
DEMO_PERIOD = "2022Q1"
DEMO_DATE = date(2022, 4, 29)

DEMO_UNITS = [
    Unit("01", "办公室"),
    Unit("02", "党建办"),
    Unit("03", "政策法规科"),
    Unit("04", "群众体育科"),
    Unit("05", "竞技体育科"),
    Unit("06", "青少年体育科"),
    Unit("07", "体育产业科"),
    Unit("08", "市体育运动学校"),
    Unit("09", "市全民健身中心"),
    Unit("10", "市体育场馆服务中心"),
    Unit("11", "市冰上运动中心"),
    Unit("12", "市体育彩票管理中心"),
]
MISSING_UNIT = "市体育彩票管理中心"  # does not submit: listed for 催报
RETURNED_UNIT = "体育产业科"  # its survey ledger has real mistakes: 退回修改
TWICE_UNIT = "群众体育科"  # sends its survey ledger twice: the older file is superseded

DEMO_TEXT = ReportText(
    organization=[
        "局党组把“能力作风建设年”活动作为全年重点工作，成立由局长任组长的活动领导小组，领导小组办公室设在党建办，"
        "从机关各科室抽调人员组成工作专班；制定《市体育局大走访大调研活动实施方案》，召开动员部署会议，"
        "明确12个科室和直属单位的包联范围和走访任务",
    ],
    highlights=[
        "局党组把大走访大调研作为“能力作风建设年”活动的重要抓手，班子成员带头深入企业、社区、学校，做到问题在一线发现、在一线解决。",
    ],
    problems=[
        "个别单位走访记录填报不够规范，走访内容记录过于简单，问题描述不够具体。",
        "部分问题涉及多个部门，协调推进的力度还需加大，个别问题办理时限偏长。",
    ],
    plans=[
        "坚持常态化走访，把大走访大调研贯穿全年，推动走访对象向困难群众、基层站所延伸。",
        "对逾期和长期未办结的问题实行挂图作战、跑表计时，逐项盯办，限期办结销号。",
        "加强台账填报培训，统一填报口径，提高数据质量。",
    ],
)


def _column_index(sheet_key: str, key: str) -> int:
    return SHEETS[sheet_key].keys.index(key) + 1


def _set(wb, sheet_key: str, index: int, key: str, value) -> None:
    """Overwrite one cell of data row ``index`` (0-based) the way a person would type it."""
    ws = wb[SHEETS[sheet_key].name]
    cell = ws.cell(row=FIRST_DATA_ROW + index, column=_column_index(sheet_key, key))
    cell.value = value
    if isinstance(value, str):
        cell.number_format = "@"


def create_demo(directory: Path, *, seed: int = 2022, periods: int = 2) -> Workspace:
    """Create the demo workspace: the first quarter recorded, the second current with its returns
    in the inbox (``periods=1``: only the first quarter, current, with its returns)."""
    from . import api
    from .config import load_workspace

    directory = Path(directory)
    ws = init_workspace(directory, DEMO_ORG, DEMO_PERIOD, units=DEMO_UNITS, report_date=DEMO_DATE,
                        as_of=DEMO_DATE, recipient="市委组织部", text=DEMO_TEXT, overwrite=True)
    rng = random.Random(seed)
    api.make_templates(ws)
    api.install_front_ends(ws)
    _first_period_returns(ws, rng)
    if periods < 2:
        return ws
    api.next_period(ws)
    ws = load_workspace(directory)
    _next_period_returns(ws, rng)
    return ws


def _first_period_returns(ws: Workspace, rng: random.Random) -> None:
    """The first quarter's submissions, made from fresh templates."""
    from .templates import build_workbook, fill_rows, set_meta

    inbox = ws.inbox
    base_time = time.time() - 7200

    for n, unit in enumerate(ws.units):
        rows = generate_unit_rows(unit, ws.period, DEMO_DATE, rng, visits=rng.randint(6, 14), tasks=rng.randint(3, 7))
        if unit.name == MISSING_UNIT:
            continue
        filler = rows["visits"][0]["visitors"].split("、")[0]

        # the submissions keep 60 prepared rows (not 500): the demo must finish in seconds
        survey = build_workbook(SURVEY, unit=unit.name, period=ws.period, org=ws.org, prepared_rows=60)
        fill_rows(survey, "visits", rows["visits"])
        fill_rows(survey, "problems", rows["problems"])
        set_meta(survey, filler=filler, phone="0535-6688" + f"{n:03d}", fill_date=date(2022, 4, 6))
        tasks = build_workbook(TASK_LEDGER, unit=unit.name, period=ws.period, org=ws.org, prepared_rows=60)
        fill_rows(tasks, "tasks", rows["tasks"])
        set_meta(tasks, filler=filler, phone="0535-6688" + f"{n:03d}", fill_date=date(2022, 4, 6))

        # The quirks of real submissions, all of which the reader accepts.
        if n % 3 == 0:
            first = rows["visits"][0]["visit_date"]
            _set(survey, "visits", 0, "visit_date", f"{first.year}.{first.month}.{first.day}")
        if n % 4 == 1:
            second = rows["visits"][1]["visit_date"]
            _set(survey, "visits", 1, "visit_date", f"{second.month}月{second.day}日")
            _set(survey, "visits", 1, "participants", f"{rows['visits'][1]['participants']}人")
        if n % 5 == 2:
            _set(survey, "visits", 2, "object_type", rows["visits"][2]["object_type"].replace("(", "（").replace(")", "）") + " ")

        survey_name = f"{unit.name}-{SURVEY.name}-{ws.period.name}.xlsx"
        tasks_name = f"{unit.name}-{TASK_LEDGER.name}-{ws.period.name}.xlsx"
        if unit.name == RETURNED_UNIT:
            # Real mistakes: the file goes back to the unit.
            v0 = rows["visits"][0]
            _set(survey, "visits", 0, "solved_on_spot", v0["problems_found"] + 2)
            closed = [i for i, p in enumerate(rows["problems"]) if p["status"] == "已销号"]
            if closed:
                _set(survey, "problems", closed[0], "revisit_date", None)
            _set(survey, "visits", 3, "phone", "5356688123")
        if unit.name == TWICE_UNIT:
            older = inbox / f"{unit.name}报表（第一次）.xlsx"
            first_version = build_workbook(SURVEY, unit=unit.name, period=ws.period, org=ws.org, prepared_rows=60)
            fill_rows(first_version, "visits", rows["visits"][:-2])
            fill_rows(first_version, "problems", [])
            first_version.save(older)
            os.utime(older, (base_time, base_time))
        survey.save(inbox / survey_name)
        tasks.save(inbox / tasks_name)
        for p in (inbox / survey_name, inbox / tasks_name):
            os.utime(p, (base_time + 60 * (n + 1), base_time + 60 * (n + 1)))

    # Excel leaves a lock file beside a workbook that is open.
    (inbox / f"~${TWICE_UNIT}-{SURVEY.name}-{ws.period.name}.xlsx").write_bytes(b"\x00" * 162)


REOPENED_UNIT = "党建办"  # reopens a problem it had 办结 last quarter (a 提示 to confirm)
SLOWER_UNIT = "竞技体育科"  # a task's 完成进度 goes down (提示)
MOVED_UNIT = "政策法规科"  # moves a deadline later without 延期 (提示)
DROPPED_UNIT = "青少年体育科"  # deletes one carried problem row (carried-missing: kept as 未更新)


def _rows_of(ws_sheet, sheet_key: str) -> int:
    """How many data rows the prefilled sheet holds (its 编号 column is filled for each)."""
    n = 0
    col = _column_index(sheet_key, "id")
    while ws_sheet.cell(FIRST_DATA_ROW + n, col).value:
        n += 1
    return n


def _next_period_returns(ws: Workspace, rng: random.Random) -> None:
    """The second quarter's submissions: each unit's prefilled templates updated and extended."""
    import openpyxl
    from datetime import timedelta

    from .templates import fill_rows, set_meta

    period, as_of = ws.period, ws.reference_date()
    latest = min(period.end, as_of)
    base_time = time.time() - 3600
    for n, unit in enumerate(ws.units):
        if unit.name == MISSING_UNIT:
            continue
        fresh = generate_unit_rows(unit, period, as_of, rng, visits=rng.randint(4, 9), tasks=rng.randint(1, 3))
        files = {}
        for template in (SURVEY, TASK_LEDGER):
            name = template.file_name(unit.name, period.name)
            files[template.id] = (openpyxl.load_workbook(ws.templates_dir / name), name)
        survey, tasks = files["survey"][0], files["tasks"][0]

        problems = survey[SHEETS["problems"].name]
        carried = _rows_of(problems, "problems")
        for i in range(carried):
            status = problems.cell(FIRST_DATA_ROW + i, _column_index("problems", "status")).value
            roll = rng.random()
            if status == "已办结" and roll < 0.7:  # 回访 done: 销号
                _set(survey, "problems", i, "status", "已销号")
                _set(survey, "problems", i, "revisit_date", period.start + timedelta(days=rng.randint(3, 40)))
                _set(survey, "problems", i, "satisfaction", rng.choice(("满意", "满意", "基本满意")))
            elif status in ("办理中", "已交办") and roll < 0.6:  # 办结 this quarter
                closed = min(period.start + timedelta(days=rng.randint(5, 60)), latest)
                _set(survey, "problems", i, "status", "已办结")
                _set(survey, "problems", i, "closed_date", closed)
                _set(survey, "problems", i, "result", "经协调已解决，群众反映的问题得到处理")
        if unit.name == REOPENED_UNIT:
            closed_rows = [i for i in range(carried) if problems.cell(
                FIRST_DATA_ROW + i, _column_index("problems", "status")).value == "已办结"]
            if closed_rows:
                _set(survey, "problems", closed_rows[-1], "status", "办理中")
        if unit.name == MOVED_UNIT and carried:
            deadline = problems.cell(FIRST_DATA_ROW, _column_index("problems", "deadline")).value
            if deadline is not None:
                _set(survey, "problems", 0, "deadline", (deadline + timedelta(days=30)))
        if unit.name == DROPPED_UNIT and carried:
            problems.delete_rows(FIRST_DATA_ROW + carried - 1)
            carried -= 1
        fill_rows(survey, "visits", fresh["visits"])
        new_problems = [dict(p, seq=carried + k + 1) for k, p in enumerate(fresh["problems"])]
        fill_rows(survey, "problems", new_problems, first_row=FIRST_DATA_ROW + carried)

        sheet = tasks[SHEETS["tasks"].name]
        kept = _rows_of(sheet, "tasks")
        progress = [float(sheet.cell(FIRST_DATA_ROW + i, _column_index("tasks", "progress")).value or 0)
                    for i in range(kept)]
        slower = max(range(kept), key=lambda i: progress[i]) if unit.name == SLOWER_UNIT and kept else -1
        for i in range(kept):
            value = min(1.0, progress[i] + rng.choice((0.1, 0.2, 0.3, 0.4)))
            if i == slower:  # typed lower than last quarter
                value = round(max(0.0, progress[i] - 0.1), 2)
            _set(tasks, "tasks", i, "progress", value)
            _set(tasks, "tasks", i, "status", "已完成" if value >= 1.0 else "推进中")
        new_tasks = [dict(t, seq=kept + k + 1) for k, t in enumerate(fresh["tasks"])]
        fill_rows(tasks, "tasks", new_tasks, first_row=FIRST_DATA_ROW + kept)

        if unit.name == RETURNED_UNIT:  # a real mistake again: the file goes back
            _set(survey, "visits", 0, "solved_on_spot", fresh["visits"][0]["problems_found"] + 2)
        filler = fresh["visits"][0]["visitors"].split("、")[0]
        for n_file, (wb, name) in enumerate(files.values()):
            set_meta(wb, filler=filler, phone="0535-6688" + f"{n:03d}", fill_date=latest)
            target = ws.inbox / name
            wb.save(target)
            stamp = base_time + 60 * (2 * n + n_file + 1)
            os.utime(target, (stamp, stamp))
