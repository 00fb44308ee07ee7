"""One file: its sheets checked (cells, rows, file checks), then each row accepted or
rejected, and the file's report (status, counts, issues in sheet/row/column order).

A 错误 rejects its row (a sheet-level 错误 such as a missing required column rejects
every row of the sheet); a 提示 keeps the row and travels with it in ``_notes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import short_message
from ..model import (
    ERROR,
    FILE_ERRORS,
    FILE_HINTS,
    FILE_OK,
    HINT,
    FileData,
    FileReport,
    FileStatus,
    Issue,
    RejectedRow,
)
from ..schema import SHEETS, template_by_id
from .carried import mark_carried, missing_items
from .cells import Context, check_cells
from .files import check_file, other_period
from .rows import check_rows
from .sheet import CheckedSheet, Where
from .tables import accepted_columns


def validate_file(fd: FileData, ctx: Context) -> tuple[FileReport, list[RejectedRow], dict[str, dict[str, list]]]:
    """(report, rejected rows, accepted rows as columns per sheet key) of one readable file."""
    issues: list[Issue] = list(fd.issues) + other_period(fd, ctx.period)
    # Reader issues tied to a data row (formula without value) reject that row.
    row_issues: dict[tuple[str, int], list[Issue]] = {}
    sheet_errors: dict[str, list[Issue]] = {}
    for issue in fd.issues:
        if issue.code == "column-missing" and issue.sheet_key:
            sheet_errors.setdefault(issue.sheet_key, []).append(issue)
        elif issue.row is not None and issue.sheet_key and issue.code == "formula-no-value":
            row_issues.setdefault((issue.sheet_key, issue.row), []).append(issue)

    unknown_cells = {(i.sheet_key, i.row, i.column_key) for issues_ in row_issues.values() for i in issues_}
    checked: dict[str, CheckedSheet] = {}
    for sheet in fd.sheets:
        cs = CheckedSheet(sheet, SHEETS[sheet.sheet_key])
        where = Where(fd, cs)
        check_cells(cs, where, ctx, unknown_cells)
        mark_carried(fd, cs, ctx.carried)  # before the row rules: carried items skip those for new items only
        check_rows(cs, where)
        checked[sheet.sheet_key] = cs
    check_file(fd, checked)
    missing_items(fd, checked, ctx.carried)
    if row_issues:
        for key, cs in checked.items():
            for i, row in enumerate(cs.row_numbers):
                before = row_issues.get((key, row))
                if before:
                    cs.row_issues[i] = before + cs.row_issues.get(i, [])

    rejected: list[RejectedRow] = []
    accepted: dict[str, dict[str, list]] = {}
    n_acc = n_rej = 0
    for key, cs in checked.items():
        schema = SHEETS[key]
        sheet_level = sheet_errors.get(key, [])
        n = cs.n
        notes: list[str] = [""] * n
        rejected_idx: list[int] = []
        for i in sorted(cs.row_issues):
            row_issue_list = cs.row_issues[i]
            issues.extend(x for x in row_issue_list if x.code != "formula-no-value")
            errors = [x for x in row_issue_list if x.severity == ERROR]
            if errors or sheet_level:
                rejected_idx.append(i)
            else:
                notes[i] = "；".join(short_message(x) for x in row_issue_list if x.severity == HINT)
        if sheet_level:
            rejected_idx = list(range(n))
        if rejected_idx:
            raw_rows = cs.sheet.rows
            for i in rejected_idx:
                raw = raw_rows[i]
                errors = [x for x in cs.row_issues.get(i, ()) if x.severity == ERROR]
                reasons = [short_message(x) for x in sheet_level] + [short_message(x) for x in errors]
                values = {schema.column(k).header: v for k, v in raw.values.items()}
                values.update(raw.extra)
                rejected.append(RejectedRow(fd.rel, fd.unit, key, cs.sheet.sheet_name, raw.row, values, reasons))
        n_rej += len(rejected_idx)
        n_acc += n - len(rejected_idx)
        if n - len(rejected_idx) > 0:
            accepted[key] = accepted_columns(fd, cs, rejected_idx, notes)
    issues.extend(cs_issue for cs in checked.values() for cs_issue in cs.issues)
    issues.sort(key=_issue_order(fd))
    status = FILE_ERRORS if any(i.severity == ERROR for i in issues) else (FILE_HINTS if issues else FILE_OK)
    report = file_report(fd, status, issues)
    report.rows_read = data_rows(fd)
    report.rows_accepted = n_acc
    report.rows_rejected = n_rej
    return report, rejected, accepted


def file_report(fd: FileData, status: FileStatus, issues: list[Issue]) -> FileReport:
    """The report of ``fd`` with its status, issues and skipped rows (row counts left at 0)."""
    skipped = [s for sheet in fd.sheets for s in sheet.skipped]
    return FileReport(
        path=str(Path(fd.path).resolve()) if fd.path else "",
        rel=fd.rel,
        unit=fd.unit,
        unit_code=fd.unit_code,
        template=fd.template_id,
        template_name=_template_name(fd.template_id),
        status=status,
        rows_skipped=len(skipped),
        issues=issues,
        skipped_rows=skipped,
    )


def data_rows(fd: FileData) -> int:
    """The data rows the reader found in ``fd`` (skipped rows not included)."""
    return sum(len(s.rows) for s in fd.sheets)


def _template_name(template_id: str | None) -> str:
    if not template_id:
        return ""
    try:
        return template_by_id(template_id).name
    except KeyError:
        return template_id


def _issue_order(fd: FileData) -> Callable[[Issue], tuple]:
    order = {s.sheet_key: i for i, s in enumerate(fd.sheets)}

    def key(issue: Issue) -> tuple:
        return (
            issue.sheet_key is not None,
            order.get(issue.sheet_key, -1),
            issue.row if issue.row is not None else -1,
            len(issue.column),
            issue.column,
        )

    return key
