"""汇总数据.json is written by orjson when it is installed, else by the standard library: both must give the
text of ``json.dumps(figures, ensure_ascii=False, indent=2) + "\\n"`` for a figures dict, and the same content
for any JSON value."""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import scenario
from figures_fixture import make_figures
from toolkit.api import load_figures
from toolkit.config import ConfigError
from toolkit.merge import FIGURES_NAME, encode_figures, summarize, write_figures

HAS_ORJSON = importlib.util.find_spec("orjson") is not None
LIBRARIES = ["orjson", "json"] if HAS_ORJSON else ["json"]
needs_orjson = pytest.mark.skipif(not HAS_ORJSON, reason="orjson is not installed")


def reference(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # any unicode, incl. control characters, quotes, backslashes, surrogates excluded
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)
# the numbers a figures dict holds: counts, rates and means with one decimal, sums with two
figure_numbers = (st.integers(min_value=0, max_value=10**12)
                  | st.integers(min_value=0, max_value=10**6).map(lambda n: n / 10)
                  | st.integers(min_value=0, max_value=10**14).map(lambda n: n / 100))
figure_values = st.recursive(
    st.none() | st.booleans() | figure_numbers | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_both_libraries_write_the_same_content(value):
    for library in LIBRARIES:
        assert json.loads(encode_figures(value, library=library)) == value


@needs_orjson
@settings(max_examples=300, deadline=None)
@given(figure_values)
def test_both_libraries_write_the_same_text_for_figures_values(value):
    assert encode_figures(value, library="orjson") == encode_figures(value, library="json") == reference(value)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_same_text_for_real_figures(library):
    real = summarize(scenario().result, org="XX市体育局", office="党建办").figures
    for fig in (real, make_figures(12), make_figures(3, empty=True), make_figures(5, special=True)):
        assert encode_figures(fig, library=library) == reference(fig)


@needs_orjson
def test_a_numpy_float_is_written_as_the_standard_library_writes_it():
    np = pytest.importorskip("numpy")
    value = {"rate": np.float64(12.5), "list": [np.float64(0.1)]}
    assert encode_figures(value, library="orjson") == encode_figures(value, library="json") == reference(value)
    with pytest.raises(TypeError):
        encode_figures({"count": np.int64(3)}, library="orjson")  # as json.dumps refuses it


def test_an_unknown_library_is_refused():
    with pytest.raises(ValueError):
        encode_figures({}, library="simplejson")


def test_write_figures_then_load_figures(tmp_path):
    figures = {"format": "toolkit.figures/1", "org": "滨海市体育局",
               "red_list": [{"单位": f"第{i}科", "事项": "道路\n修复\t“急”", "天数": i, "比例": i / 7} for i in range(3000)]}
    path = write_figures(figures, tmp_path)
    assert path == tmp_path / FIGURES_NAME
    assert path.read_bytes() == reference(figures)
    assert load_figures(path) == figures
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left


def test_without_orjson_the_standard_library_writes_the_same_file(tmp_path, monkeypatch):
    figures = summarize(scenario().result, org="XX市体育局").figures
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now raises ImportError
    assert write_figures(figures, tmp_path).read_bytes() == reference(figures)
    with pytest.raises(ImportError):
        encode_figures(figures, library="orjson")


def test_load_figures_explains_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(ConfigError, match="找不到汇总数据"):
        load_figures(tmp_path / FIGURES_NAME)
    broken = tmp_path / "broken.json"
    broken.write_text("{不是 JSON", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的汇总数据文件"):
        load_figures(broken)
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"format": "other/1"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="不是 toolkit 生成的汇总数据文件"):
        load_figures(foreign)


def test_figures_hold_no_float_that_the_two_libraries_would_spell_differently():
    """Why the text is the same: the figures' floats are rates, means and sums below 1e16 with at most two
    decimals, written alike by both libraries (they differ only in exponents: 1e-05 / 0.00001)."""
    real = summarize(scenario().result).figures

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                yield from walk(v)
        elif isinstance(x, list):
            for v in x:
                yield from walk(v)
        elif type(x) is float:
            yield x

    found = list(walk(real))
    assert found
    for x in found:
        assert math.isfinite(x) and abs(x) < 1e16 and round(x, 2) == x and "e" not in repr(x)
