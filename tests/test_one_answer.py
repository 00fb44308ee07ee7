"""One collection, every front end: the same units in the same 退回名单 and 催报名单.

The five-unit collection (tests/five_units.py: 已报送, two kinds of 有退回, 部分报送, 未报送)
goes through ``toolkit validate``, ``toolkit run``, the Excel button (fake xlwings),
汇总表's 报送情况 sheet, 汇总数据.json and the Word report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest

import five_units as F
from fake_xlwings import FakeBook
from toolkit import api
from toolkit.console import PROBLEM_COLUMNS, PROBLEMS_FIRST_ROW, SHEET_CONSOLE
from toolkit.excel import run_button

CHASED = set(F.CHASED)
RETURNED = F.RETURNED
SENT_FILES = set(F.STATUS) - {F.NOTHING}  # every unit but one sent files


def _cli(ws, *args: str) -> str:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ws.root, env=env, capture_output=True,
                         text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    return out.stdout


def _lists_in_cli(stdout: str) -> tuple[set[str], set[str]]:
    returns = stdout.split("退回名单", 1)[1].split("催报名单", 1)[0]
    chase = stdout.split("催报名单", 1)[1].split("\n\n", 1)[0]
    names = set(F.STATUS)
    return {n for n in names if f"  {n}：" in returns}, {n for n in names if n in chase}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = F.build(tmp_path_factory.mktemp("one") / "ws")
    api.install_front_ends(ws)
    return ws


def test_the_command_line_validate_and_run_name_the_same_units(workspace):
    assert _lists_in_cli(_cli(workspace, "validate")) == (RETURNED, CHASED)
    assert _lists_in_cli(_cli(workspace, "run")) == (RETURNED, CHASED)


def test_the_excel_button_names_the_same_units(workspace, tmp_path):
    import shutil

    console = tmp_path / "控制台.xlsm"
    shutil.copyfile(workspace.root / "控制台.xlsm", console)
    book = FakeBook(console)
    book.fullname = str(workspace.root / "控制台.xlsm")  # the button works on the workspace it sits in
    assert run_button(book, "validate")
    sheet = book.sheets[SHEET_CONSOLE]
    rows = sheet.range(f"A{PROBLEMS_FIRST_ROW}:{chr(64 + len(PROBLEM_COLUMNS))}{PROBLEMS_FIRST_ROW + 200}").value
    rows = [r for r in rows if any(r)]
    returned = {r[1] for r in rows if r[3] == "退回"}
    chase_line = next(r[4] for r in rows if r[3] == "催报")
    assert returned == RETURNED
    assert {n for n in F.STATUS if n in chase_line} == CHASED


def test_the_workbook_the_json_and_the_report_name_the_same_units(workspace):
    _cli(workspace, "run")
    figures = json.loads((workspace.output_dir / "汇总数据.json").read_text(encoding="utf-8"))
    sub = figures["submission"]
    assert {m["name"] for m in sub["missing"]} == CHASED
    assert {u["name"] for u in sub["returned"]} == RETURNED
    assert {u["name"]: u["status"] for u in sub["units"]} == F.STATUS
    assert {u["name"]: u["status"] for u in figures["units"]} == F.STATUS

    wb = openpyxl.load_workbook(workspace.output_dir / "汇总表.xlsx", read_only=True)
    text = "\n".join(str(v) for row in wb["报送情况"].iter_rows(values_only=True) for v in row if v is not None)
    chase = text.split("二、催报名单", 1)[1].split("三、", 1)[0]
    returns = text.split("三、退回名单", 1)[1].split("四、", 1)[0]
    assert {n for n in F.STATUS if n in chase} == CHASED
    assert {n for n in F.STATUS if n in returns} == RETURNED

    import docx

    report = docx.Document(str(workspace.output_dir / f"{workspace.period.name}情况汇报.docx"))
    body = "\n".join(p.text for p in report.paragraphs)
    cells = [c.text for t in report.tables for r in t.rows for c in r.cells]
    for name in SENT_FILES:  # a unit that sent files is never 未报送, the report included
        assert f"{name}未按时报送" not in body and f"{name}（未报送）" not in cells
    assert f"{F.NOTHING}（未报送）" in cells
    note = next(p for p in body.split("\n") if p.startswith("报送情况："))
    counts = figures["submission"]["counts"]
    assert f"{counts['部分报送']}个单位部分报送" in note and f"{counts['未报送']}个单位未报送" in note
