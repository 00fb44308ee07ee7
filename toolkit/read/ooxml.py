"""The small parts of an .xlsx package that python-calamine does not tell, read from the zip.

* the workbook's defined names and custom document properties (``toolkit_template``,
  ``toolkit_version``, ``toolkit_unit``), which the generated templates carry;
* when the file was last saved (``dcterms:modified`` of docProps/core.xml);
* which worksheet is which zip member, and the formula cells of a sheet that carry no
  cached value (written by a program that does not calculate: calamine reads them as empty).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from ..deflate import PartTooLarge, iter_member
from ..schema import TEMPLATE_NAMES
from . import limits

__all__ = ["XlsxParts", "core_modified"]


class XlsxParts:
    """Small parts of an .xlsx read directly from the zip."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # defined names and custom props: toolkit_* -> value
        self.sheet_paths: dict[str, str] = {}  # sheet name -> zip member
        self.saved: float | None = None  # docProps/core.xml dcterms:modified (Excel/WPS set it on save)
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}  # sheet name -> formulas without value

    @classmethod
    def load(cls, zf: zipfile.ZipFile, names: set[str]) -> "XlsxParts":
        parts = cls()
        wanted = TEMPLATE_NAMES
        try:
            root = ET.fromstring(zf.read("xl/workbook.xml"))
        except (ET.ParseError, KeyError):
            return parts
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            try:
                rroot = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
                for rel in rroot:
                    target = rel.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    rels[rel.get("Id", "")] = target
            except ET.ParseError:
                pass
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
                if rid in rels:
                    parts.sheet_paths[el.get("name", "")] = rels[rid]
            elif tag == "definedName" and el.get("name") in wanted and el.get("localSheetId") is None:
                text = (el.text or "").strip().lstrip("=").strip()
                if len(text) >= 2 and text[0] == text[-1] == '"':
                    text = text[1:-1].replace('""', '"')
                parts.names[el.get("name")] = text
        if "docProps/core.xml" in names:
            try:
                with zf.open("docProps/core.xml") as fh:  # streaming: the stamp is near the start
                    parts.saved = core_modified(fh.read(_CORE_READ))
            except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, EOFError):
                pass
        if "docProps/custom.xml" in names:
            try:
                croot = ET.fromstring(zf.read("docProps/custom.xml"))
                for prop in croot:
                    name = prop.get("name")
                    if name in wanted and name not in parts.names:
                        parts.names[name] = "".join(prop.itertext()).strip()
            except ET.ParseError:
                pass
        return parts

    def scan(self, zf: zipfile.ZipFile, sheet_name: str) -> None:
        """Read worksheet ``sheet_name`` once, streaming, before python-calamine does: the farthest
        cell with content (checked against :data:`toolkit.read.limits.MAX_SHEET_CELLS`) and the
        formula cells without a cached value (:meth:`formulas_without_value`). Raises
        :class:`toolkit.read.limits.TooCostly`; a sheet the package does not have is skipped
        (calamine reports it)."""
        member = self.sheet_paths.get(sheet_name)
        if not member or member not in set(zf.namelist()):
            return
        try:
            formulas, flagged = _scan_fast(zf, member)
            self.formulas[sheet_name] = formulas
            if flagged:  # a far cell, or XML not written the usual way: count exactly
                max_row, max_col = _extent_exact(zf, member)
                limits.check_cells(sheet_name, max_row, max_col)
        except PartTooLarge as exc:
            raise limits.too_large(exc) from None

    def formulas_without_value(self, zf: zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
        """(0-based row, col) -> formula text, for formula cells that carry no cached value."""
        if sheet_name not in self.formulas:
            self.scan(zf, sheet_name)
        return self.formulas.get(sheet_name, {})


# --- the streaming sheet scan ---------------------------------------------------------------
#
# The usual sheet XML (Excel, WPS, LibreOffice, openpyxl, XlsxWriter) writes every cell as
# ``<c r="B7" …>``. Two searches per chunk, each a single C-level pass, tell whether a sheet
# needs more care: a cell tag not followed by a reference within column Z and row 99,999
# (beyond them the used range could reach MAX_SHEET_CELLS: 26 × 99,999 cells is far below it;
# a cell without ``r`` first, in quotes of another kind, or a tag not followed by a space),
# and a cell tag with a namespace prefix. The searches look at every byte, whatever the
# context (a real cell tag is always there literally: entities cannot make elements), so a
# comment or CDATA can only raise a flag, never hide a cell. A flagged sheet is read a second
# time and its farthest cell found exactly: by its cell references when every cell tag is
# written the usual way, else by a real XML parser (expat). Chunks are cut after the last
# ``</row>`` (else ``</c>``, else ``>``), so no tag is split between two of them.

_FLAG_RE = re.compile(rb'<c(?: (?!r="[A-Za-z]\d{1,5}")|[\t\n\r/>])')  # see above
_PREFIXED_RE = re.compile(rb":c[\s/>]")  # <x:c …>
_ODD_RE = re.compile(rb'<c(?: (?!r="[A-Za-z]{1,3}\d{1,7}")|[\t\n\r/>])|:c[\s/>]')  # what the exact count cannot take
_EXACT_CELL_RE = re.compile(rb'<c r="([A-Za-z]{1,3})(\d{1,7})"(?:[^>"\']|"[^"]*"|\'[^\']*\')*?(/?)>')
_MAX_TAIL = 16 << 20  # an element longer than this is no worksheet


def _segments(zf: zipfile.ZipFile, member: str) -> Iterator[bytes | memoryview]:
    """The inflated part in pieces that each end after a whole row (or cell, or tag)."""
    tail = b""
    first = True
    for chunk in iter_member(zf, member, limit=limits.MAX_PART_BYTES):
        buf = tail + chunk if tail else chunk
        start = 0
        if first:
            first = False
            head = buf.lstrip(b"\xef\xbb\xbf \t\r\n")
            if head.startswith(b"<?xml"):
                start = len(buf) - len(head) + head.find(b"?>") + 2
        cut = buf.rfind(b"</row>")
        cut = cut + 6 if cut >= 0 else buf.rfind(b"</c>") + 4 if b"</c>" in buf else buf.rfind(b">") + 1
        if cut <= start:
            tail = buf[start:]
            if len(tail) > _MAX_TAIL:
                raise limits.TooCostly(f"工作表“{member}”中有一个超过 {limits.size_text(_MAX_TAIL)} 的元素",
                                       "每个元素 16 MB")
            continue
        yield memoryview(buf)[start:cut]
        tail = buf[cut:]
    if tail:
        yield tail


def _scan_fast(zf: zipfile.ZipFile, member: str) -> tuple[dict[tuple[int, int], str], bool]:
    """(formula cells without a cached value, whether the sheet needs the exact count)."""
    out: dict[tuple[int, int], str] = {}
    flagged = False
    for seg in _segments(zf, member):
        if not flagged and (_FLAG_RE.search(seg) is not None or _PREFIXED_RE.search(seg) is not None):
            flagged = True
        if _ANY_FORMULA_RE.search(seg) is not None:  # <formula1> of validations is not one
            out.update(_formulas(bytes(seg)))
    return out, flagged


def _formulas(data: bytes) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for m in _CELL_RE.finditer(data):
        attrs, inner = m.group(2), m.group(3) or b""
        if b"<f" not in inner:
            continue
        if _VALUE_RE.search(inner):
            continue
        if b't="str"' in attrs and b"<v" in inner:
            continue  # a formula whose cached result is the empty string
        col, row = _split_ref(m.group(1).decode())
        fm = _FORMULA_RE.search(inner)
        if fm and fm.group(1):
            formula = "=" + _xml_text(fm.group(1))
        else:
            formula = "公式"
        out[(row, col)] = formula
    return out


def _xml_text(raw: bytes) -> str:
    """The text of an element's content as an XML parser gives it (entity and character
    references decoded: ``&amp;``, ``&quot;``, ``&#28857;`` alike)."""
    try:
        return ET.fromstring(b"<t>" + raw + b"</t>").text or ""
    except ET.ParseError:
        return raw.decode("utf-8", "replace")


def _extent_exact(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """0-based (row, column) of the farthest cell with content (``-1, -1``: none)."""
    max_row = max_col = -1
    for seg in _segments(zf, member):
        if _ODD_RE.search(seg) is not None:
            return _extent_expat(zf, member)
        for m in _EXACT_CELL_RE.finditer(seg):
            if m.group(3):
                continue  # <c …/>: no content
            col, row = _split_ref(m.group(1).upper().decode() + m.group(2).decode())
            max_row, max_col = max(max_row, row), max(max_col, col)
    return max_row, max_col


def _extent_expat(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """:func:`_extent_exact` for XML written in any legal way: namespace prefixes, cells or rows
    without ``r``, attributes in any order, comments and CDATA (no DTD: refused)."""
    from xml.parsers import expat

    state = {"row": -1, "col": -1, "cell": None, "content": False, "max_row": -1, "max_col": -1}

    def start(name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) - 1 if r.isdigit() else state["row"] + 1
            state["col"] = -1
        elif local == "c":
            ref = _REF_RE.fullmatch(attrs.get("r", "").strip().upper())
            if ref:
                col, row = _split_ref(ref[0])
            else:
                col, row = state["col"] + 1, max(state["row"], 0)
            state["col"] = col
            state["cell"], state["content"] = (row, col), False
        elif local in ("v", "is", "f") and state["cell"] is not None:
            state["content"] = True

    def end(name: str) -> None:
        if name.rsplit(":", 1)[-1] == "c" and state["cell"] is not None:
            if state["content"]:
                row, col = state["cell"]
                state["max_row"], state["max_col"] = max(state["max_row"], row), max(state["max_col"], col)
            state["cell"] = None

    def refuse(*_args: object) -> None:
        raise limits.TooCostly(f"工作表“{member}”含有文档类型定义（DTD），这不是 Excel 写出的内容", "不允许 DTD")

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for chunk in iter_member(zf, member, limit=limits.MAX_PART_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        pass  # damaged XML: calamine reports it (the extent found so far is kept)
    return state["max_row"], state["max_col"]


_REF_RE = re.compile(r"[A-Z]{1,3}[1-9]\d{0,6}")


_CORE_READ = 1 << 20  # what is read of docProps/core.xml (Excel writes about 1 KB)
_CORE_MODIFIED_RE = re.compile(rb"<(?:[\w.-]+:)?modified\b[^>]*>\s*([^<]*?)\s*</")
_W3CDTF_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?")
# The stamp toolkit.templates writes into generated workbooks (2022-01-01T00:00:00Z): it says
# nothing about when a unit saved the file, so the file's mtime is used instead.
_TOOLKIT_STAMP = 1640995200.0


def core_modified(xml: bytes) -> float | None:
    """POSIX time of ``dcterms:modified`` in docProps/core.xml, or None (absent, unparsable,
    or the toolkit's own fixed stamp)."""
    from datetime import datetime, timedelta, timezone

    m = _CORE_MODIFIED_RE.search(xml)
    if m is None:
        return None
    d = _W3CDTF_RE.fullmatch(m.group(1).decode("ascii", "replace").strip())
    if d is None:
        return None
    try:
        tz = timezone.utc
        if d[7] and d[7] != "Z":
            sign = -1 if d[7][0] == "-" else 1
            hh, mm = int(d[7][1:3]), int(d[7][-2:])
            tz = timezone(sign * timedelta(hours=hh, minutes=mm))
        t = datetime(int(d[1]), int(d[2]), int(d[3]), int(d[4] or 0), int(d[5] or 0), int(d[6] or 0), tzinfo=tz)
    except (ValueError, OverflowError):
        return None
    stamp = t.timestamp()
    return None if stamp == _TOOLKIT_STAMP else stamp


_ANY_FORMULA_RE = re.compile(rb"<f[ >]")
_CELL_RE = re.compile(rb'<c\s+r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE_RE = re.compile(rb"<v>[^<]+</v>|<is>")
_FORMULA_RE = re.compile(rb"<f[^>]*>([^<]*)</f>")


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return col - 1, int(m[2]) - 1
