"""The review of the demo's reports (two and three quarters): task counts in 下步打算, 个别 by share, the
problem list reconciled with the visits, one 量词 table, and the lint rules that let those faults through —
each asserted on the text of a rendered .docx (or a lint of one) and failing without its fix."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import docx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from figures_fixture import make_figures  # noqa: E402

from toolkit.config import ReportSettings, ReportText  # noqa: E402
from toolkit.report import render_report  # noqa: E402
from toolkit.report import wording as W  # noqa: E402
from toolkit.report.lint import lint, ranking_findings, text_findings  # noqa: E402

SETTINGS = ReportSettings(recipient="市委组织部", date=date(2022, 4, 29))


def paragraphs(path) -> list[str]:
    return [p.text.strip() for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def part(paras: list[str], heading: str) -> list[str]:
    """The paragraphs under one first-level heading (一、/二、/三、), up to the next or the 附件."""
    start = paras.index(heading)
    out = []
    for p in paras[start + 1:]:
        if p[:2] in ("一、", "二、", "三、") or p.startswith("附件：") or p == "特此报告。":
            break
        out.append(p)
    return out


def render(fig, tmp_path, name="r.docx", text=ReportText()) -> list[str]:
    out = render_report(fig, tmp_path / name, settings=SETTINGS, text=text, appendix=False)
    assert lint(out.docx) == [], lint(out.docx)
    return paragraphs(out.docx)


# ---------------------------------------------------------------------------
# 1. 下步打算 counts tasks, and its counts add up to the unfinished key tasks
# ---------------------------------------------------------------------------

# (unit, name, deadline, progress, 欠进度, 红灯) — as_of 2022-04-29
KEY_TASKS = [
    ("办公室", "冰雪进校园活动", "2022-03-01", 30.0, True, True),
    ("党建办", "冰雪进校园活动", "2022-03-15", 40.0, True, True),
    ("财务科", "智慧场馆建设", "2022-04-01", 98.0, False, False),  # overdue, within the tolerance
    ("政策法规科", "体育消费券发放", "2022-05-20", 10.0, True, False),
    ("党建办", "冰雪进校园活动", "2022-06-30", 60.0, False, False),  # the same unit and name, not behind
    ("群众体育科", "社区健身路径更新", "2022-07-01", 50.0, False, False),
    ("竞技体育科", "社区健身路径更新", "2022-08-01", 50.0, False, False),
]


def with_key_tasks(rows) -> dict:
    fig = make_figures()
    unfinished, behind = [], []
    for unit, name, deadline, progress, late, red in rows:
        task = {"unit": unit, "name": name, "deadline": deadline, "progress": progress, "status": "推进中",
                "owner": "李明", "leader": "王建国"}
        unfinished.append(task)
        if late:
            behind.append({**task, "id": f"{unit}-{deadline}", "schedule": 100.0 if red else 60.0, "overdue": red})
    t = fig["tasks"]
    t["unfinished_key"] = unfinished
    t["behind_key"] = behind
    units = sorted({r["unit"] for r in behind})
    t["behind_units"] = [{"name": u, "count": sum(1 for r in behind if r["unit"] == u)} for u in units]
    reached = t["count"] - len(behind)
    t["schedule"] = {"tolerance": 5.0, "count": t["count"],
                     "counts": {"已完成": t["completed"], "超进度": 0, "达进度": reached - t["completed"],
                                "欠进度": len(behind)},
                     "reached": reached, "reached_rate": round(reached * 100 / t["count"], 1)}
    return fig


def test_plans_count_tasks_not_names_and_add_up_to_the_unfinished_key_tasks(tmp_path):
    paras = render(with_key_tasks(KEY_TASKS), tmp_path)
    issues = "".join(part(paras, "二、存在问题"))
    plan = next(p for p in part(paras, "三、下步打算") if "聚焦重点任务抓推进" in p)
    behind = [r for r in KEY_TASKS if r[4]]
    late = [r for r in KEY_TASKS if not r[4] and r[2] < "2022-04-29"]
    due = [r for r in KEY_TASKS if not r[4] and r[2] >= "2022-04-29"]
    assert len(behind) + len(late) + len(due) == len(KEY_TASKS)
    # 二、 names the 欠进度 ones (a name shared by two units once) with their number of tasks
    assert "欠进度的重点任务有“冰雪进校园活动”（办公室、党建办，已逾期）、“体育消费券发放”（政策法规科，" in issues
    assert f"序时进度60%）{len(behind)}项" in issues
    assert f"未完成的{len(KEY_TASKS)}项重点任务中，对上述欠进度的{len(behind)}项逐项分析原因" in plan
    assert "对其他已超过完成时限的“智慧场馆建设”（财务科，原定4月1日完成）逐项查明原因、压实责任，限期完成" in plan
    # 党建办's second 冰雪进校园活动 is not one of the 欠进度 tasks named above: it is named here
    assert ("对其他尚未到期的“冰雪进校园活动”（党建办，6月30日前完成）、“社区健身路径更新”（群众体育科、竞技体育科，"
            f"分别于7月1日、8月1日前完成）{len(due)}项倒排工期、挂图推进，确保按期完成") in plan


def test_a_long_list_of_tasks_is_counted_in_tasks_after_its_names(tmp_path):
    names = [f"重点工程{i}" for i in range(1, 8)]
    rows = [(unit, name, f"2022-0{6 + i % 3}-1{i}", 50.0, False, False)
            for i, name in enumerate(names) for unit in ("办公室", "党建办")]
    paras = render(with_key_tasks(rows), tmp_path)
    plan = next(p for p in part(paras, "三、下步打算") if "聚焦重点任务抓推进" in p)
    assert plan.count("“重点工程") == 5  # five names shown, each with its two units
    assert f"等{len(rows)}项重点任务倒排工期" in plan  # 14 tasks, not 7 names
    assert text_findings(plan) == []


# ---------------------------------------------------------------------------
# 2. 个别 only for one or two units
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("idle, lead", [(1, "个别单位走访工作开展不够。"), (2, "个别单位走访工作开展不够。"),
                                        (5, "部分单位走访工作开展不够。"), (10, "多数单位走访工作开展不够。"),
                                        (11, "走访工作开展不够。各单位本期均没有走访记录")])
def test_units_without_visits_are_said_by_share(tmp_path, idle, lead):
    fig = make_figures()  # 12 units, 11 reporting
    reporting = [u for u in fig["units"] if u["submitted"]]
    assert len(reporting) == 11
    for u in reporting[:idle]:
        u["visits"] = 0
    paras = render(fig, tmp_path)
    point = next(p for p in part(paras, "二、存在问题") if "走访工作开展不够" in p)
    assert lead in point
    assert ("个别" in point) == (idle <= 2)
    if 1 < idle < 11:
        assert f"{idle}个单位本期没有走访记录" in point


def test_share_words():
    assert [W.share(k, 12) for k in (0, 1, 2, 3, 6, 7, 11, 12)] == ["", "个别", "个别", "部分", "部分", "多数",
                                                                    "多数", ""]
    assert W.share(2, 4) == "部分" and W.share(1, 2) == "部分" and W.share(1, 3) == "个别"


# ---------------------------------------------------------------------------
# 3. the problem list beside the visits: carried problems apart
# ---------------------------------------------------------------------------


def test_the_problem_list_of_a_later_period_keeps_the_carried_problems_apart(tmp_path):
    fig = make_figures()
    p = fig["problems"]
    carried = p["count"] // 2
    new = p["count"] - carried
    p.update(carried=carried, new=new, flow={"carried": {"count": carried, "closed_this_period": 3, "cancelled": 2,
                                                          "awaiting": 1, "open": carried - 3},
                                             "new": {"count": new, "closed": 4, "cancelled": 1}})
    paras = render(fig, tmp_path)
    text = next(t for t in part(paras, "一、工作开展情况") if t.startswith("坚持问题收集"))
    found = fig["visits"]["problems_found"]
    assert f"走访中发现问题{found}个" in text and f"问题清单共列入问题{p['count']}个，" in text
    assert f"上期结转的{carried}个问题" in text and f"本期新增问题{new}个" in text
    # the list by source counts the carried problems too: not beside this period's visits
    assert "来自大走访的" not in text
    first = render(make_figures(), tmp_path, "first.docx")  # a first period: every problem is new
    assert "来自大走访的" in next(t for t in part(first, "一、工作开展情况") if t.startswith("坚持问题收集"))


def test_the_new_problems_say_how_many_came_from_the_visits(tmp_path):
    fig = make_figures()
    p = fig["problems"]
    carried, new = p["count"] // 2, p["count"] - p["count"] // 2
    visits = new - 2
    by_source = [{"name": "大走访", "count": visits}, {"name": "12345热线", "count": 2}, {"name": "信访", "count": 0}]
    p.update(carried=carried, new=new, flow={"carried": {"count": carried, "closed_this_period": 3, "cancelled": 2,
                                                          "awaiting": 1, "open": carried - 3},
                                             "new": {"count": new, "closed": 4, "cancelled": 1, "by_source": by_source}})
    text = next(t for t in part(render(fig, tmp_path), "一、工作开展情况") if t.startswith("坚持问题收集"))
    assert f"本期新增问题{new}个（其中来自大走访的{visits}个）" in text
    by_source[0]["count"], by_source[1]["count"] = new, 0
    text = next(t for t in part(render(fig, tmp_path, "all.docx"), "一、工作开展情况") if t.startswith("坚持问题收集"))
    assert f"本期新增问题{new}个，均来自大走访" in text and "其中来自大走访" not in text


# ---------------------------------------------------------------------------
# 4. the lint's new rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sentence, code", [
    ("个别单位走访工作开展不够。办公室、党建办等11个单位本期没有走访记录。", "few-with-count"),
    ("对逾期和长期推进的问题实行挂图作战，逐项盯办，确保按期销号。", "overdue-promise"),
    ("对已超过完成时限的“冰雪进校园”（办公室）确保按期完成。", "overdue-promise"),
    ("对尚未到期的“甲”（办公室、党建办）、“乙”（财务科）2项重点任务倒排工期。", "count-short"),
    ("欠进度的重点任务有“甲”（办公室）、“乙”（财务科）、“丙”（党建办）等2项。", "count-short"),
    ("共形成问题清单19个。", "measure"),
])
def test_the_lint_finds_the_review_faults_in_a_sentence(sentence, code):
    assert code in {f.code for f in text_findings(sentence)}


@pytest.mark.parametrize("sentence", [
    "个别单位走访工作开展不够。办公室、党建办2个单位本期没有走访记录。",
    "对上述欠进度的任务，已逾期的限期完成，未逾期的加快进度；对尚未到期的任务确保按期完成。",
    "对未按期完成的逾期任务限期完成。",
    "对尚未到期的“甲”（办公室、党建办）、“乙”（财务科）3项重点任务倒排工期。",
    "欠进度的重点任务有“甲”（办公室、党建办等，已逾期）等5项。",
    "问题清单共列入问题19个。",
])
def test_the_lint_lets_the_right_wording_pass(sentence):
    assert text_findings(sentence) == []


def test_ranking_words_only_for_few_units_and_never_for_one_named_among_the_problems():
    units = ["办公室", "党建办", "财务科", "市党建办", "科技科"]
    assert ranking_findings(["办公室走访次数较多。"], ["财务科办结率偏低。"], units) == []
    many = ranking_findings(["办公室、党建办、财务科走访次数较多。"], [], units)
    assert [f.code for f in many] == ["ranking-many"]
    named = ranking_findings(["任务推进较快的有市党建办、科技科。"], ["市党建办（3项）。"], units)
    assert [f.code for f in named] == ["ranking-named"] and "市党建办" in named[0].message
    # 党建办 inside 市党建办 is not another unit; 二、's own 较多 is not praise
    assert ranking_findings(["市党建办走访次数较多。"], ["党建办（3项）较多。"], units) == []


def test_the_lint_of_a_document_reads_its_units_and_its_problems(tmp_path):
    out = render_report(make_figures(), tmp_path / "r.docx", settings=SETTINGS, appendix=False)
    assert lint(out.docx) == []
    doc = docx.Document(str(out.docx))
    heads = [i for i, p in enumerate(doc.paragraphs) if p.style.name == "一级标题"]
    problems = " ".join(p.text for p in doc.paragraphs[heads[1]:heads[2]])
    units = [u["name"] for u in make_figures()["units"]]
    blamed = next(u for u in units if u in problems)
    body = next(p for p in doc.paragraphs[heads[0]:heads[1]] if p.style.name == "公文正文" and "走访" in p.text)
    body.add_run(f"{blamed}走访次数位居前列；{'、'.join(units[:7])}问题办结率较高。")
    doc.save(str(tmp_path / "bad.docx"))
    codes = [f.code for f in lint(tmp_path / "bad.docx")]
    assert "ranking-named" in codes and "ranking-many" in codes


# ---------------------------------------------------------------------------
# 5. one 量词 table
# ---------------------------------------------------------------------------


def test_one_measure_table_for_objects_and_visits(tmp_path):
    assert {t: W.visit_measure(t) for t in ("企业", "村(社区)", "居民群众", "困难群众", "老党员老干部", "学校",
                                            "两代表一委员", "其他", "某某")} == {
        "企业": "家次", "村(社区)": "个次", "居民群众": "人次", "困难群众": "户次", "老党员老干部": "人次",
        "学校": "所次", "两代表一委员": "人次", "其他": "次", "某某": "次"}
    assert W.measure("tasks") == "项" and W.measure("村(社区)") == "个" and W.measure("企业") == "家"
    fig = make_figures()
    paras = render(fig, tmp_path)
    visits = next(t for t in part(paras, "一、工作开展情况") if "开展走访" in t)
    for d in fig["visits"]["by_object_type"]:
        if d["count"] and d["name"] != "其他":
            assert f"{W.full_width(d['name'])}{d['count']}{W.visit_measure(d['name'])}" in visits


def test_the_demo_staff_texts_keep_the_rules():
    from toolkit.demo import DEMO_TEXT

    for paragraph in (*DEMO_TEXT.organization, *DEMO_TEXT.highlights, *DEMO_TEXT.problems, *DEMO_TEXT.plans):
        assert text_findings(W.finish(paragraph)) == [], paragraph

