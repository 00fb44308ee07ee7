"""LibreOffice headless: convert .xlsx/.xlsm/.docx to PDF (or another format).

Used by ``toolkit report --pdf`` and by the tests (a real client must open every
file we write). Each call gets its own throw-away user profile, so several
conversions can run at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "未找到 LibreOffice，无法自动转换为 PDF。可以用 Word 或 WPS 打开生成的 .docx，"
    "选择“另存为 → PDF”；或安装 LibreOffice（https://www.libreoffice.org，Linux 上 apt install libreoffice-writer）后重试。"
)


from .exceptions import ConversionError  # noqa: E402,F401 - re-exported: callers import it from here


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.path.exists(candidate):
            return candidate
    return None


def convert(path: Path, out_dir: Path | None = None, fmt: str = "pdf", timeout: float = 180) -> Path:
    """Convert ``path`` with LibreOffice headless; return the converted file's path."""
    soffice = find_soffice()
    if soffice is None:
        raise ConversionError(INSTALL_HINT)
    path = Path(path).resolve()
    out_dir = Path(out_dir or path.parent).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="toolkit-lo-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(path),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"LibreOffice 转换 {path.name} 超时（{timeout:.0f} 秒）。") from exc
    target = out_dir / (path.stem + "." + fmt.split(":")[0])
    if proc.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise ConversionError(
            f"LibreOffice 无法转换 {path.name}（返回码 {proc.returncode}）：{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return target
