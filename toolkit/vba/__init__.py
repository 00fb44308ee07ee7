"""VBA for the Excel control workbook, written without Excel.

* :mod:`toolkit.vba.compress` — MS-OVBA 2.4.1 compression (the RLE-like scheme of
  module source and the ``dir`` stream).
* :mod:`toolkit.vba.project` — a source-only ``vbaProject.bin`` (a small MS-CFB
  writer plus the ``dir``/``PROJECT``/``_VBA_PROJECT`` records of MS-OVBA).
* ``toolkit/data/vba/*.bas`` — the VBA source: the toolkit's button Subs and the
  ``xlwings.bas`` module of the pinned xlwings version (so no add-in is needed).
"""

from .project import build_vba_project, toolkit_modules

__all__ = ["build_vba_project", "toolkit_modules"]
