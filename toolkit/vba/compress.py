"""MS-OVBA 2.4.1 compression and decompression.

A CompressedContainer is a signature byte 0x01 followed by chunks; each chunk
holds up to 4096 decompressed bytes as a 2-byte header plus either the raw
4096 bytes or groups of one flag byte and eight tokens (literal byte or 2-byte
copy token).  The split of a copy token into offset and length depends on the
position inside the chunk (2.4.1.3.19.1 CopyToken Help)::

    bit_count      = max(ceil(log2(position)), 4)
    length_mask    = 0xFFFF >> bit_count
    maximum_length = (0xFFFF >> bit_count) + 3

(``ms_ovba_compression`` 1.0.1 computes ``0xFFFF << bit_count + 3`` instead,
which lets lengths overflow into the offset bits; see tests/test_vba.py.)

Note on raw chunks: the format can only store a raw chunk of exactly 4096 bytes
(2.4.1.3.10 pads with 0x00).  A final chunk shorter than 4096 bytes is therefore
always written compressed when it fits (it always does for text); only for an
incompressible final chunk of more than ~3640 bytes would the padding show up,
exactly as with Office.
"""

from __future__ import annotations

import struct

CHUNK_SIZE = 4096
_MAX_CANDIDATES = 256  # hash-chain depth; bounds the time, not the correctness


class DecompressionError(ValueError):
    pass


def copy_token_help(difference: int) -> tuple[int, int, int, int]:
    """(length_mask, offset_mask, bit_count, maximum_length) for a position in a chunk."""
    bit_count = max((difference - 1).bit_length(), 4)  # ceil(log2(difference)), at least 4
    length_mask = 0xFFFF >> bit_count
    offset_mask = ~length_mask & 0xFFFF
    maximum_length = (0xFFFF >> bit_count) + 3
    return length_mask, offset_mask, bit_count, maximum_length


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    out = bytearray()
    pos = start
    heads: dict[bytes, list[int]] = {}

    def remember(upto: int, frm: int) -> None:
        for p in range(frm, upto):
            if p + 3 <= end:
                heads.setdefault(data[p : p + 3], []).append(p)

    indexed = start
    while pos < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            remember(pos, indexed)
            indexed = pos
            best_len = 0
            best_pos = -1
            if pos + 3 <= end:
                _, _, _, max_len = copy_token_help(pos - start)
                limit = min(max_len, end - pos)
                candidates = heads.get(data[pos : pos + 3], ())
                for c in reversed(candidates[-_MAX_CANDIDATES:]):
                    if best_len and data[c + best_len] != data[pos + best_len]:
                        continue  # cannot be longer than the best match so far
                    n = 3
                    while n < limit and data[c + n] == data[pos + n]:
                        n += 1
                    if n > best_len:
                        best_len, best_pos = n, c
                        if n == limit:
                            break
            if best_len >= 3:
                _, _, bit_count, _ = copy_token_help(pos - start)
                token = ((pos - best_pos - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_len
            else:
                out.append(data[pos])
                pos += 1
        out[flag_index] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer."""
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK_SIZE):
        end = min(start + CHUNK_SIZE, len(data))
        body = _compress_chunk(data, start, end)
        if len(body) <= CHUNK_SIZE:
            header = 0xB000 | (len(body) + 2 - 3)  # flag 1, signature 0b011, size - 3
            out += struct.pack("<H", header) + body
        else:  # raw chunk: exactly 4096 bytes (padded with 0x00 per 2.4.1.3.10)
            raw = data[start:end].ljust(CHUNK_SIZE, b"\x00")
            out += struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3)) + raw
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (strict: bad headers raise)."""
    data = bytes(container)
    if not data or data[0] != 0x01:
        raise DecompressionError("compressed container must start with signature byte 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise DecompressionError(f"truncated chunk header at {pos}")
        (header,) = struct.unpack_from("<H", data, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise DecompressionError(f"bad chunk signature at {pos}")
        compressed = header >> 15
        chunk_end = min(len(data), pos + size)
        pos += 2
        chunk_start = len(out)
        if not compressed:
            out += data[pos : pos + CHUNK_SIZE]
            pos += CHUNK_SIZE
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise DecompressionError(f"truncated copy token at {pos}")
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                length_mask, offset_mask, bit_count, _ = copy_token_help(len(out) - chunk_start)
                length = (token & length_mask) + 3
                offset = ((token & offset_mask) >> (16 - bit_count)) + 1
                src = len(out) - offset
                if src < chunk_start:
                    raise DecompressionError(f"copy token reaches before its chunk at {pos - 2}")
                for i in range(length):
                    out.append(out[src + i])
    return bytes(out)
