"""控制台.xlsm: sheets, settings, buttons bound to Subs, the VBA inside, LibreOffice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from oletools.olevba import VBA_Parser

from toolkit.config import ConfigError, ReportText, init_workspace
from toolkit.console import (
    CODE_NAMES,
    SETTINGS,
    SHEET_CONF,
    SHEET_CONSOLE,
    SHEET_TEXT,
    SHEET_UNITS,
    TEXT_FIRST_ROW,
    UNITS_FIRST_ROW,
    read_report_text,
    read_units_sheet,
    report_text_from_rows,
    units_from_rows,
    write_console,
)
from toolkit.vba.project import BUTTONS, toolkit_modules

TEXT = ReportText(highlights=["亮点一"], problems=["问题一", "问题二"], plans=["打算一"])


@pytest.fixture
def console(tmp_path) -> Path:
    ws = init_workspace(tmp_path / "工作区", "滨海市体育局", "2022Q1", text=TEXT)
    return write_console(ws, interpreter=r"C:\Python311\pythonw.exe")


def vml_buttons(path: Path) -> list[tuple[str, str]]:
    """(caption, macro) of each form button, from the VML drawing."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"xl/drawings/vmlDrawing\d+\.vml", n)]
        out = []
        for name in names:
            vml = z.read(name).decode("utf-8")
            for shape in re.findall(r"<v:shape .*?</v:shape>", vml, flags=re.S):
                macro = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape)
                caption = re.sub(r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, flags=re.S)[0]).strip()
                if macro:
                    out.append((caption, macro[1]))
    return out


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path), relaxed=False)
    return {stream.split("/")[-1]: code for _f, stream, _n, code in parser.extract_macros()}


def test_sheets_and_their_code_names(console):
    wb = load_workbook(console, keep_vba=True)
    assert wb.sheetnames == [SHEET_CONSOLE, SHEET_UNITS, SHEET_TEXT, SHEET_CONF]
    assert not any(name.lower().endswith(".py") for name in wb.sheetnames)  # would switch RunPython to a licensed mode
    with zipfile.ZipFile(console) as z:
        assert 'codeName="ThisWorkbook"' in z.read("xl/workbook.xml").decode()
        for i, name in enumerate(wb.sheetnames, start=1):
            assert CODE_NAMES[name] == f"Sheet{i}"
            assert f'codeName="Sheet{i}"' in z.read(f"xl/worksheets/sheet{i}.xml").decode()
        assert "xl/vbaProject.bin" in z.namelist()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in z.read("[Content_Types].xml").decode()
    # every sheet has its document module
    assert {"ThisWorkbook", "Sheet1", "Sheet2", "Sheet3", "Sheet4"} <= set(vba_modules(console))


def _vba_function(source: str, name: str) -> str:
    m = re.search(rf"^(?:Public )?(?:Function|Sub) {name}\(.*?^End (?:Function|Sub)", source, flags=re.M | re.S)
    assert m, name
    return m[0]


def _windows_part(body: str) -> str:
    """The body without its #If Mac Then branches (what runs on Windows)."""
    out, skipping = [], []
    for line in body.splitlines():
        s = line.strip()
        if s.startswith("#If "):
            skipping.append("Mac" in s and "Not Mac" not in s)
            continue
        if s.startswith("#Else") and skipping:
            skipping[-1] = not skipping[-1]
            continue
        if s.startswith("#End If") and skipping:
            skipping.pop()
            continue
        if not any(skipping):
            out.append(line)
    return "\n".join(out)


def test_xlwings_conf_sheet_pins_every_setting_the_buttons_read(console):
    """xlwings' GetConfig looks at the workbook's xlwings.conf sheet first (column A from A1 down to the
    first blank cell, keys upper-cased); a key found there wins, even with an empty value, over the
    directory and user xlwings.conf files and the add-in. So every key RunPython, ExecuteWindows and
    ShowError read on Windows must be on the sheet."""
    from toolkit.vba.project import module_source

    source = module_source("xlwings")
    read = set()
    for function in ("RunPython", "ExecuteWindows", "ShowError"):
        read |= set(re.findall(r'GetConfig\("([^"]+)"', _windows_part(_vba_function(source, function))))
    assert {"USE UDF SERVER", "CONDA PATH", "CONDA ENV", "PYTHONPATH", "SHOW CONSOLE"} <= read
    read.discard("INTERPRETER")  # legacy key, read only when INTERPRETER_WIN is empty
    sh = load_workbook(console)[SHEET_CONF]
    rows = [[c.value for c in row] for row in sh.iter_rows(min_row=1, max_row=sh.max_row, max_col=2)]
    keys = [r[0] for r in rows]
    first_blank = keys.index(None) if None in keys else len(keys)
    assert all(k is None for k in keys[first_blank:])  # nothing below the block xlwings reads
    sheet = {k.upper(): v for k, v in rows[:first_blank]}
    assert read <= set(sheet), read - set(sheet)
    assert sheet["INTERPRETER_WIN"] == r"C:\Python311\pythonw.exe"
    assert sheet["ADD_WORKBOOK_TO_PYTHONPATH"] == "False" and sheet["USE UDF SERVER"] == "False"
    assert sheet["SHOW CONSOLE"] == "False" and sheet["SHOW_ERROR_POPUPS"] == "True"
    for key in ("CONDA PATH", "CONDA ENV", "PYTHONPATH", "LICENSE_KEY", "ONEDRIVE_CONSUMER_WIN",
                "ONEDRIVE_COMMERCIAL_WIN", "SHAREPOINT_WIN"):
        assert sheet[key] in (None, ""), key
    assert sheet["TEMP DIR"] == "%TEMP%"  # xlwings' own default, expanded by xlwings


def test_default_interpreter_is_this_python(tmp_path):
    import sys

    ws = init_workspace(tmp_path / "w", "局", "2022Q1")
    sh = load_workbook(write_console(ws))[SHEET_CONF]
    assert Path(sh["B1"].value).parent == Path(sys.executable).parent


def test_settings_show_the_workspace_values(console):
    sh = load_workbook(console)[SHEET_CONSOLE]
    values = {key: sh[cell].value for key, (cell, _label, _note) in SETTINGS.items()}
    assert values == {"org": "滨海市体育局", "office": "党建办", "period": "2022Q1", "templates": "下发模板",
                      "inbox": "收集文件", "output": "汇总输出", "returns": "退回修改", "recipient": ""}
    labels = [sh[f"A{cell[1:]}"].value for cell, _label, _note in SETTINGS.values()]
    assert labels == [label for _cell, label, _note in SETTINGS.values()]


def test_report_text_sheet_is_prefilled_and_read_back(console):
    sh = load_workbook(console)[SHEET_TEXT]
    assert [sh["A2"].value, sh["B2"].value] == ["类别", "内容"]
    assert sh[f"A{TEXT_FIRST_ROW}"].value == "工作亮点"
    assert read_report_text(console) == TEXT


def test_report_text_rows_reject_an_unknown_category():
    with pytest.raises(ConfigError, match="第4行.*类别“亮点”"):
        report_text_from_rows([("存在问题", "甲"), ("亮点", "乙")])
    assert report_text_from_rows([(None, None), ("下步打算", " 丙 "), ("随便", "")]).plans == ["丙"]


def test_each_button_is_bound_to_exactly_one_sub_of_the_vba_project(console):
    buttons = vml_buttons(console)
    assert [caption for caption, _m in buttons] == [caption for caption, _s, _f in BUTTONS]
    modules = vba_modules(console)
    for (caption, macro), (_c, sub, function) in zip(buttons, BUTTONS):
        name = macro.split("!")[-1]
        assert name == sub
        defining = [m for m, code in modules.items() if re.search(rf"^Sub {name}\(\)\r?$", code, flags=re.M)]
        assert defining == ["Toolkit"], caption


def test_vba_modules_in_the_workbook_are_exactly_the_toolkit_sources(console):
    found = vba_modules(console)
    expected = {m.name: m.source for m in toolkit_modules(tuple(CODE_NAMES.values()))}
    assert found.keys() == expected.keys()
    for name, source in expected.items():
        assert found[name].replace("\r\n", "\n") == source.replace("\r\n", "\n")


def test_openpyxl_keep_vba_round_trips_the_project_and_the_buttons(console, tmp_path):
    wb = load_workbook(console, keep_vba=True)
    wb[SHEET_CONSOLE]["B5"] = "别的局"
    copy = tmp_path / "copy.xlsm"
    wb.save(copy)
    with zipfile.ZipFile(console) as a, zipfile.ZipFile(copy) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
    assert vml_buttons(copy) == vml_buttons(console)
    assert load_workbook(copy)[SHEET_CONSOLE]["B5"].value == "别的局"


def test_write_is_atomic_and_leaves_no_temporary_files(console):
    assert sorted(p.name for p in console.parent.iterdir() if p.name.startswith(".~tmp")) == []
    assert console.name == "控制台.xlsm"


@pytest.mark.libreoffice
def test_libreoffice_imports_the_modules_and_binds_each_button(console, to_pdf):
    ods = to_pdf(console, fmt="ods")
    with zipfile.ZipFile(ods) as z:
        names = z.namelist()
        toolkit_xml = z.read("Basic/VBAProject/Toolkit.xml").decode("utf-8")
        xlwings_xml = z.read("Basic/VBAProject/xlwings.xml").decode("utf-8")
        content = z.read("content.xml").decode("utf-8")
    assert "Basic/VBAProject/ThisWorkbook.xml" in names
    for _caption, sub, function in BUTTONS:
        assert f"Sub {sub}()" in toolkit_xml
        assert f"x.{function}()" in toolkit_xml
        href = f"vnd.sun.star.script:VBAProject.Toolkit.{sub}?language=Basic&amp;location=document"
        assert content.count(f'xlink:href="{href}"') == 1, sub
    assert "Public Function RunPython(PythonCommand As String)" in xlwings_xml
    for caption, _sub, _fn in BUTTONS:
        assert caption in content


@pytest.mark.libreoffice
def test_libreoffice_converts_the_console_to_pdf(console, to_pdf, pdf_text):
    text = pdf_text(to_pdf(console))
    assert "滨海市体育局" in text and "组织名称" in text


def test_regenerating_the_console_keeps_the_paragraphs_written_into_it(console):
    from toolkit.config import load_workspace

    wb = load_workbook(console, keep_vba=True)
    wb[SHEET_TEXT][f"B{TEXT_FIRST_ROW}"] = "在控制台里改写的亮点"
    wb.save(console)
    write_console(load_workspace(console.parent))
    assert read_report_text(console).highlights == ["在控制台里改写的亮点"]
    assert read_report_text(console).problems == TEXT.problems
