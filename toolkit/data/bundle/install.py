"""Offline installer of the 台账 toolkit, copied into the bundle folder by ``toolkit bundle``.

安装.bat (Windows) and install.sh (Linux) try each candidate Python with ``--check`` and run
this script with the first that fits:

    python install.py --check   exit 0 when this Python fits the bundle (version, 32/64 bit,
                                operating system, processor); otherwise say why and exit 1
    python install.py           install: pip, run from the pip wheel in this folder (so a Python
                                without pip works too), ``install --no-index --find-links <folder>``

Only the standard library is used (the toolkit is not installed yet). Nothing is downloaded:
``--no-index`` and the user's pip configuration switched off (``PIP_CONFIG_FILE`` = the null
device, ``PIP_*`` variables dropped). Where the Python's own folder is not writable, pip
installs for the current user by itself (no administrator rights needed).
"""

from __future__ import annotations

import json
import os
import platform
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = "bundle.json"


def load_manifest() -> dict:
    return json.loads((HERE / MANIFEST).read_text(encoding="utf-8"))


def problem(manifest: dict) -> str | None:
    """Why this Python cannot take the bundle (Chinese), or None when it can."""
    want = manifest["python"]
    have = f"{sys.version_info[0]}.{sys.version_info[1]}"
    bits = struct.calcsize("P") * 8
    label = manifest["platform_label"]
    running = "windows" if os.name == "nt" else ("linux" if sys.platform.startswith("linux") else sys.platform)
    if running != manifest["os"]:
        return f"本安装包是为{label}生成的，不能装在这台电脑上。请信息中心为本机的系统另做一个安装包。"
    if sys.implementation.name != "cpython":
        return f"这个 Python 不是标准的 CPython（而是 {sys.implementation.name}），请安装 python.org 的 Python {want}。"
    if have != want:
        return (f"这个 Python 是 {have} 版（{sys.executable}），本安装包需要 Python {want}（{manifest['bits']} 位）。"
                f"请安装 Python {want}；或请信息中心为 Python {have} 另做一个安装包（toolkit bundle 目录 --python {have}）。")
    if bits != manifest["bits"]:
        return (f"这个 Python 是 {bits} 位的（{sys.executable}），本安装包需要 {manifest['bits']} 位的 Python {want}。"
                f"请安装 {manifest['bits']} 位的 Python {want}。")
    machines = manifest.get("machines") or []
    if machines and platform.machine().lower() not in [m.lower() for m in machines]:
        return (f"这台电脑的处理器是 {platform.machine()}，本安装包是为 {'、'.join(machines)} 生成的。"
                "请信息中心为本机的处理器另做一个安装包（toolkit bundle 的 --platform 选项）。")
    return None


def _pip_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no index, mirror or constraint from the PC's pip settings
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _externally_managed() -> bool:
    try:
        return (Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").is_file()
    except (KeyError, TypeError, OSError):
        return False


def install(manifest: dict) -> int:
    pip = HERE / manifest["pip"] / "pip"  # pip runs straight from its wheel
    command = [sys.executable, str(pip), "install", "--no-index", "--find-links", str(HERE),
               "--no-warn-script-location", manifest["requirement"]]
    print(f"正在用 {sys.executable} 安装 {manifest['requirement']}（离线安装，不连接网络）……", flush=True)
    env = _pip_environment()
    code = subprocess.call(command, env=env, cwd=str(HERE))
    if code != 0:
        print("\n安装没有成功。请阅读上面的英文提示（pip 的输出），把这个窗口的内容截图发给信息中心。")
        if _externally_managed():
            print("这个 Python 由操作系统管理，不允许直接安装软件包。可以先建一个独立环境再安装：\n"
                  "  python3 -m venv ~/台账工具环境\n"
                  "  TOOLKIT_PYTHON=~/台账工具环境/bin/python3 sh install.sh")
        return code
    check = subprocess.run([sys.executable, "-m", "toolkit", "--version"], capture_output=True, text=True,
                           env=env, cwd=str(HERE))
    if check.returncode != 0:
        print("\n已安装，但无法运行 toolkit：\n" + (check.stderr or check.stdout).strip())
        return check.returncode or 1
    print(f"\n安装完成：{check.stdout.strip()}（Python：{sys.executable}）。")
    print("以后在命令窗口（终端）中这样运行，例如创建工作区：")
    print(f'  "{sys.executable}" -m toolkit init 台账工作区 --org "XX市XX局" --period 2022Q1')
    print("命令 toolkit 不在 PATH 中时，python -m toolkit 总是可以用；工作区中的启动脚本和控制台会自动找到这个 Python。")
    return 0


def main(argv: list[str]) -> int:
    manifest = load_manifest()
    why = problem(manifest)
    if "--check" in argv:
        if why:
            print(why)
            return 1
        return 0
    if why:
        print(why)
        return 1
    return install(manifest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
