"""The campaign year: a period recorded, the next one's templates prefilled, cross-period checks,
nothing lost, re-recording, the store read by a fresh process, a locked store, --period."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date

import openpyxl
import pytest

import periods as P
from toolkit import api
from toolkit.config import load_workspace
from toolkit.history import open_store
from toolkit.merge.periods import LONG_LISTS
from toolkit.schema import FIRST_DATA_ROW, SHEETS

CROSS = ("id-unknown", "id-duplicate", "status-regressed", "progress-decreased", "deadline-moved",
         "text-rewritten", "carried-missing")


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """2022Q1 recorded, 2022Q2 current with its prefilled templates (nothing returned yet)."""
    ws = P.build(tmp_path_factory.mktemp("periods") / "ws")
    return P.next_period(ws)


def _copy(tmp_path, ws):
    import shutil

    shutil.copytree(ws.root, tmp_path / "ws")
    return load_workspace(tmp_path / "ws")


def _stored(ws, key: str, period: str) -> dict:
    with open_store(ws.store_path, create=False) as store:
        return store.columns(key, period)


def test_prefilled_templates_hold_each_units_open_items_and_nothing_else(second):
    q1 = {key: _stored(second, key, "2022Q1") for key in ("problems", "tasks")}
    for unit in P.UNITS:
        for template_id, key, closed in (("survey", "problems", "已销号"), ("tasks", "tasks", "已完成")):
            wb = openpyxl.load_workbook(P.template_of(second, unit, template_id))
            ids = P.rows_by_id(wb, key)
            stored = q1[key]
            mine = [i for i, u, s in zip(stored["id"], stored["unit_code"], stored["status"])
                    if u == unit.code and s != closed]
            assert list(ids) == mine and mine  # the open items, in ledger order, with their 编号
            ws_ = wb[SHEETS[key].name]
            for n, (item_id, row) in enumerate(ids.items(), start=1):
                at = stored["id"].index(item_id)
                assert ws_.cell(row, P.column(key, "seq")).value == n
                for field in ("status", "deadline", "description" if key == "problems" else "name"):
                    value = ws_.cell(row, P.column(key, field)).value
                    value = value.date().isoformat() if hasattr(value, "date") else value
                    assert value == stored[field][at]
            after = FIRST_DATA_ROW + len(ids)
            assert all(ws_.cell(after, c).value is None for c in range(1, len(SHEETS[key].columns) + 1))
        visits = openpyxl.load_workbook(P.template_of(second, unit, "survey"))[SHEETS["visits"].name]
        assert visits.cell(FIRST_DATA_ROW, 1).value is None  # 走访记录 starts empty


def test_a_prefilled_template_returned_unchanged_gets_no_error(second, tmp_path):
    ws = _copy(tmp_path, second)
    for unit in P.UNITS:
        for template_id in ("survey", "tasks"):
            P.ret(ws, unit, template_id)
    result = api.validate_workspace(ws)
    assert [i.message for f in result.files for i in f.issues if i.severity == "错误"] == []
    assert P.issues(result, *CROSS, "count-mismatch", "bad-reference") == set()


def test_each_cross_period_check_fires_on_its_cell_and_nowhere_else(second, tmp_path):
    ws = _copy(tmp_path, second)
    unit, other = P.UNITS[0], P.UNITS[1]
    q1 = _stored(ws, "problems", "2022Q1")
    closed_id = next(i for i, u, s in zip(q1["id"], q1["unit_code"], q1["status"]) if u == unit.code and s == "已销号")
    others_id = next(i for i, u in zip(q1["id"], q1["unit_code"]) if u == other.code)
    where: dict[str, tuple] = {}

    def survey(wb):
        rows = P.rows_by_id(wb, "problems")
        ids = list(rows)
        done = next(i for i in ids if wb[SHEETS["problems"].name].cell(rows[i], P.column("problems", "status")).value
                    == "已办结")
        P.put(wb, "problems", rows[done], status="办理中")  # 已办结 → open: confirm
        where["reopened"] = rows[done]
        moved = next(i for i in ids if i != done)
        P.put(wb, "problems", rows[moved], deadline=date(2022, 8, 30))  # later, status not 延期
        where["moved"] = rows[moved]
        rewritten = next(i for i in ids if i not in (done, moved))
        P.put(wb, "problems", rows[rewritten], description="完全不同的另一件事")
        where["rewritten"] = rows[rewritten]
        base = max(rows.values()) + 1
        template = {k: wb[SHEETS["problems"].name].cell(rows[moved], P.column("problems", k)).value
                    for k in SHEETS["problems"].keys}
        for n, (item_id, status) in enumerate(((closed_id, "办理中"), ("99-2022Q1-P001", "办理中"),
                                               (others_id, "办理中"), (ids[0], "办理中"))):
            values = dict(template, id=item_id, seq=100 + n, status=status)
            P.put(wb, "problems", base + n, **values)
        where["regressed"], where["unknown"], where["foreign"], where["duplicate"] = base, base + 1, base + 2, base + 3

    def tasks(wb):
        rows = P.rows_by_id(wb, "tasks")
        first = list(rows)[0]
        P.put(wb, "tasks", rows[first], progress=10)  # 50 % or 30 % last quarter
        where["slower"] = rows[first]
        sheet = wb[SHEETS["tasks"].name]
        last = list(rows)[-1]
        sheet.delete_rows(rows[last])  # the row is gone: carried-missing
        where["missing"] = last

    P.ret(ws, unit, "survey", survey)
    P.ret(ws, unit, "tasks", tasks)
    result = api.validate_workspace(ws)
    pl, tl = SHEETS["problems"].name, SHEETS["tasks"].name
    expected = {
        ("status-regressed", unit.name, pl, where["reopened"], P.letter("problems", "status")),
        ("deadline-moved", unit.name, pl, where["moved"], P.letter("problems", "deadline")),
        ("text-rewritten", unit.name, pl, where["rewritten"], P.letter("problems", "description")),
        ("status-regressed", unit.name, pl, where["regressed"], P.letter("problems", "status")),
        ("id-unknown", unit.name, pl, where["unknown"], P.letter("problems", "id")),
        ("id-unknown", unit.name, pl, where["foreign"], P.letter("problems", "id")),
        ("id-duplicate", unit.name, pl, where["duplicate"], P.letter("problems", "id")),
        ("progress-decreased", unit.name, tl, where["slower"], P.letter("tasks", "progress")),
        ("carried-missing", unit.name, tl, None, P.letter("tasks", "id")),
    }
    assert P.issues(result, *CROSS) == expected
    severity = {(i.code, i.row): i.severity for f in result.files for i in f.issues if i.code in CROSS}
    assert severity[("status-regressed", where["reopened"])] == "提示"
    assert severity[("status-regressed", where["regressed"])] == "错误"  # 已销号 cannot be reopened
    missing = next(i for f in result.files for i in f.issues if i.code == "carried-missing")
    assert where["missing"] in missing.message
    rejected = {(r.sheet, r.row) for r in result.rejected}
    assert rejected == {(pl, where[k]) for k in ("regressed", "unknown", "foreign", "duplicate")}


def test_nothing_open_is_lost_over_three_periods(tmp_path):
    ws = P.build(tmp_path / "ws")
    ws = P.next_period(ws)  # 2022Q2: only 办公室 returns; 党建办 and 财务科 send nothing

    def close_all(wb):
        rows = P.rows_by_id(wb, "problems")
        for row in rows.values():
            P.put(wb, "problems", row, status="已办结", closed_date=date(2022, 5, 1), result="已解决")

    P.ret(ws, P.UNITS[0], "survey", close_all)
    P.ret(ws, P.UNITS[0], "tasks")
    ws = P.next_period(ws)  # 2022Q3
    assert ws.period.code == "2022Q3"
    with open_store(ws.store_path, create=False) as store:
        assert [p.code for p in store.periods()] == ["2022Q1", "2022Q2"]
        for key, final in (("problems", "已销号"), ("tasks", "已完成")):
            q1, q2 = store.columns(key, "2022Q1"), store.columns(key, "2022Q2")
            open_q1 = {i for i, s in zip(q1["id"], q1["status"]) if s != final}
            state = dict(zip(q2["id"], zip(q2["unit_code"], q2["updated"], q2["status"])))
            assert open_q1 <= set(state)  # every open item of Q1 is in Q2
            for item_id in open_q1:
                unit_code, updated, _status = state[item_id]
                assert updated == (1 if unit_code == P.UNITS[0].code else 0)  # the others 未更新, not lost
            q2_open = {i for i, s in zip(q2["id"], q2["status"]) if s != final}
            wb = openpyxl.load_workbook(P.template_of(ws, P.UNITS[1], "survey" if key == "problems" else "tasks"))
            mine = {i for i in q2_open if state[i][0] == P.UNITS[1].code}
            assert set(P.rows_by_id(wb, key)) == mine  # and in its Q3 template
    # 已办结 problems stay open until 销号: carried into Q3 with their new state
    wb = openpyxl.load_workbook(P.template_of(ws, P.UNITS[0], "survey"))
    sheet = wb[SHEETS["problems"].name]
    statuses = {sheet.cell(r, P.column("problems", "status")).value for r in P.rows_by_id(wb, "problems").values()}
    assert statuses == {"已办结"}


def test_recording_a_period_again_is_idempotent(second, tmp_path):
    ws = _copy(tmp_path, second)
    for unit in P.UNITS:
        P.ret(ws, unit, "survey")
        P.ret(ws, unit, "tasks")

    def snapshot():
        with open_store(ws.store_path, create=False) as store:
            periods = [(p.code, p.headline) for p in store.periods()]
            tables = {k: store.columns(k, "2022Q2") for k in SHEETS}
            return periods, tables, store.submissions("2022Q2")

    api.merge_workspace(ws, record=True)
    first = snapshot()
    api.merge_workspace(ws, record=True)
    assert snapshot() == first
    assert [p for p, _ in first[0]] == ["2022Q1", "2022Q2"]
    assert len(first[1]["problems"]["id"]) == len(set(first[1]["problems"]["id"]))


def test_the_store_read_by_a_fresh_process_gives_the_same_figures(second):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    out = subprocess.run([sys.executable, "-m", "toolkit", "status", "--json", "-"], cwd=second.root, env=env,
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["period"]["code"] == "2022Q2" and data["periods"] == ["2022Q1"]
    assert data["history"] == str(second.store_path)
    assert data["folders"]["inbox"] == str(second.inbox.resolve())
    q1 = load_workspace(second.root)
    figures = json.loads((second.root / "2022年第一季度" / "汇总输出" / "汇总数据.json").read_text(encoding="utf-8"))
    headline = data["recorded"][0]["headline"]
    for block in ("visits", "problems", "tasks"):
        expected = {k: v for k, v in figures[block].items() if k not in LONG_LISTS}
        assert headline[block] == expected
    assert q1.period.code == "2022Q2"


def test_a_locked_store_stops_next_period_with_a_chinese_message(second, tmp_path, monkeypatch):
    ws = _copy(tmp_path, second)
    for unit in P.UNITS:
        P.ret(ws, unit, "survey")
    before = ws.config_path.read_text(encoding="utf-8")
    other = sqlite3.connect(str(ws.store_path), isolation_level=None, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        code = ("import toolkit.history.store as s; s.BUSY_TIMEOUT_S = 0.2\n"
                "from toolkit.cli import main\nmain(['next-period'])\n")
        out = subprocess.run([sys.executable, "-c", code], cwd=ws.root, env=env, capture_output=True, text=True,
                             encoding="utf-8")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert out.returncode == 2
    assert "正被另一个程序使用" in out.stderr and "Traceback" not in out.stderr
    assert ws.config_path.read_text(encoding="utf-8") == before  # still 2022Q2, nothing switched


def test_a_late_file_for_an_earlier_period_is_merged_with_period_and_re_recorded(tmp_path):
    from factories import write_unit_workbooks

    ws = P.build(tmp_path / "ws")
    late = P.UNITS[2]
    (ws.inbox / P.template_of(ws, late, "tasks").name).unlink()  # 财务科's task ledger comes late
    ws = P.next_period(ws)
    q1 = api.workspace_for(load_workspace(ws.root), "2022Q1")
    assert q1.inbox == ws.root / "2022年第一季度" / "收集文件"
    tasks_before = len(_stored(ws, "tasks", "2022Q1")["id"])
    write_unit_workbooks(q1.inbox, late, {"tasks": P.first_quarter_rows()["tasks"]}, period=q1.period,
                         templates=("tasks",))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", "run", "--period", "2022Q1"], cwd=ws.root, env=env,
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    assert "已按本次结果重新记录2022年第一季度的台账" in out.stdout and "toolkit templates" in out.stdout
    assert len(_stored(ws, "tasks", "2022Q1")["id"]) == tasks_before + 3
    assert load_workspace(ws.root).period.code == "2022Q2"  # still the current period
    carried = api.carried_into(load_workspace(ws.root))
    assert len(carried.by_unit["tasks"][late.code]) == 2  # the late tasks are open in Q2 now


def test_import_history_records_a_period_from_its_summary_workbook(tmp_path):
    """An office that began before the history store: its 2022Q1 汇总表 is imported into a workspace
    whose current period is 2022Q2, and carries the same open items as next-period would."""
    from toolkit.config import init_workspace

    ws = P.build(tmp_path / "old")
    api.merge_workspace(ws)  # 汇总表.xlsx of 2022Q1, as an earlier toolkit wrote it
    summary = ws.output_dir / "汇总表.xlsx"
    recorded = P.next_period(ws)  # the same period recorded the usual way, for comparison

    new = init_workspace(tmp_path / "new", "XX市XX局", "2022Q2", units=P.UNITS, as_of=date(2022, 7, 10))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", "import-history", str(summary), "--period", "2022Q1",
                          "--as-of", "2022-04-10"], cwd=new.root, env=env, capture_output=True, text=True,
                         encoding="utf-8")
    assert out.returncode == 0, out.stderr
    assert "已导入 2022年第一季度" in out.stdout and "toolkit templates" in out.stdout
    imported = api.carried_into(load_workspace(new.root))
    usual = api.carried_into(recorded)
    for key in ("problems", "tasks"):
        assert imported.by_unit[key] == usual.by_unit[key]
        for item_id, state in usual.open[key].items():
            assert {k: imported.open[key][item_id].get(k) for k in SHEETS[key].keys} == \
                   {k: state.get(k) for k in SHEETS[key].keys}


def test_import_history_refuses_a_period_not_before_the_current_one(tmp_path):
    from toolkit.config import ConfigError, init_workspace

    ws = init_workspace(tmp_path / "ws", "XX市XX局", "2022Q2", units=P.UNITS)
    with pytest.raises(ConfigError) as err:
        api.import_history(ws, tmp_path / "汇总表.xlsx", "2022Q2")
    assert "以前的统计期" in str(err.value)
