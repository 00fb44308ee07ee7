"""Reading again only the files that changed.

What the reader found in a file (:class:`toolkit.model.FileData`) is kept in the workspace's
cache folder (``.toolkit/cache/<period>/``), one entry per file, named by a digest of

* the file: its name in the collection, size and modification time, and a digest of its last
  64 KiB (an .xlsx ends with its zip directory, which holds the CRC-32 of every part: a file whose
  content changed has another digest, whatever its dates say; a smaller file is hashed whole);
* what the reader depends on: the unit list (units are recognised by name and alias) and the
  toolkit's own code (a digest of the package's source files: another version reads afresh).

A re-run after one unit resent its file (``toolkit run`` again, ``validate`` then ``run``,
``status``, ``next-period``) reads that one file and takes the others from the cache. Only
readable files are kept: a file that could not be read (locked, no access, a reader that died)
is read again every time. Entries are written by the process that read the file (a pool
worker writes the bytes it sends back anyway); entries no file of the collection uses any more
are removed after each read.

An entry is loaded with an unpickler that knows only the reader's own classes (FileData,
SheetData, RawRows, dates, arrays, paths): an entry someone put there cannot run code. Anything
wrong with an entry (truncated, another format, unreadable) makes it a miss; writing the cache
may fail (a read-only workspace) without the read failing.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
from pathlib import Path
from typing import Any, Iterable

from ..model import FileData, Unit

__all__ = ["ReadCache", "CACHE_FOLDER"]

CACHE_FOLDER = Path(".toolkit") / "cache"
FORMAT = 1  # bumped when what an entry holds changes shape
_ENTRY = re.compile(r"[0-9a-f]{40}\.pickle")
_code_digest: str | None = None
TAIL = 64 * 1024  # the end of a file is hashed: an .xlsx ends with its zip directory (each part's CRC-32)

#: the globals an entry may name (everything a FileData is made of)
_ALLOWED = {
    ("toolkit.model", "FileData"), ("toolkit.model", "SheetData"), ("toolkit.model", "RawRows"),
    ("toolkit.model", "RawRow"), ("toolkit.model", "SkippedRow"), ("toolkit.model", "Issue"),
    ("array", "array"), ("array", "_array_reconstructor"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
    ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"), ("pathlib", "Path"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "bytearray"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a cache entry")
        return super().find_class(module, name)


def code_digest() -> str:
    """A digest of the toolkit's source files (computed once per process, a few ms)."""
    global _code_digest
    if _code_digest is None:
        package = Path(__file__).resolve().parent.parent
        h = hashlib.blake2b(digest_size=20)
        for path in sorted(package.rglob("*.py")):
            try:
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
            except OSError:
                continue
        _code_digest = h.hexdigest()
    return _code_digest


def _units_digest(units: Iterable[Unit]) -> str:
    h = hashlib.blake2b(digest_size=20)
    for u in units:
        h.update(repr((u.code, u.name, tuple(getattr(u, "aliases", ()) or ()))).encode("utf-8"))
    return h.hexdigest()


class ReadCache:
    """The cache of one collection (one period's inbox): :meth:`key` of a file, :meth:`load` an
    entry, :meth:`store` one, :meth:`prune` the entries not in use."""

    def __init__(self, folder: Path, units: Iterable[Unit]) -> None:
        self.folder = Path(folder)
        self._salt = f"{FORMAT}|{code_digest()}|{_units_digest(units)}|".encode("utf-8")

    def key(self, path: Path, rel: str) -> str | None:
        """The entry name of ``path`` (``rel``: its name in the collection) as it is now, or None
        when it cannot be looked at."""
        try:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if st.st_size > TAIL:
                    fh.seek(-TAIL, os.SEEK_END)
                tail = fh.read(TAIL)
        except OSError:
            return None
        h = hashlib.blake2b(self._salt, digest_size=20)
        h.update(f"{rel}|{st.st_size}|{st.st_mtime_ns}|".encode("utf-8", "surrogatepass"))
        h.update(tail)
        return h.hexdigest()

    def load(self, key: str | None) -> FileData | None:
        if key is None:
            return None
        try:
            data = (self.folder / f"{key}.pickle").read_bytes()
            fd = _Unpickler(io.BytesIO(data)).load()
        except Exception:  # noqa: BLE001 - missing, truncated, foreign: read the file instead
            return None
        return fd if isinstance(fd, FileData) else None

    def load_for(self, key: str | None, path: Path) -> FileData | None:
        """:meth:`load`, the entry naming ``path`` where the file is now (a workspace copied or moved)."""
        fd = self.load(key)
        if fd is not None:
            fd.path = Path(path)
        return fd

    @staticmethod
    def keeps(fd: FileData) -> bool:
        """Whether ``fd`` goes into the cache: files that were read (an unreadable one may read
        next time: a lock released, a permission granted)."""
        return fd.readable

    def store(self, key: str | None, data: bytes) -> None:
        """Write an entry (``data``: the pickled FileData); a failure leaves the cache without it."""
        write_entry(self.folder, key, data)

    def prune(self, keep: Iterable[str | None]) -> None:
        """Remove the entries no file of the collection uses (only the cache's own names)."""
        from ..io import remove_leftovers

        wanted = {f"{k}.pickle" for k in keep if k}
        remove_leftovers(self.folder)  # temporaries of a run that was killed
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if _ENTRY.fullmatch(name) and name not in wanted:
                try:
                    os.remove(self.folder / name)
                except OSError:
                    pass


def write_entry(folder: Path, key: str | None, data: bytes) -> None:
    """:meth:`ReadCache.store` without the cache object (a pool worker has only the folder): a
    temporary named as every toolkit temporary (``io.temp_prefix``), then renamed over the entry."""
    if key is None:
        return
    from ..io import temp_prefix

    tmp = folder / f"{temp_prefix()}{key}"
    try:
        try:
            fh = open(tmp, "wb")
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
            fh = open(tmp, "wb")
        with fh:
            fh.write(data)
        os.replace(tmp, folder / f"{key}.pickle")
    except Exception:  # noqa: BLE001 - a cache that cannot be written costs a read next time
        try:
            tmp.unlink()
        except OSError:
            pass


def dumps(fd: FileData) -> bytes:
    return pickle.dumps(fd, protocol=pickle.HIGHEST_PROTOCOL)
