"""``toolkit run`` with a helper process (report beside the workbook) writes exactly what it
writes one step after the other; errors travel back intact; a dead helper costs nothing."""

from __future__ import annotations

import multiprocessing
import os
import zipfile
from pathlib import Path

import pytest

from demo_workspace import demo_copy
from toolkit import api, runtime
from toolkit.config import load_workspace
from toolkit.io import OutputLockedError

needs_fork = pytest.mark.skipif(not runtime.can_fork(), reason="the helper process needs fork and two cores")


def _parts(path: Path) -> dict[str, bytes]:
    """The parts of a zip package (xlsx/docx) but its save time (docProps/core.xml)."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in sorted(z.namelist()) if name != "docProps/core.xml"}


def _run(root: Path, monkeypatch, workers: str | None):
    if workers is None:
        monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    else:
        monkeypatch.setenv("TOOLKIT_WORKERS", workers)
    ws = load_workspace(root)
    return ws, api.run_workspace(ws)


_CALLS: list[int] = []
_REAL_STEP = api.write_figures_and_report


def _spy(*args, **kwargs):
    _CALLS.append(os.getpid())  # in the helper this appends to the helper's copy
    return _REAL_STEP(*args, **kwargs)


@needs_fork
def test_run_with_a_helper_writes_the_same_files_as_one_step_after_another(tmp_path_factory, tmp_path, monkeypatch):
    calls = _CALLS
    calls.clear()
    monkeypatch.setattr(api, "write_figures_and_report", _spy)  # the forked helper inherits it
    serial_root = demo_copy(tmp_path_factory, tmp_path / "serial")
    helper_root = demo_copy(tmp_path_factory, tmp_path / "helper")
    ws1, (result1, merged1, report1) = _run(serial_root, monkeypatch, "1")
    assert calls == [os.getpid()]  # TOOLKIT_WORKERS=1: everything in this process
    ws2, (result2, merged2, report2) = _run(helper_root, monkeypatch, None)
    assert calls == [os.getpid()]  # the second run's report step ran in the helper, not here

    # the only difference allowed: the second in which each run stamped its figures
    stamp1, stamp2 = merged1.figures["generated_at"], merged2.figures["generated_at"]
    assert dict(merged1.figures, generated_at=stamp2) == merged2.figures
    assert merged1.figures_path.read_text(encoding="utf-8").replace(stamp1, stamp2) == \
        merged2.figures_path.read_text(encoding="utf-8")
    same_time = {k: v.replace(stamp1.replace("T", " ").encode(), stamp2.replace("T", " ").encode())
                 for k, v in _parts(merged1.workbook).items()}
    assert same_time == _parts(merged2.workbook)
    for a, b in ((report1.docx, report2.docx), (report1.appendix, report2.appendix)):
        assert a.name == b.name and a.parent == ws1.output_dir and b.parent == ws2.output_dir
        assert _parts(a) == _parts(b)
    assert report1.notes == report2.notes
    assert multiprocessing.active_children() == []  # the helper is gone once run_workspace returns


@needs_fork
def test_an_error_in_the_helper_arrives_as_the_same_error(tmp_path_factory, tmp_path, monkeypatch):
    root = demo_copy(tmp_path_factory, tmp_path / "ws")
    target = load_workspace(root).output_dir / "报告.docx"

    def locked(*args, **kwargs):
        raise OutputLockedError(target)

    monkeypatch.setattr(api, "_render_report", locked)
    before = _outputs(root / "汇总输出")
    with pytest.raises(OutputLockedError) as info:
        _run(root, monkeypatch, None)
    assert info.value.path == target
    assert str(info.value) == str(OutputLockedError(target))  # the Chinese message, not a pickled repr
    assert _outputs(root / "汇总输出") == before  # the set is replaced as a whole or not at all (issue 17)
    assert multiprocessing.active_children() == []


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


@pytest.mark.parametrize("workers", [None, "1"], ids=["helper", "serial"])
def test_when_the_workbook_fails_every_path_leaves_the_same_files(tmp_path_factory, tmp_path, monkeypatch, workers):
    from toolkit import summary_xlsx

    if workers is None and not runtime.can_fork():
        pytest.skip("the helper process needs fork and two cores")
    root = demo_copy(tmp_path_factory, tmp_path / "ws")
    ws = load_workspace(root)

    def locked(merged, out_dir):
        raise OutputLockedError(Path(out_dir) / api.SUMMARY_NAME)

    monkeypatch.setattr(summary_xlsx, "write_workbook", locked)
    if workers is None:
        monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    else:
        monkeypatch.setenv("TOOLKIT_WORKERS", workers)
    before = _outputs(ws.output_dir)
    with pytest.raises(OutputLockedError):
        api.run_workspace(ws)
    assert multiprocessing.active_children() == []
    # on both paths nothing of this run is moved in: no 汇总数据.json or report beside an old 汇总表
    assert _outputs(ws.output_dir) == before
    assert not list(ws.output_dir.glob(".~tmp-*"))


def _die_in_a_child(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(3)  # the helper dies (as if killed or out of memory)
    return 42


@needs_fork
def test_a_helper_that_dies_is_replaced_by_this_process(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    with runtime.Helper() as helper:
        assert helper.forked
        pending = helper.submit(_die_in_a_child, os.getpid())
        assert pending.in_background
        assert pending.result() == 42
    assert multiprocessing.active_children() == []


def _where(parent: int) -> str:
    return "here" if os.getpid() == parent else "helper"


def test_without_fork_steps_run_here_when_asked_and_warm_up_is_skipped(monkeypatch):
    monkeypatch.setenv("TOOLKIT_WORKERS", "1")
    warmed = []
    with runtime.Helper() as helper:
        assert not helper.forked
        helper.warm(lambda: warmed.append(1))
        pending = helper.submit(_where, os.getpid())
        assert not pending.in_background
        assert pending.result() == "here"
    assert warmed == []


@needs_fork
def test_with_fork_the_step_runs_in_the_helper(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    with runtime.Helper() as helper:
        assert helper.submit(_where, os.getpid()).result() == "helper"


def _fail(message: str) -> None:
    raise ValueError(message)


@pytest.mark.parametrize("workers", ["1", None])
def test_a_step_error_is_raised_by_result_every_time(monkeypatch, workers):
    if workers is None:
        monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    else:
        monkeypatch.setenv("TOOLKIT_WORKERS", workers)
    with runtime.Helper() as helper:
        pending = helper.submit(_fail, "报告模板有误")
        for _ in range(2):
            with pytest.raises(ValueError, match="报告模板有误"):
                pending.result()


_STATE: dict[str, int] = {}


def _prepare() -> None:
    _STATE["warmed"] = os.getpid()


def _read_state(key: str) -> int | None:
    return _STATE.get(key)


def _square(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@needs_fork
def test_warming_runs_in_the_helper_before_the_steps_and_results_come_back_in_any_order(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    _STATE.clear()
    with runtime.Helper() as helper:
        helper.warm(_prepare)
        warmed = helper.submit(_read_state, "warmed")
        first, second = helper.submit(_square, 3), helper.submit(_square, 4)
        assert second.result()[0] == 16 and first.result()[0] == 9  # asked out of order
        assert warmed.result() == first.result()[1] != os.getpid()  # warmed in the helper, before the steps
    assert "warmed" not in _STATE  # … and not here
    assert multiprocessing.active_children() == []


@needs_fork
def test_steps_not_asked_for_still_finish_before_the_helper_stops(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    target = tmp_path / "out.txt"
    with runtime.Helper() as helper:
        helper.submit(Path.write_text, target, "写完")
    assert target.read_text() == "写完"


def _echo(data: bytes) -> bytes:
    return data[::-1]


@needs_fork
def test_several_large_steps_one_after_another_do_not_block_the_pipe(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    big = [bytes([i]) * (4 << 20) for i in range(3)]  # far beyond a pipe's buffer, both ways
    with runtime.Helper() as helper:
        steps = [helper.submit(_echo, data) for data in big]
        assert [p.in_background for p in steps] == [True, True, True]
        assert _within(60, lambda: [p.result() for p in reversed(steps)]) == [d[::-1] for d in reversed(big)]


def _within(seconds: float, fn):
    import threading

    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return out["value"]


class _NeedsTwoArguments(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def _raise_unpicklable() -> None:
    _STATE["ran"] = _STATE.get("ran", 0) + 1
    raise _NeedsTwoArguments(1, 2)  # pickles, but cannot be rebuilt from its args


@needs_fork
def test_a_step_runs_exactly_once_even_when_its_arguments_or_its_error_do_not_travel(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    _STATE.clear()
    with runtime.Helper() as helper:
        local = helper.submit(_where, os.getpid(), lambda: None)  # a lambda does not pickle: runs here
        assert not local.in_background
        with pytest.raises(TypeError):  # _where takes one argument: the step's own error, raised here
            local.result()
        assert helper.forked  # the helper is kept
        remote = helper.submit(_raise_unpicklable)
        assert remote.in_background
        with pytest.raises(RuntimeError, match="_NeedsTwoArguments|TypeError"):
            remote.result()
        assert helper.submit(_where, os.getpid()).result() == "helper"
    assert "ran" not in _STATE  # it ran in the helper only, never again here


def _slow_report(path: str) -> None:
    import time

    from toolkit.io import atomic_path

    with atomic_path(Path(path)) as tmp:
        tmp.write_text("半成品", encoding="utf-8")
        time.sleep(30)


@needs_fork
def test_ctrl_c_stops_the_helper_at_once_and_its_temporary_files_go(tmp_path, monkeypatch):
    import time

    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    target = tmp_path / "情况汇报.docx"
    with pytest.raises(KeyboardInterrupt):
        with runtime.Helper() as helper:
            helper.submit(_slow_report, str(target))
            deadline = time.monotonic() + 10
            while not list(tmp_path.glob(".~tmp-*")) and time.monotonic() < deadline:
                time.sleep(0.05)  # the helper is inside the step
            raise KeyboardInterrupt
    assert multiprocessing.active_children() == []
    assert list(tmp_path.iterdir()) == []  # no report (the step was not waited for), no temporary file
