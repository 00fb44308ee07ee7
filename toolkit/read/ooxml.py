"""The small parts of an .xlsx package that python-calamine does not tell, read from the zip.

* the workbook's defined names and custom document properties (``toolkit_template``,
  ``toolkit_version``, ``toolkit_unit``), which the generated templates carry;
* when the file was last saved (``dcterms:modified`` of docProps/core.xml);
* which worksheet is which zip member, and the formula cells of a sheet that carry no
  cached value (written by a program that does not calculate: calamine reads them as empty).
"""

from __future__ import annotations

import html
import re
import zipfile
from xml.etree import ElementTree as ET

from ..deflate import read_member
from ..schema import TEMPLATE_NAMES

__all__ = ["XlsxParts", "core_modified"]


class XlsxParts:
    """Small parts of an .xlsx read directly from the zip."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # defined names and custom props: toolkit_* -> value
        self.sheet_paths: dict[str, str] = {}  # sheet name -> zip member
        self.saved: float | None = None  # docProps/core.xml dcterms:modified (Excel/WPS set it on save)

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
                parts.saved = core_modified(zf.read("docProps/core.xml"))
            except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
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

    def formulas_without_value(self, zf: zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
        """(0-based row, col) -> formula text, for formula cells that carry no cached value."""
        member = self.sheet_paths.get(sheet_name)
        if not member:
            return {}
        try:
            data = read_member(zf, member)
        except KeyError:
            return {}
        if _ANY_FORMULA_RE.search(data) is None:  # no formula cell (<formula1> of validations is not one)
            return {}
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
            if fm and fm.group(1):  # entity and character references decoded (&amp;, &quot;, &#28857; alike)
                formula = "=" + html.unescape(fm.group(1).decode("utf-8", "replace"))
            else:
                formula = "公式"
            out[(row, col)] = formula
        return out


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
