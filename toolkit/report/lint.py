"""A lint of a finished report (``toolkit report --check``): GB/T 9704 layout and the text rules.

Layout: A4 pages, the margins of GB/T 9704-2012 (portrait: top 37, bottom 35, left 28, right
26 mm, each ±1), 3号 body text on a fixed 28.95 pt pitch (22 lines a page), the 2号 title, the
page numbers ``— 1 —`` in 4号 on odd/even footers, first-level headings without closing
punctuation. Text: the rules of :mod:`toolkit.report.wording` (full-width brackets and quotes,
no arrows, no ``.0%``, no zero counts, no ``分别 12次、12次``, no 已逾期 with 确保按期完成,
every body paragraph closed by its punctuation).

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
_OVERDUE_PROMISE = re.compile(r"已逾期[^。；]*确保按期完成|确保按期完成[^。；]*已逾期")

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
        out.append(Finding("overdue-promise", "同一句中既说“已逾期”又说“确保按期完成”，逾期事项应写限期完成。", where))
    stripped = text.rstrip("”’）》」』】 ")
    if stripped and stripped[-1] not in END_MARKS:
        out.append(Finding("no-closing-mark", "段落末尾没有句号等标点。", where))
    return out


def lint(path: Path | str) -> list[Finding]:
    """The findings of the report at ``path`` (empty: it meets the layout and the text rules)."""
    import docx

    doc = docx.Document(str(path))
    out = _layout(doc)
    for p in doc.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = p.style.name if p.style is not None else ""
        if style == _HEADING1 and text[-1] in END_MARKS + "。，；":
            out.append(Finding("heading-mark", "一级标题末尾不加标点。", _excerpt(text)))
        if style in _TEXT_STYLES:
            out += text_findings(text, body=style in _BODY_STYLES)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    out += text_findings(cell.text.strip(), body=False)
    return out
