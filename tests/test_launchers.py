"""The launchers: .bat (run by the cmd subset interpreter of tests/cmd_subset.py), .sh (run by sh)
and .desktop entries, on real workspaces."""

from __future__ import annotations

import configparser
import os
import pty
import re
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cmd_subset import UnknownLine, run_batch
from demo_workspace import demo_copy
from toolkit.config import init_workspace, load_workspace
from toolkit.launchers import LAUNCHERS, render_bat, render_sh, write_launchers

NAMES = ["生成模板", "校验", "汇总", "生成报告", "一键完成", "下一期"]


def shim(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def fake_python(folder: Path, name: str, *, has_toolkit: bool = True, exit_code: int = 0) -> Path:
    """A stand-in Python: answers ``-c "import toolkit"`` and echoes what it was asked to run."""
    return shim(folder, name, f'if [ "$1" = "-c" ]; then exit {0 if has_toolkit else 1}; fi\n'
                              f'echo "{name} ran $@ in $(pwd)"\nexit {exit_code}\n')


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "我的 工作区&(副本)", "局", "2022Q1")


# ---------------------------------------------------------------------------
# What is written
# ---------------------------------------------------------------------------


def test_each_step_gets_a_bat_an_sh_and_on_linux_a_desktop_entry(ws):
    paths = write_launchers(ws, python=r"C:\Users\张三\Python311\python.exe", desktop=True)
    assert list(LAUNCHERS) == NAMES
    assert [p.name for p in paths] == [f"{n}.{ext}" for n in NAMES for ext in ("bat", "sh", "desktop")]
    for path in paths:
        assert path.parent == ws.root
        if path.suffix in (".sh", ".desktop"):
            assert os.access(path, os.X_OK)
    assert [p.suffix for p in write_launchers(ws, desktop=False)] == [".bat", ".sh"] * len(NAMES)


def test_bat_bytes_code_page_and_every_line(ws):
    python = r"C:\Program Files (x86)\Python 3.11\python.exe"
    for path in write_launchers(ws, python=python, desktop=False):
        if path.suffix != ".bat":
            continue
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")  # a BOM would break "@echo off"
        text = data.decode("utf-8")
        assert "\n" not in text.replace("\r\n", "") and text.endswith("\r\n")
        lines = text.split("\r\n")[:-1]
        assert lines[:3] == ["@echo off", "chcp 65001 >nul", "setlocal"]
        assert all(line.isascii() for line in lines[:3])  # nothing non-ASCII before the code page is set
        assert 'pushd "%~dp0" || goto nofolder' in lines and "popd" in lines  # a UNC share works
        assert not any(re.match(r"cd\b", line) for line in lines)
        assert not any(line.rstrip().endswith("(") or line.strip() == ")" for line in lines)  # no blocks
        assert f'set "TOOLKIT_PY={python}"' in lines
        command = LAUNCHERS[path.stem][0]
        runs = [line for line in lines if line.endswith(f"-m toolkit {command}")]
        assert runs == [f'"%TOOLKIT_PY%" -m toolkit {command}', f"py -3 -m toolkit {command}",
                        f"python -m toolkit {command}"]  # stored interpreter, then py -3, then python
        assert lines[-3:] == ["echo " + lines[-3][5:], "pause", "exit /b 1"]
        assert "pause" in lines and "exit /b %TOOLKIT_RC%" in lines
        with pytest.raises(UnknownLine):  # the interpreter is strict: an unknown line fails
            bad = path.with_name("bad.bat")
            bad.write_bytes(data.replace(b"popd", b"for %%f in (*) do echo %%f"))
            run_batch(bad, programs={})


def test_a_percent_sign_in_the_stored_path_survives(tmp_path):
    text = render_bat("validate", "校验", r"C:\100%\python.exe")
    assert r'set "TOOLKIT_PY=C:\100%%\python.exe"' in text.split("\r\n")


@pytest.mark.parametrize("found, expected_call", [
    ("stored", "stored"), ("py", "py"), ("python", "python"),
])
def test_bat_tries_the_stored_python_then_py_then_python(tmp_path, ws, found, expected_call):
    bin_ = tmp_path / "bin"
    stored = fake_python(bin_, "stored", has_toolkit=found == "stored")
    py = fake_python(bin_, "py", has_toolkit=found in ("stored", "py"))
    python = fake_python(bin_, "python")
    (bat,) = [p for p in write_launchers(ws, python=str(stored), desktop=False) if p.name == "校验.bat"]
    result = run_batch(bat, programs={"py": [str(py)], "python": [str(python)]})
    assert result.returncode == 0, result.stdout
    ran = [c[0] for c in result.calls if c[1:] == ["-m", "toolkit", "validate"]]
    assert ran == [{"stored": str(stored), "py": "py", "python": "python"}[expected_call]]
    assert f"{expected_call} ran -m toolkit validate in {ws.root}" in result.stdout  # in the workspace (pushd)
    assert result.pauses == 1


def test_bat_without_any_python_explains_and_waits(tmp_path, ws):
    (bat,) = [p for p in write_launchers(ws, python=r"C:\不存在\python.exe", desktop=False) if p.name == "汇总.bat"]
    result = run_batch(bat, programs={"py": None, "python": None})  # neither installed (or the Store alias)
    assert result.returncode == 9009
    assert "未找到安装了 toolkit 的 Python" in result.stdout and "没有成功完成（错误代码 9009）" in result.stdout
    assert result.pauses == 1


def test_bat_reports_a_failed_command_with_its_exit_status(tmp_path, ws):
    python = fake_python(tmp_path / "bin", "python", exit_code=2)
    (bat,) = [p for p in write_launchers(ws, python=r"C:\不存在\python.exe", desktop=False) if p.name == "一键完成.bat"]
    result = run_batch(bat, programs={"py": None, "python": [str(python)]})
    assert result.returncode == 2
    assert result.stdout.splitlines()[-1].startswith("没有成功完成（错误代码 2）")
    assert result.pauses == 1


def test_bat_outside_its_folder_says_so(tmp_path):
    bat = tmp_path / "校验.bat"
    bat.write_bytes(render_bat("validate", "校验", "python").encode("utf-8"))
    moved = tmp_path / "gone"
    bat.write_bytes(bat.read_bytes().replace(b'pushd "%~dp0"', f'pushd "{moved}"'.encode()))
    result = run_batch(bat, programs={"py": None, "python": None})
    assert result.returncode == 1 and "无法进入本脚本所在的文件夹" in result.stdout


# ---------------------------------------------------------------------------
# .sh
# ---------------------------------------------------------------------------


def run_sh(path: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(path)], capture_output=True, text=True, timeout=900, cwd="/",
                          stdin=subprocess.DEVNULL, env=env or dict(os.environ), **kwargs)


def test_sh_is_posix_sh_and_falls_back_to_python3(tmp_path, ws):
    bin_ = tmp_path / "bin"
    fake_python(bin_, "python3")
    env = dict(os.environ, PATH=f"{bin_}{os.pathsep}/usr/bin:/bin")
    for path in write_launchers(ws, python="/不存在/python3.11", desktop=False):
        if path.suffix != ".sh":
            continue
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#!/bin/sh\n") and "\r" not in text
        assert subprocess.run(["sh", "-n", str(path)]).returncode == 0  # parses
        proc = run_sh(path, env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"python3 ran -m toolkit {LAUNCHERS[path.stem][0]} in {ws.root}"


def test_sh_without_python_and_with_a_failing_command(tmp_path, ws):
    tools = tmp_path / "tools"  # a PATH with the shell's helpers but no python3
    tools.mkdir()
    (tools / "dirname").symlink_to(shutil.which("dirname"))
    (sh,) = [p for p in write_launchers(ws, python="/不存在/python3", desktop=False) if p.name == "校验.sh"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([shutil.which("sh"), str(sh)], capture_output=True, text=True, cwd="/",
                          stdin=subprocess.DEVNULL, env=dict(env, PATH=str(tools)), timeout=60)
    assert proc.returncode == 127 and "未找到安装了 toolkit 的 Python" in proc.stdout
    failing = fake_python(tmp_path / "bin", "python3.11", exit_code=3)
    (sh,) = [p for p in write_launchers(ws, python=str(failing), desktop=False) if p.name == "校验.sh"]
    proc = run_sh(sh)
    assert proc.returncode == 3 and "没有成功完成（错误代码 3）" in proc.stdout


def test_sh_keeps_a_terminal_window_open_until_enter(tmp_path, ws):
    python = fake_python(tmp_path / "bin", "python3.11")
    (sh,) = [p for p in write_launchers(ws, python=str(python), desktop=False) if p.name == "汇总.sh"]
    master, slave = pty.openpty()
    proc = subprocess.Popen(["sh", str(sh)], stdin=slave, stdout=slave, stderr=slave, cwd="/")
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    while "按回车键关闭窗口".encode() not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 1)[0]:
            seen += os.read(master, 4096)
    assert "按回车键关闭窗口".encode() in seen, seen
    assert proc.poll() is None  # waiting for the key
    os.write(master, b"\n")
    assert proc.wait(timeout=30) == 0
    os.close(master)


def test_desktop_entries_have_a_chinese_name_and_run_their_script(tmp_path, ws):
    python = fake_python(tmp_path / "bin", "python3.11")
    for path in write_launchers(ws, python=str(python), desktop=True):
        if path.suffix != ".desktop":
            continue
        parser = configparser.RawConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read_string(path.read_text(encoding="utf-8"))
        entry = parser["Desktop Entry"]
        assert entry["Type"] == "Application" and entry["Terminal"] == "true"
        assert entry["Name"] == entry["Name[zh_CN]"] == path.stem
        assert entry["Comment"] == LAUNCHERS[path.stem][1]
        # Exec: the desktop-entry string escapes undone, then its quoting rule (like the shell's here)
        exec_line = entry["Exec"].replace("\\\\", "\\").replace("%%", "%")
        argv = shlex.split(exec_line)
        assert argv == ["sh", str(ws.root / f"{path.stem}.sh")]
        assert entry["Path"] == str(ws.root)
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd="/", timeout=60)
        assert proc.returncode == 0 and f"ran -m toolkit {LAUNCHERS[path.stem][0]} in {ws.root}" in proc.stdout


def test_render_sh_quotes_an_awkward_python_path():
    text = render_sh("validate", "校验", "/opt/it's here/python3", "校验")
    assert "TOOLKIT_PY='/opt/it'\"'\"'s here/python3'" in text


# ---------------------------------------------------------------------------
# The real steps on the demo workspace
# ---------------------------------------------------------------------------


def _check_step(name: str, ws, proc_out: str) -> None:
    from toolkit.demo import RETURNED_UNIT

    if name == "生成模板":
        assert len(list(ws.templates_dir.glob("*.xlsx"))) >= 2 * len(ws.units)
    if name == "校验":
        assert any(RETURNED_UNIT in p.name for p in ws.returns_dir.glob("*.xlsx"))
        assert RETURNED_UNIT in proc_out
    if name == "汇总":
        assert (ws.output_dir / "汇总表.xlsx").is_file() and (ws.output_dir / "汇总数据.json").is_file()
    if name in ("生成报告", "一键完成"):
        assert (ws.output_dir / f"{ws.period.name}情况汇报.docx").is_file()
    if name == "一键完成":
        assert (ws.output_dir / "汇总表.xlsx").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["bat", "sh"])
def test_launchers_run_the_steps_on_the_demo_workspace(tmp_path_factory, tmp_path, kind):
    root = demo_copy(tmp_path_factory, tmp_path / "演示 工作区&副本")
    paths = {p.name: p for p in write_launchers(load_workspace(root), desktop=False)}
    ws = load_workspace(root)
    for name in NAMES:
        if name in ("汇总", "一键完成"):
            for f in ws.output_dir.glob("*"):
                f.unlink()  # each of these must write the outputs itself
        path = paths[f"{name}.{kind}"]
        if kind == "bat":
            result = run_batch(path, programs={"py": None, "python": None})
            code, out = result.returncode, result.stdout
            assert [c[0] for c in result.calls][-1] == sys.executable  # the stored interpreter ran it
        else:
            proc = run_sh(path)
            code, out = proc.returncode, proc.stdout + proc.stderr
        assert code == 0, (name, out)
        assert "Traceback" not in out
        _check_step(name, ws, out)
