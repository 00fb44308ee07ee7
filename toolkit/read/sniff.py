"""What a file really is, from its first bytes, before any spreadsheet library opens it.

A submission named ``.xlsx`` may be a zip that is no workbook (a .docx), an OLE compound
file (an old .xls, a Word .doc, or an encrypted workbook: Excel stores password-protected
.xlsx files that way), a web page saved by a browser, or text. The descriptions returned
are Chinese: they end up in the file's one issue (``file-not-excel``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["sniff", "compound_kind", "zip_contents"]

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def sniff(path: Path) -> tuple[str, str]:
    """("zip"|"cfb"|"empty"|"other", description of what it really is)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        return "empty", ""
    if head.startswith(_ZIP_MAGIC):
        return "zip", ""
    if head.startswith(_CFB_MAGIC):
        return "cfb", ""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<meta", b"<table")):
        return "other", "网页文件（HTML）"
    if stripped.startswith(b"<?xml"):
        return "other", "XML文件（可能是“XML表格2003”格式）"
    if head.startswith(b"%PDF"):
        return "other", "PDF文件"
    if head.startswith(b"{\\rtf"):
        return "other", "RTF文档"
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return "other", "压缩包"
    try:
        head.decode("utf-8")
        return "other", "文本文件"
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
            return "other", "文本文件"
        except UnicodeDecodeError:
            return "other", "其他格式的文件"


def compound_kind(path: Path) -> str:
    """"encrypted", "word", "ppt" or "xls" for an OLE compound file."""
    data = path.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in data:
        return "word"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "ppt"
    return "xls"


def zip_contents(names: set[str]) -> str:
    """What a zip package with these members is, when it is not a workbook; "" for a workbook."""
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return ""
    if "word/document.xml" in names:
        return "Word文档（.docx）"
    if "ppt/presentation.xml" in names:
        return "PowerPoint演示文稿（.pptx）"
    if "mimetype" in names:
        return "OpenDocument文件"
    return "压缩包（.zip）"
