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
from collections.abc import Iterator
from typing import Any

try:  # pragma: no cover - exercised by the tests with and without it
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover
    _isal = None

__all__ = ["read_member", "iter_member", "PartTooLarge", "speed_up_writer", "available"]

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


class PartTooLarge(Exception):
    """A zip member inflates to more than it may (a zip bomb, or a part far larger than a
    submission needs). ``size``: bytes inflated when it was stopped (or declared)."""

    def __init__(self, name: str, size: int, limit: int):
        super().__init__(f"{name} inflates past {limit} bytes")
        self.name, self.size, self.limit = name, size, limit


CHUNK = 4 << 20  # inflated bytes handed out at a time


def iter_member(zf: zipfile.ZipFile, name: str, *, limit: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """The inflated bytes of member ``name``, ``chunk`` bytes at a time (ISA-L when possible),
    never holding more than one chunk and its input.

    Raises :class:`PartTooLarge` as soon as more than ``limit`` bytes come out, or when the
    directory declares more; ``zipfile.BadZipFile`` when the stream does not end where the
    directory says (a directory that lies about the size) or its CRC is wrong; ``KeyError``
    for a missing member."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise PartTooLarge(name, info.file_size, limit)
    raw = _raw_stream(zf, info)
    if raw is None:  # stored, encrypted, another method, or no ISA-L: zipfile (it stops at the declared size)
        with zf.open(info) as fh:
            total = 0
            while True:
                data = fh.read(chunk)
                if not data:
                    return
                total += len(data)
                if total > limit:
                    raise PartTooLarge(name, total, limit)
                yield data
    fp, pos, left = raw
    inflater = _isal.decompressobj(-15)
    total = 0
    crc = 0
    pending = b""
    while not inflater.eof:
        if not pending:
            if left <= 0:
                break
            fp.seek(pos)  # the file is shared: another read may have moved it between two chunks
            pending = fp.read(min(left, chunk))
            pos += len(pending)
            left -= len(pending)
            if not pending:
                break
        # at most what the directory declares (+1 to see a lie): a buffer of the right size, not of ``chunk``
        data = inflater.decompress(pending, max(1, min(chunk, info.file_size - total + 1)))
        pending = inflater.unconsumed_tail
        if data:
            total += len(data)
            if total > limit or total > info.file_size:
                if total > limit:
                    raise PartTooLarge(name, total, limit)
                raise zipfile.BadZipFile(f"{name}: more data than the zip directory declares")
            crc = _isal.crc32(data, crc)
            yield data
    if total != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{name}: size or CRC does not match the zip directory")


def _raw_stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[Any, int, int] | None:
    """(the zip's file, where the member's raw deflate stream starts, its compressed size), or None."""
    if _isal is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or zf.fp is None:
        return None
    try:
        fp = zf.fp
        fp.seek(info.header_offset)
        signature, name_len, extra_len = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
        if signature != _LOCAL_SIGNATURE:
            return None
    except (OSError, struct.error):
        return None
    return fp, info.header_offset + _LOCAL_HEADER.size + name_len + extra_len, info.compress_size


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
