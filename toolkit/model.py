"""Plain data passed between the pipeline stages.

    templates ─▶ read ─▶ validate ─▶ merge ─▶ report
                 FileData  ValidationResult  MergeOutcome (figures dict)

Each stage takes the previous stage's objects and returns its own; no stage
calls back into an earlier one. Everything here is a dataclass of plain values
(pandas DataFrames only for accepted rows), so the CLI, the Excel buttons, the
JSON summaries and the tests all see the same things.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # pandas is imported lazily: the CLI must start fast
    import pandas as pd

Severity = Literal["错误", "提示"]
ERROR: Severity = "错误"  # the row (or file) is rejected
HINT: Severity = "提示"  # the row is kept; the note travels with it

# Meta columns added to every accepted-rows DataFrame, beside the schema keys.
META_UNIT = "_unit"  # 填报单位 (name as configured, or as found)
META_UNIT_CODE = "_unit_code"  # unit code from the workspace, "" when unknown
META_FILE = "_file"  # 来源文件, relative to the collection folder
META_ROW = "_row"  # Excel row number in the source file
META_NOTES = "_notes"  # 提示 messages for the row, joined by "；"
META_COLUMNS = (META_UNIT, META_UNIT_CODE, META_FILE, META_ROW, META_NOTES)

UNKNOWN_UNIT = "未识别"


@dataclass
class Issue:
    """One problem found in a submission; ``code`` is a key of the error catalog."""

    code: str
    severity: Severity
    message: str  # complete Chinese sentence: what, where, value found, how to fix
    file: str = ""  # path relative to the collection folder
    sheet: str = ""  # sheet name as found in the file
    sheet_key: str | None = None  # schema sheet key, when known
    row: int | None = None  # Excel row number in the source file
    column: str = ""  # Excel column letter in the source file
    column_key: str | None = None  # schema column key, when known
    header: str = ""  # Chinese header of the column
    value: str = ""  # the value found, as text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SkippedRow:
    row: int  # Excel row number
    reason: str  # e.g. "合计行", "空行"


@dataclass
class RawRow:
    row: int  # Excel row number in the source file
    values: dict[str, Any]  # schema column key -> cell value as read (str/int/float/datetime/bool/None)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown header -> value


class RawRows(Sequence):
    """The data rows of one sheet, stored column by column (compact at 1,000,000 rows).

    Behaves as a read-only sequence of :class:`RawRow` (built on access):
    ``row_numbers[i]`` is the Excel row number, ``values[key][i]`` the cell of schema
    column ``key`` (``None`` when blank; keys in source column order), ``extra[name][i]``
    the cell of an unknown column (``None`` when blank, left out of ``RawRow.extra``).
    A column is any sequence (a list, or an ``array("d")`` when it holds numbers only).
    """

    __slots__ = ("row_numbers", "values", "extra")

    def __init__(self, row_numbers: list[int], values: dict[str, Sequence[Any]],
                 extra: dict[str, Sequence[Any]] | None = None):
        self.row_numbers = row_numbers
        self.values = values
        self.extra = extra or {}

    def __len__(self) -> int:
        return len(self.row_numbers)

    def _row(self, i: int) -> RawRow:
        return RawRow(self.row_numbers[i], {k: col[i] for k, col in self.values.items()},
                      {k: col[i] for k, col in self.extra.items() if col[i] is not None})

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("row index out of range")
        return self._row(index)

    def __iter__(self) -> Iterator[RawRow]:
        for i in range(len(self)):
            yield self._row(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RawRows, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"RawRows({len(self)} rows, columns={list(self.values)})"

    def __getstate__(self) -> tuple:
        return (self.row_numbers, self.values, self.extra)

    def __setstate__(self, state: tuple) -> None:
        self.row_numbers, self.values, self.extra = state


@dataclass
class SheetData:
    """What the reader found in one sheet of one file."""

    sheet_key: str
    sheet_name: str
    header_row: int  # Excel row number of the header
    columns: dict[str, int]  # schema column key -> 0-based column index in the source
    extra_columns: dict[str, int] = field(default_factory=dict)  # unknown header -> index
    rows: "list[RawRow] | RawRows" = field(default_factory=list)  # the reader gives RawRows
    skipped: list[SkippedRow] = field(default_factory=list)


@dataclass
class FileData:
    """What the reader found in one file."""

    path: Path
    rel: str  # path relative to the collection folder, with "/" separators
    modified: float  # when last saved: docProps/core.xml dcterms:modified, else the file's mtime (decides which of two submissions is newer)
    mtime: float = 0.0  # the file's own modification time: breaks ties between equal save times
    template_id: str | None = None
    template_version: str | None = None
    template_period: str | None = None  # the period the template was made for (its code, or the title's 2022年第一季度)
    unit: str = UNKNOWN_UNIT
    unit_code: str = ""
    unit_source: Literal["metadata", "cell", "filename", "unknown"] = "unknown"
    meta: dict[str, Any] = field(default_factory=dict)  # 填报人, 联系电话, 填报日期 as found
    sheets: list[SheetData] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    readable: bool = True


# The status of a submitted file (docs/validation.md), the words every front end shows:
# 通过 (no issue), 有提示 (hints only), 有错误 (at least one 错误), 无法读取 (not a readable
# submission), 已被替代 (the same unit sent the same template again; the newer file wins).
FileStatus = Literal["通过", "有提示", "有错误", "无法读取", "已被替代"]
FILE_OK, FILE_HINTS, FILE_ERRORS, FILE_UNREADABLE, FILE_SUPERSEDED = FILE_STATUSES = get_args(FileStatus)


@dataclass
class FileReport:
    """Validation outcome of one file (one line of the console summary and of --json)."""

    path: str  # absolute path
    rel: str
    unit: str
    unit_code: str
    template: str | None  # template id
    template_name: str
    status: FileStatus
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_superseded: int = 0
    superseded_by: str | None = None  # rel of the newer file
    issues: list[Issue] = field(default_factory=list)
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    markup_path: str | None = None  # the 退回修改 workbook written for this file

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def delivered(self) -> bool:
        """Counts as the unit's submission (报送情况, 催报名单): readable, not superseded,
        and clean or with at least one row taken."""
        if self.status in (FILE_UNREADABLE, FILE_SUPERSEDED):
            return False
        return self.status in (FILE_OK, FILE_HINTS) or self.rows_accepted > 0

    @property
    def hints(self) -> int:
        return sum(1 for i in self.issues if i.severity == HINT)


@dataclass
class RejectedRow:
    file: str  # rel
    unit: str
    sheet_key: str
    sheet: str
    row: int
    values: dict[str, Any]  # Chinese header -> value as found
    reasons: list[str]  # Chinese messages of the errors that rejected it


@dataclass
class Unit:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


def clean_name(value: Any) -> str:
    """A unit name or code as found (None, NaN and pandas' NA are empty), stripped."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN, NaT
            return ""
    except TypeError:  # pandas.NA
        return ""
    return str(value).strip()


class UnitIndex:
    """Resolves the unit names and codes found in files to the configured units.

    A code found in a file wins over its name; names match the configured name or an alias.
    Units not in the list keep the name found (``UNKNOWN_UNIT`` when there is none)."""

    def __init__(self, units: Sequence[Unit]):
        self.units = list(units)
        self.by_code = {u.code: u for u in self.units if u.code}
        self.by_name: dict[str, Unit] = {}
        for u in self.units:
            self.by_name[u.name] = u
            for alias in u.aliases:
                self.by_name.setdefault(alias, u)
        self.order = {u.name: i for i, u in enumerate(self.units)}

    def find(self, name: Any, code: Any = "") -> Unit | None:
        code = clean_name(code)
        if code and code in self.by_code:
            return self.by_code[code]
        return self.by_name.get(clean_name(name))

    def display(self, name: Any, code: Any = "") -> str:
        """The configured name of the unit, else the name found, else ``UNKNOWN_UNIT``."""
        unit = self.find(name, code)
        if unit is not None:
            return unit.name
        return clean_name(name) or UNKNOWN_UNIT

    def code(self, name: Any, code: Any = "") -> str:
        unit = self.find(name, code)
        if unit is not None:
            return unit.code
        return clean_name(code)

    def sort_key(self, display_name: str) -> tuple[int, int, str]:
        """Configured units in their configured order, then others by name, ``UNKNOWN_UNIT`` last."""
        if display_name in self.order:
            return (0, self.order[display_name], "")
        return (1, 1 if display_name == UNKNOWN_UNIT else 0, display_name)


@dataclass
class Period:
    code: str  # 2022Q1
    name: str  # 2022年第一季度
    start: date
    end: date


@dataclass
class ValidationResult:
    root: Path  # the collection folder
    period: Period | None
    as_of: date  # "today" for future-date and overdue checks
    units: list[Unit]  # expected units (empty when not in a workspace)
    files: list[FileReport]
    ignored: list[tuple[str, str]]  # (rel, reason): lock files, non-spreadsheets
    tables: "dict[str, pd.DataFrame]"  # sheet key -> accepted rows (schema keys + META_COLUMNS)
    rejected: list[RejectedRow]

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_accepted", "rows_rejected", "rows_skipped", "rows_superseded")
        out = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        out["files"] = len(self.files)
        out["errors"] = sum(f.errors for f in self.files)
        out["hints"] = sum(f.hints for f in self.files)
        return out


@dataclass
class MergeOutcome:
    figures: dict[str, Any]  # the content of 汇总数据.json (docs/figures.md)
    workbook: Path  # 汇总表.xlsx
    figures_path: Path  # 汇总数据.json


@dataclass
class ReportOutcome:
    docx: Path
    pdf: Path | None = None
    appendix: Path | None = None
    notes: list[str] = field(default_factory=list)  # e.g. how to get a PDF without LibreOffice
    checks: list[dict[str, str]] = field(default_factory=list)  # the pre-flight checks (code, level, message)


@dataclass
class Carried:
    """What earlier periods leave for this one (read from the history store, passed to
    validation and merge as plain data). Values are as validation normalizes them
    (dates as ``date``, 完成进度 as a number 0–100)."""

    period_code: str = ""  # the previous recorded period ("" when there is none)
    period_name: str = ""
    # sheet key ("problems"/"tasks") -> 编号 -> last state: schema keys, plus unit_code, unit, first_period
    open: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # sheet key -> 编号 -> final status, for items closed (已销号 / 已完成) in an earlier period
    closed: dict[str, dict[str, str]] = field(default_factory=dict)
    closed_in: dict[str, str] = field(default_factory=dict)  # 编号 -> name of the period it was closed in
    # sheet key -> 编号 -> (unit_code, first_period, unit name): every 编号 issued before this period
    issued: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict)
    # sheet key -> unit_code -> open 编号s, in ledger order
    by_unit: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.period_code)


@dataclass
class RecordedPeriod:
    """One recorded period as the period-over-period figures read it: its dates and headline figures
    (``history.record.headline``: the visits/problems/tasks blocks, totals and units of its 汇总数据.json)."""

    code: str
    name: str
    start: str  # ISO dates
    end: str
    as_of: str
    headline: dict[str, Any] = field(default_factory=dict)


@dataclass
class History:
    """What the recorded periods tell this period's figures and sheets (read from the history store by
    ``toolkit.history.past``, passed to the merge by ``toolkit.api`` as :class:`Carried` is). Plain values.

    ``states`` hold, per sheet and recorded period, that period's ledger as columns: ``id``,
    ``status``, ``light`` (tasks also ``progress`` and ``deadline``, ISO); ``start_code`` names the period whose ledger is
    the state at the start of this one, ``lights_code`` the one whose lights the 红 → 黄 rule reads
    (both the previous recorded period, except for a period made of recorded ones).
    """

    periods: list[RecordedPeriod] = field(default_factory=list)  # recorded before this period, in time order
    parts: list[RecordedPeriod] = field(default_factory=list)  # a period made of recorded periods (a year): those
    previous: RecordedPeriod | None = None  # the period ``previous`` compares with (None: nothing compares)
    starts: dict[str, str] = field(default_factory=dict)  # code -> ISO start of every recorded period
    states: dict[str, dict[str, dict[str, list[Any]]]] = field(default_factory=dict)  # sheet -> code -> columns
    start_code: str = ""
    lights_code: str = ""
    # tasks completed before this period (their final state) that have a 成果数值, as columns
    # (id, unit_code, unit, name, result_text, result_value, result_unit): 累计 achievements
    achievements: dict[str, list[Any]] = field(default_factory=dict)
