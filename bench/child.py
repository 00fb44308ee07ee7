"""One measured job, run in a fresh interpreter by bench/run.py.

    python bench/child.py toolkit <workspace>   # the toolkit, stage by stage
    python bench/child.py naive <workspace>     # the pandas loop a user would write
    python bench/child.py floor <workspace>     # python-calamine parsing, nothing else
    python bench/child.py fastexcel <workspace> # fastexcel parsing, nothing else
    python bench/child.py report <workspace>    # the report alone, from 汇总数据.json
    python bench/child.py rerun <workspace>     # the toolkit again, one file changed since the last run
    python bench/child.py next <workspace>      # toolkit next-period on a copy of the workspace

Prints one JSON line: {"stages": {name: seconds}, "total": seconds, "peak_rss_mb": MB, ...}.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (worker pools)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


STAGE_NAMES = {"read": "read (finding files included)", "validate": "normalize+validate",
               "merge": "merge/statistics", "workbook": "write 汇总表 (report beside it)",
               "report": "report: wait after"}


def run_toolkit(root: Path) -> dict:
    """``api.run_workspace`` itself, timed at the end of each of its stages."""
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    from toolkit import api
    from toolkit.config import load_workspace

    ws = load_workspace(root)
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stages[STAGE_NAMES.get(name, name)] = now - last[0]
        last[0] = now

    result, merged, _report = api.run_workspace(ws, stage=lap)
    rows = result.totals()
    return {"stages": stages, "total": time.perf_counter() - t0, "peak_rss_mb": _peak_mb(),
            "files": rows["files"], "rows_read": rows["rows_read"], "rows_accepted": rows["rows_accepted"]}


def run_rerun(root: Path) -> dict:
    """:func:`run_toolkit` after one unit resent its file (the first file is saved again: its
    time changes), on a workspace already run once: what the office sees the second time."""
    import os

    from toolkit.config import load_workspace
    from toolkit.read import find_files

    first = find_files(load_workspace(root).inbox)[0][0]
    os.utime(first)  # a new modification time: that file is read again, the others come from the cache
    out = run_toolkit(root)
    out["files_changed"] = 1
    return out


def _inbox(root: Path) -> Path:
    from toolkit.config import load_workspace

    return load_workspace(root).inbox


def run_next(root: Path) -> dict:
    """``toolkit next-period`` on a copy of the workspace (records the period, writes the next one's
    prefilled templates); the copy is made before the clock starts."""
    import shutil
    import tempfile

    from toolkit import api
    from toolkit.config import load_workspace

    with tempfile.TemporaryDirectory(prefix="bench-next-") as tmp:
        target = Path(tmp) / root.name
        shutil.copytree(root, target)
        t0 = time.perf_counter()
        ws = load_workspace(target)
        outcome = api.next_period(ws, console=False)
        total = time.perf_counter() - t0
    assert outcome.changed, outcome.notes
    return {"stages": {}, "total": total, "peak_rss_mb": _peak_mb(), "merged_again": outcome.merged,
            "carried": outcome.carried, "templates": len(outcome.templates)}


def run_report(root: Path) -> dict:
    """The report alone from 汇总数据.json (imports included), as ``toolkit report`` runs it."""
    t0 = time.perf_counter()
    from toolkit import api
    from toolkit.config import load_workspace

    ws = load_workspace(root)
    api.report_workspace(ws)
    return {"stages": {}, "total": time.perf_counter() - t0, "peak_rss_mb": _peak_mb()}


def run_naive(root: Path) -> dict:
    """What a capable user writes: read every sheet with pandas/openpyxl, concat, to_excel."""
    import pandas as pd

    t0 = time.perf_counter()
    inbox = _inbox(root)
    frames: dict[str, list] = {}
    for path in sorted(inbox.rglob("*.xlsx")):
        if path.name.startswith("~$"):
            continue
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=2)
        for name, df in sheets.items():
            if name in ("走访记录", "问题清单", "任务清单"):
                df = df.dropna(how="all")
                df["来源文件"] = path.name
                frames.setdefault(name, []).append(df)
    t_read = time.perf_counter()
    merged = {name: pd.concat(dfs, ignore_index=True) for name, dfs in frames.items()}
    out = root / "naive-汇总.xlsx"
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, df in merged.items():
            df.to_excel(writer, sheet_name=name, index=False)
    t_end = time.perf_counter()
    rows = sum(len(df) for df in merged.values())
    return {"stages": {"read": t_read - t0, "write": t_end - t_read}, "total": t_end - t0,
            "peak_rss_mb": _peak_mb(), "rows": rows}


def run_floor(root: Path, engine: str) -> dict:
    t0 = time.perf_counter()
    cells = 0
    inbox = _inbox(root)
    paths = [p for p in sorted(inbox.rglob("*.xlsx")) if not p.name.startswith("~$")]
    if engine == "calamine":
        from python_calamine import CalamineWorkbook

        for path in paths:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                if name in ("走访记录", "问题清单", "任务清单"):
                    data = wb.get_sheet_by_name(name).to_python()
                    cells += sum(len(r) for r in data)
    else:
        import fastexcel

        for path in paths:
            reader = fastexcel.read_excel(str(path))
            for name in reader.sheet_names:
                if name in ("走访记录", "问题清单", "任务清单"):
                    sheet = reader.load_sheet_by_name(name, header_row=None)
                    cells += sheet.height * sheet.width
    return {"stages": {}, "total": time.perf_counter() - t0, "peak_rss_mb": _peak_mb(), "cells": cells}


if __name__ == "__main__":
    kind, root = sys.argv[1], Path(sys.argv[2])
    if kind == "toolkit":
        out = run_toolkit(root)
    elif kind == "naive":
        out = run_naive(root)
    elif kind in ("floor", "calamine"):
        out = run_floor(root, "calamine")
    elif kind == "fastexcel":
        out = run_floor(root, "fastexcel")
    elif kind == "report":
        out = run_report(root)
    elif kind == "next":
        out = run_next(root)
    elif kind == "rerun":
        out = run_rerun(root)
    else:
        raise SystemExit(f"unknown job {kind}")
    out["cpu_s"] = _cpu_s()
    print(json.dumps(out, ensure_ascii=False))
