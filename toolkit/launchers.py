"""Double-click launchers (.bat) for WPS users and anyone without xlwings.

Each launcher changes to its own folder (the workspace), runs one ``toolkit``
command with the Python the toolkit was installed into (found at init time;
``python`` on PATH when that one is gone) and pauses so the person can read the
result. The files are UTF-8 with CRLF line endings; ``chcp 65001`` comes before
the first non-ASCII line so that Chinese paths and messages survive.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .config import Workspace
from .io import write_bytes_atomic

#: launcher file name -> (CLI command, what it does)
LAUNCHERS: dict[str, tuple[str, str]] = {
    "生成模板.bat": ("templates", "生成下发各单位的模板"),
    "校验.bat": ("validate", "校验收集文件，有错误的文件生成退回修改标注"),
    "汇总.bat": ("merge", "校验并汇总，生成汇总表"),
    "生成报告.bat": ("report", "根据汇总数据生成情况汇报"),
    "一键完成.bat": ("run", "校验、汇总并生成情况汇报"),
}


def launcher_python() -> str:
    """The console Python of this installation (python.exe, not pythonw.exe)."""
    exe = Path(sys.executable)
    if exe.name.lower() == "pythonw.exe" and exe.with_name("python.exe").exists():
        exe = exe.with_name("python.exe")
    return str(exe)


def render_launcher(command: str, purpose: str, python: str) -> str:
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        f"rem {purpose}（由 toolkit 生成；双击运行，结果显示在本窗口）",
        'cd /d "%~dp0"',
        f'set "PY={python}"',
        'if not exist "%PY%" set "PY=python"',
        f'"%PY%" -m toolkit {command}',
        "pause",
    ]
    return "\r\n".join(lines) + "\r\n"


def write_launchers(ws: Workspace, *, python: str | None = None) -> list[Path]:
    """Write the .bat launchers into the workspace folder; returns their paths."""
    python = python or launcher_python()
    written = []
    for name, (command, purpose) in LAUNCHERS.items():
        target = ws.root / name
        write_bytes_atomic(target, render_launcher(command, purpose, python).encode("utf-8"))
        written.append(target)
    return written
