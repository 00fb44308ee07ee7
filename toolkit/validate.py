"""The validator: read files → checked rows, file reports and accepted-row tables.

Every check is derived from the schema (``toolkit.schema``): per cell (required,
required-when, kind, list, bounds, pattern, in-period, not-future), per row (each
``RowRule``: order / implies / forbid), per file (unique columns, references to
another sheet, counts that should match another sheet's rows) and across files
(the same unit sending the same template twice: the newer file wins).

Severity comes from the error catalog (``toolkit.errors``): a 错误 rejects the row,
a 提示 keeps it and travels with it in the ``_notes`` column.

Accounting, per file and in total::

    rows_read = rows_accepted + rows_rejected + rows_superseded

Skipped rows (合计行, 表尾说明行) are listed separately and are not in rows_read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import column_letter, make_issue, short_message
from .model import (
    ERROR,
    HINT,
    META_COLUMNS,
    META_FILE,
    META_NOTES,
    META_ROW,
    META_UNIT,
    META_UNIT_CODE,
    UNKNOWN_UNIT,
    FileData,
    FileReport,
    Issue,
    Period,
    RawRow,
    RejectedRow,
    SheetData,
    Unit,
    ValidationResult,
)
from .normalize import (
    NormalizeError,
    is_blank,
    normalize_choice,
    normalize_date,
    normalize_int,
    normalize_number,
    normalize_percent,
    normalize_phone,
    normalize_text,
)
from .schema import SHEETS, Column, RowRule, SheetSchema, TemplateSchema, When, template_by_id

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["validate_files", "validate_folder", "result_to_json", "empty_table"]

STATUS_OK = "通过"
STATUS_HINTS = "有提示"
STATUS_ERRORS = "有错误"
STATUS_UNREADABLE = "无法读取"
STATUS_SUPERSEDED = "已被替代"

# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def validate_folder(
    folder: Path,
    *,
    period: Period | None = None,
    as_of: date | None = None,
    units: Iterable[Unit] = (),
    progress: Callable[[int, int, str], None] | None = None,
) -> ValidationResult:
    """Find, read and validate every submission under ``folder``."""
    from .read import find_files, iter_read_files

    folder = Path(folder)
    units = list(units)
    paths, ignored = find_files(folder)
    files: list[FileData] = []
    for i, fd in enumerate(iter_read_files(paths, folder, units=units, period=period)):
        files.append(fd)
        if progress is not None:
            progress(i + 1, len(paths), fd.rel)
    result = validate_files(files, root=folder, period=period, as_of=as_of or date.today(), units=units)
    result.ignored = list(ignored)
    return result


def validate_files(
    files: list[FileData],
    *,
    root: Path,
    period: Period | None,
    as_of: date,
    units: list[Unit],
) -> ValidationResult:
    """Validate what the reader found; decide which rows are accepted."""
    files = list(files)
    newer = _superseded(files)
    ctx = _Context(period, as_of)
    reports: list[FileReport] = []
    rejected: list[RejectedRow] = []
    accepted: dict[str, list[dict[str, Any]]] = {key: [] for key in SHEETS}
    for index, fd in enumerate(files):
        if not fd.readable or fd.template_id is None:
            reports.append(_report(fd, STATUS_UNREADABLE, list(fd.issues)))
        elif index in newer:
            reports.append(_superseded_report(fd, files[newer[index]]))
        else:
            report, rej, acc = _validate_file(fd, ctx)
            reports.append(report)
            rejected.extend(rej)
            for key, rows in acc.items():
                accepted.setdefault(key, []).extend(rows)
    tables = {key: _frame(SHEETS[key], rows) for key, rows in accepted.items()}
    return ValidationResult(
        root=Path(root),
        period=period,
        as_of=as_of,
        units=list(units),
        files=reports,
        ignored=[],
        tables=tables,
        rejected=rejected,
    )


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


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


class _Context:
    def __init__(self, period: Period | None, as_of: date):
        self.period = period
        self.as_of = as_of
        self.default_year = period.start.year if period is not None else as_of.year
        self.cache: dict[int, dict[Any, Any]] = {}  # id(Column) -> raw value -> normalization outcome


def _template_name(template_id: str | None) -> str:
    if not template_id:
        return ""
    try:
        return template_by_id(template_id).name
    except KeyError:
        return template_id


def _data_rows(fd: FileData) -> int:
    return sum(len(s.rows) for s in fd.sheets)


def _report(fd: FileData, status: str, issues: list[Issue]) -> FileReport:
    skipped = [s for sheet in fd.sheets for s in sheet.skipped]
    return FileReport(
        path=str(Path(fd.path).resolve()) if fd.path else "",
        rel=fd.rel,
        unit=fd.unit,
        unit_code=fd.unit_code,
        template=fd.template_id,
        template_name=_template_name(fd.template_id),
        status=status,  # type: ignore[arg-type]
        rows_skipped=len(skipped),
        issues=issues,
        skipped_rows=skipped,
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
        winner = max(members, key=lambda i: (files[i].modified, i))
        for i in members:
            if i != winner:
                out[i] = winner
    return out


def _superseded_report(fd: FileData, newer: FileData) -> FileReport:
    rows = _data_rows(fd)
    issue = make_issue("superseded", file=fd.rel, unit=fd.unit, newer=newer.rel, rows=rows)
    report = _report(fd, STATUS_SUPERSEDED, [issue])
    report.rows_read = rows
    report.rows_superseded = rows
    report.superseded_by = newer.rel
    return report


def _validate_file(fd: FileData, ctx: _Context) -> tuple[FileReport, list[RejectedRow], dict[str, list[dict]]]:
    template = template_by_id(fd.template_id or "")
    issues: list[Issue] = list(fd.issues)
    # Reader issues tied to a data row (formula without value) reject that row.
    row_issues: dict[tuple[str, int], list[Issue]] = {}
    sheet_errors: dict[str, list[Issue]] = {}
    for issue in fd.issues:
        if issue.code == "column-missing" and issue.sheet_key:
            sheet_errors.setdefault(issue.sheet_key, []).append(issue)
        elif issue.row is not None and issue.sheet_key and issue.code == "formula-no-value":
            row_issues.setdefault((issue.sheet_key, issue.row), []).append(issue)

    unknown_cells = {(i.sheet_key, i.row, i.column_key) for issues_ in row_issues.values() for i in issues_}
    checked: dict[str, _CheckedSheet] = {}
    for sheet in fd.sheets:
        checked[sheet.sheet_key] = _check_sheet(fd, sheet, SHEETS[sheet.sheet_key], ctx, unknown_cells)
    _file_checks(fd, template, checked)
    for key, cs in checked.items():
        for rc in cs.rows:
            rc.issues = row_issues.get((key, rc.raw.row), []) + rc.issues

    rejected: list[RejectedRow] = []
    accepted: dict[str, list[dict]] = {}
    n_acc = n_rej = 0
    for key, cs in checked.items():
        schema = SHEETS[key]
        sheet_level = sheet_errors.get(key, [])
        for rc in cs.rows:
            issues.extend(i for i in rc.issues if i.code != "formula-no-value")
            errors = [i for i in rc.issues if i.severity == ERROR]
            if errors or sheet_level:
                n_rej += 1
                reasons = [short_message(i) for i in sheet_level] + [short_message(i) for i in errors]
                values = {schema.column(k).header: v for k, v in rc.raw.values.items()}
                values.update(rc.raw.extra)
                rejected.append(RejectedRow(fd.rel, fd.unit, key, cs.sheet.sheet_name, rc.raw.row, values, reasons))
            else:
                n_acc += 1
                record = dict(rc.values)
                if schema.allow_extra_columns:
                    record.update(rc.raw.extra)
                record[META_UNIT] = fd.unit
                record[META_UNIT_CODE] = fd.unit_code
                record[META_FILE] = fd.rel
                record[META_ROW] = rc.raw.row
                record[META_NOTES] = "；".join(short_message(i) for i in rc.issues if i.severity == HINT)
                accepted.setdefault(key, []).append(record)
    issues.extend(cs_issue for cs in checked.values() for cs_issue in cs.issues)
    issues.sort(key=_issue_order(fd))
    status = STATUS_ERRORS if any(i.severity == ERROR for i in issues) else (
        STATUS_HINTS if issues else STATUS_OK)
    report = _report(fd, status, issues)
    report.rows_read = _data_rows(fd)
    report.rows_accepted = n_acc
    report.rows_rejected = n_rej
    return report, rejected, accepted


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


# ---------------------------------------------------------------------------
# Sheets and rows
# ---------------------------------------------------------------------------


class _RowCheck:
    __slots__ = ("raw", "values", "issues", "bad", "suffixes")

    def __init__(self, raw: RawRow):
        self.raw = raw
        self.suffixes: dict[str, str] = {}  # column key -> unit typed after the number
        self.values: dict[str, Any] = {}
        self.issues: list[Issue] = []
        self.bad: set[str] = set()  # columns whose value could not be normalized


class _CheckedSheet:
    def __init__(self, sheet: SheetData, schema: SheetSchema):
        self.sheet = sheet
        self.schema = schema
        self.rows: list[_RowCheck] = []
        self.issues: list[Issue] = []  # sheet-level (count mismatch)
        self.letters = {k: column_letter(i) for k, i in sheet.columns.items()}


class _Where:
    """Builds issues for cells of one sheet of one file."""

    def __init__(self, fd: FileData, cs: _CheckedSheet):
        self.file = fd.rel
        self.sheet = cs.sheet.sheet_name
        self.key = cs.schema.key
        self.schema = cs.schema
        self.letters = cs.letters

    def issue(self, code: str, row: int | None, col: Column | None, value: object = "", **slots: Any) -> Issue:
        return make_issue(
            code,
            file=self.file,
            sheet=self.sheet,
            sheet_key=self.key,
            row=row,
            column=self.letters.get(col.key, "") if col else "",
            column_key=col.key if col else None,
            header=col.header if col else "",
            value=value,
            **slots,
        )


def _check_sheet(fd: FileData, sheet: SheetData, schema: SheetSchema, ctx: _Context,
                 unknown_cells: set[tuple[str | None, int | None, str | None]] = frozenset()) -> _CheckedSheet:  # type: ignore[assignment]
    cs = _CheckedSheet(sheet, schema)
    where = _Where(fd, cs)
    present = set(sheet.columns)
    cols = [c for c in schema.columns if c.key in present]
    plan = [(c, ctx.cache.setdefault(id(c), {})) for c in cols]
    for raw in sheet.rows:
        rc = _RowCheck(raw)
        values = rc.values
        for col in schema.columns:
            values[col.key] = None
        raw_values = raw.values
        for col, cache in plan:
            if unknown_cells and (schema.key, raw.row, col.key) in unknown_cells:
                rc.bad.add(col.key)  # a formula without value: already reported by the reader
                continue
            _check_cell(rc, col, raw_values.get(col.key), where, ctx, cache)
        # A unit typed after a number fills the unit column when it is empty.
        for key, suffix in rc.suffixes.items():
            unit_column = schema.column(key).unit_column
            if unit_column and values.get(unit_column) is None:
                values[unit_column] = suffix
        for col in schema.columns:
            if col.required_when is not None and values[col.key] is None and col.key not in rc.bad:
                if col.key not in present and not _holds(col.required_when, values):
                    continue
                if _holds(col.required_when, values):
                    rc.issues.append(where.issue("missing-conditional", raw.row, col, "",
                                                 condition=col.required_when.describe(schema),
                                                 rule=col.rule_text() or col.help or "相应内容"))
        for rule in schema.rules:
            _check_rule(rc, rule, where)
        cs.rows.append(rc)
    return cs


def _holds(when: When, values: dict[str, Any]) -> bool:
    v = values.get(when.column)
    if v is None:
        return False
    if not when.values:
        return True
    return v in when.values


def _show(col: Column, value: Any) -> str:
    if value is None:
        return "（空）"
    if col.kind == "percent" and isinstance(value, (int, float)):
        return f"{value:g}%"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_BLANK = object()


def _normalize(col: Column, value: Any, ctx: _Context) -> tuple[Any, str | None, str | None, dict[str, Any]]:
    """(normalized value or _BLANK, unit suffix, hint code, hint slots); raises NormalizeError."""
    if isinstance(value, str) and is_blank(value):
        return _BLANK, None, None, {}
    kind = col.kind
    if kind == "text" or kind == "longtext":
        norm = normalize_text(value, long=kind == "longtext")
        if norm is None:
            return _BLANK, None, None, {}
        if col.pattern and not _compiled(col.pattern).fullmatch(norm):
            raise NormalizeError("bad-pattern", col.pattern_hint or "请按规定格式填写")
        return norm, None, None, {}
    if kind == "choice":
        return normalize_choice(value, col.choices, col.choice_aliases), None, None, {}
    if kind == "int":
        return normalize_int(value, units=col.units), None, None, {}
    if kind == "date":
        return normalize_date(value, default_year=ctx.default_year), None, None, {}
    if kind == "percent":
        return normalize_percent(value), None, None, {}
    if kind == "number":
        norm, suffix = normalize_number(value, units=col.units, any_suffix=col.unit_column is not None)
        if suffix == "万元" and isinstance(value, str) and not _ends_with_wan(value):
            return norm, suffix, "unit-converted", {"converted": f"{norm:g}"}
        return norm, suffix, None, {}
    if kind == "phone":
        try:
            return normalize_phone(value, col.pattern), None, None, {}
        except NormalizeError as exc:
            if exc.code != "phone-lost-zero":
                raise
            fixed = str(exc.slots.get("fixed", ""))
            return fixed, None, "phone-lost-zero", {"fixed": fixed}
    return value, None, None, {}  # pragma: no cover - schema kinds are closed


def _compiled(pattern: str):
    import re

    rx = _PATTERNS.get(pattern)
    if rx is None:
        rx = _PATTERNS[pattern] = re.compile(pattern)
    return rx


_PATTERNS: dict[str, Any] = {}


def _check_cell(rc: _RowCheck, col: Column, value: Any, where: _Where, ctx: _Context,
                cache: dict[Any, Any]) -> None:
    """Normalize and check one cell; store the value in ``rc.values`` or add issues.

    ``cache`` (per column) maps a raw value to its normalization outcome: the same
    spellings repeat thousands of times in a collection.
    """
    row = rc.raw.row
    if value is None:
        if col.required:
            rc.issues.append(where.issue("missing-value", row, col, "", rule=col.rule_text() or col.help or "相应内容"))
        return
    ckey = (value.__class__, value)
    try:
        hit = cache.get(ckey)
    except TypeError:  # unhashable: never from the reader, but be safe
        hit, ckey = None, None
    if hit is None:
        try:
            hit = _normalize(col, value, ctx)
        except NormalizeError as exc:
            hit = exc
        if ckey is not None and len(cache) < 100_000:
            cache[ckey] = hit
    if isinstance(hit, NormalizeError):
        rc.bad.add(col.key)
        slots = dict(hit.slots)
        if hit.code == "not-in-list":
            s = slots.get("suggestion")
            slots["suggestion"] = f"（是否应为“{s}”？）" if s else ""
        if hit.code == "bad-number":
            slots.setdefault("unit_header", _unit_header(where.schema, col))
        rc.issues.append(where.issue(hit.code, row, col, value, hint=hit.hint, **slots))
        return
    norm, suffix, hint_code, hint_slots = hit
    if norm is _BLANK:
        if col.required:
            rc.issues.append(where.issue("missing-value", row, col, "", rule=col.rule_text() or col.help or "相应内容"))
        return
    if suffix:
        rc.suffixes[col.key] = suffix
    if hint_code:
        rc.issues.append(where.issue(hint_code, row, col, value, **hint_slots))
    kind = col.kind
    if kind == "int" or kind == "number" or kind == "percent":
        if col.minimum is not None and norm < col.minimum:
            rc.bad.add(col.key)
            rc.issues.append(where.issue("too-small", row, col, value, limit=_show(col, col.minimum)))
            return
        if col.maximum is not None and norm > col.maximum:
            rc.bad.add(col.key)
            rc.issues.append(where.issue("too-large", row, col, value, limit=_show(col, col.maximum)))
            return
    elif kind == "date":
        if col.in_period and ctx.period is not None and not (ctx.period.start <= norm <= ctx.period.end):
            rc.bad.add(col.key)
            rc.issues.append(where.issue("outside-period", row, col, norm.isoformat(),
                                         start=ctx.period.start.isoformat(), end=ctx.period.end.isoformat()))
            return
        if col.not_future and norm > ctx.as_of:
            rc.bad.add(col.key)
            rc.issues.append(where.issue("future-date", row, col, norm.isoformat(), today=ctx.as_of.isoformat()))
            return
    rc.values[col.key] = norm


def _ends_with_wan(text: str) -> bool:
    import unicodedata

    s = "".join(unicodedata.normalize("NFKC", text).split())
    return s.endswith("万元") or s.endswith("万")


def _unit_header(schema: SheetSchema, col: Column) -> str:
    if col.unit_column:
        try:
            return schema.column(col.unit_column).header
        except KeyError:
            pass
    return "备注"


def _rule_location(schema: SheetSchema, rule: RowRule) -> Column:
    left, right = schema.column(rule.left or ""), schema.column(rule.right or "")
    if right.required and not left.required:
        return left
    return right


def _check_rule(rc: _RowCheck, rule: RowRule, where: _Where) -> None:
    schema = where.schema
    values = rc.values
    if rule.kind == "order":
        a, b = values.get(rule.left or ""), values.get(rule.right or "")
        if a is None or b is None:
            return
        if a > b:
            lc, rcol = schema.column(rule.left or ""), schema.column(rule.right or "")
            at = _rule_location(schema, rule)
            rc.issues.append(where.issue(
                "order-violated", rc.raw.row, at, _show(at, values[at.key]), rule=rule.message,
                left_header=lc.header, left_value=_show(lc, a), right_header=rcol.header, right_value=_show(rcol, b)))
        return
    if rule.when is None or rule.column is None:
        return
    if not _holds(rule.when, values):
        return
    col = schema.column(rule.column)
    when_col = schema.column(rule.when.column)
    v = values.get(rule.column)
    if v is None:
        return
    if rule.kind == "implies" and v != rule.equals:
        rc.issues.append(where.issue("implies-violated", rc.raw.row, col, _show(col, v), rule=rule.message,
                                     when_header=when_col.header, when_value=_show(when_col, values[when_col.key])))
    elif rule.kind == "forbid" and v == rule.equals:
        rc.issues.append(where.issue("forbid-violated", rc.raw.row, col, _show(col, v), rule=rule.message,
                                     when_header=when_col.header, when_value=_show(when_col, values[when_col.key])))


# ---------------------------------------------------------------------------
# File-level checks: unique, references, counts
# ---------------------------------------------------------------------------


def _file_checks(fd: FileData, template: TemplateSchema, checked: dict[str, _CheckedSheet]) -> None:
    for key, cs in checked.items():
        where = _Where(fd, cs)
        schema = cs.schema
        for col in schema.columns:
            if col.unique and col.key in cs.sheet.columns:
                first: dict[Any, int] = {}
                for rc in cs.rows:
                    v = rc.values.get(col.key)
                    if v is None:
                        continue
                    if v in first:
                        rc.issues.append(where.issue("duplicate-value", rc.raw.row, col, _show(col, v),
                                                     first_row=first[v]))
                    else:
                        first[v] = rc.raw.row
            if col.references and col.key in cs.sheet.columns:
                target_key, target_col_key = col.references
                target_schema = SHEETS[target_key]
                target_col = target_schema.column(target_col_key)
                target = checked.get(target_key)
                known = {rc.values.get(target_col_key) for rc in target.rows} if target else set()
                for rc in cs.rows:
                    v = rc.values.get(col.key)
                    if v is not None and v not in known:
                        rc.issues.append(where.issue("bad-reference", rc.raw.row, col, _show(col, v),
                                                     target_sheet=target_schema.name,
                                                     target_header=target_col.header))
    _count_checks(fd, checked)


def _count_checks(fd: FileData, checked: dict[str, _CheckedSheet]) -> None:
    """A count column of sheet T (its help names sheet S) should equal the number of
    S rows that reference T under the reference column's condition."""
    for key, cs in checked.items():
        for col in cs.schema.columns:
            if not col.references or col.required_when is None:
                continue
            target = checked.get(col.references[0])
            if target is None:
                continue
            cond = col.required_when
            rows = sum(1 for rc in cs.rows if _holds(cond, rc.values))
            for count_col in target.schema.columns:
                if count_col.kind != "int" or f"“{cs.schema.name}”" not in count_col.help:
                    continue
                if count_col.key not in target.sheet.columns:
                    continue
                total = sum(rc.values.get(count_col.key) or 0 for rc in target.rows)
                if total != rows:
                    where = _Where(fd, target)
                    target.issues.append(where.issue(
                        "count-mismatch", None, count_col, str(total), total=total, rows=rows,
                        other_sheet=cs.sheet.sheet_name, condition=cond.describe(cs.schema).removesuffix("时")))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def empty_table(key: str) -> "pd.DataFrame":
    return _frame(SHEETS[key], [])


def _frame(schema: SheetSchema, records: list[dict[str, Any]]) -> "pd.DataFrame":
    import pandas as pd

    data: dict[str, Any] = {}
    for col in schema.columns:
        values = [r.get(col.key) for r in records]
        if col.kind == "int":
            data[col.key] = pd.array(values, dtype="Int64")
        elif col.kind in ("number", "percent"):
            data[col.key] = pd.array(values, dtype="Float64")
        elif col.kind == "date":
            data[col.key] = pd.Series(
                [pd.Timestamp(v) if v is not None else pd.NaT for v in values], dtype="datetime64[ns]")
        else:
            data[col.key] = pd.Series(values, dtype=object)
    if schema.allow_extra_columns:
        extra_keys: list[str] = []
        known = set(schema.keys) | set(META_COLUMNS)
        for r in records:
            for k in r:
                if k not in known and k not in extra_keys:
                    extra_keys.append(k)
        for k in extra_keys:
            data[k] = pd.Series([r.get(k) for r in records], dtype=object)
    data[META_UNIT] = pd.Series([r[META_UNIT] for r in records], dtype=object)
    data[META_UNIT_CODE] = pd.Series([r[META_UNIT_CODE] for r in records], dtype=object)
    data[META_FILE] = pd.Series([r[META_FILE] for r in records], dtype=object)
    data[META_ROW] = pd.Series([r[META_ROW] for r in records], dtype="int64")
    data[META_NOTES] = pd.Series([r[META_NOTES] for r in records], dtype=object)
    return pd.DataFrame({k: (v.reset_index(drop=True) if hasattr(v, "reset_index") else v) for k, v in data.items()})
