"""退回修改 workbooks: the unit's rows in a fresh template, problems marked red/yellow with comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from toolkit import markup as M
from toolkit.config import parse_period
from toolkit.model import ERROR, HINT, FileData, FileReport, Issue, RawRow, SheetData
from toolkit.schema import FIRST_DATA_ROW, LISTS_SHEET, META_ROW, SURVEY, TASK_LEDGER
from toolkit.templates import meta_layout

PERIOD = parse_period("2022Q1")
VISITS = SURVEY.sheets[0]
PROBLEMS = SURVEY.sheets[1]


def col(sheet, key: str) -> int:
    return sheet.keys.index(key) + 1


def visit(seq: int, **over) -> dict:
    values = {"seq": seq, "visit_date": dt.datetime(2022, 3, seq), "leader": "王建国", "visitors": "李明、张华",
              "participants": 3, "method": "入户走访", "object_type": "企业", "object_name": "XX食品有限公司",
              "phone": "13812345678", "content": "了解企业复工复产情况", "problems_found": 2, "solved_on_spot": 1}
    values.update(over)
    return values


def make_case(tmp_path: Path) -> tuple[FileData, FileReport]:
    src = tmp_path / "收集文件" / "党建办报表.xlsx"
    src.parent.mkdir(parents=True)
    src.write_bytes(b"original bytes")
    # Source rows 6, 7, 9 (a title row more than the template, row 8 skipped as empty).
    visits = SheetData("visits", "走访记录", header_row=5, columns={k: i for i, k in enumerate(VISITS.keys)}, rows=[
        RawRow(6, visit(1)),
        RawRow(7, visit(2, participants="3人", solved_on_spot=5, phone=5356688123)),
        RawRow(9, visit(3, content="=需要核实", visit_date="2022.3.3")),
    ])
    problems = SheetData("problems", "问题清单", header_row=3, columns={}, rows=[
        RawRow(4, {"seq": 1, "visit_seq": 2, "source": "大走访", "description": "路灯损坏", "category": "基础设施",
                   "status": "已销号", "closed_date": dt.datetime(2022, 3, 20)}),
    ])
    file = FileData(path=src, rel="党建办报表.xlsx", modified=0.0, template_id="survey", template_version="1",
                    unit="党建办", unit_source="metadata",
                    meta={"填报人": "李明", "联系电话": "0535-6688001", "填报日期": dt.datetime(2022, 4, 6)},
                    sheets=[visits, problems])
    issues = [
        Issue("order", ERROR, "第7行：当场解决数5大于发现问题数2，请改正。", sheet="走访记录", sheet_key="visits",
              row=7, column="N", column_key="solved_on_spot", header="当场解决数", value="5"),
        Issue("phone", HINT, "第7行：联系电话5356688123可能缺少开头的0，请核实。", sheet="走访记录", sheet_key="visits",
              row=7, column="K", column_key="phone", header="联系电话", value="5356688123"),
        Issue("unit_suffix", HINT, "第7行：参与人数“3人”已按3读取。", sheet="走访记录", sheet_key="visits",
              row=7, column="E", column_key="participants", header="参与人数", value="3人"),
        Issue("row_dup", ERROR, "第9行：与第6行重复。", sheet="走访记录", sheet_key="visits", row=9),
        Issue("date", ERROR, "第9行：走访日期“2022.3.3”格式不规范。", sheet="走访记录", sheet_key="visits",
              row=9, column="B", column_key="visit_date", header="走访日期", value="2022.3.3"),
        Issue("date_hint", HINT, "第9行：走访日期请核实。", sheet="走访记录", sheet_key="visits",
              row=9, column="B", column_key="visit_date", header="走访日期", value="2022.3.3"),
        Issue("required", ERROR, "第4行：已销号的问题必须填写回访日期。", sheet="问题清单", sheet_key="problems",
              row=4, column="Q", column_key="revisit_date", header="回访日期", value=""),
        Issue("missing_column", ERROR, "“问题清单”缺少“责任人”列，请按模板补上。", sheet="问题清单",
              sheet_key="problems", header="责任人"),
        Issue("unit_twice", HINT, "同一单位报送了两个文件，以较新的为准。"),
    ]
    report = FileReport(path=str(src), rel=file.rel, unit="党建办", unit_code="02", template="survey",
                        template_name=SURVEY.name, status="有错误", rows_read=4, issues=issues)
    return file, report


@pytest.fixture
def marked(tmp_path):
    file, report = make_case(tmp_path)
    out = M.write_markup(file, report, tmp_path / "退回修改" / "党建办报表（退回修改）.xlsx", period=PERIOD)
    return file, report, out


def test_markup_is_written_and_input_untouched(marked):
    file, _report, out = marked
    assert out.is_file() and out.name == "党建办报表（退回修改）.xlsx"
    assert file.path.read_bytes() == b"original bytes"
    assert not list(out.parent.glob(".~tmp-*"))


def test_refuses_to_overwrite_the_input(tmp_path):
    file, report = make_case(tmp_path)
    with pytest.raises(ValueError):
        M.write_markup(file, report, file.path)
    assert file.path.read_bytes() == b"original bytes"


def test_return_sheet_is_first_and_active(marked):
    wb = openpyxl.load_workbook(marked[2])
    assert wb.sheetnames[0] == M.RETURN_SHEET
    assert wb.active.title == M.RETURN_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets].count(True) == 1
    assert wb.sheetnames[1:3] == [VISITS.name, PROBLEMS.name]


def test_rows_are_copied_in_source_order_with_values_preserved(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    seqs = [ws.cell(FIRST_DATA_ROW + i, col(VISITS, "seq")).value for i in range(4)]
    assert seqs == [1, 2, 3, None]
    second = FIRST_DATA_ROW + 1
    assert ws.cell(second, col(VISITS, "participants")).value == "3人"
    assert ws.cell(second, col(VISITS, "solved_on_spot")).value == 5
    assert ws.cell(FIRST_DATA_ROW, col(VISITS, "visit_date")).value == dt.datetime(2022, 3, 1)
    assert ws.cell(FIRST_DATA_ROW, col(VISITS, "visit_date")).number_format == "yyyy-mm-dd"
    third = FIRST_DATA_ROW + 2
    assert ws.cell(third, col(VISITS, "visit_date")).value == "2022.3.3"
    content = ws.cell(third, col(VISITS, "content"))
    assert content.value == "=需要核实" and content.data_type == "s"
    assert ws.cell(FIRST_DATA_ROW, col(VISITS, "phone")).value == "13812345678"


def test_meta_and_unit_are_kept(marked):
    wb = openpyxl.load_workbook(marked[2])
    ws = wb[VISITS.name]
    cells = {label: ws.cell(META_ROW, first).value for label, _, first, _ in meta_layout(VISITS)}
    assert cells["填报单位"] == "党建办" and cells["填报人"] == "李明" and cells["联系电话"] == "0535-6688001"
    assert cells["填报日期"].date() == dt.date(2022, 4, 6)
    assert ws.cell(1, 1).value == f"党建办{VISITS.title}（{PERIOD.name}）"


def test_error_cells_are_red_with_comment(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    cell = ws.cell(FIRST_DATA_ROW + 1, col(VISITS, "solved_on_spot"))
    assert cell.fill.fgColor.rgb == M.ERROR_COLOR
    assert "当场解决数5大于发现问题数2" in cell.comment.text
    assert cell.comment.author == M.COMMENT_AUTHOR


def test_hint_cells_are_yellow_with_comment(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    cell = ws.cell(FIRST_DATA_ROW + 1, col(VISITS, "phone"))
    assert cell.fill.fgColor.rgb == M.HINT_COLOR
    assert "可能缺少开头的0" in cell.comment.text and cell.comment.author == M.COMMENT_AUTHOR
    assert ws.cell(FIRST_DATA_ROW + 1, col(VISITS, "participants")).fill.fgColor.rgb == M.HINT_COLOR


def test_unmarked_cells_have_no_fill_or_comment(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    for c in range(1, len(VISITS.columns) + 1):
        cell = ws.cell(FIRST_DATA_ROW, c)
        assert cell.comment is None and cell.fill.fgColor.rgb not in (M.ERROR_COLOR, M.HINT_COLOR)


def test_row_issue_without_column_marks_first_cell(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    cell = ws.cell(FIRST_DATA_ROW + 2, 1)
    assert cell.fill.fgColor.rgb == M.ERROR_COLOR and "与第6行重复" in cell.comment.text


def test_error_wins_over_hint_on_same_cell_and_both_messages_shown(marked):
    ws = openpyxl.load_workbook(marked[2])[VISITS.name]
    cell = ws.cell(FIRST_DATA_ROW + 2, col(VISITS, "visit_date"))
    assert cell.fill.fgColor.rgb == M.ERROR_COLOR
    assert "格式不规范" in cell.comment.text and "请核实" in cell.comment.text


def test_issue_in_second_sheet_marked_at_mapped_row(marked):
    ws = openpyxl.load_workbook(marked[2])[PROBLEMS.name]
    cell = ws.cell(FIRST_DATA_ROW, col(PROBLEMS, "revisit_date"))
    assert cell.fill.fgColor.rgb == M.ERROR_COLOR and "回访日期" in cell.comment.text


def test_file_and_sheet_level_issues_only_on_list_sheet(marked):
    wb = openpyxl.load_workbook(marked[2])
    comments = [c.comment.text for name in (VISITS.name, PROBLEMS.name) for row in wb[name].iter_rows()
                for c in row if c.comment]
    assert not any("两个文件" in t or "缺少“责任人”列" in t for t in comments)
    messages = [r[8] for r in wb[M.RETURN_SHEET].iter_rows(min_row=M.LIST_HEADER_ROW + 1, values_only=True)]
    assert any("两个文件" in m for m in messages) and any("缺少“责任人”列" in m for m in messages)


def test_list_sheet_lists_every_issue_with_new_and_source_rows(marked):
    _file, report, out = marked
    ws = openpyxl.load_workbook(out)[M.RETURN_SHEET]
    header = [c.value for c in ws[M.LIST_HEADER_ROW]]
    assert header == list(M.LIST_HEADERS)
    rows = [r for r in ws.iter_rows(min_row=M.LIST_HEADER_ROW + 1, values_only=True) if r[0] is not None]
    assert len(rows) == len(report.issues)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    by_msg = {r[8]: r for r in rows}
    solved = by_msg[report.issues[0].message]
    assert solved[1] == ERROR and solved[2] == VISITS.name
    assert solved[3] == FIRST_DATA_ROW + 1 and solved[4] == 7
    assert solved[5] == get_column_letter(col(VISITS, "solved_on_spot")) and solved[6] == "当场解决数"
    assert solved[7] == "5"
    file_level = by_msg[report.issues[-1].message]
    assert file_level[1] == HINT and file_level[3] in (None, "") and file_level[4] in (None, "")
    severity_cell = ws.cell(M.LIST_HEADER_ROW + 1 + rows.index(solved), 2)
    assert severity_cell.fill.fgColor.rgb == M.ERROR_COLOR


def test_list_sheet_explains_what_to_do(marked):
    ws = openpyxl.load_workbook(marked[2])[M.RETURN_SHEET]
    text = "".join(str(c.value) for row in ws.iter_rows(max_row=M.LIST_HEADER_ROW - 1) for c in row if c.value)
    assert "标红" in text and "标黄" in text and "原样报回" in text
    assert "5处错误、4处提示" in text


def test_dropdowns_and_template_metadata_survive(marked):
    wb = openpyxl.load_workbook(marked[2])
    ws = wb[VISITS.name]
    letter = get_column_letter(col(VISITS, "method"))
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(str(dv.sqref).startswith(f"{letter}{FIRST_DATA_ROW}:") and LISTS_SHEET in dv.formula1 for dv in lists)
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb.defined_names["toolkit_template"].attr_text == '"survey"'
    assert ws.protection.sheet and not ws.protection.password


def test_template_inferred_from_sheets_when_id_missing(tmp_path):
    task = TASK_LEDGER.sheets[0]
    file = FileData(path=tmp_path / "x.xlsx", rel="x.xlsx", modified=0.0, template_id=None, unit="未识别",
                    sheets=[SheetData("tasks", "任务清单", 3, {}, rows=[
                        RawRow(4, {"seq": 1, "name": "组建先锋队", "progress": 0.6, "status": "推进中"}),
                        RawRow(5, {"seq": 2, "name": "整改", "progress": 60})])])
    report = FileReport(path="", rel="x.xlsx", unit="未识别", unit_code="", template=None, template_name="",
                        status="有错误", issues=[Issue("x", ERROR, "缺少完成时限", sheet_key="tasks", row=5,
                                                       column_key="deadline")])
    out = M.write_markup(file, report, tmp_path / "out" / "x（退回修改）.xlsx")
    ws = openpyxl.load_workbook(out)[task.name]
    progress = col(task, "progress")
    assert ws.cell(FIRST_DATA_ROW, progress).value == pytest.approx(0.6)
    assert ws.cell(FIRST_DATA_ROW + 1, progress).value == pytest.approx(0.6)
    assert ws.cell(FIRST_DATA_ROW + 1, col(task, "deadline")).fill.fgColor.rgb == M.ERROR_COLOR
    assert ws.cell(1, 1).value == task.title


@pytest.mark.libreoffice
def test_libreoffice_opens_the_markup(marked, to_pdf, pdf_text):
    pdf = to_pdf(marked[2])
    text = pdf_text(pdf)
    assert "退回修改说明" in text and "当场解决数" in text


# --- what the unit reads: the 退回说明 of a real submission -------------------------------------------


def _returned(tmp_path):
    """A workspace where 党建办 sent its ledger from the office's “0705微信” folder: a row with an error,
    座谈 ×3 and 线上 for the dropdown's 座谈交流 / 线上联系, 比较满意 for a rating, a long text and a 合计 row."""
    import random

    from factories import AS_OF, unit_rows
    from toolkit import api
    from toolkit.config import init_workspace
    from toolkit.model import Unit
    from toolkit.templates import build_workbook, fill_rows, save_workbook

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "党建办")], as_of=AS_OF)
    rows = unit_rows(random.Random(8), 5, 2, 0, ws.period)
    for visit, method in zip(rows["visits"], ("座谈", "座谈", "座谈", "线上", "入户走访")):
        visit["method"] = method
    rows["visits"][0]["participants"] = 0  # an error: the file goes back
    rows["visits"][1]["content"] = "走访了解群众反映的问题并现场答复" * 8  # wraps over several lines
    problem = rows["problems"][0]
    problem.update(status="已销号", closed_date=ws.period.start, result="已解决", revisit_date=ws.period.start,
                   satisfaction="比较满意", assigned_date=ws.period.start, deadline=ws.period.end)
    wb = build_workbook(SURVEY, unit="党建办", period=ws.period)
    fill_rows(wb, "visits", rows["visits"])
    fill_rows(wb, "problems", rows["problems"])
    total_row = FIRST_DATA_ROW + len(rows["visits"])
    wb["走访记录"].cell(total_row, 1, "合计")
    wb["走访记录"].cell(total_row, col(VISITS, "participants"), 99)
    path = ws.inbox / "0705微信" / "党建办第一季度大走访台账（报送）.xlsx"
    path.parent.mkdir(parents=True)
    save_workbook(wb, path)
    result = api.validate_workspace(ws)
    (report,) = result.files
    return ws, report, rows, total_row


def test_the_return_sheet_names_the_file_as_the_unit_sent_it_and_says_what_was_changed(tmp_path):
    ws, report, _rows, total_row = _returned(tmp_path)
    assert report.markup_path
    book = openpyxl.load_workbook(report.markup_path)
    sheet = book[M.RETURN_SHEET]
    facts, text = sheet["A2"].value, sheet["A3"].value
    assert "原文件：党建办第一季度大走访台账（报送）.xlsx" in facts and "0705微信" not in facts
    # the 合计 row left out is said, once
    assert text.count("是合计行") == 1 and f"第{total_row}行是合计行，没有放进本文件" in text
    # list values put right without a word, once per file with their count
    assert "已按下拉选项规范：座谈→座谈交流（3处）、线上→线上联系（1处）" in text
    assert "比较满意" not in text  # an interpretation is not a spelling: it is a 提示 of its own
    rows = [r for r in sheet.iter_rows(min_row=M.LIST_HEADER_ROW + 1, values_only=True) if r[0]]
    assert rows and not [r for r in rows if "党建办第一季度大走访台账" in (r[8] or "") or "文件“" in (r[8] or "")]
    interpreted = [r for r in rows if r[6] == "满意度"]
    assert interpreted and interpreted[0][1] == "提示" and "已按“基本满意”统计" in interpreted[0][8]
    assert sheet.row_dimensions[3].height >= 15 * 4  # the paragraph and its three notes are not cut


def test_an_interpreted_rating_is_a_hint_the_unit_sees(tmp_path):
    _ws, report, _rows, _ = _returned(tmp_path)
    (issue,) = [i for i in report.issues if i.code == "choice-interpreted"]
    assert issue.severity == HINT and issue.value == "比较满意" and issue.header == "满意度"
    assert "“比较满意”不是下拉选项，已按“基本满意”统计" in issue.message
    cell = openpyxl.load_workbook(report.markup_path)["问题清单"].cell(FIRST_DATA_ROW, col(PROBLEMS, "satisfaction"))
    assert cell.fill.fgColor.rgb == M.HINT_COLOR and "基本满意" in cell.comment.text


def test_returned_rows_are_as_tall_as_their_wrapped_text(tmp_path):
    from toolkit.text import row_height, wrapped_lines

    _ws, report, rows, _ = _returned(tmp_path)
    sheet = openpyxl.load_workbook(report.markup_path)["走访记录"]
    lines = wrapped_lines(rows["visits"][1]["content"], VISITS.column("content").width)
    assert lines > 2
    assert sheet.row_dimensions[FIRST_DATA_ROW + 1].height == pytest.approx(14.5 * lines + 4)
    for n, values in enumerate(rows["visits"]):  # every row: its tallest wrapped cell, or the default height
        expected = row_height((values.get(c.key), c.width) for c in VISITS.columns)
        assert sheet.row_dimensions[FIRST_DATA_ROW + n].height == expected, n
