"""Which worksheet is which schema sheet, where its header row is, and which template the file is.

Every worksheet is matched against every schema sheet of both templates (a 任务清单 shares
序号/责任人/备注 with 问题清单): the same sheet name first, then the share of the row's headers
that the schema knows, then the number of columns matched. The header row is the row with the
most schema headers among the first :data:`HEADER_SCAN_ROWS` rows. The template is the one the
workbook's metadata names, else the one whose sheets the file holds (its name in the file name
first). Sheets of the other template, and second copies of a sheet, are reported, not dropped
silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import make_issue
from ..model import Issue
from ..normalize import clean_text, is_blank
from ..schema import (
    SHEETS,
    TEMPLATES,
    SheetSchema,
    TemplateSchema,
    normalize_header,
    template_by_id,
    template_of_sheet,
)

__all__ = ["HEADER_SCAN_ROWS", "MIN_HEADER_MATCHES", "SheetMatch", "header_lookup", "match_sheets", "by_template",
           "choose_template", "mixed_templates", "choose_sheets"]

HEADER_SCAN_ROWS = 20  # the header row is looked for among the first rows
MIN_HEADER_MATCHES = 3  # a row with fewer schema headers is not a header row


class SheetMatch:
    """A worksheet (``ws_name``, ``index`` among the worksheets read) taken for a schema sheet,
    with its header row (0-based ``header_idx``) and the number of schema columns found there."""

    __slots__ = ("ws_name", "index", "schema", "header_idx", "score", "name_match")

    def __init__(self, ws_name: str, index: int, schema: SheetSchema, header_idx: int, score: int, name_match: bool):
        self.ws_name = ws_name
        self.index = index
        self.schema = schema
        self.header_idx = header_idx
        self.score = score
        self.name_match = name_match


_LOOKUPS: dict[str, dict[str, str]] = {s.key: s.header_lookup() for s in SHEETS.values()}
_REQUIRED_COUNT: dict[str, int] = {s.key: sum(1 for c in s.columns if c.required) for s in SHEETS.values()}


def header_lookup(schema: SheetSchema) -> dict[str, str]:
    """Every accepted header spelling of ``schema`` (normalised) → column key (built once)."""
    return _LOOKUPS[schema.key]


_HEADER_TEXTS: dict[tuple[type, Any], str] = {}  # (class, cell value) -> header text (memo)


def _header_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    key = (value.__class__, value)
    try:
        text = _HEADER_TEXTS.get(key)
    except TypeError:  # unhashable: never from calamine
        return normalize_header(clean_text(value)) if not is_blank(value) else ""
    if text is None:
        text = normalize_header(clean_text(value)) if not is_blank(value) else ""
        if len(_HEADER_TEXTS) < 20_000:
            _HEADER_TEXTS[key] = text
    return text


def _header_texts(rows: list[list[Any]]) -> list[list[str]]:
    """Header text of every cell of the first rows (where the header row is looked for)."""
    return [[_header_text(c) for c in row] for row in rows[:HEADER_SCAN_ROWS]]


def _best_header(texts: list[list[str]], schema: SheetSchema) -> tuple[int, int]:
    """(row index, number of distinct schema columns matched) of the best header row,
    given the header texts of the first rows (:func:`_header_texts`)."""
    lookup = _LOOKUPS[schema.key]
    best = (-1, 0)
    for i, row in enumerate(texts):
        keys = {lookup[h] for h in row if h in lookup}
        if len(keys) > best[1]:
            best = (i, len(keys))
    return best


def _same_name(found: str, expected: str) -> bool:
    return normalize_header(clean_text(found)) == normalize_header(expected)


def _has_data(rows: list[list[Any]], header_idx: int) -> bool:
    return any(any(v not in ("", None) for v in row) for row in rows[header_idx + 1:])


def _template_index(template_id: str) -> int:
    return next(i for i, t in enumerate(TEMPLATES) if t.id == template_id)


def match_sheets(sheets_values: dict[str, list[list[Any]]]) -> list[SheetMatch]:
    """Each worksheet (name → rows, in workbook order) with the schema sheet it matches best,
    across both templates; worksheets that match none are left out."""
    candidates: list[SheetMatch] = []
    for index, name in enumerate(sheets_values):
        texts = _header_texts(sheets_values[name])
        best: tuple[tuple, SheetMatch] | None = None
        for order, schema in enumerate(SHEETS.values()):
            header_idx, score = _best_header(texts, schema)
            name_match = _same_name(name, schema.name)
            if score >= MIN_HEADER_MATCHES or (name_match and score >= 2):
                width = sum(1 for h in texts[header_idx] if h) or 1
                rank = (name_match, score / width, score, -order)
                if best is None or rank > best[0]:
                    best = (rank, SheetMatch(name, index, schema, header_idx, score, name_match))
        if best is not None:
            candidates.append(best[1])
    return candidates


def by_template(matches: list[SheetMatch]) -> dict[str, list[SheetMatch]]:
    """Template id → its matched worksheets, in order."""
    found: dict[str, list[SheetMatch]] = {}
    for c in matches:
        found.setdefault(template_of_sheet(c.schema.key).id, []).append(c)
    return found


def choose_template(declared: str | None, found: dict[str, list[SheetMatch]], rel: str) -> TemplateSchema | None:
    """The file's template: the one its metadata declares (``declared`` id) when some of its sheets
    are there, else the template named in the file name, with the most sheets, the best scores."""
    template: TemplateSchema | None = None
    if declared:
        try:
            template = template_by_id(declared)
        except KeyError:
            template = None
    if template is not None and template.id not in found and found:
        template = None  # the metadata names a template none of whose sheets is in the file
    if template is None and found:
        stem = normalize_header(clean_text(Path(rel).stem))

        def rank(tid: str) -> tuple:
            sheets = found[tid]
            named = normalize_header(template_by_id(tid).name) in stem
            return (named, len({c.schema.key for c in sheets}), sum(c.score for c in sheets), -_template_index(tid))

        template = template_by_id(max(found, key=rank))
    return template


def mixed_templates(rel: str, template: TemplateSchema, found: dict[str, list[SheetMatch]],
                    sheets_values: dict[str, list[list[Any]]]) -> list[Issue]:
    """``mixed-templates`` issues for the sheets of another template that hold data."""
    issues: list[Issue] = []
    for tid, matches in found.items():
        if tid == template.id:
            continue
        # a sheet of the other template: its name, or at least half as many columns as it has
        # required ones (a side table with 序号/责任人/备注 is not a task list), and data
        other = [c for c in matches if c.score >= MIN_HEADER_MATCHES
                 and (c.name_match or 2 * c.score >= _REQUIRED_COUNT[c.schema.key])
                 and _has_data(sheets_values[c.ws_name], c.header_idx)]
        if other:
            used = found.get(template.id, [])
            issues.append(make_issue(
                "mixed-templates", file=rel, used=template.name, other=template_by_id(tid).name,
                used_sheets="、".join(f"“{c.ws_name}”" for c in used) + "表" if used else "没有数据",
                other_sheets="、".join(f"“{c.ws_name}”" for c in other) + "表"))
    return issues


def choose_sheets(rel: str, template: TemplateSchema, matches: list[SheetMatch],
                  sheets_values: dict[str, list[list[Any]]]) -> tuple[dict[str, SheetMatch], list[Issue]]:
    """Schema sheet key → the worksheet read for it (its name first, then the best header);
    and a ``sheet-ignored`` issue for each further worksheet with data matching one of them."""
    keys = {s.key for s in template.sheets}
    candidates = [c for c in matches if c.schema.key in keys]
    candidates.sort(key=lambda c: (not c.name_match, -c.score, c.index))
    chosen: dict[str, SheetMatch] = {}
    issues: list[Issue] = []
    used: set[str] = set()
    for c in candidates:
        if c.schema.key in chosen or c.ws_name in used:
            continue
        chosen[c.schema.key] = c
        used.add(c.ws_name)
    for c in candidates:
        if c.ws_name in used or c.score < MIN_HEADER_MATCHES:
            continue
        if not _has_data(sheets_values[c.ws_name], c.header_idx):
            continue  # an empty copy of a sheet loses nothing
        used.add(c.ws_name)
        main = chosen.get(c.schema.key)
        issues.append(make_issue("sheet-ignored", file=rel, sheet=c.ws_name, sheet_key=c.schema.key,
                                 value=c.ws_name, expected=c.schema.name,
                                 used=main.ws_name if main else c.schema.name))
    return chosen, issues
