"""Realistic, valid sample rows for the demo, the tests and the benchmark.

``generate_unit_rows`` returns, for one unit, rows keyed by schema column key
that pass every rule of ``toolkit.schema`` for the given period and reference
date. The generator is deterministic for a given ``random.Random`` seed, so
tests can compute expected statistics independently from the same rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .model import Period, Unit
from .schema import CLOSED_STATUSES, OBJECT_TYPES, PROBLEM_CATEGORIES

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("建国", "志强", "海涛", "丽娟", "晓明", "文静", "国华", "永红", "春燕", "立新", "振华", "秀英",
         "宏伟", "明亮", "雪梅", "德胜", "玉兰", "红军", "桂芳", "鹏飞", "晓燕", "俊杰", "海燕", "长青")

DISTRICTS = ("芝罘区", "莱山区", "福山区", "牟平区", "开发区", "高新区")
STREETS = ("向阳街道", "东山街道", "滨海路街道", "黄务街道", "初家街道", "清泉街道", "大海阳街道", "幸福街道")
COMMUNITIES = ("海韵社区", "南山社区", "滨海社区", "青年路社区", "幸福里社区", "金沙滩村", "东泊子村", "果园村")

OBJECTS: dict[str, tuple[str, ...]] = {
    "企业": ("{d}恒信体育用品有限公司", "{d}冰雪运动发展有限公司", "{d}鑫源健身器材厂", "{d}海岸滑雪场",
             "{d}动力健身俱乐部", "{d}蓝海体育文化传媒公司", "{d}滨海游泳馆"),
    "村(社区)": ("{s}{c}",),
    "居民群众": ("{c}居民{n}", "{c}健身群众{n}"),
    "困难群众": ("{c}困难户{n}", "{c}低保户{n}"),
    "老党员老干部": ("{c}老党员{n}", "退休老干部{n}"),
    "学校": ("{d}实验小学", "{d}第二中学", "{d}体育运动学校", "{d}育才小学", "{d}外国语学校"),
    "项目": ("全民健身中心改造项目", "{d}体育公园建设项目", "冰上运动中心维修项目", "社区健身路径更新项目"),
    "基层站所": ("{s}文体站", "{s}综合文化站", "{d}社会体育指导站"),
    "两代表一委员": ("市人大代表{n}", "市政协委员{n}", "党代表{n}"),
    "其他": ("{d}老年体协", "市足球协会", "{d}登山协会"),
}

CONTENTS: dict[str, tuple[str, ...]] = {
    "企业": ("了解企业复工复产和经营困难，宣讲助企纾困政策", "听取企业对场馆开放和赛事审批的意见建议",
             "调研冰雪消费券核销情况，协调解决结算问题", "走访了解企业用工和疫情防控落实情况"),
    "村(社区)": ("调研社区健身设施使用和维护情况", "了解群众对全民健身活动的需求", "检查社区疫情防控志愿服务开展情况"),
    "居民群众": ("入户听取群众对健身场地开放时间的意见", "了解群众健身需求，宣传科学健身知识"),
    "困难群众": ("走访慰问困难群众，了解生活和就医困难", "送去慰问品，了解冬季取暖情况"),
    "老党员老干部": ("走访慰问老党员，听取对机关作风建设的意见", "征求老干部对体育工作的意见建议"),
    "学校": ("调研冰雪进校园活动开展情况", "了解学校体育场地对外开放情况", "座谈青少年体育训练和课后服务"),
    "项目": ("现场调度项目建设进度，协调解决施工难题", "查看项目安全生产和质量管理情况"),
    "基层站所": ("了解基层文体站人员和经费保障情况", "调研社会体育指导员队伍建设"),
    "两代表一委员": ("听取代表委员对体育事业发展的意见建议", "通报建议提案办理进展"),
    "其他": ("了解协会换届和活动组织情况", "座谈群众性体育赛事组织"),
}

PROBLEMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # category -> (description, measures, result)
    "基础设施": (("小区健身路径器材老化损坏，存在安全隐患", "协调街道更换损坏器材", "更换健身器材{k}件"),
                 ("体育公园照明不足，夜间健身不便", "协调供电部门增设照明", "新增路灯{k}盏")),
    "公共服务": (("学校体育场地周末对外开放时间短", "与教育部门协商延长开放时间", "开放时间延长至每日20时"),
                 ("社区缺少社会体育指导员", "组织指导员下沉社区服务", "选派指导员{k}名定点服务")),
    "营商环境": (("冰雪消费券核销资金拨付较慢", "协调财政加快结算", "资金已全部拨付到位"),
                 ("赛事活动审批环节多、时间长", "梳理审批流程，推行一次办好", "审批时限压缩至5个工作日")),
    "民生保障": (("困难群众冬季取暖存在困难", "协调民政部门给予临时救助", "发放取暖补贴并送去棉被"),
                 ("老年人健身场所缺少防滑设施", "铺设防滑地垫", "完成防滑改造{k}处")),
    "城乡环境": (("场馆周边停车秩序混乱", "协调交警部门规划停车位", "施划停车位{k}个"),
                 ("健身广场周边垃圾清运不及时", "协调环卫部门增加清运频次", "清运频次增加至每日两次")),
    "社会治理": (("广场舞噪音扰民引发邻里矛盾", "组织协商制定活动公约", "签订文明健身公约，矛盾化解"),),
    "政策咨询": (("群众咨询全民健身补贴申领办法", "现场解答并发放政策明白纸", "已当面解答"),
                 ("企业咨询体育产业扶持政策", "送政策上门并辅导申报", "指导企业完成申报")),
    "干部作风": (("群众反映窗口办事等候时间长", "优化窗口排班，推行预约服务", "平均等候时间缩短一半"),),
    "其他": (("群众建议增加冰雪运动培训班次", "协调冰上运动中心增开公益培训", "增开公益培训班{k}期"),),
}

TASKS: dict[str, tuple[tuple[str, str, str | None, tuple[float, float] | None, str | None], ...]] = {
    # list type -> (name, measures, result_text, (min, max) value, result unit)
    "重点任务": (
        ("组建疫情防控一线党员先锋队", "抽调党员干部下沉社区", "成立疫情防控一线党员先锋队", (1, 3), "支"),
        ("抽调干部职工支援社区疫情防控", "分批次轮换下沉", "抽调干部职工下沉社区", (8, 30), "名"),
        ("推进冰雪进校园活动", "组织学生走进冰雪场馆体验", "引导学生走进冰雪场馆", (500, 3000), "人次"),
        ("开展冰雪运动进校园", "与学校签订合作协议", "冰雪进校园覆盖学校", (2, 8), "所"),
        ("组织冰雪惠民消费券发放", "组织雪场和赛事公司参与", "直接拉动体育消费", (20.0, 160.0), "万元"),
        ("举办市全民健身运动会", "分项目组织群众性赛事", "举办群众性赛事活动", (2, 6), "场"),
        ("推进全民健身中心改造", "完成设计和施工招标", None, None, None),
    ),
    "问题整改": (
        ("整改场馆安全隐患", "开展安全隐患排查整治", "整改安全隐患", (2, 12), "处"),
        ("整改窗口服务效率不高问题", "推行预约和延时服务", None, None, None),
        ("整改健身器材维护不及时问题", "建立巡检台账", "维修更换健身器材", (5, 40), "件"),
    ),
    "重大改革": (
        ("推进体育赛事审批“一次办好”改革", "梳理审批事项清单", "精简审批材料", (2, 8), "项"),
        ("推进公共体育场馆免费低收费开放改革", "制定开放补助办法", None, None, None),
    ),
}


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _object_name(rng: random.Random, kind: str) -> str:
    pattern = rng.choice(OBJECTS[kind])
    return pattern.format(d=rng.choice(DISTRICTS), s=rng.choice(STREETS), c=rng.choice(COMMUNITIES),
                          n=rng.choice(SURNAMES) + "某")


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    return "0535-" + "".join(rng.choice("0123456789") for _ in range(7))


def generate_unit_rows(
    unit: Unit,
    period: Period,
    as_of: date,
    rng: random.Random,
    *,
    visits: int = 10,
    tasks: int = 5,
    extra_problems: int = 2,
) -> dict[str, list[dict]]:
    """Valid rows for one unit: ``{"visits": [...], "problems": [...], "tasks": [...]}``.

    Every visit's 发现问题数 equals the number of 问题清单 rows it produced
    (来源 = 大走访), plus ``extra_problems`` problems from other sources.
    """
    latest = min(period.end, as_of)
    leaders = [person(rng) for _ in range(3)]
    staff = [person(rng) for _ in range(8)]
    visit_rows: list[dict] = []
    problem_rows: list[dict] = []

    def add_problem(source: str, visit_seq: int | None, found: date, reporter: str) -> None:
        category = rng.choice(PROBLEM_CATEGORIES)
        desc, measures, result = rng.choice(PROBLEMS[category])
        k = rng.randint(2, 20)
        assigned = min(found + timedelta(days=rng.randint(0, 3)), latest)
        deadline = assigned + timedelta(days=rng.choice((15, 21, 30)))
        roll = rng.random()
        if roll < 0.45:
            status = "已销号"
        elif roll < 0.72:
            status = "已办结"
        elif roll < 0.88:
            status = "办理中"
        elif roll < 0.94:
            status = "长期推进"
        else:
            status = "已交办"
        closed = revisit = satisfaction = res = None
        if status in CLOSED_STATUSES:
            closed = min(assigned + timedelta(days=rng.randint(2, 25)), as_of)
            res = result.format(k=k)
            if status == "已销号":
                revisit = min(closed + timedelta(days=rng.randint(1, 10)), as_of)
                satisfaction = "满意" if rng.random() < 0.8 else "基本满意"
        problem_rows.append({
            "seq": len(problem_rows) + 1,
            "visit_seq": visit_seq,
            "source": source,
            "reporter": reporter,
            "description": desc,
            "category": category,
            "demand_type": rng.choice(("求决", "建议", "咨询", "求助", "投诉")),
            "leader": rng.choice(leaders),
            "lead_unit": unit.name,
            "owner": rng.choice(staff),
            "assigned_date": assigned,
            "deadline": deadline,
            "measures": measures,
            "status": status,
            "closed_date": closed,
            "result": res,
            "revisit_date": revisit,
            "satisfaction": satisfaction,
            "remark": None,
        })

    for i in range(1, visits + 1):
        kind = rng.choices(OBJECT_TYPES, weights=(6, 5, 4, 2, 2, 3, 2, 2, 1, 1))[0]
        when = _rand_date(rng, period.start, latest)
        team = rng.sample(staff, rng.randint(1, 3))
        found = rng.choices((0, 1, 2, 3), weights=(3, 4, 2, 1))[0]
        solved = rng.randint(0, found)
        name = _object_name(rng, kind)
        visit_rows.append({
            "seq": i,
            "visit_date": when,
            "leader": rng.choice(leaders),
            "visitors": "、".join(team),
            "participants": len(team) + 1,
            "method": rng.choices(("入户走访", "实地调研", "座谈交流", "电话回访", "线上联系"),
                                  weights=(5, 4, 3, 1, 1))[0],
            "object_type": kind,
            "object_name": name,
            "area": f"{rng.choice(DISTRICTS)}/{rng.choice(STREETS)}",
            "contact": rng.choice(SURNAMES) + rng.choice(("经理", "主任", "书记", "校长", "先生", "女士")),
            "phone": _phone(rng),
            "content": rng.choice(CONTENTS[kind]),
            "problems_found": found,
            "solved_on_spot": solved,
            "remark": None,
        })
        for _ in range(found):
            add_problem("大走访", i, when, name)
    for _ in range(extra_problems):
        source = rng.choice(("12345热线", "信访", "督查", "自查"))
        add_problem(source, None, _rand_date(rng, period.start, latest), "匿名群众" if rng.random() < 0.5 else None)

    task_rows: list[dict] = []
    for i in range(1, tasks + 1):
        list_type = rng.choices(("重点任务", "问题整改", "重大改革"), weights=(5, 3, 2))[0]
        name, measures, result_text, bounds, result_unit = rng.choice(TASKS[list_type])
        start = _rand_date(rng, period.start - timedelta(days=30), period.start + timedelta(days=20))
        deadline = _rand_date(rng, period.end - timedelta(days=20), period.end + timedelta(days=180))
        status = rng.choices(("已完成", "推进中", "长期推进", "延期", "未启动"), weights=(4, 5, 1, 1, 1))[0]
        progress = {"已完成": 100, "未启动": 0}.get(status, rng.choice((30, 40, 50, 60, 70, 80, 90)))
        value = None
        if result_text and bounds and status != "未启动":
            if result_unit == "万元":
                value = round(rng.uniform(*bounds), 2)
            else:
                value = rng.randint(int(bounds[0]), int(bounds[1]))
        task_rows.append({
            "seq": i,
            "list_type": list_type,
            "name": name,
            "goal": f"按期完成{name}",
            "measures": measures,
            "leader": rng.choice(leaders),
            "unit_in_charge": unit.name,
            "owner": rng.choice(staff),
            "start_date": start,
            "deadline": deadline,
            "progress": progress,
            "status": status,
            "progress_note": "按计划推进" if status != "已完成" else "已全部完成",
            "result_text": result_text if value is not None else None,
            "result_value": value,
            "result_unit": result_unit if value is not None else None,
            "evidence": "工作台账及照片" if value is not None else None,
            "remark": None,
        })
    return {"visits": visit_rows, "problems": problem_rows, "tasks": task_rows}
