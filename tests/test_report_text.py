"""The report's text rules (report.wording), its pre-flight checks and the lint of a finished document."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from figures_fixture import make_figures  # noqa: E402

from toolkit.config import ReportSettings, ReportText  # noqa: E402
from toolkit.report import build_context, render_report  # noqa: E402
from toolkit.report import wording as W  # noqa: E402
from toolkit.report.lint import lint, ranking_findings, text_findings  # noqa: E402
from toolkit.report.preflight import missing_fonts, preflight, rare_characters  # noqa: E402

SETTINGS = ReportSettings(recipient="市委组织部", date=date(2022, 4, 29))


# ---------------------------------------------------------------------------
# each rule
# ---------------------------------------------------------------------------


def test_chinese_text_gets_full_width_brackets_quotes_and_punctuation():
    assert W.full_width("走访村(社区)12次") == "走访村（社区）12次"
    assert W.full_width('开展"体育+党建"活动') == "开展“体育+党建”活动"
    assert W.full_width("成立先锋队,抽调干部;完成") == "成立先锋队，抽调干部；完成"
    assert W.full_width("Excel (2016)") == "Excel (2016)"  # not Chinese text: left alone
    assert W.full_width("张三's 方案") == "张三's 方案"  # a lone apostrophe stays


def test_no_arrows_in_body_text():
    assert W.no_arrows("收集→交办→办结→回访→销号") == "收集、交办、办结、回访、销号"
    assert W.finish("坚持收集->交办闭环") == "坚持收集、交办闭环。"


@pytest.mark.parametrize("value, text", [(100, "100%"), (50.0, "50%"), (69.6, "69.6%"), (0.04, "0%"),
                                          (33.333, "33.3%"), (None, "")])
def test_percentages_keep_a_decimal_only_where_it_carries_information(value, text):
    assert W.percent(value) == text


def test_zero_counts_are_left_out_of_sentences_and_enumerations():
    assert W.count(0, "项") == "" and W.count(None, "项") == "" and W.count(3, "项", "任务") == "3项任务"
    assert W.enumerate_counts([("企业", 13, "家次"), ("学校", 0, "所次"), ("其他", 2, "次"), ("项目", 3, "个次")]) == \
        "企业13家次、项目3个次、其他2次"  # zeros out, 其他 last
    assert W.join(["", "1个单位部分报送", ""]) == "1个单位部分报送"


def test_the_same_value_is_said_once():
    assert W.each([("办公室", "12次"), ("财务科", "12次")], "走访") == "办公室、财务科均走访12次"
    assert W.each([("办公室", "12次"), ("财务科", "9次")], "走访") == "办公室、财务科分别走访12次、9次"
    assert W.each([("办公室", "12次")], "走访") == "办公室走访12次"
    assert W.names(["办公室", "办公室", "财务科"]) == "办公室、财务科2个单位"


def test_a_task_shared_by_several_units_is_named_once_with_its_units():
    from toolkit.report.sections import key_tasks_sentences

    rows = [dict(name="推进冰雪进校园", unit=u, deadline_short=d, deadline="", same_year=True, overdue=False)
            for u, d in (("党建办", "7月29日"), ("办公室", "8月9日"))]
    (text,) = key_tasks_sentences(rows)
    assert text.count("推进冰雪进校园") == 1 and "党建办、办公室" in text and "分别于7月29日、8月9日前完成" in text


def test_overdue_items_are_never_promised_to_be_on_time():
    from toolkit.report.sections import key_tasks_sentences

    rows = [dict(name="举办运动会", unit="办公室", deadline_short="3月23日", deadline="", same_year=True, overdue=True),
            dict(name="建设场馆", unit="财务科", deadline_short="9月30日", deadline="", same_year=True, overdue=False)]
    (text,) = key_tasks_sentences(rows)
    overdue, on_time = text.split("；")
    assert "举办运动会" in overdue and "限期完成" in overdue and "按期" not in overdue
    assert "建设场馆" in on_time and "确保按期完成" in on_time
    assert text_findings(text) == []


def _units(values: list[int], **extra) -> list[dict]:
    return [dict(name=f"单位{i}", visits=v, **extra) for i, v in enumerate(values)]


def test_ranking_words_only_for_units_that_stand_out():
    # one unit well above the others: it stands out
    assert [u["name"] for u in W.standouts(_units([30, 10, 11, 9, 10, 12]), "visits")] == ["单位0"]
    # everybody about the same: nobody is praised
    assert W.standouts(_units([10, 11, 10, 12, 11, 10]), "visits") == []
    # at most three, and fewer than half of the units
    assert len(W.standouts(_units([40, 39, 38, 37, 5, 5, 5, 5, 5]), "visits")) == 3
    assert W.standouts(_units([30, 30, 5, 5]), "visits") == []
    # never a unit named among the problems
    assert W.standouts(_units([30, 10, 11, 9, 10, 12]), "visits", exclude={"单位0"}) == []


def test_staff_paragraphs_get_their_closing_punctuation():
    assert W.finish("加强台账填报培训，提高数据质量") == "加强台账填报培训，提高数据质量。"
    assert W.finish("已完成。") == "已完成。" and W.finish("是否按期？") == "是否按期？"
    assert W.finish("他说：“按期完成。”") == "他说：“按期完成。”"
    assert W.finish("按期完成.") == "按期完成。"


def test_a_staff_point_without_chinese_is_full_width_once_numbered():
    """“0)” alone has no Chinese; numbered as 一是 it is Chinese text and gets its full-width bracket."""
    ctx = build_context(make_figures(), SETTINGS, ReportText(problems=["0)", "见附件(二)"]))
    staff = [p[2:] for p in ctx["issues"] if p.endswith(("0）。", "见附件（二）。"))]
    assert staff == ["0）。", "见附件（二）。"]
    assert all("(" not in p and ")" not in p for p in ctx["issues"])


def test_visits_found_and_the_problem_list_are_reconciled_in_one_sentence():
    fig = make_figures()
    ctx = build_context(fig, SETTINGS, ReportText())
    problems = next(s for s in ctx["work_sections"] if s["key"] == "problems")["paragraphs"][0]
    v, p = fig["visits"], fig["problems"]
    sentence = problems.split("。")[1]  # 走访中发现…；问题清单共列入…
    assert f"走访中发现问题{v['problems_found']}个" in sentence and f"问题清单共列入问题{p['count']}个" in sentence
    from_visits = next(d["count"] for d in p["by_source"] if d["name"] == "大走访")
    assert f"来自大走访的{from_visits}个" in sentence and f"的{p['count'] - from_visits}个" in sentence


# ---------------------------------------------------------------------------
# sections the office controls
# ---------------------------------------------------------------------------


def test_organization_headings_basis_closing_and_submission_placement(tmp_path):
    import docx

    text = ReportText(organization=["成立以局长为组长的领导小组，召开动员部署会"])
    settings = replace(SETTINGS, basis="关于开展“能力作风建设年”活动的实施方案", closing="特此报告",
                       headings={"visits": "走村入户察民情"}, submission="body")
    out = render_report(make_figures(), tmp_path / "r.docx", settings=settings, text=text)
    paras = [p.text for p in docx.Document(str(out.docx)).paragraphs if p.text.strip()]
    first = paras.index("一、工作开展情况")
    assert paras[first + 1].startswith("截至")  # 报送情况 in the body when asked
    assert paras[first + 2] == "（一）加强组织领导，周密部署推进" and "领导小组" in paras[first + 3]
    assert "（二）走村入户察民情" in paras
    assert any(p.startswith("按照《关于开展“能力作风建设年”活动的实施方案》要求") for p in paras)
    assert "特此报告。" in paras and paras.index("特此报告。") > paras.index("三、下步打算")
    assert not any(p.startswith("报送情况：") for p in paras)
    assert lint(out.docx) == []


def test_toolkit_toml_report_keys_are_read_and_checked(tmp_path):
    from toolkit.config import ConfigError, init_workspace, load_workspace

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1")
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'closing = "特此报告。"' in text and "charts = false" in text and "organization = [" in text
    edited = text.replace("charts = false", "charts = true").replace(
        "[report_text]", '[report.headings]\nvisits = "走村入户察民情"\n\n[report_text]')
    ws.config_path.write_text(edited, encoding="utf-8")
    ws = load_workspace(ws.root)
    assert ws.report.charts is True and ws.report.headings == {"visits": "走村入户察民情"}
    assert ws.report.closing == "特此报告。" and ws.report.submission == "appendix"
    for bad, word in (("charts = true", 'charts = "是"'), ('submission = "appendix"', 'submission = "正文"')):
        ws.config_path.write_text(edited.replace(bad, word), encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_workspace(ws.root)
        assert ("charts" in str(err.value)) or ("submission" in str(err.value))


# ---------------------------------------------------------------------------
# property: random figures never produce a rule violation
# ---------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=400)
rates = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))


@st.composite
def random_figures(draw):
    n_units = draw(st.integers(min_value=1, max_value=8))
    fig = make_figures(n_units, empty=draw(st.booleans()), missing=draw(st.integers(0, n_units)))
    equal = draw(st.booleans())  # ties between units
    for u in fig["units"]:
        u["visits"] = 7 if equal else draw(counts)
        u["closure_rate"] = draw(rates)
        u["average_progress"] = draw(rates)
        u["problems"] = draw(counts)
        u["overdue_problems"] = draw(st.integers(0, 5))
    fig["visits"]["count"] = draw(counts)
    fig["problems"]["closed"] = draw(counts)
    fig["problems"]["closure_rate"] = draw(rates)
    fig["problems"]["overdue"] = draw(st.integers(0, 30))
    idle = draw(st.integers(0, n_units))  # units that sent ledgers without a visit: 个别 / 部分 / 多数 / 各
    for u in fig["units"][:idle]:
        u["visits"] = 0
    if draw(st.booleans()):  # no tasks at all, or all done
        fig["tasks"].update(count=0, completed=0, completion_rate=None, average_progress=None, unfinished_key=[])
    elif draw(st.booleans()):
        fig["tasks"].update(completed=fig["tasks"]["count"], completion_rate=100.0, unfinished_key=[])
    else:  # key tasks shared by units, some overdue, some 欠进度 (named in 二、, referred to in 三、)
        t = fig["tasks"]
        names = [u["name"] for u in fig["units"]]
        key = []
        for i in range(draw(st.integers(0, 14))):
            key.append({"unit": draw(st.sampled_from(names)), "name": f"重点任务{draw(st.integers(1, 4))}",
                        "deadline": f"2022-0{draw(st.integers(2, 9))}-1{i % 10}", "progress": 20.0,
                        "status": "推进中", "owner": "", "leader": ""})
        key.sort(key=lambda r: r["deadline"])
        behind = [dict(r, id=str(i), schedule=80.0, overdue=r["deadline"] < fig["as_of"])
                  for i, r in enumerate(key) if draw(st.booleans())]
        reached = max(0, t["count"] - len(behind))
        t.update(unfinished_key=key, behind_key=behind,
                 behind_units=[{"name": n, "count": sum(1 for r in behind if r["unit"] == n)}
                               for n in dict.fromkeys(r["unit"] for r in behind)],
                 schedule={"count": t["count"], "counts": {"欠进度": len(behind)}, "reached": reached,
                           "reached_rate": None})
    return fig


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fig=random_figures(), text=st.lists(st.text(alphabet="加强台账(培训)，提高数据质量→.0%", min_size=1, max_size=20),
                                           max_size=2))
def test_random_figures_never_break_a_text_rule(fig, text):
    ctx = build_context(fig, SETTINGS, ReportText(highlights=text, problems=text, plans=text))
    paragraphs = [ctx["opening"], *ctx["issues"], *ctx["plans"]]
    paragraphs += [p for s in ctx["work_sections"] for p in s["paragraphs"]]
    for paragraph in paragraphs:
        assert text_findings(paragraph) == [], paragraph
        assert "None" not in paragraph and "nan" not in paragraph
    work = [p for s in ctx["work_sections"] for p in s["paragraphs"]]
    assert ranking_findings(work, ctx["issues"], [u["name"] for u in fig["units"]]) == []
    key = fig["tasks"].get("unfinished_key") or []
    plan = next((p for p in ctx["plans"] if "聚焦重点任务抓推进" in p), "")
    if len(key) > 1 and "未完成的" in plan:  # the counts of 下步打算 add up to the unfinished key tasks
        assert f"未完成的{len(key)}项重点任务中" in plan
    assert bool(plan) == bool(key)


# ---------------------------------------------------------------------------
# pre-flight
# ---------------------------------------------------------------------------


def test_preflight_names_what_to_look_at_before_the_report_goes_out():
    fig = make_figures()
    fig["units"][0]["name"] = "市𠀋体育中心"  # a character outside GB2312
    fig["as_of"], fig["period"]["end"] = "2022-04-29", "2022-03-31"
    checks = preflight(fig, ReportSettings(date=date(2022, 4, 20)), ReportText(), fonts=frozenset({"Noto Sans CJK SC"}))
    codes = {c.code: c for c in checks}
    assert {"recipient-empty", "units-missing", "as-of-after-period", "date-before-as-of", "organization-empty",
            "fonts-missing", "rare-characters"} <= set(codes)
    assert "𠀋" in codes["rare-characters"].message and codes["rare-characters"].level == "警告"
    assert "仿宋_GB2312" in codes["fonts-missing"].message
    missing = fig["submission"]["missing"][0]["name"]
    assert missing in codes["units-missing"].message
    clean = preflight(fig | {"units": fig["units"][1:], "submission": {}}, replace(SETTINGS, date=date(2022, 5, 6)),
                      ReportText(organization=["成立领导小组"]), check_fonts=False)
    assert {c.code for c in clean} == {"as-of-after-period"}


def test_fonts_present_are_not_reported():
    names = frozenset({"方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "黑体"})
    if sys.platform.startswith("win"):
        pytest.skip("Windows looks for font files")
    assert missing_fonts(names) == [] and rare_characters({"x": "王建国"}) == []


def test_the_checks_are_in_the_figures_json_and_on_the_command_line(tmp_path_factory, tmp_path):
    import json
    import os
    import subprocess

    from demo_workspace import demo_copy
    from toolkit.config import load_workspace

    root = demo_copy(tmp_path_factory, tmp_path / "ws")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", "run"], cwd=root, env=env, capture_output=True, text=True,
                         encoding="utf-8")
    assert out.returncode == 0, out.stderr
    figures = json.loads((load_workspace(root).output_dir / "汇总数据.json").read_text(encoding="utf-8"))
    codes = {c["code"] for c in figures["report_checks"]}
    assert "units-missing" in codes
    assert "报告检查" in out.stdout and "还有1个单位的台账没有报齐" in out.stdout


# ---------------------------------------------------------------------------
# lint
# ---------------------------------------------------------------------------


def test_lint_finds_layout_and_text_faults_in_a_document(tmp_path, capsys):
    import docx
    from docx.shared import Mm

    from toolkit.cli import main

    out = render_report(make_figures(), tmp_path / "r.docx", settings=SETTINGS, appendix=False)
    assert lint(out.docx) == []
    doc = docx.Document(str(out.docx))
    doc.sections[0].top_margin = Mm(25)
    body = next(p for p in doc.paragraphs if p.style.name == "公文正文" and "走访" in p.text)
    body.add_run("收集→交办，已完成0项，办结率100.0%，分别走访12次、12次，村(社区)")
    heading = next(p for p in doc.paragraphs if p.style.name == "一级标题")
    heading.add_run("。")
    bad = tmp_path / "bad.docx"
    doc.save(str(bad))
    codes = {f.code for f in lint(bad)}
    assert {"margin", "arrow", "zero-count", "point-zero", "same-values", "half-bracket", "heading-mark"} <= codes
    main(["report", "--check", "--out", str(bad)])
    printed = capsys.readouterr().out
    assert f"有 {len(lint(bad))} 处需要修改" in printed and "上边距为 25.0 毫米，应为 37 毫米" in printed
    main(["report", "--check", "--out", str(out.docx)])
    assert "检查通过" in capsys.readouterr().out


def test_a_report_written_on_its_own_updates_the_checks_in_the_figures_json(tmp_path_factory, tmp_path):
    import dataclasses
    import json

    from demo_workspace import demo_copy
    from toolkit import api
    from toolkit.config import load_workspace

    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path / "ws"))
    api.run_workspace(ws)
    own = ws.output_dir / "汇总数据.json"
    assert "recipient-empty" not in {c["code"] for c in json.loads(own.read_text(encoding="utf-8"))["report_checks"]}
    emptied = dataclasses.replace(ws, report=dataclasses.replace(ws.report, recipient=""))
    given = tmp_path / "别处的汇总数据.json"
    given.write_bytes(own.read_bytes())
    api.make_report(given, tmp_path / "情况汇报.docx", ws=emptied)  # an input from elsewhere: never written
    assert given.read_bytes() == own.read_bytes()
    outcome = api.make_report(own, api.default_report_path(ws), ws=emptied)
    codes = {c["code"] for c in json.loads(own.read_text(encoding="utf-8"))["report_checks"]}
    assert "recipient-empty" in codes and codes == {c["code"] for c in outcome.checks}
