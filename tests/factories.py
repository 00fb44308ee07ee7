"""Builders of row dicts and ValidationResults for tests (deterministic: random.Random(seed)).

Row dicts use schema column keys and plain Python values (``date``, ``int``,
``float``, ``str``, ``None``), i.e. what a person typed, cleaned. ``frame()``
turns them into the DataFrame the validator produces, through the validator's own
table builder (``toolkit.validate.accepted_table``: the same columns and dtypes);
``build_result()`` wraps submissions into a ValidationResult, its issues made from
the error catalog (``toolkit.errors.make_issue``) as the reader and validator make them.

``scenario()`` makes a whole collection: 13 configured units of which 12 submit,
one superseded file, one file with rejected rows, one unreadable file, one unit
with no problems at all, and one unit that is not in the configuration.
Other engineers may reuse everything here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import schema as S
from toolkit.errors import make_issue, short_message
from toolkit.model import (
    FILE_ERRORS,
    FILE_HINTS,
    FILE_OK,
    FILE_SUPERSEDED,
    FILE_UNREADABLE,
    UNKNOWN_UNIT,
    FileReport,
    Issue,
    Period,
    RejectedRow,
    Unit,
    ValidationResult,
)
from toolkit.validate import Tables, accepted_table, empty_table

PERIOD = Period("2022Q1", "2022年第一季度", date(2022, 1, 1), date(2022, 3, 31))
AS_OF = date(2022, 4, 29)

UNIT_NAMES = (
    "办公室", "党建办", "政策法规科", "综合业务科", "财务科", "人事科", "宣传科",
    "信访办", "执法大队", "体育中心", "训练基地", "体育场馆中心", "机关服务中心",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "明", "华", "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰")
OBJECTS = ("XX食品有限公司", "幸福社区", "阳光小区居民", "李大爷", "第一中学", "城东项目部",
           "南关派出所", "张代表", "红星村", "XX体育用品公司", "困难户王某", "老党员刘某")
ACHIEVEMENTS = (("成立疫情防控一线党员先锋队", "支"), ("抽调干部职工", "名"), ("直接拉动消费", "万元"),
                ("开展志愿服务", "人次"))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def visit_row(rng: random.Random, seq: int, period: Period = PERIOD, as_of: date = AS_OF) -> dict[str, Any]:
    found = rng.randint(0, 3)
    return {
        "seq": seq,
        "visit_date": _day(rng, period.start, min(period.end, as_of)),
        "leader": person(rng),
        "visitors": "、".join(person(rng) for _ in range(rng.randint(1, 3))),
        "participants": rng.randint(1, 8),
        "method": rng.choice(S.VISIT_METHODS),
        "object_type": rng.choice(S.OBJECT_TYPES),
        "object_name": rng.choice(OBJECTS),
        "area": rng.choice(("XX区/XX街道/XX社区", None)),
        "contact": rng.choice((person(rng), None)),
        "phone": rng.choice(("13812345678", "0531-88886666", None)),
        "content": "了解企业复工复产情况，宣讲纾困政策" + str(seq),
        "problems_found": found,
        "solved_on_spot": rng.randint(0, found),
        "remark": None,
    }


def problem_row(
    rng: random.Random, seq: int, visit_seqs: list[int], period: Period = PERIOD, as_of: date = AS_OF
) -> dict[str, Any]:
    source = rng.choice(S.PROBLEM_SOURCES) if visit_seqs else rng.choice(S.PROBLEM_SOURCES[1:])
    assigned = _day(rng, period.start, period.end)
    deadline = assigned + timedelta(days=rng.choice((10, 20, 30, 45, 60, 90)))
    status = rng.choice(S.PROBLEM_STATUSES)
    closed = status in S.CLOSED_STATUSES
    closed_date = min(assigned + timedelta(days=rng.randint(1, 20)), as_of) if closed else None
    revisit = None
    satisfaction = None
    if status == "已销号":
        revisit = min(closed_date + timedelta(days=rng.randint(0, 5)), as_of)
        satisfaction = rng.choice(S.SATISFIED)
    elif status == "已办结":
        satisfaction = rng.choice((None, "满意", "不满意"))
    return {
        "seq": seq,
        "visit_seq": rng.choice(visit_seqs) if source == "大走访" else None,
        "source": source,
        "reporter": rng.choice(("XX小区居民", None)),
        "description": f"问题{seq}：小区路灯损坏，夜间出行不便",
        "category": rng.choice(S.PROBLEM_CATEGORIES),
        "demand_type": rng.choice(S.DEMAND_TYPES + (None,)),
        "leader": person(rng),
        "lead_unit": "城建科",
        "owner": person(rng),
        "assigned_date": assigned,
        "deadline": deadline,
        "measures": "协调供电公司更换灯具",
        "status": status,
        "closed_date": closed_date,
        "result": "已更换路灯" if closed else None,
        "revisit_date": revisit,
        "satisfaction": satisfaction,
        "remark": None,
    }


def task_row(rng: random.Random, seq: int, period: Period = PERIOD, as_of: date = AS_OF) -> dict[str, Any]:
    status = rng.choice(S.TASK_STATUSES)
    progress = {"已完成": 100.0, "未启动": 0.0}.get(status, float(rng.randrange(5, 100, 5)))
    start = rng.choice((None, _day(rng, period.start, period.end)))
    deadline = _day(rng, date(2022, 3, 1), date(2022, 12, 31))
    if start is not None and deadline < start:
        deadline = start + timedelta(days=rng.randint(0, 120))
    achievement = rng.choice(ACHIEVEMENTS + (None, None))
    value = None
    if achievement is not None:
        value = rng.choice((rng.randint(1, 50), round(rng.uniform(1, 100), 2)))
    return {
        "seq": seq,
        "list_type": rng.choice(S.TASK_LIST_TYPES),
        "name": f"任务{seq}：组建疫情防控一线党员先锋队",
        "goal": "每个社区至少一支先锋队",
        "measures": None,
        "leader": person(rng),
        "unit_in_charge": "党建办",
        "owner": person(rng),
        "start_date": start,
        "deadline": deadline,
        "progress": progress,
        "status": status,
        "progress_note": "已组建先锋队",
        "result_text": achievement[0] if achievement else None,
        "result_value": value,
        "result_unit": achievement[1] if achievement else None,
        "evidence": None,
        "remark": None,
    }


def unit_rows(
    rng: random.Random, n_visits: int, n_problems: int, n_tasks: int, period: Period = PERIOD, as_of: date = AS_OF
) -> dict[str, list[dict[str, Any]]]:
    visits = [visit_row(rng, i, period, as_of) for i in range(1, n_visits + 1)]
    seqs = [v["seq"] for v in visits]
    return {
        "visits": visits,
        "problems": [problem_row(rng, i, seqs, period, as_of) for i in range(1, n_problems + 1)],
        "tasks": [task_row(rng, i, period, as_of) for i in range(1, n_tasks + 1)],
    }


# ---------------------------------------------------------------------------
# DataFrames as the validator makes them: through its own table builder
# ---------------------------------------------------------------------------


def frame(
    sheet_key: str,
    rows: list[dict[str, Any]],
    *,
    unit: str = "",
    unit_code: str = "",
    file: str = "",
    first_row: int = S.FIRST_DATA_ROW,
    notes: dict[int, str] | None = None,
) -> pd.DataFrame:
    """Accepted rows of one sheet of one file, built by ``toolkit.validate.accepted_table``
    (the validator's own builder: the same columns and dtypes as validation gives).

    ``notes`` maps a 0-based row position to its 提示 text.
    """
    return accepted_table(sheet_key, rows, unit=unit, unit_code=unit_code, file=file,
                          row_numbers=range(first_row, first_row + len(rows)), notes=_notes(notes, len(rows)))


def empty_tables() -> dict[str, pd.DataFrame]:
    return {key: empty_table(key) for key in S.SHEETS}


def _notes(notes: dict[int, str] | None, n: int) -> list[str]:
    notes = notes or {}
    return [notes.get(i, "") for i in range(n)]


@dataclass
class Submission:
    """One file as the validator reports it."""

    unit: str
    unit_code: str
    template: str  # "survey" | "tasks"
    rel: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # rows per sheet key (accepted unless superseded)
    status: str = FILE_OK
    rejected: list[RejectedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    superseded_by: str | None = None
    notes: dict[str, dict[int, str]] = field(default_factory=dict)  # sheet key -> position -> 提示

    @property
    def superseded_rows(self) -> int:
        return sum(len(v) for v in self.rows.values()) if self.superseded_by else 0

    def report(self, root: Path) -> FileReport:
        accepted = 0 if self.superseded_by else sum(len(v) for v in self.rows.values())
        template = S.template_by_id(self.template)
        return FileReport(
            path=str(root / self.rel), rel=self.rel, unit=self.unit, unit_code=self.unit_code,
            template=self.template, template_name=template.name, status=self.status,  # type: ignore[arg-type]
            rows_read=accepted + len(self.rejected) + self.superseded_rows,
            rows_accepted=accepted, rows_rejected=len(self.rejected),
            rows_superseded=self.superseded_rows, superseded_by=self.superseded_by, issues=list(self.issues),
        )


def build_result(
    submissions: list[Submission],
    *,
    units: list[Unit] | None = None,
    period: Period | None = PERIOD,
    as_of: date = AS_OF,
    root: Path = Path("/collect"),
    unreadable: list[tuple[str, Issue]] = (),  # (rel, the reader's issue: toolkit.errors.make_issue)
) -> ValidationResult:
    """The ValidationResult of ``submissions``; tables built as validation builds them
    (``toolkit.validate.Tables``, file after file)."""
    tables = Tables()
    files: list[FileReport] = []
    rejected: list[RejectedRow] = []
    for sub in submissions:
        files.append(sub.report(root))
        rejected.extend(sub.rejected)
        if sub.superseded_by:
            continue
        for key, rows in sub.rows.items():
            if rows:  # validation adds a file's sheet only when it has accepted rows
                tables.add_rows(key, rows, unit=sub.unit, unit_code=sub.unit_code, file=sub.rel,
                                row_numbers=range(S.FIRST_DATA_ROW, S.FIRST_DATA_ROW + len(rows)),
                                notes=_notes(sub.notes.get(key), len(rows)))
    for rel, issue in unreadable:
        files.append(FileReport(
            path=str(root / rel), rel=rel, unit=UNKNOWN_UNIT, unit_code="", template=None, template_name="",
            status=FILE_UNREADABLE, issues=[issue],
        ))
    return ValidationResult(root=root, period=period, as_of=as_of, units=list(units or []), files=files,
                            ignored=[], tables=tables.tables(), rejected=rejected)


# ---------------------------------------------------------------------------
# A whole collection with known contents
# ---------------------------------------------------------------------------


@dataclass
class Scenario:
    result: ValidationResult
    units: list[Unit]
    accepted: dict[str, dict[str, list[dict[str, Any]]]]  # unit name -> sheet key -> accepted rows
    submissions: list[Submission]
    missing_unit: Unit
    superseded_file: str
    rejected_file: str
    unreadable_file: str
    no_problem_unit: str
    unknown_unit: str


def _missing_name(rel: str, row: int) -> Issue:
    """The validator's issue for a task row without 任务名称 (column C of 任务清单)."""
    col = S.SHEETS["tasks"].column("name")
    return make_issue("missing-value", file=rel, sheet="任务清单", sheet_key="tasks", row=row, column="C",
                      column_key=col.key, header=col.header, rule=col.rule_text() or col.help)


def _lost_zero(rel: str, row: int, phone: str) -> Issue:
    """The validator's 提示 for a landline typed as a number (its leading 0 lost)."""
    col = S.SHEETS["visits"].column("phone")
    return make_issue("phone-lost-zero", file=rel, sheet="走访记录", sheet_key="visits", row=row, column="K",
                      column_key=col.key, header=col.header, value=phone[1:].replace("-", ""), fixed=phone)


def scenario(seed: int = 7, n_units: int = 13) -> Scenario:
    rng = random.Random(seed)
    units = [Unit(f"{i:02d}", UNIT_NAMES[i - 1]) for i in range(1, n_units + 1)]
    missing = units[-1]  # submits nothing
    no_problem = units[2].name
    unknown = "后勤科"
    subs: list[Submission] = []
    accepted: dict[str, dict[str, list[dict[str, Any]]]] = {}
    superseded_file = rejected_file = ""
    for i, unit in enumerate(units[:-1]):
        rows = unit_rows(rng, rng.randint(3, 12), 0 if unit.name == no_problem else rng.randint(2, 10),
                         rng.randint(2, 8))
        survey = f"{unit.name}-大走访大调研台账-2022年第一季度.xlsx"
        tasks = f"{unit.name}-任务推进台账-2022年第一季度.xlsx"
        sub = Submission(unit.name, unit.code, "survey", survey, {"visits": rows["visits"], "problems": rows["problems"]})
        if i == 0:  # a 提示 on the first visit: kept, with its note
            rows["visits"][0]["phone"] = "0531-88886666"
            hint = _lost_zero(survey, S.FIRST_DATA_ROW, rows["visits"][0]["phone"])
            sub.status, sub.issues, sub.notes = FILE_HINTS, [hint], {"visits": {0: short_message(hint)}}
        subs.append(sub)
        if i == 1:  # an older copy of the survey, superseded by the one above
            old = f"旧版/{unit.name}-大走访大调研台账.xlsx"
            superseded_file = old
            old_rows = {"visits": unit_rows(rng, 4, 2, 0)["visits"]}
            notice = make_issue("superseded", file=old, unit=unit.name, newer=survey,
                                rows=sum(len(v) for v in old_rows.values()))
            subs.append(Submission(unit.name, unit.code, "survey", old, old_rows, status=FILE_SUPERSEDED,
                                   issues=[notice], superseded_by=survey))
        task_sub = Submission(unit.name, unit.code, "tasks", tasks, {"tasks": rows["tasks"]})
        if i == 3:  # a file with rejected rows: two rows lack 任务名称
            rejected_file = tasks
            task_sub.status = FILE_ERRORS
            for k in range(2):
                row = S.FIRST_DATA_ROW + len(rows["tasks"]) + k
                issue = _missing_name(tasks, row)
                task_sub.issues.append(issue)
                task_sub.rejected.append(RejectedRow(tasks, unit.name, "tasks", "任务清单", row,
                                                     {"序号": len(rows["tasks"]) + k + 1, "任务名称": None,
                                                      "完成进度": "50%"}, [short_message(issue)]))
        subs.append(task_sub)
        accepted[unit.name] = rows
    # A unit not in toolkit.toml.
    extra = unit_rows(rng, 3, 2, 2)
    subs.append(Submission(unknown, "", "survey", f"{unknown}-大走访大调研台账.xlsx",
                           {"visits": extra["visits"], "problems": extra["problems"]}))
    subs.append(Submission(unknown, "", "tasks", f"{unknown}-任务推进台账.xlsx", {"tasks": extra["tasks"]}))
    accepted[unknown] = extra
    unreadable = "新建文件夹/加密的文件.xlsx"
    result = build_result(subs, units=units, unreadable=[(unreadable, make_issue("file-encrypted", file=unreadable))])
    return Scenario(result, units, accepted, subs, missing, superseded_file, rejected_file, unreadable,
                    no_problem, unknown)


# ---------------------------------------------------------------------------
# Real workbooks (end-to-end tests): the toolkit's own templates, filled in
# ---------------------------------------------------------------------------


def write_unit_workbooks(
    folder: Path,
    unit: Unit,
    rows: dict[str, list[dict[str, Any]]],
    *,
    period: Period = PERIOD,
    templates: tuple[str, ...] = ("survey", "tasks"),
    subfolder: str = "",
    mtime: float | None = None,
) -> list[Path]:
    """Write a unit's filled-in template workbooks (templates.build_workbook + fill_rows) into ``folder``."""
    import os

    from toolkit import templates as T

    out = []
    for template_id in templates:
        template = S.template_by_id(template_id)
        wb = T.build_workbook(template, unit=unit.name, period=period)
        for sheet in template.sheets:
            T.fill_rows(wb, sheet.key, rows.get(sheet.key, []))
        path = Path(folder) / subfolder / template.file_name(unit.name, period.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        T.save_workbook(wb, path)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        out.append(path)
    return out
