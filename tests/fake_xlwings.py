"""A stand-in for the few xlwings objects toolkit.excel uses, backed by a real
.xlsm on disk (openpyxl, keep_vba=True): ``Book.caller()`` is replaced by
:func:`install`, everything else in the command runs as RunPython runs it.

Only what toolkit.excel calls is implemented: ``book.fullname``, ``book.sheets``
(by name, iteration, ``.name``), ``sheet.range(address)`` with ``.value`` (cell,
block, or a 2-D list written from a top-left cell), ``.clear_contents()``,
``.add_hyperlink(address, text_to_display)``, ``book.app.alert`` and ``book.save()``.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries


def _put(cell, value) -> None:
    """What Excel does with a value set through COM: a text starting with ``'`` is text (the
    apostrophe is not part of it), one starting with ``=`` a formula (openpyxl types it so)."""
    if isinstance(value, str) and value.startswith("'"):
        cell.value = value[1:]
        cell.data_type = "s"
    else:
        cell.value = value


class FakeRange:
    def __init__(self, ws, address: str):
        self._ws = ws
        min_col, min_row, max_col, max_row = range_boundaries(address)
        self._box = (min_row, min_col, max_row or min_row, max_col or min_col)

    def _cells(self):
        r0, c0, r1, c1 = self._box
        return [[self._ws.cell(r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    @property
    def value(self):
        cells = self._cells()
        if len(cells) == 1 and len(cells[0]) == 1:
            return cells[0][0].value
        if len(cells) == 1 or len(cells[0]) == 1:  # xlwings returns a 1-D list for a row or column
            return [c.value for row in cells for c in row]
        return [[c.value for c in row] for row in cells]

    @value.setter
    def value(self, value):
        r0, c0, _r1, _c1 = self._box
        if isinstance(value, (list, tuple)):
            rows = value if value and isinstance(value[0], (list, tuple)) else [value]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    _put(self._ws.cell(r0 + i, c0 + j), v)
        else:
            for row in self._cells():
                for c in row:
                    _put(c, value)

    def clear_contents(self):
        for row in self._cells():
            for c in row:
                c.value = None
                c.hyperlink = None

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        cell = self._cells()[0][0]
        _put(cell, text_to_display or address)
        cell.hyperlink = address


class FakeSheet:
    def __init__(self, ws):
        self._ws = ws
        self.name = ws.title

    def range(self, address: str) -> FakeRange:
        return FakeRange(self._ws, address)


class FakeSheets:
    def __init__(self, wb):
        self._wb = wb

    def __getitem__(self, name: str) -> FakeSheet:
        return FakeSheet(self._wb[name])

    def __iter__(self):
        return iter(FakeSheet(ws) for ws in self._wb.worksheets)


class FakeApp:
    def __init__(self):
        self.alerts: list[tuple[str, str | None]] = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title))
        return "ok"


class FakeBook:
    def __init__(self, path: Path):
        self.fullname = str(Path(path).resolve())
        self._wb = load_workbook(self.fullname, keep_vba=True)
        self.sheets = FakeSheets(self._wb)
        self.app = FakeApp()

    def save(self, path: Path | None = None) -> None:
        self._wb.save(str(path or self.fullname))


def install(path: str, alerts_file: str | None = None) -> FakeBook:
    """Patch ``xlwings.Book.caller`` to return a FakeBook of ``path``; save it at exit."""
    import xlwings

    book = FakeBook(Path(path))
    xlwings.Book.caller = classmethod(lambda cls: book)

    def _finish() -> None:
        book.save()
        if alerts_file:
            Path(alerts_file).write_text(json.dumps(book.app.alerts, ensure_ascii=False), encoding="utf-8")

    atexit.register(_finish)
    return book


if os.environ.get("FAKE_XLWINGS_BOOK"):  # used as the prelude of a RunPython-like command
    install(os.environ["FAKE_XLWINGS_BOOK"], os.environ.get("FAKE_XLWINGS_ALERTS"))
