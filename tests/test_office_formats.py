""".ods (LibreOffice, WPS) and .et (WPS) submissions are read, checked and counted like .xlsx.

The same filled templates are written as .xlsx and converted by LibreOffice to .ods and to .et
(LibreOffice files the .et extension under its "MS Excel 97" type and writes BIFF8, which is what
WPS's .et is built on). Each collection is validated and merged; every count, issue and merged
figure must be the same as for the .xlsx originals.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import require
from factories import AS_OF, PERIOD, unit_rows
from toolkit import api
from toolkit import schema as S
from toolkit import templates as T
from toolkit.markup import RETURN_SHEET
from toolkit.model import META_FILE, Unit
from toolkit.office import convert, find_soffice
from toolkit.read import find_files, read_file
from toolkit.submission import MISSING, RETURNED, SENT, submission_status

UNITS = [Unit("01", "办公室", ("办公",)), Unit("02", "党建办"), Unit("03", "政策法规科")]


def write_unit(folder: Path, unit: Unit, seed: int, *, faulty: bool) -> list[Path]:
    rows = unit_rows(random.Random(seed), 6, 4, 5)
    visits = S.template_by_id("survey").sheets[0]
    if faulty:
        rows["visits"][1]["visit_date"] = PERIOD.start.replace(year=PERIOD.start.year - 1)  # before the period
        rows["visits"][2]["method"] = "随便聊聊"  # not a dropdown value
    rows["visits"][4]["method"] = rows["visits"][3]["method"]
    out = []
    for template_id in ("survey", "tasks"):
        template = S.template_by_id(template_id)
        wb = T.build_workbook(template, unit=unit.name, period=PERIOD)
        for sheet in template.sheets:
            T.fill_rows(wb, sheet.key, rows.get(sheet.key, []))
        if template_id == "survey":  # two data cells merged vertically (filled down by the reader)
            col = visits.keys.index("method") + 1
            ws = wb[visits.name]
            ws.cell(S.FIRST_DATA_ROW + 4, col).value = None
            ws.merge_cells(start_row=S.FIRST_DATA_ROW + 3, start_column=col, end_row=S.FIRST_DATA_ROW + 4,
                           end_column=col)
        path = folder / template.file_name(unit.name, PERIOD.name)
        T.save_workbook(wb, path)
        out.append(path)
    return out


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    require(find_soffice() is not None, "LibreOffice (soffice)")
    base = tmp_path_factory.mktemp("formats")
    xlsx = base / "xlsx"
    xlsx.mkdir()
    for i, unit in enumerate(UNITS[:2]):  # 政策法规科 does not submit
        write_unit(xlsx, unit, seed=10 + i, faulty=i == 0)
    out = {"xlsx": xlsx}
    for fmt in ("ods", "et"):
        folder = base / fmt
        for path in sorted(xlsx.glob("*.xlsx")):
            convert(path, folder, fmt=fmt)
        out[fmt] = folder
    return out


def run(folder: Path, returns: Path):
    result = api.validate_collection(folder, period=PERIOD, as_of=AS_OF, units=UNITS, markup_dir=returns)
    return result


def comparable(result) -> dict:
    """Everything the checks and the accounting decided, without the file names."""
    files = []
    for f in sorted(result.files, key=lambda f: (f.unit, f.template or "")):
        stem = Path(f.rel).stem
        issues = sorted((i.code, i.severity, i.sheet, i.row, i.column, i.value, i.message.replace(f.rel, stem))
                        for i in f.issues)
        files.append((f.unit, f.template, f.status, f.rows_read, f.rows_accepted, f.rows_rejected, f.rows_skipped,
                      issues))
    tables = {}
    for key, frame in result.tables.items():
        frame = frame.drop(columns=[META_FILE]).sort_values(list(frame.columns[:2])).reset_index(drop=True)
        tables[key] = frame.astype(str).to_dict("records")
    sub = submission_status(result)
    return {"files": files, "tables": tables, "totals": result.totals(),
            "submission": [(u.name, u.status) for u in sub.units],
            "ignored": result.ignored}


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ods", "et"])
def test_converted_submissions_are_checked_and_counted_like_xlsx(collections, tmp_path, fmt):
    found, ignored = find_files(collections[fmt])
    assert ignored == [] and {p.suffix for p in found} == {f".{fmt}"} and len(found) == 4
    expected = run(collections["xlsx"], tmp_path / "xlsx-returns")
    got = run(collections[fmt], tmp_path / "returns")
    assert comparable(got) == comparable(expected)
    t = got.totals()
    assert t["files"] == 4 and t["errors"] == 2 and t["rows_rejected"] == 2
    codes = {i.code for f in got.files for i in f.issues}
    assert "merged-cells" in codes  # the vertical merge was seen and filled down
    sub = {u.name: u.status for u in submission_status(got).units}
    assert sub == {"办公室": RETURNED, "党建办": SENT, "政策法规科": MISSING}  # not "未报送" for an .ods/.et

    merged_x = api.merge_result(expected, tmp_path / "out-xlsx")
    merged = api.merge_result(got, tmp_path / "out")
    for key in ("visits", "problems", "tasks"):
        assert merged.figures[key] == merged_x.figures[key]


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ods", "et"])
def test_the_returned_copy_is_an_xlsx_and_says_so(collections, tmp_path, fmt):
    result = run(collections[fmt], tmp_path / "returns")
    (faulty,) = [f for f in result.files if f.errors]
    assert faulty.unit == "办公室" and faulty.markup_path and faulty.markup_path.endswith("（退回修改）.xlsx")
    wb = load_workbook(faulty.markup_path)
    note = wb[RETURN_SHEET]["A3"].value
    assert "原文件是" in note and f"（.{fmt}）" in note and "本退回修改文件是 Excel 格式（.xlsx）" in note
    assert wb[RETURN_SHEET]["A2"].value.count(Path(faulty.rel).name) == 1


@pytest.mark.libreoffice
@pytest.mark.slow
def test_ods_metadata_names_the_template_and_the_unit(collections):
    (path,) = [p for p in collections["ods"].glob("*.ods") if "大走访" in p.name and "办公室" in p.name]
    with zipfile.ZipFile(path) as zf:
        assert b"toolkit_template" in zf.read("meta.xml")
    renamed = path.with_name("随便起的名字.ods")
    shutil.copy2(path, renamed)  # no unit in the file name: the metadata still says who sent it
    try:
        fd = read_file(renamed, path.parent, units=UNITS)
    finally:
        renamed.unlink()
    assert fd.readable and fd.template_id == "survey" and fd.template_version == S.template_by_id("survey").version
    assert fd.unit == "办公室"


def test_an_opendocument_text_renamed_to_ods_is_not_a_workbook(tmp_path):
    path = tmp_path / "报告.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    fd = read_file(path, tmp_path)
    assert not fd.readable and [i.code for i in fd.issues] == ["file-not-excel"]


def test_an_et_that_is_not_a_spreadsheet_is_reported_not_crashed(tmp_path):
    path = tmp_path / "党建办.et"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)  # a compound file header and nothing else
    fd = read_file(path, tmp_path)
    assert not fd.readable and [i.code for i in fd.issues] == ["file-corrupt"]
    assert "另存为 .xlsx" in fd.issues[0].message
