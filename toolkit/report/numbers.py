"""Number and date formatting for Chinese official documents (公文).

Rules (GB/T 9704-2012 and common 公文 practice):

- integers are written plainly, without thousands separators: ``1250``;
- rates are percentages with one decimal: ``85.7%``;
- amounts in 万元 keep two decimals: ``532.67万元``;
- dates use Arabic numerals, full year, no leading zeros: ``2022年4月29日``;
- missing data (``None``, NaN) is never printed as ``None``/``nan``/``0.0%``:
  the formatters return :data:`MISSING` ("暂无") and callers usually drop the
  sentence instead.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

MISSING = "暂无"

_CN_DIGITS = "零一二三四五六七八九"


def is_missing(value: Any) -> bool:
    """True for None, NaN, infinities and empty strings."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def to_number(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def fmt_int(value: Any, missing: str = MISSING) -> str:
    """``120`` → ``"120"``; a float is rounded half up; missing → 暂无."""
    number = to_number(value)
    if number is None:
        return missing
    return str(int(math.floor(number + 0.5)) if number >= 0 else -int(math.floor(-number + 0.5)))


def fmt_number(value: Any, missing: str = MISSING, max_decimals: int = 2) -> str:
    """A quantity: whole numbers without decimals, others with up to two decimals."""
    number = to_number(value)
    if number is None:
        return missing
    if abs(number - round(number)) < 1e-9:
        return str(int(round(number)))
    text = f"{number:.{max_decimals}f}".rstrip("0").rstrip(".")
    return text


def fmt_rate(value: Any, missing: str = MISSING) -> str:
    """A percentage 0–100 with one decimal: ``70.6`` → ``"70.6%"``; None → 暂无."""
    number = to_number(value)
    if number is None:
        return missing
    return f"{number:.1f}%"


def fmt_amount(value: Any, unit: str = "", missing: str = MISSING) -> str:
    """A quantity followed by its unit; 万元/元/亿元 keep two decimals."""
    number = to_number(value)
    if number is None:
        return missing
    unit = (unit or "").strip()
    if unit.endswith("元"):
        return f"{number:.2f}{unit}"
    return f"{fmt_number(number)}{unit}"


def parse_date(value: Any) -> date | None:
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for candidate in (text[:10], text):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def fmt_date(value: Any, missing: str = MISSING) -> str:
    """``2022-04-29`` / date → ``"2022年4月29日"``."""
    parsed = parse_date(value)
    if parsed is None:
        return missing
    return f"{parsed.year}年{parsed.month}月{parsed.day}日"


def fmt_month_day(value: Any, missing: str = MISSING) -> str:
    """``2022-06-30`` → ``"6月30日"``."""
    parsed = parse_date(value)
    if parsed is None:
        return missing
    return f"{parsed.month}月{parsed.day}日"


def cn_number(n: int) -> str:
    """Chinese numeral for 0–99: 1 → 一, 10 → 十, 12 → 十二, 23 → 二十三."""
    if n < 0 or n > 99:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + ("" if ones == 0 else _CN_DIGITS[ones])


def cn_heading(n: int, level: int = 1) -> str:
    """Heading numbers of 公文: level 1 ``一、``, level 2 ``（一）``, level 3 ``1.``, level 4 ``（1）``."""
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def cn_ordinal_point(n: int) -> str:
    """``一是`` / ``二是`` … for enumerated points inside a paragraph."""
    return f"{cn_number(n)}是"


def join_cn(items: list[str], last: str = "、") -> str:
    """Join with the enumeration comma 、."""
    return "、".join(i for i in items if i)
