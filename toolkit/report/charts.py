"""Charts for the report: horizontal bar charts drawn with Pillow in a CJK font found on the system.

Each function returns PNG bytes, or ``None`` when no CJK font is installed or there
is nothing to draw; the report then simply leaves the chart out (a chart with tofu
boxes instead of Chinese labels is worse than none).

Pillow rather than matplotlib: two bar charts do not need a plotting library whose
import alone costs half a second in every fresh interpreter (each Excel button
click starts one) and which builds a cache of all system fonts on its first run
(many seconds on an office PC with hundreds of fonts). The look is the one the
report had with matplotlib: bars largest on top, names on the left, counts at the
bar ends, a left axis line with ticks, at 200 dpi for a 140 mm wide picture.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Font files able to draw Chinese, best first (sans serif reads best in a chart).
_KNOWN_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",  # 微软雅黑
    "C:/Windows/Fonts/simhei.ttf",  # 黑体
    "C:/Windows/Fonts/simsun.ttc",  # 宋体
    "C:/Windows/Fonts/simfang.ttf",  # 仿宋
    "/System/Library/Fonts/PingFang.ttc",  # older macOS; newer ones keep it among downloadable assets
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
# Name fragments (lower case, no spaces or dashes) of such files, best first.
_FILE_HINTS = ("notosanscjk", "sourcehansans", "msyh", "simhei", "notoserifcjk", "sourcehanserif", "simsun",
               "simfang", "pingfang", "hiraginosansgb", "stheiti", "wqy")
_FONT_SUFFIXES = (".ttc", ".otc", ".ttf", ".otf")
# Families in a collection (.ttc) that draw Simplified Chinese, best first.
_SC_FAMILIES = ("SC", "Microsoft YaHei", "SimSun", "NSimSun", "PingFang SC", "Heiti SC", "WenQuanYi")

DPI = 200
WIDTH_IN = 7.0
LABEL_PT, VALUE_PT = 12, 11


def _font_dirs() -> list[Path]:
    dirs: list[Path] = []
    if sys.platform.startswith("win"):
        dirs.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [Path("/System/Library/Fonts"), Path("/Library/Fonts"), Path.home() / "Library" / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local" / "share" / "fonts",
                 Path.home() / ".fonts"]
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Path of a font file able to draw Chinese, or None."""
    for known in _KNOWN_FILES:
        if os.path.isfile(known):
            return known
    found: list[tuple[int, bool, str]] = []
    for folder in _font_dirs():
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                low = name.lower().replace(" ", "").replace("-", "").replace("_", "")
                if not low.endswith(_FONT_SUFFIXES):
                    continue
                rank = next((i for i, hint in enumerate(_FILE_HINTS) if hint in low), None)
                if rank is not None:
                    found.append((rank, "bold" in low or "light" in low or "thin" in low, os.path.join(dirpath, name)))
    return min(found)[2] if found else None


@lru_cache(maxsize=8)
def _font(path: str, size: int):
    """The font at ``size`` pixels; in a collection, its Simplified Chinese face. None if unreadable."""
    from PIL import ImageFont

    faces = []
    for index in range(16):
        try:
            face = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        faces.append(face)
        if not path.lower().endswith((".ttc", ".otc")):
            break
    if not faces:
        return None
    for family in _SC_FAMILIES:
        for face in faces:
            name = face.getname()[0] or ""
            if name.endswith(" " + family) or name == family or name.startswith(family):
                return face
    return faces[0]


def _px(points: float) -> int:
    return round(points / 72 * DPI)


def bar_chart(items: list[tuple[str, int]], title: str = "", measure: str = "个", color: str = "#b22222") -> bytes | None:
    """Horizontal bars, largest on top, value labels at the bar ends; PNG bytes.

    Items whose count is not a positive number are left out; a name too long for the
    left half of the picture is shortened with “…”."""
    items = [(_name(n), c) for n, c in ((n, _count(c)) for n, c in items) if c > 0]
    if not items:
        return None
    path = find_cjk_font()
    if path is None:
        return None
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - Pillow is a dependency
        return None
    label_font, value_font = _font(path, _px(LABEL_PT)), _font(path, _px(VALUE_PT))
    if label_font is None or value_font is None:
        return None
    try:
        items = sorted(items, key=lambda x: x[1])[::-1]  # largest on top (equal counts as before: later first)
        n = len(items)
        width = round(WIDTH_IN * DPI)
        height = round(max(1.4, 0.22 * n + 0.45) * DPI)
        image = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(image)
        margin = _px(5)
        top = margin
        if title:
            draw.text((width // 2, margin), title, font=label_font, fill="black", anchor="mt")
            top += _px(LABEL_PT * 1.6)
        bottom = height - margin
        tick = _px(3.5)
        limit = width * 0.45 - margin - tick
        items = [(_fit(draw, name, label_font, limit), count) for name, count in items]
        names_w = max(draw.textlength(name, font=label_font) for name, _ in items)
        axis_x = round(margin + names_w + tick + _px(4))
        values = [f"{count}{measure}" for _, count in items]
        values_w = max(draw.textlength(v, font=value_font) for v in values)
        most = max(count for _, count in items)
        gap = _px(4)
        # the longest bar ends here: its count beside it, and some air on the right as before
        span = min(width - axis_x - gap - values_w - margin, (width - axis_x) * 0.82)
        slot = (bottom - top) / n
        line = max(2, _px(0.8))
        draw.line([(axis_x, top), (axis_x, bottom)], fill="black", width=line)
        for i, ((name, count), value) in enumerate(zip(items, values)):
            mid = top + slot * (i + 0.5)
            half = slot * 0.3
            end = axis_x + max(1.0, span * count / most)
            draw.rectangle([axis_x + line // 2, round(mid - half), round(end), round(mid + half)], fill=color)
            draw.line([(axis_x - tick, round(mid)), (axis_x, round(mid))], fill="black", width=line)
            draw.text((axis_x - tick - _px(3), mid), name, font=label_font, fill="black", anchor="rm")
            draw.text((end + gap, mid), value, font=value_font, fill="black", anchor="lm")
        buf = io.BytesIO()
        image.save(buf, format="PNG", dpi=(DPI, DPI))
        return buf.getvalue()
    except Exception as exc:  # pragma: no cover - never let a chart break the report
        log.warning("chart failed: %s", exc)
        return None


def _count(value: object) -> int:
    """A count as an int; 0 for anything that is not a finite number (left out of the chart)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return int(number) if number == number and abs(number) != float("inf") else 0


def _name(value: object) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.split()) or "（未填）"


def _fit(draw, text: str, font, limit: float) -> str:
    """``text``, shortened with “…” so that it is at most ``limit`` pixels wide."""
    if draw.textlength(text, font=font) <= limit:
        return text
    while len(text) > 1 and draw.textlength(text + "…", font=font) > limit:
        text = text[:-1]
    return text + "…"


def problems_chart(figures: dict) -> bytes | None:
    items = [(d.get("name", ""), d.get("count") or 0) for d in (figures.get("problems") or {}).get("by_category") or []
             if isinstance(d, dict)]
    return bar_chart(items, "", "个", color="#b22222")


def objects_chart(figures: dict) -> bytes | None:
    items = [(d.get("name", ""), d.get("count") or 0) for d in (figures.get("visits") or {}).get("by_object_type") or []
             if isinstance(d, dict)]
    return bar_chart(items, "", "次", color="#1f4e79")


def warm_up() -> None:
    """Load Pillow and the chart font (for a helper process that renders the report next)."""
    path = find_cjk_font()
    if path is not None:
        _font(path, _px(LABEL_PT))
        _font(path, _px(VALUE_PT))
