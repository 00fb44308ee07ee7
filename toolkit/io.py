"""Atomic output: every file the toolkit writes goes to a temporary file in the
target folder and is moved into place only when complete.

A target that is open in Excel or WPS is locked on Windows: the move fails, the
old file stays intact and the user gets :class:`OutputLockedError` in Chinese.

Files that belong together (汇总表.xlsx, 汇总数据.json and the reports) are written into
a staging folder inside their folder and moved in as a set (:func:`output_set`): all of
them or none. Every temporary name starts with :data:`TEMP_PREFIX` and carries this
machine's tag and this process's id, so that the next run can remove what a killed run
left behind (:func:`remove_leftovers`) without touching the temporaries of a run still
going on, here or on another PC sharing the folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
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
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(), suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _set_mode(tmp, target)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise OutputLockedError(target) from exc
    except OSError as exc:
        if exc.filename is None:  # a write through an open file (disk full): say which folder
            exc.filename = str(tmp)
        raise
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


# ---------------------------------------------------------------------------
# Temporary names, output sets, leftovers
# ---------------------------------------------------------------------------

TEMP_PREFIX = ".~tmp-"
LEFTOVER_AGE = 24 * 3600  # a temporary of another PC (or an old version) is left alone this long


def _host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')) & 0xFFFF:04x}"


def temp_prefix() -> str:
    """``.~tmp-<machine>-<pid>-``: the start of every temporary name the toolkit makes."""
    return f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-"


@contextlib.contextmanager
def output_set(folder: Path, retire: "Iterable[str] | Callable[[], Iterable[str]]" = ()) -> Iterator[Path]:
    """Yield a staging folder inside ``folder``; write the outputs of a set there under their
    final names. On success they are moved into ``folder`` together: if one cannot be moved
    (a file open in Excel or Word on Windows), none is, the old files stay, and
    :class:`OutputLockedError` names the locked file. ``retire``: names (or a function giving
    them once the set is written) of files of the set that this run did not write — an old
    one of them is removed with the same all-or-none rule (the PDF of an earlier report).
    The staging folder is removed either way."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=temp_prefix(), dir=folder))
    try:
        yield staging
        commit_set(staging, folder, retire() if callable(retire) else retire)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def commit_set(staging: Path, folder: Path, retire: "Iterable[str]" = ()) -> list[Path]:
    """Move every file of ``staging`` into ``folder``, all or none (see :func:`output_set`), and
    remove the old files named in ``retire`` that the set does not replace.

    The old files are first moved aside into the staging folder: on Windows a file open in
    another program cannot be renamed, so a locked one is found before anything is replaced,
    and the ones already moved aside are put back."""
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and not p.name.startswith(TEMP_PREFIX))
    old_names = names + sorted({Path(n).name for n in retire} - set(names))
    aside = staging / (TEMP_PREFIX + "old")
    aside.mkdir(exist_ok=True)
    moved: list[str] = []  # old files moved aside
    try:
        for name in old_names:
            if (folder / name).is_file():
                os.replace(folder / name, aside / name)
                moved.append(name)
    except OSError as exc:
        for name in reversed(moved):
            with contextlib.suppress(OSError):
                os.replace(aside / name, folder / name)
        locked = next((folder / n for n in old_names if n not in moved and (folder / n).exists()), folder)
        raise OutputLockedError(locked, (
            f"无法替换 {locked}：文件可能正在 Excel、WPS 或 Word 中打开。请关闭该文件后重新运行；"
            f"本次的{_set_names(names)}都没有写入，原有文件未被改动。")) from exc
    placed: list[str] = []
    try:
        for name in names:
            os.replace(staging / name, folder / name)
            placed.append(name)
    except OSError:
        for name in placed:  # put the whole old set back
            with contextlib.suppress(OSError):
                os.replace(folder / name, staging / name)
        for name in moved:
            with contextlib.suppress(OSError):
                os.replace(aside / name, folder / name)
        raise
    return [folder / name for name in names]


def _set_names(names: list[str]) -> str:
    shown = "、".join(names[:4]) + ("等" if len(names) > 4 else "")
    return f"{len(names)}个文件（{shown}）"


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what a killed run of the toolkit left in ``folder`` (only entries named by
    :func:`temp_prefix`, only directly in ``folder``): those of this machine whose process is
    gone, and any older than :data:`LEFTOVER_AGE`. Returns what was removed."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    here, now = _host_tag(), time.time()
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        parts = entry.name[len(TEMP_PREFIX):].split("-")
        ours = len(parts) >= 3 and parts[0] == here and parts[1].isdigit()
        try:
            old = now - entry.lstat().st_mtime > LEFTOVER_AGE
        except OSError:
            continue
        if not (old or (ours and not _alive(int(parts[1])))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:  # in use: the next run tries again
            pass
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (never signals it)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - Windows: os.kill would terminate the process
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists (another user's)
        return True
    return True
