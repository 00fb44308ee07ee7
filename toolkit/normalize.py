"""Normalizers: turn what people type into Excel cells into clean values.

Every public function is pure: it returns the normalized value or raises
:class:`NormalizeError` carrying a code of the error catalog (``toolkit.errors``)
and a short Chinese hint. No other exception escapes, whatever the input.

Values arrive as python-calamine gives them (``float``/``int``/``str``/``bool``/
``datetime``/``date``/``time``/``timedelta``) or as openpyxl gives them; typed
values take a fast path, strings are cleaned (full-width → half-width, odd
spaces removed) and parsed. String parsing is cached: the same spellings repeat
thousands of times in a merged ledger.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import lru_cache

__all__ = [
    "NormalizeError",
    "all_clean_text",
    "clean_text",
    "is_blank",
    "is_empty_mark",
    "normalize_choice",
    "normalize_date",
    "normalize_int",
    "normalize_number",
    "normalize_percent",
    "normalize_phone",
    "normalize_text",
    "display_value",
]


class NormalizeError(ValueError):
    """A value that cannot be normalized. ``code`` is a key of ``toolkit.errors.CATALOG``."""

    def __init__(self, code: str, hint: str = "", **slots: object):
        super().__init__(f"{code}: {hint}")
        self.code = code
        self.hint = hint
        self.slots = slots


# Characters that look like spaces (or nothing) in Excel but are not " ".
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACES = "\u00a0\u3000\u2002\u2003\u2009\u202f\u205f\u1680\u2000\u2001\u2004\u2005\u2006\u2007\u2008\u200a\t\r\x0b\x0c"
# Control characters (Excel writes them as _x0001_): nothing a person meant; removed from text.
_CONTROLS = "".join(map(chr, (*range(0, 9), *range(14, 32), 127)))
_ZW_TABLE = {ord(c): None for c in _ZERO_WIDTH + _CONTROLS}
_SP_TABLE = {ord(c): " " for c in _SPACES}
_CLEAN_TABLE = {**_ZW_TABLE, **_SP_TABLE}
_MULTI_SPACE = re.compile(r" {2,}")

# Excel serial day numbers: day 1 = 1900-01-01 with the 1900 leap-year bug.
_EXCEL_EPOCH = date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1950, 2100


def is_blank(value: object) -> bool:
    """True for None, NaN and strings holding only (odd) spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.translate(_CLEAN_TABLE).strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


def clean_text(value: object) -> str:
    """Cell value as one-line text: odd spaces → " ", zero-width and control characters removed,
    stripped, collapsed."""
    text = _as_text(value)
    text = text.translate(_CLEAN_TABLE).replace("\n", " ")
    return _MULTI_SPACE.sub(" ", text).strip()


def all_clean_text(values: list[str]) -> bool:
    """True when each of ``values`` (all ``str``) is non-empty text that :func:`clean_text` leaves
    as it is (then :func:`normalize_text` returns it unchanged), in a few C-level passes over the
    column. False means only "not proven": some value may need cleaning.

    Every character clean_text removes or replaces (zero-width, control, space-like, line
    break) is unprintable in Unicode's sense (categories C* and Z* but the ASCII space); what is
    left to look for is two spaces and a space at either end of a value."""
    if not values or not all(values) or not all(map(str.isprintable, values)):
        return False
    joined = "\x00".join(values)  # no value holds \x00 (unprintable): it is the separator
    return not ("  " in joined or " \x00" in joined or "\x00 " in joined or joined[0] == " " or joined[-1] == " ")


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    try:
        return str(value)
    except Exception:  # pragma: no cover - exotic objects
        return ""


def display_value(value: object) -> str:
    """The value found, as text for a message (short, one line)."""
    text = _as_text(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "…"


def _half(text: str) -> str:
    """Full-width → half-width (NFKC), odd spaces and zero-width characters removed entirely."""
    text = unicodedata.normalize("NFKC", text.translate(_ZW_TABLE))
    return "".join(text.split())


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def normalize_text(value: object, *, long: bool = False) -> str | None:
    """Trimmed text; ``long`` keeps line breaks (each line cleaned). Empty → None."""
    if value is None:
        return None
    if long:
        raw = _as_text(value).replace("\r\n", "\n").replace("\r", "\n")
        lines = [clean_text(line) for line in raw.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        out = "\n".join(lines)
    else:
        out = clean_text(value)
    return out or None


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_DATE_YMD = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:[日号]|\.)?(?:(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_MD = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?")
# ``3.15`` typed as text: month.day (the year comes from the period). A number 3.15 is not
# read this way: as a number 3.1 and 3.10 are the same, so the day would be a guess.
_DATE_MD_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})\.?")
_DATE_HINT = "请写成 2022-04-29 或 2022年4月29日"


def _make_date(y: int, m: int, d: int, shown: str) -> date:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise NormalizeError("bad-date", f"年份{y}不合理")
    if not 1 <= m <= 12:
        raise NormalizeError("bad-date", f"没有{m}月")
    try:
        return date(y, m, d)
    except ValueError:
        raise NormalizeError("bad-date", f"{y}年{m}月没有{d}日") from None


def _serial_to_date(n: float) -> date:
    if 19000101 <= n <= 21001231 and float(n).is_integer():
        s = str(int(n))
        return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]), s)
    if not 1 <= n < 2958466:
        raise NormalizeError("bad-date", "这是一个数字，不是日期")
    d = _EXCEL_EPOCH + timedelta(days=int(n))
    if not _MIN_YEAR <= d.year <= _MAX_YEAR:
        raise NormalizeError("bad-date", "这是一个数字，不是日期")
    return d


@lru_cache(maxsize=4096)
def _parse_date_text(text: str, default_year: int | None) -> date:
    s = _half(text)
    if not s:
        raise NormalizeError("bad-date", "为空")
    m = _DATE_YMD.fullmatch(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    m = _DATE_COMPACT.fullmatch(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    m = _DATE_MD.fullmatch(s)
    if m:
        if default_year is None:
            raise NormalizeError("bad-date", "缺少年份")
        return _make_date(default_year, int(m[1]), int(m[2]), s)
    m = _DATE_MD_DOT.fullmatch(s)
    if m and default_year is not None and 1 <= int(m[1]) <= 12:
        return _make_date(default_year, int(m[1]), int(m[2]), s)
    if re.fullmatch(r"\d+(\.\d+)?", s):
        try:
            return _serial_to_date(float(s))
        except NormalizeError:
            raise
        except (ValueError, OverflowError):
            pass
    raise NormalizeError("bad-date", "无法识别")


def normalize_date(value: object, *, default_year: int | None = None) -> date:
    """A date from an Excel date, serial number or one of the usual spellings.

    ``default_year`` completes ``4月29日`` (the period's year, else today's).
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if not _MIN_YEAR <= value.year <= _MAX_YEAR:
            raise NormalizeError("bad-date", f"年份{value.year}不合理")
        return value
    if isinstance(value, time):  # a date-formatted cell holding a number below 1 (python-calamine)
        if value == time(0):
            raise NormalizeError("bad-date", "单元格是日期格式，但其中的数是0或负数，Excel中显示为1900-01-00或#####",
                                 shown="0或负数")
        raise NormalizeError("bad-date", "只有时间，没有日期")
    if isinstance(value, bool) or value is None:
        raise NormalizeError("bad-date", "无法识别")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise NormalizeError("bad-date", "无法识别")
        return _serial_to_date(value)
    if isinstance(value, str):
        if len(value) > 64:
            raise NormalizeError("bad-date", "无法识别")
        return _parse_date_text(value, default_year)
    raise NormalizeError("bad-date", "无法识别")


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

# What people type in a number cell to mean "nothing" (after NFKC, spaces removed).
EMPTY_MARKS = frozenset(("/", "//", "\\", "无", "-", "--", "—", "——", "–", "―", "─"))


def is_empty_mark(value: object) -> bool:
    """True for ``/``, ``无``, ``—``, ``-`` (full- or half-width, with spaces): "nothing"
    in a number column. The validator treats such a cell as empty (so a required
    column still reports it as missing)."""
    return isinstance(value, str) and len(value) <= 8 and _half(value) in EMPTY_MARKS

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d*)?")
_SUFFIX = re.compile(r"(.*?\d\.?)([^\d.%]{1,4})")
# money suffix -> factor to 万元
_MONEY = {"万元": 1.0, "元": 1e-4, "亿元": 1e4, "千元": 1e-1, "万": 1.0}


def _number_text(text: str) -> tuple[float, str | None]:
    """Parse cleaned half-width text into (number, suffix or None)."""
    s = text
    suffix = None
    m = _SUFFIX.fullmatch(s)
    if m and not _NUMBER.fullmatch(s):
        s, suffix = m[1], m[2]
    g = _GROUPED.fullmatch(s)
    if g:
        s = g[1] + g[2].replace(",", "") + (g[3] or "")
    if not _NUMBER.fullmatch(s):
        raise NormalizeError("bad-number", "含有数字以外的内容")
    return _finite(float(s), "bad-number"), suffix


def _round(x: float) -> float:
    return round(x, 10)


@lru_cache(maxsize=4096)
def _parse_number_text(text: str, units: tuple[str, ...], any_suffix: bool) -> tuple[float, str | None]:
    s = _half(text)
    if not s:
        raise NormalizeError("bad-number", "为空")
    value, suffix = _number_text(s)
    if suffix is not None:
        if suffix in _MONEY and (any_suffix or suffix in units):
            return _round(value * _MONEY[suffix]), "万元"
        if suffix in units or (any_suffix and not re.search(r"[\d.,+\-]", suffix)):
            return value, suffix
        raise NormalizeError("bad-number", f"数字后面多了“{suffix}”")
    return value, None


def normalize_number(value: object, *, units: tuple[str, ...] = (), any_suffix: bool = False) -> tuple[float, str | None]:
    """A number and the unit suffix typed after it (``50.43万元`` → (50.43, "万元")).

    Money is returned in 万元: ``5000元`` → (0.5, "万元"). ``units`` lists the accepted
    suffixes; ``any_suffix`` accepts any short non-numeric suffix (for columns that
    have a separate unit column).
    """
    if isinstance(value, bool) or value is None:
        raise NormalizeError("bad-number", "不是数字")
    if isinstance(value, (int, float)):
        return _finite(value, "bad-number"), None
    if isinstance(value, str):
        if len(value) > 64:
            raise NormalizeError("bad-number", "内容过长")
        return _parse_number_text(value, tuple(units), any_suffix)
    raise NormalizeError("bad-number", "不是数字")


def _finite(value: int | float, code: str) -> float:
    """``value`` as a float, or ``code``: NaN and infinities are no number, an integer beyond
    float's range (about 1.8e308) is too large to be one."""
    try:
        x = float(value)
    except OverflowError:
        raise NormalizeError(code, "数字过大") from None
    if math.isnan(x):
        raise NormalizeError(code, "不是数字")
    if math.isinf(x):
        raise NormalizeError(code, "数字过大")
    return x


def normalize_int(value: object, *, units: tuple[str, ...] = ()) -> int:
    """An integer: ``１２６`` / ``126人`` / ``1,200`` / ``3.0`` → int; ``3.5`` is an error."""
    if isinstance(value, bool) or value is None:
        raise NormalizeError("bad-integer", "不是数字")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise NormalizeError("bad-integer", "不是数字")
        if not value.is_integer():
            nearest = round(value)
            if abs(value - nearest) > 1e-9 * max(1.0, abs(value)):  # formula results like 2.0000000000000004
                raise NormalizeError("bad-integer", "有小数部分")
            value = nearest
        return int(value)
    if isinstance(value, str):
        try:
            number, _ = normalize_number(value, units=units)
        except NormalizeError as exc:
            raise NormalizeError("bad-integer", exc.hint) from None
        if not number.is_integer():
            raise NormalizeError("bad-integer", "有小数部分")
        return int(number)
    raise NormalizeError("bad-integer", "不是数字")


def _percent_from_number(x: float, had_sign: bool) -> float:
    if math.isnan(x) or math.isinf(x):
        raise NormalizeError("bad-percent", "不是数字")
    if x < 0:
        raise NormalizeError("bad-percent", "不能为负数")
    if not had_sign and 0 < x <= 1:
        x = x * 100
    if x > 100:
        raise NormalizeError("bad-percent", "超过了100%")
    return _round(x)


@lru_cache(maxsize=1024)
def _parse_percent_text(text: str) -> float:
    s = _half(text)
    had_sign = s.endswith("%")
    if had_sign:
        s = s[:-1]
    if not _NUMBER.fullmatch(s):
        raise NormalizeError("bad-percent", "无法识别")
    return _percent_from_number(_finite(float(s), "bad-percent"), had_sign)


def normalize_percent(value: object) -> float:
    """A percentage 0–100: ``85%``/``0.85``/``85``/``１００％`` → 85.0 … (0 < x ≤ 1 is a fraction)."""
    if isinstance(value, bool) or value is None:
        raise NormalizeError("bad-percent", "无法识别")
    if isinstance(value, (int, float)):
        return _percent_from_number(_finite(value, "bad-percent"), False)
    if isinstance(value, str):
        if len(value) > 64:
            raise NormalizeError("bad-percent", "内容过长")
        return _parse_percent_text(value)
    raise NormalizeError("bad-percent", "无法识别")


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------


def choice_key(text: str) -> str:
    """Comparison form of a list value: half-width, no spaces, unified brackets/dashes."""
    s = _half(text)
    for a, b in (("〔", "("), ("〕", ")"), ("【", "("), ("】", ")"), ("[", "("), ("]", ")"), ("—", "-"), ("–", "-")):
        s = s.replace(a, b)
    return s.rstrip("。.;；,，")


@lru_cache(maxsize=256)
def _choice_map(choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for alias, canonical in aliases:
        out[choice_key(alias)] = canonical
    for c in choices:
        out[choice_key(c)] = c
    return out


@lru_cache(maxsize=8192)
def _choice_cached(text: str, choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> str:
    mapping = _choice_map(choices, aliases)
    key = choice_key(text)
    if key in mapping:
        return mapping[key]
    close = difflib.get_close_matches(key, list(mapping), n=1, cutoff=0.5)
    suggestion = mapping[close[0]] if close else ""
    raise NormalizeError("not-in-list", "", suggestion=suggestion, choices="／".join(choices))


@lru_cache(maxsize=4096)
def _is_reading(text: str, readings: tuple[str, ...]) -> bool:
    return choice_key(text) in {choice_key(r) for r in readings}


def is_reading(value: object, readings: tuple[str, ...]) -> bool:
    """Whether ``value`` is one of the aliases ``readings`` (compared as :func:`normalize_choice` does):
    an interpretation of what was meant, which the unit must be told about."""
    return bool(readings) and _is_reading(_as_text(value), tuple(readings))


def normalize_choice(value: object, choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
    """The canonical list value for ``value`` (trimmed, odd spaces removed, aliases applied)."""
    text = _as_text(value)
    if len(text) > 200:
        raise NormalizeError("not-in-list", "", suggestion="", choices="／".join(choices))
    alias_items = tuple(sorted((aliases or {}).items()))
    return _choice_cached(text, tuple(choices), alias_items)


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"[、,;/，；]")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _phone_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    s = unicodedata.normalize("NFKC", _as_text(value).translate(_ZW_TABLE))
    s = "".join(s.split()).replace("—", "-").replace("–", "-")
    if s.startswith("(") and ")" in s:  # (0531)12345678
        s = s[1:].replace(")", "-", 1)
    return s


def normalize_phone(value: object, pattern: str | None = None) -> str:
    """A phone number as text. Numbers typed as numbers (13812345678.0) become text.

    Raises ``phone-lost-zero`` (a 提示 in the catalog) when a landline lost its
    leading zero, with the corrected number in ``slots["fixed"]``; ``bad-phone``
    when the text does not match ``pattern``.
    """
    if value is None or isinstance(value, bool):
        raise NormalizeError("bad-phone", "")
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise NormalizeError("bad-phone", "")
    text = _phone_text(value)
    if not text:
        raise NormalizeError("bad-phone", "")
    if pattern is None:
        return text
    rx = _compiled(pattern)
    parts = [p for p in _PHONE_SPLIT.split(text) if p]
    if parts and all(rx.fullmatch(p) for p in parts):
        return text
    if len(parts) == 1:
        fixed = "0" + text
        if rx.fullmatch(fixed) and not text.startswith("0") and not re.match(r"1[3-9]", text):
            digits = fixed.replace("-", "")
            if "-" in fixed:
                shown = fixed
            else:
                area = 3 if digits[1] in "12" else 4  # 010/02x: 3-digit area codes
                shown = digits[:area] + "-" + digits[area:]
            raise NormalizeError("phone-lost-zero", "", fixed=shown, text=text)
    raise NormalizeError("bad-phone", "")
