"""Reading many files: :func:`toolkit.read.read_file` for each, in order, shared by a process pool
when there are many (:mod:`toolkit.runtime` decides how many processes and runs the pool)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import runtime
from ..model import FileData, Period, Unit
from .workbook import read_file

__all__ = ["read_files", "iter_read_files"]


def read_files(
    paths: list[Path],
    root: Path,
    *,
    units: Iterable[Unit] = (),
    period: Period | None = None,
    progress: Any = None,
    workers: int | None = None,
) -> list[FileData]:
    """:func:`read_file` for every path, results in the order of ``paths``.

    ``progress(done, total, name)`` is called in this process, in order, as in a
    loop over the files (``done`` files read, ``name`` the next one), then once
    with ``(total, total, "")``.
    """
    paths = [Path(p) for p in paths]
    files: list[FileData] = []
    for fd in iter_read_files(paths, root, units=units, period=period, workers=workers):
        if progress:
            progress(len(files), len(paths), paths[len(files)].name)
        files.append(fd)
    if progress:
        progress(len(paths), len(paths), "")
    return files


def iter_read_files(
    paths: list[Path],
    root: Path,
    *,
    units: Iterable[Unit] = (),
    period: Period | None = None,
    workers: int | None = None,
) -> Iterator[FileData]:
    """Yield :func:`read_file` of every path, in the order of ``paths``.

    With many files the work is shared by a pool of processes (each file is read
    whole by one worker, so the results are those of reading the files one by one);
    if no pool can be used, the remaining files are read in this process.
    ``workers`` defaults to :func:`toolkit.runtime.read_workers`.
    """
    paths = [Path(p) for p in paths]
    units = list(units)
    root = Path(root)
    n = len(paths)
    workers = runtime.read_workers(n) if workers is None else max(1, min(workers, n))
    done = 0
    if workers > 1:
        results = runtime.pool_map(partial(read_file, root=root, units=units, period=period), paths, workers)
        try:
            while True:
                try:
                    fd = next(results)
                except StopIteration:
                    break
                except Exception:  # noqa: BLE001 - no pool (sandbox, frozen app, broken worker): read here
                    break
                done += 1
                yield fd
        finally:
            results.close()  # stopped early (Ctrl+C, the caller gave up): files not started are dropped
    for path in paths[done:]:
        yield read_file(path, root, units=units, period=period)
