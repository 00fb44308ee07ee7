"""Standardized Excel templates, built with openpyxl from ``toolkit.schema``.

Every header, list, rule, help text and example comes from the schema; this
module only decides the layout (see field-guide §2 and the constants in
``schema``):

* row ``TITLE_ROW``: ``{unit}{sheet.title}（{period.name}）`` merged across the columns;
* row ``META_ROW``: ``填报单位：`` ``填报人：`` ``联系电话：`` ``填报日期：`` each followed
  by its value cell;
* row ``HEADER_ROW``: the schema headers (required columns in red, conditionally
  required in orange — never a marker inside the header text, readers match it);
* ``PREPARED_ROWS`` data rows from ``FIRST_DATA_ROW``: unlocked, number formats,
  dropdowns fed from the hidden ``LISTS_SHEET``, numeric/date validation,
  input messages; borders appear (conditional format) as soon as a row is used so
  that a blank form prints on one page;
* a ``GUIDE_SHEET`` (填表说明) generated from the schema;
* defined names and custom document properties identifying the template.

``python -m toolkit.templates`` regenerates the committed blank templates in
``workbook_templates/``; output is byte-for-byte deterministic.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from copy import copy
from collections.abc import Iterable
from pathlib import Path

import openpyxl
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.writer.excel import ExcelWriter

from .celltext import clean, write_text, write_value
from .io import write_bytes_atomic
from .model import Carried, Period, Unit
from .paths import safe_name
from .schema import (
    DEFINED_NAME_PERIOD,
    DEFINED_NAME_TEMPLATE,
    DEFINED_NAME_UNIT,
    DEFINED_NAME_VERSION,
    FIRST_DATA_ROW,
    GUIDE_SHEET,
    HEADER_ROW,
    KIND_LABELS,
    LISTS_SHEET,
    NUMBER_LIMIT,
    META_LABELS,
    META_ROW,
    PREPARED_ROWS,
    SHEETS,
    TEMPLATES,
    TITLE_ROW,
    Column,
    SheetSchema,
    TemplateSchema,
    example_date,
    template_by_id,
)
from .text import row_height

__all__ = [
    "build_workbook",
    "write_template",
    "write_blank_templates",
    "write_unit_templates",
    "fill_rows",
    "set_meta",
    "save_workbook",
    "meta_layout",
    "list_ranges",
    "NUMBER_FORMATS",
    "CUSTOM_PROP_TEMPLATE",
    "CUSTOM_PROP_VERSION",
    "CUSTOM_PROP_UNIT",
    "CUSTOM_PROP_PERIOD",
    "FIXED_TIMESTAMP",
    "REPO_TEMPLATES_DIR",
]

# Custom document properties (same names as the defined names).
CUSTOM_PROP_TEMPLATE = "toolkit_template"
CUSTOM_PROP_VERSION = "toolkit_version"
CUSTOM_PROP_UNIT = "toolkit_unit"
CUSTOM_PROP_PERIOD = "toolkit_period"

# Core-property and zip-entry timestamp of every generated template: generation is
# deterministic, so the committed blank templates can be checked for staleness.
FIXED_TIMESTAMP = dt.datetime(2022, 1, 1, 0, 0, 0)

REPO_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "workbook_templates"

NUMBER_FORMATS: dict[str, str] = {
    "int": "0",
    "number": "General",
    "percent": "0%",
    "date": "yyyy-mm-dd",
    "text": "@",
    "longtext": "@",
    "choice": "@",
    "phone": "@",
}

# Date validation when no period is known (or for dates not bound to the period).
PREPARED_MARGIN = 100  # prepared rows left below a unit's carried items for new ones
BROAD_DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
PHONE_LENGTH = (7, 20)  # textLength validation of phone columns (warning only)

# Excel limits on data validation texts.
_PROMPT_TITLE_MAX = 32
_PROMPT_MAX = 255

# ---------------------------------------------------------------------------
# Styles
# ---------------------------------------------------------------------------

_FONT_NAME = "宋体"
_THIN = Side(style="thin", color="FF808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(name=_FONT_NAME, size=16, bold=True)
_META_LABEL_FONT = Font(name=_FONT_NAME, size=11, bold=True)
_META_VALUE_FONT = Font(name=_FONT_NAME, size=11)
_META_VALUE_BORDER = Border(bottom=Side(style="thin", color="FF000000"))
_HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
_HEADER_FONTS = {
    "required": Font(name=_FONT_NAME, size=11, bold=True, color="FFC00000"),
    "conditional": Font(name=_FONT_NAME, size=11, bold=True, color="FFC65911"),
    "optional": Font(name=_FONT_NAME, size=11, bold=True, color="FF000000"),
}
_HEADER_LEGEND = (
    "表头文字为红色的列必须填写；橙色的列在一定条件下必须填写（见“是否必填”）；黑色的列可以不填。"
)
_DATA_FONT = Font(name=_FONT_NAME, size=11)
_SYSTEM_FONT = Font(name=_FONT_NAME, size=10, color="FF595959")  # 编号: filled by the toolkit
_SYSTEM_FILL = PatternFill("solid", fgColor="FFEDEDED")
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_GUIDE_HEAD_FILL = PatternFill("solid", fgColor="FFDDEBF7")
_GUIDE_SECTION_FILL = PatternFill("solid", fgColor="FFF2F2F2")

_LONG_TEXT_KINDS = ("text", "longtext")


def _data_alignment(col: Column) -> Alignment:
    if col.kind in _LONG_TEXT_KINDS:
        return Alignment(horizontal="left", vertical="center", wrap_text=True)
    return Alignment(horizontal="center", vertical="center", wrap_text=col.kind != "date")


# ---------------------------------------------------------------------------
# Layout helpers shared with other modules (markup, tests)
# ---------------------------------------------------------------------------


def meta_layout(sheet: SheetSchema) -> list[tuple[str, int, int, int]]:
    """Where the meta row's labels and values go: ``(label, label_col, value_first, value_last)``.

    1-based columns. Each label sits in a single cell (readers take the cell right
    after the label as its value); the value cell is merged up to ``value_last``.
    The columns are shared out so that each pair gets about a quarter of the
    sheet's width and each label sits in a column wide enough to show it.
    """
    widths = [c.width for c in sheet.columns]
    n = len(widths)
    total = sum(widths)
    pairs = len(META_LABELS)
    out: list[tuple[str, int, int, int]] = []
    pos = 0  # 0-based first free column
    for i, label in enumerate(META_LABELS):
        remaining_after = pairs - i - 1
        last_allowed = n - 1 - 2 * remaining_after  # keep two columns per later pair
        label_col = pos
        while label_col + 1 < last_allowed and widths[label_col] < 9:
            label_col += 1
        if remaining_after == 0:
            value_last = n - 1
        else:
            target = total * (i + 1) / pairs
            value_last = label_col + 1
            while value_last + 1 <= last_allowed and sum(widths[: value_last + 1]) < target:
                value_last += 1
        out.append((label, label_col + 1, label_col + 2, value_last + 1))
        pos = value_last + 1
    return out


def list_ranges(template: TemplateSchema) -> dict[tuple[str, str], tuple[str, str, list[str]]]:
    """Every dropdown list of a template on ``LISTS_SHEET``.

    ``(sheet key, column key) -> (column letter, absolute range formula, values)``.
    Row 1 of the lists sheet names the list; the values start in row 2.
    """
    out: dict[tuple[str, str], tuple[str, str, list[str]]] = {}
    index = 0
    for sheet in template.sheets:
        for col in sheet.columns:
            if not col.is_list:
                continue
            index += 1
            letter = get_column_letter(index)
            last = 1 + len(col.choices)
            formula = f"'{LISTS_SHEET}'!${letter}$2:${letter}${last}"
            out[(sheet.key, col.key)] = (letter, formula, list(col.choices))
    return out


def _title_text(sheet: SheetSchema, unit: str | None, period: Period | None) -> str:
    text = f"{unit or ''}{sheet.title}"
    if period is not None:
        text += f"（{period.name}）"
    return text


def _date_bounds(col: Column, period: Period | None) -> tuple[dt.date, dt.date]:
    if col.in_period and period is not None:
        return period.start, period.end
    return BROAD_DATE_RANGE


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _requirement_sentence(col: Column, sheet: SheetSchema) -> str:
    return col.requirement_text(sheet)


def _prompt(col: Column, sheet: SheetSchema, period: Period | None) -> str:
    parts = [_requirement_sentence(col, sheet) + "。"]
    if col.help:
        parts.append(col.help)
    rule = col.rule_text(period)
    if col.kind == "date" and col.in_period and period is not None:
        rule += f"（{_fmt_date(period.start)}至{_fmt_date(period.end)}）"
    if rule:
        parts.append(rule + "。")
    return _clip("".join(parts), _PROMPT_MAX)


def _fmt_date(value: dt.date) -> str:
    return value.isoformat()


def _error_message(col: Column, sheet: SheetSchema, period: Period | None) -> str:
    name = f"“{col.header}”"
    if col.kind == "choice":
        text = f"{name}只能从下拉列表中选择：{'／'.join(col.choices)}。请点击单元格右侧的箭头选择，不要自行输入。"
    elif col.kind == "int":
        low = 0 if col.minimum is None else int(col.minimum)
        text = f"{name}应填写不小于{low}的整数"
        if col.maximum is not None:
            text += f"、不大于{int(col.maximum)}"
        text += "，只填数字，不要带单位或文字。"
    elif col.kind == "percent":
        text = f"{name}应填写0%～100%之间的百分比，如 85%（直接输入 85 即可）。"
    elif col.kind == "number":
        text = f"{name}应填写数字"
        if col.minimum is not None:
            text += f"（不小于{col.minimum:g}）"
        text += "，不要带单位或文字"
        if col.unit_column:
            text += f"，单位填在“{sheet.column(col.unit_column).header}”列"
        text += "。"
    elif col.kind == "date":
        low, high = _date_bounds(col, period)
        if col.in_period and period is not None:
            text = f"{name}应在本期（{period.name}，{_fmt_date(low)}至{_fmt_date(high)}）之内，格式如 {_fmt_date(low)}。"
        else:
            text = f"{name}应填写日期，格式如 {example_date(period)}。"
    elif col.kind == "phone":
        text = f"{name}应填写11位手机号或带区号的座机号（如 0531-12345678）。"
    else:
        text = f"{name}：{col.rule_text(period) or col.help}"
    return _clip(text, _PROMPT_MAX)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _error_title(col: Column) -> str:
    return _clip(f"“{col.header}”填写有误", _PROMPT_TITLE_MAX)


def _validation(col: Column, sheet: SheetSchema, period: Period | None,
                lists: dict[tuple[str, str], tuple[str, str, list[str]]]) -> DataValidation:
    kwargs: dict[str, object] = {}
    style = "stop"
    if col.system:  # 编号: typing into it is refused (clearing it is not: the row then counts as new)
        letter = get_column_letter(sheet.keys.index(col.key) + 1)
        kwargs = {"type": "custom", "formula1": f"LEN({letter}{FIRST_DATA_ROW})=0"}
    elif col.kind == "choice":
        kwargs = {"type": "list", "formula1": lists[(sheet.key, col.key)][1]}
    elif col.kind == "int":
        low = 0 if col.minimum is None else int(col.minimum)
        if col.maximum is not None:
            kwargs = {"type": "whole", "operator": "between", "formula1": str(low),
                      "formula2": str(int(col.maximum))}
        else:
            kwargs = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": str(low)}
    elif col.kind == "percent":
        kwargs = {"type": "decimal", "operator": "between", "formula1": "0", "formula2": "1"}
    elif col.kind == "number":
        low = -NUMBER_LIMIT if col.minimum is None else col.minimum
        high = NUMBER_LIMIT if col.maximum is None else col.maximum
        kwargs = {"type": "decimal", "operator": "between", "formula1": _number_text(low),
                  "formula2": _number_text(high)}
    elif col.kind == "date":
        low, high = _date_bounds(col, period)
        kwargs = {"type": "date", "operator": "between", "formula1": str(int(to_excel(low))),
                  "formula2": str(int(to_excel(high)))}
    elif col.kind == "phone":
        kwargs = {"type": "textLength", "operator": "between", "formula1": str(PHONE_LENGTH[0]),
                  "formula2": str(PHONE_LENGTH[1])}
        style = "warning"
    has_rule = bool(kwargs)
    dv = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle=_clip(col.header, _PROMPT_TITLE_MAX),
        prompt=_prompt(col, sheet, period),
        showErrorMessage=has_rule,
        **kwargs,
    )
    if has_rule:
        dv.errorStyle = style
        dv.errorTitle = _error_title(col)
        dv.error = _error_message(col, sheet, period)
    if col.system:
        dv.errorTitle = _clip(f"“{col.header}”由系统填写", _PROMPT_TITLE_MAX)
        dv.error = _clip(f"“{col.header}”由系统填写，请勿输入或修改。新增的条目请让“{col.header}”留空。", _PROMPT_MAX)
    return dv


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def _protect(ws, *, allow_edit_rows: bool) -> None:
    ws.protection = SheetProtection(
        sheet=True,
        formatCells=True,
        formatRows=not allow_edit_rows,
        formatColumns=not allow_edit_rows,
        insertRows=not allow_edit_rows,
        deleteRows=not allow_edit_rows,
        sort=not allow_edit_rows,
        autoFilter=not allow_edit_rows,
        selectLockedCells=False,
        selectUnlockedCells=False,
    )


def print_setup(ws, *, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = 0.3
    ws.page_margins.right = 0.3
    ws.page_margins.top = 0.5
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.evenFooter.center.text = "第 &P 页，共 &N 页"


def _style_data_cell(cell, col: Column) -> None:
    cell.number_format = NUMBER_FORMATS[col.kind]
    cell.protection = _UNLOCKED
    cell.alignment = _data_alignment(col)
    cell.font = _SYSTEM_FONT if col.system else _DATA_FONT
    if col.system:
        cell.fill = _SYSTEM_FILL


def _build_data_sheet(wb, template: TemplateSchema, sheet: SheetSchema, unit: str | None,
                      period: Period | None, lists, prepared_rows: int = PREPARED_ROWS) -> None:
    ws = wb.create_sheet(sheet.name)
    ncols = len(sheet.columns)
    last_letter = get_column_letter(ncols)
    last_row = FIRST_DATA_ROW + prepared_rows - 1

    for i, col in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width

    # Title
    title = write_text(ws, TITLE_ROW, 1, _title_text(sheet, unit, period))
    title.font = _TITLE_FONT
    title.alignment = Alignment(horizontal="center", vertical="center")
    title.protection = _LOCKED
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
    ws.row_dimensions[TITLE_ROW].height = 36

    # Meta row
    for label, label_col, first, last in meta_layout(sheet):
        lc = ws.cell(META_ROW, label_col, f"{label}：")
        lc.font = _META_LABEL_FONT
        lc.alignment = Alignment(horizontal="right", vertical="center")
        lc.protection = _LOCKED
        locked = label == META_LABELS[0] and bool(unit)
        for c in range(first, last + 1):
            vc = ws.cell(META_ROW, c)
            vc.protection = _LOCKED if locked else _UNLOCKED
            vc.border = _META_VALUE_BORDER
            vc.font = _META_VALUE_FONT
            vc.alignment = Alignment(horizontal="left", vertical="center", shrink_to_fit=True)
            if label == META_LABELS[2]:
                vc.number_format = "@"
            elif label == META_LABELS[3]:
                vc.number_format = "yyyy-mm-dd"
        if label == META_LABELS[0] and unit:
            write_text(ws, META_ROW, first, unit)
        if last > first:
            ws.merge_cells(start_row=META_ROW, start_column=first, end_row=META_ROW, end_column=last)
        if label == META_LABELS[3]:
            dv = DataValidation(type="date", operator="between", allow_blank=True,
                                formula1=str(int(to_excel(BROAD_DATE_RANGE[0]))),
                                formula2=str(int(to_excel(BROAD_DATE_RANGE[1]))),
                                showErrorMessage=True, errorStyle="stop",
                                errorTitle="填报日期有误", error=f"请填写日期，格式如 {example_date(period)}。",
                                showInputMessage=True, promptTitle="填报日期",
                                prompt=f"填写报送本表的日期，如 {example_date(period)}。")
            dv.add(ws.cell(META_ROW, first).coordinate)
            ws.add_data_validation(dv)
    ws.row_dimensions[META_ROW].height = 24

    # Header
    for i, col in enumerate(sheet.columns, start=1):
        hc = ws.cell(HEADER_ROW, i, col.header)
        level = "required" if col.required else "conditional" if col.required_when else "optional"
        hc.font = _HEADER_FONTS[level]
        hc.fill = _HEADER_FILL
        hc.border = _BORDER
        hc.alignment = _CENTER
        hc.protection = _LOCKED
    ws.row_dimensions[HEADER_ROW].height = 36

    # Prepared data rows
    for i, col in enumerate(sheet.columns, start=1):
        proto = ws.cell(FIRST_DATA_ROW, i)
        _style_data_cell(proto, col)
        for r in range(FIRST_DATA_ROW + 1, last_row + 1):
            ws.cell(r, i)._style = copy(proto._style)  # same style id, far faster than re-styling
        dv = _validation(col, sheet, period, lists)
        letter = get_column_letter(i)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        ws.add_data_validation(dv)

    # Borders appear on a row once it holds something (a blank form prints on one page).
    data_ref = f"A{FIRST_DATA_ROW}:{last_letter}{last_row}"
    ws.conditional_formatting.add(
        data_ref,
        FormulaRule(formula=[f"COUNTA($A{FIRST_DATA_ROW}:${last_letter}{FIRST_DATA_ROW})>0"],
                    border=_BORDER, stopIfTrue=False),
    )

    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1).coordinate
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{last_row}"
    print_setup(ws, landscape=True, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    _protect(ws, allow_edit_rows=True)


def _build_lists_sheet(wb, template: TemplateSchema, lists) -> None:
    ws = wb.create_sheet(LISTS_SHEET)
    for (sheet_key, col_key), (letter, _formula, values) in lists.items():
        sheet = next(s for s in template.sheets if s.key == sheet_key)
        col_idx = openpyxl.utils.column_index_from_string(letter)
        head = ws.cell(1, col_idx, f"{sheet.name}-{sheet.column(col_key).header}")
        head.font = Font(name=_FONT_NAME, bold=True)
        for r, value in enumerate(values, start=2):
            ws.cell(r, col_idx, value).number_format = "@"
        ws.column_dimensions[letter].width = 22
    ws.sheet_state = "hidden"
    _protect(ws, allow_edit_rows=False)


GUIDE_HEAD = ("列", "列名", "含义", "是否必填", "数据类型", "填写要求/可选值", "示例")


def _guide_rows(template: TemplateSchema, period: Period | None = None) -> Iterable[tuple[str, object]]:
    """The 填表说明 content as (kind, payload) items, all derived from the schema; examples in ``period``.

    The general requirements, then one table of every column: a single header row (repeated on every
    printed page after it) and a group row per sheet."""
    labels = "、".join(f"“{m}”" for m in META_LABELS)
    sheets = "".join(f"“{s.name}”" for s in template.sheets)
    purpose = (template.description or "").rstrip("。")
    general = [
        f"本文件是“{template.name}”标准模板（版本 {template.version}）" + (f"，用于填报{purpose}" if purpose else "")
        + f"，包含{len(template.sheets)}张填报表：{sheets}。",
    ]
    if period is not None:
        general.append(f"本模板用于{period.name}（{period.start.isoformat()}至{period.end.isoformat()}）的报送，"
                       "不要用其他统计期的模板填报本期的情况。")
    general += [
        f"每张表第{TITLE_ROW}行是标题，第{META_ROW}行填写{labels}，第{HEADER_ROW}行是表头，"
        f"从第{FIRST_DATA_ROW}行起每条记录填一行，中间不要留空行，不要加“合计”行。",
        "不要修改、删除、移动表头，不要增加列，不要修改工作表名称，不要删除本说明和隐藏的下拉选项表。",
        f"有下拉箭头的列请从列表中选择；日期写成 {example_date(period)} 的形式；数量只填数字，不要带“人”“个”等单位；"
        "电话号码按文本填写，座机带区号。",
        _HEADER_LEGEND + "选中单元格时会出现填写提示，填写不符合要求时会弹出提示框。",
        "填好后直接保存（保持 .xlsx 格式），把这个文件原样报回，不要另存为其他表格或复制到新文件；"
        "同一张表中多条记录请按“序号”从1开始编号。",
    ]
    items = [s for s in template.sheets if any(c.system for c in s.columns)]
    if items:
        names = "、".join(f"“{s.name}”" for s in items)
        general.append(
            f"{names}中已经列出的、带有“编号”的行，是上期报送后尚未销号（完成）的条目，内容是上期报送的情况："
            "请在原行更新办理状态（推进状态）、日期、进度和结果，不要删除这些行，不要修改“编号”（灰色列）。"
            "本期新发现的问题、新增的任务，接着已列条目下方另起一行填写，“编号”留空，汇总时由系统编号。")
    yield ("title", f"{template.name}填表说明")
    yield ("section", "一、总体要求")
    for i, text in enumerate(general, start=1):
        yield ("para", f"{i}. {text}")
    yield ("section", "二、各列的填写要求")
    yield ("head", GUIDE_HEAD)
    for n, sheet in enumerate(template.sheets, start=1):
        group = f"（{n}）“{sheet.name}”表（{sheet.title}）"
        yield ("group", group + (f"：{sheet.description}" if sheet.description else ""))
        for i, col in enumerate(sheet.columns, start=1):
            yield ("row", (get_column_letter(i), col.header, col.help, col.requirement_text(sheet),
                           KIND_LABELS.get(col.kind, col.kind), col.rule_text(period), col.example_for(period)),
                   "required" if col.required else "conditional" if col.required_when else "optional")
        if sheet.rules:
            yield ("note", f"“{sheet.name}”表还须满足：" + "；".join(f"（{j}）{rule.message}"
                                                          for j, rule in enumerate(sheet.rules, start=1)) + "。")


_GUIDE_WIDTHS = (5, 12, 34, 16, 10, 36, 18)  # on A4 landscape at 90 % or more, however the program measures


def _build_guide_sheet(wb, template: TemplateSchema, period: Period | None = None) -> None:
    ws = wb.create_sheet(GUIDE_SHEET)
    ncols = len(_GUIDE_WIDTHS)
    for i, w in enumerate(_GUIDE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    total = sum(_GUIDE_WIDTHS)
    head_row = None
    r = 0
    for item in _guide_rows(template, period):
        kind = item[0]
        r += 1
        if kind == "title":
            c = ws.cell(r, 1, item[1])
            c.font = Font(name=_FONT_NAME, size=16, bold=True)
            c.alignment = Alignment(horizontal="center", vertical="center")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            ws.row_dimensions[r].height = 32
        elif kind == "section":
            r += 1 if r > 2 else 0
            c = ws.cell(r, 1, item[1])
            c.font = Font(name=_FONT_NAME, size=12, bold=True)
            c.alignment = Alignment(vertical="center")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            ws.row_dimensions[r].height = 22
        elif kind in ("para", "group", "note"):
            c = ws.cell(r, 1, item[1])
            c.font = Font(name=_FONT_NAME, size=11, bold=kind == "group")
            c.alignment = Alignment(vertical="center", wrap_text=True)
            if kind != "para":
                c.fill = _GUIDE_SECTION_FILL
                for i in range(1, ncols + 1):
                    ws.cell(r, i).border = _BORDER
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            ws.row_dimensions[r].height = row_height([(item[1], total)], line=15, most=None) or 20
        elif kind == "head":
            head_row = r
            for i, text in enumerate(item[1], start=1):
                c = ws.cell(r, i, text)
                c.font = Font(name=_FONT_NAME, size=11, bold=True)
                c.fill = _GUIDE_HEAD_FILL
                c.border = _BORDER
                c.alignment = _CENTER
            ws.row_dimensions[r].height = 22
        elif kind == "row":
            values, level = item[1], item[2]
            for i, text in enumerate(values, start=1):
                c = ws.cell(r, i, text)
                c.font = _HEADER_FONTS[level] if i == 2 else Font(name=_FONT_NAME, size=10)
                c.border = _BORDER
                c.number_format = "@"
                c.alignment = Alignment(horizontal="center" if i in (1, 2, 5) else "left",
                                        vertical="center", wrap_text=True)
            ws.row_dimensions[r].height = row_height(zip(values, _GUIDE_WIDTHS), line=14, most=None) or 20
    ws.sheet_view.showGridLines = False
    # the column table's header on every page after the first it is on
    print_setup(ws, landscape=True, title_rows=f"{head_row}:{head_row}" if head_row else None)
    _protect(ws, allow_edit_rows=False)


def build_workbook(template: TemplateSchema, *, unit: str | None = None, period: Period | None = None,
                   org: str | None = None, prepared_rows: int = PREPARED_ROWS) -> openpyxl.Workbook:
    """The template workbook (not saved): data sheets, 填表说明, hidden 下拉选项, metadata.

    ``prepared_rows``: data rows pre-formatted with checks. Distributed templates use
    PREPARED_ROWS; generators of filled-in samples (demo, tests) may ask for fewer.
    """
    unit = clean(unit) if unit else unit  # also into defined names and properties: XML text
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    lists = list_ranges(template)
    for sheet in template.sheets:
        _build_data_sheet(wb, template, sheet, unit, period, lists, prepared_rows)
    _build_guide_sheet(wb, template, period)
    _build_lists_sheet(wb, template, lists)
    wb.active = 0
    for i, ws in enumerate(wb.worksheets):
        ws.sheet_view.tabSelected = i == 0

    code = period.code if period is not None else ""
    for name, value in ((DEFINED_NAME_TEMPLATE, template.id), (DEFINED_NAME_VERSION, template.version),
                        (DEFINED_NAME_UNIT, unit or ""), (DEFINED_NAME_PERIOD, code)):
        escaped = str(value).replace('"', '""')
        wb.defined_names[name] = DefinedName(name, attr_text=f'"{escaped}"')
    for name, value in ((CUSTOM_PROP_TEMPLATE, template.id), (CUSTOM_PROP_VERSION, template.version),
                        (CUSTOM_PROP_UNIT, unit or ""), (CUSTOM_PROP_PERIOD, code)):
        wb.custom_doc_props.append(StringProperty(name=name, value=str(value)))

    props = wb.properties
    props.title = template.file_name(unit, period.name if period else None)[: -len(".xlsx")]
    props.subject = template.name
    props.creator = org or "toolkit"
    props.lastModifiedBy = org or "toolkit"
    props.description = template.description
    props.keywords = f"{template.id} v{template.version}"
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP

    wb.security = WorkbookProtection(lockStructure=True)
    return wb


# ---------------------------------------------------------------------------
# Filling (demo / test / benchmark generators, markup)
# ---------------------------------------------------------------------------


def _sheet_schema_of(wb, sheet_key: str) -> SheetSchema:
    for template in TEMPLATES:
        for sheet in template.sheets:
            if sheet.key == sheet_key and sheet.name in wb.sheetnames:
                return sheet
    raise KeyError(f"workbook has no sheet for {sheet_key!r}")


def _convert(col: Column, value: object) -> object:
    if value is None or value == "":
        return None
    if col.kind == "date" and isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if col.kind == "percent" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 100
    if col.kind == "phone" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def write_cell(ws, row: int, col_index: int, col: Column, value: object, *, on_cut=None) -> None:
    """Write one value into a data cell of a template sheet, with the column's format: text
    stays text (never a formula, :func:`toolkit.celltext.write_value`); ``on_cut(length, text)``
    is called when a text had to be cut to Excel's cell limit."""
    cell = write_value(ws, row, col_index, value, on_cut=on_cut)
    _style_data_cell(cell, col)
    cell.border = _BORDER


def _write_rows(wb, sheet_key: str, rows: list[dict[str, object]], *, convert: bool,
                first_row: int = FIRST_DATA_ROW) -> list[int]:
    sheet = _sheet_schema_of(wb, sheet_key)
    ws = wb[sheet.name]
    out = []
    for offset, values in enumerate(rows):
        r = first_row + offset
        for i, col in enumerate(sheet.columns, start=1):
            value = values.get(col.key)
            write_cell(ws, r, i, col, _convert(col, value) if convert else value)
        fit_row(ws, r, sheet, values)
        out.append(r)
    return out


def fit_row(ws, row: int, sheet: SheetSchema, values) -> None:
    """Make data row ``row`` as tall as its wrapped texts (``values``: schema key → value; text.row_height)."""
    height = row_height((values.get(col.key), col.width) for col in sheet.columns)
    if height is not None:
        ws.row_dimensions[row].height = height


def fill_rows(wb, sheet_key: str, rows: list[dict[str, object]], *, first_row: int = FIRST_DATA_ROW) -> None:
    """Write data rows (dicts keyed by schema column key) from ``first_row`` on.

    Dates are written as dates, percentages (schema values 0–100) as fractions in a
    ``0%`` cell, phone numbers as text. Other values are written as given, so test
    generators can write deliberately wrong values (text in a number column…).
    """
    _write_rows(wb, sheet_key, rows, convert=True, first_row=first_row)


def set_meta(wb, *, filler: str | None = None, phone: str | None = None,
             fill_date: dt.date | None = None) -> None:
    """Fill 填报人 / 联系电话 / 填报日期 in the meta row of every data sheet."""
    values = {META_LABELS[1]: filler, META_LABELS[2]: phone, META_LABELS[3]: fill_date}
    for template in TEMPLATES:
        for sheet in template.sheets:
            if sheet.name not in wb.sheetnames:
                continue
            ws = wb[sheet.name]
            for label, _label_col, first, _last in meta_layout(sheet):
                value = values.get(label)
                if value is None:
                    continue
                if label == META_LABELS[2] and not isinstance(value, str):
                    is_whole = isinstance(value, (int, float)) and float(value).is_integer()
                    value = str(int(value)) if is_whole else str(value)
                if isinstance(value, dt.datetime) and value.time() == dt.time():
                    value = value.date()
                cell = write_value(ws, META_ROW, first, value)  # submitted text stays text
                cell.number_format = "@" if label == META_LABELS[2] else (
                    "yyyy-mm-dd" if label == META_LABELS[3] else "General")


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry the same timestamp (byte-stable output)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # noqa: D401
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams worksheets through temporary files: keep their content, not their mtime.
        data = Path(filename).read_bytes()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def _package_bytes(wb, timestamp: dt.datetime = FIXED_TIMESTAMP) -> bytes:
    """The .xlsx package of ``wb`` with every timestamp fixed (byte-stable output)."""
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    buf = io.BytesIO()
    with _FixedTimeZip(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue()


def save_workbook(wb, path: Path, *, timestamp: dt.datetime | None = FIXED_TIMESTAMP,
                  folder: Path | None = None) -> Path:
    """Save atomically. With ``timestamp`` the core properties and zip entries carry it
    (deterministic output); with ``None`` the current time is used. ``folder``: the folder
    the file must stay in (:func:`toolkit.io.atomic_path`)."""
    path = Path(path)
    if timestamp is not None:
        return write_bytes_atomic(path, _package_bytes(wb, timestamp), folder=folder)
    now = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    wb.properties.modified = now
    if wb.properties.created == FIXED_TIMESTAMP:
        wb.properties.created = now
    buf = io.BytesIO()  # serialised in memory: a full disk fails one plain write, not openpyxl's zip (no traceback)
    wb.save(buf)
    return write_bytes_atomic(path, buf.getvalue(), folder=folder)


def write_template(path: Path, template: TemplateSchema, *, unit: str | None = None,
                   period: Period | None = None, org: str | None = None, folder: Path | None = None) -> Path:
    wb = build_workbook(template, unit=unit, period=period, org=org)
    return save_workbook(wb, path, folder=folder)


def write_blank_templates(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    return [write_template(out_dir / t.file_name(None, None), t) for t in TEMPLATES]


# A unit copy differs from its template only by the unit name, so each template is
# built and serialised once with this placeholder and copied per unit with the name
# substituted in the package parts (a few ms a copy instead of ~0.3 s of openpyxl).
UNIT_PLACEHOLDER = "〔填报单位占位〕"
#: zlib level of the unit copies: level 1 deflates a prefilled copy three times faster than the
#: default 6 for a file a few per cent larger
COPY_COMPRESSION = 1


def _placeholder_forms(text: str) -> tuple[bytes, bytes]:
    """The placeholder as it appears in the package: UTF-8 in some parts, numeric
    character references (``&#12308;…``) in the worksheets openpyxl writes."""
    return text.encode("utf-8"), "".join(f"&#{ord(ch)};" for ch in text).encode("ascii")


def _unit_copy(prototype: bytes, unit: str, rows: dict[str, list[dict[str, object]]] | None = None) -> bytes:
    """The prototype with the unit's name in place of the placeholder, and ``rows`` (sheet key →
    rows) written into the prepared rows of their sheets (toolkit.prefill)."""
    from xml.sax.saxutils import escape

    from .prefill import fill_sheet
    from .xlsx_fast import sheet_parts

    needles = _placeholder_forms(UNIT_PLACEHOLDER)
    in_text = escape(unit).encode("utf-8")
    in_formula = escape(unit.replace('"', '""')).encode("utf-8")  # defined names hold "quoted" constants
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(prototype)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        parts = {}
        if rows:
            names = sheet_parts(src)
            parts = {names[SHEETS[key].name]: key for key in rows}
        for info in src.infolist():
            data = src.read(info.filename)
            value = in_formula if info.filename == "xl/workbook.xml" else in_text
            for needle in needles:
                data = data.replace(needle, value)
            if info.filename in parts:
                key = parts[info.filename]
                data = fill_sheet(data, SHEETS[key], rows[key])
            dst.writestr(info, data, compresslevel=COPY_COMPRESSION)
    return out.getvalue()


def _prototype(template: TemplateSchema, period: Period, org: str | None,
               prepared_rows: int = PREPARED_ROWS) -> bytes | None:
    """The serialised template for UNIT_PLACEHOLDER, or None if the placeholder was altered
    anywhere (e.g. clipped inside a message), in which case each copy is built in full."""
    data = _package_bytes(build_workbook(template, unit=UNIT_PLACEHOLDER, period=period, org=org,
                                         prepared_rows=prepared_rows))
    prefixes = _placeholder_forms(UNIT_PLACEHOLDER[:4])
    fulls = _placeholder_forms(UNIT_PLACEHOLDER)
    found = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            part = archive.read(name)
            for prefix, full in zip(prefixes, fulls):
                if part.count(prefix) != part.count(full):
                    return None
                found += part.count(full)
    return data if found else None


def carried_rows(carried: Carried | None, sheet_key: str, unit_code: str) -> list[dict[str, object]]:
    """The open items of ``unit_code`` in ``sheet_key`` as template rows: every field as last
    reported, 序号 numbered from 1 (the 编号 is what identifies them)."""
    if carried is None or not unit_code:
        return []
    items = carried.open.get(sheet_key, {})
    keys = SHEETS[sheet_key].keys
    rows = []
    for n, item_id in enumerate(carried.by_unit.get(sheet_key, {}).get(unit_code, ()), start=1):
        row = {k: items[item_id].get(k) for k in keys}
        row["id"], row["seq"] = item_id, n
        rows.append(row)
    return rows


def unit_file_name(template: TemplateSchema, unit: str, period: Period, used: set[str]) -> str:
    """``党建办-大走访大调研台账-2022年第一季度.xlsx``: :meth:`TemplateSchema.file_name` made safe
    (unit and period names are configured text: :func:`toolkit.paths.safe_name`; a long unit name
    is cut, not the template's) and unique in ``used`` (compared as Windows does, ignoring case)."""
    tail = safe_name(f"-{template.name}-{period.name}", max_bytes=160) + ".xlsx"
    name = safe_name(unit, suffix=tail)
    n = 2
    while name.casefold() in used:
        name = safe_name(f"{unit}（{n}）", suffix=tail)
        n += 1
    used.add(name.casefold())
    return name


def write_unit_templates(out_dir: Path, units: list[Unit], period: Period, org: str | None = None,
                         carried: Carried | None = None) -> list[Path]:
    """One copy of each template per unit; with ``carried``, 问题清单 and 任务清单 list what the unit
    still has open (toolkit.prefill). Many copies are written by a small process pool
    (:func:`toolkit.runtime.pool_map`; the same files, in the same order)."""
    from functools import partial

    from . import runtime

    out_dir = Path(out_dir)
    fills = {(u.code, s.key): carried_rows(carried, s.key, u.code) for u in units for t in TEMPLATES
             for s in t.sheets}
    most = max((len(rows) for rows in fills.values()), default=0)
    prepared = max(PREPARED_ROWS, most + PREPARED_MARGIN)
    prototypes = {t.id: _prototype(t, period, org, prepared) for t in TEMPLATES} if units else {}
    used: set[str] = set()
    jobs: list[tuple[Path, str, str, dict[str, list[dict[str, object]]]]] = []
    for unit in units:
        name = clean(unit.name)  # placed into the package's XML parts as text
        for template in TEMPLATES:
            path = out_dir / unit_file_name(template, name, period, used)
            rows = {s.key: fills[(unit.code, s.key)] for s in template.sheets if fills[(unit.code, s.key)]}
            jobs.append((path, template.id, name, rows))
    copies = [job for job in jobs if prototypes[job[1]] is not None]
    written: dict[Path, Path] = {}
    workers = runtime.read_workers(len(copies) // 2) if copies else 1  # a copy costs half a file's read
    write = partial(_write_copy, prototypes=prototypes, folder=out_dir)
    if workers > 1:
        try:
            for job, path in zip(copies, runtime.pool_map(write, copies, workers)):
                written[job[0]] = path
        except Exception:  # noqa: BLE001 - no pool here (sandbox, frozen app): the rest in this process
            pass
    for job in jobs:
        if job[0] in written:
            continue
        path, template_id, name, rows = job
        if prototypes[template_id] is not None:
            written[path] = write(job)
            continue
        wb = build_workbook(template_by_id(template_id), unit=name, period=period, org=org, prepared_rows=prepared)
        for key, values in rows.items():
            _write_rows(wb, key, values, convert=True)
        written[path] = save_workbook(wb, path, folder=out_dir)
    return [written[job[0]] for job in jobs]


def _write_copy(job: tuple[Path, str, str, dict[str, list[dict[str, object]]]], *,
                prototypes: dict[str, bytes | None], folder: Path) -> Path:
    path, template_id, name, rows = job
    return write_bytes_atomic(path, _unit_copy(prototypes[template_id], name, rows), folder=folder)


def main(argv: list[str] | None = None) -> int:
    """Regenerate the committed blank templates in ``workbook_templates/``."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else REPO_TEMPLATES_DIR
    for path in write_blank_templates(out_dir):
        print(f"已生成 {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
