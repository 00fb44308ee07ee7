"""Generate benchmark collections with the toolkit's own templates.

Scales (see bench/README.md):
    S  the demo workspace (12 units, a few hundred rows)
    M  300 files × ~200 rows  (~60,000 rows)
    L  1,000 files × ~1,000 rows (~1,000,000 rows)

Each file is a real unit submission: a template built by ``toolkit.templates``
filled with ``toolkit.sample`` rows, with the usual share of dates typed as text
and counts typed with units. To keep generation affordable at scale, a handful of
distinct base workbooks is built per shape and each unit's file is a copy whose
unit name is substituted inside the package parts (title, 填报单位 cell, the
``toolkit_unit`` defined name and document property); rows differ between the
base workbooks, so the reader sees varied data.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from datetime import date
from pathlib import Path

from toolkit.config import init_workspace, load_workspace
from toolkit.model import Unit
from toolkit.sample import generate_unit_rows
from toolkit.schema import FIRST_DATA_ROW, SHEETS, SURVEY, TASK_LEDGER

PLACEHOLDER = "基准测试单位占位"
CODE_PLACEHOLDER = "UNITCODEX"  # replaced by the unit's code in each copy
AS_OF = date(2022, 4, 29)
SCALES = {
    # name: (files, rows per file)
    "M": (300, 200),
    "L": (1000, 1000),
}
BASES_PER_SHAPE = 6


def unit_name(i: int) -> str:
    return f"第{i:04d}党支部"


def _base_rows(kind: str, rows: int, rng: random.Random, period) -> dict[str, list[dict]]:
    unit = Unit("0000", PLACEHOLDER)
    if kind == "tasks":
        return generate_unit_rows(unit, period, AS_OF, rng, visits=0, tasks=rows, extra_problems=0)
    # about 48% visits, 52% problems (each visit yields ~1.1 problems)
    visits = max(1, int(rows * 0.48))
    out = generate_unit_rows(unit, period, AS_OF, rng, visits=visits, tasks=0, extra_problems=0)
    return out


def _messy(wb, sheet_key: str, rows: list[dict], rng: random.Random) -> None:
    """Type a few values the way people do (text dates, counts with units)."""
    sheet = SHEETS[sheet_key]
    ws = wb[sheet.name]
    date_cols = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == "date"]
    int_cols = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == "int" and c.units]
    for r, row in enumerate(rows):
        if rng.random() < 0.05 and date_cols:
            col = date_cols[0]
            value = row[sheet.columns[col - 1].key]
            if value:
                ws.cell(FIRST_DATA_ROW + r, col).value = f"{value.year}.{value.month}.{value.day}"
        if rng.random() < 0.03 and int_cols:
            col = int_cols[0]
            value = row[sheet.columns[col - 1].key]
            if value is not None:
                ws.cell(FIRST_DATA_ROW + r, col).value = f"{value}人"


def build_bases(out: Path, rows: int, period, seed: int = 7, ids: str = "") -> dict[str, list[Path]]:
    """Base workbooks; ``ids``: a period token — each item then carries the 编号 that period issued
    (with the unit code placeholder), as a unit's return of its prefilled template does."""
    from toolkit.templates import build_workbook, fill_rows, save_workbook

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    bases: dict[str, list[Path]] = {"survey": [], "tasks": []}
    for kind, template in (("survey", SURVEY), ("tasks", TASK_LEDGER)):
        for b in range(BASES_PER_SHAPE):
            data = _base_rows(kind, rows, rng, period)
            if ids:
                for key, letter in (("problems", "P"), ("tasks", "T")):
                    for row in data.get(key, []):
                        row["id"] = f"{CODE_PLACEHOLDER}-{ids}-{letter}{row['seq']:03d}"
            wb = build_workbook(template, unit=PLACEHOLDER, period=period)
            for sheet in template.sheets:
                fill_rows(wb, sheet.key, data[sheet.key])
                _messy(wb, sheet.key, data[sheet.key], rng)
            path = out / f"base-{kind}-{rows}-{b}.xlsx"
            save_workbook(wb, path)
            bases[kind].append(path)
    return bases


def clone_with_unit(base: Path, target: Path, name: str, code: str = "") -> None:
    """Copy a base workbook, replacing the placeholder unit name (and code) in every XML part."""
    needle = PLACEHOLDER.encode("utf-8")
    repl = name.encode("utf-8")
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xml") and needle in data:
                data = data.replace(needle, repl)
            if code and info.filename.endswith(".xml"):
                data = data.replace(CODE_PLACEHOLDER.encode("ascii"), code.encode("utf-8"))
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def make_collection(root: Path, scale: str, ids: str = "") -> Path:
    """Create (or reuse) the workspace of a scale; returns its root (``ids``: see :func:`build_bases`)."""
    if scale == "S":
        from toolkit.demo import create_demo

        if not (root / "toolkit.toml").exists():
            create_demo(root)
        return root
    files, rows = SCALES[scale]
    marker = root / ".complete"
    if marker.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    n_units = files // 2 + files % 2
    units = [Unit(f"{i:04d}", unit_name(i)) for i in range(1, n_units + 1)]
    ws = init_workspace(root, "基准测试市体育局", "2022Q1", units=units, as_of=AS_OF, report_date=AS_OF)
    ws = load_workspace(root)
    bases = build_bases(root / ".bases", rows, ws.period, ids=ids)
    count = 0
    for i, unit in enumerate(units):
        for kind, template in (("survey", SURVEY), ("tasks", TASK_LEDGER)):
            if count >= files:
                break
            base = bases[kind][i % BASES_PER_SHAPE]
            clone_with_unit(base, ws.inbox / template.file_name(unit.name, ws.period.name), unit.name, unit.code)
            count += 1
    marker.write_text(str(count))
    return root


if __name__ == "__main__":  # pragma: no cover
    import sys

    scale = sys.argv[1] if len(sys.argv) > 1 else "M"
    print(make_collection(Path("bench/data") / scale, scale))


HISTORY_PERIODS = ("2021Q2", "2021Q3", "2021Q4")


def make_history(data_dir: Path, scale: str = "M") -> Path:
    """(Or reuse) the workspace of ``scale`` a year into the campaign: three earlier quarters in its
    history store, and each unit's files are its prefilled ledgers returned — every problem and
    task carries the 编号 the store issued for it (the cross-period checks run on every row)."""
    from toolkit import api
    from toolkit.config import parse_period
    from toolkit.merge import summarize

    root = data_dir / f"{scale}-history"
    marker = root / ".history-complete"
    if marker.exists():
        return root
    source = make_collection(data_dir / scale, scale)
    token = HISTORY_PERIODS[-1].replace("-", "")
    if root.exists():
        shutil.rmtree(root)
    make_collection(root, scale, ids=token)
    ws = load_workspace(root)
    merged = summarize(api.validate_workspace(load_workspace(source)), **api.merge_settings(ws))
    for key, letter in (("problems", "P"), ("tasks", "T")):
        df = merged.details[key]
        df["id"] = [f"{code}-{token}-{letter}{int(seq):03d}" for code, seq in zip(df["_unit_code"], df["seq"])]
    for code in HISTORY_PERIODS:
        period = parse_period(code)
        api.record_period(ws.with_period(period, folder=ws.period_folder, as_of=period.end), merged)
    marker.write_text("ok")
    return root
