"""Fast cell XML for the large detail sheets of 汇总表.xlsx.

XlsxWriter (mature, and used for every styled sheet, the charts and the layout)
spends about 3 µs per cell in Python; a 60,000-row collection has 1.5 million
detail cells. This module writes those sheets' rows column by column with
pyarrow string kernels instead, and splices them into the workbook XlsxWriter
wrote:

1. XlsxWriter writes the whole workbook, each detail sheet with its header row,
   column widths, freeze panes, autofilter and print setup, and owns every
   format (:func:`style_id` gives a format's index in ``styles.xml``).
2. :func:`splice` copies that package into the target file and streams the
   generated ``<row>`` elements into the detail sheets' ``<sheetData>`` (one
   chunk of rows at a time, so memory stays bounded at a million rows).

Cells are written as XlsxWriter writes them: numbers as ``<v>`` with ``%.16G``,
dates as serial numbers (1900 date system, with Excel's 1900 leap-year quirk) with
a date format, text as strings only (a shared-string table, :class:`SharedStrings`,
or inline strings; never a formula, so ``=1+1`` stays text), ``& < >`` escaped,
control characters as ``_xHHHH_`` (and a literal ``_xHHHH_`` kept by escaping its
underscore), ``xml:space="preserve"`` when a text starts or ends with white space.
Empty values (NA, ``""``) leave the cell out. Unlike XlsxWriter, a text that looks
like rich-text markup (``<r>…</r>``) is escaped like any other text.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

TEXT, INT, NUMBER, PERCENT, DATE = "text", "int", "number", "percent", "date"

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# XlsxWriter's escapes (xmlwriter._escape_control_characters), as one "needs care" test.
_SPECIAL = r"[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]|_x[0-9a-fA-F]{4}_"
_CONTROL_1 = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL_2 = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NS_PER_DAY = 86_400 * 10**9


def style_id(fmt: Any) -> int:
    """Index of an XlsxWriter format in the workbook's ``cellXfs`` (assigned on first use).

    XlsxWriter gives a format its index the first time a cell uses it; cells written
    here never pass through XlsxWriter, so ask for the index the same way its own
    cell writer does. Call before ``Workbook.close()``.
    """
    return int(fmt._get_xf_index())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Column:
    """One column of a generated sheet.

    ``kind``: text, int, number (General), percent (value/100), date. ``style``: the
    cell format's index (:func:`style_id`); ``value_styles`` picks another format
    for particular text values (the 亮灯 fills); ``blank_style``, when set, writes an
    empty value as a blank cell with that format instead of leaving the cell out.
    """

    kind: str
    style: int
    value_styles: dict[str, int] = field(default_factory=dict)
    blank_style: int | None = None  # an empty value still gets a formatted (bordered) cell


# ---------------------------------------------------------------------------
# values → cell XML (one column of one chunk)
# ---------------------------------------------------------------------------


def _xlsxwriter_escape(text: str) -> str:
    text = _CONTROL_1.sub(r"_x005F\1", text)
    text = _CONTROL_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def text_array(series: "pd.Series") -> "pa.Array":
    """The values as Arrow strings; NA and "" become null (no cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(series, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        values = series.astype(object).tolist()
        mask = series.isna().to_numpy(dtype=bool)
        arr = pa.array([None if na else str(v) for v, na in zip(values, mask.tolist())], type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _escape_text(arr: "pa.Array") -> "pa.Array":
    import pyarrow as pa
    import pyarrow.compute as pc

    special = pc.match_substring_regex(arr, _SPECIAL)
    if pc.any(special).as_py():  # rare: control characters or a literal _xHHHH_
        values = arr.to_pylist()
        flags = special.to_pylist()
        arr = pa.array([_xlsxwriter_escape(v) if f else v for v, f in zip(values, flags)], type=pa.string())
    for plain, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if pc.any(pc.match_substring(arr, plain)).as_py():
            arr = pc.replace_substring(arr, plain, escaped)
    return arr


def _numbers_text(values: "Any", integral: bool) -> "pa.Array":
    """Numbers as XlsxWriter writes them (``%.16G``); ``values`` a float64/int64 Arrow array with nulls.

    Each distinct value is formatted once (progress and amounts repeat). NaN and
    infinities, which a cell cannot hold (XlsxWriter refuses them), leave the cell out.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if integral:
        ints = values.cast(pa.int64())
        big = pc.max(pc.abs(ints)).as_py()
        if big is None or big < 10**15:
            return ints.cast(pa.string())
        values = ints.cast(pa.float64())
    floats = values.cast(pa.float64())
    floats = pc.if_else(pc.is_finite(floats), floats, pa.scalar(None, pa.float64()))
    encoded = pc.dictionary_encode(floats)
    texts = pa.array([f"{v:.16G}" for v in encoded.dictionary.to_pylist()], type=pa.string())
    return pc.take(texts, encoded.indices)


def _serials(series: "pd.Series") -> "pa.Array":
    """Dates as Excel serial numbers (XlsxWriter's ``_datetime_to_excel_datetime``), nulls kept."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    missing = series.isna().to_numpy(dtype=bool)
    ns = series.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).astype("datetime64[ns]").view("i8")
    epoch = np.datetime64("1899-12-31", "ns").astype("i8")
    delta = ns - epoch
    days = delta // _NS_PER_DAY
    rem = delta - days * _NS_PER_DAY
    days = days - (days == 1)  # XlsxWriter: a datetime on 1900-01-01 counts from day 0
    days = days + (days > 59)  # Excel treats 1900 as a leap year
    if not rem[~missing].any():
        return pa.array(days, mask=missing, type=pa.int64())
    serial = days + rem / _NS_PER_DAY
    return pa.array(serial, mask=missing, type=pa.float64())


class SharedStrings:
    """The workbook's shared-string table (``xl/sharedStrings.xml``) for generated text cells.

    A text met again (unit and file names, choices, repeated descriptions) costs one
    ``<v>index</v>`` instead of its full text: the sheet XML is about half as large, which
    halves the deflate time. Excel writes its own workbooks this way.
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0  # text cells referring to the table

    def ids(self, values: "pa.Array") -> list[int]:
        """Table index of each (distinct, non-null) text, added when new."""
        index = self.index
        out = []
        for text in values.to_pylist():
            i = index.get(text)
            if i is None:
                i = index[text] = len(index)
            out.append(i)
        return out

    def xml(self, chunk: int = 50_000) -> Iterator[bytes]:
        """``xl/sharedStrings.xml``, in pieces."""
        import pyarrow as pa
        import pyarrow.compute as pc

        yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_NS_MAIN[1:-1]}" '
               f'count="{self.count}" uniqueCount="{len(self.index)}">').encode()
        texts = list(self.index)  # insertion order = index order
        for start in range(0, len(texts), chunk):
            values = _escape_text(pa.array(texts[start:start + chunk], type=pa.string()))
            open_t = pc.if_else(_preserve(values), '<si><t xml:space="preserve">', "<si><t>")
            yield _concat(pc.binary_join_element_wise(open_t, values, "</t></si>", ""))
        yield b"</sst>"


def _preserve(values: "pa.Array") -> "pa.Array":
    """Texts starting or ending with white space (they need ``xml:space="preserve"``)."""
    import pyarrow.compute as pc

    first = pc.utf8_slice_codeunits(values, 0, 1)
    last = pc.utf8_slice_codeunits(values, -1)
    return pc.or_(pc.utf8_is_space(first), pc.utf8_is_space(last))


def _value_text(series: "pd.Series", kind: str) -> "pa.Array":
    """The ``<v>`` text of a number or date column (null where the cell is empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == DATE:
        serials = _serials(series)
        return serials.cast(pa.string()) if pa.types.is_integer(serials.type) else _numbers_text(serials, False)
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = pa.array(series, from_pandas=True)
    else:  # text left in a number column: convert as float() would, or fail loudly like before
        values = pa.array([None if pd.isna(v) or v == "" else float(v) for v in series.astype(object).tolist()],
                          type=pa.float64())
    if kind == PERCENT:
        values = pc.divide(values.cast(pa.float64()), 100.0)
        integral = False
    else:
        integral = kind == INT or pa.types.is_integer(values.type)
    if kind == INT and not pa.types.is_integer(values.type):
        values = pc.trunc(values.cast(pa.float64()))  # int(v)
    return _numbers_text(values, integral)


def _styled_tails(series: "pd.Series | None", n: int, column: Column, styles: Any,
                  strings: SharedStrings | None) -> "pa.Array":
    """The rest of each ``<c>`` element with a format per row (``styles``: style ids); an empty value is
    a blank cell in its row's format."""
    import pyarrow as pa
    import pyarrow.compute as pc

    style = pa.array(styles, type=pa.int64()).cast(pa.string())
    blank = pc.binary_join_element_wise('" s="', style, '"/>', "")
    if series is None:
        return blank
    if column.kind in (INT, NUMBER, PERCENT, DATE):
        filled = pc.binary_join_element_wise('" s="', style, '"><v>', _value_text(series, column.kind),
                                             "</v></c>", "")
    else:
        encoded = pc.dictionary_encode(text_array(series))
        if strings is not None:
            ids = pa.array(strings.ids(encoded.dictionary), type=pa.int64()).cast(pa.string())
            strings.count += len(encoded) - encoded.null_count
            filled = pc.binary_join_element_wise('" s="', style, '" t="s"><v>', pc.take(ids, encoded.indices),
                                                 "</v></c>", "")
        else:
            values = _escape_text(encoded.dictionary)
            open_t = pc.if_else(_preserve(values), '<t xml:space="preserve">', "<t>")
            inner = pc.take(pc.binary_join_element_wise(open_t, values, "</t>", ""), encoded.indices)
            filled = pc.binary_join_element_wise('" s="', style, '" t="inlineStr"><is>', inner, "</is></c>", "")
    return pc.coalesce(filled, blank)


def column_pieces(series: "pd.Series | None", n: int, col: int, column: Column, refs: "pa.Array",
                  strings: SharedStrings | None = None, styles: Any = None) -> list[Any]:
    """One column of ``n`` rows as pieces that, joined row by row skipping nulls, are its ``<c>`` elements.

    ``[head, tail]``: ``<c r="B7`` and the rest of the element, both null where the cell is
    left out. Text goes to ``strings`` when given, else inline (``t="inlineStr"``). ``styles``:
    a format (style id) per row instead of the column's, every row then getting a cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    letter = column_letter(col)
    heads = pc.binary_join_element_wise(f'<c r="{letter}', refs, "")
    if styles is not None:
        return [heads, _styled_tails(series, n, column, styles, strings)]
    blank = None if column.blank_style is None else f'" s="{column.blank_style}"/>'
    if series is None:
        return [] if blank is None else [heads, blank]
    kind = column.kind
    if kind in (INT, NUMBER, PERCENT, DATE):
        text = _value_text(series, kind)
        tails = pc.binary_join_element_wise(f'" s="{column.style}"><v>', text, "</v></c>", "")
    else:
        # Texts repeat (unit names, choices, file names): escape and wrap each distinct value once.
        encoded = pc.dictionary_encode(text_array(series))
        if column.value_styles:
            style = pa.array([str(column.style)] * len(encoded.dictionary), type=pa.string())
            for value, sid in column.value_styles.items():
                style = pc.if_else(pc.equal(encoded.dictionary, value), str(sid), style)
        else:
            style = str(column.style)
        if strings is not None:
            ids = pa.array(strings.ids(encoded.dictionary), type=pa.int64()).cast(pa.string())
            strings.count += len(encoded) - encoded.null_count
            distinct = pc.binary_join_element_wise('" s="', style, '" t="s"><v>', ids, "</v></c>", "")
        else:
            values = _escape_text(encoded.dictionary)
            open_t = pc.if_else(_preserve(values), '<t xml:space="preserve">', "<t>")
            distinct = pc.binary_join_element_wise('" s="', style, '" t="inlineStr"><is>', open_t, values,
                                                   "</t></is></c>", "")
        tails = pc.take(distinct, encoded.indices)
    if blank is not None:
        return [heads, pc.coalesce(tails, blank)]
    if tails.null_count == 0:
        return [heads, tails]
    if tails.null_count == len(tails):
        return []
    return [pc.if_else(pc.is_valid(tails), heads, pa.scalar(None, pa.string())), tails]


MAX_ROW_POINTS = 409  # Excel's tallest row


def text_lines(series: "pd.Series", width: float) -> "pa.Array":
    """Lines each text of ``series`` takes in a wrapped column ``width`` wide: ``toolkit.text.wrapped_lines``
    for whole columns, each distinct text measured once with Arrow kernels (an empty cell: 1).

    A character's width is read from its UTF-8 length: a 3-byte character (CJK, full-width forms,
    “”‘’—) is wide, a 1-byte one narrow — ``text.display_width`` exactly for Chinese and ASCII
    text; a 2-byte character (é, Cyrillic) counts half wide, a 4-byte one one and a half. A text
    with line breaks is measured by ``wrapped_lines`` itself."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .text import wrapped_lines

    encoded = pc.dictionary_encode(text_array(series))
    texts = encoded.dictionary
    chars = pc.utf8_length(texts).cast(pa.float64())
    extra = pc.subtract(pc.binary_length(texts).cast(pa.float64()), chars)  # 2 per wide character
    tenths = pc.add(pc.multiply(chars, 11.0), pc.multiply(extra, 4.5))  # 20 a wide one, 11 a narrow one
    per_line = 10 * max(int(width) - 1, 1)
    lines = pc.max_element_wise(pc.ceil(pc.divide(tenths, float(per_line))), 1.0).cast(pa.int64())
    broken = pc.match_substring(texts, "\n")
    if pc.any(broken).as_py():
        values, flags, counts = texts.to_pylist(), broken.to_pylist(), lines.to_pylist()
        lines = pa.array([wrapped_lines(v, width) if f else n for v, f, n in zip(values, flags, counts)],
                         type=pa.int64())
    return pc.take(lines, encoded.indices).fill_null(1)


def row_heights(columns: "list[tuple[pd.Series | None, float]]", line: float) -> "pa.Array | None":
    """Each row's height (points) for the wrapped texts of ``columns`` (series, column width): ``line``
    points a line of its tallest cell, null where every cell fits on one line; None when no row wraps."""
    import pyarrow as pa
    import pyarrow.compute as pc

    most = None
    for series, width in columns:
        if series is None or not len(series):
            continue
        lines = text_lines(series, width)
        most = lines if most is None else pc.max_element_wise(most, lines)
    if most is None or pc.max(most).as_py() <= 1:
        return None
    points = pc.min_element_wise(pc.add(pc.multiply(most.cast(pa.float64()), line), 4.0), float(MAX_ROW_POINTS))
    return pc.if_else(pc.greater(most, 1), points, pa.scalar(None, pa.float64()))


def rows_xml(columns: list[tuple[Any, ...]], first_row: int,
             heights: "list[float | None] | pa.Array | None" = None, strings: SharedStrings | None = None) -> bytes:
    """``<row>`` elements for one chunk; ``first_row`` is the 1-based sheet row of the first value.

    ``columns``: ``(series, Column)`` or ``(series, Column, styles)`` (a style id per row, see
    :func:`column_pieces`). ``heights``: a custom height (points) per row (a list, or an Arrow array
    from :func:`row_heights`; None/null keeps the default). ``strings``: the shared-string table for
    text cells (then pass it to :func:`splice`), or None for inline strings.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = 0
    for entry in columns:
        if entry[0] is not None:
            n = len(entry[0])
            break
        if len(entry) > 2 and entry[2] is not None:
            n = len(entry[2])
            break
    if n == 0:
        return b""
    refs = pa.array(range(first_row, first_row + n), type=pa.int64()).cast(pa.string())
    pieces = [p for c, entry in enumerate(columns)
              for p in column_pieces(entry[0], n, c, entry[1], refs, strings, entry[2] if len(entry) > 2 else None)]
    head: list[Any] = ['<row r="', refs, '">']
    if isinstance(heights, (pa.Array, pa.ChunkedArray)):
        if heights.null_count < len(heights):
            text = _numbers_text(heights, False)
            attrs = pc.binary_join_element_wise(' ht="', text, '" customHeight="1"', "").fill_null("")
            head = ['<row r="', refs, '"', attrs, ">"]
    elif heights is not None and any(h is not None for h in heights):
        attrs = pa.array([None if h is None else f' ht="{h:g}" customHeight="1"' for h in heights],
                         type=pa.string()).fill_null("")
        head = ['<row r="', refs, '"', attrs, ">"]
    # one pass over every row: a left-out cell's head and tail are both null and skipped
    rows = pc.binary_join_element_wise(*head, *pieces, "</row>", "", null_handling="skip")
    return _concat(rows)


def _concat(arr: "pa.Array") -> bytes:
    """All values of a null-free string array, back to back."""
    import numpy as np

    offsets_buf, data_buf = arr.buffers()[1], arr.buffers()[2]
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    return data_buf.to_pybytes()[offsets[0]:offsets[-1]] if data_buf is not None else b""


# ---------------------------------------------------------------------------
# splice generated rows into XlsxWriter's package
# ---------------------------------------------------------------------------


@dataclass
class SheetRows:
    """Rows to add below a sheet's header: ``chunks`` yields ``rows_xml`` output in order."""

    chunks: Iterable[bytes]
    last_row: int  # 1-based, header included
    last_col: int  # 0-based


def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part name (``xl/worksheets/sheetN.xml``) of an xlsx package."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_NS_PKG_REL + "Relationship")}
    out = {}
    for sheet in workbook.iter(_NS_MAIN + "sheet"):
        target = targets[sheet.get(_NS_REL + "id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def _sheet_stream(xml: bytes, rows: SheetRows) -> Iterator[bytes]:
    ref = f"A1:{column_letter(rows.last_col)}{rows.last_row}".encode()
    xml, found = _DIMENSION.subn(b'<dimension ref="' + ref + b'"/>', xml, count=1)
    end = xml.find(b"</sheetData>")
    if end == -1:
        empty = xml.find(b"<sheetData/>")
        if empty == -1:
            raise ValueError("worksheet without <sheetData>")
        yield xml[:empty] + b"<sheetData>"
        tail = b"</sheetData>" + xml[empty + len(b"<sheetData/>"):]
    else:
        yield xml[:end]
        tail = xml[end:]
    for chunk in rows.chunks:
        if chunk:
            yield chunk
    yield tail


def splice(source: bytes, target: Any, sheets: dict[str, SheetRows], *, strings: SharedStrings | None = None,
           level: int = 1) -> None:
    """Write the package ``source`` to ``target`` with generated rows added to ``sheets`` (by name).

    ``strings``: the shared-string table the rows refer to; it becomes the package's
    ``xl/sharedStrings.xml`` (the package must not have one: XlsxWriter in
    ``constant_memory`` mode writes inline strings only).
    The big sheet parts are deflated at ``level`` (fast); the rest keep XlsxWriter's level.
    Wrap the rows in :class:`Prefetch` to have them generated in a thread while this deflates.
    """
    import io

    from .deflate import speed_up_writer

    with zipfile.ZipFile(io.BytesIO(source)) as src:
        parts = sheet_parts(src)
        by_part = {parts[name]: rows for name, rows in sheets.items()}
        patched: dict[str, bytes] = {}
        if strings is not None:
            patched = _add_shared_strings_part(src)
        order = [info.filename for info in src.infolist() if info.filename in by_part]
        pieces = _pieces(src, order, by_part)
        try:
            with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level,
                                 allowZip64=True) as out:
                for info in src.infolist():
                    if info.filename not in by_part:
                        data = patched.get(info.filename) or src.read(info)
                        out.writestr(_copy_info(info), data, compresslevel=6)
                        continue
                    with out.open(info.filename, "w", force_zip64=True) as dest:  # deflated at ``level``
                        speed_up_writer(dest, level)
                        for name, piece in pieces:
                            if piece is None:  # end of this part
                                break
                            assert name == info.filename
                            dest.write(piece)
                if strings is not None:  # complete only now: every generated row has been seen
                    with out.open(_SST_PART, "w", force_zip64=True) as dest:
                        speed_up_writer(dest, level)
                        for piece in strings.xml():
                            dest.write(piece)
        finally:
            pieces.close()


class Prefetch:
    """Generate the rows of sheets in a helper thread while the caller goes on writing the
    rest of the workbook with XlsxWriter.

    :meth:`add` takes a :class:`SheetRows` and returns one whose chunks come from the
    thread, which works through the sheets in the order they were added; the sheets must
    be consumed in that order too (:func:`splice` takes them in workbook order, which is
    the order they were created). At most ``limit`` bytes of rows wait unconsumed, so
    memory stays bounded at a million rows; at city scale all rows fit and are ready
    when the package is spliced. pyarrow's kernels release the GIL, so the generation
    overlaps the XlsxWriter work on two cores. Errors are raised where the rows are read.
    """

    def __init__(self, limit: int = 64 << 20) -> None:
        import threading

        self._cond = threading.Condition()
        self._jobs: list[tuple[Iterator[bytes], list]] = []  # (chunks, [deque of bytes, done flag])
        self._limit = limit
        self._ahead = 0  # bytes generated and not yet consumed
        self._closed = False
        self._stopped = False
        self._error: BaseException | None = None
        self._thread: Any = None

    def add(self, rows: SheetRows) -> SheetRows:
        import collections
        import threading

        state = [collections.deque(), False]
        with self._cond:
            self._jobs.append((iter(rows.chunks), state))
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="toolkit-xlsx-prefetch", daemon=True)
                self._thread.start()
        return SheetRows(self._consume(state), last_row=rows.last_row, last_col=rows.last_col)

    def close(self) -> None:
        """No more sheets will be added."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop generating (the workbook failed) and wait for the thread."""
        with self._cond:
            self._stopped = self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        index = 0
        while True:
            with self._cond:
                while index >= len(self._jobs) and not self._closed and not self._stopped:
                    self._cond.wait()
                if self._stopped or index >= len(self._jobs):
                    return
                chunks, state = self._jobs[index]
            try:
                for chunk in chunks:
                    with self._cond:
                        while self._ahead >= self._limit and not self._stopped:
                            self._cond.wait()
                        if self._stopped:
                            return
                        state[0].append(chunk)
                        self._ahead += len(chunk)
                        self._cond.notify_all()
            except BaseException as exc:  # noqa: BLE001 - raised where the rows are read
                with self._cond:
                    self._error = exc
                    state[1] = True
                    self._cond.notify_all()
                return
            with self._cond:
                state[1] = True
                self._cond.notify_all()
            index += 1

    def _consume(self, state: list) -> Iterator[bytes]:
        while True:
            with self._cond:
                while not state[0] and not state[1] and self._error is None and not self._stopped:
                    self._cond.wait()
                if state[0]:
                    chunk = state[0].popleft()
                    self._ahead -= len(chunk)
                    self._cond.notify_all()
                elif self._error is not None:
                    raise self._error
                elif not state[1]:  # stopped before this sheet was complete
                    raise RuntimeError("rows read after Prefetch.stop()")
                else:
                    return
            yield chunk


_SST_PART = "xl/sharedStrings.xml"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _add_shared_strings_part(src: zipfile.ZipFile) -> dict[str, bytes]:
    """[Content_Types].xml and the workbook's relationships, declaring ``xl/sharedStrings.xml``."""
    if _SST_PART in src.namelist():
        raise ValueError("the package already has a shared-string table")
    types = src.read("[Content_Types].xml")
    override = f'<Override PartName="/{_SST_PART}" ContentType="{_SST_TYPE}"/>'.encode()
    if b"</Types>" not in types:
        raise ValueError("[Content_Types].xml without </Types>")
    types = types.replace(b"</Types>", override + b"</Types>", 1)
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = src.read(rels_name)
    ids = {int(m) for m in re.findall(rb'Id="rId(\d+)"', rels)}
    rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{_SST_REL}" Target="sharedStrings.xml"/>'
    if b"</Relationships>" not in rels:
        raise ValueError("workbook relationships without </Relationships>")
    rels = rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>", 1)
    return {"[Content_Types].xml": types, rels_name: rels}


def _pieces(src: zipfile.ZipFile, names: list[str], by_part: dict[str, SheetRows]) -> Iterator[tuple[str, Any]]:
    for name in names:
        for piece in _sheet_stream(src.read(name), by_part[name]):
            yield name, piece
        yield name, None


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    return new
