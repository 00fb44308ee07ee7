"""What one submission may cost, decided before python-calamine reads it.

python-calamine holds every cell of a sheet's used range in one dense block (32 bytes a cell,
counted from the first cell to the farthest one): a single value in XFD1048576 of a 64 KB file
asks for 512 GiB and aborts the process, whatever it was doing for the other files. A zip
whose sheet part inflates to gigabytes takes as much memory. So, before calamine opens a
file, the reader checks (docs/validation.md, "Limits"):

* the file's size on disk (:data:`MAX_FILE_BYTES`);
* from the zip directory: every XML part's declared inflated size (:data:`MAX_PART_BYTES`,
  :data:`MAX_SMALL_PART_BYTES` for the parts parsed whole) and their sum
  (:data:`MAX_PACKAGE_BYTES`). A deflate stream inflates at most about 1032 times its size,
  so a part whose compressed size cannot reach its limit needs nothing more; any other part
  is inflated once, streaming, and stopped at its limit (the directory may lie);
* every worksheet calamine will read, streaming (:func:`toolkit.read.ooxml.XlsxParts.scan`,
  the same pass that finds formulas without a cached value): the farthest cell with content,
  against :data:`MAX_SHEET_CELLS` cells from A1.

A file over a limit is that file's ``file-too-large`` (无法读取) with what was found and
how to fix it; nothing of it is read, and the rest of the collection is read as usual.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..deflate import PartTooLarge, iter_member
from ..errors import column_letter

__all__ = ["MAX_FILE_BYTES", "MAX_PART_BYTES", "MAX_SMALL_PART_BYTES", "MAX_PACKAGE_BYTES", "MAX_SHEET_CELLS",
           "TooCostly", "check_file", "check_package", "check_cells", "part_limit", "size_text"]

MAX_FILE_BYTES = 256 << 20  # a submission on disk
MAX_PART_BYTES = 256 << 20  # one XML part inflated (a sheet, the shared strings, content.xml)
MAX_SMALL_PART_BYTES = 8 << 20  # parts parsed whole (workbook.xml, relationships, document properties)
MAX_PACKAGE_BYTES = 1 << 30  # all XML parts of one file inflated
MAX_SHEET_CELLS = 5_000_000  # cells from A1 to the farthest cell with content, per sheet (~0.5 GB to read)
DEFLATE_MAX_RATIO = 1032  # the most a deflate stream can inflate per byte

_SMALL_PARTS = {"[content_types].xml", "xl/workbook.xml", "docprops/core.xml", "docprops/custom.xml",
                "docprops/app.xml", "meta.xml", "manifest.xml", "meta-inf/manifest.xml", "mimetype"}

_FIX_DAMAGED = "文件可能已损坏或被特意构造：请在Excel或WPS中打开，确认内容正常后另存为 .xlsx，重新报送"
_FIX_FAR = "这通常是在很远的行或列误填了内容：请删除该单元格（或选中多余的行、列后删除），保存后重新报送"


class TooCostly(Exception):
    """A file beyond a limit: ``what`` was found, ``limit`` in words, ``fix`` what to do (Chinese)."""

    def __init__(self, what: str, limit: str, fix: str = _FIX_DAMAGED):
        super().__init__(what)
        self.what, self.limit, self.fix = what, limit, fix

    def slots(self) -> dict[str, str]:
        return {"what": self.what, "limit": self.limit, "fix": self.fix}


def size_text(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.0f} MB"
    return f"{max(1, n // 1024)} KB"


def check_file(path: Path) -> None:
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise TooCostly(f"文件大小为 {size_text(size)}", f"每个文件 {size_text(MAX_FILE_BYTES)}",
                        "报送的台账一般只有几百 KB：请删除其中的图片、多余的工作表和大量空白格式，另存为 .xlsx 后重新报送")


def part_limit(name: str) -> int:
    low = name.lower()
    return MAX_SMALL_PART_BYTES if low in _SMALL_PARTS or low.endswith(".rels") else MAX_PART_BYTES


def _is_xml(name: str) -> bool:
    low = name.lower()
    return low.endswith((".xml", ".rels")) or low == "mimetype"


def check_package(zf: zipfile.ZipFile, *, streamed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """The zip directory's sizes of every XML part, then a streaming inflate of each part that
    could exceed its limit in spite of the directory (``streamed``: parts the reader inflates
    streaming anyway, with the limit, e.g. the worksheets). Raises :class:`TooCostly`."""
    total = 0
    unsure: list[zipfile.ZipInfo] = []
    for info in zf.infolist():
        if info.is_dir() or not _is_xml(info.filename):
            continue  # images and other media: nobody inflates them
        limit = part_limit(info.filename)
        if info.file_size > limit:
            raise _part_error(info.filename, info.file_size, limit)
        total += info.file_size
        if total > MAX_PACKAGE_BYTES:
            raise TooCostly(f"文件中的表格内容解压后超过 {size_text(total)}", f"每个文件解压后 {size_text(MAX_PACKAGE_BYTES)}")
        stored = info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1
        bounded = stored or (info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size * DEFLATE_MAX_RATIO <= limit)
        if not bounded and info.filename not in streamed:
            unsure.append(info)
    for info in unsure:
        try:
            for _ in iter_member(zf, info.filename, limit=part_limit(info.filename)):
                pass
        except PartTooLarge as exc:
            raise _part_error(info.filename, exc.size, exc.limit) from None


def _part_error(name: str, size: int, limit: int) -> TooCostly:
    return TooCostly(f"文件中的“{name}”解压后{'超过' if size > limit else '达'} {size_text(size)}",
                     f"每个部分解压后 {size_text(limit)}")


def too_large(exc: PartTooLarge) -> TooCostly:
    """The :class:`TooCostly` of a part stopped while streaming."""
    return _part_error(exc.name, exc.size, exc.limit)


def check_cells(sheet: str, max_row: int, max_col: int) -> None:
    """``max_row``/``max_col``: 0-based position of the farthest cell with content (-1: none)."""
    if max_row < 0 or max_col < 0:
        return
    cells = (max_row + 1) * (max_col + 1)
    if cells > MAX_SHEET_CELLS:
        raise TooCostly(f"工作表“{sheet}”的内容一直延伸到 {column_letter(max_col)}{max_row + 1} 单元格"
                        f"（从 A1 算起约 {cells:,} 个单元格）", f"每张工作表 {MAX_SHEET_CELLS:,} 个单元格", _FIX_FAR)
