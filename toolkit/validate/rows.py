"""Row checks of one sheet: columns required when another column holds a value
(``Column.required_when``) and the schema's row rules (``RowRule``: order / implies / forbid)."""

from __future__ import annotations

from itertools import compress, repeat
from operator import and_, is_, is_not
from typing import Any

from ..schema import Column, RowRule, SheetSchema, When
from .sheet import CheckedSheet, Where, show


def check_rows(cs: CheckedSheet, where: Where) -> None:
    """Add the issues of the conditionally required columns, then of each row rule."""
    schema = cs.schema
    numbers = cs.row_numbers
    for col in schema.columns:
        if col.required_when is None:
            continue
        when = col.required_when
        mine = cs.values[col.key]
        cond = cs.column(when.column)
        bad = cs.bad.get(col.key, ())
        skip = cs.carried if col.only_new else ()
        for i in _rows_where(mine, cond, when):
            if i not in bad and i not in skip:
                cs.add(i, where.issue("missing-conditional", numbers[i], col, "",
                                      condition=when.describe(schema),
                                      rule=col.rule_text() or col.help or "相应内容"))
    for rule in schema.rules:
        _check_rule(cs, rule, where)


def holds(when: When, v: Any) -> bool:
    """Whether the condition ``when`` holds on the (normalized) value ``v`` of its column."""
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
            flags_holds = map(inside.__contains__, cond)
        else:
            flags_holds = map(is_not, cond, repeat(None, n))
        flags = list(map(and_, map(is_, mine, repeat(None, n)), flags_holds))
    except TypeError:  # unhashable: never after normalization
        return [i for i in range(n) if mine[i] is None and holds(when, cond[i])]
    return list(compress(range(n), flags)) if True in flags else []


def _rule_location(schema: SheetSchema, rule: RowRule) -> Column:
    left, right = schema.column(rule.left or ""), schema.column(rule.right or "")
    if right.required and not left.required:
        return left
    return right


def _check_rule(cs: CheckedSheet, rule: RowRule, where: Where) -> None:
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
            shown = show(at, a if at.key == rule.left else b)
            cs.add(i, where.issue(
                "order-violated", numbers[i], at, shown, rule=rule.message,
                left_header=lc.header, left_value=show(lc, a), right_header=rcol.header,
                right_value=show(rcol, b)))
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
            cs.add(i, where.issue(code, numbers[i], col, show(col, v), rule=rule.message,
                                  when_header=when_col.header, when_value=show(when_col, cond[i])))
