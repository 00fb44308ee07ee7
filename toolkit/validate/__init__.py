"""The validator: read files → checked rows, file reports and accepted-row tables.

Every check is derived from the schema (``toolkit.schema``): per cell (required,
required-when, kind, list, bounds, pattern, in-period, not-future), per row (each
``RowRule``: order / implies / forbid), per file (unique columns, references to
another sheet, counts that should match another sheet's rows) and across files
(the same unit sending the same template twice: the newer file wins).

Severity comes from the error catalog (``toolkit.errors``): a 错误 rejects the row,
a 提示 keeps it and travels with it in the ``_notes`` column.

Accounting, per file and in total::

    rows_read = rows_accepted + rows_rejected + rows_superseded

Skipped rows (合计行, 表尾说明行) are listed separately and are not in rows_read.

Modules, in pipeline order: ``sheet`` (the checked state of one sheet), ``cells``
(one column's cells, cached per value), ``rows`` (required-when, row rules), ``files``
(unique, references, counts), ``accept`` (one file: rows accepted or rejected, its
report), ``collection`` (superseded submissions, :func:`validate_files`), ``tables``
(the accepted-rows DataFrame builder), ``summary`` (:func:`result_to_json`).
"""

from __future__ import annotations

from .collection import validate_files
from .summary import result_to_json
from .tables import Tables, accepted_table, empty_table

__all__ = ["validate_files", "result_to_json", "accepted_table", "empty_table", "Tables"]
