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
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from ..deflate import PartTooLarge, iter_member
from ..schema import TEMPLATE_NAMES
from . import limits
from .ooxml import core_modified

__all__ = ["ODS_MIMETYPE", "OdsParts", "is_ods"]

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_T = f"{{{_TABLE}}}"
_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
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
        self._tables: dict[str, _Table] | None = None
        self._zf: zipfile.ZipFile | None = None

    @classmethod
    def load(cls, zf: zipfile.ZipFile, names: set[str]) -> "OdsParts":
        parts = cls()
        parts._zf = zf
        if "meta.xml" not in names:
            return parts
        try:
            data = zf.read("meta.xml")  # a small part: its size is checked first (toolkit.read.limits)
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

    def scan(self, zf: zipfile.ZipFile, sheet_name: str) -> None:
        """Before python-calamine reads sheet ``sheet_name``: its farthest cell with content, against
        :data:`toolkit.read.limits.MAX_SHEET_CELLS` (content.xml is read once for every sheet).
        Raises :class:`toolkit.read.limits.TooCostly`."""
        table = self._table(sheet_name)
        if table is not None:
            limits.check_cells(sheet_name, table.max_row, table.max_col)

    def _table(self, sheet_name: str) -> "_Table | None":
        if self._tables is None:
            self._tables = _tables(self._zf) if self._zf is not None else {}
        return self._tables.get(sheet_name)

    def merged_ranges(self, sheet_name: str) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column), 0-based, of the sheet's merged cells."""
        table = self._table(sheet_name)
        return table.spans if table is not None else []


def _int(el: ET.Element, attr: str) -> int:
    try:
        return max(1, int(el.get(_T + attr, "1")))
    except ValueError:
        return 1


@dataclass
class _Table:
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    max_row: int = -1  # 0-based, of the farthest cell with content (repeats counted as calamine expands them)
    max_col: int = -1


def _tables(zf: zipfile.ZipFile) -> dict[str, _Table]:
    """Merged ranges and the farthest cell with content of every sheet of content.xml, in one
    streaming pass (inflated with the part limit of :mod:`toolkit.read.limits`)."""
    out: dict[str, _Table] = {}
    table = _Table()
    row = col = 0
    depth_in_cell = 0
    row_has_value = False
    parser = ET.XMLPullParser(events=("start", "end"))
    try:
        for chunk in iter_member(zf, "content.xml", limit=limits.MAX_PART_BYTES):
            parser.feed(chunk)
            for event, el in parser.read_events():
                tag = el.tag
                if event == "start":
                    if tag == _T + "table":
                        table, row = out.setdefault(el.get(_T + "name", ""), _Table()), 0
                    elif tag == _T + "table-row":
                        col, row_has_value = 0, False
                    elif tag in (_T + "table-cell", _T + "covered-table-cell"):
                        depth_in_cell += 1
                        if depth_in_cell == 1 and tag == _T + "table-cell":
                            rows_spanned = _int(el, "number-rows-spanned")
                            cols_spanned = _int(el, "number-columns-spanned")
                            if rows_spanned > 1 or cols_spanned > 1:
                                table.spans.append((row, col, row + rows_spanned - 1, col + cols_spanned - 1))
                    continue
                if tag in (_T + "table-cell", _T + "covered-table-cell"):
                    depth_in_cell -= 1
                    if depth_in_cell == 0:
                        repeat = _int(el, "number-columns-repeated")
                        if el.get(_VALUE_TYPE) is not None or len(el):  # a value, or text in it
                            table.max_col = max(table.max_col, col + repeat - 1)
                            row_has_value = True
                        col += min(repeat, _MAX_REPEAT)
                elif tag == _T + "table-row":
                    repeat = _int(el, "number-rows-repeated")
                    if row_has_value:
                        table.max_row = max(table.max_row, row + repeat - 1)
                    row += min(repeat, _MAX_REPEAT)
                    el.clear()
    except PartTooLarge as exc:
        raise limits.too_large(exc) from None
    except (ET.ParseError, KeyError, OSError, zipfile.BadZipFile, RuntimeError):
        pass  # a damaged content.xml: calamine reports the file; what was read so far is kept
    return out
