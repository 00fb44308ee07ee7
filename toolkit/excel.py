"""The Python side of the 控制台.xlsm buttons (xlwings RunPython).

Each button's VBA Sub runs ``RunPython "import toolkit.excel as x; x.<function>()"``;
the function takes the calling workbook with ``xw.Book.caller()`` and:

1. reads the settings on sheet 控制台 (组织名称, 负责科室, 统计期, the four
   folders) and, when a value differs from toolkit.toml, saves it into
   toolkit.toml (the workspace file stays the single source of truth, so the
   CLI and the .bat launchers see the same settings); a bad value is not saved
   and its Chinese message is shown instead;
2. reads the unit list on sheet 单位名单 and, when it was edited, saves it into
   toolkit.toml's [[units]] (comments kept), checked first with the checks and messages
   of toolkit.toml itself (:func:`save_units`);
3. reads the paragraphs on sheet 报告要素 (also unsaved edits), falling back per
   category to toolkit.toml — the same rule as ``api.report_text``;
4. calls the same ``toolkit.api`` function as the CLI;
5. writes back status, time, counts, the files written (as hyperlinks) and the
   list of problems; every exception becomes a Chinese message in the status
   cell and a message box — never a traceback.

xlwings is imported inside the functions: this module imports without Excel,
and :func:`run_button` works with any object offering the few xlwings calls it
uses (``book.sheets[name].range(address).value``, ``.clear_contents()``,
``.add_hyperlink()``, ``book.fullname``, ``book.app.alert``), which is how the
tests drive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from .config import (
    ConfigError,
    ReportText,
    Workspace,
    edit_config_text,
    load_workspace,
    parse_period,
    parse_workspace,
    read_config_text,
    unit_entry,
)
from .console import (
    CHARTS_WORDS,
    COUNTS,
    REPORT_SETTINGS,
    SUBMISSION_WORDS,
    report_setting_values,
    FILES_FIRST_ROW,
    FOLDER_KEYS,
    MAX_LINKS,
    MAX_PROBLEMS,
    PROBLEM_COLUMNS,
    PROBLEMS_FIRST_ROW,
    SETTINGS,
    SHEET_CONSOLE,
    SHEET_TEXT,
    SHEET_UNITS,
    STATUS_CELL,
    TEXT_FIRST_ROW,
    TEXT_ROWS,
    TIME_CELL,
    UNITS_FIRST_ROW,
    UNITS_ROWS,
    UNITS_STAMP_CELL,
    WORKSPACE_CELL,
    report_text_from_rows,
    setting_values,
    unit_rows,
    units_fingerprint,
    units_from_rows,
)
from .celltext import typed_text
from .io import write_text_atomic

ALERT_TITLE = "台账工具"


# ---------------------------------------------------------------------------
# Button entry points (called by RunPython; no arguments)
# ---------------------------------------------------------------------------


def make_templates() -> None:
    """生成模板"""
    _button("make_templates")


def validate() -> None:
    """校验收集文件"""
    _button("validate")


def merge() -> None:
    """汇总"""
    _button("merge")


def report() -> None:
    """生成报告"""
    _button("report")


def run_all() -> None:
    """一键完成"""
    _button("run_all")


def next_period() -> None:
    """下一期"""
    _button("next_period")


def _button(action: str) -> None:
    import xlwings as xw

    run_button(xw.Book.caller(), action)


# ---------------------------------------------------------------------------
# What a run produced
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str
    counts: dict[str, int] | None = None
    links: list[tuple[str, Path]] = field(default_factory=list)  # (label, file or folder)
    problems: list[list[str]] = field(default_factory=list)  # rows of PROBLEM_COLUMNS
    settings: dict[str, str] | None = None  # new values of the settings cells (next-period changes the period)


def _validation_parts(result) -> tuple[dict[str, int], list[tuple[str, Path]], list[list[str]], str]:
    totals = result.totals()
    links: list[tuple[str, Path]] = []
    problems: list[list[str]] = []
    for f in result.files:
        if f.markup_path:
            links.append(("退回修改", Path(f.markup_path)))
        ordered = [i for i in f.issues if i.severity == "错误"] + [i for i in f.issues if i.severity != "错误"]
        for issue in ordered:
            problems.append([f.rel, f.unit, f.status, issue.severity, issue.message])
    for rel, reason in result.ignored:
        problems.append([rel, "", "已忽略", "提示", reason])
    from .submission import MISSING, submission_status

    sub = submission_status(result) if result.units else None
    chased = ""
    if sub is not None:
        for unit in sub.returns:
            for r in unit.returned:
                problems.append([r.file, unit.name, "有退回", "退回", f"需修改后重新报送：{r.reason}"])
        for unit in sub.pending:
            for r in unit.pending:
                problems.append([r.file, unit.name, "待核查", "核查", f"本机无法使用，不必退回：{r.reason}"])
        names = [u.name if u.status == MISSING else f"{u.name}（缺{'、'.join(u.missing_templates)}）" for u in sub.chase]
        if names:
            chased = "、".join(names)
            problems.append(["", chased, "未报送", "催报", f"以下单位尚未报送（催报名单）：{chased}"])
    summary = (
        f"共 {totals['files']} 个文件，通过 {totals['rows_accepted']} 行，退回 {totals['rows_rejected']} 行；"
        f"错误 {totals['errors']} 处，提示 {totals['hints']} 处。"
    )
    if any(f.markup_path for f in result.files):
        summary += "有错误的文件已标注并放入退回修改文件夹，请退回各单位修改。"
    if sub is not None and sub.returns:
        summary += f"需退回修改：{'、'.join(u.name for u in sub.returns)}。"
    if chased:
        summary += f"催报：{chased}。"
    return totals, links, problems, summary


def _report_parts(outcome) -> tuple[list[tuple[str, Path]], list[list[str]]]:
    links = [("情况汇报", Path(outcome.docx))]
    if outcome.appendix:
        links.append(("附表", Path(outcome.appendix)))
    if outcome.pdf:
        links.append(("PDF", Path(outcome.pdf)))
    notes = [["", "", "", check["level"], check["message"]] for check in getattr(outcome, "checks", [])]
    notes += [["", "", "", "提示", note] for note in outcome.notes]
    return links, notes


def _do_make_templates(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    paths = api.make_templates(ws)
    links = [("下发模板文件夹", ws.templates_dir)] + [("模板", Path(p)) for p in paths]
    return Outcome(f"已生成 {len(paths)} 个模板文件，保存在“{ws.folders['templates']}”文件夹，可下发各单位填报。",
                   links=links)


def _do_validate(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    result = api.validate_workspace(ws, progress=progress)
    totals, links, problems, summary = _validation_parts(result)
    return Outcome("校验完成：" + summary, totals, links, problems)


def _do_merge(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    result, merged = api.merge_workspace(ws, progress=progress)
    totals, links, problems, summary = _validation_parts(result)
    written = [("汇总表", Path(merged.workbook)), ("汇总数据", Path(merged.figures_path))]
    return Outcome("汇总完成：" + summary, totals, written + links, problems)


def _do_report(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    outcome = api.report_workspace(ws, text=text)
    links, notes = _report_parts(outcome)
    return Outcome(f"报告已生成：{Path(outcome.docx).name}。请打开核对后再印发。", links=links, problems=notes)


def _do_run_all(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    result, merged, outcome = api.run_workspace(ws, text=text, progress=progress)
    totals, links, problems, summary = _validation_parts(result)
    report_links, notes = _report_parts(outcome)
    written = report_links + [("汇总表", Path(merged.workbook)), ("汇总数据", Path(merged.figures_path))]
    return Outcome(f"一键完成：校验、汇总和报告均已完成。{summary}", totals, written + links, problems + notes)


def _do_next_period(api, ws: Workspace, text: ReportText, progress) -> Outcome:
    from .config import load_workspace
    from .console import setting_values

    outcome = api.next_period(ws, console=False, progress=progress)  # this workbook is open: its cells are set
    notes = [["", "", "", "提示", note] for note in outcome.notes]
    if not outcome.changed:
        return Outcome("没有切换统计期：" + "".join(outcome.notes), problems=notes)
    new = load_workspace(ws.root)
    carried = outcome.carried
    status = (f"已记录{outcome.previous.name}的台账，当前统计期切换为{outcome.period.name}。"
              f"结转未销号的问题 {carried.get('problems', 0)} 个、未完成的任务 {carried.get('tasks', 0)} 项，"
              f"已列入“{new.templates_dir.relative_to(new.root)}”中各单位的新模板，请下发。")
    links = [("下发模板文件夹", new.templates_dir), ("收集文件夹", new.inbox)]
    return Outcome(status, links=links, problems=notes, settings=setting_values(new))


ACTIONS: dict[str, Callable[..., Outcome]] = {
    "make_templates": _do_make_templates,
    "validate": _do_validate,
    "merge": _do_merge,
    "report": _do_report,
    "run_all": _do_run_all,
    "next_period": _do_next_period,
}

RUNNING = {
    "make_templates": "正在生成模板……",
    "validate": "正在校验收集文件……",
    "merge": "正在校验并汇总……",
    "report": "正在生成报告……",
    "run_all": "正在校验、汇总并生成报告……",
    "next_period": "正在记录本期台账、生成下一期的模板……",
}


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def run_button(book: Any, action: str) -> bool:
    """Run one button's step for ``book``; write the results into it. True on success."""
    from . import api

    try:
        sheet = book.sheets[SHEET_CONSOLE]
    except Exception:
        _alert(book, f"找不到“{SHEET_CONSOLE}”工作表（可能被改名或删除）。请在工作区中运行 toolkit console 重新生成控制台。")
        return False
    _write(sheet, STATUS_CELL, RUNNING[action])
    try:
        root = workspace_root(book)
        _write(sheet, WORKSPACE_CELL, str(root))
        ws = save_settings(root, read_settings(sheet), read_report_settings(book))
        ws, notes = save_units(book, ws)
        text = read_report_text(book, ws)

        def progress(done: int, total: int, name: str) -> None:
            if total and name:
                try:
                    _write(sheet, STATUS_CELL, f"{RUNNING[action]}（第 {done + 1}/{total} 个文件：{name}）")
                except Exception:  # progress is a courtesy; Excel being busy must not stop the run
                    pass

        outcome = ACTIONS[action](api, ws, text, progress)
        outcome.problems[:0] = [["toolkit.toml", "", "", "提示", note] for note in notes]
    except Exception as exc:  # every error becomes a Chinese message in the sheet
        message = error_message(exc)
        write_outcome(sheet, Outcome("出错：" + message))
        _alert(book, message)
        return False
    write_outcome(sheet, outcome)
    return True


def workspace_root(book: Any) -> Path:
    """The folder of the calling workbook: the workspace."""
    fullname = str(book.fullname)
    if "://" in fullname:
        raise ConfigError(
            "控制台是从 OneDrive/SharePoint 的在线位置打开的，无法确定工作区文件夹。"
            "请把工作区放在本机文件夹中（或在 OneDrive 中设为“始终保留在此设备上”）后，从该文件夹重新打开控制台。"
        )
    return Path(fullname).resolve().parent


def error_message(exc: BaseException) -> str:
    """What the button shows for ``exc``: the same words as the command line (toolkit.exceptions.describe)."""
    from .exceptions import describe

    return describe(exc).message


def _alert(book: Any, message: str) -> None:
    try:
        book.app.alert(message, title=ALERT_TITLE, mode="critical")
    except Exception:  # no message box (e.g. the app is busy): the status cell shows the message
        pass


def _write(sheet: Any, address: str, value: Any) -> None:
    sheet.range(address).value = typed_text(value)  # Excel parses what it is given: text stays text


def _clear(sheet: Any, address: str) -> None:
    rng = sheet.range(address)
    rng.clear_contents()
    try:
        rng.api.Hyperlinks.Delete()  # Excel keeps hyperlinks on ClearContents
    except Exception:
        pass


def write_outcome(sheet: Any, outcome: Outcome) -> None:
    _write(sheet, STATUS_CELL, outcome.status)
    for key, value in (outcome.settings or {}).items():
        _write(sheet, SETTINGS[key][0], value)
    _write(sheet, TIME_CELL, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    for key, (cell, _label) in COUNTS.items():
        _write(sheet, cell, None if outcome.counts is None else int(outcome.counts.get(key, 0)))

    last_link = FILES_FIRST_ROW + MAX_LINKS - 1
    _clear(sheet, f"A{FILES_FIRST_ROW}:C{last_link}")
    links = outcome.links
    if len(links) > MAX_LINKS:
        shown = links[: MAX_LINKS - 1]
        rest = len(links) - len(shown)
        folders = {Path(p).parent for _label, p in links[MAX_LINKS - 1 :]}
        target = folders.pop() if len(folders) == 1 else Path(links[-1][1]).parent
        links = shown + [(f"另有 {rest} 个文件", target)]
    for row, (label, path) in enumerate(links, start=FILES_FIRST_ROW):
        _write(sheet, f"A{row}", label)
        path = Path(path)
        display = typed_text(path.name + ("（文件夹）" if path.is_dir() else ""))
        sheet.range(f"B{row}").add_hyperlink(str(path), text_to_display=display)

    last_problem = PROBLEMS_FIRST_ROW + MAX_PROBLEMS
    _clear(sheet, f"A{PROBLEMS_FIRST_ROW}:{chr(ord('A') + len(PROBLEM_COLUMNS) - 1)}{last_problem}")
    rows = [[typed_text(str(v)) for v in row] for row in outcome.problems]  # file and unit names are submitted text
    if len(rows) > MAX_PROBLEMS:
        rest = len(rows) - (MAX_PROBLEMS - 1)
        rows = rows[: MAX_PROBLEMS - 1] + [["", "", "", "提示", f"……另有 {rest} 条，详见退回修改文件或命令行 --json 输出。"]]
    if rows:
        sheet.range(f"A{PROBLEMS_FIRST_ROW}").value = rows


# ---------------------------------------------------------------------------
# Settings: sheet 控制台 -> toolkit.toml
# ---------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 统计期 typed as 2022 arrives as 2022.0
    if isinstance(value, datetime):
        return value.strftime("%Y-%m")
    return str(value).strip()


def read_settings(sheet: Any) -> dict[str, str]:
    return {key: _cell_text(sheet.range(cell).value) for key, (cell, _label, _note) in SETTINGS.items()}


def settings_edits(ws: Workspace, values: dict[str, str]) -> dict[tuple[str, str], Any]:
    """The toolkit.toml edits that make ``ws`` match the sheet ``values`` (empty: nothing changed)."""
    labels = {key: label for key, (_cell, label, _note) in SETTINGS.items()}
    for key in ("org", "period", *FOLDER_KEYS):
        if not values.get(key, "").strip():
            raise ConfigError(f"控制台中“{labels[key]}”不能为空，请填写后重新点击按钮。")
    current = setting_values(ws)
    edits: dict[tuple[str, str], str] = {}
    if values["org"] != current["org"]:
        edits[("", "org")] = values["org"]
    if values.get("office", "") and values["office"] != current["office"]:
        edits[("", "office")] = values["office"]
    if values.get("recipient", "").strip() != current["recipient"]:  # may be emptied
        edits[("report", "recipient")] = values.get("recipient", "").strip()
    if parse_period(values["period"], ws.period.start.year).code != ws.period.code:
        period = parse_period(values["period"], ws.period.start.year)
        edits[("period", "code")] = period.code
        edits[("period", "name")] = period.name
        edits[("period", "start")] = period.start
        edits[("period", "end")] = period.end
        if ws.period_folder:  # each period in its own folder: the new period gets its own
            edits[("period", "folder")] = period.name
    for key in FOLDER_KEYS:
        folder = values[key].strip()
        if folder != current[key]:
            if any(ch in folder for ch in '<>:"|?*') or folder in (".", ".."):
                raise ConfigError(f"控制台中“{labels[key]}”的文件夹名“{folder}”含有不能用于文件夹名的字符，请修改。")
            edits[("folders", key)] = folder
    return edits


def read_report_settings(book: Any) -> dict[str, str] | None:
    """The report settings of 报告要素 (columns D:F) in the open workbook (None without the sheet)."""
    if SHEET_TEXT not in [s.name for s in book.sheets]:
        return None
    sheet = book.sheets[SHEET_TEXT]
    return {key: _cell_text(sheet.range(cell).value) for key, (cell, _label, _note) in REPORT_SETTINGS.items()}


def report_settings_edits(ws: Workspace, values: dict[str, str]) -> dict[tuple[str, str], Any]:
    """The toolkit.toml edits ([report], [report.headings]) that make ``ws`` match 报告要素's settings."""
    current = report_setting_values(ws)
    edits: dict[tuple[str, str], Any] = {}
    for key, (_cell, label, _note) in REPORT_SETTINGS.items():
        value = (values.get(key) or "").strip()
        if value == current[key]:
            continue
        if key == "charts":
            if value not in CHARTS_WORDS:
                raise ConfigError(f"报告要素中“{label}”应填 是 或 否，现在是“{value}”。请修改后重新点击按钮。")
            edits[("report", "charts")] = CHARTS_WORDS[value]
        elif key == "submission":
            if value not in SUBMISSION_WORDS:
                raise ConfigError(f"报告要素中“{label}”应填 {'、'.join(SUBMISSION_WORDS)} 之一，现在是“{value}”。"
                                  "请修改后重新点击按钮。")
            edits[("report", "submission")] = SUBMISSION_WORDS[value]
        elif key.startswith("headings."):
            edits[("report.headings", key.split(".", 1)[1])] = value  # empty: the default heading
        else:
            edits[("report", key)] = value
    return edits


def save_settings(root: Path, values: dict[str, str], report: dict[str, str] | None = None) -> Workspace:
    """Save changed settings (and the report settings of 报告要素, ``report``) into toolkit.toml
    (checked first) and return the workspace."""
    from .config import tomllib

    ws = load_workspace(root)
    edits = settings_edits(ws, values)
    if report is not None:
        edits.update(report_settings_edits(ws, report))
    if not edits:
        return ws
    path = ws.config_path
    new_text = edit_config_text(read_config_text(path), edits)
    new_ws = parse_workspace(tomllib.loads(new_text), ws.root)  # raises ConfigError before anything is written
    write_text_atomic(path, new_text)
    for name in new_ws.folders:
        new_ws.folder(name).mkdir(parents=True, exist_ok=True)
    return new_ws


# ---------------------------------------------------------------------------
# Units: sheet 单位名单 <-> toolkit.toml [[units]]
# ---------------------------------------------------------------------------

BACKUP_NAME = "toolkit.toml.bak"


def save_units(book: Any, ws: Workspace) -> tuple[Workspace, list[str]]:
    """Save the unit list of sheet 单位名单 into toolkit.toml when it was edited; returns the
    workspace and notes for the problem list.

    The hidden stamp (UNITS_STAMP_CELL) is the fingerprint of the list the sheet was last filled
    with from toolkit.toml. The sheet was edited when its list differs from the stamp:

    * not edited, but toolkit.toml changed meanwhile (edited with Notepad): toolkit.toml wins,
      the sheet is filled with its list;
    * edited: the list is checked (toolkit.config.parse_units, then the whole new file, as when
      loading it) and written into [[units]] with comments kept; when toolkit.toml's list had
      changed too, the file as it was is kept as toolkit.toml.bak (nothing is lost).

    A bad list raises ConfigError (row and fix named); nothing is written then."""
    from .config import tomllib

    if SHEET_UNITS not in [s.name for s in book.sheets]:
        return ws, []
    sheet = book.sheets[SHEET_UNITS]
    last = UNITS_FIRST_ROW + UNITS_ROWS - 1
    rows = sheet.range(f"A{UNITS_FIRST_ROW}:C{last}").value or []
    units = units_from_rows([tuple(r) if isinstance(r, (list, tuple)) else (r,) for r in rows])
    stamp = str(sheet.range(UNITS_STAMP_CELL).value or "")
    in_file = units_fingerprint(ws.units)
    if units == ws.units:
        if stamp != in_file:
            sheet.range(UNITS_STAMP_CELL).value = in_file
        return ws, []
    if stamp and units_fingerprint(units) == stamp:  # the sheet is as it was filled: the file changed
        _show_units(sheet, ws.units)
        return ws, []
    notes = []
    path = ws.config_path
    old_text = read_config_text(path)
    new_text = edit_config_text(old_text, {("", "units"): [unit_entry(u) for u in units]})
    new_ws = parse_workspace(tomllib.loads(new_text), ws.root)  # raises ConfigError before anything is written
    if stamp and stamp != in_file:
        write_text_atomic(path.with_name(BACKUP_NAME), old_text)
        notes.append(f"toolkit.toml 中的单位名单在控制台打开后也被修改过；已按“单位名单”工作表保存，"
                     f"修改前的 toolkit.toml 另存为 {BACKUP_NAME}。")
    write_text_atomic(path, new_text)
    _show_units(sheet, new_ws.units)
    return new_ws, notes


def _show_units(sheet: Any, units) -> None:
    last = UNITS_FIRST_ROW + UNITS_ROWS - 1
    sheet.range(f"A{UNITS_FIRST_ROW}:C{last}").clear_contents()
    rows = [[typed_text(v) for v in row] for row in unit_rows(units)]
    if rows:
        sheet.range(f"A{UNITS_FIRST_ROW}").value = rows
    sheet.range(UNITS_STAMP_CELL).value = units_fingerprint(units)


def read_report_text(book: Any, ws: Workspace) -> ReportText:
    """Paragraphs of 报告要素 in the open workbook; an empty category falls back to toolkit.toml."""
    names = [s.name for s in book.sheets]
    if SHEET_TEXT not in names:
        return ws.text
    last = TEXT_FIRST_ROW + TEXT_ROWS - 1
    rows = book.sheets[SHEET_TEXT].range(f"A{TEXT_FIRST_ROW}:B{last}").value or []
    return report_text_from_rows([tuple(r) for r in rows]).or_else(ws.text)


__all__ = ["make_templates", "validate", "merge", "report", "run_all", "next_period", "run_button", "error_message",
           "save_settings", "save_units"]
