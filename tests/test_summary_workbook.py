"""汇总表.xlsx read back with openpyxl, python-calamine and LibreOffice."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from factories import scenario
from toolkit import schema as S
from toolkit import summary_xlsx
from toolkit.api import merge_result
from toolkit.io import OutputLockedError
from toolkit.merge import summarize, write_figures
from toolkit.model import MergeOutcome
from toolkit.schema import COMPUTED_COLUMNS
from toolkit.text import wrapped_lines

INJECTIONS = ("=HYPERLINK(\"http://example.com\",\"点我\")", "+8613812345678", "-减少3户", "@SUM(A1:A3)")
LONG = "长" * 40_000

STAT_SHEETS = ["说明", "分单位统计", "分类统计", "趋势", "红灯清单", "作战图", "成果汇总", "报送情况"]
DETAIL_SHEETS = ["走访记录", "问题清单", "任务清单"]
ALL_SHEETS = STAT_SHEETS + DETAIL_SHEETS + ["校验问题", "未汇总行"]


def _tricky_scenario():
    sc = scenario()
    t = sc.result.tables
    t["visits"].loc[0, "content"] = INJECTIONS[0]
    t["visits"].loc[1, "content"] = INJECTIONS[1]
    t["visits"].loc[2, "remark"] = INJECTIONS[2]
    t["visits"].loc[3, "object_name"] = INJECTIONS[3]
    t["visits"].loc[4, "content"] = LONG
    t["problems"].loc[0, "_notes"] = "=1+1"
    sc.result.rejected[0].values["任务名称"] = "=SUM(1,2)"
    return sc


def _merge(result, out, **settings) -> MergeOutcome:
    merged = summarize(result, **settings)
    return MergeOutcome(figures=merged.figures, workbook=summary_xlsx.write_workbook(merged, out),
                        figures_path=write_figures(merged.figures, out))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    sc = _tricky_scenario()
    out = tmp_path_factory.mktemp("merge")
    return sc, _merge(sc.result, out, org="XX市体育局", office="党建办")


@pytest.fixture(scope="module")
def book(merged):
    return openpyxl.load_workbook(merged[1].workbook)


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheet_names(book):
    assert book.sheetnames == ALL_SHEETS


def test_detail_headers_and_row_counts(merged, book):
    sc, outcome = merged
    cal = CalamineWorkbook.from_path(str(outcome.workbook))
    for key, name in zip(S.SHEETS, DETAIL_SHEETS):
        expected = ["填报单位", *S.SHEETS[key].headers, *(c[1] for c in COMPUTED_COLUMNS[key]), "来源文件", "校验提示"]
        rows = _rows(book[name])
        assert rows[0] == expected
        n = sum(len(u.get(key, [])) for u in sc.accepted.values())
        assert len(rows) - 1 == n == len(sc.result.tables[key])
        crows = cal.get_sheet_by_name(name).to_python()
        assert crows[0] == expected
        assert len(crows) - 1 == n


def test_detail_cell_types(book):
    ws = book["任务清单"]
    header = [c.value for c in ws[1]]
    row = ws[2]
    deadline = row[header.index("完成时限")]
    assert isinstance(deadline.value, datetime) and deadline.number_format == "yyyy-mm-dd"
    progress = row[header.index("完成进度")]
    assert progress.number_format.endswith("%") and 0 <= progress.value <= 1
    seq = row[header.index("序号")]
    assert seq.data_type == "n" and seq.number_format == "0"
    assert book["走访记录"].freeze_panes == "B2"
    assert book["走访记录"].auto_filter.ref.startswith("A1:")


def test_light_cells_are_filled(book):
    fills = {"红": "F8696B", "黄": "FFEB84", "绿": "63BE7B"}
    for name in ("问题清单", "任务清单"):
        ws = book[name]
        header = [c.value for c in ws[1]]
        col = header.index("亮灯")
        seen = set()
        for row in ws.iter_rows(min_row=2):
            cell = row[col]
            assert cell.value in fills
            assert cell.fill.fgColor.rgb.upper().endswith(fills[cell.value])
            seen.add(cell.value)
        assert seen == set(fills)


def test_unit_sheet_totals_equal_json(merged, book):
    figures = json.loads(merged[1].figures_path.read_text(encoding="utf-8"))
    ws = book["分单位统计"]
    rows = _rows(ws)
    headers = rows[3]
    total_row = next(r for r in rows if r[0] == "合计")
    totals = figures["totals"]
    values = dict(zip(headers, total_row))
    simple = {"走访次数": "visits", "参与人次": "participants", "走访对象数": "objects", "发现问题数": "problems_found",
              "当场解决数": "solved_on_spot", "问题数": "problems", "问题办结数": "problems_closed",
              "逾期问题数": "overdue_problems", "任务数": "tasks", "逾期任务数": "overdue_tasks"}
    for header, key in simple.items():
        assert values[header] == totals[key], header
    for t in S.OBJECT_TYPES:
        assert values[t] == totals["objects_by_type"][t]
    for t in S.TASK_LIST_TYPES:
        assert values[t] == totals["tasks_by_type"][t]
    for t in S.TASK_STATUSES:
        assert values[t] == totals["tasks_by_status"][t]
    assert values["办结率"] == pytest.approx(totals["closure_rate"] / 100)
    assert values["满意率"] == pytest.approx(totals["satisfaction_rate"] / 100)
    assert values["平均进度"] == pytest.approx(totals["average_progress"] / 100)
    # one row per unit, in the figures' order
    names = [r[0] for r in rows[4:4 + len(figures["units"])]]
    assert names == [u["name"] for u in figures["units"]]
    # totals are values, not formulas
    raw = openpyxl.load_workbook(merged[1].workbook, data_only=False)["分单位统计"]
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in raw.iter_rows() for c in row)


def test_zero_denominator_shows_zanwu(merged, book):
    sc, _ = merged
    rows = _rows(book["分单位统计"])
    headers = rows[3]
    row = next(r for r in rows if r[0] == sc.no_problem_unit)
    assert row[headers.index("问题数")] == 0
    assert row[headers.index("办结率")] == "暂无"
    missing = next(r for r in rows if r[0] == sc.missing_unit.name)
    # a unit that sent nothing was not “visited 0 times”: — in every count, as in the report's 附件
    assert missing[headers.index("报送情况")] == "未报送"
    assert {missing[headers.index(h)] for h in ("走访次数", "问题数", "办结率", "任务数", "平均进度")} == {"—"}


def test_charts_present(merged):
    with zipfile.ZipFile(merged[1].workbook) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml")]
    assert len(charts) == 7 + 2  # 分类统计, then 趋势 (visits with the cumulative line, rates)


def test_formula_injection_stays_text(merged, book):
    ws = book["走访记录"]
    found = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value in INJECTIONS:
                found[cell.value] = cell.data_type
    assert found == {v: "s" for v in INJECTIONS}
    notes = [c for row in book["问题清单"].iter_rows(min_row=2) for c in row if c.value == "=1+1"]
    assert notes and notes[0].data_type == "s"
    rejected = [c for row in book["未汇总行"].iter_rows(min_row=2) for c in row if c.value == "=SUM(1,2)"]
    assert rejected and rejected[0].data_type == "s"
    # calamine sees the same text
    cal = CalamineWorkbook.from_path(str(merged[1].workbook)).get_sheet_by_name("走访记录").to_python()
    flat = {v for r in cal for v in r}
    assert set(INJECTIONS) <= flat
    with zipfile.ZipFile(merged[1].workbook) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in z.read(n) for n in sheets)


def test_long_cell_cut_with_hint(merged, book):
    ws = book["走访记录"]
    cells = [c.value for row in ws.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value.startswith("长长长")]
    assert len(cells) == 1
    assert cells[0].endswith("…（已截断）") and len(cells[0]) <= 32_767
    assert cells[0].startswith("长" * 32_000)
    issues = _rows(book["校验问题"])
    header = issues[0]
    hints = [dict(zip(header, r)) for r in issues[1:] if r[header.index("代码")] == "cell-truncated"]
    assert len(hints) == 1
    assert hints[0]["严重程度"] == "提示" and hints[0]["列名"] == "走访内容" and hints[0]["工作表"] == "走访记录"
    assert hints[0]["文件"].endswith(".xlsx") and isinstance(hints[0]["行"], int)
    assert hints[0]["说明"].startswith("内容过长（40000个字符）")  # where it is: the columns before it


def test_issue_and_rejected_sheets(merged, book):
    sc, _ = merged
    issues = _rows(book["校验问题"])
    assert issues[0] == ["文件", "单位", "严重程度", "代码", "工作表", "行", "列", "列名", "值", "说明"]
    n_issues = sum(len(f.issues) for f in sc.result.files)
    assert len(issues) - 1 == n_issues + 1  # + the truncation hint
    rejected = _rows(book["未汇总行"])
    assert rejected[0][:5] == ["文件", "单位", "工作表", "行号", "原因"]
    assert len(rejected) - 1 == len(sc.result.rejected)
    assert rejected[1][4] == sc.result.rejected[0].reasons[0]


def test_red_list_and_achievements_sheets(merged, book):
    figures = merged[1].figures
    rows = _rows(book["红灯清单"])
    assert rows[2] == ["序号", "类别", "单位", "编号", "名称/问题描述", "责任人", "责任领导", "时限", "逾期天数", "状态"]
    body = rows[3:]
    assert len(body) == len(figures["red_list"])
    assert [r[3] for r in body] == [i["id"] for i in figures["red_list"]]
    assert [r[8] for r in body] == [i["days_overdue"] for i in figures["red_list"]]
    assert all(isinstance(r[7], datetime) for r in body)
    assert [r[7].date().isoformat() for r in body] == [i["deadline"] for i in figures["red_list"]]
    ach = _rows(book["成果汇总"])[3:]
    assert [(r[1], r[2], r[3], r[4]) for r in ach] == [
        (a["description"], pytest.approx(a["value"]), a["unit"], a["items"]) for a in figures["achievements"]]


def test_red_list_rows_are_as_tall_as_their_wrapped_titles(tmp_path):
    sc = scenario()
    problems = sc.result.tables["problems"]
    problems["description"] = ["“路灯”不亮" * (1 + 4 * (i % 4)) for i in range(len(problems))]
    outcome = merge_result(sc.result, tmp_path)
    ws = openpyxl.load_workbook(outcome.workbook)["红灯清单"]
    header = [c.value for c in ws[3]]
    title, width = header.index("名称/问题描述"), ws.column_dimensions["E"].width
    lines, heights = [], []
    for r in range(4, ws.max_row + 1):
        text = ws.cell(r, title + 1).value
        lines.append(wrapped_lines(text, width))
        heights.append(ws.row_dimensions[r].height)
    assert max(lines) > 1 and min(lines) == 1
    assert all(h is None for n, h in zip(lines, heights) if n == 1)
    tall = sorted({(n, h) for n, h in zip(lines, heights) if n > 1})
    assert len({n for n, _ in tall}) == len(tall)  # one height per line count
    assert [h for _, h in tall] == sorted(h for _, h in tall) and tall[0][1] > 15


def test_submission_sheet(merged, book):
    sc, outcome = merged
    text = "\n".join(str(v) for r in _rows(book["报送情况"]) for v in r if v is not None)
    assert sc.missing_unit.name in text and "催报名单（1 个单位，尚有台账未报送）" in text
    rejected_unit = next(s.unit for s in sc.submissions if s.rel == sc.rejected_file)
    returns = text.split("三、退回名单", 1)[1].split("四、", 1)[0]
    assert rejected_unit in returns and sc.rejected_file in returns and sc.missing_unit.name not in returns
    assert sc.rejected_file in text and sc.superseded_file in text and sc.unreadable_file in text
    unreadable = next(f for f in sc.result.files if f.rel == sc.unreadable_file)
    assert unreadable.issues[0].message in text and sc.unknown_unit in text


def test_info_sheet(merged, book):
    rows = _rows(book["说明"])
    items = {r[0]: r[1] for r in rows if r[0]}
    v = merged[1].figures["validation"]
    assert items["汇总行数"] == v["rows_accepted"]
    assert items["未汇总行数（有错误）"] == v["rows_rejected"]
    assert items["被替代行数（重复报送的旧文件）"] == v["rows_superseded"]
    assert items["单位"] == "XX市体育局"
    assert any("截断" in str(r[1]) for r in rows)


def test_split_beyond_row_limit(tmp_path, monkeypatch):
    sc = scenario()
    monkeypatch.setattr(summary_xlsx, "MAX_DATA_ROWS", 30)
    monkeypatch.setattr(summary_xlsx, "DETAIL_CHUNK", 7)
    outcome = merge_result(sc.result, tmp_path)
    wb = openpyxl.load_workbook(outcome.workbook)
    n = len(sc.result.tables["visits"])
    parts = [name for name in wb.sheetnames if name.startswith("走访记录")]
    assert parts == ["走访记录"] + [f"走访记录({i})" for i in range(2, len(parts) + 1)]
    assert len(parts) == -(-n // 30)
    assert sum(wb[p].max_row - 1 for p in parts) == n
    info = "\n".join(str(r[1]) for r in _rows(wb["说明"]) if r[1])
    assert "走访记录(2)" in info
    # rows keep their order across sheets and chunks
    seqs = [r[1] for p in parts for r in _rows(wb[p])[1:]]
    assert seqs == [int(x) for x in sc.result.tables["visits"]["seq"]]


def test_cut_counts_utf16_units(tmp_path):
    sc = scenario()
    astral = "𠀀" * 20_000  # 40,000 UTF-16 units in 20,000 characters: over Excel's limit
    at_limit = "长" * 32_767  # 32,767 units: fits
    visits = sc.result.tables["visits"]
    visits.loc[0, "content"], visits.loc[1, "content"] = astral, at_limit
    outcome = merge_result(sc.result, tmp_path)
    texts = [v for r in CalamineWorkbook.from_path(str(outcome.workbook)).get_sheet_by_name("走访记录").to_python()
             for v in r if isinstance(v, str)]
    cut = next(t for t in texts if t.startswith("𠀀"))
    assert cut.endswith("…（已截断）") and cut.startswith("𠀀" * 15_000)
    assert len(cut.encode("utf-16-le")) // 2 <= 32_767
    assert at_limit in texts  # kept whole
    issues = _rows(openpyxl.load_workbook(outcome.workbook, read_only=True)["校验问题"])
    assert [r[issues[0].index("代码")] for r in issues[1:]].count("cell-truncated") == 1


def test_locked_output_keeps_old_file(tmp_path, monkeypatch):
    sc = scenario()
    first = merge_result(sc.result, tmp_path)
    old_xlsx = first.workbook.read_bytes()
    old_json = first.figures_path.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "The process cannot access the file because it is being used")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputLockedError) as err:
        merge_result(sc.result, tmp_path)
    assert "汇总表.xlsx" in str(err.value) and "关闭" in str(err.value)
    monkeypatch.undo()
    assert first.workbook.read_bytes() == old_xlsx
    assert first.figures_path.read_bytes() == old_json
    assert sorted(p.name for p in tmp_path.iterdir()) == ["汇总数据.json", "汇总表.xlsx"]


@pytest.mark.libreoffice
def test_libreoffice_renders(merged, to_pdf, pdf_text):
    pdf = to_pdf(merged[1].workbook)
    text = pdf_text(pdf)
    for title in ("分单位统计", "分类统计", "红灯清单", "成果汇总", "报送情况"):
        assert title in text
    assert "合计" in text and "暂无" in text
