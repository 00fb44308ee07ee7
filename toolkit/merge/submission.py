"""报送情况: the ``submission`` block of the figures (who sent what, 催报名单, returned and unreadable files).

Moved unchanged from the former ``merge.py``; ``toolkit/submission.py`` (one status for every
front end) replaces it.
"""

from __future__ import annotations

from typing import Any

from .. import schema as S
from ..model import (
    ERROR,
    FILE_SUPERSEDED,
    FILE_UNREADABLE,
    META_UNIT,
    META_UNIT_CODE,
    UNKNOWN_UNIT,
    FileReport,
    UnitIndex,
    ValidationResult,
)
from .frames import col, factorize_pairs

TEMPLATE_OK = "已报送"
TEMPLATE_MISSING = "未报送"
TEMPLATE_RETURNED = "有退回"
UNIT_PARTIAL = "部分报送"


def _unreadable_reason(f: FileReport) -> str:
    for issue in f.issues:
        if issue.severity == ERROR:
            return issue.message
    return f.issues[0].message if f.issues else "文件无法读取"


def submission_figures(result: ValidationResult, index: UnitIndex) -> dict[str, Any]:
    """The ``submission`` block of the figures (docs/figures.md)."""
    files = result.files
    configured = bool(result.units)
    by_unit: dict[str, list[FileReport]] = {}
    for f in files:
        by_unit.setdefault(index.display(f.unit, f.unit_code), []).append(f)

    def template_status(unit_files: list[FileReport], template_id: str) -> str:
        # an unreadable file (template unknown) of the unit counts as sent back for every template
        mine = [f for f in unit_files if (f.template == template_id or (f.template is None and f.status == FILE_UNREADABLE))
                and f.status != FILE_SUPERSEDED]
        if any(f.delivered and f.errors == 0 for f in mine):
            return TEMPLATE_OK
        if mine:
            return TEMPLATE_RETURNED  # files with errors or unreadable: sent back for correction
        return TEMPLATE_MISSING

    units_out: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    unknown: list[str] = []
    if configured:
        found_names = sorted({n for n in by_unit if index.find(n) is None}, key=index.sort_key)
        # Units found only in unreadable files are "未识别"; list names found in readable files or rows.
        table_names: set[str] = set()
        for df in result.tables.values():
            if df is not None and META_UNIT in df.columns and len(df):
                for n, c in factorize_pairs(df[META_UNIT], col(df, META_UNIT_CODE))[1]:  # distinct pairs
                    if index.find(n, c) is None:
                        table_names.add(index.display(n, c))
        unknown = sorted(
            {n for n in found_names if any(f.status != FILE_UNREADABLE for f in by_unit[n]) and n != UNKNOWN_UNIT}
            | (table_names - {UNKNOWN_UNIT}),
            key=index.sort_key,
        )
        entries = [(u.code, u.name) for u in result.units] + [("", n) for n in unknown]
        for code, name in entries:
            unit_files = by_unit.get(name, [])
            templates = {t.id: template_status(unit_files, t.id) for t in S.TEMPLATES}
            states = set(templates.values())
            if states == {TEMPLATE_OK}:
                status = TEMPLATE_OK
            elif TEMPLATE_RETURNED in states:
                status = TEMPLATE_RETURNED
            elif TEMPLATE_OK in states:
                status = UNIT_PARTIAL
            else:
                status = TEMPLATE_MISSING
            units_out.append({
                "code": code, "name": name, "status": status, "templates": templates,
                "files": [f.rel for f in unit_files],
            })
            if index.find(name) is not None and not any(f.delivered for f in unit_files):
                missing.append({"code": code, "name": name})
    expected = len(result.units)
    submitted = sum(
        1 for u in result.units if any(f.delivered for f in by_unit.get(u.name, []))
    )
    return {
        "expected": expected,
        "submitted": submitted,
        "missing": missing,
        "units": units_out,
        "rejected_files": [
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "errors": int(f.errors)}
            for f in files if f.errors > 0 and f.status not in (FILE_UNREADABLE, FILE_SUPERSEDED)
        ],
        "superseded_files": [
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "by": f.superseded_by or "",
             "rows": int(f.rows_superseded)}
            for f in files if f.status == FILE_SUPERSEDED or f.superseded_by
        ],
        "unreadable_files": [
            {"file": f.rel, "reason": _unreadable_reason(f)} for f in files if f.status == FILE_UNREADABLE
        ],
        "unknown_units": unknown,
    }
