"""Exact decimal arithmetic of the figures: rates, means and sums rounded half-up, as a person would.

Floats are read through their shortest repr (``Decimal(repr(x))``), so 0.1 + 0.2 sums to 0.3
and a mean of 2.25 rounds to 2.3, never to the binary neighbour.
"""

from __future__ import annotations

from decimal import MAX_PREC, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

_EXACT_LIMIT = Decimal(10) ** 28  # partial sums below this (in units of the last place) are exact
_TENTH = Decimal("0.1")


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a percentage rounded half-up to one decimal; None when 0/0."""
    if not denominator:
        return None
    value = Decimal(int(numerator)) * 100 / Decimal(int(denominator))
    return float(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


def mean1(values: Any) -> float | None:
    """The mean of ``values`` rounded half-up to one decimal; None when there are none."""
    if not len(values):
        return None
    total = decimal_sum(values)
    return float((total / len(values)).quantize(_TENTH, rounding=ROUND_HALF_UP))


def decimal_sum(values: Any) -> Decimal:
    """``sum(Decimal(repr(float(v))) for v in values)`` from ``Decimal(0)``, as the plain loop computes it.

    Values repeat (progress 0/50/100, the same 成果数值), so each distinct value is
    converted once and multiplied by its count. That gives the loop's result whenever no
    partial sum needs more than the context's 28 digits (then every addition is exact,
    in any order); otherwise the loop runs as it is.
    """
    import numpy as np

    floats = [float(v) for v in values] if not isinstance(values, np.ndarray) else values.astype(np.float64)
    array = np.asarray(floats, dtype=np.float64)
    if len(array) and np.isfinite(array).all():
        distinct, counts = np.unique(array, return_counts=True)
        terms = [(Decimal(repr(v)), c) for v, c in zip(distinct.tolist(), counts.tolist())]
        places = max(0, max(-t.as_tuple().exponent for t, _ in terms))
        with localcontext() as ctx:
            ctx.prec = MAX_PREC
            bound = sum((abs(t) * c for t, c in terms), Decimal(0))
            if bound.scaleb(places) < _EXACT_LIMIT:
                total = Decimal(0)
                for t, c in terms:
                    total += t * c
                return total
    return sum((Decimal(repr(float(v))) for v in array.tolist()), Decimal(0))


def plain_number(value: Decimal) -> int | float:
    """int when whole, else float rounded half-up to 2 decimals."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def difference(a: float | int, b: float | int) -> float:
    """``a − b`` of two one-decimal percentages, in percentage points rounded half-up to one decimal."""
    value = Decimal(repr(float(a))) - Decimal(repr(float(b)))
    return float(value.quantize(_TENTH, rounding=ROUND_HALF_UP))
