"""Double-click launchers: ``.bat`` for Windows (WPS users, no macros), ``.sh`` and ``.desktop``
for 信创 Linux desktops (麒麟 Kylin, 统信 UOS: WPS for Linux, no Excel, no .bat).

Each launcher runs one ``toolkit`` command in its own folder (the workspace, whatever its
path: spaces, Chinese, a network share) with the first Python that has the toolkit: the one
that wrote the launcher (stored at ``toolkit init`` / ``toolkit console``), then the usual
names (``py -3`` and ``python`` on Windows, ``python3`` on Linux). When none has it, or the
command fails, a Chinese message says so, and the window stays open until a key is pressed.

``.bat``: UTF-8 without BOM (a BOM breaks ``@echo off``), CRLF, ``chcp 65001`` on line 2
(before any non-ASCII line), ``pushd "%~dp0"`` (``cd`` cannot enter a UNC path), only
``goto``/``if … goto`` (no parenthesised blocks, so no path or message can break the
parsing), the exit status of the command kept in ``TOOLKIT_RC``.

``.sh``: POSIX sh, executable; ``.desktop``: a freedesktop entry with a Chinese ``Name`` that
runs the ``.sh`` in a terminal (``Terminal=true``); its ``Exec`` holds the absolute path,
so it is written on Linux only and rewritten by ``toolkit console`` after the workspace moved.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from .config import Workspace
from .io import write_bytes_atomic

#: launcher name -> (CLI command, what it does); each gives 名称.bat, 名称.sh and, on Linux, 名称.desktop.
LAUNCHERS: dict[str, tuple[str, str]] = {
    "生成模板": ("templates", "生成下发各单位的模板"),
    "校验": ("validate", "校验收集文件，有错误的文件生成退回修改标注"),
    "汇总": ("merge", "校验并汇总，生成汇总表"),
    "生成报告": ("report", "根据汇总数据生成情况汇报"),
    "一键完成": ("run", "校验、汇总并生成情况汇报"),
    "下一期": ("next-period", "结束本期、开始下一统计期：记录本期台账，生成列出未销号问题、未完成任务的下期模板"),
}

NOT_FOUND_BAT = ("未找到安装了 toolkit 的 Python。请先安装 toolkit（离线安装包中的 安装.bat），"
                 "或在工作区中运行 python -m toolkit console 重新生成启动脚本。")
NOT_FOUND_SH = ("未找到安装了 toolkit 的 Python。请先安装 toolkit（离线安装包中的 install.sh），"
                "或在工作区中运行 python3 -m toolkit console 重新生成启动脚本。")
FAILED = "没有成功完成（错误代码 {code}）。请阅读上面的提示，改正后再运行；需要帮助时把本窗口截图发给维护人员。"
NO_FOLDER = '无法进入本脚本所在的文件夹 "{folder}"。请把工作区复制到本机，或把网络共享映射为网络驱动器后再试。'


def launcher_python() -> str:
    """The console Python of this installation (python.exe, not pythonw.exe)."""
    exe = Path(sys.executable)
    if exe.name.lower() == "pythonw.exe" and exe.with_name("python.exe").exists():
        exe = exe.with_name("python.exe")
    return str(exe)


def render_bat(command: str, purpose: str, python: str) -> str:
    """One .bat launcher (CRLF line endings; encode as UTF-8 without BOM)."""
    stored = python.replace("%", "%%")
    run = f"-m toolkit {command}"
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        "setlocal",
        f"rem {purpose}（由 toolkit 生成；双击运行，结果显示在本窗口）",
        'pushd "%~dp0" || goto nofolder',
        f'set "TOOLKIT_PY={stored}"',
        'if not exist "%TOOLKIT_PY%" goto launcher',
        '"%TOOLKIT_PY%" -c "import toolkit" >nul 2>&1',
        "if not errorlevel 1 goto stored",
        ":launcher",
        'py -3 -c "import toolkit" >nul 2>&1',
        "if not errorlevel 1 goto pylauncher",
        'python -c "import toolkit" >nul 2>&1',
        "if not errorlevel 1 goto onpath",
        f"echo {NOT_FOUND_BAT}",
        "set TOOLKIT_RC=9009",
        "goto end",
        ":stored",
        f'"%TOOLKIT_PY%" {run}',
        "goto done",
        ":pylauncher",
        f"py -3 {run}",
        "goto done",
        ":onpath",
        f"python {run}",
        ":done",
        "set TOOLKIT_RC=%errorlevel%",
        ":end",
        "popd",
        'if "%TOOLKIT_RC%"=="0" goto finish',
        "echo.",
        f"echo {FAILED.format(code='%TOOLKIT_RC%')}",
        ":finish",
        "pause",
        "exit /b %TOOLKIT_RC%",
        ":nofolder",
        f"echo {NO_FOLDER.format(folder='%~dp0')}",
        "pause",
        "exit /b 1",
    ]
    return "\r\n".join(lines) + "\r\n"


def render_sh(command: str, purpose: str, python: str, name: str = "") -> str:
    """One .sh launcher (POSIX sh). It pauses at the end when it runs in a terminal window
    (stdin is a terminal), so a window opened from the file manager stays open;
    ``TOOLKIT_NO_PAUSE=1`` switches that off."""
    return f"""#!/bin/sh
# {purpose}（由 toolkit 生成）。在文件管理器中双击同名的 .desktop 快捷方式，
# 或双击本文件并选“在终端中运行”；也可以在终端中运行：sh {name or "本文件"}.sh
cd -- "$(dirname -- "$0")" || exit 1
TOOLKIT_PY={shlex.quote(python)}
pause() {{
  if [ -t 0 ] && [ -z "${{TOOLKIT_NO_PAUSE:-}}" ]; then
    printf '\\n%s' '按回车键关闭窗口……'
    read -r _ || true
  fi
}}
if [ -x "$TOOLKIT_PY" ] && "$TOOLKIT_PY" -c 'import toolkit' >/dev/null 2>&1; then
  :
elif command -v python3 >/dev/null 2>&1 && python3 -c 'import toolkit' >/dev/null 2>&1; then
  TOOLKIT_PY=python3
else
  echo {shlex.quote(NOT_FOUND_SH)}
  pause
  exit 127
fi
"$TOOLKIT_PY" -m toolkit {command}
rc=$?
if [ "$rc" -ne 0 ]; then
  echo
  echo "{FAILED.format(code='$rc')}"
fi
pause
exit "$rc"
"""


def _desktop_exec_arg(text: str) -> str:
    """A quoted argument of a desktop entry's Exec key (quoting rule, then the string escape rule)."""
    quoted = '"' + re.sub(r'(["`$\\])', r"\\\1", text) + '"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def render_desktop(name: str, purpose: str, script: Path) -> str:
    """A freedesktop .desktop entry that runs ``script`` (absolute) in a terminal window."""
    folder = str(Path(script).parent).replace("\\", "\\\\")
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        f"Name={name}",
        f"Name[zh_CN]={name}",
        f"Comment={purpose}",
        f"Comment[zh_CN]={purpose}",
        f"Exec=sh {_desktop_exec_arg(str(script))}",
        f"Path={folder}",
        "Terminal=true",
        "Icon=x-office-spreadsheet",
        "Categories=Office;",
        "",
    ])


def _trust(path: Path) -> None:
    """GNOME-style file managers run a .desktop file from a folder only when it is marked trusted."""
    gio = shutil.which("gio")
    if gio is None:
        return
    try:
        subprocess.run([gio, "set", str(path), "metadata::trusted", "true"], capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        pass


def write_launchers(ws: Workspace, *, python: str | None = None, desktop: bool | None = None) -> list[Path]:
    """Write the launchers into the workspace folder; returns their paths.

    ``.bat`` and ``.sh`` always (a workspace on a share may be opened from either system);
    ``.desktop`` entries by default only on Linux and other non-Windows systems."""
    python = python or launcher_python()
    if desktop is None:
        desktop = os.name != "nt"
    written = []
    for name, (command, purpose) in LAUNCHERS.items():
        bat = ws.root / f"{name}.bat"
        write_bytes_atomic(bat, render_bat(command, purpose, python).encode("utf-8"))
        sh = ws.root / f"{name}.sh"
        write_bytes_atomic(sh, render_sh(command, purpose, python, name).encode("utf-8"))
        _executable(sh)
        written += [bat, sh]
        if desktop:
            entry = ws.root / f"{name}.desktop"
            write_bytes_atomic(entry, render_desktop(name, purpose, sh.resolve()).encode("utf-8"))
            _executable(entry)
            _trust(entry)
            written.append(entry)
    return written


def _executable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
        path.chmod(mode | 0o755 if os.name != "nt" else mode)
    except OSError:
        pass
