"""The campaign year: the history store of a workspace and what one period carries into the next.

``store``  the SQLite file (``台账历史.sqlite``): periods, their rows, item states, 报送情况 (docs/history.md).
"""

from .store import FORMAT, STORE_NAME, PeriodRecord, Store, open_store, table_columns

__all__ = ["FORMAT", "STORE_NAME", "PeriodRecord", "Store", "open_store", "table_columns"]
