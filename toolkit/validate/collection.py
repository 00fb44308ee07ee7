"""Across files: which submissions are superseded (the same unit sending the same template
again: the newer file wins), and :func:`validate_files`, the validation of a collection."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..errors import make_issue
from ..model import (
    FILE_SUPERSEDED,
    FILE_UNREADABLE,
    UNKNOWN_UNIT,
    Carried,
    FileData,
    FileReport,
    Period,
    RejectedRow,
    Unit,
    ValidationResult,
)
from .accept import data_rows, file_report, validate_file
from .cells import Context
from .tables import Tables


def validate_files(
    files: list[FileData],
    *,
    root: Path,
    period: Period | None,
    as_of: date,
    units: list[Unit],
    carried: Carried | None = None,
) -> ValidationResult:
    """Validate what the reader found; decide which rows are accepted.

    ``carried``: what earlier periods left open (the history store), for the cross-period checks."""
    files = list(files)
    newer = _superseded(files)
    ctx = Context(period, as_of, carried)
    reports: list[FileReport] = []
    rejected: list[RejectedRow] = []
    tables = Tables()
    for index, fd in enumerate(files):
        if not fd.readable or fd.template_id is None:
            reports.append(file_report(fd, FILE_UNREADABLE, list(fd.issues)))
        elif index in newer:
            reports.append(_superseded_report(fd, files[newer[index]]))
        else:
            try:
                report, rej, acc = validate_file(fd, ctx)
            except Exception as exc:  # noqa: BLE001 - one file's failure never stops the collection
                reports.append(_failed_report(fd, exc))
                continue
            reports.append(report)
            rejected.extend(rej)
            for key, columns in acc.items():
                tables.add_columns(key, columns)
    return ValidationResult(
        root=Path(root),
        period=period,
        as_of=as_of,
        units=list(units),
        files=reports,
        ignored=[],
        tables=tables.tables(),
        rejected=rejected,
    )


def _superseded(files: list[FileData]) -> dict[int, int]:
    """index of an older duplicate submission → index of the newer one that replaces it."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, fd in enumerate(files):
        if not fd.readable or fd.template_id is None or fd.unit == UNKNOWN_UNIT:
            continue
        groups.setdefault((fd.template_id, fd.unit_code or fd.unit), []).append(i)
    out: dict[int, int] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        # a file whose name and template agree on the unit beats one sent under another unit's name
        # (unit-file-name: probably that unit's data in the wrong template, never the unit's own
        # newer copy); then the saved time (core properties, second resolution), the mtime, the order
        winner = max(members, key=lambda i: (not _misnamed(files[i]), files[i].modified, files[i].mtime, i))
        for i in members:
            if i != winner:
                out[i] = winner
    return out


def _misnamed(fd: FileData) -> bool:
    return any(issue.code == "unit-file-name" for issue in fd.issues)


def _superseded_report(fd: FileData, newer: FileData) -> FileReport:
    rows = data_rows(fd)
    issue = make_issue("superseded", file=fd.rel, unit=fd.unit, newer=newer.rel, rows=rows)
    report = file_report(fd, FILE_SUPERSEDED, [issue])
    report.rows_read = rows
    report.rows_superseded = rows
    report.superseded_by = newer.rel
    return report


def _failed_report(fd: FileData, exc: BaseException) -> FileReport:
    """A file whose check failed (a defect of the toolkit, not of the file): 无法读取 with the
    reason, nothing of it merged; the other files are checked as usual."""
    detail = f"{type(exc).__name__}: {str(exc).strip()[:80]}" if str(exc).strip() else type(exc).__name__
    return file_report(fd, FILE_UNREADABLE, [make_issue("file-check-failed", file=fd.rel, detail=detail)])
