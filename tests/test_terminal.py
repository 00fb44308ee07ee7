"""What the clerk sees in the terminal: ``toolkit validate`` and ``toolkit run`` at 80 and 120
columns (one line per file, issues under their file, lines wrapped under their text) and the
closing 下一步 block for each kind of outcome."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

import five_units as F
from demo_workspace import demo_copy
from factories import AS_OF, PERIOD, unit_rows, write_unit_workbooks
from toolkit import api
from toolkit.cli import next_steps, print_next_steps, print_validation
from toolkit.config import init_workspace, load_workspace
from toolkit.model import Unit
from toolkit.text import cells


def _cli(root: Path, columns: int, *args: str) -> str:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS=str(columns))
    out = subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=root, env=env, capture_output=True, text=True,
                         encoding="utf-8", timeout=600)
    assert out.returncode == 0, out.stderr
    assert not out.stderr.strip()
    return out.stdout


def _printed(result, width: int, **where) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO(), highlight=False)
    print_validation(result, console)
    print_next_steps(result, console, **where)
    return console.export_text().splitlines()


def _fits(lines: list[str], width: int) -> None:
    """Every line within the width (one column left free), however the terminal counts “” and —."""
    for line in lines:
        assert cells(line) <= width - 1 and cell_len(line) <= width - 1, line


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_copy(tmp_path_factory, tmp_path_factory.mktemp("terminal") / "demo")


@pytest.mark.parametrize("columns, most", [(80, 68), (120, 58)])
def test_validate_of_the_demo_reads_well_at_80_and_120_columns(demo, columns, most):
    lines = _cli(demo, columns, "validate").splitlines()
    _fits(lines, columns)
    assert len(lines) <= most  # it was 224 lines at 80 columns: each file row wrapped into 8–9 lines
    ws = load_workspace(demo)
    result = api.validate_workspace(ws)
    # the table: one line per file between its header and the 合计 line
    start = next(i for i, line in enumerate(lines) if line.startswith("  单位 "))
    end = next(i for i, line in enumerate(lines) if line.startswith("  合计 "))
    assert end - start - 1 == len(result.files)
    # issues sit under their file, which is named once, not in every line
    issues = "\n".join(lines[end:next(i for i, line in enumerate(lines) if line.startswith("退回名单"))])
    for f in result.files:
        if f.issues:
            assert issues.count(f.rel) == 1, f.rel
    assert "文件“" not in issues
    # a message's continuation lines start under its text, after “  错误 ” / “  提示 ”
    for i, line in enumerate(lines[end:], start=end):
        if line.startswith(("  错误 ", "  提示 ")):
            following = lines[i + 1]
            if following and not following.startswith(("  错误 ", "  提示 ", "  已生成", "  ……")):
                assert following.startswith(" " * 7) and not following.startswith(" " * 8), following
    # no line starts with the punctuation that closes the line before it
    assert not [line for line in lines if line.strip() and line.strip()[0] in "，。、；：）”"]
    assert lines[-1].strip().endswith("toolkit validate。")


def test_run_of_the_demo_ends_with_what_to_do_next(demo):
    for columns in (80, 120):
        lines = _cli(demo, columns, "run").splitlines()
        _fits(lines, columns)
        assert len(lines) <= (100 if columns == 80 else 85)  # with the report's pre-flight checks
        text = "\n".join(lines)
        block = text.split("下一步：", 1)[1]
        assert "发回 体育产业科" in block and "催报 市体育彩票管理中心" in block
        assert "再运行 toolkit run" in block
        assert "已写入" in text and "汇总表.xlsx、汇总数据.json" in text


def test_messages_are_wrapped_under_their_text_at_any_width(tmp_path):
    ws = F.build(tmp_path / "ws")
    result = api.validate_workspace(ws)
    for width in (60, 80, 100, 120, 160):
        lines = _printed(result, width, command="validate", inbox=ws.inbox, returns=ws.returns_dir)
        _fits(lines, width)
    narrow, wide = (_printed(result, w, command="validate", inbox=ws.inbox, returns=ws.returns_dir)
                    for w in (80, 160))
    assert len(wide) < len(narrow)  # the width is used when there is more


# --- 下一步, one kind of outcome each ---------------------------------------------------------


def _steps(result, ws, command="validate") -> str:
    return "\n".join(next_steps(result, command=command, inbox=ws.inbox, returns=ws.returns_dir,
                                output=ws.output_dir, templates=ws.templates_dir))


def test_next_steps_when_nothing_came_in(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "办公室")], as_of=AS_OF)
    monkeypatch.chdir(ws.root)
    steps = _steps(api.validate_workspace(ws), ws)
    assert steps == (f"把各单位报回的文件放进 {Path('2022年第一季度', '收集文件')}{os.sep}"
                     f"（各单位的模板在 {Path('2022年第一季度', '下发模板')}{os.sep}），再运行 toolkit validate。")


def _complete(tmp_path) -> "object":
    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "办公室"), Unit("02", "党建办")],
                        as_of=AS_OF)
    rng = random.Random(3)
    for unit in ws.units:
        write_unit_workbooks(ws.inbox, unit, unit_rows(rng, 3, 2, 2, ws.period), period=ws.period)
    return ws


def test_next_steps_when_every_unit_sent_clean_files(tmp_path, monkeypatch):
    ws = _complete(tmp_path)
    monkeypatch.chdir(ws.root)
    result = api.validate_workspace(ws)
    assert not [f for f in result.files if f.errors]
    validate = _steps(result, ws)
    assert validate.startswith("各单位都已报送，没有需要退回的文件：") and validate.endswith("运行 toolkit run 生成汇总表和情况汇报。")
    run = _steps(result, ws, "run")
    assert f"审核 {Path('2022年第一季度', '汇总输出')}{os.sep} 中的汇总表和情况汇报后报送" in run
    assert "toolkit next-period" in run


def test_next_steps_name_who_gets_files_back_who_resends_and_who_is_chased(tmp_path, monkeypatch):
    ws = F.build(tmp_path / "ws")  # 党建办 rejected rows, 政策法规科 encrypted, 综合业务科 partial, 财务科 nothing
    monkeypatch.chdir(ws.root)
    result = api.validate_workspace(ws)
    steps = next_steps(result, command="validate", inbox=ws.inbox, returns=ws.returns_dir)
    returns = f"{Path('2022年第一季度', '退回修改')}{os.sep}"
    assert steps[0] == f"把 {returns} 中的 1 个文件发回 {F.REJECTED}，请按标出的问题改正后重新报送；"
    assert steps[1] == f"请 {F.ENCRYPTED} 重新报送无法使用的文件（原因见上方退回名单）；"
    assert steps[2] == f"催报 {F.PARTIAL}（缺大走访大调研台账）、{F.NOTHING}；"
    assert steps[-1] == f"收到后放进 {Path('2022年第一季度', '收集文件')}{os.sep}，再运行 toolkit validate。"
    run = next_steps(result, command="run", inbox=ws.inbox, returns=ws.returns_dir)
    assert run[-1].endswith("再运行 toolkit run（汇总表和情况汇报按收齐的文件重新生成）。")
    lines = _printed(result, 80, command="validate", inbox=ws.inbox, returns=ws.returns_dir)
    block = lines[lines.index("下一步：") + 1:]
    assert [line[:5] for line in block if not line.startswith("     ")] == ["  1. ", "  2. ", "  3. ", "  4. "]


def test_next_steps_for_a_unit_not_in_the_list_and_a_file_of_nobody(tmp_path, monkeypatch):
    ws = _complete(tmp_path)
    rng = random.Random(5)
    write_unit_workbooks(ws.inbox, Unit("09", "宣传部"), unit_rows(rng, 2, 0, 0, ws.period), period=ws.period,
                         templates=("survey",))
    monkeypatch.chdir(ws.root)
    steps = _steps(api.validate_workspace(ws), ws)
    assert "核对 宣传部 的文件：该单位不在单位名单中" in steps and "aliases" in steps


def test_next_steps_outside_a_workspace_say_how_to_get_the_returned_files(tmp_path, monkeypatch):
    folder = tmp_path / "收集"
    rows = unit_rows(random.Random(2), 2, 0, 0, PERIOD)
    rows["visits"][0]["participants"] = 0
    write_unit_workbooks(folder, Unit("01", "办公室"), rows, templates=("survey",))
    monkeypatch.chdir(tmp_path)
    result = api.validate_collection(folder, as_of=AS_OF)
    steps = "\n".join(next_steps(result, command="validate", inbox=folder, returns=None))
    assert "加上 --returns 目录" in steps and f"收到后放进 收集{os.sep}" in steps


def test_next_steps_count_many_chased_units_instead_of_listing_them(tmp_path, monkeypatch):
    units = [Unit(f"{n:02d}", f"单位{n}") for n in range(1, 9)]
    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=units, as_of=AS_OF)
    write_unit_workbooks(ws.inbox, units[0], unit_rows(random.Random(1), 2, 1, 1, ws.period), period=ws.period)
    monkeypatch.chdir(ws.root)
    steps = _steps(api.validate_workspace(ws), ws)
    assert "催报 单位2、单位3、单位4 等 7 个单位（见催报名单）" in steps
    assert not re.search("单位8", steps)

