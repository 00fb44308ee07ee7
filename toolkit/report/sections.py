"""The paragraphs of the report, part by part, from the figures (汇总数据.json).

Each function returns finished paragraphs (``wording.finish`` applied): figures inside the
work they measure, the right measure word, zero counts and empty sentences left out, the same
fact said once. ``context.build_context`` puts them in order under the headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..config import ReportSettings, ReportText
from . import wording as W
from .numbers import cn_ordinal_point, fmt_amount, fmt_date, fmt_int, fmt_month_day, is_missing, parse_date, to_number

CAMPAIGN = "能力作风建设年"
THEME = "机关接地气、干部走基层"

#: default 小标题 of the parts of 一、工作开展情况 (toolkit.toml [report.headings] overrides each)
HEADINGS = {
    "organization": "加强组织领导，周密部署推进",
    "visits": "深入走访调研，察实情听民意",
    "problems": "坚持闭环管理，推动问题解决",
    "tasks": "坚持挂图作战，抓好任务落实",
    "achievements": "注重实绩实效，形成一批工作成果",
    "units": "各单位扎实推进、各有特色",
    "highlights": "工作亮点",
}
KEY_TASKS_CAP = 5  # unfinished key tasks named in 下步打算
UNITS_NAMED_CAP = 6  # unit names quoted in one sentence before "等N个单位"
ACHIEVEMENTS_CAP = 12
OVERDUE_NAMED = 3  # units with the most overdue items named in 存在问题


def get(data: Any, *path: str, default: Any = None) -> Any:
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return default if node is None else node


def n(value: Any) -> int:
    number = to_number(value)
    return int(round(number)) if number is not None else 0


def clean(text: Any) -> str:
    return "" if is_missing(text) else str(text).strip()


def dist(items: Any) -> list[dict]:
    """A distribution list ``[{"name", "count"}]`` cleaned: missing counts → 0."""
    out = []
    for item in items or []:
        if isinstance(item, dict) and clean(item.get("name")):
            out.append({**item, "name": clean(item["name"]), "count": n(item.get("count"))})
    return out


def staff(paragraphs: list[str] | None) -> list[str]:
    """Paragraphs written by the office, each finished (closing punctuation, full-width marks); a
    paragraph of punctuation only is left out."""
    return [W.finish(p) for p in paragraphs or [] if any(ch.isalnum() for ch in clean(p))]


def heading(settings: ReportSettings, key: str) -> str:
    custom = (settings.headings or {}).get(key, "") if hasattr(settings, "headings") else ""
    return W.full_width(clean(custom)).rstrip("。；，") or HEADINGS[key]


# ---------------------------------------------------------------------------
# this period beside the recorded ones (docs/figures.md, "Period over period")
# ---------------------------------------------------------------------------

_KINDS = (("quarter", r"\d{4}Q[1-4]"), ("month", r"\d{4}-\d{2}"), ("half", r"\d{4}H[12]"), ("year", r"\d{4}"))


def _kind(code: str) -> str:
    return next((k for k, pattern in _KINDS if re.fullmatch(pattern, code or "")), "")


@dataclass(frozen=True)
class Periods:
    """How the report names this period against the others: ``against`` the period it is compared with
    (上季度 / 上月 / 上半年 / 上年 / 上期; empty: no comparison), ``this`` (本期 / 本年), ``before`` where
    carried items come from (上期 / 上年), ``cumulative``: more than one period recorded (累计 sentences)."""

    against: str = ""
    this: str = "本期"
    before: str = "上期"
    cumulative: bool = False
    change: dict = field(default_factory=dict)

    def versus(self, key: str, measure: str = "", *, rate: bool = False) -> str:
        """``较上季度增加2次`` / ``与上季度持平`` / ``""`` for ``previous.change[key]``."""
        return W.versus(self.change.get(key), measure, self.against, rate=rate)


def periods(fig: dict) -> Periods:
    """The words of :class:`Periods` for the figures: 较上季度/较上月 only when the previous recorded
    period is the one just before this one and of the same kind, 较上年 for a year when the year
    before is recorded, else 较上期; nothing when no earlier period is recorded."""
    code = clean(get(fig, "period", "code"))
    kind = _kind(code)
    year = kind == "year"
    words = {"this": "本年" if year else "本期", "before": "上年" if year else "上期",
             "cumulative": n(get(fig, "cumulative", "periods")) > 1}
    before = get(fig, "previous", default=None)
    if not isinstance(before, dict):
        return Periods(**words)
    same = _kind(clean(get(before, "period", "code"))) == kind and bool(before.get("adjacent"))
    against = "上期"
    if same and kind in ("quarter", "month", "year"):
        against = {"quarter": "上季度", "month": "上月", "year": "上年"}[kind]
    elif same and kind == "half":
        against = "上半年" if code.endswith("H2") else "上年下半年"
    change = before.get("change") if isinstance(before.get("change"), dict) else {}
    return Periods(against=against, change=change, **words)


# ---------------------------------------------------------------------------
# opening, 报送情况
# ---------------------------------------------------------------------------


def opening(fig: dict, settings: ReportSettings, org: str, period_name: str, has_data: bool) -> str:
    basis = clean(getattr(settings, "basis", ""))
    if basis:
        quoted = basis if basis.startswith("《") else f"《{basis}》"
        lead = f"按照{quoted}要求"
    else:
        lead = f"按照“{CAMPAIGN}”活动部署要求"
    progress = "，各项工作取得阶段性成效" if has_data else ""
    when = f"在{period_name}" if period_name else ""
    return W.finish(f"{lead}，{org or '我单位'}以“{THEME}”为主题，{when}深入开展大走访大调研活动，"
                    f"扎实推进问题清单、任务清单落实落地{progress}。现将有关情况汇报如下：")


def submission(fig: dict) -> str:
    """报送情况 in one sentence: how many units sent their ledgers, how many are partial, returned, missing."""
    sub = get(fig, "submission", default={})
    expected, submitted = n(sub.get("expected")), n(sub.get("submitted"))
    if not expected:
        return ""
    as_of = fmt_date(fig.get("as_of"), missing="")
    head = f"截至{as_of}，" if as_of else ""
    if not submitted:
        return W.finish(f"{head}应报送台账的{expected}个单位均未报送，暂无汇总数据")
    counts = sub.get("counts") or {}
    if n(counts.get("已报送")) >= expected:
        return W.finish(f"{head}应报送台账的{expected}个单位已全部报送")
    pending = W.join((
        W.count(counts.get("部分报送"), "个单位部分报送"),
        W.count(counts.get("有退回"), "个单位的台账退回修改"),
        W.count(counts.get("未报送"), "个单位未报送"),
    ))
    return W.finish(f"{head}应报送台账的{expected}个单位中已有{submitted}个报送" + (f"，{pending}" if pending else ""))


# ---------------------------------------------------------------------------
# 一、工作开展情况
# ---------------------------------------------------------------------------


def _visits_compared(pw: Periods, participants: bool) -> list[str | None]:
    """The changes of 走访次数 (and 参与人次) since the previous period, as :func:`wording.moved` says them."""
    said = [W.moved(pw.change.get("visits"), "次")]
    if participants:
        said.append(W.moved(pw.change.get("participants"), "人次"))
    return said


def visits(fig: dict, period_name: str) -> list[str]:
    v = get(fig, "visits", default={})
    count = n(v.get("count"))
    if not count:
        return []
    pw = periods(fig)
    lead = f"{period_name}，" if period_name else ""
    people = n(v.get("participants"))
    head = (f"{lead}各单位坚持领导带头、分片包联，深入企业、村（社区）和群众家中察实情、听民意，"
            f"开展走访{fmt_int(count)}次")
    said = _visits_compared(pw, bool(people)) if pw.against else []
    known = [x for x in said if x is not None]
    if people and len(known) == 2 and (all(known) or not any(known)) and (
            not all(known) or known[0][:2] == known[1][:2]):
        # both up, both down or both equal: one comparison for the two figures
        tail = (f"分别较{pw.against}{known[0][:2]}{known[0][2:]}、{known[1][2:]}" if all(known) else
                f"均与{pw.against}持平")
        s = f"{head}、参与{fmt_int(people)}人次，{tail}"
    else:
        s = head
        if said and said[0] is not None:
            s += "，" + (f"较{pw.against}{said[0]}" if said[0] else f"与{pw.against}持平")
        if people:
            s += f"{'；' if said and said[0] is not None else '，'}参与{fmt_int(people)}人次"
            if len(said) > 1 and said[1] is not None:
                s += "，" + (f"较{pw.against}{said[1]}" if said[1] else f"与{pw.against}持平")
    if n(v.get("objects")):
        s += f"，走访对象{fmt_int(v.get('objects'))}个"
    parts = [W.close(s)]
    kinds = dist(v.get("by_object_type"))
    types = W.enumerate_counts([(d["name"], d["count"], W.visit_measure(d["name"]))
                                for d in kinds if d["name"] != "其他"])
    if types:
        parts.append(f"其中{types}{'等' if any(d['name'] == '其他' and d['count'] for d in kinds) else ''}。")
    methods = W.enumerate_counts([(d["name"], d["count"], "次") for d in dist(v.get("by_method"))])
    if methods:
        parts.append(f"从走访方式看，{methods}。")
    total = get(fig, "cumulative", "visits", default={})
    if pw.cumulative and n(total.get("count")) and (n(total.get("count")), n(total.get("participants"))) != (count, people):
        together = f"活动开展以来累计走访{fmt_int(total.get('count'))}次"  # not when it is this period's
        if n(total.get("participants")):
            together += f"、参与{fmt_int(total.get('participants'))}人次"
        parts.append(W.close(together))
    return [W.finish("".join(parts))]


def carried_problems(fig: dict, pw: Periods | None = None) -> str:
    """The problems open at the start of this period and what became of them, and the new ones:
    ``上期结转的9个问题，本期办结1个、销号1个，3个已办结待销号，仍有5个在办；本期新增问题1个``
    (zero parts left out; ``""`` when nothing was carried — the first period, or everything new)."""
    pw = pw or periods(fig)
    p = get(fig, "problems", default={})
    carried = n(p.get("carried"))
    if not carried:
        return ""
    flow = get(p, "flow", "carried", default={})
    closed_now, cancelled = n(flow.get("closed_this_period")), n(flow.get("cancelled"))
    awaiting, still = n(flow.get("awaiting")), n(flow.get("open"))
    clauses = []
    if not still and not awaiting and cancelled:
        clauses.append(f"{pw.this}已全部销号")
    else:
        acts = W.join((f"办结{fmt_int(closed_now)}个" if closed_now else "",
                       f"销号{fmt_int(cancelled)}个" if cancelled else ""))
        if acts:
            clauses.append(pw.this + acts)
        if not still:
            clauses.append("已全部办结")
        else:
            if awaiting:
                clauses.append(f"{fmt_int(awaiting)}个已办结待销号")
            clauses.append(f"仍有{fmt_int(still)}个在办")
    text = f"{pw.before}结转的{fmt_int(carried)}个问题，" + "，".join(clauses)
    new = get(p, "flow", "new", default={})
    if n(p.get("new")):
        fresh = f"{pw.this}新增问题{fmt_int(p.get('new'))}个"
        sources = {d["name"]: d["count"] for d in dist(new.get("by_source"))}
        from_visits = n(sources.get("大走访"))
        if from_visits and from_visits < n(p.get("new")):  # beside 走访中发现问题X个: which of the new ones
            fresh += f"（其中来自大走访的{fmt_int(from_visits)}个）"
        elif from_visits:
            fresh += "，均来自大走访"
        done = f"已办结{fmt_int(new.get('closed'))}个" if n(new.get("closed")) else ""
        if done and n(new.get("cancelled")):  # 销号 ones are among the 办结 ones
            done += f"（其中已销号{fmt_int(new.get('cancelled'))}个）"
        text = f"其中，{text}；{fresh}" + (f"，{done}" if done else "")
    return W.close(text)


def cumulative_problems(fig: dict, pw: Periods | None = None) -> str:
    """``活动开展以来累计收集问题13个，办结7个，办结率53.8%`` (more than one period recorded, and not
    the same as this period's list: a year report over the whole campaign says it once)."""
    pw = pw or periods(fig)
    c = get(fig, "cumulative", "problems", default={})
    p = get(fig, "problems", default={})
    if not pw.cumulative or not n(c.get("count")) or (n(c.get("count")), n(c.get("closed"))) == (
            n(p.get("count")), n(p.get("closed"))):
        return ""
    text = f"活动开展以来累计收集问题{fmt_int(c.get('count'))}个"
    if n(c.get("closed")):
        text += f"，办结{fmt_int(c.get('closed'))}个"
        if not is_missing(c.get("closure_rate")):
            text += f"，办结率{W.percent(c.get('closure_rate'))}"
    return W.close(text)


def problems(fig: dict) -> list[str]:
    """The problem list: how it was filled (visits, other channels, carried) and how it is being closed."""
    p = get(fig, "problems", default={})
    v = get(fig, "visits", default={})
    total = n(p.get("count"))
    if not total:
        return []
    pw = periods(fig)
    found, on_spot = n(v.get("problems_found")), n(v.get("solved_on_spot"))
    flow = carried_problems(fig, pw)  # says what was carried: not in the list's brackets again
    carried = 0 if flow else n(p.get("carried"))
    by_source = [d for d in dist(p.get("by_source")) if d["count"]]
    from_visits = sum(d["count"] for d in by_source if d["name"] == "大走访")
    others = [d for d in by_source if d["name"] != "大走访"]
    # where the list comes from, in one sentence: 走访发现 and the list's sources reconciled
    lead = "坚持问题收集、交办、办结、回访、销号闭环管理"
    came = (f"走访中发现问题{fmt_int(found)}个" + (f"、当场解决{fmt_int(on_spot)}个" if on_spot else "") + "；") if found \
        else ""
    parts = []
    if carried:
        parts.append(f"含上期结转{fmt_int(carried)}个")
    if others and from_visits and not flow:
        # by_source counts the whole list, carried problems too: beside the carried sentence it would not
        # reconcile with this period's 走访发现 (the new problems by source are not in the figures)
        names = W.join(d["name"] for d in others[:3]) + ("等" if len(others) > 3 else "")
        parts.append(f"来自大走访的{fmt_int(from_visits)}个、来自{names}渠道的{fmt_int(total - from_visits)}个")
    detail = f"（{'，'.join(parts)}）" if parts else ""
    s = f"{lead}。{came}问题清单共列入问题{fmt_int(total)}个{detail}"
    closed, cancelled = n(p.get("closed")), n(p.get("cancelled"))
    done = f"已办结{fmt_int(closed)}个" if closed else ""
    if done and not is_missing(p.get("closure_rate")):
        done += f"，办结率{W.percent(p.get('closure_rate'))}"
        compared = pw.versus("closure_rate", rate=True)
        if compared:
            done += f"，{compared}"
    text = W.close(W.join((s, done), "，")) + flow
    follow = []
    if cancelled and not flow:  # the flow sentence says what was 销号 this period
        follow.append(f"经回访销号{fmt_int(cancelled)}个")
    rated, satisfied = n(p.get("rated")), n(p.get("satisfied"))
    if rated and not is_missing(p.get("satisfaction_rate")):
        rate = W.percent(p.get("satisfaction_rate"))
        follow.append(f"群众满意率{rate}" if satisfied == rated else
                      f"回访评价的{fmt_int(rated)}个问题中群众满意和基本满意{fmt_int(satisfied)}个，满意率{rate}")
    if follow:
        text += W.close("，".join(follow))
    cats = sorted((d for d in dist(p.get("by_category")) if d["count"]), key=lambda d: -d["count"])
    if cats:
        shown = "、".join(f"{d['name']}类{d['count']}个" for d in cats[:4])
        text += f"从问题类别看，{shown}{'等' if len(cats) > 4 else ''}较为集中。" if len(cats) > 1 else \
            f"问题均为{cats[0]['name']}类。"
    text += cumulative_problems(fig, pw)
    return [W.finish(text)]


def tasks(fig: dict) -> list[str]:
    t = get(fig, "tasks", default={})
    total = n(t.get("count"))
    if not total:
        return []
    s = f"对照重点任务、问题整改、重大改革“三张清单”，实行挂图作战、跑表计时，共梳理各类任务{fmt_int(total)}项"
    if n(t.get("carried")):
        s += f"（含上期结转{fmt_int(t.get('carried'))}项）"
    done = n(t.get("completed"))
    if done:
        s += f"，已完成{fmt_int(done)}项"
        if not is_missing(t.get("completion_rate")):
            s += f"，完成率{W.percent(t.get('completion_rate'))}"
    if not is_missing(t.get("average_progress")):
        s += f"，平均完成进度{W.percent(t.get('average_progress'))}"
    text = W.close(s)
    kinds = []
    for d in dist(t.get("by_type")):
        if not d["count"]:
            continue
        k = f"{d['name']}{d['count']}项"
        if n(d.get("completed")):
            k += f"、已完成{n(d.get('completed'))}项"
        if not is_missing(d.get("average_progress")):
            k += f"、平均进度{W.percent(d.get('average_progress'))}"
        kinds.append(k)
    if len(kinds) > 1:
        text += "其中，" + "；".join(kinds) + "。"
    text += schedule(fig)
    return [W.finish(text)]


def schedule(fig: dict) -> str:
    """Tasks against 序时进度: ``对照序时进度，达到或超过序时进度的3项，占25%；欠进度9项`` (which tasks
    and units are behind is said in 二、存在问题, :func:`issues`)."""
    sch = get(fig, "tasks", "schedule", default={})
    total = n(sch.get("count"))
    if not total or not isinstance(sch.get("counts"), dict):
        return ""
    reached, behind = n(sch.get("reached")), n(get(sch, "counts", "欠进度"))
    if not behind:
        return W.close("对照序时进度，各项任务均达到或超过序时进度")
    if not reached:
        return W.close("对照序时进度，各项任务均未达到序时进度")
    share = f"，占{W.percent(sch.get('reached_rate'))}" if not is_missing(sch.get("reached_rate")) else ""
    return W.close(f"对照序时进度，达到或超过序时进度的{fmt_int(reached)}项{share}；欠进度{fmt_int(behind)}项")


def _achievement(a: dict) -> str:
    desc = clean(a.get("description"))
    if not desc:
        return ""
    if is_missing(a.get("value")) or (to_number(a.get("value")) or 0) <= 0:
        return desc
    return f"{desc}{fmt_amount(a.get('value'), clean(a.get('unit')))}"


def achievements(fig: dict) -> list[str]:
    items = [a for a in fig.get("achievements") or [] if isinstance(a, dict)]
    phrases = []
    for p in (_achievement(a) for a in items):
        if p and p not in phrases:
            phrases.append(p)
    if not phrases:
        return []
    shown = phrases[:ACHIEVEMENTS_CAP]
    text = "各单位把大走访大调研与中心工作紧密结合，推动形成了一批看得见、可量化的工作成果：" + "；".join(shown)
    if len(phrases) > ACHIEVEMENTS_CAP:
        text += f"等{len(phrases)}项成果"
    return [W.finish(text)]


def units(fig: dict, named: set[str]) -> list[str]:
    """Units that stand out (never one named among the problems, see :func:`wording.standouts`)."""
    rows = [u for u in fig.get("units") or [] if isinstance(u, dict) and clean(u.get("name"))
            and u.get("status", "已报送") != "未报送"]
    if len(rows) < 3:
        return []
    sentences = []
    top = W.standouts(rows, "visits", exclude=named)
    if top:
        sentences.append(W.each([(u["name"], f"{fmt_int(u['visits'])}次") for u in top], "走访") + "，走访次数较多")
    full = [u["name"] for u in rows if n(u.get("problems")) >= 3 and to_number(u.get("closure_rate")) == 100.0
            and u["name"] not in named]
    if full and len(full) * 2 < len(rows):
        sentences.append(f"{W.names(full, UNITS_NAMED_CAP)}问题清单全部办结")
    else:
        top = W.standouts(rows, "closure_rate", exclude=named, base=("problems", 3), points=10)
        if top:
            sentences.append("问题办结率较高的有" + "、".join(f"{u['name']}{W.percent(u['closure_rate'])}" for u in top))
    top = W.standouts(rows, "average_progress", exclude=named, base=("tasks", 2), points=10)
    if top:
        sentences.append("任务推进较快的有" + "、".join(f"{u['name']}（平均进度{W.percent(u['average_progress'])}）"
                                                 for u in top))
    if not sentences:
        return []
    return [W.finish("从各单位情况看，" + "；".join(sentences))]


# ---------------------------------------------------------------------------
# 二、存在问题
# ---------------------------------------------------------------------------


@dataclass
class Issues:
    paragraphs: list[str]
    named: set[str] = field(default_factory=set)  # units named as having a problem: never praised
    # the 欠进度 key tasks 二、存在问题 speaks of (named or counted in its 等N项), one (task_ref, overdue)
    # per task: 下步打算 refers to them as 上述, and names only the other unfinished key tasks
    tasks: list[tuple[tuple[str, str, str], bool]] = field(default_factory=list)


def task_ref(unit: Any, name: Any, deadline: Any = None) -> tuple[str, str, str]:
    """How a task in the report is told from another: its unit, its name as printed and its 完成时限
    (a unit may have two tasks of one name; ``tasks.behind_key`` and ``tasks.unfinished_key`` share these)."""
    due = parse_date(deadline)
    return clean(unit), W.full_width(clean(name)), due.isoformat() if due else ""


def _units_behind(units: list[dict]) -> str:
    """``办公室（4项）、党建办（3项）`` / ``办公室、党建办2个单位，各3项`` / ``5个单位，其中……较多``."""
    if len(units) > OVERDUE_NAMED:
        most = sorted(units, key=lambda u: -u["count"])[:OVERDUE_NAMED]
        return f"{len(units)}个单位，其中" + "、".join(f"{u['name']}（{u['count']}项）" for u in most) + "较多"
    if len(units) > 1 and len({u["count"] for u in units}) == 1:
        return f"{W.names([u['name'] for u in units])}，各{units[0]['count']}项"
    return "、".join(f"{u['name']}（{u['count']}项）" for u in units)


def _behind_groups(rows: list[dict]) -> list[dict]:
    """The 欠进度 key tasks, one entry per name and state (overdue or not) with the units sharing it."""
    groups: dict[tuple[str, bool], dict] = {}
    for r in rows:
        unit, name, _due = task_ref(r.get("unit"), r.get("name"))
        overdue = bool(r.get("overdue"))
        g = groups.setdefault((name, overdue), {"name": name, "overdue": overdue, "units": [], "rows": []})
        if unit and unit not in g["units"]:
            g["units"].append(unit)
        g["rows"].append(r)
    return list(groups.values())


def _behind_group_text(g: dict) -> str:
    units = "、".join(g["units"][:3]) + ("等" if len(g["units"]) > 3 else "")
    if g["overdue"]:
        state = "已逾期"
    elif len(g["rows"]) == 1 and not is_missing(g["rows"][0].get("progress")) \
            and not is_missing(g["rows"][0].get("schedule")):
        r = g["rows"][0]
        state = f"完成进度{W.percent(r['progress'])}，序时进度{W.percent(r['schedule'])}"
    else:
        state = ""
    detail = "，".join(x for x in (units, state) if x)
    name = f"“{_inner_quotes(g['name'])}”"
    return f"{name}（{detail}）" if detail else name


def _tasks_issue(fig: dict, at: str) -> tuple[str, set[str], list[tuple[tuple[str, str, str], bool]]] | None:
    """二、存在问题 on the tasks by 序时进度: the overdue count, the units with 欠进度 tasks and the 欠进度
    key tasks by name (the numbers are in 一、, :func:`schedule`); None for figures without
    ``tasks.schedule`` (an older 汇总数据.json: the overdue sentence alone)."""
    t = get(fig, "tasks", default={})
    sch = t.get("schedule")
    if not isinstance(sch, dict) or not isinstance(sch.get("counts"), dict):
        return None
    overdue, behind = n(t.get("overdue")), n(get(sch, "counts", "欠进度"))
    if not overdue and not behind:
        return "", set(), []
    units = [{"name": clean(u.get("name")), "count": n(u.get("count"))} for u in t.get("behind_units") or []
             if isinstance(u, dict) and clean(u.get("name")) and n(u.get("count"))]
    sentences = []
    if overdue:
        sentences.append(f"{at}仍有{fmt_int(overdue)}项任务超过完成时限未完成")
    if units:
        sentences.append(f"{'' if overdue else at}欠进度的任务涉及{_units_behind(units)}")
    behind_key = [r for r in t.get("behind_key") or [] if isinstance(r, dict) and clean(r.get("name"))]
    groups = _behind_groups(behind_key)
    shown = groups[:KEY_TASKS_CAP]
    named_tasks = [(task_ref(r.get("unit"), r.get("name"), r.get("deadline")), bool(r.get("overdue")))
                   for r in behind_key] if shown else []
    if shown:
        listed = "、".join(_behind_group_text(g) for g in shown)
        # the count is of tasks: a name several units share is several tasks
        sentences.append(f"欠进度的重点任务有{listed}" + (f"等{len(behind_key)}项" if len(groups) > len(shown) else
                                                     f"{len(behind_key)}项" if len(behind_key) > 1 else ""))
    named = {u["name"] for u in (sorted(units, key=lambda u: -u["count"])[:OVERDUE_NAMED]
                                 if len(units) > OVERDUE_NAMED else units)}
    named |= {u for g in shown for u in g["units"][:3]}  # the units printed beside a 欠进度 key task
    if not sentences:
        return "", named, named_tasks
    text = "部分任务推进滞后。" + "；".join(sentences) + "。挂图作战、跑表计时的要求还没有完全落实到位"
    return W.finish(text), named, named_tasks


def _most(units: list[dict], key: str, cap: int = OVERDUE_NAMED) -> list[dict]:
    return sorted((u for u in units if n(u.get(key))), key=lambda u: -n(u.get(key)))[:cap]


def issues(fig: dict, settings: ReportSettings, text: ReportText) -> Issues:
    as_of = fmt_date(fig.get("as_of"), missing="")
    at = f"截至{as_of}，" if as_of else "目前"
    rows = [u for u in fig.get("units") or [] if isinstance(u, dict) and clean(u.get("name"))]
    red = [r for r in fig.get("red_list") or [] if isinstance(r, dict)]
    points: list[str] = []
    named: set[str] = set()
    by_schedule = _tasks_issue(fig, at)
    named_tasks: list[tuple[tuple[str, str, str], bool]] = []

    for key, unit_key, measure, what, tail in (
            ("problems", "overdue_problems", "个问题", "超过办理时限未办结", ""),
            ("tasks", "overdue_tasks", "项任务", "超过完成时限未完成", "，挂图作战、跑表计时的要求还没有完全落实到位")):
        if key == "tasks" and by_schedule is not None:  # the tasks by 序时进度, overdue ones included
            said, units_named, named_tasks = by_schedule
            if said:
                points.append(said)
            named |= units_named
            continue
        overdue = n(get(fig, key, "overdue"))
        if not overdue:
            continue
        involved = [u for u in rows if n(u.get(unit_key))]
        most = _most(involved, unit_key)
        lead = "部分问题办理超期" if key == "problems" else "部分任务推进滞后"
        s = f"{lead}。{at}仍有{overdue}{measure}{what}"
        if len(involved) > len(most) and most:
            s += f"，涉及{len(involved)}个单位，其中" + "、".join(f"{u['name']}（{n(u.get(unit_key))}{measure[0]}）"
                                                            for u in most) + "较多"
        elif involved:
            s += f"，涉及{W.names([u['name'] for u in involved])}"
        named |= {u["name"] for u in most}
        if key == "problems":
            days = [n(r.get("days_overdue")) for r in red if r.get("kind") == "问题"]
            if days and max(days) > 0:
                s += f"，超期最长的已逾期{max(days)}天"
        points.append(W.finish(s + tail))
    threshold = to_number(settings.low_closure_rate)
    if threshold is not None:
        low = [u for u in rows if not is_missing(u.get("closure_rate")) and n(u.get("problems"))
               and (to_number(u.get("closure_rate")) or 0) < threshold]
        if low:
            low.sort(key=lambda u: to_number(u.get("closure_rate")) or 0)
            limit = W.percent(threshold)
            shown = low[:UNITS_NAMED_CAP]
            values = "、".join(f"{u['name']}{W.percent(u['closure_rate'])}" for u in shown)
            lead = (f"有{len(low)}个单位问题办结率低于{limit}，其中较低的是{values}" if len(low) > UNITS_NAMED_CAP
                    else f"问题办结率低于{limit}的有{values}")
            rated = [u for u in rows if not is_missing(u.get("closure_rate")) and n(u.get("problems"))]
            few = W.share(len(low), len(rated))
            title = f"{few}单位问题办结率偏低" if few else "问题办结率普遍偏低"
            points.append(W.finish(f"{title}。{lead}，问题办理进度偏慢，闭环管理还需加强"))
            named |= {u["name"] for u in shown}
    reporting = [u for u in rows if u.get("status", "已报送" if u.get("submitted") else "未报送") != "未报送"]
    idle = [u["name"] for u in reporting if not n(u.get("visits"))]
    if idle:
        few = W.share(len(idle), len(reporting))  # 个别 for one or two, else 部分 / 多数, or all of them
        said = (f"{few}单位走访工作开展不够。{W.names(idle)}本期没有走访记录" if few else
                f"走访工作开展不够。{'各单位本期均' if len(reporting) > 1 else idle[0] + '本期'}没有走访记录")
        points.append(W.finish(f"{said}，深入基层的主动性有待加强"))
        named |= set(idle)
    written = staff(text.problems)
    named |= {u["name"] for u in rows if any(u["name"] in p for p in written)}  # a unit the office names
    points += written
    if not points:
        points = [W.finish("从汇总数据看，本期各项工作总体推进有序，未发现突出问题。下一步将持续跟踪问题办理和任务推进情况，"
                           "及时发现和解决苗头性、倾向性问题")]
        return Issues(points, named, named_tasks)
    return Issues(number_points(points), named, named_tasks)


# ---------------------------------------------------------------------------
# 三、下步打算
# ---------------------------------------------------------------------------


def _overdue(deadline: date | None, as_of: date | None) -> bool:
    """An unfinished task is overdue in 下步打算 when its 完成时限 is before 统计截止日."""
    return bool(as_of and deadline and deadline < as_of)


def key_tasks(fig: dict, limit: int | None = None) -> tuple[list[dict], int]:
    """The unfinished key tasks with a name, formatted (the first ``limit`` only), and how many there are."""
    rows = []
    total = 0
    ref = parse_date(fig.get("as_of"))
    for t in get(fig, "tasks", "unfinished_key", default=[]):
        if not isinstance(t, dict) or not clean(t.get("name")):
            continue
        total += 1
        if limit is not None and len(rows) >= limit:
            continue  # counted only: a large collection has thousands
        deadline = parse_date(t.get("deadline"))
        rows.append({
            "name": W.full_width(clean(t.get("name"))), "unit": clean(t.get("unit")),
            "deadline": fmt_date(t.get("deadline"), missing=""),
            "deadline_short": fmt_month_day(t.get("deadline"), missing=""),
            "progress": W.percent(t.get("progress"), missing=""),
            "status": clean(t.get("status")), "owner": clean(t.get("owner")), "leader": clean(t.get("leader")),
            "same_year": bool(ref and deadline and deadline.year == ref.year),
            "overdue": _overdue(deadline, ref),
            "ref": task_ref(t.get("unit"), t.get("name"), deadline),
        })
    return rows, total


def key_task_states(fig: dict) -> list[tuple[tuple[str, str, str], bool]]:
    """Every unfinished key task with a name, as (:func:`task_ref`, overdue): what 下步打算 counts."""
    as_of = parse_date(fig.get("as_of"))
    out = []
    for t in get(fig, "tasks", "unfinished_key", default=[]):
        if isinstance(t, dict) and clean(t.get("name")):
            deadline = parse_date(t.get("deadline"))
            out.append((task_ref(t.get("unit"), t.get("name"), deadline), _overdue(deadline, as_of)))
    return out


def _inner_quotes(text: str) -> str:
    """Quotes inside a quotation become single quotes: “火眼”实验室 → ‘火眼’实验室."""
    return W.full_width(text).replace("“", "‘").replace("”", "’")


def _task_groups(rows: list[dict]) -> list[dict]:
    """One entry per task name and state (overdue or not): the units sharing it, its deadlines, its tasks."""
    groups: dict[tuple[str, bool], dict] = {}
    for r in rows:
        g = groups.get((r["name"], r["overdue"]))
        if g is None:
            g = groups[(r["name"], r["overdue"])] = {"name": r["name"], "units": [], "deadlines": [],
                                                     "overdue": r["overdue"], "tasks": 0}
        g["tasks"] += 1
        if r["unit"] and r["unit"] not in g["units"]:
            g["units"].append(r["unit"])
        deadline = r["deadline_short"] if r.get("same_year") else r["deadline"]
        if deadline and deadline not in g["deadlines"]:
            g["deadlines"].append(deadline)
    return list(groups.values())


def _group_text(g: dict) -> str:
    """``“推进冰雪进校园”（党建办、办公室，分别于7月29日、8月9日前完成）``."""
    units = "、".join(g["units"][:3]) + ("等" if len(g["units"]) > 3 else "")
    when = ""
    dl = g["deadlines"]
    if dl:
        if g["overdue"]:
            when = f"原定{dl[0]}完成" if len(dl) == 1 else f"原定{dl[0]}至{dl[-1]}完成"
        else:
            when = f"{dl[0]}前完成" if len(dl) == 1 else (
                f"分别于{'、'.join(dl)}前完成" if len(dl) <= 3 else f"于{dl[0]}至{dl[-1]}间完成")
    detail = "，".join(x for x in (units, when) if x)
    return f"“{_inner_quotes(g['name'])}”（{detail}）" if detail else f"“{_inner_quotes(g['name'])}”"


def _take(named: list[tuple[tuple[str, str, str], bool]]):
    """A matcher of tasks against ``named`` (each named task matches one task with its reference):
    returns the named task's overdue flag, or None for a task not named."""
    pending: dict[tuple[str, str, str], list[bool]] = {}
    for ref, overdue in named:
        pending.setdefault(ref, []).append(overdue)

    def take(ref: tuple[str, str, str]) -> bool | None:
        flags = pending.get(ref)
        return flags.pop() if flags else None
    return take


def key_tasks_sentences(rows: list[dict], total: int | None = None,
                        named: list[tuple[tuple[str, str, str], bool]] | None = None,
                        states: list[tuple[tuple[str, str, str], bool]] | None = None) -> list[str]:
    """下步打算 on the unfinished key tasks: overdue ones to be finished 限期, the others 按期; the ones
    ``named`` among the problems (欠进度, :class:`Issues`.tasks) are referred to as 上述, not named again.

    ``rows`` are the formatted tasks the sentence may name (:func:`key_tasks`), ``states`` every
    unfinished key task (:func:`key_task_states`; default: ``rows``): the counts are of tasks — a name
    several units share is several tasks — and add up to the number of unfinished key tasks."""
    named = named or []
    given = len(rows)
    ref_of = lambda r: r.get("ref") or task_ref(r["unit"], r["name"])  # noqa: E731
    if states is None:
        states = [(ref_of(r), r["overdue"]) for r in rows]
    take = _take(named)
    above: list[bool] = []  # the overdue flags of the tasks 上述
    others = {True: 0, False: 0}
    for ref, overdue in states:
        flag = take(ref)
        if flag is None:
            others[overdue] += 1
        else:
            above.append(flag)
    take = _take(named)
    groups = _task_groups([r for r in rows if take(ref_of(r)) is None])
    if not states:
        return []
    parts = sum(1 for x in (above, others[True], others[False]) if x)
    lead = f"未完成的{fmt_int(len(states))}项重点任务中，" if parts > 1 else ""
    noun = "" if lead else "重点任务"  # said once in the lead
    out = []
    if above:
        late, behind = any(above), not all(above)
        how = ("已逾期的限期完成，未逾期的加快进度、尽快赶上序时进度" if late and behind else
               "限期完成" if late else "加快进度、尽快赶上序时进度")
        many = f"{fmt_int(len(above))}项" if len(above) > 1 else ""
        out.append(f"对上述欠进度的{many}{noun or ('' if many else '重点任务')}逐项分析原因、压实责任，{how}")
    for overdue in (True, False):
        mine = [g for g in groups if g["overdue"] == overdue]
        count = others[overdue]
        if not count:
            continue
        shown = mine[:KEY_TASKS_CAP]
        listed = "、".join(_group_text(g) for g in shown)
        more = "等" if count > sum(g["tasks"] for g in shown) else ""
        many = f"{more}{fmt_int(count)}项" if count > 1 or more else ""
        other = "其他" if above else ""
        if overdue:
            what = (f"{other}已超过完成时限的{listed}{many}{noun}" if listed else
                    f"{other}已超过完成时限的{fmt_int(count)}项{noun}")
            out.append(f"对{what}逐项查明原因、压实责任，限期完成")
        else:
            what = (f"{other}尚未到期的{listed}{many}{noun}" if listed else
                    f"{other}尚未到期的{fmt_int(count)}项{noun}")
            out.append(f"对{what}倒排工期、挂图推进，确保按期完成")
    text = "聚焦重点任务抓推进。" + lead + "；".join(out)
    if total is not None and total > given:
        text += "（详见汇总表）" if lead else f"（未完成的重点任务共{total}项，详见汇总表）"
    return [W.finish(text)]


def plans(fig: dict, text: ReportText, key_rows: list[dict], key_total: int | None = None,
          named_tasks: list[tuple[tuple[str, str, str], bool]] | None = None) -> list[str]:
    points = staff(text.plans)
    key = key_tasks_sentences(key_rows, key_total, named_tasks, key_task_states(fig))
    if points:
        return number_points(points + key)
    overdue_p, overdue_t = n(get(fig, "problems", "overdue")), n(get(fig, "tasks", "overdue"))
    if overdue_p or overdue_t:
        items = W.join((W.count(overdue_p, "个问题"), W.count(overdue_t, "项任务")))
        points.append(W.finish(f"紧盯超期事项抓销号。对逾期未完成的{items}逐项明确责任领导、责任人和办结时限，"
                               "实行红黄绿亮灯管理，每周调度、跟踪问效，督促尽快办结销号"))
    points += key
    points.append(W.finish(f"持续深化大走访大调研。坚持“{THEME}”，推动走访常态化、制度化，做到问题早发现、早交办、早解决，"
                           "对已办结问题及时回访，以群众满意度检验工作成效"))
    points.append(W.finish(f"健全长效工作机制。及时总结推广好经验、好做法，把“{CAMPAIGN}”活动成效转化为推动高质量发展的实际成果"))
    return number_points(points)


def number_points(points: list[str]) -> list[str]:
    """Prefix 一是/二是 … unless the staff already numbered their paragraph."""
    import re

    numbered = re.compile(r"^\s*(?:[一二三四五六七八九十]+[是、]|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[.、．])")
    out = []
    for i, point in enumerate(points, start=1):
        point = point.strip()
        out.append(point if numbered.match(point) else W.finish(f"{cn_ordinal_point(i)}{point}"))
    return out


def as_date(value: Any) -> date | None:
    return parse_date(value)
