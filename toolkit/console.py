"""控制台.xlsm: the Excel control workbook with one button per toolkit step.

Sheets (code names Sheet1..Sheet4, matching the document modules of the VBA
project)::

    控制台        settings a person may change, the five buttons, the results area
    单位名单      the units (编码, 名称, 别名), written back to toolkit.toml by the buttons
    报告要素      staff-written paragraphs of the report, one per row
    xlwings.conf  every xlwings setting RunPython reads, pinned (:data:`XLWINGS_CONF`)

The VBA project is built at run time from ``toolkit/data/vba/*.bas`` (fast
and deterministic, see :mod:`toolkit.vba.project`); nothing binary is committed.
Each button calls a Sub without arguments (``Toolkit.MakeTemplates`` …) that runs
``RunPython "import toolkit.excel as x; x.<function>()"``.

The cell addresses below are shared with :mod:`toolkit.excel`, which reads the
settings and writes the results back through xlwings.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from .config import ReportText, UnitSource, Workspace, parse_units
from .io import atomic_path
from .model import Unit

CONSOLE_NAME = "控制台.xlsm"
SHEET_CONSOLE = "控制台"
SHEET_TEXT = "报告要素"
SHEET_UNITS = "单位名单"
SHEET_CONF = "xlwings.conf"  # the name xlwings' VBA looks for; never a name ending in ".py"
#: sheet name -> VBA code name (each has its document module in the VBA project)
CODE_NAMES = {SHEET_CONSOLE: "Sheet1", SHEET_UNITS: "Sheet2", SHEET_TEXT: "Sheet3", SHEET_CONF: "Sheet4"}

#: The xlwings.conf sheet: every setting RunPython and ExecuteWindows (xlwings.bas) read on
#: Windows, so that xlwings' own add-in or a user's %USERPROFILE%\.xlwings\xlwings.conf on the PC
#: cannot switch on the UDF server, Conda, a PYTHONPATH or a console window for our buttons (the
#: sheet is the first place xlwings looks, and a key present there wins even when empty).
#: Interpreter_Win is filled in by :func:`write_console`.
XLWINGS_CONF: tuple[tuple[str, str], ...] = (
    ("Interpreter_Win", ""),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
    ("USE UDF SERVER", "False"),
    ("SHOW CONSOLE", "False"),
    ("CONDA PATH", ""),
    ("CONDA ENV", ""),
    ("PYTHONPATH", ""),
    ("ONEDRIVE_CONSUMER_WIN", ""),
    ("ONEDRIVE_COMMERCIAL_WIN", ""),
    ("SHAREPOINT_WIN", ""),
    ("LICENSE_KEY", ""),
    ("SHOW_ERROR_POPUPS", "True"),
    ("TEMP DIR", "%TEMP%"),
)

# Settings: key -> (cell, label, note). Keys are attributes edited in toolkit.toml.
SETTINGS: dict[str, tuple[str, str, str]] = {
    "org": ("B5", "组织名称", "本单位名称，报告署名默认用它"),
    "office": ("B6", "负责科室", "负责汇总的科室"),
    "period": ("B7", "统计期", "如 2022Q1（季度）、2022-03（月份）、2022H1（半年）、2022（全年）"),
    "templates": ("B8", "下发模板文件夹", "工作区内的文件夹名"),
    "inbox": ("B9", "收集文件夹", "各单位报回的文件放这里"),
    "output": ("B10", "输出文件夹", "汇总表和报告写到这里"),
    "returns": ("B11", "退回修改文件夹", "有错误的文件标注后放这里，退回各单位"),
    "recipient": ("B12", "主送机关", "情况汇报的抬头：上报的机关，如 市委组织部"),
}
FOLDER_KEYS = ("templates", "inbox", "output", "returns")
WORKSPACE_CELL = "B4"  # the workspace folder (information only)

# Results area.
STATUS_CELL = "B14"
TIME_CELL = "B15"
COUNTS: dict[str, tuple[str, str]] = {  # ValidationResult.totals() key -> (cell, label)
    "files": ("B16", "文件数"),
    "rows_read": ("B17", "读取行数"),
    "rows_accepted": ("B18", "通过行数"),
    "rows_rejected": ("B19", "退回行数"),
    "rows_skipped": ("B20", "跳过行数（空行、合计行）"),
    "errors": ("B21", "错误"),
    "hints": ("B22", "提示"),
}
# Excel row numbers (1-based).
FILES_TITLE_ROW = 24  # "生成的文件"; links (column A label, column B link) in rows 25..36
FILES_FIRST_ROW = 25
MAX_LINKS = 12
PROBLEMS_TITLE_ROW = FILES_FIRST_ROW + MAX_LINKS + 1  # 38 "问题清单"
PROBLEMS_HEADER_ROW = PROBLEMS_TITLE_ROW + 1  # 39 column headers
PROBLEMS_FIRST_ROW = PROBLEMS_HEADER_ROW + 1  # 40 first problem
PROBLEM_COLUMNS = ("文件", "单位", "文件状态", "类别", "说明")
MAX_PROBLEMS = 2000

# 报告要素: column A 类别, column B 内容, from row 3 (row 1 note, row 2 header).
TEXT_FIRST_ROW = 3
TEXT_ROWS = 200
TEXT_CATEGORIES = {"组织领导": "organization", "工作亮点": "highlights", "存在问题": "problems", "下步打算": "plans"}

# 报告要素, columns D:F from row 3: the report's settings, saved into toolkit.toml ([report],
# [report.headings]) when a button is clicked, like the settings of the 控制台 sheet.
# key -> (cell, label, note); "headings.<key>" is a 小标题 (report.sections.HEADINGS).
HEADING_LABELS = {"organization": "组织领导", "visits": "走访调研", "problems": "问题办理", "tasks": "任务推进",
                  "achievements": "工作成果", "units": "各单位", "highlights": "工作亮点"}
CHARTS_WORDS = {"是": True, "否": False}
SUBMISSION_WORDS = {"附件": "appendix", "正文": "body", "不写": "none"}
REPORT_SETTINGS: dict[str, tuple[str, str, str]] = {
    "basis": ("E3", "依据文件", "开头“按照……要求”引用的文件，如 《关于开展“能力作风建设年”活动的实施方案》；不填则不引用"),
    "closing": ("E4", "结束语", "下步打算之后单独一行，如 特此报告。；不填则没有"),
    "charts": ("E5", "正文图表", "是：图表放在正文中；否：只放在统计附表中"),
    "submission": ("E6", "报送情况", "附件：写在附件的说明中；正文：写在一、工作开展情况中；不写"),
    **{f"headings.{key}": (f"E{7 + i}", f"小标题：{label}", "不填则用默认的小标题")
       for i, (key, label) in enumerate(HEADING_LABELS.items())},
}


def report_setting_values(ws: Workspace) -> dict[str, str]:
    """The report settings of ``ws`` as the 报告要素 sheet shows them (是/否, 附件/正文/不写)."""
    r = ws.report
    values = {"basis": r.basis or "", "closing": r.closing or "",
              "charts": next(w for w, v in CHARTS_WORDS.items() if v == bool(r.charts)),
              "submission": next((w for w, v in SUBMISSION_WORDS.items() if v == r.submission), "附件")}
    values.update({f"headings.{key}": (r.headings or {}).get(key, "") for key in HEADING_LABELS})
    return values

# 单位名单: columns A:C from row 3 (row 1 note, row 2 header); H1 (hidden column) holds the
# fingerprint of the list the sheet was last filled with from toolkit.toml (see toolkit.excel.save_units).
UNIT_HEADERS = ("编码", "名称", "别名")
UNITS_FIRST_ROW = 3
UNITS_ROWS = 3000
UNITS_STAMP_CELL = "H1"
ALIAS_SEPARATOR = "、"
#: the sheet's wording of the unit-list messages (the checks are toolkit.config.parse_units)
UNITS_SOURCE = UnitSource(place="控制台“单位名单”工作表中", item="第{n}行",
                          code="“编码”（单位编码），请在 A 列填写，如 01",
                          name="“名称”（单位名称），请在 B 列填写，如 办公室")


def default_interpreter() -> str:
    """The Python that runs the buttons: pythonw.exe beside python.exe on Windows (no console window)."""
    exe = Path(sys.executable)
    if os.name == "nt" and exe.name.lower() == "python.exe":
        windowless = exe.with_name("pythonw.exe")
        if windowless.exists():
            return str(windowless)
    return str(exe)


def vba_project_bytes() -> bytes:
    from .vba.project import build_vba_project, toolkit_modules

    return build_vba_project(toolkit_modules(tuple(CODE_NAMES.values())))


def setting_values(ws: Workspace) -> dict[str, str]:
    values = {"org": ws.org, "office": ws.office, "period": ws.period.code}
    values.update({key: ws.folders[key] for key in FOLDER_KEYS})
    values["recipient"] = ws.report.recipient or ""
    return values


def write_console(ws: Workspace, path: Path | None = None, *, interpreter: str | None = None) -> Path:
    """Write 控制台.xlsm for ``ws`` (atomically); returns its path."""
    import xlsxwriter

    from .vba.project import BUTTONS

    target = Path(path) if path else ws.root / CONSOLE_NAME
    paragraphs = _carried_text(target, ws.text)
    unit_list, stamp = _carried_units(target, ws.units)
    with atomic_path(target) as tmp:
        # org, the workspace's path and the settings are configured text: never a formula or a link
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(io.BytesIO(vba_project_bytes()), is_stream=True)
        wb.set_properties({"title": f"{ws.org} 台账工具控制台", "comments": "由 toolkit 生成"})

        title = wb.add_format({"bold": True, "font_size": 16})
        hint = wb.add_format({"font_color": "#666666", "valign": "top"})
        hint_wrap = wb.add_format({"font_color": "#666666", "text_wrap": True, "valign": "top"})
        label = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        editable = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
        info = wb.add_format({"border": 1, "font_color": "#444444"})
        section = wb.add_format({"bold": True, "font_size": 12, "bottom": 2})
        header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})

        sh = wb.add_worksheet(SHEET_CONSOLE)
        sh.set_vba_name(CODE_NAMES[SHEET_CONSOLE])
        sh.set_column("A:A", 24)
        sh.set_column("B:B", 44)
        sh.set_column("C:C", 44)
        sh.set_column("D:D", 12)
        sh.set_column("E:E", 70)
        sh.write("A1", f"{ws.org} “能力作风建设年”台账工具", title)
        sh.write("A2", "黄色格子可以修改，点按钮时自动保存到工作区的 toolkit.toml。点按钮后请稍候，结果显示在下方。", hint)
        sh.write("A3", "设置", section)
        sh.write("A4", "工作区文件夹", label)
        sh.write(WORKSPACE_CELL, str(ws.root), info)
        sh.write("C4", "本控制台所在的文件夹（不可修改）", hint)
        values = setting_values(ws)
        for key, (cell, text, note) in SETTINGS.items():
            row = int(cell[1:]) - 1
            sh.write(row, 0, text, label)
            sh.write_string(cell, values[key], editable)
            sh.write(row, 2, note, hint)

        sh.write("A13", "运行结果", section)
        sh.write("A14", "状态", label)
        sh.write(STATUS_CELL, "尚未运行", info)
        sh.write("A15", "运行时间", label)
        sh.write_blank(TIME_CELL, None, info)
        for cell, text in COUNTS.values():
            sh.write(int(cell[1:]) - 1, 0, text, label)
            sh.write_blank(cell, None, info)
        sh.write(FILES_TITLE_ROW - 1, 0, "生成的文件（点击打开）", section)
        sh.write(PROBLEMS_TITLE_ROW - 1, 0, "问题清单", section)
        sh.write_row(PROBLEMS_HEADER_ROW - 1, 0, PROBLEM_COLUMNS, header)
        # The buttons: one Sub without arguments each, stacked beside the settings.
        for i, (caption, sub, _function) in enumerate(BUTTONS):
            sh.insert_button(
                3 + i * 2, 3,
                {"macro": sub, "caption": caption, "width": 140, "height": 34, "x_offset": 20, "y_offset": 2},
            )
        sh.freeze_panes(3, 0)
        sh.set_landscape()
        sh.fit_to_pages(1, 0)
        sh.activate()

        un = wb.add_worksheet(SHEET_UNITS)
        un.set_vba_name(CODE_NAMES[SHEET_UNITS])
        text_cell = wb.add_format({"num_format": "@", "border": 1})
        un.set_column("A:A", 12, text_cell)  # typed 01 stays 01
        un.set_column("B:B", 36, wb.add_format({"border": 1}))
        un.set_column("C:C", 60, wb.add_format({"border": 1}))
        un.set_column("H:H", None, None, {"hidden": True})
        un.merge_range("A1:C1", "填报单位名单：每行一个单位。编码不能重复；别名是该单位在报回的文件中可能出现的其他写法"
                                "（如简称），多个别名用“、”分隔。点“控制台”上的任一按钮时，修改先检查再保存到 toolkit.toml"
                                "（有误时不保存，并说明怎样改）；删除一行即删除该单位。", hint_wrap)
        un.set_row(0, 48)
        un.write_row("A2", UNIT_HEADERS, header)
        for i, row in enumerate(unit_list):
            for j, value in enumerate(row):
                if value:
                    un.write_string(UNITS_FIRST_ROW - 1 + i, j, value)
        un.write_string(UNITS_STAMP_CELL, stamp)
        un.freeze_panes(2, 0)
        un.fit_to_pages(1, 0)

        tx = wb.add_worksheet(SHEET_TEXT)
        tx.set_vba_name(CODE_NAMES[SHEET_TEXT])
        tx.set_column("A:A", 14)
        tx.set_column("B:B", 100)
        tx.merge_range("A1:B1", "报告中由工作人员撰写的段落：每行一段，A 列选择类别，B 列写内容。保存本工作簿后，命令行生成报告也使用这些段落；"
                                "某一类别一段都没有时，使用 toolkit.toml 中的段落或自动生成的内容。", hint_wrap)
        tx.set_row(0, 45)
        tx.write_row("A2", ["类别", "内容"], header)
        row = TEXT_FIRST_ROW - 1
        for category, attr in TEXT_CATEGORIES.items():
            for paragraph in getattr(paragraphs, attr):
                tx.write_string(row, 0, category, wrap)
                tx.write_string(row, 1, paragraph, wrap)
                row += 1
        last = TEXT_FIRST_ROW - 1 + TEXT_ROWS
        tx.data_validation(TEXT_FIRST_ROW - 1, 0, last, 0, {
            "validate": "list",
            "source": list(TEXT_CATEGORIES),
            "error_title": "类别",
            "error_message": "请选择 组织领导、工作亮点、存在问题 或 下步打算。",
        })
        # the report's settings beside the paragraphs (saved into toolkit.toml like the 控制台's)
        from .report.sections import HEADINGS

        tx.set_column("C:C", 2)
        tx.set_column("D:D", 16)
        tx.set_column("E:E", 44)
        tx.set_column("F:F", 56)
        tx.write_row("D2", ["报告设置", "内容", "说明"], header)
        settings = report_setting_values(ws)
        for key, (cell, title, note) in REPORT_SETTINGS.items():
            r = int(cell[1:]) - 1
            tx.write_string(r, 3, title, label)
            tx.write_string(cell, settings[key], editable)
            if key.startswith("headings."):
                note = f"不填则用“{HEADINGS[key.split('.', 1)[1]]}”"
            tx.write_string(r, 5, note, hint_wrap)
        for key, words in (("charts", CHARTS_WORDS), ("submission", SUBMISSION_WORDS)):
            cell = REPORT_SETTINGS[key][0]
            tx.data_validation(cell, {"validate": "list", "source": list(words), "error_title": REPORT_SETTINGS[key][1],
                                      "error_message": f"请选择 {'、'.join(words)}。"})
        tx.freeze_panes(2, 0)
        tx.set_landscape()
        tx.fit_to_pages(1, 0)

        conf = wb.add_worksheet(SHEET_CONF)
        conf.set_vba_name(CODE_NAMES[SHEET_CONF])
        conf.set_column("A:A", 32)
        conf.set_column("B:B", 80)
        # xlwings reads A1 down to the last filled cell of column A: no header row, no gap, nothing below.
        for row, (key, value) in enumerate(XLWINGS_CONF):
            if key == "Interpreter_Win":
                value = interpreter or default_interpreter()
            conf.write_string(row, 0, key)
            if value:
                conf.write_string(row, 1, value)
        conf.set_column("D:D", 50)
        conf.write("D1", "按钮所用的 Python：换了电脑或重装了 Python 时，在工作区运行 toolkit console 重新生成控制台，"
                         "或把 B1 改成 pythonw.exe 的完整路径。其余各行固定了 xlwings 的设置（不用 UDF 服务器、Conda、"
                         "PYTHONPATH，不显示命令窗口），使本机其他 xlwings 设置不影响按钮。不要修改本工作表的名称和 A 列。",
                   hint_wrap)
        conf.set_row(0, 90)
        conf.set_landscape()
        conf.fit_to_pages(1, 1)
        wb.close()
    return target


def _from_old_console(target: Path, read):
    """What ``read`` finds in the console about to be replaced; None when there is none or it
    cannot be read (then everything starts from toolkit.toml)."""
    if not target.is_file():
        return None
    try:
        return read(target)
    except Exception:  # an unreadable old console
        return None


def _carried_text(target: Path, fallback: ReportText) -> ReportText:
    """Regenerating the console keeps the paragraphs staff wrote into its 报告要素 sheet."""
    old = _from_old_console(target, read_report_text)
    return fallback if old is None else old.or_else(fallback)


def units_fingerprint(units: list[Unit]) -> str:
    """A short digest of a unit list (codes, names, aliases, in order)."""
    import hashlib
    import json

    data = json.dumps([[u.code, u.name, list(u.aliases)] for u in units], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def unit_rows(units: list[Unit]) -> list[list[str | None]]:
    """The 单位名单 rows (编码, 名称, 别名) of ``units``; no aliases: an empty cell (None)."""
    return [[u.code, u.name, ALIAS_SEPARATOR.join(u.aliases) or None] for u in units]


def _unit_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number
    return str(value).strip()


def units_from_rows(rows: list[tuple], first_row: int = UNITS_FIRST_ROW) -> list[Unit]:
    """The units of 单位名单 rows (编码, 名称, 别名); empty rows are skipped. Checked by
    :func:`toolkit.config.parse_units` (the checks of toolkit.toml), messages naming the row."""
    import re

    entries, numbers = [], []
    for offset, row in enumerate(rows):
        cells = [_unit_cell(v) for v in (tuple(row or ()) + (None, None, None))[:3]]
        if not any(cells):
            continue
        aliases = [a.strip() for a in re.split(r"[、，,；;\n]+", cells[2]) if a.strip()]
        entries.append({"code": cells[0], "name": cells[1], "aliases": aliases})
        numbers.append(first_row + offset)
    return parse_units(entries, UNITS_SOURCE, numbers)


def read_units_sheet(path: Path) -> tuple[list[list[str]], str] | None:
    """(rows, stamp) of 单位名单 in a saved 控制台.xlsm (None if the sheet is missing)."""
    from openpyxl import load_workbook

    wb = load_workbook(Path(path), read_only=True, data_only=True)
    try:
        if SHEET_UNITS not in wb.sheetnames:
            return None
        sheet = wb[SHEET_UNITS]
        rows = [[_unit_cell(v) for v in r] for r in sheet.iter_rows(min_row=UNITS_FIRST_ROW, max_col=3, values_only=True)]
        while rows and not any(rows[-1]):
            rows.pop()
        stamp = sheet[UNITS_STAMP_CELL].value
        return rows, str(stamp or "")
    finally:
        wb.close()


def _carried_units(target: Path, units: list[Unit]) -> tuple[list[list[str]], str]:
    """Rows and stamp for 单位名单: toolkit.toml's units — unless the old console holds edits of the
    sheet not yet saved into toolkit.toml (rows differing from what it was filled with), which are
    kept, with their stamp, for the next button to save."""
    fresh = (unit_rows(units), units_fingerprint(units))
    old = _from_old_console(target, read_units_sheet)
    if old is None or not old[1]:
        return fresh
    rows, stamp = old
    try:
        edited = units_fingerprint(units_from_rows([tuple(r) for r in rows])) != stamp
    except Exception:  # rows that do not pass the checks are edits too: kept, the next button explains them
        edited = True
    return (rows, stamp) if edited else fresh


def read_report_text(path: Path) -> ReportText | None:
    """The paragraphs in 报告要素 of a saved 控制台.xlsm (None if the sheet is missing)."""
    from openpyxl import load_workbook

    wb = load_workbook(Path(path), read_only=True, data_only=True)
    try:
        if SHEET_TEXT not in wb.sheetnames:
            return None
        rows = wb[SHEET_TEXT].iter_rows(min_row=TEXT_FIRST_ROW, max_col=2, values_only=True)
        return report_text_from_rows([tuple(r) for r in rows])
    finally:
        wb.close()


def report_text_from_rows(rows: list[tuple], first_row: int = TEXT_FIRST_ROW) -> ReportText:
    """Build ReportText from (类别, 内容) rows; a bad category raises ConfigError naming the row."""
    from .config import ConfigError

    text = ReportText()
    for offset, row in enumerate(rows):
        category = str(row[0] or "").strip() if row else ""
        content = str(row[1] or "").strip() if row and len(row) > 1 else ""
        if not content:
            continue
        attr = TEXT_CATEGORIES.get(category)
        if attr is None:
            raise ConfigError(
                f"报告要素第{first_row + offset}行的类别“{category}”无法识别，"
                f"请在 A 列选择 {'、'.join(TEXT_CATEGORIES)}。"
            )
        getattr(text, attr).append(content)
    return text
