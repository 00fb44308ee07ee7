"""One submitted workbook → :class:`toolkit.model.FileData`: the steps of :mod:`toolkit.read` in order.

What the file is (:mod:`.sniff`), its small OOXML parts (:mod:`.ooxml`), every worksheet's
values (python-calamine), which sheet is which and the template (:mod:`.sheets`), the unit
(:mod:`.units`), then the rows of each sheet (:mod:`.rows`). Never raises for a bad file:
an unreadable file is returned with ``readable=False`` and one clear :class:`Issue`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Iterable

from ..errors import make_issue
from ..model import UNKNOWN_UNIT, FileData, Period, Unit
from ..schema import (
    DEFINED_NAME_PERIOD,
    DEFINED_NAME_TEMPLATE,
    DEFINED_NAME_UNIT,
    DEFINED_NAME_VERSION,
    GUIDE_SHEET,
    LISTS_SHEET,
    META_LABELS,
    TEMPLATES,
)
from . import limits
from .odf import OdsParts, is_ods
from .ooxml import XlsxParts
from .rows import read_sheet
from .sheets import by_template, choose_sheets, choose_template, match_sheets, mixed_templates
from .sniff import compound_kind, sniff, zip_contents
from .units import identify_unit, meta_from_rows, unit_of_unreadable

__all__ = ["read_file", "relative_name"]


def read_file(path: Path, root: Path, *, units: Iterable[Unit] = (), period: Period | None = None) -> FileData:
    """Read one submission. Never raises: problems become :class:`Issue` objects.

    ``period`` is accepted for the callers' convenience; what the reader finds does not depend
    on it (dates are checked against the period by :mod:`toolkit.validate`)."""
    path = Path(path)
    rel = relative_name(path, Path(root))
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    fd = FileData(path=path, rel=rel, modified=modified, mtime=modified)
    units = list(units)
    try:
        _read_into(fd, units)
    except PermissionError as exc:  # this PC's permissions: the office's problem, not the unit's
        _unreadable(fd, "file-no-access", detail=exc.strerror or _detail(exc))
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the whole run
        _unreadable(fd, "file-corrupt", detail=_detail(exc))
    if not fd.readable and fd.unit == UNKNOWN_UNIT:
        unit_of_unreadable(fd, units)
    return fd


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to the collection folder ``root`` (POSIX), or its name outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path.name


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:80]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unreadable(fd: FileData, code: str, **slots: Any) -> FileData:
    fd.readable = False
    fd.sheets = []
    fd.template_id = None
    fd.issues = [make_issue(code, file=fd.rel, **slots)]
    return fd


def _read_into(fd: FileData, units: list[Unit]) -> None:
    import python_calamine as pc

    path = fd.path
    try:
        limits.check_file(path)
    except limits.TooCostly as exc:
        _unreadable(fd, "file-too-large", **exc.slots())
        return
    kind, actual = sniff(path)
    if kind == "empty":
        _unreadable(fd, "file-empty")
        return
    if kind == "other":
        _unreadable(fd, "file-not-excel", actual=actual)
        return
    xlsx_parts: XlsxParts | OdsParts | None = None
    zf: zipfile.ZipFile | None = None
    if kind == "cfb":
        cfb = compound_kind(path)
        if cfb == "encrypted":
            _unreadable(fd, "file-encrypted")
            return
        if cfb in ("word", "ppt"):
            _unreadable(fd, "file-not-excel", actual="Word文档（.doc）" if cfb == "word" else "PowerPoint演示文稿")
            return
    else:
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            _unreadable(fd, "file-corrupt", detail=_detail(exc))
            return
    try:  # the zip stays open for the formula cells of the sheets read (one parse of its directory)
        if zf is not None:
            names = set(zf.namelist())
            try:  # what the parts may cost, from the zip directory (worksheets: while they are scanned)
                limits.check_package(zf, streamed={n for n in names if n.startswith("xl/worksheets/")} | {"content.xml"})
            except limits.TooCostly as exc:
                _unreadable(fd, "file-too-large", **exc.slots())
                return
            ods = is_ods(zf, names)
            actual = "" if ods else zip_contents(names)
            if actual:
                _unreadable(fd, "file-not-excel", actual=actual)
                return
            if ods:  # LibreOffice / WPS: read like an .xlsx (calamine), metadata from meta.xml
                xlsx_parts = OdsParts.load(zf, names)
                if xlsx_parts.saved is not None:
                    fd.modified = xlsx_parts.saved
            elif "xl/workbook.xml" in names:
                xlsx_parts = XlsxParts.load(zf, names)
                if xlsx_parts.saved is not None:
                    fd.modified = xlsx_parts.saved  # when it was saved, not when it was downloaded
        try:
            wb = pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError:
            _unreadable(fd, "file-encrypted")
            return
        except Exception as exc:  # noqa: BLE001
            text = str(exc).lower()
            if "password" in text or "encrypt" in text:
                _unreadable(fd, "file-encrypted")
            else:
                _unreadable(fd, "file-corrupt", detail=_detail(exc))
            return
        try:
            _read_workbook(fd, wb, xlsx_parts, zf, units)
        except limits.TooCostly as exc:
            _unreadable(fd, "file-too-large", **exc.slots())
        finally:
            try:
                wb.close()
            except Exception:  # noqa: BLE001
                pass
    finally:
        if zf is not None:
            zf.close()


def _read_workbook(fd: FileData, wb: Any, parts: XlsxParts | OdsParts | None, zf: zipfile.ZipFile | None,
                   units: list[Unit]) -> None:
    meta_names = parts.names if parts else {}
    version = meta_names.get(DEFINED_NAME_VERSION) or None

    # Read every worksheet's values once.
    sheets_values: dict[str, list[list[Any]]] = {}
    calamine_sheets: dict[str, Any] = {}
    for meta in wb.sheets_metadata:
        name = meta.name
        if "WorkSheet" not in str(meta.typ):
            continue
        if name in (LISTS_SHEET, GUIDE_SHEET):
            continue
        if parts is not None and zf is not None:
            parts.scan(zf, name)  # before calamine holds the sheet's range: raises TooCostly (toolkit.read.limits)
        sheet = wb.get_sheet_by_name(name)
        calamine_sheets[name] = sheet
        sheets_values[name] = sheet.to_python(skip_empty_area=False)

    # Which worksheet is which schema sheet, and the template.
    matches = match_sheets(sheets_values)
    found = by_template(matches)
    template = choose_template(meta_names.get(DEFINED_NAME_TEMPLATE) or None, found, fd.rel)
    if template is None:
        expected = "、".join(f"“{h}”" for h in (TEMPLATES[0].sheets[0].headers[:2]))
        _unreadable(fd, "unknown-template", expected=expected)
        return
    fd.template_id = template.id
    fd.template_version = version or None
    if version and version != template.version:
        fd.issues.append(make_issue("old-version", file=fd.rel, found=version, expected=template.version))
    fd.issues.extend(mixed_templates(fd.rel, template, found, sheets_values))
    chosen, ignored = choose_sheets(fd.rel, template, matches, sheets_values)
    fd.issues.extend(ignored)
    if not chosen:
        expected = "、".join(f"“{h}”" for h in template.sheets[0].headers[:2])
        _unreadable(fd, "unknown-template", expected=expected)
        return

    # Unit and meta row (rows above the header).
    meta = {}
    title_text = ""
    for schema in template.sheets:
        c = chosen.get(schema.key)
        if c is None:
            continue
        labels, title = meta_from_rows(sheets_values[c.ws_name][: c.header_idx])
        for k, v in labels.items():
            meta.setdefault(k, v)
        title_text = title_text or title
    fd.meta = {k: v for k, v in meta.items() if k != META_LABELS[0]}
    fd.template_period = meta_names.get(DEFINED_NAME_PERIOD) or _title_period(title_text) or None
    identify_unit(fd, meta_names.get(DEFINED_NAME_UNIT) or "", meta.get(META_LABELS[0], ""), title_text, units)

    # Sheets in schema order.
    for schema in template.sheets:
        c = chosen.get(schema.key)
        if c is None:
            fd.issues.append(make_issue("sheet-missing", file=fd.rel, sheet_key=schema.key, expected=schema.name))
            continue
        formulas = parts.formulas_without_value(zf, c.ws_name) if (parts is not None and zf is not None) else {}
        if isinstance(parts, OdsParts):  # calamine does not report the merged cells of an .ods
            merged = parts.merged_ranges(c.ws_name)
        else:
            merged = _merged_ranges(calamine_sheets[c.ws_name])
        fd.sheets.append(read_sheet(fd, c, sheets_values[c.ws_name], merged, formulas))


def _title_period(title: str) -> str:
    """The period a template's title names (``党建办大走访大调研走访记录表（2022年第一季度）``): templates made
    before the period was recorded in their defined names."""
    import re

    m = re.search(r"[（(]([^（）()]*\d{4}年[^（）()]*)[）)]\s*$", title or "")
    return m[1].strip() if m else ""


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 0-based, of the sheet's merged cells."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - not available for every format
        return []
    out = []
    for (r1, c1), (r2, c2) in ranges:
        out.append((r1, c1, r2, c2))
    return out
