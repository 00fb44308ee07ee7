"""Figures (汇总数据.json) → template context for the Word report.

Everything a template may use is built here; docs/report-template.md lists it.
All values are plain ``str``/``int``/``list``/``dict`` (charts are added by
:func:`toolkit.report.render_report` as docxtpl ``InlineImage`` objects) and all
numbers are already formatted the 公文 way (see :mod:`toolkit.report.numbers`).
Missing figures never print as ``None``/``nan``/``0.0%``: the sentence that would
quote them is left out, or the value reads 暂无.
"""

from __future__ import annotations

from datetime import date

from ..config import DEFAULT_TITLE, ReportSettings, ReportText
from . import sections as P
from . import wording as W
from .numbers import MISSING, cn_heading, fmt_date, fmt_int
from .sections import CAMPAIGN, THEME
from .sections import clean as _clean
from .sections import dist as _dist
from .sections import get as _get
from .sections import n as _n

ATTACHMENT_TITLE = "各单位工作开展情况统计表"
# Rows of the appendix lists (unfinished key tasks, overdue items). The complete lists are
# in 汇总表.xlsx; an official appendix with thousands of rows helps nobody and makes
# rendering slow (docxtpl post-processes the whole document with regular expressions).
APPENDIX_ROWS_CAP = 50

# per-unit table columns: (header, key, kind)
UNIT_COLUMNS = [
    ("走访次数", "visits", "int"), ("参与人次", "participants", "int"), ("发现问题", "problems_found", "int"),
    ("当场解决", "solved_on_spot", "int"), ("问题清单", "problems", "int"), ("已办结", "problems_closed", "int"),
    ("办结率", "closure_rate", "rate"), ("满意率", "satisfaction_rate", "rate"), ("逾期问题", "overdue_problems", "int"),
    ("任务数", "tasks", "int"), ("已完成", "tasks_completed", "int"), ("平均进度", "average_progress", "rate"),
    ("逾期任务", "overdue_tasks", "int"),
]


# the 附件's comparison table (a multi-period report): (group header, [(sub-header, where, key, kind)]);
# where: "this" = the unit's entry, "previous" = its entry of the previous period, "cumulative"
COMPARE_COLUMNS = [
    ("走访次数", [("本期", "this", "visits", "int"), ("上期", "previous", "visits", "int"),
                  ("累计", "cumulative", "visits", "int")]),
    ("参与人次", [("本期", "this", "participants", "int"), ("上期", "previous", "participants", "int"),
                  ("累计", "cumulative", "participants", "int")]),
    ("问题清单", [("本期", "this", "problems", "int"), ("累计", "cumulative", "problems", "int")]),
    ("已办结", [("本期", "this", "problems_closed", "int"), ("累计", "cumulative", "problems_closed", "int")]),
    ("办结率", [("本期", "this", "closure_rate", "rate"), ("上期", "previous", "closure_rate", "rate"),
                ("累计", "cumulative", "closure_rate", "rate")]),
    ("欠进度任务", [("本期", "this", "tasks_behind", "int"), ("上期", "previous", "tasks_behind", "int")]),
]
COMPARE_TITLE = "各单位主要指标与上期、累计对比"


TITLE_LINE_CHARS = 20  # 2号 characters on a 156 mm line
_TITLE_BREAK_BEFORE = ("活动", "情况", "工作", "的报告", "的情况", "的通知", "的意见", "的总结")


def title_lines(title: str, limit: int = TITLE_LINE_CHARS) -> list[str]:
    """Split a long title into lines at a word boundary, upper line not shorter (梯形)."""
    from ..text import em_width

    title = " ".join(title.split())
    if em_width(title) <= limit:
        return [title]
    best: tuple[float, int] | None = None
    depth = 0
    for i, ch in enumerate(title):
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth = max(0, depth - 1)
        pos = i + 1
        if pos >= len(title) or depth:
            continue
        natural = ch in "”，、）" or title.startswith(_TITLE_BREAK_BEFORE, pos) or title[:pos] in ("关于",)
        if not natural:
            continue
        w1, w2 = em_width(title[:pos]), em_width(title[pos:])
        if w1 > limit or w2 > limit or title[pos] in "，。、；：）”":
            continue
        score = abs(w1 - w2) + (3 if w2 > w1 else 0)
        if best is None or score < best[0]:
            best = (score, pos)
    if best is None:
        return [title]
    return [title[:best[1]], title[best[1]:]]


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def _unit_row(u: dict, index: int | str) -> dict:
    row = {"index": str(index), "code": _clean(u.get("code")), "name": W.full_width(_clean(u.get("name"))),
           "submitted": "是" if u.get("submitted") else "否"}
    absent = u.get("status", "未报送" if u.get("submitted") is False else "") == "未报送"  # sent nothing: no zeros
    if absent:
        row["name"] = f"{row['name']}（未报送）"
    for _, key, kind in UNIT_COLUMNS:
        value = u.get(key)
        if absent:
            row[key] = "—"
        elif kind == "rate":
            row[key] = W.percent(value, missing="—")
        else:
            row[key] = fmt_int(value, missing="0")
    row["cells"] = [row[key] for _, key, _ in UNIT_COLUMNS]
    return row


def _compare_value(entry: dict | None, key: str, kind: str) -> str:
    if not isinstance(entry, dict) or entry.get("status") == "未报送":
        return "—"
    if key == "tasks_behind":
        value = _get(entry, "tasks_by_schedule", "欠进度")
    else:
        value = entry.get(key)
    if kind == "rate":
        return W.percent(value, missing="—")
    return fmt_int(value, missing="—")


def _compare_row(u: dict, index: int | str) -> dict:
    """One unit (or 合计) of the comparison table: this period, the previous one, since the first."""
    sources = {"this": u, "previous": u.get("previous"), "cumulative": u.get("cumulative")}
    if u.get("status", "") == "未报送" or u.get("submitted") is False:
        sources["this"] = None  # sent nothing this period: no zeros
    cells = [_compare_value(sources[where], key, kind) for _, cols in COMPARE_COLUMNS for _, where, key, kind in cols]
    return {"index": str(index), "name": W.full_width(_clean(u.get("name"))), "cells": cells}


def compare_table(fig: dict, pw: P.Periods) -> dict:
    """The 附件's table of this period beside the previous one and the cumulative figures, or ``{}`` with
    one recorded period (nothing to compare). Every value is a figure key (docs/figures.md)."""
    totals = fig.get("totals") if isinstance(fig.get("totals"), dict) else {}
    total_cum = totals.get("cumulative") if isinstance(totals.get("cumulative"), dict) else {}
    same = all(_n(total_cum.get(k)) == _n(totals.get(k)) for k in ("visits", "participants", "problems", "tasks"))
    if not isinstance(fig.get("previous"), dict) and (not pw.cumulative or same):
        return {}  # nothing to compare with, or 累计 is this period (a year over the whole campaign)
    units = [u for u in fig.get("units") or [] if isinstance(u, dict)]
    before = pw.against or "上期"
    label = {"this": pw.this, "previous": pw.before, "cumulative": "累计"}  # short: an 11 mm column
    groups = [{"title": title, "columns": [label[where] for _, where, _, _ in cols]} for title, cols in COMPARE_COLUMNS]
    return {
        "title": COMPARE_TITLE.replace("上期", before),
        "before": before,
        "groups": groups,
        "headers": [h for g in groups for h in g["columns"]],
        "rows": [_compare_row(u, i) for i, u in enumerate(units, start=1)],
        "total": _compare_row({**totals, "name": "合计", "submitted": True, "status": ""}, ""),
        "note": (f"注：“{pw.before}”为{_clean(_get(fig, 'previous', 'period', 'name'))}，" if isinstance(
            fig.get("previous"), dict) else "注：") + (
            f"“累计”自{_clean(_get(fig, 'cumulative', 'first_period', 'name'))}起，问题和任务按编号各计一次。"
            if pw.cumulative else ""),
    }


def _dist_table(title: str, items: list[dict], measure: str) -> dict:
    total = sum(d["count"] for d in items)
    rows = [{"name": W.full_width(d["name"]), "count": str(d["count"]),
             "share": W.percent(d["count"] * 100.0 / total, missing="—") if total else "—"} for d in items]
    return {"title": title, "measure": measure, "rows": rows, "total": str(total)}


# ---------------------------------------------------------------------------
# public
# ---------------------------------------------------------------------------


def build_context(figures: dict, settings: ReportSettings | None = None, text: ReportText | None = None,
                  *, today: date | None = None) -> dict:
    """The template context for 情况汇报.docx and 统计附表.docx (see docs/report-template.md)."""
    fig = figures or {}
    settings = settings or ReportSettings()
    text = text or ReportText()
    org = _clean(fig.get("org"))
    period = _get(fig, "period", default={})
    period_name = _clean(period.get("name"))
    report_date = settings.date or today or date.today()

    has_data = any(_n(_get(fig, block, "count")) for block in ("visits", "problems", "tasks"))
    opening = P.opening(fig, settings, org, period_name, has_data)
    found = P.issues(fig, settings, text)
    submission_text = P.submission(fig)
    charts = bool(getattr(settings, "charts", False))

    sections: list[dict] = []

    def add(key: str, paragraphs: list[str], chart: str = "") -> None:
        paragraphs = [p for p in paragraphs if p]
        if paragraphs:
            sections.append({"key": key, "title": P.heading(settings, key), "paragraphs": paragraphs,
                             "chart": "", "chart_caption": "", "chart_name": chart if charts else ""})

    add("organization", P.staff(text.organization))
    add("visits", P.visits(fig, period_name), chart="objects")
    add("problems", P.problems(fig), chart="problems")
    add("tasks", P.tasks(fig))
    add("achievements", P.achievements(fig))
    add("units", P.units(fig, found.named))
    add("highlights", P.staff(text.highlights))
    for i, sec in enumerate(sections, start=1):
        sec["heading"] = f"{cn_heading(i, 2)}{sec['title']}"

    key_rows, key_total = P.key_tasks(fig, limit=max(APPENDIX_ROWS_CAP, P.KEY_TASKS_CAP))
    units = [u for u in fig.get("units") or [] if isinstance(u, dict)]
    unit_rows = [_unit_row(u, i) for i, u in enumerate(units, start=1)]
    totals = fig.get("totals") if isinstance(fig.get("totals"), dict) else {}
    totals_row = _unit_row({**totals, "name": "合计"}, "") if totals else None

    v, p, t = _get(fig, "visits", default={}), _get(fig, "problems", default={}), _get(fig, "tasks", default={})
    n = {  # every headline figure, formatted
        "visits": fmt_int(v.get("count")), "participants": fmt_int(v.get("participants")),
        "objects": fmt_int(v.get("objects")), "problems_found": fmt_int(v.get("problems_found")),
        "solved_on_spot": fmt_int(v.get("solved_on_spot")),
        "problems": fmt_int(p.get("count")), "problems_closed": fmt_int(p.get("closed")),
        "closure_rate": W.percent(p.get("closure_rate"), MISSING),
        "problems_cancelled": fmt_int(p.get("cancelled")),
        "satisfaction_rate": W.percent(p.get("satisfaction_rate"), MISSING), "problems_overdue": fmt_int(p.get("overdue")),
        "tasks": fmt_int(t.get("count")), "tasks_completed": fmt_int(t.get("completed")),
        "completion_rate": W.percent(t.get("completion_rate"), MISSING),
        "average_progress": W.percent(t.get("average_progress"), MISSING),
        "tasks_overdue": fmt_int(t.get("overdue")),
        "units_expected": fmt_int(_get(fig, "submission", "expected", default=0)),
        "units_submitted": fmt_int(_get(fig, "submission", "submitted", default=0)),
    }

    red_all = [r for r in fig.get("red_list") or [] if isinstance(r, dict)]
    red_rows = [{"kind": _clean(r.get("kind")), "id": _clean(r.get("id")), "unit": _clean(r.get("unit")),
                 "title": W.full_width(_clean(r.get("title"))), "owner": _clean(r.get("owner")),
                 "deadline": fmt_date(r.get("deadline"), missing=""), "days_overdue": fmt_int(r.get("days_overdue"), "")}
                for r in red_all[:APPENDIX_ROWS_CAP]]
    red_more = len(red_all) - len(red_rows)
    task_types = [{"name": d["name"], "count": str(d["count"]), "completed": fmt_int(d.get("completed"), "0"),
                   "average_progress": W.percent(d.get("average_progress"), missing="—")}
                  for d in _dist(t.get("by_type"))]

    # numbers of the tables of 统计附表.docx: 表1 per unit, 表2–7 distributions, then the optional ones
    compare = compare_table(fig, P.periods(fig))
    table_no = {"units": 1, "task_types": 8}
    nxt = 9
    for key, present in (("compare", bool(compare)), ("key_tasks", bool(key_rows)), ("red", bool(red_rows))):
        if present:
            table_no[key] = nxt
            nxt += 1

    return {
        "table_no": table_no,
        "title": _clean(settings.title) or DEFAULT_TITLE,
        "title_lines": title_lines(_clean(settings.title) or DEFAULT_TITLE),
        "recipient": _clean(settings.recipient),
        "org": org,
        "office": _clean(fig.get("office")),
        "signature": _clean(settings.signature) or org,
        "date": fmt_date(report_date),
        "period_name": period_name,
        "period_start": fmt_date(period.get("start"), missing=""),
        "period_end": fmt_date(period.get("end"), missing=""),
        "as_of": fmt_date(fig.get("as_of"), missing=""),
        "campaign": CAMPAIGN,
        "theme": THEME,
        "opening": opening,
        "submission_text": submission_text if getattr(settings, "submission", "appendix") == "body" else "",
        "submission_note": (f"报送情况：{submission_text}" if submission_text
                            and getattr(settings, "submission", "appendix") == "appendix" else ""),
        "work_sections": sections,
        "organization": P.staff(text.organization),
        "highlights": P.staff(text.highlights),
        "issues": found.paragraphs,
        "plans": P.plans(fig, text, key_rows, key_total, found.tasks),
        "closing": W.finish(_clean(getattr(settings, "closing", ""))),
        "key_tasks": key_rows[:APPENDIX_ROWS_CAP],
        "key_tasks_total": key_total,
        "key_tasks_more": key_total - len(key_rows[:APPENDIX_ROWS_CAP]),
        "red_total": len(red_all),
        "red_more": red_more,
        "n": n,
        "attachment_title": ATTACHMENT_TITLE,
        "unit_headers": [h for h, _, _ in UNIT_COLUMNS],
        "unit_rows": unit_rows,
        "compare": compare,
        "totals_row": totals_row or _unit_row({"name": "合计"}, ""),
        "object_table": _dist_table("走访对象类型分布", _dist(v.get("by_object_type")), "次"),
        "method_table": _dist_table("走访方式分布", _dist(v.get("by_method")), "次"),
        "category_table": _dist_table("问题类别分布", _dist(p.get("by_category")), "个"),
        "source_table": _dist_table("问题来源分布", _dist(p.get("by_source")), "个"),
        "status_table": _dist_table("问题办理状态分布", _dist(p.get("by_status")), "个"),
        "task_status_table": _dist_table("任务推进状态分布", _dist(t.get("by_status")), "项"),
        "task_types": task_types,
        "red_rows": red_rows,
        "chart_problems": "",
        "chart_problems_caption": "",
        "chart_objects": "",
        "chart_objects_caption": "",
        "missing": MISSING,
    }


def dist_tables(context: dict) -> list[dict]:
    """The distribution tables of 统计附表.docx, in order."""
    return [context[k] for k in ("object_table", "method_table", "category_table", "source_table", "status_table",
                                 "task_status_table")]


KNOWN_VARIABLES = frozenset(build_context({}, ReportSettings(), ReportText(), today=date(2022, 1, 1)).keys()) | {
    "dist_tables", "appendix"}
