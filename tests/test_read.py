"""The reader on real files: the messy corpus (tests/messy.py), one behaviour per test."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

import messy
from toolkit.model import UNKNOWN_UNIT
from toolkit.read import find_files, read_file
from toolkit.schema import SCHEMA_VERSION


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> messy.Corpus:
    return messy.build_corpus(tmp_path_factory.mktemp("corpus") / "收集文件")


def _read(corpus, case):
    return read_file(corpus.files[case], corpus.root, units=messy.UNITS, period=messy.PERIOD)


def _codes(fd):
    return [i.code for i in fd.issues]


def _sheet(fd, key):
    return next(s for s in fd.sheets if s.sheet_key == key)


def _row(sheet, excel_row):
    return next(r for r in sheet.rows if r.row == excel_row)


# --- finding files -----------------------------------------------------------


def test_find_files_is_recursive_sorted_and_explains_ignored(corpus):
    files, ignored = find_files(corpus.root)
    rels = [p.relative_to(corpus.root).as_posix() for p in files]
    assert rels == sorted(rels)
    assert messy.MESSY in rels and messy.NOT_CONFIGURED in rels  # in sub-folders
    assert messy.LOCK not in rels
    reasons = dict(ignored)
    assert "锁定文件" in reasons[messy.LOCK]
    assert "不是Excel表格" in reasons[messy.TEXT]
    assert find_files(corpus.root) == (files, ignored)  # deterministic


# --- unreadable files --------------------------------------------------------


@pytest.mark.parametrize("case, code", [
    ("encrypted", "file-encrypted"), ("docx", "file-not-excel"), ("empty", "file-empty"),
    ("other", "unknown-template"), ("corrupt", "file-corrupt"),
])
def test_unreadable_files_give_one_clear_issue(corpus, case, code):
    fd = _read(corpus, case)
    assert not fd.readable
    assert fd.sheets == []
    assert _codes(fd) == [code]
    issue = fd.issues[0]
    assert issue.severity == "错误"
    assert issue.file == corpus.rel(case)
    assert corpus.rel(case) in issue.message


def test_docx_renamed_is_named_as_word(corpus):
    assert "Word文档" in _read(corpus, "docx").issues[0].message


def test_reader_never_raises_on_a_directory_or_missing_file(tmp_path):
    fd = read_file(tmp_path / "不存在.xlsx", tmp_path)
    assert not fd.readable and _codes(fd) == ["file-corrupt"]


# --- template, sheets, header ----------------------------------------------------


def test_template_identified_by_headers_without_metadata(corpus):
    fd = _read(corpus, "clean")
    assert fd.readable and fd.template_id == "survey" and fd.template_version is None
    assert [s.sheet_key for s in fd.sheets] == ["visits", "problems"]
    assert _sheet(fd, "visits").header_row == 3
    assert fd.issues == []


def test_template_metadata_of_a_real_template(corpus):
    fd = _read(corpus, "template")
    assert fd.template_id == "survey"
    assert fd.template_version == SCHEMA_VERSION
    assert (fd.unit, fd.unit_code, fd.unit_source) == ("城建科", "05", "metadata")
    assert fd.meta["填报人"] == "赵六"
    visits = _sheet(fd, "visits")
    assert visits.header_row == 3
    assert [r.row for r in visits.rows] == [4, 5]  # the 500 prepared rows are not data
    assert visits.rows[0].values["visit_date"] == dt.date(2022, 3, 1)


def test_renamed_sheet_moved_and_renamed_columns_found_by_header(corpus):
    fd = _read(corpus, "messy")
    visits = _sheet(fd, "visits")
    assert visits.sheet_name == "走访情况"
    assert visits.header_row == 4  # two title rows and a meta row above
    assert visits.columns["visit_date"] == 1  # 走访时间, column B
    assert visits.columns["object_name"] == 2
    assert visits.columns["participants"] == 7
    assert visits.extra_columns == {"走访照片": 12}
    extra = next(i for i in fd.issues if i.code == "column-extra")
    assert (extra.severity, extra.sheet, extra.row, extra.column, extra.header) == ("提示", "走访情况", 4, "M", "走访照片")
    assert _row(visits, 5).extra == {"走访照片": "有"}


def test_header_in_first_row_and_unit_unknown(corpus):
    fd = _read(corpus, "no_unit")
    assert _sheet(fd, "visits").header_row == 1
    assert fd.unit == UNKNOWN_UNIT and fd.unit_source == "unknown"
    assert "unit-unknown" in _codes(fd)
    assert "sheet-missing" in _codes(fd)


def test_missing_required_column_is_reported_once(corpus):
    fd = _read(corpus, "not_configured")
    missing = [i for i in fd.issues if i.code == "column-missing"]
    assert len(missing) == 1
    assert (missing[0].column_key, missing[0].header, missing[0].row) == ("visitors", "走访人员", 3)
    assert len(_sheet(fd, "visits").rows) == 2  # rows are still read (and counted)


# --- unit -------------------------------------------------------------------------


def test_unit_from_meta_cell_with_colon_in_same_cell(corpus):
    fd = _read(corpus, "messy")
    assert (fd.unit, fd.unit_code, fd.unit_source) == ("党建办", "02", "cell")
    assert fd.meta["填报人"] == "李四"
    assert fd.meta["联系电话"] == "0531-87654321"


def test_unit_from_label_and_next_cell(corpus):
    fd = _read(corpus, "clean")
    assert (fd.unit, fd.unit_code, fd.unit_source) == ("办公室", "01", "cell")
    assert fd.meta == {"填报人": "张三", "联系电话": "13800000000", "填报日期": "2022-04-01"}


def test_unit_not_in_list_is_reported_not_dropped(corpus):
    fd = _read(corpus, "not_configured")
    assert (fd.unit, fd.unit_code) == ("宣传部", "")
    issue = next(i for i in fd.issues if i.code == "unit-not-configured")
    assert issue.value == "宣传部" and issue.severity == "提示"


def test_unit_from_file_name(tmp_path):
    path = messy.write_book(tmp_path / "城建科报送.xlsx", [messy.SheetSpec("Sheet1", messy.VISITS, [messy.visit(1)])])
    fd = read_file(path, tmp_path, units=messy.UNITS)
    assert (fd.unit, fd.unit_code, fd.unit_source) == ("城建科", "05", "filename")
    fd = read_file(path, tmp_path)  # no units configured: the name cannot be trusted
    assert fd.unit == UNKNOWN_UNIT


def test_unit_close_match_suggested(tmp_path):
    path = messy.write_book(tmp_path / "a.xlsx", [messy.SheetSpec(
        "走访记录", messy.VISITS, [messy.visit(1)], top=messy.standard_top("t", "政策法规处"))])
    fd = read_file(path, tmp_path, units=messy.UNITS)
    issue = next(i for i in fd.issues if i.code == "unit-not-configured")
    assert "政策法规科" in issue.message


# --- values -------------------------------------------------------------------------


def test_values_as_read_not_yet_normalized(corpus):
    visits = _sheet(_read(corpus, "messy"), "visits")
    r5 = _row(visits, 5).values
    assert r5["visit_date"] == 44621
    assert r5["phone"] == 13812345678
    assert r5["participants"] == "3人"
    assert r5["method"] == "\u00a0入户走访 "
    assert _row(visits, 6).values["seq"] == "２"
    assert _row(visits, 12).values["visit_date"] in (dt.datetime(2022, 3, 8), dt.date(2022, 3, 8))


def test_vertically_merged_cells_filled_down(corpus):
    fd = _read(corpus, "messy")
    visits = _sheet(fd, "visits")
    assert _row(visits, 6).values["leader"] == "王建国"
    assert _row(visits, 7).values["leader"] == "王建国"
    merged = [i for i in fd.issues if i.code == "merged-cells"]
    assert [(i.row, i.column, i.header) for i in merged] == [(6, "F", "带队领导")]


def test_hidden_rows_are_read(corpus):
    assert _row(_sheet(_read(corpus, "messy"), "visits"), 8).values["seq"] == 4
    assert _row(_sheet(_read(corpus, "tasks"), "tasks"), 11).values["seq"] == 8


def test_text_starting_with_equals_is_text(corpus):
    assert _row(_sheet(_read(corpus, "messy"), "visits"), 7).values["content"] == "=了解情况，做好记录"


def test_formula_with_cached_value_is_read_as_value(corpus):
    fd = _read(corpus, "messy")
    assert _row(_sheet(fd, "visits"), 19).values["problems_found"] == 2
    assert not [i for i in fd.issues if i.code == "formula-no-value" and i.row == 19]


def test_formula_without_cached_value_is_an_issue_not_silently_empty(corpus):
    fd = _read(corpus, "messy")
    found = [(i.sheet, i.row, i.column, i.header, i.value) for i in fd.issues if i.code == "formula-no-value"]
    assert found == [("走访情况", 20, "L", "当场解决数", "=K20-1"), ("问题清单", 10, "J", "责任人", "=H10")]


def test_formula_without_value_is_shown_with_its_own_characters(tmp_path):
    import zipfile

    from toolkit import templates
    from toolkit.schema import SURVEY

    formula = '=HYPERLINK("http://example.com/?a=1&b=2","点击查看")'
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD)
    templates.fill_rows(wb, "visits", [messy.visit(1)])
    wb["走访记录"]["O4"] = formula  # 备注: a formula never calculated (no cached value)
    path = templates.save_workbook(wb, tmp_path / "办公室-大走访大调研台账.xlsx")
    with zipfile.ZipFile(path) as z:  # the sheet XML holds character references and entities
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"&#28857;&#20987;" in xml and b"&amp;b=2" in xml
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    found = [(i.sheet, i.row, i.column, i.value) for i in fd.issues if i.code == "formula-no-value"]
    assert found == [("走访记录", 4, "O", formula)]
    assert formula in next(i.message for i in fd.issues if i.code == "formula-no-value")


def test_total_and_footer_rows_skipped_and_listed(corpus):
    visits = _sheet(_read(corpus, "messy"), "visits")
    assert [(s.row, s.reason) for s in visits.skipped] == [(21, "合计行"), (23, "表尾说明行")]
    assert [r.row for r in visits.rows] == list(range(5, 21))


def test_thousands_of_formatted_empty_rows_are_not_data(corpus):
    fd = _read(corpus, "tasks")
    tasks = _sheet(fd, "tasks")
    assert [r.row for r in tasks.rows] == list(range(4, 13))
    assert tasks.skipped == []


def test_reading_does_not_modify_the_file(corpus):
    import hashlib

    path = corpus.files["messy"]
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns)
    _read(corpus, "messy")
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns) == before


# --- .xls (LibreOffice conversion) ------------------------------------------------------


@pytest.mark.libreoffice
def test_xls_saved_by_an_office_suite_is_read(corpus, tmp_path, to_pdf):
    src = tmp_path / "src" / "党建办-大走访大调研台账.xlsx"
    src.parent.mkdir()
    shutil.copy(corpus.files["clean"], src)
    xls = to_pdf(src, fmt="xls")
    assert xls.suffix == ".xls"
    fd = read_file(xls, xls.parent, units=messy.UNITS, period=messy.PERIOD)
    assert fd.readable, fd.issues
    assert fd.template_id == "survey"
    assert fd.unit == "办公室"
    visits = _sheet(fd, "visits")
    assert [r.row for r in visits.rows] == [4, 5, 6]
    first = visits.rows[0].values
    assert first["seq"] == 1
    assert first["visit_date"] in (dt.date(2022, 3, 1), dt.datetime(2022, 3, 1))


def test_second_copy_of_a_sheet_is_reported_not_silently_dropped(tmp_path):
    path = messy.write_book(tmp_path / "办公室.xlsx", [
        messy.SheetSpec("走访记录", messy.VISITS, [messy.visit(1)]),
        messy.SheetSpec("走访记录 (2)", messy.VISITS, [messy.visit(2)]),
        messy.SheetSpec("问题清单", messy.PROBLEMS, []),
    ])
    fd = read_file(path, tmp_path, units=messy.UNITS)
    assert [s.sheet_name for s in fd.sheets] == ["走访记录", "问题清单"]
    issue = next(i for i in fd.issues if i.code == "sheet-ignored")
    assert (issue.sheet, issue.severity) == ("走访记录 (2)", "提示")
    assert "只读取了“走访记录”表" in issue.message


def test_old_template_version_is_a_hint(corpus, tmp_path):
    import re
    import zipfile

    src = corpus.files["template"]
    dst = tmp_path / src.name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in ("xl/workbook.xml", "docProps/custom.xml"):
                text = data.decode("utf-8")
                text = re.sub(r'(name="toolkit_version"[^>]*>)"?[^<"]*"?(<)', r'\g<1>"0"\2', text)
                text = re.sub(r'(name="toolkit_version".*?<vt:lpwstr>)[^<]*', r"\g<1>0", text, flags=re.S)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    fd = read_file(dst, tmp_path, units=messy.UNITS)
    assert fd.template_version == "0"
    assert [i.code for i in fd.issues] == ["old-version"]
