"""The standardized templates: written to real files and read back with openpyxl and calamine."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from python_calamine import CalamineWorkbook

from toolkit import templates as T
from toolkit.config import parse_period
from toolkit.model import Unit
from toolkit.schema import (
    DEFINED_NAME_TEMPLATE,
    DEFINED_NAME_UNIT,
    DEFINED_NAME_VERSION,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    LISTS_SHEET,
    META_LABELS,
    META_ROW,
    PREPARED_ROWS,
    SURVEY,
    TASK_LEDGER,
    TEMPLATES,
    TITLE_ROW,
)

PERIOD = parse_period("2022Q1")
UNIT = Unit("02", "党建办")
LAST_ROW = FIRST_DATA_ROW + PREPARED_ROWS - 1
IDS = [t.id for t in TEMPLATES]


@pytest.fixture(scope="module")
def blank_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("blank")
    T.write_blank_templates(out)
    return out


@pytest.fixture(scope="module")
def unit_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unit")
    T.write_unit_templates(out, [UNIT], PERIOD, org="XX市XX局")
    return out


def blank_path(blank_dir: Path, template) -> Path:
    return blank_dir / template.file_name(None, None)


def unit_path(unit_dir: Path, template) -> Path:
    return unit_dir / template.file_name(UNIT.name, PERIOD.name)


def template_of(template_id: str):
    return next(t for t in TEMPLATES if t.id == template_id)


def data_validations(ws) -> dict[str, object]:
    """Column letter -> the data validation covering that column's data rows."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            if min_row == FIRST_DATA_ROW:
                for c in range(min_col, max_col + 1):
                    out[get_column_letter(c)] = dv
    return out


# ---------------------------------------------------------------------------
# File names and sheets
# ---------------------------------------------------------------------------


def test_blank_templates_are_named_after_the_template(blank_dir):
    assert sorted(p.name for p in blank_dir.iterdir()) == sorted(t.file_name(None, None) for t in TEMPLATES)
    assert (blank_dir / "大走访大调研台账.xlsx").is_file()


def test_unit_templates_are_named_unit_template_period(unit_dir):
    assert (unit_dir / "党建办-大走访大调研台账-2022年第一季度.xlsx").is_file()
    assert (unit_dir / "党建办-任务推进台账-2022年第一季度.xlsx").is_file()


@pytest.mark.parametrize("template_id", IDS)
def test_sheet_names_are_data_sheets_then_guide_then_lists(blank_dir, template_id):
    template = template_of(template_id)
    expected = [s.name for s in template.sheets] + [GUIDE_SHEET, LISTS_SHEET]
    assert openpyxl.load_workbook(blank_path(blank_dir, template)).sheetnames == expected
    assert CalamineWorkbook.from_path(str(blank_path(blank_dir, template))).sheet_names == expected
    assert not any(name.endswith(".py") for name in expected)


@pytest.mark.parametrize("template_id", IDS)
def test_lists_sheet_is_hidden_and_protected(blank_dir, template_id):
    path = blank_path(blank_dir, template_of(template_id))
    ws = openpyxl.load_workbook(path)[LISTS_SHEET]
    assert ws.sheet_state in ("hidden", "veryHidden")
    assert ws.protection.sheet
    meta = {m.name: m for m in CalamineWorkbook.from_path(str(path)).sheets_metadata}
    assert "Hidden" in str(meta[LISTS_SHEET].visible)


@pytest.mark.parametrize("template_id", IDS)
def test_first_data_sheet_is_active_and_only_one_tab_selected(blank_dir, template_id):
    wb = openpyxl.load_workbook(blank_path(blank_dir, template_of(template_id)))
    assert wb.active.title == template_of(template_id).sheets[0].name
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets].count(True) == 1


# ---------------------------------------------------------------------------
# Title, meta row, header
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_blank_title_is_the_sheet_title_merged_across_columns(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        assert ws.cell(TITLE_ROW, 1).value == sheet.title
        last = get_column_letter(len(sheet.columns))
        assert f"A{TITLE_ROW}:{last}{TITLE_ROW}" in {str(r) for r in ws.merged_cells.ranges}


@pytest.mark.parametrize("template_id", IDS)
def test_unit_title_has_unit_and_period(unit_dir, template_id):
    template = template_of(template_id)
    path = unit_path(unit_dir, template)
    wb = openpyxl.load_workbook(path)
    cal = CalamineWorkbook.from_path(str(path))
    for sheet in template.sheets:
        expected = f"{UNIT.name}{sheet.title}（{PERIOD.name}）"
        assert wb[sheet.name].cell(TITLE_ROW, 1).value == expected
        assert cal.get_sheet_by_name(sheet.name).to_python()[TITLE_ROW - 1][0] == expected


@pytest.mark.parametrize("template_id", IDS)
def test_meta_row_has_labels_each_followed_by_its_value_cell(unit_dir, template_id):
    template = template_of(template_id)
    path = unit_path(unit_dir, template)
    cal = CalamineWorkbook.from_path(str(path))
    for sheet in template.sheets:
        row = cal.get_sheet_by_name(sheet.name).to_python()[META_ROW - 1]
        labels = [v for v in row if isinstance(v, str) and v.endswith("：")]
        assert labels == [f"{label}：" for label in META_LABELS]
        unit_label = row.index(f"{META_LABELS[0]}：")
        assert row[unit_label + 1] == UNIT.name
        for label, label_col, first, _last in T.meta_layout(sheet):
            assert row[label_col - 1] == f"{label}："
            assert first == label_col + 1


@pytest.mark.parametrize("template_id", IDS)
def test_meta_value_cells_have_text_and_date_formats(unit_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(unit_path(unit_dir, template))
    for sheet in template.sheets:
        cells = {label: wb[sheet.name].cell(META_ROW, first) for label, _, first, _ in T.meta_layout(sheet)}
        assert cells["联系电话"].number_format == "@"
        assert cells["填报日期"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("template_id", IDS)
def test_header_row_equals_schema_headers(blank_dir, template_id):
    template = template_of(template_id)
    path = blank_path(blank_dir, template)
    wb = openpyxl.load_workbook(path)
    cal = CalamineWorkbook.from_path(str(path))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        assert [ws.cell(HEADER_ROW, i + 1).value for i in range(len(sheet.columns))] == sheet.headers
        assert ws.cell(HEADER_ROW, len(sheet.columns) + 1).value is None
        assert cal.get_sheet_by_name(sheet.name).to_python()[HEADER_ROW - 1] == sheet.headers


@pytest.mark.parametrize("template_id", IDS)
def test_required_headers_are_marked_by_colour_not_text(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        colours = {}
        for i, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(HEADER_ROW, i)
            assert "*" not in cell.value and cell.font.b
            colours.setdefault(col.required, set()).add(cell.font.color.rgb)
        assert colours[True].isdisjoint(colours[False])


# ---------------------------------------------------------------------------
# Dropdowns and validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_every_choice_column_has_a_dropdown_fed_from_the_lists_sheet(blank_dir, template_id):
    template = template_of(template_id)
    path = blank_path(blank_dir, template)
    wb = openpyxl.load_workbook(path)
    lists = wb[LISTS_SHEET]
    cal_lists = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(LISTS_SHEET).to_python()
    for sheet in template.sheets:
        dvs = data_validations(wb[sheet.name])
        for i, col in enumerate(sheet.columns, start=1):
            if not col.is_list:
                continue
            dv = dvs[get_column_letter(i)]
            assert dv.type == "list"
            assert str(dv.sqref) == f"{get_column_letter(i)}{FIRST_DATA_ROW}:{get_column_letter(i)}{LAST_ROW}"
            assert dv.errorStyle in (None, "stop") and dv.showErrorMessage
            assert dv.error and dv.errorTitle and dv.prompt and dv.showInputMessage
            sheet_ref, rng = dv.formula1.rsplit("!", 1)
            assert sheet_ref.strip("'") == LISTS_SHEET
            assert rng.count("$") == 4  # absolute range, not an inline list
            values = [c.value for row in lists[rng.replace("$", "")] for c in row]
            assert values == list(col.choices)
            letter_idx = openpyxl.utils.column_index_from_string(rng.split("$")[1]) - 1
            cal_values = [r[letter_idx] for r in cal_lists[1:] if r[letter_idx] != ""]
            assert cal_values == list(col.choices)


@pytest.mark.parametrize("template_id", IDS)
def test_numeric_and_date_columns_have_validation_rules(unit_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(unit_path(unit_dir, template))
    broad = (str(int(to_excel(T.BROAD_DATE_RANGE[0]))), str(int(to_excel(T.BROAD_DATE_RANGE[1]))))
    period = (str(int(to_excel(PERIOD.start))), str(int(to_excel(PERIOD.end))))
    checked = 0
    for sheet in template.sheets:
        dvs = data_validations(wb[sheet.name])
        for i, col in enumerate(sheet.columns, start=1):
            dv = dvs[get_column_letter(i)]
            if col.kind == "int":
                expected = ("whole", "greaterThanOrEqual", str(int(col.minimum or 0)))
                assert (dv.type, dv.operator, dv.formula1) == expected
            elif col.kind == "percent":
                assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "1")
            elif col.kind == "number":
                assert dv.type == "decimal" and float(dv.formula1) == col.minimum
            elif col.kind == "date":
                assert (dv.type, dv.operator) == ("date", "between")
                assert (dv.formula1, dv.formula2) == (period if col.in_period else broad)
            else:
                continue
            checked += 1
            assert dv.showErrorMessage and dv.error and len(dv.error) <= 255
    assert checked >= 4


def test_in_period_date_without_period_gets_broad_range(blank_dir):
    ws = openpyxl.load_workbook(blank_path(blank_dir, SURVEY))["走访记录"]
    col = SURVEY.sheets[0].keys.index("visit_date") + 1
    dv = data_validations(ws)[get_column_letter(col)]
    assert int(dv.formula1) == int(to_excel(T.BROAD_DATE_RANGE[0]))


@pytest.mark.parametrize("template_id", IDS)
def test_every_column_has_an_input_message_within_excel_limits(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    for sheet in template.sheets:
        dvs = data_validations(wb[sheet.name])
        for i, col in enumerate(sheet.columns, start=1):
            dv = dvs[get_column_letter(i)]
            assert dv.showInputMessage and dv.promptTitle == col.header[:32]
            assert 0 < len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            assert col.requirement_text(sheet) in dv.prompt
            if dv.errorTitle:
                assert len(dv.errorTitle) <= 32 and len(dv.error) <= 255


# ---------------------------------------------------------------------------
# Formats, layout, print setup
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_prepared_data_rows_have_number_formats_by_kind(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    expected = {"int": "0", "percent": "0%", "date": "yyyy-mm-dd", "phone": "@", "text": "@"}
    for sheet in template.sheets:
        ws = wb[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            for row in (FIRST_DATA_ROW, LAST_ROW):
                fmt = ws.cell(row, i).number_format
                assert fmt == T.NUMBER_FORMATS[col.kind]
                if col.kind in expected:
                    assert fmt == expected[col.kind]


@pytest.mark.parametrize("template_id", IDS)
def test_layout_freeze_widths_and_autofilter(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
        last = get_column_letter(len(sheet.columns))
        assert ws.auto_filter.ref == f"A{HEADER_ROW}:{last}{LAST_ROW}"
        for i, col in enumerate(sheet.columns, start=1):
            assert ws.column_dimensions[get_column_letter(i)].width == col.width


@pytest.mark.parametrize("template_id", IDS)
def test_print_setup_is_a4_landscape_fit_to_width_with_title_rows(blank_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(blank_path(blank_dir, template))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows.replace("$", "") == f"{TITLE_ROW}:{HEADER_ROW}"
        assert ws.print_options.horizontalCentered
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


# ---------------------------------------------------------------------------
# Protection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_sheets_are_protected_without_password_and_allow_row_editing(unit_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(unit_path(unit_dir, template))
    for sheet in template.sheets:
        prot = wb[sheet.name].protection
        assert prot.sheet
        assert not prot.password and not prot.hashValue
        # False = the action is allowed while the sheet is protected
        assert not prot.insertRows and not prot.deleteRows and not prot.sort and not prot.autoFilter
        assert not prot.formatRows and not prot.formatColumns
    assert not wb.security.workbookPassword


@pytest.mark.parametrize("template_id", IDS)
def test_header_title_and_unit_cell_locked_data_and_meta_values_unlocked(unit_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(unit_path(unit_dir, template))
    for sheet in template.sheets:
        ws = wb[sheet.name]
        assert ws.cell(TITLE_ROW, 1).protection.locked
        assert all(ws.cell(HEADER_ROW, i + 1).protection.locked for i in range(len(sheet.columns)))
        assert not any(ws.cell(FIRST_DATA_ROW, i + 1).protection.locked for i in range(len(sheet.columns)))
        assert not ws.cell(LAST_ROW, len(sheet.columns)).protection.locked
        cells = {label: ws.cell(META_ROW, first) for label, _, first, _ in T.meta_layout(sheet)}
        assert cells["填报单位"].protection.locked and cells["填报单位"].value == UNIT.name
        for label in META_LABELS[1:]:
            assert not cells[label].protection.locked


def test_blank_template_leaves_unit_cell_open_for_typing(blank_dir):
    ws = openpyxl.load_workbook(blank_path(blank_dir, SURVEY))["走访记录"]
    first = T.meta_layout(SURVEY.sheets[0])[0][2]
    assert ws.cell(META_ROW, first).value is None
    assert not ws.cell(META_ROW, first).protection.locked


# ---------------------------------------------------------------------------
# Guide sheet
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_guide_sheet_explains_every_column_and_rule(blank_dir, template_id):
    template = template_of(template_id)
    rows = CalamineWorkbook.from_path(str(blank_path(blank_dir, template))).get_sheet_by_name(GUIDE_SHEET).to_python()
    by_header = {}
    for row in rows:
        if len(row) > 6 and isinstance(row[1], str):
            by_header.setdefault(row[1], []).append(row)
    text = "\n".join(str(v) for row in rows for v in row)
    for sheet in template.sheets:
        assert sheet.name in text
        for col in sheet.columns:
            matches = [r for r in by_header[col.header] if r[2] == col.help]
            assert matches, col.header
            row = matches[0]
            assert row[3] == col.requirement_text(sheet)
            assert row[5] == col.rule_text()
            assert str(row[6]) == col.example
        for rule in sheet.rules:
            assert rule.message in text
    assert "不要修改" in text and "原样报回" in text


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_defined_names_and_custom_properties_identify_template(unit_dir, template_id):
    template = template_of(template_id)
    wb = openpyxl.load_workbook(unit_path(unit_dir, template))
    names = {name: wb.defined_names[name].attr_text for name in
             (DEFINED_NAME_TEMPLATE, DEFINED_NAME_VERSION, DEFINED_NAME_UNIT)}
    assert names == {DEFINED_NAME_TEMPLATE: f'"{template.id}"', DEFINED_NAME_VERSION: f'"{template.version}"',
                     DEFINED_NAME_UNIT: f'"{UNIT.name}"'}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[T.CUSTOM_PROP_TEMPLATE] == template.id
    assert props[T.CUSTOM_PROP_VERSION] == template.version
    assert props[T.CUSTOM_PROP_UNIT] == UNIT.name
    assert wb.properties.title == template.file_name(UNIT.name, PERIOD.name)[:-5]


def test_blank_template_unit_defined_name_is_empty(blank_dir):
    wb = openpyxl.load_workbook(blank_path(blank_dir, SURVEY))
    assert wb.defined_names[DEFINED_NAME_UNIT].attr_text == '""'


# ---------------------------------------------------------------------------
# Filling
# ---------------------------------------------------------------------------


def test_fill_rows_writes_dates_percent_and_phone_in_schema_order(tmp_path):
    wb = T.build_workbook(TASK_LEDGER, unit=UNIT.name, period=PERIOD)
    T.fill_rows(wb, "tasks", [{"seq": 1, "list_type": "重点任务", "name": "组建先锋队", "deadline": dt.date(2022, 6, 30),
                               "progress": 85, "status": "推进中", "result_value": 6, "result_unit": "支"}])
    wb2 = T.build_workbook(SURVEY, unit=UNIT.name, period=PERIOD)
    T.fill_rows(wb2, "visits", [{"seq": 1, "phone": 5318765432, "visit_date": dt.datetime(2022, 3, 15)}])
    T.set_meta(wb2, filler="李明", phone="13812345678", fill_date=dt.date(2022, 3, 31))
    p1, p2 = T.save_workbook(wb, tmp_path / "t.xlsx"), T.save_workbook(wb2, tmp_path / "s.xlsx")

    ws = openpyxl.load_workbook(p1)["任务清单"]
    keys = TASK_LEDGER.sheets[0].keys
    progress = ws.cell(FIRST_DATA_ROW, keys.index("progress") + 1)
    assert progress.value == pytest.approx(0.85) and progress.number_format == "0%"
    deadline = ws.cell(FIRST_DATA_ROW, keys.index("deadline") + 1)
    assert deadline.value.date() == dt.date(2022, 6, 30) and deadline.number_format == "yyyy-mm-dd"
    assert ws.cell(FIRST_DATA_ROW, keys.index("name") + 1).value == "组建先锋队"

    ws2 = openpyxl.load_workbook(p2)["走访记录"]
    vkeys = SURVEY.sheets[0].keys
    phone = ws2.cell(FIRST_DATA_ROW, vkeys.index("phone") + 1)
    assert phone.value == "5318765432" and phone.data_type == "s"
    cells = {label: ws2.cell(META_ROW, first).value for label, _, first, _ in T.meta_layout(SURVEY.sheets[0])}
    assert cells["填报人"] == "李明" and cells["联系电话"] == "13812345678"
    assert cells["填报日期"].date() == dt.date(2022, 3, 31)
    cal = CalamineWorkbook.from_path(str(p2)).get_sheet_by_name("走访记录").to_python()
    assert cal[FIRST_DATA_ROW - 1][vkeys.index("visit_date")] == dt.date(2022, 3, 15)


def test_fill_rows_keeps_text_starting_with_equals_as_text(tmp_path):
    wb = T.build_workbook(SURVEY)
    T.fill_rows(wb, "visits", [{"seq": 1, "content": "=了解情况"}])
    ws = openpyxl.load_workbook(T.save_workbook(wb, tmp_path / "x.xlsx"))["走访记录"]
    cell = ws.cell(FIRST_DATA_ROW, SURVEY.sheets[0].keys.index("content") + 1)
    assert cell.value == "=了解情况" and cell.data_type == "s"


# ---------------------------------------------------------------------------
# Output folders, determinism, committed files
# ---------------------------------------------------------------------------


def test_non_ascii_output_folder_works(tmp_path):
    out = tmp_path / "下发模板 2022年 第一季度"
    paths = T.write_unit_templates(out, [Unit("03", "政策法规科")], PERIOD)
    assert len(paths) == len(TEMPLATES) and all(p.is_file() for p in paths)
    assert not list(out.glob(".~tmp-*"))
    assert openpyxl.load_workbook(paths[0]).active.cell(TITLE_ROW, 1).value.startswith("政策法规科")


def test_unit_name_with_slash_still_gives_a_valid_file_name(tmp_path):
    paths = T.write_unit_templates(tmp_path, [Unit("09", "城建/规划科")], PERIOD)
    assert [p.parent for p in paths] == [tmp_path] * len(TEMPLATES)
    assert (tmp_path / "城建_规划科-大走访大调研台账-2022年第一季度.xlsx").is_file()
    ws = openpyxl.load_workbook(paths[0]).active
    assert ws.cell(TITLE_ROW, 1).value.startswith("城建/规划科")


def test_generation_is_byte_for_byte_deterministic(tmp_path):
    a = T.write_template(tmp_path / "a.xlsx", SURVEY, unit=UNIT.name, period=PERIOD)
    b = T.write_template(tmp_path / "b.xlsx", SURVEY, unit=UNIT.name, period=PERIOD)
    assert a.read_bytes() == b.read_bytes()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in sorted(z.namelist())}


@pytest.mark.parametrize("template_id", IDS)
def test_committed_blank_templates_are_up_to_date(tmp_path, template_id):
    template = template_of(template_id)
    committed = T.REPO_TEMPLATES_DIR / template.file_name(None, None)
    assert committed.is_file(), f"missing {committed}: run python -m toolkit.templates"
    fresh = T.write_blank_templates(tmp_path)
    fresh_path = next(p for p in fresh if p.name == committed.name)
    assert _parts(fresh_path) == _parts(committed), "stale template: run python -m toolkit.templates and commit"


def test_main_regenerates_into_given_folder(tmp_path, capsys):
    assert T.main([str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {t.file_name(None, None) for t in TEMPLATES}
    assert "已生成" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# LibreOffice
# ---------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.parametrize("template_id", IDS)
def test_libreoffice_converts_unit_template_to_pdf(unit_dir, to_pdf, pdf_text, template_id):
    template = template_of(template_id)
    pdf = to_pdf(unit_path(unit_dir, template))
    text = pdf_text(pdf)
    assert template.sheets[0].headers[1] in text
    assert UNIT.name in text


@pytest.mark.libreoffice
def test_libreoffice_converts_blank_template_to_pdf(blank_dir, to_pdf):
    assert to_pdf(blank_path(blank_dir, SURVEY)).stat().st_size > 0


def test_unit_copies_equal_a_full_build_for_that_unit(tmp_path):
    """write_unit_templates clones one prototype per template; each copy must be the
    workbook a full build for that unit gives (compared part by part, text decoded)."""
    import html
    import zipfile

    from toolkit.model import Unit
    from toolkit.templates import TEMPLATES, write_template, write_unit_templates

    period = parse_period("2022Q1")
    units = [Unit("01", "党建办"), Unit("02", 'A&B<"科">')]
    copies = write_unit_templates(tmp_path / "copies", units, period, "XX局")
    assert len(copies) == len(units) * len(TEMPLATES)
    for unit in units:
        for template in TEMPLATES:
            copy_path = next(p for p in copies if p.name.startswith(unit.name.replace('"', "_").replace("<", "_")
                                                                   .replace(">", "_"))
                             and template.name in p.name)
            full = write_template(tmp_path / "full.xlsx", template, unit=unit.name, period=period, org="XX局")
            with zipfile.ZipFile(copy_path) as a, zipfile.ZipFile(full) as b:
                assert sorted(a.namelist()) == sorted(b.namelist())
                for name in a.namelist():
                    assert html.unescape(a.read(name).decode()) == html.unescape(b.read(name).decode()), name


# ---------------------------------------------------------------------------
# 填表说明 of a period: its examples, its first sentence, its header on every page
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def q2_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("q2")
    T.write_unit_templates(out, [UNIT], parse_period("2022Q2"), org="XX市XX局")
    return out


def _guide(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(GUIDE_SHEET).to_python()


def test_the_guide_of_a_second_quarter_template_gives_second_quarter_examples(q2_dir):
    q2 = parse_period("2022Q2")
    rows = _guide(q2_dir / SURVEY.file_name(UNIT.name, q2.name))
    text = "\n".join(str(v) for row in rows for v in row)
    assert "2022-04-29" not in text and "2022-03-" not in text  # the first quarter's dates are gone
    examples = {row[1]: str(row[6]) for row in rows if len(row) > 6 and row[0] and str(row[0]).isalpha()}
    assert examples["走访日期"] == "2022-06-15" and examples["交办日期"] == "2022-06-16"
    assert "日期写成 2022-06-30 的形式" in text
    assert "本模板用于2022年第二季度（2022-04-01至2022-06-30）的报送" in text
    visit_rule = next(row[5] for row in rows if len(row) > 6 and row[1] == "走访日期")
    assert visit_rule.startswith("填写日期，如 2022-06-30")


def test_the_guide_starts_with_a_whole_sentence(q2_dir):
    rows = _guide(q2_dir / SURVEY.file_name(UNIT.name, "2022年第二季度"))
    first = next(str(row[0]) for row in rows if str(row[0]).startswith("1. "))
    assert first == ("1. 本文件是“大走访大调研台账”标准模板（版本 1），用于填报走访记录和由走访等渠道发现的问题清单，"
                     "包含2张填报表：“走访记录”“问题清单”。")


@pytest.mark.parametrize("template_id", IDS)
def test_the_guide_repeats_its_column_header_on_every_page(q2_dir, template_id):
    template = template_of(template_id)
    ws = openpyxl.load_workbook(q2_dir / template.file_name(UNIT.name, "2022年第二季度"))[GUIDE_SHEET]
    heads = [row[0].row for row in ws.iter_rows() if tuple(c.value for c in row[:7]) == T.GUIDE_HEAD]
    assert len(heads) == 1  # one table of every column, one header
    assert ws.print_title_rows == f"${heads[0]}:${heads[0]}"
    for row in ws.iter_rows(min_row=heads[0] + 1):  # every row as tall as its wrapped text
        for cell in row:
            if isinstance(cell.value, str) and cell.column == 3 and len(cell.value) > 30:
                assert ws.row_dimensions[cell.row].height > 20


def test_templates_record_their_period(q2_dir):
    wb = openpyxl.load_workbook(q2_dir / SURVEY.file_name(UNIT.name, "2022年第二季度"))
    assert wb.defined_names["toolkit_period"].attr_text == '"2022Q2"'
    assert {p.name: p.value for p in wb.custom_doc_props.props}[T.CUSTOM_PROP_PERIOD] == "2022Q2"


@pytest.mark.libreoffice
def test_libreoffice_prints_the_guide_header_on_its_continuation_pages(q2_dir, to_pdf, tmp_path):
    from pypdf import PdfReader

    wb = openpyxl.load_workbook(q2_dir / SURVEY.file_name(UNIT.name, "2022年第二季度"))
    for ws in wb.worksheets:  # the guide alone
        ws.sheet_state = "visible" if ws.title == GUIDE_SHEET else "hidden"
    wb.active = wb.sheetnames.index(GUIDE_SHEET)
    wb.save(tmp_path / "guide.xlsx")
    pages = [p.extract_text() for p in PdfReader(str(to_pdf(tmp_path / "guide.xlsx"))).pages]
    assert len(pages) >= 2
    for text in pages[1:]:
        assert "填写要求/可选值" in text and "是否必填" in text


def test_templates_of_units_renamed_or_removed_are_deleted_and_nothing_else(tmp_path):
    from toolkit import api
    from toolkit.config import edit_config_text, init_workspace, load_workspace, unit_entry

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "办公室"), Unit("02", "党建办"),
                                                                 Unit("03", "政策法规科")])
    api.make_templates(ws)
    folder = ws.templates_dir
    mine = folder / "我的说明.xlsx"
    mine.write_bytes(b"kept")
    copies = [folder / f"办公室-{TEMPLATES[1].name}-2022年第一季度 - 副本.xlsx",  # a clerk's own copies
              folder / f"党建办-{TEMPLATES[0].name}-2022年第一季度（改）.xlsx",
              folder / f"党建办-{TEMPLATES[0].name}-2021年第四季度.xlsx"]
    for copy in copies:
        copy.write_bytes(b"kept")
    text = edit_config_text(ws.config_path.read_text(encoding="utf-8"),
                            {("", "units"): [unit_entry(Unit("01", "办公室")), unit_entry(Unit("02", "机关党委"))]})
    ws.config_path.write_text(text, encoding="utf-8")
    removed: list[Path] = []
    api.make_templates(load_workspace(ws.root), removed=removed)
    names = sorted(p.name for p in folder.glob("*.xlsx"))
    assert names == sorted([f"{u}-{t.name}-2022年第一季度.xlsx" for u in ("办公室", "机关党委") for t in TEMPLATES]
                           + ["我的说明.xlsx"] + [c.name for c in copies])
    assert sorted(p.name for p in removed) == sorted(f"{u}-{t.name}-2022年第一季度.xlsx" for u in ("党建办", "政策法规科")
                                                     for t in TEMPLATES)
    assert mine.read_bytes() == b"kept"
