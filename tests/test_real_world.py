"""Problems found in real submissions: one behaviour per test, each on a workbook built here."""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import messy
from toolkit import templates
from toolkit.read import read_file
from toolkit.schema import SURVEY, TASK_LEDGER
from toolkit.api import validate_collection
from toolkit.validate import validate_files


def _validate(tmp_path, *paths):
    files = [read_file(p, tmp_path, units=messy.UNITS, period=messy.PERIOD) for p in paths]
    return files, validate_files(files, root=tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)


def _codes(report, severity=None):
    return [i.code for i in report.issues if severity is None or i.severity == severity]


# --- 1. rows where only 序号 is filled -------------------------------------------------------


def test_prenumbered_seq_rows_are_empty_rows(tmp_path):
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD, prepared_rows=40)
    templates.fill_rows(wb, "visits", [messy.visit(1)])
    ws = wb["走访记录"]
    for n in range(2, 31):  # 序号 2..30 typed down the sheet, nothing else
        ws.cell(3 + n, 1, n)
    ws.cell(34, 1, "=ROW()-3")  # a formula 序号 without a cached value
    path = templates.save_workbook(wb, tmp_path / "办公室-大走访大调研台账.xlsx")
    files, result = _validate(tmp_path, path)
    visits = next(s for s in files[0].sheets if s.sheet_key == "visits")
    assert [r.row for r in visits.rows] == [4]
    assert visits.skipped == []  # skipped silently, as wholly empty rows
    f = result.files[0]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected, f.errors) == (1, 1, 0, 0)


def test_seq_only_row_inside_the_data_is_also_empty(tmp_path):
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec(
        "走访记录", messy.VISITS, [messy.visit(1), {"seq": 2}, messy.visit(3)], top=messy.standard_top("t", "办公室"))])
    files, result = _validate(tmp_path, path)
    assert [r.row for r in files[0].sheets[0].rows] == [4, 6]
    assert (result.files[0].rows_read, result.files[0].rows_rejected) == (2, 0)


def test_row_with_seq_and_one_value_is_still_data(tmp_path):
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec(
        "走访记录", messy.VISITS, [messy.visit(1), {"seq": 2, "leader": "王建国"}], top=messy.standard_top("t", "办公室"))])
    _files, result = _validate(tmp_path, path)
    assert (result.files[0].rows_read, result.files[0].rows_rejected) == (2, 1)


# --- 4. date spellings, "/" "无" "—" "-" in number columns ---------------------------------------


def test_real_world_dates_in_a_sheet(tmp_path):
    rows = [messy.visit(1, visit_date="2022年3月15号"), messy.visit(2, visit_date="2022.3.15."),
            messy.visit(3, visit_date="2022-3-15 "), messy.visit(4, visit_date="3.15")]
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec("走访记录", messy.VISITS, rows,
                                                                    top=messy.standard_top("t", "办公室"))])
    _files, result = _validate(tmp_path, path)
    assert _codes(result.files[0], "错误") == []
    assert list(result.tables["visits"]["visit_date"].dt.date) == [dt.date(2022, 3, 15)] * len(rows)


def test_placeholders_in_an_optional_number_column_are_empty(tmp_path):
    rows = [messy.task(n, result_value=v) for n, v in enumerate(["/", "无", "—", "-", "－"], start=1)]
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec("任务清单", messy.TASKS, rows,
                                                                    top=messy.standard_top("t", "办公室"))])
    _files, result = _validate(tmp_path, path)
    f = result.files[0]
    assert _codes(f, "错误") == [] and f.rows_accepted == len(rows)
    assert result.tables["tasks"]["result_value"].isna().all()
    assert result.tables["tasks"]["result_unit"].isna().all()  # no unit required for "nothing"


def test_placeholders_in_a_required_number_column_are_missing(tmp_path):
    rows = [messy.visit(1, participants="/"), messy.visit(2, problems_found="无"), messy.visit(3, solved_on_spot="—")]
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec("走访记录", messy.VISITS, rows,
                                                                    top=messy.standard_top("t", "办公室"))])
    _files, result = _validate(tmp_path, path)
    f = result.files[0]
    assert [(i.code, i.row, i.header) for i in f.issues if i.severity == "错误"] == [
        ("missing-value", 4, "参与人数"), ("missing-value", 5, "发现问题数")]
    assert (f.rows_accepted, f.rows_rejected) == (1, 2)


# --- 5. which of two submissions is newer -----------------------------------------------------


def _survey_file(path, saved, n_rows):
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD, prepared_rows=10)
    templates.fill_rows(wb, "visits", [messy.visit(n) for n in range(1, n_rows + 1)])
    return templates.save_workbook(wb, path, timestamp=saved)


def test_newer_submission_by_saved_time_not_download_time(tmp_path):
    # 第二版 was saved later in Excel, but downloaded from the mail first (older mtime).
    older = _survey_file(tmp_path / "办公室-台账-第一版.xlsx", dt.datetime(2022, 3, 20, 9, 0), 1)
    newer = _survey_file(tmp_path / "办公室-台账-第二版.xlsx", dt.datetime(2022, 3, 25, 9, 0), 2)
    os.utime(newer, (1_650_000_000, 1_650_000_000))
    os.utime(older, (1_650_100_000, 1_650_100_000))
    result = validate_collection(tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)
    status = {f.rel: (f.status, f.superseded_by) for f in result.files}
    assert status[older.name] == ("已被替代", newer.name)
    assert status[newer.name][0] != "已被替代"
    assert len(result.tables["visits"]) == 2


def test_newer_submission_falls_back_to_mtime_without_a_saved_time(tmp_path):
    # Workbooks straight from the toolkit carry its fixed stamp: no save time, so mtime decides.
    a = _survey_file(tmp_path / "办公室-a.xlsx", templates.FIXED_TIMESTAMP, 1)
    b = _survey_file(tmp_path / "办公室-b.xlsx", templates.FIXED_TIMESTAMP, 2)
    os.utime(a, (1_650_100_000, 1_650_100_000))
    os.utime(b, (1_650_000_000, 1_650_000_000))
    result = validate_collection(tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)
    assert [(f.rel, f.status) for f in result.files][1] == ("办公室-b.xlsx", "已被替代")
    assert read_file(a, tmp_path).modified == 1_650_100_000


def test_equal_save_times_are_decided_by_mtime_not_by_file_name(tmp_path):
    # Both saved within the same second (core properties have one-second resolution):
    # the file changed last wins, whatever the names sort to.
    same = dt.datetime(2022, 3, 25, 9, 0)
    first = _survey_file(tmp_path / "办公室报表（第一次）.xlsx", same, 1)
    second = _survey_file(tmp_path / "办公室-台账.xlsx", same, 2)
    os.utime(first, (1_650_000_000, 1_650_000_000))
    os.utime(second, (1_650_000_060, 1_650_000_060))
    result = validate_collection(tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)
    status = {f.rel: f.status for f in result.files}
    assert status[first.name] == "已被替代" and status[second.name] != "已被替代"
    assert len(result.tables["visits"]) == 2


def test_saved_time_is_read_from_core_properties(tmp_path):
    path = _survey_file(tmp_path / "办公室.xlsx", dt.datetime(2022, 3, 25, 9, 0), 1)
    with zipfile.ZipFile(path) as zf:
        assert b"2022-03-25T09:00:00Z" in zf.read("docProps/core.xml")
    assert read_file(path, tmp_path).modified == dt.datetime(2022, 3, 25, 9, 0, tzinfo=dt.timezone.utc).timestamp()


# --- 3. unreadable files keep the unit named in the file name ------------------------------


def test_unreadable_file_gets_its_unit_from_the_file_name(tmp_path):
    enc = messy.encrypted_workbook(tmp_path / "综合业务科-加密.xlsx")
    broken = tmp_path / "城建-台账.xlsx"  # an alias of 城建科
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    nameless = messy.encrypted_workbook(tmp_path / "加密的台账.xlsx")
    files, result = _validate(tmp_path, enc, broken, nameless)
    assert [(f.unit, f.unit_code, f.unit_source) for f in files] == [
        ("综合业务科", "04", "filename"), ("城建科", "05", "filename"), ("未识别", "", "unknown")]
    assert [[i.code for i in f.issues] for f in files] == [["file-encrypted"], ["file-corrupt"], ["file-encrypted"]]
    assert [(f.unit, f.unit_code, f.status) for f in result.files][:2] == [
        ("综合业务科", "04", "无法读取"), ("城建科", "05", "无法读取")]


def test_unreadable_file_unit_without_a_unit_list(tmp_path):
    enc = messy.encrypted_workbook(tmp_path / "宣传部-任务推进台账.xlsx")
    assert read_file(enc, tmp_path).unit == "宣传部"


def test_unit_with_only_an_unreadable_file_is_sent_back_not_missing(tmp_path):
    from toolkit.merge import summarize

    messy.encrypted_workbook(tmp_path / "综合业务科-加密.xlsx")
    result = validate_collection(tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)
    units = {u["name"]: u for u in summarize(result).figures["submission"]["units"]}
    assert units["综合业务科"]["status"] == "有退回"
    assert units["综合业务科"]["templates"] == {"survey": "有退回", "tasks": "有退回"}
    assert units["综合业务科"]["files"] == ["综合业务科-加密.xlsx"]
    assert units["办公室"]["status"] == "未报送"


# --- 2. sheets of both templates in one workbook -------------------------------------------


def _mixed(path, sheets=("走访记录", "任务清单")):
    specs = {"走访记录": messy.SheetSpec("走访记录", messy.VISITS, [messy.visit(1)], top=messy.standard_top("t", "办公室")),
             "问题清单": messy.SheetSpec("问题清单", messy.PROBLEMS, [messy.problem(1)], top=messy.standard_top("t", "办公室")),
             "任务清单": messy.SheetSpec("任务清单", messy.TASKS, [messy.task(1), messy.task(2)],
                                     top=messy.standard_top("t", "办公室"))}
    return messy.write_book(path, [specs[s] for s in sheets])


def test_task_sheet_is_never_read_as_problem_list(tmp_path):
    path = _mixed(tmp_path / "办公室-大走访大调研台账.xlsx")
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    assert fd.template_id == "survey"
    assert [(s.sheet_key, s.sheet_name) for s in fd.sheets] == [("visits", "走访记录")]
    codes = [i.code for i in fd.issues]
    assert "column-missing" not in codes and "column-extra" not in codes
    assert codes == ["mixed-templates", "sheet-missing"]
    mixed = fd.issues[0]
    assert mixed.severity == "错误"
    assert "“任务清单”表" in mixed.message and "分成两个文件报送" in mixed.message
    assert "只读取了“大走访大调研台账”" in mixed.message


def test_mixed_file_reads_the_template_named_in_the_file_name(tmp_path):
    path = _mixed(tmp_path / "办公室-任务推进台账.xlsx")
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    assert fd.template_id == "tasks"
    assert [(s.sheet_key, len(s.rows)) for s in fd.sheets] == [("tasks", 2)]
    assert [i.code for i in fd.issues] == ["mixed-templates"]
    assert "请把“走访记录”表另存为" in fd.issues[0].message


def test_mixed_file_with_three_sheets_reads_the_survey_and_keeps_its_rows(tmp_path):
    path = _mixed(tmp_path / "办公室.xlsx", ("走访记录", "问题清单", "任务清单"))
    files, result = _validate(tmp_path, path)
    assert [(s.sheet_key, s.sheet_name) for s in files[0].sheets] == [("visits", "走访记录"), ("problems", "问题清单")]
    f = result.files[0]
    assert (f.template, f.status, f.rows_accepted, f.rows_rejected) == ("survey", "有错误", 2, 0)
    assert _codes(f, "错误") == ["mixed-templates"]


def test_metadata_template_wins_and_an_extra_task_sheet_is_reported(tmp_path):
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD, prepared_rows=10)
    templates.fill_rows(wb, "visits", [messy.visit(1)])
    wb.remove(wb["问题清单"])
    ws = wb.create_sheet("Sheet1")  # the unit's task list pasted into the survey workbook
    ws.append(list(TASK_LEDGER.sheets[0].headers))
    ws.append(["1", "重点任务", "任务", "", "", "王建国", "党建办", "李明", "", "2022-06-30", "60%", "推进中"])
    path = templates.save_workbook(wb, tmp_path / "办公室-台账.xlsx")
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    assert fd.template_id == "survey"
    assert [s.sheet_key for s in fd.sheets] == ["visits"]
    assert [i.code for i in fd.issues] == ["mixed-templates", "sheet-missing"]
    assert "“Sheet1”表" in fd.issues[0].message


def test_an_empty_sheet_of_the_other_template_is_not_reported(tmp_path):
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD, prepared_rows=10)
    templates.fill_rows(wb, "visits", [messy.visit(1)])
    ws = wb.create_sheet("任务清单")
    ws.append(list(TASK_LEDGER.sheets[0].headers))
    path = templates.save_workbook(wb, tmp_path / "办公室-台账.xlsx")
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    assert "mixed-templates" not in [i.code for i in fd.issues]
    assert [s.sheet_key for s in fd.sheets] == ["visits", "problems"]


def test_a_side_table_sharing_a_few_task_headers_is_not_a_second_template(tmp_path):
    side = messy.SheetSpec("工作分工", messy.TASKS, [{"seq": 1, "name": "分工", "owner": "李明", "deadline": "2022-03-01"}],
                           headers=["序号", "事项名称", "责任人", "完成时限", "说明"])
    path = messy.write_book(tmp_path / "办公室.xlsx", [
        messy.SheetSpec("走访记录", messy.VISITS, [messy.visit(1)], top=messy.standard_top("t", "办公室")), side])
    fd = read_file(path, tmp_path, units=messy.UNITS, period=messy.PERIOD)
    assert fd.template_id == "survey"
    assert "mixed-templates" not in [i.code for i in fd.issues]


def test_rows_of_formulas_without_value_and_a_seq_are_empty(tmp_path):
    wb = templates.build_workbook(SURVEY, unit="办公室", period=messy.PERIOD, prepared_rows=10)
    templates.fill_rows(wb, "visits", [messy.visit(1)])
    ws = wb["走访记录"]
    ws["A5"], ws["N5"] = 2, "=M5"  # 序号 and a formula (no cached value: never opened in Excel)
    ws["N6"] = "=M6"  # a formula alone
    path = templates.save_workbook(wb, tmp_path / "办公室-大走访大调研台账.xlsx")
    files, result = _validate(tmp_path, path)
    assert [r.row for r in files[0].sheets[0].rows] == [4]
    assert (result.files[0].rows_read, result.files[0].errors) == (1, 0)
