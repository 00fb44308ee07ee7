"""A helper process for one pipeline step that can run beside the main one.

``toolkit run`` ends with two independent writers: the summary workbook (汇总表.xlsx,
from the merged rows) and 汇总数据.json + the report (from the figures only). Each
takes about a second at city scale and neither needs the other. So, on a machine
with two cores, a helper process is forked as soon as the files are read: while
this process validates and merges, it imports the report's libraries (Word, charts:
most of the report's cost); then it renders the report while this process writes
the workbook. Results (or exceptions) come back pickled.

Only where ``fork`` exists (Linux): a forked child already has the modules and data
in memory, so starting it costs milliseconds. Elsewhere (Windows, macOS), with one
core, or with ``TOOLKIT_WORKERS=1``, the step runs in this process when its result is
asked for: the same files, written one after the other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Helper", "Pending", "can_fork"]

T = TypeVar("T")


def can_fork() -> bool:
    """True when a step may run in a forked child: Linux, two or more cores, no ``TOOLKIT_WORKERS=1``."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if os.environ.get("TOOLKIT_WORKERS", "").strip() == "1":
        return False
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


def _noop() -> None:
    return None


class Helper:
    """One helper process (when :func:`can_fork`), started now; ``warm()`` runs in it first.

    Use as a context manager; :meth:`submit` hands it one step. Without a helper process
    the step runs in this process when :meth:`Pending.result` is called, and ``warm``
    is never called (importing early would only delay the steps before it).
    """

    def __init__(self, warm: Callable[[], Any] | None = None) -> None:
        self._pool: Any = None
        if not can_fork():
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"),
                                             initializer=_warm, initargs=(warm,))
            self._pool.submit(_noop)  # the child is forked now, not at the first real step
        except Exception:  # noqa: BLE001 - no child possible (sandbox, limits): steps run here
            self.close()

    @property
    def forked(self) -> bool:
        return self._pool is not None

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> "Pending[T]":
        """Hand ``fn(*args, **kwargs)`` to the helper (``fn`` module-level; value and errors must pickle)."""
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(fn, *args, **kwargs)
            except Exception:  # noqa: BLE001 - the child is gone: run here
                future = None
        return Pending(fn, args, kwargs, future)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _warm(warm: Callable[[], Any] | None) -> None:
    if warm is not None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - warming is an optimisation; the step reports real errors
            pass


class Pending(Generic[T]):
    """The result of a submitted step: :meth:`result` returns it or raises its exception."""

    def __init__(self, fn: Callable[..., T], args: tuple, kwargs: dict, future: Any) -> None:
        self._call = (fn, args, kwargs)
        self._future = future
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    @property
    def in_background(self) -> bool:
        return self._future is not None

    def result(self) -> T:
        """The step's value (waits for the helper); the step's exception is raised here."""
        if not self._done:
            self._finish()
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self) -> None:
        """Let a step already running in the helper finish, without raising (an earlier step failed)."""
        if not self._done and self._future is not None:
            self._finish()

    def _finish(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        self._done = True
        if self._future is not None:
            try:
                self._value = self._future.result()
                return
            except BrokenProcessPool:  # the child died (killed, out of memory): do the step here
                pass
            except BaseException as exc:  # noqa: BLE001 - the step's own error, raised by result()
                self._error = exc
                return
        fn, args, kwargs = self._call
        try:
            self._value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            self._error = exc
