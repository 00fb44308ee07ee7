"""汇总表.xlsx on paper: every sheet on A4, legible (8 points or more) without anyone touching its page
setup, wide sheets in bands with their key columns repeated, wrapped text with its row heights,
page headers and footers; the demo's workbook converted by LibreOffice and measured."""

from __future__ import annotations

import collections
import math
import re

import openpyxl
import pytest

from demo_workspace import demo_copy
from factories import scenario
from toolkit import api
from toolkit.api import merge_result
from toolkit.config import load_workspace
from toolkit.text import wrapped_lines

A4, A3 = 9, 8
PAPER = {A4: (842, 595), A3: (1191, 842)}  # long and short side in points
SIDE = 0.4 * 72  # left and right margins
POINTS_PER_XML_UNIT = 6.35  # a column as the widest program prints it (LibreOffice without Calibri's metrics)
SMALLEST = 8.0  # points on paper


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    sc = scenario()
    outcome = merge_result(sc.result, tmp_path_factory.mktemp("print"))
    return sc, outcome, openpyxl.load_workbook(outcome.workbook)


def _widths(ws) -> dict[int, float]:
    """1-based column → width as written (XlsxWriter groups equal columns in one <col>)."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.min:
            for c in range(dim.min, dim.max + 1):
                out[c] = dim.width
    return out


def _last_column(ws) -> int:
    return max(ws.max_column, max(_widths(ws), default=1))


def _points(widths: dict[int, float], columns) -> float:
    return sum(POINTS_PER_XML_UNIT * widths.get(c, 8.43) for c in columns)


def _title_columns(ws) -> list[int]:
    if not ws.print_title_cols:
        return []
    first, last = (openpyxl.utils.column_index_from_string(x) for x in ws.print_title_cols.replace("$", "").split(":"))
    return list(range(first, last + 1))


def test_every_sheet_is_set_up_for_a4_and_prints_at_8_points_or_more(workbook):
    _sc, _outcome, book = workbook
    for ws in book.worksheets:
        setup = ws.page_setup
        assert int(setup.paperSize) == (A3 if ws.title == "作战图" else A4), ws.title  # the board is a wall chart
        long, short = PAPER[int(setup.paperSize)]
        page = (long if setup.orientation == "landscape" else short) - 2 * SIDE
        widths = _widths(ws)
        columns = range(1, _last_column(ws) + 1)
        breaks = [b.id for b in ws.col_breaks.brk]
        if ws.sheet_properties.pageSetUpPr.fitToPage:
            # fitted to one page wide by the program, which then prints the text at 82 % or more
            assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), ws.title  # 1 is the default, left out
            assert not breaks
            assert _points(widths, columns) * 0.82 <= page + 1, ws.title
        else:
            # in bands: each band (its key columns repeated) one page wide at the fixed scale
            scale = int(setup.scale or 100)  # 100 is the default, left out
            assert 82 <= scale <= 100, ws.title
            keys = _title_columns(ws)
            starts = [1] + [b + 1 for b in breaks]
            ends = [b for b in breaks] + [columns[-1]]
            assert len(starts) >= 2, ws.title
            for first, last in zip(starts, ends):
                band = sorted(set(keys) | set(range(first, last + 1)))
                assert _points(widths, band) * scale / 100 <= page + 1, (ws.title, first, last)
            assert setup.pageOrder == "overThenDown", ws.title  # the bands of the same rows follow each other
        assert ws.print_title_rows, ws.title  # headers on every page


def test_every_sheet_has_a_page_header_and_footer(workbook):
    sc, _outcome, book = workbook
    for ws in book.worksheets:
        header = ws.oddHeader
        assert header.left.text == "&A"  # the sheet's name
        assert "大走访大调研汇总表" in header.center.text
        assert header.right.text == f"统计期：{sc.result.period.name}"
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_detail_sheets_print_in_bands_with_the_unit_and_id_on_every_band(workbook):
    _sc, _outcome, book = workbook
    for name, keys in (("走访记录", "$A:$B"), ("问题清单", "$A:$B"), ("任务清单", "$A:$B")):
        assert [book[name].cell(1, c).value for c in (1, 2)] == ["填报单位", "序号" if name == "走访记录" else "编号"]
        ws = book[name]
        assert ws.print_title_cols == keys, name
        assert ws.print_title_rows == "$1:$1"


def test_the_unit_statistics_print_as_走访_问题_任务_blocks(workbook):
    _sc, _outcome, book = workbook
    ws = book["分单位统计"]
    groups = [c.value for c in ws[3]]
    breaks = [b.id for b in ws.col_breaks.brk]  # the column before each new band
    starts = {groups[b] for b in breaks}
    assert starts <= {"问题办理", "任务推进"} and starts  # a band never starts inside a block
    assert ws.print_title_cols == "$A:$B"  # 单位 and 报送情况 on every band
    assert ws.print_title_rows == "$3:$4"


def test_wrapped_texts_have_their_row_heights(workbook):
    _sc, _outcome, book = workbook
    checked = collections.Counter()
    for name in ("走访记录", "问题清单", "任务清单", "红灯清单", "报送情况", "校验问题", "未汇总行", "说明"):
        ws = book[name]
        widths = _widths(ws)
        for row in ws.iter_rows(min_row=2):
            lines = 1
            for cell in row:
                if isinstance(cell.value, str) and cell.value and cell.alignment.wrap_text and \
                        not isinstance(cell, openpyxl.cell.cell.MergedCell) and cell.coordinate not in ws.merged_cells:
                    lines = max(lines, wrapped_lines(cell.value, widths.get(cell.column, 8.43) - 0.7109375))
            if lines > 1:
                height = ws.row_dimensions[row[0].row].height
                assert height is not None and height >= 14 * lines, (name, row[0].row, lines, height)
                checked[name] += 1
    assert checked["问题清单"] and checked["走访记录"] and checked["任务清单"]


def test_empty_lists_print_one_line_not_a_page_of_headers(tmp_path):
    sc = scenario()
    sc.result.rejected.clear()
    for f in sc.result.files:
        f.issues.clear()
    book = openpyxl.load_workbook(merge_result(sc.result, tmp_path).workbook)
    for name, note in (("未汇总行", "本次没有因错误而未汇总的行。"), ("校验问题", "本次校验没有发现错误或提示。")):
        rows = [[c for c in r if c is not None] for r in book[name].iter_rows(values_only=True)]
        assert [r for r in rows if r] == [[note]], name


# --- LibreOffice: the demo's 汇总表 on paper ---------------------------------------------------------


def _runs(page) -> list[tuple[float, str]]:
    """(size on paper in points, text) of every text run of a PDF page."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            runs.append((size * math.hypot(c, d), text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


@pytest.mark.libreoffice
def test_the_demo_workbook_prints_legibly_on_every_page_and_no_page_is_empty(tmp_path_factory, to_pdf):
    from pypdf import PdfReader

    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path_factory.mktemp("paper") / "demo"))
    api.merge_workspace(ws)
    book = openpyxl.load_workbook(ws.output_dir / "汇总表.xlsx", read_only=True)
    headers = set()
    for sheet in book.worksheets:  # every column title and group title: a page of these only is empty
        for row in sheet.iter_rows(min_row=1, max_row=4, values_only=True):
            headers |= {str(v) for v in row if v is not None}
    pdf = PdfReader(str(to_pdf(ws.output_dir / "汇总表.xlsx")))
    assert len(pdf.pages) <= 120
    sheets = collections.Counter()
    for n, page in enumerate(pdf.pages, start=1):
        runs = _runs(page)
        assert runs, n
        small = [(round(size, 1), text) for size, text in runs if size < SMALLEST - 0.05]
        assert not small, (n, small[:5])
        text = page.extract_text()
        lines = text.splitlines()
        sheet = lines[0].split()[0]  # the page header starts with the sheet's name
        sheets[sheet] += 1
        assert f"第 {n} 页 共 {len(pdf.pages)} 页" in text
        body = [line for line in lines if "大走访大调研汇总表" not in line and not re.fullmatch(r"第 \d+ 页 共 \d+ 页", line)]
        content = [w for line in body for w in line.split() if w not in headers]
        assert content, f"page {n} ({sheet}) holds nothing but headers"
    # every sheet printed, 分单位统计 in its blocks
    assert set(sheets) == {s.title for s in book.worksheets}
    assert sheets["分单位统计"] >= 2
