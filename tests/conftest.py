"""Shared fixtures.

LibreOffice: tests marked ``libreoffice`` skip on a machine without soffice, but
when ``TOOLKIT_REQUIRE_LIBREOFFICE=1`` (set by .ci/run) a missing soffice fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.office import convert, find_soffice


def _require_lo() -> bool:
    return os.environ.get("TOOLKIT_REQUIRE_LIBREOFFICE", "") not in ("", "0")


def require(available: bool, what: str) -> None:
    """Skip when a system tool/font is missing on a laptop; fail when CI requires it."""
    if available:
        return
    if _require_lo():
        pytest.fail(f"{what} is required here (TOOLKIT_REQUIRE_LIBREOFFICE=1) but missing")
    pytest.skip(f"{what} not installed")


@pytest.fixture
def to_pdf(tmp_path):
    """Convert a file to PDF with LibreOffice; returns the PDF path."""
    require(find_soffice() is not None, "LibreOffice (soffice)")

    def _convert(path: Path, fmt: str = "pdf") -> Path:
        out = convert(Path(path), tmp_path / "pdf", fmt=fmt)
        assert out.stat().st_size > 0
        return out

    return _convert


@pytest.fixture
def pdf_text():
    """Extract the text of a PDF (pypdf)."""
    from pypdf import PdfReader

    def _text(path: Path) -> str:
        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)

    return _text
