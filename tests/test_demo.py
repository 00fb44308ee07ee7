"""The demo workspace tells the story the README promises: one unit missing, one unit
sending twice (the older file superseded), one file returned, and a finished report."""

from __future__ import annotations

from docx import Document

from toolkit import api
from toolkit.demo import MISSING_UNIT, RETURNED_UNIT, TWICE_UNIT, create_demo


def test_demo_runs_end_to_end_and_tells_its_story(tmp_path):
    ws = create_demo(tmp_path / "演示工作区")
    result, merged, report = api.run_workspace(ws)

    superseded = [f for f in result.files if f.status == "已被替代"]
    assert [f.rel for f in superseded] == [f"{TWICE_UNIT}报表（第一次）.xlsx"]
    assert superseded[0].superseded_by.startswith(f"{TWICE_UNIT}-大走访大调研台账")

    returned = [f for f in result.files if f.errors]
    assert [f.unit for f in returned] == [RETURNED_UNIT] and returned[0].markup_path
    assert [p.name for p in ws.returns_dir.glob("*.xlsx")] == [f"{RETURNED_UNIT}-大走访大调研台账-2022年第一季度（退回修改）.xlsx"]

    assert [u["name"] for u in merged.figures["submission"]["missing"]] == [MISSING_UNIT]
    t = result.totals()
    assert t["rows_read"] == t["rows_accepted"] + t["rows_rejected"] + t["rows_superseded"]
    assert any(rel.startswith("~$") for rel, _ in result.ignored)

    text = "\n".join(p.text for p in Document(str(report.docx)).paragraphs)
    assert f"累计开展走访{merged.figures['visits']['count']}次" in text
    assert MISSING_UNIT in text  # named in 存在问题 as not having submitted
    assert (ws.root / "控制台.xlsm").exists() and (ws.root / "一键完成.bat").exists()
