"""toolkit.api: the functions every front end calls."""

from __future__ import annotations

import random
from datetime import date

from toolkit import api, runtime
from toolkit.config import init_workspace
from toolkit.model import Unit
from toolkit.sample import generate_unit_rows
from toolkit.schema import SURVEY
from toolkit.templates import build_workbook, fill_rows


def test_markup_names_name_the_unit_and_never_collide():
    used: set[str] = set()
    a = api.markup_name("办公室/大走访大调研台账.xlsx", "办公室", used)
    b = api.markup_name("党建办/大走访大调研台账.xlsx", "党建办", used)
    c = api.markup_name("党建办/大走访大调研台账.xls", "党建办", used)
    d = api.markup_name("党建办-大走访大调研台账（退回修改）.xlsx", "党建办", used)
    assert a == "办公室-大走访大调研台账（退回修改）.xlsx"
    assert b == "党建办-大走访大调研台账（退回修改）.xlsx"
    assert c == "党建办-大走访大调研台账（退回修改2）.xlsx"
    assert d == "党建办-大走访大调研台账（退回修改3）.xlsx"


def test_two_units_sending_the_same_file_name_each_get_their_own_returned_file(tmp_path):
    units = [Unit("01", "办公室"), Unit("02", "党建办")]
    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=units, as_of=date(2022, 4, 29))
    for unit in units:
        rows = generate_unit_rows(unit, ws.period, date(2022, 4, 29), random.Random(unit.code), visits=3, tasks=0)
        rows["visits"][0]["participants"] = None  # one real error each: both files go back
        wb = build_workbook(SURVEY, unit=unit.name, period=ws.period)
        fill_rows(wb, "visits", rows["visits"])
        fill_rows(wb, "problems", rows["problems"])
        folder = ws.inbox / unit.name
        folder.mkdir()
        wb.save(folder / "大走访大调研台账.xlsx")
    result = api.validate_workspace(ws)
    returned = sorted(p.name for p in ws.returns_dir.glob("*.xlsx"))
    assert returned == ["党建办-大走访大调研台账（退回修改）.xlsx", "办公室-大走访大调研台账（退回修改）.xlsx"]
    assert sorted(f.markup_path for f in result.files) == sorted(str(ws.returns_dir / n) for n in returned)


def test_returned_files_of_earlier_runs_are_removed_when_fixed(tmp_path):
    units = [Unit("01", "办公室")]
    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=units, as_of=date(2022, 4, 29))
    rows = generate_unit_rows(units[0], ws.period, date(2022, 4, 29), random.Random(5), visits=3, tasks=0)
    good = [dict(r) for r in rows["visits"]]
    rows["visits"][0]["participants"] = None
    wb = build_workbook(SURVEY, unit="办公室", period=ws.period)
    fill_rows(wb, "visits", rows["visits"])
    fill_rows(wb, "problems", rows["problems"])
    wb.save(ws.inbox / "办公室.xlsx")
    (ws.returns_dir / "说明.txt").write_text("office notes", encoding="utf-8")  # not ours: kept
    api.validate_workspace(ws)
    assert [p.name for p in ws.returns_dir.glob("*.xlsx")] == ["办公室（退回修改）.xlsx"]

    wb = build_workbook(SURVEY, unit="办公室", period=ws.period)  # the unit fixes its file
    fill_rows(wb, "visits", good)
    fill_rows(wb, "problems", rows["problems"])
    wb.save(ws.inbox / "办公室.xlsx")
    api.validate_workspace(ws)
    assert sorted(p.name for p in ws.returns_dir.iterdir()) == ["说明.txt"]


def test_bulk_gc_collects_less_often_inside_and_restores_the_setting_after():
    import gc

    import pytest

    before = gc.get_threshold()
    with pytest.raises(ValueError):
        with runtime.bulk_gc():
            assert gc.get_threshold()[0] >= runtime.BULK_GC_THRESHOLD
            assert gc.get_threshold()[1:] == before[1:]
            raise ValueError
    assert gc.get_threshold() == before


def test_appendix_template_from_toolkit_toml(tmp_path_factory, tmp_path):
    import pytest
    from docx import Document

    from demo_workspace import demo_copy
    from toolkit.config import ConfigError, load_workspace
    from toolkit.report.build_template import TEMPLATE_DIR

    root = demo_copy(tmp_path_factory, tmp_path / "ws")
    toml = root / "toolkit.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'appendix_template = ""' in text  # toolkit init / the demo write the key, empty
    toml.write_text(text.replace('appendix_template = ""', 'appendix_template = "我的附表.docx"'), encoding="utf-8")
    ws = load_workspace(root)
    api.merge_workspace(ws)
    with pytest.raises(ConfigError, match="统计附表模板.*我的附表.docx"):
        api.report_workspace(ws)
    doc = Document(str(TEMPLATE_DIR / "统计附表.docx"))
    doc.add_paragraph("附表尾注：自定义模板")
    doc.save(str(root / "我的附表.docx"))
    outcome = api.report_workspace(ws)
    assert any(p.text == "附表尾注：自定义模板" for p in Document(str(outcome.appendix)).paragraphs)


def test_run_workspace_reports_the_end_of_each_stage_in_order(tmp_path_factory, tmp_path):
    from demo_workspace import demo_copy
    from toolkit.config import load_workspace

    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path / "ws"))
    ended: list[str] = []
    api.run_workspace(ws, stage=ended.append)
    assert ended == ["read", "validate", "merge", "workbook", "report"]
