"""The report's period-over-period sentences (issue 13 item 3): 本期 against 上季度 (up, down, equal, a
first period with nothing to compare), 活动开展以来累计, the carried problems, tasks by 序时进度 with the
欠进度 key tasks and units named once, the 附件's 本期/上期/累计 table, a year report — each asserted on the
text of the .docx written by ``api.make_report``, the numbers computed in the test from the known
contents of ``tests/campaign.py`` (the ledgers of ``tests/test_period_figures.py``)."""

from __future__ import annotations

import copy
import random
import shutil
from decimal import ROUND_HALF_UP, Decimal

import docx
import pytest

import campaign as C
import test_period_figures as F
from test_period_figures import q1, q2, q3, ws  # noqa: F401 - the campaign's fixtures, built once per module
from toolkit import api
from toolkit.report import build_context
from toolkit.report.lint import lint, text_findings

Q1, Q2, Q3 = F.Q1, F.Q2, F.Q3
OFFICE, PARTY, FINANCE = F.OFFICE, F.PARTY, F.FINANCE


# ---------------------------------------------------------------------------
# independent computations
# ---------------------------------------------------------------------------


def pct(value) -> str:
    """A rate the 公文 way, from a number: 75 → 75%, 16.66 → 16.7%."""
    text = f"{Decimal(repr(float(value))).quantize(Decimal('0.1'), ROUND_HALF_UP)}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def rate(numerator, denominator) -> float:
    return F._pct(numerator, denominator)


def problems(code):
    return F.kind(code, "problems")


def closed(items):
    return [i for i in items if i["status"] in ("已办结", "已销号")]


def carried_story(code):
    """The problems open at the start of ``code`` (in the previous ledger, not 已销号) and their fate now."""
    before = {i["id"]: i for i in problems(F.ORDER[F.ORDER.index(code) - 1]) if i["status"] != "已销号"}
    now = {i["id"]: i for i in problems(code)}
    state = {k: now[k]["status"] if k in now else before[k]["status"] for k in before}
    return {
        "count": len(before),
        "closed_this_period": sum(1 for k, s in state.items()
                                  if s in ("已办结", "已销号") and before[k]["status"] != "已办结"),
        "cancelled": sum(1 for s in state.values() if s == "已销号"),
        "awaiting": sum(1 for s in state.values() if s == "已办结"),
        "open": sum(1 for s in state.values() if s not in ("已办结", "已销号")),
        "new": sum(1 for i in problems(code) if i["first"] == code),
    }


def behind(code):
    """The tasks 欠进度 at the end of ``code``."""
    return [i for i in F.kind(code, "tasks") if F.klass(i, code) == F.BEHIND]


def task_name(item) -> str:
    return f"任务{int(item['id'][-3:])}：组建党员先锋队"


# ---------------------------------------------------------------------------
# the report as a reader sees it
# ---------------------------------------------------------------------------


class Report:
    def __init__(self, path):
        self.path = path
        self.doc = docx.Document(str(path))
        self.paragraphs = [p.text.strip() for p in self.doc.paragraphs if p.text.strip()]
        self.text = "\n".join(self.paragraphs)

    def part(self, heading: str) -> str:
        """The text of one first-level part (一、工作开展情况 / 二、存在问题 / 三、下步打算)."""
        heads = [i for i, p in enumerate(self.paragraphs) if p[:2] in ("一、", "二、", "三、")]
        start = next(i for i in heads if self.paragraphs[i].startswith(heading))
        end = next((i for i in heads if i > start), len(self.paragraphs))
        if heading.startswith("三"):
            end = next(i for i, p in enumerate(self.paragraphs) if p.startswith("附件："))
        return "\n".join(self.paragraphs[start + 1:end])

    def table(self, header: str):
        """The rows (lists of cell texts) of the first table with ``header`` in its first two rows."""
        for t in self.doc.tables:
            rows = [[c.text.strip() for c in r.cells] for r in t.rows]
            if any(header in row for row in rows[:2]):
                return rows
        return None


def report(ws, figures, tmp_path, name="情况汇报.docx") -> Report:
    out = api.make_report(figures, tmp_path / name, ws=ws)
    assert lint(out.docx) == [], lint(out.docx)  # the new sentences keep the text rules
    return Report(out.docx)


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------


def test_the_first_period_compares_with_nothing(ws, q1, tmp_path):
    r = report(ws, q1, tmp_path)
    body = r.part("一、")
    assert "较上" not in r.text and "持平" not in r.text and "累计" not in r.text and "结转" not in r.text
    visits = sum(v[0] for v in F.VISITS[Q1].values())
    assert f"开展走访{visits}次，参与{sum(v[1] for v in F.VISITS[Q1].values())}人次" in body
    assert r.table("本期") is None  # no comparison table in the 附件
    tasks = F.kind(Q1, "tasks")
    late = len(behind(Q1))
    assert (f"对照序时进度，达到或超过序时进度的{len(tasks) - late}项，占{pct(rate(len(tasks) - late, len(tasks)))}；"
            f"欠进度{late}项。") in body


def test_visits_participants_and_closure_rate_down_against_the_last_quarter(ws, q3, tmp_path):
    r = report(ws, q3, tmp_path)
    body = r.part("一、")
    (v3, p3), (v2, p2) = F.VISITS[Q3][OFFICE], F.VISITS[Q2][OFFICE]
    assert v3 < v2 and p3 < p2
    assert f"开展走访{v3}次、参与{p3}人次，分别较上季度减少{v2 - v3}次、{p2 - p3}人次" in body
    now, before = rate(len(closed(problems(Q3))), len(problems(Q3))), rate(len(closed(problems(Q2))), len(problems(Q2)))
    change = Decimal(repr(before)) - Decimal(repr(now))
    assert change > 0
    assert f"办结率{pct(now)}，较上季度下降{change.normalize()}个百分点" in body
    visits = sum(v for c in F.ORDER for v, _ in F.VISITS[c].values())
    people = sum(p for c in F.ORDER for _, p in F.VISITS[c].values())
    assert f"活动开展以来累计走访{visits}次、参与{people}人次。" in body
    ever = {i["id"]: i for c in F.ORDER for i in problems(c)}  # each problem once, at its latest state
    done = closed(ever.values())
    assert (f"活动开展以来累计收集问题{len(ever)}个，办结{len(done)}个，办结率{pct(rate(len(done), len(ever)))}。"
            in body)
    assert "增加0" not in r.text and "减少0" not in r.text and "0个百分点" not in r.text


def test_up_equal_and_mixed_changes_are_said_plainly(ws, q3, tmp_path):
    up = copy.deepcopy(q3)
    up["previous"]["change"].update(visits=3, participants=10, closure_rate=2.5)
    body = report(ws, up, tmp_path, "up.docx").part("一、")
    assert "分别较上季度增加3次、10人次" in body and "较上季度提高2.5个百分点" in body

    equal = copy.deepcopy(q3)
    equal["previous"]["change"].update(visits=0, participants=0, closure_rate=0.0)
    r = report(ws, equal, tmp_path, "equal.docx")
    body = r.part("一、")
    assert "参与5人次，均与上季度持平" in body and "办结率33.3%，与上季度持平" in body
    assert "增加0" not in r.text and "提高0" not in r.text and "下降0" not in r.text

    mixed = copy.deepcopy(q3)
    mixed["previous"]["change"].update(visits=2, participants=0, closure_rate=None)
    body = report(ws, mixed, tmp_path, "mixed.docx").part("一、")
    assert "开展走访1次，较上季度增加2次；参与5人次，与上季度持平" in body
    assert "办结率33.3%。" in body  # no value to compare: nothing said

    skipped = copy.deepcopy(q3)
    skipped["previous"]["adjacent"] = False  # a quarter was not recorded: 较上期
    body = report(ws, skipped, tmp_path, "skipped.docx").part("一、")
    assert "分别较上期减少2次、7人次" in body and "较上季度" not in body


def test_the_carried_problems_and_the_new_ones(ws, q3, q2, tmp_path):
    s = carried_story(Q2)
    assert s["closed_this_period"] and s["cancelled"] and s["awaiting"] and s["open"] and s["new"]
    body = report(ws, q2, tmp_path, "q2.docx").part("一、")
    assert (f"其中，上期结转的{s['count']}个问题，本期办结{s['closed_this_period']}个、销号{s['cancelled']}个，"
            f"{s['awaiting']}个已办结待销号，仍有{s['open']}个在办；本期新增问题{s['new']}个。") in body
    s = carried_story(Q3)
    assert s["closed_this_period"] == 0 and s["new"] == 0  # nothing 办结 this quarter: the part is left out
    r = report(ws, q3, tmp_path, "q3.docx")
    body = r.part("一、")
    assert (f"上期结转的{s['count']}个问题，本期销号{s['cancelled']}个，{s['awaiting']}个已办结待销号，"
            f"仍有{s['open']}个在办。") in body
    assert "办结0" not in body and "新增问题" not in body
    assert "含上期结转" not in body.split("坚持问题收集")[1].split("。")[1]  # the carried count said once
    assert "经回访销号" not in body  # 销号 is in the carried sentence


def test_tasks_by_schedule_name_the_behind_key_tasks_and_units_once(ws, q3, tmp_path):
    r = report(ws, q3, tmp_path)
    work, issues, plans = r.part("一、"), r.part("二、"), r.part("三、")
    tasks, late = F.kind(Q3, "tasks"), behind(Q3)
    reached = len(tasks) - len(late)
    assert (f"达到或超过序时进度的{reached}项，占{pct(rate(reached, len(tasks)))}；欠进度{len(late)}项"
            in work)
    per_unit = {u: sum(1 for i in late if i["unit"] == u) for u in (OFFICE, PARTY, FINANCE)}
    assert set(per_unit.values()) == {3}
    assert f"欠进度的任务涉及{OFFICE}、{PARTY}、{FINANCE}3个单位，各3项" in issues
    key = [i for i in late if i["list_type"] == "重点任务"]
    assert key
    point = next(p for p in issues.split("\n") if "欠进度的重点任务有" in p)
    for item in key:
        name = task_name(item)
        assert f"“{name}”（" in point
        units = point.split(f"“{name}”（")[1].split("）")[0]
        assert item["unit"] in units
        assert ("已逾期" in units) == (item["deadline"] < C.AS_OF[Q3])
        assert name not in plans and name not in work  # named once in the report
    on_time = [i for i in tasks if i["list_type"] == "重点任务" and i["status"] != "已完成" and i not in key]
    assert on_time
    # counts of tasks, not names, adding up to the unfinished key tasks
    assert f"未完成的{len(key) + len(on_time)}项重点任务中，对上述欠进度的{len(key)}项" in plans
    for item in on_time:
        assert f"“{task_name(item)}”（{item['unit']}，12月31日前完成）" in plans
    assert (f"12月31日前完成）{len(on_time)}项倒排工期" if len(on_time) > 1 else "12月31日前完成）倒排工期") in plans
    assert point.count("“") == len({task_name(i) for i in key})  # a name shared by units named once


def test_the_attachment_compares_this_quarter_with_the_last_and_since_the_first(ws, q3, tmp_path):
    r = report(ws, q3, tmp_path)
    rows = r.table("本期")
    assert rows is not None
    head, sub = rows[0], rows[1]
    assert head[2:5] == ["走访次数"] * 3 and sub[2:5] == ["本期", "上期", "累计"]
    columns = [f"{h}/{s}" for h, s in zip(head, sub)]
    office = dict(zip(columns, next(row for row in rows if row[1] == OFFICE)))
    (v3, p3), (v2, p2), (v1, p1) = (F.VISITS[c][OFFICE] for c in (Q3, Q2, Q1))
    assert (office["走访次数/本期"], office["走访次数/上期"], office["走访次数/累计"]) == (str(v3), str(v2), str(v1 + v2 + v3))
    assert office["参与人次/累计"] == str(p1 + p2 + p3)
    mine = {c: [i for i in problems(c) if i["unit"] == OFFICE] for c in F.ORDER}
    ever = {i["id"]: i for c in F.ORDER for i in mine[c]}
    assert office["问题清单/本期"] == str(len(mine[Q3])) and office["问题清单/累计"] == str(len(ever))
    assert office["已办结/累计"] == str(len(closed(ever.values())))
    assert office["办结率/本期"] == pct(rate(len(closed(mine[Q3])), len(mine[Q3])))
    assert office["办结率/上期"] == pct(rate(len(closed(mine[Q2])), len(mine[Q2])))
    assert office["办结率/累计"] == pct(rate(len(closed(ever.values())), len(ever)))
    late = {c: [i for i in F.kind(c, "tasks") if i["unit"] == OFFICE and F.klass(i, c) == F.BEHIND] for c in (Q2, Q3)}
    assert (office["欠进度任务/本期"], office["欠进度任务/上期"]) == (str(len(late[Q3])), str(len(late[Q2])))
    party = dict(zip(columns, next(row for row in rows if row[1] == PARTY)))  # sent nothing this quarter
    assert party["走访次数/本期"] == "—" and party["走访次数/累计"] == str(sum(F.VISITS[c].get(PARTY, (0, 0))[0]
                                                                        for c in F.ORDER))
    total = dict(zip(columns, rows[-1]))
    assert total["走访次数/累计"] == str(sum(v for c in F.ORDER for v, _ in F.VISITS[c].values()))
    assert "“上期”为2022年第二季度" in r.text
    appendix = Report(r.path.with_name("统计附表.docx"))
    assert appendix.table("本期") is not None and "表9  各单位主要指标与上季度、累计对比" in appendix.text


def test_a_year_report_over_its_quarters(ws, tmp_path):
    """2022 made of the recorded quarters: nothing to compare (2021 was not recorded), no 累计 beside
    figures that are already the campaign's; 较上年 when the year before is recorded."""
    year = api.period_figures(ws, "2022")
    r = report(ws, year, tmp_path, "year.docx")
    assert "较上" not in r.text and "累计" not in r.text
    visits = sum(v for c in (Q1, Q2) for v, _ in F.VISITS[c].values())
    assert f"2022年度，各单位" in r.text and f"开展走访{visits}次" in r.text
    assert r.table("本期") is None and r.table("本年") is None
    before = copy.deepcopy(year)
    before["previous"] = {"period": {"code": "2021", "name": "2021年度", "start": "2021-01-01", "end": "2021-12-31"},
                          "adjacent": True, "change": {"visits": -4, "participants": -12, "closure_rate": 5.0}}
    r = report(ws, before, tmp_path, "year2.docx")
    body = r.part("一、")
    assert "分别较上年减少4次、12人次" in body and "较上年提高5个百分点" in body and "较上季度" not in r.text
    rows = r.table("本年")
    assert rows is not None and rows[1][2:5] == ["本年", "上年", "累计"]


@pytest.mark.parametrize("code, before, adjacent, word", [
    ("2022-05", "2022-04", True, "较上月"), ("2022H2", "2022H1", True, "较上半年"),
    ("2022H1", "2021H2", True, "较上年下半年"), ("2022Q3", "2022Q1", False, "较上期"),
    ("2022Q1", "2021-12", True, "较上期"),
])
def test_the_period_compared_with_is_named_by_its_kind(q3, code, before, adjacent, word):
    fig = copy.deepcopy(q3)
    fig["period"]["code"] = code
    fig["previous"]["period"]["code"] = before
    fig["previous"]["adjacent"] = adjacent
    text = "\n".join(s for sec in build_context(fig)["work_sections"] for s in sec["paragraphs"])
    assert f"分别{word}减少2次、7人次" in text and f"{word}下降6.7个百分点" in text


def test_random_changes_never_break_a_text_rule(q3):
    rng = random.Random(13)
    for _ in range(60):
        fig = copy.deepcopy(q3)
        change = fig["previous"]["change"]
        for key in ("visits", "participants"):
            change[key] = rng.choice([None, 0, rng.randint(-30, 30)])
        change["closure_rate"] = rng.choice([None, 0.0, 0.04, round(rng.uniform(-40, 40), 1)])
        flow = fig["problems"]["flow"]["carried"]
        for key in ("closed_this_period", "cancelled", "awaiting", "open"):
            flow[key] = rng.choice([0, rng.randint(1, 9)])
        fig["problems"]["new"] = rng.choice([0, 3])
        fig["visits"]["participants"] = rng.choice([0, 5])
        ctx = build_context(fig)
        paragraphs = [p for sec in ctx["work_sections"] for p in sec["paragraphs"]] + ctx["issues"] + ctx["plans"]
        for p in paragraphs:
            assert text_findings(p) == [], (p, text_findings(p))


def test_libreoffice_converts_a_multi_period_report(ws, q3, tmp_path, to_pdf):
    r = report(ws, q3, tmp_path)
    pdf = to_pdf(r.path)
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "较上季度" in text and "各单位主要指标与上季度、累计对比" in text


def test_a_unit_named_beside_a_behind_key_task_is_never_praised(q3):
    """Four units behind (three named for their counts) and 办公室 named only beside its 欠进度 key task:
    the 各单位 part, which would praise its visits, leaves it out."""
    fig = copy.deepcopy(q3)
    for u in fig["units"]:  # every unit in, none below the closure threshold, 办公室 with no overdue problem
        u["status"], u["submitted"], u["closure_rate"] = "已报送", True, 80.0
        if u["name"] == OFFICE:
            u["overdue_problems"] = 0
    fig["tasks"]["behind_units"] = [{"code": "", "name": name, "count": 9, "key": 0} for name in ("甲科", "乙科", "丙科")] + [
        {"code": "01", "name": OFFICE, "count": 1, "key": 1}]
    fig["tasks"]["behind_key"] = [b for b in fig["tasks"]["behind_key"] if b["unit"] == OFFICE and not b["overdue"]]
    ctx = build_context(fig)
    issues = "\n".join(ctx["issues"])
    assert "甲科（9项）、乙科（9项）、丙科（9项）较多" in issues and f"（{OFFICE}，完成进度10%" in issues
    praised = [s for sec in ctx["work_sections"] if sec["key"] == "units" for s in sec["paragraphs"]]
    assert not any(OFFICE in s for s in praised)
    plain = copy.deepcopy(fig)
    plain["tasks"]["behind_key"] = []  # not named at all: its visits stand out
    ctx = build_context(plain)
    assert any(f"{OFFICE}走访1次" in s for sec in ctx["work_sections"] if sec["key"] == "units" for s in sec["paragraphs"])
