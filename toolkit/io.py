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


from .exceptions import OutputLockedError  # noqa: F401 - re-exported: callers import it from here
from .paths import inside


@contextlib.contextmanager
def atomic_path(target: Path, *, folder: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    ``folder`` is the folder the file belongs to (default: the target's own folder): the
    target must lie inside it (:func:`toolkit.paths.inside`, else ``ValueError``), and no
    folder is created outside it. The temporary file keeps the target's suffix so that
    writers which look at the extension (openpyxl, XlsxWriter, python-docx) behave as for
    the real name.
    """
    target = Path(target)
    folder = target.parent if folder is None else Path(folder)
    if not inside(folder, target):
        raise ValueError(f"{target} lies outside {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    if target.parent != folder:
        target.parent.mkdir(parents=True, exist_ok=True)  # below ``folder``: checked above
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


def write_bytes_atomic(target: Path, data: bytes, *, folder: Path | None = None) -> Path:
    with atomic_path(target, folder=folder) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes_atomic(target, text.encode(encoding))
