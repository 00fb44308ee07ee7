"""The validator on the messy corpus: exact codes and locations, accounting, tables, JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import messy
from toolkit.errors import CATALOG, make_issue
from toolkit.config import parse_period as parse_period_
from toolkit.model import META_COLUMNS, UNKNOWN_UNIT, Period
from toolkit.read import read_file
from toolkit.schema import SHEETS
from toolkit.api import validate_collection
from toolkit.validate import accepted_table, empty_table, result_to_json, validate_files


def _hashes(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> messy.Corpus:
    return messy.build_corpus(tmp_path_factory.mktemp("corpus") / "收集文件")


@pytest.fixture(scope="module")
def run(corpus):
    before = _hashes(corpus.root)
    seen: list[tuple[int, int, str]] = []
    result = validate_collection(corpus.root, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS,
                                 progress=lambda i, n, name: seen.append((i, n, name)))
    return result, before, seen


@pytest.fixture(scope="module")
def result(run):
    return run[0]


def _file(result, rel):
    return next(f for f in result.files if f.rel == rel)


def _issues(report, code=None):
    return [(i.code, i.sheet, i.row, i.column) for i in report.issues if code is None or i.code == code]


# --- whole corpus ------------------------------------------------------------------


def test_input_files_are_never_modified(corpus, run):
    assert _hashes(corpus.root) == run[1]


def test_progress_reports_every_file(run):
    result, _, seen = run
    # read_files' progress: (files done, total, next file's name) from 0, then (total, total, "")
    assert [s[0] for s in seen] == list(range(0, len(result.files) + 1))
    assert all(n == len(result.files) for _, n, _ in seen)
    assert [s[2] for s in seen[:-1]] == [Path(f.rel).name for f in result.files] and seen[-1][2] == ""


def test_accounting_invariant_per_file_and_in_total(corpus, result):
    for f in result.files:
        assert f.rows_read == f.rows_accepted + f.rows_rejected + f.rows_superseded, f.rel
        assert f.rows_skipped == len(f.skipped_rows)
    t = result.totals()
    assert t["rows_read"] == t["rows_accepted"] + t["rows_rejected"] + t["rows_superseded"]
    assert sum(len(df) for df in result.tables.values()) == t["rows_accepted"]
    assert len(result.rejected) == t["rows_rejected"]
    assert t["files"] == len(result.files) == len(corpus.files) - len(result.ignored)


def test_statuses(result):
    status = {f.rel: f.status for f in result.files}
    assert status[messy.CLEAN] == "通过"
    assert status[messy.TEMPLATE_FILLED] == "通过"
    assert status[messy.MESSY] == "有错误"
    assert status[messy.TASKS_FILE] == "有错误"
    assert status[messy.NO_UNIT] == "有提示"
    assert status[messy.TWICE_OLD] == "已被替代"
    for rel in (messy.ENCRYPTED, messy.DOCX, messy.EMPTY, messy.OTHER, messy.CORRUPT):
        assert status[rel] == "无法读取"


def test_ignored_files_listed_with_reason(result):
    assert [rel for rel, _ in result.ignored] == [messy.LOCK, messy.TEXT]


def test_every_issue_code_is_in_the_catalog_with_its_severity(result):
    for f in result.files:
        for i in f.issues:
            assert CATALOG[i.code].severity == i.severity
            assert i.message and i.file == f.rel


# --- the messy survey file ----------------------------------------------------------


def test_messy_file_exact_errors_and_locations(result):
    f = _file(result, messy.MESSY)
    errors = [(i.code, i.sheet, i.row, i.column) for i in f.issues if i.severity == "错误"]
    assert errors == [
        ("bad-date", "走访情况", 13, "B"),
        ("outside-period", "走访情况", 14, "B"),
        ("not-in-list", "走访情况", 15, "E"),
        ("duplicate-value", "走访情况", 16, "A"),
        ("too-small", "走访情况", 17, "H"),
        ("order-violated", "走访情况", 18, "L"),
        ("formula-no-value", "走访情况", 20, "L"),
        ("bad-reference", "问题清单", 5, "B"),
        ("duplicate-value", "问题清单", 6, "A"),
        ("missing-conditional", "问题清单", 7, "O"),
        ("missing-conditional", "问题清单", 7, "P"),
        ("forbid-violated", "问题清单", 8, "R"),
        ("order-violated", "问题清单", 9, "L"),
        ("formula-no-value", "问题清单", 10, "J"),
    ]
    hints = [(i.code, i.row, i.column) for i in f.issues if i.severity == "提示"]
    assert hints == [("column-extra", 4, "M"), ("merged-cells", 6, "F"), ("phone-lost-zero", 7, "I")]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected, f.rows_skipped) == (23, 10, 13, 2)
    assert [(s.row, s.reason) for s in f.skipped_rows] == [(21, "合计行"), (23, "表尾说明行")]


def test_messages_say_where_what_and_how(result):
    f = _file(result, messy.MESSY)
    bad = next(i for i in f.issues if i.code == "not-in-list")
    assert bad.header == "走访方式" and bad.value == "入户走放"
    for part in (messy.MESSY, "走访情况", "第15行", "E列", "走访方式", "入户走放", "是否应为“入户走访”", "请从下拉列表中选择"):
        assert part in bad.message
    dup = next(i for i in f.issues if i.code == "duplicate-value" and i.sheet == "走访情况")
    assert "第5行" in dup.message


def test_messy_visits_normalized(result):
    df = result.tables["visits"]
    rows = df[df["_file"] == messy.MESSY].set_index("_row")
    assert list(rows.index) == [5, 6, 7, 8, 9, 10, 11, 12, 19]
    assert [d.date() for d in rows["visit_date"]] == [dt.date(2022, 3, d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 1)]
    assert rows.loc[5, "participants"] == 3 and rows.loc[6, "participants"] == 126
    assert rows.loc[6, "seq"] == 2
    assert rows.loc[5, "method"] == "入户走访" and rows.loc[8, "method"] == "座谈交流"
    assert rows.loc[5, "object_type"] == "企业" and rows.loc[6, "object_type"] == "村(社区)"
    assert rows.loc[5, "phone"] == "13812345678"
    assert rows.loc[7, "phone"] == "0531-12345678"
    assert "丢了开头“0”" in rows.loc[7, "_notes"] and rows.loc[5, "_notes"] == ""
    assert rows.loc[7, "leader"] == "王建国"  # merged cell filled down
    assert rows.loc[7, "content"] == "=了解情况，做好记录"
    assert rows.loc[19, "problems_found"] == 2  # formula with cached value
    assert (rows["_unit"] == "党建办").all() and (rows["_unit_code"] == "02").all()


def test_rejected_rows_keep_values_by_chinese_header_and_reasons(result):
    rej = next(r for r in result.rejected if r.file == messy.MESSY and r.sheet_key == "visits" and r.row == 13)
    assert rej.values["走访日期"] == "2022.13.45"
    assert rej.values["走访照片"] == "有"
    assert len(rej.reasons) == 1 and "2022.13.45" in rej.reasons[0] and "B列" in rej.reasons[0]
    formula = next(r for r in result.rejected if r.file == messy.MESSY and r.sheet_key == "problems" and r.row == 10)
    assert [("公式" in reason) for reason in formula.reasons] == [True]  # not also "必填项为空"


# --- the task ledger -------------------------------------------------------------------


def test_tasks_exact_issues(result):
    f = _file(result, messy.TASKS_FILE)
    assert _issues(f) == [
        ("unit-converted", "任务清单", 6, "O"),
        ("implies-violated", "任务清单", 7, "K"),
        ("bad-integer", "任务清单", 8, "A"),
        ("bad-percent", "任务清单", 9, "K"),
        ("order-violated", "任务清单", 10, "I"),
    ]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (9, 5, 4)


def test_tasks_numbers_units_and_percent(result):
    df = result.tables["tasks"].set_index("_row")
    assert df.loc[4, "progress"] == 85 and df.loc[5, "progress"] == 85 and df.loc[6, "progress"] == 100
    assert df.loc[4, "result_value"] == pytest.approx(50.43) and df.loc[4, "result_unit"] == "万元"
    assert df.loc[5, "result_value"] == 6 and df.loc[5, "result_unit"] == "支"
    assert df.loc[6, "result_value"] == pytest.approx(0.5) and df.loc[6, "result_unit"] == "万元"
    assert df.loc[6, "seq"] == 3
    assert df.loc[12, "status"] == "推进中"
    assert 11 in df.index  # hidden row kept


# --- files and units ---------------------------------------------------------------------


def test_same_unit_twice_newer_wins_older_counted(result):
    old = _file(result, messy.TWICE_OLD)
    new = _file(result, messy.TWICE_NEW)
    assert old.superseded_by == messy.TWICE_NEW
    assert (old.rows_read, old.rows_superseded, old.rows_accepted) == (2, 2, 0)
    assert _issues(old) == [("superseded", "", None, "")]
    assert new.rows_accepted == 3
    visits = result.tables["visits"]
    assert set(visits.loc[visits["_unit"] == "综合业务科", "_file"]) == {messy.TWICE_NEW}


def test_same_mtime_later_in_sorted_order_wins(tmp_path):
    a = messy.write_book(tmp_path / "a.xlsx", [messy.SheetSpec("走访记录", messy.VISITS, [messy.visit(1)],
                                                               top=messy.standard_top("t", "办公室"))])
    b = tmp_path / "b.xlsx"
    b.write_bytes(a.read_bytes())
    import os

    os.utime(a, (1_650_000_000, 1_650_000_000))
    os.utime(b, (1_650_000_000, 1_650_000_000))
    result = validate_collection(tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS)
    assert [(f.rel, f.status) for f in result.files] == [("a.xlsx", "已被替代"), ("b.xlsx", "有提示")]


def test_unknown_unit_kept_not_dropped(result):
    f = _file(result, messy.NO_UNIT)
    assert f.unit == UNKNOWN_UNIT and f.rows_accepted == 1
    visits = result.tables["visits"]
    assert (visits["_unit"] == UNKNOWN_UNIT).sum() == 1


def test_missing_required_column_rejects_every_row_with_one_reason(result):
    f = _file(result, messy.NOT_CONFIGURED)
    assert (f.rows_read, f.rows_rejected, f.rows_accepted) == (2, 2, 0)
    assert [i.code for i in f.issues if i.severity == "错误"] == ["column-missing"]
    rows = [r for r in result.rejected if r.file == messy.NOT_CONFIGURED]
    assert all(r.reasons == [rows[0].reasons[0]] and "走访人员" in r.reasons[0] for r in rows)


def test_unreadable_files_have_no_rows(result):
    for rel in (messy.ENCRYPTED, messy.DOCX, messy.EMPTY, messy.OTHER, messy.CORRUPT):
        f = _file(result, rel)
        assert (f.rows_read, f.rows_accepted, f.errors) == (0, 0, 1)


# --- tables --------------------------------------------------------------------------------


def test_tables_always_present_with_schema_dtypes(result):
    assert set(result.tables) == set(SHEETS)
    for key, df in result.tables.items():
        schema = SHEETS[key]
        assert list(df.columns) == schema.keys + list(META_COLUMNS)
        for col in schema.columns:
            dtype = str(df[col.key].dtype)
            expected = {"int": "Int64", "number": "Float64", "percent": "Float64", "date": "datetime64[ns]"}
            assert dtype == expected.get(col.kind, "object"), (key, col.key, dtype)
        assert str(df["_row"].dtype) == "int64"


def test_empty_result_has_empty_tables(tmp_path):
    result = validate_files([], root=tmp_path, period=None, as_of=dt.date(2022, 4, 29), units=[])
    assert all(len(df) == 0 for df in result.tables.values())
    assert list(result.tables["tasks"].columns)[-5:] == list(META_COLUMNS)
    for key, df in result.tables.items():
        pd.testing.assert_frame_equal(empty_table(key), df)


def _plain(value):
    """A table cell back as the normalized Python value it was built from."""
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _rebuilt(key, table, rel):
    """The rows of file ``rel`` in ``table``, and the same rows built again by accepted_table."""
    mine = table[table["_file"] == rel].reset_index(drop=True)
    rows = [{k: _plain(v) for k, v in r.items() if k not in META_COLUMNS} for r in mine.to_dict("records")]
    built = accepted_table(key, rows, unit=mine["_unit"][0], unit_code=mine["_unit_code"][0], file=rel,
                           row_numbers=mine["_row"].tolist(), notes=mine["_notes"].tolist())
    return mine, built


@pytest.mark.parametrize("key", list(SHEETS))
def test_accepted_table_builds_exactly_what_validation_builds(result, key):
    files = list(dict.fromkeys(result.tables[key]["_file"]))
    assert files  # every sheet has accepted rows in the corpus
    for rel in files:
        mine, built = _rebuilt(key, result.tables[key], rel)
        pd.testing.assert_frame_equal(built, mine)


def test_a_schema_keeping_extra_columns_keeps_them_in_its_table(corpus, monkeypatch):
    fd = read_file(corpus.files["messy"], corpus.root, units=messy.UNITS, period=messy.PERIOD)
    monkeypatch.setitem(SHEETS, "visits", dataclasses.replace(SHEETS["visits"], allow_extra_columns=True))
    table = validate_files([fd], root=corpus.root, period=messy.PERIOD, as_of=messy.AS_OF,
                           units=messy.UNITS).tables["visits"]
    assert list(table.columns) == SHEETS["visits"].keys + ["走访照片"] + list(META_COLUMNS)
    assert table["走访照片"].tolist() == ["有"] * len(table)  # the corpus' extra column, on every row
    mine, built = _rebuilt("visits", table, messy.MESSY)
    pd.testing.assert_frame_equal(built, mine)


# --- rules, one behaviour each -----------------------------------------------------------------


def _one(tmp_path, sheet, rows, as_of=messy.AS_OF, period=messy.PERIOD):
    schema = {"visits": messy.VISITS, "problems": messy.PROBLEMS, "tasks": messy.TASKS}[sheet]
    path = messy.write_book(tmp_path / "办公室.xlsx", [messy.SheetSpec(schema.name, schema, rows,
                                                                    top=messy.standard_top("t", "办公室"))])
    fd = read_file(path, tmp_path, units=messy.UNITS, period=period)
    return validate_files([fd], root=tmp_path, period=period, as_of=as_of, units=messy.UNITS)


def test_future_date(tmp_path):
    r = _one(tmp_path, "visits", [messy.visit(1, visit_date=dt.date(2022, 3, 30))], as_of=dt.date(2022, 3, 20))
    assert _issues(r.files[0], "future-date") == [("future-date", "走访记录", 4, "B")]
    (issue,) = [i for i in r.files[0].issues if i.code == "future-date"]
    # a 统计截止日 set in toolkit.toml is not “today”: the unit is told which date it is
    assert "晚于统计截止日（2022-03-20）" in issue.message and "今天" not in issue.message


def test_future_date_against_today_says_today(tmp_path):
    today = dt.date.today()
    period = Period("x", "本期", today - dt.timedelta(days=40), today + dt.timedelta(days=40))
    r = _one(tmp_path, "visits", [messy.visit(1, visit_date=today + dt.timedelta(days=3))], as_of=today,
             period=period)
    (issue,) = [i for i in r.files[0].issues if i.code == "future-date"]
    assert f"晚于今天（{today.isoformat()}）" in issue.message and "统计截止日" not in issue.message


def test_no_period_no_period_check(tmp_path):
    r = _one(tmp_path, "visits", [messy.visit(1, visit_date=dt.date(2021, 3, 30))], period=None)
    assert not _issues(r.files[0], "outside-period")


def test_required_value_missing(tmp_path):
    r = _one(tmp_path, "visits", [messy.visit(1, leader="\u00a0 ")])
    assert _issues(r.files[0], "missing-value") == [("missing-value", "走访记录", 4, "C")]


def test_status_implies_progress_zero(tmp_path):
    r = _one(tmp_path, "tasks", [messy.task(1, status="未启动", progress=0.3)])
    assert _issues(r.files[0], "implies-violated") == [("implies-violated", "任务清单", 4, "K")]


def test_full_progress_implies_done(tmp_path):
    r = _one(tmp_path, "tasks", [messy.task(1, status="推进中", progress=1)])
    assert _issues(r.files[0], "implies-violated") == [("implies-violated", "任务清单", 4, "L")]


def test_unit_column_required_when_value_given(tmp_path):
    r = _one(tmp_path, "tasks", [messy.task(1, result_value=6)])
    assert _issues(r.files[0], "missing-conditional") == [("missing-conditional", "任务清单", 4, "P")]


def test_count_mismatch_is_a_file_level_hint(tmp_path):
    path = messy.write_book(tmp_path / "办公室.xlsx", [
        messy.SheetSpec("走访记录", messy.VISITS, [messy.visit(1, problems_found=2)]),
        messy.SheetSpec("问题清单", messy.PROBLEMS, [messy.problem(1, visit_seq=1)]),
    ])
    fd = read_file(path, tmp_path, units=messy.UNITS)
    f = validate_files([fd], root=tmp_path, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS).files[0]
    assert f.status == "有提示"
    issue = next(i for i in f.issues if i.code == "count-mismatch")
    assert issue.row is None and issue.header == "发现问题数" and "2" in issue.message


def test_bad_phone_rejects(tmp_path):
    r = _one(tmp_path, "visits", [messy.visit(1, phone="12345")])
    assert _issues(r.files[0], "bad-phone") == [("bad-phone", "走访记录", 4, "K")]


# --- JSON ---------------------------------------------------------------------------------------


def test_result_to_json_shape(result):
    data = result_to_json(result)
    json.dumps(data, ensure_ascii=False)  # serialisable
    assert set(data) == {"root", "period", "as_of", "files", "ignored", "totals"}
    assert data["period"]["code"] == "2022Q1" and data["as_of"] == "2022-04-29"
    f = next(x for x in data["files"] if x["rel"] == messy.MESSY)
    assert set(f) == {"path", "rel", "unit", "unit_code", "template", "template_name", "status", "rows_read",
                      "rows_accepted", "rows_rejected", "rows_skipped", "rows_superseded", "superseded_by",
                      "issues", "skipped_rows"}
    assert set(f["issues"][0]) == {"code", "severity", "sheet", "row", "column", "header", "value", "message"}
    assert f["skipped_rows"][0] == {"row": 21, "reason": "合计行"}
    assert data["ignored"][0]["file"] == messy.LOCK
    assert data["totals"] == result.totals()


def test_make_issue_builds_location_and_keeps_unknown_slots_blank():
    issue = make_issue("bad-date", file="a.xlsx", sheet="走访记录", row=5, column="B", header="走访日期", value="x")
    assert issue.message.startswith("文件“a.xlsx”“走访记录”表第5行B列（走访日期）：“x”不是有效的日期")
    assert "{" not in issue.message


def test_docs_list_every_catalog_code():
    from toolkit.errors import catalog_markdown

    text = (Path(__file__).parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    for code in CATALOG:
        assert f"`{code}`" in text, code
    assert catalog_markdown() in text  # regenerate with: python -m toolkit.errors


def test_messages_never_double_their_final_punctuation():
    from toolkit.errors import CATALOG, render

    for code in CATALOG:
        text = render(code, header="带队领导", value="x", rule="带队的领导干部姓名。", hint="写成 2022-04-29。",
                      suggestion="是否为“办公室”？", condition="“办理状态”为已销号时")
        assert "。。" not in text and "？。" not in text and "；。" not in text, (code, text)


# --- whose template, of which period: said once per file ------------------------------------------------


def _unit_template(folder, unit, period, file_name, *, drop_period_name=False):
    import random

    from factories import unit_rows
    from toolkit.schema import SURVEY
    from toolkit.templates import build_workbook, fill_rows, save_workbook

    rows = unit_rows(random.Random(3), 3, 1, 0, period)
    wb = build_workbook(SURVEY, unit=unit, period=period)
    fill_rows(wb, "visits", rows["visits"])
    fill_rows(wb, "problems", rows["problems"])
    if drop_period_name:  # a template made before the period was recorded in it: the title still says it
        del wb.defined_names["toolkit_period"]
        wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if p.name != "toolkit_period"]
    path = folder / file_name
    save_workbook(wb, path)
    return path


UNITS_TWO = [messy.Unit("01", "公共服务科"), messy.Unit("02", "市文化馆")]


def test_another_units_template_under_this_units_file_name_is_said_once(tmp_path):
    q1 = parse_period_("2022Q1")
    _unit_template(tmp_path, "市文化馆", q1, "公共服务科-大走访大调研台账-2022年第一季度.xlsx")
    fd = read_file(tmp_path / "公共服务科-大走访大调研台账-2022年第一季度.xlsx", tmp_path, units=UNITS_TWO)
    r = validate_files([fd], root=tmp_path, period=q1, as_of=dt.date(2022, 4, 29), units=UNITS_TWO)
    (report,) = r.files
    assert report.unit == "市文化馆"
    found = [i for i in report.issues if i.code == "unit-file-name"]
    assert len(found) == 1 and found[0].severity == "提示"
    assert "本文件是市文化馆的模板（文件名为公共服务科），已按市文化馆统计" in found[0].message


def test_a_file_under_another_units_name_never_replaces_the_units_own_file(tmp_path):
    import os

    q1 = parse_period_("2022Q1")
    own = _unit_template(tmp_path, "市文化馆", q1, "市文化馆-大走访大调研台账-2022年第一季度.xlsx")
    other = _unit_template(tmp_path, "市文化馆", q1, "公共服务科-大走访大调研台账-2022年第一季度.xlsx")
    os.utime(own, (1_600_000_000, 1_600_000_000))  # the unit's own file is the older one
    files = [read_file(p, tmp_path, units=UNITS_TWO) for p in (own, other)]
    for fd in files:
        fd.modified = None  # no saved time: the mtime decides between equals
    r = validate_files(files, root=tmp_path, period=q1, as_of=dt.date(2022, 4, 29), units=UNITS_TWO)
    by_name = {f.rel: f for f in r.files}
    kept, dropped = by_name[own.name], by_name[other.name]
    assert kept.status != "已被替代" and kept.superseded_by is None
    assert dropped.status == "已被替代" and dropped.superseded_by == own.name
    assert {i.code for i in dropped.issues} >= {"superseded"}
    assert kept.rows_accepted > 0 and dropped.rows_superseded == dropped.rows_read > 0


def test_a_unit_template_under_its_own_name_says_nothing(tmp_path):
    q1 = parse_period_("2022Q1")
    _unit_template(tmp_path, "市文化馆", q1, "市文化馆-大走访大调研台账-2022年第一季度.xlsx")
    fd = read_file(tmp_path / "市文化馆-大走访大调研台账-2022年第一季度.xlsx", tmp_path, units=UNITS_TWO)
    r = validate_files([fd], root=tmp_path, period=q1, as_of=dt.date(2022, 4, 29), units=UNITS_TWO)
    assert not [i for i in r.files[0].issues if i.code in ("unit-file-name", "other-period")]


@pytest.mark.parametrize("recorded", [True, False], ids=["defined-name", "title"])
def test_a_template_of_another_period_is_said_once_per_file(tmp_path, recorded):
    q1, q2 = parse_period_("2022Q1"), parse_period_("2022Q2")
    _unit_template(tmp_path, "市文化馆", q1, "市文化馆.xlsx", drop_period_name=not recorded)
    fd = read_file(tmp_path / "市文化馆.xlsx", tmp_path, units=UNITS_TWO)
    assert fd.template_period == ("2022Q1" if recorded else "2022年第一季度")
    r = validate_files([fd], root=tmp_path, period=q2, as_of=dt.date(2022, 7, 29), units=UNITS_TWO)
    found = [i for i in r.files[0].issues if i.code == "other-period"]
    assert len(found) == 1
    assert "：本文件是2022年第一季度的模板，本期是2022年第二季度。" in found[0].message
