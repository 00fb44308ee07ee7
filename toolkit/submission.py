"""报送情况: who sent what, who must resend, who is chased — decided here, once.

Every front end reads the same answer: the CLI's 下一步 and its 退回/催报 lines, the
Excel buttons, 汇总表's 报送情况 sheet, 汇总数据.json (``submission``) and the report
all come from :func:`submission_status` over one validation result.

Per unit and template (大走访大调研台账, 任务推进台账):

* **已报送** — a current file of that template came and has no 错误 (its rows are merged);
* **有退回** — files came, but none is usable without errors: rows rejected, unreadable,
  encrypted, not an Excel file … (an unreadable file whose template is unknown counts for
  every template the unit has not otherwise delivered);
* **待核查** — files came, but the office cannot use them for reasons of its own: this PC may
  not read them (本机无权读取) or the program failed on them (检查时程序出错,
  ``errors.office_side``). The unit is neither sent anything back nor chased; the office fixes
  the access or reports the error, then validates again (:attr:`Submission.pending`);
* **未报送** — no file of that template came.

Per unit: **已报送** (every template 已报送), **有退回** (some template 有退回), **待核查** (some
template 待核查, none 有退回), **部分报送** (some template 未报送, none 有退回 or 待核查),
**未报送** (nothing came).

* 退回名单 (:attr:`Submission.returns`) = the units 有退回, with each file to resend and why;
* 催报名单 (:attr:`Submission.chase`) = the units 未报送 and 部分报送, naming the templates
  still missing — and a unit 有退回 that also has a template 未报送 is chased for that
  template too (it must resend one file and still send the other).

A unit that sent files is never 未报送. Superseded files (an older copy of the same
unit and template) do not count; their newer file does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import office_side
from .model import (
    ERROR,
    FILE_SUPERSEDED,
    FILE_UNREADABLE,
    UNKNOWN_UNIT,
    FileReport,
    Unit,
    UnitIndex,
    ValidationResult,
)
from .schema import TEMPLATES

SENT = "已报送"
RETURNED = "有退回"
MISSING = "未报送"
PARTIAL = "部分报送"
PENDING = "待核查"
UNIT_STATUSES = (SENT, PARTIAL, RETURNED, PENDING, MISSING)


@dataclass(frozen=True)
class ReturnedFile:
    """A file the unit must correct and send again."""

    file: str  # rel, as in the inbox
    template: str  # template name ("" when the file could not be read far enough to tell)
    reason: str  # one Chinese sentence: why it goes back
    errors: int = 0
    rows_rejected: int = 0
    markup: str | None = None  # the 退回修改 copy written for it, if any


@dataclass
class UnitSubmission:
    code: str
    name: str
    configured: bool  # in the unit list of toolkit.toml
    status: str  # one of UNIT_STATUSES
    templates: dict[str, str]  # template id -> SENT / RETURNED / PENDING / MISSING
    files: list[str] = field(default_factory=list)  # every file attributed to the unit (superseded included)
    returned: list[ReturnedFile] = field(default_factory=list)
    pending: list[ReturnedFile] = field(default_factory=list)  # files the office must see to (待核查)

    @property
    def missing_templates(self) -> list[str]:
        """Names of the templates still to be sent (催报)."""
        names = {t.id: t.name for t in TEMPLATES}
        return [names[tid] for tid, state in self.templates.items() if state == MISSING]

    @property
    def chased(self) -> bool:
        return self.configured and any(state == MISSING for state in self.templates.values())

    @property
    def must_resend(self) -> bool:
        return self.status == RETURNED


@dataclass
class Submission:
    """The 报送情况 of one collection (see the module docstring for the rules)."""

    expected: int  # units in the list
    units: list[UnitSubmission]  # configured units in order, then units found that are not in the list
    unknown_units: list[str]  # names found in readable files or rows that are not in the list
    unidentified_files: list[str]  # files whose unit could not be determined at all
    superseded_files: list[dict[str, Any]]
    unreadable_files: list[dict[str, str]]
    rejected_files: list[dict[str, Any]]

    @property
    def chase(self) -> list[UnitSubmission]:
        """催报名单: units with a template not sent (未报送, 部分报送, or 有退回 and a template missing)."""
        return [u for u in self.units if u.chased]

    @property
    def returns(self) -> list[UnitSubmission]:
        """退回名单: units whose files came but must be corrected and sent again."""
        return [u for u in self.units if u.must_resend]

    @property
    def pending(self) -> list[UnitSubmission]:
        """Units with files the office must see to (待核查: no access on this PC, a program error)."""
        return [u for u in self.units if u.pending]

    def count(self, status: str) -> int:
        return sum(1 for u in self.units if u.configured and u.status == status)

    @property
    def submitted(self) -> int:
        """Configured units that sent files (every status but 未报送)."""
        return sum(1 for u in self.units if u.configured and u.status != MISSING)

    def unit(self, name: str) -> UnitSubmission | None:
        return next((u for u in self.units if u.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The ``submission`` block of 汇总数据.json (docs/figures.md)."""
        names = {t.id: t.name for t in TEMPLATES}
        return {
            "expected": self.expected,
            "submitted": self.submitted,
            "counts": {s: self.count(s) for s in UNIT_STATUSES},
            "missing": [{"code": u.code, "name": u.name, "status": u.status, "templates": u.missing_templates}
                        for u in self.chase],
            "returned": [{"code": u.code, "name": u.name, "status": u.status,
                          "files": [{"file": r.file, "template": r.template, "reason": r.reason,
                                     "errors": r.errors, "rows_rejected": r.rows_rejected} for r in u.returned]}
                         for u in self.returns],
            "pending": [{"code": u.code, "name": u.name, "status": u.status,
                         "files": [{"file": r.file, "template": r.template, "reason": r.reason} for r in u.pending]}
                        for u in self.pending],
            "units": [{"code": u.code, "name": u.name, "status": u.status, "templates": dict(u.templates),
                       "files": list(u.files)} for u in self.units],
            "template_names": names,
            "rejected_files": self.rejected_files,
            "superseded_files": self.superseded_files,
            "unreadable_files": self.unreadable_files,
            "unknown_units": self.unknown_units,
            "unidentified_files": self.unidentified_files,
        }


def _first_error(f: FileReport) -> str:
    for issue in f.issues:
        if issue.severity == ERROR:
            return issue.message
    return f.issues[0].message if f.issues else "文件无法读取"


def _returned(f: FileReport) -> ReturnedFile:
    if f.status == FILE_UNREADABLE:
        reason = _first_error(f)
    else:
        parts = [f"{f.errors}处错误"]
        if f.rows_rejected:
            parts.append(f"{f.rows_rejected}行未汇总")
        reason = "，".join(parts) + ("，问题已在退回修改文件中标出" if f.markup_path else "")
    return ReturnedFile(f.rel, f.template_name or "", reason, int(f.errors), int(f.rows_rejected), f.markup_path)


def _office_side(f: FileReport) -> bool:
    """The file could not be used for the office's own reasons (see ``errors.office_side``)."""
    return f.status == FILE_UNREADABLE and any(office_side(i.code) for i in f.issues)


def _template_status(files: list[FileReport], template_id: str) -> tuple[str, list[FileReport]]:
    """(status, the files that make it 有退回 or 待核查) of one template of one unit."""
    mine = [f for f in files if f.status != FILE_SUPERSEDED
            and (f.template == template_id or (f.template is None and f.status == FILE_UNREADABLE))]
    if any(f.delivered and f.errors == 0 for f in mine):
        return SENT, []
    theirs = [f for f in mine if not _office_side(f)]
    if theirs:
        return RETURNED, theirs
    if mine:
        return PENDING, mine
    return MISSING, []


def _unit_entry(code: str, name: str, configured: bool, files: list[FileReport]) -> UnitSubmission:
    templates: dict[str, str] = {}
    returned: dict[str, ReturnedFile] = {}
    pending: dict[str, ReturnedFile] = {}
    for t in TEMPLATES:
        state, culprits = _template_status(files, t.id)
        templates[t.id] = state
        for f in culprits:
            (pending if state == PENDING else returned).setdefault(f.rel, _returned(f))
    states = set(templates.values())
    if states == {SENT}:
        status = SENT
    elif RETURNED in states:
        status = RETURNED
    elif PENDING in states:
        status = PENDING
    elif SENT in states:
        status = PARTIAL
    else:
        status = MISSING
    return UnitSubmission(code, name, configured, status, templates, [f.rel for f in files], list(returned.values()),
                          [p for rel, p in pending.items() if rel not in returned])


def submission_status(result: ValidationResult) -> Submission:
    """The 报送情况 of ``result``: the one answer to "who sent, who must resend, who is chased"."""
    index = UnitIndex(result.units)
    by_unit: dict[str, list[FileReport]] = {}
    for f in result.files:
        by_unit.setdefault(index.display(f.unit, f.unit_code), []).append(f)
    configured = {u.name for u in result.units}
    # units found in readable files but not in the list (accepted rows carry their file's unit)
    found = sorted((n for n, fs in by_unit.items()
                    if n not in configured and n != UNKNOWN_UNIT and any(f.status != FILE_UNREADABLE for f in fs)),
                   key=index.sort_key)
    units = [_unit_entry(u.code, u.name, True, by_unit.get(u.name, [])) for u in result.units]
    if result.units:  # without a unit list nobody is expected: there is no 报送情况 to tell
        units += [_unit_entry(index.code(name), name, False, by_unit.get(name, [])) for name in found]
    return Submission(
        expected=len(result.units),
        units=units,
        unknown_units=found if result.units else [],
        unidentified_files=[f.rel for f in by_unit.get(UNKNOWN_UNIT, [])],
        superseded_files=[
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "by": f.superseded_by or "",
             "rows": int(f.rows_superseded)}
            for f in result.files if f.status == FILE_SUPERSEDED or f.superseded_by],
        unreadable_files=[{"file": f.rel, "reason": _first_error(f)} for f in result.files if f.status == FILE_UNREADABLE],
        rejected_files=[
            {"file": f.rel, "unit": index.display(f.unit, f.unit_code), "errors": int(f.errors)}
            for f in result.files if f.errors > 0 and f.status not in (FILE_UNREADABLE, FILE_SUPERSEDED)],
    )


def over_periods(units: list[Unit], parts: list[list[dict[str, Any]]]) -> Submission:
    """The 报送情况 of a period made of recorded ones (a year of quarters), from each part's recorded
    ``submission.units``: per unit and template 已报送 when 已报送 in every part, else 未报送; a unit is
    已报送 when every template is, 未报送 when nothing came in any part, else 部分报送. Returns are
    settled within each period: nothing is 有退回 and there is no 退回名单."""
    index = UnitIndex(units)
    configured = {u.name for u in units}
    found: dict[str, dict[str, Any]] = {}  # unit name -> code, statuses per part, template states, files
    for entries in parts:
        for entry in entries:
            name = index.display(entry.get("name"), entry.get("code"))
            mine = found.setdefault(name, {"code": entry.get("code") or index.code(name), "parts": [],
                                           "templates": {t.id: [] for t in TEMPLATES}, "files": []})
            mine["parts"].append(entry.get("status"))
            for t in TEMPLATES:
                mine["templates"][t.id].append((entry.get("templates") or {}).get(t.id))
            mine["files"] += [f for f in entry.get("files") or [] if f not in mine["files"]]

    def entry_of(code: str, name: str, is_configured: bool) -> UnitSubmission:
        mine = found.get(name)
        if mine is None:
            return UnitSubmission(code, name, is_configured, MISSING, {t.id: MISSING for t in TEMPLATES})
        every = len(parts)
        templates = {tid: SENT if states.count(SENT) == every else MISSING for tid, states in mine["templates"].items()}
        if all(s == SENT for s in templates.values()):
            status = SENT
        elif all(s == MISSING for s in mine["parts"]):  # a part without an entry: nothing came then either
            status = MISSING
        else:
            status = PARTIAL
        return UnitSubmission(code, name, is_configured, status, templates, list(mine["files"]))

    others = sorted((n for n in found if n not in configured and n != UNKNOWN_UNIT), key=index.sort_key)
    listed = [entry_of(u.code, u.name, True) for u in units]
    if units:
        listed += [entry_of(found[n]["code"], n, False) for n in others]
    return Submission(expected=len(units), units=listed, unknown_units=others if units else [],
                      unidentified_files=[], superseded_files=[], unreadable_files=[], rejected_files=[])
