"""Normalizers: each accepted spelling, each error code; hypothesis for the invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import CATALOG
from toolkit.normalize import (
    NormalizeError,
    clean_text,
    is_empty_mark,
    normalize_choice,
    normalize_date,
    normalize_int,
    normalize_number,
    normalize_percent,
    normalize_phone,
    normalize_text,
)
from toolkit.schema import COUNT_UNITS, OBJECT_TYPES, PHONE_PATTERN, VISITS

FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _error(fn, *args, **kw) -> NormalizeError:
    with pytest.raises(NormalizeError) as info:
        fn(*args, **kw)
    assert info.value.code in CATALOG
    return info.value


# --- dates ------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    dt.date(2022, 4, 29), dt.datetime(2022, 4, 29), dt.datetime(2022, 4, 29, 10, 30), 44680, 44680.0, 44680.5,
    "2022.4.29", "2022/04/29", "2022-4-29", "2022年4月29日", "2022年04月29日", "20220429", 20220429,
    " 2022-04-29 ", "\u00a02022.4.29\u200b", "２０２２年４月２９日", "2022-04-29 00:00:00", "2022.4.29\u3000",
])
def test_date_spellings(value):
    assert normalize_date(value) == dt.date(2022, 4, 29)


def test_date_without_year_uses_default_year():
    assert normalize_date("4月29日", default_year=2022) == dt.date(2022, 4, 29)
    assert normalize_date("4月29", default_year=2021) == dt.date(2021, 4, 29)
    assert _error(normalize_date, "4月29日").code == "bad-date"


@pytest.mark.parametrize("value", ["2022年3月15号", "2022.3.15.", "2022-3-15 ", "２０２２.３.１５．"])
def test_real_world_date_spellings(value):
    assert normalize_date(value) == dt.date(2022, 3, 15)


def test_month_dot_day_text_takes_the_default_year_only_when_unambiguous():
    assert normalize_date("3.15", default_year=2022) == dt.date(2022, 3, 15)
    assert normalize_date("3.1", default_year=2022) == dt.date(2022, 3, 1)
    assert normalize_date("3.10", default_year=2022) == dt.date(2022, 3, 10)
    assert _error(normalize_date, "3.15").code == "bad-date"  # no year known
    assert _error(normalize_date, 3.15, default_year=2022).code == "bad-date"  # a number: 3.1 or 3.10?
    assert _error(normalize_date, "13.5", default_year=2022).code == "bad-date"
    assert _error(normalize_date, "2.30", default_year=2022).hint == "2022年2月没有30日"


@pytest.mark.parametrize("value", ["/", "／", "无", "—", "——", "-", "－", " / ", "\u3000无"])
def test_empty_marks(value):
    assert is_empty_mark(value)


@pytest.mark.parametrize("value", ["0", "", "一", "无效", "1-2", 0, None])
def test_not_empty_marks(value):
    assert not is_empty_mark(value)


@pytest.mark.parametrize("value, hint", [
    ("2022.13.45", "没有13月"), ("2022.2.30", "2022年2月没有30日"), ("明天", "无法识别"), ("2022", "这是一个数字，不是日期"),
    (2022, "这是一个数字，不是日期"), (True, "无法识别"), ("", "为空"), (float("nan"), "无法识别"), (-5, "这是一个数字，不是日期"),
])
def test_bad_dates(value, hint):
    err = _error(normalize_date, value)
    assert err.code == "bad-date"
    assert err.hint == hint


# --- integers and numbers -----------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (126, 126), (126.0, 126), ("126", 126), ("１２６", 126), ("126人", 126), ("１２６人", 126), (" 126 人 ", 126),
    ("1,200", 1200), ("1，200", 1200), ("3.0", 3), ("6支", 6), ("-2", -2), (2.0000000000000004, 2),
])
def test_integers(value, expected):
    assert normalize_int(value, units=COUNT_UNITS) == expected


@pytest.mark.parametrize("value, hint", [
    ("3.5", "有小数部分"), (3.5, "有小数部分"), ("约3", "含有数字以外的内容"), ("3个半", "数字后面多了“个半”"), ("1,2", "含有数字以外的内容"),
    (True, "不是数字"), ("126万元", "数字后面多了“万元”"),
])
def test_bad_integers(value, hint):
    err = _error(normalize_int, value, units=COUNT_UNITS)
    assert err.code == "bad-integer"
    assert err.hint == hint


def test_integer_unit_must_be_declared():
    assert _error(normalize_int, "126人").code == "bad-integer"


@pytest.mark.parametrize("value, expected", [
    ("50.43万元", (50.43, "万元")), ("５０．４３万元", (50.43, "万元")), ("5000元", (0.5, "万元")),
    ("1.2亿元", (12000.0, "万元")), ("6支", (6.0, "支")), ("126名", (126.0, "名")), ("1,234.5", (1234.5, None)),
    (532.67, (532.67, None)), ("532.67", (532.67, None)),
])
def test_numbers_with_unit_column(value, expected):
    assert normalize_number(value, any_suffix=True) == expected


def test_number_suffix_needs_unit_column_or_declared_units():
    assert _error(normalize_number, "6支").code == "bad-number"
    assert normalize_number("6支", units=("支",)) == (6.0, "支")
    assert _error(normalize_number, "abc", any_suffix=True).code == "bad-number"
    assert _error(normalize_number, "六支", any_suffix=True).code == "bad-number"


# --- percent -------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("85%", 85.0), (0.85, 85.0), ("0.85", 85.0), (85, 85.0), ("85", 85.0), ("85.5%", 85.5), ("１００％", 100.0),
    (1, 100.0), ("100%", 100.0), (0, 0.0), ("0%", 0.0), ("0.5%", 0.5), (" 60 % ", 60.0),
])
def test_percent(value, expected):
    assert normalize_percent(value) == pytest.approx(expected)


@pytest.mark.parametrize("value, hint", [("abc", "无法识别"), ("120%", "超过了100%"), (-0.1, "不能为负数"), (150, "超过了100%")])
def test_bad_percent(value, hint):
    err = _error(normalize_percent, value)
    assert (err.code, err.hint) == ("bad-percent", hint)


# --- choices -----------------------------------------------------------------

OBJ = VISITS.column("object_type")


@pytest.mark.parametrize("value", ["村(社区)", "村（社区）", " 村（社区） ", "村\u00a0(社区)", "村\u200b（社区）", "村　(社区)", "村社区", "社区"])
def test_choice_variants(value):
    assert normalize_choice(value, OBJ.choices, OBJ.choice_aliases) == "村(社区)"


def test_choice_error_suggests_near_match():
    err = _error(normalize_choice, "企叶", OBJ.choices, OBJ.choice_aliases)
    assert err.code == "not-in-list"
    assert err.slots["suggestion"] == "企业"
    assert "村(社区)" in err.slots["choices"]


# --- phone -------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (13812345678.0, "13812345678"), (13812345678, "13812345678"), ("138 1234 5678", "13812345678"),
    ("0531-12345678", "0531-12345678"), ("０５３１－１２３４５６７８", "0531-12345678"), ("(0531)12345678", "0531-12345678"),
    ("13812345678、13912345678", "13812345678、13912345678"),
])
def test_phone(value, expected):
    assert normalize_phone(value, PHONE_PATTERN) == expected


@pytest.mark.parametrize("value, fixed", [(53112345678, "0531-12345678"), ("531-1234567", "0531-1234567"),
                                          (1087654321.0, "010-87654321")])
def test_phone_lost_leading_zero(value, fixed):
    err = _error(normalize_phone, value, PHONE_PATTERN)
    assert err.code == "phone-lost-zero"
    assert CATALOG[err.code].severity == "提示"
    assert err.slots["fixed"] == fixed


def test_bad_phone():
    assert _error(normalize_phone, "12345", PHONE_PATTERN).code == "bad-phone"


# --- text --------------------------------------------------------------------


def test_text():
    assert normalize_text("  王\u00a0建国\u200b  ") == "王 建国"
    assert normalize_text("a\u3000\u3000b") == "a b"
    assert normalize_text("第一行\r\n 第二行 \n\n", long=True) == "第一行\n第二行"
    assert normalize_text("   ") is None
    assert normalize_text(3.0) == "3"
    assert normalize_text("=SUM(A1)") == "=SUM(A1)"
    assert clean_text(dt.datetime(2022, 4, 29)) == "2022-04-29"


# --- properties ----------------------------------------------------------------

dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31))


@given(dates)
def test_every_date_spelling_maps_to_the_same_date(d):
    serial = (d - dt.date(1899, 12, 30)).days
    spellings = [
        d, dt.datetime(d.year, d.month, d.day), serial, float(serial), f"{d.year}.{d.month}.{d.day}",
        f"{d.year}/{d.month:02d}/{d.day:02d}", f"{d.year}-{d.month}-{d.day}", f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}{d.month:02d}{d.day:02d}", f" {d.year}年{d.month}月{d.day}日\u3000".translate(FW),
        f"{d.year}年{d.month}月{d.day}号", f"{d.year}.{d.month}.{d.day}.", f"{d.year}-{d.month}-{d.day} ",
    ]
    for s in spellings:
        assert normalize_date(s) == d, s
    assert normalize_date(f"{d.month}月{d.day}日", default_year=d.year) == d
    assert normalize_date(f"{d.month}月{d.day}号", default_year=d.year) == d
    assert normalize_date(f"{d.month}.{d.day}", default_year=d.year) == d


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(COUNT_UNITS))
def test_every_integer_spelling_maps_to_the_same_int(n, unit):
    spellings = [n, float(n), str(n), f"{n:,}", f"{n:,}".replace(",", "，"), str(n).translate(FW), f"{n}{unit}",
                 f"{n}.0", f" {n} "]
    for s in spellings:
        assert normalize_int(s, units=COUNT_UNITS) == n, s


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_every_amount_spelling_maps_to_the_same_number(d):
    x = float(d)
    text = format(d, "f")
    for s in (x, text, text + "万元", text.translate(FW) + "万元"):
        assert normalize_number(s, any_suffix=True)[0] == pytest.approx(x), s
    assert normalize_number(f"{text}元", any_suffix=True)[0] == pytest.approx(x / 10000)


@given(st.integers(min_value=0, max_value=100))
def test_every_percent_spelling_maps_to_the_same_percent(p):
    spellings = [f"{p}%", f"{p}％", f"{p}%".translate(FW), p / 100 if p else 0]
    if p > 1:
        spellings += [p, str(p), float(p)]
    for s in spellings:
        assert normalize_percent(s) == pytest.approx(p), s


@given(st.sampled_from(OBJECT_TYPES), st.sampled_from(["", " ", "\u00a0", "\u200b", "\u3000", "\ufeff"]),
       st.sampled_from(["", " ", "\u00a0", "\u200b", "\u3000"]))
def test_every_list_spelling_maps_to_the_canonical_value(value, before, after):
    spelled = before + value.replace("(", "（").replace(")", "）") + after
    assert normalize_choice(spelled, OBJ.choices, OBJ.choice_aliases) == value
    assert normalize_choice(before + value + after, OBJ.choices, OBJ.choice_aliases) == value


_anything = st.one_of(st.text(max_size=80), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                      st.booleans(), st.none(), st.dates(), st.datetimes(), st.binary(max_size=10))


@settings(max_examples=300)
@given(_anything)
def test_garbage_gives_normalize_error_never_another_exception(value):
    calls = [
        lambda: normalize_date(value, default_year=2022),
        lambda: normalize_int(value, units=COUNT_UNITS),
        lambda: normalize_number(value, any_suffix=True),
        lambda: normalize_percent(value),
        lambda: normalize_choice(value, OBJ.choices, OBJ.choice_aliases),
        lambda: normalize_phone(value, PHONE_PATTERN),
        lambda: normalize_text(value, long=True),
    ]
    for call in calls:
        try:
            call()
        except NormalizeError as exc:
            assert exc.code in CATALOG


def test_a_column_proven_clean_is_one_that_cleaning_leaves_as_it_is():
    """all_clean_text (validation's fast path for text columns) never says clean when clean_text would change
    a value or find it empty, and says clean for ordinary text."""
    import random

    from toolkit.normalize import all_clean_text, clean_text

    rng = random.Random(20221201)
    pieces = ["a", "中", " ", "  ", "\n", "\t", "\r", "\u3000", "\u00a0", "\u200b", "\ufeff", "\u00ad", "\x00", "\x01",
              "\x1f", "\x85", "\u2028", "\u2029", "-", "Ⅱ"]
    claimed = 0
    for _ in range(20000):
        values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(1, 3))]
        if all_clean_text(values):
            claimed += 1
            assert all(v and clean_text(v) == v for v in values), values
    assert claimed > 100  # the test saw the fast path taken
    assert all_clean_text(["01-2022Q1-P001", "走访 企业", "Ⅱ类"])
    assert not all_clean_text(["a", ""]) and not all_clean_text(["a", " b"]) and not all_clean_text(["a\u3000b"])
