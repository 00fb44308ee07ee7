"""Why a command could not run: one hierarchy of errors and one message map.

Problems found *in submissions* are not exceptions: they are issues of the error
catalog (``toolkit.errors``) and part of the validation result. What is here stops a
command itself: a broken toolkit.toml, a folder that is not a workspace, an output
file locked by Excel, a broken Word template, a failed PDF conversion, a damaged
history store, a full disk.

Every error a user can cause derives from :class:`ToolkitError`, which carries a
Chinese message (what is wrong and how to fix it) and a stable ``code``. Every front
end (the ``toolkit`` command, the Excel buttons, the launchers) turns any exception
into what the user reads through :func:`describe`, and nothing else: the same
exception gives the same words everywhere, and no condition a user can cause is
shown as an internal error.

Only the standard library is imported here (the CLI imports it at start-up).
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ToolkitError", "ConfigError", "NotAWorkspaceError", "OutputLockedError", "TemplateError",
    "ConversionError", "StoreError", "Failure", "describe", "FAILURE_CODES", "printable",
]


class ToolkitError(Exception):
    """A condition the user can cause and fix; ``str(exc)`` is the Chinese message."""

    code = "toolkit-error"

    def __init__(self, message: str):
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class ConfigError(ToolkitError):
    """toolkit.toml, the command line or a setting of the console is wrong."""

    code = "config"


class NotAWorkspaceError(ConfigError):
    """The command needs a workspace and none was found here or above."""

    code = "not-a-workspace"


class OutputLockedError(ToolkitError):
    """An output file could not be replaced (usually: it is open in Excel/WPS/Word)."""

    code = "output-locked"

    def __init__(self, path: Path | str, message: str | None = None):
        self.path = Path(path)
        super().__init__(message or (
            f"无法写入 {self.path}：文件可能正在 Excel、WPS 或 Word 中打开。请关闭该文件后重新运行；原文件未被改动。"))

    def __reduce__(self):  # travels from a child process intact
        return (type(self), (self.path, self.message))


class TemplateError(ToolkitError):
    """The Word template cannot be rendered; the message names the faulty tag."""

    code = "report-template"


class ConversionError(ToolkitError):
    """LibreOffice is missing or could not convert a document to PDF."""

    code = "pdf-conversion"


class StoreError(ToolkitError):
    """The history store of the workspace is damaged, locked or from a newer version."""

    code = "history-store"


@dataclass(frozen=True)
class Failure:
    """What a front end tells the user about an exception."""

    code: str
    message: str  # one Chinese paragraph, without the leading “错误：” (no control character: printable)
    exit_code: int = 2
    internal: bool = False  # a defect of the toolkit, not something the user did

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))


#: every ``Failure.code`` :func:`describe` can give, with its meaning (docs/validation.md)
FAILURE_CODES: dict[str, str] = {
    "config": "toolkit.toml、命令行参数或控制台中的设置有误",
    "not-a-workspace": "当前目录不是工作区（找不到 toolkit.toml）",
    "output-locked": "输出文件被 Excel、WPS 或 Word 占用，无法替换",
    "report-template": "Word 报告模板有误",
    "pdf-conversion": "没有 LibreOffice 或转换 PDF 失败",
    "history-store": "历史记录库损坏、被占用或版本不符",
    "disk-full": "磁盘空间不足",
    "permission-denied": "没有读写权限",
    "not-found": "文件或文件夹不存在",
    "io-error": "其他读写错误",
    "interrupted": "用户按了 Ctrl+C 中止",
    "internal": "程序内部错误（请报告维护人员）",
    "usage": "命令或选项写错",
}


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC sequences that recolour, move the
    cursor or retitle the window; bidirectional overrides) shown as ``\\x1b``-style escapes.
    Line feeds and tabs stay."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def _where(exc: OSError) -> str:
    """The path an OSError is about, as the user knows it: the target of a move rather than
    the toolkit's temporary file it came from."""
    first, second = str(exc.filename or ""), str(getattr(exc, "filename2", None) or "")
    if second and _temporary(first):
        return _folder_of(second)
    return _folder_of(first)


def _temporary(path: str) -> bool:
    return any(part.startswith(_TEMP) for part in Path(path).parts) if path else False


_TEMP = ".~tmp-"  # toolkit.io.TEMP_PREFIX (io imports this module)


def _folder_of(path: str) -> str:
    """The folder a user knows: a path inside a toolkit temporary (``.~tmp-…`` file or staging
    folder) is named by the folder that holds the temporary."""
    if not path:
        return ""
    p = Path(path)
    parts = p.parts
    for i, part in enumerate(parts):
        if part.startswith(_TEMP):
            return f"文件夹 {Path(*parts[:i])}" if i else "当前文件夹"
    return str(p)


def describe(exc: BaseException) -> Failure:
    """The one message map: any exception → what the user reads (code, Chinese text, exit status)."""
    if isinstance(exc, ToolkitError):
        return Failure(exc.code, exc.message)
    if isinstance(exc, KeyboardInterrupt):
        return Failure("interrupted", "已中止（按了 Ctrl+C）。重新运行即可。", 130)
    if isinstance(exc, OSError):
        where = _where(exc)
        at = f" {where}" if where else ""
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return Failure("disk-full", f"磁盘空间不足，无法写入{at}。请清理磁盘（或换一个空间充足的位置存放工作区）后重新运行；"
                                        "原有文件未被改动。")
        if isinstance(exc, PermissionError):
            return Failure("permission-denied", f"没有权限读写{at}。请确认该文件没有在 Excel、WPS 或 Word 中打开，"
                                                "并且本机当前用户对该文件夹有读写权限（网络共享或只读文件夹常见）。")
        if isinstance(exc, FileNotFoundError):
            return Failure("not-found", f"找不到{at or '所需的文件或文件夹'}。请检查路径是否正确，或运行 toolkit status 查看工作区的文件夹。")
        detail = exc.strerror or str(exc)
        return Failure("io-error", f"无法读写{at}：{detail}。请检查路径是否正确、文件夹是否存在、是否有写入权限，"
                                   "以及该位置是否被同名文件占用。")
    if isinstance(exc, MemoryError):
        return Failure("internal", "内存不足，无法完成。请关闭其他程序后重试；文件特别多时可以分批放入收集文件夹。",
                       internal=True)
    detail = str(exc).strip()
    detail = f"{type(exc).__name__}：{detail}" if detail else type(exc).__name__
    return Failure("internal", f"程序内部错误（{detail}）。已完成的输出不受影响；请把这条信息和所用的文件发给维护人员。",
                   internal=True)
