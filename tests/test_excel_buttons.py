"""The Excel buttons: from the drawing's macro to the Python function and back into the sheet.

Excel is not available here. The end-to-end tests follow the chain a click takes —
button (VML FmlaMacro) → Sub in the VBA project → RunPython command → a fresh
interpreter started the way xlwings' ExecuteWindows starts it — and replace only
``xw.Book.caller()`` by a workbook object backed by the real .xlsm on disk
(tests/fake_xlwings.py). The demo workspace runs through the real pipeline.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from demo_workspace import demo_copy
from fake_xlwings import FakeBook
from test_console import vba_modules, vml_buttons
from toolkit import api
from toolkit.config import ConfigError, ReportText, init_workspace, load_workspace
from toolkit.console import (
    COUNTS,
    FILES_FIRST_ROW,
    MAX_LINKS,
    PROBLEMS_FIRST_ROW,
    SETTINGS,
    SHEET_CONF,
    SHEET_CONSOLE,
    SHEET_TEXT,
    STATUS_CELL,
    TEXT_FIRST_ROW,
    write_console,
)
from toolkit.config import edit_config_text
from toolkit.excel import error_message, run_button
from toolkit.exceptions import ConversionError, TemplateError, describe
from toolkit.io import OutputLockedError
from toolkit.model import ReportOutcome, ValidationResult
from toolkit.vba.project import BUTTONS

TESTS = Path(__file__).parent
CELL = {key: cell for key, (cell, _label, _note) in SETTINGS.items()}


# ---------------------------------------------------------------------------
# From the button to the command
# ---------------------------------------------------------------------------


def command_of_button(console: Path, caption: str) -> str:
    """The RunPython command the button ``caption`` runs, resolved through the VBA project."""
    macros = [macro for cap, macro in vml_buttons(console) if cap == caption]
    assert len(macros) == 1, f"button {caption}: {macros}"
    sub = macros[0].split("!")[-1]
    bodies = []
    for code in vba_modules(console).values():
        bodies += re.findall(rf"^Sub {re.escape(sub)}\(\)\r?\n(.*?)^End Sub", code, flags=re.M | re.S)
    assert len(bodies) == 1, f"Sub {sub} must be defined exactly once"
    calls = re.findall(r'^\s*RunPython "([^"]*)"\s*$', bodies[0], flags=re.M)
    assert len(calls) == 1
    return calls[0]


def function_of_command(command: str):
    """Parse ``import toolkit.excel as x; x.f()`` and return the function it calls."""
    assert '"' not in command  # it is placed inside cmd /C "..."
    tree = ast.parse(command)
    assert len(tree.body) == 2
    imp, call = tree.body
    assert isinstance(imp, ast.Import) and len(imp.names) == 1
    alias = imp.names[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    func = call.value.func
    assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
    assert func.value.id == (alias.asname or alias.name) and not call.value.args and not call.value.keywords
    module = importlib.import_module(alias.name)
    function = getattr(module, func.attr)
    assert callable(function) and not inspect.signature(function).parameters
    return function


@pytest.mark.parametrize("caption, sub, function", BUTTONS)
def test_each_button_resolves_to_an_argumentless_toolkit_function(tmp_path, caption, sub, function):
    ws = init_workspace(tmp_path / "w", "局", "2022Q1")
    console = write_console(ws)
    command = command_of_button(console, caption)
    assert command == f"import toolkit.excel as x; x.{function}()"
    assert function_of_command(command).__name__ == function


# ---------------------------------------------------------------------------
# End to end on the demo workspace, in a fresh interpreter as RunPython runs it
# ---------------------------------------------------------------------------


@pytest.fixture
def demo(tmp_path_factory, tmp_path) -> Path:
    # a space and an ampersand in the path, as in real folder names
    return demo_copy(tmp_path_factory, tmp_path / "演示 工作区&副本")


def click(console: Path, caption: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the button's command like xlwings' ExecuteWindows: interpreter and the PYTHONPATH
    arguments from the xlwings.conf sheet, ``-B -c "import xlwings.utils;xlwings.utils.prepare_sys_path(...);
    <command>"``, the working directory set to the interpreter's folder, --wb/--from_xl arguments.
    tests/ is on the process's PYTHONPATH so that the prelude can swap Book.caller() for the
    on-disk stand-in."""
    command = command_of_button(console, caption)
    sheet = load_workbook(console)[SHEET_CONF]
    conf = {row[0].value.upper(): row[1].value or "" for row in sheet.iter_rows(max_col=2) if row[0].value}
    interpreter = conf["INTERPRETER_WIN"]
    assert conf["USE UDF SERVER"] == "False" and not conf["CONDA PATH"] and not conf["CONDA ENV"]
    fullname = str(console)
    sys_path_args = ";".join([conf["ADD_WORKBOOK_TO_PYTHONPATH"].lower(), fullname, fullname,
                              conf["ONEDRIVE_CONSUMER_WIN"], conf["ONEDRIVE_COMMERCIAL_WIN"], conf["SHAREPOINT_WIN"],
                              conf["PYTHONPATH"]])
    alerts = tmp_path / "alerts.json"
    # the sheet pins PYTHONPATH empty: tests/ (for the Book.caller() stand-in) comes from the environment
    pythonpath = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, FAKE_XLWINGS_BOOK=fullname, FAKE_XLWINGS_ALERTS=str(alerts), PYTHONPATH=pythonpath)
    code = f"import xlwings.utils;xlwings.utils.prepare_sys_path({sys_path_args!r}); import fake_xlwings; {command}"
    proc = subprocess.run(
        [interpreter, "-B", "-c", code, f"--wb={console.name}", "--from_xl=1", "--app=Excel", "--hwnd=1"],
        cwd=Path(interpreter).parent, env=env, capture_output=True, text=True, timeout=600,
    )
    proc.alerts = json.loads(alerts.read_text(encoding="utf-8")) if alerts.exists() else None
    return proc


def sheet_results(console: Path) -> dict:
    sh = load_workbook(console)[SHEET_CONSOLE]
    links = []
    for row in range(FILES_FIRST_ROW, FILES_FIRST_ROW + MAX_LINKS):
        cell = sh[f"B{row}"]
        if cell.hyperlink is not None:
            links.append((sh[f"A{row}"].value, Path(cell.hyperlink.target)))
    problems = []
    row = PROBLEMS_FIRST_ROW
    while sh[f"E{row}"].value:
        problems.append([sh.cell(row, c).value for c in range(1, 6)])
        row += 1
    counts = {key: sh[cell].value for key, (cell, _label) in COUNTS.items()}
    return {"status": sh[STATUS_CELL].value, "counts": counts, "links": links, "problems": problems}


def expected_totals(root: Path) -> dict:
    return api.validate_workspace(load_workspace(root)).totals()


@pytest.mark.slow
@pytest.mark.parametrize("caption", [b[0] for b in BUTTONS])
def test_clicking_each_button_runs_the_real_pipeline_and_writes_back(demo, tmp_path, caption):
    from toolkit.demo import MISSING_UNIT, RETURNED_UNIT

    ws = load_workspace(demo)
    console = demo / "控制台.xlsm"
    if caption == "生成报告":
        api.merge_workspace(ws)  # the report needs the figures of a merge
    proc = click(console, caption, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.alerts == []
    got = sheet_results(console)
    for _label, target in got["links"]:
        assert target.exists(), target
    names = {p.name for _l, p in got["links"]}

    if caption == "生成模板":
        assert got["status"].startswith("已生成")
        assert got["links"][0] == ("下发模板文件夹", ws.templates_dir)
        assert len(got["links"]) == MAX_LINKS and got["links"][-1][0].startswith("另有")
        assert all(v is None for v in got["counts"].values())
        return
    if caption == "生成报告":
        assert got["status"].startswith("报告已生成")
        assert f"{ws.period.name}情况汇报.docx" in names
        return
    if caption == "下一期":
        new = load_workspace(demo)
        assert new.period.code != ws.period.code and got["status"].startswith(f"已记录{ws.period.name}的台账")
        assert ("下发模板文件夹", new.templates_dir) in got["links"]
        sheet = load_workbook(console)[SHEET_CONSOLE]
        assert sheet[CELL["period"]].value == new.period.code  # the next click keeps the new period
        assert all(v is None for v in got["counts"].values())
        return

    totals = expected_totals(demo)
    assert got["counts"] == {key: totals[key] for key in COUNTS}
    prefix = {"校验收集文件": "校验完成", "汇总": "汇总完成", "一键完成": "一键完成"}[caption]
    assert got["status"].startswith(prefix)
    assert any(label == "退回修改" and RETURNED_UNIT in p.name for label, p in got["links"])
    errors = [p for p in got["problems"] if p[3] == "错误"]
    assert len(errors) == totals["errors"] and all(p[1] == RETURNED_UNIT for p in errors)
    assert any(MISSING_UNIT in p[4] for p in got["problems"])  # 催报名单
    if caption in ("汇总", "一键完成"):
        assert "汇总表.xlsx" in names and "汇总数据.json" in names
    if caption == "一键完成":
        assert f"{ws.period.name}情况汇报.docx" in names

    # The workbook is still the same macro workbook: VBA and buttons untouched.
    assert [c for c, _m in vml_buttons(console)] == [b[0] for b in BUTTONS]


@pytest.mark.slow
def test_a_button_error_is_a_chinese_message_and_a_message_box_not_a_traceback(demo, tmp_path):
    (demo / "汇总输出" / "汇总数据.json").unlink(missing_ok=True)
    console = demo / "控制台.xlsm"
    proc = click(console, "生成报告", tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    status = sheet_results(console)["status"]
    assert status.startswith("出错：找不到汇总数据")
    assert proc.alerts == [[status.removeprefix("出错："), "台账工具"]]


# ---------------------------------------------------------------------------
# In-process: settings, report text, errors (the api replaced where noted)
# ---------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path):
    ws = init_workspace(tmp_path / "工作区", "滨海市体育局", "2022Q1", text=ReportText(plans=["旧打算"]))
    return ws, write_console(ws)


def _empty_result(ws) -> ValidationResult:
    return ValidationResult(root=ws.inbox, period=ws.period, as_of=ws.reference_date(), units=[], files=[],
                            ignored=[], tables={}, rejected=[])


def test_changed_settings_are_saved_into_toolkit_toml_before_running(small, monkeypatch):
    ws, console = small
    seen = {}

    def fake_validate(ws, *, progress=None):
        seen["ws"] = ws
        return _empty_result(ws)

    monkeypatch.setattr(api, "validate_workspace", fake_validate)
    book = FakeBook(console)
    sheet = book.sheets[SHEET_CONSOLE]
    sheet.range(CELL["org"]).value = "滨海市文化局"
    sheet.range(CELL["period"]).value = "2022q2"
    sheet.range(CELL["inbox"]).value = "报回文件"
    sheet.range(CELL["recipient"]).value = "市委组织部、市直机关工委"
    assert run_button(book, "validate")
    new = load_workspace(ws.root)
    assert (new.org, new.period.code, new.period.name, new.folders["inbox"]) == (
        "滨海市文化局", "2022Q2", "2022年第二季度", "报回文件")
    assert new.report.recipient == "市委组织部、市直机关工委"  # 主送机关: the report's pre-flight points here
    assert str(new.period.start) == "2022-04-01" and str(new.period.end) == "2022-06-30"
    assert new.period_folder == "2022年第二季度"  # a new period gets its own folder
    assert seen["ws"].org == "滨海市文化局" and seen["ws"].inbox == ws.root / "2022年第二季度" / "报回文件"
    assert (ws.root / "2022年第二季度" / "报回文件").is_dir()
    text = ws.config_path.read_text(encoding="utf-8")
    assert "# 本单位名称（报告署名默认用它）" in text  # comments kept
    assert sheet.range(STATUS_CELL).value.startswith("校验完成")


def test_the_report_settings_of_报告要素_are_saved_into_toolkit_toml(small, monkeypatch):
    from toolkit.console import REPORT_SETTINGS
    from toolkit.report.sections import heading

    ws, console = small
    monkeypatch.setattr(api, "validate_workspace", lambda ws, progress=None: _empty_result(ws))
    book = FakeBook(console)
    sheet = book.sheets[SHEET_TEXT]
    shown = {key: sheet.range(cell).value for key, (cell, _l, _n) in REPORT_SETTINGS.items()}
    assert shown["charts"] == "否" and shown["submission"] == "附件" and not shown["basis"]  # toolkit.toml's values
    cell = {key: c for key, (c, _l, _n) in REPORT_SETTINGS.items()}
    sheet.range(cell["basis"]).value = "《关于开展“能力作风建设年”活动的实施方案》"
    sheet.range(cell["closing"]).value = "特此报告。"
    sheet.range(cell["charts"]).value = "是"
    sheet.range(cell["submission"]).value = "正文"
    sheet.range(cell["headings.visits"]).value = "深入基层走访，倾听群众呼声"
    assert run_button(book, "validate")
    new = load_workspace(ws.root)
    r = new.report
    assert (r.basis, r.closing, r.charts, r.submission) == ("《关于开展“能力作风建设年”活动的实施方案》", "特此报告。", True, "body")
    assert heading(r, "visits") == "深入基层走访，倾听群众呼声" and r.headings == {"visits": "深入基层走访，倾听群众呼声"}
    assert "# 本单位名称（报告署名默认用它）" in ws.config_path.read_text(encoding="utf-8")  # comments kept
    again = write_console(new)  # regenerated: the sheet shows what toolkit.toml now says
    regenerated = FakeBook(again).sheets[SHEET_TEXT]
    assert regenerated.range(cell["charts"]).value == "是" and regenerated.range(cell["submission"]).value == "正文"
    sheet.range(cell["charts"]).value = "也许"
    assert not run_button(book, "validate")
    assert "“正文图表”应填 是 或 否" in book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value
    assert load_workspace(ws.root).report.charts is True  # nothing saved


@pytest.mark.parametrize("typed, code", [(2022.0, "2022"), (datetime(2022, 3, 1), "2022-03")])
def test_a_period_excel_turned_into_a_number_or_a_date_is_understood(small, monkeypatch, typed, code):
    ws, console = small
    monkeypatch.setattr(api, "validate_workspace", lambda ws, progress=None: _empty_result(ws))
    book = FakeBook(console)
    book.sheets[SHEET_CONSOLE].range(CELL["period"]).value = typed  # typed 2022 / 2022-03 into the cell
    assert run_button(book, "validate")
    assert load_workspace(ws.root).period.code == code


@pytest.mark.parametrize("key, value, message", [
    ("period", "2022Q5", "统计期“2022Q5”无法识别"),
    ("org", "", "“组织名称”不能为空"),
    ("output", "汇总:输出", "不能用于文件夹名"),
])
def test_a_bad_setting_is_not_saved_and_is_explained(small, monkeypatch, key, value, message):
    ws, console = small
    before = ws.config_path.read_bytes()
    monkeypatch.setattr(api, "validate_workspace", lambda *a, **k: pytest.fail("must not run"))
    book = FakeBook(console)
    book.sheets[SHEET_CONSOLE].range(CELL[key]).value = value
    assert not run_button(book, "validate")
    status = book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value
    assert status.startswith("出错：") and message in status
    assert book.app.alerts and message in book.app.alerts[0][0]
    assert ws.config_path.read_bytes() == before


def test_report_text_comes_from_the_open_workbook_with_toml_fallback(small, monkeypatch):
    ws, console = small
    seen = {}

    def fake_report(ws, *, text=None, pdf=False):
        seen["text"] = text
        docx = ws.output_dir / "报告.docx"
        docx.write_bytes(b"x")
        return ReportOutcome(docx=docx, notes=["未找到 LibreOffice，未生成 PDF。"])

    monkeypatch.setattr(api, "report_workspace", fake_report)
    book = FakeBook(console)
    text_sheet = book.sheets[SHEET_TEXT]
    text_sheet.range(f"A{TEXT_FIRST_ROW}").value = [["工作亮点", "新亮点一"], ["存在问题", "新问题"], ["工作亮点", "新亮点二"]]
    text_sheet.range(f"A{TEXT_FIRST_ROW + 3}:B{TEXT_FIRST_ROW + 3}").value = None  # the old 下步打算 row
    assert run_button(book, "report")
    assert seen["text"] == ReportText(highlights=["新亮点一", "新亮点二"], problems=["新问题"], plans=["旧打算"])
    got = book.sheets[SHEET_CONSOLE]
    assert got.range(STATUS_CELL).value == "报告已生成：报告.docx。请打开核对后再印发。"
    assert got.range(f"A{PROBLEMS_FIRST_ROW}:E{PROBLEMS_FIRST_ROW}").value == [
        "", "", "", "提示", "未找到 LibreOffice，未生成 PDF。"]


@pytest.mark.parametrize("exc, expected", [
    (ConfigError("找不到汇总数据 X。请先运行汇总。"), "找不到汇总数据 X。请先运行汇总。"),
    (OutputLockedError(Path("汇总表.xlsx")), "无法写入 汇总表.xlsx：文件可能正在 Excel、WPS 或 Word 中打开。"),
    (TemplateError("报告模板第3段的标签 {{ x } 没有闭合。"), "报告模板第3段的标签 {{ x } 没有闭合。"),
    (ConversionError("LibreOffice 无法转换 报告.docx。"), "LibreOffice 无法转换 报告.docx。"),
    (RuntimeError("boom"), "程序内部错误（RuntimeError：boom）。"),
    (KeyError("x"), "程序内部错误（KeyError：'x'）。"),
])
def test_errors_become_chinese_messages_in_the_sheet_and_a_message_box(small, monkeypatch, exc, expected):
    ws, console = small

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(api, "merge_workspace", fail)
    book = FakeBook(console)
    assert not run_button(book, "merge")
    status = book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value
    assert status.startswith("出错：" + expected)
    assert "Traceback" not in status and "File \"" not in status
    assert book.app.alerts == [(status.removeprefix("出错："), "台账工具")]
    assert error_message(exc) == status.removeprefix("出错：") == describe(exc).message  # the CLI's words too


def test_a_previous_result_is_cleared(small, monkeypatch):
    ws, console = small
    many = [ws.templates_dir / f"模板{i:02d}.xlsx" for i in range(30)]
    for p in many:
        p.write_bytes(b"x")
    monkeypatch.setattr(api, "make_templates", lambda ws: many)
    book = FakeBook(console)
    assert run_button(book, "make_templates")
    sheet = book.sheets[SHEET_CONSOLE]
    assert sheet.range(f"A{FILES_FIRST_ROW + MAX_LINKS - 1}").value == f"另有 {31 - (MAX_LINKS - 1)} 个文件"
    monkeypatch.setattr(api, "make_templates", lambda ws: many[:1])
    assert run_button(book, "make_templates")
    assert sheet.range(f"A{FILES_FIRST_ROW + 2}").value is None
    assert sheet._ws[f"B{FILES_FIRST_ROW + 2}"].hyperlink is None


def test_editing_toolkit_toml_keeps_comments_and_adds_missing_keys():
    text = '# c\norg = "甲"   # 名称\n\n[period]\ncode = "2022Q1" # 期\n\n[[units]]\ncode = "01"\nname = "办公室"\n'
    out = edit_config_text(text, {("", "org"): "乙", ("", "office"): "办", ("period", "code"): "2022Q2",
                                  ("period", "name"): "名", ("folders", "inbox"): "收"})
    assert 'org = "乙"   # 名称' in out and 'code = "2022Q2" # 期' in out
    assert 'code = "01"' in out  # [[units]] code untouched
    import tomllib

    data = tomllib.loads(out)
    assert data["office"] == "办" and data["period"]["name"] == "名" and data["folders"]["inbox"] == "收"
    assert data["units"] == [{"code": "01", "name": "办公室"}]


def test_a_console_opened_from_an_online_location_is_explained(small):
    ws, console = small
    book = FakeBook(console)
    book.fullname = "https://contoso-my.sharepoint.com/personal/x/Documents/控制台.xlsm"
    assert not run_button(book, "validate")
    assert "OneDrive/SharePoint" in book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value


def test_a_renamed_console_sheet_is_explained_in_a_message_box(small):
    ws, console = small
    book = FakeBook(console)
    book._wb[SHEET_CONSOLE].title = "控制台（旧）"
    assert not run_button(book, "validate")
    assert "toolkit console" in book.app.alerts[0][0]


# ---------------------------------------------------------------------------
# 单位名单 <-> toolkit.toml
# ---------------------------------------------------------------------------

from toolkit.console import SHEET_UNITS, UNITS_FIRST_ROW, UNITS_STAMP_CELL, units_fingerprint  # noqa: E402


def edit_units_with_openpyxl(console: Path, rows: list[list]) -> None:
    """What a person does in Excel: overwrite the list (and clear what is below it), save."""
    wb = load_workbook(console, keep_vba=True)
    sh = wb[SHEET_UNITS]
    for r in range(UNITS_FIRST_ROW, UNITS_FIRST_ROW + 200):
        for c in range(1, 4):
            sh.cell(r, c).value = None
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sh.cell(UNITS_FIRST_ROW + i, j + 1).value = value
    wb.save(console)


@pytest.fixture
def commented(tmp_path):
    """A workspace whose toolkit.toml has a comment on a unit (written by hand in Notepad)."""
    ws = init_workspace(tmp_path / "工作区", "滨海市体育局", "2022Q1")
    text = ws.config_path.read_text(encoding="utf-8").replace('name = "党建办"', 'name = "党建办"  # 牵头科室，勿删')
    ws.config_path.write_text(text, encoding="utf-8")
    ws = load_workspace(ws.root)
    return ws, write_console(ws)


def test_the_unit_list_sheet_shows_toolkit_toml(commented):
    ws, console = commented
    sh = load_workbook(console)[SHEET_UNITS]
    assert [sh.cell(2, c).value for c in range(1, 4)] == ["编码", "名称", "别名"]
    rows = [[sh.cell(r, c).value for c in range(1, 4)] for r in range(UNITS_FIRST_ROW, UNITS_FIRST_ROW + 5)]
    assert rows == [["01", "办公室", None], ["02", "党建办", None], ["03", "政策法规科", None],
                    ["04", "综合业务科", None], [None, None, None]]
    assert sh[UNITS_STAMP_CELL].value == units_fingerprint(ws.units)
    assert sh.column_dimensions["H"].hidden


def test_edited_unit_list_is_saved_into_toolkit_toml_with_its_comments(commented, monkeypatch):
    ws, console = commented
    seen = {}
    monkeypatch.setattr(api, "validate_workspace", lambda ws, progress=None: seen.setdefault("ws", ws) and
                        _empty_result(ws))
    # reordered, one renamed, one deleted (政策法规科), one added with two aliases, a code typed as a number
    edit_units_with_openpyxl(console, [["02", " 党建办 ", None], ["01", "办公室（机关）", "办公室"], [None, None, None],
                                       [5, "机关服务中心", "服务中心、机关中心"], ["04", "综合业务科", None]])
    book = FakeBook(console)
    assert run_button(book, "validate"), book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'name = "党建办"  # 牵头科室，勿删' in text  # the unit's own comment
    assert "# 填报单位：每个单位一段 [[units]]" in text and "# 本单位名称（报告署名默认用它）" in text
    new = load_workspace(ws.root)
    assert [(u.code, u.name, u.aliases) for u in new.units] == [
        ("02", "党建办", ()), ("01", "办公室（机关）", ("办公室",)), ("5", "机关服务中心", ("服务中心", "机关中心")),
        ("04", "综合业务科", ())]
    assert seen["ws"].units == new.units  # the run used the new list
    sheet = book.sheets[SHEET_UNITS]  # the sheet now shows the list as saved
    assert sheet.range(f"A{UNITS_FIRST_ROW}:C{UNITS_FIRST_ROW + 4}").value == [
        ["02", "党建办", None], ["01", "办公室（机关）", "办公室"], ["5", "机关服务中心", "服务中心、机关中心"],
        ["04", "综合业务科", None], [None, None, None]]
    assert sheet.range(UNITS_STAMP_CELL).value == units_fingerprint(new.units)
    # a second click changes nothing
    before = ws.config_path.read_bytes()
    assert run_button(book, "validate")
    assert ws.config_path.read_bytes() == before


@pytest.mark.parametrize("rows, message", [
    ([["01", "办公室", None], ["01", "新科室", None]],
     "单位编码“01”重复（办公室 和 新科室）。每个单位的编码必须唯一，请改正其中一个。"),
    ([["01", "办公室", None], ["02", "办公室", None]], "单位名称“办公室”重复出现，请删除或改名。"),
])
def test_a_bad_unit_list_gives_the_messages_of_toolkit_toml_and_is_not_saved(commented, monkeypatch, rows, message):
    ws, console = commented
    before = ws.config_path.read_bytes()
    monkeypatch.setattr(api, "validate_workspace", lambda *a, **k: pytest.fail("must not run"))
    edit_units_with_openpyxl(console, rows)
    book = FakeBook(console)
    assert not run_button(book, "validate")
    status = book.sheets[SHEET_CONSOLE].range(STATUS_CELL).value
    assert status == f"出错：控制台“单位名单”工作表中{message}"
    assert ws.config_path.read_bytes() == before
    # the same list written into toolkit.toml gives the same message
    entries = "".join(f'[[units]]\ncode = "{c}"\nname = "{n}"\n' for c, n, _a in rows)
    text = before.decode("utf-8").split("# 填报单位")[0] + entries
    ws.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(ws.root)
    assert re.fullmatch(rf"toolkit\.toml 第\d+行：{re.escape(message)}", str(err.value))  # and the line (issue 17)


@pytest.mark.parametrize("rows, message", [
    ([["01", "办公室", None], ["", "新科室", None]], "控制台“单位名单”工作表中第4行缺少“编码”（单位编码），请在 A 列填写，如 01。"),
    ([["01", "办公室", None], [None, None, None], ["07", None, "别名"]],
     "控制台“单位名单”工作表中第5行缺少“名称”（单位名称），请在 B 列填写，如 办公室。"),
])
def test_a_missing_code_or_name_names_the_row(commented, monkeypatch, rows, message):
    ws, console = commented
    monkeypatch.setattr(api, "validate_workspace", lambda *a, **k: pytest.fail("must not run"))
    edit_units_with_openpyxl(console, rows)
    book = FakeBook(console)
    assert not run_button(book, "validate")
    assert book.app.alerts[0][0] == message


def test_toolkit_toml_edited_in_notepad_wins_over_an_untouched_sheet(commented, monkeypatch):
    ws, console = commented
    monkeypatch.setattr(api, "validate_workspace", lambda ws, progress=None: _empty_result(ws))
    text = ws.config_path.read_text(encoding="utf-8") + '\n[[units]]\ncode = "05"\nname = "新加的科室"\n'
    ws.config_path.write_text(text, encoding="utf-8")
    book = FakeBook(console)  # the console still shows the four units it was written with
    assert run_button(book, "validate")
    assert ws.config_path.read_text(encoding="utf-8") == text
    assert book.sheets[SHEET_UNITS].range(f"A{UNITS_FIRST_ROW + 4}:B{UNITS_FIRST_ROW + 4}").value == ["05", "新加的科室"]
    assert not (ws.root / "toolkit.toml.bak").exists()


def test_both_edited_the_sheet_wins_and_the_file_is_kept_as_a_backup(commented, monkeypatch):
    ws, console = commented
    monkeypatch.setattr(api, "validate_workspace", lambda ws, progress=None: _empty_result(ws))
    notepad = ws.config_path.read_text(encoding="utf-8") + '\n[[units]]\ncode = "05"\nname = "记事本加的"\n'
    ws.config_path.write_text(notepad, encoding="utf-8")
    edit_units_with_openpyxl(console, [["01", "办公室", None], ["09", "表里加的", None]])
    book = FakeBook(console)
    assert run_button(book, "validate")
    assert [u.name for u in load_workspace(ws.root).units] == ["办公室", "表里加的"]
    assert (ws.root / "toolkit.toml.bak").read_text(encoding="utf-8") == notepad  # nothing lost
    problems = book.sheets[SHEET_CONSOLE].range(f"A{PROBLEMS_FIRST_ROW}:E{PROBLEMS_FIRST_ROW}").value
    assert problems[3] == "提示" and "toolkit.toml.bak" in problems[4]


def test_regenerating_the_console_keeps_unsaved_unit_edits(commented):
    ws, console = commented
    edit_units_with_openpyxl(console, [["01", "办公室", None], ["09", "还没点按钮", None]])
    write_console(load_workspace(ws.root))
    sh = load_workbook(console)[SHEET_UNITS]
    assert sh[f"B{UNITS_FIRST_ROW + 1}"].value == "还没点按钮"
    assert sh[UNITS_STAMP_CELL].value == units_fingerprint(ws.units)  # still marked as an edit to save
    # an untouched sheet shows toolkit.toml's list when regenerated
    text = ws.config_path.read_text(encoding="utf-8").replace('name = "办公室"', 'name = "办公室（改）"')
    ws.config_path.write_text(text, encoding="utf-8")
    other = write_console(load_workspace(ws.root), ws.root / "另一个控制台.xlsm")
    assert load_workbook(other)[SHEET_UNITS][f"B{UNITS_FIRST_ROW}"].value == "办公室（改）"


@pytest.mark.slow
def test_clicking_a_button_saves_the_unit_list_edited_in_the_workbook(demo, tmp_path):
    console = demo / "控制台.xlsm"
    ws = load_workspace(demo)
    rows = [[u.code, u.name, "、".join(u.aliases) or None] for u in ws.units]
    rows[0][2] = "新别名"
    edit_units_with_openpyxl(console, rows)
    proc = click(console, "校验收集文件", tmp_path)
    assert proc.returncode == 0 and proc.alerts == [], proc.stderr
    assert load_workspace(demo).units[0].aliases[-1] == "新别名"
    assert sheet_results(console)["status"].startswith("校验完成")
