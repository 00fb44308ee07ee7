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

from collections.abc import Callable
from datetime import date, datetime
from itertools import compress, repeat
from operator import and_, is_, is_not, itemgetter
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
    RawRows,
    RejectedRow,
    SheetData,
    Unit,
    ValidationResult,
)
from .normalize import (
    NormalizeError,
    is_blank,
    is_empty_mark,
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

__all__ = ["validate_files", "result_to_json", "empty_table"]

STATUS_OK = "通过"
STATUS_HINTS = "有提示"
STATUS_ERRORS = "有错误"
STATUS_UNREADABLE = "无法读取"
STATUS_SUPERSEDED = "已被替代"

# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


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
    accepted: dict[str, list[dict[str, list]]] = {key: [] for key in SHEETS}  # per file: columns
    for index, fd in enumerate(files):
        if not fd.readable or fd.template_id is None:
            reports.append(_report(fd, STATUS_UNREADABLE, list(fd.issues)))
        elif index in newer:
            reports.append(_superseded_report(fd, files[newer[index]]))
        else:
            report, rej, acc = _validate_file(fd, ctx)
            reports.append(report)
            rejected.extend(rej)
            for key, columns in acc.items():
                accepted.setdefault(key, []).append(columns)
    tables = {key: _frame_from_columns(SHEETS[key], accepted.pop(key)) for key in list(accepted)}
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
        self.outcomes: dict[int, dict[type, dict[Any, Any]]] = {}  # id(Column) -> class -> value -> outcome
        self.clean: dict[int, dict[type, dict[Any, Any]]] = {}  # the same, normalized value of clean outcomes


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
        # saved time first (core properties, second resolution), then the file's mtime, then order
        winner = max(members, key=lambda i: (files[i].modified, files[i].mtime, i))
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


def _validate_file(fd: FileData, ctx: _Context) -> tuple[FileReport, list[RejectedRow], dict[str, dict[str, list]]]:
    """(report, rejected rows, accepted rows as columns per sheet key) of one file."""
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
            accepted[key] = _accepted_columns(fd, cs, rejected_idx, notes)
    issues.extend(cs_issue for cs in checked.values() for cs_issue in cs.issues)
    issues.sort(key=_issue_order(fd))
    status = STATUS_ERRORS if any(i.severity == ERROR for i in issues) else (
        STATUS_HINTS if issues else STATUS_OK)
    report = _report(fd, status, issues)
    report.rows_read = _data_rows(fd)
    report.rows_accepted = n_acc
    report.rows_rejected = n_rej
    return report, rejected, accepted


def _accepted_columns(fd: FileData, cs: "_CheckedSheet", rejected_idx: list[int], notes: list[str]) -> dict[str, list]:
    """The accepted rows of a checked sheet as columns: schema keys, extra columns (when
    the schema keeps them), then the META columns."""
    schema = cs.schema
    n = cs.n
    if rejected_idx:
        drop = set(rejected_idx)
        keep = [i for i in range(n) if i not in drop]

        def take(col: list) -> list:
            return [col[i] for i in keep]
    else:
        keep = None

        def take(col: list) -> list:
            return list(col)

    out: dict[str, list] = {k: take(v) for k, v in cs.values.items()}
    if schema.allow_extra_columns:
        extras = _raw_extra_columns(cs.sheet)
        if extras:
            known = set(schema.keys) | set(META_COLUMNS)
            extra_cols = {name: take(col) for name, col in extras.items()}
            firsts = []
            for pos, (name, col) in enumerate(extra_cols.items()):
                # a kept extra value overrides a schema value of the same name (as dict.update did)
                if name in schema.keys:
                    target = out[name]
                    for j, v in enumerate(col):
                        if v is not None:
                            target[j] = v
                    continue
                if name in known:
                    continue  # META columns are set below
                first = next((j for j, v in enumerate(col) if v is not None), None)
                if first is not None:
                    firsts.append((first, pos, name))
            # extra columns in order of first appearance (row by row, then left to right)
            for _first, _pos, name in sorted(firsts):
                out[_EXTRA_PREFIX + name] = extra_cols[name]
    m = n - len(rejected_idx)
    out[META_UNIT] = [fd.unit] * m
    out[META_UNIT_CODE] = [fd.unit_code] * m
    out[META_FILE] = [fd.rel] * m
    out[META_ROW] = take(cs.row_numbers)
    out[META_NOTES] = take(notes)
    return out


_EXTRA_PREFIX = "\x00extra:"  # marks an extra column in the accepted columns (never a header)


def _raw_extra_columns(sheet: SheetData) -> dict[str, list]:
    rows = sheet.rows
    if isinstance(rows, RawRows):
        return rows.extra
    names: list[str] = []
    for r in rows:
        for k in r.extra:
            if k not in names:
                names.append(k)
    return {k: [r.extra.get(k) for r in rows] for k in names}


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
# Sheets: checked column by column
# ---------------------------------------------------------------------------


class _CheckedSheet:
    """The normalized values of one sheet (one list per schema column, ``None`` when
    empty or not valid) and the issues of its rows (row index → issues, in the order
    they were found: cells left to right, conditions, row rules, file checks)."""

    def __init__(self, sheet: SheetData, schema: SheetSchema):
        self.sheet = sheet
        self.schema = schema
        rows = sheet.rows
        if isinstance(rows, RawRows):
            self.row_numbers: list[int] = rows.row_numbers
            raw = rows.values
            self.raw: dict[str, list[Any]] = {k: raw[k] if k in raw else [None] * len(rows) for k in sheet.columns}
        else:
            self.row_numbers = [r.row for r in rows]
            self.raw = {k: [r.values.get(k) for r in rows] for k in sheet.columns}
        self.n = len(self.row_numbers)
        self.values: dict[str, list[Any]] = {}
        self.bad: dict[str, set[int]] = {}  # column key -> rows whose value could not be accepted
        self.row_issues: dict[int, list[Issue]] = {}
        self.issues: list[Issue] = []  # sheet-level (count mismatch)
        self.letters = {k: column_letter(i) for k, i in sheet.columns.items()}

    def add(self, i: int, issue: Issue) -> None:
        found = self.row_issues.get(i)
        if found is None:
            self.row_issues[i] = [issue]
        else:
            found.append(issue)

    def column(self, key: str) -> list[Any]:
        col = self.values.get(key)
        return col if col is not None else [None] * self.n


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


_RAW = object()  # in a cached issue: "the value as found in this cell"
# Outcomes (_outcome) of an empty cell and of a formula cell without value.
_EMPTY = (None, None, (), False, True)
_EMPTY_REQUIRED = (None, None, (), False, False)
_UNKNOWN = (None, None, (), True, False)


_VALUE, _CLEAN = itemgetter(0), itemgetter(4)


_MISS = object()


def _cached_outcome(col: Column, value: Any, ctx: "_Context", schema: SheetSchema, caches: dict) -> "Outcome":
    """:func:`_outcome`, remembered per value class and value (``1`` and ``1.0`` apart);
    the values of clean outcomes are also remembered in ``ctx.clean`` (the fast path)."""
    hit = _outcome(col, value, ctx, schema)
    cache = caches.get(type(value))
    try:
        if cache is not None and len(cache) < 100_000:
            cache[value] = hit
            if hit[4]:
                ctx.clean[id(col)][type(value)][value] = hit[0]
    except (TypeError, KeyError):  # unhashable
        pass
    return hit


def _check_sheet(fd: FileData, sheet: SheetData, schema: SheetSchema, ctx: _Context,
                 unknown_cells: set[tuple[str | None, int | None, str | None]] = frozenset()) -> _CheckedSheet:  # type: ignore[assignment]
    cs = _CheckedSheet(sheet, schema)
    where = _Where(fd, cs)
    n = cs.n
    numbers = cs.row_numbers
    present = set(sheet.columns)
    for col in schema.columns:
        cs.values[col.key] = [None] * n
    suffixes: list[tuple[str, dict[int, str]]] = []  # (column key, row index -> unit typed after the number)

    # Cells, column by column (each row's issues stay in column order).
    for col in schema.columns:
        if col.key not in present:
            continue
        unknown = {row for (sk, row, ck) in unknown_cells if sk == schema.key and ck == col.key} if unknown_cells else ()
        bad = cs.bad.setdefault(col.key, set())
        col_suffixes: dict[int, str] = {}
        empty = _EMPTY_REQUIRED if col.required else _EMPTY
        caches = ctx.outcomes.get(id(col))  # value class -> value -> outcome (None -> empty cell)
        if caches is None:
            caches = ctx.outcomes[id(col)] = {}
        cleans = ctx.clean.get(id(col))  # value class -> value -> normalized value, for clean outcomes only
        if cleans is None:
            cleans = ctx.clean[id(col)] = {}
        raw = cs.raw[col.key]
        classes = set(map(type, raw))
        classes.discard(type(None))
        for c in classes:
            if c not in caches:
                caches[c] = {None: empty}
                cleans[c] = {} if col.required else {None: None}
        if not unknown and len(classes) == 1:  # the usual case: every value seen before and clean?
            try:
                vals = list(map(cleans[next(iter(classes))].get, raw, repeat(_MISS, n)))
            except TypeError:  # unhashable: never from the reader
                vals = [_MISS]
            if _MISS not in vals:
                cs.values[col.key] = vals
                continue
        elif not classes and not col.required and not unknown:
            continue  # an empty column
        try:
            if len(classes) == 1:  # the usual case: one C-level pass
                hits = list(map(caches[classes.pop()].get, raw))
            elif not classes:
                hits = [empty] * n
            else:
                hits = [empty if v is None else caches[type(v)].get(v) for v in raw]
        except TypeError:  # an unhashable value: never from the reader, but be safe
            hits = [empty if v is None else None for v in raw]
        if None in hits:  # values not seen before in this column
            for i, hit in enumerate(hits):
                if hit is None:
                    hits[i] = _cached_outcome(col, raw[i], ctx, schema, caches)
        if unknown:
            for i, row in enumerate(numbers):
                if row in unknown:
                    hits[i] = _UNKNOWN  # a formula without value: already reported by the reader
        cs.values[col.key] = list(map(_VALUE, hits))
        if False not in map(_CLEAN, hits):
            continue  # every cell accepted as is, no issue, no unit suffix
        rule_slots = None
        for i, hit in enumerate(hits):
            if hit[4]:
                continue
            if hit is _UNKNOWN:
                bad.add(i)
                continue
            if hit is _EMPTY_REQUIRED:
                if rule_slots is None:
                    rule_slots = {"rule": col.rule_text() or col.help or "相应内容"}
                cs.add(i, where.issue("missing-value", numbers[i], col, "", **rule_slots))
                continue
            _norm, suffix, found, is_bad, _clean = hit
            if suffix:
                col_suffixes[i] = suffix
            for code, shown, slots in found:
                cs.add(i, where.issue(code, numbers[i], col, raw[i] if shown is _RAW else shown, **slots))
            if is_bad:
                bad.add(i)
        if col_suffixes:
            suffixes.append((col.key, col_suffixes))

    # A unit typed after a number fills the unit column when it is empty.
    for key, rows in suffixes:  # columns left to right: the first unit typed wins, as row by row
        unit_column = schema.column(key).unit_column
        if not unit_column:
            continue
        target = cs.values.get(unit_column)
        if target is None:
            target = cs.values[unit_column] = [None] * n
        for i, suffix in rows.items():
            if target[i] is None:
                target[i] = suffix

    # Conditionally required columns.
    for col in schema.columns:
        if col.required_when is None:
            continue
        when = col.required_when
        mine = cs.values[col.key]
        cond = cs.column(when.column)
        bad = cs.bad.get(col.key, ())
        for i in _rows_where(mine, cond, when):
            if i not in bad:
                cs.add(i, where.issue("missing-conditional", numbers[i], col, "",
                                      condition=when.describe(schema),
                                      rule=col.rule_text() or col.help or "相应内容"))

    for rule in schema.rules:
        _check_rule(cs, rule, where)
    return cs


def _holds(when: When, values: dict[str, Any]) -> bool:
    v = values.get(when.column)
    if v is None:
        return False
    if not when.values:
        return True
    return v in when.values


def _rows_where(mine: list[Any], cond: list[Any], when: When) -> list[int]:
    """Rows (ascending) where ``mine`` is empty and the condition ``when`` holds on ``cond``."""
    n = len(mine)
    if None not in mine:
        return []
    accepted = when.values
    try:
        if accepted:
            inside = frozenset(a for a in accepted if a is not None)
            holds = map(inside.__contains__, cond)
        else:
            holds = map(is_not, cond, repeat(None, n))
        flags = list(map(and_, map(is_, mine, repeat(None, n)), holds))
    except TypeError:  # unhashable: never after normalization
        return [i for i in range(n) if mine[i] is None and _holds_value(when, cond[i])]
    return list(compress(range(n), flags)) if True in flags else []


def _holds_value(when: When, v: Any) -> bool:
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
    if (kind == "int" or kind == "number" or kind == "percent") and is_empty_mark(value):
        return _BLANK, None, None, {}  # "/", "无", "—": nothing (still missing when required)
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

Outcome = tuple  # (value or None, unit suffix or None, ((code, shown value or _RAW, slots), ...), rejected?, clean?)


def _outcome(col: Column, value: Any, ctx: _Context, schema: SheetSchema) -> Outcome:
    """Normalize and check one (non-empty) cell value of ``col``: what it becomes and the
    issues it raises. Depends only on the column, the value and the run (period, as_of),
    so it is cached per column: the same spellings repeat thousands of times."""
    try:
        norm, suffix, hint_code, hint_slots = _normalize(col, value, ctx)
    except NormalizeError as exc:
        slots = dict(exc.slots)
        if exc.code == "not-in-list":
            s = slots.get("suggestion")
            slots["suggestion"] = f"（是否应为“{s}”？）" if s else ""
        if exc.code == "bad-number":
            slots.setdefault("unit_header", _unit_header(schema, col))
        return None, None, ((exc.code, _RAW, {"hint": exc.hint, **slots}),), True, False
    if norm is _BLANK:
        if col.required:
            return None, None, (("missing-value", "", {"rule": col.rule_text() or col.help or "相应内容"}),), False, False
        return _EMPTY
    if norm.__class__ is str and value.__class__ is str and norm == value:
        norm = value  # unchanged text: share the object read (memory at a million rows)
    found: list[tuple[str, Any, dict[str, Any]]] = []
    if hint_code:
        found.append((hint_code, _RAW, hint_slots))
    kind = col.kind
    if kind == "int" or kind == "number" or kind == "percent":
        if col.minimum is not None and norm < col.minimum:
            found.append(("too-small", _RAW, {"limit": _show(col, col.minimum)}))
            return None, suffix, tuple(found), True, False
        if col.maximum is not None and norm > col.maximum:
            found.append(("too-large", _RAW, {"limit": _show(col, col.maximum)}))
            return None, suffix, tuple(found), True, False
    elif kind == "date":
        if col.in_period and ctx.period is not None and not (ctx.period.start <= norm <= ctx.period.end):
            found.append(("outside-period", norm.isoformat(),
                          {"start": ctx.period.start.isoformat(), "end": ctx.period.end.isoformat()}))
            return None, suffix, tuple(found), True, False
        if col.not_future and norm > ctx.as_of:
            found.append(("future-date", norm.isoformat(), {"today": ctx.as_of.isoformat()}))
            return None, suffix, tuple(found), True, False
    return norm, suffix, tuple(found), False, not suffix and not found


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


def _check_rule(cs: _CheckedSheet, rule: RowRule, where: _Where) -> None:
    """One row rule over every row of the sheet."""
    schema = where.schema
    numbers = cs.row_numbers
    if rule.kind == "order":
        left, right = cs.column(rule.left or ""), cs.column(rule.right or "")
        found = [i for i, a, b in zip(range(cs.n), left, right) if a is not None and b is not None and a > b]
        if found:
            lc, rcol = schema.column(rule.left or ""), schema.column(rule.right or "")
            at = _rule_location(schema, rule)
        for i in found:
            a, b = left[i], right[i]
            shown = _show(at, a if at.key == rule.left else b)
            cs.add(i, where.issue(
                "order-violated", numbers[i], at, shown, rule=rule.message,
                left_header=lc.header, left_value=_show(lc, a), right_header=rcol.header,
                right_value=_show(rcol, b)))
        return
    if rule.when is None or rule.column is None:
        return
    when = rule.when
    cond = cs.column(when.column)
    mine = cs.column(rule.column)
    col = when_col = None
    wv = when.values
    candidates = [i for i, c, v in zip(range(cs.n), cond, mine)
                  if c is not None and v is not None and (not wv or c in wv)]
    for i in candidates:
        v = mine[i]
        if rule.kind == "implies":
            hit = v != rule.equals
            code = "implies-violated"
        elif rule.kind == "forbid":
            hit = v == rule.equals
            code = "forbid-violated"
        else:
            return
        if hit:
            if col is None:
                col = schema.column(rule.column)
                when_col = schema.column(when.column)
            cs.add(i, where.issue(code, numbers[i], col, _show(col, v), rule=rule.message,
                                  when_header=when_col.header, when_value=_show(when_col, cond[i])))


# ---------------------------------------------------------------------------
# File-level checks: unique, references, counts
# ---------------------------------------------------------------------------


def _file_checks(fd: FileData, template: TemplateSchema, checked: dict[str, _CheckedSheet]) -> None:
    for key, cs in checked.items():
        where = _Where(fd, cs)
        schema = cs.schema
        numbers = cs.row_numbers
        for col in schema.columns:
            if col.unique and col.key in cs.sheet.columns and _has_duplicates(cs.column(col.key)):
                first: dict[Any, int] = {}
                for i, v in enumerate(cs.column(col.key)):
                    if v is None:
                        continue
                    if v in first:
                        cs.add(i, where.issue("duplicate-value", numbers[i], col, _show(col, v), first_row=first[v]))
                    else:
                        first[v] = numbers[i]
            if col.references and col.key in cs.sheet.columns:
                target_key, target_col_key = col.references
                target_schema = SHEETS[target_key]
                target_col = target_schema.column(target_col_key)
                target = checked.get(target_key)
                known = set(target.column(target_col_key)) if target else set()
                values = cs.column(col.key)
                try:
                    if not (set(values) - known - {None}):
                        continue  # every reference found
                except TypeError:  # unhashable: never after normalization
                    pass
                for i, v in enumerate(values):
                    if v is not None and v not in known:
                        cs.add(i, where.issue("bad-reference", numbers[i], col, _show(col, v),
                                              target_sheet=target_schema.name, target_header=target_col.header))
    _count_checks(fd, checked)


def _has_duplicates(values: list[Any]) -> bool:
    try:
        distinct = set(values)
    except TypeError:  # unhashable: never after normalization
        return True
    distinct.discard(None)
    return len(distinct) != len(values) - values.count(None)


def _count_checks(fd: FileData, checked: dict[str, _CheckedSheet]) -> None:
    """Column.tallies: a count column's total vs the matching row count of another sheet."""
    for target in checked.values():
        for count_col in target.schema.columns:
            tally = count_col.tallies
            if tally is None or count_col.key not in target.sheet.columns:
                continue
            other = checked.get(tally.sheet)
            if other is None or tally.when.column not in other.sheet.columns:
                continue
            cond = tally.when
            rows = sum(1 for v in other.column(cond.column) if _holds_value(cond, v))
            total = sum(v or 0 for v in target.column(count_col.key))
            if total != rows:
                where = _Where(fd, target)
                target.issues.append(where.issue(
                    "count-mismatch", None, count_col, str(total), total=total, rows=rows,
                    other_sheet=other.sheet.sheet_name, condition=cond.describe(other.schema).removesuffix("时")))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def empty_table(key: str) -> "pd.DataFrame":
    return _frame(SHEETS[key], [])


def _frame(schema: SheetSchema, records: list[dict[str, Any]]) -> "pd.DataFrame":
    """The accepted-rows table of ``records`` (one dict per row)."""
    chunk: dict[str, list] = {col.key: [r.get(col.key) for r in records] for col in schema.columns}
    if schema.allow_extra_columns:
        known = set(schema.keys) | set(META_COLUMNS)
        extra_keys: list[str] = []
        for r in records:
            for k in r:
                if k not in known and k not in extra_keys:
                    extra_keys.append(k)
        for k in extra_keys:
            chunk[_EXTRA_PREFIX + k] = [r.get(k) for r in records]
    for k in META_COLUMNS:
        chunk[k] = [r[k] for r in records]
    return _frame_from_columns(schema, [chunk])


def _frame_from_columns(schema: SheetSchema, chunks: list[dict[str, list]]) -> "pd.DataFrame":
    """The accepted-rows table: schema columns (typed), extra columns, META columns,
    from the accepted columns of each file (:func:`_accepted_columns`), in order."""
    import pandas as pd

    sizes = [len(c[META_ROW]) for c in chunks]

    def column(key: str) -> list:
        # each file's part is let go once copied (peak memory at a million rows)
        if len(chunks) == 1:
            col = chunks[0].pop(key, None)
            return col if col is not None else [None] * sizes[0]
        out: list = []
        for c, size in zip(chunks, sizes):
            col = c.pop(key, None)
            out.extend(col if col is not None else [None] * size)
        return out

    data: dict[str, Any] = {}
    for col in schema.columns:
        values = column(col.key)
        if col.kind == "int":
            data[col.key] = pd.array(values, dtype="Int64")
        elif col.kind in ("number", "percent"):
            data[col.key] = pd.array(values, dtype="Float64")
        elif col.kind == "date":
            data[col.key] = _datetime_series(values)
        else:
            data[col.key] = pd.Series(values, dtype=object)
    if schema.allow_extra_columns:
        extra_keys: list[str] = []
        for c in chunks:
            for k in c:
                if k.startswith(_EXTRA_PREFIX) and k not in extra_keys:
                    extra_keys.append(k)
        for k in extra_keys:
            data[k[len(_EXTRA_PREFIX):]] = pd.Series(column(k), dtype=object)
    data[META_UNIT] = pd.Series(column(META_UNIT), dtype=object)
    data[META_UNIT_CODE] = pd.Series(column(META_UNIT_CODE), dtype=object)
    data[META_FILE] = pd.Series(column(META_FILE), dtype=object)
    data[META_ROW] = pd.Series(column(META_ROW), dtype="int64")
    data[META_NOTES] = pd.Series(column(META_NOTES), dtype=object)
    return pd.DataFrame({k: (v.reset_index(drop=True) if hasattr(v, "reset_index") else v) for k, v in data.items()})


def _datetime_series(values: list) -> "pd.Series":
    """datetime64[ns] Series of dates (None → NaT); each distinct date converted once."""
    import numpy as np
    import pandas as pd

    nat = np.iinfo(np.int64).min
    try:
        ns = {v: nat if v is None else pd.Timestamp(v).as_unit("ns").value for v in dict.fromkeys(values)}
        arr = np.fromiter(map(ns.__getitem__, values), dtype=np.int64, count=len(values))
    except (TypeError, ValueError, OverflowError):  # not dates: let pandas decide, as before
        return pd.Series([pd.Timestamp(v) if v is not None else pd.NaT for v in values], dtype="datetime64[ns]")
    return pd.Series(arr.view("datetime64[ns]"))
