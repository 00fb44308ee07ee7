"""Merge: the accepted rows of every unit → detail tables with computed columns, the figures, 汇总数据.json.

    ValidationResult ─▶ derived.add_computed_columns ─▶ figures.summarize ─▶ Merged ─▶ jsonfile.write_figures
                                                                                  └─▶ summary_xlsx.write_workbook

Modules, one concern each:

``derived``     the computed columns (问题编号, 是否逾期, 逾期天数, 亮灯, task ids) and the stable row order
``figures``     the figures dict of 汇总数据.json (docs/figures.md), :class:`Merged`, :func:`summarize`
``units``       per-unit counts (分单位统计) and the 合计 row
(报送情况, the ``submission`` block, comes from ``toolkit.submission``, read by every front end)
``frames``      pandas/numpy column helpers (whole columns, one Python step per distinct value)
``exact``       exact decimal rates, means and sums, rounded half-up
``jsonfile``    writing and loading 汇总数据.json

The vocabulary (computed-column declarations, light names, 是/否) is declared in
``toolkit.schema``; the order of the stages lives in ``toolkit.api``.
"""

from .derived import add_computed_columns
from .exact import rate
from .figures import RED_LIST_COLUMNS, Merged, red_rows, summarize
from .jsonfile import FIGURES_FORMAT, FIGURES_NAME, encode_figures, load_figures, write_figures

__all__ = [
    "FIGURES_FORMAT",
    "FIGURES_NAME",
    "RED_LIST_COLUMNS",
    "Merged",
    "add_computed_columns",
    "encode_figures",
    "load_figures",
    "rate",
    "red_rows",
    "summarize",
    "write_figures",
]
