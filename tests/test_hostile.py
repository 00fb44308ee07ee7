"""Hostile and faulty submissions (issue 17): no file written outside its folder, no live formula,
no crash, bounded memory, consistent outputs. The corpus is generated (tests/hostile.py)."""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hostile as H
from factories import AS_OF, PERIOD
from toolkit import api
from toolkit.config import ConfigError, init_workspace, load_workspace
from toolkit.io import atomic_path
from toolkit.model import Unit
from toolkit.paths import MAX_NAME_BYTES, WINDOWS_RESERVED, child, folder_problem, inside, safe_name

# ---------------------------------------------------------------------------
# 1. Path traversal: every file lands inside the folder it belongs to
# ---------------------------------------------------------------------------


def _check_one_entry(name: str, suffix: str = "") -> None:
    assert name and "/" not in name and "\\" not in name and ":" not in name
    assert not any(ord(ch) < 32 for ch in name)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.split(".", 1)[0].rstrip(" ").upper() not in WINDOWS_RESERVED
    assert name == name.rstrip(". ") and not name.startswith(".")
    assert name.endswith(suffix)
    assert not PureWindowsPath(name).drive and len(PureWindowsPath(name).parts) == 1


@pytest.mark.parametrize("text", H.TRAVERSAL_NAMES)
def test_safe_name_makes_one_harmless_entry_of_the_folder(text, tmp_path):
    for suffix in ("", ".xlsx", "（退回修改）.xlsx", "情况汇报.docx"):
        name = safe_name(text, suffix=suffix)
        _check_one_entry(name, suffix)
        path = child(tmp_path, text, suffix=suffix)
        assert path.parent == tmp_path and inside(tmp_path, path)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["", ".xlsx", "（退回修改2）.xlsx"]))
def test_safe_name_of_any_text_is_one_entry_of_at_most_255_bytes(text, suffix):
    _check_one_entry(safe_name(text, suffix=suffix), suffix)


def test_a_long_name_is_cut_in_bytes_keeping_the_suffix_and_whole_characters():
    name = safe_name("党建办-" + "很长的文件名" * 40, suffix="（退回修改）.xlsx")
    assert len(name.encode("utf-8")) <= 255 and name.endswith("…（退回修改）.xlsx")
    name.encode("utf-8").decode("utf-8")  # no character split


def test_atomic_path_refuses_a_target_outside_its_folder_and_creates_nothing(tmp_path):
    folder = tmp_path / "退回修改"
    before = H.listing(tmp_path)
    for target in (folder / ".." / ".." / "x" / "y.xlsx", Path("/tmp/elsewhere/y.xlsx")):
        with pytest.raises(ValueError):
            with atomic_path(target, folder=folder) as tmp:
                tmp.write_bytes(b"x")
    assert H.listing(tmp_path) == before
    assert not Path("/tmp/elsewhere").exists()


def test_hostile_unit_names_in_submissions_write_every_return_file_inside_the_returns_folder(tmp_path):
    inbox, returns = tmp_path / "work" / "收集文件", tmp_path / "work" / "deep" / "退回修改"
    for n, name in enumerate(H.TRAVERSAL_NAMES):
        H.workbook(inbox / f"第{n:02d}份.xlsx", unit=name)
    before = H.listing(tmp_path)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=returns)
    created = H.listing(tmp_path) - before
    written = [f.markup_path for f in result.files if f.markup_path]
    assert len(written) == len(H.TRAVERSAL_NAMES)  # every file had a 错误 and was returned
    # nothing outside the returns folder, no sub-folder in it, every name harmless
    assert created == {"work/deep", "work/deep/退回修改"} | {f"work/deep/退回修改/{Path(p).name}" for p in written}
    for path in written:
        assert Path(path).parent == returns
        _check_one_entry(Path(path).name, ".xlsx")
    assert not Path("/tmp/绝对路径（退回修改）.xlsx").exists() and not (tmp_path / "逃逸").exists()
    # the stale-file cleanup sees every one of them: once corrected, all are gone
    for path in inbox.iterdir():
        path.unlink()
    api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=returns)
    assert list(returns.iterdir()) == []


def test_a_249_byte_file_name_with_an_error_gets_a_return_file(tmp_path):
    inbox, returns = tmp_path / "收集文件", tmp_path / "退回修改"
    stem = "党建办-" + "长" * ((249 - len("党建办-".encode()) - len(".xlsx")) // 3)
    H.workbook(inbox / f"{stem}.xlsx", unit="党建办")
    assert 240 <= len(f"{stem}.xlsx".encode()) <= 249
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=returns)
    (report,) = result.files
    assert report.markup_path and Path(report.markup_path).exists()
    assert len(Path(report.markup_path).name.encode()) <= 255


def test_hostile_unit_names_in_toolkit_toml_write_templates_inside_the_templates_folder(tmp_path):
    units = [Unit(f"{n:02d}", name) for n, name in enumerate(H.TRAVERSAL_NAMES)]
    ws = init_workspace(tmp_path / "ws", "XX市XX局", "2022Q1", units=units)
    before = H.listing(tmp_path)
    written = api.make_templates(ws)
    created = H.listing(tmp_path) - before
    assert all(inside(ws.templates_dir, p) for p in written)
    prefix = ws.templates_dir.relative_to(tmp_path).as_posix() + "/"
    assert all(p.startswith(prefix) for p in created), created
    assert len({p for p in written if p.parent == ws.templates_dir}) == 2 * len(units)


def test_a_period_name_with_separators_keeps_the_report_in_the_output_folder(tmp_path):
    ws = init_workspace(tmp_path / "ws", "XX市XX局", "2022Q1")
    text = ws.config_path.read_text(encoding="utf-8").replace('name = "2022年第一季度"', 'name = "../../x/2022"')
    ws.config_path.write_text(text, encoding="utf-8")
    ws = load_workspace(ws.root)
    path = api.default_report_path(ws)
    assert path.parent == ws.output_dir and path.name == "_.._x_2022情况汇报.docx"


@pytest.mark.parametrize("value", ["../外面", "/tmp/收集", "C:\\收集", "C:收集", "\\\\server\\share", "a/../../b",
                                   "CON", "收集/nul", "..", "."])
@pytest.mark.parametrize("key", ["inbox", "output", "returns", "templates", "folder"])
def test_a_configured_folder_outside_the_workspace_is_refused_naming_the_key(key, value, tmp_path):
    ws = init_workspace(tmp_path / "ws", "XX市XX局", "2022Q1")
    text = ws.config_path.read_text(encoding="utf-8")
    text = text.replace(f'\n{key} = "', f'\n{key} = {_toml(value)}  # "', 1)
    ws.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(ws.root)
    assert (f"folders.{key}" if key != "folder" else "period.folder") in str(err.value) and "行" in str(err.value)


def _toml(text: str) -> str:
    from toolkit.config import toml_value

    return toml_value(text)


@pytest.mark.parametrize("returns", ["收集文件", "收集文件/退回", "./收集文件"])
@pytest.mark.parametrize("key", ["returns", "output", "templates"])
def test_written_folders_may_not_be_the_inbox_or_inside_it(key, returns, tmp_path):
    ws = init_workspace(tmp_path / "ws", "XX市XX局", "2022Q1")
    text = ws.config_path.read_text(encoding="utf-8")
    text = text.replace(f'\n{key} = "', f'\n{key} = "{returns}"  # "', 1)
    ws.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(ws.root)
    assert f"folders.{key}" in str(err.value) and "folders.inbox" in str(err.value)


def test_the_returns_option_inside_the_collection_folder_is_refused(tmp_path):
    inbox = tmp_path / "收集文件"
    H.workbook(inbox / "a.xlsx", unit="党建办")
    with pytest.raises(ConfigError, match="收集文件夹"):
        api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=inbox / "退回")
    assert not (inbox / "退回").exists()


def test_folder_problem_accepts_sub_folders_of_the_workspace():
    assert folder_problem("收集文件") is None and folder_problem("2022/收集文件") is None
    assert folder_problem("..") and folder_problem("/x") and folder_problem("C:x")


def test_inside_resolves_links_and_dots(tmp_path):
    (tmp_path / "a").mkdir()
    os.symlink(tmp_path, tmp_path / "a" / "up")
    assert inside(tmp_path / "a", tmp_path / "a" / "b.xlsx")
    assert not inside(tmp_path / "a", tmp_path / "a" / ".." / "b.xlsx")
    assert not inside(tmp_path / "a", tmp_path / "a" / "up" / "b.xlsx")


# ---------------------------------------------------------------------------
# 2. Formula injection: no cell of any workbook the toolkit writes holds a formula from text
# ---------------------------------------------------------------------------


def _formula_cells(path: Path) -> list[str]:
    """Every formula in the worksheets of ``path``: openpyxl's view and the XML itself."""
    import re
    import zipfile

    import openpyxl

    found = []
    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{ws.title}!{cell.coordinate}={cell.value!r}")
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml") and re.search(rb"<f[ >]", zf.read(name)):
                found.append(f"<f> in {name}")
    return found


def _texts(path: Path) -> set[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def _injected_submission(path: Path, text: str) -> Path:
    """A submission carrying ``text`` everywhere a unit can type: the 填报单位 (title, meta cell,
    metadata), 填报人, 联系电话, 填报日期, an unknown header and its cells, detail cells."""
    from toolkit import templates as T
    from toolkit.celltext import write_text
    from toolkit.schema import FIRST_DATA_ROW, HEADER_ROW, SURVEY

    data = H.rows()
    for row in data["visits"]:
        row["content"] = text
        row["leader"] = text
    data["problems"][0]["description"] = text
    wb = T.build_workbook(SURVEY, unit=text, period=PERIOD)
    for sheet in SURVEY.sheets:
        T.fill_rows(wb, sheet.key, data.get(sheet.key, []))
    T.set_meta(wb, filler=text, phone=text, fill_date=text)
    ws = wb[SURVEY.sheets[0].name]
    extra = len(SURVEY.sheets[0].columns) + 1
    write_text(ws, HEADER_ROW, extra, text)
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(data["visits"])):
        write_text(ws, r, extra, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    T.save_workbook(wb, path)
    return path


@pytest.mark.parametrize("text", H.INJECTIONS)
def test_injected_text_stays_text_in_return_files_and_the_summary_workbook(text, tmp_path):
    inbox, returns, out = tmp_path / "收集文件", tmp_path / "退回修改", tmp_path / "汇总输出"
    _injected_submission(inbox / "注入.xlsx", text)
    assert not _formula_cells(inbox / "注入.xlsx")  # the corpus itself holds text, not formulas
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=returns)
    (report,) = result.files
    assert report.unit == text and report.markup_path  # read as written, and returned (参与人数 0)
    markup = Path(report.markup_path)
    assert _formula_cells(markup) == []
    texts = _texts(markup)
    assert text in texts  # 填报人 / 联系电话 / 填报日期 / detail cells / the unknown header in 退回说明
    assert any(t.startswith(text) and t.endswith("（2022年第一季度）") for t in texts)  # the title
    assert any(text in t and t.startswith("填报单位：") for t in texts)  # 退回说明's facts
    merged = api.merge_result(result, out)
    assert _formula_cells(Path(merged.workbook)) == []
    assert text in _texts(Path(merged.workbook))


@pytest.mark.parametrize("text", H.INJECTIONS)
def test_injected_configured_text_stays_text_in_unit_templates_and_the_console(text, tmp_path):
    from toolkit.console import write_console

    ws = init_workspace(tmp_path / "ws", text, "2022Q1", units=[Unit("01", text), Unit("02", "党建办")])
    for path in api.make_templates(ws):
        assert _formula_cells(path) == []
    first = sorted(ws.templates_dir.glob("*.xlsx"))
    assert any(text in _texts(p) for p in first)
    console = write_console(ws)
    assert _formula_cells(console) == [] and any(t.startswith(text) for t in _texts(console))


def test_the_console_sheet_gets_submitted_text_as_text(tmp_path):
    import openpyxl

    import fake_xlwings
    from toolkit.excel import Outcome, write_outcome

    book = openpyxl.Workbook()
    book.active.title = "控制台"
    sheet = fake_xlwings.FakeSheet(book.active)
    problems = [[text, text, "有错误", "错误", f"{text}"] for text in H.INJECTIONS]
    write_outcome(sheet, Outcome(H.INJECTIONS[0], {"files": 1}, [(H.INJECTIONS[1], tmp_path / "x.xlsx")], problems))
    book.save(tmp_path / "console.xlsx")
    assert _formula_cells(tmp_path / "console.xlsx") == []
    assert set(H.INJECTIONS) <= _texts(tmp_path / "console.xlsx")


def test_a_control_character_and_an_overlong_cell_in_a_returned_file(tmp_path):
    """Excel writes a control character as _x0001_ (python-calamine reads it back as the
    character): the 退回修改 copy is still written; a 40,001-character cell is cut there and the
    cut is a 提示 on that cell (listed and marked), as in 汇总表."""
    import openpyxl

    from toolkit.celltext import CUT_MARK

    inbox, returns = tmp_path / "收集文件", tmp_path / "退回修改"
    data = H.rows()
    data["visits"][1]["content"] = "前_x0001_后"
    data["visits"][2]["content"] = "LONG-TEXT-PLACEHOLDER"
    H.replace_text(H.workbook(inbox / "办公室.xlsx", unit="办公室", data=data), "LONG-TEXT-PLACEHOLDER", "长" * 40_001)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=returns)
    (report,) = result.files
    wb = openpyxl.load_workbook(report.markup_path)
    ws = wb["走访记录"]
    from toolkit.schema import FIRST_DATA_ROW, SURVEY

    col = SURVEY.sheets[0].keys.index("content") + 1
    assert ws.cell(FIRST_DATA_ROW + 1, col).value == "前后"
    cut = ws.cell(FIRST_DATA_ROW + 2, col)
    assert cut.value.endswith(CUT_MARK) and len(cut.value) < 32_767
    assert cut.fill.fgColor.rgb == "FFFFFF00" and "只保留前" in cut.comment.text  # marked as a 提示
    listed = [row for row in wb["退回说明"].iter_rows(values_only=True) if row[-1] and "本退回修改文件中只保留前" in row[-1]]
    assert len(listed) == 1 and listed[0][1] == "提示" and listed[0][4] == FIRST_DATA_ROW + 2


# ---------------------------------------------------------------------------
# 3./4. One bad file never stops the collection; what a file may cost is capped before reading
# ---------------------------------------------------------------------------


def _read(path: Path):
    from toolkit.read import read_file

    return read_file(path, path.parent)


def _too_large(fd) -> str:
    assert not fd.readable and [i.code for i in fd.issues] == ["file-too-large"], [i.message for i in fd.issues]
    return fd.issues[0].message


@pytest.mark.parametrize("ref", ["XFD1048576", "T1048576", "ZZZ200000", "AAA50000"])
def test_a_far_cell_is_refused_before_python_calamine_allocates_its_range(ref, tmp_path):
    path = H.add_far_cell(H.workbook(tmp_path / "远.xlsx", unit="办公室"), ref)
    assert path.stat().st_size < 100_000
    message = _too_large(_read(path))
    assert ref in message and "删除该单元格" in message


@pytest.mark.parametrize("ref", ["AB5", "S99999", "Z2000"])
def test_a_wide_or_long_sheet_within_the_limit_is_read(ref, tmp_path):
    path = H.add_far_cell(H.workbook(tmp_path / "宽.xlsx", unit="办公室"), ref)
    fd = _read(path)
    assert fd.readable and fd.template_id == "survey"


@pytest.mark.parametrize("form", [
    '<row r="1048576"><c t="n"><v>1</v></c></row>',  # a cell without r, placed by its row
    '<row r="9"><c r="A9"><v>1</v></c><c><v>1</v></c></row><row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',
    '<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD1048576"><x:v>1</x:v></x:c></row>',
    "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    '<row r="1048576"><c\nr="XFD1048576"><v>1</v></c></row>',
    '<row r="1048576"><c r="&#88;FD1048576"><v>1</v></c></row>',
    '<!-- <c r="A1"> --><row r="5"><c r="XFD1048576"><v>1</v></c></row>',  # the cell's ref disagrees with its row
])
def test_far_cells_written_in_unusual_xml_are_found_too(form, tmp_path):
    import zipfile

    path = H.workbook(tmp_path / "怪.xlsx", unit="办公室")
    member = H.sheet_member(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(member).replace(b"</sheetData>", form.encode() + b"</sheetData>", 1)
    H.rewrite(path, {member: xml})
    _too_large(_read(path))


def test_a_zip_bomb_sheet_is_refused_from_the_zip_directory(tmp_path):
    path = H.workbook(tmp_path / "炸弹.xlsx", unit="办公室")
    raw, crc = H.bomb_member(3 << 30)  # 3 GiB of XML in about 6 MB
    H.zip_with_raw_member(path, H.sheet_member(path), raw, crc, 3 << 30)
    assert path.stat().st_size < 8 << 20
    message = _too_large(_read(path))
    assert "解压后" in message and "3.0 GB" in message


@pytest.mark.parametrize("member", ["sheet", "xl/sharedStrings.xml", "docProps/core.xml"])
def test_a_zip_directory_that_lies_about_a_size_is_caught_while_inflating(member, tmp_path):
    path = H.workbook(tmp_path / "谎报.xlsx", unit="办公室", data=H.rows(error=False))
    name = H.sheet_member(path) if member == "sheet" else member
    raw, crc = H.bomb_member(300 << 20)
    H.zip_with_raw_member(path, name, raw, crc, 300 << 20, declared=4096)
    fd = _read(path)
    assert not fd.readable and fd.issues[0].code in ("file-too-large", "file-corrupt")


def test_a_huge_core_properties_part_is_refused(tmp_path):
    path = H.workbook(tmp_path / "属性.xlsx", unit="办公室")
    raw, crc = H.bomb_member(1 << 30, b"<dc:title>x</dc:title>")
    H.zip_with_raw_member(path, "docProps/core.xml", raw, crc, 1 << 30)
    assert "docProps/core.xml" in _too_large(_read(path))


def test_a_far_cell_in_an_ods_is_refused(tmp_path):
    import zipfile

    from toolkit.read.limits import MAX_SHEET_CELLS

    path = tmp_path / "远.ods"
    rows = MAX_SHEET_CELLS // 100 + 10
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="走访记录"><table:table-row><table:table-cell office:value-type="string">'
        '<text:p>序号</text:p></table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="100" '
        'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    assert "走访记录" in _too_large(_read(path))


def test_a_file_too_large_on_disk_is_refused_without_reading_it(tmp_path, monkeypatch):
    from toolkit.read import limits

    path = H.workbook(tmp_path / "大.xlsx", unit="办公室")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert "文件大小" in _too_large(_read(path))


def test_one_bad_file_in_a_collection_leaves_the_others_merged(tmp_path):
    inbox = tmp_path / "收集文件"
    good = [H.workbook(inbox / f"{u}.xlsx", unit=u, data=H.rows(n, error=False)) for n, u in enumerate(("办公室", "党建办"))]
    H.add_far_cell(H.workbook(inbox / "政策法规科.xlsx", unit="政策法规科"), "XFD1048576")
    raw, crc = H.bomb_member(2 << 30)
    H.zip_with_raw_member(H.workbook(inbox / "综合业务科.xlsx", unit="综合业务科"),
                          "xl/worksheets/sheet1.xml", raw, crc, 2 << 30)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=tmp_path / "退回修改")
    status = {f.rel: f.status for f in result.files}
    assert status["政策法规科.xlsx"] == status["综合业务科.xlsx"] == "无法读取"
    assert status["办公室.xlsx"] in ("通过", "有提示") and status["党建办.xlsx"] in ("通过", "有提示")
    assert len(result.tables["visits"]) == sum(len(H.rows(n)["visits"]) for n in range(len(good)))


_MEMORY_CHILD = r"""
import json, resource, sys
from pathlib import Path
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from toolkit.read import read_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for p in sorted(Path(sys.argv[1]).iterdir()):
    fd = read_file(p, p.parent)
    out[p.name] = [i.code for i in fd.issues]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"codes": out, "before_mb": before / 1024, "peak_mb": after / 1024}))
"""


def test_reading_bombs_and_far_cells_takes_bounded_memory(tmp_path):
    """Under a 1 GiB address-space limit (the bomb alone would need 3 GiB, the far cell 512 GiB),
    the reader refuses each file and its peak memory stays near that of importing it
    (docs/validation.md states the figure)."""
    import json
    import subprocess
    import sys

    folder = tmp_path / "corpus"
    raw, crc = H.bomb_member(3 << 30)
    H.zip_with_raw_member(H.workbook(folder / "炸弹.xlsx", unit="办公室"), "xl/worksheets/sheet1.xml", raw, crc, 3 << 30)
    H.zip_with_raw_member(H.workbook(folder / "谎报.xlsx", unit="办公室"), "xl/worksheets/sheet1.xml",
                          *H.bomb_member(600 << 20), 600 << 20, declared=4096)
    H.add_far_cell(H.workbook(folder / "远.xlsx", unit="办公室"), "XFD1048576")
    raw, crc = H.bomb_member(1 << 30, b"<dc:title>x</dc:title>")
    H.zip_with_raw_member(H.workbook(folder / "属性.xlsx", unit="办公室"), "docProps/core.xml", raw, crc, 1 << 30)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(folder), str(1 << 30)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert all(codes[0] in ("file-too-large", "file-corrupt") for codes in report["codes"].values()), report
    assert report["codes"]["远.xlsx"] == ["file-too-large"] and report["codes"]["炸弹.xlsx"] == ["file-too-large"]
    assert report["peak_mb"] - report["before_mb"] < 100, report


def test_a_formula_quoted_in_a_message_shows_its_characters_not_xml_references(tmp_path):
    import zipfile

    path = H.workbook(tmp_path / "公式.xlsx", unit="办公室")
    member = H.sheet_member(path)
    row = ('<row r="30"><c r="A30"><v>99</v></c><c r="C30" t="inlineStr"><is><t>张三</t></is></c><c r="L30"><f>HYPERLINK("http://x.invalid/?a=1&amp;b=2",'
           '"&#28857;&#20987;&#26597;&#30475;")</f></c></row>')
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(member).replace(b"</sheetData>", row.encode() + b"</sheetData>", 1)
    H.rewrite(path, {member: xml})
    fd = _read(path)
    (issue,) = [i for i in fd.issues if i.code == "formula-no-value"]
    assert '=HYPERLINK("http://x.invalid/?a=1&b=2","点击查看")' in issue.message and "&#" not in issue.message


# ---------------------------------------------------------------------------
# Numbers outside what a column can hold; every normalizer over arbitrary Python values
# ---------------------------------------------------------------------------


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


_python_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=10**400),
        st.integers(max_value=-(2**62), min_value=-(10**400)), st.floats(), st.decimals(), st.fractions(),
        st.complex_numbers(), st.text(), st.text(alphabet=st.characters(codec=None)), st.binary(),
        st.dates(), st.datetimes(), st.times(), st.timedeltas(), st.just(_Unprintable()),
        st.sampled_from(["9" * 400, "1" + "0" * 309, "-" + "9" * 400, "1e400", "1e308万元", "1,000,000,000,000,000",
                         "１２６人", "85％", "\x00", "_x0001_", "\x1b[31m", "\ud800", "=1+1", "0.0", "-0"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)


@settings(max_examples=500, deadline=None)
@given(_python_values)
def test_every_normalizer_over_arbitrary_python_values_returns_or_raises_normalize_error(value):
    from toolkit.errors import CATALOG
    from toolkit.normalize import (NormalizeError, clean_text, display_value, is_blank, is_empty_mark,
                                   normalize_choice, normalize_date, normalize_int, normalize_number,
                                   normalize_percent, normalize_phone, normalize_text)
    from toolkit.schema import SURVEY

    col = SURVEY.sheets[0].column("object_type")
    calls = [
        lambda: normalize_date(value, default_year=2022), lambda: normalize_date(value),
        lambda: normalize_int(value, units=("人",)), lambda: normalize_number(value),
        lambda: normalize_number(value, any_suffix=True), lambda: normalize_percent(value),
        lambda: normalize_choice(value, col.choices, col.choice_aliases), lambda: normalize_phone(value),
        lambda: normalize_phone(value, r"1[3-9]\d{9}"), lambda: normalize_text(value),
        lambda: normalize_text(value, long=True),
    ]
    for call in calls:
        try:
            out = call()
        except NormalizeError as exc:
            assert exc.code in CATALOG
            continue
        if isinstance(out, tuple):
            out = out[0]
        if isinstance(out, float):
            assert out == out and abs(out) != float("inf")
        if isinstance(out, str):
            assert not any(ord(ch) < 32 and ch not in "\n" for ch in out)
    for helper in (clean_text, display_value, is_blank, is_empty_mark):
        try:
            helper(value)
        except RuntimeError:  # only _Unprintable's own __str__ failing
            assert isinstance(value, _Unprintable) or "_Unprintable" in repr(value)


@pytest.mark.parametrize("column, value, code", [
    ("participants", 2**63, "too-large"), ("participants", 10**30, "too-large"), ("participants", "9" * 40, "too-large"),
    ("participants", 10**400, "bad-integer"), ("problems_found", 1e308, "bad-integer"),
])
def test_a_number_a_column_cannot_hold_is_that_cells_error(column, value, code, tmp_path):
    import zipfile

    inbox = tmp_path / "收集文件"
    data = H.rows(error=False)
    data["visits"][0][column] = value if isinstance(value, str) else 1234567
    path = H.workbook(inbox / "办公室.xlsx", unit="办公室", data=data)
    if not isinstance(value, str):  # the number itself, in the sheet's XML as Excel would store it
        member = H.sheet_member(path)
        with zipfile.ZipFile(path) as zf:
            xml = zf.read(member).replace(b"<v>1234567</v>", f"<v>{value!r}</v>".encode(), 1)
        H.rewrite(path, {member: xml})
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF)
    codes = [i.code for i in result.files[0].issues if i.severity == "错误"]
    assert codes == [code] or (code == "bad-integer" and codes == ["too-large"]), codes
    assert len(result.tables["visits"]) == len(data["visits"]) - 1  # the row is rejected, the rest accepted


def test_two_huge_amounts_with_the_same_description_are_rejected_and_the_summary_is_written(tmp_path):
    inbox, out = tmp_path / "收集文件", tmp_path / "汇总输出"
    data = H.rows(error=False)
    for task in data["tasks"]:
        task.update(result_text="拉动消费", result_value=1e308, result_unit="万元")
    H.workbook(inbox / "办公室-任务推进台账.xlsx", unit="办公室", data=data, template=H.TASK_LEDGER)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF)
    assert {i.code for i in result.files[0].issues if i.severity == "错误"} == {"too-large"}
    merged = api.merge_result(result, out)
    assert Path(merged.workbook).exists() and merged.figures["tasks"]["count"] == 0


def test_a_date_cell_holding_zero_or_a_negative_number_is_not_a_valid_date(tmp_path):
    import datetime as dt

    from toolkit.normalize import NormalizeError, normalize_date

    with pytest.raises(NormalizeError) as err:
        normalize_date(dt.time(0))
    assert err.value.slots["shown"] == "0或负数" and "1900-01-00" in err.value.hint
    inbox = tmp_path / "收集文件"
    data = H.rows(error=False)
    data["visits"][0]["visit_date"] = -1
    path = H.workbook(inbox / "办公室.xlsx", unit="办公室", data=data)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF)
    (issue,) = [i for i in result.files[0].issues if i.code == "bad-date"]
    assert "“0或负数”不是有效的日期" in issue.message and "00:00:00" not in issue.message
    assert path.exists()


def test_the_console_never_receives_control_characters_from_data(tmp_path, monkeypatch, capsys):
    from toolkit.cli import main

    inbox = tmp_path / "收集文件"
    data = H.rows()
    data["visits"][1]["participants"] = "_x001B_]0;标题_x0007__x001B_[31m红"  # Excel's escapes: calamine decodes them
    H.workbook(inbox / "a\x1b[31m红\x07.xlsx", unit="办公室", data=data)
    monkeypatch.chdir(tmp_path)
    try:
        main(["validate", str(inbox)])
    except SystemExit as stop:
        assert stop.code in (0, None)
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert "办公室" in out.out and "\\x1b[31m" in out.out  # shown, harmless


# ---------------------------------------------------------------------------
# 5./6. Outputs of one run, as a set; no orphans, no leftovers
# ---------------------------------------------------------------------------


def _small_workspace(root: Path):
    ws = init_workspace(root, "XX市XX局", "2022Q1", units=[Unit("01", "办公室"), Unit("02", "党建办")], as_of=AS_OF)
    for n, unit in enumerate(ws.units):
        H.workbook(ws.inbox / f"{unit.name}-大走访大调研台账.xlsx", unit=unit.name, data=H.rows(n, error=False))
    return ws


@pytest.mark.parametrize("locked_name", [api.FIGURES_NAME, api.SUMMARY_NAME, "2022年第一季度统计附表.docx"])
def test_when_one_output_cannot_be_replaced_none_is_and_the_message_names_it(locked_name, tmp_path, monkeypatch):
    from toolkit import io as toolkit_io
    from toolkit.exceptions import OutputLockedError, describe

    ws = _small_workspace(tmp_path / "ws")
    api.run_workspace(ws)  # a first, complete set
    before = {p.name: p.read_bytes() for p in ws.output_dir.iterdir()}
    assert {api.FIGURES_NAME, api.SUMMARY_NAME, locked_name} <= set(before)
    real = os.replace

    def replace(src, dst, *args, **kwargs):  # Windows: a file open in Excel/Word cannot be renamed
        if Path(src).name == locked_name and Path(src).parent == ws.output_dir:
            raise PermissionError(13, "The process cannot access the file", str(src))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(toolkit_io.os, "replace", replace)
    (ws.inbox / "办公室-大走访大调研台账.xlsx").unlink()  # this run would give other numbers
    with pytest.raises(OutputLockedError) as err:
        api.run_workspace(ws)
    assert {p.name: p.read_bytes() for p in ws.output_dir.iterdir()} == before  # nothing replaced, no temporary
    message = describe(err.value).message
    assert locked_name in message and "都没有写入" in message


_ORPHAN_PARENT = r"""
import os, sys, time
from toolkit import runtime
helper = runtime.Helper()
assert helper.forked
results = runtime.pool_map(time.sleep, [30] * 4, 2)
import threading
threading.Thread(target=lambda: next(results), daemon=True).start()
time.sleep(1.0)
kids = [int(p) for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/stat").read().split(") ")[1].split()[1] == str(os.getpid())]
print(" ".join(map(str, kids)), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not os.path.isdir("/proc") or not __import__("toolkit.runtime").runtime.can_fork(),
                    reason="Linux with two cores: the helper and a forked read pool")
def test_children_die_with_a_killed_parent(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    env.pop("TOOLKIT_WORKERS", None)
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN_PARENT], stdout=subprocess.PIPE, text=True, env=env)
    kids = [int(p) for p in parent.stdout.readline().split()]
    assert len(kids) >= 3  # the helper and two read workers
    os.kill(parent.pid, signal.SIGKILL)  # what the OOM killer does
    parent.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(os.path.exists(f"/proc/{k}") and not _zombie(k) for k in kids):
        time.sleep(0.1)
    assert not [k for k in kids if os.path.exists(f"/proc/{k}") and not _zombie(k)]


def _zombie(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().split(") ")[1].split()[0] == "Z"
    except OSError:
        return True


def test_leftover_temporaries_of_a_killed_run_are_removed_by_the_next(tmp_path):
    import subprocess
    import sys
    import time

    from toolkit.io import TEMP_PREFIX, remove_leftovers, temp_prefix

    ws = _small_workspace(tmp_path / "ws")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_prefix = temp_prefix().replace(f"-{os.getpid()}-", f"-{int(dead.stdout)}-")
    out = ws.output_dir
    out.mkdir(parents=True, exist_ok=True)
    killed = [out / f"{dead_prefix}abc.xlsx", out / f"{dead_prefix}def"]  # a file and a staging folder
    killed[0].write_bytes(b"half")
    killed[1].mkdir()
    (killed[1] / "汇总数据.json").write_text("{}")
    live = out / f"{temp_prefix()}ghi.xlsx"  # a run still going on (here: this process)
    other_pc = out / f"{TEMP_PREFIX}ffff-1-jkl.xlsx"  # another PC's, recent
    old = out / f"{TEMP_PREFIX}mnopqrst.xlsx"  # an older version's, two days old
    mine = out / "我的笔记.~tmp-x.xlsx"  # not named by the toolkit
    for p in (live, other_pc, old, mine):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    api.run_workspace(ws)
    assert not any(p.exists() for p in killed + [old])
    assert live.exists() and other_pc.exists() and mine.exists()
    assert remove_leftovers(out) == []


# ---------------------------------------------------------------------------
# 7. Symbolic links; 9. messages
# ---------------------------------------------------------------------------


def test_links_in_the_inbox_are_not_followed_and_say_where_they_point(tmp_path):
    inbox, elsewhere = tmp_path / "收集文件", tmp_path / "别处"
    H.workbook(elsewhere / "机密.xlsx", unit="办公室", data=H.rows(error=False))
    H.workbook(inbox / "党建办.xlsx", unit="党建办", data=H.rows(error=False))
    os.symlink(elsewhere / "机密.xlsx", inbox / "链接.xlsx")
    os.symlink(elsewhere, inbox / "链接文件夹")
    os.symlink(inbox / "党建办.xlsx", inbox / "内部链接.xlsx")
    os.symlink(tmp_path / "没有", inbox / "断开.xlsx")
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF)
    assert [f.rel for f in result.files] == ["党建办.xlsx"]
    reasons = dict(result.ignored)
    assert "收集文件夹以外" in reasons["链接.xlsx"] and str(elsewhere / "机密.xlsx") in reasons["链接.xlsx"]
    assert "收集文件夹以外的文件夹" in reasons["链接文件夹"]
    assert "没有重复读取" in reasons["内部链接.xlsx"] and "不存在" in reasons["断开.xlsx"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_a_file_this_pc_may_not_read_is_not_blamed_on_the_unit(tmp_path):
    path = H.workbook(tmp_path / "收集文件" / "办公室.xlsx", unit="办公室")
    path.chmod(0)
    try:
        fd = _read(path)
    finally:
        path.chmod(0o644)
    assert [i.code for i in fd.issues] == ["file-no-access"] and "不是报送单位的问题" in fd.issues[0].message


def test_a_permission_error_while_reading_is_the_offices_problem(tmp_path, monkeypatch):
    from toolkit.read import sniff as sniff_module
    from toolkit.read import workbook

    path = H.workbook(tmp_path / "收集文件" / "办公室.xlsx", unit="办公室")

    def denied(p):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(workbook, "sniff", denied)
    fd = _read(path)
    assert [i.code for i in fd.issues] == ["file-no-access"]
    assert "不是报送单位的问题" in fd.issues[0].message and "损坏" not in fd.issues[0].message
    assert sniff_module.sniff(path)[0] == "zip"


# ---------------------------------------------------------------------------
# 8. toolkit.toml: every key's type, with its line
# ---------------------------------------------------------------------------


_BASE_TOML = """org = "XX市XX局"
office = "党建办"

[period]
code = "2022Q1"

[report]
title = "报告"

[folders]
inbox = "收集文件"

[[units]]
code = "01"
name = "办公室"

[[units]]
code = "02"
name = "党建办"
"""


_UNIT2 = '[[units]]\ncode = "02"\nname = "党建办"'
_TOP = 'office = "党建办"'


@pytest.mark.parametrize("edits, key, line", [
    [[(_UNIT2, _UNIT2 + "\naliases = 5")], "aliases", 20],
    [[(_UNIT2, _UNIT2 + "\naliases = {a = 1}")], "aliases", 20],
    [[('code = "01"', "code = true")], "code", 14],
    [[('name = "办公室"', "name = 3")], "name", 15],
    [[(_TOP, _TOP + "\nunits = 5"), ('[[units]]\ncode = "01"\nname = "办公室"\n', ""), (_UNIT2, "")], "units", 3],
    [[(_TOP, _TOP + "\nas_of = 2022-04-29T10:00:00")], "as_of", 3],
    [[('code = "2022Q1"', 'code = "2022Q1"\nstart = 2022-01-01T08:00:00')], "period.start", 6],
    [[('code = "2022Q1"', "code = 2022.5")], "period.code", 5],
    [[('code = "2022Q1"', 'code = "2022Q9"')], "period.code", 5],
    [[('title = "报告"', 'title = "报告"\nlow_closure_rate = true')], "low_closure_rate", 9],
    [[('title = "报告"', "title = 5")], "report.title", 8],
    [[('[report]\ntitle = "报告"\n', ""), (_TOP, _TOP + "\nreport = 5")], "report", 3],
    [[('[folders]\ninbox = "收集文件"\n', ""), (_TOP, _TOP + "\nfolders = [1]")], "folders", 3],
    [[('inbox = "收集文件"', "inbox = 7")], "folders.inbox", 11],
    [[(_TOP, 'office = ["党建办"]')], "office", 2],
    [[('title = "报告"', 'titel = "报告"')], "titel", 8],
    [[('code = "02"', 'code = "01"')], "01", 18],  # a duplicate code: the second one's line
])
def test_every_toml_key_of_the_wrong_type_is_named_with_its_line(edits, key, line, tmp_path):
    text = _BASE_TOML
    for old, new in edits:
        text = text.replace(old, new, 1)
    assert text != _BASE_TOML
    (tmp_path / "toolkit.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    message = str(err.value)
    assert f"toolkit.toml 第{line}行" in message and key.split(".")[-1] in message, message
    assert "内部错误" not in message


def test_a_valid_toml_still_loads_and_a_describe_of_its_errors_is_a_config_failure(tmp_path):
    from toolkit.exceptions import describe

    (tmp_path / "toolkit.toml").write_text(_BASE_TOML, encoding="utf-8")
    ws = load_workspace(tmp_path)
    assert [u.name for u in ws.units] == ["办公室", "党建办"]
    (tmp_path / "toolkit.toml").write_text(_BASE_TOML.replace('code = "01"', "code = true"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    assert describe(err.value).code == "config"


# ---------------------------------------------------------------------------
# One file checked and marked up in isolation
# ---------------------------------------------------------------------------


def _real_read_file(*args, **kwargs):
    from toolkit.read.workbook import read_file

    return read_file(*args, **kwargs)


def _aborting_read(path, root, **kwargs):
    """Reads like read_file, but the process aborts (as python-calamine does) on one file."""
    if "崩溃" in Path(path).name:
        import faulthandler

        faulthandler.disable()  # pytest's dump of the dying worker would only clutter the output
        os.abort()
    return _real_read_file(path, root, **kwargs)


@pytest.mark.skipif(not __import__("toolkit.runtime").runtime.can_fork(), reason="a forked read pool")
def test_a_reader_process_that_aborts_costs_only_its_file(tmp_path, monkeypatch):
    from toolkit.read import collection

    inbox = tmp_path / "收集文件"
    names = [f"单位{n:02d}.xlsx" for n in range(10)]
    names[4] = "单位04-崩溃.xlsx"
    for n, name in enumerate(names):
        H.workbook(inbox / name, unit=f"单位{n:02d}", data=H.rows(n, error=False))
    monkeypatch.setattr(collection, "read_file", _aborting_read)
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF)
    status = {f.rel: f.status for f in result.files}
    assert status.pop("单位04-崩溃.xlsx") == "无法读取"
    assert len(status) == 9 and set(status.values()) <= {"通过", "有提示"}
    (crashed,) = [f for f in result.files if f.status == "无法读取"]
    assert crashed.issues[0].code == "file-check-failed" and "异常退出" in crashed.issues[0].message


def test_a_file_whose_check_fails_is_unreadable_and_the_others_are_merged(tmp_path, monkeypatch):
    from toolkit.validate import collection

    inbox = tmp_path / "收集文件"
    for n, unit in enumerate(("办公室", "党建办")):
        H.workbook(inbox / f"{unit}.xlsx", unit=unit, data=H.rows(n))
    real = collection.validate_file

    def failing(fd, ctx):
        if fd.unit == "党建办":
            raise ValueError("模拟的程序错误")
        return real(fd, ctx)

    monkeypatch.setattr(collection, "validate_file", failing)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=tmp_path / "退回修改")
    by_unit = {f.unit: f for f in result.files}
    assert by_unit["党建办"].status == "无法读取" and by_unit["党建办"].issues[0].code == "file-check-failed"
    assert by_unit["办公室"].markup_path and len(result.tables["visits"]) == len(H.rows(0)["visits"]) - 1
    assert not by_unit["党建办"].markup_path


def test_a_return_file_that_cannot_be_written_does_not_stop_the_others(tmp_path, monkeypatch):
    from toolkit import markup

    inbox = tmp_path / "收集文件"
    for n, unit in enumerate(("办公室", "党建办")):
        H.workbook(inbox / f"{unit}.xlsx", unit=unit, data=H.rows(n))
    real = markup.write_markup

    def failing(data, report, target, **kwargs):
        if data.unit == "办公室":
            raise ValueError("无法写入的内容")
        return real(data, report, target, **kwargs)

    monkeypatch.setattr(markup, "write_markup", failing)
    result = api.validate_collection(inbox, period=PERIOD, as_of=AS_OF, markup_dir=tmp_path / "退回修改")
    by_unit = {f.unit: f for f in result.files}
    assert by_unit["党建办"].markup_path and not by_unit["办公室"].markup_path
    assert "markup-failed" in [i.code for i in by_unit["办公室"].issues]


@pytest.mark.parametrize("delay", [0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.3])
def test_ctrl_c_always_answers_from_the_first_moment(delay, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    ws = _small_workspace(tmp_path / "ws")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    child = subprocess.Popen([sys.executable, "-m", "toolkit", "validate"], cwd=ws.root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    if child.returncode == 0:  # it finished before the signal came (a fast machine): nothing to answer
        return
    if child.returncode != 130 and "/toolkit/" not in err and "toolkit" not in err.split("KeyboardInterrupt")[0][-300:]:
        return  # Python itself was still starting (runpy, importlib): no code of the toolkit ran yet
    assert child.returncode == 130, (child.returncode, err[-800:])
    assert err.strip().splitlines()[-1] == "错误：已中止（按了 Ctrl+C）。重新运行即可。" and "Traceback" not in err


def test_messages_name_the_folder_the_user_knows_not_a_temporary(tmp_path):
    import errno

    from toolkit.exceptions import describe
    from toolkit.io import temp_prefix

    out = tmp_path / "汇总输出"
    staging = out / f"{temp_prefix()}abcd"
    cases = [
        OSError(errno.ENOSPC, "No space left on device", str(staging / "汇总表.xlsx")),
        OSError(errno.ENOSPC, "No space left on device", str(out / f"{temp_prefix()}x.xlsx")),
        PermissionError(errno.EACCES, "Permission denied", str(out / f"{temp_prefix()}x.xlsx")),
    ]
    for exc in cases:
        message = describe(exc).message
        assert f"文件夹 {out}" in message and ".~tmp-" not in message, message
    moved = PermissionError(errno.EACCES, "Permission denied", str(staging / "汇总表.xlsx"), None, str(out / "汇总表.xlsx"))
    assert str(out / "汇总表.xlsx") in describe(moved).message
    assert "磁盘空间不足" in describe(cases[0]).message


def test_a_full_disk_while_writing_a_return_file_says_so_without_a_traceback(tmp_path, monkeypatch, capsys):
    """What a full 退回修改 folder gave: 磁盘空间不足 naming the folder, and (before) a traceback of
    an unclosed zip on top. A write that fails like a full disk, through every writer's open file."""
    import builtins
    import errno

    from toolkit.cli import main

    ws = _small_workspace(tmp_path / "ws")
    H.workbook(ws.inbox / "错.xlsx", unit="办公室")  # a file with a 错误: a return file is written
    real_open = builtins.open

    class Full:
        def __init__(self, fh):
            self._fh = fh

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

    def full_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if "w" in mode and "退回修改" in str(file):
            return Full(fh)
        return fh

    import io as stdlib_io

    monkeypatch.chdir(ws.root)
    monkeypatch.setattr(builtins, "open", full_open)
    monkeypatch.setattr(stdlib_io, "open", full_open)  # pathlib's
    with pytest.raises(SystemExit) as stop:
        main(["validate"])
    err = capsys.readouterr().err
    monkeypatch.undo()
    assert stop.value.code == 2
    assert err.strip() == (f"错误：磁盘空间不足，无法写入 文件夹 {ws.returns_dir}。请清理磁盘（或换一个空间充足的位置存放工作区）"
                           "后重新运行；原有文件未被改动。")
    assert not list(ws.returns_dir.glob(".~tmp-*"))
