"""Word report: content quotes the figures, GB/T 9704 layout, templates, PDF."""

from __future__ import annotations

import io

import re
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

sys.path.insert(0, str(Path(__file__).parent))
from conftest import require  # noqa: E402
from figures_fixture import make_figures  # noqa: E402

from toolkit import office  # noqa: E402
from toolkit.config import ReportSettings, ReportText  # noqa: E402
from toolkit.report import TemplateError, build_context, check_template, render_report  # noqa: E402
from toolkit.report import charts  # noqa: E402
from toolkit.report.build_template import (  # noqa: E402
    TEMPLATE_DIR,
    build_appendix_template,
    build_report_template,
)
from toolkit.report.lint import lint  # noqa: E402
from toolkit.report.numbers import cn_heading, fmt_amount, fmt_date, fmt_int, fmt_number, fmt_rate  # noqa: E402
from toolkit.report.sections import HEADINGS  # noqa: E402
from toolkit.report.wording import percent  # noqa: E402

REPORT_DATE = date(2022, 4, 29)
SETTINGS = ReportSettings(recipient="中共XX市委组织部", date=REPORT_DATE)
TEXT = ReportText(highlights=["局机关创新推出“体育+党建”工作法，打造了一批服务群众的品牌项目"],
                  problems=["个别干部走访记录填写不够规范，问题描述过于简单"],
                  plans=["加强台账填报培训，提高数据质量"])
TAG_MARKS = ("{{", "}}", "{%", "%}")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def all_paragraphs(doc):
    """Body paragraphs, table cell paragraphs, header and footer paragraphs."""
    out = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out += cell.paragraphs
    for section in doc.sections:
        for part in (section.footer, section.even_page_footer, section.header, section.even_page_header):
            out += part.paragraphs
    return out


def para_with(doc, needle: str) -> str:
    hits = [p.text for p in doc.paragraphs if needle in p.text]
    assert hits, f"no paragraph contains {needle!r}"
    return hits[0]


def style_font(style, attr: str = "w:eastAsia") -> str | None:
    rpr = style.element.find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return rfonts.get(qn(attr)) if rfonts is not None else None


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def figures():
    return make_figures()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, figures):
    out = tmp_path_factory.mktemp("report") / "情况汇报.docx"
    outcome = render_report(figures, out, settings=SETTINGS, text=TEXT)
    assert lint(outcome.docx) == [] and lint(outcome.appendix) == []  # every report the tests make
    return outcome, Document(str(outcome.docx))


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------


def test_number_formats():
    assert fmt_int(120) == "120" and fmt_int(12000) == "12000"
    assert fmt_int(None) == "暂无" and fmt_int(float("nan")) == "暂无"
    assert fmt_rate(70.6) == "70.6%" and fmt_rate(100) == "100.0%" and fmt_rate(None) == "暂无"
    assert fmt_amount(532.67, "万元") == "532.67万元" and fmt_amount(50.4, "万元") == "50.40万元"
    assert fmt_amount(6, "支") == "6支" and fmt_amount(2.5, "人次") == "2.5人次"
    assert fmt_number(3.0) == "3"
    assert fmt_date("2022-04-09") == "2022年4月9日" and fmt_date(date(2022, 12, 1)) == "2022年12月1日"
    assert fmt_date(None) == "暂无"
    assert cn_heading(1) == "一、" and cn_heading(2, 2) == "（二）" and cn_heading(11, 2) == "（十一）"


# ---------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------


def test_figures_quoted_in_the_right_paragraphs(rendered, figures):
    outcome, doc = rendered
    v, p, t = figures["visits"], figures["problems"], figures["tasks"]
    visits = para_with(doc, "开展走访")
    assert f"开展走访{v['count']}次" in visits
    assert f"参与{v['participants']}人次" in visits
    assert f"走访对象{v['objects']}个" in visits
    first = next(d for d in v["by_object_type"] if d["count"])
    assert f"其中{first['name'].replace('(', '（').replace(')', '）')}{first['count']}" in visits

    problems = para_with(doc, "问题清单共列入问题")
    assert f"走访中发现问题{v['problems_found']}个、当场解决{v['solved_on_spot']}个" in problems
    assert f"问题清单共列入问题{p['count']}个" in problems
    assert f"已办结{p['closed']}个，办结率{percent(p['closure_rate'])}" in problems
    assert f"满意率{percent(p['satisfaction_rate'])}" in problems

    tasks = para_with(doc, "三张清单")
    assert f"共梳理各类任务{t['count']}项，已完成{t['completed']}项" in tasks
    assert f"平均完成进度{percent(t['average_progress'])}" in tasks
    for kind in t["by_type"]:
        if kind["count"]:
            assert f"{kind['name']}{kind['count']}项" in tasks

    gains = para_with(doc, "可量化的工作成果")
    assert "成立疫情防控一线党员先锋队6支" in gains
    assert "直接拉动体育消费532.67万元" in gains and "核销政府消费券50.43万元" in gains

    assert para_with(doc, "“体育+党建”工作法").endswith("。")  # staff highlight, closed by 。
    missing = figures["submission"]["missing"][0]["name"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "未按时报送" not in body  # 报送情况 is a note of the 附件, not a problem of the report
    assert any(r.cells[1].text == f"{missing}（未报送）" for r in doc.tables[0].rows)
    assert para_with(doc, "报送情况：").startswith("报送情况：截至")
    overdue = para_with(doc, "超过办理时限")
    assert f"仍有{p['overdue']}个问题" in overdue
    assert para_with(doc, "走访记录填写不够规范").endswith("问题描述过于简单。")
    plans = para_with(doc, "台账填报培训")
    assert plans.startswith("一是") and plans.endswith("。")
    key = para_with(doc, "聚焦重点任务抓推进")
    assert figures["tasks"]["unfinished_key"][0]["name"] in key


def test_structure_title_recipient_signature(rendered, figures):
    _, doc = rendered
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    assert "".join(texts[:2]) == SETTINGS.title or texts[0] == SETTINGS.title
    assert "中共XX市委组织部：" in texts
    assert texts.index("一、工作开展情况") < texts.index("二、存在问题") < texts.index("三、下步打算")
    assert f"（一）{HEADINGS['visits']}" in texts and f"（二）{HEADINGS['problems']}" in texts
    assert "附件：各单位工作开展情况统计表" in texts
    date_p = next(p for p in doc.paragraphs if p.text == "2022年4月29日")
    sig_p = next(p for p in doc.paragraphs if p.text == figures["org"])
    assert date_p.style.style_id == "GwDate" and sig_p.style.style_id == "GwSignature"
    elements = [q._p for q in doc.paragraphs]
    assert elements.index(sig_p._p) + 1 == elements.index(date_p._p)
    assert sig_p.paragraph_format.right_indent > date_p.paragraph_format.right_indent > 0


def test_recipient_line_omitted_when_empty(tmp_path, figures):
    out = render_report(figures, tmp_path / "r.docx", settings=ReportSettings(date=REPORT_DATE), appendix=False)
    doc = Document(str(out.docx))
    assert not any(p.text.endswith("：") and len(p.text) < 20 and "附件" not in p.text for p in doc.paragraphs)
    assert out.appendix is None and not (tmp_path / "r（统计附表）.docx").exists()
    assert any(p.text == "2022年4月29日" for p in doc.paragraphs)


def test_appendix_file_name(tmp_path, figures):
    out = render_report(figures, tmp_path / "2022年第一季度情况汇报.docx", settings=SETTINGS)
    assert out.appendix == tmp_path / "2022年第一季度统计附表.docx" and out.appendix.exists()


def test_no_leftover_tags(rendered):
    outcome, doc = rendered
    for p in all_paragraphs(doc):
        assert not any(m in p.text for m in TAG_MARKS), p.text
    appendix = Document(str(outcome.appendix))
    for p in all_paragraphs(appendix):
        assert not any(m in p.text for m in TAG_MARKS), p.text


def test_appendix_tables(rendered, figures):
    outcome, doc = rendered
    table = doc.tables[0]
    assert len(table.rows) == len(figures["units"]) + 2
    assert table.rows[1].cells[1].text == figures["units"][0]["name"]
    last = table.rows[-1]
    assert last.cells[0].text == "合计"
    totals = figures["totals"]
    texts = [c.text for c in last.cells]
    assert str(totals["visits"]) in texts and percent(totals["closure_rate"]) in texts
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header row repeats
    appendix = Document(str(outcome.appendix))
    assert appendix.tables[0].rows[-1].cells[0].text == "合计"
    titles = [p.text for p in appendix.paragraphs if p.text.startswith("表")]
    assert any("问题类别分布" in t for t in titles) and any("未完成重点任务清单" in t for t in titles)
    cat_total = sum(d["count"] for d in figures["problems"]["by_category"])
    cat_table = next(t for t in appendix.tables if t.rows[1].cells[0].text == "基础设施")
    assert cat_table.rows[-1].cells[1].text == str(cat_total)


# ---------------------------------------------------------------------------
# layout (GB/T 9704-2012)
# ---------------------------------------------------------------------------


def test_page_setup(rendered):
    _, doc = rendered
    sec = doc.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    assert round(sec.top_margin.mm) == 37 and round(sec.bottom_margin.mm) == 35
    assert round(sec.left_margin.mm) == 28 and round(sec.right_margin.mm) == 26
    assert round(sec.page_width.mm - sec.left_margin.mm - sec.right_margin.mm) == 156
    # the appendix table sits in a landscape section whose text width holds it
    last = doc.sections[-1]
    assert last.page_width > last.page_height
    width_twips = (last.page_width - last.left_margin - last.right_margin) / 635
    grid = doc.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))
    assert sum(int(c.get(qn("w:w"))) for c in grid) <= width_twips + 5


def test_styles_fonts_sizes_spacing(rendered):
    _, doc = rendered
    expect = {"GwTitle": ("方正小标宋简体", 22), "GwHeading1": ("黑体", 16), "GwHeading2": ("楷体_GB2312", 16),
              "GwBody": ("仿宋_GB2312", 16)}
    by_id = {s.style_id: s for s in doc.styles}
    for sid, (font, size) in expect.items():
        style = by_id[sid]
        for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
            assert style_font(style, attr) == font, (sid, attr)
        assert style.font.size.pt == size
    body = by_id["GwBody"]
    ind = body.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "640"
    spacing = body.element.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact"
    assert abs(int(spacing.get(qn("w:line"))) / 20 - 28.95) < 0.1
    assert by_id["GwTitle"].paragraph_format.alignment == 1  # centred
    # theme fonts removed from the defaults (they would override the explicit names)
    rfonts = doc.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # the rendered paragraphs carry the styles
    styles = {p.text: p.style.style_id for p in doc.paragraphs if p.text}
    assert styles["一、工作开展情况"] == "GwHeading1"
    assert styles[f"（一）{HEADINGS['visits']}"] == "GwHeading2"
    assert styles[next(t for t in styles if t.startswith("按照"))] == "GwBody"
    assert styles[next(t for t in styles if t.startswith("关于"))] == "GwTitle"


def test_page_numbers_odd_even(rendered):
    _, doc = rendered
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    sec = doc.sections[0]
    for footer, align in ((sec.footer, 2), (sec.even_page_footer, 0)):  # right / left
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in "".join(t.text or "" for t in p._p.iter(qn("w:instrText")))
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment == align
        for run in p.runs:
            assert run.font.size.pt == 14
            assert run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


# ---------------------------------------------------------------------------
# data edge cases
# ---------------------------------------------------------------------------


def test_special_characters_are_escaped(tmp_path):
    fig = make_figures(special=True)
    out = render_report(fig, tmp_path / "情况汇报.docx", settings=SETTINGS)
    with zipfile.ZipFile(out.docx) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    from lxml import etree

    etree.fromstring(xml.encode("utf-8"))  # still well-formed
    doc = Document(str(out.docx))
    assert fig["org"].replace('"融合"', "“融合”") in para_with(doc, "按照")  # quotes of Chinese text full-width
    assert '开展“体育 & 健康<进社区>”活动3场' in para_with(doc, "可量化的工作成果")
    shown = fig["units"][0]["name"].replace('"科"', "“科”")  # the quotes of Chinese text full-width
    assert doc.tables[0].rows[1].cells[1].text == shown
    assert Document(str(out.appendix)).tables[0].rows[1].cells[1].text == shown


def test_empty_data_has_no_nan_none_or_zero_rates(tmp_path):
    fig = make_figures(empty=True)
    assert fig["problems"]["closure_rate"] is None and fig["totals"]["average_progress"] is None
    out = render_report(fig, tmp_path / "情况汇报.docx", settings=SETTINGS)
    for path in (out.docx, out.appendix):
        doc = Document(str(path))
        text = "\n".join(p.text for p in all_paragraphs(doc))
        for bad in ("nan", "None", "0.0%", "NaN", "null"):
            assert bad not in text, bad
        assert not any(m in text for m in TAG_MARKS)
    doc = Document(str(out.docx))
    assert not any(HEADINGS["visits"] in p.text for p in doc.paragraphs)  # nothing to say: no section
    assert lint(out.docx) == []


def test_context_tolerates_missing_blocks():
    ctx = build_context({}, ReportSettings(date=REPORT_DATE), ReportText())
    assert ctx["work_sections"] == [] and ctx["issues"] and ctx["plans"]
    assert ctx["date"] == "2022年4月29日"
    flat = repr(ctx)
    assert "None" not in flat.replace("'chart_problems': ''", "") and "nan" not in flat


@pytest.mark.slow
def test_large_unit_table(tmp_path):
    fig = make_figures(300)
    out = render_report(fig, tmp_path / "情况汇报.docx", settings=SETTINGS)
    doc = Document(str(out.docx))
    assert len(doc.tables[0].rows) == 302
    last = fig["units"][299]
    suffix = "（未报送）" if last["submitted"] is False else ""
    assert doc.tables[0].rows[300].cells[1].text == last["name"] + suffix


def test_unit_that_did_not_submit_shows_dashes_not_zeros(tmp_path):
    fig = make_figures(6)
    absent = fig["units"][2]
    absent["submitted"] = False
    out = render_report(fig, tmp_path / "情况汇报.docx", settings=SETTINGS)
    row = Document(str(out.docx)).tables[0].rows[3]
    assert row.cells[1].text == absent["name"] + "（未报送）"
    assert {c.text for c in row.cells[2:]} == {"—"}


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------


def test_charts_go_to_the_appendix_unless_asked_for_in_the_body(rendered, tmp_path, figures):
    from dataclasses import replace

    require(charts.find_cjk_font() is not None, "a CJK font (fonts-noto-cjk)")
    png = charts.problems_chart(make_figures())
    assert png and png.startswith(b"\x89PNG")
    outcome, doc = rendered
    assert len(doc.inline_shapes) == 0  # a report to a superior carries no charts in its body
    appendix = Document(str(outcome.appendix))
    assert len(appendix.inline_shapes) == 2 and any(p.text.startswith("图1") for p in appendix.paragraphs)
    out = render_report(figures, tmp_path / "情况汇报.docx", settings=replace(SETTINGS, charts=True))
    body = Document(str(out.docx))
    assert len(body.inline_shapes) == 2 and any(p.text.startswith("图1") for p in body.paragraphs)
    assert len(Document(str(out.appendix)).inline_shapes) == 0


def test_bar_chart_draws_one_bar_per_item_largest_on_top():
    from PIL import Image

    require(charts.find_cjk_font() is not None, "a CJK font (fonts-noto-cjk)")
    items = [("企业", 5), ("社区", 20), ("学校", 0), ("项目", 12)]  # a zero is left out
    png = charts.bar_chart(items, measure="次", color="#1f4e79")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1400, round(max(1.4, 0.22 * 3 + 0.45) * 200))
    width, height = image.size
    pixels = image.load()
    bar = (0x1F, 0x4E, 0x79)
    # the bars, top to bottom: runs of bar-coloured rows in the first bar-coloured column
    x0 = next(x for x in range(width) if any(pixels[x, y] == bar for y in range(height)))
    runs, inside = [], False
    for y in range(height):
        if (pixels[x0 + 2, y] == bar) != inside:
            inside = not inside
            if inside:
                runs.append(y)
    assert len(runs) == 3
    lengths = []
    for top in runs:
        y = top + 3
        x = x0 + 2
        while x < width and pixels[x, y] == bar:
            x += 1
        lengths.append(x - x0)
    assert lengths[0] > lengths[1] > lengths[2]  # 20, 12, 5
    assert abs(lengths[1] / lengths[0] - 12 / 20) < 0.02 and abs(lengths[2] / lengths[0] - 5 / 20) < 0.02
    assert charts.bar_chart([("学校", 0)]) is None


def test_bar_chart_survives_odd_data_and_long_names():
    from PIL import Image

    require(charts.find_cjk_font() is not None, "a CJK font (fonts-noto-cjk)")
    long_name = "全市重点项目建设推进协调服务专班" * 4
    items = [(long_name, 3), ("企业", -4), ("学校", "x"), ("项目", float("nan")), (None, 5), ("社区", "7")]
    image = Image.open(io.BytesIO(charts.bar_chart(items, measure="次", color="#1f4e79"))).convert("RGB")
    width, height = image.size
    assert height == round(max(1.4, 0.22 * 3 + 0.45) * 200)  # 社区 7, （未填） 5, the long name 3
    pixels = image.load()
    bar = (0x1F, 0x4E, 0x79)
    x0 = next(x for x in range(width) if any(pixels[x, y] == bar for y in range(height)))
    assert x0 < width * 0.5  # the shortened name leaves the bars their room
    assert charts.bar_chart([("企业", -1), ("学校", None)]) is None


def test_no_chart_without_font(tmp_path, monkeypatch, figures):
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    out = render_report(figures, tmp_path / "情况汇报.docx", settings=SETTINGS, appendix=False)
    doc = Document(str(out.docx))
    assert len(doc.inline_shapes) == 0
    assert not any(p.text.startswith("图1") for p in doc.paragraphs)
    assert not any(m in p.text for p in doc.paragraphs for m in TAG_MARKS)


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------


def test_committed_templates_are_clean_and_current():
    for name, build in (("情况汇报.docx", build_report_template), ("统计附表.docx", build_appendix_template)):
        path = TEMPLATE_DIR / name
        assert path.is_file(), f"{name} missing: run python -m toolkit.report.build_template"
        assert check_template(path) == []
        import io

        with zipfile.ZipFile(path) as committed, zipfile.ZipFile(io.BytesIO(build())) as fresh:
            assert sorted(committed.namelist()) == sorted(fresh.namelist())
            for part in fresh.namelist():
                assert committed.read(part) == fresh.read(part), (
                    f"{name}:{part} is stale: run python -m toolkit.report.build_template")


def _template_with(tmp_path: Path, *paragraphs: list[str]) -> Path:
    """A copy of the report template with extra paragraphs; each inner list = the runs of one paragraph."""
    doc = Document(str(TEMPLATE_DIR / "情况汇报.docx"))
    for runs in paragraphs:
        p = doc.add_paragraph()
        for i, text in enumerate(runs):
            r = p.add_run(text)
            r.bold = bool(i % 2)
    path = tmp_path / "broken.docx"
    doc.save(str(path))
    return path


def test_unclosed_tag_names_the_tag(tmp_path, figures):
    path = _template_with(tmp_path, ["单位：{{ org "])
    problems = check_template(path)
    assert problems and "{{ org" in problems[0] and "缺少结束符" in problems[0]
    with pytest.raises(TemplateError) as exc:
        render_report(figures, tmp_path / "out.docx", template=path)
    assert "{{ org" in str(exc.value) and "模板" in str(exc.value)
    assert not (tmp_path / "out.docx").exists()


def test_unbalanced_block_and_unknown_variable(tmp_path, figures):
    path = _template_with(tmp_path, ["{%p for u in unit_rows %}"], ["{{ u.name }}"])
    problems = check_template(path)
    assert any("{%p for u in unit_rows %}" in m and "endfor" in m for m in problems), problems
    path = _template_with(tmp_path, ["统计期：{{ period_nmae }}"])
    problems = check_template(path)
    assert any("period_nmae" in m and "不存在" in m for m in problems), problems
    with pytest.raises(TemplateError, match="period_nmae"):
        render_report(figures, tmp_path / "out.docx", template=path)


def test_split_runs_are_fine_but_broken_split_is_reported(tmp_path, figures):
    # a tag split over differently formatted runs is joined by docxtpl: no complaint
    ok = _template_with(tmp_path, ["单位：", "{{ o", "rg }}"])
    assert check_template(ok) == []
    out = render_report(figures, tmp_path / "ok.docx", template=ok, appendix=False)
    assert any(p.text == f"单位：{figures['org']}" for p in Document(str(out.docx)).paragraphs)
    # the closing brace ended up in a tracked deletion: Word shows the tag, docxtpl cannot parse it
    doc = Document(str(TEMPLATE_DIR / "情况汇报.docx"))
    p = doc.add_paragraph()
    p.add_run("单位：{{ org }")
    from docx.oxml import parse_xml

    p._p.append(parse_xml(
        '<w:del xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:id="99" w:author="x">'
        '<w:r><w:delText>}</w:delText></w:r></w:del>'))
    bad = tmp_path / "bad.docx"
    doc.save(str(bad))
    problems = check_template(bad)
    assert problems and "{{ org }" in problems[0] and re.search(r"[\u4e00-\u9fff]", problems[0])
    with pytest.raises(TemplateError, match="org"):
        render_report(figures, tmp_path / "bad-out.docx", template=bad)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def test_pdf_without_libreoffice_adds_hint(tmp_path, monkeypatch, figures):
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    out = render_report(figures, tmp_path / "情况汇报.docx", settings=SETTINGS, pdf=True)
    assert out.pdf is None and out.docx.exists()
    assert office.INSTALL_HINT in out.notes


@pytest.mark.libreoffice
def test_pdf_conversion(rendered, figures, to_pdf, pdf_text):
    outcome, _ = rendered
    text = squash(pdf_text(to_pdf(outcome.docx)))
    assert f"开展走访{figures['visits']['count']}次" in text
    assert percent(figures["problems"]["closure_rate"]) in text
    assert "—1—" in text
    assert figures["units"][0]["name"] in squash(pdf_text(to_pdf(outcome.appendix)))


@pytest.mark.libreoffice
def test_pdf_special_empty_large(tmp_path, to_pdf, pdf_text):
    cases = {"special": make_figures(special=True), "empty": make_figures(empty=True), "large": make_figures(300)}
    for name, fig in cases.items():
        out = render_report(fig, tmp_path / name / "情况汇报.docx", settings=SETTINGS)
        text = squash(pdf_text(to_pdf(out.docx)))
        assert "一、工作开展情况" in text, name
        if name == "special":
            assert "&<文旅>" in text
        if name == "large":
            assert "第300基层党支部" in text
        assert squash(pdf_text(to_pdf(out.appendix)))


@pytest.mark.libreoffice
def test_render_report_pdf_option(tmp_path, figures):
    require(office.find_soffice() is not None, "LibreOffice (soffice)")
    out = render_report(figures, tmp_path / "情况汇报.docx", settings=SETTINGS, pdf=True)
    assert out.pdf is not None and out.pdf.stat().st_size > 0 and not out.notes


def test_report_from_real_merge(tmp_path):
    import factories
    from toolkit import merge

    fig = merge.summarize(factories.scenario().result, org="XX市体育局", office="党建办").figures
    out = render_report(fig, tmp_path / "情况汇报.docx", settings=SETTINGS)
    doc = Document(str(out.docx))
    visits = para_with(doc, "开展走访")
    assert f"开展走访{fig['visits']['count']}次" in visits
    if fig["problems"]["closure_rate"] is not None:
        assert f"办结率{percent(fig['problems']['closure_rate'])}" in para_with(doc, "问题清单共列入问题")
    assert lint(out.docx) == []
    assert len(doc.tables[0].rows) == len(fig["units"]) + 2
    text = "\n".join(p.text for p in all_paragraphs(doc))
    assert "None" not in text and "nan" not in text
    assert not any(m in text for m in TAG_MARKS)


def test_a_custom_appendix_template_is_used_and_checked(tmp_path, figures):
    doc = Document(str(TEMPLATE_DIR / "统计附表.docx"))
    doc.add_paragraph("本附表由{{ org }}党建办编制")
    custom = tmp_path / "我的附表.docx"
    doc.save(str(custom))
    out = render_report(figures, tmp_path / "情况汇报.docx", settings=SETTINGS, appendix_template=custom)
    text = "\n".join(p.text for p in Document(str(out.appendix)).paragraphs)
    assert f"本附表由{figures['org']}党建办编制" in text
    broken = tmp_path / "坏附表.docx"
    doc.add_paragraph("{{ period_nmae }}")
    doc.save(str(broken))
    with pytest.raises(TemplateError, match="period_nmae"):
        render_report(figures, tmp_path / "b" / "情况汇报.docx", settings=SETTINGS, appendix_template=broken)


def test_a_report_written_without_pdf_removes_the_pdfs_of_an_earlier_report(tmp_path):
    """The report is one set: a 情况汇报.pdf of last run never stays beside this run's .docx."""
    from toolkit import api

    out = tmp_path / "2022年第一季度情况汇报.docx"
    stale = [tmp_path / "2022年第一季度情况汇报.pdf", tmp_path / "2022年第一季度统计附表.pdf"]
    for path in stale:
        path.write_bytes(b"%PDF- an earlier report")
    other = tmp_path / "2022年第一季度情况汇报（打印稿）.pdf"
    other.write_bytes(b"%PDF- the clerk's own")
    outcome = api.make_report(make_figures(), out, pdf=False)
    assert outcome.docx == out and out.is_file() and outcome.appendix.is_file() and outcome.pdf is None
    assert not any(p.exists() for p in stale)
    assert other.read_bytes() == b"%PDF- the clerk's own"


def test_a_run_with_a_broken_custom_template_stops_before_anything_is_written(tmp_path_factory, tmp_path):
    import dataclasses

    from demo_workspace import demo_copy
    from toolkit import api
    from toolkit.config import load_workspace

    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path / "ws"))
    broken = _template_with(ws.root, ["单位：{{ org "])
    ws = dataclasses.replace(ws, report=dataclasses.replace(ws.report, template=broken.name))
    before = sorted(p.name for p in ws.output_dir.iterdir()) if ws.output_dir.exists() else []
    with pytest.raises(TemplateError) as exc:
        api.run_workspace(ws)
    assert "{{ org" in str(exc.value) and "本次没有运行" in str(exc.value) and "template" in str(exc.value)
    after = sorted(p.name for p in ws.output_dir.iterdir()) if ws.output_dir.exists() else []
    assert after == before and not any(ws.returns_dir.glob("*.xlsx"))
