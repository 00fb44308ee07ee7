"""toolkit: standardized campaign ledgers → validated, merged workbook → official Word report.

Pipeline (one module per stage, plain data between them, see ``toolkit.model``)::

    schema ─▶ templates ─▶ read ─▶ validate ─▶ merge ─▶ report
                                     │
                                  markup (退回修改 workbooks)

Front ends: ``toolkit.cli`` (the ``toolkit`` command) and ``toolkit.excel``
(xlwings buttons of 控制台.xlsm). Both call the functions in ``toolkit.api``.
"""

__version__ = "0.1.0"
