"""The .bat launchers: file format, and their command lines run under bash on the demo workspace."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from demo_workspace import demo_copy
from toolkit.config import init_workspace
from toolkit.launchers import LAUNCHERS, render_launcher, write_launchers


def to_bash(bat: str, folder: Path) -> str:
    """Translate the launcher's cmd.exe lines to bash, and nothing else."""
    out = ["set -e"]
    for line in bat.split("\r\n"):
        if line in ("@echo off", "chcp 65001 >nul", "pause", "") or line.startswith("rem "):
            continue
        if line == 'cd /d "%~dp0"':
            out.append(f'cd "{folder}/"')
            continue
        m = re.fullmatch(r'set "(\w+)=(.*)"', line)
        if m:
            out.append(f"{m[1]}='{m[2]}'")
            continue
        m = re.fullmatch(r'if not exist "%(\w+)%" set "(\w+)=(.*)"', line)
        if m:
            out.append(f'if [ ! -e "${m[1]}" ]; then {m[2]}=\'{m[3]}\'; fi')
            continue
        m = re.fullmatch(r'"%(\w+)%" (.*)', line)
        if m:
            out.append(f'"${m[1]}" {m[2]}')
            continue
        raise AssertionError(f"untranslated launcher line: {line!r}")
    return "\n".join(out) + "\n"


def run_launcher(path: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    script = to_bash(path.read_bytes().decode("utf-8"), path.parent)
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=900,
                          cwd="/", env=env or dict(os.environ))


def test_launchers_are_utf8_crlf_batch_files(tmp_path):
    ws = init_workspace(tmp_path / "工作区", "局", "2022Q1")
    paths = write_launchers(ws, python=r"C:\Users\张三\Python311\python.exe")
    assert [p.name for p in paths] == ["生成模板.bat", "校验.bat", "汇总.bat", "生成报告.bat", "一键完成.bat"]
    for path in paths:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")  # a BOM would break "@echo off"
        text = data.decode("utf-8")
        assert "\n" not in text.replace("\r\n", "")
        lines = text.split("\r\n")
        assert lines[:2] == ["@echo off", "chcp 65001 >nul"]  # before any non-ASCII line
        assert 'cd /d "%~dp0"' in lines and lines[-2:] == ["pause", ""]
        assert r'set "PY=C:\Users\张三\Python311\python.exe"' in lines
        command = LAUNCHERS[path.name][0]
        assert f'"%PY%" -m toolkit {command}' in lines


def test_python_falls_back_to_the_one_on_path(tmp_path):
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text('#!/bin/sh\necho "fallback $@"\n')
    (shim / "python").chmod(0o755)
    bat = tmp_path / "校验.bat"
    bat.write_bytes(render_launcher("validate", "校验", r"C:\不存在\python.exe").encode("utf-8"))
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}{os.environ['PATH']}")
    proc = run_launcher(bat, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "fallback -m toolkit validate"


@pytest.mark.slow
def test_launchers_run_the_steps_on_the_demo_workspace(tmp_path_factory, tmp_path):
    from toolkit.config import load_workspace
    from toolkit.demo import RETURNED_UNIT

    root = demo_copy(tmp_path_factory, tmp_path / "演示 工作区")
    paths = {p.name: p for p in write_launchers(load_workspace(root))}
    assert all(p.parent == root for p in paths.values())
    ws = load_workspace(root)
    for name in ["生成模板.bat", "校验.bat", "汇总.bat", "生成报告.bat", "一键完成.bat"]:
        if name in ("汇总.bat", "一键完成.bat"):
            for f in ws.output_dir.glob("*"):
                f.unlink()  # each of these must write the outputs itself
        proc = run_launcher(paths[name])
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        if name == "生成模板.bat":
            assert len(list(ws.templates_dir.glob("*.xlsx"))) >= 2 * len(ws.units)
        if name == "校验.bat":
            assert any(RETURNED_UNIT in p.name for p in ws.returns_dir.glob("*.xlsx"))
            assert RETURNED_UNIT in proc.stdout
        if name == "汇总.bat":
            assert (ws.output_dir / "汇总表.xlsx").is_file() and (ws.output_dir / "汇总数据.json").is_file()
        if name in ("生成报告.bat", "一键完成.bat"):
            assert (ws.output_dir / f"{ws.period.name}情况汇报.docx").is_file()
        if name == "一键完成.bat":
            assert (ws.output_dir / "汇总表.xlsx").is_file()
