"""汇总数据.json is written by toolkit.merge.figures_json, a one-pass writer that must equal
json.dumps(ensure_ascii=False, indent=2, allow_nan=False) byte for byte."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.merge import figures_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # any unicode, incl. control characters, quotes, backslashes, surrogates excluded
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_figures_json_equals_the_standard_library(value):
    assert figures_json(value) == json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def test_figures_json_on_a_realistic_figures_dict():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from figures_fixture import make_figures

    for fig in (make_figures(12), make_figures(3, empty=True), make_figures(5, special=True)):
        assert figures_json(fig) == json.dumps(fig, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def test_write_figures_writes_exactly_figures_json(tmp_path):
    from toolkit.api import load_figures
    from toolkit.merge import FIGURES_NAME, write_figures

    # enough values for the writer's pieces to span several chunks
    figures = {"format": "toolkit.figures/1", "org": "滨海市体育局",
               "red_list": [{"单位": f"第{i}科", "事项": "道路\n修复\t“急”", "天数": i, "比例": i / 7} for i in range(3000)]}
    path = write_figures(figures, tmp_path)
    assert path == tmp_path / FIGURES_NAME
    assert path.read_bytes() == figures_json(figures).encode("utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == figures == load_figures(path)
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left
