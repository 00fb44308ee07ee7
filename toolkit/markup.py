"""退回修改 workbooks: a fresh template holding a unit's data with its problems marked.

The office sends a faulty submission back as a clean copy of the standard
template (dropdowns and checks intact) filled with the unit's own rows, in which
every cell with a problem is filled red (错误) or yellow (提示) and carries a
comment saying what is wrong and how to fix it. A first sheet ``退回说明`` says
what to do and lists every problem, including those that have no cell (a missing
column, a problem with the file as a whole).

The input file is never touched: everything comes from the reader's
:class:`~toolkit.model.FileData` and the validator's :class:`~toolkit.model.FileReport`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .celltext import CELL_KEEP, CELL_LIMIT, clean, write_text, write_value
from .errors import column_letter, make_issue
from .errors import body as issue_body
from .model import ERROR, HINT, UNKNOWN_UNIT, FileData, FileReport, Issue, Period
from .schema import FIRST_DATA_ROW, META_LABELS, SheetSchema, TemplateSchema, template_by_id, template_of_sheet
from .templates import build_workbook, fit_row, print_setup, save_workbook, set_meta, write_cell
from .text import row_height
from .validate.cells import spelling_fixes

__all__ = ["write_markup", "RETURN_SHEET", "COMMENT_AUTHOR", "ERROR_FILL", "HINT_FILL", "LIST_HEADERS",
           "LIST_HEADER_ROW"]

RETURN_SHEET = "退回说明"
COMMENT_AUTHOR = "党建办"
ERROR_COLOR = "FFFF9999"  # 标红: must be corrected
HINT_COLOR = "FFFFFF00"  # 标黄: please check
ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOR)
HINT_FILL = PatternFill("solid", fgColor=HINT_COLOR)
FILLS = {ERROR: ERROR_FILL, HINT: HINT_FILL}

LIST_HEADERS = ("序号", "严重程度", "工作表", "本表行号", "原文件行号", "列", "列名", "填写的值", "问题及修改方法")
LIST_WIDTHS = (6, 9, 11, 9, 10, 6, 14, 22, 70)
LIST_HEADER_ROW = 5

#: originals that are not .xlsx: the 退回说明 says that the 退回修改 file is an .xlsx all the same
_ORIGINAL_FORMATS = {
    ".ods": "OpenDocument 表格（LibreOffice 或 WPS 保存）",
    ".et": "WPS 表格文件",
    ".xls": "Excel 97-2003 工作簿",
    ".xlsm": "启用宏的 Excel 工作簿",
}

_FONT = "宋体"
_THIN = Side(style="thin", color="FF808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass
class _Placed:
    """An issue and where it ended up in the new workbook (``row``/``col`` None: list only)."""

    issue: Issue
    sheet: SheetSchema | None
    row: int | None
    col: int | None


def _template_of(file: FileData) -> TemplateSchema:
    if file.template_id:
        return template_by_id(file.template_id)
    for sheet in file.sheets:
        try:
            return template_of_sheet(sheet.sheet_key)
        except KeyError:
            continue
    raise ValueError(f"无法确定 {file.rel} 使用的模板，不能生成退回修改文件。")


def _percent_as_fraction(value: object) -> object:
    # A percent typed as 85 in a General cell means 85%: the new cell is formatted '0%'.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > 1:
        return value / 100
    return value


def _write_data(wb, template: TemplateSchema, file: FileData,
                cuts: list[Issue] | None = None) -> dict[tuple[str, int], int]:
    """Copy the rows into the new workbook; return (sheet key, source row) -> new row.

    A text longer than a cell holds is cut; each cut is added to ``cuts`` as a
    ``cell-truncated`` 提示 on its source cell (it is marked and listed like any other)."""
    mapping: dict[tuple[str, int], int] = {}
    next_row: dict[str, int] = {}
    by_key = {s.key: s for s in template.sheets}
    for data in file.sheets:
        sheet = by_key.get(data.sheet_key)
        if sheet is None:
            continue
        ws = wb[sheet.name]
        r = next_row.get(sheet.key, FIRST_DATA_ROW)
        for raw in data.rows:
            for i, col in enumerate(sheet.columns, start=1):
                value = raw.values.get(col.key)
                if col.kind == "percent":
                    value = _percent_as_fraction(value)
                on_cut = None
                if cuts is not None:
                    on_cut = partial(_note_cut, cuts, file, data, raw.row, col, data.columns.get(col.key))
                write_cell(ws, r, i, col, value, on_cut=on_cut)
            fit_row(ws, r, sheet, raw.values)  # wrapped texts do not run into the next row on paper
            mapping.setdefault((sheet.key, raw.row), r)
            r += 1
        next_row[sheet.key] = r
    return mapping


def _note_cut(cuts: list[Issue], file: FileData, data, row: int, col, index: int | None,
              length: int, text: str) -> None:
    cuts.append(make_issue(
        "cell-truncated", file=file.rel, sheet=data.sheet_name, sheet_key=data.sheet_key, row=row,
        column=column_letter(index) if index is not None else "", column_key=col.key, header=col.header,
        value=text[:50], length=length, limit=CELL_LIMIT, kept=CELL_KEEP, output="本退回修改文件"))


def _place(issues: list[Issue], template: TemplateSchema, mapping: dict[tuple[str, int], int]) -> list[_Placed]:
    by_key = {s.key: s for s in template.sheets}
    placed: list[_Placed] = []
    for issue in issues:
        sheet = by_key.get(issue.sheet_key) if issue.sheet_key else None
        row = col = None
        if sheet is not None and issue.row is not None:
            row = mapping.get((sheet.key, issue.row))
            if row is not None:
                col = sheet.keys.index(issue.column_key) + 1 if issue.column_key in sheet.keys else 1
        placed.append(_Placed(issue, sheet, row, col))
    return placed


def _mark_cells(wb, placed: list[_Placed]) -> None:
    cells: dict[tuple[str, int, int], list[Issue]] = {}
    for p in placed:
        if p.sheet is not None and p.row is not None and p.col is not None:
            cells.setdefault((p.sheet.name, p.row, p.col), []).append(p.issue)
    for (sheet_name, row, col), issues in cells.items():
        cell = wb[sheet_name].cell(row, col)
        severity = ERROR if any(i.severity == ERROR for i in issues) else HINT
        cell.fill = FILLS[severity]
        if len(issues) == 1:
            text = f"【{issues[0].severity}】{issues[0].message}"
        else:
            text = "\n".join(f"{n}.【{i.severity}】{i.message}" for n, i in enumerate(issues, start=1))
        comment = Comment(clean(text), COMMENT_AUTHOR)
        comment.width = 320
        comment.height = max(80, 18 * (len(text) // 22 + text.count("\n") + 2))
        cell.comment = comment


def _sort_key(p: _Placed, template: TemplateSchema) -> tuple:
    sheet_index = template.sheets.index(p.sheet) if p.sheet is not None else -1
    return (p.row is not None, sheet_index, p.row or 0, p.issue.row or 0, p.col or 0)


def _build_list_sheet(wb, file: FileData, report: FileReport, template: TemplateSchema,
                      placed: list[_Placed], period: Period | None) -> None:
    ws = wb.create_sheet(RETURN_SHEET, 0)
    ncols = len(LIST_HEADERS)
    for i, w in enumerate(LIST_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    errors = sum(1 for p in placed if p.issue.severity == ERROR)
    hints = sum(1 for p in placed if p.issue.severity == HINT)
    unit = file.unit if file.unit and file.unit != UNKNOWN_UNIT else (report.unit or "")

    title = ws.cell(1, 1, "退回修改说明")
    title.font = Font(name=_FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 32

    # the file as the unit named it: the office's own folders (0705微信/…) are none of the unit's business
    facts = [f"{META_LABELS[0]}：{unit or '（未识别）'}", f"原文件：{Path(file.rel).name}", f"模板：{template.name}"]
    if period is not None:
        facts.append(f"统计期：{period.name}")
    info = write_text(ws, 2, 1, "　　".join(facts))  # the unit and the file name are submitted text
    info.font = Font(name=_FONT, size=11)
    info.alignment = Alignment(vertical="center", wrap_text=True)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.row_dimensions[2].height = 22

    text = (
        f"经审核，报送的文件共发现{errors}处错误、{hints}处提示，已在本文件的各填报表中标出："
        "标红的单元格是错误，必须改正；标黄的单元格是提示，请核实，确认无误的可以不改。"
        "把鼠标移到标色的单元格上可以看到问题说明（批注）；没有对应单元格的问题（如缺少某一列、文件整体的问题）只在下表中列出。"
        "请改正标红/标黄的单元格后，将本文件原样报回；不要改动表头和工作表名称，不要把内容复制到新文件。"
    )
    other_format = _ORIGINAL_FORMATS.get(Path(file.rel).suffix.lower())
    if other_format:
        text += (f"原文件是{other_format}（{Path(file.rel).suffix.lower()}），本退回修改文件是 Excel 格式（.xlsx），"
                 "WPS、LibreOffice 和 Excel 都能打开：请直接在本文件上修改后报回，不必改回原来的格式。")
    notes = _left_out(file) + ([_spelling_note(file)] if _spelling_note(file) else [])
    text = "\n".join([text, *notes])
    para = ws.cell(3, 1, text)
    para.font = Font(name=_FONT, size=11)
    para.alignment = Alignment(vertical="top", wrap_text=True)
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=ncols)
    ws.row_dimensions[3].height = row_height([(text, sum(LIST_WIDTHS))], line=15, most=None) or 22

    legend = ws.cell(4, 1, "颜色说明：")
    legend.font = Font(name=_FONT, size=10, bold=True)
    legend.alignment = Alignment(vertical="center")
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=2)
    for col, (severity, note) in zip((3, 7), ((ERROR, "必须改正"), (HINT, "请核实，确认无误可不改"))):
        c = ws.cell(4, col, severity)
        c.fill = FILLS[severity]
        c.border = _BORDER
        c.alignment = Alignment(horizontal="center", vertical="center")
        c.font = Font(name=_FONT, size=10)
        n = ws.cell(4, col + 1, note)
        n.font = Font(name=_FONT, size=10)
        n.alignment = Alignment(vertical="center")
        if col == 3:
            ws.merge_cells(start_row=4, start_column=4, end_row=4, end_column=6)
    ws.row_dimensions[4].height = 20

    for i, text in enumerate(LIST_HEADERS, start=1):
        c = ws.cell(LIST_HEADER_ROW, i, text)
        c.font = Font(name=_FONT, size=11, bold=True)
        c.fill = PatternFill("solid", fgColor="FFDDEBF7")
        c.border = _BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[LIST_HEADER_ROW].height = 30

    ordered = sorted(placed, key=lambda p: _sort_key(p, template))
    r = LIST_HEADER_ROW
    for n, p in enumerate(ordered, start=1):
        r += 1
        issue = p.issue
        sheet_name = p.sheet.name if p.sheet is not None else (issue.sheet or "（整个文件）")
        if p.col is not None and p.sheet is not None:
            letter = get_column_letter(p.col)
            if issue.column_key in p.sheet.keys:
                header = issue.header or p.sheet.column(issue.column_key).header
            else:
                header = issue.header or "（整行）"
        else:
            letter = ""
            header = issue.header
        # where it is stands in the columns before it: the message without its place (no file name on every line)
        values = (n, issue.severity, sheet_name, p.row if p.row is not None else "",
                  issue.row if issue.row is not None else "", letter, header, issue.value, issue_body(issue))
        for i, value in enumerate(values, start=1):
            # the sheet name, an unknown header, the value found and the message are submitted text
            c = write_text(ws, r, i, value) if i == 8 else write_value(ws, r, i, value)
            c.border = _BORDER
            c.font = Font(name=_FONT, size=10)
            c.alignment = Alignment(horizontal="left" if i in (8, 9) else "center", vertical="center",
                                    wrap_text=True)
            if i == 8:
                c.number_format = "@"
        ws.cell(r, 2).fill = FILLS.get(issue.severity, HINT_FILL)
        ws.row_dimensions[r].height = row_height(
            [(issue_body(issue), LIST_WIDTHS[8]), (str(issue.value), LIST_WIDTHS[7]), (str(header or ""), LIST_WIDTHS[6]),
             (sheet_name, LIST_WIDTHS[2])], line=14, most=None, pad=6) or 20

    ws.freeze_panes = ws.cell(LIST_HEADER_ROW + 1, 1).coordinate
    if r > LIST_HEADER_ROW:
        ws.auto_filter.ref = f"A{LIST_HEADER_ROW}:{get_column_letter(ncols)}{r}"
    print_setup(ws, landscape=True, title_rows=f"{LIST_HEADER_ROW}:{LIST_HEADER_ROW}")

    wb.active = 0
    for i, sheet in enumerate(wb.worksheets):
        sheet.sheet_view.tabSelected = i == 0


def _left_out(file: FileData) -> list[str]:
    """Rows of the original this file does not carry (a 合计 row, a note under the table), said once each."""
    out = []
    for data in file.sheets:
        by_reason: dict[str, list[int]] = {}
        for skipped in data.skipped:
            by_reason.setdefault(skipped.reason, []).append(skipped.row)
        for reason, rows in by_reason.items():
            where = f"原文件“{data.sheet_name}”表第{'、'.join(str(r) for r in rows)}行"
            if reason == "合计行":
                out.append(f"{where}是合计行，没有放进本文件：合计由汇总单位统一计算，表中不要加合计行。")
            else:
                out.append(f"{where}是表格下方的说明文字（{reason}），没有放进本文件：需要说明的情况请写在“备注”列。")
    return out


def _spelling_note(file: FileData) -> str:
    """The list values put right without a word (validate.cells.spelling_fixes), once per file."""
    fixes = spelling_fixes(file)
    if not fixes:
        return ""
    shown = "、".join(f"{written}→{value}（{n}处）" for _header, written, value, n in fixes)
    return f"已按下拉选项规范：{shown}，请以后直接从下拉列表中选择。"


def write_markup(file: FileData, report: FileReport, out_path: Path, *, period: Period | None = None,
                 folder: Path | None = None) -> Path:
    """Write the 退回修改 workbook of ``file`` (atomically) and return its path; ``folder``:
    the folder it must stay in (default: ``out_path``'s own, see :func:`toolkit.io.atomic_path`)."""
    out_path = Path(out_path)
    try:
        same = out_path.resolve() == Path(file.path).resolve()
    except OSError:
        same = False
    if same:
        raise ValueError(f"退回修改文件不能覆盖原文件：{file.path}")
    template = _template_of(file)
    unit = file.unit if file.unit and file.unit != UNKNOWN_UNIT else None
    wb = build_workbook(template, unit=unit, period=period)
    cuts: list[Issue] = []
    mapping = _write_data(wb, template, file, cuts)
    meta = file.meta or {}
    set_meta(wb, filler=meta.get(META_LABELS[1]) or None, phone=meta.get(META_LABELS[2]) or None,
             fill_date=meta.get(META_LABELS[3]) or None)
    placed = _place(list(report.issues) + cuts, template, mapping)
    _mark_cells(wb, placed)
    _build_list_sheet(wb, file, report, template, placed, period)
    wb.properties.title = f"{out_path.stem}"
    return save_workbook(wb, out_path, timestamp=None, folder=folder)
