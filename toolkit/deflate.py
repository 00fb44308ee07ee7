"""Faster deflate for the zip parts the toolkit reads and writes in bulk.

An .xlsx is a zip of XML. Two steps handle tens of megabytes of it at city scale:
the reader scans each submitted sheet's XML for formula cells without a cached
value, and the writer deflates the detail sheets of 汇总表.xlsx. Both use ISA-L
(the ``isal`` package: Intel's deflate, the same raw DEFLATE stream as zlib, about
three times faster to compress and twice as fast to inflate) when it is installed,
and the standard library's zlib otherwise. The bytes read are identical either way;
the files written are valid deflate streams either way (ISA-L's are a little smaller
at its fastest level than zlib's).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import Any

try:  # pragma: no cover - exercised by the tests with and without it
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover
    _isal = None

__all__ = ["read_member", "speed_up_writer", "available"]

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"


def available() -> bool:
    """True when ISA-L is installed (otherwise zlib does the work, more slowly)."""
    return _isal is not None


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """``zf.read(name)``, inflated by ISA-L when possible. Raises ``KeyError`` like ``zf.read``.

    The member's raw deflate stream is read from its local header; anything unusual
    (stored, encrypted, a damaged header) goes through :meth:`zipfile.ZipFile.read`."""
    info = zf.getinfo(name)
    if _isal is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or zf.fp is None:
        return zf.read(info)
    try:
        fp = zf.fp
        fp.seek(info.header_offset)
        signature, name_len, extra_len = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
        if signature != _LOCAL_SIGNATURE:
            return zf.read(info)
        fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        raw = fp.read(info.compress_size)
        data = _isal.decompress(raw, -15, info.file_size or 16384)
    except (OSError, struct.error, _isal.error):
        return zf.read(info)
    if len(data) != info.file_size or _isal.crc32(data) != info.CRC:
        return zf.read(info)  # let zipfile report what is wrong
    return data


def speed_up_writer(dest: Any, level: int) -> None:
    """Let a member just opened with ``ZipFile.open(name, "w")`` be deflated by ISA-L.

    ``zipfile`` compresses through the ``_compressor`` of its writer object (CPython
    3.8 to 3.13); swapping it before the first write keeps everything else (CRC, sizes,
    headers) with zipfile. ``level`` is zlib's (1–9), mapped onto ISA-L's 0–3.
    Does nothing when ISA-L is missing or the writer does not look as expected."""
    if _isal is None or getattr(dest, "_file_size", None) != 0:
        return
    if not hasattr(dest, "_compressor") or dest._compressor is None:
        return
    isal_level = 1 if level <= 2 else 2 if level <= 6 else 3
    dest._compressor = _isal.compressobj(isal_level, zlib.DEFLATED, -15)
