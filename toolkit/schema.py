"""The declarative schema: one declaration per template sheet.

This module is the single source of truth for the standardized workbooks. The
template builder (``toolkit.templates``), the 填表说明 sheet, the reader
(``toolkit.read``), the validator (``toolkit.validate``), the merger
(``toolkit.merge``) and the documentation all derive from the objects below;
none of them may hard-code a column header, a list of allowed values or a rule.

Vocabulary
----------
``Column``      one column of a sheet: key (English identifier used in code and
                DataFrames), Chinese header, aliases accepted when reading, kind,
                required / required-when, allowed values, bounds, pattern, width,
                help text and an example.
``RowRule``     a rule that relates several columns of one row (date order,
                value implied by a status, forbidden combination).
``SheetSchema`` the columns and rules of one sheet (走访记录, 问题清单, 任务清单).
``TemplateSchema`` a workbook made of sheets (大走访大调研台账, 任务推进台账),
                with a stable id and a schema version stored in every workbook.
``ComputedColumn`` a column the merge adds to the accepted rows (问题编号, 是否逾期,
                逾期天数, 亮灯), declared in ``COMPUTED_COLUMNS`` with the light names
                and 是/否 (computed in ``toolkit.merge.derived``).

Only the standard library is imported here: the CLI imports this module at
start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

SCHEMA_VERSION = "1"

# Layout shared by every generated sheet (1-based Excel rows).
TITLE_ROW = 1
META_ROW = 2  # 填报单位：…  填报人：…  联系电话：…  填报日期：…
HEADER_ROW = 3
FIRST_DATA_ROW = 4
PREPARED_ROWS = 500  # data rows pre-formatted with validation in a blank template
#: what a number or whole-number column holds at most (either sign) when the schema gives no
#: bound: the templates' data validation of decimals, and validation of both (a bigger number is
#: that cell's too-large / too-small: sums of a province's rows stay exact, Int64 never overflows)
NUMBER_LIMIT = 999_999_999_999

# Workbook-level metadata (defined names) written into every template.
DEFINED_NAME_TEMPLATE = "toolkit_template"
DEFINED_NAME_VERSION = "toolkit_version"
DEFINED_NAME_UNIT = "toolkit_unit"
DEFINED_NAME_PERIOD = "toolkit_period"  # the period code (2022Q2) the template was made for; "" for a blank one
TEMPLATE_NAMES = (DEFINED_NAME_TEMPLATE, DEFINED_NAME_VERSION, DEFINED_NAME_UNIT, DEFINED_NAME_PERIOD)
LISTS_SHEET = "下拉选项"  # hidden sheet holding every dropdown list
GUIDE_SHEET = "填表说明"

# Labels of the metadata row, in order; the value cell follows each label.
META_LABELS = ("填报单位", "填报人", "联系电话", "填报日期")

Kind = Literal["int", "number", "percent", "date", "text", "longtext", "choice", "phone"]

KIND_LABELS: dict[str, str] = {
    "int": "整数",
    "number": "数值",
    "percent": "百分比",
    "date": "日期",
    "text": "文本",
    "longtext": "长文本",
    "choice": "下拉选择",
    "phone": "电话号码（文本）",
}

# Suffixes people type after a count; they are stripped when reading.
COUNT_UNITS = ("人次", "人", "次", "个", "件", "条", "项", "户", "家", "支", "名", "所", "处")

MOBILE_PATTERN = r"1[3-9]\d{9}"
LANDLINE_PATTERN = r"0\d{2,3}-?\d{7,8}(-\d{1,6})?"
PHONE_PATTERN = rf"({MOBILE_PATTERN}|{LANDLINE_PATTERN})"


@dataclass(frozen=True)
class When:
    """A condition on another column of the same row.

    ``values`` empty means "when that column has any value".
    """

    column: str
    values: tuple[object, ...] = ()

    def describe(self, sheet: "SheetSchema") -> str:
        header = sheet.column(self.column).header
        if not self.values:
            return f"填写了“{header}”时"
        shown = "、".join(str(v) for v in self.values)
        return f"“{header}”为{shown}时"


@dataclass(frozen=True)
class Tally:
    """A count column whose total over the file should equal the number of rows of
    another sheet where ``when`` holds (a mismatch is a 提示, not an error)."""

    sheet: str  # sheet key
    when: When


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    required: bool = False
    required_when: When | None = None
    choices: tuple[str, ...] = ()
    # Spellings people use for a list value, mapped to the canonical value.
    choice_aliases: dict[str, str] = field(default_factory=dict)
    # Those of the aliases that interpret what was meant (比较满意 counted as 基本满意) rather than
    # spell the value otherwise: the unit is told (a 提示, choice-interpreted)
    choice_readings: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    unique: bool = False
    in_period: bool = False  # dates: must fall inside the reporting period
    not_future: bool = False  # dates: must not be after today
    units: tuple[str, ...] = ()  # suffixes accepted after a number (e.g. 人)
    unit_column: str | None = None  # a typed unit suffix (万元) goes to this column
    references: tuple[str, str] | None = None  # (sheet key, column key) that must hold the value
    tallies: Tally | None = None  # the column's total should equal a row count of another sheet
    system: bool = False  # filled by the toolkit (编号), never by the unit: grey, typing refused, no rules of its own
    only_new: bool = False  # its required-when and reference rules apply to new items only, not to carried ones
    width: float = 12
    help: str = ""
    example: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind == "choice"

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "number", "percent")

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(lowest, highest) value the column holds: the schema's, else ±NUMBER_LIMIT for int and number."""
        if self.kind in ("int", "number"):
            return (-NUMBER_LIMIT if self.minimum is None else self.minimum,
                    NUMBER_LIMIT if self.maximum is None else self.maximum)
        return self.minimum, self.maximum

    def requirement_text(self, sheet: "SheetSchema") -> str:
        if self.system:
            return "系统填写"
        if self.required:
            return "必填"
        if self.required_when is not None:
            return "条件必填：" + self.required_when.describe(sheet)
        return "选填"

    def example_for(self, period: Any = None) -> str:
        """The column's example in 填表说明, in ``period`` (an object with ``end``) when it is a date: the
        examples are written for 2022年第一季度 and move with the period's last month (2022-03-15 in the
        first quarter is 2022-06-15 in the second, 2022-05-15 in May)."""
        if self.kind != "date" or period is None or not self.example:
            return self.example
        return shift_months(date.fromisoformat(self.example), months_after_example(period)).isoformat()

    def rule_text(self, period: Any = None) -> str:
        """The column's own rules in one Chinese sentence (for 填表说明 and input messages); a date's
        example in ``period`` when given (:func:`example_date`)."""
        parts: list[str] = []
        if self.system:
            return "由系统填写，请勿填写或修改；上期结转的条目已填好，新增的条目留空"
        if self.kind == "int":
            low = 0 if self.minimum is None else int(self.minimum)
            parts.append(f"填写不小于{low}的整数")
        elif self.kind == "number":
            parts.append("填写数字" + ("（不小于0）" if self.minimum == 0 else ""))
        elif self.kind == "percent":
            parts.append("填写0%～100%之间的百分比，如 85%")
        elif self.kind == "date":
            parts.append(f"填写日期，如 {example_date(period)}")
            if self.in_period:
                parts.append("须在本期统计时段内")
            if self.not_future:
                parts.append("不能晚于今天")
        elif self.kind == "choice":
            parts.append("从下拉列表中选择：" + "／".join(self.choices))
        elif self.kind == "phone":
            parts.append("手机号11位或座机号如 0531-12345678，按文本填写")
        if self.pattern_hint:
            parts.append(self.pattern_hint)
        if self.unique:
            parts.append("本表内不能重复")
        if self.references:
            target = SHEETS[self.references[0]]
            parts.append(f"须是本文件“{target.name}”表中已有的{target.column(self.references[1]).header}")
        if self.tallies:
            other = SHEETS[self.tallies.sheet]
            condition = self.tallies.when.describe(other).removesuffix("时")
            parts.append(f"全表合计应与“{other.name}”中{condition}的行数一致")
        return "；".join(parts)


EXAMPLES_PERIOD_END = date(2022, 3, 31)  # the column examples are written for 2022年第一季度
GENERIC_DATE_EXAMPLE = "2022-04-29"  # a date in a template of no period


def months_after_example(period: Any) -> int:
    """Months from the examples' period (2022年第一季度) to ``period``, by their last months."""
    end = period.end
    return (end.year - EXAMPLES_PERIOD_END.year) * 12 + end.month - EXAMPLES_PERIOD_END.month


def shift_months(day: date, months: int) -> date:
    """``day`` ``months`` months later (the same day of the month, or that month's last)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = (following - date.resolution).day
    return date(year, month, min(day.day, last))


def example_date(period: Any = None) -> str:
    """The date a message or 填表说明 gives as an example: the period's last day (2022-04-29 without one)."""
    return period.end.isoformat() if period is not None else GENERIC_DATE_EXAMPLE


RuleKind = Literal["order", "implies", "forbid"]


@dataclass(frozen=True)
class RowRule:
    """A rule between columns of one row.

    kind="order":   ``left`` ≤ ``right`` when both are present (dates or numbers).
    kind="implies": when ``when`` holds, column ``column`` must equal ``equals``.
    kind="forbid":  ``when`` and ``column``=``equals`` must not hold together.
    ``message`` says, in Chinese, what the rule is; the validator's error catalog
    adds where and how to fix.
    """

    kind: RuleKind
    message: str
    left: str | None = None
    right: str | None = None
    when: When | None = None
    column: str | None = None
    equals: object = None


@dataclass(frozen=True)
class SheetSchema:
    key: str  # "visits" | "problems" | "tasks"
    name: str  # sheet name in the workbook
    title: str  # title suffix: "{unit}{title}（{period}）"
    columns: tuple[Column, ...]
    rules: tuple[RowRule, ...] = ()
    allow_extra_columns: bool = False  # keep unknown columns in the merge
    description: str = ""

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.key} has no column {key!r}")

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def header_lookup(self) -> dict[str, str]:
        """Every accepted header spelling (normalised) → column key."""
        lookup: dict[str, str] = {}
        for col in self.columns:
            for spelling in (col.header, *col.aliases):
                lookup[normalize_header(spelling)] = col.key
        return lookup


@dataclass(frozen=True)
class TemplateSchema:
    id: str  # stable id stored in each workbook ("survey", "tasks")
    name: str  # 大走访大调研台账
    sheets: tuple[SheetSchema, ...]
    version: str = SCHEMA_VERSION
    description: str = ""

    def file_name(self, unit: str | None, period_name: str | None) -> str:
        """`党建办-大走访大调研台账-2022年第一季度.xlsx`, or the blank `大走访大调研台账.xlsx`."""
        parts = [p for p in (unit, self.name, period_name) if p]
        return "-".join(parts) + ".xlsx"


def normalize_header(text: str) -> str:
    """Canonical form of a header cell for matching: no spaces or line breaks,
    half-width brackets, no colon or required-marker asterisk, and no trailing
    bracketed note — ``参与人数（人）``, ``走访日期\n（年月日）``, ``完成进度(%)`` and
    ``走访日期(必填)`` all match their column."""
    out = str(text)
    for a, b in (("（", "("), ("）", ")"), ("【", "("), ("】", ")"), ("[", "("), ("]", ")"),
                 ("：", ""), (":", ""), ("*", ""), ("＊", "")):
        out = out.replace(a, b)
    out = "".join(ch for ch in out if not ch.isspace() and ch not in "\u200b\u200c\u200d\ufeff")
    while True:
        stripped = re.sub(r"\([^()]*\)$", "", out)
        if stripped == out or not stripped:
            return out
        out = stripped


# ---------------------------------------------------------------------------
# 大走访大调研台账 — 走访记录
# ---------------------------------------------------------------------------

VISIT_METHODS = ("入户走访", "实地调研", "座谈交流", "电话回访", "线上联系")
OBJECT_TYPES = (
    "企业",
    "村(社区)",
    "居民群众",
    "困难群众",
    "老党员老干部",
    "学校",
    "项目",
    "基层站所",
    "两代表一委员",
    "其他",
)

VISITS = SheetSchema(
    key="visits",
    name="走访记录",
    title="大走访大调研走访记录表",
    description="每次走访一行：谁带队、谁参加、走访了谁、了解到什么、发现并当场解决了几个问题。",
    columns=(
        Column("seq", "序号", "int", required=True, unique=True, minimum=1,
               aliases=("编号", "序列号", "No", "NO."), width=6,
               help="本表内的行号，从1开始，不能重复；问题清单用它关联走访记录。", example="1"),
        Column("visit_date", "走访日期", "date", required=True, in_period=True, not_future=True,
               aliases=("走访时间", "日期", "走访日"), width=12,
               help="实际走访的日期。", example="2022-03-15"),
        Column("leader", "带队领导", "text", required=True,
               aliases=("带队领导姓名", "带队人", "带队"), width=10,
               help="带队的领导干部姓名。", example="王建国"),
        Column("visitors", "走访人员", "text", required=True,
               aliases=("参加人员", "走访干部", "参与人员"), width=18,
               help="参加走访的人员姓名，多人用顿号“、”分隔。", example="李明、张华"),
        Column("participants", "参与人数", "int", required=True, minimum=1, units=COUNT_UNITS,
               aliases=("参加人数", "人数", "走访人数"), width=8,
               help="参加本次走访的人数（含带队领导）。", example="3"),
        Column("method", "走访方式", "choice", required=True, choices=VISIT_METHODS,
               choice_aliases={"入户": "入户走访", "走访": "入户走访", "实地": "实地调研",
                               "调研": "实地调研", "座谈": "座谈交流", "座谈会": "座谈交流",
                               "电话": "电话回访", "电话走访": "电话回访", "线上": "线上联系",
                               "网上联系": "线上联系", "微信联系": "线上联系"},
               aliases=("方式",), width=10,
               help="本次走访采用的方式。", example="入户走访"),
        Column("object_type", "对象类型", "choice", required=True, choices=OBJECT_TYPES,
               choice_aliases={"村社区": "村(社区)", "社区": "村(社区)", "村": "村(社区)",
                               "村居": "村(社区)", "群众": "居民群众", "居民": "居民群众",
                               "困难户": "困难群众", "老党员": "老党员老干部", "老干部": "老党员老干部",
                               "站所": "基层站所", "项目建设": "项目", "人大代表": "两代表一委员",
                               "党代表": "两代表一委员", "政协委员": "两代表一委员"},
               aliases=("走访对象类型", "对象类别", "类型"), width=12,
               help="走访对象属于哪一类。", example="企业"),
        Column("object_name", "走访对象", "text", required=True,
               aliases=("走访对象名称", "对象名称", "被走访对象"), width=20,
               help="企业、社区、群众等被走访对象的名称或姓名。", example="XX食品有限公司"),
        Column("area", "所在地区", "text",
               aliases=("地区", "所在区域", "地址"), width=16,
               help="县区/乡镇街道/村社区。", example="XX区/XX街道/XX社区"),
        Column("contact", "联系人", "text", aliases=("对象联系人",), width=10,
               help="被走访对象的联系人。", example="赵经理"),
        Column("phone", "联系电话", "phone", pattern=PHONE_PATTERN,
               aliases=("电话", "手机", "联系方式", "手机号码"), width=15,
               help="联系人的电话；按文本填写，座机带区号。", example="13812345678"),
        Column("content", "走访内容", "longtext", required=True,
               aliases=("主要内容", "走访情况", "走访内容及情况"), width=36,
               help="走访中了解的情况、宣传的政策、听取的意见。", example="了解企业复工复产情况，宣讲纾困政策"),
        Column("problems_found", "发现问题数", "int", required=True, minimum=0, units=COUNT_UNITS,
               tallies=Tally("problems", When("source", ("大走访",))),
               aliases=("发现问题", "问题数", "发现问题（个）"), width=9,
               help="本次走访发现的问题个数；每个问题还应在“问题清单”中登记一行。", example="2"),
        Column("solved_on_spot", "当场解决数", "int", minimum=0, units=COUNT_UNITS,
               aliases=("当场解决", "现场解决数", "当场解决问题数"), width=9,
               help="当场解决的问题个数，不能超过发现问题数。", example="1"),
        Column("remark", "备注", "text", width=14, help="其他需要说明的情况。", example=""),
    ),
    rules=(
        RowRule("order", "当场解决数不能大于发现问题数", left="solved_on_spot", right="problems_found"),
    ),
)

# ---------------------------------------------------------------------------
# 大走访大调研台账 — 问题清单
# ---------------------------------------------------------------------------

PROBLEM_SOURCES = ("大走访", "12345热线", "信访", "督查", "自查")
PROBLEM_CATEGORIES = (
    "基础设施",
    "公共服务",
    "营商环境",
    "民生保障",
    "城乡环境",
    "社会治理",
    "政策咨询",
    "干部作风",
    "其他",
)
DEMAND_TYPES = ("求决", "投诉", "咨询", "建议", "求助")
PROBLEM_STATUSES = ("未交办", "已交办", "办理中", "延期", "长期推进", "已办结", "已销号")
CLOSED_STATUSES = ("已办结", "已销号")
SATISFACTION = ("满意", "基本满意", "不满意")
SATISFIED = ("满意", "基本满意")

PROBLEMS = SheetSchema(
    key="problems",
    name="问题清单",
    title="大走访大调研问题清单",
    description="走访和其他渠道发现的每个问题一行，按 交办→办结→回访→销号 闭环管理。",
    columns=(
        Column("id", "编号", "text", system=True, width=15,
               help="问题的终身编号，由系统在首次汇总时给出。上期未销号的问题已带编号列在表中，请在原行更新办理情况；"
                    "新发现的问题另起一行，编号留空。", example="01-2022Q1-P001"),
        Column("seq", "序号", "int", required=True, unique=True, minimum=1,
               aliases=("问题序号", "No"), width=6,
               help="本表内的行号，从1开始，不能重复。", example="1"),
        Column("visit_seq", "关联走访序号", "int", required_when=When("source", ("大走访",)),
               minimum=1, references=("visits", "seq"), only_new=True,
               aliases=("走访序号", "对应走访序号", "关联走访记录"), width=8,
               help="来源为大走访时，填写“走访记录”表中对应走访的序号。", example="1"),
        Column("source", "来源", "choice", required=True, choices=PROBLEM_SOURCES,
               choice_aliases={"走访": "大走访", "大走访大调研": "大走访", "12345": "12345热线",
                               "热线": "12345热线", "市民热线": "12345热线", "信访件": "信访",
                               "督查督办": "督查", "自查自纠": "自查"},
               aliases=("问题来源", "来源渠道"), width=10,
               help="问题从哪里来。", example="大走访"),
        Column("reporter", "反映对象", "text", aliases=("反映人", "反映群众", "诉求人"), width=12,
               help="反映问题的企业或群众，可匿名。", example="XX小区居民"),
        Column("description", "问题描述", "longtext", required=True,
               aliases=("问题内容", "具体问题", "问题", "问题及诉求"), width=36,
               help="问题的具体内容，写清楚是什么、在哪里、影响谁。", example="小区路灯损坏，夜间出行不便"),
        Column("category", "问题类别", "choice", required=True, choices=PROBLEM_CATEGORIES,
               choice_aliases={"基础设施建设": "基础设施", "营商": "营商环境", "民生": "民生保障",
                               "环境": "城乡环境", "城乡环境整治": "城乡环境", "社会治理问题": "社会治理",
                               "政策": "政策咨询", "作风": "干部作风"},
               aliases=("问题类型", "类别", "问题分类"), width=10,
               help="问题所属领域。", example="基础设施"),
        Column("demand_type", "诉求类型", "choice", choices=DEMAND_TYPES,
               aliases=("诉求类别",), width=8,
               help="群众诉求的性质。", example="求决"),
        Column("leader", "责任领导", "text", required=True, aliases=("包案领导", "分管领导"), width=10,
               help="负责督促解决的领导。", example="王建国"),
        Column("lead_unit", "牵头单位", "text", required=True, aliases=("责任单位", "承办单位"), width=14,
               help="牵头办理的单位或科室。", example="城建科"),
        Column("owner", "责任人", "text", required=True, aliases=("具体责任人", "经办人"), width=10,
               help="具体办理人。", example="李明"),
        Column("assigned_date", "交办日期", "date", required=True, not_future=True,
               aliases=("交办时间",), width=12,
               help="问题交办给牵头单位的日期。", example="2022-03-16"),
        Column("deadline", "办理时限", "date", required=True,
               aliases=("完成时限", "办结时限", "办理期限"), width=12,
               help="要求办结的日期，一般为交办后15个工作日，最长不超过30个工作日（长期推进的除外）。",
               example="2022-04-06"),
        Column("measures", "整改措施", "longtext", aliases=("整改措施及进展", "办理措施"), width=28,
               help="采取或计划采取的措施。", example="协调供电公司更换灯具"),
        Column("status", "办理状态", "choice", required=True, choices=PROBLEM_STATUSES,
               choice_aliases={"办结": "已办结", "已完成": "已办结", "完成": "已办结", "销号": "已销号",
                               "正在办理": "办理中", "在办": "办理中", "交办": "已交办",
                               "长期": "长期推进", "延期办理": "延期"},
               aliases=("状态", "办理进度", "办理情况"), width=10,
               help="问题当前所处的环节：未交办→已交办→办理中→已办结→已销号。", example="已办结"),
        Column("closed_date", "办结日期", "date", required_when=When("status", CLOSED_STATUSES),
               not_future=True, aliases=("办结时间", "完成日期"), width=12,
               help="办理状态为已办结或已销号时必填。", example="2022-03-28"),
        Column("result", "办理结果", "longtext", required_when=When("status", CLOSED_STATUSES),
               aliases=("办理情况说明", "办结情况"), width=28,
               help="办理状态为已办结或已销号时必填：问题是怎样解决的。", example="已更换路灯12盏"),
        Column("revisit_date", "回访日期", "date", required_when=When("status", ("已销号",)),
               not_future=True, aliases=("回访时间",), width=12,
               help="办理状态为已销号时必填，不能早于办结日期。", example="2022-03-30"),
        Column("satisfaction", "满意度", "choice", required_when=When("status", ("已销号",)),
               choices=SATISFACTION,
               choice_aliases={"非常满意": "满意", "比较满意": "基本满意", "一般": "基本满意"},
               choice_readings=("非常满意", "比较满意", "一般"),
               aliases=("群众满意度", "回访满意度"), width=9,
               help="回访时群众的评价；已销号的问题必须回访且不能为“不满意”。", example="满意"),
        Column("remark", "备注", "text", width=14, help="其他需要说明的情况。", example=""),
    ),
    rules=(
        RowRule("order", "办理时限不能早于交办日期", left="assigned_date", right="deadline"),
        RowRule("order", "办结日期不能早于交办日期", left="assigned_date", right="closed_date"),
        RowRule("order", "回访日期不能早于办结日期", left="closed_date", right="revisit_date"),
        RowRule("forbid", "群众评价为“不满意”的问题不能销号",
                when=When("status", ("已销号",)), column="satisfaction", equals="不满意"),
    ),
)

# ---------------------------------------------------------------------------
# 任务推进台账 — 任务清单
# ---------------------------------------------------------------------------

TASK_LIST_TYPES = ("重点任务", "问题整改", "重大改革")
TASK_STATUSES = ("未启动", "推进中", "已完成", "长期推进", "延期")
KEY_TASK = "重点任务"  # the 清单类型 whose unfinished tasks the figures list (未完成重点任务)
TASK_DONE = "已完成"  # the 推进状态 of a finished task (completed, always green)

TASKS = SheetSchema(
    key="tasks",
    name="任务清单",
    title="任务推进台账",
    description="重点任务、问题整改、重大改革三张清单合在一张表，用“清单类型”区分；每期更新进度（挂图作战）。",
    columns=(
        Column("id", "编号", "text", system=True, width=15,
               help="任务的终身编号，由系统在首次汇总时给出。上期未完成的任务已带编号列在表中，请在原行更新进度；"
                    "新增的任务另起一行，编号留空。", example="01-2022Q1-T001"),
        Column("seq", "序号", "int", required=True, unique=True, minimum=1,
               aliases=("No",), width=6,
               help="本表内的行号，从1开始，不能重复。", example="1"),
        Column("list_type", "清单类型", "choice", required=True, choices=TASK_LIST_TYPES,
               choice_aliases={"重点任务清单": "重点任务", "问题整改清单": "问题整改", "整改": "问题整改",
                               "重大改革清单": "重大改革", "改革": "重大改革"},
               aliases=("清单类别", "清单", "类型"), width=10,
               help="任务属于哪张清单。", example="重点任务"),
        Column("name", "任务名称", "text", required=True,
               aliases=("任务", "任务内容", "事项名称", "重点任务"), width=20,
               help="任务、整改事项或改革事项的名称。", example="组建疫情防控一线党员先锋队"),
        Column("goal", "工作目标", "longtext", aliases=("目标", "目标任务"), width=16,
               help="要达到的目标。", example="每个社区至少一支先锋队"),
        Column("measures", "具体举措", "longtext", aliases=("工作举措", "主要举措", "工作措施"), width=16,
               help="落实的具体措施。", example="抽调机关干部下沉社区"),
        Column("leader", "牵头领导", "text", required=True, aliases=("责任领导", "分管领导"), width=10,
               help="牵头负责的领导。", example="王建国"),
        Column("unit_in_charge", "责任单位", "text", required=True, aliases=("牵头单位", "责任科室"), width=12,
               help="负责落实的单位或科室。", example="党建办"),
        Column("owner", "责任人", "text", required=True, aliases=("具体责任人",), width=10,
               help="具体负责人。", example="李明"),
        Column("start_date", "开始日期", "date", aliases=("开始时间", "启动时间"), width=12,
               help="任务开始的日期。", example="2022-01-10"),
        Column("deadline", "完成时限", "date", required=True,
               aliases=("完成时间", "时间节点", "完成期限"), width=12,
               help="要求完成的日期，不能早于开始日期。", example="2022-06-30"),
        Column("progress", "完成进度", "percent", required=True, minimum=0, maximum=100,
               aliases=("进度", "完成比例", "完成进度(%)", "完成率"), width=9,
               help="当前完成的百分比；已完成填100%，未启动填0%。", example="60%"),
        Column("status", "推进状态", "choice", required=True, choices=TASK_STATUSES,
               choice_aliases={"完成": "已完成", "已办结": "已完成", "进行中": "推进中", "正在推进": "推进中",
                               "推进": "推进中", "未开始": "未启动", "长期": "长期推进", "已延期": "延期"},
               aliases=("状态", "进展状态", "推进情况"), width=10,
               help="任务当前状态。", example="推进中"),
        Column("progress_note", "进展情况", "longtext", aliases=("进展", "推进情况说明", "工作进展"), width=18,
               help="本期推进了哪些工作。", example="已组建先锋队6支"),
        Column("result_text", "成果说明", "text", aliases=("工作成果", "成果", "取得成效"), width=16,
               help="可量化的成果是什么，写成一个短语，数字填在“成果数值”。", example="成立疫情防控一线党员先锋队"),
        Column("result_value", "成果数值", "number", minimum=0, unit_column="result_unit",
               aliases=("成果数量", "数值", "数量"), width=9,
               help="成果的数量，只填数字；金额按万元填写。", example="6"),
        Column("result_unit", "成果单位", "text", required_when=When("result_value"),
               aliases=("计量单位", "单位"), width=8,
               help="成果数值的计量单位，如 支、名、所、人次、万元。", example="支"),
        Column("evidence", "佐证材料", "text", aliases=("佐证", "证明材料"), width=12,
               help="可供查验的材料名称。", example="先锋队名单"),
        Column("remark", "备注", "text", width=14, help="其他需要说明的情况。", example=""),
    ),
    rules=(
        RowRule("order", "完成时限不能早于开始日期", left="start_date", right="deadline"),
        RowRule("implies", "推进状态为已完成的，完成进度应为100%",
                when=When("status", ("已完成",)), column="progress", equals=100),
        RowRule("implies", "完成进度为100%的，推进状态应为已完成",
                when=When("progress", (100,)), column="status", equals="已完成"),
        RowRule("implies", "推进状态为未启动的，完成进度应为0%",
                when=When("status", ("未启动",)), column="progress", equals=0),
    ),
)

SURVEY = TemplateSchema(
    id="survey",
    name="大走访大调研台账",
    sheets=(VISITS, PROBLEMS),
    description="走访记录和由走访等渠道发现的问题清单。",
)

TASK_LEDGER = TemplateSchema(
    id="tasks",
    name="任务推进台账",
    sheets=(TASKS,),
    description="重点任务、问题整改、重大改革清单的推进情况。",
)

TEMPLATES: tuple[TemplateSchema, ...] = (SURVEY, TASK_LEDGER)
SHEETS: dict[str, SheetSchema] = {s.key: s for t in TEMPLATES for s in t.sheets}


def template_by_id(template_id: str) -> TemplateSchema:
    for t in TEMPLATES:
        if t.id == template_id:
            return t
    raise KeyError(template_id)


def template_of_sheet(sheet_key: str) -> TemplateSchema:
    for t in TEMPLATES:
        if any(s.key == sheet_key for s in t.sheets):
            return t
    raise KeyError(sheet_key)


# ---------------------------------------------------------------------------
# Derived columns: what toolkit.merge adds to the accepted rows (computed there)
# ---------------------------------------------------------------------------

RED, YELLOW, GREEN = "红", "黄", "绿"  # 亮灯
LIGHTS = (RED, YELLOW, GREEN)
YES, NO = "是", "否"  # 是否逾期
YELLOW_DAYS = 7  # a problem due in this many days or fewer (not overdue, not closed) gets 黄


class ComputedColumn(NamedTuple):
    """A column computed by the merge and shown on a 汇总表 detail sheet.

    ``kind``: ``text``, ``int`` or ``light`` (a 亮灯 text, coloured by its value)."""

    key: str
    header: str
    kind: str
    width: float


# Computed columns shown on the detail sheets, by sheet key, after the schema's columns.
COMPUTED_COLUMNS: dict[str, tuple[ComputedColumn, ...]] = {
    "visits": (),
    "problems": (
        ComputedColumn("overdue", "是否逾期", "text", 8),
        ComputedColumn("days_overdue", "逾期天数", "int", 8),
        ComputedColumn("light", "亮灯", "light", 6),
        ComputedColumn("state", "本期情况", "text", 8),
    ),
    "tasks": (
        ComputedColumn("schedule", "序时进度", "percent", 9),
        ComputedColumn("schedule_class", "进度评价", "text", 8),
        ComputedColumn("light", "亮灯", "light", 6),
        ComputedColumn("state", "本期情况", "text", 8),
    ),
}
# Computed but not shown on the detail sheet (红灯清单 and the history store use them).
HIDDEN_COMPUTED: dict[str, tuple[str, ...]] = {"tasks": ("days_overdue",), "problems": (), "visits": ()}
# 本期情况 of a problem or task in the period's ledger
STATE_NEW = "新增"  # first listed this period (its 编号 is given now)
STATE_UPDATED = "已更新"  # carried from an earlier period and reported again
STATE_STALE = "未更新"  # carried, but not in this period's return: kept with its last known state
ITEM_SHEETS = ("problems", "tasks")  # the sheets whose rows are items with a 编号 for life
ID_LETTERS = {"problems": "P", "tasks": "T"}  # 编号 = unit code - period - letter + 序号
FIRST_PERIOD_KEY = "_first_period"  # merged item tables: the period the item was first listed in
PLANNED_START_KEY = "_planned_start"  # merged 任务清单: 开始日期, else the start of the task's first period
# 序时进度 classes of a task (docs/figures.md): 推进状态 已完成, else 完成进度 against the elapsed share of its
# planned time (开始日期, else the start of the period it was first listed in → 完成时限) at as_of
SCHEDULE_DONE, SCHEDULE_AHEAD, SCHEDULE_ON, SCHEDULE_BEHIND = SCHEDULE_CLASSES = ("已完成", "超进度", "达进度", "欠进度")
SCHEDULE_TOLERANCE = 5.0  # percentage points: 欠进度 below 序时进度 − 5, 超进度 above 序时进度 + 5, 达进度 between
# The unit's display name (the configured name when matched), added to every merged table.
UNIT_KEY = "_unit_name"
