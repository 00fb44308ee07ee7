"""The history store itself: one transaction per period, replaced whole, clear Chinese errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from toolkit.exceptions import StoreError
from toolkit.history import PeriodRecord, open_store, table_columns


def period(code: str, start: str, end: str) -> PeriodRecord:
    return PeriodRecord(code=code, name=f"名称{code}", start=start, end=end, as_of=end,
                        folders={"inbox": f"{code}/收集文件"}, headline={"visits": {"count": 3}})


def problems(ids: list[str], unit: str = "01") -> dict[str, list]:
    n = len(ids)
    return {"unit_code": [unit] * n, "unit": ["办公室"] * n, "file": ["a.xlsx"] * n, "row": list(range(4, 4 + n)),
            "notes": [""] * n, "id": ids, "first_period": ["2022Q1"] * n, "updated": [1] * n,
            "status": ["办理中"] * n, "description": [f"问题{i}" for i in ids], "deadline": ["2022-03-20"] * n}


def test_a_period_is_written_and_read_back_by_a_fresh_process(tmp_path):
    path = tmp_path / "台账历史.sqlite"
    with open_store(path) as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A", "B"])},
                            [{"code": "01", "name": "办公室", "status": "已报送", "templates": {}, "files": ["a.xlsx"]}])
    code = ("import sys, json; from toolkit.history import open_store\n"
            "s = open_store(sys.argv[1], create=False)\n"
            "cols = s.columns('problems', '2022Q1')\n"
            "print(json.dumps([[p.code, p.headline] for p in s.periods()] + [cols['id'], cols['deadline']]))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[["2022Q1", {"visits": {"count": 3}}], ["A", "B"], ["2022-03-20", "2022-03-20"]]'


def test_recording_a_period_again_replaces_that_period_only(tmp_path):
    with open_store(tmp_path / "h.sqlite") as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A", "B"])}, [])
        store.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), {"problems": problems(["A", "C"])}, [])
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A"])}, [])
        assert [p.code for p in store.periods()] == ["2022Q1", "2022Q2"]
        assert store.columns("problems", "2022Q1")["id"] == ["A"]
        assert store.columns("problems", "2022Q2")["id"] == ["A", "C"]
        assert store.issued_ids("problems", "01", "2022-07-01") == {"A", "C"}
        assert store.issued_ids("problems", "01", "2022-04-01") == {"A"}


def test_a_failed_write_leaves_the_period_as_it_was(tmp_path):
    with open_store(tmp_path / "h.sqlite") as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A", "B"])}, [])
        broken = problems(["X", "Y"])
        broken["id"] = ["X", None]  # NOT NULL: the insert fails half-way
        with pytest.raises(StoreError):
            store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": broken}, [])
        assert store.columns("problems", "2022Q1")["id"] == ["A", "B"]
        assert store.period("2022Q1").headline == {"visits": {"count": 3}}


def test_a_locked_store_is_a_chinese_message_and_nothing_is_written(tmp_path, monkeypatch):
    from toolkit.history import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.1)
    path = tmp_path / "h.sqlite"
    with open_store(path) as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A"])}, [])
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        with pytest.raises(StoreError) as err:
            with open_store(path) as store:
                store.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), {"problems": problems(["B"])}, [])
        assert "正被另一个程序使用" in str(err.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with open_store(path) as store:
        assert [p.code for p in store.periods()] == ["2022Q1"]


def test_a_damaged_store_is_a_chinese_message(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "已损坏" in str(err.value) and str(path) in str(err.value)


def test_a_damaged_store_can_be_put_back_from_the_copy_kept_before_the_last_write(tmp_path):
    from toolkit.history.store import backup_path

    path = tmp_path / "台账历史.sqlite"
    with open_store(path) as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A", "B"])}, [])
        assert not backup_path(path).exists()  # nothing to keep before the first period
        store.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), {"problems": problems(["A", "C"])}, [])
    bak = backup_path(path)
    assert bak.name == "台账历史.sqlite.bak" and bak.is_file()
    assert {p.name for p in tmp_path.iterdir()} <= {"台账历史.sqlite", "台账历史.sqlite-shm", "台账历史.sqlite-wal",
                                                   "台账历史.sqlite.bak"}  # no temporary copy left
    with open_store(bak, create=False) as old:  # the store as it was before 2022Q2 was written
        assert [p.code for p in old.periods()] == ["2022Q1"] and old.columns("problems", "2022Q1")["id"] == ["A", "B"]
    path.write_bytes(b"this is not a database" * 100)
    for leftover in (tmp_path / "台账历史.sqlite-wal", tmp_path / "台账历史.sqlite-shm"):
        leftover.unlink(missing_ok=True)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "已损坏" in str(err.value) and "台账历史.sqlite.bak" in str(err.value)
    bak.unlink()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "import-history" in str(err.value) and ".bak" not in str(err.value)


def test_a_store_from_a_newer_toolkit_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    open_store(path).close()
    conn = sqlite3.connect(str(path))
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "更新版本" in str(err.value)


def test_every_schema_column_has_a_place_in_its_table():
    from toolkit.schema import SHEETS

    for key, sheet in SHEETS.items():
        columns = table_columns(key)
        assert {c.key for c in sheet.columns} <= set(columns)
        assert len(columns) == len(set(columns))


# --- ledgers: each period's compact copy of what every run reads ------------------------------------


def _carried(path, start="2022-07-01", code="2022Q3"):
    from toolkit.history.carry import carried_into

    with open_store(path, create=False) as store:
        return carried_into(store, start, code, full=False)


def _two_periods(path):
    with open_store(path) as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": problems(["A", "B", "C"])}, [])
        second = problems(["A", "B"])
        second["status"] = ["已销号", "办理中"]
        store.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), {"problems": second}, [])


def test_what_a_run_reads_of_the_earlier_periods_is_the_same_from_the_ledgers_and_from_the_rows(tmp_path):
    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(DISTINCT period || sheet) FROM ledgers").fetchone()[0] == 4  # 2 periods × 2
    from_ledgers = _carried(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM ledgers")  # what a store written before ledgers existed is read from
    from_rows = _carried(path)
    assert from_ledgers == from_rows
    assert set(from_rows.open["problems"]) == {"B"}
    assert from_rows.closed["problems"] == {"A": "已销号"}
    assert from_rows.issued["problems"]["C"][0] == "01"  # closed in neither period, left in 2022Q1: still issued


def test_a_change_made_in_a_sqlite_tool_is_what_the_next_run_reads(tmp_path):
    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    assert _carried(path).open["problems"]["B"]["status"] == "办理中"
    with sqlite3.connect(path) as conn:  # an office fixes a status by hand
        conn.execute("UPDATE problems SET status = '已办结', deadline = '2022-09-30' WHERE period = '2022Q2' AND id = 'B'")
        left = conn.execute("SELECT DISTINCT period, sheet FROM ledgers ORDER BY period, sheet").fetchall()
    assert left == [("2022Q1", "problems"), ("2022Q1", "tasks"), ("2022Q2", "tasks")]  # the stale one is gone
    state = _carried(path).open["problems"]["B"]
    assert (state["status"], state["deadline"].isoformat()) == ("已办结", "2022-09-30")
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM problems WHERE period = '2022Q2' AND id = 'B'")
    assert "B" not in _carried(path).open["problems"]


def test_a_store_written_before_ledgers_existed_gets_them_and_reads_the_same(tmp_path, monkeypatch):
    import toolkit.history.store as store_module

    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    expected = _carried(path)
    with sqlite3.connect(path) as conn:  # as an earlier toolkit left it
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE ledgers")
        conn.execute("DELETE FROM meta WHERE key = 'ledgers'")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another program is writing: this run cannot add the ledgers
    try:
        assert _carried(path) == expected  # read from the rows
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sqlite3.connect(path) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledgers'").fetchone()
    assert _carried(path) == expected
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(DISTINCT period || sheet) FROM ledgers").fetchone()[0] == 4
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 6


def test_ledgers_kept_by_a_toolkit_with_other_fields_are_written_again(tmp_path):
    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    expected = _carried(path)
    with sqlite3.connect(path) as conn:  # another version kept fewer fields
        conn.execute("DELETE FROM ledgers WHERE field != 'id'")
        conn.execute("UPDATE ledgers SET data = '[]'")
        conn.execute("UPDATE meta SET value = '{}' WHERE key = 'ledgers'")
    assert _carried(path) == expected
    with sqlite3.connect(path) as conn:
        kept = dict(conn.execute("SELECT field, data FROM ledgers WHERE period = '2022Q2' AND sheet = 'problems'"))
    assert kept["id"] == '["A","B"]' and kept["description"] == '["问题A","问题B"]'



def test_a_ledger_holds_the_values_as_stored_whatever_was_given(tmp_path):
    """What the ledgers give is what the rows give, types included (a column's affinity converts)."""
    from toolkit.history.store import LEDGER_FIELDS

    path = tmp_path / "台账历史.sqlite"
    given = problems(["A", "B", "C"])
    given["description"] = ["文字", 123, None]  # a number in a TEXT column is stored as text
    tasks = {"unit_code": ["01"] * 3, "unit": ["办公室"] * 3, "id": ["T1", "T2", "T3"], "first_period": ["2022Q1"] * 3,
             "updated": [1] * 3, "status": ["推进中"] * 3, "progress": [50, 0.5, None], "result_value": [3, None, 2.5]}
    with open_store(path) as store:
        store.record_period(period("2022Q1", "2022-01-01", "2022-03-31"), {"problems": given, "tasks": tasks}, [])
        plain = {"problems": problems(["D"]), "tasks": dict(tasks, progress=[50.0, 0.5, None], result_value=[3.0, None, 2.5])}
        store.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), plain, [])
    for code in ("2022Q1", "2022Q2"):
        with open_store(path, create=False) as store:
            for key in ("problems", "tasks"):
                fields = [f for f in LEDGER_FIELDS[key] if f != "rowid"]
                kept = store.ledger(key, code, fields)
                rows = store.columns(key, code, names=fields)
                assert kept == rows and [list(map(type, v)) for v in kept.values()] == [
                    list(map(type, v)) for v in rows.values()], (code, key)
    with open_store(path, create=False) as store:
        assert store.ledger("problems", "2022Q1", ["description"])["description"] == ["文字", "123", None]
        assert store.ledger("tasks", "2022Q1", ["progress"])["progress"] == [50.0, 0.5, None]


def test_what_one_reading_gets_of_a_period_belongs_together_while_another_process_records_it(tmp_path):
    """Fields of a period read in several statements (ledger fields, then rows) come from one version of
    it, even when another process records the period again in between."""
    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    with open_store(path, create=False) as reader, reader.reading():
        ids = reader.ledger("problems", "2022Q2", ["id"])["id"]
        with open_store(path) as writer:  # next-period (or a late file) in another process
            writer.record_period(period("2022Q2", "2022-04-01", "2022-06-30"), {"problems": problems(["A", "B", "X", "Y"])}, [])
        later = reader.ledger("problems", "2022Q2", ["status", "description"])
        rows = reader.columns("problems", "2022Q2", names=["id"])["id"]
    assert ids == rows == ["A", "B"] and len(later["status"]) == 2 and later["description"] == ["问题A", "问题B"]
    with open_store(path, create=False) as fresh:
        assert fresh.ledger("problems", "2022Q2", ["id"])["id"] == ["A", "B", "X", "Y"]


def test_a_ledger_spoilt_by_hand_or_a_number_json_cannot_hold_is_read_from_the_rows(tmp_path):
    path = tmp_path / "台账历史.sqlite"
    _two_periods(path)
    expected = _carried(path)
    with sqlite3.connect(path) as conn:  # triggers fire only on the item tables: this one is not seen
        conn.execute("UPDATE ledgers SET data = 'not json' WHERE period = '2022Q2' AND field = 'status'")
        conn.execute("UPDATE ledgers SET data = '{\"a\": 1}' WHERE period = '2022Q2' AND field = 'id'")
    assert _carried(path) == expected
    tasks = {"unit_code": ["01"] * 2, "unit": ["办公室"] * 2, "id": ["T1", "T2"], "first_period": ["2022Q1"] * 2,
             "updated": [1] * 2, "status": ["推进中"] * 2, "result_value": [float("inf"), float("nan")]}
    with open_store(path) as store:
        store.record_period(period("2022Q3", "2022-07-01", "2022-09-30"), {"tasks": tasks}, [])
    with open_store(path, create=False) as store:
        assert store.ledger("tasks", "2022Q3", ["result_value"])["result_value"] == [float("inf"), None]
