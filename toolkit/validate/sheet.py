"""The checked state of one sheet: its normalized columns, the issues of its rows, and
where an issue points (file, sheet, Excel column letter)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..errors import column_letter, make_issue
from ..model import FileData, Issue, SheetData
from ..schema import Column, SheetSchema


class CheckedSheet:
    """The normalized values of one sheet (one list per schema column, ``None`` when
    empty or not valid) and the issues of its rows (row index → issues, in the order
    they were found: cells left to right, conditions, row rules, file checks)."""

    def __init__(self, sheet: SheetData, schema: SheetSchema):
        self.sheet = sheet
        self.schema = schema
        rows = sheet.rows  # RawRows: the reader stores them column by column
        self.row_numbers: list[int] = rows.row_numbers
        raw = rows.values
        self.raw: dict[str, list[Any]] = {k: raw[k] if k in raw else [None] * len(rows) for k in sheet.columns}
        self.n = len(self.row_numbers)
        self.values: dict[str, list[Any]] = {}
        self.bad: dict[str, set[int]] = {}  # column key -> rows whose value could not be accepted
        self.row_issues: dict[int, list[Issue]] = {}
        self.issues: list[Issue] = []  # sheet-level (count mismatch, carried items missing)
        self.carried: set[int] = set()  # rows of items carried from an earlier period (their 编号 checked)
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


class Where:
    """Builds issues for cells of one sheet of one file."""

    def __init__(self, fd: FileData, cs: CheckedSheet):
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


def show(col: Column, value: Any) -> str:
    """A normalized value as a message quotes it."""
    if value is None:
        return "（空）"
    if col.kind == "percent" and isinstance(value, (int, float)):
        return f"{value:g}%"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
