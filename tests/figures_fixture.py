"""A realistic figures dict (content of 汇总数据.json, docs/figures.md) for report tests.

``make_figures()`` builds per-unit statistics from a seeded random generator and
derives every total, rate and distribution from them, so the dict is internally
consistent the way ``toolkit.merge.summarize(...).figures`` is.

Parameters: ``n_units`` (how many units), ``empty`` (nothing submitted: zero
counts, every rate ``None``), ``special`` (names and texts containing ``& < > "``),
``missing`` (how many configured units did not submit), ``seed``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

OBJECT_TYPES = ("企业", "村(社区)", "居民群众", "困难群众", "老党员老干部", "学校", "项目", "基层站所", "两代表一委员", "其他")
VISIT_METHODS = ("入户走访", "实地调研", "座谈交流", "电话回访", "线上联系")
PROBLEM_CATEGORIES = ("基础设施", "公共服务", "营商环境", "民生保障", "城乡环境", "社会治理", "政策咨询", "干部作风", "其他")
PROBLEM_SOURCES = ("大走访", "12345热线", "信访", "督查", "自查")
PROBLEM_STATUSES = ("未交办", "已交办", "办理中", "延期", "长期推进", "已办结", "已销号")
TASK_LIST_TYPES = ("重点任务", "问题整改", "重大改革")
TASK_STATUSES = ("未启动", "推进中", "已完成", "长期推进", "延期")

BASE_UNITS = ["办公室", "党建办", "政策法规科", "群众体育科", "竞技体育科", "青少年体育科", "体育产业科",
              "财务科", "市体育中心", "市体育运动学校", "市全民健身服务中心", "市冰上运动中心"]

TASK_NAMES = ["全民健身中心改造提升工程", "市第五届冰雪运动会筹办", "“火眼”实验室筹建保障", "冰雪进校园活动",
              "体育消费券发放", "社区健身路径更新", "体育场馆免费低收费开放", "青少年体育俱乐部建设",
              "体育产业招商引资", "机关作风专项整治", "体育社会组织规范管理", "智慧场馆建设"]

ACHIEVEMENTS = [("成立疫情防控一线党员先锋队", "支", 6), ("抽调干部职工深入社区一线", "名", 126),
                ("组织学生走进冰雪场", "人次", 17000), ("核销政府消费券", "万元", 50.43),
                ("直接拉动体育消费", "万元", 532.67), ("开展冰雪进校园活动覆盖学校", "所", 40)]


def _rate(num: int, den: int) -> float | None:
    return round(num * 100.0 / den, 1) if den else None


def _unit_entry(code: str, name: str, rng: random.Random, *, submitted: bool, empty: bool) -> dict:
    active = submitted and not empty
    visits = rng.randint(3, 20) if active else 0
    by_type = {t: 0 for t in OBJECT_TYPES}
    for _ in range(visits):
        by_type[rng.choices(OBJECT_TYPES, weights=[8, 6, 5, 3, 2, 2, 2, 2, 1, 1])[0]] += 1
    participants = sum(rng.randint(2, 5) for _ in range(visits))
    found = rng.randint(visits // 2, visits) if visits else 0
    on_spot = rng.randint(0, found // 2) if found else 0
    problems = found if active else 0
    closed = rng.randint(problems // 3, problems) if problems else 0
    rated = rng.randint(0, closed) if closed else 0
    satisfied = rated - (1 if rated > 3 and rng.random() < 0.3 else 0)
    overdue_p = rng.randint(0, max(0, (problems - closed) // 2)) if problems else 0
    tasks = rng.randint(2, 8) if active else 0
    tasks_by_type = {t: 0 for t in TASK_LIST_TYPES}
    for _ in range(tasks):
        tasks_by_type[rng.choices(TASK_LIST_TYPES, weights=[5, 3, 1])[0]] += 1
    completed = rng.randint(0, tasks) if tasks else 0
    by_status = {s: 0 for s in TASK_STATUSES}
    by_status["已完成"] = completed
    for _ in range(tasks - completed):
        by_status[rng.choice(["未启动", "推进中", "推进中", "长期推进", "延期"])] += 1
    progress = round((completed * 100 + (tasks - completed) * rng.uniform(20, 80)) / tasks, 1) if tasks else None
    overdue_t = min(by_status["延期"], tasks - completed)
    return {
        "code": code, "name": name, "submitted": submitted,
        "visits": visits, "participants": participants, "objects": max(0, visits - rng.randint(0, 2)) if visits else 0,
        "objects_by_type": by_type,
        "problems_found": found, "solved_on_spot": on_spot,
        "problems": problems, "problems_closed": closed, "closure_rate": _rate(closed, problems),
        "rated": rated, "satisfied": satisfied, "satisfaction_rate": _rate(satisfied, rated),
        "overdue_problems": overdue_p,
        "tasks": tasks, "tasks_by_type": tasks_by_type, "tasks_by_status": by_status,
        "tasks_completed": completed, "average_progress": progress, "overdue_tasks": overdue_t,
    }


def _split(total: int, names, rng: random.Random, weights=None) -> list[dict]:
    counts = {n: 0 for n in names}
    for _ in range(total):
        counts[rng.choices(list(names), weights=weights)[0]] += 1
    return [{"name": n, "count": c} for n, c in counts.items()]


def make_figures(n_units: int = 12, *, empty: bool = False, special: bool = False, missing: int = 1,
                 seed: int = 7, as_of: str = "2022-04-29") -> dict:
    rng = random.Random(seed)
    names = [BASE_UNITS[i] if i < len(BASE_UNITS) else f"第{i + 1}基层党支部" for i in range(n_units)]
    org = "XX市体育局"
    if special:
        names[0] = '办公室 & <综合> "科"'
        org = 'XX市体育局 & <文旅> "融合"'
    missing = min(missing, n_units)
    missing_idx = set(range(n_units - missing, n_units)) if not empty else set(range(n_units))
    units = [_unit_entry(f"{i + 1:02d}", name, rng, submitted=i not in missing_idx, empty=empty)
             for i, name in enumerate(names)]

    def total(key):
        return sum(u[key] for u in units)

    totals = {k: total(k) for k in ("visits", "participants", "objects", "problems_found", "solved_on_spot", "problems",
                                      "problems_closed", "rated", "satisfied", "overdue_problems", "tasks",
                                      "tasks_completed", "overdue_tasks")}
    totals["objects_by_type"] = {t: sum(u["objects_by_type"][t] for u in units) for t in OBJECT_TYPES}
    totals["tasks_by_type"] = {t: sum(u["tasks_by_type"][t] for u in units) for t in TASK_LIST_TYPES}
    totals["tasks_by_status"] = {t: sum(u["tasks_by_status"][t] for u in units) for t in TASK_STATUSES}
    totals["closure_rate"] = _rate(totals["problems_closed"], totals["problems"])
    totals["satisfaction_rate"] = _rate(totals["satisfied"], totals["rated"])
    weighted = [(u["average_progress"], u["tasks"]) for u in units if u["tasks"]]
    totals["average_progress"] = (round(sum(p * n for p, n in weighted) / totals["tasks"], 1)
                                  if totals["tasks"] else None)
    totals.update({"code": "", "name": "合计", "submitted": True})

    ref = date.fromisoformat(as_of)
    unfinished_key = []
    if not empty:
        for i in range(min(len(TASK_NAMES), max(3, n_units // 2))):
            unit = names[i % max(1, n_units - missing)]
            unfinished_key.append({
                "unit": unit, "name": TASK_NAMES[i], "deadline": (ref + timedelta(days=20 * (i + 1))).isoformat(),
                "progress": float(rng.choice([0, 20, 35, 50, 60, 80])), "status": "推进中",
                "owner": "李明", "leader": "王建国"})
        unfinished_key.sort(key=lambda t: (t["deadline"], t["unit"]))
    achievements = []
    if not empty:
        for j, (desc, unit, value) in enumerate(ACHIEVEMENTS):
            achievements.append({"description": desc, "value": value, "unit": unit,
                                 "units": [names[j % len(names)]], "items": 1})
        if special:
            achievements.append({"description": '开展“体育 & 健康<进社区>”活动', "value": 3, "unit": "场",
                                 "units": [names[0]], "items": 1})
    red_list = []
    for u in units:
        for k in range(u["overdue_problems"]):
            red_list.append({"kind": "问题", "id": f"{u['code']}-{k + 1}", "unit": u["name"],
                             "title": "小区健身器材损坏待修复", "owner": "张强", "leader": "王建国",
                             "deadline": (ref - timedelta(days=5 + 3 * k)).isoformat(), "days_overdue": 5 + 3 * k,
                             "status": "办理中"})
        for k in range(u["overdue_tasks"]):
            red_list.append({"kind": "任务", "id": f"{u['code']}-T{k + 1}", "unit": u["name"],
                             "title": "体育场馆设施维护", "owner": "赵敏", "leader": "刘洋",
                             "deadline": (ref - timedelta(days=2 + k)).isoformat(), "days_overdue": 2 + k,
                             "status": "延期"})
    red_list.sort(key=lambda r: (r["kind"] != "问题", -r["days_overdue"]))

    problems_count = totals["problems"]
    closed = totals["problems_closed"]
    cancelled = closed // 3
    by_status = _split(problems_count - closed, PROBLEM_STATUSES[:5], rng)
    by_status.append({"name": "已办结", "count": closed - cancelled})
    by_status.append({"name": "已销号", "count": cancelled})
    tasks_by_type = []
    for t in TASK_LIST_TYPES:
        n = totals["tasks_by_type"][t]
        tasks_by_type.append({"name": t, "count": n, "completed": min(n, round(totals["tasks_completed"] * n / totals["tasks"])) if totals["tasks"] else 0,
                              "average_progress": totals["average_progress"] if n else None})
    overdue_p, overdue_t = totals["overdue_problems"], totals["overdue_tasks"]
    expected = n_units
    submitted = sum(1 for u in units if u["submitted"])
    figures = {
        "format": "toolkit.figures/1",
        "generated_at": f"{as_of}T10:00:00",
        "org": org,
        "office": "党建办",
        "period": {"code": "2022Q1", "name": "2022年第一季度", "start": "2022-01-01", "end": "2022-03-31"},
        "as_of": as_of,
        "validation": {"files": submitted * 2, "rows_read": totals["visits"] + problems_count + totals["tasks"] + 9,
                       "rows_accepted": totals["visits"] + problems_count + totals["tasks"], "rows_rejected": 5,
                       "rows_skipped": 4, "rows_superseded": 0, "errors": 6, "hints": 3},
        "submission": {
            "expected": expected, "submitted": submitted,
            "missing": [{"code": u["code"], "name": u["name"]} for u in units if not u["submitted"]],
            "units": [{"code": u["code"], "name": u["name"], "status": "已报送" if u["submitted"] else "未报送",
                       "templates": {"survey": "已报送" if u["submitted"] else "未报送",
                                     "tasks": "已报送" if u["submitted"] else "未报送"},
                       "files": [f"{u['name']}-大走访大调研台账-2022年第一季度.xlsx"] if u["submitted"] else []}
                      for u in units],
            "rejected_files": [], "superseded_files": [], "unreadable_files": [], "unknown_units": [],
        },
        "visits": {
            "count": totals["visits"], "participants": totals["participants"], "objects": totals["objects"],
            "problems_found": totals["problems_found"], "solved_on_spot": totals["solved_on_spot"],
            "by_object_type": [{"name": t, "count": totals["objects_by_type"][t]} for t in OBJECT_TYPES],
            "by_method": _split(totals["visits"], VISIT_METHODS, rng, [5, 4, 3, 2, 1]),
        },
        "problems": {
            "count": problems_count, "closed": closed, "closure_rate": totals["closure_rate"],
            "cancelled": cancelled, "rated": totals["rated"], "satisfied": totals["satisfied"],
            "satisfaction_rate": totals["satisfaction_rate"], "overdue": overdue_p,
            "lights": {"红": overdue_p, "黄": min(3, problems_count - closed - overdue_p) if problems_count else 0,
                       "绿": 0},
            "by_category": _split(problems_count, PROBLEM_CATEGORIES, rng, [5, 4, 3, 6, 3, 2, 2, 1, 1]),
            "by_source": _split(problems_count, PROBLEM_SOURCES, rng, [8, 2, 1, 1, 1]),
            "by_status": by_status,
        },
        "tasks": {
            "count": totals["tasks"], "completed": totals["tasks_completed"],
            "completion_rate": _rate(totals["tasks_completed"], totals["tasks"]),
            "average_progress": totals["average_progress"], "overdue": overdue_t,
            "lights": {"红": overdue_t, "黄": 0, "绿": totals["tasks"] - overdue_t},
            "by_type": tasks_by_type,
            "by_status": [{"name": s, "count": totals["tasks_by_status"][s]} for s in TASK_STATUSES],
            "unfinished_key": unfinished_key,
        },
        "achievements": achievements,
        "red_list": red_list,
        "units": units,
        "totals": totals,
    }
    lights = figures["problems"]["lights"]
    lights["绿"] = problems_count - lights["红"] - lights["黄"]
    return figures
