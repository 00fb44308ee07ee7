"""A small MS-CFB (compound file, "OLE2") writer: version 3, 512-byte sectors.

Enough for a ``vbaProject.bin``: storages and streams, a mini stream for
streams under 4096 bytes, at most 109 FAT sectors (~7 MB, no DIFAT sectors).
The directory siblings form a balanced binary search tree in CFB name order,
coloured as a valid red-black tree (only an incomplete last level is red).
Reading is left to ``olefile``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Node:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Node"] = field(default_factory=dict)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names first, then by upper-cased UTF-16 code units.
    return (len(name.encode("utf-16-le")), name.upper())


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` ({"VBA/dir": b"...", "PROJECT": b"..."})."""
    root = _Node("Root Entry", _ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part, _STORAGE))
            if node.kind != _STORAGE:
                raise ValueError(f"{path}: {part} is a stream")
        if len(parts[-1]) > 31 or parts[-1] in node.children:
            raise ValueError(f"bad or duplicate stream name {path!r}")
        node.children[parts[-1]] = _Node(parts[-1], _STREAM, bytes(data))

    # Directory ids: pre-order walk.
    entries: list[_Node] = []

    def number(node: _Node) -> None:
        node.sid = len(entries)
        entries.append(node)
        for child in sorted(node.children.values(), key=lambda n: _sort_key(n.name)):
            number(child)

    number(root)

    def tree(nodes: list[_Node], depth: int, full_depth: int) -> int:
        if not nodes:
            return NOSTREAM
        mid = (len(nodes) - 1) // 2
        node = nodes[mid]
        node.color = _RED if depth > full_depth else _BLACK
        node.left = tree(nodes[:mid], depth + 1, full_depth)
        node.right = tree(nodes[mid + 1 :], depth + 1, full_depth)
        return node.sid

    for node in entries:
        kids = sorted(node.children.values(), key=lambda n: _sort_key(n.name))
        if kids:
            n = len(kids)
            height = n.bit_length()  # levels of the median-split tree
            complete = n == (1 << height) - 1
            node.child = tree(kids, 0, height - 1 if complete else height - 2)

    # Stream data: mini stream for small streams, regular sectors for the rest.
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Node] = []
    for node in entries:
        if node.kind != _STREAM:
            continue
        node.size = len(node.data)
        if node.size == 0:
            node.start = ENDOFCHAIN
        elif node.size < MINI_CUTOFF:
            count = -(-node.size // MINI_SECTOR)
            node.start = len(minifat)
            minifat += [0] * count
            _chain(minifat, node.start, count)
            mini += node.data.ljust(count * MINI_SECTOR, b"\x00")
        else:
            big.append(node)

    def sectors(nbytes: int) -> int:
        return -(-nbytes // SECTOR)

    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(n.size) for n in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for this writer (needs DIFAT sectors)")

    fat = [FREESECT] * (n_fat * (SECTOR // 4))
    for i in range(n_fat):
        fat[i] = FATSECT
    nxt = n_fat
    dir_start = nxt
    _chain(fat, dir_start, n_dir)
    nxt += n_dir
    minifat_start = nxt if n_minifat else ENDOFCHAIN
    _chain(fat, nxt, n_minifat)
    nxt += n_minifat
    root.start = nxt if n_mini else ENDOFCHAIN
    root.size = len(mini)
    _chain(fat, nxt, n_mini)
    nxt += n_mini
    for node in big:
        count = sectors(node.size)
        node.start = nxt
        _chain(fat, nxt, count)
        nxt += count

    header = bytearray(SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII", header, 40,
        0,  # number of directory sectors (must be 0 for version 3)
        n_fat,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start,
        n_minifat,
        ENDOFCHAIN,  # first DIFAT sector
        0,  # number of DIFAT sectors
    )
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)

    directory = bytearray()
    for node in entries:
        raw_name = node.name.encode("utf-16-le")
        entry = bytearray(128)
        entry[0 : len(raw_name)] = raw_name
        struct.pack_into("<HBB", entry, 64, len(raw_name) + 2, node.kind, node.color)
        struct.pack_into("<III", entry, 68, node.left, node.right, node.child)
        start = node.start if node.kind != _STORAGE else 0
        size = node.size if node.kind != _STORAGE else 0
        struct.pack_into("<IQ", entry, 116, start, size)
        directory += entry
    while len(directory) % SECTOR:  # unused entries: no name, no siblings
        directory += bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)

    def padded(data: bytes | bytearray) -> bytes:
        return bytes(data) + b"\x00" * (-len(data) % SECTOR)

    assert len(directory) == n_dir * SECTOR
    body = bytearray(header)
    body += struct.pack(f"<{len(fat)}I", *fat)
    body += directory
    if minifat:
        entries_per_sector = SECTOR // 4
        minifat += [FREESECT] * (-len(minifat) % entries_per_sector)
        body += struct.pack(f"<{len(minifat)}I", *minifat)
    body += padded(mini)
    for node in big:
        body += padded(node.data)
    assert len(body) == SECTOR * (1 + nxt)
    return bytes(body)
