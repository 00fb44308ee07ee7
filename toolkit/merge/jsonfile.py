"""汇总数据.json: the figures as a file (UTF-8 JSON, indented by two spaces, non-ASCII as is)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _encode_str  # the C function json.dumps uses
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..io import atomic_path

_INF = float("inf")
FIGURES_NAME = "汇总数据.json"
FIGURES_FORMAT = "toolkit.figures/1"


def write_figures(figures: dict, out_dir: Path) -> Path:
    """Write 汇总数据.json into ``out_dir`` (atomically) and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pieces = _figures_pieces(figures)
    target = out_dir / FIGURES_NAME
    # written piece by piece: at province scale the text is ~70 MB, joining it first would double that
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, len(pieces), 4096):
            fh.write("".join(pieces[start:start + 4096]))
    return target


def figures_json(figures: dict) -> str:
    """``json.dumps(figures, ensure_ascii=False, indent=2, allow_nan=False) + "\\n"``, byte for byte.

    The standard library pretty-prints with its pure-Python encoder (its C encoder has no
    indentation), about 2 µs a value: seconds for a province-scale 红灯清单. This writer
    produces the same text in one tight recursive pass.
    """
    return "".join(_figures_pieces(figures))


def _figures_pieces(figures: dict) -> list[str]:
    """The text of :func:`figures_json` as a list of pieces (joined, they are that text)."""
    out: list[str] = []
    _dump(figures, out, "\n")
    out.append("\n")
    return out


def _dump(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (_INF, -_INF):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        try:  # flat dicts (红灯清单, 重点任务 rows …): one pass, no recursion
            parts = [inner + _encode_str(k if isinstance(k, str) else _key(k)) + ": " + _SCALARS[v.__class__](v)
                     for k, v in value.items()]
        except KeyError:
            parts = None
        if parts is not None:
            out.append("{" + ",".join(parts) + newline + "}")
            return
        first = True
        for key, item in value.items():
            out.append(("{" if first else ",") + inner + _encode_str(key if isinstance(key, str) else _key(key)) + ": ")
            first = False
            _dump(item, out, inner)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        first = True
        for item in value:
            out.append(("[" if first else ",") + inner)
            first = False
            _dump(item, out, inner)
        out.append(newline + "]")
    else:  # anything else: exactly as json.dumps does it (or its TypeError)
        out.append(json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False).replace("\n", newline))


def _float(value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
    return float.__repr__(value)


_SCALARS = {str: _encode_str, int: int.__repr__, float: _float, bool: lambda v: "true" if v else "false",
            type(None): lambda v: "null"}


def _key(key: Any) -> str:
    """A non-string dict key as json.dumps writes it."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        if key != key or key in (_INF, -_INF):
            raise ValueError("Out of range float values are not JSON compliant: " + repr(key))
        return float.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


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
