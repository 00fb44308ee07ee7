"""汇总数据.json: the figures as a file (UTF-8 JSON, indented by two spaces, non-ASCII as is).

orjson writes it when installed (about 12 ms at bench M, 0.15 s for a 70 MB province-scale
file); without orjson (no wheel for the platform) the standard library writes the same text,
ten to twenty times slower.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..io import write_bytes_atomic

FIGURES_NAME = "汇总数据.json"
FIGURES_FORMAT = "toolkit.figures/1"
LIBRARIES = ("orjson", "json")


def encode_figures(figures: dict, *, library: str | None = None) -> bytes:
    """The bytes of 汇总数据.json: ``json.dumps(figures, ensure_ascii=False, indent=2) + "\\n"``, UTF-8.

    ``library``: ``"orjson"`` or ``"json"`` (the standard library); by default orjson when
    it is installed. Both write the same text for any figures dict; for floats outside the
    figures' range they may spell a number differently (orjson: ``1e-7``, ``0.00001``;
    json: ``1e-07``, ``1e-05``) — the same value when read back.
    """
    if library not in (None, *LIBRARIES):
        raise ValueError(f"library must be one of {LIBRARIES}, not {library!r}")
    if library != "json":
        try:
            import orjson  # imported here: a few ms that only writing the file needs
        except ImportError:  # no orjson wheel for this platform: the standard library writes the same text
            if library == "orjson":
                raise
        else:
            return orjson.dumps(figures, default=_float_subclass,
                                option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    return (json.dumps(figures, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _float_subclass(value: Any) -> float:
    """What orjson does not write itself but json does: a float subclass (numpy.float64) as a float."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def write_figures(figures: dict, out_dir: Path) -> Path:
    """Write 汇总数据.json into ``out_dir`` (atomically) and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_bytes_atomic(out_dir / FIGURES_NAME, encode_figures(figures))


def load_figures(path: Path) -> dict:
    """The figures of a 汇总数据.json written by the toolkit; a Chinese :class:`ConfigError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到汇总数据 {path}。请先运行 toolkit merge（汇总）生成 {FIGURES_NAME}。")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path.name} 不是有效的汇总数据文件（{exc}）。请重新运行汇总。") from None
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith("toolkit.figures/"):
        raise ConfigError(f"{path.name} 不是 toolkit 生成的汇总数据文件。请重新运行汇总。")
    return data
