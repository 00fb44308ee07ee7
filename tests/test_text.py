"""toolkit.text: one measure of text width for 汇总表, the templates and the report."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from toolkit import templates
from toolkit.schema import FIRST_DATA_ROW, SURVEY, VISITS
from toolkit.text import display_width, em_width, is_wide, wrapped_lines


@pytest.mark.parametrize("ch", ["长", "，", "（", "１", "“", "”", "‘", "’", "—", "𠀀"])
def test_chinese_characters_and_punctuation_are_wide(ch):
    assert is_wide(ch)


@pytest.mark.parametrize("ch", ["a", "1", " ", "-", "(", "%", "é", "\n"])
def test_latin_digits_and_ascii_punctuation_are_narrow(ch):
    assert not is_wide(ch)


def test_display_width_counts_two_per_wide_and_1_1_per_narrow_character():
    assert display_width("") == 0
    assert display_width("汇总表") == 6
    assert display_width("2022年") == 4 * 1.1 + 2
    assert display_width("“红灯”") == 8  # curly quotes are full width in a Chinese font
    assert display_width("a" * 10) == 11  # exact: no float drift over many characters


def test_wrapped_lines_in_a_column():
    # a column 10 wide holds 9 units a line
    assert wrapped_lines("", 10) == 1
    assert wrapped_lines("长" * 4, 10) == 1  # 8 units
    assert wrapped_lines("长" * 5, 10) == 2  # 10 units
    assert wrapped_lines("a" * 8, 10) == 1  # 8.8 units
    assert wrapped_lines("a" * 9, 10) == 2  # 9.9 units: a line and a bit
    assert wrapped_lines("一\n二\n\n三", 10) == 4  # each line break starts a line, an empty line too
    assert wrapped_lines("长" * 100, 1) == 200  # a line holds at least one unit


def test_em_width_for_the_report():
    assert em_width("情况汇报") == 4
    assert em_width("abcd") == 2
    assert em_width("2022年4月") == 4 * 0.5 + 0.25 + 1 + 0.25 + 0.5 + 0.25 + 1  # quarter em at each change
    assert em_width("第 2 季度") == 1 + 0.5 + 0.5 + 0.5 + 0.25 + 2  # no quarter em before a space
    assert em_width("“提质增效”") == 6


def test_template_rows_are_as_tall_as_their_wrapped_text(tmp_path):
    content = VISITS.column("content")
    short, long_text = "走访了解情况", "群众反映" * 40
    assert wrapped_lines(short, content.width) == 1 < wrapped_lines(long_text, content.width)
    row = {"seq": 1, "visit_date": date(2022, 2, 8), "leader": "王", "visitors": "李", "participants": 2,
           "method": "入户走访", "object_type": "企业", "object_name": "某公司"}
    wb = templates.build_workbook(SURVEY, unit="办公室", prepared_rows=5)
    templates.fill_rows(wb, "visits", [dict(row, content=short), dict(row, seq=2, content=long_text)])
    buf = io.BytesIO()
    wb.save(buf)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))[VISITS.name]
    first, second = ws.row_dimensions[FIRST_DATA_ROW].height, ws.row_dimensions[FIRST_DATA_ROW + 1].height
    assert second is not None and second > (first or 15)


# --- terminal columns (the console) ---------------------------------------------------------------

from toolkit.text import NO_LINE_END, NO_LINE_START, cells, fit_cells, wrap_cells  # noqa: E402


def test_terminal_cells_count_two_per_wide_character():
    assert cells("汇总表.xlsx") == 6 + 5
    assert cells("“提示”…") == 10  # quotes and ellipsis are full width on a Chinese console: never counted short
    assert cells("") == 0


def test_wrapped_terminal_lines_keep_chinese_punctuation_with_its_text():
    text = "“走访记录”表第4行N列（当场解决数）：当场解决数不能大于发现问题数：“当场解决数”为2，“发现问题数”为0。请核对后改正。"
    for width in range(8, 80):
        lines = wrap_cells(text, width)
        assert "".join(lines) == text  # nothing lost, nothing added
        assert all(cells(line) <= width for line in lines)
        assert not [line for line in lines[1:] if line[:1] in NO_LINE_START]
        assert not [line for line in lines[:-1] if line[-1:] in NO_LINE_END]
        assert not [line for line in lines[1:] if line.startswith(("行", "列"))]  # 第4行, N列 stay whole


def test_wrapped_terminal_lines_do_not_split_dates_numbers_or_file_names():
    lines = wrap_cells("请写成 2022-04-29 或 2022年4月29日 的格式，电话 0531-12345678。", 14)
    for whole in ("2022-04-29", "2022年4月29日", "0531-12345678"):
        assert any(whole in line for line in lines), (whole, lines)
    # a path longer than a line is cut after a folder separator
    lines = wrap_cells("见 /home/clerk/workspace/2022Q2/returns/unit-ledger-returned.xlsx", 30)
    assert lines[0] == "见" and lines[1].endswith("/") and all(cells(line) <= 30 for line in lines)
    assert wrap_cells("一\n\n二", 10) == ["一", "", "二"]
    assert wrap_cells("甲乙丙丁", 4, first=2) == ["甲", "乙丙", "丁"]


def test_fit_cells_keeps_both_ends_of_a_long_name():
    name = "0705微信/公服科第二季度大走访台账（报送）"
    short = fit_cells(name, 24)
    assert cells(short) <= 24 and short.startswith("0705微信/") and short.endswith("（报送）") and "…" in short
    assert fit_cells("办公室", 24) == "办公室"
