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
    broken = False
    if workers > 1:
        results = runtime.pool_map(partial(read_file, root=root, units=units, period=period), paths, workers)
        try:
            while True:
                try:
                    fd = next(results)
                except StopIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - no pool (sandbox, frozen app) or a worker died: read here
                    broken = type(exc).__name__ == "BrokenProcessPool"
                    break
                done += 1
                yield fd
        finally:
            results.close()  # stopped early (Ctrl+C, the caller gave up): files not started are dropped
    for path in paths[done:]:
        if not broken:
            yield read_file(path, root, units=units, period=period)
            continue
        # A worker died reading one of the files in flight (a library that aborted, the OOM
        # killer): each file left is read in a process of its own, so that one costs only itself.
        try:
            yield runtime.isolated(read_file, path, root, units=units, period=period)
        except runtime.ChildDied as exc:
            yield _crashed(path, root, units, exc.exitcode)


def _crashed(path: Path, root: Path, units: list[Unit], exitcode: int | None) -> FileData:
    """The FileData of a file whose reading ended its process: 无法读取 with the reason."""
    from ..errors import make_issue
    from .units import unit_of_unreadable
    from .workbook import relative_name

    fd = FileData(path=path, rel=relative_name(path, root), modified=0.0, readable=False)
    fd.issues = [make_issue("file-check-failed", file=fd.rel, detail=f"读取本文件时程序异常退出，退出码 {exitcode}")]
    unit_of_unreadable(fd, units)
    return fd
