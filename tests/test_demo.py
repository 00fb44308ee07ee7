"""The demo workspace tells the story the README promises: a first quarter recorded (one unit
missing, one unit sending twice, one file returned) and a second quarter current, whose
prefilled templates came back updated — with the slips the cross-period checks catch."""

from __future__ import annotations

from collections import Counter

from docx import Document

from toolkit import api
from toolkit.demo import (
    DROPPED_UNIT,
    MISSING_UNIT,
    MOVED_UNIT,
    REOPENED_UNIT,
    RETURNED_UNIT,
    SLOWER_UNIT,
    TWICE_UNIT,
    create_demo,
)
from toolkit.history import open_store
from toolkit.report.lint import lint


def test_demo_runs_two_periods_end_to_end_and_tells_its_story(tmp_path):
    ws = create_demo(tmp_path / "演示工作区")
    assert ws.period.code == "2022Q2" and ws.inbox.parent.name == "2022年第二季度"
    with open_store(ws.store_path, create=False) as store:
        assert [p.code for p in store.periods()] == ["2022Q1"]
        first = store.period("2022Q1")
        q1_problems = store.columns("problems", "2022Q1")
    assert first.code == "2022Q1"
    q1_dir = ws.root / first.folder
    assert (q1_dir / "汇总输出" / "汇总表.xlsx").exists()
    superseded = [f for f in first.figures["submission"]["superseded_files"]]
    assert [f["unit"] for f in superseded] == [TWICE_UNIT]
    assert [p.name for p in (q1_dir / "退回修改").glob("*.xlsx")] == [
        f"{RETURNED_UNIT}-大走访大调研台账-2022年第一季度（退回修改）.xlsx"]

    result, merged, report = api.run_workspace(ws)
    codes = Counter((i.code, f.unit) for f in result.files for i in f.issues if i.code in (
        "status-regressed", "progress-decreased", "deadline-moved", "carried-missing"))
    assert codes == Counter({("status-regressed", REOPENED_UNIT): 1, ("progress-decreased", SLOWER_UNIT): 1,
                             ("deadline-moved", MOVED_UNIT): 1, ("carried-missing", DROPPED_UNIT): 1})
    returned = [f for f in result.files if f.errors]
    assert [f.unit for f in returned] == [RETURNED_UNIT] and returned[0].markup_path
    assert [u["name"] for u in merged.figures["submission"]["missing"]] == [MISSING_UNIT]
    t = result.totals()
    assert t["rows_read"] == t["rows_accepted"] + t["rows_rejected"] + t["rows_superseded"]

    # nothing open in the first quarter is lost in the second
    open_q1 = {i for i, s in zip(q1_problems["id"], q1_problems["status"]) if s != "已销号"}
    wb_ids = set()
    import openpyxl

    sheet = openpyxl.load_workbook(merged.workbook, read_only=True)["问题清单"]
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    col = header.index("编号")
    for row in sheet.iter_rows(min_row=2, values_only=True):
        wb_ids.add(row[col])
    assert open_q1 <= wb_ids

    text = "\n".join(p.text for p in Document(str(report.docx)).paragraphs)
    assert f"开展走访{merged.figures['visits']['count']}次" in text
    assert "领导小组" in text.split("一、工作开展情况", 1)[1].split("\n", 3)[2]  # 组织领导 comes first
    assert "报送情况：" in text and "未按时报送" not in text  # a note of the 附件, not a problem
    cells = [c.text for t in Document(str(report.docx)).tables for r in t.rows for c in r.cells]
    assert f"{MISSING_UNIT}（未报送）" in cells
    assert lint(report.docx) == [] and lint(report.appendix) == []
    assert (ws.root / "控制台.xlsm").exists() and (ws.root / "一键完成.bat").exists()
