"""toolkit.xlsx_fast: generated detail rows read back with openpyxl, python-calamine and LibreOffice."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from factories import scenario
from toolkit import schema as S
from toolkit import summary_xlsx
from toolkit import xlsx_fast as F
from toolkit.api import merge_result
from toolkit.merge import add_computed_columns
from toolkit.model import META_FILE, META_NOTES
from toolkit.schema import COMPUTED_COLUMNS, UNIT_KEY

TEXTS = [
    "=1+1", "=HYPERLINK(\"http://example.com\",\"x\")", "+86 138", "@SUM(A1:A2)", "a & b < c > d \"q\" 'p'",
    "  两端空格  ", "\u3000全角空格", "ctl\x01\x07\x1fend", "literal _x0041_ stays", "𠀀𠀁 astral 😀",
    "line1\nline2\tTab", "</t></is></c><c>injection", None, "", "普通文本",
]
INTS = [1, None, -7, 0, 123456789, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
NUMBERS = [0.1 + 0.2, None, 1e20, 2.5, -0.0, 123456789.123456789, 1 / 3, 7.0, 1e-7, 5.0, 6.0, 7.5, 8.0, 9.0, 10.0]
PERCENTS = [12.3, 100.0, None, 0.0, 33.333333333333336, 50, 1, 2, 3, 4, 5, 6, 7, 8, 9]
DATES = [datetime(2022, 3, 5), None, datetime(2022, 3, 5, 13, 30), datetime(1900, 2, 10), datetime(1900, 3, 1),
         datetime(2099, 12, 31), datetime(2022, 1, 1), datetime(2022, 1, 2), datetime(2022, 1, 3),
         datetime(2022, 1, 4), datetime(2022, 1, 5), datetime(2022, 1, 6), datetime(2022, 1, 7),
         datetime(2022, 1, 8), datetime(2022, 1, 9)]
LIGHTS = ["红", "黄", "绿", None, "红", "绿", "黄", "绿", "绿", "红", "绿", "绿", "绿", "绿", "绿"]
FILLS = {"红": "FFF8696B", "黄": "FFFFEB84", "绿": "FF63BE7B"}
HEADERS = ["文本", "整数", "数值", "比例", "日期", "亮灯"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "text": pd.Series(TEXTS, dtype=object),
        "int": pd.array(INTS, dtype="Int64"),
        "number": pd.array(NUMBERS, dtype="Float64"),
        "percent": pd.array(PERCENTS, dtype="Float64"),
        "date": pd.Series(DATES, dtype="datetime64[ns]"),
        "light": pd.Series(LIGHTS, dtype=object),
    })


def _write(path, df: pd.DataFrame, chunk: int = 4, shared: bool = True) -> None:
    """One sheet: XlsxWriter writes header + formats, xlsx_fast the rows (as summary_xlsx does).

    ``shared``: text cells in a shared-string table (as 汇总表 does), else inline strings.
    """
    strings = F.SharedStrings() if shared else None
    package = io.BytesIO()
    wb = xlsxwriter.Workbook(package, {"constant_memory": True})
    ws = wb.add_worksheet("明细")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    text = wb.add_format({"font_name": "宋体"})
    columns = [
        F.Column(F.TEXT, F.style_id(text)),
        F.Column(F.INT, F.style_id(wb.add_format({"num_format": "0"}))),
        F.Column(F.NUMBER, F.style_id(wb.add_format({"num_format": "General"}))),
        F.Column(F.PERCENT, F.style_id(wb.add_format({"num_format": "0.0%"}))),
        F.Column(F.DATE, F.style_id(wb.add_format({"num_format": "yyyy-mm-dd"}))),
        F.Column(F.TEXT, F.style_id(text),
                 {k: F.style_id(wb.add_format({"bg_color": "#" + v[2:]})) for k, v in FILLS.items()}),
    ]
    wb.close()

    def chunks():
        for start in range(0, len(df), chunk):
            part = df.iloc[start:start + chunk]
            yield F.rows_xml([(part[k], col) for k, col in zip(df.columns, columns)], first_row=start + 2,
                             strings=strings)

    F.splice(package.getvalue(), path, {"明细": F.SheetRows(chunks(), last_row=len(df) + 1, last_col=5)},
             strings=strings)


def _expected_text(value):
    """What Excel, calamine and LibreOffice read back: the text (an empty one is no cell)."""
    return None if value in (None, "") else value


def _openpyxl_reads_of_xlsxwriter(path, shared: bool) -> list:
    """What openpyxl reads back for TEXTS written by XlsxWriter itself (shared strings, or inline strings as in
    constant_memory mode). openpyxl does not decode the _xHHHH_ escapes that Excel and calamine decode; the
    generated cells must read back as XlsxWriter's own."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": not shared})
    ws = wb.add_worksheet("明细")
    for r, text in enumerate(TEXTS, start=1):
        if text:
            ws.write_string(r, 0, text)
    wb.close()
    rows = openpyxl.load_workbook(path)["明细"].iter_rows(min_row=2, max_row=len(TEXTS) + 1, max_col=1,
                                                        values_only=True)
    return [r[0] for r in rows]


MODES = pytest.mark.parametrize("shared", [True, False], ids=["shared", "inline"])


@MODES
def test_values_and_types_openpyxl(tmp_path, shared):
    path = tmp_path / "fast.xlsx"
    _write(path, _frame(), shared=shared)
    expected_texts = _openpyxl_reads_of_xlsxwriter(tmp_path / "reference.xlsx", shared)
    ws = openpyxl.load_workbook(path)["明细"]
    rows = list(ws.iter_rows(min_row=2))
    assert [c.value for c in ws[1]] == HEADERS
    assert len(rows) == len(TEXTS)
    for i, row in enumerate(rows):
        text, integer, number, percent, day, light = row
        assert text.value == expected_texts[i], i
        if text.value is not None:
            assert text.data_type == "s"  # "=1+1" stays text, never a formula
        assert integer.value == INTS[i] and (INTS[i] is None or integer.number_format == "0")
        if NUMBERS[i] is None:
            assert number.value is None
        else:
            assert number.data_type == "n" and number.value == pytest.approx(NUMBERS[i], rel=1e-15)
        if PERCENTS[i] is None:
            assert percent.value is None
        else:
            assert percent.value == pytest.approx(PERCENTS[i] / 100, rel=1e-15)
            assert percent.number_format == "0.0%"
        if DATES[i] is None:
            assert day.value is None
        else:
            assert isinstance(day.value, datetime) and day.number_format == "yyyy-mm-dd"
            assert day.value == DATES[i]
        assert light.value == LIGHTS[i]
        if LIGHTS[i]:
            assert light.fill.fgColor.rgb == FILLS[LIGHTS[i]]
    assert ws.calculate_dimension() == f"A1:F{len(TEXTS) + 1}"


@MODES
def test_values_and_types_calamine(tmp_path, shared):
    path = tmp_path / "fast.xlsx"
    _write(path, _frame(), shared=shared)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("明细").to_python()
    assert rows[0] == HEADERS
    assert len(rows) == len(TEXTS) + 1
    for i, row in enumerate(rows[1:]):
        assert row[0] == (TEXTS[i] or "")
        assert row[1] == ("" if INTS[i] is None else INTS[i])
        if NUMBERS[i] is not None:
            assert row[2] == pytest.approx(NUMBERS[i], rel=1e-15)
        if DATES[i] is not None:
            assert row[4] in (DATES[i], DATES[i].date())
            assert isinstance(row[4], (date, datetime))
        assert row[5] == (LIGHTS[i] or "")


@MODES
def test_same_cells_as_xlsxwriter(tmp_path, shared):
    """The generated cells read back exactly as XlsxWriter's own cells (shared strings, or inline strings
    as in constant_memory mode)."""
    df = _frame()
    fast = tmp_path / "fast.xlsx"
    _write(fast, df, shared=shared)
    slow = tmp_path / "slow.xlsx"
    wb = xlsxwriter.Workbook(str(slow), {"constant_memory": not shared})
    ws = wb.add_worksheet("明细")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    for r, values in enumerate(zip(TEXTS, INTS, NUMBERS, PERCENTS, DATES, LIGHTS), start=1):
        text, integer, number, percent, day, light = values
        if text:
            ws.write_string(r, 0, text)
        if integer is not None:
            ws.write_number(r, 1, integer)
        if number is not None:
            ws.write_number(r, 2, number)
        if percent is not None:
            ws.write_number(r, 3, percent / 100)
        if day is not None:
            ws.write_datetime(r, 4, day, wb.add_format({"num_format": "yyyy-mm-dd"}))
        if light:
            ws.write_string(r, 5, light)
    wb.close()
    a = CalamineWorkbook.from_path(str(fast)).get_sheet_by_name("明细").to_python()
    b = CalamineWorkbook.from_path(str(slow)).get_sheet_by_name("明细").to_python()
    assert a == b
    oa = [[c.value for c in r] for r in openpyxl.load_workbook(fast)["明细"].iter_rows()]
    ob = [[c.value for c in r] for r in openpyxl.load_workbook(slow)["明细"].iter_rows()]
    assert oa == ob


@MODES
def test_chunks_keep_order(tmp_path, shared):
    df = pd.concat([_frame()] * 7, ignore_index=True)
    df["int"] = pd.array(range(len(df)), dtype="Int64")
    path = tmp_path / "fast.xlsx"
    _write(path, df, chunk=10, shared=shared)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("明细").to_python()
    assert [r[1] for r in rows[1:]] == list(range(len(df)))
    assert [r[0] for r in rows[1:]] == [t or "" for t in TEXTS] * 7


@MODES
def test_package_is_a_valid_zip(tmp_path, shared):
    path = tmp_path / "fast.xlsx"
    _write(path, _frame(), shared=shared)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        sheet = z.read(F.sheet_parts(z)["明细"]).decode("utf-8")
        texts = z.read("xl/sharedStrings.xml").decode("utf-8") if shared else sheet
        assert ("xl/sharedStrings.xml" in z.namelist()) == shared
        if shared:
            assert "sharedStrings" in z.read("[Content_Types].xml").decode()
            assert "sharedStrings.xml" in z.read("xl/_rels/workbook.xml.rels").decode()
    assert sheet.count("<sheetData>") == 1 and sheet.endswith("</worksheet>")
    assert "<f>" not in sheet and ('t="s"' if shared else 't="inlineStr"') in sheet
    assert "_x005F_x0041_" in texts and "_x0001_" in texts  # escaped as XlsxWriter escapes them
    assert "&lt;/t&gt;&lt;/is&gt;" in texts  # markup in a text stays text


def test_column_letters():
    assert [F.column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702, 16383)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]


@pytest.mark.libreoffice
@MODES
def test_libreoffice_reads_generated_rows(tmp_path, to_pdf, shared):
    path = tmp_path / "fast.xlsx"
    _write(path, _frame(), shared=shared)
    assert to_pdf(path).stat().st_size > 0
    # LibreOffice re-saves the workbook: every value and type must have survived its parser.
    resaved = to_pdf(path, "xlsx:Calc MS Excel 2007 XML")
    ws = openpyxl.load_workbook(resaved)["明细"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(TEXTS)
    for i, row in enumerate(rows):
        # LibreOffice decodes the escapes; its own xlsx export writes control characters as _xhhhh_ again
        expected = _expected_text(TEXTS[i])
        if expected:
            expected = re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group()):04x}_", expected)
        assert row[0] == expected, i
        assert row[1] == INTS[i]
        if NUMBERS[i] is not None:
            assert row[2] == pytest.approx(NUMBERS[i], rel=1e-14)
        if DATES[i] is not None:
            assert row[4] == DATES[i]
        assert row[5] == LIGHTS[i]


# ---------------------------------------------------------------------------
# 汇总表: detail sheets written through xlsx_fast
# ---------------------------------------------------------------------------


def _detail_expectation(sc):
    details = add_computed_columns(sc.result.tables, sc.result.as_of, sc.result.units, period=sc.result.period)
    return details


def test_detail_sheets_match_tables(tmp_path):
    sc = scenario()
    sc.result.tables["tasks"].loc[0, "name"] = "=1+1"
    outcome = merge_result(sc.result, tmp_path)
    details = _detail_expectation(sc)
    book = openpyxl.load_workbook(outcome.workbook)
    cal = CalamineWorkbook.from_path(str(outcome.workbook))
    for key, sheet in S.SHEETS.items():
        # the sheet's columns: 填报单位, the schema's columns, the computed ones, 来源文件, 校验提示
        cols = [(UNIT_KEY, "填报单位", "text"), *((c.key, c.header, c.kind) for c in sheet.columns),
                *((c.key, c.header, c.kind) for c in COMPUTED_COLUMNS[key]),
                (META_FILE, "来源文件", "text"), (META_NOTES, "校验提示", "text")]
        df = details[key]
        ws = book[sheet.name]
        assert [c.value for c in ws[1]] == [header for _, header, _ in cols]
        rows = list(ws.iter_rows(min_row=2))
        crows = cal.get_sheet_by_name(sheet.name).to_python()[1:]
        assert len(rows) == len(crows) == len(df)
        for c, (col, header, kind) in enumerate(cols):
            values = df[col].tolist() if col in df.columns else [None] * len(df)
            for r, value in enumerate(values):
                cell = rows[r][c]
                if value is None or value is pd.NA or value is pd.NaT or value == "" or (
                        isinstance(value, float) and value != value):
                    assert cell.value is None, (sheet.name, header, r)
                    continue
                if kind == "date":
                    assert isinstance(cell.value, datetime) and cell.value == pd.Timestamp(value).to_pydatetime()
                    assert isinstance(crows[r][c], (date, datetime))
                elif kind == "int":
                    assert cell.data_type == "n" and cell.value == int(value)
                elif kind == "number":
                    assert cell.data_type == "n" and cell.value == pytest.approx(float(value))
                elif kind == "percent":
                    assert cell.data_type == "n" and cell.value == pytest.approx(float(value) / 100)
                else:
                    assert cell.data_type == "s" and cell.value == str(value), (sheet.name, header, r)
                    assert crows[r][c] == str(value)
                    if kind == "light":
                        assert cell.fill.fgColor.rgb.upper().endswith(summary_xlsx.LIGHT_FILLS[value][1:])
    names = [c.value for c in book["任务清单"][2]]
    assert "=1+1" in names


def test_detail_split_at_row_limit(tmp_path, monkeypatch):
    sc = scenario()
    monkeypatch.setattr(summary_xlsx, "MAX_DATA_ROWS", 25)
    monkeypatch.setattr(summary_xlsx, "DETAIL_CHUNK", 6)
    outcome = merge_result(sc.result, tmp_path)
    details = _detail_expectation(sc)
    cal = CalamineWorkbook.from_path(str(outcome.workbook))
    book = openpyxl.load_workbook(outcome.workbook, read_only=True)
    for key, sheet in S.SHEETS.items():
        parts = [n for n in cal.sheet_names if n == sheet.name or n.startswith(sheet.name + "(")]
        assert len(parts) == max(1, -(-len(details[key]) // 25))
        ids = []
        header = ["填报单位", *sheet.headers, *(c[1] for c in COMPUTED_COLUMNS[key]), "来源文件", "校验提示"]
        for name in parts:
            rows = cal.get_sheet_by_name(name).to_python()
            assert rows[0] == header
            assert 1 <= len(rows) - 1 <= 25
            ids += [r[header.index("序号")] for r in rows[1:]]
            assert book[name].max_row == len(rows)
        assert ids == ["" if pd.isna(x) else int(x) for x in details[key]["seq"]]


def test_non_finite_numbers_leave_the_cell_out(tmp_path):
    df = pd.DataFrame({"text": ["a", "b", "c"], "int": pd.array([1, 2, 3], dtype="Int64"),
                       "number": [float("nan"), float("inf"), 2.5], "percent": [float("-inf"), 50.0, None],
                       "date": pd.Series([None, None, None], dtype="datetime64[ns]"), "light": ["红", "黄", "绿"]})
    path = tmp_path / "fast.xlsx"
    _write(path, df)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)["明细"].iter_rows(min_row=2)]
    assert [r[2] for r in rows] == [None, None, 2.5]
    assert [r[3] for r in rows] == [None, 0.5, None]
    with zipfile.ZipFile(path) as z:
        sheet = z.read(F.sheet_parts(z)["明细"]).decode()
    assert "<v>NAN" not in sheet.upper() and "<v>INF" not in sheet.upper() and "<v>-INF" not in sheet.upper()


# ---------------------------------------------------------------------------
# Prefetch: rows generated in a thread while the workbook is written
# ---------------------------------------------------------------------------


def _numbered(name: str, n: int, log: list):
    for i in range(n):
        log.append((name, i))
        yield f"<{name}{i}>".encode()


def _within(seconds: float, fn):
    """fn() in a thread; fails instead of hanging the suite when fn does not return in time."""
    import threading

    out: dict = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    if "error" in out:
        raise out["error"]
    return out.get("value")


@pytest.mark.parametrize("limit", [1, 10, 1 << 20])
def test_prefetch_yields_every_chunk_of_every_sheet_in_order(limit):
    log: list = []
    prefetch = F.Prefetch(limit=limit)
    a = prefetch.add(F.SheetRows(_numbered("a", 50, log), last_row=51, last_col=3))
    b = prefetch.add(F.SheetRows(_numbered("b", 30, log), last_row=31, last_col=2))
    prefetch.close()
    assert (a.last_row, a.last_col, b.last_row, b.last_col) == (51, 3, 31, 2)
    assert _within(10, lambda: list(a.chunks)) == [f"<a{i}>".encode() for i in range(50)]
    assert _within(10, lambda: list(b.chunks)) == [f"<b{i}>".encode() for i in range(30)]
    _within(10, prefetch.stop)
    assert log == [("a", i) for i in range(50)] + [("b", i) for i in range(30)]  # each generated once, in order


def test_prefetch_generates_ahead_only_up_to_its_limit():
    import time

    log: list = []
    prefetch = F.Prefetch(limit=20)  # each chunk is 4-5 bytes: about five chunks ahead
    rows = prefetch.add(F.SheetRows(_numbered("a", 100, log), last_row=101, last_col=0))
    prefetch.close()
    time.sleep(0.3)
    assert 0 < len(log) <= 6
    assert len(_within(10, lambda: list(rows.chunks))) == 100
    _within(10, prefetch.stop)


def _failing():
    yield b"<row/>"
    raise ValueError("第二块出错")


def test_a_generation_error_is_raised_where_the_rows_are_read():
    prefetch = F.Prefetch()
    rows = prefetch.add(F.SheetRows(_failing(), last_row=2, last_col=0))
    later = prefetch.add(F.SheetRows(iter([b"<x/>"]), last_row=2, last_col=0))
    prefetch.close()
    chunks = iter(rows.chunks)
    assert _within(10, lambda: next(chunks)) == b"<row/>"
    with pytest.raises(ValueError, match="第二块出错"):
        _within(10, lambda: next(chunks))
    with pytest.raises(ValueError):
        _within(10, lambda: list(later.chunks))  # the thread stopped at the error
    _within(10, prefetch.stop)


def test_stop_ends_a_prefetch_whose_rows_are_never_read():
    import threading

    log: list = []
    prefetch = F.Prefetch(limit=10)
    rows = prefetch.add(F.SheetRows(_numbered("a", 10_000, log), last_row=2, last_col=0))
    _within(10, prefetch.stop)  # e.g. XlsxWriter failed before the package was spliced
    assert not any(t.name == "toolkit-xlsx-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(log) < 10_000
    with pytest.raises(RuntimeError, match="stop"):  # reading on after stop() fails, it does not hang
        _within(10, lambda: list(rows.chunks))


def test_the_lines_of_a_whole_column_are_those_of_text_wrapped_lines():
    import random

    import pandas as pd

    from toolkit.text import wrapped_lines
    from toolkit.xlsx_fast import row_heights, text_lines

    rng = random.Random(4)
    alphabet = "问题描述，。“”—abc 123-/.xlsx"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90))) for _ in range(300)]
    values += ["第一行\n第二行很长很长很长很长很长很长", "", None, "已更换路灯12盏"]
    series = pd.Series(values, dtype=object)
    for width in (5, 8, 10, 14, 22, 24, 40):
        got = text_lines(series, width).to_pylist()
        assert got == [wrapped_lines(v, width) if v else 1 for v in values], width
    heights = row_heights([(series, 10), (pd.Series(["短"] * len(values)), 6), (None, 30)], 14.0).to_pylist()
    assert heights[-4] == 14.0 * wrapped_lines(values[-4], 10) + 4  # the tallest wrapped cell of the row
    assert heights[-2] is None  # an empty cell, a short one: the default height
    assert row_heights([(pd.Series(["短", None]), 10)], 14.0) is None  # nothing wraps: no heights at all
