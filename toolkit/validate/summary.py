"""The JSON summary of a validation: the ``toolkit validate --json`` format (docs/validation.md)."""

from __future__ import annotations

from typing import Any

from ..model import ValidationResult


def result_to_json(result: ValidationResult) -> dict[str, Any]:
    """The JSON summary of ``toolkit validate --json`` (documented in docs/validation.md)."""
    period = None
    if result.period is not None:
        p = result.period
        period = {"code": p.code, "name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
    files = []
    for f in result.files:
        files.append({
            "path": f.path,
            "rel": f.rel,
            "unit": f.unit,
            "unit_code": f.unit_code,
            "template": f.template,
            "template_name": f.template_name,
            "status": f.status,
            "rows_read": f.rows_read,
            "rows_accepted": f.rows_accepted,
            "rows_rejected": f.rows_rejected,
            "rows_skipped": f.rows_skipped,
            "rows_superseded": f.rows_superseded,
            "superseded_by": f.superseded_by,
            "issues": [
                {"code": i.code, "severity": i.severity, "sheet": i.sheet, "row": i.row, "column": i.column,
                 "header": i.header, "value": i.value, "message": i.message}
                for i in f.issues
            ],
            "skipped_rows": [{"row": s.row, "reason": s.reason} for s in f.skipped_rows],
        })
    return {
        "root": str(result.root),
        "period": period,
        "as_of": result.as_of.isoformat(),
        "files": files,
        "ignored": [{"file": rel, "reason": reason} for rel, reason in result.ignored],
        "totals": result.totals(),
    }
