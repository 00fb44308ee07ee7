"""The ``toolkit`` command: Chinese help and messages, exit codes, init + templates."""

from __future__ import annotations

import os
from datetime import date
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.config import CONFIG_NAME, load_workspace


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=300)


def test_help_is_in_chinese_and_lists_every_command():
    out = run_cli("--help")
    assert out.returncode == 0
    assert "用法：toolkit" in out.stdout and "显示本帮助并退出" in out.stdout
    for command in ("init", "templates", "validate", "merge", "report", "run", "demo", "console"):
        assert f"  {command} " in out.stdout
    assert "Usage" not in out.stdout and "Show this message" not in out.stdout


def test_subcommand_help_is_in_chinese():
    out = run_cli("validate", "--help")
    assert out.returncode == 0
    assert "收集目录" in out.stdout and "--json" in out.stdout and "Options" not in out.stdout


def test_unknown_option_is_explained_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "没有选项 --bogus" in err and "toolkit validate -h" in err


def test_missing_argument_is_explained_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["init"])
    assert exc.value.code == 2
    assert "缺少参数" in capsys.readouterr().err


def test_command_outside_a_workspace_fails_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2
    assert "找不到 toolkit.toml" in capsys.readouterr().err


def test_bad_period_exits_2_with_the_accepted_forms(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["init", str(tmp_path / "ws"), "--org", "XX局", "--period", "2022Q5"])
    assert exc.value.code == 2
    assert "2022Q1 或 2022年第一季度（季度）" in capsys.readouterr().err
    assert not (tmp_path / "ws" / CONFIG_NAME).exists()


def test_init_then_templates_in_a_non_ascii_workspace(tmp_path):
    root = tmp_path / "二〇二二年 工作区"
    out = run_cli("init", str(root), "--org", "XX市体育局", "--period", "2022Q1", "--report-date", "2022-04-29")
    assert out.returncode == 0, out.stderr
    ws = load_workspace(root)
    assert ws.report.date.isoformat() == "2022-04-29"
    out = run_cli("templates", cwd=root)
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in ws.templates_dir.glob("*.xlsx"))
    expected = sorted(f"{u.name}-{t}-2022年第一季度.xlsx" for u in ws.units for t in ("大走访大调研台账", "任务推进台账"))
    assert names == expected
    assert sorted(p.name for p in (ws.templates_dir / "空白模板").glob("*.xlsx")) == ["任务推进台账.xlsx", "大走访大调研台账.xlsx"]


def test_templates_outside_a_workspace_need_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["templates"])
    assert exc.value.code == 2
    assert "--out" in capsys.readouterr().err
    main(["templates", "--out", str(tmp_path / "模板")])
    assert sorted(p.name for p in (tmp_path / "模板").glob("*.xlsx")) == ["任务推进台账.xlsx", "大走访大调研台账.xlsx"]


def test_empty_inbox_gets_a_hint_not_just_an_empty_table(tmp_path):
    root = tmp_path / "ws"
    assert run_cli("init", str(root), "--org", "XX局", "--period", "2022Q1").returncode == 0
    out = run_cli("validate", cwd=root)
    assert out.returncode == 0, out.stderr
    assert "没有找到表格文件" in out.stdout and "收集文件" in out.stdout


def _demo_like_workspace(tmp_path):
    """A small workspace with one valid submission, written through the real templates."""
    import random
    from datetime import date

    from toolkit.config import init_workspace
    from toolkit.model import Unit
    from toolkit.sample import generate_unit_rows
    from toolkit.schema import SURVEY
    from toolkit.templates import build_workbook, fill_rows

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "办公室")], as_of=date(2022, 4, 29))
    rows = generate_unit_rows(ws.units[0], ws.period, date(2022, 4, 29), random.Random(1), visits=3, tasks=0)
    wb = build_workbook(SURVEY, unit="办公室", period=ws.period)
    rows["visits"][0]["method"] = "[/]座谈[bold]"  # a wrong list value that looks like console markup
    rows["visits"][1]["participants"] = None  # a real error so its message is printed
    fill_rows(wb, "visits", rows["visits"])
    fill_rows(wb, "problems", rows["problems"])
    wb.save(ws.inbox / "办公室.xlsx")
    return ws


def test_markup_like_text_in_a_cell_is_printed_literally(tmp_path):
    ws = _demo_like_workspace(tmp_path)
    out = run_cli("validate", cwd=ws.root)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "[/]座谈[bold]" in out.stdout  # quoted as typed in the not-in-list message
    assert "参与人数" in out.stdout  # the error about the empty required cell is shown


def test_broken_report_template_is_a_chinese_error_without_traceback(tmp_path):
    from docx import Document

    ws = _demo_like_workspace(tmp_path)
    assert run_cli("merge", cwd=ws.root).returncode == 0
    bad = tmp_path / "坏模板.docx"
    doc = Document()
    doc.add_paragraph("{{ opening }")
    doc.save(bad)
    out = run_cli("report", "--template", str(bad), cwd=ws.root)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "错误：" in out.stderr and "opening" in out.stderr


def test_output_path_blocked_by_a_file_is_explained(tmp_path):
    ws = _demo_like_workspace(tmp_path)
    blocker = tmp_path / "占用"
    blocker.write_text("x", encoding="utf-8")
    out = run_cli("merge", "--out", str(blocker / "输出"), cwd=ws.root)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "无法读写" in out.stderr


def test_units_that_sent_an_unusable_file_are_told_apart_from_units_that_sent_nothing(tmp_path):
    from toolkit.config import init_workspace
    from toolkit.model import Unit

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1", units=[Unit("01", "办公室"), Unit("02", "党建办")])
    (ws.inbox / "办公室-大走访大调研台账.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    out = run_cli("validate", cwd=ws.root)
    assert out.returncode == 0, out.stderr
    returns = out.stdout.split("退回名单", 1)[1].split("催报名单", 1)[0]
    assert "办公室：办公室-大走访大调研台账.xlsx" in returns and "党建办" not in returns
    assert "催报名单（尚未报送）：党建办\n" in out.stdout


def test_many_clean_files_are_summed_up_not_listed(tmp_path):
    from rich.console import Console

    from toolkit.cli import MAX_FILES_LISTED, print_validation
    from toolkit.model import FileReport, ValidationResult

    def report(i: int, status: str) -> FileReport:
        return FileReport(path=f"/x/{i}.xlsx", rel=f"单位{i}.xlsx", unit=f"单位{i}", unit_code="", template="survey",
                          template_name="大走访大调研台账", status=status, rows_read=10, rows_accepted=10)

    files = [report(i, "通过") for i in range(MAX_FILES_LISTED + 5)] + [report(999, "有提示")]
    result = ValidationResult(root=tmp_path, period=None, as_of=date(2022, 4, 29), units=[], files=files,
                              ignored=[], tables={}, rejected=[])
    console = Console(record=True, width=200)
    print_validation(result, console)
    text = console.export_text()
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  单位")]
    assert listed == ["单位", "单位999"]  # the header, then the one file that is not 通过
    assert f"另有 {MAX_FILES_LISTED + 5} 个文件全部通过" in text and str(10 * len(files)) in text


@pytest.mark.skipif(sys.platform.startswith("win"), reason="process groups and SIGINT as a terminal sends them")
def test_ctrl_c_while_reading_stops_promptly_with_one_chinese_line(tmp_path_factory, tmp_path):
    import shutil
    import signal
    import time

    from demo_workspace import demo_copy

    root = demo_copy(tmp_path_factory, tmp_path / "ws")
    inbox = load_workspace(root).inbox
    originals = [p for p in inbox.rglob("*.xlsx") if not p.name.startswith("~$")]
    for n in range(40):  # enough files for the read pool to be busy when Ctrl+C comes
        for p in originals:
            shutil.copyfile(p, inbox / f"副本{n}-{p.name}")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "run"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(1.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does: the whole process group
    _, err = proc.communicate(timeout=60)  # a hang fails here
    text = err.decode("utf-8")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert proc.returncode == 130 and len(text.strip().splitlines()) == 1 and text.startswith("错误：已中止")
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []  # no read worker or helper left behind


def test_period_options_take_the_chinese_names_with_the_workspace_year(tmp_path):
    root = tmp_path / "ws"
    assert run_cli("init", str(root), "--org", "XX局", "--period", "2021年第一季度").returncode == 0
    assert load_workspace(root).period.code == "2021Q1"
    out = run_cli("next-period", "--period", "二季度", cwd=root)  # no year: the workspace's, not today's
    assert out.returncode == 0, out.stderr
    assert load_workspace(root).period.code == "2021Q2"
    out = run_cli("run", "--period", "2021年一季度", cwd=root)  # the recorded period, by its Chinese name
    assert out.returncode == 0, out.stderr
    assert "2021年第一季度" in out.stdout


def test_chinese_command_names_work_and_are_listed_in_the_help(tmp_path):
    from toolkit.cli import COMMAND_ALIASES

    out = run_cli("--help")
    assert "命令也可以用中文" in out.stdout and "校验" in out.stdout and "一键完成" in out.stdout
    for alias in ("校验", "检查", "一键完成", "下一期", "情况汇报", "离线安装包"):
        out = run_cli(alias, "-h")
        assert out.returncode == 0, (alias, out.stderr)
        assert f"用法：toolkit {alias}" in out.stdout
    assert set(COMMAND_ALIASES.values()) == {"init", "templates", "validate", "merge", "report", "run", "demo",
                                             "console", "next-period", "status", "import-history", "bundle"}
