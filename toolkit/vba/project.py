"""A source-only ``vbaProject.bin`` (MS-OVBA), written without Excel.

Streams written (MS-OVBA 2.2/2.3)::

    PROJECT            project properties (text, MBCS, CRLF)
    PROJECTwm          module names MBCS -> UTF-16
    VBA/_VBA_PROJECT   7 bytes, Version 0xFFFF: "no performance cache, compile from source"
    VBA/dir            compressed: project information, references, module records
    VBA/<module>       compressed module source at offset 0 (MODULEOFFSET = 0)

Excel compiles the modules from source when it opens the workbook; this is the
form the specification asks writers to produce (2.3.4.1: a writer SHOULD write
Version 0xFFFF).  Document modules (ThisWorkbook, Sheet1…) are included so that
the sheet code names XlsxWriter writes have their modules.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
from dataclasses import dataclass
from importlib import resources

from .cfb import build_cfb
from .compress import compress

#: The toolkit's procedural module (one Sub per button) and the xlwings module.
TOOLKIT_MODULE = "Toolkit"
XLWINGS_MODULE = "xlwings"

#: Button caption -> (VBA Sub, Python function in toolkit.excel).  The Sub names
#: are ASCII: VBA source is stored in the project code page. A new button needs its Sub in
#: data/vba/Toolkit.bas and its function and action in toolkit.excel.
BUTTONS: tuple[tuple[str, str, str], ...] = (
    ("生成模板", "MakeTemplates", "make_templates"),
    ("校验收集文件", "ValidateFiles", "validate"),
    ("汇总", "MergeFiles", "merge"),
    ("生成报告", "MakeReport", "report"),
    ("一键完成", "RunAll", "run_all"),
    ("下一期", "NextPeriod", "next_period"),
)

_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_STDOLE_LIBID = "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"


@dataclass(frozen=True)
class Module:
    name: str
    source: str  # complete module text, starting with Attribute VB_Name
    document: bool = False  # document module (ThisWorkbook, SheetN) vs procedural


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def module_source(name: str) -> str:
    """Source of ``toolkit/data/vba/<name>.bas`` (package data) with CRLF line endings (as VBA stores it)."""
    data = resources.files("toolkit").joinpath("data", "vba", f"{name}.bas").read_bytes()
    return _crlf(data.decode("ascii"))


def document_module(name: str, *, workbook: bool = False) -> Module:
    base = _WORKBOOK_BASE if workbook else _SHEET_BASE
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return Module(name, "\r\n".join(lines) + "\r\n", document=True)


def toolkit_modules(sheet_codenames: tuple[str, ...] = ("Sheet1",), workbook_codename: str = "ThisWorkbook") -> list[Module]:
    """The modules of 控制台.xlsm: document modules, the button module, xlwings."""
    modules = [document_module(workbook_codename, workbook=True)]
    modules += [document_module(name) for name in sheet_codenames]
    modules.append(Module(TOOLKIT_MODULE, module_source(TOOLKIT_MODULE)))
    modules.append(Module(XLWINGS_MODULE, module_source(XLWINGS_MODULE)))
    return modules


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _u16(v: int) -> bytes:
    return struct.pack("<H", v)


def _u32(v: int) -> bytes:
    return struct.pack("<I", v)


def _dir_stream(modules: list[Module], project_name: str, codepage: int) -> bytes:
    enc = f"cp{codepage}"
    name = project_name.encode(enc)
    out = bytearray()
    # PROJECTINFORMATION (2.3.4.2.1)
    out += _rec(0x0001, _u32(0x00000001))  # SYSKIND: 32-bit Windows
    out += _rec(0x0002, _u32(0x0409))  # LCID
    out += _rec(0x0014, _u32(0x0409))  # LCIDINVOKE
    out += _rec(0x0003, _u16(codepage))  # CODEPAGE
    out += _rec(0x0004, name)  # NAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")  # DOCSTRING + unicode
    out += _rec(0x0006, b"") + _rec(0x003D, b"")  # HELPFILEPATH 1 and 2
    out += _rec(0x0007, _u32(0))  # HELPCONTEXT
    out += _rec(0x0008, _u32(0))  # LIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # VERSION: Reserved=4, major, minor
    out += _rec(0x000C, b"") + _rec(0x003C, b"")  # CONSTANTS + unicode
    # PROJECTREFERENCES (2.3.4.2.2): stdole, as in every Excel project
    out += _rec(0x0016, b"stdole") + _rec(0x003E, "stdole".encode("utf-16-le"))
    libid = _STDOLE_LIBID.encode(enc)
    out += _rec(0x000D, _u32(len(libid)) + libid + _u32(0) + _u16(0))
    # PROJECTMODULES (2.3.4.2.3)
    out += _rec(0x000F, _u16(len(modules)))
    out += _rec(0x0013, _u16(0xFFFF))  # PROJECTCOOKIE
    for m in modules:
        mname = m.name.encode(enc)
        uname = m.name.encode("utf-16-le")
        out += _rec(0x0019, mname)  # MODULENAME
        out += _rec(0x0047, uname)  # MODULENAMEUNICODE
        out += _rec(0x001A, mname) + _rec(0x0032, uname)  # MODULESTREAMNAME
        out += _rec(0x001C, b"") + _rec(0x0048, b"")  # MODULEDOCSTRING
        out += _rec(0x0031, _u32(0))  # MODULEOFFSET: source starts at 0
        out += _rec(0x001E, _u32(0))  # MODULEHELPCONTEXT
        out += _rec(0x002C, _u16(0xFFFF))  # MODULECOOKIE
        out += _rec(0x0022 if m.document else 0x0021, b"")  # MODULETYPE
        out += _rec(0x002B, b"")  # terminator
    out += _rec(0x0010, b"")  # dir terminator
    return bytes(out)


def encrypt_data(data: bytes, project_id: str, seed: int) -> str:
    """MS-OVBA 2.4.3.2 Data Encryption (used for CMG, DPB and GC), as hex text."""
    version = 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unencrypted1, encrypted1, encrypted2 = proj_key, seed ^ proj_key, seed ^ version

    def put(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte

    for _ in range((seed & 6) // 2):
        put(0)  # ignored bytes: any value
    for byte in _u32(len(data)) + data:
        put(byte)
    return out.hex().upper()


def decrypt_data(text: str) -> bytes:
    """Inverse of :func:`encrypt_data` (MS-OVBA 2.4.3.3)."""
    raw = bytes.fromhex(text)
    seed, version_enc, proj_key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("bad encrypted data version")
    proj_key = seed ^ proj_key_enc
    unencrypted1, encrypted1, encrypted2 = proj_key, proj_key_enc, version_enc
    pos = 3
    plain = bytearray()

    def get() -> int:
        nonlocal pos, unencrypted1, encrypted1, encrypted2
        enc = raw[pos]
        pos += 1
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
        return byte

    for _ in range((seed & 6) // 2):
        get()
    length = struct.unpack("<I", bytes(get() for _ in range(4)))[0]
    for _ in range(length):
        plain.append(get())
    if pos != len(raw):
        raise ValueError("trailing bytes in encrypted data")
    return bytes(plain)


def _project_stream(modules: list[Module], project_name: str, project_id: str, codepage: int) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # not protected (state 0), no password (0x00), visible (0xFF)
        'CMG="' + encrypt_data(_u32(0), project_id, 0x8D) + '"',
        'DPB="' + encrypt_data(bytes([0x00]), project_id, 0x8F) + '"',
        'GC="' + encrypt_data(bytes([0xFF]), project_id, 0x91) + '"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{codepage}")


def _projectwm_stream(modules: list[Module], codepage: int) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


_NAME_RE = re.compile(r'\AAttribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"\r\n')


def build_vba_project(modules: list[Module], *, project_name: str = "VBAProject", codepage: int = 1252) -> bytes:
    """The bytes of a source-only vbaProject.bin holding ``modules``."""
    if not modules:
        raise ValueError("a VBA project needs at least one module")
    seen: set[str] = set()
    streams: dict[str, bytes] = {}
    for m in modules:
        match = _NAME_RE.match(m.source)
        if not match or match[1] != m.name:
            raise ValueError(f"module {m.name}: source must start with Attribute VB_Name = \"{m.name}\" and CRLF")
        if m.name.upper() in seen or m.name.upper() in {"DIR", "_VBA_PROJECT"}:
            raise ValueError(f"duplicate or reserved module name {m.name}")
        seen.add(m.name.upper())
        try:
            source = m.source.encode(f"cp{codepage}")
        except UnicodeEncodeError as exc:
            raise ValueError(f"module {m.name}: source not representable in code page {codepage}: {exc}") from None
        streams[f"VBA/{m.name}"] = compress(source)
    digest = hashlib.sha256(b"".join(m.source.encode("utf-8") for m in modules)).digest()
    project_id = "{" + str(uuid.UUID(bytes=digest[:16], version=4)).upper() + "}"
    streams["VBA/_VBA_PROJECT"] = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000)
    streams["VBA/dir"] = compress(_dir_stream(modules, project_name, codepage))
    streams["PROJECT"] = _project_stream(modules, project_name, project_id, codepage)
    streams["PROJECTwm"] = _projectwm_stream(modules, codepage)
    return build_cfb(streams)
