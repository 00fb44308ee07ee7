"""Why a command could not run: one message map (toolkit.exceptions.describe) for every front end."""

from __future__ import annotations

import errno
import re

import pytest

from toolkit.cli import main
from toolkit.config import ConfigError
from toolkit.exceptions import (
    FAILURE_CODES,
    ConversionError,
    NotAWorkspaceError,
    OutputLockedError,
    StoreError,
    TemplateError,
    ToolkitError,
    describe,
)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", [["validate"], ["merge"], ["report"], ["run"], ["console"], ["merge", "--out", "x"]])
def test_outside_a_workspace_a_command_says_so_once_and_no_internal_error(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误：") and "toolkit.toml" in lines[0]
    assert "内部错误" not in err and "Exit" not in err


@pytest.mark.parametrize("argv, expected", [
    (["validat"], "错误：没有命令“validat”，您是不是要用 toolkit validate？"),
    (["run", "--pfd"], "错误：没有选项 --pfd，您是不是要用 --pdf？"),
    (["init", "x"], "错误：缺少选项 --org。"),
    (["init"], "错误：缺少参数 目录。"),
    (["init", "x", "--org"], "错误：选项 --org 后面需要写一个值。"),
    (["run", "extra"], "错误：多余的参数：extra。"),
    (["run", "--pdf=yes"], "错误：选项 --pdf 后面不用写值（写 --pdf 即可，不要写 --pdf=…）。"),
])
def test_usage_errors_are_chinese_with_a_suggestion(argv, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(argv, capsys)
    first = err.splitlines()[0]
    assert code == 2 and first == expected
    # no English words of click/typer (command and option names aside)
    assert not re.search(r"\b(No such|Did you mean|Possible options|Missing|Usage|Error|Got unexpected)\b", err)
    assert "查看用法" in err


def test_a_chinese_verb_works_as_a_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _err = run(["校验", "-h"], capsys)
    assert code == 0 and "校验各单位报回的表格" in out
    code, _out, err = run(["校验"], capsys)
    assert code == 2 and "toolkit.toml" in err  # the same command as validate, outside a workspace


@pytest.mark.parametrize("exc, code", [
    (ConfigError("配置有误"), "config"),
    (NotAWorkspaceError("不是工作区"), "not-a-workspace"),
    (OutputLockedError("汇总表.xlsx"), "output-locked"),
    (TemplateError("模板有误"), "report-template"),
    (ConversionError("转换失败"), "pdf-conversion"),
    (StoreError("历史记录损坏"), "history-store"),
    (OSError(errno.ENOSPC, "No space left on device", "/ws/汇总输出/.~tmp-abc.xlsx"), "disk-full"),
    (PermissionError(errno.EACCES, "Permission denied", "/ws/退回修改/a.xlsx"), "permission-denied"),
    (FileNotFoundError(errno.ENOENT, "No such file", "/ws/x"), "not-found"),
    (KeyboardInterrupt(), "interrupted"),
    (ValueError("bug"), "internal"),
])
def test_every_failure_has_a_documented_code_and_a_chinese_message(exc, code):
    failure = describe(exc)
    assert failure.code == code and code in FAILURE_CODES
    assert re.search(r"[\u4e00-\u9fff]", failure.message)
    assert failure.internal == (code == "internal")
    assert isinstance(exc, ToolkitError) == (code in ("config", "not-a-workspace", "output-locked", "report-template",
                                                      "pdf-conversion", "history-store"))


def test_disk_full_names_the_folder_not_a_temporary_file():
    message = describe(OSError(errno.ENOSPC, "No space left on device", "/ws/汇总输出/.~tmp-abc.xlsx")).message
    assert "磁盘空间不足" in message and "/ws/汇总输出" in message and ".~tmp" not in message


def test_a_broken_report_template_reads_the_same_on_the_command_line_and_the_button(tmp_path, monkeypatch, capsys):
    from toolkit import api
    from toolkit.config import init_workspace
    from toolkit.excel import error_message

    ws = init_workspace(tmp_path / "ws", "XX局", "2022Q1")
    broken = TemplateError("报告模板中的标签 {{ x } 没有闭合，请改正。")

    def fail(*args, **kwargs):
        raise broken

    monkeypatch.setattr(api, "make_report", fail)
    monkeypatch.chdir(ws.root)
    code, _out, err = run(["report", "--data", str(tmp_path / "x.json")], capsys)
    assert code == 2 and err.strip() == "错误：" + error_message(broken)
