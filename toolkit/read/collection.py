"""Reading many files: :func:`toolkit.read.read_file` for each, in order, shared by a process pool
when there are many (:mod:`toolkit.runtime` decides how many processes and runs the pool)."""

from __future__ import annotations

import pickle
from functools import partial
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import runtime
from ..model import FileData, Period, Unit
from .cache import ReadCache, dumps, write_entry
from .workbook import read_file, relative_name

__all__ = ["read_files", "iter_read_files"]


def read_files(
    paths: list[Path],
    root: Path,
    *,
    units: Iterable[Unit] = (),
    period: Period | None = None,
    progress: Any = None,
    workers: int | None = None,
    cache: Path | None = None,
) -> list[FileData]:
    """:func:`read_file` for every path, results in the order of ``paths``.

    ``progress(done, total, name)`` is called in this process, in order, as in a
    loop over the files (``done`` files read, ``name`` the next one), then once
    with ``(total, total, "")``. ``cache``: the folder of a :class:`toolkit.read.cache.ReadCache`
    (files unchanged since they were last read are not read again).
    """
    paths = [Path(p) for p in paths]
    files: list[FileData] = []
    for fd in iter_read_files(paths, root, units=units, period=period, workers=workers, cache=cache):
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
    cache: Path | None = None,
) -> Iterator[FileData]:
    """Yield :func:`read_file` of every path, in the order of ``paths``.

    With many files the work is shared by a pool of processes (each file is read
    whole by one worker, so the results are those of reading the files one by one);
    if no pool can be used, the remaining files are read in this process.
    ``workers`` defaults to :func:`toolkit.runtime.read_workers`. With ``cache``, a file
    found there unchanged is taken from it and only the others are read (and stored).
    """
    paths = [Path(p) for p in paths]
    units = list(units)
    root = Path(root)
    store = ReadCache(cache, units) if cache is not None else None
    keys = [store.key(p, relative_name(p, root)) for p in paths] if store else [None] * len(paths)
    found = [store.load_for(k, p) for k, p in zip(keys, paths)] if store else [None] * len(paths)
    todo = [(p, k) for p, k, fd in zip(paths, keys, found) if fd is None]
    n = len(todo)
    if store is None:
        workers = runtime.read_workers(n) if workers is None else max(1, min(workers, n))
    else:  # the pool is for the files to read, not the whole collection
        workers = max(1, min(runtime.read_workers(n), n if workers is None else workers))
    fresh = _read_fresh(todo, root, units, period, workers, store)
    first: list[FileData] = []
    try:
        if workers > 1 and found.count(None) < len(found):
            # the pool is started before any file is handed out: the caller may start threads
            # then (runtime.warming), and no process may be forked while a thread runs
            first.append(next(fresh))
        for fd in found:
            yield fd if fd is not None else (first.pop() if first else next(fresh))
    finally:
        fresh.close()
    if store:
        store.prune(keys)


def _read_fresh(todo: list[tuple[Path, str | None]], root: Path, units: list[Unit], period: Period | None,
                workers: int, store: ReadCache | None) -> Iterator[FileData]:
    """:func:`read_file` of each ``(path, cache key)``, in order, through the pool when ``workers`` > 1."""
    done = 0
    broken = False
    if workers > 1:
        read = partial(_read_one, root=root, units=units, period=period, cache=store.folder if store else None)
        results = runtime.pool_map(read, todo, workers)
        try:
            while True:
                try:
                    got = next(results)
                except StopIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - no pool (sandbox, frozen app) or a worker died: read here
                    broken = type(exc).__name__ == "BrokenProcessPool"
                    break
                done += 1
                yield pickle.loads(got) if isinstance(got, bytes) else got
        finally:
            results.close()  # stopped early (Ctrl+C, the caller gave up): files not started are dropped
    for path, key in todo[done:]:
        if not broken:
            fd = read_file(path, root, units=units, period=period)
            if store and store.keeps(fd):
                store.store(key, dumps(fd))
            yield fd
            continue
        # A worker died reading one of the files in flight (a library that aborted, the OOM
        # killer): each file left is read in a process of its own, so that one costs only itself.
        try:
            yield runtime.isolated(read_file, path, root, units=units, period=period)
        except runtime.ChildDied as exc:
            yield _crashed(path, root, units, exc.exitcode)


def _read_one(item: tuple[Path, str | None], *, root: Path, units: list[Unit], period: Period | None,
              cache: Path | None) -> FileData | bytes:
    """In a pool worker: read one file; with a cache, store it and send back the same bytes
    (pickled once, for the cache and for the way back)."""
    path, key = item
    fd = read_file(path, root, units=units, period=period)
    if cache is None or not ReadCache.keeps(fd):
        return fd
    data = dumps(fd)
    write_entry(cache, key, data)
    return data


def _crashed(path: Path, root: Path, units: list[Unit], exitcode: int | None) -> FileData:
    """The FileData of a file whose reading ended its process: 无法读取 with the reason."""
    from ..errors import make_issue
    from .units import unit_of_unreadable
    from .workbook import relative_name

    fd = FileData(path=path, rel=relative_name(path, root), modified=0.0, readable=False)
    fd.issues = [make_issue("file-check-failed", file=fd.rel, detail=f"读取本文件时程序异常退出，退出码 {exitcode}")]
    unit_of_unreadable(fd, units)
    return fd
