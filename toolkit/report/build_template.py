"""Generate ``word_templates/情况汇报.docx`` and ``word_templates/统计附表.docx``.

    python -m toolkit.report.build_template [目标文件夹]

The templates are docxtpl (jinja) documents laid out per GB/T 9704-2012. Every
tag is written as ONE run so that Word, docxtpl and :func:`check_template` see it
whole; staff may restyle the documents in Word and move or delete tags (the
variables are listed in docs/report-template.md). Output is deterministic: the
core properties carry fixed timestamps, so regenerating gives identical parts.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH

from ..io import write_bytes_atomic
from . import layout as L
from .context import COMPARE_COLUMNS, UNIT_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO_ROOT / "word_templates"
REPORT_TEMPLATE = "情况汇报.docx"
APPENDIX_TEMPLATE = "统计附表.docx"

FIXED_TIME = datetime(2022, 1, 1, 0, 0, 0, tzinfo=timezone.utc)

# style names (shown in Word's style pane) → ASCII style ids
S_TITLE, S_RECIPIENT, S_BODY = "公文标题", "主送机关", "公文正文"
S_H1, S_H2, S_H3 = "一级标题", "二级标题", "三级标题"
S_ATTACH_NOTE, S_SIGNATURE, S_DATE = "附件说明", "发文机关署名", "成文日期"
S_CHART, S_CAPTION = "图表", "图表说明"
S_ATTACH_MARK, S_TABLE_TITLE, S_TABLE, S_TABLE_HEAD = "附件标记", "表格标题", "表格文字", "表格表头"
S_TABLE_CAPTION = "表格序号"
S_PAGE = "页码"


def _styles(doc) -> None:
    L.set_doc_defaults(doc)
    body = dict(font=L.FONT_BODY, size=L.SIZE_BODY)
    normal = doc.styles["Normal"]
    L.set_rfonts(normal.element.get_or_add_rPr(), L.FONT_BODY)
    normal.font.size = L.Pt(L.SIZE_BODY)
    C, J, R, LFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    L.paragraph_style(doc, S_TITLE, "GwTitle", font=L.FONT_TITLE, size=L.SIZE_TITLE, align=C,
                      keep_with_next=True)
    L.paragraph_style(doc, S_RECIPIENT, "GwRecipient", **body, align=J)
    L.paragraph_style(doc, S_BODY, "GwBody", **body, align=J, first_line_chars=2)
    L.paragraph_style(doc, S_H1, "GwHeading1", font=L.FONT_H1, size=L.SIZE_BODY, align=J, first_line_chars=2,
                      keep_with_next=True, outline_level=0)
    L.paragraph_style(doc, S_H2, "GwHeading2", font=L.FONT_H2, size=L.SIZE_BODY, align=J, first_line_chars=2,
                      keep_with_next=True, outline_level=1)
    L.paragraph_style(doc, S_H3, "GwHeading3", **body, align=J, first_line_chars=2, keep_with_next=True,
                      outline_level=2)
    L.paragraph_style(doc, S_ATTACH_NOTE, "GwAttachNote", **body, align=J, first_line_chars=2,
                      space_before=L.LINE_PITCH)
    L.paragraph_style(doc, S_SIGNATURE, "GwSignature", **body, align=R, space_before=2 * L.LINE_PITCH,
                      keep_with_next=True)
    L.paragraph_style(doc, S_DATE, "GwDate", **body, align=R)
    L.paragraph_style(doc, S_CHART, "GwChart", **body, align=C, exact_line=False, keep_with_next=True)
    L.paragraph_style(doc, S_CAPTION, "GwCaption", font=L.FONT_BODY, size=14, align=C, space_after=120)
    L.paragraph_style(doc, S_ATTACH_MARK, "GwAttachMark", font=L.FONT_H1, size=L.SIZE_BODY, align=LFT)
    L.paragraph_style(doc, S_TABLE_TITLE, "GwTableTitle", font=L.FONT_TITLE, size=18, align=C, exact_line=False,
                      space_after=240, keep_with_next=True)
    L.paragraph_style(doc, S_TABLE, "GwTable", font=L.FONT_BODY, size=L.SIZE_TABLE, align=C, exact_line=False)
    L.paragraph_style(doc, S_TABLE_HEAD, "GwTableHead", font=L.FONT_H1, size=L.SIZE_TABLE, align=C,
                      exact_line=False)
    L.paragraph_style(doc, S_TABLE_CAPTION, "GwTableCaption", font=L.FONT_H1, size=12, align=C, exact_line=False,
                      space_before=160, space_after=80, keep_with_next=True)
    L.paragraph_style(doc, S_PAGE, "GwPageNumber", font=L.FONT_PAGE, size=L.SIZE_PAGE, align=R, exact_line=False)


def _new_document():
    doc = Document()
    # the default template has one empty paragraph; start clean
    body = doc.element.body
    for p in list(body.iterchildren(L.qn("w:p"))):
        body.remove(p)
    props = doc.core_properties
    props.author = "toolkit"
    props.last_modified_by = "toolkit"
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.last_printed = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    props.language = "zh-CN"
    _styles(doc)
    return doc


def _p(doc, text: str, style: str):
    """A paragraph whose text is ONE run (so a template tag is never split)."""
    p = doc.add_paragraph(style=style)
    if text:
        p.add_run(text)
    return p


def _unit_table(doc, width_mm: float, *, with_code: bool = False):
    """Per-unit statistics table: header, a row loop over ``unit_rows``, the totals row."""
    headers = ["序号", "单位"] + [h for h, _, _ in UNIT_COLUMNS]
    keys = ["index", "name"] + [k for _, k, _ in UNIT_COLUMNS]
    ncols = len(headers)
    # widths (mm) chosen so that 3-digit 序号, 5-digit counts and "100.0%" stay on one line
    # even with a wide substitute font; the unit name takes the rest (about 10 characters)
    index_w, rate_w, int_w = 9.0, 18.0, 12.5
    kinds = [kind for _, _, kind in UNIT_COLUMNS]
    name_w = round(width_mm - index_w - sum(rate_w if k == "rate" else int_w for k in kinds), 2)
    widths = [index_w, name_w] + [rate_w if kind == "rate" else int_w for kind in kinds]
    table = doc.add_table(rows=5, cols=ncols)
    L.table_borders(table)
    L.table_cell_margins(table)
    L.table_fixed_widths(table, widths)
    head, loop_start, data, loop_end, total = table.rows
    L.repeat_header(head)
    for row in (head, data, total):
        L.cant_split(row)
    for cell, text in zip(head.cells, headers):
        L.cell_text(cell, text, S_TABLE_HEAD)
    L.cell_text(loop_start.cells[0], "{%tr for u in unit_rows %}", S_TABLE)
    for cell, key in zip(data.cells, keys):
        align = WD_ALIGN_PARAGRAPH.LEFT if key == "name" else WD_ALIGN_PARAGRAPH.CENTER
        L.cell_text(cell, "{{ u.%s }}" % key, S_TABLE, align=align)
    L.cell_text(loop_end.cells[0], "{%tr endfor %}", S_TABLE)
    L.cell_text(total.cells[0], "合计", S_TABLE_HEAD)
    total.cells[0].merge(total.cells[1])
    # merge() keeps both paragraphs; drop the empty second one
    cell = total.cells[0]
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for cell, key in zip(total.cells[2:], keys[2:]):
        L.cell_text(cell, "{{ totals_row.%s }}" % key, S_TABLE)
    return table


def _compare_table(doc, width_mm: float):
    """The comparison table (``compare``): two header rows — each figure, then 本期／上期／累计 under it —,
    a row loop over ``compare.rows``, the totals row. Shown only in a multi-period report."""
    kinds = [kind for _, cols in COMPARE_COLUMNS for _, _, _, kind in cols]
    index_w, rate_w, int_w = 9.0, 15.0, 11.0
    name_w = round(width_mm - index_w - sum(rate_w if k == "rate" else int_w for k in kinds), 2)
    widths = [index_w, name_w] + [rate_w if k == "rate" else int_w for k in kinds]
    ncols = len(widths)
    table = doc.add_table(rows=6, cols=ncols)
    L.table_borders(table)
    L.table_cell_margins(table)
    L.table_fixed_widths(table, widths)
    head, sub, loop_start, data, loop_end, total = table.rows
    for row in (head, sub):
        L.repeat_header(row)
    for row in (head, sub, data, total):
        L.cant_split(row)
    for col, text in ((0, "序号"), (1, "单位")):
        cell = head.cells[col].merge(sub.cells[col])
        _drop_extra_paragraphs(cell)
        L.cell_text(cell, text, S_TABLE_HEAD)
    col = 2
    for g, (_, cols) in enumerate(COMPARE_COLUMNS):
        cell = head.cells[col].merge(head.cells[col + len(cols) - 1]) if len(cols) > 1 else head.cells[col]
        _drop_extra_paragraphs(cell)
        L.cell_text(cell, "{{ compare.groups[%d].title }}" % g, S_TABLE_HEAD)
        for k in range(len(cols)):
            L.cell_text(sub.cells[col + k], "{{ compare.groups[%d].columns[%d] }}" % (g, k), S_TABLE_HEAD)
        col += len(cols)
    L.cell_text(loop_start.cells[0], "{%tr for c in compare.rows %}", S_TABLE)
    L.cell_text(data.cells[0], "{{ c.index }}", S_TABLE)
    L.cell_text(data.cells[1], "{{ c.name }}", S_TABLE, align=WD_ALIGN_PARAGRAPH.LEFT)
    for k, cell in enumerate(data.cells[2:]):
        L.cell_text(cell, "{{ c.cells[%d] }}" % k, S_TABLE)
    L.cell_text(loop_end.cells[0], "{%tr endfor %}", S_TABLE)
    cell = total.cells[0].merge(total.cells[1])
    _drop_extra_paragraphs(cell)
    L.cell_text(cell, "合计", S_TABLE_HEAD)
    for k, cell in enumerate(total.cells[2:]):
        L.cell_text(cell, "{{ compare.total.cells[%d] }}" % k, S_TABLE)
    return table


def _drop_extra_paragraphs(cell) -> None:
    """merge() keeps the paragraphs of every merged cell; keep the first."""
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)


def _simple_table(doc, headers: list[str], cells: list[str], widths: list[float], loop: str,
                  total: list[str] | None = None, keep_together: bool = False):
    rows = 4 + (1 if total else 0)
    table = doc.add_table(rows=rows, cols=len(headers))
    L.table_borders(table)
    L.table_cell_margins(table)
    L.table_fixed_widths(table, widths)
    head, start, data, end = table.rows[:4]
    L.repeat_header(head)
    L.cant_split(data)
    for cell, text in zip(head.cells, headers):
        L.cell_text(cell, text, S_TABLE_HEAD)
    L.cell_text(start.cells[0], "{%%tr for %s %%}" % loop, S_TABLE)
    for i, (cell, text) in enumerate(zip(data.cells, cells)):
        L.cell_text(cell, text, S_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    L.cell_text(end.cells[0], "{%tr endfor %}", S_TABLE)
    if total:
        for cell, text in zip(table.rows[4].cells, total):
            L.cell_text(cell, text, S_TABLE_HEAD)
    if keep_together:  # a short table never splits across pages
        for row in table.rows[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True
    return table


def build_report_template() -> bytes:
    doc = _new_document()
    section = doc.sections[0]
    L.page_setup(section)
    L.page_number_footers(doc, section)

    _p(doc, "{%p for line in title_lines %}", S_TITLE)
    _p(doc, "{{ line }}", S_TITLE)
    _p(doc, "{%p endfor %}", S_TITLE)
    _p(doc, "", S_BODY)
    _p(doc, "{%p if recipient %}", S_RECIPIENT)
    _p(doc, "{{ recipient }}：", S_RECIPIENT)
    _p(doc, "{%p endif %}", S_RECIPIENT)
    _p(doc, "{{ opening }}", S_BODY)

    _p(doc, "一、工作开展情况", S_H1)
    _p(doc, "{%p if submission_text %}", S_BODY)
    _p(doc, "{{ submission_text }}", S_BODY)
    _p(doc, "{%p endif %}", S_BODY)
    _p(doc, "{%p for sec in work_sections %}", S_BODY)
    _p(doc, "{{ sec.heading }}", S_H2)
    _p(doc, "{%p for para in sec.paragraphs %}", S_BODY)
    _p(doc, "{{ para }}", S_BODY)
    _p(doc, "{%p endfor %}", S_BODY)
    _p(doc, "{%p if sec.chart %}", S_CHART)
    _p(doc, "{{ sec.chart }}", S_CHART)
    _p(doc, "{{ sec.chart_caption }}", S_CAPTION)
    _p(doc, "{%p endif %}", S_CHART)
    _p(doc, "{%p endfor %}", S_BODY)

    _p(doc, "二、存在问题", S_H1)
    _p(doc, "{%p for para in issues %}", S_BODY)
    _p(doc, "{{ para }}", S_BODY)
    _p(doc, "{%p endfor %}", S_BODY)

    _p(doc, "三、下步打算", S_H1)
    _p(doc, "{%p for para in plans %}", S_BODY)
    _p(doc, "{{ para }}", S_BODY)
    _p(doc, "{%p endfor %}", S_BODY)
    _p(doc, "{%p if closing %}", S_BODY)
    _p(doc, "{{ closing }}", S_BODY)
    _p(doc, "{%p endif %}", S_BODY)

    _p(doc, "附件：{{ attachment_title }}", S_ATTACH_NOTE)
    _p(doc, "{{ signature }}", S_SIGNATURE)
    _p(doc, "{{ date }}", S_DATE)

    # appendix: landscape section for the wide per-unit table
    appendix = doc.add_section(WD_SECTION.NEW_PAGE)
    L.page_setup(appendix, landscape=True)
    _p(doc, "附件", S_ATTACH_MARK)
    _p(doc, "{{ attachment_title }}", S_TABLE_TITLE)
    _unit_table(doc, L.LANDSCAPE_TEXT_WIDTH_MM)
    _p(doc, "注：统计期为{{ period_name }}，数据截至{{ as_of }}；办结率＝已办结（含已销号）问题数÷问题清单数。", S_TABLE)
    _p(doc, "{%p if submission_note %}", S_TABLE)
    _p(doc, "{{ submission_note }}", S_TABLE)
    _p(doc, "{%p endif %}", S_TABLE)
    _compare_block(doc, "{{ compare.title }}")
    return _save(doc)


def _compare_block(doc, caption: str) -> None:
    """The comparison table with its caption and note, only when ``compare`` has rows."""
    _p(doc, "{%p if compare %}", S_TABLE)
    _p(doc, caption, S_TABLE_CAPTION)
    _compare_table(doc, L.LANDSCAPE_TEXT_WIDTH_MM)
    _p(doc, "{{ compare.note }}", S_TABLE)
    _p(doc, "{%p endif %}", S_TABLE)


def build_appendix_template() -> bytes:
    doc = _new_document()
    section = doc.sections[0]
    L.page_setup(section, landscape=True)
    L.page_number_footers(doc, section)
    width = L.LANDSCAPE_TEXT_WIDTH_MM

    _p(doc, "{{ org }}大走访大调研活动统计附表", S_TABLE_TITLE)
    _p(doc, "（{{ period_name }}，数据截至{{ as_of }}）", S_TABLE)
    _p(doc, "表1  {{ attachment_title }}", S_TABLE_CAPTION)
    _unit_table(doc, width)

    _p(doc, "{%p if submission_note %}", S_TABLE)
    _p(doc, "{{ submission_note }}", S_TABLE)
    _p(doc, "{%p endif %}", S_TABLE)
    _p(doc, "{%p for tb in dist_tables %}", S_TABLE)
    _p(doc, "表{{ loop.index + 1 }}  {{ tb.title }}", S_TABLE_CAPTION)
    _simple_table(doc, ["项目", "数量", "占比"], ["{{ r.name }}", "{{ r.count }}", "{{ r.share }}"],
                  [60, 30, 30], "r in tb.rows", total=["合计", "{{ tb.total }}", ""], keep_together=True)
    _p(doc, "{%p endfor %}", S_TABLE)

    _p(doc, "表{{ table_no.task_types }}  任务推进情况（按清单类型）", S_TABLE_CAPTION)
    _simple_table(doc, ["清单类型", "任务数", "已完成", "平均进度"],
                  ["{{ t.name }}", "{{ t.count }}", "{{ t.completed }}", "{{ t.average_progress }}"],
                  [50, 30, 30, 30], "t in task_types", keep_together=True)
    _compare_block(doc, "表{{ table_no.compare }}  {{ compare.title }}")

    for chart in ("objects", "problems"):  # the charts of the report live here unless [report] charts = true
        _p(doc, f"{{%p if chart_{chart} %}}", S_CHART)
        _p(doc, f"{{{{ chart_{chart} }}}}", S_CHART)
        _p(doc, f"{{{{ chart_{chart}_caption }}}}", S_CAPTION)
        _p(doc, "{%p endif %}", S_CHART)
    _capped_list(doc, "key_tasks", "key_tasks_more", "表{{ table_no.key_tasks }}  未完成重点任务清单",
                 ["序号", "责任单位", "任务名称", "完成时限", "完成进度", "推进状态", "责任人", "牵头领导"],
                 ["{{ loop.index }}", "{{ k.unit }}", "{{ k.name }}", "{{ k.deadline }}", "{{ k.progress }}",
                  "{{ k.status }}", "{{ k.owner }}", "{{ k.leader }}"],
                 [12, 35, 64, 34, 20, 20, 20, 20], "k", "按完成时限先后", "任务清单")
    _capped_list(doc, "red_rows", "red_more", "表{{ table_no.red }}  逾期事项（红灯）清单",
                 ["序号", "类别", "编号", "责任单位", "事项", "责任人", "时限", "逾期天数"],
                 ["{{ loop.index }}", "{{ r.kind }}", "{{ r.id }}", "{{ r.unit }}", "{{ r.title }}",
                  "{{ r.owner }}", "{{ r.deadline }}", "{{ r.days_overdue }}"],
                 [12, 14, 20, 35, 68, 20, 34, 22], "r", "按逾期天数由多到少", "红灯清单")
    return _save(doc)


def _capped_list(doc, rows: str, more: str, caption: str, headers: list[str], cells: list[str],
                 widths: list[int], var: str, order: str, sheet: str) -> None:
    """An appendix list shown only when it has rows, capped in the context (APPENDIX_ROWS_CAP),
    with a note naming how many rows were left out and where the complete list is."""
    _p(doc, f"{{%p if {rows} %}}", S_TABLE)
    _p(doc, caption, S_TABLE_CAPTION)
    _simple_table(doc, headers, cells, widths, f"{var} in {rows}")
    _p(doc, f"{{%p if {more} %}}", S_TABLE)
    _p(doc, f"注：{order}列出前{{{{ {rows}|length }}}}项，另有{{{{ {more} }}}}项未列出，"
            f"完整清单见汇总表.xlsx“{sheet}”工作表。", S_TABLE)
    _p(doc, "{%p endif %}", S_TABLE)
    _p(doc, "{%p endif %}", S_TABLE)


def _save(doc) -> bytes:
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()


def build_all(target: Path | None = None) -> list[Path]:
    target = Path(target or TEMPLATE_DIR)
    written = [write_bytes_atomic(target / REPORT_TEMPLATE, build_report_template()),
               write_bytes_atomic(target / APPENDIX_TEMPLATE, build_appendix_template())]
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in build_all(Path(argv[0]) if argv else None):
        print(f"已生成 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
