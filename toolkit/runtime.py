"""Processes, threads and garbage collection: every speed trick of the toolkit and its policy, in one place.

* **How many processes read.** :func:`read_workers`: one (this process) for a handful of files,
  else a small pool (:func:`pool_map`); ``TOOLKIT_WORKERS`` overrides. Workers are forked on
  Linux (:func:`start_method`: they already have everything imported), elsewhere they start a
  fresh interpreter, which pays only from many files on.
* **A helper process beside this one.** ``toolkit run`` ends with two independent writers: the
  summary workbook (汇总表.xlsx, from the merged rows) and 汇总数据.json + the report (from the
  figures only). Each takes about a second at city scale and neither needs the other. So, on a
  machine with two cores (:func:`can_fork`), ``run_workspace`` forks a :class:`Helper` before
  reading (while this process is still small: the helper never holds a copy of the submissions),
  asks it to import the report's libraries once the files are read (while this process validates
  and merges), and then to write the report while this process writes the workbook.
* **Import warming.** While the pool reads, this process mostly waits: :func:`warming` imports
  pandas in a thread meanwhile (validation needs it next); :func:`join_warmers` ends the thread
  before anything forks again.
* **Garbage collection.** :func:`bulk_gc`: fewer cyclic collections while cells and rows are
  made by the hundred thousand; :func:`freeze_gc_at_exit`: no walk over every object at exit.
* **Ctrl+C belongs to the main process.** Children are forked with it held
  (:func:`interrupts_held`) and ignore it (:func:`leave_interrupts_to_parent`); the main process
  stops them: the pool cancels the files not started, :meth:`Helper.abort` ends the helper.
* **Children die with their parent** (:func:`die_with_parent`): a main process killed with
  ``kill -9`` (the OOM killer) leaves no helper or read worker running.

The helper is a plain forked process fed through a pipe: no thread runs in this process, so the
read pool can still fork safely. Calls are pickled (the function by name) and run in order; one
step at a time is outstanding (a second ``submit`` first collects the previous result), so the
two ends never both write to the pipe. A step's value or exception comes back pickled. Where
``fork`` does not exist (Windows, macOS), with one core, or with ``TOOLKIT_WORKERS=1``, a step
runs in this process when its result (or :meth:`Pending.wait`) is asked for: the same files,
written one after the other. A step whose arguments do not pickle runs here; if the helper dies,
its step is done here. The helper ignores Ctrl+C and is stopped by :meth:`Helper.abort` (its
step's temporary files are removed on the way out).

This module imports only the standard library, and that lazily where it costs (``toolkit --help``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

__all__ = [
    "MAX_WORKERS", "PARALLEL_MIN_FILES", "PARALLEL_MIN_FILES_SPAWN", "BULK_GC_THRESHOLD",
    "cpu_count", "workers_setting", "read_workers", "start_method", "pool_map", "isolated", "ChildDied",
    "can_fork", "Helper", "Pending", "Beside", "interrupts_held", "leave_interrupts_to_parent", "die_with_parent",
    "bulk_gc", "freeze_gc_at_exit", "warming", "join_warmers",
]

T = TypeVar("T")
R = TypeVar("R")


# ---------------------------------------------------------------------------
# How many processes
# ---------------------------------------------------------------------------

PARALLEL_MIN_FILES = 8  # fewer files are read in this process (a pool costs more than it saves)
PARALLEL_MIN_FILES_SPAWN = 60  # where workers start a fresh interpreter (Windows, macOS): ~0.3 s each
MAX_WORKERS = 4  # each worker holds one workbook at a time; more rarely helps


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def workers_setting() -> int | None:
    """``TOOLKIT_WORKERS`` as a number of processes (1: everything in this process), or None
    when it is not set (or not a positive whole number)."""
    env = os.environ.get("TOOLKIT_WORKERS", "").strip()
    if not env:
        return None
    try:
        wanted = int(env)
    except ValueError:
        return None
    return wanted if wanted >= 1 else None


def start_method() -> str | None:
    """fork on Linux (cheapest: the worker already has everything imported); elsewhere the default."""
    import multiprocessing as mp

    return "fork" if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() else None


def read_workers(n_files: int) -> int:
    """How many processes read ``n_files`` files: 1 (this process) or a small pool.

    ``TOOLKIT_WORKERS`` overrides (``1`` reads everything in this process)."""
    wanted = workers_setting()
    if wanted is not None:
        return max(1, min(wanted, n_files))
    if n_files < (PARALLEL_MIN_FILES if start_method() == "fork" else PARALLEL_MIN_FILES_SPAWN):
        return 1
    return max(1, min(cpu_count(), MAX_WORKERS, n_files // 4))


def can_fork() -> bool:
    """True when a step may run in a forked helper: Linux, two or more cores, no ``TOOLKIT_WORKERS=1``."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if workers_setting() == 1:
        return False
    return cpu_count() >= 2


# ---------------------------------------------------------------------------
# The process pool
# ---------------------------------------------------------------------------


def pool_map(fn: Callable[[T], R], items: list[T], workers: int) -> Iterator[R]:
    """Yield ``fn(item)`` for every item, in order, computed by a pool of ``workers`` processes.

    ``fn`` must pickle (a module-level function, or a :func:`functools.partial` of one). Closing
    the generator early (Ctrl+C, the consumer gave up) cancels the items not started and waits
    for the workers; an error starting the pool is raised at the first ``next``."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context(start_method())
    chunk = max(1, min(8, len(items) // (workers * 8)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=leave_interrupts_to_parent)
    try:
        with interrupts_held(ctx.get_start_method() == "fork"):  # no Ctrl+C between fork and SIG_IGN
            results = pool.map(fn, items, chunksize=chunk)  # starts the workers
        yield from results
    except BaseException:  # Ctrl+C, an error, or the consumer stopped: drop the items not started
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class ChildDied(Exception):
    """The child process running a step ended without answering (aborted, killed, out of memory)."""

    def __init__(self, exitcode: int | None):
        super().__init__(f"exit code {exitcode}")
        self.exitcode = exitcode


def isolated(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)`` in a forked child process of its own (Linux), so that whatever
    it does (a library that aborts, the OOM killer) costs only that step: its value, its
    exception raised here, or :class:`ChildDied`. Where ``fork`` does not exist it runs here."""
    import multiprocessing as mp
    import pickle

    if not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods():
        return fn(*args, **kwargs)
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_run_isolated, args=(there, fn, args, kwargs), name="toolkit-isolated", daemon=True)
    with interrupts_held():
        process.start()
    there.close()
    try:
        data = here.recv_bytes()
    except EOFError:
        process.join()
        raise ChildDied(process.exitcode) from None
    finally:
        here.close()
    process.join()
    status, payload = pickle.loads(data)
    if status == "err":
        raise payload
    return payload


def _run_isolated(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    import pickle

    leave_interrupts_to_parent()
    try:  # a crash here is answered by ChildDied: no core dump text or backtrace on the user's console
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:  # pragma: no cover
        pass
    try:
        reply: tuple = ("ok", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - raised in the parent
        reply = ("err", exc)
    try:
        data = pickle.dumps(reply)
    except Exception as exc:  # noqa: BLE001
        data = pickle.dumps(("err", RuntimeError(f"{type(exc).__name__}: {exc}")))
    conn.send_bytes(data)
    conn.close()


# ---------------------------------------------------------------------------
# Ctrl+C and child processes
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def interrupts_held(active: bool = True) -> Iterator[None]:
    """Hold back Ctrl+C while child processes are forked (it is delivered right after, here).

    Children inherit the held signal and call :func:`leave_interrupts_to_parent` first, so a
    Ctrl+C between the fork and that call cannot print a traceback in a child."""
    import signal

    active = active and hasattr(signal, "pthread_sigmask")
    if active:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if active:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def leave_interrupts_to_parent() -> None:
    """In a child process: die with the parent (:func:`die_with_parent`), ignore Ctrl+C (the main
    process stops its children), then stop holding it."""
    import signal

    die_with_parent()
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    except (ValueError, OSError):  # pragma: no cover - not a process's main thread
        pass


def die_with_parent() -> None:
    """In a child process: end when the parent process ends, however it ends (``kill -9``, the
    OOM killer), instead of running on and holding the caller's pipes.

    Linux: the kernel sends SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``; the
    helper's SIGTERM handler removes its temporary files). Elsewhere a daemon thread waits on the
    parent's sentinel (multiprocessing's pipe that closes when the parent is gone)."""
    import signal

    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(_TERMINATED)
                return
        except (OSError, AttributeError):  # pragma: no cover - no libc (static build): watch instead
            pass
    _watch_parent()


_PR_SET_PDEATHSIG = 1


def _watch_parent() -> None:
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is None:  # pragma: no cover - not started by multiprocessing
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        os._exit(_TERMINATED)

    threading.Thread(target=watch, name="toolkit-watch-parent", daemon=True).start()


# ---------------------------------------------------------------------------
# Garbage collection
# ---------------------------------------------------------------------------

BULK_GC_THRESHOLD = 50_000  # allocations between two young-generation collections (Python's default: 700)


@contextlib.contextmanager
def bulk_gc() -> Iterator[None]:
    """Fewer cyclic-garbage collections while cells and rows are made by the hundred thousand.

    The data are lists, strings and numbers without reference cycles: reference counting
    frees them, and each collection only walks them (a tenth of the run at city scale).
    Worker processes forked inside inherit the setting. Restored on exit."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], BULK_GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


_FREEZE_AT_EXIT = False


def freeze_gc_at_exit() -> None:
    """At exit Python walks every object still alive in its last garbage collections (a quarter
    of a second after a city-scale run). Outputs are closed by then; freezing skips the walk.
    Registered once however often it is called."""
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        import atexit

        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT = True


# ---------------------------------------------------------------------------
# Import warming
# ---------------------------------------------------------------------------


class Beside(Generic[T]):
    """``fn()`` run in a thread of this process while the read pool works (:func:`warming` starts it
    once the workers exist), or here when its result is asked for before it was started."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._thread: Any = None
        self._value: Any = None
        self._error: BaseException | None = None

    def start(self) -> None:
        import threading

        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="toolkit-beside", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # noqa: BLE001 - raised by result()
            self._error = exc

    def result(self) -> T:
        if self._thread is None:
            return self._fn()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def warming(progress: Callable[[int, int, str], None] | None,
            beside: "Beside | None" = None) -> Callable[[int, int, str], None]:
    """``progress`` that also imports pandas (and starts ``beside``) in threads once the pool's first
    file is in.

    This process mostly waits while the workers read; validation needs pandas next
    (about half a second to import), and the history store's open items. The workers exist by
    then (no fork while a thread runs). Call :func:`join_warmers` before this process forks again.
    """
    started = False

    def call(done: int, total: int, name: str) -> None:
        nonlocal started
        if not started:
            started = True
            import threading

            if "pandas" not in sys.modules:
                thread = threading.Thread(target=_import_pandas, name="toolkit-import-pandas")
                thread.start()
                _WARMERS.append(thread)
            if beside is not None:
                beside.start()
        if progress:
            progress(done, total, name)

    return call


_WARMERS: list = []  # import threads started by warming()


def join_warmers() -> None:
    """Wait for the import threads started by :func:`warming` (no thread left running at a fork)."""
    while _WARMERS:
        _WARMERS.pop().join()


def _import_pandas() -> None:
    try:
        import pandas  # noqa: F401
    except Exception:  # noqa: BLE001 - validation will report it where it is needed
        pass


# ---------------------------------------------------------------------------
# The helper process
# ---------------------------------------------------------------------------


class Helper:
    """One helper process (when :func:`can_fork`), forked now. Use as a context manager.

    :meth:`warm` lets it prepare (import libraries) without waiting; :meth:`submit` hands it
    a step. Without a helper process a step runs in this process when its result is asked
    for, and warming is skipped (importing early would only delay the steps before it).
    """

    def __init__(self) -> None:
        self._conn: Any = None
        self._process: Any = None
        self._pending: Pending | None = None  # the step in the helper whose result is still in the pipe
        if not can_fork():
            return
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        try:
            here, there = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(there, here), name="toolkit-helper", daemon=True)
            with interrupts_held():
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
        if self._pending is not None:
            self._pending.wait()  # one step at a time in the pipe
        if self._send(("run", fn, args, kwargs)):
            pending._in_helper = True
            self._pending = pending
        return pending

    def _send(self, message: tuple) -> bool:
        if self._conn is None:
            return False
        from multiprocessing.reduction import ForkingPickler

        try:
            data = bytes(ForkingPickler.dumps(message))
        except Exception:  # noqa: BLE001 - the call does not pickle: this step runs here, the helper stays
            return False
        try:
            self._conn.send_bytes(data)
            return True
        except Exception:  # noqa: BLE001 - the helper is gone: steps run here
            self._lost()
            return False

    def _receive(self, pending: "Pending") -> None:
        """Collect ``pending``'s result from the pipe."""
        import pickle

        assert pending is self._pending
        try:
            data = self._conn.recv_bytes()
        except Exception:  # noqa: BLE001 - EOF: the helper died; the step runs here
            self._lost()
            return
        self._pending = None
        try:
            status, payload = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - the helper checks its replies; never run a step twice
            status, payload = "err", RuntimeError(f"{type(exc).__name__}: {exc}")
        pending._settle(status, payload)

    def _lost(self) -> None:
        if self._pending is not None:
            self._pending._in_helper = False
            self._pending = None
        self.close()

    def close(self) -> None:
        """Stop the helper once the step handed to it is done."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            try:
                conn.send(None)
            except Exception:  # noqa: BLE001
                pass
            conn.close()
        if process is not None:
            process.join(timeout=60)
            if process.is_alive():  # pragma: no cover - a step that never ends
                process.terminate()
                process.join()

    def abort(self) -> None:
        """Stop the helper now (Ctrl+C): its step is abandoned, its temporary files removed."""
        process, conn = self._process, self._conn
        self._conn = self._process = None
        if self._pending is not None:
            self._pending._abandon()
            self._pending = None
        if conn is not None:
            conn.close()
        if process is not None:
            process.terminate()  # SIGTERM: SystemExit in the helper, so atomic_path cleans up
            process.join(timeout=10)
            if process.is_alive():  # pragma: no cover
                process.kill()
                process.join()

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.abort()
            return
        if self._pending is not None:  # a result not asked for: let that step finish first
            self._pending.wait()
        self.close()


def _serve(conn: Any, parent_end: Any) -> None:
    """The helper's loop: run each call received, answer ``run`` calls with ("ok", value) or ("err", exc)."""
    import pickle
    import signal

    parent_end.close()
    signal.signal(signal.SIGTERM, _exit_on_term)
    leave_interrupts_to_parent()  # Ctrl+C is the main process's: it stops the helper
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        kind, fn, args, kwargs = message
        try:
            reply: tuple = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - sent back and raised by Pending.result()
            if isinstance(exc, SystemExit) and exc.code == _TERMINATED:
                raise  # Helper.abort(): leave quietly (the step's temporary files are already gone)
            reply = ("err", exc)
        if kind != "run":
            continue  # warming: nobody waits for it
        try:
            data = pickle.dumps(reply)
            pickle.loads(data)  # what cannot travel back intact is reported as an error instead
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps(("err", RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            conn.send_bytes(data)
        except (BrokenPipeError, EOFError, OSError):  # the main process is gone
            break
    conn.close()


_TERMINATED = 128 + 15  # the exit status of a process ended by SIGTERM; an int, so nothing is printed


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(_TERMINATED)


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

    def _abandon(self) -> None:
        self._done = True
        self._error = KeyboardInterrupt()

    def _finish(self) -> None:
        if not self._done and self._in_helper:
            self._helper._receive(self)
        if not self._done:  # never handed over, or the helper died: do the step here
            fn, args, kwargs = self._call
            self._done = True
            try:
                self._value = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - raised by result()
                self._error = exc

    def result(self) -> T:
        """The step's value (waits for the helper); the step's exception is raised here."""
        self._finish()
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self) -> None:
        """Make sure the step has been carried out (in the helper or here), without raising:
        used when a step beside it failed, so that every path leaves the same files."""
        self._finish()
