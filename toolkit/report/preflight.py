"""What to look at before the report goes out: the pre-flight checks of ``toolkit report`` / ``run``.

Each check is a :class:`Check` with a stable code, a level (警告: the report is probably not ready;
提示: worth a look) and a Chinese message saying what is wrong and what to do. They are printed
before the report is written, shown on the Excel button's sheet and kept in 汇总数据.json
(``report_checks``). Nothing here stops the report: the office decides.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..config import ReportSettings, ReportText
from . import layout as L
from .numbers import fmt_date, parse_date

WARN, NOTE = "警告", "提示"

#: the fonts the official layout names, and the files that provide them on a Windows PC
FONTS = {
    L.FONT_TITLE: ("方正小标宋", ("FZXBSJW.TTF", "方正小标宋简体.ttf")),
    L.FONT_BODY: ("仿宋_GB2312", ("SIMFANG.TTF", "FangSong_GB2312.ttf", "仿宋_GB2312.ttf")),
    L.FONT_H2: ("楷体_GB2312", ("SIMKAI.TTF", "KaiTi_GB2312.ttf", "楷体_GB2312.ttf")),
    L.FONT_H1: ("黑体", ("SIMHEI.TTF",)),
}


@dataclass(frozen=True)
class Check:
    code: str
    level: str  # 警告 / 提示
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def installed_fonts() -> frozenset[str] | None:
    """Family names of the fonts installed on this machine (None when that cannot be told)."""
    if sys.platform.startswith("win"):
        folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        try:
            return frozenset(p.name.upper() for p in folder.iterdir())
        except OSError:
            return None
    fc = shutil.which("fc-list")
    if fc is None:
        return None
    try:
        out = subprocess.run([fc, ":", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = set()
    for line in out.splitlines():
        names.update(part.strip() for part in line.split(","))
    return frozenset(names)


def missing_fonts(installed: frozenset[str] | None = None) -> list[str]:
    """The fonts of the official layout this machine lacks (empty when it cannot tell)."""
    installed = installed_fonts() if installed is None else installed
    if installed is None:
        return []
    out = []
    for font, (family, files) in FONTS.items():
        if sys.platform.startswith("win"):
            present = any(f.upper() in installed for f in files)
        else:
            present = any(family in name or font in name for name in installed)
        if not present:
            out.append(font)
    return out


def rare_characters(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(character, where) of characters outside GB2312 — the _GB2312 fonts cannot print them."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for where, text in texts.items():
        for ch in text or "":
            code = ord(ch)
            if ch in seen or not (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF):
                continue
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                seen.add(ch)
                found.append((ch, where))
    return found


def _names_in(figures: dict) -> dict[str, str]:
    """The names a report prints (units, leaders, owners) with where each comes from."""
    texts: dict[str, str] = {}
    for u in figures.get("units") or []:
        if isinstance(u, dict) and u.get("name"):
            texts[f"单位名称“{u['name']}”"] = str(u["name"])
    for t in (figures.get("tasks") or {}).get("unfinished_key") or []:
        for key in ("owner", "leader", "unit"):
            if isinstance(t, dict) and t.get(key):
                texts[f"重点任务“{t.get('name', '')}”的{ {'owner': '责任人', 'leader': '牵头领导', 'unit': '责任单位'}[key]}"
                      f"“{t[key]}”"] = str(t[key])
    for r in figures.get("red_list") or []:
        for key in ("owner", "leader"):
            if isinstance(r, dict) and r.get(key):
                texts[f"{r.get('kind', '')}{r.get('id', '')}的{'责任人' if key == 'owner' else '责任领导'}“{r[key]}”"] = \
                    str(r[key])
    return texts


def preflight(figures: dict, settings: ReportSettings, text: ReportText | None = None, *,
              today: date | None = None, fonts: frozenset[str] | None = None, check_fonts: bool = True) -> list[Check]:
    """The checks of one report (see the module docstring)."""
    today = today or date.today()
    text = text or ReportText()
    checks: list[Check] = []
    if not (settings.recipient or "").strip():
        checks.append(Check("recipient-empty", WARN, "主送机关为空，报告没有抬头单位。请在 toolkit.toml 的 [report] recipient"
                                                     "（或控制台）中填写上报的机关，如 recipient = \"市委组织部\"。"))
    sub = figures.get("submission") or {}
    missing = [m for m in sub.get("missing") or [] if isinstance(m, dict)]
    if missing:
        names = "、".join(m.get("name", "") for m in missing[:8]) + ("等" if len(missing) > 8 else "")
        checks.append(Check("units-missing", WARN, f"还有{len(missing)}个单位的台账没有报齐（{names}），报告中的数字不含"
                                                   "这些台账。如要等齐后再上报，请先催报，收到后重新运行 toolkit run。"))
    returned = [u for u in sub.get("returned") or [] if isinstance(u, dict)]
    if returned:
        names = "、".join(u.get("name", "") for u in returned[:8]) + ("等" if len(returned) > 8 else "")
        checks.append(Check("units-returned", WARN, f"{len(returned)}个单位的台账有错误、已退回修改（{names}），其中有错误的行"
                                                    "没有汇总。改正后重新报回，再运行 toolkit run。"))
    period = figures.get("period") or {}
    as_of, end = parse_date(figures.get("as_of")), parse_date(period.get("end"))
    if as_of and end and as_of > end:
        checks.append(Check("as-of-after-period", NOTE,
                            f"统计截止日 {fmt_date(as_of)} 在统计期（至{fmt_date(end)}）结束之后：是否逾期按截止日判断，报告写"
                            f"“截至{fmt_date(as_of)}”。如不是这样，请改 toolkit.toml 中的 as_of。"))
    report_date = settings.date
    if report_date is None:
        checks.append(Check("date-today", NOTE, f"成文日期没有设置，按今天（{fmt_date(today)}）填写。需要时在 toolkit.toml "
                                                "[report] 中写 date = 2022-04-29。"))
        report_date = today
    if as_of and report_date < as_of:
        checks.append(Check("date-before-as-of", WARN, f"成文日期 {fmt_date(report_date)} 早于统计截止日 {fmt_date(as_of)}。"
                                                       "请核对 toolkit.toml 中的 [report] date 和 as_of。"))
    if not [p for p in text.organization if p.strip()]:
        checks.append(Check("organization-empty", NOTE, "报告没有“组织领导和动员部署”的内容（领导小组、工作专班、实施方案、"
                                                        "动员会等）。可在 toolkit.toml 的 [report_text] organization 或控制台"
                                                        "“报告要素”中填写，会写在“一、工作开展情况”的开头。"))
    if check_fonts:
        lacking = missing_fonts(fonts)
        if lacking:
            checks.append(Check("fonts-missing", NOTE, f"本机没有公文字体：{'、'.join(lacking)}。转换的 PDF 会用其他字体代替，"
                                                       "字形和行数可能与印发稿不同；.docx 在装有这些字体的办公电脑上用 Word "
                                                       "或 WPS 打开显示正常（仿宋_GB2312、楷体_GB2312 等可向本单位信息中心索取安装）。"))
    rare = rare_characters(_names_in(figures))
    if rare:
        shown = "；".join(f"“{ch}”（{where}）" for ch, where in rare[:6]) + ("等" if len(rare) > 6 else "")
        checks.append(Check("rare-characters", WARN, f"有字不在 GB2312 字符集中，仿宋_GB2312 等字体印不出来：{shown}。"
                                                     "请核对这些字；打印前在 Word 中为它们换用能显示的字体。"))
    return checks


def as_json(checks: list[Check]) -> list[dict[str, Any]]:
    return [c.to_dict() for c in checks]
