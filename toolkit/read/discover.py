"""Finding the submissions in the collection folder, and saying why the other files are left aside."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SPREADSHEET_SUFFIXES", "find_files"]

#: read as submissions: Excel, OpenDocument (LibreOffice, WPS) and WPS's own .et (a BIFF8 compound
#: file like .xls; LibreOffice files it under "MS Excel 97" too)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et")

_OTHER_SUFFIX_REASONS = {
    ".csv": "CSV文本文件，不是下发的模板。请用下发的Excel模板填写",
    ".xlsb": "Excel二进制工作簿（.xlsb），请另存为 .xlsx 后重新报送",
    ".doc": "Word文档，不是Excel表格",
    ".docx": "Word文档，不是Excel表格",
    ".pdf": "PDF文件，不是Excel表格",
    ".zip": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
    ".rar": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
    ".7z": "压缩包，请解压后把其中的Excel文件放入收集文件夹",
}


def find_files(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every .xlsx/.xlsm/.xls/.ods/.et under ``folder`` (recursive, sorted by relative path),
    and the files left aside as (relative path, Chinese reason). Symbolic links (files or
    folders) are never followed: they are listed as left aside, saying where they point."""
    folder = Path(folder)
    files: list[Path] = []
    ignored: list[tuple[str, str]] = []
    if not folder.is_dir():
        return files, ignored
    entries = [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]
    entries.sort(key=lambda p: p.relative_to(folder).as_posix())
    for p in entries:
        rel = p.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in p.relative_to(folder).parts[:-1]):
            continue  # hidden folders (.git, .~tmp): not submissions
        if p.is_symlink():  # (rglob does not descend into linked folders: those are listed here too)
            ignored.append((rel, _link_reason(p, folder)))
            continue
        name = p.name
        suffix = p.suffix.lower()
        if name.startswith("~$"):
            ignored.append((rel, "Excel或WPS打开文件时生成的临时锁定文件（~$开头），不是报送的表格，已忽略"))
        elif name.startswith((".~lock", ".~", "~")) or suffix in (".tmp", ".bak", ".wbk"):
            ignored.append((rel, "临时文件，不是报送的表格，已忽略"))
        elif name.startswith("."):
            ignored.append((rel, "隐藏的系统文件，已忽略"))
        elif suffix in SPREADSHEET_SUFFIXES:
            files.append(p)
        else:
            reason = _OTHER_SUFFIX_REASONS.get(suffix, f"不是Excel表格（{suffix or '没有扩展名'}），未读取")
            ignored.append((rel, reason))
    return files, ignored


def _link_reason(link: Path, folder: Path) -> str:
    """Why a symbolic link (a shortcut) in the collection folder is not followed."""
    from ..paths import inside

    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return "快捷方式（符号链接）指向的文件不存在，未读取"
    kind = "文件夹" if target.is_dir() else "文件"
    if not inside(folder, target):
        return (f"快捷方式（符号链接），指向收集文件夹以外的{kind}（{target}），为安全起见没有读取。"
                "如确是报送的表格，请把文件本身复制进收集文件夹")
    return f"快捷方式（符号链接），指向收集文件夹中的{kind}“{target.relative_to(folder.resolve()).as_posix()}”，没有重复读取"
