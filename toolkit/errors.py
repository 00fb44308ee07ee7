"""The error catalog: every kind of problem the reader, the validator and the 汇总表 writer report.

Each kind has a stable kebab-case ``code`` (used by the CLI, the JSON summary,
the marked-up 退回修改 workbooks and the tests), a severity (错误 rejects the row
or file, 提示 keeps it), a short Chinese title, a Chinese message template with
named slots and a description for the documentation (docs/validation.md).

A message says what is wrong, where (file, sheet, Excel row, column letter and
header), the value found, and how to fix it. :func:`make_issue` builds the
location prefix and fills the template; unknown slots are left visible rather
than raising.
"""

from __future__ import annotations

import re

import string
from pathlib import Path
from dataclasses import dataclass

from .model import ERROR, HINT, Issue, Severity


@dataclass(frozen=True)
class ErrorKind:
    code: str
    severity: Severity
    title: str  # short Chinese name (column of the catalog table)
    template: str  # Chinese message body with {slots}; {value} and {header} are always available
    scope: str  # "文件" | "工作表" | "行" | "单元格"
    description: str = ""
    also: Severity | None = None  # a second severity the kind takes in the case its description names
    office: bool = False  # the office's own problem (this PC, the program): the file is not sent back


_KINDS: tuple[ErrorKind, ...] = (
    # --- files -------------------------------------------------------------
    ErrorKind("file-empty", ERROR, "空文件", "文件是空的（0字节），可能是传输或保存失败。请重新保存后再报送。",
              "文件", "文件大小为0。"),
    ErrorKind("file-encrypted", ERROR, "文件有密码",
              "文件设置了打开密码，无法读取。请在Excel或WPS中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后保存，再重新报送。",
              "文件", "加密的 .xlsx（OLE 容器中的 EncryptionInfo）或带密码的 .xls。"),
    ErrorKind("file-not-excel", ERROR, "不是Excel文件",
              "文件实际是{actual}，不是Excel表格，可能只是改了扩展名。请用下发的模板填写，保存为 .xlsx 后重新报送。",
              "文件", "扩展名是 .xlsx/.xls，内容却是 Word 文档、压缩包、网页或文本。"),
    ErrorKind("file-corrupt", ERROR, "文件损坏",
              "文件已损坏或格式无法识别，无法打开（{detail}）。请在Excel或WPS中打开确认能正常显示，另存为 .xlsx 后重新报送。",
              "文件", "读取库无法解析的文件。"),
    ErrorKind("file-no-access", ERROR, "本机无权读取",
              "本机当前用户没有读取这个文件的权限（{detail}）。这不是报送单位的问题，不必退回：请检查收集文件夹及该文件的权限"
              "（从别的电脑、网络共享或压缩包复制来的文件常见），能正常打开后重新校验。",
              "文件", "操作系统拒绝读取（权限不足）：是本机的设置问题，不是文件损坏，也不是报送单位的问题。", office=True),
    ErrorKind("file-too-large", ERROR, "文件超出读取上限",
              "{what}，超出了读取一个文件的上限（{limit}），为免占满内存，没有读取本文件。{fix}。",
              "文件", "读取前检查文件的代价（docs/validation.md“读取上限”）：文件大小、zip 目录中各部分解压后的大小"
              "（边解压边核对）、每张工作表从 A1 到最远一个有内容的单元格的范围。超出上限的文件不读取，其他文件照常汇总。"),
    ErrorKind("file-check-failed", ERROR, "检查时程序出错",
              "检查本文件时程序出错（{detail}），本文件的数据没有汇总，其他文件照常汇总。这不是报送单位的问题，"
              "不必退回：请把本文件和这条信息发给维护人员。",
              "文件", "读取或检查一个文件时出现了程序本身的错误：该文件按“无法读取”处理，不影响其他文件。", office=True),
    ErrorKind("unknown-template", ERROR, "不是下发的模板",
              "文件中没有找到任何一张下发模板的工作表（未识别出{expected}等表头）。请使用下发的模板填写，不要改动表头。",
              "文件", "没有一张工作表的表头与任何模板相符。"),
    ErrorKind("old-version", HINT, "模板版本不同",
              "文件使用的模板版本为{found}，当前版本为{expected}，已按表头读取。下次请使用最新下发的模板。",
              "文件", "工作簿中记录的模板版本与当前版本不同。"),
    ErrorKind("unit-unknown", HINT, "未识别填报单位",
              "无法确定填报单位：文件中没有单位信息，“填报单位”一栏为空，文件名中也没有单位名称，数据将记在“未识别”名下。"
              "请在第2行“填报单位：”后填写单位名称后重新报送。",
              "文件", "元数据、填报单位栏、文件名都没有给出单位。"),
    ErrorKind("unit-not-configured", HINT, "单位不在名单中",
              "填报单位“{value}”不在本期的单位名单中{suggestion}。请填写名单中的单位全称，或在 toolkit.toml 中为该单位增加别名（aliases）。",
              "文件", "找到了单位名称，但与 toolkit.toml 中的单位及别名都对不上。"),
    ErrorKind("unit-file-name", HINT, "文件名是另一个单位",
              "本文件是{unit}的模板（文件名为{named}），已按{unit}统计。如有误（本文件应是{named}的台账），"
              "请{named}用下发给本单位的模板重新填报。",
              "文件", "模板中记录的单位（或“填报单位”一栏）与文件名中的另一个单位不同：按模板中的单位统计，"
              "每个文件说一次，以免把一个单位的台账悄悄算到另一个单位名下。"),
    ErrorKind("other-period", HINT, "其他统计期的模板",
              "本文件是{found}的模板，本期是{expected}。如果填的是本期的情况，可以照常汇总，下次请用本期下发的模板；"
              "如果是误报了其他统计期的文件，请改报本期的文件。",
              "文件", "模板中记录的统计期（或标题中的统计期）不是本期：每个文件说一次（日期不在本期的行另有逐行的错误）。"),
    ErrorKind("superseded", HINT, "已被较新文件替代",
              "同一单位（{unit}）还报送了“{newer}”，以它为准，本文件的{rows}行数据不再汇总。如本文件才是正确的，请删除另一个文件后重新校验。",
              "文件", "同一单位同一模板报送了两次，较旧的一份不参与汇总（行数计入“已替代”）；以另一单位名义命名的文件"
              "（文件名是另一个单位）不替代名称与内容一致的文件。"),
    ErrorKind("mixed-templates", ERROR, "一个文件含两种台账",
              "本文件同时包含“{used}”（{used_sheets}）和“{other}”（{other_sheets}）两种台账的工作表，"
              "本次只读取了“{used}”，“{other}”的数据没有读取、不会汇总。请把{other_sheets}另存为一个单独的“{other}”文件，"
              "分成两个文件报送。",
              "文件", "一个工作簿里既有一种模板的工作表，又有另一种模板的、填了数据的工作表（如走访记录和任务清单在同一文件）。"
              "只读取匹配更好的一种（工作簿元数据、文件名中的台账名称、匹配的表数），另一种不读取；已读取的行照常汇总。"),
    # --- sheets ------------------------------------------------------------
    ErrorKind("sheet-missing", HINT, "缺少工作表",
              "缺少“{expected}”工作表（按表名和表头都没有找到）。如本期确无此类数据可以忽略；否则请使用下发的完整模板。",
              "工作表", "模板中的某张工作表在文件里找不到。"),
    ErrorKind("sheet-ignored", HINT, "多余的工作表",
              "工作表“{value}”看起来也是“{expected}”表，但只读取了“{used}”表，本表内容不会汇总。如两张表都有数据，请合并到“{used}”表中。",
              "工作表", "另一张工作表的表头也与某模板表相符，但该模板表已经从别的工作表读取。"),
    ErrorKind("column-missing", ERROR, "缺少必填列",
              "缺少必填列“{header}”，本表{rows}行数据都无法接收。请恢复该列（表头写作“{header}”）后重新报送。",
              "工作表", "必填列的表头（含别名）在表头行中找不到；该表每一行都被拒收。"),
    ErrorKind("column-extra", HINT, "多出的列",
              "表头“{header}”不是模板中的列，{fate}。需要说明的情况请写在“备注”列。",
              "工作表", "表头行中有模板以外的列。"),
    ErrorKind("column-duplicate", HINT, "重复的列",
              "“{header}”列出现了不止一次，只读取第一次出现的{first}列。请删除重复的列。",
              "工作表", "两列的表头对应同一个模板列。"),
    ErrorKind("merged-cells", HINT, "合并单元格",
              "{range}是合并单元格，已将“{value}”填入合并范围内的每一行。建议取消合并、逐行填写。",
              "工作表", "数据区内纵向合并的单元格按上方的值逐行填充。"),
    ErrorKind("no-data", HINT, "没有数据",
              "表中没有填写任何数据行。如本期确无此类数据可以忽略。",
              "工作表", "表头下面没有数据行。"),
    ErrorKind("count-mismatch", HINT, "问题数与问题清单不一致",
              "“{header}”合计为{total}，但“{other_sheet}”表中{condition}的记录有{rows}条，两者不一致。请核对：每个发现的问题都应在“{other_sheet}”中登记一行。",
              "文件", "计数列的合计与另一张表中对应记录的条数不同。"),
    # --- cells -------------------------------------------------------------
    ErrorKind("formula-no-value", ERROR, "公式没有结果",
              "单元格是公式（{formula}），但文件里没有保存计算结果，无法读取。请在Excel中打开文件、等公式算完后保存再报送，或直接填写数值。",
              "单元格", "由程序生成、从未在Excel中计算过的公式没有缓存值。"),
    ErrorKind("missing-value", ERROR, "必填项为空",
              "“{header}”是必填项，不能为空。请填写：{rule}。",
              "单元格", "必填列为空（数字列中的“/”“无”“—”“-”也算空）。"),
    ErrorKind("missing-conditional", ERROR, "条件必填项为空",
              "{condition}，“{header}”必须填写。请补充：{rule}。",
              "单元格", "另一列满足条件（如办理状态为已办结）时本列必填。"),
    ErrorKind("bad-date", ERROR, "日期无法识别",
              "“{value}”不是有效的日期（{hint}）。请写成 2022-04-29 或 2022年4月29日 的格式。",
              "单元格", "日期列中既不是Excel日期，也不是常见写法（2022.4.29、2022/04/29、2022年4月29日、2022年4月29号、4月29日、按文本填写的4.29、20220429）。"),
    ErrorKind("bad-integer", ERROR, "不是整数",
              "“{value}”不是整数（{hint}）。请只填写整数，如 3。",
              "单元格", "整数列中有小数、文字或其他内容（允许全角数字、千分位和“人”“个”等单位）。"),
    ErrorKind("bad-number", ERROR, "不是数字",
              "“{value}”不是数字（{hint}）。请只填写数字，如 50.43，单位写在“{unit_header}”列。",
              "单元格", "数值列中有无法识别的内容（允许千分位、全角数字、“万元”等单位）。"),
    ErrorKind("bad-percent", ERROR, "百分比无法识别",
              "“{value}”不是有效的百分比（{hint}）。请填写0%～100%之间的数，如 85%。",
              "单元格", "百分比列中不是0～100的数（0.85 按 85% 理解）。"),
    ErrorKind("not-in-list", ERROR, "不在下拉选项中",
              "“{value}”不在下拉选项中{suggestion}。可选：{choices}。请从下拉列表中选择。",
              "单元格", "下拉列中的值（去掉空格、统一全半角和常见别名后）不在选项中。"),
    ErrorKind("choice-interpreted", HINT, "已按含义归入下拉选项",
              "“{value}”不是下拉选项，已按“{canonical}”统计。如不是这个意思，请从下拉列表中重新选择。",
              "单元格", "下拉列中填了选项以外的说法，按含义归入一个选项（如满意度“比较满意”按“基本满意”、"
              "“非常满意”按“满意”）：改变了填报的内容，填报单位须知道。只是写法不同的（“座谈”→“座谈交流”）"
              "照常改正，在退回修改文件的退回说明中逐项列出。"),
    ErrorKind("bad-phone", ERROR, "电话号码格式不对",
              "“{value}”不是有效的电话号码。手机号为11位数字，座机号带区号，如 0531-12345678；请把单元格设为文本格式后填写。",
              "单元格", "不符合手机号或带区号座机号的格式。"),
    ErrorKind("phone-lost-zero", HINT, "座机号丢了开头的0",
              "“{value}”像是丢了开头“0”的座机号，已按“{fixed}”记录。请把单元格设为文本格式，重新填写“{fixed}”。",
              "单元格", "座机号被当作数字输入，开头的0被Excel去掉。"),
    ErrorKind("bad-pattern", ERROR, "格式不对",
              "“{value}”的格式不对：{hint}。",
              "单元格", "不符合该列规定的格式。"),
    ErrorKind("too-small", ERROR, "小于最小值",
              "“{value}”小于允许的最小值{limit}。请核对后改正。",
              "单元格", "数值低于该列的下限（如参与人数至少为1）。"),
    ErrorKind("too-large", ERROR, "大于最大值",
              "“{value}”大于允许的最大值{limit}。请核对后改正。",
              "单元格", "数值超过该列的上限。"),
    ErrorKind("outside-period", ERROR, "不在统计期内",
              "日期{value}不在本期统计时段（{start}至{end}）内。请核对日期；不属于本期的记录不要填报。",
              "单元格", "须在本期内的日期（如走访日期）落在统计期以外。"),
    ErrorKind("future-date", ERROR, "日期晚于今天或统计截止日",
              "日期{value}晚于{today}，{advice}请核对日期。",
              "单元格", "不能是将来的日期（如走访日期、办结日期）：晚于校验基准日。基准日是今天，"
              "toolkit.toml 写了 as_of 时是统计截止日（消息中写明是哪一个）。"),
    ErrorKind("unit-converted", HINT, "金额已换算为万元",
              "“{value}”已换算为{converted}万元（金额统一按万元汇总）。如不对，请直接按万元填写数字。",
              "单元格", "以元、亿元等填写的金额已换算为万元。"),
    # --- rows / files --------------------------------------------------------
    ErrorKind("order-violated", ERROR, "先后顺序不对",
              "{rule}：“{left_header}”为{left_value}，“{right_header}”为{right_value}。请核对后改正。",
              "行", "两列之间的大小或先后关系不成立（如办理时限早于交办日期）。"),
    ErrorKind("implies-violated", ERROR, "前后不一致",
              "{rule}：“{when_header}”为{when_value}，“{header}”却为{value}。请核对后改正。",
              "行", "一列的取值要求另一列取特定值（如已完成的任务进度应为100%）。"),
    ErrorKind("forbid-violated", ERROR, "不允许的组合",
              "{rule}：“{when_header}”为{when_value}，“{header}”为{value}。请核对后改正。",
              "行", "两列的取值组合不允许（如不满意的问题不能销号）。"),
    ErrorKind("duplicate-value", ERROR, "重复",
              "“{header}”的值“{value}”与第{first_row}行重复，本表内不能重复。请重新编号。",
              "单元格", "本表内要求唯一的列（序号）出现重复；第一次出现的行保留，后面的行拒收。"),
    ErrorKind("bad-reference", ERROR, "关联记录不存在",
              "“{header}”填的是{value}，但本文件“{target_sheet}”表中没有“{target_header}”为{value}的记录。请填写对应记录的“{target_header}”。",
              "单元格", "引用的记录（如关联走访序号）在同一文件的另一张表中不存在。"),
    # --- outputs -------------------------------------------------------------
    ErrorKind("markup-failed", HINT, "未能生成退回修改文件",
              "无法为本文件生成退回修改文件（{detail}）。请直接把列出的问题告知报送单位；汇总不受影响。",
              "文件", "写退回修改文件时出错（不是磁盘或权限问题：那些会中止并说明）：其余文件的退回修改文件照常生成。"),
    ErrorKind("cell-truncated", HINT, "内容过长已截断",
              "内容过长（{length}个字符），超过 Excel 单元格上限 {limit} 个字符，{output}中只保留前 {kept} 个字符，"
              "完整内容请查看来源文件。",
              "单元格", "Excel 的一个单元格最多容纳 32767 个字符（UTF-16 计数，生僻字算两个）；"
              "更长的文本在汇总表.xlsx 和退回修改文件中截断并加“…（已截断）”：汇总表把它列在“校验问题”表中，"
              "退回修改文件把该单元格标黄并列在“退回说明”中。来源文件不受影响，该行照常汇总。"),
    # --- across periods (rows carrying a 编号 issued in an earlier period) ----
    ErrorKind("id-unknown", ERROR, "编号不是本单位的",
              "编号“{value}”不是系统发给{unit}的{other}。“编号”由系统填写：上期结转的条目保留原编号，新增的条目请留空。"
              "请恢复原编号，或清空本格后作为新条目报送。",
              "单元格", "“编号”列中的编号不是工具在以前各期发给本单位的（手工填写、抄自其他单位或改动过）。"),
    ErrorKind("id-duplicate", ERROR, "编号重复",
              "编号“{value}”与第{first_row}行重复。同一条目只能填报一行，请删除重复的行（新增的条目“编号”留空）。",
              "单元格", "同一个编号在一份报送中出现了不止一次；第一次出现的行保留，后面的行拒收。"),
    ErrorKind("status-regressed", ERROR, "状态倒退",
              "本条目在{period}已是“{before}”，本次填为“{value}”。{advice}",
              "单元格", "已销号的问题改为其他状态是错误（该行拒收）；已办结的问题改回办理中等状态、已完成的任务改回未完成，"
              "是提示，请确认。", also=HINT),
    ErrorKind("progress-decreased", HINT, "进度下降",
              "完成进度由上期（{period}）的{before}降为{value}。请确认是否填错；如确有调整，请在“进展情况”中说明。",
              "单元格", "结转任务的完成进度比上期低。"),
    ErrorKind("deadline-moved", HINT, "时限后移",
              "时限由上期（{period}）的{before}改为{value}，但状态不是“延期”或“长期推进”。"
              "如经批准延期，请把状态改为“延期”；否则请恢复原时限。",
              "单元格", "结转条目的办理时限或完成时限比上期晚，而状态不是延期或长期推进。"),
    ErrorKind("text-rewritten", HINT, "内容被改写",
              "与上期（{period}）相比，“{header}”由“{before}”改为“{value}”。同一编号应是同一事项；"
              "如是新的事项，请清空“编号”作为新条目报送。",
              "单元格", "结转条目的问题描述或任务名称与上期不同（旧 → 新）。"),
    ErrorKind("carried-missing", HINT, "结转条目未报",
              "上期（{period}）结转给本单位的条目 {value}（{title}，状态“{status}”）不在本次报送中，已按上期状态结转，记为“未更新”。"
              "请在本表中保留这一行并更新其进展。",
              "工作表", "上期结转给本单位的条目在本次报送中找不到；该条目不会丢失，仍按上期状态计入本期台账，标为未更新。"),
)

CATALOG: dict[str, ErrorKind] = {k.code: k for k in _KINDS}


class _Slots(dict):
    def __missing__(self, key: str) -> str:
        return ""


_FORMATTER = string.Formatter()


def office_side(code: str) -> bool:
    """Whether an issue of ``code`` is the office's own problem (本机无权读取, 程序出错): the unit's
    file is fine as far as anyone knows, so it is not sent back (toolkit.submission: 待核查)."""
    kind = CATALOG.get(code)
    return bool(kind and kind.office)


def render(code: str, *, header: str = "", value: str = "", **slots: object) -> str:
    """The message body (without location) of catalog kind ``code``."""
    kind = CATALOG[code]
    data = _Slots({k: "" if v is None else str(v) for k, v in slots.items()})
    data["header"] = header
    data["value"] = value
    return _tidy(_FORMATTER.vformat(kind.template, (), data))


def _tidy(text: str) -> str:
    """Slots such as schema help text often end in 。 already: no “。。” or “？。”."""
    text = re.sub(r"[；，]。", "。", text)
    return re.sub(r"([。？！])。+", r"\1", text)


def location(*, file: str = "", sheet: str = "", row: int | None = None, column: str = "", header: str = "") -> str:
    """``文件“a.xlsx”“走访记录”表第12行C列“走访日期”``."""
    parts: list[str] = []
    if file:
        parts.append(f"文件“{file}”")
    if sheet:
        parts.append(f"“{sheet}”表")
    cell = ""
    if row is not None:
        cell += f"第{row}行"
    if column:
        cell += f"{column}列"
    if header and (row is not None or column):
        cell += f"（{header}）"
    if cell:
        parts.append(cell)
    return "".join(parts)


def make_issue(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    sheet_key: str | None = None,
    row: int | None = None,
    column: str = "",
    column_key: str | None = None,
    header: str = "",
    value: object = "",
    severity: Severity | None = None,
    **slots: object,
) -> Issue:
    """An :class:`Issue` of catalog kind ``code``, message = location + body.

    ``severity`` may only be given for a kind that declares a second one (``ErrorKind.also``)."""
    kind = CATALOG[code]
    if severity is not None and severity != kind.severity and severity != kind.also:
        raise ValueError(f"issue kind {code!r} cannot be {severity}")
    shown = value if isinstance(value, str) else _shown(value)
    body = render(code, header=header, value=shown, **slots)
    where = location(file=file, sheet=sheet, row=row, column=column, header=header)
    message = f"{where}：{body}" if where else body
    return Issue(
        code=code,
        severity=severity or kind.severity,
        message=message,
        file=file,
        sheet=sheet,
        sheet_key=sheet_key,
        row=row,
        column=column,
        column_key=column_key,
        header=header,
        value=shown,
    )


def short_message(issue: Issue) -> str:
    """The message without the file and sheet (for the row's 提示 notes)."""
    body = issue.message
    where = location(file=issue.file, sheet=issue.sheet, row=issue.row, column=issue.column, header=issue.header)
    if where and body.startswith(where + "："):
        body = body[len(where) + 1:]
    prefix = f"{issue.column}列（{issue.header}）：" if issue.column and issue.header else ""
    return prefix + body


def within_file(issue: Issue) -> str:
    """The message without its file (``“走访记录”表第4行B列（走访日期）：…``), for a list of
    one file's issues under that file's name; a message about the whole file keeps its body."""
    head = f"文件“{issue.file}”" if issue.file else ""
    body = issue.message
    if head and body.startswith(head):
        body = body[len(head):].removeprefix("：")
    return body


def body(issue: Issue) -> str:
    """The message without any location (where it is is said beside it: the 退回说明's columns)."""
    where = location(file=issue.file, sheet=issue.sheet, row=issue.row, column=issue.column, header=issue.header)
    if where and issue.message.startswith(where + "："):
        return issue.message[len(where) + 1:]
    return within_file(issue)


def _shown(value: object) -> str:
    from .normalize import display_value

    return display_value(value)


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def catalog_markdown() -> str:
    """The catalog as a Markdown table (docs/validation.md)."""
    lines = ["| 代码 | 级别 | 范围 | 名称 | 含义 | 提示文字模板 |", "|---|---|---|---|---|---|"]
    for k in _KINDS:
        tpl = k.template.replace("|", "\\|")
        severity = f"{k.severity}／{k.also}" if k.also else k.severity
        lines.append(f"| `{k.code}` | {severity} | {k.scope} | {k.title} | {k.description} | {tpl} |")
    return "\n".join(lines)


def write_catalog_docs(path: Path) -> None:
    """Replace the catalog table in docs/validation.md by :func:`catalog_markdown` (``python -m toolkit.errors``)."""
    text = path.read_text(encoding="utf-8")
    head = "| 代码 | 级别 | 范围 | 名称 | 含义 | 提示文字模板 |"
    start = text.index(head)
    end = text.find("\n\n", start)
    end = len(text) if end < 0 else end
    path.write_text(text[:start] + catalog_markdown() + text[end:], encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    write_catalog_docs(Path(__file__).resolve().parent.parent / "docs" / "validation.md")
