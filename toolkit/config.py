"""Workspace configuration: ``toolkit.toml``, periods, units, folders.

A workspace is a folder with a ``toolkit.toml`` that office staff edit by hand
(Notepad is enough). Every key is checked when loading; a bad or missing key
raises :class:`ConfigError` with a Chinese message naming the key and the
expected form.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from .celltext import clean
from .model import Period, Unit
from .paths import folder_problem

CONFIG_NAME = "toolkit.toml"

DEFAULT_FOLDERS = {
    "templates": "下发模板",
    "inbox": "收集文件",
    "output": "汇总输出",
    "returns": "退回修改",
}

DEFAULT_TITLE = "关于开展“能力作风建设年”大走访大调研活动情况的报告"

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


from .exceptions import ConfigError, NotAWorkspaceError  # noqa: E402,F401 - re-exported: callers import them from here


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------

_PERIOD_FORMS = ("2022Q1 或 2022年第一季度（季度）、2022-03 或 2022年3月（月份）、2022H1 或 2022年上半年（半年）、"
                 "2022 或 2022年（全年）；不写年份（如 二季度、5月）时按本工作区的年份")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_YEAR_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", **{k: str(v) for k, v in _CN_DIGITS.items() if v < 10}}


def _cn_number(text: str) -> int | None:
    """``5``, ``05``, ``五``, ``十二``, ``十``; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if len(text) == 1:
        return _CN_DIGITS[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + _CN_DIGITS[text[1]]
    if len(text) == 2 and text[1] == "十":
        return 10 * _CN_DIGITS[text[0]]
    return None


_CN_PERIOD = re.compile(r"(?:(\d{4}|[〇零○一二三四五六七八九]{4})年(?:度)?)?"
                        r"(?:(?:第)?([1-4一二三四])季度?|([上下])半年|(\d{1,2}|[一二三四五六七八九十]{1,2})月(?:份)?|"
                        r"[Qq]([1-4]))?")


def _chinese_period(raw: str, year: int | None) -> str | None:
    """The code of a period written the way the toolkit names it (``2022年第二季度``, ``2022年5月``,
    ``2022年上半年``, ``2022年``/``2022年度``), also without the year (``二季度``, ``5月``: ``year``)."""
    m = _CN_PERIOD.fullmatch(raw)
    if not m or not any(m.groups()):
        return None
    written, quarter, half, month, q = m.groups()
    if written:
        y = int("".join(_CN_YEAR_DIGITS.get(ch, ch) for ch in written))
    else:
        y = year if year is not None else date.today().year
    if quarter or q:
        return f"{y}Q{_cn_number(quarter or q)}"
    if half:
        return f"{y}H{1 if half == '上' else 2}"
    if month:
        n = _cn_number(month)
        return f"{y}-{n:02d}" if n is not None and 1 <= n <= 12 else None
    return str(y) if written else None


def parse_period(text: str, year: int | None = None) -> Period:
    """Parse a period: a code (``2022Q1``, ``2022-03``/``2022M03``, ``2022H1``, ``2022``) or its
    Chinese name (``2022年第一季度``, ``2022年3月``, ``2022年上半年``, ``2022年``/``2022年度``); written
    without the year (``二季度``, ``3月``, ``上半年``) it is in ``year`` (default: this year)."""
    import unicodedata

    raw = "".join(unicodedata.normalize("NFKC", str(text)).split()).upper().replace("－", "-")
    chinese = _chinese_period(raw, year) if re.search(r"[年季月半度]", raw) else None
    if chinese:
        raw = chinese
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", raw)
    if m:
        y, q = int(m[1]), int(m[2])
        start = date(y, 3 * q - 2, 1)
        end = _month_end(y, 3 * q)
        return Period(f"{y}Q{q}", f"{y}年{QUARTER_NAMES[q]}", start, end)
    m = re.fullmatch(r"(\d{4})(?:-|M|-M)?(\d{1,2})", raw)
    if m and 1 <= int(m[2]) <= 12 and len(raw) > 4:
        y, month = int(m[1]), int(m[2])
        return Period(f"{y}-{month:02d}", f"{y}年{month}月", date(y, month, 1), _month_end(y, month))
    m = re.fullmatch(r"(\d{4})-?H([12])", raw)
    if m:
        y, h = int(m[1]), int(m[2])
        if h == 1:
            return Period(f"{y}H1", f"{y}年上半年", date(y, 1, 1), date(y, 6, 30))
        return Period(f"{y}H2", f"{y}年下半年", date(y, 7, 1), date(y, 12, 31))
    m = re.fullmatch(r"(\d{4})", raw)
    if m:
        y = int(m[1])
        return Period(str(y), f"{y}年度", date(y, 1, 1), date(y, 12, 31))
    raise ConfigError(f"统计期“{text}”无法识别。请写成 {_PERIOD_FORMS}。")


def following_period(period: Period) -> Period:
    """The period of the same kind after ``period`` (the next month, quarter, half-year or year)."""
    return _shifted(period, 1)


def preceding_period(period: Period) -> Period:
    """The period of the same kind before ``period`` (the month, quarter, half-year or year before)."""
    return _shifted(period, -1)


def _shifted(period: Period, step: int) -> Period:
    """The period of the same kind ``step`` (1 or -1) periods away."""
    code, year = period.code, period.start.year
    for pattern, per_year, index, make in (
            (r"\d{4}Q[1-4]", 4, lambda c: int(c[-1]), lambda y, i: f"{y}Q{i}"),
            (r"\d{4}-\d{2}", 12, lambda c: int(c[-2:]), lambda y, i: f"{y}-{i:02d}"),
            (r"\d{4}H[12]", 2, lambda c: int(c[-1]), lambda y, i: f"{y}H{i}")):
        if re.fullmatch(pattern, code):
            n = year * per_year + index(code) - 1 + step
            return parse_period(make(n // per_year, n % per_year + 1))
    return parse_period(str(year + step))


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# ---------------------------------------------------------------------------
# Workspace
# ---------------------------------------------------------------------------


@dataclass
class ReportSettings:
    title: str = DEFAULT_TITLE
    recipient: str = ""  # 主送机关
    signature: str = ""  # 署名 (defaults to the organisation)
    date: date | None = None  # 成文日期 (defaults to today)
    template: str = ""  # custom .docx template, relative to the workspace
    appendix_template: str = ""  # custom .docx template of 统计附表, relative to the workspace
    low_closure_rate: float = 60.0  # units below this closure rate (%) are named in 存在问题
    basis: str = ""  # the document the work follows, quoted in the opening: 按照《……实施方案》要求
    closing: str = ""  # the closing line after 三、下步打算, e.g. 特此报告。
    charts: bool = False  # charts in the body of the report (else in 统计附表 only)
    submission: str = "appendix"  # where 报送情况 goes: "appendix" (a note of the 附件), "body" (一、), "none"
    headings: dict[str, str] = field(default_factory=dict)  # custom 小标题 of the parts of 一、 (sections.HEADINGS)


@dataclass
class ReportText:
    """Staff-written paragraphs of the report (also editable in 控制台.xlsm → 报告要素)."""

    highlights: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    organization: list[str] = field(default_factory=list)  # 组织领导和动员部署 (placed first in 一、)

    def or_else(self, fallback: "ReportText") -> "ReportText":
        """These paragraphs, with each empty category taken from ``fallback``."""
        return ReportText(
            highlights=self.highlights or fallback.highlights,
            problems=self.problems or fallback.problems,
            plans=self.plans or fallback.plans,
            organization=self.organization or fallback.organization,
        )


@dataclass
class Workspace:
    root: Path
    org: str
    office: str
    period: Period
    units: list[Unit]
    folders: dict[str, str]
    report: ReportSettings
    text: ReportText
    as_of: date | None = None  # reference date for overdue checks; None = today
    period_folder: str = ""  # the period's own folder, relative to the workspace ("" = the workspace itself)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def store_path(self) -> Path:
        """The history store of the workspace (toolkit.history)."""
        from .history.store import STORE_NAME

        return self.root / STORE_NAME

    @property
    def cache_dir(self) -> Path | None:
        """The read cache of this period's inbox (toolkit.read.cache), or None: switched off with
        ``TOOLKIT_CACHE=0``, or when it would lie in the inbox (nothing is written there)."""
        import os

        from .read.cache import CACHE_FOLDER

        if os.environ.get("TOOLKIT_CACHE", "").strip() in ("0", "off", "no", "false"):
            return None
        folder = self.root / CACHE_FOLDER / self.period.code
        inbox, where = self.inbox.resolve(), folder.resolve()
        if where == inbox or inbox in where.parents or self.root.resolve() not in where.parents:
            return None  # in the inbox, or led out of the workspace by a link
        return folder

    @property
    def period_dir(self) -> Path:
        return self.root / self.period_folder if self.period_folder else self.root

    def folder(self, name: str) -> Path:
        return self.period_dir / self.folders[name]

    def with_period(self, period: Period, *, folder: str, folders: dict[str, str] | None = None,
                    as_of: date | None = None) -> "Workspace":
        """This workspace seen from another period (an earlier recorded one: its folders and 统计截止日)."""
        from dataclasses import replace

        return replace(self, period=period, period_folder=folder, folders={**self.folders, **(folders or {})},
                       as_of=as_of)

    @property
    def templates_dir(self) -> Path:
        return self.folder("templates")

    @property
    def inbox(self) -> Path:
        return self.folder("inbox")

    @property
    def output_dir(self) -> Path:
        return self.folder("output")

    @property
    def returns_dir(self) -> Path:
        return self.folder("returns")

    def reference_date(self) -> date:
        return self.as_of or date.today()


def find_workspace(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` holding a toolkit.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_workspace(root: Path) -> Workspace:
    path = Path(root) / CONFIG_NAME if Path(root).is_dir() else Path(root)
    if not path.is_file():
        raise ConfigError(
            f"找不到配置文件 {path}。请先运行 toolkit init <目录> 创建工作区，或在工作区目录中运行命令。"
        )
    text = read_config_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise syntax_error(exc, text, path.name) from None
    try:
        return parse_workspace(data, path.parent)
    except ConfigError as exc:
        raise with_line(exc, text) from None


def read_config_text(path: Path) -> str:
    """toolkit.toml's text: UTF-8 (with or without the BOM Notepad writes), or GBK — what Notepad on a
    Chinese Windows saves as “ANSI” — read as such rather than refused (a later edit writes UTF-8)."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # GBK and its superset
    except UnicodeDecodeError:
        raise ConfigError(f"{Path(path).name} 的编码无法识别（不是 UTF-8，也不是 GBK/ANSI）。"
                          "请用记事本打开，“另存为”时编码选择 UTF-8。") from None


#: the usual slip behind a units key outside a [[units]] table
UNITS_SLIP = ("是不是漏了 [[units]]？每个单位前面要有单独一行 [[units]]（两个方括号），"
              "下面再写 code = \"05\" 和 name = \"单位名称\"。")

_SYNTAX = (  # tomllib's reasons, in the words of the office
    ("Cannot overwrite a value", "同一节里“{key}”写了两次"),
    ("Cannot declare", "“{line}”这一节写了两次，每一节只能写一次（每个单位各写一段 [[units]]，是两个方括号）"),
    ("Invalid value", "等号右边的写法不对：文字要用英文双引号括起来（如 name = \"办公室\"），日期写成 2022-04-29，数字直接写"),
    ("Expected '=' after a key", "这一行缺少“=”，或名称中间有空格：应写成 名称 = 值"),
    ("Expected newline or end of document", "一行只能写一项设置；日期要写成真实的日期（如 2022-04-29），文字要用英文双引号括起来"),
    ("Unterminated string", "引号没有成对：文字两边各要一个英文双引号"),
    ("Illegal character", "引号没有成对，或文字中有不能直接写的字符：文字两边各要一个英文双引号"),
    ("Found invalid character", "有不能直接写的字符：文字要用英文双引号括起来"),
    ("Invalid statement", "这一行无法识别：应写成 名称 = 值，或 [节名]"),
    ("Expected ']", "方括号没有配对：节名写成 [period]，单位写成 [[units]]"),
    ("Invalid initial character for a key", "名称写法不对：等号左边只写英文名称，如 name"),
    ("Unclosed array", "方括号没有配对：列表写成 [\"第一段\", \"第二段\"]"),
    ("Invalid date", "日期写法不对：写成 2022-04-29"),
)


def _table_keys(text: str):
    """(line number, table, key) of every key line of toolkit.toml ``text``; each [[table]] is new."""
    current = ""
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER_RE.match(line)
        if m:
            current = f"{m[2].strip()}#{n}" if m[1] == "[[" else m[2].strip()
            continue
        k = _KEY_RE.match(line)
        if k:
            yield n, current, k[1].strip("\"'")


def _unterminated_line(text: str) -> int | None:
    for n, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if line.count('"') % 2 == 0 else line
        if code.replace('\\"', "").count('"') % 2:
            return n
    return None


def syntax_error(exc: Exception, text: str, name: str = CONFIG_NAME) -> ConfigError:
    """A TOML syntax error in Chinese, naming its line (found here where tomllib says “at end of document”)
    and the usual slip (a unit's second code under the same [[units]]: 是不是漏了 [[units]]？)."""
    raw = str(exc)
    reason_en = re.sub(r"\s*\((?:at line \d+, column \d+|at end of document)\)\s*$", "", raw)
    m = re.search(r"at line (\d+), column (\d+)", raw)
    lines = text.splitlines()
    line = int(m[1]) if m else None
    key = ""
    slip = ""
    if reason_en.startswith("Cannot overwrite a value"):
        seen: dict[tuple[str, str], int] = {}
        for n, table, written in _table_keys(text):
            if (table, written) in seen:
                line, key = n, written
                if written in KNOWN_KEYS["units"]:
                    slip = UNITS_SLIP
                break
            seen[(table, written)] = n
    elif reason_en.startswith("Unterminated string") and line is None:
        line = _unterminated_line(text)
    if line is None:
        line = len(lines) or 1
    shown = re.sub(r"\s+#.*$", "", lines[line - 1]).strip() if 0 < line <= len(lines) else ""
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    reason = next((zh.format(key=key, line=shown) for en, zh in _SYNTAX if reason_en.startswith(en)),
                  f"格式有误（{reason_en}）")
    where = f"{name} 第{line}行" + (f"（{shown}）" if shown else "")
    return ConfigError(f"{where}：{reason}。{slip or '请用记事本打开改正后保存。'}")


def key_error(message: str, key: str, index: int | None = None) -> ConfigError:
    """A ConfigError about toolkit.toml's key ``key`` (``a.b``; ``index``: the n-th [[units]]):
    :func:`load_workspace` adds the line it is on (tomllib gives none)."""
    exc = ConfigError(message)
    exc.key, exc.index = key, index  # type: ignore[attr-defined]
    return exc


def with_line(exc: ConfigError, text: str) -> ConfigError:
    """``exc`` with “toolkit.toml 第N行” for the key it names, when the key is found in ``text``."""
    key = getattr(exc, "key", None)
    line = key_line(text, key, getattr(exc, "index", None)) if key else None
    if line is None:
        return exc
    message = exc.message
    for start in ("toolkit.toml 中", "toolkit.toml "):
        if message.startswith(start):
            message = f"toolkit.toml 第{line}行：" + message[len(start):]
            break
    else:
        message = f"toolkit.toml 第{line}行：{message}"
    located = key_error(message, key, getattr(exc, "index", None))
    return located


_HEADER_RE = re.compile(r"""^\s*(\[\[?)\s*([A-Za-z0-9_."' -]+?)\s*\]\]?\s*(?:#.*)?$""")
_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def key_line(text: str, key: str, index: int | None = None) -> int | None:
    """The 1-based line of ``key`` (``section.name`` or a top-level name; ``index``: in the
    n-th ``[[section]]``, 1-based) in toolkit.toml ``text``; its section's header line when the
    key itself is not written; None when neither is found."""
    section, _, name = key.rpartition(".")
    current, seen, header_line = "", 0, None
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER_RE.match(line)
        if m:
            current = m[2].replace('"', "").replace("'", "").strip()
            if m[1] == "[[":
                seen = seen + 1 if current == section else seen
            if current == section and (index is None or seen == index):
                header_line = header_line or n
            continue
        k = _KEY_RE.match(line)
        if not k:
            continue
        written = k[1].strip("\"'")
        full = f"{current}.{written}" if current else written
        if (current == section and (index is None or seen == index) and written == name) or \
                (not section and not current and written == name) or (not current and full in (key, section)):
            return n
    return header_line


def _get(data: dict, key: str, expected: str, *, required: bool = True, default: Any = None) -> Any:
    """Fetch ``a.b.c`` from nested tables with a Chinese error naming the key."""
    node: Any = data
    parts = key.split(".")
    for n, part in enumerate(parts):
        if not isinstance(node, dict):
            section = ".".join(parts[:n])
            raise key_error(f"toolkit.toml 中“{section}”应为一节（[{section}]，下面各行写它的设置），"
                            f"不能是{_kind(node)}。", section)
        if part not in node:
            if required:
                raise ConfigError(f"toolkit.toml 缺少“{key}”。应写成：{expected}")
            return default
        node = node[part]
    return node


def _kind(value: Any) -> str:
    """What a TOML value is, in the words of a message (``5`` is 数字, ``true`` 是/否…)."""
    if isinstance(value, bool):
        return f"是/否（{str(value).lower()}）"
    if isinstance(value, (int, float)):
        return f"数字（{value}）"
    if isinstance(value, datetime):
        return f"日期时间（{value.isoformat()}）"
    if isinstance(value, (date, dt_time)):
        return f"日期或时间（{value.isoformat()}）"
    if isinstance(value, dict):
        return "一节或 {…} 表"
    if isinstance(value, list):
        return "列表 […]"
    return f"文字（“{value}”）"


def _text(data: dict, key: str, expected: str, *, required: bool = True, default: str = "") -> str:
    value = _get(data, key, expected, required=required, default=default)
    if not isinstance(value, str) or (required and not clean(value).strip()):
        got = "" if isinstance(value, str) else f"，不能是{_kind(value)}"
        raise key_error(f"toolkit.toml 中“{key}”应为{'非空' if required else ''}文字（用英文双引号括起来）{got}，写成：{expected}",
                        key)
    return clean(value).strip()  # no control character (a TOML "\u0007") reaches a workbook or the report


def parse_date_text(text: str) -> date | None:
    """``2022-04-29``, ``2022/4/29``, ``2022.4.29`` or ``2022年4月29日``; None if not a date."""
    m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", str(text))
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def _date(data: dict, key: str, expected: str, *, required: bool = False) -> date | None:
    value = _get(data, key, expected, required=required)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise key_error(f"toolkit.toml 中“{key}”只写日期，不要写时间（{value.isoformat()}），应写成：{expected}", key)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and parse_date_text(value):
        return parse_date_text(value)
    shown = f"“{value}”" if isinstance(value, str) else _kind(value)
    raise key_error(f"toolkit.toml 中“{key}”的日期{shown}无法识别，应写成：{expected}", key)


def _bool(data: dict, key: str, expected: str) -> bool:
    value = _get(data, key, expected, required=False, default=False)
    if not isinstance(value, bool):
        raise key_error(f"toolkit.toml 中“{key}”应为 true 或 false（不加引号），不能是{_kind(value)}，写成：{expected}", key)
    return value


def _choice(data: dict, key: str, choices: tuple[str, ...], expected: str) -> str:
    value = _get(data, key, expected, required=False, default=choices[0])
    if not isinstance(value, str) or value.strip() not in choices:
        shown = f"“{clean(value)}”" if isinstance(value, str) else _kind(value)
        raise key_error(f"toolkit.toml 中“{key}”的值{shown}无法识别，应写成：{expected}", key)
    return value.strip()


def _headings(data: dict) -> dict[str, str]:
    value = _get(data, "report.headings", "", required=False, default={})
    if not isinstance(value, dict):
        raise key_error('toolkit.toml 中“report.headings”应为一节，写成：\n[report.headings]\nvisits = "深入走访调研，察实情听民意"',
                        "report.headings")
    out = {}
    for key, heading in value.items():
        if not isinstance(heading, str):
            raise key_error(f"toolkit.toml 中“report.headings.{key}”应为文字，不能是{_kind(heading)}，写成：{key} = \"……\"",
                            f"report.headings.{key}")
        if clean(heading).strip():
            out[key] = clean(heading).strip()
    return out


def _string_list(data: dict, key: str) -> list[str]:
    value = _get(data, key, "", required=False, default=[])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise key_error(f"toolkit.toml 中“{key}”应为文字列表，写成：{key.split('.')[-1]} = [\"第一段\", \"第二段\"]", key)
    return [clean(v).strip() for v in value if clean(v).strip()]


KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": ("org", "office", "as_of", "period", "report", "report_text", "folders", "units"),
    "period": ("code", "name", "start", "end", "folder"),
    "report": ("title", "recipient", "signature", "date", "template", "appendix_template", "low_closure_rate",
               "basis", "closing", "charts", "submission", "headings"),
    "report_text": ("organization", "highlights", "problems", "plans"),
    "report.headings": ("organization", "visits", "problems", "tasks", "achievements", "units", "highlights"),
    "folders": tuple(DEFAULT_FOLDERS),
    "units": ("code", "name", "aliases"),
}


def _check_keys(data: dict) -> None:
    """A misspelt key would silently do nothing: name it and suggest the right one."""
    import difflib

    def check(table: dict, section: str) -> None:
        known = KNOWN_KEYS[section]
        for key in table:
            if key in known:
                continue
            where = f"[{section}] 下的" if section else ""
            near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"是不是“{near[0]}”？" if near else f"可用的有：{'、'.join(known)}。"
            if key in KNOWN_KEYS["units"]:  # a unit's code or name outside its [[units]]
                hint = UNITS_SLIP
            raise key_error(f"toolkit.toml 中{where}“{key}”无法识别，{hint}", f"{section}.{key}" if section else key,
                            index)

    index = None
    check(data, "")
    for section in ("period", "report", "report_text", "folders"):
        if section in data and not isinstance(data[section], dict):
            raise key_error(f"toolkit.toml 中“{section}”应为一节（[{section}]，下面各行写它的设置），"
                            f"不能是{_kind(data[section])}。", section)
        if isinstance(data.get(section), dict):
            check(data[section], section)
    headings = data.get("report", {}).get("headings") if isinstance(data.get("report"), dict) else None
    if isinstance(headings, dict):
        check(headings, "report.headings")
    units = data.get("units")
    if isinstance(units, list):
        for index, unit in enumerate(units, start=1):
            if isinstance(unit, dict):
                check(unit, "units")


@dataclass(frozen=True)
class UnitSource:
    """Where a unit list is written, for the wording of its messages; the checks are the same
    (:func:`parse_units`) for toolkit.toml and for the console's 单位名单 sheet."""

    place: str = "toolkit.toml 中"
    item: str = "第{n}个 [[units]]"  # {n}: the entry's number (the sheet: its row)
    code: str = "“code”（单位编码），应写成 code = \"01\""
    name: str = "“name”（单位名称），应写成 name = \"办公室\""


TOML_UNITS = UnitSource()


def parse_units(raw_units: Any, source: UnitSource = TOML_UNITS, numbers: list[int] | None = None) -> list[Unit]:
    """Check a unit list (dicts with code, name and optional aliases) and return its units.

    ``numbers`` gives each entry's number for the messages (default: 1, 2, …)."""
    if not isinstance(raw_units, list):
        slip = "（是不是把 [[units]] 写成了 [units]？两个方括号才是一个单位）" if isinstance(raw_units, dict) else ""
        raise key_error(f'toolkit.toml 中“units”应为单位列表{slip}，每个单位写成：\n[[units]]\ncode = "01"\nname = "办公室"',
                        "units.code" if slip else "units")  # [units]: the line of its first key
    units: list[Unit] = []
    seen_codes: dict[str, str] = {}
    seen_names: set[str] = set()
    for i, item in enumerate(raw_units, start=1):
        where = source.item.format(n=numbers[i - 1] if numbers else i)
        if not isinstance(item, dict):
            raise key_error(f"{source.place}{where}格式有误，应写成 code = \"01\" 和 name = \"办公室\" 两行。", "units", i)
        ucode = item.get("code")
        uname = item.get("name")
        if ucode is None or str(ucode).strip() == "":
            raise key_error(f"{source.place}{where}缺少{source.code}。", "units", i)
        if isinstance(ucode, bool) or not isinstance(ucode, (str, int)):
            raise key_error(f"{source.place}{where}的“code”应为编码文字，如 code = \"01\"，不能是{_kind(ucode)}。",
                            "units.code", i)
        if uname is not None and not isinstance(uname, str):
            raise key_error(f"{source.place}{where}的“name”应为单位名称文字，如 name = \"办公室\"，不能是{_kind(uname)}。",
                            "units.name", i)
        if not isinstance(uname, str) or not clean(uname).strip():
            raise key_error(f"{source.place}{where}缺少{source.name}。", "units", i)
        ucode = clean(str(ucode)).strip()
        uname = clean(uname).strip()
        if ucode in seen_codes:
            raise key_error(
                f"{source.place}单位编码“{ucode}”重复（{seen_codes[ucode]} 和 {uname}）。每个单位的编码必须唯一，请改正其中一个。",
                "units.code", i)
        if uname in seen_names:
            raise key_error(f"{source.place}单位名称“{uname}”重复出现，请删除或改名。", "units.name", i)
        aliases = item.get("aliases", [])
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise key_error(f"{source.place}{where}的“aliases”（别名）应为文字列表，如 aliases = [\"办公室\", \"局办\"]，"
                            f"不能是{_kind(aliases)}。", "units.aliases", i)
        seen_codes[ucode] = uname
        seen_names.add(uname)
        units.append(Unit(ucode, uname, tuple(clean(a).strip() for a in aliases if clean(a).strip())))
    return units


def unit_entry(unit: Unit) -> dict[str, Any]:
    """A unit as its [[units]] entry of toolkit.toml (aliases only when there are some)."""
    entry: dict[str, Any] = {"code": unit.code, "name": unit.name}
    if unit.aliases:
        entry["aliases"] = list(unit.aliases)
    return entry


#: folders the toolkit writes into, by the key of [folders], and what it writes there
WRITTEN_FOLDERS = {"templates": "下发的模板", "output": "汇总表和报告", "returns": "退回修改文件"}


def check_folders(folders: dict[str, str]) -> None:
    """The folders the toolkit writes into may not be the inbox or lie inside it (what it writes
    there would be read as submissions next time), nor hold the inbox."""
    def parts(key: str) -> tuple[str, ...]:
        return tuple(p for p in folders[key].replace("\\", "/").split("/") if p not in ("", "."))

    inbox = parts("inbox")
    for key, what in WRITTEN_FOLDERS.items():
        mine = parts(key)
        if mine[: len(inbox)] == inbox or inbox[: len(mine)] == mine:
            raise key_error(
                f"toolkit.toml 中“folders.{key}”（{folders[key]}）与收集文件夹“folders.inbox”（{folders['inbox']}）"
                f"相同或互相包含：{what}放进收集文件夹，下次会被当作报送的表格读取。"
                f"请把它们设为不同的文件夹，如 {key} = \"{DEFAULT_FOLDERS[key]}\"、inbox = \"{DEFAULT_FOLDERS['inbox']}\"。",
                f"folders.{key}")


def parse_workspace(data: dict, root: Path) -> Workspace:
    _check_keys(data)
    org = _text(data, "org", 'org = "XX市XX局"')
    office = _text(data, "office", 'office = "党建办"', required=False, default="党建办") or "党建办"

    code = _get(data, "period.code", 'period.code = "2022Q1"（在 [period] 下写 code = "2022Q1"）')
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise key_error(f"toolkit.toml 中“period.code”应为统计期代码，如 code = \"2022Q1\"，不能是{_kind(code)}",
                        "period.code")
    try:
        period = parse_period(str(code))
    except ConfigError as exc:
        raise key_error(f"toolkit.toml 中“period.code”：{exc.message}", "period.code") from None
    start = _date(data, "period.start", "start = 2022-01-01") or period.start
    end = _date(data, "period.end", "end = 2022-03-31") or period.end
    if end < start:
        raise key_error(f"toolkit.toml 中 period.end（{end}）早于 period.start（{start}），请改正。", "period.end")
    name = _text(data, "period.name", 'name = "2022年第一季度"', required=False) or period.name
    period = Period(period.code, name, start, end)
    period_folder = _text(data, "period.folder", 'folder = "2022年第一季度"', required=False)
    problem = folder_problem(period_folder) if period_folder else None
    if problem:
        raise key_error(f"toolkit.toml 中“period.folder”的“{period_folder}”{problem}。"
                        '请写工作区内的文件夹名，如 folder = "2022年第一季度"（留空表示工作区本身）', "period.folder")

    units = parse_units(_get(data, "units", "", required=False, default=[]))

    folders = dict(DEFAULT_FOLDERS)
    raw_folders = _get(data, "folders", "", required=False, default={})
    if not isinstance(raw_folders, dict):
        raise ConfigError('toolkit.toml 中“folders”应为一节，写成：\n[folders]\ninbox = "收集文件"')
    for key, value in raw_folders.items():
        if key not in folders:
            hint = UNITS_SLIP if key in KNOWN_KEYS["units"] else f"可用的有：{'、'.join(folders)}。"
            raise key_error(f"toolkit.toml 中[folders] 下的“{key}”无法识别，{hint}", f"folders.{key}")
        if not isinstance(value, str) or not value.strip():
            raise key_error(f"toolkit.toml 中“folders.{key}”应为文件夹名，写成：{key} = \"{folders[key]}\"",
                            f"folders.{key}")
        problem = folder_problem(value)
        if problem:
            raise key_error(f"toolkit.toml 中“folders.{key}”的“{value.strip()}”{problem}。"
                            f"请写工作区内的文件夹名，如 {key} = \"{DEFAULT_FOLDERS[key]}\"", f"folders.{key}")
        folders[key] = value.strip()
    check_folders(folders)

    threshold = _get(data, "report.low_closure_rate", "", required=False, default=60.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 100:
        raise key_error("toolkit.toml 中“report.low_closure_rate”应为0～100之间的数字，如 low_closure_rate = 60"
                        + ("" if isinstance(threshold, (int, float)) and not isinstance(threshold, bool)
                           else f"，不能是{_kind(threshold)}"), "report.low_closure_rate")
    report = ReportSettings(
        title=_text(data, "report.title", 'title = "关于……的报告"', required=False) or DEFAULT_TITLE,
        recipient=_text(data, "report.recipient", 'recipient = "市委组织部"', required=False),
        signature=_text(data, "report.signature", 'signature = "XX市XX局"', required=False) or org,
        date=_date(data, "report.date", "date = 2022-04-29"),
        template=_text(data, "report.template", 'template = "我的模板.docx"', required=False),
        appendix_template=_text(data, "report.appendix_template", 'appendix_template = "我的附表模板.docx"',
                                required=False),
        low_closure_rate=float(threshold),
        basis=_text(data, "report.basis", 'basis = "《关于开展……活动的实施方案》"', required=False),
        closing=_text(data, "report.closing", 'closing = "特此报告。"', required=False),
        charts=_bool(data, "report.charts", "charts = false（图表只放在统计附表中）或 charts = true（放在正文中）"),
        submission=_choice(data, "report.submission", ("appendix", "body", "none"),
                           'submission = "appendix"（附件注明）、"body"（正文中写明）或 "none"（不写）'),
        headings=_headings(data),
    )
    text = ReportText(
        highlights=_string_list(data, "report_text.highlights"),
        problems=_string_list(data, "report_text.problems"),
        plans=_string_list(data, "report_text.plans"),
        organization=_string_list(data, "report_text.organization"),
    )
    as_of = _date(data, "as_of", "as_of = 2022-04-29")
    return Workspace(Path(root).resolve(), org, office, period, units, folders, report, text, as_of, period_folder)


# ---------------------------------------------------------------------------
# Writing a new workspace
# ---------------------------------------------------------------------------

DEFAULT_UNITS = (
    ("01", "办公室"),
    ("02", "党建办"),
    ("03", "政策法规科"),
    ("04", "综合业务科"),
)


def toml_value(value: Any) -> str:
    """``value`` written as a TOML value (a string quoted and escaped, a date as 2022-04-29)."""
    import tomlkit

    return tomlkit.item(value).as_string()




def edit_config_text(text: str, values: dict[tuple[str, str], Any]) -> str:
    """toolkit.toml ``text`` with keys set to ``values`` — comments, order and layout kept (tomlkit).

    ``values`` maps (table, key) to a Python value; table ``""`` is the top level. A key that
    is missing is added to its table (a missing table is appended). ``("", "units")`` takes a
    list of entries (:func:`unit_entry`) and rewrites the [[units]] array of tables in that
    order: an entry whose code (else name) was there before keeps its table, with its comments."""
    import tomlkit

    doc = tomlkit.parse(text)
    for (table, key), value in values.items():
        if not table and key == "units":
            _set_units(doc, value)
            continue
        if not table:
            doc[key] = value
            continue
        node = doc
        for part in table.split("."):  # "report.headings": the [report.headings] table
            if part not in node:
                node[part] = tomlkit.table()
            node = node[part]
        node[key] = value
    return tomlkit.dumps(doc)


def _set_units(doc: Any, entries: list[dict[str, Any]]) -> None:
    import tomlkit
    from tomlkit.items import AoT

    old = doc.get("units")
    if not isinstance(old, AoT):  # absent, or written as an inline array: a fresh [[units]] array
        if "units" in doc:
            del doc["units"]
        doc["units"] = old = tomlkit.aot()
    by_code = {str(t.get("code", "")).strip(): t for t in old}
    by_name = {str(t.get("name", "")).strip(): t for t in old}
    tables = []
    for entry in entries:
        table = by_code.pop(str(entry["code"]), None) or by_name.pop(str(entry["name"]), None) or tomlkit.table()
        by_name = {k: v for k, v in by_name.items() if v is not table}
        by_code = {k: v for k, v in by_code.items() if v is not table}
        for field in ("code", "name"):
            if table.get(field) != entry[field]:
                table[field] = entry[field]
        aliases = entry.get("aliases") or []
        if aliases and list(table.get("aliases") or []) != list(aliases):
            table["aliases"] = list(aliases)
        elif not aliases and "aliases" in table:
            del table["aliases"]
        tables.append(table)
    while len(old):
        del old[0]
    for table in tables:
        old.append(table)


def render_config(
    org: str,
    period: Period,
    *,
    office: str = "党建办",
    units: list[Unit] | None = None,
    report_date: date | None = None,
    as_of: date | None = None,
    recipient: str = "",
    text: ReportText | None = None,
    period_folder: str | None = None,
) -> str:
    """A commented toolkit.toml that staff can edit by hand (the period's folder defaults to its name)."""
    period_folder = period.name if period_folder is None else period_folder
    units = units if units is not None else [Unit(c, n) for c, n in DEFAULT_UNITS]
    text = text or ReportText()
    lines = [
        "# 工作区配置文件：可以用记事本打开修改，保存时选择 UTF-8 编码。",
        "# 文字要用英文双引号括起来；日期写成 2022-04-29；以 # 开头的行是说明，不起作用。",
        "",
        f"org = {toml_value(org)}          # 本单位名称（报告署名默认用它）",
        f"office = {toml_value(office)}          # 负责汇总的科室",
    ]
    if as_of:
        lines.append(f"as_of = {as_of.isoformat()}          # 判断逾期的基准日期；删除此行则按当天计算")
    else:
        lines.append("# as_of = 2022-04-29          # 判断逾期的基准日期；不写则按当天计算")
    lines += [
        "",
        "[period]          # 统计期",
        f"code = {toml_value(period.code)}          # 2022Q1（季度）、2022-03（月份）、2022H1（半年）或 2022（全年）",
        f"name = {toml_value(period.name)}",
        f"start = {period.start.isoformat()}",
        f"end = {period.end.isoformat()}",
        f"folder = {toml_value(period_folder)}          # 本期文件夹（其中有下发模板、收集文件等）；toolkit next-period 切换到下一期时自动修改",
        "",
        "[report]          # 情况汇报",
        f"title = {toml_value(DEFAULT_TITLE)}",
        f"recipient = {toml_value(recipient)}          # 主送机关，如 市委组织部",
        f"signature = {toml_value(org)}          # 署名",
    ]
    if report_date:
        lines.append(f"date = {report_date.isoformat()}          # 成文日期；不写则用生成报告当天")
    else:
        lines.append("# date = 2022-04-29          # 成文日期；不写则用生成报告当天")
    lines += [
        'template = ""          # 自定义的 Word 模板文件名；留空用内置模板',
        'appendix_template = ""          # 自定义的统计附表模板文件名；留空用内置模板',
        "low_closure_rate = 60          # 办结率低于此值（%）的单位在“存在问题”中列出",
        'basis = ""          # 开头引用的依据文件，如 "《关于开展……活动的实施方案》"；留空写“按照活动部署要求”',
        'closing = "特此报告。"          # 正文最后一行；留空不写',
        "charts = false          # true：图表放在报告正文中；false：图表只放在统计附表中",
        'submission = "appendix"          # 报送情况写在哪里："appendix" 附件注明，"body" 正文中写明，"none" 不写',
        "",
        "# [report.headings]          # 各小标题，可改；不写用默认的（organization 组织领导、visits 走访调研、",
        "#                              problems 问题办理、tasks 任务推进、achievements 成效、units 各单位、highlights 亮点）",
        '# visits = "深入走访调研，察实情听民意"',
        "",
        "[report_text]          # 报告中由工作人员撰写的段落，每段用双引号括起，段与段之间用逗号分隔",
        "organization = [" + ", ".join(toml_value(t) for t in text.organization) + "]          # 组织领导和动员部署（成立领导小组、制定方案、召开动员会……）",
        "highlights = [" + ", ".join(toml_value(t) for t in text.highlights) + "]          # 工作亮点",
        "problems = [" + ", ".join(toml_value(t) for t in text.problems) + "]          # 存在问题",
        "plans = [" + ", ".join(toml_value(t) for t in text.plans) + "]          # 下步打算",
        "",
        "[folders]          # 工作区内的文件夹名",
    ]
    for key, label in (("templates", "下发给各单位的模板"), ("inbox", "各单位报回的文件放这里"),
                       ("output", "汇总表和报告"), ("returns", "退回各单位修改的文件")):
        lines.append(f"{key} = {toml_value(DEFAULT_FOLDERS[key])}          # {label}")
    lines += ["", "# 填报单位：每个单位一段 [[units]]，code 为编码（唯一），name 为名称。"]
    for unit in units:
        lines += ["[[units]]", f"code = {toml_value(unit.code)}", f"name = {toml_value(unit.name)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def init_workspace(
    root: Path,
    org: str,
    period_code: str,
    *,
    units: list[Unit] | None = None,
    report_date: date | None = None,
    as_of: date | None = None,
    recipient: str = "",
    text: ReportText | None = None,
    overwrite: bool = False,
) -> Workspace:
    """Create a workspace folder with toolkit.toml and its sub-folders."""
    root = Path(root)
    if not org.strip():
        raise ConfigError("请用 --org 写明本单位名称，如 --org \"XX市XX局\"。")
    period = parse_period(period_code)
    cfg = root / CONFIG_NAME
    if cfg.exists() and not overwrite:
        raise ConfigError(f"{cfg} 已存在：这里已经是一个工作区。如需重新创建，请换一个目录或删除该文件。")
    root.mkdir(parents=True, exist_ok=True)
    from .io import write_text_atomic

    write_text_atomic(cfg, render_config(org.strip(), period, units=units, report_date=report_date,
                                         as_of=as_of, recipient=recipient, text=text))
    ws = load_workspace(root)
    for name in ws.folders:
        ws.folder(name).mkdir(parents=True, exist_ok=True)
    return ws
