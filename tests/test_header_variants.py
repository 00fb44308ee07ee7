"""Headers as people rewrite them: unit notes in brackets, line breaks, (必填) markers."""

from __future__ import annotations

import random
from datetime import date

import pytest

from toolkit.config import parse_period
from toolkit.model import Unit
from toolkit.read import read_file
from toolkit.sample import generate_unit_rows
from toolkit.schema import HEADER_ROW, SHEETS, SURVEY, TASK_LEDGER, normalize_header
from toolkit.templates import build_workbook, fill_rows

PERIOD = parse_period("2022Q1")


@pytest.mark.parametrize("typed, header", [
    ("参与人数（人）", "参与人数"),
    ("走访日期\n（年月日）", "走访日期"),
    ("走访日期(必填)", "走访日期"),
    ("*走访对象", "走访对象"),
    ("完成进度（%）", "完成进度"),
    ("成果数值【万元】", "成果数值"),
    ("联系电话（手机）", "联系电话"),
])
def test_bracketed_notes_and_line_breaks_do_not_hide_the_column(typed, header):
    assert normalize_header(typed) == normalize_header(header)


def _rewrite_headers(path, sheet_key, variants):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheet = SHEETS[sheet_key]
    ws = wb[sheet.name]
    for col, cell in enumerate(ws[HEADER_ROW], start=1):
        key = sheet.columns[col - 1].key
        if key in variants:
            cell.value = variants[key]
    wb.save(path)


def test_a_file_with_annotated_headers_is_read_without_missing_columns(tmp_path):
    rows = generate_unit_rows(Unit("01", "办公室"), PERIOD, date(2022, 4, 29), random.Random(3), visits=4, tasks=4)
    for template, sheet_key, variants in (
        (SURVEY, "visits", {"participants": "参与人数（人）", "visit_date": "走访日期\n（年月日）",
                            "phone": "联系电话（手机）", "object_name": "走访对象(必填)"}),
        (TASK_LEDGER, "tasks", {"progress": "完成进度（%）", "result_value": "成果数值（万元）"}),
    ):
        wb = build_workbook(template, unit="办公室", period=PERIOD)
        for sheet in template.sheets:
            fill_rows(wb, sheet.key, rows[sheet.key])
        path = tmp_path / f"{template.name}.xlsx"
        wb.save(path)
        _rewrite_headers(path, sheet_key, variants)
        data = read_file(path, tmp_path, units=[Unit("01", "办公室")], period=PERIOD)
        sheet = next(s for s in data.sheets if s.sheet_key == sheet_key)
        assert set(SHEETS[sheet_key].keys) <= set(sheet.columns), sorted(set(SHEETS[sheet_key].keys) - set(sheet.columns))
        assert not [i for i in data.issues if i.code in ("column-missing", "column-extra")]
        assert len(sheet.rows) == len(rows[sheet_key])
