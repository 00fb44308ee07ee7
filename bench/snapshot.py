"""Refactor by snapshot: record every output of the demo, the messy corpus and bench M; compare two records.

    python -m bench.snapshot record /tmp/before            # cases demo, messy, M, M-history
    python -m bench.snapshot record /tmp/after --cases demo,messy
    python -m bench.snapshot diff /tmp/before /tmp/after    # every difference, case by case

A record holds, per case, one JSON file per output: the validation result (every issue,
file report and ignored file), the accepted rows of every table with their dtypes, the
rejected rows, 汇总数据.json (without its generation time), every cell of every sheet of
汇总表.xlsx and of each 退回修改 file, the text of the report and its appendix, and the
console output of the same run. Absolute paths are replaced by ``<root>``. ``diff`` prints
the first differences of each part and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import shutil
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CASES = ("demo", "messy", "M", "M-history")


def _plain(value: Any) -> Any:
    """A JSON-able canonical form of a cell or table value."""
    import math

    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return str(value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return str(value)
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "item"):
        return _plain(value.item())
    return repr(value)


def _relative(obj: Any, roots: list[str]) -> Any:
    if isinstance(obj, str):
        for r in roots:
            obj = obj.replace(r, "<root>")
        return obj
    if isinstance(obj, dict):
        return {k: _relative(v, roots) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative(v, roots) for v in obj]
    return obj


def _tables(result) -> dict:
    out = {}
    for key, df in sorted(result.tables.items()):
        out[key] = {
            "dtypes": {c: str(t) for c, t in df.dtypes.items()},
            "rows": [[_plain(v) for v in row] for row in df.itertuples(index=False, name=None)],
            "columns": [str(c) for c in df.columns],
        }
    return out


def _workbook_cells(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        out[name] = [[_stamp(_plain(v)) for v in row] for row in rows]
    return out


_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _stamp(value: Any) -> Any:
    """A generation time (说明 sheet) is masked: it differs between any two runs."""
    return "<time>" if isinstance(value, str) and _STAMP.match(value) else value


def _docx_text(path: Path) -> list[str]:
    import docx

    doc = docx.Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for t, table in enumerate(doc.tables):
        for row in table.rows:
            lines.append(f"[table {t}] " + " | ".join(c.text for c in row.cells))
    for section in doc.sections:
        for part in (section.header, section.footer):
            lines.extend("[hf] " + p.text for p in part.paragraphs if p.text)
    return lines


def _figures(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("generated_at", None)
    return data


def _dump_outputs(out: Path, result, out_dir: Path, returns_dir: Path | None, report_docs: list[Path],
                  console: str, roots: list[str]) -> None:
    from toolkit.validate import result_to_json

    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: Any) -> None:
        (out / name).write_text(json.dumps(_relative(data, roots), ensure_ascii=False, indent=1, default=str),
                                encoding="utf-8")

    write("validation.json", result_to_json(result))
    write("tables.json", _tables(result))
    write("rejected.json", [dict(file=r.file, unit=r.unit, sheet_key=r.sheet_key, sheet=r.sheet, row=r.row,
                                 values={k: _plain(v) for k, v in r.values.items()}, reasons=r.reasons)
                            for r in result.rejected])
    figures = out_dir / "汇总数据.json"
    if figures.exists():
        write("figures.json", _figures(figures))
    workbook = out_dir / "汇总表.xlsx"
    if workbook.exists():
        write("workbook.json", _workbook_cells(workbook))
    if returns_dir is not None and returns_dir.is_dir():
        write("returns.json", {p.name: _workbook_cells(p) for p in sorted(returns_dir.glob("*.xlsx"))})
    write("report.json", {p.name: _docx_text(p) for p in report_docs if p.exists()})
    write("console.json", console.splitlines())


def _console_text(render) -> str:
    """What the CLI prints for the result (80 columns, no colour)."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=80, color_system=None, highlight=False, soft_wrap=True)
    render(console)
    return buf.getvalue()


def record_demo(out: Path, work: Path) -> None:
    from toolkit import api, cli
    from toolkit.demo import create_demo

    ws = create_demo(work / "演示工作区")
    result, merged, report = api.run_workspace(ws, pdf=False)
    docs = [report.docx] + ([report.appendix] if report.appendix else [])
    console = _console_text(lambda c: (cli.print_validation(result, c), cli.print_merge(merged, c)))
    _dump_outputs(out, result, ws.output_dir, ws.returns_dir, docs, console, [str(ws.root), str(work)])


def record_messy(out: Path, work: Path) -> None:
    from tests import messy
    from toolkit import api, cli

    folder = work / "messy"
    messy.build_corpus(folder)
    returns = work / "returns"
    result = api.validate_collection(folder, period=messy.PERIOD, as_of=messy.AS_OF, units=messy.UNITS,
                                     markup_dir=returns)
    out_dir = work / "out"
    merged = api.merge_result(result, out_dir)
    report = api.make_report(merged.figures, out_dir / "情况汇报.docx")
    docs = [report.docx] + ([report.appendix] if report.appendix else [])
    console = _console_text(lambda c: (cli.print_validation(result, c), cli.print_merge(merged, c)))
    _dump_outputs(out, result, out_dir, returns, docs, console, [str(folder), str(work)])


def record_bench(out: Path, work: Path, scale: str = "M", *, history: bool = False) -> None:
    """A run of bench ``scale``; ``history``: of its workspace with three earlier quarters in the
    store, every row a carried item (bench.generate.make_history: the cross-period checks)."""
    from bench.generate import make_collection, make_history
    from toolkit import api, cli
    from toolkit.config import load_workspace

    source = make_history(HERE / "data", scale) if history else make_collection(HERE / "data" / scale, scale)
    root = work / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("cache"))
    ws = load_workspace(root)
    result, merged, report = api.run_workspace(ws, pdf=False)
    docs = [report.docx] + ([report.appendix] if report.appendix else [])
    console = _console_text(lambda c: (cli.print_validation(result, c), cli.print_merge(merged, c)))
    _dump_outputs(out, result, ws.output_dir, ws.returns_dir, docs, console, [str(root), str(work)])


RECORDERS = {"demo": record_demo, "messy": record_messy, "M": record_bench,
             "M-history": lambda out, work: record_bench(out, work, history=True)}


def record(target: Path, cases: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for case in cases:
        with tempfile.TemporaryDirectory(prefix=f"snapshot-{case}-") as tmp:
            sink = io.StringIO()
            with redirect_stdout(sink):
                RECORDERS[case](target / case, Path(tmp))
        print(f"recorded {case} → {target / case}")


def _first_differences(a: Any, b: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if type(a) is not type(b):
        out.append(f"{path}: {json.dumps(a, ensure_ascii=False)[:300]} → {json.dumps(b, ensure_ascii=False)[:300]}")
        return
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b:
                out.append(f"{path}.{k}: removed ({json.dumps(a[k], ensure_ascii=False)[:200]})")
            elif k not in a:
                out.append(f"{path}.{k}: added ({json.dumps(b[k], ensure_ascii=False)[:200]})")
            else:
                _first_differences(a[k], b[k], f"{path}.{k}", out, limit)
            if len(out) >= limit:
                return
        if list(a) != list(b) and set(a) == set(b) and len(out) < limit:
            out.append(f"{path}: key order {list(a)[:8]} → {list(b)[:8]}")
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} → {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _first_differences(x, y, f"{path}[{i}]", out, limit)
            if len(out) >= limit:
                return
    elif a != b:
        out.append(f"{path}: {json.dumps(a, ensure_ascii=False)[:300]} → {json.dumps(b, ensure_ascii=False)[:300]}")


def diff(before: Path, after: Path, limit: int = 20) -> int:
    differing = 0
    for case_dir in sorted(p for p in before.iterdir() if p.is_dir()):
        other = after / case_dir.name
        if not other.is_dir():
            print(f"{case_dir.name}: not recorded in {after}")
            continue
        names = sorted({p.name for p in case_dir.glob("*.json")} | {p.name for p in other.glob("*.json")})
        for name in names:
            a, b = case_dir / name, other / name
            if not a.exists() or not b.exists():
                print(f"{case_dir.name}/{name}: only in {'after' if b.exists() else 'before'}")
                differing += 1
                continue
            if a.read_bytes() == b.read_bytes():
                continue
            found: list[str] = []
            _first_differences(json.loads(a.read_text("utf-8")), json.loads(b.read_text("utf-8")), name, found, limit)
            if found:
                differing += 1
                print(f"--- {case_dir.name}/{name}")
                for line in found:
                    print("   ", line)
    print("identical" if not differing else f"{differing} part(s) differ")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("target", type=Path)
    rec.add_argument("--cases", default=",".join(CASES))
    dif = sub.add_parser("diff")
    dif.add_argument("before", type=Path)
    dif.add_argument("after", type=Path)
    dif.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)
    if args.cmd == "record":
        record(args.target, [c.strip() for c in args.cases.split(",") if c.strip()])
        return 0
    return diff(args.before, args.after, args.limit)


if __name__ == "__main__":
    sys.exit(main())
