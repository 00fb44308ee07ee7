"""Whose file it is: the unit, from the workbook's metadata, the 填报单位 cell of the rows above
the header, the title, or the file name, matched against the configured units and their aliases.

A unit written in the file but not configured is kept as written and reported with the closest
configured names (``unit-not-configured``); a file whose unit cannot be found at all gets
``unit-unknown``. Without a unit list the name is taken as written.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import make_issue
from ..model import UNKNOWN_UNIT, FileData, Unit
from ..normalize import clean_text, is_blank
from ..schema import META_LABELS, TEMPLATES

__all__ = ["meta_from_rows", "identify_unit", "unit_of_unreadable"]

_LABEL_RE = re.compile("(" + "|".join(re.escape(label) for label in META_LABELS) + r")\s*[:：]?")


def meta_from_rows(rows: list[list[Any]]) -> tuple[dict[str, str], str]:
    """Labels of the meta row (填报单位, 填报人, …) → value; and the title text."""
    found: dict[str, str] = {}
    title = ""
    for row in rows:
        cells = [clean_text(v) for v in row if not is_blank(v)]
        if not cells:
            continue
        joined = "\x01".join(cells)
        matches = list(_LABEL_RE.finditer(joined))
        if not matches:
            if not title:
                title = "".join(cells)
            continue
        for n, m in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(joined)
            value = joined[m.end():end].replace("\x01", " ").strip(" ：:")
            found.setdefault(m.group(1), value)
    return found, title


@lru_cache(maxsize=16384)
def _norm_name(text: str) -> str:
    return "".join(clean_text(text).split()).replace("（", "(").replace("）", ")")


def _match_unit(text: str, units: list[Unit], *, contained: bool) -> Unit | None:
    t = _norm_name(text)
    if not t:
        return None
    for u in units:
        if t == _norm_name(u.name) or t == _norm_name(u.code) or any(t == _norm_name(a) for a in u.aliases):
            return u
    if not contained:
        return None
    best: tuple[int, Unit] | None = None
    for u in units:
        for name in (u.name, *u.aliases):
            n = _norm_name(name)
            if n and n in t and (best is None or len(n) > best[0]):
                best = (len(n), u)
    return best[1] if best else None


def _unit_from_filename(stem: str) -> str:
    parts = [p.strip() for p in re.split(r"[-_－—\s]+", stem) if p.strip()]
    names = {t.name for t in TEMPLATES}
    if len(parts) >= 2 and any(p in names for p in parts[1:]) and parts[0] not in names:
        return parts[0]
    return ""


def identify_unit(fd: FileData, from_meta: str, from_cell: str, title: str, units: list[Unit]) -> None:
    stem = Path(fd.rel).stem
    candidates: list[tuple[str, str]] = []
    if from_meta.strip():
        candidates.append(("metadata", from_meta.strip()))
    if from_cell.strip():
        candidates.append(("cell", from_cell.strip()))
    if units:
        for source, text in candidates:
            u = _match_unit(text, units, contained=True)
            if u:
                fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, source  # type: ignore[assignment]
                named = _match_unit(stem, units, contained=True)
                if named is not None and named.code != u.code:  # another unit's template under this one's name
                    fd.issues.append(make_issue("unit-file-name", file=fd.rel, unit=u.name, named=named.name))
                return
        u = _match_unit(title, units, contained=True) if title else None
        if u and not candidates:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "cell"
            return
        u = _match_unit(stem, units, contained=True)
        if u and not candidates:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "filename"
            return
        if candidates:
            source, text = candidates[0]
            fd.unit, fd.unit_code, fd.unit_source = text, "", source  # type: ignore[assignment]
            names = [n for unit in units for n in (unit.name, *unit.aliases)]
            close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
            suggestion = ("，是否为“" + "”或“".join(close) + "”？") if close else ""
            fd.issues.append(make_issue("unit-not-configured", file=fd.rel, value=text, suggestion=suggestion))
            return
    else:
        if candidates:
            source, text = candidates[0]
            fd.unit, fd.unit_code, fd.unit_source = text, "", source  # type: ignore[assignment]
            return
        name = _unit_from_filename(stem)
        if name:
            fd.unit, fd.unit_code, fd.unit_source = name, "", "filename"
            return
    fd.unit, fd.unit_code, fd.unit_source = UNKNOWN_UNIT, "", "unknown"
    fd.issues.append(make_issue("unit-unknown", file=fd.rel))


def unit_of_unreadable(fd: FileData, units: list[Unit]) -> None:
    """The unit of a file that could not be read, from its file name only (configured
    unit names/aliases contained in it; without a unit list, ``单位-模板名``): so the
    unit shows as having sent a file to be returned, not as missing. No issue is added:
    the file's one issue says why it could not be read."""
    stem = Path(fd.rel).stem
    if units:
        u = _match_unit(stem, units, contained=True)
        if u:
            fd.unit, fd.unit_code, fd.unit_source = u.name, u.code, "filename"
        return
    name = _unit_from_filename(stem)
    if name:
        fd.unit, fd.unit_code, fd.unit_source = name, "", "filename"
