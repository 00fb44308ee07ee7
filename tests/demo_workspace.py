"""One demo workspace (with 控制台.xlsm) per test session, shared by the button and launcher tests."""

from __future__ import annotations

import shutil
from pathlib import Path

_master: Path | None = None


def demo_master(tmp_path_factory) -> Path:
    global _master
    if _master is None:
        from toolkit.console import write_console
        from toolkit.demo import create_demo

        root = tmp_path_factory.mktemp("demo") / "演示工作区"
        write_console(create_demo(root))
        _master = root
    return _master


def demo_copy(tmp_path_factory, target: Path) -> Path:
    shutil.copytree(demo_master(tmp_path_factory), target)
    return target
