"""A helper process for the pipeline step that can run beside the main one.

``toolkit run`` ends with two independent writers: the summary workbook (汇总表.xlsx,
from the merged rows) and 汇总数据.json + the report (from the figures only). Each
takes about a second at city scale and neither needs the other. So, on a machine with
two cores, ``run_workspace`` forks a helper process before reading (while this process
is still small: the helper never holds a copy of the submissions), asks it to import
the report's libraries once the files are read (while this process validates and
merges), and then to write the report while this process writes the workbook.

The helper is a plain forked process fed through a pipe: no thread runs in this
process, so the read pool can still fork safely. Calls are pickled (the function by
name), run in order, and their value or exception comes back pickled.

Only where ``fork`` exists (Linux) and with two or more cores; elsewhere (Windows,
macOS), or with ``TOOLKIT_WORKERS=1``, a step runs in this process when its result is
asked for: the same files, written one after the other. If the helper dies, the step
is done here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Helper", "Pending", "can_fork"]

T = TypeVar("T")


def can_fork() -> bool:
    """True when a step may run in a forked helper: Linux, two or more cores, no ``TOOLKIT_WORKERS=1``."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if os.environ.get("TOOLKIT_WORKERS", "").strip() == "1":
        return False
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


class Helper:
    """One helper process (when :func:`can_fork`), forked now. Use as a context manager.

    :meth:`warm` lets it prepare (import libraries) without waiting; :meth:`submit` hands it
    a step. Without a helper process a step runs in this process when its result is asked
    for, and warming is skipped (importing early would only delay the steps before it).
    """

    def __init__(self) -> None:
        self._conn: Any = None
        self._process: Any = None
        self._waiting: list[Pending] = []  # submitted steps whose results are still in the pipe
        if not can_fork():
            return
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        try:
            here, there = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(there, here), name="toolkit-helper", daemon=True)
            process.start()
        except Exception:  # noqa: BLE001 - no child possible (sandbox, limits): steps run here
            return
        there.close()
        self._conn, self._process = here, process

    @property
    def forked(self) -> bool:
        return self._conn is not None

    def warm(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` in the helper when it is free; its outcome is ignored."""
        self._send(("warm", fn, (), {}))

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> "Pending[T]":
        """Hand ``fn(*args, **kwargs)`` to the helper (``fn`` module-level; value and errors must pickle)."""
        pending: Pending[T] = Pending(self, fn, args, kwargs)
        if self._send(("run", fn, args, kwargs)):
            pending._in_helper = True
            self._waiting.append(pending)
        return pending

    def _send(self, message: tuple) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.send(message)
            return True
        except Exception:  # noqa: BLE001 - the helper is gone, or the call does not pickle: run here
            self._lost()
            return False

    def _receive(self, pending: "Pending") -> None:
        """Collect results from the pipe, in order, up to ``pending``'s."""
        while self._waiting:
            first = self._waiting[0]
            try:
                status, payload = self._conn.recv()
            except Exception:  # noqa: BLE001 - EOF: the helper died; the steps still waiting run here
                self._lost()
                return
            self._waiting.pop(0)
            first._settle(status, payload)
            if first is pending:
                return

    def _lost(self) -> None:
        for waiting in self._waiting:
            waiting._in_helper = False
        self._waiting.clear()
        self.close()

    def close(self) -> None:
        """Stop the helper (after the steps handed to it)."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            try:
                conn.send(None)
            except Exception:  # noqa: BLE001
                pass
            conn.close()
        if process is not None:
            process.join(timeout=30)
            if process.is_alive():  # pragma: no cover - a step that never ends
                process.terminate()
                process.join()

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc: object) -> None:
        for pending in list(self._waiting):  # results not asked for: let those steps finish first
            pending.wait()
        self.close()


def _serve(conn: Any, parent_end: Any) -> None:
    """The helper's loop: run each call received, answer ``run`` calls with ("ok", value) or ("err", exc)."""
    import signal

    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the main process's: it stops the helper
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        kind, fn, args, kwargs = message
        try:
            value = fn(*args, **kwargs)
            reply: tuple = ("ok", value)
        except BaseException as exc:  # noqa: BLE001 - sent back and raised by Pending.result()
            reply = ("err", exc)
        if kind != "run":
            continue  # warming: nobody waits for it
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - a value or exception that does not pickle
            conn.send(("err", RuntimeError(f"{type(exc).__name__}: {exc}")))
    conn.close()


class Pending(Generic[T]):
    """The result of a submitted step: :meth:`result` returns it or raises its exception."""

    def __init__(self, helper: Helper, fn: Callable[..., T], args: tuple, kwargs: dict) -> None:
        self._helper = helper
        self._call = (fn, args, kwargs)
        self._in_helper = False
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    @property
    def in_background(self) -> bool:
        return self._in_helper

    def _settle(self, status: str, payload: Any) -> None:
        self._done = True
        if status == "ok":
            self._value = payload
        else:
            self._error = payload

    def result(self) -> T:
        """The step's value (waits for the helper); the step's exception is raised here."""
        if not self._done and self._in_helper:
            self._helper._receive(self)
        if not self._done:  # never handed over, or the helper died: do the step here
            fn, args, kwargs = self._call
            self._done = True
            try:
                self._value = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self) -> None:
        """Let a step running in the helper finish, without raising (an earlier step failed)."""
        if not self._done and self._in_helper:
            self._helper._receive(self)
