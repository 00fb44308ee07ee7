"""A corpus of realistic, messy submissions (field guide section 3), written with openpyxl.

``build_corpus(folder)`` writes every file and returns a :class:`Corpus` naming them.
The layout of each file is fixed here (rows, column letters), so the tests can
assert exact error codes and locations. Headers and list values come from the
schema where the case is "a correct value"; misspellings are spelled out where the
case is "what people type".
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Border, Side

from toolkit.config import parse_period
from toolkit.model import Unit
from toolkit.schema import PROBLEMS, TASKS, VISITS, SheetSchema

PERIOD = parse_period("2022Q1")
AS_OF = dt.date(2022, 4, 29)
UNITS = [
    Unit("01", "办公室"),
    Unit("02", "党建办"),
    Unit("03", "政策法规科"),
    Unit("04", "综合业务科"),
    Unit("05", "城建科", ("城建",)),
]

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# ---------------------------------------------------------------------------
# Row factories (valid by default; override what a case needs)
# ---------------------------------------------------------------------------


def visit(seq: Any, **kw: Any) -> dict[str, Any]:
    row = dict(seq=seq, visit_date=dt.date(2022, 3, 1), leader="王建国", visitors="李明、张华", participants=3,
               method="入户走访", object_type="企业", object_name="XX食品有限公司", area="XX区/XX街道",
               contact="赵经理", phone="13812345678", content="了解企业复工复产情况，宣讲纾困政策",
               problems_found=0, solved_on_spot=0, remark=None)
    row.update(kw)
    return row


def problem(seq: Any, **kw: Any) -> dict[str, Any]:
    row = dict(seq=seq, visit_seq=1, source="大走访", reporter="XX小区居民", description="小区路灯损坏，夜间出行不便",
               category="基础设施", demand_type="求决", leader="王建国", lead_unit="城建科", owner="李明",
               assigned_date=dt.date(2022, 3, 2), deadline=dt.date(2022, 3, 20), measures="协调供电公司更换灯具",
               status="办理中", closed_date=None, result=None, revisit_date=None, satisfaction=None, remark=None)
    row.update(kw)
    return row


def task(seq: Any, **kw: Any) -> dict[str, Any]:
    row = dict(seq=seq, list_type="重点任务", name="组建疫情防控一线党员先锋队", goal="每个社区至少一支先锋队",
               measures="抽调机关干部下沉社区", leader="王建国", unit_in_charge="党建办", owner="李明",
               start_date=dt.date(2022, 1, 10), deadline=dt.date(2022, 6, 30), progress=0.6, status="推进中",
               progress_note="已组建先锋队", result_text="成立疫情防控一线党员先锋队", result_value=None,
               result_unit=None, evidence="先锋队名单", remark=None)
    row.update(kw)
    return row


# ---------------------------------------------------------------------------
# Writing workbooks
# ---------------------------------------------------------------------------


@dataclass
class SheetSpec:
    name: str
    schema: SheetSchema
    rows: list[dict[str, Any]]
    headers: list[str] | None = None  # as written (renamed / moved / extra); default: the headers a unit fills
    # (the schema's, without the 编号 the toolkit fills: these are a unit's own layouts)
    top: list[list[Any]] = field(default_factory=list)  # rows above the header
    merges: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # extra header -> value for every row
    tail: list[list[Any]] = field(default_factory=list)  # rows after the data (合计, 表尾)
    blank_gap: int = 0  # empty rows between data and tail
    formatted_empty_rows: int = 0  # formatted but empty rows after everything
    autofilter: bool = False
    cells: dict[str, Any] = field(default_factory=dict)  # explicit cells written last (formulas…)
    text_cells: dict[str, str] = field(default_factory=dict)  # strings starting with "=" stored as text

    @property
    def header_row(self) -> int:
        return len(self.top) + 1


def standard_top(title: str, unit: str | None) -> list[list[Any]]:
    return [[title], ["填报单位：", unit, "填报人：", "张三", "联系电话：", "13800000000", "填报日期：", dt.date(2022, 4, 1)]]


def write_book(path: Path, sheets: list[SheetSpec]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        lookup = spec.schema.header_lookup()
        from toolkit.schema import normalize_header

        headers = spec.headers or [c.header for c in spec.schema.columns if not c.system]
        for r, values in enumerate(spec.top, start=1):
            for c, v in enumerate(values, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        hr = spec.header_row
        for c, h in enumerate(headers, start=1):
            ws.cell(hr, c, h)
        r = hr
        for r, data in enumerate(spec.rows, start=hr + 1):
            for c, h in enumerate(headers, start=1):
                key = lookup.get(normalize_header(h))
                v = data.get(key) if key else spec.extra.get(h)
                if v is not None:
                    ws.cell(r, c, v)
        last = hr + len(spec.rows)
        r = last + spec.blank_gap
        for values in spec.tail:
            r += 1
            for c, v in enumerate(values, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        for n in range(spec.formatted_empty_rows):
            rr = r + 1 + n
            for c in range(1, len(headers) + 1):
                cell = ws.cell(rr, c)
                cell.border = _BORDER
                cell.number_format = "yyyy-mm-dd" if c == 2 else "@"
        for ref, v in spec.cells.items():
            ws[ref] = v
        for ref, v in spec.text_cells.items():
            ws[ref].value = v
            ws[ref].data_type = "s"
        for m in spec.merges:
            ws.merge_cells(m)
        for hidden in spec.hidden_rows:
            ws.row_dimensions[hidden].hidden = True
        if spec.autofilter:
            ws.auto_filter.ref = f"A{hr}:{openpyxl.utils.get_column_letter(len(headers))}{last}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def set_cached_values(path: Path, sheet_index: int, values: dict[str, Any]) -> None:
    """Give formula cells a cached value, as Excel would after calculating (openpyxl writes none)."""
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as zf:
        items = [(info, zf.read(info.filename)) for info in zf.infolist()]
    out = path.with_suffix(".tmp")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == member:
                text = data.decode("utf-8")
                for ref, v in values.items():
                    text, n = re.subn(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(?:</v>)?', rf"\1\2<v>{v}</v>", text)
                    assert n == 1, (ref, text[:200])
                data = text.encode("utf-8")
            zf.writestr(info, data)
    os.replace(out, path)


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    files: dict[str, Path] = field(default_factory=dict)  # case name -> path

    def rel(self, case: str) -> str:
        return self.files[case].relative_to(self.root).as_posix()


# Case file names (relative to the corpus root).
CLEAN = "办公室-大走访大调研台账-2022年第一季度.xlsx"
MESSY = "党建办/党建办走访台账（修改后）.xlsx"
TASKS_FILE = "政策法规科-任务推进台账.xlsx"
TWICE_OLD = "综合业务科-大走访大调研台账.xlsx"
TWICE_NEW = "综合业务科-大走访大调研台账（第二版）.xlsx"
TEMPLATE_FILLED = "城建科-大走访大调研台账-2022年第一季度.xlsx"
NOT_CONFIGURED = "其他单位/宣传部报送.xlsx"
NO_UNIT = "新建 Microsoft Excel 工作表.xlsx"
LOCK = "~$办公室-大走访大调研台账-2022年第一季度.xlsx"
ENCRYPTED = "加密的台账.xlsx"
DOCX = "工作总结.xlsx"
EMPTY = "空文件.xlsx"
OTHER = "通讯录.xlsx"
CORRUPT = "损坏的台账.xlsx"
TEXT = "说明.txt"

MESSY_VISIT_HEADERS = ["序号", "走访时间", "走访对象", "对象类型", "走访方式", "带队领导", "走访人员", "参与人数",
                       "联系电话", "走访内容", "发现问题数", "当场解决数", "走访照片", "所在地区", "联系人", "备注"]
TASK_EMPTY_ROWS = 5000


def build_corpus(folder: Path) -> Corpus:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    c = Corpus(folder)

    # 1. A clean submission, standard layout, no workbook metadata.
    c.files["clean"] = write_book(folder / CLEAN, [
        SheetSpec("走访记录", VISITS, [visit(1, problems_found=1), visit(2, problems_found=1, visit_date=dt.date(2022, 3, 5)),
                                     visit(3, problems_found=1, solved_on_spot=1)],
                  top=standard_top("办公室大走访大调研走访记录表（2022年第一季度）", "办公室"), merges=["A1:O1"]),
        SheetSpec("问题清单", PROBLEMS, [problem(1, visit_seq=1), problem(2, visit_seq=2),
                                     problem(3, visit_seq=3, status="已办结", closed_date=dt.date(2022, 3, 10),
                                             result="已更换路灯12盏")],
                  top=standard_top("办公室大走访大调研问题清单（2022年第一季度）", "办公室")),
    ])

    # 2. The messy one: two title rows, meta in one cell, renamed sheet, moved/renamed/extra
    #    columns, every date spelling, full-width digits, units, odd spaces, merged cells,
    #    hidden row, formulas with/without cached values, a 合计 row and a footer.
    v = [
        visit(1, visit_date=44621, phone=13812345678, participants="3人", method="\u00a0入户走访 ",
              object_type="企\u200b业", problems_found=1),                                     # row 5
        visit("２", visit_date="2022.3.2", object_type="村（社区）", participants="１２６人", leader="王建国"),  # 6
        visit(3, visit_date="2022/03/03", leader=None, phone=53112345678),                  # 7 (F merged, I lost 0)
        visit(4, visit_date="2022年3月4日", method="座谈"),                                   # 8 hidden
        visit(5, visit_date="3月5日", problems_found="1"),                                    # 9
        visit(6, visit_date="20220306"),                                                      # 10
        visit(7, visit_date="2022-3-7\u3000"),                                                # 11
        visit(8, visit_date=dt.datetime(2022, 3, 8)),                                         # 12
        visit(9, visit_date="2022.13.45"),                                                    # 13 bad-date
        visit(10, visit_date=dt.date(2022, 4, 2)),                                            # 14 outside-period
        visit(11, method="入户走放"),                                                          # 15 not-in-list
        visit(1),                                                                             # 16 duplicate seq
        visit(13, participants=0),                                                            # 17 too-small
        visit(14, problems_found=1, solved_on_spot=2),                                        # 18 order
        visit(15, problems_found=None),                                                       # 19 formula, cached 2
        visit(16, problems_found=1, solved_on_spot=None),                                     # 20 formula, no value
    ]
    messy_top = [["党建办大走访大调研走访记录表"], ["（2022年第一季度）"], ["填报单位：党建办　　填报人：李四　　联系电话：0531-87654321"]]
    p = [
        problem(1, visit_seq=1),                                                             # 4
        problem(2, visit_seq=99),                                                            # 5 bad-reference
        problem(2, visit_seq=2),                                                             # 6 duplicate
        problem(4, visit_seq=3, status="已办结"),                                             # 7 missing-conditional O, P
        problem(5, visit_seq=4, status="已销号", closed_date=dt.date(2022, 3, 10), result="已修复",
                revisit_date=dt.date(2022, 3, 12), satisfaction="不满意"),                      # 8 forbid
        problem(6, visit_seq=5, deadline=dt.date(2022, 3, 1)),                               # 9 order (L)
        problem(7, visit_seq=None, source="12345热线", category="基础设施建设", owner=None),   # 10 formula no value J
    ]
    c.files["messy"] = write_book(folder / MESSY, [
        SheetSpec("走访情况", VISITS, v, headers=MESSY_VISIT_HEADERS, top=messy_top,
                  merges=["A1:P1", "A2:P2", "F6:F7"], hidden_rows=[8], extra={"走访照片": "有"},
                  tail=[["合计", None, None, None, None, None, None, None, None, None, None]],
                  blank_gap=0,
                  cells={"K19": "=1+1", "L20": "=K20-1", "K21": "=SUM(K5:K20)"},
                  text_cells={"J7": "=了解情况，做好记录"}),
        SheetSpec("问题清单", PROBLEMS, p, top=standard_top("党建办问题清单", "党建办"),
                  cells={"J10": "=H10"}),
    ])
    # footer two rows below the 合计 row (row 23)
    wb = openpyxl.load_workbook(c.files["messy"])
    wb["走访情况"]["A23"] = "填表人：李四　　审核人：王五"
    wb.save(c.files["messy"])
    set_cached_values(c.files["messy"], 1, {"K19": 2})

    # 3. Task ledger: units in numbers, every percent spelling, 5,000 formatted empty rows,
    #    a filter and a hidden row.
    t = [
        task(1, progress="85%", result_value="50.43万元"),                                    # 4
        task(2, progress=0.85, result_value="6支"),                                           # 5
        task("3.0", progress="１００％", status="已完成", result_value="5000元"),               # 6 unit-converted
        task(4, progress=0.6, status="已完成"),                                               # 7 implies (K)
        task(3.5),                                                                            # 8 bad-integer
        task(6, progress="abc"),                                                              # 9 bad-percent
        task(7, list_type="重点任务清单", progress=0, status="未启动",
             start_date=dt.date(2022, 7, 1)),                                                 # 10 order (I)
        task(8),                                                                              # 11 hidden
        task(9, result_value=6, result_unit="支", status="进行中"),                            # 12
    ]
    c.files["tasks"] = write_book(folder / TASKS_FILE, [
        SheetSpec("任务清单", TASKS, t, top=standard_top("政策法规科任务推进台账（2022年第一季度）", "政策法规科"),
                  merges=["A1:R1"], hidden_rows=[11], autofilter=True, formatted_empty_rows=TASK_EMPTY_ROWS),
    ])

    # 4. The same unit twice: the newer file wins.
    old = write_book(folder / TWICE_OLD, [
        SheetSpec("走访记录", VISITS, [visit(1), visit(2)], top=standard_top("走访记录表", "综合业务科")),
        SheetSpec("问题清单", PROBLEMS, [], top=standard_top("问题清单", "综合业务科")),
    ])
    new = write_book(folder / TWICE_NEW, [
        SheetSpec("走访记录", VISITS, [visit(1), visit(2), visit(3)], top=standard_top("走访记录表", "综合业务科")),
        SheetSpec("问题清单", PROBLEMS, [], top=standard_top("问题清单", "综合业务科")),
    ])
    os.utime(old, (1_650_000_000, 1_650_000_000))
    os.utime(new, (1_650_100_000, 1_650_100_000))
    c.files["twice_old"], c.files["twice_new"] = old, new

    # 5. A real template filled by the template module (metadata: template id, version, unit).
    c.files["template"] = _real_template(folder / TEMPLATE_FILLED)

    # 6. A unit not in the list, and a required column deleted (走访人员).
    headers = [h for h in VISITS.headers if h != "走访人员"]
    c.files["not_configured"] = write_book(folder / NOT_CONFIGURED, [
        SheetSpec("走访记录", VISITS, [visit(1), visit(2)], headers=headers, top=standard_top("走访记录表", "宣传部")),
    ])

    # 7. No unit anywhere: header in row 1 (title deleted), generic file name.
    c.files["no_unit"] = write_book(folder / NO_UNIT, [SheetSpec("Sheet1", VISITS, [visit(1)])])

    # 8. Files that are not readable submissions.
    (folder / LOCK).write_bytes(b"\x08\xe5\x8a\x9e\xe5\x85\xac\xe5\xae\xa4" + b"\x00" * 150)
    c.files["lock"] = folder / LOCK
    c.files["encrypted"] = encrypted_workbook(folder / ENCRYPTED)
    c.files["docx"] = _docx(folder / DOCX)
    (folder / EMPTY).write_bytes(b"")
    c.files["empty"] = folder / EMPTY
    c.files["other"] = _other_workbook(folder / OTHER)
    good = (folder / CLEAN).read_bytes()
    (folder / CORRUPT).write_bytes(good[: len(good) // 2])
    c.files["corrupt"] = folder / CORRUPT
    (folder / TEXT).write_text("请各单位于4月5日前报送。", encoding="utf-8")
    c.files["text"] = folder / TEXT
    return c


def _real_template(path: Path) -> Path:
    try:
        from toolkit import templates
    except ImportError:  # pragma: no cover - template module not there yet
        return write_book(path, [SheetSpec("走访记录", VISITS, [visit(1)], top=standard_top("走访记录表", "城建科"))])
    from toolkit.schema import SURVEY

    wb = templates.build_workbook(SURVEY, unit="城建科", period=PERIOD)
    templates.fill_rows(wb, "visits", [visit(1, problems_found=1), visit(2, visit_date=dt.date(2022, 2, 8))])
    templates.fill_rows(wb, "problems", [problem(1, visit_seq=1)])
    templates.set_meta(wb, filler="赵六", phone="13900000000", fill_date=dt.date(2022, 4, 1))
    templates.save_workbook(wb, path)
    return path


def encrypted_workbook(path: Path) -> Path:
    """An OLE compound file as Excel writes for a password-protected .xlsx: a CFB header and
    a directory naming the EncryptionInfo and EncryptedPackage streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = b"\xfe\xff"
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        entry[0x40:0x42] = len(raw).to_bytes(2, "little")
        entry[0x42] = 5 if i == 0 else 2
        directory[i * 128:(i + 1) * 128] = entry
    path.write_bytes(bytes(header) + bytes(directory) + os.urandom(2048))
    return path


def _docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph("关于开展大走访大调研活动情况的报告")
    tmp = path.with_suffix(".docx")
    doc.save(tmp)
    os.replace(tmp, path)
    return path


def _other_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "通讯录"
    ws.append(["姓名", "职务", "办公电话", "手机"])
    ws.append(["张三", "科长", "0531-87654321", "13800000000"])
    wb.save(path)
    return path
