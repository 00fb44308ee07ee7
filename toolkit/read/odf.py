"""The small parts of an OpenDocument spreadsheet (.ods, saved by LibreOffice or WPS) that
python-calamine does not tell, read from the zip — the counterpart of :mod:`.ooxml` for .xlsx.

* the custom document properties ``toolkit_template``, ``toolkit_version``, ``toolkit_unit``
  (``meta:user-defined`` in meta.xml: LibreOffice keeps the ones the templates carry);
* when the file was last saved (``dc:date`` of meta.xml);
* the merged cells of each sheet (``table:number-rows-spanned`` in content.xml), which
  calamine does not report for .ods: vertically merged data cells are filled down as in .xlsx.

Formula cells of an .ods always carry their value (``office:value``), so there are no
formulas without a value to report.
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

from ..schema import TEMPLATE_NAMES
from .ooxml import core_modified

__all__ = ["ODS_MIMETYPE", "OdsParts", "is_ods"]

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_T = f"{{{_TABLE}}}"
_MAX_REPEAT = 1_048_576  # a repeated empty row or column is not expanded beyond a sheet's size


def is_ods(zf: zipfile.ZipFile, names: set[str]) -> bool:
    """An OpenDocument *spreadsheet* package (not a text document or a presentation)."""
    if "mimetype" not in names or "content.xml" not in names:
        return False
    try:
        return zf.read("mimetype").strip() == ODS_MIMETYPE
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
        return False


class OdsParts:
    """Small parts of an .ods read directly from the zip (same interface as ``XlsxParts``)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # custom properties: toolkit_* -> value
        self.saved: float | None = None  # meta.xml dc:date
        self._merged: dict[str, list[tuple[int, int, int, int]]] | None = None
        self._zf: zipfile.ZipFile | None = None

    @classmethod
    def load(cls, zf: zipfile.ZipFile, names: set[str]) -> "OdsParts":
        parts = cls()
        parts._zf = zf
        if "meta.xml" not in names:
            return parts
        try:
            data = zf.read("meta.xml")
            root = ET.fromstring(data)
        except (ET.ParseError, KeyError, OSError, zipfile.BadZipFile, RuntimeError):
            return parts
        wanted = TEMPLATE_NAMES
        for el in root.iter(f"{{{_META}}}user-defined"):
            name = el.get(f"{{{_META}}}name")
            if name in wanted:
                parts.names[name] = "".join(el.itertext()).strip()
        date = root.find(f".//{{{_DC}}}date")
        if date is not None and date.text:
            # the W3CDTF parser of .xlsx; LibreOffice writes local time without a zone (taken as UTC:
            # what matters is the order of two saves of the same unit, both written the same way)
            parts.saved = core_modified(f"<modified>{date.text.strip()}</modified>".encode("ascii", "replace"))
        return parts

    def formulas_without_value(self, zf: zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
        return {}  # .ods formula cells carry their value

    def merged_ranges(self, sheet_name: str) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column), 0-based, of the sheet's merged cells."""
        if self._merged is None:
            self._merged = _spans(self._zf) if self._zf is not None else {}
        return self._merged.get(sheet_name, [])


def _int(el: ET.Element, attr: str) -> int:
    try:
        return max(1, int(el.get(_T + attr, "1")))
    except ValueError:
        return 1


def _spans(zf: zipfile.ZipFile) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges of every sheet of content.xml (one streaming pass)."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        fh = zf.open("content.xml")
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
        return out
    with fh:
        if b"number-rows-spanned" not in fh.read():  # no merged cell at all: nothing to walk
            return out
    table = ""
    row = col = 0
    depth_in_cell = 0
    try:
        with zf.open("content.xml") as fh:
            for event, el in ET.iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == _T + "table":
                        table, row = el.get(_T + "name", ""), 0
                    elif tag == _T + "table-row":
                        col = 0
                    elif tag in (_T + "table-cell", _T + "covered-table-cell"):
                        depth_in_cell += 1
                        if depth_in_cell == 1 and tag == _T + "table-cell":
                            rows_spanned = _int(el, "number-rows-spanned")
                            cols_spanned = _int(el, "number-columns-spanned")
                            if rows_spanned > 1 or cols_spanned > 1:
                                out.setdefault(table, []).append(
                                    (row, col, row + rows_spanned - 1, col + cols_spanned - 1))
                    continue
                if tag in (_T + "table-cell", _T + "covered-table-cell"):
                    depth_in_cell -= 1
                    if depth_in_cell == 0:
                        col += min(_int(el, "number-columns-repeated"), _MAX_REPEAT)
                elif tag == _T + "table-row":
                    row += min(_int(el, "number-rows-repeated"), _MAX_REPEAT)
                    el.clear()
    except ET.ParseError:
        pass  # a damaged content.xml: calamine reports the file; the spans read so far are kept
    return out
