"""Figures (汇总数据.json) → template context for the Word report.

Everything a template may use is built here; docs/report-template.md lists it.
All values are plain ``str``/``int``/``list``/``dict`` (charts are added by
:func:`toolkit.report.render_report` as docxtpl ``InlineImage`` objects) and all
numbers are already formatted the 公文 way (see :mod:`toolkit.report.numbers`).
Missing figures never print as ``None``/``nan``/``0.0%``: the sentence that would
quote them is left out, or the value reads 暂无.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..config import DEFAULT_TITLE, ReportSettings, ReportText
from .numbers import (
    MISSING,
    cn_heading,
    cn_ordinal_point,
    fmt_amount,
    fmt_date,
    fmt_int,
    fmt_month_day,
    fmt_rate,
    is_missing,
    to_number,
)

CAMPAIGN = "能力作风建设年"
THEME = "机关接地气、干部走基层"
ATTACHMENT_TITLE = "各单位工作开展情况统计表"

KEY_TASKS_CAP = 5  # unfinished key tasks named in 下步打算
UNITS_NAMED_CAP = 6  # unit names quoted in one sentence before "等N个单位"
ACHIEVEMENTS_CAP = 12
# Rows of the appendix lists (unfinished key tasks, overdue items). The complete lists are
# in 汇总表.xlsx; an official appendix with thousands of rows helps nobody and makes
# rendering slow (docxtpl post-processes the whole document with regular expressions).
APPENDIX_ROWS_CAP = 50

# measure word used after a visit count, per 对象类型
OBJECT_MEASURES = {
    "企业": "家次", "村(社区)": "个次", "居民群众": "人次", "困难群众": "户次", "老党员老干部": "人次",
    "学校": "所次", "项目": "个次", "基层站所": "个次", "两代表一委员": "人次", "其他": "次",
}

# per-unit table columns: (header, key, kind)
UNIT_COLUMNS = [
    ("走访次数", "visits", "int"), ("参与人次", "participants", "int"), ("发现问题", "problems_found", "int"),
    ("当场解决", "solved_on_spot", "int"), ("问题清单", "problems", "int"), ("已办结", "problems_closed", "int"),
    ("办结率", "closure_rate", "rate"), ("满意率", "satisfaction_rate", "rate"), ("逾期问题", "overdue_problems", "int"),
    ("任务数", "tasks", "int"), ("已完成", "tasks_completed", "int"), ("平均进度", "average_progress", "rate"),
    ("逾期任务", "overdue_tasks", "int"),
]

_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+[是、]|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[.、．])")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _get(data: Any, *path: str, default: Any = None) -> Any:
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return default if node is None else node


def _n(value: Any) -> int:
    number = to_number(value)
    return int(round(number)) if number is not None else 0


def _clean(text: Any) -> str:
    return "" if is_missing(text) else str(text).strip()


def _names(names: list[str], cap: int = UNITS_NAMED_CAP, measure: str = "个单位") -> str:
    """``办公室、财务科等3个单位`` / ``办公室、财务科2个单位``."""
    names = [n for n in names if n]
    shown = "、".join(names[:cap])
    if len(names) > cap:
        return f"{shown}等{len(names)}{measure}"
    if len(names) > 1:
        return f"{shown}{len(names)}{measure}"
    return shown


def _end(sentence: str) -> str:
    sentence = sentence.strip()
    if not sentence:
        return ""
    return sentence if sentence[-1] in "。！？；：!?.;:" else sentence + "。"


def _dist(items: Any) -> list[dict]:
    """A distribution list ``[{"name", "count"}]`` cleaned: missing counts → 0."""
    out = []
    for item in items or []:
        if isinstance(item, dict) and _clean(item.get("name")):
            out.append({**item, "name": _clean(item["name"]), "count": _n(item.get("count"))})
    return out


def _number_points(points: list[str]) -> list[str]:
    """Prefix 一是/二是 … unless the staff already numbered their paragraph."""
    out = []
    for i, point in enumerate(points, start=1):
        point = point.strip()
        out.append(point if _NUMBERED.match(point) else f"{cn_ordinal_point(i)}{point}")
    return out


def _as_date(value: Any) -> date | None:
    from .numbers import parse_date

    return parse_date(value)


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def _submission_paragraph(fig: dict) -> str:
    sub = _get(fig, "submission", default={})
    expected, submitted = _n(sub.get("expected")), _n(sub.get("submitted"))
    if not expected:
        return ""
    as_of = fmt_date(fig.get("as_of"), missing="")
    head = f"截至{as_of}，" if as_of else ""
    if not submitted:
        return f"{head}应报送台账的{expected}个单位均未报送，暂无汇总数据。"
    counts = sub.get("counts") or {}
    complete = _n(counts.get("已报送"))
    if complete >= expected:
        return f"{head}应报送台账的{expected}个单位已全部报送，以下数据据此汇总。"
    pending = [f"{n}个单位部分报送" if k == "部分报送" else f"{n}个单位的台账退回修改" if k == "有退回"
               else f"{n}个单位未报送" for k in ("部分报送", "有退回", "未报送") if (n := _n(counts.get(k)))]
    detail = f"（{'、'.join(pending)}）" if pending else ""
    return f"{head}应报送台账的{expected}个单位中已有{submitted}个报送{detail}，以下数据据此汇总。"


def _visits_paragraphs(fig: dict, period: str) -> list[str]:
    v = _get(fig, "visits", default={})
    count = _n(v.get("count"))
    if not count:
        return [f"{period}暂无走访记录。"]
    lead = f"{period}，" if period else ""
    s = (f"{lead}各单位坚持领导带头、分片包联，深入企业、村(社区)和群众家中察实情、听民意，"
         f"累计开展走访{fmt_int(count)}次，参与{fmt_int(v.get('participants'))}人次")
    if _n(v.get("objects")):
        s += f"，走访对象{fmt_int(v.get('objects'))}个"
    parts = [_end(s)]
    types = [d for d in _dist(v.get("by_object_type")) if d["count"]]
    if types:
        parts.append("其中" + "、".join(f"{d['name']}{d['count']}{OBJECT_MEASURES.get(d['name'], '次')}"
                                      for d in types) + "。")
    methods = [d for d in _dist(v.get("by_method")) if d["count"]]
    if methods:
        parts.append("从走访方式看，" + "、".join(f"{d['name']}{d['count']}次" for d in methods) + "。")
    found = _n(v.get("problems_found"))
    if found:
        s = f"走访中共发现问题{fmt_int(found)}个"
        on_spot = _n(v.get("solved_on_spot"))
        if on_spot:
            s += f"，当场解决{fmt_int(on_spot)}个"
        parts.append(_end(s))
    return ["".join(parts)]


def _problems_paragraphs(fig: dict) -> list[str]:
    p = _get(fig, "problems", default={})
    count = _n(p.get("count"))
    if not count:
        return ["本期问题清单暂无记录。"]
    s = (f"坚持“收集→交办→办结→回访→销号”闭环管理，对走访和各渠道收集的问题逐一建立清单、明确责任，"
         f"共形成问题清单{fmt_int(count)}个，已办结{fmt_int(p.get('closed'))}个")
    if not is_missing(p.get("closure_rate")):
        s += f"，办结率{fmt_rate(p.get('closure_rate'))}"
    parts = [s]
    if _n(p.get("cancelled")):
        parts.append(f"其中已回访销号{fmt_int(p.get('cancelled'))}个")
    rated = _n(p.get("rated"))
    if rated and not is_missing(p.get("satisfaction_rate")):
        parts.append(f"回访评价{fmt_int(rated)}个，群众满意和基本满意{fmt_int(p.get('satisfied'))}个，"
                     f"满意率{fmt_rate(p.get('satisfaction_rate'))}")
    text = "；".join(parts) + "。"
    cats = sorted((d for d in _dist(p.get("by_category")) if d["count"]), key=lambda d: -d["count"])
    if cats:
        shown = "、".join(f"{d['name']}类{d['count']}个" for d in cats[:5])
        text += f"从问题类别看，{shown}{'等' if len(cats) > 5 else ''}。"
    sources = [d for d in _dist(p.get("by_source")) if d["count"]]
    if len(sources) > 1:
        text += "按来源分，" + "、".join(f"{d['name']}{d['count']}个" for d in sources) + "。"
    return [text]


def _tasks_paragraphs(fig: dict) -> list[str]:
    t = _get(fig, "tasks", default={})
    count = _n(t.get("count"))
    if not count:
        return ["本期任务清单暂无记录。"]
    s = (f"对照重点任务、问题整改、重大改革“三张清单”，实行挂图作战、跑表计时，共梳理各类任务{fmt_int(count)}项，"
         f"已完成{fmt_int(t.get('completed'))}项")
    if not is_missing(t.get("completion_rate")):
        s += f"，完成率{fmt_rate(t.get('completion_rate'))}"
    if not is_missing(t.get("average_progress")):
        s += f"，平均完成进度{fmt_rate(t.get('average_progress'))}"
    text = _end(s)
    kinds = []
    for d in _dist(t.get("by_type")):
        if not d["count"]:
            continue
        k = f"{d['name']}{d['count']}项、已完成{_n(d.get('completed'))}项"
        if not is_missing(d.get("average_progress")):
            k += f"、平均进度{fmt_rate(d.get('average_progress'))}"
        kinds.append(k)
    if kinds:
        text += "其中，" + "；".join(kinds) + "。"
    return [text]


def _achievement_phrase(a: dict) -> str:
    desc = _clean(a.get("description"))
    if not desc:
        return ""
    if is_missing(a.get("value")):
        return desc
    return f"{desc}{fmt_amount(a.get('value'), _clean(a.get('unit')))}"


def _achievements_paragraphs(fig: dict) -> list[str]:
    items = [a for a in fig.get("achievements") or [] if isinstance(a, dict)]
    phrases = [p for p in (_achievement_phrase(a) for a in items) if p]
    if not phrases:
        return []
    shown = phrases[:ACHIEVEMENTS_CAP]
    text = "活动开展以来，各单位把大走访大调研与中心工作紧密结合，推动形成了一批看得见、可量化的工作成果：" + "；".join(shown)
    if len(phrases) > ACHIEVEMENTS_CAP:
        text += f"等{len(phrases)}项成果"
    return [text + "。"]


def _top(units: list[dict], key: str, n: int = 3, *, min_base: tuple[str, int] | None = None) -> list[dict]:
    pool = [u for u in units if not is_missing(u.get(key)) and (to_number(u.get(key)) or 0) > 0]
    if min_base:
        pool = [u for u in pool if _n(u.get(min_base[0])) >= min_base[1]]
    return sorted(pool, key=lambda u: -(to_number(u.get(key)) or 0))[:n]


def _with_values(units: list[dict], key: str) -> str:
    """``A44.4%、B50.0%``: each value right after its name, so justified lines break cleanly."""
    return "、".join(f"{u['name']}{fmt_rate(u[key])}" for u in units)


def _units_paragraphs(fig: dict, settings: ReportSettings) -> list[str]:
    units = [u for u in fig.get("units") or [] if isinstance(u, dict) and _clean(u.get("name"))]
    if len(units) < 2:
        return []
    sentences = []
    top = _top(units, "visits")
    if top:
        s = f"{top[0]['name']}走访{fmt_int(top[0]['visits'])}次，位居前列"
        if len(top) > 1:
            rest = top[1:]
            s += (f"；{'、'.join(u['name'] for u in rest)}分别走访"
                  f"{'、'.join(fmt_int(u['visits']) + '次' for u in rest)}") if len(rest) > 1 else \
                f"；{rest[0]['name']}走访{fmt_int(rest[0]['visits'])}次"
        sentences.append(s)
    full = [u for u in units if _n(u.get("problems")) >= 3 and to_number(u.get("closure_rate")) == 100.0]
    if full:
        sentences.append(f"{_names([u['name'] for u in full], measure='个单位')}问题清单全部办结")
    else:
        bar = max(to_number(settings.low_closure_rate) or 0, to_number(_get(fig, "problems", "closure_rate")) or 0)
        top = [u for u in _top(units, "closure_rate", min_base=("problems", 3)) if to_number(u["closure_rate"]) >= bar]
        if top:
            sentences.append("问题办结率较高的有" + _with_values(top, "closure_rate"))
    top = _top(units, "average_progress", min_base=("tasks", 2))
    if top:
        sentences.append("任务平均进度领先的有" + _with_values(top, "average_progress"))
    if not sentences:
        return []
    return ["从各单位情况看，" + "；".join(sentences) + "。"]


def _issues(fig: dict, settings: ReportSettings, text: ReportText) -> list[str]:
    as_of = fmt_date(fig.get("as_of"), missing="")
    at = f"截至{as_of}，" if as_of else "目前"
    units = [u for u in fig.get("units") or [] if isinstance(u, dict) and _clean(u.get("name"))]
    red = [r for r in fig.get("red_list") or [] if isinstance(r, dict)]
    points: list[str] = []

    overdue_p = _n(_get(fig, "problems", "overdue"))
    if overdue_p:
        names = [u["name"] for u in units if _n(u.get("overdue_problems"))]
        s = f"部分问题办理超期。{at}仍有{overdue_p}个问题超过办理时限未办结"
        if names:
            s += f"，涉及{_names(names)}"
        days = [_n(r.get("days_overdue")) for r in red if r.get("kind") == "问题"]
        if days and max(days) > 0:
            s += f"，超期最长的已逾期{max(days)}天"
        points.append(_end(s))
    overdue_t = _n(_get(fig, "tasks", "overdue"))
    if overdue_t:
        names = [u["name"] for u in units if _n(u.get("overdue_tasks"))]
        s = f"部分任务推进滞后。有{overdue_t}项任务超过完成时限仍未完成"
        if names:
            s += f"，涉及{_names(names)}"
        points.append(_end(s + "，挂图作战、跑表计时的要求还没有完全落到实处"))
    threshold = to_number(settings.low_closure_rate)
    if threshold is not None:
        low = [u for u in units if not is_missing(u.get("closure_rate"))
               and (to_number(u.get("closure_rate")) or 0) < threshold]
        if low:
            low.sort(key=lambda u: to_number(u.get("closure_rate")) or 0)
            limit = fmt_rate(threshold).replace(".0%", "%")
            named = low[:UNITS_NAMED_CAP]
            if len(low) > UNITS_NAMED_CAP:
                lead = f"有{len(low)}个单位问题办结率低于{limit}，其中较低的是{_with_values(named, 'closure_rate')}"
            else:
                lead = f"问题办结率低于{limit}的有{_with_values(named, 'closure_rate')}"
            points.append(f"部分单位问题办结率偏低。{lead}，问题办理进度偏慢，闭环管理还需加强。")
    idle = [u["name"] for u in units if u.get("submitted") and not _n(u.get("visits"))]
    if idle:
        points.append(f"个别单位走访工作开展不够。{_names(idle)}本期没有走访记录，深入基层的主动性有待加强。")
    chased = [m for m in _get(fig, "submission", "missing", default=[]) if isinstance(m, dict) and _clean(m.get("name"))]
    nothing = [_clean(m["name"]) for m in chased if m.get("status") in (None, "未报送")]
    partial = [f"{_clean(m['name'])}未报送{'、'.join(m.get('templates') or [])}" for m in chased
               if m.get("status") not in (None, "未报送") and m.get("templates")]
    if nothing or partial:
        parts = ([f"{_names(nothing)}未按时报送台账数据，本报告未包含其工作情况"] if nothing else []) + partial
        points.append(f"台账报送不够及时。{'；'.join(parts)}。")
    points += [t for t in (text.problems or []) if _clean(t)]
    if not points:
        return ["从汇总数据看，本期各项工作总体推进有序，未发现突出问题。下一步将持续跟踪问题办理和任务推进情况，"
                "及时发现和解决苗头性、倾向性问题。"]
    return _number_points(points)


def _key_tasks(fig: dict, limit: int | None = None) -> tuple[list[dict], int]:
    """The unfinished key tasks with a name, formatted (the first ``limit`` only), and how many there are."""
    rows = []
    total = 0
    ref = _as_date(fig.get("as_of"))
    for t in _get(fig, "tasks", "unfinished_key", default=[]):
        if not isinstance(t, dict) or not _clean(t.get("name")):
            continue
        total += 1
        if limit is not None and len(rows) >= limit:
            continue  # counted only: a large collection has thousands
        deadline = _as_date(t.get("deadline"))
        rows.append({
            "name": _clean(t.get("name")), "unit": _clean(t.get("unit")),
            "deadline": fmt_date(t.get("deadline"), missing=""),
            "deadline_short": fmt_month_day(t.get("deadline"), missing=""),
            "progress": fmt_rate(t.get("progress"), missing=""),
            "status": _clean(t.get("status")), "owner": _clean(t.get("owner")), "leader": _clean(t.get("leader")),
            "same_year": bool(ref and deadline and deadline.year == ref.year),
            "overdue": bool(ref and deadline and deadline < ref),
        })
    return rows, total


def _inner_quotes(text: str) -> str:
    """Quotes inside a quotation become single quotes: “火眼”实验室 → ‘火眼’实验室."""
    return text.replace("“", "‘").replace("”", "’")


def _key_tasks_sentence(rows: list[dict], total: int | None = None) -> str:
    """``rows``: the first unfinished key tasks (at least KEY_TASKS_CAP of them); ``total``: how many there are."""
    if not rows:
        return ""
    n = len(rows) if total is None else total
    shown = []
    for r in rows[:KEY_TASKS_CAP]:
        deadline = r["deadline_short"] if r.get("same_year") else r["deadline"]
        when = ""
        if deadline:
            when = f"原定{deadline}完成，已逾期" if r.get("overdue") else f"{deadline}前完成"
        detail = "，".join(x for x in (r["unit"], when) if x)
        name = _inner_quotes(r["name"])
        shown.append(f"“{name}”（{detail}）" if detail else f"“{name}”")
    text = "聚焦重点任务抓推进。对尚未完成的重点任务逐项倒排工期、压实责任，重点抓好" + "、".join(shown)
    text += f"等{n}项重点任务" if n > KEY_TASKS_CAP else f"{n}项重点任务" if n > 1 else ""
    return text + "，确保按期完成。"


def _plans(fig: dict, text: ReportText, key_rows: list[dict], key_total: int | None = None) -> list[str]:
    points = [t for t in (text.plans or []) if _clean(t)]
    staff = bool(points)
    key_sentence = _key_tasks_sentence(key_rows, key_total)
    if not staff:
        overdue_p = _n(_get(fig, "problems", "overdue"))
        overdue_t = _n(_get(fig, "tasks", "overdue"))
        if overdue_p or overdue_t:
            items = "、".join(x for x in (f"{overdue_p}个问题" if overdue_p else "",
                                         f"{overdue_t}项任务" if overdue_t else "") if x)
            points.append(f"紧盯超期事项抓销号。对逾期未完成的{items}逐项明确责任领导、责任人和办结时限，"
                          f"实行红黄绿亮灯管理，每周调度、跟踪问效，确保尽快办结销号。")
        if key_sentence:
            points.append(key_sentence)
        points.append(f"持续深化大走访大调研。坚持“{THEME}”，推动走访常态化、制度化，做到问题早发现、早交办、早解决，"
                      f"对已办结问题及时回访，以群众满意度检验工作成效。")
        if _get(fig, "submission", "missing", default=[]):
            points.append("压实台账报送责任。督促各单位按时、规范报送台账数据，对未按时报送的单位及时催报，确保数据全面、准确。")
        points.append(f"健全长效工作机制。及时总结推广好经验、好做法，把“{CAMPAIGN}”活动成效转化为推动高质量发展的实际成果。")
    elif key_sentence:
        points.append(key_sentence)
    return _number_points(points)


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
    row = {"index": str(index), "code": _clean(u.get("code")), "name": _clean(u.get("name")),
           "submitted": "是" if u.get("submitted") else "否"}
    absent = u.get("status", "未报送" if u.get("submitted") is False else "") == "未报送"  # sent nothing: no zeros
    if absent:
        row["name"] = f"{row['name']}（未报送）"
    for _, key, kind in UNIT_COLUMNS:
        value = u.get(key)
        if absent:
            row[key] = "—"
        elif kind == "rate":
            row[key] = fmt_rate(value, missing="—")
        else:
            row[key] = fmt_int(value, missing="0")
    row["cells"] = [row[key] for _, key, _ in UNIT_COLUMNS]
    return row


def _dist_table(title: str, items: list[dict], measure: str) -> dict:
    total = sum(d["count"] for d in items)
    rows = [{"name": d["name"], "count": str(d["count"]),
             "share": fmt_rate(d["count"] * 100.0 / total, missing="—") if total else "—"} for d in items]
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
    progress = "，各项工作取得阶段性成效" if has_data else ""
    opening = (f"按照“{CAMPAIGN}”活动部署要求，{org or '我单位'}以“{THEME}”为主题，"
               f"{'在' + period_name if period_name else ''}深入开展大走访大调研活动，"
               f"扎实推进问题清单、任务清单落实落地{progress}。现将有关情况汇报如下：")

    sections: list[dict] = []

    def add(title: str, paragraphs: list[str], chart: str = "") -> None:
        paragraphs = [p for p in paragraphs if p]
        if paragraphs:
            sections.append({"key": chart or title, "title": title, "paragraphs": paragraphs,
                             "chart": "", "chart_caption": "", "chart_name": chart})

    add("走访调研情况", [_visits_paragraphs(fig, period_name)[0]], chart="objects")
    add("问题办理情况", _problems_paragraphs(fig), chart="problems")
    add("任务推进情况", _tasks_paragraphs(fig))
    add("取得的成效", _achievements_paragraphs(fig))
    add("各单位开展情况", _units_paragraphs(fig, settings))
    add("工作亮点", [_end(t) for t in (text.highlights or []) if _clean(t)])
    for i, sec in enumerate(sections, start=1):
        sec["heading"] = f"{cn_heading(i, 2)}{sec['title']}"

    key_rows, key_total = _key_tasks(fig, limit=max(APPENDIX_ROWS_CAP, KEY_TASKS_CAP))
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
        "closure_rate": fmt_rate(p.get("closure_rate")), "problems_cancelled": fmt_int(p.get("cancelled")),
        "satisfaction_rate": fmt_rate(p.get("satisfaction_rate")), "problems_overdue": fmt_int(p.get("overdue")),
        "tasks": fmt_int(t.get("count")), "tasks_completed": fmt_int(t.get("completed")),
        "completion_rate": fmt_rate(t.get("completion_rate")), "average_progress": fmt_rate(t.get("average_progress")),
        "tasks_overdue": fmt_int(t.get("overdue")),
        "units_expected": fmt_int(_get(fig, "submission", "expected", default=0)),
        "units_submitted": fmt_int(_get(fig, "submission", "submitted", default=0)),
    }

    red_all = [r for r in fig.get("red_list") or [] if isinstance(r, dict)]
    red_rows = [{"kind": _clean(r.get("kind")), "id": _clean(r.get("id")), "unit": _clean(r.get("unit")),
                 "title": _clean(r.get("title")), "owner": _clean(r.get("owner")),
                 "deadline": fmt_date(r.get("deadline"), missing=""), "days_overdue": fmt_int(r.get("days_overdue"), "")}
                for r in red_all[:APPENDIX_ROWS_CAP]]
    red_more = len(red_all) - len(red_rows)
    task_types = [{"name": d["name"], "count": str(d["count"]), "completed": fmt_int(d.get("completed"), "0"),
                   "average_progress": fmt_rate(d.get("average_progress"), missing="—")}
                  for d in _dist(t.get("by_type"))]

    # numbers of the tables of 统计附表.docx: 表1 per unit, 表2–7 distributions, then the optional ones
    table_no = {"units": 1, "task_types": 8}
    nxt = 9
    for key, present in (("key_tasks", bool(key_rows)), ("red", bool(red_rows))):
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
        "submission_text": _submission_paragraph(fig),
        "work_sections": sections,
        "highlights": [_end(t) for t in (text.highlights or []) if _clean(t)],
        "issues": _issues(fig, settings, text),
        "plans": _plans(fig, text, key_rows, key_total),
        "key_tasks": key_rows[:APPENDIX_ROWS_CAP],
        "key_tasks_total": key_total,
        "key_tasks_more": key_total - len(key_rows[:APPENDIX_ROWS_CAP]),
        "red_total": len(red_all),
        "red_more": red_more,
        "n": n,
        "attachment_title": ATTACHMENT_TITLE,
        "unit_headers": [h for h, _, _ in UNIT_COLUMNS],
        "unit_rows": unit_rows,
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
