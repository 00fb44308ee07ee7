"""A lint of a finished report (``toolkit report --check``): GB/T 9704 layout and the text rules.

Layout: A4 pages, the margins of GB/T 9704-2012 (portrait: top 37, bottom 35, left 28, right
26 mm, each ±1), 3号 body text on a fixed 28.95 pt pitch (22 lines a page), the 2号 title, the
page numbers ``— 1 —`` in 4号 on odd/even footers, first-level headings without closing
punctuation. Text: the rules of :mod:`toolkit.report.wording` (full-width brackets and quotes,
no arrows, no ``.0%``, no zero counts, no ``分别 12次、12次``, no 逾期／超期 with 按期 in one clause,
no 个别 beside a count above two, a list of tasks not longer than the count after it, no
``问题清单N个``, every body paragraph closed by its punctuation) and, over the document, no ranking
word (较多, 前列, 领先 …) in 一、 for more than half of the units of its table or for a unit named in
二、存在问题.

:func:`lint` returns :class:`Finding` s (empty = clean); the tests run it on every report they make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import layout as L
from .wording import END_MARKS, has_cjk

MARGIN_TOLERANCE_MM = 1.0


@dataclass(frozen=True)
class Finding:
    code: str
    message: str  # Chinese: what is wrong, where
    where: str = ""  # the paragraph (its first characters) or the section


_ZERO_COUNT = re.compile(r"(?<![\d.])0(?:个|项|次|人次|家|户|名|所|件|条)")
_POINT_ZERO = re.compile(r"\d\.0%")
_ARROW = re.compile(r"→|⇒|⟶|➝|➔|➜|➞|->")
_HALF_BRACKET = re.compile(r"[()]")
_STRAIGHT_QUOTE = re.compile(r"[\"']")
_VALUE = r"\d+(?:\.\d+)?[^\d、，。；（）]{0,3}"
_VALUE_LIST = re.compile(rf"分别\D{{0,6}}?({_VALUE}(?:、{_VALUE})+)")
# an overdue item (逾期, 超期, 超过完成时限 — not 未逾期) promised 按期 (not 未按期) in one clause
_OVERDUE = r"(?<!未)(?:逾期|超期|超过(?:完成|办理)时限)"
_ON_TIME = r"(?<![未不])按期"
_OVERDUE_PROMISE = re.compile(rf"{_OVERDUE}[^。；]*{_ON_TIME}|{_ON_TIME}[^。；]*{_OVERDUE}")
# 个别 (one or two) beside a count above two of the same things, in one paragraph
_FEW = {"单位": r"个单位", "问题": r"个问题", "任务": r"项任务"}
# a list of quoted items (a task with its units in brackets) and the count after it: “甲”（A、B）、“乙”3项
_ITEM = r"“[^“”]*”(?:（[^（）]*）)?"
_COUNTED_LIST = re.compile(rf"({_ITEM}(?:、{_ITEM})*)(等)?(\d+)(?:项|个)")
_ITEM_RE = re.compile(r"“[^“”]*”(?:（([^（）]*)）)?")
_WRONG_MEASURE = re.compile(r"问题清单\d+个")  # 19个问题清单? the list holds 19个问题
#: ranking words: said only of units that stand out (wording.standouts)
RANKING_WORDS = ("较多", "较高", "较快", "较好", "前列", "领先", "靠前", "突出", "名列", "居首", "最多", "最高")
_RANKING = re.compile("|".join(RANKING_WORDS))

_BODY_STYLES = ("公文正文",)
_HEADING1 = "一级标题"
_TEXT_STYLES = ("公文正文", "一级标题", "二级标题", "三级标题", "附件说明", "表格文字")


def _mm(length) -> float:
    return length / 36000 if length is not None else 0.0


def _excerpt(text: str) -> str:
    return text[:24] + ("…" if len(text) > 24 else "")


def _layout(doc) -> list[Finding]:
    out: list[Finding] = []
    for i, section in enumerate(doc.sections, start=1):
        w, h = _mm(section.page_width), _mm(section.page_height)
        landscape = w > h
        if sorted((round(w), round(h))) != [L.PAGE_W, L.PAGE_H]:
            out.append(Finding("page-size", f"第{i}节的纸张不是 A4（{w:.0f}×{h:.0f} 毫米）。", f"第{i}节"))
            continue
        expected = ((L.MARGIN_LEFT, L.MARGIN_RIGHT, L.MARGIN_TOP, L.MARGIN_BOTTOM) if landscape else
                    (L.MARGIN_TOP, L.MARGIN_BOTTOM, L.MARGIN_LEFT, L.MARGIN_RIGHT))
        found = (_mm(section.top_margin), _mm(section.bottom_margin), _mm(section.left_margin),
                 _mm(section.right_margin))
        for name, want, got in zip(("上", "下", "左", "右"), expected, found):
            if abs(want - got) > MARGIN_TOLERANCE_MM:
                out.append(Finding("margin", f"第{i}节{name}边距为 {got:.1f} 毫米，应为 {want} 毫米（GB/T 9704）。", f"第{i}节"))
        if not landscape:
            fields = "".join(p.text for p in section.footer.paragraphs) + "".join(
                el.text or "" for el in section.footer._element.iter() if el.tag.endswith("}instrText"))
            if "PAGE" not in fields or "—" not in fields:
                out.append(Finding("page-number", f"第{i}节的页脚没有“— 1 —”式页码。", f"第{i}节"))
    if not doc.settings.odd_and_even_pages_header_footer:
        out.append(Finding("page-number", "页码没有分单双页（单页居右、双页居左）。"))
    styles = {s.name: s for s in doc.styles}
    body = styles.get("公文正文")
    if body is not None:
        size = body.font.size.pt if body.font.size else None
        if size is not None and abs(size - L.SIZE_BODY) > 0.1:
            out.append(Finding("body-size", f"正文字号为 {size:g} 磅，应为 3号（16 磅）。"))
        pf = body.paragraph_format
        pitch = pf.line_spacing.pt if pf.line_spacing is not None and hasattr(pf.line_spacing, "pt") else None
        if pitch is not None and abs(pitch - L.LINE_PITCH / 20) > 0.1:
            out.append(Finding("lines-per-page", f"正文行距为 {pitch:g} 磅，每页不是22行（应为固定值 28.95 磅）。"))
    title = styles.get("公文标题")
    if title is not None and title.font.size and abs(title.font.size.pt - L.SIZE_TITLE) > 0.1:
        out.append(Finding("title-size", f"标题字号为 {title.font.size.pt:g} 磅，应为 2号（22 磅）。"))
    return out


def text_findings(text: str, *, body: bool = True) -> list[Finding]:
    """The text rules over one paragraph (``body``: also the rules of running text)."""
    out: list[Finding] = []
    where = _excerpt(text)
    if _ARROW.search(text):
        out.append(Finding("arrow", "正文中有箭头“→”，应改用顿号或文字表述。", where))
    if _POINT_ZERO.search(text):
        out.append(Finding("point-zero", "百分比末尾有“.0”（应写 100%、50%）。", where))
    if has_cjk(text) and _HALF_BRACKET.search(text):
        out.append(Finding("half-bracket", "中文中用了半角括号“()”，应为全角“（）”。", where))
    if has_cjk(text) and _STRAIGHT_QUOTE.search(text):
        out.append(Finding("straight-quote", "中文中用了直引号，应为“”或‘’。", where))
    if not body:
        return out
    if _ZERO_COUNT.search(text):
        out.append(Finding("zero-count", "句中写了数量为0的项（如“已完成0项”），应省略。", where))
    for m in _VALUE_LIST.finditer(text):
        values = m.group(1).split("、")
        if len(set(values)) == 1:
            out.append(Finding("same-values", "“分别”后面的数值都相同，应写“均……”。", where))
            break
    if _OVERDUE_PROMISE.search(text):
        out.append(Finding("overdue-promise", "同一句中既说逾期（超期）又说“按期”，逾期事项应写限期完成、尽快办结。", where))
    for noun, counted in _FEW.items():
        at = text.find(f"个别{noun}")
        if at >= 0 and any(int(m.group(1)) > 2 for m in re.finditer(rf"(\d+){counted}", text[at:])):
            out.append(Finding("few-with-count", f"“个别{noun}”后面写了超过2{counted}，应写“部分{noun}”“多数{noun}”或直接写数量。",
                               where))
            break
    for m in _COUNTED_LIST.finditer(text):
        listed = sum(max(1, len((item.group(1) or "").split("，")[0].split("、")))
                     for item in _ITEM_RE.finditer(m.group(1)))
        if listed > int(m.group(3)):
            out.append(Finding("count-short", f"列出的事项（至少{listed}项，几个单位共有的一项任务算几项）多于后面写的"
                                              f"“{m.group(2) or ''}{m.group(3)}项”。", where))
            break
    if _WRONG_MEASURE.search(text):
        out.append(Finding("measure", "“问题清单N个”量词不对：清单里是N个问题，应写“问题清单共列入问题N个”。", where))
    stripped = text.rstrip("”’）》」』】 ")
    if stripped and stripped[-1] not in END_MARKS:
        out.append(Finding("no-closing-mark", "段落末尾没有句号等标点。", where))
    return out


def _mentioned(text: str, units: list[str]) -> list[str]:
    """The units named in ``text``, the longest names first (党建办 inside 市党建办 is not counted)."""
    found = []
    for name in sorted({u for u in units if u}, key=len, reverse=True):
        if name in text:
            found.append(name)
            text = text.replace(name, "\0")
    return found


def ranking_findings(praise: list[str], problems: list[str], units: list[str]) -> list[Finding]:
    """A ranking word (:data:`RANKING_WORDS`) in the ``praise`` paragraphs (一、工作开展情况) said of
    more than half of ``units`` in one clause, or of a unit named in the ``problems`` (二、存在问题)."""
    out: list[Finding] = []
    blamed = set(_mentioned("".join(problems), units))
    for paragraph in praise:
        for clause in re.split(r"[。；]", paragraph):
            if not _RANKING.search(clause):
                continue
            named = _mentioned(clause, units)
            if len(units) > 1 and len(named) * 2 > len(units):
                out.append(Finding("ranking-many", f"“{_RANKING.search(clause).group()}”用于{len(named)}个单位，"
                                                   f"超过全部{len(units)}个单位的一半：只写确实突出的单位。", _excerpt(clause)))
            both = [u for u in named if u in blamed]
            if both:
                out.append(Finding("ranking-named", f"{'、'.join(both)}在“存在问题”中被点名，又在这里用“"
                                                    f"{_RANKING.search(clause).group()}”表扬。", _excerpt(clause)))
    return out


def _table_units(doc) -> list[str]:
    """The unit names of the report's tables (the 单位 column of the rows numbered 1, 2, …)."""
    units: list[str] = []
    for table in doc.tables:
        rows = table.rows
        if not rows:
            continue
        header = [c.text.strip() for c in rows[0].cells]
        if "单位" not in header:
            continue
        col = header.index("单位")
        for row in rows[1:]:
            cells = row.cells
            if len(cells) > col and cells[0].text.strip().isdigit():
                name = cells[col].text.strip()
                if name and name not in units:
                    units.append(name)
    return units


def lint(path: Path | str) -> list[Finding]:
    """The findings of the report at ``path`` (empty: it meets the layout and the text rules)."""
    import docx

    doc = docx.Document(str(path))
    out = _layout(doc)
    part = ""  # the first-level heading the paragraph is under: 一 (work), 二 (problems) …
    parts: dict[str, list[str]] = {"一": [], "二": []}
    for p in doc.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = p.style.name if p.style is not None else ""
        if style == _HEADING1:
            part = text[0]
            if text[-1] in END_MARKS + "。，；":
                out.append(Finding("heading-mark", "一级标题末尾不加标点。", _excerpt(text)))
        elif style in _BODY_STYLES and part in parts:
            parts[part].append(text)
        if style in _TEXT_STYLES:
            out += text_findings(text, body=style in _BODY_STYLES)
    out += ranking_findings(parts["一"], parts["二"], _table_units(doc))
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    out += text_findings(cell.text.strip(), body=False)
    return out
