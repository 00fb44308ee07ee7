"""Statistics of the merge, checked against an independent computation from the generated row dicts."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from fractions import Fraction

import random

import pytest

from factories import AS_OF, PERIOD, Submission, build_result, frame, scenario, task_row, unit_rows

from toolkit import schema as S
from toolkit.api import merge_result
from toolkit.merge import RED_LIST_COLUMNS, add_computed_columns, summarize
from toolkit.model import Unit

CLOSED = ("已办结", "已销号")


# ---------------------------------------------------------------------------
# Independent expectations (plain Python over the row dicts)
# ---------------------------------------------------------------------------


def pct(num, den):
    """Percentage rounded half-up to one decimal, None for 0/0."""
    if den == 0:
        return None
    x = Fraction(num) * 100 / Fraction(den)
    return math.floor(x * 10 + Fraction(1, 2)) / 10


def mean1(values):
    if not values:
        return None
    x = sum(Fraction(str(v)) for v in values) / len(values)
    return math.floor(x * 10 + Fraction(1, 2)) / 10


def problem_overdue(p, as_of=AS_OF):
    return p["status"] not in CLOSED and as_of > p["deadline"]


def problem_light(p, as_of=AS_OF):
    if problem_overdue(p, as_of):
        return "红"
    if p["status"] not in CLOSED and (p["deadline"] - as_of).days <= 7:
        return "黄"
    return "绿"


def task_light(t, as_of=AS_OF, period=PERIOD):
    if t["status"] == "已完成":
        return "绿"
    if as_of > t["deadline"]:
        return "红"
    start = t["start_date"] or period.start
    span = (t["deadline"] - start).days
    elapsed = min(max((as_of - start).days, 0), span) if span > 0 else (1 if as_of >= t["deadline"] else 0)
    share = Fraction(elapsed, span) if span > 0 else Fraction(elapsed)
    return "黄" if Fraction(str(t["progress"])) < share * 100 else "绿"


def expected_unit(name, code, rows, submitted):
    v, p, t = rows.get("visits", []), rows.get("problems", []), rows.get("tasks", [])
    closed = sum(1 for x in p if x["status"] in CLOSED)
    rated = sum(1 for x in p if x["satisfaction"] is not None)
    satisfied = sum(1 for x in p if x["satisfaction"] in ("满意", "基本满意"))
    return {
        "code": code, "name": name, "submitted": submitted,
        "visits": len(v),
        "participants": sum(x["participants"] for x in v),
        "objects": len({x["object_name"] for x in v}),
        "objects_by_type": {k: len({x["object_name"] for x in v if x["object_type"] == k}) for k in S.OBJECT_TYPES},
        "problems_found": sum(x["problems_found"] for x in v),
        "solved_on_spot": sum(x["solved_on_spot"] for x in v),
        "problems": len(p),
        "problems_closed": closed,
        "closure_rate": pct(closed, len(p)),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": pct(satisfied, rated),
        "overdue_problems": sum(1 for x in p if problem_overdue(x)),
        "tasks": len(t),
        "tasks_by_type": {k: sum(1 for x in t if x["list_type"] == k) for k in S.TASK_LIST_TYPES},
        "tasks_by_status": {k: sum(1 for x in t if x["status"] == k) for k in S.TASK_STATUSES},
        "tasks_completed": sum(1 for x in t if x["status"] == "已完成"),
        "average_progress": mean1([x["progress"] for x in t]),
        "overdue_tasks": sum(1 for x in t if task_light(x) == "红"),
    }


@pytest.fixture(scope="module")
def sc():
    return scenario()


def figures_of(result, **settings):
    return summarize(result, **settings).figures


@pytest.fixture(scope="module")
def figures(sc):
    return figures_of(sc.result, org="XX市体育局", office="党建办")


def ordered_units(sc):
    """Configured units in order, then the unknown unit."""
    out = [(u.code, u.name) for u in sc.units]
    out.append(("", sc.unknown_unit))
    return out


def all_rows(sc, key):
    for _code, name in ordered_units(sc):
        for pos, row in enumerate(sc.accepted.get(name, {}).get(key, [])):
            yield name, pos, row


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_scenario_has_what_the_brief_needs(sc):
    submitting = [u for u in sc.units if u.name in sc.accepted]
    assert len(submitting) >= 12
    assert sc.missing_unit.name not in sc.accepted
    assert sc.accepted[sc.no_problem_unit]["problems"] == []


def expected_status(sc, name: str) -> str:
    """报送情况 of a unit from the scenario's files, by the rules of docs/figures.md."""
    mine = [s for s in sc.submissions if s.unit == name and not s.superseded_by]
    clean = {s.template for s in mine if s.status != "有错误"}
    if any(s.status == "有错误" for s in mine):
        return "有退回"
    if clean == {"survey", "tasks"}:
        return "已报送"
    return "部分报送" if clean else "未报送"


def test_per_unit_statistics(sc, figures):
    expected = []
    for code, name in ordered_units(sc):
        entry = expected_unit(name, code, sc.accepted.get(name, {}), expected_status(sc, name) != "未报送")
        entry["status"] = expected_status(sc, name)
        expected.append(entry)
    assert [u["name"] for u in figures["units"]] == [u["name"] for u in expected]
    assert [{k: u[k] for k in e} for u, e in zip(figures["units"], expected)] == expected
    assert {u["status"] for u in figures["units"]} == {"已报送", "有退回", "未报送"}  # the scenario has each


def test_totals_are_sums_with_recomputed_rates(sc, figures):
    units = figures["units"]
    totals = figures["totals"]
    assert totals["name"] == "合计" and totals["code"] == ""
    for key in ("visits", "participants", "objects", "problems_found", "solved_on_spot", "problems",
                "problems_closed", "rated", "satisfied", "overdue_problems", "tasks", "tasks_completed",
                "overdue_tasks"):
        assert totals[key] == sum(u[key] for u in units), key
    assert totals["closure_rate"] == pct(totals["problems_closed"], totals["problems"])
    assert totals["satisfaction_rate"] == pct(totals["satisfied"], totals["rated"])
    progress = [r["progress"] for _, _, r in all_rows(sc, "tasks")]
    assert totals["average_progress"] == mean1(progress)
    assert totals["objects_by_type"] == {k: sum(u["objects_by_type"][k] for u in units) for k in S.OBJECT_TYPES}


def test_distributions_and_blocks(sc, figures):
    visits = [r for _, _, r in all_rows(sc, "visits")]
    problems = [r for _, _, r in all_rows(sc, "problems")]
    tasks = [r for _, _, r in all_rows(sc, "tasks")]

    def dist(rows, key, names):
        return [{"name": n, "count": sum(1 for r in rows if r[key] == n)} for n in names]

    v = figures["visits"]
    assert v["count"] == len(visits)
    assert v["participants"] == sum(r["participants"] for r in visits)
    assert v["problems_found"] == sum(r["problems_found"] for r in visits)
    assert v["solved_on_spot"] == sum(r["solved_on_spot"] for r in visits)
    assert v["objects"] == sum(len({r["object_name"] for r in sc.accepted[n]["visits"]}) for n in sc.accepted)
    assert v["by_object_type"] == dist(visits, "object_type", S.OBJECT_TYPES)
    assert v["by_method"] == dist(visits, "method", S.VISIT_METHODS)

    p = figures["problems"]
    closed = sum(1 for r in problems if r["status"] in CLOSED)
    rated = [r for r in problems if r["satisfaction"]]
    satisfied = sum(1 for r in rated if r["satisfaction"] in ("满意", "基本满意"))
    lights = [problem_light(r) for r in problems]
    expected = {
        "count": len(problems), "closed": closed, "closure_rate": pct(closed, len(problems)),
        "cancelled": sum(1 for r in problems if r["status"] == "已销号"),
        "rated": len(rated), "satisfied": satisfied, "satisfaction_rate": pct(satisfied, len(rated)),
        "overdue": sum(1 for r in problems if problem_overdue(r)),
        "lights": {k: lights.count(k) for k in ("红", "黄", "绿")},
        "by_category": dist(problems, "category", S.PROBLEM_CATEGORIES),
        "by_source": dist(problems, "source", S.PROBLEM_SOURCES),
        "by_status": dist(problems, "status", S.PROBLEM_STATUSES),
    }
    assert {k: p[k] for k in expected} == expected  # the period-over-period keys: tests/test_period_figures.py
    assert 0 < p["lights"]["黄"] and 0 < p["lights"]["红"] and 0 < p["lights"]["绿"]

    t = figures["tasks"]
    done = sum(1 for r in tasks if r["status"] == "已完成")
    tl = [task_light(r) for r in tasks]
    assert t["count"] == len(tasks)
    assert t["completed"] == done
    assert t["completion_rate"] == pct(done, len(tasks))
    assert t["average_progress"] == mean1([r["progress"] for r in tasks])
    assert t["lights"] == {k: tl.count(k) for k in ("红", "黄", "绿")}
    assert t["overdue"] == tl.count("红")
    assert t["by_status"] == dist(tasks, "status", S.TASK_STATUSES)
    assert t["by_type"] == [
        {"name": n, "count": sum(1 for r in tasks if r["list_type"] == n),
         "completed": sum(1 for r in tasks if r["list_type"] == n and r["status"] == "已完成"),
         "average_progress": mean1([r["progress"] for r in tasks if r["list_type"] == n])}
        for n in S.TASK_LIST_TYPES
    ]
    order = {name: i for i, (_, name) in enumerate(ordered_units(sc))}
    key = [(name, r) for name, _, r in all_rows(sc, "tasks") if r["list_type"] == "重点任务" and r["status"] != "已完成"]
    key.sort(key=lambda x: (x[1]["deadline"], order[x[0]], x[1]["seq"]))
    assert t["unfinished_key"] == [
        {"unit": n, "name": r["name"], "deadline": r["deadline"].isoformat(), "progress": float(r["progress"]),
         "status": r["status"], "owner": r["owner"], "leader": r["leader"]}
        for n, r in key
    ]


def test_red_list_with_days(sc, figures):
    codes = dict((name, code) for code, name in ordered_units(sc))
    order = {name: i for i, (_, name) in enumerate(ordered_units(sc))}
    problems = [(n, r) for n, _, r in all_rows(sc, "problems") if problem_overdue(r)]
    tasks = [(n, r) for n, _, r in all_rows(sc, "tasks") if task_light(r) == "红"]
    expected = []
    for kind, items, title in (("问题", problems, "description"), ("任务", tasks, "name")):
        items = sorted(items, key=lambda x: (-(AS_OF - x[1]["deadline"]).days, order[x[0]], x[1]["seq"]))
        for n, r in items:
            expected.append({
                "kind": kind, "id": f"{codes[n] or n}-2022Q1-{'P' if kind == '问题' else 'T'}{r['seq']:03d}",
                "unit": n, "title": r[title],
                "owner": r["owner"], "leader": r["leader"], "deadline": r["deadline"].isoformat(),
                "days_overdue": (AS_OF - r["deadline"]).days, "status": r["status"],
            })
    assert figures["red_list"] == expected
    assert any(i["kind"] == "任务" for i in expected) and any(i["kind"] == "问题" for i in expected)


def test_red_rows_are_the_red_list_with_the_detail_tables_dates(sc):
    merged = summarize(sc.result)
    red, items = merged.red_rows, merged.figures["red_list"]
    assert list(red.columns) == list(RED_LIST_COLUMNS) == list(items[0])
    assert str(red["deadline"].dtype) == "datetime64[ns]"
    assert [d.date().isoformat() for d in red["deadline"]] == [i["deadline"] for i in items]
    others = [k for k in RED_LIST_COLUMNS if k != "deadline"]
    assert red[others].to_dict("records") == [{k: i[k] for k in others} for i in items]
    # the dates are the detail tables' own
    for kind, key, id_col in (("问题", "problems", "id"), ("任务", "tasks", "id")):
        table = merged.details[key].set_index(id_col)["deadline"]
        mine = red[red["kind"] == kind]
        assert mine["deadline"].tolist() == table.loc[mine["id"]].tolist()


def test_achievements(sc, figures):
    groups: dict = {}
    for name, _, r in all_rows(sc, "tasks"):
        if r["result_value"] is None:
            continue
        g = groups.setdefault((r["result_text"] or r["name"], r["result_unit"] or ""), [Fraction(0), [], 0])
        g[0] += Fraction(str(r["result_value"]))
        if name not in g[1]:
            g[1].append(name)
        g[2] += 1
    expected = []
    for (desc, unit), (total, units, items) in groups.items():
        value = int(total) if total.denominator == 1 else math.floor(total * 100 + Fraction(1, 2)) / 100
        expected.append({"description": desc, "value": value, "unit": unit, "units": units, "items": items})
    assert figures["achievements"] == expected
    assert any(len(a["units"]) > 1 for a in expected)
    for a in figures["achievements"]:
        assert type(a["value"]) in (int, float)


def test_submission(sc, figures):
    sub = figures["submission"]
    assert sub["expected"] == 13
    assert sub["submitted"] == 12
    assert sub["missing"] == [{"code": sc.missing_unit.code, "name": sc.missing_unit.name, "status": "未报送",
                               "templates": ["大走访大调研台账", "任务推进台账"]}]
    rejected = next(s for s in sc.submissions if s.rel == sc.rejected_file)
    assert [(u["name"], [f["file"] for f in u["files"]]) for u in sub["returned"]] == [(rejected.unit, [rejected.rel])]
    statuses = [expected_status(sc, u.name) for u in sc.units]
    assert sub["counts"] == {k: statuses.count(k) for k in ("已报送", "部分报送", "有退回", "待核查", "未报送")}
    by_name = {u["name"]: u for u in sub["units"]}
    assert [u["name"] for u in sub["units"]] == [n for _, n in ordered_units(sc)]
    assert by_name[sc.missing_unit.name]["status"] == "未报送"
    assert by_name[sc.missing_unit.name]["templates"] == {"survey": "未报送", "tasks": "未报送"}
    rejected_unit = next(s.unit for s in sc.submissions if s.rel == sc.rejected_file)
    assert by_name[rejected_unit]["status"] == "有退回"
    assert by_name[rejected_unit]["templates"] == {"survey": "已报送", "tasks": "有退回"}
    superseded = next(s for s in sc.submissions if s.rel == sc.superseded_file)
    assert superseded.rel in by_name[superseded.unit]["files"]
    assert by_name[superseded.unit]["status"] == "已报送"
    assert sub["rejected_files"] == [{"file": sc.rejected_file, "unit": rejected_unit, "errors": 2}]
    assert sub["superseded_files"] == [{"file": sc.superseded_file, "unit": superseded.unit,
                                        "by": superseded.superseded_by, "rows": superseded.superseded_rows}]
    unreadable = next(f for f in sc.result.files if f.rel == sc.unreadable_file)
    assert sub["unreadable_files"] == [{"file": sc.unreadable_file, "reason": unreadable.issues[0].message}]
    assert sub["unknown_units"] == [sc.unknown_unit]
    others = [u for u in sub["units"] if u["name"] not in (sc.missing_unit.name, rejected_unit)]
    assert all(u["status"] == "已报送" for u in others)


def test_validation_block(sc, figures):
    files = sc.result.files
    assert figures["validation"] == {
        "files": len(files),
        "rows_read": sum(f.rows_read for f in files),
        "rows_accepted": sum(len(r) for rows in sc.accepted.values() for r in rows.values()),
        "rows_rejected": sum(len(s.rejected) for s in sc.submissions),
        "rows_skipped": 0,
        "rows_superseded": sum(s.superseded_rows for s in sc.submissions),
        "errors": sum(len(s.rejected) for s in sc.submissions) + 1,  # one per rejected row + the unreadable file
        "hints": sum(1 for s in sc.submissions for i in s.issues if i.severity == "提示"),  # 提示 + superseded notice
    }


def test_header_fields(figures):
    assert figures["format"] == "toolkit.figures/1"
    assert figures["org"] == "XX市体育局" and figures["office"] == "党建办"
    assert figures["period"] == {"code": "2022Q1", "name": "2022年第一季度", "start": "2022-01-01",
                                 "end": "2022-03-31"}
    assert figures["as_of"] == "2022-04-29"


def test_json_plain_types_and_no_nan(figures):
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                assert type(k) is str
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        else:
            assert x is None or type(x) in (str, int, float, bool), (x, type(x))
            if type(x) is float:
                assert math.isfinite(x)

    walk(figures)


def test_low_closure_units(figures):
    low = [u["name"] for u in figures["units"] if u["closure_rate"] is not None and u["closure_rate"] < 60]
    assert figures["low_closure_units"] == low
    assert figures["low_closure_rate"] == 60.0


def test_deterministic_and_order_independent(sc):
    a = figures_of(sc.result)
    reversed_tables = {k: df.iloc[::-1].reset_index(drop=True) for k, df in sc.result.tables.items()}
    sc.result.tables, original = reversed_tables, sc.result.tables
    try:
        b = figures_of(sc.result)
    finally:
        sc.result.tables = original
    a.pop("generated_at"), b.pop("generated_at")
    assert a == b


def test_merge_twice_identical(sc, tmp_path):
    one = merge_result(sc.result, tmp_path / "a")
    two = merge_result(sc.result, tmp_path / "b")
    f1 = json.loads(one.figures_path.read_text(encoding="utf-8"))
    f2 = json.loads(two.figures_path.read_text(encoding="utf-8"))
    f1.pop("generated_at"), f2.pop("generated_at")
    assert f1 == f2
    assert one.figures_path.name == "汇总数据.json" and one.workbook.name == "汇总表.xlsx"
    text = one.figures_path.read_text(encoding="utf-8")
    assert "合计" in text and "\\u" not in text  # ensure_ascii=False
    assert text.startswith('{\n  "format"')  # indent=2


# ---------------------------------------------------------------------------
# Computed columns in detail
# ---------------------------------------------------------------------------


def _problem(seq, status, deadline, **kw):
    row = {"seq": seq, "source": "自查", "description": f"问题{seq}", "category": "其他", "leader": "王",
           "lead_unit": "城建科", "owner": "李", "assigned_date": date(2022, 3, 1), "deadline": deadline,
           "status": status}
    row.update(kw)
    return row


def test_problem_lights_boundaries():
    rows = [
        _problem(1, "办理中", AS_OF - timedelta(days=1)),  # overdue by 1
        _problem(2, "办理中", AS_OF),  # due today: not overdue, 黄
        _problem(3, "办理中", AS_OF + timedelta(days=7)),  # 黄
        _problem(4, "办理中", AS_OF + timedelta(days=8)),  # 绿
        _problem(5, "已办结", AS_OF - timedelta(days=30), closed_date=date(2022, 3, 5)),  # closed: 绿
        _problem(6, "已销号", AS_OF - timedelta(days=30), closed_date=date(2022, 3, 5)),
        _problem(7, "长期推进", AS_OF - timedelta(days=3)),  # not closed: overdue
    ]
    tables = {"problems": frame("problems", rows, unit="办公室", unit_code="01", file="a.xlsx")}
    out = add_computed_columns(tables, AS_OF, [Unit("01", "办公室")], period=PERIOD)["problems"]
    assert out["light"].tolist() == ["红", "黄", "黄", "绿", "绿", "绿", "红"]
    assert out["overdue"].tolist() == ["是", "否", "否", "否", "否", "否", "是"]
    days = [None if v is None or v != v else int(v) for v in out["days_overdue"].astype(object).where(
        out["days_overdue"].notna(), None).tolist()]
    assert days == [1, None, None, None, None, None, 3]
    assert out["id"].tolist() == [f"01-2022Q1-P{i:03d}" for i in range(1, 8)]  # 编号: unit, period, 序号
    assert out["state"].tolist() == ["新增"] * 7


def test_problem_ids_unique_and_named_without_code():
    rows = [_problem(1, "办理中", AS_OF), _problem(2, "办理中", AS_OF)]
    tables = {"problems": __import__("pandas").concat([
        frame("problems", rows, unit="办公室", unit_code="01", file="a.xlsx"),
        frame("problems", rows[:1], unit="办公室", unit_code="01", file="b.xlsx"),  # same unit, second file
        frame("problems", rows[:1], unit="后勤科", unit_code="", file="c.xlsx"),
    ], ignore_index=True)}
    out = add_computed_columns(tables, AS_OF, [Unit("01", "办公室")], period=PERIOD)["problems"]
    ids = out["id"].tolist()
    assert ids == ["01-2022Q1-P001", "01-2022Q1-P002", "01-2022Q1-P001-2", "后勤科-2022Q1-P001"]
    assert len(set(ids)) == len(ids)


def _task(seq, status, progress, deadline, start=None):
    return {"seq": seq, "list_type": "重点任务", "name": f"任务{seq}", "leader": "王", "unit_in_charge": "党建办",
            "owner": "李", "start_date": start, "deadline": deadline, "progress": progress, "status": status}


def test_task_lights():
    start = date(2022, 4, 1)
    deadline = date(2022, 5, 29)  # 58 days; as_of is day 28 → elapsed share 28/58 = 48.28%
    rows = [
        _task(1, "推进中", 40, date(2022, 4, 28)),  # past deadline: 红
        _task(2, "已完成", 100, date(2022, 4, 1)),  # done: 绿 even though past
        _task(3, "推进中", 48, deadline, start),  # lags 48.28% → 黄
        _task(4, "推进中", 50, deadline, start),  # ahead → 绿
        _task(5, "推进中", 10, date(2022, 12, 31)),  # no start: period start 2022-01-01, share 118/364=32% → 黄
        _task(6, "推进中", 40, date(2022, 12, 31)),  # → 绿
        _task(7, "未启动", 0, date(2022, 6, 30), date(2022, 5, 1)),  # not started yet, share 0 → 绿
        _task(8, "推进中", 90, AS_OF, AS_OF),  # zero span, due today: share 1 → 黄
    ]
    tables = {"tasks": frame("tasks", rows, unit="办公室", unit_code="01", file="t.xlsx")}
    out = add_computed_columns(tables, AS_OF, [Unit("01", "办公室")], period=PERIOD)["tasks"]
    assert out["light"].tolist() == ["红", "绿", "黄", "绿", "黄", "绿", "绿", "黄"]
    assert out["id"].tolist()[0] == "01-2022Q1-T001"
    assert int(out["days_overdue"].iloc[0]) == 1


def test_zero_denominators_and_empty_collection(tmp_path):
    empty = build_result([], units=[Unit("01", "办公室")])
    f = figures_of(empty)
    assert f["problems"]["closure_rate"] is None
    assert f["problems"]["satisfaction_rate"] is None
    assert f["tasks"]["completion_rate"] is None and f["tasks"]["average_progress"] is None
    assert f["units"][0]["closure_rate"] is None and f["totals"]["closure_rate"] is None
    assert [(m["code"], m["name"], m["status"]) for m in f["submission"]["missing"]] == [("01", "办公室", "未报送")]
    assert f["red_list"] == [] and f["achievements"] == []
    merge_result(empty, tmp_path)  # writes without error
    assert json.loads((tmp_path / "汇总数据.json").read_text(encoding="utf-8"))["totals"]["closure_rate"] is None


def test_without_configured_units():
    rng = random.Random(3)
    rows = unit_rows(rng, 4, 3, 2)
    subs = [Submission("某科", "", "survey", "a.xlsx", {"visits": rows["visits"], "problems": rows["problems"]}),
            Submission("某科", "", "tasks", "b.xlsx", {"tasks": rows["tasks"]})]
    f = figures_of(build_result(subs, units=[]))
    sub = f["submission"]
    assert sub["expected"] == 0 and sub["missing"] == [] and sub["units"] == [] and sub["unknown_units"] == []
    assert [u["name"] for u in f["units"]] == ["某科"]
    assert f["units"][0]["visits"] == 4 and f["units"][0]["submitted"] is True
    assert f["red_list"] and all(i["id"].startswith("某科-") for i in f["red_list"])


def test_unit_matched_by_alias_and_code():
    rng = random.Random(5)
    units = [Unit("01", "办公室", ("局办公室",))]
    a = unit_rows(rng, 2, 0, 0)["visits"]
    b = unit_rows(rng, 3, 0, 0)["visits"]
    subs = [Submission("局办公室", "", "survey", "a.xlsx", {"visits": a}),
            Submission("办公室（旧名）", "01", "survey", "b.xlsx", {"visits": b})]
    f = figures_of(build_result(subs, units=units))
    assert [u["name"] for u in f["units"]] == ["办公室"]
    assert f["units"][0]["visits"] == 5
    assert f["submission"]["unknown_units"] == []


def test_task_row_factory_is_valid():
    rng = random.Random(11)
    for i in range(200):
        t = task_row(rng, i + 1)
        assert (t["status"] == "已完成") == (t["progress"] == 100)
        if t["start_date"]:
            assert t["start_date"] <= t["deadline"]


# ---------------------------------------------------------------------------
# End to end: real workbooks → validate_collection → merge
# ---------------------------------------------------------------------------


def test_end_to_end_from_workbooks(tmp_path):
    import os
    import time

    from factories import UNIT_NAMES, write_unit_workbooks
    from toolkit.api import validate_collection

    rng = random.Random(2022)
    inbox = tmp_path / "收集文件"
    units = [Unit(f"{i:02d}", UNIT_NAMES[i - 1]) for i in range(1, 14)]
    accepted = {}
    now = time.time()
    for i, unit in enumerate(units[:12]):
        rows = unit_rows(rng, rng.randint(3, 8), 0 if i == 2 else rng.randint(2, 6), rng.randint(2, 5))
        accepted[unit.name] = {k: list(v) for k, v in rows.items()}
        if i == 3:  # a task row without 任务名称 is rejected
            bad = task_row(rng, len(rows["tasks"]) + 1)
            bad["name"] = None
            rows["tasks"] = rows["tasks"] + [bad]
        write_unit_workbooks(inbox, unit, rows, mtime=now)
        if i == 1:  # an older copy of the survey, sent first
            old = unit_rows(rng, 2, 1, 0)
            write_unit_workbooks(inbox, unit, old, templates=("survey",), subfolder="旧版", mtime=now - 86400)
    (inbox / "损坏的文件.xlsx").write_bytes(b"this is not a workbook")

    result = validate_collection(inbox, period=PERIOD, as_of=AS_OF, units=units)
    outcome = merge_result(result, tmp_path / "汇总输出")
    figures = json.loads(outcome.figures_path.read_text(encoding="utf-8"))

    expected = [expected_unit(u.name, u.code, accepted.get(u.name, {}), u.name in accepted) for u in units]
    for i, (u, e) in enumerate(zip(units, expected)):  # unit 3's task file has a rejected row: it goes back
        e["status"] = "未报送" if u.name not in accepted else "有退回" if i == 3 else "已报送"
    assert [{k: u[k] for k in e} for u, e in zip(figures["units"], expected)] == expected
    sub = figures["submission"]
    assert sub["expected"] == 13 and sub["submitted"] == 12
    assert [(m["code"], m["name"]) for m in sub["missing"]] == [("13", units[12].name)]
    assert [f["unit"] for f in sub["superseded_files"]] == [units[1].name]
    assert sub["superseded_files"][0]["file"].startswith("旧版/")
    assert [(f["unit"], f["errors"]) for f in sub["rejected_files"]] == [(units[3].name, 1)]
    assert [f["file"] for f in sub["unreadable_files"]] == ["损坏的文件.xlsx"]
    assert figures["validation"]["rows_rejected"] == 1
    assert figures["validation"]["rows_accepted"] == sum(len(r) for u in accepted.values() for r in u.values())
    all_problems = [(n, r) for n in accepted for r in accepted[n]["problems"]]
    all_tasks = [(n, r) for n in accepted for r in accepted[n]["tasks"]]
    assert figures["problems"]["overdue"] == sum(1 for _, r in all_problems if problem_overdue(r))
    assert figures["tasks"]["lights"]["红"] == sum(1 for _, r in all_tasks if task_light(r) == "红")
    codes = {u.name: u.code for u in units}
    assert sorted(i["id"] for i in figures["red_list"] if i["kind"] == "问题") == sorted(
        f"{codes[n]}-2022Q1-P{r['seq']:03d}" for n, r in all_problems if problem_overdue(r))
    assert os.path.getsize(outcome.workbook) > 0
    wb = __import__("openpyxl").load_workbook(outcome.workbook, read_only=True)
    assert wb["问题清单"].max_row - 1 == len(all_problems)
