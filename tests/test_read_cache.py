"""The read cache (toolkit.read.cache): a file read once is not read again until it changes,
and what comes out of the cache is what reading the file gives.

The five-unit workspace (tests/five_units.py) is validated, run, changed, copied and tampered
with; the results are compared with a run that has no cache (TOOLKIT_CACHE=0).
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import openpyxl
import pytest

import five_units as F
from toolkit import api
from toolkit.config import load_workspace
from toolkit.read.cache import CACHE_FOLDER, ReadCache
from toolkit.schema import FIRST_DATA_ROW, HEADER_ROW, SURVEY


def _entries(ws) -> dict[str, int]:
    folder = ws.cache_dir
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pickle")} if folder and folder.is_dir() else {}


def _plain(result) -> dict:
    return {
        "files": [{"rel": f.rel, "status": f.status, "unit": f.unit, "errors": f.errors, "hints": f.hints,
                   "rows": [f.rows_accepted, f.rows_rejected]} for f in result.files],
        "issues": sorted((i.file, i.sheet, i.row or 0, i.column, i.code, i.message)
                         for f in result.files for i in f.issues),
        "rejected": sorted(str(r) for r in result.rejected),
        "tables": {k: v.astype(str).to_dict("records") for k, v in result.tables.items()},
    }


@pytest.fixture()
def ws(tmp_path):
    return F.build(tmp_path / "ws")


def test_a_second_read_gives_what_reading_the_files_gives(ws, monkeypatch):
    first = _plain(api.validate_workspace(ws))
    entries = _entries(ws)
    # one entry per readable file (the encrypted one is read again each time)
    readable = [f for f in api.validate_workspace(ws).files if f.status != "无法读取"]
    assert len(entries) == len(readable) >= 5
    assert _entries(ws) == entries  # the second validation took every entry as it was
    second = _plain(api.validate_workspace(ws))
    monkeypatch.setenv("TOOLKIT_CACHE", "0")
    fresh = _plain(api.validate_workspace(load_workspace(ws.root)))
    assert first == second == fresh


def test_a_changed_file_is_read_again_whatever_its_dates_say(ws):
    api.validate_workspace(ws)
    path = ws.inbox / SURVEY.file_name(F.CLEAN, ws.period.name)
    before = path.stat()
    wb = openpyxl.load_workbook(path)
    sheet = wb[SURVEY.sheets[0].name]
    column = next(c for c in range(1, sheet.max_column + 1) if "参与人数" in str(sheet.cell(HEADER_ROW, c).value))
    row = next(r for r in range(FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, column).value)
    sheet.cell(row, column).value = 0  # too small: that visit is now rejected
    wb.save(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # saved again, dated as before
    result = api.validate_workspace(ws)
    clean = next(f for f in result.files if f.rel == path.name)
    assert clean.errors >= 1 and clean.rows_rejected == 1
    assert any(i.row == row for i in clean.issues)


def test_keys_follow_the_content_not_only_size_and_dates(tmp_path):
    cache = ReadCache(tmp_path / "cache", F.UNITS)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(b"PK" + b"\x00" * 1000 + b"one")
    b.write_bytes(b"PK" + b"\x00" * 1000 + b"two")  # same size
    stamp = a.stat().st_mtime_ns
    os.utime(b, ns=(stamp, stamp))
    assert cache.key(a, "x.xlsx") != cache.key(b, "x.xlsx")
    assert cache.key(a, "x.xlsx") == cache.key(a, "x.xlsx") != cache.key(a, "y.xlsx")  # the name matters too
    assert ReadCache(tmp_path / "cache", F.UNITS[:4]).key(a, "x.xlsx") != cache.key(a, "x.xlsx")  # and the units


def test_a_copied_workspace_uses_its_own_files(ws, tmp_path):
    api.run_workspace(ws)
    copy = tmp_path / "copy"
    shutil.copytree(ws.root, copy)
    shutil.rmtree(ws.root)  # nothing may still point at the old place
    moved = load_workspace(copy)
    entries = _entries(moved)
    result, merged, _ = api.run_workspace(moved)
    assert _entries(moved) == entries  # read from the cache
    assert all(Path(f.path).parent == moved.inbox for f in result.files)
    returned = sorted(p.name for p in moved.returns_dir.glob("*.xlsx"))
    assert returned and all(F.REJECTED in name or F.ENCRYPTED in name for name in returned)
    assert merged.workbook.is_file() and Path(merged.workbook).parent == moved.output_dir


def test_an_entry_put_there_cannot_run_code(ws, tmp_path):
    api.validate_workspace(ws)
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for entry in ws.cache_dir.glob("*.pickle"):
        entry.write_bytes(pickle.dumps(Evil()))
    result = _plain(api.validate_workspace(ws))
    assert not marker.exists()
    os.environ["TOOLKIT_CACHE"] = "0"
    try:
        assert result == _plain(api.validate_workspace(load_workspace(ws.root)))
    finally:
        del os.environ["TOOLKIT_CACHE"]
    # the files were read again and their entries written anew
    assert all(pickle.loads(e.read_bytes()).__class__.__name__ == "FileData" for e in ws.cache_dir.glob("*.pickle"))


def test_entries_of_files_gone_are_removed_and_a_broken_entry_is_a_miss(ws):
    api.validate_workspace(ws)
    before = _entries(ws)
    gone = ws.inbox / SURVEY.file_name(F.CLEAN, ws.period.name)
    gone.unlink()
    api.validate_workspace(ws)
    after = _entries(ws)
    assert len(after) == len(before) - 1 and set(after) < set(before)
    victim = next(iter(ws.cache_dir.glob("*.pickle")))
    victim.write_bytes(b"\x80\x05truncated")
    api.validate_workspace(ws)
    assert pickle.loads(victim.read_bytes()).__class__.__name__ == "FileData"


def test_switched_off_nothing_is_written(ws, monkeypatch):
    monkeypatch.setenv("TOOLKIT_CACHE", "0")
    api.run_workspace(load_workspace(ws.root))
    assert not (ws.root / CACHE_FOLDER).exists()
