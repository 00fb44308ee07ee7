"""Atomic output: every file the toolkit writes goes to a temporary file in the
target folder and is moved into place only when complete.

A target that is open in Excel or WPS is locked on Windows: the move fails, the
old file stays intact and the user gets :class:`OutputLockedError` in Chinese.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class OutputLockedError(Exception):
    """The target file could not be replaced (usually: it is open in Excel/WPS/Word)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(
            f"无法写入 {self.path}：文件可能正在 Excel、WPS 或 Word 中打开。"
            f"请关闭该文件后重新运行；原文件未被改动。"
        )

    def __reduce__(self):  # travels from a child process (toolkit.runtime) intact
        return (type(self), (self.path,))


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    The temporary file keeps the target's suffix so that writers which look at the
    extension (openpyxl, XlsxWriter, python-docx) behave as for the real name.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".~tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _set_mode(tmp, target)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise OutputLockedError(target) from exc
    finally:
        if tmp.exists():
            with contextlib.suppress(OSError):
                tmp.unlink()


def _set_mode(tmp: Path, target: Path) -> None:
    """mkstemp creates 0600 files; give the output the mode a normal file would get
    (the existing target's mode, else 0666 less the umask) so colleagues can open it."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def write_bytes_atomic(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes_atomic(target, text.encode(encoding))
