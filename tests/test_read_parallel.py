"""Reading many files: the process pool gives exactly what reading one by one gives;
the compact raw rows (RawRows) behave as the list of RawRow they replace."""

from __future__ import annotations

import multiprocessing
import pickle
from array import array

import pytest

import messy
from toolkit import api, runtime
from toolkit.model import RawRow, RawRows
from toolkit.read import collection, find_files, iter_read_files, read_file, read_files, read_workers
from toolkit.validate import result_to_json, validate_files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> messy.Corpus:
    return messy.build_corpus(tmp_path_factory.mktemp("corpus") / "收集文件")


def _rows(fd):
    return [(s.sheet_key, [(r.row, r.values, r.extra) for r in s.rows], s.skipped) for s in fd.sheets]


def test_pool_reads_what_one_by_one_reads(corpus):
    paths, _ = find_files(corpus.root)
    serial = read_files(paths, corpus.root, units=messy.UNITS, period=messy.PERIOD, workers=1)
    pooled = read_files(paths, corpus.root, units=messy.UNITS, period=messy.PERIOD, workers=2)
    assert [f.rel for f in pooled] == [f.rel for f in serial]  # order kept
    for a, b in zip(serial, pooled):
        assert (a.template_id, a.unit, a.unit_code, a.meta, a.readable) == (b.template_id, b.unit, b.unit_code, b.meta,
                                                                            b.readable)
        assert a.issues == b.issues
        assert _rows(a) == _rows(b)
    as_of = messy.AS_OF
    one = validate_files(serial, root=corpus.root, period=messy.PERIOD, as_of=as_of, units=messy.UNITS)
    two = validate_files(pooled, root=corpus.root, period=messy.PERIOD, as_of=as_of, units=messy.UNITS)
    assert result_to_json(one) == result_to_json(two)
    for key in one.tables:
        assert one.tables[key].equals(two.tables[key])


def test_progress_is_called_in_order(corpus):
    calls = []
    files, _ = api.read_collection(corpus.root, units=messy.UNITS, period=messy.PERIOD,
                                   progress=lambda done, total, name: calls.append((done, total, name)))
    n = len(files)
    assert [c[0] for c in calls] == list(range(n + 1))
    assert all(c[1] == n for c in calls)
    assert [c[2] for c in calls[:-1]] == [f.path.name for f in files] and calls[-1][2] == ""


def test_a_broken_pool_falls_back_to_reading_here(corpus, monkeypatch):
    paths, _ = find_files(corpus.root)
    expected = [f.rel for f in read_files(paths, corpus.root, workers=1)]

    def broken(*args, **kwargs):
        yield read_file(paths[0], corpus.root)
        raise OSError("no processes here")

    monkeypatch.setattr(runtime, "pool_map", broken)
    assert [f.rel for f in iter_read_files(paths, corpus.root, workers=2)] == expected


def test_workers(monkeypatch):
    monkeypatch.delenv("TOOLKIT_WORKERS", raising=False)
    assert read_workers(3) == 1  # a handful of files: no pool
    monkeypatch.setenv("TOOLKIT_WORKERS", "1")
    assert read_workers(500) == 1
    monkeypatch.setenv("TOOLKIT_WORKERS", "3")
    assert read_workers(500) == 3


def test_raw_rows_behave_as_a_list_of_raw_rows():
    rows = RawRows([4, 5, 7], {"seq": array("d", [1.0, 2.0, 3.0]), "name": ["甲", None, "丙"]},
                   {"附加": [None, "x", None]})
    expected = [RawRow(4, {"seq": 1.0, "name": "甲"}), RawRow(5, {"seq": 2.0, "name": None}, {"附加": "x"}),
                RawRow(7, {"seq": 3.0, "name": "丙"})]
    assert len(rows) == 3 and bool(rows)
    assert list(rows) == expected and rows == expected
    assert rows[-1] == expected[-1] and rows[1:] == expected[1:]
    assert list(rows[0].values) == ["seq", "name"]  # source column order
    with pytest.raises(IndexError):
        rows[3]
    assert list(pickle.loads(pickle.dumps(rows))) == expected
    assert not RawRows([], {})


def _slow_read(path, root, **kwargs):
    """Stands in for read_file in the pool's workers (forked: they see the monkeypatch)."""
    import os
    import time

    from toolkit.model import FileData

    with open(os.environ["TOOLKIT_TEST_READ_LOG"], "a", encoding="utf-8") as log:
        log.write(path.name + "\n")
    time.sleep(0.02)
    return FileData(path=path, rel=path.name, modified=0.0, mtime=0.0)


def test_stopping_early_drops_the_files_not_started(tmp_path, monkeypatch):
    if runtime.start_method() != "fork":
        pytest.skip("the stand-in reader reaches the workers by fork")
    log = tmp_path / "read.log"
    monkeypatch.setenv("TOOLKIT_TEST_READ_LOG", str(log))
    monkeypatch.setattr(collection, "read_file", _slow_read)
    paths = [tmp_path / f"{i:03d}.xlsx" for i in range(300)]
    reading = iter_read_files(paths, tmp_path, workers=2)
    assert next(reading).rel == "000.xlsx"
    reading.close()  # as when Ctrl+C interrupts the loop
    started = log.read_text(encoding="utf-8").splitlines()
    assert len(started) < 100  # the rest were cancelled, not read before returning
    assert multiprocessing.active_children() == []
