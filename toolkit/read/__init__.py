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

One concern per module, in the order a file goes through them:

``discover``    the files of the collection folder, and why the others are left aside
``sniff``       what a file really is (zip, OLE compound file, encrypted, not Excel at all)
``ooxml``       the small .xlsx parts: defined names, custom properties, save time, formulas without value
``sheets``      which worksheet is which schema sheet, the header row, the template, mixed templates
``units``       the unit (metadata, 填报单位 cell, title, file name, aliases) and the meta row
``rows``        the raw rows of one sheet: columns, merged cells, empty/total/footer rows
``workbook``    :func:`read_file`: one file through the steps above
``collection``  :func:`read_files` / :func:`iter_read_files`: many files, in order, through the pool
                of :mod:`toolkit.runtime`
"""

from __future__ import annotations

from ..runtime import read_workers
from .collection import iter_read_files, read_files
from .discover import SPREADSHEET_SUFFIXES, find_files
from .sheets import HEADER_SCAN_ROWS, MIN_HEADER_MATCHES
from .workbook import read_file

__all__ = ["find_files", "read_file", "read_files", "iter_read_files", "read_workers", "SPREADSHEET_SUFFIXES",
           "HEADER_SCAN_ROWS", "MIN_HEADER_MATCHES"]
