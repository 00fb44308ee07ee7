"""GB/T 9704-2012 layout helpers for python-docx documents.

python-docx sets only ``w:ascii``/``w:hAnsi`` fonts, which Word ignores for
Chinese characters; every helper here writes ``w:rFonts`` with ``w:ascii``,
``w:hAnsi``, ``w:eastAsia`` and ``w:cs`` and removes theme-font attributes (a
theme font would win over the explicit name).
"""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

# Fonts named by the standard (Word substitutes when absent; so does LibreOffice).
FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_BODY = "仿宋_GB2312"
FONT_PAGE = "宋体"

SIZE_TITLE = 22  # 2号
SIZE_BODY = 16  # 3号
SIZE_PAGE = 14  # 4号
SIZE_TABLE = 10.5  # 5号

PAGE_W, PAGE_H = 210, 297  # mm
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26  # mm → text block 156 × 225
TEXT_WIDTH_MM = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 156
LANDSCAPE_TEXT_WIDTH_MM = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM  # 225
LINE_PITCH = 579  # twips: 28.95 pt, 22 lines in the 225 mm text block
CHAR_TWIPS = SIZE_BODY * 20  # one 3号 character = 320 twips
FOOTER_DISTANCE_MM = 23  # page number about 7 mm below the text block


def set_rfonts(rpr, name: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts on a ``w:rPr`` element; drop theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def set_run_font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    set_rfonts(run._element.get_or_add_rPr(), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def set_doc_defaults(doc, font: str = FONT_BODY, size: float = SIZE_BODY) -> None:
    """docDefaults: explicit fonts (no theme), 3号, zh-CN."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    set_rfonts(rpr, font)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(size * 2)))
    _set_lang(rpr)


def paragraph_style(doc, name: str, style_id: str, *, font: str, size: float, bold: bool = False,
                    align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars: int = 0, exact_line: bool = True,
                    space_before: int = 0, space_after: int = 0, keep_with_next: bool = False,
                    outline_level: int | None = None, base: str | None = None):
    """Create (or update) a paragraph style with explicit CJK fonts and 公文 spacing (twips)."""
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.element.set(qn("w:styleId"), style_id)
    style.quick_style = True
    if base:
        style.base_style = doc.styles[base]
    set_rfonts(style.element.get_or_add_rPr(), font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    from docx.shared import RGBColor

    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Twips(space_before)
    pf.space_after = Twips(space_after)
    pf.keep_with_next = keep_with_next
    pf.widow_control = True
    if exact_line:
        from docx.enum.text import WD_LINE_SPACING

        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Twips(LINE_PITCH)
    else:
        from docx.enum.text import WD_LINE_SPACING

        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    set_first_line_chars(style.element.get_or_add_pPr(), first_line_chars, size)
    ppr = style.element.get_or_add_pPr()
    old = ppr.find(qn("w:outlineLvl"))
    if old is not None:
        ppr.remove(old)
    if outline_level is not None:
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(outline_level))
        ppr.append(lvl)
    _sort_ppr(ppr)
    return style


# schema order of w:pPr children (Word rejects out-of-order elements)
_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]


def _sort_ppr(ppr) -> None:
    children = list(ppr)
    rank = {qn("w:" + n): i for i, n in enumerate(_PPR_ORDER)}
    children.sort(key=lambda el: rank.get(el.tag, len(_PPR_ORDER)))
    for el in children:
        ppr.remove(el)
    for el in children:
        ppr.append(el)


def set_first_line_chars(ppr, chars: int, size: float = SIZE_BODY) -> None:
    """First-line indent in characters (w:firstLineChars) plus the equivalent twips."""
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    for attr in ("w:firstLine", "w:firstLineChars", "w:hanging", "w:hangingChars"):
        if ind.get(qn(attr)) is not None:
            del ind.attrib[qn(attr)]
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))
    _sort_ppr(ppr)


def set_indent_twips(paragraph, *, left: int | None = None, right: int | None = None) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    if left is not None:
        ind.set(qn("w:left"), str(left))
    if right is not None:
        ind.set(qn("w:right"), str(right))
    _sort_ppr(ppr)


def page_setup(section, *, landscape: bool = False) -> None:
    """A4, GB/T 9704 margins; landscape keeps the 37/35 mm margins on the long sides' ends."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_H), Mm(PAGE_W)
        section.top_margin, section.bottom_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
        section.left_margin, section.right_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
        section.footer_distance = Mm(12)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
        section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
        section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.header_distance = Mm(15)
    section.gutter = Mm(0)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    # no snapping grid: the exact 28.95 pt line spacing already gives 22 lines, and a
    # "lines" grid would make LibreOffice snap table rows and the 2号 title to two lines
    grid.set(qn("w:linePitch"), str(LINE_PITCH))


def enable_even_odd_footers(doc) -> None:
    """w:evenAndOddHeaders in settings.xml (python-docx inserts it in schema order)."""
    doc.settings.odd_and_even_pages_header_footer = True


def _page_field(paragraph, font: str, size: float) -> None:
    def run(text: str | None = None, fld: str | None = None, instr: str | None = None):
        r = paragraph.add_run()
        set_run_font(r, font, size)
        if text is not None:
            r.text = text
        if fld is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._r.append(el)
        if instr is not None:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def page_number_footers(doc, section, font: str = FONT_PAGE, size: float = SIZE_PAGE) -> None:
    """``— 1 —`` in 4号宋体: odd pages right, even pages left, one character in."""
    enable_even_odd_footers(doc)
    one_char = int(size * 20)
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for r in list(p.runs):
            r._r.getparent().remove(r._r)
        p.style = doc.styles["页码"]
        p.alignment = align
        set_indent_twips(p, **{side: one_char})
        _page_field(p, font, size)


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def table_borders(table, size: int = 4) -> None:
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is None:
        borders = OxmlElement("w:tblBorders")
        tbl_pr.append(borders)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


def table_cell_margins(table, left: int = 28, right: int = 28) -> None:
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side, value in (("left", left), ("right", right)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(value))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def table_fixed_widths(table, widths_mm: list[float]) -> None:
    """Fixed layout with the given column widths; centred on the page."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(Mm(w).twips for w in widths_mm))))
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(Mm(w).twips))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    _sort_tblpr(tbl_pr)


_TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]


def _sort_tblpr(tbl_pr) -> None:
    children = list(tbl_pr)
    rank = {qn("w:" + n): i for i, n in enumerate(_TBLPR_ORDER)}
    children.sort(key=lambda el: rank.get(el.tag, len(_TBLPR_ORDER)))
    for el in children:
        tbl_pr.remove(el)
    for el in children:
        tbl_pr.append(el)


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.insert(0, OxmlElement("w:cantSplit"))


def cell_text(cell, text: str, style: str, *, align=WD_ALIGN_PARAGRAPH.CENTER, bold: bool = False) -> None:
    """Write ``text`` as ONE run in the cell's single paragraph (template tags stay intact)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    p = cell.paragraphs[0]
    p.style = style
    p.alignment = align
    if text:
        run = p.add_run(text)
        if bold:
            run.bold = True
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
