"""The VBA project written without Excel: compression, compound file, project streams."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from toolkit.vba import compress as compress_mod
from toolkit.vba.cfb import build_cfb
from toolkit.vba.compress import compress, copy_token_help, decompress
from toolkit.vba.project import (
    BUTTONS,
    Module,
    build_vba_project,
    decrypt_data,
    document_module,
    encrypt_data,
    module_source,
    toolkit_modules,
)

XLWINGS_DIR = Path(xlwings.__file__).parent
XLWINGS_BAS = (XLWINGS_DIR / "xlwings.bas").read_bytes()


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ---------------------------------------------------------------------------
# Compression (MS-OVBA 2.4.1)
# ---------------------------------------------------------------------------


def test_copy_token_help_matches_the_spec_table():
    # 2.4.1.3.19.1: bit count 4 up to position 16, then one more bit per doubling, max 12
    assert copy_token_help(1) == (0x0FFF, 0xF000, 4, 4098)
    assert copy_token_help(16) == (0x0FFF, 0xF000, 4, 4098)
    assert copy_token_help(17) == (0x07FF, 0xF800, 5, 2050)
    assert copy_token_help(590)[2:] == (10, 66)
    assert copy_token_help(2048)[2:] == (11, 34)
    assert copy_token_help(2049)[2:] == (12, 18)
    assert copy_token_help(4096)[2:] == (12, 18)


def test_xlwings_module_round_trips_through_our_and_oletools_decompressor():
    packed = compress(XLWINGS_BAS)
    assert len(packed) < len(XLWINGS_BAS) // 2
    assert decompress(packed) == XLWINGS_BAS
    assert bytes(decompress_stream(bytearray(packed))) == XLWINGS_BAS


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 17, 4095, 4096, 4097, 8192, 12289])
def test_repetitive_data_of_chunk_boundary_sizes_round_trips(size):
    data = (b"Attribute VB_Name = \"x\"\r\n" * 1000)[:size]
    assert decompress(compress(data)) == data
    assert bytes(decompress_stream(bytearray(compress(data)))) == data
    run = b"A" * size
    assert decompress(compress(run)) == run


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=10_000))
def test_random_bytes_round_trip(data):
    packed = compress(data)
    out = decompress(packed)
    assert bytes(decompress_stream(bytearray(packed))) == out
    if out != data:
        # Only possible form of difference: an incompressible final chunk stored raw,
        # which the format pads to 4096 bytes with 0x00 (2.4.1.3.10).
        assert out.startswith(data) and len(out) % 4096 == 0 and not out[len(data):].strip(b"\x00")
        assert len(data) % 4096 > 3000


_LINES = XLWINGS_BAS.split(b"\r\n")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(_LINES), min_size=150, max_size=600))
def test_long_realistic_source_round_trips_exactly(lines):
    source = b"\r\n".join(lines) + b"\r\n"
    packed = compress(source)
    assert decompress(packed) == source
    assert bytes(decompress_stream(bytearray(packed))) == source


def test_the_broken_maximum_length_formula_of_ms_ovba_compression_corrupts_source(monkeypatch):
    """ms_ovba_compression 1.0.1 uses ``0xFFFF << bit_count + 3``: lengths overflow into offsets."""
    source = _crlf(XLWINGS_BAS[:3000])
    good = compress(source)

    def broken_help(difference):
        length_mask, offset_mask, bit_count, _ = copy_token_help(difference)
        return length_mask, offset_mask, bit_count, 0xFFFF << bit_count + 3

    monkeypatch.setattr(compress_mod, "copy_token_help", broken_help)
    bad = compress_mod.compress(source)
    monkeypatch.undo()
    assert decompress(good) == source
    try:
        assert decompress(bad) != source
    except compress_mod.DecompressionError:
        pass


def test_decompress_rejects_a_bad_signature():
    with pytest.raises(compress_mod.DecompressionError):
        decompress(b"\x00\x00")
    with pytest.raises(compress_mod.DecompressionError):
        decompress(b"\x01\x00\x00")  # chunk signature bits not 0b011


# ---------------------------------------------------------------------------
# Compound file
# ---------------------------------------------------------------------------


def _directory(data: bytes) -> list[dict]:
    """Directory entries straight from the bytes (olefile hides the colours)."""
    first_dir = struct.unpack_from("<I", data, 48)[0]
    fat_sectors = struct.unpack_from("<109I", data, 76)
    fat = []
    for s in fat_sectors:
        if s == 0xFFFFFFFF:
            break
        fat += struct.unpack_from("<128I", data, 512 + s * 512)
    entries, sector = [], first_dir
    while sector != 0xFFFFFFFE:
        chunk = data[512 + sector * 512 : 1024 + sector * 512]
        for i in range(4):
            e = chunk[i * 128 : (i + 1) * 128]
            nlen = struct.unpack_from("<H", e, 64)[0]
            entries.append({
                "name": e[: max(nlen - 2, 0)].decode("utf-16-le"),
                "type": e[66], "color": e[67],
                "left": struct.unpack_from("<I", e, 68)[0],
                "right": struct.unpack_from("<I", e, 72)[0],
                "child": struct.unpack_from("<I", e, 76)[0],
            })
        sector = fat[sector]
    return entries


def _check_red_black(entries, sid):
    """Return the black height of the sibling tree at ``sid``; assert BST order and RB rules."""
    if sid == 0xFFFFFFFF:
        return 1
    e = entries[sid]
    key = (len(e["name"]), e["name"].upper())
    for side, cmp in (("left", lambda a, b: a < b), ("right", lambda a, b: a > b)):
        child = e[side]
        if child != 0xFFFFFFFF:
            c = entries[child]
            assert cmp((len(c["name"]), c["name"].upper()), key)
            assert not (e["color"] == 0 and c["color"] == 0), "red node with red child"
    lh = _check_red_black(entries, e["left"])
    rh = _check_red_black(entries, e["right"])
    assert lh == rh, f"unequal black heights under {e['name']}"
    return lh + (e["color"] == 1)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 8, 15, 40])
def test_compound_file_is_readable_and_its_sibling_trees_are_valid_red_black_trees(count):
    streams = {f"S/stream{i:02d}": bytes([i]) * (i * 337) for i in range(count)}  # mini and regular streams
    streams["PROJECT"] = b"top"
    data = build_cfb(streams)
    ole = olefile.OleFileIO(io.BytesIO(data))
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    entries = _directory(data)
    assert entries[0]["name"] == "Root Entry"
    for e in entries:
        if e["type"] in (1, 5) and e["child"] != 0xFFFFFFFF:
            assert entries[e["child"]]["color"] == 1, "root of a sibling tree must be black"
            _check_red_black(entries, e["child"])


# ---------------------------------------------------------------------------
# The project
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_bin() -> bytes:
    return build_vba_project(toolkit_modules(("Sheet1", "Sheet2", "Sheet3")))


def test_olevba_reads_every_module_back_exactly(project_bin):
    modules = {m.name: m.source for m in toolkit_modules(("Sheet1", "Sheet2", "Sheet3"))}
    parser = VBA_Parser("vbaProject.bin", data=project_bin, relaxed=False)
    found = {stream.split("/")[-1]: code for _f, stream, _name, code in parser.extract_macros()}
    assert found.keys() == modules.keys()
    for name, source in modules.items():
        assert found[name].replace("\r\n", "\n") == source.replace("\r\n", "\n")
        assert found[name] == source  # CRLF as VBA stores it


def test_project_is_source_only_and_visible(project_bin):
    ole = olefile.OleFileIO(io.BytesIO(project_bin))
    # _VBA_PROJECT: Reserved1 0x61CC, Version 0xFFFF (no performance cache), Reserved2 0, Reserved3 0
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert project.startswith('ID="{') and "\r\n" in project
    assert "Module=Toolkit\r\n" in project and "Module=xlwings\r\n" in project
    assert "Document=ThisWorkbook/&H00000000" in project
    assert decrypt_data(re.search(r'CMG="(\w+)"', project)[1]) == bytes(4)  # not protected
    assert decrypt_data(re.search(r'DPB="(\w+)"', project)[1]) == b"\x00"  # no password
    assert decrypt_data(re.search(r'GC="(\w+)"', project)[1]) == b"\xff"  # visible
    wm = ole.openstream("PROJECTwm").read()
    assert wm.endswith(b"\x00\x00") and b"Toolkit\x00T\x00o\x00o\x00l\x00k\x00i\x00t\x00\x00\x00" in wm


def test_decrypt_reads_the_protection_fields_excel_wrote_into_the_xlwings_quickstart():
    import zipfile

    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm") as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    project = ole.openstream("PROJECT").read().decode("cp1252")
    project_id = re.search(r'ID="(\{[^}]+\})"', project)[1]
    cmg = re.search(r'CMG="(\w+)"', project)[1]
    assert decrypt_data(cmg) == bytes(4)
    assert decrypt_data(re.search(r'GC="(\w+)"', project)[1]) == b"\xff"
    seed = int(cmg[:2], 16)
    assert decrypt_data(encrypt_data(bytes(4), project_id, seed)) == bytes(4)
    # same seed and project key: header bytes equal (the ignored bytes are "any value")
    assert encrypt_data(bytes(4), project_id, seed)[:6] == cmg[:6]


def test_build_is_deterministic(project_bin):
    assert build_vba_project(toolkit_modules(("Sheet1", "Sheet2", "Sheet3"))) == project_bin


def test_module_names_must_match_their_source():
    with pytest.raises(ValueError):
        build_vba_project([Module("Other", 'Attribute VB_Name = "Toolkit"\r\n')])
    with pytest.raises(ValueError):
        build_vba_project([Module("Uni", 'Attribute VB_Name = "Uni"\r\n\' 中文\r\n')])
    assert document_module("Sheet1").source.startswith('Attribute VB_Name = "Sheet1"\r\n')


# ---------------------------------------------------------------------------
# The sources
# ---------------------------------------------------------------------------


def test_embedded_xlwings_module_is_the_one_of_the_pinned_xlwings():
    assert xlwings.__version__ == "0.37.8"
    embedded = (Path(__file__).parents[1] / "toolkit" / "data" / "vba" / "xlwings.bas").read_bytes()
    assert _crlf(embedded) == _crlf(XLWINGS_BAS), "re-copy xlwings.bas from the installed xlwings package"
    assert f"'Version: {xlwings.__version__}\r\n".encode() in embedded


def test_toolkit_module_has_one_argumentless_ascii_sub_per_button():
    source = module_source("Toolkit")
    source.encode("ascii")
    subs = dict(re.findall(r'^Sub (\w+)\(\)\r\n    RunPython "([^"]*)"\r\nEnd Sub', source, flags=re.M))
    assert list(subs) == [sub for _caption, sub, _fn in BUTTONS]
    for _caption, sub, function in BUTTONS:
        assert subs[sub] == f"import toolkit.excel as x; x.{function}()"
    assert len(re.findall(r"^Sub ", source, flags=re.M)) == len(BUTTONS)


def _dir_records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    records, pos = [], 0
    while pos < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, pos)
        if rid == 0x0009:  # PROJECTVERSION: Reserved=4, then 4 + 2 bytes
            size = 6
        records.append((rid, dir_stream[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    assert pos == len(dir_stream)
    return records


def _sections(records):
    ids = [rid for rid, _ in records]
    info = ids[: ids.index(0x0016)] if 0x0016 in ids else ids[: ids.index(0x000F)]
    modules, current = {}, []
    for rid, payload in records[ids.index(0x0013) + 1 :]:
        current.append(rid)
        if rid == 0x0019:
            name = payload.decode("cp1252")
        if rid == 0x002B:
            modules[name] = current
            current = []
    return info, modules


def test_dir_stream_has_the_record_layout_excel_writes(project_bin):
    """Same record sequence as the dir stream Excel wrote for xlwings' quickstart workbook."""
    import zipfile

    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm") as z:
        excel = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    ours = olefile.OleFileIO(io.BytesIO(project_bin))
    excel_info, excel_modules = _sections(_dir_records(decompress(excel.openstream("VBA/dir").read())))
    our_records = _dir_records(decompress(ours.openstream("VBA/dir").read()))
    our_info, our_modules = _sections(our_records)
    assert our_info == excel_info
    assert our_modules["Toolkit"] == excel_modules["Module1"]  # procedural module
    assert our_modules["xlwings"] == excel_modules["xlwings"]
    assert our_modules["ThisWorkbook"] == excel_modules["ThisWorkbook"]  # document module
    assert our_modules["Sheet1"] == excel_modules["Sheet1"]
    assert our_records[-1] == (0x0010, b"")
    count = [p for rid, p in our_records if rid == 0x000F][0]
    assert struct.unpack("<H", count)[0] == len(our_modules)


@pytest.mark.slow
def test_the_vba_sources_ship_in_the_package(tmp_path):
    """The .bas files are package data: a non-editable install must have them."""
    import shutil
    import subprocess
    import sys

    repo = Path(__file__).parents[1]
    shutil.copy(repo / "pyproject.toml", tmp_path)
    shutil.copytree(repo / "toolkit", tmp_path / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "-d", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("Toolkit.bas", "xlwings.bas"):
        assert (tmp_path / "out" / "toolkit" / "data" / "vba" / name).is_file(), name
