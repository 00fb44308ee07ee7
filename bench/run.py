"""Benchmark: the toolkit beside the naive pandas way and the read floor.

    python -m bench.run                 # S and M, 3 runs each (a few minutes)
    python -m bench.run --scales S,M,L  # adds the 1,000,000-row stress (L: 1 run)
    python -m bench.run --runs 5 --json bench/results/my.json
    python -m bench.run --scales M --skip naive        # a quick before/after comparison

For each scale it generates (once, cached under bench/data/) a collection made
with the toolkit's own templates, then times in fresh interpreters, round by round
(the jobs of one round run back to back, so that ratios compare like with like):
  * toolkit, per stage (`api.run_workspace` itself, timed at the end of each stage: read,
    normalize+validate, merge/statistics, write 汇总表 with the report rendered beside it,
    the wait for the report) and as a whole process (`toolkit run`), with peak RSS, both as a
    first run (no read cache); `rerun`: the run again after one unit resent its file (the read
    cache holds the others); the report alone (`toolkit report`);
  * at M, the same run with three earlier periods in the history store (`history`, first run)
    and `toolkit next-period` after that run (`next`);
  * the naive baseline (pandas.read_excel(engine="openpyxl") loop, concat, to_excel);
  * the read floor (python-calamine and fastexcel parsing the same sheets, nothing else);
and `toolkit --help` start-up. Medians of the runs are printed and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _env(**extra: str) -> dict:
    """The environment of a measured job: this checkout's toolkit first on the path."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, **extra)


def _child(kind: str, workspace: Path) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "child.py"), kind, str(workspace)], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, env=_env())
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _process(workspace: Path) -> dict:
    """`toolkit run` as a user runs it, measured from outside (wall) and inside (peak RSS)."""
    code = ("import resource, sys, json\n"
            "from toolkit.cli import main\n"
            "try:\n    main(['run'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "sys.stderr.write(json.dumps({'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,\n"
            "    'children_peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024}))\n")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          cwd=workspace, env=_env(COLUMNS="200"))
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"toolkit run failed:\n{proc.stderr[-3000:]}")
    peaks = json.loads(proc.stderr.strip().splitlines()[-1])
    # the largest child (a read worker or the report helper) beside the main process
    return {"total": wall, "peak_rss_mb": peaks["peak_rss_mb"], "children_peak_rss_mb": peaks["children_peak_rss_mb"],
            "stages": {}}


def _cold(workspace: Path) -> Path:
    """``workspace`` without its read cache (toolkit.read.cache): a first run reads every file."""
    shutil.rmtree(workspace / ".toolkit" / "cache", ignore_errors=True)
    return workspace


def _median(runs: list[dict]) -> dict:
    out = {"total": statistics.median(r["total"] for r in runs),
           "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "runs": len(runs)}
    if all("children_peak_rss_mb" in r for r in runs):
        out["children_peak_rss_mb"] = max(r["children_peak_rss_mb"] for r in runs)
    names = runs[0].get("stages", {}).keys()
    out["stages"] = {n: statistics.median(r["stages"][n] for r in runs) for n in names}
    if all("cpu_s" in r for r in runs):
        out["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    for key in ("files", "rows_read", "rows_accepted", "rows", "cells"):
        if key in runs[0]:
            out[key] = runs[0][key]
    return out


def startup(runs: int = 10) -> float:
    exe = shutil.which("toolkit")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "toolkit", "--help"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


KINDS = ("toolkit", "naive", "floor", "fastexcel")


def bench_scale(scale: str, runs: int, data_dir: Path, reuse: dict[str, Path] | None = None,
                skip: tuple[str, ...] = ()) -> dict:
    """All jobs of one scale, interleaved round by round (floor, fastexcel, toolkit, process, naive):
    a shared machine's speed drifts over minutes, and a ratio is only fair between runs made
    under the same conditions. Ratios are given of the medians and as the median of each
    round's ratio."""
    sys.path.insert(0, str(ROOT))
    from bench.generate import make_collection

    t = time.perf_counter()
    workspace = make_collection(data_dir / scale, scale)
    history = None
    if scale == "M" and "history" not in skip:
        from bench.generate import make_history

        history = make_history(data_dir, scale)
    print(f"[{scale}] collection ready in {time.perf_counter() - t:.1f} s: {workspace}", flush=True)
    n = 1 if scale == "L" else runs
    samples: dict[str, list[dict]] = {kind: [] for kind in (*KINDS, "process", "rerun", "report", "history", "next")}
    naive_reused = reuse.get(scale) if reuse else None
    if naive_reused is not None:
        # the naive loop takes half an hour at L: it may be measured once on its own
        # (`python bench/child.py naive bench/data/L > bench/results/L-naive.json`)
        samples["naive"].append(json.loads(naive_reused.read_text(encoding="utf-8").strip().splitlines()[-1]))
        print(f"[{scale}] naive reused from {naive_reused}: {samples['naive'][-1]['total']:.2f} s", flush=True)
    for i in range(n):
        for kind in ("floor", "fastexcel", "toolkit", "process", "rerun", "report", "history", "next", "naive"):
            if (kind == "naive" and naive_reused is not None) or kind in skip:
                continue
            if kind in ("history", "next") and history is None:
                continue
            # toolkit, process and history are first runs (no read cache); rerun and next follow a run
            if kind == "history":  # toolkit run with three earlier periods in the store
                samples[kind].append(_child("toolkit", _cold(history)))
            elif kind in ("toolkit", "process"):
                samples[kind].append(_process(_cold(workspace)) if kind == "process" else _child(kind, _cold(workspace)))
            else:
                samples[kind].append(_child(kind, workspace if kind != "next" else history))
            print(f"[{scale}] round {i + 1}/{n} {kind}: {samples[kind][-1]['total']:.2f} s", flush=True)
    result: dict = {kind: _median(runs_) for kind, runs_ in samples.items() if runs_}
    if naive_reused is not None:
        result["naive"]["reused_from"] = str(naive_reused)
    naive = result.get("naive")
    result["ratios"] = {} if naive is None else {
        "naive_cpu_over_process": naive.get("cpu_s", naive["total"]) / result["process"]["total"],
        "naive_over_toolkit": naive["total"] / result["toolkit"]["total"],
        "naive_over_process": naive["total"] / result["process"]["total"]}
    if "floor" in result and "fastexcel" in result and "process" in result:
        floor = min(result["floor"]["total"], result["fastexcel"]["total"])
        per_round = [(p["total"] / f["total"], p["total"] / x["total"])
                     for p, f, x in zip(samples["process"], samples["floor"], samples["fastexcel"])]
        result["ratios"].update({
            "toolkit_over_floor": result["toolkit"]["total"] / floor,
            "process_over_floor": result["process"]["total"] / floor,
            "process_over_calamine": result["process"]["total"] / result["floor"]["total"],
            "process_over_fastexcel": result["process"]["total"] / result["fastexcel"]["total"],
            "process_over_calamine_per_round": statistics.median(r[0] for r in per_round),
            "process_over_fastexcel_per_round": statistics.median(r[1] for r in per_round),
        })
    if "history" in result:
        per = [h["total"] / t["total"] for h, t in zip(samples["history"], samples["toolkit"])]
        result["ratios"]["history_over_toolkit"] = result["history"]["total"] / result["toolkit"]["total"]
        result["ratios"]["history_over_toolkit_per_round"] = statistics.median(per)
    return result


def print_table(results: dict) -> None:
    print()
    print(f"{'scale':<6}{'job':<12}{'median s':>10}{'peak MB':>10}   stages")
    for scale, res in results["scales"].items():
        for kind in ("toolkit", "process", "rerun", "report", "history", "next", "naive", "floor", "fastexcel"):
            if kind not in res:
                continue
            r = res[kind]
            stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
            print(f"{scale:<6}{kind:<12}{r['total']:>10.2f}{r['peak_rss_mb']:>10.0f}   {stages}")
        rt = res["ratios"]
        naive = (f"naive/process {rt['naive_over_process']:.1f}× (naive CPU/process {rt['naive_cpu_over_process']:.1f}×), "
                 if "naive_over_process" in rt else "")
        if "process_over_calamine" in rt:
            print(f"{scale:<6}{'ratios':<12} {naive}process/calamine floor "
                  f"{rt['process_over_calamine']:.2f}× (per round {rt['process_over_calamine_per_round']:.2f}×), "
                  f"process/fastexcel floor {rt['process_over_fastexcel']:.2f}× "
                  f"(per round {rt['process_over_fastexcel_per_round']:.2f}×)")
        if "history_over_toolkit" in rt:
            nxt = f"; next-period {res['next']['total']:.2f} s (target < 5 s)" if "next" in res else ""
            print(f"{scale:<6}{'history':<12} toolkit run with 3 earlier periods / without: {rt['history_over_toolkit']:.2f}×"
                  f" (per round {rt['history_over_toolkit_per_round']:.2f}×, target ≤ 1.15×){nxt}")
    print(f"\ntoolkit --help start-up (median): {results['startup_s'] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="S,M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--skip", default="", metavar="JOBS",
                        help="jobs left out, e.g. --skip naive (a quick comparison: the naive loop takes 45 s at M)")
    parser.add_argument("--reuse-naive", action="append", default=[], metavar="SCALE=FILE",
                        help="use a naive-baseline result measured separately (bench/child.py naive …)")
    args = parser.parse_args()
    reuse = {k: Path(v) for k, v in (item.split("=", 1) for item in args.reuse_naive)}
    # an installed package has its bytecode compiled by pip; a source checkout may not
    # (PYTHONDONTWRITEBYTECODE): compile it so that no run pays for compiling
    import compileall

    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()},
               "startup_s": startup(), "scales": {}}
    for scale in args.scales.split(","):
        results["scales"][scale] = bench_scale(scale.strip(), args.runs, args.data, reuse,
                                                 tuple(j.strip() for j in args.skip.split(",") if j.strip()))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print_table(results)
    print(f"\nwritten {args.json}")


if __name__ == "__main__":
    main()
