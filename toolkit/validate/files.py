"""File-level checks, across the sheets of one file: unique columns, references to
another sheet, and counts that should match another sheet's rows (``Column.tallies``)."""

from __future__ import annotations

from typing import Any

from ..errors import make_issue
from ..model import FileData, Issue, Period
from ..schema import SHEETS
from .rows import holds
from .sheet import CheckedSheet, Where, show


def check_file(fd: FileData, checked: dict[str, CheckedSheet]) -> None:
    """Add the issues of unique columns and references, then of the counts."""
    for cs in checked.values():
        where = Where(fd, cs)
        schema = cs.schema
        numbers = cs.row_numbers
        for col in schema.columns:
            if col.unique and col.key in cs.sheet.columns and _has_duplicates(cs.column(col.key)):
                first: dict[Any, int] = {}
                for i, v in enumerate(cs.column(col.key)):
                    if v is None:
                        continue
                    if v in first:
                        cs.add(i, where.issue("duplicate-value", numbers[i], col, show(col, v), first_row=first[v]))
                    else:
                        first[v] = numbers[i]
            if col.references and col.key in cs.sheet.columns:
                target_key, target_col_key = col.references
                target_schema = SHEETS[target_key]
                target_col = target_schema.column(target_col_key)
                target = checked.get(target_key)
                known = set(target.column(target_col_key)) if target else set()
                values = cs.column(col.key)
                if col.only_new and cs.carried:  # a carried item points into an earlier period's 走访记录
                    values = [None if i in cs.carried else v for i, v in enumerate(values)]
                try:
                    if not (set(values) - known - {None}):
                        continue  # every reference found
                except TypeError:  # unhashable: never after normalization
                    pass
                for i, v in enumerate(values):
                    if v is not None and v not in known:
                        cs.add(i, where.issue("bad-reference", numbers[i], col, show(col, v),
                                              target_sheet=target_schema.name, target_header=target_col.header))
    _check_counts(fd, checked)


def other_period(fd: FileData, period: Period | None) -> list[Issue]:
    """One ``other-period`` issue when ``fd`` is the template of another period than ``period`` (said once per
    file: its dates outside the period are each that row's error besides)."""
    from ..config import ConfigError, parse_period

    if period is None or not fd.template_period:
        return []
    try:
        found = parse_period(fd.template_period, period.start.year)
    except ConfigError:  # a title naming no period the toolkit knows
        return []
    if found.code == period.code:
        return []
    return [make_issue("other-period", file=fd.rel, found=found.name, expected=period.name)]


def _has_duplicates(values: list[Any]) -> bool:
    try:
        distinct = set(values)
    except TypeError:  # unhashable: never after normalization
        return True
    distinct.discard(None)
    return len(distinct) != len(values) - values.count(None)


def _check_counts(fd: FileData, checked: dict[str, CheckedSheet]) -> None:
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
            # items carried from an earlier period were found then, not by this period's visits
            rows = sum(1 for i, v in enumerate(other.column(cond.column)) if holds(cond, v) and i not in other.carried)
            total = sum(v or 0 for v in target.column(count_col.key))
            if total != rows:
                where = Where(fd, target)
                target.issues.append(where.issue(
                    "count-mismatch", None, count_col, str(total), total=total, rows=rows,
                    other_sheet=other.sheet.sheet_name, condition=cond.describe(other.schema).removesuffix("时")))
