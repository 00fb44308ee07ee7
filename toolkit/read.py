"""The reader: one submitted workbook → :class:`toolkit.model.FileData`.

Values come from python-calamine (fast; .xlsx/.xlsm/.xls/.xlsb). What calamine
cannot tell is read from small XML parts of the .xlsx zip: the workbook's
defined names and custom document properties (template id, version, unit) and
formula cells that have no cached value. Nothing is opened with openpyxl.

The reader finds things instead of assuming them: the template (metadata, else
header matching against the schema), each sheet (by name, else by its header),
the header row (the row with the most schema headers among the first rows), the
columns (headers and aliases, in any order) and the unit (metadata, the
填报单位 cell, the file name). It never raises for a bad file: an unreadable
file is returned with ``readable=False`` and one clear :class:`Issue`.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from array import array
from functools import lru_cache
from operator import add, itemgetter, methodcaller
from pathlib import Path
from typing import Any, Iterable, Iterator
from xml.etree import ElementTree as ET

from .deflate import read_member
from .errors import column_letter, make_issue
from .model import UNKNOWN_UNIT, FileData, Issue, Period, RawRows, SheetData, SkippedRow, Unit
from .normalize import clean_text, is_blank
from .schema import (
    DEFINED_NAME_TEMPLATE,
    DEFINED_NAME_UNIT,
    DEFINED_NAME_VERSION,
    GUIDE_SHEET,
    LISTS_SHEET,
    META_LABELS,
    SHEETS,
    TEMPLATES,
    SheetSchema,
    TemplateSchema,
    normalize_header,
    template_by_id,
    template_of_sheet,
)

__all__ = ["find_files", "read_file", "read_files", "iter_read_files", "SPREADSHEET_SUFFIXES", "HEADER_SCAN_ROWS"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEADER_SCAN_ROWS = 20  # the header row is looked for among the first rows
MIN_HEADER_MATCHES = 3  # a row with fewer schema headers is not a header row

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

_OTHER_SUFFIX_REASONS = {
    ".et": "WPS表格专用格式（.et），无法读取。请在WPS中“另存为”Excel文件（.xlsx）后重新报送",
    ".csv": "CSV文本文件，不是下发的模板。请用下发的Excel模板填写",
    ".xlsb": "Excel二进制工作簿（.xlsb），请另存为 .xlsx 后重新报送",
    ".ods": "OpenDocument表格（.ods），请另存为 .xlsx 后重新报送",
    ".doc": "Word文档，不是Excel表格",
    ".docx": "Word文档，不是Excel表格",
    ".pdf": "PDF文件，不是Excel表格",
    ".zip": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
    ".rar": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
    ".7z": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
}

# Rows below the data that are not data: totals, notes, signatures.
_TOTAL_RE = re.compile(r"^[\s\u200b\ufeff]*(?:[合小总共累][\s\u200b]*计|汇[\s\u200b]*总)")
_TOTAL_FIRST = frozenset("合小总共累汇\u200b\ufeff")  # what a total row's first cell can start with (or a space)
_FOOTER_RE = re.compile(r"^(注[:：、1１一]|注$|说明[:：]|填表说明|填表人|填报人|制表人|审核人|审核|单位负责人|负责人|分管领导[:：]|主要负责人)")


# ---------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------


def find_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every .xlsx/.xlsm/.xls under ``folder`` (recursive, sorted by relative path),
    and the files left aside as (relative path, Chinese reason)."""
    folder = Path(folder)
    files: list[Path] = []
    ignored: list[tuple[str, str]] = []
    if not folder.is_dir():
        return files, ignored
    entries = [p for p in folder.rglob("*") if p.is_file()]
    entries.sort(key=lambda p: p.relative_to(folder).as_posix())
    for p in entries:
        rel = p.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in p.relative_to(folder).parts[:-1]):
            continue  # hidden folders (.git, .~tmp): not submissions
        name = p.name
        suffix = p.suffix.lower()
        if name.startswith("~$"):
            ignored.append((rel, "Excel或WPS打开文件时生成的临时锁定文件（~$开头），不是报送的表格，已忽略"))
        elif name.startswith(".~lock") or name.startswith(".~") or name.startswith("~") or suffix in (".tmp", ".bak", ".wbk"):
            ignored.append((rel, "临时文件，不是报送的表格，已忽略"))
        elif name.startswith("."):
            ignored.append((rel, "隐藏的系统文件，已忽略"))
        elif suffix in SPREADSHEET_SUFFIXES:
            files.append(p)
        else:
            reason = _OTHER_SUFFIX_REASONS.get(suffix, f"不是Excel表格（{suffix or '没有扩展名'}），未读取")
            ignored.append((rel, reason))
    return files, ignored


# ---------------------------------------------------------------------------
# Reading many files (a process pool when there are many)
# ---------------------------------------------------------------------------

PARALLEL_MIN_FILES = 8  # fewer files are read in this process (a pool costs more than it saves)
PARALLEL_MIN_FILES_SPAWN = 60  # where workers start a fresh interpreter (Windows, macOS): ~0.3 s each
MAX_WORKERS = 4  # each worker holds one workbook at a time; more rarely helps


def read_workers(n_files: int) -> int:
    """How many processes read ``n_files`` files: 1 (this process) or a small pool.

    ``TOOLKIT_WORKERS`` overrides (``1`` reads everything in this process)."""
    import os

    env = os.environ.get("TOOLKIT_WORKERS", "").strip()
    if env:
        try:
            wanted = int(env)
        except ValueError:
            wanted = 0
        if wanted >= 1:
            return max(1, min(wanted, n_files))
    if n_files < (PARALLEL_MIN_FILES if _start_method() == "fork" else PARALLEL_MIN_FILES_SPAWN):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, n_files // 4))


def read_files(
    paths: list[Path],
    root: Path,
    *,
    units: Iterable[Unit] = (),
    period: Period | None = None,
    progress: Any = None,
    workers: int | None = None,
) -> list[FileData]:
    """:func:`read_file` for every path, results in the order of ``paths``.

    ``progress(done, total, name)`` is called in this process, in order, as in a
    loop over the files (``done`` files read, ``name`` the next one), then once
    with ``(total, total, "")``.
    """
    paths = [Path(p) for p in paths]
    files: list[FileData] = []
    for fd in iter_read_files(paths, root, units=units, period=period, workers=workers):
        if progress:
            progress(len(files), len(paths), paths[len(files)].name)
        files.append(fd)
    if progress:
        progress(len(paths), len(paths), "")
    return files


def iter_read_files(
    paths: list[Path],
    root: Path,
    *,
    units: Iterable[Unit] = (),
    period: Period | None = None,
    workers: int | None = None,
) -> Iterator[FileData]:
    """Yield :func:`read_file` of every path, in the order of ``paths``.

    With many files the work is shared by a pool of processes (each file is read
    whole by one worker, so the results are those of reading the files one by one);
    if no pool can be used, the remaining files are read in this process.
    """
    paths = [Path(p) for p in paths]
    units = list(units)
    root = Path(root)
    n = len(paths)
    workers = read_workers(n) if workers is None else max(1, min(workers, n))
    done = 0
    if workers > 1:
        results = _read_pool(paths, root, units, period, workers)
        try:
            while True:
                try:
                    fd = next(results)
                except StopIteration:
                    break
                except Exception:  # noqa: BLE001 - no pool (sandbox, frozen app, broken worker): read here
                    break
                done += 1
                yield fd
        finally:
            results.close()  # stopped early (Ctrl+C, the caller gave up): files not started are dropped
    for path in paths[done:]:
        yield read_file(path, root, units=units, period=period)


def _start_method() -> str | None:
    """fork on Linux (cheapest: the worker already has everything imported); elsewhere the default."""
    import multiprocessing as mp
    import sys

    return "fork" if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() else None


def _read_pool(paths: list[Path], root: Path, units: list[Unit], period: Period | None, workers: int):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    from .background import interrupts_held, leave_interrupts_to_parent

    ctx = mp.get_context(_start_method())
    task = partial(read_file, root=root, units=units, period=period)
    chunk = max(1, min(8, len(paths) // (workers * 8)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=leave_interrupts_to_parent)
    try:
        with interrupts_held(ctx.get_start_method() == "fork"):  # no Ctrl+C between fork and SIG_IGN
            results = pool.map(task, paths, chunksize=chunk)  # starts the workers
        yield from results
    except BaseException:  # Ctrl+C, an error, or the consumer stopped: drop the files not started
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# ---------------------------------------------------------------------------
# Reading one file
# ---------------------------------------------------------------------------


def read_file(path: Path, root: Path, *, units: Iterable[Unit] = (), period: Period | None = None) -> FileData:
    """Read one submission. Never raises: problems become :class:`Issue` objects."""
    path = Path(path)
    rel = _rel(path, Path(root))
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    fd = FileData(path=path, rel=rel, modified=modified, mtime=modified)
    units = list(units)
    try:
        _read_into(fd, units, period)
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the whole run
        _unreadable(fd, "file-corrupt", detail=_detail(exc))
    if not fd.readable and fd.unit == UNKNOWN_UNIT:
        _unit_of_unreadable(fd, units)
    return fd


def _unit_of_unreadable(fd: FileData, units: list[Unit]) -> None:
    """The unit of a file that could not be read, from its file name only (configured
    unit names/aliases contained in it; without a unit list, ``单位-模板名``): so the
    unit shows as having sent a file to be returned, not as missing. No issue is added:
    the file's one issue says why it could not be read."""
    stem = Path(fd.rel).stem
    if units:
        u = _match_unit(stem, units, contained=True)
        if u:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "filename"
        return
    name = _unit_from_filename(stem)
    if name:
        fd.unit, fd.unit_code, fd.unit_source = name, "", "filename"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path.name


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:80]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unreadable(fd: FileData, code: str, **slots: Any) -> FileData:
    fd.readable = False
    fd.sheets = []
    fd.template_id = None
    fd.issues = [make_issue(code, file=fd.rel, **slots)]
    return fd


def _sniff(path: Path) -> tuple[str, str]:
    """("zip"|"cfb"|"empty"|"other", description of what it really is)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        return "empty", ""
    if head.startswith(_ZIP_MAGIC):
        return "zip", ""
    if head.startswith(_CFB_MAGIC):
        return "cfb", ""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<meta", b"<table")):
        return "other", "网页文件（HTML）"
    if stripped.startswith(b"<?xml"):
        return "other", "XML文件（可能是“XML表格2003”格式）"
    if head.startswith(b"%PDF"):
        return "other", "PDF文件"
    if head.startswith(b"{\\rtf"):
        return "other", "RTF文档"
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return "other", "压缩包"
    try:
        head.decode("utf-8")
        return "other", "文本文件"
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
            return "other", "文本文件"
        except UnicodeDecodeError:
            return "other", "其他格式的文件"


def _cfb_kind(path: Path) -> str:
    """"encrypted", "word", "ppt" or "xls" for an OLE compound file."""
    data = path.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in data:
        return "word"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "ppt"
    return "xls"


def _read_into(fd: FileData, units: list[Unit], period: Period | None) -> None:
    import python_calamine as pc

    path = fd.path
    kind, actual = _sniff(path)
    if kind == "empty":
        _unreadable(fd, "file-empty")
        return
    if kind == "other":
        _unreadable(fd, "file-not-excel", actual=actual)
        return
    xlsx_parts: _XlsxParts | None = None
    zf: zipfile.ZipFile | None = None
    if kind == "cfb":
        cfb = _cfb_kind(path)
        if cfb == "encrypted":
            _unreadable(fd, "file-encrypted")
            return
        if cfb in ("word", "ppt"):
            _unreadable(fd, "file-not-excel", actual="Word文档（.doc）" if cfb == "word" else "PowerPoint演示文稿")
            return
    else:
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            _unreadable(fd, "file-corrupt", detail=_detail(exc))
            return
    try:  # the zip stays open for the formula cells of the sheets read (one parse of its directory)
        if zf is not None:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
                if "word/document.xml" in names:
                    actual = "Word文档（.docx）"
                elif "ppt/presentation.xml" in names:
                    actual = "PowerPoint演示文稿（.pptx）"
                elif "mimetype" in names:
                    actual = "OpenDocument文件"
                else:
                    actual = "压缩包（.zip）"
                _unreadable(fd, "file-not-excel", actual=actual)
                return
            if "xl/workbook.xml" in names:
                xlsx_parts = _XlsxParts.load(zf, names)
                if xlsx_parts.saved is not None:
                    fd.modified = xlsx_parts.saved  # when it was saved, not when it was downloaded
        try:
            wb = pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError:
            _unreadable(fd, "file-encrypted")
            return
        except Exception as exc:  # noqa: BLE001
            text = str(exc).lower()
            if "password" in text or "encrypt" in text:
                _unreadable(fd, "file-encrypted")
            else:
                _unreadable(fd, "file-corrupt", detail=_detail(exc))
            return
        try:
            _read_workbook(fd, wb, xlsx_parts, zf, units, period)
        finally:
            try:
                wb.close()
            except Exception:  # noqa: BLE001
                pass
    finally:
        if zf is not None:
            zf.close()


class _XlsxParts:
    """Small parts of an .xlsx read directly from the zip."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # defined names and custom props: toolkit_* -> value
        self.sheet_paths: dict[str, str] = {}  # sheet name -> zip member
        self.zip_path: Path | None = None
        self.saved: float | None = None  # docProps/core.xml dcterms:modified (Excel/WPS set it on save)

    @classmethod
    def load(cls, zf: zipfile.ZipFile, names: set[str]) -> "_XlsxParts":
        parts = cls()
        parts.zip_path = Path(zf.filename) if zf.filename else None
        wanted = (DEFINED_NAME_TEMPLATE, DEFINED_NAME_VERSION, DEFINED_NAME_UNIT)
        try:
            root = ET.fromstring(zf.read("xl/workbook.xml"))
        except (ET.ParseError, KeyError):
            return parts
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            try:
                rroot = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
                for rel in rroot:
                    target = rel.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    rels[rel.get("Id", "")] = target
            except ET.ParseError:
                pass
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
                if rid in rels:
                    parts.sheet_paths[el.get("name", "")] = rels[rid]
            elif tag == "definedName" and el.get("name") in wanted and el.get("localSheetId") is None:
                text = (el.text or "").strip().lstrip("=").strip()
                if len(text) >= 2 and text[0] == text[-1] == '"':
                    text = text[1:-1].replace('""', '"')
                parts.names[el.get("name")] = text
        if "docProps/core.xml" in names:
            try:
                parts.saved = _core_modified(zf.read("docProps/core.xml"))
            except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
                pass
        if "docProps/custom.xml" in names:
            try:
                croot = ET.fromstring(zf.read("docProps/custom.xml"))
                for prop in croot:
                    name = prop.get("name")
                    if name in wanted and name not in parts.names:
                        parts.names[name] = "".join(prop.itertext()).strip()
            except ET.ParseError:
                pass
        return parts

    def formulas_without_value(self, zf: zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
        """(0-based row, col) -> formula text, for formula cells that carry no cached value."""
        member = self.sheet_paths.get(sheet_name)
        if not member:
            return {}
        try:
            data = read_member(zf, member)
        except KeyError:
            return {}
        if _ANY_FORMULA_RE.search(data) is None:  # no formula cell (<formula1> of validations is not one)
            return {}
        out: dict[tuple[int, int], str] = {}
        for m in _CELL_RE.finditer(data):
            attrs, inner = m.group(2), m.group(3) or b""
            if b"<f" not in inner:
                continue
            if _VALUE_RE.search(inner):
                continue
            if b't="str"' in attrs and b"<v" in inner:
                continue  # a formula whose cached result is the empty string
            col, row = _split_ref(m.group(1).decode())
            fm = _FORMULA_RE.search(inner)
            formula = "=" + _xml_unescape(fm.group(1).decode("utf-8", "replace")) if fm and fm.group(1) else "公式"
            out[(row, col)] = formula
        return out


_CORE_MODIFIED_RE = re.compile(rb"<(?:[\w.-]+:)?modified\b[^>]*>\s*([^<]*?)\s*</")
_W3CDTF_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?")
# The stamp toolkit.templates writes into generated workbooks (2022-01-01T00:00:00Z): it says
# nothing about when a unit saved the file, so the file's mtime is used instead.
_TOOLKIT_STAMP = 1640995200.0


def _core_modified(xml: bytes) -> float | None:
    """POSIX time of ``dcterms:modified`` in docProps/core.xml, or None (absent, unparsable,
    or the toolkit's own fixed stamp)."""
    from datetime import datetime, timedelta, timezone

    m = _CORE_MODIFIED_RE.search(xml)
    if m is None:
        return None
    d = _W3CDTF_RE.fullmatch(m.group(1).decode("ascii", "replace").strip())
    if d is None:
        return None
    try:
        tz = timezone.utc
        if d[7] and d[7] != "Z":
            sign = -1 if d[7][0] == "-" else 1
            hh, mm = int(d[7][1:3]), int(d[7][-2:])
            tz = timezone(sign * timedelta(hours=hh, minutes=mm))
        t = datetime(int(d[1]), int(d[2]), int(d[3]), int(d[4] or 0), int(d[5] or 0), int(d[6] or 0), tzinfo=tz)
    except (ValueError, OverflowError):
        return None
    stamp = t.timestamp()
    return None if stamp == _TOOLKIT_STAMP else stamp


_ANY_FORMULA_RE = re.compile(rb"<f[ >]")
_CELL_RE = re.compile(rb'<c\s+r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE_RE = re.compile(rb"<v>[^<]+</v>|<is>")
_FORMULA_RE = re.compile(rb"<f[^>]*>([^<]*)</f>")


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return col - 1, int(m[2]) - 1


def _xml_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


# ---------------------------------------------------------------------------
# Sheets, headers, rows
# ---------------------------------------------------------------------------


class _Candidate:
    __slots__ = ("ws_name", "index", "schema", "header_idx", "score", "name_match")

    def __init__(self, ws_name: str, index: int, schema: SheetSchema, header_idx: int, score: int, name_match: bool):
        self.ws_name = ws_name
        self.index = index
        self.schema = schema
        self.header_idx = header_idx
        self.score = score
        self.name_match = name_match


_LOOKUPS: dict[str, dict[str, str]] = {s.key: s.header_lookup() for s in SHEETS.values()}
_REQUIRED_COUNT: dict[str, int] = {s.key: sum(1 for c in s.columns if c.required) for s in SHEETS.values()}


_HEADER_TEXTS: dict[tuple[type, Any], str] = {}  # (class, cell value) -> header text (memo)


def _header_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    key = (value.__class__, value)
    try:
        text = _HEADER_TEXTS.get(key)
    except TypeError:  # unhashable: never from calamine
        return normalize_header(clean_text(value)) if not is_blank(value) else ""
    if text is None:
        text = normalize_header(clean_text(value)) if not is_blank(value) else ""
        if len(_HEADER_TEXTS) < 20_000:
            _HEADER_TEXTS[key] = text
    return text


def _header_texts(rows: list[list[Any]]) -> list[list[str]]:
    """Header text of every cell of the first rows (where the header row is looked for)."""
    return [[_header_text(c) for c in row] for row in rows[:HEADER_SCAN_ROWS]]


def _best_header(texts: list[list[str]], schema: SheetSchema) -> tuple[int, int]:
    """(row index, number of distinct schema columns matched) of the best header row,
    given the header texts of the first rows (:func:`_header_texts`)."""
    lookup = _LOOKUPS[schema.key]
    best = (-1, 0)
    for i, row in enumerate(texts):
        keys = {lookup[h] for h in row if h in lookup}
        if len(keys) > best[1]:
            best = (i, len(keys))
    return best


def _read_workbook(fd: FileData, wb: Any, parts: _XlsxParts | None, zf: zipfile.ZipFile | None,
                   units: list[Unit], period: Period | None) -> None:
    meta_names = parts.names if parts else {}
    tid = meta_names.get(DEFINED_NAME_TEMPLATE) or None
    template: TemplateSchema | None = None
    if tid:
        try:
            template = template_by_id(tid)
        except KeyError:
            template = None
    version = meta_names.get(DEFINED_NAME_VERSION) or None

    # Read every worksheet's values once.
    sheets_values: dict[str, list[list[Any]]] = {}
    calamine_sheets: dict[str, Any] = {}
    visible_order: list[str] = []
    for meta in wb.sheets_metadata:
        name = meta.name
        if "WorkSheet" not in str(meta.typ):
            continue
        if name in (LISTS_SHEET, GUIDE_SHEET):
            continue
        sheet = wb.get_sheet_by_name(name)
        calamine_sheets[name] = sheet
        sheets_values[name] = sheet.to_python(skip_empty_area=False)
        visible_order.append(name)

    # Candidate (worksheet, schema sheet) pairs: each worksheet goes to the schema sheet it
    # matches best, across both templates (a 任务清单 shares 序号/责任人/备注 with 问题清单):
    # the same sheet name first, then the share of the row's headers that the schema knows,
    # then the number of columns matched.
    candidates: list[_Candidate] = []
    for index, name in enumerate(visible_order):
        texts = _header_texts(sheets_values[name])
        best: tuple[tuple, _Candidate] | None = None
        for order, schema in enumerate(SHEETS.values()):
            header_idx, score = _best_header(texts, schema)
            name_match = _same_name(name, schema.name)
            if score >= MIN_HEADER_MATCHES or (name_match and score >= 2):
                width = sum(1 for h in texts[header_idx] if h) or 1
                rank = (name_match, score / width, score, -order)
                if best is None or rank > best[0]:
                    best = (rank, _Candidate(name, index, schema, header_idx, score, name_match))
        if best is not None:
            candidates.append(best[1])

    by_template: dict[str, list[_Candidate]] = {}
    for c in candidates:
        by_template.setdefault(template_of_sheet(c.schema.key).id, []).append(c)
    if template is not None and template.id not in by_template and by_template:
        template = None  # the metadata names a template none of whose sheets is in the file
    if template is None and by_template:
        stem = normalize_header(clean_text(Path(fd.rel).stem))

        def rank(tid: str) -> tuple:
            found = by_template[tid]
            named = normalize_header(template_by_id(tid).name) in stem
            return (named, len({c.schema.key for c in found}), sum(c.score for c in found), -_template_index(tid))

        template = template_by_id(max(by_template, key=rank))
    if template is None:
        expected = "、".join(f"“{h}”" for h in (TEMPLATES[0].sheets[0].headers[:2]))
        _unreadable(fd, "unknown-template", expected=expected)
        return
    fd.template_id = template.id
    fd.template_version = version or None
    if version and version != template.version:
        fd.issues.append(make_issue("old-version", file=fd.rel, found=version, expected=template.version))
    for tid, found in by_template.items():
        if tid == template.id:
            continue
        # a sheet of the other template: its name, or at least half as many columns as it has
        # required ones (a side table with 序号/责任人/备注 is not a task list), and data
        other = [c for c in found if c.score >= MIN_HEADER_MATCHES
                 and (c.name_match or 2 * c.score >= _REQUIRED_COUNT[c.schema.key])
                 and _has_data(sheets_values[c.ws_name], c.header_idx)]
        if other:
            used = by_template.get(template.id, [])
            fd.issues.append(make_issue(
                "mixed-templates", file=fd.rel, used=template.name, other=template_by_id(tid).name,
                used_sheets="、".join(f"“{c.ws_name}”" for c in used) + "表" if used else "没有数据",
                other_sheets="、".join(f"“{c.ws_name}”" for c in other) + "表"))

    keys = {s.key for s in template.sheets}
    candidates = [c for c in candidates if c.schema.key in keys]
    candidates.sort(key=lambda c: (not c.name_match, -c.score, c.index))
    chosen: dict[str, _Candidate] = {}
    used: set[str] = set()
    for c in candidates:
        if c.schema.key in chosen or c.ws_name in used:
            continue
        chosen[c.schema.key] = c
        used.add(c.ws_name)
    for c in candidates:
        if c.ws_name in used or c.score < MIN_HEADER_MATCHES:
            continue
        if not _has_data(sheets_values[c.ws_name], c.header_idx):
            continue  # an empty copy of a sheet loses nothing
        used.add(c.ws_name)
        main = chosen.get(c.schema.key)
        fd.issues.append(make_issue("sheet-ignored", file=fd.rel, sheet=c.ws_name, sheet_key=c.schema.key,
                                    value=c.ws_name, expected=c.schema.name,
                                    used=main.ws_name if main else c.schema.name))
    if not chosen:
        expected = "、".join(f"“{h}”" for h in template.sheets[0].headers[:2])
        _unreadable(fd, "unknown-template", expected=expected)
        return

    # Unit and meta row (rows above the header).
    meta = {}
    title_text = ""
    for schema in template.sheets:
        c = chosen.get(schema.key)
        if c is None:
            continue
        found, title = _meta_from_rows(sheets_values[c.ws_name][: c.header_idx])
        for k, v in found.items():
            meta.setdefault(k, v)
        title_text = title_text or title
    fd.meta = {k: v for k, v in meta.items() if k != META_LABELS[0]}
    _identify_unit(fd, meta_names.get(DEFINED_NAME_UNIT) or "", meta.get(META_LABELS[0], ""), title_text, units)

    # Sheets in schema order.
    for schema in template.sheets:
        c = chosen.get(schema.key)
        if c is None:
            fd.issues.append(make_issue("sheet-missing", file=fd.rel, sheet_key=schema.key, expected=schema.name))
            continue
        formulas = parts.formulas_without_value(zf, c.ws_name) if (parts is not None and zf is not None) else {}
        merged = _merged_ranges(calamine_sheets[c.ws_name])
        fd.sheets.append(_read_sheet(fd, c, sheets_values[c.ws_name], merged, formulas))


def _has_data(rows: list[list[Any]], header_idx: int) -> bool:
    return any(any(v not in ("", None) for v in row) for row in rows[header_idx + 1:])


def _template_index(template_id: str) -> int:
    return next(i for i, t in enumerate(TEMPLATES) if t.id == template_id)


def _same_name(found: str, expected: str) -> bool:
    return normalize_header(clean_text(found)) == normalize_header(expected)


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - not available for every format
        return []
    out = []
    for (r1, c1), (r2, c2) in ranges:
        out.append((r1, c1, r2, c2))
    return out


def _cell(row: list[Any], idx: int) -> Any:
    if idx >= len(row):
        return None
    v = row[idx]
    if v == "" or v is None:
        return None
    return v


def _read_sheet(
    fd: FileData,
    c: _Candidate,
    rows: list[list[Any]],
    merged: list[tuple[int, int, int, int]],
    formulas: dict[tuple[int, int], str],
) -> SheetData:
    schema = c.schema
    lookup = _LOOKUPS[schema.key]
    header = rows[c.header_idx] if c.header_idx < len(rows) else []
    columns: dict[str, int] = {}
    extra: dict[str, int] = {}
    issues: list[Issue] = []
    for idx, cell in enumerate(header):
        if is_blank(cell):
            continue
        shown = clean_text(cell)
        key = lookup.get(normalize_header(shown))
        if key is None:
            name = shown
            n = 2
            while name in extra:
                name = f"{shown}({n})"
                n += 1
            extra[name] = idx
            fate = "该列内容随数据保留" if schema.allow_extra_columns else "该列内容不会汇总"
            issues.append(make_issue("column-extra", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column=column_letter(idx), header=shown, fate=fate))
        elif key in columns:
            col = schema.column(key)
            issues.append(make_issue("column-duplicate", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column=column_letter(idx), column_key=key,
                                     header=col.header, first=column_letter(columns[key])))
        else:
            columns[key] = idx

    # Fill vertically merged cells of the data area with their top value.
    first_data = c.header_idx + 1
    for r1, c1, r2, c2 in merged:
        if r2 <= r1 or r1 < first_data:
            continue
        while len(rows) <= r2:
            rows.append([])
        value = _cell(rows[r1], c1)
        if value is None:
            continue
        for r in range(r1 + 1, r2 + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            if row[c1] in ("", None):
                row[c1] = value
        key = next((k for k, i in columns.items() if i == c1), None)
        hdr = schema.column(key).header if key else ""
        ref = f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"
        issues.append(make_issue("merged-cells", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key, row=r1 + 1,
                                 column=column_letter(c1), column_key=key, header=hdr, value=value,
                                 range=ref))

    data = SheetData(sheet_key=schema.key, sheet_name=c.ws_name, header_row=c.header_idx + 1,
                     columns=columns, extra_columns=extra)
    first_cols = sorted(set(list(range(3)) + ([columns["seq"]] if "seq" in columns else [])))
    seq_idx = columns.get("seq", -1)
    formula_rows: dict[int, list[int]] = {}
    for (r, col), _f in formulas.items():
        formula_rows.setdefault(r, []).append(col)
    key_of_index = {i: k for k, i in columns.items()}
    kept: list[list[Any]] = []  # the data rows, in order
    numbers: list[int] = []  # their Excel row numbers
    body = rows[first_data:]
    lens = list(map(len, body))
    n_empty = list(map(add, map(_COUNT_EMPTY, body), map(_COUNT_NONE, body)))
    # Rows whose first cells may start a total row (合计, 小计, …): the rest cannot be one.
    suspects: set[int] = set()
    shortest = min(lens, default=0)
    for idx in first_cols:
        cells = map(itemgetter(idx), body) if idx < shortest else \
            (row[idx] if idx < len(row) else None for row in body)
        suspects.update(j for j, v in enumerate(cells)
                        if isinstance(v, str) and v and (v[0] in _TOTAL_FIRST or v[0].isspace()))
    for j, row in enumerate(body):
        if not row:
            continue
        i = first_data + j
        missing_formula = formula_rows.get(i) if formula_rows else None
        if missing_formula is None:
            if n_empty[j] == lens[j]:
                continue
            if all(v is None or (isinstance(v, str) and is_blank(v)) for v in row):
                continue
        n_nonblank = lens[j] - n_empty[j]
        if n_nonblank <= 3 or j in suspects:
            reason = _skip_reason(row, first_cols, n_nonblank)
            if reason:
                data.skipped.append(SkippedRow(i + 1, reason))
                continue
            if n_nonblank <= 1 and _only_seq(row, seq_idx):
                continue  # pre-numbered 序号 (or formulas without value) and nothing else: an empty row
        kept.append(row)
        numbers.append(i + 1)
        for col in missing_formula or ():
            key = key_of_index.get(col)
            if key is None:
                continue  # a formula in a column we do not read
            hdr = schema.column(key).header
            issues.append(make_issue("formula-no-value", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=i + 1, column=column_letter(col), column_key=key, header=hdr,
                                     value=formulas[(i, col)], formula=formulas[(i, col)]))
    data.rows = RawRows(numbers, _columns(kept, columns), _columns(kept, extra))

    for col in schema.columns:
        if col.required and col.key not in columns:
            issues.append(make_issue("column-missing", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key,
                                     row=c.header_idx + 1, column_key=col.key, header=col.header,
                                     rows=len(data.rows)))
    if not data.rows:
        issues.append(make_issue("no-data", file=fd.rel, sheet=c.ws_name, sheet_key=schema.key))
    fd.issues.extend(issues)
    return data


def _columns(rows: list[list[Any]], index: dict[str, int]) -> dict[str, list[Any]]:
    """name -> the cells of column ``index[name]`` of ``rows`` ("" → None), in ``index`` order.

    Equal strings of a column share one object (the same spellings repeat row after row);
    a column of numbers only is an ``array("d")`` (a sequence of the same floats)."""
    if not index:
        return {}
    idxs = list(index.values())
    width = max(idxs) + 1
    if all(len(r) >= width for r in rows):  # calamine rows are rectangular
        if len(idxs) == 1:
            cols = [[r[idxs[0]] for r in rows]]
        else:
            cols = [list(t) for t in zip(*map(itemgetter(*idxs), rows))] if rows else [[] for _ in idxs]
    else:
        cols = [[r[i] if i < len(r) else None for r in rows] for i in idxs]
    out: dict[str, list[Any]] = {}
    for name, col in zip(index, cols):
        classes = set(map(type, col))
        if classes <= _STR_OR_NONE:  # text: one shared object per spelling, "" → None (C-level passes)
            shared: dict[Any, Any] = dict(zip(col, col))
            shared[""] = shared[None] = None
            out[name] = list(map(shared.__getitem__, col))
        elif str in classes:
            shared = {}
            out[name] = [None if v == "" else (shared.setdefault(v, v) if v.__class__ is str else v) for v in col]
        elif classes == _FLOAT and col:
            out[name] = array("d", col)  # numbers only (the usual 序号 and counts): 8 bytes a cell
        else:
            out[name] = col
    return out


def _only_seq(row: list[Any], seq_idx: int) -> bool:
    """True when the row's only non-blank cell is in the 序号 column (people number the
    rows down the sheet in advance); a formula without a cached value reads as blank."""
    for idx, v in enumerate(row):
        if idx == seq_idx or v is None or v == "":
            continue
        if isinstance(v, str) and is_blank(v):
            continue
        return False
    return True


_STR_OR_NONE = frozenset((str, type(None)))
_FLOAT = {float}
_COUNT_EMPTY = methodcaller("count", "")
_COUNT_NONE = methodcaller("count", None)


def _skip_reason(row: list[Any], first_cols: list[int], n_nonblank: int | None = None) -> str | None:
    n = len(row)
    for idx in first_cols:
        v = row[idx] if idx < n else None
        if isinstance(v, str) and v and (v[0] in _TOTAL_FIRST or v[0].isspace()) and _TOTAL_RE.match(v):
            return "合计行"
    if n_nonblank is None:
        n_nonblank = sum(1 for v in row if v != "" and v is not None)
    if not 0 < n_nonblank <= 3:
        return None
    nonblank = [v for v in row if v != "" and v is not None]
    if 0 < len(nonblank) <= 3 and all(isinstance(v, str) for v in nonblank):
        if _FOOTER_RE.match(clean_text(nonblank[0]).replace(" ", "")):
            return "表尾说明行"
    return None


# ---------------------------------------------------------------------------
# Meta row and unit
# ---------------------------------------------------------------------------

_LABEL_RE = re.compile("(" + "|".join(re.escape(label) for label in META_LABELS) + r")\s*[:：]?")


def _meta_from_rows(rows: list[list[Any]]) -> tuple[dict[str, str], str]:
    """Labels of the meta row (填报单位, 填报人, …) → value; and the title text."""
    found: dict[str, str] = {}
    title = ""
    for row in rows:
        cells = [clean_text(v) for v in row if not is_blank(v)]
        if not cells:
            continue
        joined = "\x01".join(cells)
        matches = list(_LABEL_RE.finditer(joined))
        if not matches:
            if not title:
                title = "".join(cells)
            continue
        for n, m in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(joined)
            value = joined[m.end():end].replace("\x01", " ").strip(" ：:")
            found.setdefault(m.group(1), value)
    return found, title


@lru_cache(maxsize=16384)
def _norm_name(text: str) -> str:
    return "".join(clean_text(text).split()).replace("（", "(").replace("）", ")")


def _match_unit(text: str, units: list[Unit], *, contained: bool) -> Unit | None:
    t = _norm_name(text)
    if not t:
        return None
    for u in units:
        if t == _norm_name(u.name) or t == _norm_name(u.code) or any(t == _norm_name(a) for a in u.aliases):
            return u
    if not contained:
        return None
    best: tuple[int, Unit] | None = None
    for u in units:
        for name in (u.name, *u.aliases):
            n = _norm_name(name)
            if n and n in t and (best is None or len(n) > best[0]):
                best = (len(n), u)
    return best[1] if best else None


def _unit_from_filename(stem: str) -> str:
    parts = [p.strip() for p in re.split(r"[-_－—\s]+", stem) if p.strip()]
    names = {t.name for t in TEMPLATES}
    if len(parts) >= 2 and any(p in names for p in parts[1:]) and parts[0] not in names:
        return parts[0]
    return ""


def _identify_unit(fd: FileData, from_meta: str, from_cell: str, title: str, units: list[Unit]) -> None:
    stem = Path(fd.rel).stem
    candidates: list[tuple[str, str]] = []
    if from_meta.strip():
        candidates.append(("metadata", from_meta.strip()))
    if from_cell.strip():
        candidates.append(("cell", from_cell.strip()))
    if units:
        for source, text in candidates:
            u = _match_unit(text, units, contained=True)
            if u:
                fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, source  # type: ignore[assignment]
                return
        u = _match_unit(title, units, contained=True) if title else None
        if u and not candidates:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "cell"
            return
        u = _match_unit(stem, units, contained=True)
        if u and not candidates:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "filename"
            return
        if candidates:
            source, text = candidates[0]
            fd.unit, fd.unit_code, fd.unit_source = text, "", source  # type: ignore[assignment]
            names = [n for unit in units for n in (unit.name, *unit.aliases)]
            close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
            suggestion = ("，是否为“" + "”或“".join(close) + "”？") if close else ""
            fd.issues.append(make_issue("unit-not-configured", file=fd.rel, value=text, suggestion=suggestion))
            return
    else:
        if candidates:
            source, text = candidates[0]
            fd.unit, fd.unit_code, fd.unit_source = text, "", source  # type: ignore[assignment]
            return
        name = _unit_from_filename(stem)
        if name:
            fd.unit, fd.unit_code, fd.unit_source = name, "", "filename"
            return
    fd.unit, fd.unit_code, fd.unit_source = UNKNOWN_UNIT, "", "unknown"
    fd.issues.append(make_issue("unit-unknown", file=fd.rel))
