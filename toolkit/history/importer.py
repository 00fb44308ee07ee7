"""Start mid-year: a period recorded from a 汇总表.xlsx the toolkit wrote earlier.

An office that used the toolkit before the history store existed has, for each past
period, its 汇总表.xlsx. Its detail sheets (走访记录, 问题清单, 任务清单, split into
``问题清单(2)`` … beyond Excel's row limit) hold every accepted row with its 填报单位; they
are read back, each value normalized as validation normalizes it, and the period is
merged and recorded as if its files had been merged now. Items keep the 编号 of a
汇总表 that shows one; older 汇总表 (with 问题编号 only) get their 编号 now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import schema as S
from ..exceptions import ConfigError
from ..normalize import (
    NormalizeError,
    is_blank,
    normalize_choice,
    normalize_date,
    normalize_int,
    normalize_number,
    normalize_percent,
    normalize_text,
)

UNIT_HEADER = "填报单位"
FILE_HEADER = "来源文件"
NOTES_HEADER = "校验提示"


@dataclass
class Imported:
    """What was read from a 汇总表.xlsx."""

    rows: dict[str, dict[tuple[str, str], list[dict[str, Any]]]]  # sheet key -> (unit, file) -> rows
    counts: dict[str, int] = field(default_factory=dict)  # sheet key -> rows read
    skipped: list[str] = field(default_factory=list)  # Chinese reasons, one per row not imported


def _normalizer(col: S.Column, year: int) -> Callable[[Any], Any]:
    kind = col.kind
    if kind == "date":
        return lambda v: normalize_date(v, default_year=year)
    if kind == "int":
        return lambda v: normalize_int(v, units=col.units)
    if kind == "percent":
        return normalize_percent
    if kind == "number":
        return lambda v: normalize_number(v, units=col.units, any_suffix=col.unit_column is not None)[0]
    if kind == "choice":
        return lambda v: normalize_choice(v, col.choices, col.choice_aliases)
    return lambda v: normalize_text(v, long=kind == "longtext")


def _sheets_of(names: list[str], sheet: S.SheetSchema) -> list[str]:
    """The detail sheets of ``sheet`` in a 汇总表: its name, then ``name(2)`` …"""
    out = [n for n in names if n == sheet.name]
    n = 2
    while f"{sheet.name}({n})" in names:
        out.append(f"{sheet.name}({n})")
        n += 1
    return out


def read_summary(path: Path, year: int) -> Imported:
    """The accepted rows of the detail sheets of the 汇总表 at ``path``."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到汇总表 {path}。请写出 toolkit 以前生成的 汇总表.xlsx 的路径。")
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure is the same message
        raise ConfigError(f"{path.name} 无法打开（{exc}），不是有效的汇总表。") from None
    names = list(wb.sheet_names)
    imported = Imported(rows={key: {} for key in S.SHEETS})
    found_any = False
    for key, sheet in S.SHEETS.items():
        lookup = {S.normalize_header(h): k for h, k in ((c.header, c.key) for c in sheet.columns)}
        normalizers = {c.key: _normalizer(c, year) for c in sheet.columns if not c.system}
        for name in _sheets_of(names, sheet):
            data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if not data:
                continue
            header = [str(h).strip() if h is not None else "" for h in data[0]]
            if UNIT_HEADER not in header:
                continue
            found_any = True
            index = {h: i for i, h in enumerate(header)}
            columns = {lookup[S.normalize_header(h)]: i for h, i in index.items() if S.normalize_header(h) in lookup}
            for r, values in enumerate(data[1:], start=2):
                if all(is_blank(v) for v in values):
                    continue
                imported.counts[key] = imported.counts.get(key, 0) + 1
                unit = str(values[index[UNIT_HEADER]] or "").strip()
                file = str(values[index[FILE_HEADER]] or "").strip() if FILE_HEADER in index else ""
                row: dict[str, Any] = {}
                try:
                    for col_key, i in columns.items():
                        value = values[i] if i < len(values) else None
                        if is_blank(value):
                            row[col_key] = None
                        elif col_key == "id":
                            row[col_key] = str(value).strip()
                        else:
                            row[col_key] = normalizers[col_key](value)
                except NormalizeError as exc:
                    imported.skipped.append(f"“{name}”表第{r}行：{exc.hint or exc.code}，未导入。")
                    continue
                imported.rows[key].setdefault((unit, file), []).append(row)
    if not found_any:
        raise ConfigError(f"{path.name} 中没有找到 toolkit 汇总表的明细表（走访记录、问题清单、任务清单，"
                          "第1行是表头、有“填报单位”列）。请选择 toolkit 生成的 汇总表.xlsx。")
    return imported


def imported_result(imported: Imported, ws, period, as_of: date, source: str):
    """A validation result holding the imported rows (one accepted 'file' per unit and template)."""
    from ..model import FILE_OK, FileReport, UnitIndex, ValidationResult
    from ..validate import Tables

    index = UnitIndex(ws.units)
    tables = Tables()
    reports: dict[tuple[str, str], FileReport] = {}
    for key, groups in imported.rows.items():
        template = S.template_of_sheet(key)
        for (unit, file), rows in groups.items():
            name, code = index.display(unit), index.code(unit)
            rel = f"（导入自 {source}）{file}" if file else f"（导入自 {source}）"
            tables.add_rows(key, rows, unit=name, unit_code=code, file=rel,
                            row_numbers=range(S.FIRST_DATA_ROW, S.FIRST_DATA_ROW + len(rows)))
            report = reports.get((name, template.id))
            if report is None:
                report = reports[(name, template.id)] = FileReport(
                    path="", rel=rel, unit=name, unit_code=code, template=template.id, template_name=template.name,
                    status=FILE_OK)
            report.rows_read += len(rows)
            report.rows_accepted += len(rows)
    return ValidationResult(root=Path(ws.root), period=period, as_of=as_of, units=list(ws.units),
                            files=list(reports.values()), ignored=[], tables=tables.tables(), rejected=[])
