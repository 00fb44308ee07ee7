"""The merged period of the last ``toolkit run``, kept so that ``toolkit next-period`` records it
without reading, validating and merging the same files again.

``toolkit run`` writes, beside its outputs, what recording the period takes: the store's rows of
the three sheets (:func:`toolkit.history.record.table_of`) and the figures, into the read cache's
folder of the period (``.toolkit/cache/<period>/merged.kept``; ``TOOLKIT_CACHE=0``: nothing is
kept). It is used only when its key is the key of the workspace now: a digest of

* every file of the collection folder (name, size, modification time and the digest of its end,
  as the read cache keys them) and the files left aside;
* toolkit.toml's text (units, period, as_of, every setting the merge reads);
* the recorded periods other than this one (code and time of recording: what is carried in);
* the reference date (as_of, or today when it is not set) and the toolkit's own code.

Anything else (no entry, another key, a damaged entry) and next-period validates and merges as
before. The entry holds plain values only (text, numbers, None, dates, lists, dicts): it is read
with an unpickler that knows no other class, so a file someone put there cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Workspace

__all__ = ["KEPT_NAME", "merge_key", "keep", "kept"]

KEPT_NAME = "merged.kept"  # not a read-cache entry (those are <digest>.pickle)
FORMAT = 1
_ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta")}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a kept merge")
        return super().find_class(module, name)


def merge_key(ws: "Workspace") -> str | None:
    """The digest of everything the merge of ``ws.period`` depends on (see above); None without a
    cache folder or when something cannot be read (then nothing is kept or used)."""
    from ..history import open_store
    from ..read import find_files
    from ..read.cache import ReadCache

    if ws.cache_dir is None:
        return None
    try:
        h = hashlib.blake2b(digest_size=20)
        h.update(f"{FORMAT}\0{ws.period.code}\0{ws.reference_date().isoformat()}\0".encode())
        h.update(ws.config_path.read_bytes())
        paths, ignored = find_files(ws.inbox) if ws.inbox.is_dir() else ([], [])
        cache = ReadCache(ws.cache_dir, ws.units)  # its keys hold the toolkit's code and the unit list
        for path in paths:
            rel = path.relative_to(ws.inbox).as_posix()
            h.update(cache.key(path, rel).encode() + b"\0")
        for rel, reason in ignored:
            h.update(f"{rel}\0{reason}\0".encode())
        if ws.store_path.exists():
            with open_store(ws.store_path, create=False) as store:
                for p in store.periods():
                    if p.code != ws.period.code:
                        h.update(f"{p.code}\0{p.recorded_at}\0".encode())
        return h.hexdigest()
    except Exception:  # noqa: BLE001 - a key that cannot be made (a locked store, a file gone): nothing kept
        return None


def keep(ws: "Workspace", key: str | None, details: "dict[str, pd.DataFrame]", figures: dict[str, Any]) -> None:
    """Write the merged period (as the store takes it) under ``key``; a failure is silent (the
    next next-period merges again)."""
    from .. import schema as S
    from ..io import write_bytes_atomic
    from .record import table_of

    if key is None or ws.cache_dir is None:
        return
    try:
        tables = {k: table_of(k, details[k]) for k in S.SHEETS if k in details}
        data = pickle.dumps({"format": FORMAT, "key": key, "tables": tables, "figures": figures},
                            protocol=pickle.HIGHEST_PROTOCOL)
        ws.cache_dir.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(ws.cache_dir / KEPT_NAME, data, folder=ws.cache_dir)
    except Exception:  # noqa: BLE001 - the cache is a courtesy: no entry rather than an old one
        with contextlib.suppress(OSError):
            os.remove(ws.cache_dir / KEPT_NAME)


def kept(ws: "Workspace") -> tuple[dict[str, dict[str, list[Any]]], dict[str, Any]] | None:
    """(tables, figures) of the merged period kept by the last run when it is still the merge of
    the workspace as it is now (same key), else None."""
    if ws.cache_dir is None:
        return None
    path = ws.cache_dir / KEPT_NAME
    try:
        data = path.read_bytes()
    except OSError:
        return None
    key = merge_key(ws)
    try:
        entry = _Unpickler(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - truncated, another format, a class it may not name
        return None
    if (not isinstance(entry, dict) or entry.get("format") != FORMAT or key is None or entry.get("key") != key
            or not isinstance(entry.get("tables"), dict) or not isinstance(entry.get("figures"), dict)):
        return None
    return entry["tables"], entry["figures"]

