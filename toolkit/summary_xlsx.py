"""汇总表.xlsx: the merged workbook (XlsxWriter).

Sheets, in order:

    说明 · 分单位统计 · 分类统计 · 趋势 · 红灯清单 · 作战图 · 成果汇总 · 报送情况 ·
    走访记录 · 问题清单 · 任务清单 (split into 走访记录(2)… beyond Excel's row limit; the item
    sheets with a column per recorded period: the item's state then) · 校验问题 · 未汇总行

Every figure on the 统计 sheets is taken from the figures dict (汇总数据.json), so
the workbook and the Word report always quote the same numbers; totals are
written as values, not formulas. The 红灯清单 rows come from ``Merged.red_rows``
(the rows of the figures' red list, with the detail tables' dates). Text from
submissions is always written with ``write_string`` (a value starting with ``=``
stays text); a text longer than Excel's cell limit is cut and a 提示
(``cell-truncated``) is listed on 校验问题.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import schema as S
from .celltext import CELL_KEEP, CELL_LIMIT, CUT_MARK, fit, too_long, write_text, write_value  # noqa: F401 - CUT_MARK re-exported
from .errors import body as issue_body
from .errors import make_issue
from .io import atomic_path
from .merge import rate
from .merge.frames import isna
from .model import META_FILE, META_NOTES, META_ROW, Issue, ValidationResult
from .schema import GREEN, RED, UNIT_KEY, YELLOW
from .submission import MISSING, PARTIAL, PENDING, RETURNED, UNIT_STATUSES
from .text import row_height, wrapped_lines

if TYPE_CHECKING:
    import pandas as pd

    from .merge import Merged

SUMMARY_NAME = "汇总表.xlsx"
EXCEL_MAX_ROWS = 1_048_576
MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1  # below the header row; tests lower it to check splitting
DETAIL_CHUNK = 50_000  # rows converted to Python values at a time
NA_TEXT = "暂无"

FONT = "宋体"
LIGHT_FILLS = {RED: "#F8696B", YELLOW: "#FFEB84", GREEN: "#63BE7B"}
STATUS_FILLS = {MISSING: "#F8696B", RETURNED: "#FFEB84", PARTIAL: "#FFEB84", PENDING: "#FFEB84"}

SHEET_INFO = (
    ("说明", "本表的统计口径、数据来源和各工作表的内容。"),
    ("分单位统计", "每个单位的走访、问题办理和任务推进情况，最后一行为合计。"),
    ("分类统计", "走访对象类型、走访方式、问题类别、问题来源、办理状态、清单类型、推进状态的分布及图表。"),
    ("趋势", "已记录的各期和本期的主要数字（走访、问题办理、任务推进、亮灯），附走访次数和办结率的图表。"),
    ("红灯清单", "已超过办理时限仍未办结的问题、已超过完成时限仍未完成的任务，逾期时间长的在前。"),
    ("作战图", "每项任务按月展开：计划时段（底色）、各期末完成进度、完成（✓）和逾期（⚑）的月份，以及进度评价和亮灯。"),
    ("成果汇总", "任务清单中填报的量化成果，成果说明和计量单位相同的合并相加。"),
    ("报送情况", "各单位报送状态、催报名单、退回修改、被替代和无法读取的文件。"),
    ("走访记录", "汇总的全部走访记录（明细）。"),
    ("问题清单", "汇总的全部问题，含编号、是否逾期、逾期天数、亮灯和已记录各期末的办理状态（明细）。"),
    ("任务清单", "汇总的全部任务，含序时进度、进度评价、亮灯和已记录各期末的推进状态与进度（明细）。"),
    ("校验问题", "校验时发现的全部错误和提示，便于逐条核对。"),
    ("未汇总行", "因存在错误没有汇总的行及原因，需退回相关单位修改后重新报送。"),
)


# ---------------------------------------------------------------------------
# Formats and safe cell writing
# ---------------------------------------------------------------------------


class _Book:
    def __init__(self, wb, result: ValidationResult):
        self.wb = wb
        self.result = result
        self.truncated: list[Issue] = []
        self._formats: dict[tuple, Any] = {}
        self.strings = None  # xlsx_fast.SharedStrings of the generated rows

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
            base.update(props)
            self._formats[key] = self.wb.add_format(base)
        return self._formats[key]

    # Named formats used by the statistics sheets.
    def title(self):
        return self.fmt(bold=True, font_size=16, align="center")

    def subtitle(self):
        return self.fmt(align="center", font_size=10, font_color="#404040", text_wrap=True)

    def header(self):
        return self.fmt(bold=True, bg_color="#DDEBF7", border=1, align="center", text_wrap=True)

    def cell(self, kind: str = "text", total: bool = False, fill: str | None = None):
        props: dict[str, Any] = {"border": 1}
        if kind == "int":
            props.update(num_format="0", align="right")
        elif kind == "pct":
            props.update(num_format="0.0%", align="right")
        elif kind == "num":
            props.update(num_format="#,##0.##", align="right")
        elif kind == "num2":
            props.update(num_format="#,##0.00", align="right")
        elif kind == "date":
            props.update(num_format="yyyy-mm-dd", align="center")
        elif kind == "center":
            props.update(align="center")
        elif kind == "seq":
            props.update(num_format="0", align="center")
        elif kind == "wrap":
            props.update(text_wrap=True)
        if total:
            props.update(bold=True, bg_color="#F2F2F2")
        if fill:
            props.update(bg_color=fill)
        return self.fmt(**props)

    def text(self, ws, row: int, col: int, value: Any, fmt=None, where: dict | None = None) -> None:
        """Write user text as a string (never a formula), cut to Excel's cell limit (toolkit.celltext)."""
        w = dict(where or {})
        w.setdefault("sheet", ws.get_name())
        write_text(ws, row, col, "" if value is None else value, fmt, on_cut=lambda n, text: self._noted(n, text, w))

    def cut(self, value: Any, where: dict) -> str:
        """``value`` as text, cut to Excel's cell limit (the cut is listed as a 提示)."""
        text, original = fit("" if value is None else str(value))
        if original is not None:
            self._noted(original, text, where)
        return text

    def _noted(self, original: int, text: str, where: dict) -> None:
        self.truncated.append(make_issue(
            "cell-truncated", file=where.get("file", ""), sheet=where.get("sheet", ""), row=where.get("row"),
            header=where.get("header", ""), value=text[:50], length=original, limit=CELL_LIMIT, kept=CELL_KEEP,
            output="汇总表",
        ))

    def any(self, ws, row: int, col: int, value: Any, fmt=None, date_fmt=None, where=None) -> None:
        """Write a value as found (rejected rows): numbers as numbers, dates as dates, the rest as text."""
        if isna(value):
            return
        if isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", fmt)
        elif isinstance(value, (int, float, datetime, date)):
            write_value(ws, row, col, value, fmt, date_fmt)
        else:
            self.text(ws, row, col, value, fmt, where)

    def rate(self, ws, row: int, col: int, value: float | None, total: bool = False) -> None:
        if value is None:
            ws.write_string(row, col, NA_TEXT, self.cell("center", total))
        else:
            ws.write_number(row, col, value / 100, self.cell("pct", total))


def _row_height(cells: list[tuple[str, float]], line: float = 14.0) -> float | None:
    """The row height for wrapped text, or None when one line fits (text.row_height, 10-point cells)."""
    return row_height(cells, line=line, most=None, pad=2)


def _fit_height(ws, row: int, cells: list[tuple[str, float]], line: float = 14.0) -> None:
    """Set the row height for wrapped text (spreadsheet apps do not re-measure rows written by XlsxWriter)."""
    height = _row_height(cells, line)
    if height is not None:
        ws.set_row(row, height)


# --- paper -------------------------------------------------------------------------------------
#
# Every sheet prints on A4 without anyone touching its page setup, its text at MIN_SCALE of its
# size or more (10-point cells print at 8.2 points). A sheet narrower than the page at that scale
# is fitted to the page width by the spreadsheet program; a wider one is printed in bands, one page
# wide each, at a fixed scale: manual column breaks between the bands (at group boundaries when
# given), its key columns (填报单位, 编号 …) repeated on every band and pages ordered across, so
# that the bands of the same rows follow each other. A3 is never asked for: on an office printer
# without A3 the driver would shrink the page to A4 (71 %).
#
# Widths are measured as the widest of the programs prints them: LibreOffice without the Calibri
# metric fonts takes a column of width w as 6.35·w + 4.5 points (with the workbook's 10-point
# default font); Excel as 5.25·w + 3.75.

A4, A3 = 9, 8  # XlsxWriter's paper codes
PAPER_POINTS = {A4: (842, 595), A3: (1191, 842)}  # long and short side
PAGE_POINTS = PAPER_POINTS[A4]
MARGIN_SIDE, MARGIN_TOP, MARGIN_HEADER = 0.4, 0.7, 0.3  # inches
MIN_SCALE = 82  # percent
POINTS_PER_UNIT, COLUMN_PADDING = 6.35, 4.5
LINE_POINTS = 14.0  # one wrapped line of 10-point text
HEADER_FONT = '&"宋体,常规"&10'


def column_points(width: float) -> float:
    """Printed width (points, at 100 %) of a column of ``width`` as the widest program prints it: the
    width as XlsxWriter writes it (whole pixels of a 7-pixel character, plus the 5-pixel padding)."""
    if width < 1:
        return POINTS_PER_UNIT * width + COLUMN_PADDING
    return POINTS_PER_UNIT * (int(width * 7 + 0.5) + 5) / 7


def printable_width(landscape: bool, paper: int = A4) -> float:
    long, short = PAPER_POINTS[paper]
    return (long if landscape else short) - 2 * MARGIN_SIDE * 72


@dataclass(frozen=True)
class PageLayout:
    """How a sheet is printed: fitted to one page wide (``scale`` None), or in bands at ``scale`` %,
    each band starting at one of ``breaks`` (0-based columns; the first band starts at column 0)."""

    landscape: bool
    scale: int | None = None
    breaks: tuple[int, ...] = ()


def _bands(points: list[float], keys: int, starts: list[int], capacity: float) -> list[list[int]]:
    """Greedy bands of the segments between ``starts``: each band's columns plus the key columns
    within ``capacity``; a segment wider than a band gets a band of its own."""
    key_points = sum(points[:keys])
    bounds = [c for c in starts if keys < c < len(points)]
    segments = list(zip([keys, *bounds], [*bounds, len(points)]))
    bands: list[list[int]] = []
    used = 0.0
    for first, stop in segments:
        width = sum(points[first:stop])
        if bands and used + width <= capacity:
            bands[-1].extend(range(first, stop))
            used += width
        else:
            bands.append(list(range(first, stop)))
            used = key_points + width
    return bands


def page_layout(widths: list[float], *, keys: int = 0, starts: list[int] | None = None,
                landscape: bool = True, paper: int = A4) -> PageLayout:
    """The print layout of columns of ``widths`` (see above): fitted to the width when the sheet
    prints at MIN_SCALE or more; else the fewest bands, at the largest scale that keeps them."""
    points = [column_points(w) for w in widths]
    page = printable_width(landscape, paper)
    if sum(points) * MIN_SCALE / 100 <= page:
        return PageLayout(landscape)
    allowed = sorted(set(starts or range(len(widths))))

    def fits(scale: int) -> list[list[int]] | None:
        capacity = page * 100 / scale
        bands = _bands(points, keys, allowed, capacity)
        key_points = sum(points[:keys])  # printed on every band: band 1 starts with them, the others repeat them
        return bands if all(key_points + sum(points[c] for c in band) <= capacity for band in bands) else None

    fewest = fits(MIN_SCALE)
    if fewest is None and starts:  # a group wider than a page: break between any columns
        return page_layout(widths, keys=keys, landscape=landscape, paper=paper)
    if fewest is None:
        return PageLayout(landscape, MIN_SCALE, tuple(b[0] for b in _bands(points, keys, allowed,
                                                                             page * 100 / MIN_SCALE)[1:]))
    for scale in range(100, MIN_SCALE - 1, -1):
        bands = fits(scale)
        if bands is not None and len(bands) == len(fewest):
            return PageLayout(landscape, scale, tuple(b[0] for b in bands[1:]))
    return PageLayout(landscape, MIN_SCALE, tuple(b[0] for b in fewest[1:]))  # pragma: no cover


def _print_setup(ws, *, header_rows: tuple[int, int], last_col: int, landscape: bool = True,
                 widths: list[float] | None = None, keys: int = 0, starts: list[int] | None = None,
                 paper: int = A4) -> PageLayout:
    """Page setup of a sheet on ``paper`` (A4, or A3 for the 作战图; see above): ``header_rows`` repeated
    on every page; ``widths``: the columns' widths, from which the layout is chosen (without them:
    fitted to the page width); ``keys``: the first columns, repeated on every band; ``starts``: where
    a band may start."""
    layout = (page_layout(widths, keys=keys, starts=starts, landscape=landscape, paper=paper) if widths
              else PageLayout(landscape))
    if layout.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(paper)
    if layout.scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(layout.scale)
        ws.set_v_pagebreaks(list(layout.breaks))
        ws.print_across()  # the bands of the same rows follow each other
        if keys:
            ws.repeat_columns(0, keys - 1)
    ws.repeat_rows(*header_rows)
    ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_TOP)
    ws.center_horizontally()
    return layout


def _header_text(text: str) -> str:
    """Text inside a page header: ``&`` is a code there."""
    return text.replace("&", "&&")


def _page_headers(wb, figures: dict) -> None:
    """Every sheet's page header (sheet name, the workbook, the period) and footer (第 X 页 共 Y 页)."""
    period = figures.get("period")
    left = f"&L{HEADER_FONT}&A"
    centre = f"&C{HEADER_FONT}{_header_text((figures.get('org') or '') + '大走访大调研汇总表')}"
    right = f"&R{HEADER_FONT}{_header_text('统计期：' + period['name'])}" if period else ""
    for ws in wb.worksheets():
        ws.set_header(left + centre + right, {"margin": MARGIN_HEADER})
        ws.set_footer(f"&C{HEADER_FONT}第 &P 页 共 &N 页", {"margin": MARGIN_HEADER})


def _title(book: _Book, ws, text: str, subtitle: str, last_col: int, width: float | None = None,
           first_col: int = 0) -> None:
    """Title and subtitle rows across columns ``first_col``…``last_col`` (``width`` wide: the subtitle
    wraps). A sheet printed in bands starts them after its key columns, which every band repeats."""
    ws.set_row(0, 30)
    ws.merge_range(0, first_col, 0, last_col, "", book.title())
    book.text(ws, 0, first_col, text, book.title())
    ws.merge_range(1, first_col, 1, last_col, "", book.subtitle())
    book.text(ws, 1, first_col, subtitle, book.subtitle())
    if width:
        _fit_height(ws, 1, [(subtitle, width)])


def _period_text(figures: dict) -> str:
    period = figures.get("period")
    return period["name"] if period else ""


def _subtitle(figures: dict) -> str:
    parts = []
    if figures.get("org"):
        parts.append(f"单位：{figures['org']}")
    period = figures.get("period")
    if period:
        parts.append(f"统计期：{period['name']}（{period['start']} 至 {period['end']}）")
    parts.append(f"统计截至：{figures['as_of']}")
    return "    ".join(parts)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def write_workbook(merged: "Merged", out_dir: Path) -> Path:
    """Write 汇总表.xlsx into ``out_dir`` (atomically) and return its path."""
    import xlsxwriter

    path = Path(out_dir) / SUMMARY_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    details, figures, result = merged.details, merged.figures, merged.result
    package = io.BytesIO()
    wb = xlsxwriter.Workbook(package, {
        "constant_memory": True,  # rows are streamed: long lists stay in bounded memory
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_date_format": "yyyy-mm-dd",
    })
    wb.formats[0].set_font_size(10)  # the default font sets the column width unit (see "paper" above)
    book = _Book(wb, result)
    from . import xlsx_fast

    book.strings = xlsx_fast.SharedStrings()
    generated: dict[str, Any] = {}
    prefetch = xlsx_fast.Prefetch()  # rows are generated while the other sheets are written
    try:  # the prefetch thread is stopped whatever fails (XlsxWriter, close, splice)
        try:
            # Plan the detail sheets (split beyond Excel's row limit) so the 说明 sheet can list them.
            plan: dict[str, list[tuple[str, int, int]]] = {}
            for key, sheet in S.SHEETS.items():
                n = len(details[key])
                chunks = max(1, -(-n // MAX_DATA_ROWS))
                plan[key] = [
                    (sheet.name if i == 0 else f"{sheet.name}({i + 1})", i * MAX_DATA_ROWS,
                     min(n, (i + 1) * MAX_DATA_ROWS))
                    for i in range(chunks)
                ]
            ws_info = wb.add_worksheet("说明")
            _write_units(book, wb.add_worksheet("分单位统计"), figures)
            _write_categories(book, wb.add_worksheet("分类统计"), figures)
            _write_trend(book, wb.add_worksheet("趋势"), figures)
            generated.update({name: prefetch.add(rows) for name, rows in
                              _write_red_list(book, wb.add_worksheet("红灯清单"), figures, merged.red_rows).items()})
            generated["作战图"] = prefetch.add(_write_board(book, wb.add_worksheet("作战图"), figures, merged))
            _write_achievements(book, wb.add_worksheet("成果汇总"), figures)
            _write_submission(book, wb.add_worksheet("报送情况"), figures, result)
            for key in S.SHEETS:
                table, states = _with_states(details[key], key, merged.history)
                for name, start, stop in plan[key]:
                    generated[name] = prefetch.add(_write_detail(book, wb.add_worksheet(name), key, table,
                                                                 start, stop, states))
            issue_sheets = _write_issues(book, result)
            rejected_sheets = _write_rejected(book, result)
            _write_info(book, ws_info, figures, result, plan, issue_sheets, rejected_sheets)
            _page_headers(wb, figures)
            ws_info.activate()
            prefetch.close()
        finally:
            wb.close()
        with atomic_path(path) as tmp:
            xlsx_fast.splice(package.getvalue(), tmp, generated, strings=book.strings)
    finally:
        prefetch.stop()
    return path


# ---------------------------------------------------------------------------
# Detail sheets
# ---------------------------------------------------------------------------


#: 汇总表 widths of the detail columns by kind (at most; a template column narrower keeps its width):
#: narrower than the templates', texts wrapped, so that a sheet prints in few bands (see "paper")
DETAIL_WIDTHS = {"date": 11, "int": 8, "number": 8, "percent": 8, "choice": 10, "phone": 14, "text": 12,
                 "longtext": 22, "light": 5}
UNIT_WIDTH, FILE_WIDTH, NOTES_WIDTH = 10, 24, 24
#: kinds whose cells wrap (and make their row taller); 编号 and phone numbers are never broken
WRAPPED_KINDS = ("text", "longtext", "choice")


def _detail_columns(sheet_key: str, states: list[tuple[str, str]] = ()) -> list[tuple[str, str, str, float]]:
    """(DataFrame column, header, kind, width) of a detail sheet; 编号 has the kind ``id`` (never wrapped);
    ``states``: (column, header) of the recorded periods' states (:func:`_with_states`)."""
    sheet = S.SHEETS[sheet_key]
    cols = [(UNIT_KEY, "填报单位", "text", UNIT_WIDTH)]
    cols += [(c.key, c.header, "id" if c.system else c.kind,
              c.width if c.system else min(c.width, DETAIL_WIDTHS.get(c.kind, c.width))) for c in sheet.columns]
    cols += [(c.key, c.header, c.kind, min(c.width, DETAIL_WIDTHS.get(c.kind, c.width)) if c.kind != "text" else
              min(c.width, 7)) for c in S.COMPUTED_COLUMNS.get(sheet_key, ())]
    cols += [(key, header, "text", 10) for key, header in states]
    cols += [(META_FILE, "来源文件", "text", FILE_WIDTH), (META_NOTES, "校验提示", "text", NOTES_WIDTH)]
    return cols


def _header_height(titles: list[str], widths: list[float]) -> float:
    """The header row's height: its longest wrapped title (at least two lines)."""
    lines = max([2] + [wrapped_lines(t, w) for t, w in zip(titles, widths)])
    return LINE_POINTS * lines + 4


def _with_states(df: "pd.DataFrame", sheet_key: str, history) -> "tuple[pd.DataFrame, list[tuple[str, str]]]":
    """The detail table with a column per recorded period before this one (the item's state then)."""
    from .merge.periods import state_columns

    if sheet_key not in S.ITEM_SHEETS:
        return df, []
    found = state_columns(df, sheet_key, history)
    if not found:
        return df, []
    names = [(f"\x00period{n}", header) for n, (header, _values) in enumerate(found)]
    return df.assign(**{key: values for (key, _h), (_h2, values) in zip(names, found)}), names


def _write_detail(book: _Book, ws, sheet_key: str, df: "pd.DataFrame", start: int, stop: int,
                  states: list[tuple[str, str]] = ()):
    """Header, layout and formats with XlsxWriter; the rows are generated by ``xlsx_fast`` (spliced on close).

    Texts beyond Excel's cell limit are cut here, before the 校验问题 sheet is written,
    so their 提示 are listed there (in row order, as the cells were met). Wrapped texts make
    their row as tall as they need (computed for whole columns, ``xlsx_fast.text_lines``).
    """
    from . import xlsx_fast as F

    cols = _detail_columns(sheet_key, states)
    header = book.header()
    fmt_date = book.fmt(num_format="yyyy-mm-dd")
    fmt_int = book.fmt(num_format="0")
    fmt_num = book.fmt(num_format="General")
    fmt_pct = book.fmt(num_format="0.0%")
    fmt_text = book.fmt()
    fmt_wrap = book.fmt(text_wrap=True)
    lights = {k: book.fmt(bg_color=v, align="center", bold=True) for k, v in LIGHT_FILLS.items()}
    widths = [width for _, _, _, width in cols]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.set_row(0, _header_height([title for _, title, _, _ in cols], widths))
    for c, (_, title, _, _) in enumerate(cols):
        ws.write_string(0, c, title, header)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(stop - start, 1), len(cols) - 1)
    # 填报单位 and what names the row within it (编号; 序号 in 走访记录) on every band
    keys = 2 if len(cols) > 1 and (cols[1][2] == "id" or cols[1][0] == "seq") else 1
    _print_setup(ws, header_rows=(0, 0), last_col=len(cols) - 1, widths=widths, keys=keys)

    styles = {"int": F.Column(F.INT, F.style_id(fmt_int)),
              "number": F.Column(F.NUMBER, F.style_id(fmt_num)),
              "percent": F.Column(F.PERCENT, F.style_id(fmt_pct)),
              "date": F.Column(F.DATE, F.style_id(fmt_date)),
              "light": F.Column(F.TEXT, F.style_id(fmt_text), {k: F.style_id(f) for k, f in lights.items()}),
              "text": F.Column(F.TEXT, F.style_id(fmt_text)),
              "wrap": F.Column(F.TEXT, F.style_id(fmt_wrap))}
    part = df.iloc[start:stop]
    overrides = _cut_long_texts(book, sheet_key, part, cols)
    columns = [(key if key in part.columns else None, styles["wrap"] if kind in WRAPPED_KINDS else
                styles.get(kind, styles["text"])) for key, _, kind, _ in cols]
    wrapped = {c for c, (_, _, kind, _) in enumerate(cols) if kind in WRAPPED_KINDS}
    chunk = max(1, int(DETAIL_CHUNK))

    def chunks():
        for offset in range(0, len(part), chunk):  # bounded memory: one chunk of cells at a time
            piece = part.iloc[offset:offset + chunk]
            series = []
            for c, (key, column) in enumerate(columns):
                s = None if key is None else piece[key]
                if s is not None and c in overrides:
                    s = _override(s, overrides[c], offset)
                series.append((s, column))
            heights = F.row_heights([(s, widths[c]) for c, (s, _) in enumerate(series) if c in wrapped],
                                    LINE_POINTS)
            yield F.rows_xml(series, first_row=offset + 2, heights=heights, strings=book.strings)

    return F.SheetRows(chunks(), last_row=len(part) + 1, last_col=len(cols) - 1)


def _cut_long_texts(book: _Book, sheet_key: str, part: "pd.DataFrame",
                    cols: list[tuple[str, str, str, float]]) -> dict[int, dict[int, str]]:
    """Cut texts over Excel's cell limit: {column: {row position: cut text}}, each cut noted as a 提示."""
    import numpy as np
    import pyarrow.compute as pc

    from . import xlsx_fast as F

    found: list[tuple[int, int, str, str]] = []
    for c, (key, title, kind, _) in enumerate(cols):
        if key not in part.columns or kind in ("int", "number", "percent", "date", "light") or not len(part):
            continue
        long = pc.greater(pc.utf8_length(F.text_array(part[key])), CELL_LIMIT // 2).fill_null(False)
        if not pc.any(long).as_py():
            continue
        for pos in np.flatnonzero(np.asarray(long)).tolist():
            found.append((pos, c, title, str(part[key].iloc[pos])))
    out: dict[int, dict[int, str]] = {}
    base = S.SHEETS[sheet_key].name
    for pos, c, title, text in sorted(found, key=lambda x: (x[0], x[1])):
        if not too_long(text):
            continue
        file = part[META_FILE].iloc[pos] if META_FILE in part.columns else None
        row = part[META_ROW].iloc[pos] if META_ROW in part.columns else None
        cut = book.cut(text, {"file": "" if isna(file) else str(file), "sheet": base,
                              "row": None if isna(row) else int(row), "header": title})
        out.setdefault(c, {})[pos] = cut
    return out


def _override(series: "pd.Series", cuts: dict[int, str], offset: int) -> "pd.Series":
    hits = {pos - offset: text for pos, text in cuts.items() if offset <= pos < offset + len(series)}
    if not hits:
        return series
    values = series.astype(object).copy()
    for pos, text in hits.items():
        values.iloc[pos] = text
    return values


# ---------------------------------------------------------------------------
# 分单位统计
# ---------------------------------------------------------------------------


def _unit_columns(figures: dict) -> list[tuple[str, str, Any, str]]:
    """(group, header, getter, kind) of 分单位统计."""
    configured = bool(figures["submission"]["expected"])
    status = {u["name"]: u["status"] for u in figures["submission"]["units"]}
    cols: list[tuple[str, str, Any, str]] = [("单位", "单位", lambda u: u["name"], "text")]
    if configured:
        cols.append(("报送情况", "报送情况",
                     lambda u: "" if u["name"] == "合计" else status.get(u["name"], "已报送"), "center"))
    cols += [
        ("走访情况", "走访次数", lambda u: u["visits"], "int"),
        ("走访情况", "参与人次", lambda u: u["participants"], "int"),
        ("走访情况", "走访对象数", lambda u: u["objects"], "int"),
        ("走访情况", "发现问题数", lambda u: u["problems_found"], "int"),
        ("走访情况", "当场解决数", lambda u: u["solved_on_spot"], "int"),
    ]
    cols += [("走访对象数（按对象类型）", t, (lambda u, t=t: u["objects_by_type"][t]), "int") for t in S.OBJECT_TYPES]
    cols += [
        ("问题办理", "问题数", lambda u: u["problems"], "int"),
        ("问题办理", "问题办结数", lambda u: u["problems_closed"], "int"),
        ("问题办理", "办结率", lambda u: u["closure_rate"], "rate"),
        ("问题办理", "满意率", lambda u: u["satisfaction_rate"], "rate"),
        ("问题办理", "逾期问题数", lambda u: u["overdue_problems"], "int"),
        ("任务推进", "任务数", lambda u: u["tasks"], "int"),
    ]
    cols += [("任务推进", t, (lambda u, t=t: u["tasks_by_type"][t]), "int") for t in S.TASK_LIST_TYPES]
    cols += [("任务推进", t, (lambda u, t=t: u["tasks_by_status"][t]), "int") for t in S.TASK_STATUSES]
    cols += [
        ("任务推进", "平均进度", lambda u: u["average_progress"], "rate"),
        ("任务推进", "逾期任务数", lambda u: u["overdue_tasks"], "int"),
    ]
    return cols


ABSENT = "—"  # a unit that sent nothing: not "visited 0 times" (as in the report's 附件)


def _write_units(book: _Book, ws, figures: dict) -> None:
    """One row per unit, the columns grouped 走访 / 问题 / 任务; on paper each group is a band of its own
    (or two share one), with 单位 and 报送情况 repeated."""
    cols = _unit_columns(figures)
    last = len(cols) - 1
    keys = 2 if cols[1][1] == "报送情况" else 1
    widths = [16.0] + [8.0] * (keys - 1) + [6.5] * (len(cols) - keys)
    groups = [c for c in range(keys, len(cols)) if cols[c][0] != cols[c - 1][0]]
    blocks = [c for c in groups if not cols[c][0].startswith("走访对象数")]  # 对象类型 stays with 走访情况
    layout = _print_setup(ws, header_rows=(2, 3), last_col=last, widths=widths, keys=keys, starts=blocks)
    first_band = (layout.breaks[0] - 1) if layout.breaks else last
    start = keys if layout.breaks else 0
    _title(book, ws, f"分单位统计（{_period_text(figures)}）" if figures.get("period") else "分单位统计",
           _subtitle(figures) + "    办结率＝问题办结数÷问题数，满意率＝（满意＋基本满意）÷已评价数", first_band,
           sum(widths[start:first_band + 1]), first_col=start)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.set_row(3, 42)
    ws.set_row(2, 20)
    _group_headers(book, ws, 2, cols)
    row = 4
    absent = {u["name"] for u in figures["submission"]["units"] if u["status"] == MISSING}
    for entry in figures["units"] + [figures["totals"]]:
        total = entry is figures["totals"]
        sent_nothing = not total and entry["name"] in absent
        for c, (_, _, get, kind) in enumerate(cols):
            value = get(entry)
            if sent_nothing and kind in ("rate", "int"):
                ws.write_string(row, c, ABSENT, book.cell("center"))
            elif kind == "rate":
                book.rate(ws, row, c, value, total)
            elif kind == "int":
                ws.write_number(row, c, int(value), book.cell("int", total))
            else:
                fill = STATUS_FILLS.get(value) if c == 1 and not total else None
                book.text(ws, row, c, value, book.cell("center" if c else "wrap", total, fill))
        _fit_height(ws, row, [(entry["name"], widths[0])])
        row += 1
    ws.freeze_panes(4, keys)


def _group_headers(book: _Book, ws, row: int, cols) -> None:
    """Group headers (``row``) above column headers (``row + 1``).

    Rows are written strictly in order (constant_memory), so a column without a
    group is not merged vertically: its two cells share a fill and lose the border
    between them, and the header text sits in the lower cell beside the others.
    """
    header = book.header()
    top = book.fmt(bold=True, bg_color="#DDEBF7", border=1, bottom=0, align="center", text_wrap=True)
    bottom = book.fmt(bold=True, bg_color="#DDEBF7", border=1, top=0, align="center", text_wrap=True)
    spans = []
    c = 0
    while c < len(cols):
        end = c
        while end + 1 < len(cols) and cols[end + 1][0] == cols[c][0]:
            end += 1
        spans.append((c, end, cols[c][0], end == c and cols[c][1] == cols[c][0]))
        c = end + 1
    for c, end, group, single in spans:
        if single:
            ws.write_blank(row, c, None, top)
        elif end > c:
            ws.merge_range(row, c, row, end, group, header)
        else:
            ws.write_string(row, c, group, header)
    for c, end, group, single in spans:
        if single:
            ws.write_string(row + 1, c, group, bottom)
            continue
        for k in range(c, end + 1):
            ws.write_string(row + 1, k, cols[k][1], header)


# ---------------------------------------------------------------------------
# 分类统计
# ---------------------------------------------------------------------------


CHART_SIZE = (350, 230)
CHART_FONT = {"name": FONT, "size": 10}  # on paper at the sheet's scale: 8 points or more  # pixels: beside its table on a portrait A4 page, three blocks a page
CATEGORY_WIDTHS = [13.0, 7.0, 7.0, 7.0, 8.0] + [7.8] * 6  # the table, then the chart's six columns


def _write_categories(book: _Book, ws, figures: dict) -> None:
    last = len(CATEGORY_WIDTHS) - 1
    _title(book, ws, "分类统计", _subtitle(figures), last, sum(CATEGORY_WIDTHS))
    for c, width in enumerate(CATEGORY_WIDTHS):
        ws.set_column(c, c, width)
    v, p, t = figures["visits"], figures["problems"], figures["tasks"]
    blocks = [
        ("一、走访对象类型", "走访次数", v["by_object_type"], v["count"], "column"),
        ("二、走访方式", "走访次数", v["by_method"], v["count"], "pie"),
        ("三、问题类别", "问题数", p["by_category"], p["count"], "column"),
        ("四、问题来源", "问题数", p["by_source"], p["count"], "pie"),
        ("五、问题办理状态", "问题数", p["by_status"], p["count"], "column"),
        ("六、任务清单类型", "任务数", t["by_type"], t["count"], "column"),
        ("七、任务推进状态", "任务数", t["by_status"], t["count"], "pie"),
    ]
    row = 3
    chart_rows = 13  # rows of 15 points under a chart
    breaks = []
    for n, (title, measure, items, total, chart_type) in enumerate(blocks):
        if n in (3, 6):  # three blocks a page: a chart never straddles a page break
            breaks.append(row)
        top = row
        ws.set_row(row, 20)
        ws.write_string(row, 0, title, book.fmt(bold=True, font_size=12))
        row += 1
        is_tasks = title.startswith("六")
        headers = ["类别", measure, "占比"] + (["已完成", "平均进度"] if is_tasks else [])
        for c, h in enumerate(headers):
            ws.write_string(row, c, h, book.header())
        header_row = row
        row += 1
        for item in items:
            book.text(ws, row, 0, item["name"], book.cell())
            ws.write_number(row, 1, item["count"], book.cell("int"))
            _share(book, ws, row, 2, item["count"], total)
            if is_tasks:
                ws.write_number(row, 3, item["completed"], book.cell("int"))
                book.rate(ws, row, 4, item["average_progress"])
            row += 1
        ws.write_string(row, 0, "合计", book.cell("text", True))
        ws.write_number(row, 1, total, book.cell("int", True))
        _share(book, ws, row, 2, total, total, True)
        if is_tasks:
            ws.write_number(row, 3, t["completed"], book.cell("int", True))
            book.rate(ws, row, 4, t["average_progress"], True)
        first, lastrow = header_row + 1, row - 1
        _chart(book, ws, chart_type, title, measure, first, lastrow, top, is_tasks)
        row = max(row + 2, top + chart_rows + 1)
    ws.set_h_pagebreaks(breaks)
    # Lights: problems and tasks side by side.
    ws.write_string(row, 0, "八、亮灯情况", book.fmt(bold=True, font_size=12))
    row += 1
    for c, h in enumerate(("亮灯", "问题数", "任务数")):
        ws.write_string(row, c, h, book.header())
    row += 1
    for light in (RED, YELLOW, GREEN):
        ws.write_string(row, 0, light + "灯", book.cell("center", fill=LIGHT_FILLS[light]))
        ws.write_number(row, 1, p["lights"][light], book.cell("int"))
        ws.write_number(row, 2, t["lights"][light], book.cell("int"))
        row += 1
    note = ("问题：红灯＝超过办理时限未办结，黄灯＝距办理时限不足7天，绿灯＝其他；"
            "任务：红灯＝超过完成时限未完成，黄灯＝进度落后于时间进度，绿灯＝其他；"
            "上期红灯、本期已不再逾期的未办结事项亮黄灯一期。")
    ws.write_string(row, 0, "说明", book.fmt(bold=True, valign="top"))
    ws.merge_range(row, 1, row, last, "", book.fmt(text_wrap=True, valign="top"))
    ws.write_string(row, 1, note, book.fmt(text_wrap=True, valign="top"))
    _fit_height(ws, row, [(note, sum(CATEGORY_WIDTHS[1:]))])
    _print_setup(ws, header_rows=(0, 0), last_col=last, landscape=False, widths=CATEGORY_WIDTHS)


def _share(book: _Book, ws, row: int, col: int, count: int, total: int, is_total: bool = False) -> None:
    book.rate(ws, row, col, rate(count, total), is_total)


def _chart(book: _Book, ws, chart_type: str, title: str, measure: str, first: int, last: int, top: int,
           is_tasks: bool) -> None:
    wb = book.wb
    name = ws.get_name()
    chart = wb.add_chart({"type": chart_type})
    series = {
        "name": measure,
        "categories": [name, first, 0, last, 0],
        "values": [name, first, 1, last, 1],
        "data_labels": ({"value": True, "font": CHART_FONT} if chart_type != "pie" else
                        {"percentage": True, "leader_lines": True, "font": CHART_FONT}),
    }
    if chart_type == "column":
        series["fill"] = {"color": "#4472C4"}
    chart.add_series(series)
    if is_tasks:
        chart.add_series({"name": "已完成", "categories": [name, first, 0, last, 0],
                          "values": [name, first, 3, last, 3], "fill": {"color": "#70AD47"},
                          "data_labels": {"value": True, "font": CHART_FONT}})
    chart.set_title({"name": title.split("、", 1)[-1], "name_font": {"name": FONT, "size": 11, "bold": True}})
    if chart_type == "column":
        chart.set_x_axis({"num_font": CHART_FONT})
        chart.set_y_axis({"num_font": CHART_FONT, "major_gridlines": {"visible": True,
                          "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"none": True} if not is_tasks else {"position": "bottom", "font": CHART_FONT})
    else:
        chart.set_legend({"position": "right", "font": CHART_FONT})
    chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
    ws.insert_chart(top, 5, chart, {"x_offset": 4, "y_offset": 4})


# ---------------------------------------------------------------------------
# 趋势, 作战图 (period over period)
# ---------------------------------------------------------------------------

#: (group, header, trend key, kind) of the 趋势 sheet
CHART_WIDTH = 440  # pixels: eight columns of the 趋势 sheet
TREND_COLUMNS = (
    ("统计期", "统计期", "name", "text"),
    ("走访情况", "走访次数", "visits", "int"), ("走访情况", "累计走访", "visits_cumulative", "int"),
    ("走访情况", "参与人次", "participants", "int"),
    ("问题办理", "问题数", "problems", "int"), ("问题办理", "新增问题", "problems_new", "int"),
    ("问题办理", "办结数", "problems_closed", "int"), ("问题办理", "办结率", "closure_rate", "rate"),
    ("问题办理", "逾期问题", "overdue_problems", "int"),
    ("任务推进", "任务数", "tasks", "int"), ("任务推进", "已完成", "tasks_completed", "int"),
    ("任务推进", "平均进度", "average_progress", "rate"), ("任务推进", "欠进度", "tasks_behind", "int"),
    ("任务推进", "逾期任务", "overdue_tasks", "int"),
    *(("问题亮灯", f"{c}灯", ("problem_lights", c), "int") for c in (RED, YELLOW, GREEN)),
    *(("任务亮灯", f"{c}灯", ("task_lights", c), "int") for c in (RED, YELLOW, GREEN)),
)


def _write_trend(book: _Book, ws, figures: dict) -> None:
    """One row per recorded period and this one (``figures["trend"]``), then two native charts."""
    cols = TREND_COLUMNS
    last = len(cols) - 1
    trend = figures.get("trend") or []
    widths = [22] + [7.5] * last  # 2022年第二季度（本期） on one line
    starts = [c for c in range(1, len(cols)) if cols[c][0] != cols[c - 1][0]]  # a band per group or more
    layout = _print_setup(ws, header_rows=(2, 3), last_col=last, widths=widths, keys=1, starts=starts)
    first_band = (layout.breaks[0] - 1) if layout.breaks else last
    start = 1 if layout.breaks else 0  # the title within the first page, after the repeated 统计期
    _title(book, ws, "趋势（各期对比）", _subtitle(figures) + "    办结率＝问题办结数÷问题数；欠进度＝完成进度低于序时进度5个百分点以上或已超过完成时限",
           first_band, sum(widths[start:first_band + 1]), first_col=start)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, last, widths[1])
    ws.set_row(2, 20)
    ws.set_row(3, 30)
    _group_headers(book, ws, 2, cols)
    row = 4
    for entry in trend:
        bold = bool(entry.get("current"))
        for c, (_g, _h, key, kind) in enumerate(cols):
            if isinstance(key, tuple):
                found = entry.get(key[0])
                value = found.get(key[1]) if isinstance(found, dict) else None
            else:
                value = entry.get(key)
            if kind == "text":
                book.text(ws, row, c, f"{value}（本期）" if bold else value, book.cell("text", bold))
            elif kind == "rate":
                book.rate(ws, row, c, value, bold)
            elif value is None:
                ws.write_string(row, c, "—", book.cell("center", bold))
            else:
                fill = LIGHT_FILLS.get(key[1]) if isinstance(key, tuple) else None
                ws.write_number(row, c, int(value), book.cell("int", bold, fill))
        row += 1
    if not trend:
        ws.merge_range(row, 0, row, last, "暂无", book.cell("center"))
        row += 1
    ws.freeze_panes(4, 1)
    if not trend:
        return
    name, first, end = ws.get_name(), 4, 4 + len(trend) - 1
    index = {key: c for c, (_g, _h, key, _k) in enumerate(cols) if not isinstance(key, tuple)}
    font = {"name": FONT, "size": 9}
    visits = book.wb.add_chart({"type": "column"})
    visits.add_series({"name": "走访次数", "categories": [name, first, 0, end, 0],
                       "values": [name, first, index["visits"], end, index["visits"]],
                       "fill": {"color": "#4472C4"}, "data_labels": {"value": True}})
    cumulative = book.wb.add_chart({"type": "line"})
    cumulative.add_series({"name": "累计走访", "categories": [name, first, 0, end, 0],
                           "values": [name, first, index["visits_cumulative"], end, index["visits_cumulative"]],
                           "y2_axis": True, "marker": {"type": "circle"}, "line": {"color": "#ED7D31"},
                           "data_labels": {"value": True, "position": "above"}})
    visits.combine(cumulative)
    visits.set_title({"name": "走访次数", "name_font": {"name": FONT, "size": 11, "bold": True}})
    visits.set_x_axis({"num_font": font})
    visits.set_y_axis({"num_font": font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    cumulative.set_y2_axis({"num_font": font})
    visits.set_legend({"position": "bottom", "font": font})
    visits.set_size({"width": CHART_WIDTH, "height": 300})
    rates = book.wb.add_chart({"type": "line"})
    for title, key, color in (("办结率", "closure_rate", "#70AD47"), ("任务平均进度", "average_progress", "#4472C4")):
        rates.add_series({"name": title, "categories": [name, first, 0, end, 0],
                          "values": [name, first, index[key], end, index[key]], "marker": {"type": "circle"},
                          "line": {"color": color}, "data_labels": {"value": True, "num_format": "0.0%"}})
    rates.set_title({"name": "办结率与任务平均进度", "name_font": {"name": FONT, "size": 11, "bold": True}})
    rates.set_x_axis({"num_font": font})
    rates.set_y_axis({"num_font": font, "num_format": "0%", "min": 0, "max": 1,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    rates.set_legend({"position": "bottom", "font": font})
    rates.set_size({"width": CHART_WIDTH, "height": 300})
    # under the table, after the repeated 统计期 column, each within a band: a chart across a page
    # break (or over a repeated column) prints in pieces
    ws.insert_chart(row + 1, 1, visits, {"x_offset": 4, "y_offset": 4})
    ws.insert_chart(row + 1, layout.breaks[0] if layout.breaks else 9, rates, {"x_offset": 4, "y_offset": 4})


BOARD_FIXED = (("编号", "id", "text", 16), ("任务名称", "name", "text", 26), ("责任单位", "unit_in_charge", "text", 11),
               ("牵头领导", "leader", "text", 8), ("完成时限", "deadline", "date", 10.5))
BOARD_END = (("完成进度", "progress", "percent", 8), ("序时进度", "schedule", "percent", 8),
             ("进度评价", "schedule_class", "text", 8), ("亮灯", "light", "light", 5))
BOARD_FILLS = {"planned": "#DDEBF7", "type": "#BDD7EE", "unit": "#F2F2F2"}


def _write_board(book: _Book, ws, figures: dict, merged: "Merged"):
    """作战图: headings and layout with XlsxWriter; the lines (one per task, under its 清单类型 and unit
    headings) generated by ``xlsx_fast`` with a format per cell (planned span, ✓, ⚑)."""
    import numpy as np
    import pandas as pd

    from . import xlsx_fast as F
    from .merge.periods import DONE_MARK, FLAG, PLANNED, board

    result = merged.result
    b = board(merged.details["tasks"], merged.history, result.period, result.as_of)
    months = b.months
    fixed, end = BOARD_FIXED, BOARD_END
    m0 = len(fixed)
    last = m0 + len(months) + len(end) - 1
    _title(book, ws, "作战图（任务推进）", _subtitle(figures) + "    底色为计划时段（开始日期至完成时限）；百分数为各期末完成进度；"
           "✓ 已完成；⚑ 逾期（超过完成时限未完成）", last)
    cols = ([(h, h) for h, *_ in fixed] + [(f"{y}年", f"{m}月") for y, m in months] + [(h, h) for h, *_ in end])
    for c, (_h, _k, _kind, width) in enumerate(fixed):
        ws.set_column(c, c, width)
    ws.set_column(m0, m0 + len(months) - 1, 6)
    for c, (_h, _k, _kind, width) in enumerate(end, start=m0 + len(months)):
        ws.set_column(c, c, width)
    ws.set_row(2, 18)
    ws.set_row(3, 18)
    _group_headers(book, ws, 2, cols)
    ws.freeze_panes(4, m0)
    widths = [w for *_rest, w in BOARD_FIXED] + [6] * len(months) + [w for *_rest, w in end]
    # A3 landscape; a campaign of many months prints in bands, the task's columns on each
    _print_setup(ws, header_rows=(2, 3), last_col=last, widths=widths, keys=m0, paper=A3)
    ws.repeat_columns(0, m0 - 1)  # on every page, also when the board fits the width (a long board: pages down)
    lines = b.lines
    if not len(lines):
        ws.merge_range(4, 0, 4, last, "本期没有任务", book.cell("center"))
        return F.SheetRows(iter(()), last_row=5, last_col=last)

    def sid(**props) -> int:
        return F.style_id(book.fmt(border=1, **props))

    level = lines["level"].to_numpy()
    heading = {0: sid(bold=True, bg_color=BOARD_FILLS["type"]), 1: sid(bold=True, bg_color=BOARD_FILLS["unit"])}

    def styles(task_style: int) -> "np.ndarray":
        return np.where(level == 0, heading[0], np.where(level == 1, heading[1], task_style)).astype(np.int64)

    text = F.Column(F.TEXT, 0)
    columns: list[tuple] = []
    label = pd.Series(np.where(level < 2, lines["label"].to_numpy(dtype=object), lines["id"].to_numpy(dtype=object)),
                      dtype=object)
    columns.append((label, text, styles(sid(align="center"))))
    columns.append((pd.Series(lines["name"], dtype=object), text, styles(sid())))
    columns.append((pd.Series(lines["unit_in_charge"], dtype=object), text, styles(sid(align="center"))))
    columns.append((pd.Series(lines["leader"], dtype=object), text, styles(sid(align="center"))))
    columns.append((lines["deadline"], F.Column(F.DATE, 0), styles(sid(num_format="yyyy-mm-dd", align="center"))))
    def month_style(mark: int) -> int:
        props: dict[str, Any] = {"align": "center", "font_size": 9}
        if mark & PLANNED:
            props["bg_color"] = BOARD_FILLS["planned"]
        if mark & DONE_MARK:
            props.update(font_color="#00B050", bold=True)
        if mark & FLAG:  # the black flag wins over the green tick
            props.update(font_color="#000000", bold=True)
        return sid(**props)

    month_styles = np.asarray([month_style(mark) for mark in range(8)], dtype=np.int64)  # by mark
    for cells, marks in zip(b.cells, b.marks):
        columns.append((pd.Series(cells, dtype=object), text,
                        np.where(level < 2, styles(0), month_styles[marks.astype(np.int64)])))
    columns.append((pd.Series(lines["progress"]), F.Column(F.PERCENT, 0), styles(sid(num_format="0%", align="right"))))
    columns.append((pd.Series(lines["schedule"]), F.Column(F.PERCENT, 0), styles(sid(num_format="0.0%", align="right"))))
    behind = sid(align="center", font_color="#C00000", bold=True)
    klass = lines["schedule_class"].to_numpy(dtype=object)
    columns.append((pd.Series(klass, dtype=object), text,
                    np.where(level < 2, styles(0), np.where(klass == S.SCHEDULE_BEHIND, behind, sid(align="center")))))
    light = lines["light"].to_numpy(dtype=object)
    plain = sid(align="center")
    by_light = np.full(len(light), plain, dtype=np.int64)
    for value, fill in LIGHT_FILLS.items():
        by_light[light == value] = sid(align="center", bold=True, bg_color=fill)
    columns.append((pd.Series(light, dtype=object), text, np.where(level < 2, styles(0), by_light)))
    chunks = (F.rows_xml(columns, first_row=5, strings=book.strings) for _ in (1,))
    return F.SheetRows(chunks, last_row=4 + len(lines), last_col=last)


# ---------------------------------------------------------------------------
# 红灯清单, 成果汇总
# ---------------------------------------------------------------------------


RED_TITLE_WIDTH = 34


def _write_red_list(book: _Book, ws, figures: dict, red: "pd.DataFrame") -> dict[str, Any]:
    """Title and headers with XlsxWriter; the (possibly many thousand) rows generated by ``xlsx_fast``.

    ``red``: ``Merged.red_rows``, the rows of ``figures["red_list"]`` in the same order, whose
    时限 are the detail tables' dates (written as they are, never parsed back from text)."""
    import pandas as pd

    from . import xlsx_fast as F

    headers = (("序号", 6), ("类别", 6), ("单位", 14), ("编号", 15), ("名称/问题描述", RED_TITLE_WIDTH), ("责任人", 9),
               ("责任领导", 9), ("时限", 11), ("逾期天数", 8), ("状态", 9))
    last = len(headers) - 1
    widths = [w for _, w in headers]
    items = figures["red_list"]
    n_p = sum(1 for i in items if i["kind"] == "问题")
    _title(book, ws, "红灯清单（逾期事项）",
           _subtitle(figures) + f"    逾期问题 {n_p} 个，逾期任务 {len(items) - n_p} 项", last, sum(widths))
    ws.set_row(2, _header_height([h for h, _ in headers], widths))
    for c, (h, w) in enumerate(headers):
        ws.set_column(c, c, w)
        ws.write_string(2, c, h, book.header())
    first = 3
    if not items:
        ws.merge_range(first, 0, first, last, "无逾期事项", book.cell("center"))
    f_seq, f_center, f_text, f_wrap = book.cell("seq"), book.cell("center"), book.cell(), book.cell("wrap")
    f_date, f_days = book.cell("date"), book.cell("int", fill=LIGHT_FILLS[RED])
    ws.freeze_panes(3, 0)
    if items:
        ws.autofilter(2, 0, first + len(items) - 1, last)
    _print_setup(ws, header_rows=(2, 2), last_col=last, widths=widths)
    if not items:
        return {}
    where = {"sheet": ws.get_name()}
    keys = ("kind", "unit", "id", "title", "owner", "leader", "status")
    short = CELL_LIMIT // 2  # a str this short is within the limit whatever its UTF-16 length
    cut = [[v if v.__class__ is str and len(v) <= short else book.cut(v, where) for v in values]
           for values in zip(*(red[k].tolist() for k in keys))]  # row by row, as cells are met

    def texts(key: str) -> "pd.Series":
        k = keys.index(key)
        return pd.Series([r[k] for r in cut], dtype=object)

    def text(fmt) -> "F.Column":
        sid = F.style_id(fmt)
        return F.Column(F.TEXT, sid, blank_style=sid)

    titles = texts("title")
    columns = [
        (pd.Series(range(1, len(items) + 1)), F.Column(F.INT, F.style_id(f_seq))),
        (texts("kind"), text(f_center)),
        (texts("unit"), text(f_wrap)),
        (texts("id"), text(f_center)),
        (titles, text(f_wrap)),
        (texts("owner"), text(f_center)),
        (texts("leader"), text(f_center)),
        (red["deadline"].reset_index(drop=True), F.Column(F.DATE, F.style_id(f_date), blank_style=F.style_id(f_text))),
        (red["days_overdue"].reset_index(drop=True), F.Column(F.INT, F.style_id(f_days))),
        (texts("status"), text(f_center)),
    ]
    heights = F.row_heights([(titles, RED_TITLE_WIDTH), (texts("unit"), 14)], LINE_POINTS)
    chunks = (F.rows_xml(columns, first_row=first + 1, heights=heights, strings=book.strings) for _ in (1,))
    return {ws.get_name(): F.SheetRows(chunks, last_row=first + len(items), last_col=last)}


def _write_achievements(book: _Book, ws, figures: dict) -> None:
    headers = (("序号", 6), ("成果说明", 36), ("数值", 12), ("计量单位", 9), ("条数", 6), ("涉及单位", 50))
    last = len(headers) - 1
    items = figures["achievements"]
    widths = [w for _, w in headers]
    _title(book, ws, "成果汇总", _subtitle(figures) + "    成果说明和计量单位相同的合并相加", last, sum(widths))
    ws.set_row(2, _header_height([h for h, _ in headers], widths))
    for c, (h, w) in enumerate(headers):
        ws.set_column(c, c, w)
        ws.write_string(2, c, h, book.header())
    row = 3
    if not items:
        ws.merge_range(row, 0, row, last, "各单位未填报量化成果", book.cell("center"))
    for n, item in enumerate(items, start=1):
        ws.write_number(row, 0, n, book.cell("seq"))
        book.text(ws, row, 1, item["description"], book.cell("wrap"))
        value = item["value"]
        ws.write_number(row, 2, value, book.cell("num2" if isinstance(value, float) else "num"))
        book.text(ws, row, 3, item["unit"], book.cell("center"))
        ws.write_number(row, 4, item["items"], book.cell("int"))
        book.text(ws, row, 5, "、".join(item["units"]), book.cell("wrap"))
        _fit_height(ws, row, [("、".join(item["units"]), widths[5]), (item["description"], widths[1])])
        row += 1
    ws.freeze_panes(3, 0)
    _print_setup(ws, header_rows=(2, 2), last_col=last, widths=widths)


# ---------------------------------------------------------------------------
# 报送情况
# ---------------------------------------------------------------------------


def _write_submission(book: _Book, ws, figures: dict, result: ValidationResult) -> None:
    sub = figures["submission"]
    widths = (6, 8, 20, 10, 14, 14, 48)
    last = len(widths) - 1
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    counts = sub.get("counts", {})
    summary = (f"应报 {sub['expected']} 个单位：" + "，".join(f"{k} {counts.get(k, 0)} 个" for k in UNIT_STATUSES
                                                    if k != PENDING or counts.get(k))
               if sub["expected"] else "未配置单位名单")
    _title(book, ws, "报送情况", _subtitle(figures) + "    " + summary, last, sum(widths))
    row = 3
    section = book.fmt(bold=True, font_size=12)

    def heading(text: str) -> None:
        nonlocal row
        ws.set_row(row, 22)
        ws.write_string(row, 0, text, section)
        row += 1

    def headers(names: tuple[str, ...]) -> None:
        """Column headers; the last spans the columns left (its cells below are merged the same way)."""
        nonlocal row
        spans = list(widths[:len(names) - 1]) + [sum(widths[len(names) - 1:])]
        ws.set_row(row, _header_height(list(names), spans))
        for c, h in enumerate(names[:-1]):
            ws.write_string(row, c, h, book.header())
        if len(names) - 1 < last:
            ws.merge_range(row, len(names) - 1, row, last, names[-1], book.header())
        else:
            ws.write_string(row, last, names[-1], book.header())
        row += 1

    def none(text: str = "无") -> None:
        nonlocal row
        ws.merge_range(row, 0, row, last, "", book.cell("center"))
        ws.write_string(row, 0, text, book.cell("center"))
        row += 1

    template_names = {t.id: t.name for t in S.TEMPLATES}
    superseded = {f["file"] for f in sub["superseded_files"]}
    heading("一、各单位报送情况")
    if not sub["expected"]:
        none("未配置单位名单（toolkit.toml 中没有 [[units]]），不统计各单位报送情况。")
    else:
        headers(("序号", "单位编码", "单位", "报送状态", *template_names.values(), "报送文件"))
        for n, unit in enumerate(sub["units"], start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            book.text(ws, row, 1, unit["code"], book.cell("center"))
            book.text(ws, row, 2, unit["name"] + ("" if unit["code"] else "（未在单位名单中）"), book.cell("wrap"))
            book.text(ws, row, 3, unit["status"], book.cell("center", fill=STATUS_FILLS.get(unit["status"])))
            for c, tid in enumerate(template_names, start=4):
                state = unit["templates"].get(tid, "")
                book.text(ws, row, c, state, book.cell("center", fill=STATUS_FILLS.get(state)))
            files = "\n".join(f + ("（已被替代）" if f in superseded else "") for f in unit["files"])
            book.text(ws, row, 4 + len(template_names), files, book.cell("wrap"))
            _fit_height(ws, row, [(files, widths[-1]), (unit["name"], widths[2])])
            row += 1
    row += 1
    heading(f"二、催报名单（{len(sub['missing'])} 个单位，尚有台账未报送）")
    if sub["missing"]:
        headers(("序号", "单位编码", "单位", "报送状态", "未报送的台账"))
        for n, unit in enumerate(sub["missing"], start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            book.text(ws, row, 1, unit["code"], book.cell("center"))
            book.text(ws, row, 2, unit["name"], book.cell())
            book.text(ws, row, 3, unit["status"], book.cell("center", fill=STATUS_FILLS.get(unit["status"])))
            ws.merge_range(row, 4, row, last, "", book.cell("wrap"))
            book.text(ws, row, 4, "、".join(unit["templates"]), book.cell("wrap"))
            row += 1
    else:
        none("无" if sub["expected"] else "未配置单位名单")
    row += 1
    returned = [(unit, f) for unit in sub.get("returned", []) for f in unit["files"]]
    heading(f"三、退回名单（{len(sub.get('returned', []))} 个单位、{len(returned)} 个文件，需修改后重新报送）")
    if returned:
        headers(("序号", "单位", "文件", "台账", "错误数", "原因"))
        for n, (unit, item) in enumerate(returned, start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            book.text(ws, row, 1, unit["name"], book.cell("wrap"))
            book.text(ws, row, 2, item["file"], book.cell("wrap"))
            book.text(ws, row, 3, item["template"] or "—", book.cell("wrap"))
            ws.write_number(row, 4, item["errors"], book.cell("int"))
            ws.merge_range(row, 5, row, last, "", book.cell("wrap"))
            book.text(ws, row, 5, item["reason"], book.cell("wrap"))
            _fit_height(ws, row, [(item["reason"], sum(widths[5:])), (item["file"], widths[2]),
                                  (unit["name"], widths[1]), (item["template"] or "", widths[3])])
            row += 1
    else:
        none()
    row += 1
    heading(f"四、被替代的文件（{len(sub['superseded_files'])} 个，同一单位重复报送时只汇总较新的文件）")
    if sub["superseded_files"]:
        headers(("序号", "单位", "文件", "未汇总行数", "被替代为"))
        for n, item in enumerate(sub["superseded_files"], start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            book.text(ws, row, 1, item["unit"], book.cell("wrap"))
            book.text(ws, row, 2, item["file"], book.cell("wrap"))
            ws.write_number(row, 3, item["rows"], book.cell("int"))
            ws.merge_range(row, 4, row, last, "", book.cell("wrap"))
            book.text(ws, row, 4, item["by"], book.cell("wrap"))
            _fit_height(ws, row, [(item["by"], sum(widths[4:])), (item["file"], widths[2]), (item["unit"], widths[1])])
            row += 1
    else:
        none()
    row += 1
    heading(f"五、无法读取的文件（{len(sub['unreadable_files'])} 个）")
    if sub["unreadable_files"]:
        headers(("序号", "", "文件", "原因"))
        for n, item in enumerate(sub["unreadable_files"], start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            ws.write_blank(row, 1, None, book.cell())
            book.text(ws, row, 2, item["file"], book.cell("wrap"))
            ws.merge_range(row, 3, row, last, "", book.cell("wrap"))
            book.text(ws, row, 3, item["reason"], book.cell("wrap"))
            _fit_height(ws, row, [(item["reason"], sum(widths[3:])), (item["file"], widths[2])])
            row += 1
    else:
        none()
    if sub["unknown_units"]:
        row += 1
        heading(f"六、不在单位名单中的单位（{len(sub['unknown_units'])} 个，请核对单位名称或补充到 toolkit.toml）")
        for n, name in enumerate(sub["unknown_units"], start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            ws.merge_range(row, 1, row, 2, "", book.cell("wrap"))
            book.text(ws, row, 1, name, book.cell("wrap"))
            _fit_height(ws, row, [(name, sum(widths[1:3]))])
            row += 1
    if result.ignored:
        row += 1
        heading(f"附：未处理的文件（{len(result.ignored)} 个）")
        headers(("序号", "", "文件", "原因"))
        for n, (rel, reason) in enumerate(result.ignored, start=1):
            ws.write_number(row, 0, n, book.cell("seq"))
            ws.write_blank(row, 1, None, book.cell())
            book.text(ws, row, 2, rel, book.cell("wrap"))
            ws.merge_range(row, 3, row, last, "", book.cell("wrap"))
            book.text(ws, row, 3, reason, book.cell("wrap"))
            _fit_height(ws, row, [(reason, sum(widths[3:])), (rel, widths[2])])
            row += 1
    _print_setup(ws, header_rows=(0, 0), last_col=last, widths=list(widths))


# ---------------------------------------------------------------------------
# 校验问题, 未汇总行
# ---------------------------------------------------------------------------


def _list_sheets(book: _Book, base: str, headers: list[tuple[str, float]], rows: list[list[Any]],
                 *, date_cols: tuple[int, ...] = (), wrap: tuple[int, ...] = (), keys: int = 0,
                 empty: str = "") -> list[str]:
    """Write rows on one sheet, or several when beyond Excel's row limit; returns the sheet names.

    ``wrap``: the columns whose texts wrap (their rows as tall as needed); ``keys``: the first
    columns, repeated on every printed band; ``empty``: the one line of a sheet without rows
    (no page of headers only)."""
    names = []
    chunks = max(1, -(-len(rows) // MAX_DATA_ROWS))
    head = book.header()
    text_fmt = book.fmt()
    wrap_fmt = book.fmt(text_wrap=True)
    date_fmt = book.fmt(num_format="yyyy-mm-dd")
    widths = [w for _, w in headers]
    for k in range(chunks):
        name = base if k == 0 else f"{base}({k + 1})"
        names.append(name)
        ws = book.wb.add_worksheet(name)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        if not rows and empty:
            ws.write_string(0, 0, empty, book.fmt(font_size=11))
            _print_setup(ws, header_rows=(0, 0), last_col=len(headers) - 1, widths=widths)
            continue
        ws.set_row(0, _header_height([h for h, _ in headers], widths))
        for c, (h, _) in enumerate(headers):
            ws.write_string(0, c, h, head)
        part = rows[k * MAX_DATA_ROWS:(k + 1) * MAX_DATA_ROWS]
        for i, values in enumerate(part, start=1):
            texts = []
            for c, v in enumerate(values):
                wrapped = c in wrap
                book.any(ws, i, c, v, wrap_fmt if wrapped else text_fmt, date_fmt, {"sheet": name})
                if wrapped and isinstance(v, str) and v:
                    texts.append((v, widths[c]))
            _fit_height(ws, i, texts)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(part), 1), len(headers) - 1)
        _print_setup(ws, header_rows=(0, 0), last_col=len(headers) - 1, widths=widths, keys=keys)
    return names


def _write_issues(book: _Book, result: ValidationResult) -> list[str]:
    headers = [("文件", 18), ("单位", 10), ("严重程度", 6), ("代码", 14), ("工作表", 8), ("行", 5), ("列", 4),
               ("列名", 10), ("值", 14), ("说明", 40)]
    rows: list[list[Any]] = []  # 说明 without the place: the columns before it say where
    for f in result.files:
        for i in f.issues:
            rows.append([i.file or f.rel, f.unit, i.severity, i.code, i.sheet, i.row, i.column, i.header, i.value,
                         issue_body(i)])
    for i in book.truncated:
        rows.append([i.file, "", i.severity, i.code, i.sheet, i.row, i.column, i.header, i.value, issue_body(i)])
    return _list_sheets(book, "校验问题", headers, rows, wrap=(0, 1, 3, 4, 7, 8, 9),
                        empty="本次校验没有发现错误或提示。")


def _write_rejected(book: _Book, result: ValidationResult) -> list[str]:
    value_headers: list[str] = []
    seen: set[str] = set()
    for sheet in S.SHEETS.values():
        for h in sheet.headers:
            if h not in seen and any(h in r.values for r in result.rejected):
                seen.add(h)
                value_headers.append(h)
    for r in result.rejected:
        for h in r.values:
            if h not in seen:
                seen.add(h)
                value_headers.append(h)
    headers = [("文件", 18), ("单位", 10), ("工作表", 8), ("行号", 5), ("原因", 40)]
    headers += [(h, 12) for h in value_headers]
    rows = [
        [r.file, r.unit, r.sheet, r.row, "；".join(r.reasons)] + [r.values.get(h) for h in value_headers]
        for r in result.rejected
    ]
    return _list_sheets(book, "未汇总行", headers, rows, wrap=tuple(c for c in range(len(headers)) if c != 3),
                        keys=4, empty="本次没有因错误而未汇总的行。")


# ---------------------------------------------------------------------------
# 说明
# ---------------------------------------------------------------------------


INFO_WIDTHS = (24.0, 62.0)


def _write_info(book: _Book, ws, figures: dict, result: ValidationResult,
                plan: dict[str, list[tuple[str, int, int]]], issue_sheets: list[str],
                rejected_sheets: list[str]) -> None:
    widths = INFO_WIDTHS
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    title = (figures.get("org") or "") + "大走访大调研汇总表"
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, 1, "", book.title())
    book.text(ws, 0, 0, title, book.title())
    label = book.fmt(border=1, bold=True, bg_color="#F2F2F2", text_wrap=True)
    value = book.cell("wrap")
    v = figures["validation"]
    period = figures.get("period")
    lines: list[tuple[str, Any]] = [
        ("单位", figures.get("org") or ""),
        ("汇总科室", figures.get("office") or ""),
        ("统计期", f"{period['name']}（{period['start']} 至 {period['end']}）" if period else "未指定"),
        ("统计截至（判断逾期的基准日期）", figures["as_of"]),
        ("生成时间", figures["generated_at"].replace("T", " ")),
        ("收到文件", v["files"]),
        ("读取数据行", v["rows_read"]),
        ("汇总行数", v["rows_accepted"]),
        ("未汇总行数（有错误）", v["rows_rejected"]),
        ("跳过行数（空行、合计行等）", v["rows_skipped"]),
        ("被替代行数（重复报送的旧文件）", v["rows_superseded"]),
        ("错误", v["errors"]),
        ("提示", v["hints"]),
    ]
    for key, sheet in S.SHEETS.items():
        lines.append((f"{sheet.name}（汇总行数）", sum(stop - start for _, start, stop in plan[key])))
    row = 2
    ws.write_string(row, 0, "项目", book.header())
    ws.write_string(row, 1, "内容", book.header())
    row += 1
    for k, val in lines:
        ws.write_string(row, 0, k, label)
        if isinstance(val, int):
            ws.write_number(row, 1, val, book.fmt(border=1, align="left", num_format="0"))
        else:
            book.text(ws, row, 1, val, value)
        _fit_height(ws, row, [(k, widths[0])] + ([] if isinstance(val, int) else [(str(val), widths[1])]))
        row += 1
    row += 1
    ws.write_string(row, 0, "工作表", book.header())
    ws.write_string(row, 1, "内容", book.header())
    row += 1
    split_notes = []
    for key, sheet in S.SHEETS.items():
        if len(plan[key]) > 1:
            names = "、".join(n for n, _, _ in plan[key])
            split_notes.append(f"{sheet.name}共 {plan[key][-1][2]} 行，超过 Excel 单表上限，已依次分在 {names} 中。")
    for names in (issue_sheets, rejected_sheets):
        if len(names) > 1:
            split_notes.append(f"{names[0]}超过 Excel 单表上限，已依次分在 {'、'.join(names)} 中。")
    for name, text in SHEET_INFO:
        ws.write_string(row, 0, name, label)
        book.text(ws, row, 1, text, value)
        _fit_height(ws, row, [(text, widths[1])])
        row += 1
    notes = [
        "逾期：基准日期晚于办理时限（完成时限）且尚未办结（完成）。",
        "亮灯：问题——红灯为已逾期，黄灯为距办理时限不足7天，绿灯为其他（含已办结、已销号）；"
        "任务——红灯为超过完成时限未完成，黄灯为完成进度落后于时间进度，绿灯为其他。"
        "上期为红灯、本期未办结（未完成）但已不再逾期的事项亮黄灯一期，下期起按上述规则亮灯。",
        "序时进度：开始日期（未填的按首次列入清单的统计期的开始日）至完成时限的时间已过去的比例。进度评价：已完成；"
        "超进度（完成进度高于序时进度5个百分点以上）；达进度；欠进度（低于序时进度5个百分点以上，或已超过完成时限）。",
        "办结率＝（已办结＋已销号）÷问题数；满意率＝（满意＋基本满意）÷已评价问题数；分母为0时显示“暂无”。",
        "所有统计数字与同目录下的“汇总数据.json”一致，情况汇报据此生成。",
        "打印：各表已设为 A4 纸，不必再调整页面设置；较宽的表按列分成几页打印，每页重复表头和单位（编号）列，"
        "同一批行的各页前后相连。",
    ] + split_notes
    if book.truncated:
        notes.append(f"有 {len(book.truncated)} 个单元格内容过长已截断，详见“校验问题”工作表。")
    row += 1
    for n, text in enumerate(notes, start=1):
        ws.write_string(row, 0, f"注{n}", label)
        book.text(ws, row, 1, text, value)
        _fit_height(ws, row, [(text, widths[1])])
        row += 1
    _print_setup(ws, header_rows=(2, 2), last_col=1, landscape=False, widths=list(widths))
