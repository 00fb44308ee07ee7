"""Period over period (issue 13): previous, cumulative, trend, the problems' flow and the tasks' 序时进度
of one, two and three quarters, each figure against a computation of its own from the known contents of
``tests/campaign.py`` (a task whose deadline passes, one listed late, ones without 开始日期, one completed
and then taken up again); a year made of recorded quarters; ``toolkit report --period``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

import campaign as C
from toolkit import api
from toolkit.config import ConfigError

Q1, Q2, Q3 = "2022Q1", "2022Q2", "2022Q3"
NAMES = {Q1: "2022年第一季度", Q2: "2022年第二季度", Q3: "2022年第三季度"}
ORDER = [Q1, Q2, Q3]
CODES = {u.name: u.code for u in C.UNITS}
DONE, AHEAD, ON, BEHIND = "已完成", "超进度", "达进度", "欠进度"

# ---------------------------------------------------------------------------
# The campaign's ledgers as the story of tests/campaign.py tells them
# ---------------------------------------------------------------------------


def _p(unit, ident, status, first=Q1, deadline=date(2022, 5, 30), assigned=date(2022, 3, 2), updated=True):
    return dict(kind="problems", unit=unit, id=f"{CODES[unit]}-{ident}", status=status, first=first,
                deadline=deadline, assigned=assigned, updated=updated)


def _t(unit, ident, status, progress, first=Q1, start=date(2022, 1, 10), deadline=date(2022, 9, 30),
       list_type="重点任务", result=None, updated=True):
    return dict(kind="tasks", unit=unit, id=f"{CODES[unit]}-{ident}", status=status, progress=progress,
                first=first, start=start, deadline=deadline, list_type=list_type, result=result, updated=updated)


def _q1(unit, updated=True):
    return [_p(unit, "2022Q1-P001", "已销号", updated=updated), _p(unit, "2022Q1-P002", "已办结", updated=updated),
            _p(unit, "2022Q1-P003", "办理中", updated=updated), _p(unit, "2022Q1-P004", "已交办", updated=updated),
            _t(unit, "2022Q1-T001", "已完成", 100, result=2, updated=updated),
            _t(unit, "2022Q1-T002", "推进中", 50, updated=updated), _t(unit, "2022Q1-T003", "推进中", 30, updated=updated),
            _t(unit, "2022Q1-T004", "推进中", 20, start=None, deadline=date(2022, 12, 31), list_type="问题整改",
               updated=updated)]


def _open(items, updated):
    """The items still listed after a period, carried unchanged (``updated``: reported again)."""
    final = {"problems": "已销号", "tasks": "已完成"}
    return [dict(i, updated=updated) for i in items if i["status"] != final[i["kind"]]]


OFFICE, PARTY, FINANCE = (u.name for u in C.UNITS)
LEDGER = {Q1: _q1(OFFICE) + _q1(PARTY) + _q1(FINANCE)}
LEDGER[Q2] = [
    _p(OFFICE, "2022Q1-P002", "已销号"), _p(OFFICE, "2022Q1-P003", "已办结"), _p(OFFICE, "2022Q1-P004", "已交办"),
    _p(OFFICE, "2022Q2-P004", "办理中", first=Q2, deadline=date(2022, 8, 31), assigned=date(2022, 5, 1)),
    _t(OFFICE, "2022Q1-T002", "推进中", 80), _t(OFFICE, "2022Q1-T003", "推进中", 40),
    _t(OFFICE, "2022Q1-T004", "推进中", 30, start=None, deadline=date(2022, 12, 31), list_type="问题整改"),
    _t(OFFICE, "2022Q2-T004", "推进中", 60, first=Q2, start=date(2022, 4, 1), deadline=date(2022, 6, 15)),
    _t(OFFICE, "2022Q2-T005", "推进中", 10, first=Q2, start=None, deadline=date(2022, 12, 31)),
    _t(OFFICE, "2022Q1-T001", "推进中", 90),  # completed in Q1, taken up again
] + _open(_q1(PARTY), True) + _open(_q1(FINANCE), False)
_q2_office = {i["id"]: i for i in LEDGER[Q2] if i["unit"] == OFFICE}
LEDGER[Q3] = [
    dict(_q2_office["01-2022Q1-P003"], status="已销号"),
    dict(_q2_office["01-2022Q1-P004"], status="延期", deadline=date(2022, 12, 31)),
    _q2_office["01-2022Q2-P004"],
    dict(_q2_office["01-2022Q1-T002"], status="已完成", progress=100), _q2_office["01-2022Q1-T003"],
    _q2_office["01-2022Q1-T004"],
    dict(_q2_office["01-2022Q2-T004"], status="延期", progress=75, deadline=date(2022, 12, 31)),
    _q2_office["01-2022Q2-T005"], dict(_q2_office["01-2022Q1-T001"], status="已完成", progress=100),
] + _open(_q1(PARTY), False) + _open(_q1(FINANCE), True)
VISITS = {Q1: {OFFICE: (2, 6), PARTY: (2, 6), FINANCE: (2, 6)}, Q2: {OFFICE: (3, 12)}, Q3: {OFFICE: (1, 5)}}


def _pct(numerator, denominator):
    if not denominator:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _mean(values):
    values = list(values)
    if not values:
        return None
    return float((sum(Decimal(repr(float(v))) for v in values) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _share(start, deadline, as_of) -> Fraction:
    span, elapsed = (deadline - start).days, (as_of - start).days
    if span <= 0:
        return Fraction(1 if elapsed >= span else 0)
    return Fraction(min(max(elapsed, 0), span), span)


def _start(item):
    return item["start"] or C.START[item["first"]]


def schedule(item, code) -> float:
    share = _share(_start(item), item["deadline"], C.AS_OF[code])
    return float((Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"),
                                                                                      ROUND_HALF_UP))


def klass(item, code) -> str:
    if item["status"] == "已完成":
        return DONE
    if item["deadline"] < C.AS_OF[code]:
        return BEHIND
    s = schedule(item, code)
    return BEHIND if item["progress"] < s - 5 else AHEAD if item["progress"] > s + 5 else ON


def lights(code) -> dict[str, str]:
    """编号 → 亮灯 at the end of ``code``: the rules, then 红 last period → 黄 for an open item on track now."""
    as_of = C.AS_OF[code]
    before = lights(ORDER[ORDER.index(code) - 1]) if ORDER.index(code) else {}
    out = {}
    for i in LEDGER[code]:
        if i["kind"] == "problems":
            closed = i["status"] in ("已办结", "已销号")
            left = (i["deadline"] - as_of).days
            light = "绿" if closed else "红" if left < 0 else "黄" if left <= 7 else "绿"
        else:
            closed = i["status"] == "已完成"
            share = _share(_start(i), i["deadline"], as_of)
            light = ("绿" if closed else "红" if i["deadline"] < as_of else
                     "黄" if Fraction(i["progress"]) < 100 * share else "绿")
        if light == "绿" and not closed and before.get(i["id"]) == "红":
            light = "黄"
        out[i["id"]] = light
    return out


def kind(code, which):
    return [i for i in LEDGER[code] if i["kind"] == which]


def trend_numbers(code) -> dict:
    p, t, light = kind(code, "problems"), kind(code, "tasks"), lights(code)
    closed = [i for i in p if i["status"] in ("已办结", "已销号")]
    done = [i for i in t if i["status"] == "已完成"]
    classes = [klass(i, code) for i in t]
    return {
        "visits": sum(v[0] for v in VISITS[code].values()), "participants": sum(v[1] for v in VISITS[code].values()),
        "problems": len(p), "problems_new": sum(1 for i in p if i["first"] == code), "problems_closed": len(closed),
        "closure_rate": _pct(len(closed), len(p)), "overdue_problems": sum(1 for i in p if light[i["id"]] == "红"),
        "tasks": len(t), "tasks_completed": len(done), "completion_rate": _pct(len(done), len(t)),
        "average_progress": _mean(i["progress"] for i in t), "overdue_tasks": sum(1 for i in t if light[i["id"]] == "红"),
        "tasks_behind": classes.count(BEHIND), "schedule_reached_rate": _pct(len(t) - classes.count(BEHIND), len(t)),
        "problem_lights": {c: sum(1 for i in p if light[i["id"]] == c) for c in "红黄绿"},
        "task_lights": {c: sum(1 for i in t if light[i["id"]] == c) for c in "红黄绿"},
    }


def _difference(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, float):
        return float((Decimal(repr(a)) - Decimal(repr(b))).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return a - b


def closed_before(code, which):
    """The items whose latest state before ``code`` is final and that are not in its ledger."""
    final = {"problems": "已销号", "tasks": "已完成"}[which]
    latest = {}
    for earlier in ORDER[:ORDER.index(code)]:
        for i in kind(earlier, which):
            latest[i["id"]] = i
    listed = {i["id"] for i in kind(code, which)}
    return [i for i in latest.values() if i["status"] == final and i["id"] not in listed]


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return C.build(tmp_path_factory.mktemp("campaign") / "ws")


@pytest.fixture(scope="module")
def q3(ws):
    return C.merged(ws)[1].figures


@pytest.fixture(scope="module")
def q2(ws):
    return api.period_figures(ws, Q2)


@pytest.fixture(scope="module")
def q1(ws):
    return api.period_figures(ws, Q1)


def _figures(request, code):
    return request.getfixturevalue(code.lower()[-2:])


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_the_ledgers_of_the_story_are_the_merged_ones(ws, q3, q2, q1):
    """The expected ledgers are what the merges made (ids, states, lights), so the figures below rest on
    known contents."""
    from toolkit.history import open_store

    with open_store(ws.store_path, create=False) as store:
        for code in (Q1, Q2):
            for which in ("problems", "tasks"):
                cols = store.columns(which, code, names=["id", "status", "light", "updated"])
                got = list(zip(cols["id"], cols["status"], cols["light"], cols["updated"]))
                light = lights(code)
                assert got == [(i["id"], i["status"], light[i["id"]], int(i["updated"])) for i in kind(code, which)]
    assert q3["problems"]["lights"] == trend_numbers(Q3)["problem_lights"]
    assert q3["tasks"]["lights"] == trend_numbers(Q3)["task_lights"]


@pytest.mark.parametrize("code", [Q1, Q2, Q3])
def test_trend_has_one_entry_per_period_with_its_headline_numbers(request, code):
    figures = _figures(request, code)
    upto = ORDER[:ORDER.index(code) + 1]
    running = 0
    expected = []
    for c in upto:
        numbers = trend_numbers(c)
        running += numbers["visits"]
        expected.append({"period": c, "name": NAMES[c], "current": c == code, **numbers, "visits_cumulative": running})
    got = [{k: e[k] for k in ("period", "name", "current", *trend_numbers(Q1), "visits_cumulative")}
           for e in figures["trend"]]
    assert got == expected


def test_one_period_compares_with_nothing(q1):
    assert q1["previous"] is None
    assert all(u["previous"] is None for u in q1["units"]) and q1["totals"]["previous"] is None
    assert q1["cumulative"]["periods"] == 1 and q1["cumulative"]["first_period"] == {"code": Q1, "name": NAMES[Q1]}
    assert q1["problems"]["carried"] == 0 and q1["problems"]["new"] == 12


@pytest.mark.parametrize("code", [Q2, Q3])
def test_previous_is_the_previous_periods_headline_and_the_change(request, code):
    figures = _figures(request, code)
    before = ORDER[ORDER.index(code) - 1]
    prev = figures["previous"]
    assert prev["period"] == {"code": before, "name": NAMES[before], "start": C.START[before].isoformat(),
                              "end": {Q1: "2022-03-31", Q2: "2022-06-30"}[before]}
    assert prev["as_of"] == C.AS_OF[before].isoformat() and prev["adjacent"] is True
    then, now = trend_numbers(before), trend_numbers(code)
    assert prev["visits"]["count"] == then["visits"] and prev["visits"]["participants"] == then["participants"]
    assert prev["problems"]["count"] == then["problems"] and prev["problems"]["closed"] == then["problems_closed"]
    assert prev["problems"]["closure_rate"] == then["closure_rate"]
    assert prev["tasks"]["completed"] == then["tasks_completed"]
    assert prev["tasks"]["average_progress"] == then["average_progress"]
    assert prev["tasks"]["schedule"]["counts"][BEHIND] == then["tasks_behind"]
    assert prev["change"] == {k: _difference(now[k], then[k]) for k in prev["change"]}
    assert set(prev["change"]) >= {"visits", "participants", "closure_rate", "average_progress", "tasks_behind"}
    # per unit: the unit's previous numbers and the change
    for u in figures["units"]:
        mine = [i for i in LEDGER[before] if i["unit"] == u["name"]]
        problems = [i for i in mine if i["kind"] == "problems"]
        closed = sum(1 for i in problems if i["status"] in ("已办结", "已销号"))
        visits = VISITS[before].get(u["name"], (0, 0))
        assert u["previous"]["visits"] == visits[0] and u["previous"]["participants"] == visits[1]
        assert u["previous"]["problems"] == len(problems) and u["previous"]["closure_rate"] == _pct(closed, len(problems))
        assert u["previous"]["change"]["visits"] == VISITS[code].get(u["name"], (0, 0))[0] - visits[0]
        assert u["previous"]["change"]["closure_rate"] == _difference(u["closure_rate"], _pct(closed, len(problems)))


def test_change_of_a_rate_is_in_points_and_none_when_one_side_is_missing(q3):
    from toolkit.merge.periods import change

    assert change({"closure_rate": 66.7, "visits": 3}, {"closure_rate": 33.3, "visits": 5},
                  ("closure_rate", "visits")) == {"closure_rate": 33.4, "visits": -2}
    assert change({"closure_rate": None, "visits": 3}, {"closure_rate": 10.0}, ("closure_rate", "visits")) == \
        {"closure_rate": None, "visits": None}


@pytest.mark.parametrize("code", [Q1, Q2, Q3])
def test_cumulative_counts_visits_over_periods_and_each_item_once_at_its_latest_state(request, code):
    figures = _figures(request, code)
    upto = ORDER[:ORDER.index(code) + 1]
    cum = figures["cumulative"]
    assert cum["first_period"] == {"code": Q1, "name": NAMES[Q1]} and cum["periods"] == len(upto)
    assert cum["visits"]["count"] == sum(sum(v[0] for v in VISITS[c].values()) for c in upto)
    assert cum["visits"]["participants"] == sum(sum(v[1] for v in VISITS[c].values()) for c in upto)
    latest = {}
    for c in upto:
        for i in LEDGER[c]:
            latest[(i["kind"], i["id"])] = i
    problems = [i for (k, _), i in latest.items() if k == "problems"]
    tasks = [i for (k, _), i in latest.items() if k == "tasks"]
    closed = sum(1 for i in problems if i["status"] in ("已办结", "已销号"))
    done = sum(1 for i in tasks if i["status"] == "已完成")
    light = lights(code)
    assert cum["problems"] == {
        "count": len(problems), "closed": closed, "cancelled": sum(1 for i in problems if i["status"] == "已销号"),
        "open": len(problems) - closed, "overdue": sum(1 for i in kind(code, "problems") if light[i["id"]] == "红"),
        "closure_rate": _pct(closed, len(problems))}
    assert cum["tasks"] == {
        "count": len(tasks), "completed": done, "open": len(tasks) - done,
        "overdue": sum(1 for i in kind(code, "tasks") if light[i["id"]] == "红"), "completion_rate": _pct(done, len(tasks))}
    with_result = [i for i in tasks if i["result"]]
    assert cum["achievements"] == ([{"description": "成立党员先锋队", "value": sum(i["result"] for i in with_result),
                                     "unit": "支", "units": [i["unit"] for i in with_result], "items": len(with_result)}]
                                   if with_result else [])
    for u in figures["units"]:
        mine_p = [i for i in problems if i["unit"] == u["name"]]
        mine_t = [i for i in tasks if i["unit"] == u["name"]]
        c = sum(1 for i in mine_p if i["status"] in ("已办结", "已销号"))
        assert u["cumulative"] == {
            "visits": sum(VISITS[k].get(u["name"], (0, 0))[0] for k in upto),
            "participants": sum(VISITS[k].get(u["name"], (0, 0))[1] for k in upto),
            "problems": len(mine_p), "problems_closed": c, "closure_rate": _pct(c, len(mine_p)),
            "tasks": len(mine_t), "tasks_completed": sum(1 for i in mine_t if i["status"] == "已完成"),
            "completion_rate": _pct(sum(1 for i in mine_t if i["status"] == "已完成"), len(mine_t))}


@pytest.mark.parametrize("code", [Q1, Q2, Q3])
def test_problems_carried_new_closed_and_still_open(request, code):
    figures = _figures(request, code)
    p = figures["problems"]
    index = ORDER.index(code)
    start = {i["id"]: i["status"] for i in kind(ORDER[index - 1], "problems")} if index else {}
    rows = kind(code, "problems")
    carried = [i for i in rows if i["id"] in start and start[i["id"]] != "已销号"]
    new = [i for i in rows if i["first"] == code]
    closed = ("已办结", "已销号")
    flow = p["flow"]
    assert p["carried"] == len(carried) and p["new"] == len(new)
    assert flow["carried"] == {
        "count": len(carried),
        "updated": sum(1 for i in carried if i["updated"]),
        "stale": sum(1 for i in carried if not i["updated"]),
        "closed": sum(1 for i in carried if i["status"] in closed),
        "closed_this_period": sum(1 for i in carried if i["status"] in closed and start[i["id"]] not in closed),
        "cancelled": sum(1 for i in carried if i["status"] == "已销号"),
        "awaiting": sum(1 for i in carried if i["status"] == "已办结"),
        "open": sum(1 for i in carried if i["status"] not in closed),
        "reopened": sum(1 for i in carried if i["status"] not in closed and start[i["id"]] in closed),
        "by_first_period": [{"period": c, "name": NAMES[c], "count": sum(1 for i in carried if i["first"] == c)}
                            for c in ORDER if any(i["first"] == c for i in carried)],
    }
    from toolkit.schema import PROBLEM_SOURCES

    sources = {d["name"]: d["count"] for d in flow["new"]["by_source"]}  # every campaign problem is 自查
    assert sources == {name: len(new) if name == "自查" else 0 for name in PROBLEM_SOURCES}
    assert {k: v for k, v in flow["new"].items() if k != "by_source"} == {
        "count": len(new), "closed": sum(1 for i in new if i["status"] in closed),
                        "cancelled": sum(1 for i in new if i["status"] == "已销号"),
                        "open": sum(1 for i in new if i["status"] not in closed)}
    assert p["closed_this_period"] == sum(1 for i in rows if i["status"] in closed and start.get(i["id"]) not in closed)
    assert p["cancelled_this_period"] == sum(1 for i in rows if i["status"] == "已销号" and start.get(i["id"]) != "已销号")
    still = [i for i in carried if i["status"] not in closed]
    days = [(C.AS_OF[code] - i["assigned"]).days for i in still]
    assert p["still_open"] == sum(1 for i in rows if i["status"] not in closed)
    assert flow["still_open"] == {
        "count": p["still_open"], "carried": len(still),
        "new": sum(1 for i in new if i["status"] not in closed),
        "by_first_period": [{"period": c, "name": NAMES[c], "count": sum(1 for i in still if i["first"] == c)}
                            for c in ORDER if any(i["first"] == c for i in still)],
        "periods_max": max((index - ORDER.index(i["first"]) + 1 for i in still), default=None),
        "days_max": max(days, default=None), "days_average": _mean(days)}
    # the lead's sentence: 上期结转的X个问题，本期办结Y个、销号Z个，仍有W个在办
    c = flow["carried"]
    assert c["count"] == c["closed"] + c["open"] == c["cancelled"] + c["awaiting"] + c["open"]
    if code == Q3:
        assert (p["carried"], c["closed_this_period"], c["cancelled"], c["open"]) == (9, 0, 1, 6)
        assert flow["still_open"]["periods_max"] == 3 and flow["still_open"]["days_max"] == 222
    per_unit = {u["name"]: u for u in figures["units"]}
    for unit in (OFFICE, PARTY, FINANCE):
        mine = [i for i in rows if i["unit"] == unit]
        assert per_unit[unit]["problems_carried"] == sum(1 for i in carried if i["unit"] == unit)
        assert per_unit[unit]["problems_new"] == sum(1 for i in new if i["unit"] == unit)
        assert per_unit[unit]["problems_still_open"] == sum(1 for i in mine if i["status"] not in closed)
        assert per_unit[unit]["problems_closed_this_period"] == sum(
            1 for i in mine if i["status"] in closed and start.get(i["id"]) not in closed)


@pytest.mark.parametrize("code", [Q1, Q2, Q3])
def test_tasks_schedule_puts_every_task_in_one_class(request, code):
    figures = _figures(request, code)
    t = figures["tasks"]
    rows = kind(code, "tasks")
    classes = {i["id"]: klass(i, code) for i in rows}
    counts = {c: list(classes.values()).count(c) for c in (DONE, AHEAD, ON, BEHIND)}
    s = t["schedule"]
    assert s["tolerance"] == 5.0 and s["count"] == len(rows) == sum(s["counts"].values())
    assert s["counts"] == counts
    assert s["rates"] == {c: _pct(n, len(rows)) for c, n in counts.items()}
    assert s["reached"] == len(rows) - counts[BEHIND] and s["reached_rate"] == _pct(s["reached"], len(rows))
    for entry in s["by_type"]:
        mine = [classes[i["id"]] for i in rows if i["list_type"] == entry["name"]]
        assert entry["counts"] == {c: mine.count(c) for c in (DONE, AHEAD, ON, BEHIND)}
        assert entry["reached_rate"] == _pct(len(mine) - mine.count(BEHIND), len(mine))
    for u in figures["units"]:
        mine = [classes[i["id"]] for i in rows if i["unit"] == u["name"]]
        assert u["tasks_by_schedule"] == {c: mine.count(c) for c in (DONE, AHEAD, ON, BEHIND)}
        assert u["schedule_reached_rate"] == _pct(len(mine) - mine.count(BEHIND), len(mine))
    assert figures["totals"]["tasks_by_schedule"] == counts
    order = {u.name: n for n, u in enumerate(C.UNITS)}
    key = sorted((i for i in rows if i["list_type"] == "重点任务" and classes[i["id"]] == BEHIND),
                 key=lambda i: (i["deadline"], order[i["unit"]]))
    light = lights(code)
    assert [(k["id"], k["unit"], k["deadline"], k["progress"], k["schedule"], k["overdue"]) for k in t["behind_key"]] == \
        [(i["id"], i["unit"], i["deadline"].isoformat(), float(i["progress"]), schedule(i, code),
          light[i["id"]] == "红") for i in key]
    behind_units = [u for u in C.UNITS if any(classes[i["id"]] == BEHIND for i in rows if i["unit"] == u.name)]
    assert [(b["name"], b["count"]) for b in t["behind_units"]] == [
        (u.name, sum(1 for i in rows if i["unit"] == u.name and classes[i["id"]] == BEHIND)) for u in behind_units]


def test_the_edge_cases_of_the_schedule(q3, q2):
    """A task whose deadline passed, one listed late without 开始日期, one carried without 开始日期 (planned
    from its first period), one completed and taken up again."""
    def task_of(figures_rows, ident):
        return next(r for r in figures_rows if r["id"] == ident)

    assert klass(task_of(LEDGER[Q2], "01-2022Q2-T004"), Q2) == BEHIND  # 60%, deadline 06-15 < as_of 07-10
    late = task_of(LEDGER[Q3], "01-2022Q2-T005")  # listed in Q2 without 开始日期: from 2022-04-01
    assert schedule(late, Q3) == 70.1 and klass(late, Q3) == BEHIND
    carried = task_of(LEDGER[Q3], "01-2022Q1-T004")  # carried without 开始日期: from 2022-01-01, not 2022-07-01
    assert schedule(carried, Q3) == 77.5
    keys = [k["id"] for k in q3["tasks"]["behind_key"]]
    assert "01-2022Q2-T005" in keys and "01-2022Q1-T004" not in keys  # 问题整改 is not a 重点任务
    assert q2["tasks"]["reopened"] == 1 and q2["tasks"]["carried"] == 9 and q2["tasks"]["new"] == 2
    assert q3["tasks"]["completed_this_period"] == 2 and q3["tasks"]["reopened"] == 0


def test_a_red_item_that_caught_up_shows_yellow_for_one_period(q3, ws):
    """01-2022Q1-P004 and 01-2022Q2-T004 were 红 in Q2 and are on track in Q3 (延期, new deadline): 黄."""
    import openpyxl

    assert lights(Q2)["01-2022Q1-P004"] == "红" and lights(Q2)["01-2022Q2-T004"] == "红"
    book = openpyxl.load_workbook(ws.output_dir / "汇总表.xlsx", read_only=True)
    for sheet, ident in (("问题清单", "01-2022Q1-P004"), ("任务清单", "01-2022Q2-T004")):
        rows = list(book[sheet].iter_rows(values_only=True))
        header = rows[0]
        row = next(r for r in rows[1:] if r[header.index("编号")] == ident)
        assert row[header.index("亮灯")] == "黄"


def test_the_rule_is_for_one_period_and_not_for_closed_items():
    import pandas as pd

    from toolkit.merge import add_computed_columns
    from toolkit.model import History, Period, Unit
    from toolkit.validate import accepted_table

    period = Period(Q3, NAMES[Q3], date(2022, 7, 1), date(2022, 9, 30))
    rows = [dict(seq=n, source="自查", description="d", category="其他", leader="王", lead_unit="X", owner="李",
                 assigned_date=date(2022, 7, 1), deadline=date(2022, 12, 31), status=s, id=f"01-P{n}",
                 closed_date=date(2022, 8, 1) if s == "已办结" else None, result="r" if s == "已办结" else None)
            for n, s in ((1, "办理中"), (2, "办理中"), (3, "已办结"))]
    tables = {"problems": accepted_table("problems", rows, unit="办公室", unit_code="01")}
    history = History(states={"problems": {Q2: {"id": ["01-P1", "01-P2", "01-P3"], "status": ["办理中"] * 3,
                                                "light": ["红", "黄", "红"]}}}, lights_code=Q2)
    out = add_computed_columns(tables, date(2022, 10, 10), [Unit("01", "办公室")], period=period, history=history)
    assert out["problems"]["light"].tolist() == ["黄", "绿", "绿"]  # was 红 → 黄; was 黄 → 绿; closed → 绿
    plain = add_computed_columns(tables, date(2022, 10, 10), [Unit("01", "办公室")], period=period)
    assert plain["problems"]["light"].tolist() == ["绿", "绿", "绿"]
    assert isinstance(out["problems"], pd.DataFrame)


def test_a_year_made_of_recorded_quarters(ws):
    """2022H1 (never merged as such) from the store: visits summed, each item once at its latest state
    within the half-year, the trend over its quarters; the report is written from it."""
    h1 = api.period_figures(ws, "2022H1")
    assert h1["period"] == {"code": "2022H1", "name": "2022年上半年", "start": "2022-01-01", "end": "2022-06-30"}
    assert h1["as_of"] == C.AS_OF[Q2].isoformat()
    assert [p["code"] for p in h1["parts"]] == [Q1, Q2]
    assert h1["visits"]["count"] == 9 and h1["visits"]["participants"] == 30
    latest = {}
    for c in (Q1, Q2):
        for i in LEDGER[c]:
            latest[(i["kind"], i["id"])] = i
    problems = [i for (k, _), i in latest.items() if k == "problems"]
    tasks = [i for (k, _), i in latest.items() if k == "tasks"]
    closed = sum(1 for i in problems if i["status"] in ("已办结", "已销号"))
    assert h1["problems"]["count"] == len(problems) == 13 and h1["problems"]["closed"] == closed
    assert h1["problems"]["new"] == 13 and h1["problems"]["carried"] == 0
    assert h1["tasks"]["count"] == len(tasks) and h1["tasks"]["completed"] == sum(1 for i in tasks if i["status"] == "已完成")
    assert [e["period"] for e in h1["trend"]] == [Q1, Q2]
    assert [e["visits"] for e in h1["trend"]] == [6, 3] and h1["trend"][-1]["visits_cumulative"] == 9
    assert h1["previous"] is None  # 2021H2 was not recorded
    assert h1["cumulative"]["visits"]["count"] == 9 and h1["cumulative"]["periods"] == 2
    assert h1["validation"]["files"] == 6 + 4  # the parts' files
    units = {u["name"]: u for u in h1["submission"]["units"]}
    assert units[OFFICE]["status"] == "已报送" and units[FINANCE]["status"] == "部分报送"
    assert {u["name"]: u["status"] for u in h1["units"]}[FINANCE] == "部分报送"
    whole = api.period_figures(ws, "2022")  # the year so far: the same two quarters
    assert whole["visits"]["count"] == 9 and [p["code"] for p in whole["parts"]] == [Q1, Q2]
    assert api.period_figures(ws, Q3) is None  # the current period: its own 汇总数据.json
    with pytest.raises(ConfigError) as err:
        api.period_figures(ws, "2021")
    assert "没有记录" in str(err.value)


def test_the_second_half_compares_with_the_first(tmp_path):
    """A half-year made of recorded quarters compares with the half-year before it (made of its quarters)."""
    import shutil

    from toolkit.config import load_workspace

    source = C.build(tmp_path / "src")
    ws = load_workspace(source.root)
    assert api.next_period(ws).changed  # records 2022Q3
    h2 = api.period_figures(load_workspace(ws.root), "2022H2")
    assert [p["code"] for p in h2["parts"]] == [Q3]
    assert h2["previous"]["period"]["code"] == "2022H1" and h2["previous"]["visits"]["count"] == 9
    assert h2["previous"]["change"]["visits"] == 1 - 9
    shutil.rmtree(tmp_path / "src")


def test_report_period_writes_the_year_summary(ws):
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", "report", "--period", "2022H1"], cwd=ws.root, env=env,
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    docx = ws.root / "2022年上半年" / "汇总输出" / "2022年上半年情况汇报.docx"
    assert docx.is_file() and str(docx.name) in out.stdout.replace("\n", "")
    with zipfile.ZipFile(docx) as z:
        assert "2022年上半年" in z.read("word/document.xml").decode("utf-8")
    refused = subprocess.run([sys.executable, "-m", "toolkit", "report", "--period", "2021"], cwd=ws.root, env=env,
                             capture_output=True, text=True, encoding="utf-8")
    assert refused.returncode != 0 and "没有记录" in refused.stderr + refused.stdout
    assert json.loads(json.dumps(api.period_figures(ws, "2022H1")))  # plain JSON
