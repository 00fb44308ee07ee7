"""汇总表 across periods (issue 13): the 作战图 (months, planned span, progress, ✓, ⚑, headings, A3 print
setup), the 趋势 sheet and its charts, a column per recorded period in the item detail sheets, all read
back with openpyxl from the third quarter of ``tests/campaign.py``; LibreOffice converts the workbook."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import openpyxl
import pytest

import campaign as C
from conftest import require

PLANNED_FILL = "FFDDEBF7"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    ws = C.build(tmp_path_factory.mktemp("campaign") / "ws")
    return C.merged(ws)[1]


@pytest.fixture(scope="module")
def book(out):
    return openpyxl.load_workbook(out.workbook)


def _board(book):
    sheet = book["作战图"]
    header = [c.value for c in sheet[4]]
    lines = {}
    for row in sheet.iter_rows(min_row=5):
        if row[0].value:
            lines[row[0].value] = row
    return sheet, header, lines


def _months(header):
    return {h: n for n, h in enumerate(header) if isinstance(h, str) and h.endswith("月")}


def test_board_has_a_month_column_from_the_first_period_to_the_latest_deadline(book):
    sheet, header, _ = _board(book)
    assert header[:5] == ["编号", "任务名称", "责任单位", "牵头领导", "完成时限"]
    assert header[-4:] == ["完成进度", "序时进度", "进度评价", "亮灯"]
    assert list(_months(header)) == [f"{m}月" for m in range(1, 13)]  # 2022-01 … 2022-12 (latest 完成时限)
    assert sheet.cell(3, 6).value == "2022年"


def test_board_cells_of_known_tasks(book):
    """Progress of each recorded period in its last month, ✓ when done, ⚑ the month it went overdue."""
    _, header, lines = _board(book)
    months = _months(header)

    def cells(ident):
        row = lines[ident]
        return {m: row[n].value for m, n in months.items() if row[n].value is not None}

    # 30% → 40% → 40%, due 2022-09-30, not done at 2022-10-10: ⚑ in October
    assert cells("01-2022Q1-T003") == {"3月": "30%", "6月": "40%", "9月": "40%", "10月": "⚑"}
    # listed in Q2 (2022-04-01 → 06-15), 60% and 红 at the end of Q2: ⚑ in June; moved as 延期, 75% now
    assert cells("01-2022Q2-T004") == {"6月": "⚑60%", "9月": "75%"}
    # completed in Q1, taken up again in Q2 (90%), completed again in Q3
    assert cells("01-2022Q1-T001") == {"3月": "✓", "6月": "90%", "9月": "✓"}
    assert cells("01-2022Q1-T002") == {"3月": "50%", "6月": "80%", "9月": "✓"}
    assert cells("02-2022Q1-T002") == {"3月": "50%", "6月": "50%", "9月": "50%", "10月": "⚑"}  # 未更新 in Q3
    row = lines["01-2022Q1-T003"]
    at = {h: n for n, h in enumerate(header)}
    assert row[at["完成时限"]].value.date().isoformat() == "2022-09-30"
    assert row[at["进度评价"]].value == "欠进度" and row[at["亮灯"]].value == "红"
    assert row[at["完成进度"]].value == pytest.approx(0.4) and row[at["序时进度"]].value == pytest.approx(1.0)
    late = lines["01-2022Q2-T005"]
    assert late[at["序时进度"]].value == pytest.approx(0.701) and late[at["进度评价"]].value == "欠进度"
    assert lines["01-2022Q2-T004"][at["亮灯"]].value == "黄"  # 红 in Q2, on track in Q3


def test_board_shades_the_planned_span_and_marks_flags_and_ticks(book):
    _, header, lines = _board(book)
    months = _months(header)

    def planned(ident):
        return [m for m, n in months.items() if lines[ident][n].fill.fgColor.rgb == PLANNED_FILL]

    assert planned("01-2022Q1-T003") == [f"{m}月" for m in range(1, 10)]  # 2022-01-10 → 2022-09-30
    assert planned("01-2022Q2-T004") == [f"{m}月" for m in range(4, 13)]  # 2022-04-01 → 12-31 (moved)
    assert planned("01-2022Q1-T004") == [f"{m}月" for m in range(1, 13)]  # no 开始日期: from its first period
    assert planned("01-2022Q2-T005") == [f"{m}月" for m in range(4, 13)]  # no 开始日期, listed in Q2
    flag = lines["01-2022Q1-T003"][months["10月"]]
    assert flag.font.b and flag.font.color.rgb == "FF000000"
    tick = lines["01-2022Q1-T002"][months["9月"]]
    assert tick.font.b and tick.font.color.rgb == "FF00B050"


def test_board_groups_tasks_by_list_type_then_unit(book):
    sheet = book["作战图"]
    first = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1)]
    assert first == [
        "重点任务（9项）", "办公室（5项）", "01-2022Q1-T002", "01-2022Q1-T003", "01-2022Q2-T004", "01-2022Q2-T005",
        "01-2022Q1-T001", "党建办（2项）", "02-2022Q1-T002", "02-2022Q1-T003", "财务科（2项）", "03-2022Q1-T002",
        "03-2022Q1-T003", "问题整改（3项）", "办公室（1项）", "01-2022Q1-T004", "党建办（1项）", "02-2022Q1-T004",
        "财务科（1项）", "03-2022Q1-T004"]
    assert sheet.cell(5, 1).font.b and sheet.cell(5, 1).fill.fgColor.rgb == "FFBDD7EE"


def test_board_prints_on_a3_landscape_with_its_first_columns_repeated(book):
    sheet = book["作战图"]
    assert sheet.page_setup.paperSize == 8 and sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_cols == "$A:$E" and sheet.print_title_rows == "$3:$4"
    assert sheet.freeze_panes == "F5"


def test_trend_sheet_rows_and_charts(book, out):
    sheet = book["趋势"]
    header = [c.value for c in sheet[4]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=5, max_row=4 + len(out.figures["trend"]))]
    assert [r[0] for r in rows] == ["2022年第一季度", "2022年第二季度", "2022年第三季度（本期）"]
    at = {h: n for n, h in enumerate(header)}
    for row, entry in zip(rows, out.figures["trend"]):
        assert row[at["走访次数"]] == entry["visits"] and row[at["累计走访"]] == entry["visits_cumulative"]
        assert row[at["问题数"]] == entry["problems"] and row[at["办结数"]] == entry["problems_closed"]
        assert row[at["办结率"]] == pytest.approx(entry["closure_rate"] / 100)
        assert row[at["欠进度"]] == entry["tasks_behind"] and row[at["已完成"]] == entry["tasks_completed"]
        assert row[at["平均进度"]] == pytest.approx(entry["average_progress"] / 100)
    with zipfile.ZipFile(out.workbook) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    on_trend = [c for c in charts if "趋势" in c]
    assert len(on_trend) == 2
    assert any("<c:barChart>" in c and "<c:lineChart>" in c for c in on_trend)  # visits and the cumulative line
    assert any("$H$5:$H$7" in c for c in on_trend)  # 办结率 over the three periods


def test_item_sheets_show_the_state_in_each_recorded_period(book):
    for sheet_name, ident, expected in (
            ("问题清单", "01-2022Q1-P003", {"2022年第一季度状态": "办理中", "2022年第二季度状态": "已办结"}),
            ("问题清单", "01-2022Q2-P004", {"2022年第一季度状态": None, "2022年第二季度状态": "办理中"}),
            ("任务清单", "01-2022Q1-T001", {"2022年第一季度进度": "已完成 100%", "2022年第二季度进度": "推进中 90%"}),
            ("任务清单", "03-2022Q1-T003", {"2022年第一季度进度": "推进中 30%", "2022年第二季度进度": "推进中 30%"})):
        rows = list(book[sheet_name].iter_rows(values_only=True))
        header = rows[0]
        row = next(r for r in rows[1:] if r[header.index("编号")] == ident)
        assert {h: row[header.index(h)] for h in expected} == expected
        assert header.index("本期情况") < header.index(next(iter(expected))) < header.index("来源文件")


@pytest.mark.libreoffice
def test_libreoffice_converts_the_workbook_with_trend_and_board(out, to_pdf, pdf_text, tmp_path):
    pdf = to_pdf(out.workbook)
    text = pdf_text(pdf)
    assert "趋势（各期对比）" in text and "作战图（任务推进）" in text
    assert "01-2022Q2-T004" in text and "欠进度" in text
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    from pypdf import PdfReader

    pages = [n + 1 for n, page in enumerate(PdfReader(str(pdf)).pages)
             if any(t in (page.extract_text() or "") for t in ("趋势（各期对比）", "作战图（任务推进）"))]
    assert len(pages) >= 2
    for page in pages:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), str(pdf),
                        str(tmp_path / f"page{page}")], check=True, capture_output=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == len(pages) and all(p.stat().st_size > 5_000 for p in pngs)
