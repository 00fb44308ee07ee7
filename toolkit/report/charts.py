"""Charts for the report (matplotlib Figure on the Agg canvas, a CJK font found on the system).

Each function returns PNG bytes, or ``None`` when matplotlib or a CJK font is
missing or there is nothing to draw; the report then simply leaves the chart out
(a chart with tofu boxes instead of Chinese labels is worse than none).
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

log = logging.getLogger(__name__)

# preferred families first; the first one installed wins
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Serif SC", "SimHei",
    "Microsoft YaHei", "SimSun", "FangSong", "PingFang SC", "Heiti SC", "STHeiti", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Sans CJK TC",
)
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "simhei", "msyh", "simsun", "simfang", "wqy", "pingfang")


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Path of a font file able to draw Chinese, or None."""
    try:
        from matplotlib import font_manager
    except Exception:  # pragma: no cover - matplotlib missing
        return None
    by_name: dict[str, str] = {}
    for entry in sorted(font_manager.fontManager.ttflist, key=lambda e: (e.weight not in (400, "normal", "regular"),
                                                                         e.style != "normal", e.fname)):
        by_name.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in by_name:
            return by_name[family]
    # fonts not yet in matplotlib's cache (installed after it was built)
    for path in font_manager.findSystemFonts():
        low = path.lower().replace(" ", "").replace("-", "")
        if any(h in low for h in _FILE_HINTS):
            return path
    return None


def _matplotlib():
    """(new figure function, CJK FontProperties), or (None, None) without matplotlib or a CJK font.

    ``matplotlib.figure.Figure`` on the Agg canvas directly: importing
    ``matplotlib.pyplot`` (backend selection, GUI hooks) costs more than drawing a chart.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except Exception:  # pragma: no cover
        return None, None
    path = find_cjk_font()
    if path is None:
        return None, None
    prop = _font(path)
    if prop is None:
        return None, None

    def figure(**kwargs):
        fig = Figure(**kwargs)
        FigureCanvasAgg(fig)
        return fig

    return figure, prop


@lru_cache(maxsize=4)
def _font(path: str):
    """FontProperties of a font file (registered with matplotlib once per process)."""
    from matplotlib import font_manager

    try:
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(fname=path)
    except Exception:  # pragma: no cover - unreadable font file
        return None


def bar_chart(items: list[tuple[str, int]], title: str = "", measure: str = "个", color: str = "#b22222") -> bytes | None:
    """Horizontal bars, largest on top, value labels at the bar ends; PNG bytes."""
    items = [(str(n), int(c)) for n, c in items if c]
    if not items:
        return None
    new_figure, prop = _matplotlib()
    if new_figure is None:
        return None
    items = sorted(items, key=lambda x: x[1])
    names = [n for n, _ in items]
    counts = [c for _, c in items]
    height = max(1.4, 0.22 * len(items) + 0.45)
    fig = new_figure(figsize=(7.0, height), dpi=200)
    ax = fig.subplots()
    try:
        bars = ax.barh(range(len(items)), counts, color=color, height=0.6)
        ax.set_yticks(range(len(items)))
        ax.set_yticklabels(names, fontproperties=prop, fontsize=12)
        if title:
            ax.set_title(title, fontproperties=prop, fontsize=12)
        top = max(counts)
        ax.set_xlim(0, top * 1.15 + 1)
        for bar, value in zip(bars, counts):
            ax.text(bar.get_width() + top * 0.01 + 0.1, bar.get_y() + bar.get_height() / 2, f"{value}{measure}",
                    va="center", ha="left", fontproperties=prop, fontsize=11)
        ax.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    except Exception as exc:  # pragma: no cover - never let a chart break the report
        log.warning("chart failed: %s", exc)
        return None


def problems_chart(figures: dict) -> bytes | None:
    items = [(d.get("name", ""), d.get("count") or 0) for d in (figures.get("problems") or {}).get("by_category") or []
             if isinstance(d, dict)]
    return bar_chart(items, "", "个", color="#b22222")


def objects_chart(figures: dict) -> bytes | None:
    items = [(d.get("name", ""), d.get("count") or 0) for d in (figures.get("visits") or {}).get("by_object_type") or []
             if isinstance(d, dict)]
    return bar_chart(items, "", "次", color="#1f4e79")
