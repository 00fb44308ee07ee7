"""One column's cells: normalized and checked (required, kind, list, bounds, pattern,
in-period, not-future), a whole column at a time.

The outcome of a value depends only on the column, the value and the run (period,
as_of), so it is cached per column: the same spellings repeat thousands of times, and
a column whose values were all seen before and clean costs one C-level pass.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import Any

from ..model import Carried, FileData, Period, RawRows
from ..normalize import (
    NormalizeError,
    all_clean_text,
    is_blank,
    choice_key,
    is_empty_mark,
    is_reading,
    normalize_choice,
    normalize_date,
    normalize_int,
    normalize_number,
    normalize_percent,
    normalize_phone,
    normalize_text,
)
from ..schema import SHEETS, Column, SheetSchema
from .sheet import CheckedSheet, Where, show


class Context:
    """What a value's outcome depends on besides its column (the run), and the caches."""

    def __init__(self, period: Period | None, as_of: date, carried: Carried | None = None):
        self.period = period
        self.as_of = as_of
        self.carried = carried  # what earlier periods left open (None: no history)
        self.default_year = period.start.year if period is not None else as_of.year
        self.future_slots = future_slots(as_of)
        self.outcomes: dict[int, dict[type, dict[Any, Any]]] = {}  # id(Column) -> class -> value -> outcome
        self.clean: dict[int, dict[type, dict[Any, Any]]] = {}  # the same, normalized value of clean outcomes


def future_slots(as_of: date) -> dict[str, str]:
    """The ``future-date`` message's words for the reference date: 今天 when it is today, else the
    统计截止日 set in toolkit.toml (``as_of``), which the unit must be told is not today."""
    if as_of == date.today():
        return {"today": f"今天（{as_of.isoformat()}）", "advice": "还没有到。"}
    return {"today": f"统计截止日（{as_of.isoformat()}）", "advice": "不在本次统计范围内。"}


Outcome = tuple  # (value or None, unit suffix or None, ((code, shown value or _RAW, slots), ...), rejected?, clean?)

_RAW = object()  # in a cached issue: "the value as found in this cell"
# Outcomes of an empty cell and of a formula cell without value.
_EMPTY = (None, None, (), False, True)
_EMPTY_REQUIRED = (None, None, (), False, False)
_UNKNOWN = (None, None, (), True, False)
_VALUE, _CLEAN = itemgetter(0), itemgetter(4)
_MISS = object()
_BLANK = object()


def check_cells(cs: CheckedSheet, where: Where, ctx: Context,
                unknown_cells: set[tuple[str | None, int | None, str | None]] = frozenset()) -> None:  # type: ignore[assignment]
    """Normalize every column of ``cs`` into ``cs.values`` and add the cells' issues, column
    by column (each row's issues stay in column order); ``unknown_cells`` (sheet key, row,
    column key) are formulas without a value, already reported by the reader."""
    schema = cs.schema
    n = cs.n
    numbers = cs.row_numbers
    present = set(cs.sheet.columns)
    for col in schema.columns:
        cs.values[col.key] = [None] * n
    suffixes: list[tuple[str, dict[int, str]]] = []  # (column key, row index -> unit typed after the number)

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
            misses = vals.count(_MISS)
            if not misses:
                cs.values[col.key] = vals
                continue
            if (misses * 2 > n and classes == {str} and col.kind in _TEXT_KINDS and not col.pattern
                    and _clean_text_column(raw, col.required, cs.values, col.key)):
                continue  # mostly new text that needs no cleaning (a 编号, a description: values that rarely repeat)
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


_TEXT_KINDS = ("text", "longtext")


def _clean_text_column(raw: list[Any], required: bool, values: dict[str, list[Any]], key: str) -> bool:
    """Set ``values[key]`` to ``raw`` when each of its values is text that normalizing leaves as it is
    (its outcome would be itself, clean) and an empty cell raises nothing (``required`` False)."""
    present = raw
    if None in raw:
        if required:
            return False
        present = [v for v in raw if v is not None]
    if not all_clean_text(present):
        return False
    values[key] = list(raw)
    return True


def _cached_outcome(col: Column, value: Any, ctx: Context, schema: SheetSchema, caches: dict) -> Outcome:
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


def _outcome(col: Column, value: Any, ctx: Context, schema: SheetSchema) -> Outcome:
    """Normalize and check one (non-empty) cell value of ``col``: what it becomes and the
    issues it raises."""
    try:
        norm, suffix, hint_code, hint_slots = _normalize(col, value, ctx)
    except NormalizeError as exc:
        slots = dict(exc.slots)
        shown = slots.pop("shown", _RAW)  # the value as the message quotes it, when not the cell's own
        if exc.code == "not-in-list":
            s = slots.get("suggestion")
            slots["suggestion"] = f"（是否应为“{s}”？）" if s else ""
        if exc.code == "bad-number":
            slots.setdefault("unit_header", _unit_header(schema, col))
        return None, None, ((exc.code, shown, {"hint": exc.hint, **slots}),), True, False
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
        low, high = col.bounds  # what the column holds (schema.NUMBER_LIMIT without schema bounds)
        if low is not None and norm < low:
            found.append(("too-small", _RAW, {"limit": show(col, low)}))
            return None, suffix, tuple(found), True, False
        if high is not None and norm > high:
            found.append(("too-large", _RAW, {"limit": show(col, high)}))
            return None, suffix, tuple(found), True, False
    elif kind == "date":
        if col.in_period and ctx.period is not None and not (ctx.period.start <= norm <= ctx.period.end):
            found.append(("outside-period", norm.isoformat(),
                          {"start": ctx.period.start.isoformat(), "end": ctx.period.end.isoformat()}))
            return None, suffix, tuple(found), True, False
        if col.not_future and norm > ctx.as_of:
            found.append(("future-date", norm.isoformat(), ctx.future_slots))
            return None, suffix, tuple(found), True, False
    return norm, suffix, tuple(found), False, not suffix and not found


def _normalize(col: Column, value: Any, ctx: Context) -> tuple[Any, str | None, str | None, dict[str, Any]]:
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
        norm = normalize_choice(value, col.choices, col.choice_aliases)
        if col.choice_readings and is_reading(value, col.choice_readings):
            return norm, None, "choice-interpreted", {"canonical": norm}
        return norm, None, None, {}
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


_PATTERNS: dict[str, Any] = {}


def _compiled(pattern: str):
    rx = _PATTERNS.get(pattern)
    if rx is None:
        rx = _PATTERNS[pattern] = re.compile(pattern)
    return rx


def _ends_with_wan(text: str) -> bool:
    s = "".join(unicodedata.normalize("NFKC", text).split())
    return s.endswith("万元") or s.endswith("万")


def _unit_header(schema: SheetSchema, col: Column) -> str:
    if col.unit_column:
        try:
            return schema.column(col.unit_column).header
        except KeyError:
            pass
    return "备注"


def spelling_fixes(file: FileData) -> list[tuple[str, str, str, int]]:
    """The list values ``file`` wrote otherwise than its dropdown offers and that were put right without a
    word (座谈 for 座谈交流): (column header, as written, list value, cells), each once per file, in the
    order met. Spaces and full-width brackets are no fix; an interpretation (比较满意 → 基本满意) is a
    提示 of its own (``choice-interpreted``); a value that is no list value at all is an error."""
    found: dict[tuple[str, str, str], int] = {}
    for data in file.sheets:
        schema = SHEETS.get(data.sheet_key)
        if schema is None:
            continue
        rows = data.rows
        for col in schema.columns:
            if col.kind != "choice" or col.key not in data.columns:
                continue
            if isinstance(rows, RawRows):
                values = rows.values.get(col.key, ())
            else:
                values = [r.values.get(col.key) for r in rows]
            for value in values:
                if not isinstance(value, str) or is_blank(value) or is_reading(value, col.choice_readings):
                    continue
                try:
                    norm = normalize_choice(value, col.choices, col.choice_aliases)
                except NormalizeError:
                    continue
                if choice_key(value) == choice_key(norm):
                    continue
                key = (col.header, value.strip(), norm)
                found[key] = found.get(key, 0) + 1
    return [(header, written, norm, n) for (header, written, norm), n in found.items()]
