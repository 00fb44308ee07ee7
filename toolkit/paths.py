"""File and folder names made from untrusted text, and the check that a path stays in its folder.

Unit names (a 填报单位 cell, toolkit.toml), file stems of submissions, period names and
configured folder names are text a person typed. Every name the toolkit makes from such text
goes through :func:`safe_name`, and every path it writes to is checked with :func:`inside`:

* no separators (``/`` ``\\``), no drive or UNC prefix (``C:``, ``\\\\server``), no ``..``: a
  name is one entry of its folder, never a way out of it or into a sub-folder;
* none of the characters Windows forbids (``< > : " | ? *``), no control characters, no
  bidirectional overrides (which make ``exe.xlsx`` look like ``xslx.exe``);
* no Windows device name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``…``COM9``,
  ``LPT1``…``LPT9``, also with an extension), no trailing dots or spaces (Windows drops
  them silently), no leading dot (a hidden file) or ``.~tmp-`` prefix (the toolkit's own
  temporary files);
* at most ``max_bytes`` bytes in UTF-8 (255: the limit of ext4 and, counted in UTF-16
  units, of NTFS), the suffix kept whole.

Only the standard library is imported here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

__all__ = ["MAX_NAME_BYTES", "safe_name", "inside", "child", "folder_problem", "WINDOWS_RESERVED"]

MAX_NAME_BYTES = 255
FALLBACK_NAME = "未命名"
CUT_MARK = "…"

WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)

# Replaced by "_": separators, the drive colon and what else Windows forbids in a name.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Removed: C0/C1 control characters, DEL, bidirectional embeddings/overrides/isolates,
# and surrogates (not encodable: a file name must be valid UTF-8).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_name(text: object, *, suffix: str = "", max_bytes: int = MAX_NAME_BYTES,
              fallback: str = FALLBACK_NAME) -> str:
    """``text`` + ``suffix`` as one file name that is valid and harmless on Windows, macOS and Linux.

    ``suffix`` (e.g. ``"（退回修改）.xlsx"``) is trusted text of the toolkit and kept whole; the
    stem is shortened (ending in ``…``) when the name would exceed ``max_bytes`` UTF-8 bytes.
    An empty stem becomes ``fallback``."""
    stem = _INVISIBLE.sub("", str(text))
    stem = _FORBIDDEN.sub("_", stem)
    stem = stem.strip().lstrip(".").strip()
    stem = stem.rstrip(". ") if not suffix else stem.rstrip(" ")
    if not stem or set(stem) <= {"_", "."}:
        stem = fallback
    room = max_bytes - len(suffix.encode("utf-8"))
    if room < len(CUT_MARK.encode("utf-8")) + 1:
        raise ValueError(f"suffix {suffix!r} leaves no room for a name in {max_bytes} bytes")
    if len(stem.encode("utf-8")) > room:
        keep = room - len(CUT_MARK.encode("utf-8"))
        cut = stem.encode("utf-8")[:keep].decode("utf-8", "ignore").rstrip(". ")
        stem = (cut or fallback[:1]) + CUT_MARK
    name = stem + suffix
    if name.rstrip(". ") != name:  # a suffix ending in a dot or space (never one of ours)
        name = name.rstrip(". ") or fallback
    if _device(name):
        name = "_" + name
        if len(name.encode("utf-8")) > max_bytes:
            name = safe_name(stem[1:], suffix=suffix, max_bytes=max_bytes - 1, fallback=fallback)
    return name


def _device(name: str) -> bool:
    """A Windows device name, with any extension (``con``, ``NUL.txt``, ``COM1 .xlsx``)."""
    base = name.split(".", 1)[0].rstrip(" ")
    return base.upper() in WINDOWS_RESERVED


def inside(folder: Path | str, path: Path | str) -> bool:
    """True when ``path`` is ``folder`` or lies below it, once ``..`` and symbolic links
    of the existing part are resolved (the part that does not exist yet is taken as written)."""
    try:
        base = Path(os.path.realpath(folder))
        target = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    return target == base or base in target.parents


def child(folder: Path | str, text: object, *, suffix: str = "", max_bytes: int = MAX_NAME_BYTES) -> Path:
    """``folder / safe_name(text, suffix=suffix)``: a path that is one entry of ``folder``."""
    folder = Path(folder)
    path = folder / safe_name(text, suffix=suffix, max_bytes=max_bytes)
    if path.parent != folder or not inside(folder, path):  # pragma: no cover - safe_name makes one entry
        raise ValueError(f"{path} is not inside {folder}")
    return path


def folder_problem(text: str) -> str | None:
    """Why ``text`` cannot be a folder of the workspace (Chinese, for a ConfigError), or None.

    A configured folder is a relative path of one or more folder names below the workspace:
    no drive, UNC or root prefix (on any system: a toolkit.toml travels between PCs), no
    ``..``, no name :func:`safe_name` would change."""
    raw = str(text).strip()
    if not raw:
        return "不能为空"
    win, posix = PureWindowsPath(raw), PurePosixPath(raw)
    if win.drive or win.root or posix.root:
        return "应写工作区内的文件夹名（相对路径），不能是盘符、网络路径或以 / 开头的绝对路径"
    parts = [p for p in re.split(r"[\\/]", raw) if p not in ("", ".")]
    if not parts:
        return "不能是工作区文件夹本身"
    for part in parts:
        if part == "..":
            return "不能用“..”指向工作区以外的位置"
        if safe_name(part, fallback="\x00") != part:
            return (f"其中的“{part}”不能用作文件夹名（不能含有 < > : \" | ? * 、控制字符，"
                    "不能以点或空格开头或结尾，也不能是 CON、NUL 等 Windows 保留名）")
    return None
