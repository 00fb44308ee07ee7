"""The library functions behind every front end.

The ``toolkit`` command (``toolkit.cli``), the Excel buttons (``toolkit.excel``)
and the ``.bat`` launchers all call these functions and nothing else, with the
same arguments. Each function runs the pipeline stages in order and passes
their plain data along::

    find_files → read_file → validate_files → write_markup → summarize → write_workbook
                                                                      + write_figures → render_report

Heavy libraries (pandas, openpyxl, docxtpl) are imported inside the functions so
that ``toolkit --help`` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace as _replace
from datetime import date
from pathlib import Path

from .config import ConfigError, ReportText, Workspace
from .errors import make_issue
from .exceptions import ToolkitError
from .merge.jsonfile import FIGURES_NAME, load_figures
from .model import (
    FILE_SUPERSEDED,
    FILE_UNREADABLE,
    Carried,
    FileData,
    History,
    MergeOutcome,
    Period,
    RecordedPeriod,
    ReportOutcome,
    Unit,
    ValidationResult,
)
from .runtime import Beside, bulk_gc
from .summary_xlsx import SUMMARY_NAME

Progress = Callable[[int, int, str], None]  # (done, total, current file)

BLANK_DIR = "空白模板"


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------


def make_templates(ws: Workspace | None = None, out_dir: Path | None = None,
                   removed: list[Path] | None = None, *, carried: Carried | None = None) -> list[Path]:
    """Write the blank templates and, in a workspace, one copy per unit.

    In a workspace: unit copies go to the templates folder, the blank ones to its
    ``空白模板`` sub-folder; each unit's 问题清单 and 任务清单 list what it still has open
    after the recorded periods before this one (``carried``: :func:`carried_into` with
    ``full=True``, when the caller has it already). The folder then holds this unit list's
    templates only: a unit copy the toolkit named for a unit no longer in the list (renamed,
    removed) is deleted, so it cannot be sent out by mistake (other files are left alone);
    ``removed`` collects them. Without a workspace: blank templates into ``out_dir``.
    """
    from .io import remove_leftovers
    from .templates import write_blank_templates, write_unit_templates

    if ws is None:
        if out_dir is None:
            raise ConfigError("不在工作区中：请用 --out 指定模板的输出目录，或先运行 toolkit init 创建工作区。")
        return write_blank_templates(Path(out_dir))
    target = Path(out_dir) if out_dir else ws.templates_dir
    remove_leftovers(target)
    if carried is None and ws.units:
        carried = carried_into(ws, full=True)
    written = write_unit_templates(target, ws.units, ws.period, ws.org, carried=carried) if ws.units else []
    gone = _remove_stale_templates(target, written, ws.period)
    if removed is not None:
        removed.extend(gone)
    written += write_blank_templates(target / BLANK_DIR)
    return written


def _remove_stale_templates(folder: Path, keep: list[Path], period: Period) -> list[Path]:
    """Delete the unit copies in ``folder`` the toolkit named for this period
    (``单位-模板名-统计期.xlsx``, exactly) that are not ``keep``; a clerk's own copy
    (``… - 副本.xlsx``) or any other file is left alone."""
    from .paths import safe_name
    from .schema import TEMPLATES

    keep_names = {p.name.casefold() for p in keep}
    gone = []
    for template in TEMPLATES:
        tail = safe_name(f"-{template.name}-{period.name}", max_bytes=160) + ".xlsx"
        for old in folder.glob(f"*{tail}"):
            if (old.name.casefold() in keep_names or old.name.startswith("~$") or old.name == tail
                    or not old.name.endswith(tail) or not old.is_file()):
                continue
            try:
                old.unlink()
            except OSError:  # open in Excel: left, the next run tries again
                continue
            gone.append(old)
    return sorted(gone)


# ---------------------------------------------------------------------------
# Read + validate
# ---------------------------------------------------------------------------

def read_collection(
    folder: Path,
    *,
    units: list[Unit] | tuple = (),
    period: Period | None = None,
    progress: Progress | None = None,
    beside: "Beside | None" = None,
    cache: Path | None = None,
) -> tuple[list[FileData], list[tuple[str, str]]]:
    """Find and read every workbook under ``folder`` (never raises for a bad file); ``beside``
    (a ``runtime.Beside``) is started while a read pool works; ``cache``: the read cache's folder
    (:mod:`toolkit.read.cache`: a file unchanged since it was last read is not read again)."""
    from .read import find_files, read_files
    from .runtime import join_warmers, read_workers, warming

    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"收集目录 {folder} 不存在。请检查路径，或把各单位报回的文件放进该文件夹。")
    paths, ignored = find_files(folder)
    # Many files are read by a small process pool (same results, same order); few in this process.
    workers = read_workers(len(paths))
    if workers > 1 or cache is not None:
        progress = warming(progress, beside)  # pandas imported meanwhile (toolkit.runtime)
    with bulk_gc():
        files = read_files(paths, folder, units=list(units), period=period, progress=progress, workers=workers,
                           cache=cache)
        join_warmers()  # no thread left running when a helper process is forked next
    return files, ignored


def validate_collection(
    folder: Path,
    *,
    period: Period | None = None,
    as_of: date | None = None,
    units: list[Unit] | tuple = (),
    markup_dir: Path | None = None,
    progress: Progress | None = None,
    carried: Carried | None = None,
    stage: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Validate every workbook under ``folder``; write 退回修改 copies into ``markup_dir``.

    ``stage(name)`` is called as each stage ends: "read", then those of :func:`check_collection`."""
    files, ignored = read_collection(folder, units=units, period=period, progress=progress)
    if stage:
        stage("read")
    return check_collection(files, ignored, folder, period=period, as_of=as_of, units=units, markup_dir=markup_dir,
                            carried=carried, stage=stage)


def check_collection(
    files: list[FileData],
    ignored: list[tuple[str, str]],
    folder: Path,
    *,
    period: Period | None = None,
    as_of: date | None = None,
    units: list[Unit] | tuple = (),
    markup_dir: Path | None = None,
    carried: Carried | None = None,
    stage: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Validate files already read (:func:`read_collection`); write 退回修改 copies into ``markup_dir``.

    ``carried``: what earlier periods left open (:func:`carried_into`), for the cross-period checks.
    ``stage(name)`` is called as each stage ends: "check" (validated), "markup" (退回修改 written)."""
    from .paths import inside
    from .validate import validate_files

    if markup_dir is not None and inside(folder, markup_dir):
        raise ConfigError(f"退回修改文件的文件夹 {markup_dir} 在收集文件夹 {folder} 之内：退回修改文件下次会被当作报送的表格读取。"
                          "请换一个收集文件夹以外的文件夹。")

    with bulk_gc():
        result = validate_files(files, root=Path(folder), period=period, as_of=as_of or date.today(),
                                units=list(units), carried=carried)
    result.ignored = list(ignored) + list(result.ignored)
    if stage:
        stage("check")
    if markup_dir is not None:
        write_markups(files, result, Path(markup_dir), period)
    if stage:
        stage("markup")
    return result


def write_markups(files: list[FileData], result: ValidationResult, out_dir: Path, period: Period | None) -> list[Path]:
    """One marked-up copy (退回修改) per readable file with at least one 错误."""
    from .io import remove_leftovers

    remove_leftovers(out_dir)
    by_rel = {f.rel: f for f in files}
    written: list[Path] = []
    used: set[str] = set()
    for report in result.files:
        data = by_rel.get(report.rel)
        if data is None or not data.readable or not data.template_id or report.errors == 0:
            continue
        if report.status in (FILE_SUPERSEDED, FILE_UNREADABLE):
            continue
        from .markup import write_markup  # openpyxl: imported only when a file goes back

        target = out_dir / markup_name(report.rel, report.unit, used)
        try:
            report.markup_path = str(write_markup(data, report, target, period=period, folder=out_dir))
        except (OSError, ToolkitError):  # disk full, no permission, locked: the command stops and says so
            raise
        except Exception as exc:  # noqa: BLE001 - one file's copy never stops the others
            detail = f"{type(exc).__name__}: {str(exc).strip()[:80]}" if str(exc).strip() else type(exc).__name__
            report.issues.append(make_issue("markup-failed", file=report.rel, detail=detail))
            continue
        written.append(target)
    _remove_stale_markups(out_dir, written)
    return written


def _remove_stale_markups(out_dir: Path, keep: list[Path]) -> None:
    """Return files of earlier runs whose problems are gone would mislead: the folder
    holds exactly this run's 退回修改 files. Only files named the way we name them go."""
    if not out_dir.is_dir():
        return
    keep_names = {p.name for p in keep}
    for old in out_dir.glob("*（退回修改*）.xlsx"):
        if old.name not in keep_names:
            try:
                old.unlink()
            except OSError:  # open in Excel: leave it, the next run tries again
                pass


def markup_name(rel: str, unit: str, used: set[str]) -> str:
    """File name of a 退回修改 copy: names its unit, and is unique within one run
    (two units may both send ``大走访大调研台账.xlsx`` from different folders).

    The unit and the file stem are submitted text: the name is made by
    :func:`toolkit.paths.safe_name` (one entry of the 退回修改 folder, at most 255 bytes)."""
    from .paths import safe_name

    stem = Path(rel).stem.replace("（退回修改）", "")
    if unit and unit not in stem:
        stem = f"{unit}-{stem}"
    name = safe_name(stem, suffix="（退回修改）.xlsx")
    n = 2
    while name.casefold() in used:  # as Windows compares names
        name = safe_name(stem, suffix=f"（退回修改{n}）.xlsx")
        n += 1
    used.add(name.casefold())
    return name


def validate_workspace(ws: Workspace, *, progress: Progress | None = None,
                       carried: Carried | None = None) -> ValidationResult:
    files, ignored = read_collection(ws.inbox, units=ws.units, period=ws.period, progress=progress,
                                     cache=ws.cache_dir)
    return check_workspace(ws, files, ignored, carried=carried if carried is not None else carried_into(ws))


def check_workspace(ws: Workspace, files: list[FileData], ignored: list[tuple[str, str]], *,
                    carried: Carried | None = None) -> ValidationResult:
    return check_collection(files, ignored, ws.inbox, period=ws.period, as_of=ws.reference_date(), units=ws.units,
                            markup_dir=ws.returns_dir, carried=carried)


# ---------------------------------------------------------------------------
# History (the campaign year)
# ---------------------------------------------------------------------------


def carried_into(ws: Workspace, *, full: bool = False) -> Carried:
    """What the recorded periods before ``ws.period`` leave open (nothing without a history store).

    ``full`` False: each open item holds the fields validation compares; a merge completes the
    items it carries unchanged (:func:`complete_carried`); templates ask for ``full``."""
    from .history import open_store
    from .history.carry import carried_into as read_carried

    if not ws.store_path.exists():
        return Carried()
    with open_store(ws.store_path, create=False) as store, store.reading():
        return read_carried(store, ws.period.start.isoformat(), ws.period.code, full=full)


def carried_and_history(ws: Workspace, *, full: bool = False) -> tuple[Carried, History]:
    """:func:`carried_into` and what the recorded periods before ``ws.period`` tell its figures and
    sheets (``model.History``: headline figures per period, each period's ledger states), in one
    reading of the store (empty without one)."""
    from .history import open_store
    from .history.carry import carried_into as read_carried
    from .history.past import history_into

    if not ws.store_path.exists():
        return Carried(), History()
    start = ws.period.start.isoformat()
    with open_store(ws.store_path, create=False) as store, store.reading():
        carried = read_carried(store, start, ws.period.code, full=full)
        return carried, history_into(store, start, ws.period.code, closed=carried.closed.get("tasks"))


def history_into(ws: Workspace, carried: Carried | None = None) -> History:
    """What the recorded periods before ``ws.period`` tell its figures and sheets (``carried``: what
    they leave open, for the tasks completed before); empty without a history store."""
    from .history import open_store
    from .history.past import history_into as read_history

    if not ws.store_path.exists():
        return History()
    with open_store(ws.store_path, create=False) as store, store.reading():
        return read_history(store, ws.period.start.isoformat(), ws.period.code,
                            closed=carried.closed.get("tasks") if carried else None)


def complete_carried(ws: Workspace | None, carried: Carried | None, result: ValidationResult) -> Carried | None:
    """``carried`` with the whole last state of the open items no accepted row reports again (the
    merge carries those unchanged, 未更新)."""
    from .history import open_store
    from .history.carry import complete

    if ws is None or not carried or not ws.store_path.exists():
        return carried
    wanted = {}
    for key, items in carried.open.items():
        df = result.tables.get(key)
        reported = set(df["id"].dropna().tolist()) if df is not None and "id" in df.columns and len(df) else set()
        wanted[key] = {i for i in items if i not in reported}
    if any(wanted.values()):
        with open_store(ws.store_path, create=False) as store:
            complete(store, carried, wanted)
    return carried


def record_period(ws: Workspace, merged) -> None:
    """Record the merged ``ws.period`` in the workspace's history store (that period replaced, others kept)."""
    from .history import open_store
    from .history.record import record_merged

    with open_store(ws.store_path) as store:
        record_merged(store, ws, merged.details, merged.figures)



# ---------------------------------------------------------------------------
# Merge
# ---------------------------------------------------------------------------


def merge_result(result: ValidationResult, out_dir: Path, ws: Workspace | None = None, *,
                 carried: Carried | None = None, history: History | None = None,
                 record: bool = False, stage: Callable[[str], None] | None = None) -> MergeOutcome:
    """Merge (with the items ``carried`` from the previous period and the ``history`` of the recorded
    ones), then write 汇总表.xlsx and 汇总数据.json into ``out_dir``: both or neither
    (:func:`toolkit.io.output_set`); ``record``: and, once they are in place, record ``ws.period`` in the
    history. ``stage(name)`` is called as each stage ends: "merge", "workbook"."""
    from .io import output_set, remove_leftovers
    from .merge import summarize, write_figures
    from .summary_xlsx import write_workbook

    done = stage or (lambda name: None)
    if history is None and ws is not None and carried is not None:  # the workspace's own period
        history = history_into(ws, carried)
    out_dir = Path(out_dir)
    remove_leftovers(out_dir)
    with bulk_gc():
        merged = summarize(result, carried=complete_carried(ws, carried, result), history=history,
                           **merge_settings(ws))
        done("merge")
        with output_set(out_dir) as staging:
            workbook = write_workbook(merged, staging)
            figures_path = write_figures(merged.figures, staging)
        done("workbook")
        if record and ws is not None:
            record_period(ws, merged)
        return MergeOutcome(figures=merged.figures, workbook=out_dir / workbook.name,
                            figures_path=out_dir / figures_path.name)


def merge_settings(ws: Workspace | None) -> dict:
    """The workspace's settings of the merge (``summarize``'s keywords); the defaults without one."""
    if ws is None:
        return {}
    return {"org": ws.org, "office": ws.office, "low_closure_rate": ws.report.low_closure_rate}


def merge_workspace(ws: Workspace, *, progress: Progress | None = None,
                    record: bool = False) -> tuple[ValidationResult, MergeOutcome]:
    """Validate and merge the workspace's period (``record``: and record it in the history store)."""
    carried, history = carried_and_history(ws)
    result = validate_workspace(ws, progress=progress, carried=carried)
    return result, merge_result(result, ws.output_dir, ws, carried=carried, history=history, record=record)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def report_text(ws: Workspace) -> ReportText:
    """Staff-written paragraphs: 控制台.xlsm → 报告要素 when filled there, else toolkit.toml."""
    console = ws.root / "控制台.xlsm"
    if console.exists():
        try:
            from .console import read_report_text

            from_sheet = read_report_text(console)
        except Exception:  # a damaged console must not stop the report; toolkit.toml still applies
            from_sheet = None
        if from_sheet is not None:
            return from_sheet.or_else(ws.text)
    return ws.text


def default_report_path(ws: Workspace) -> Path:
    """情况汇报.docx of the workspace's period in its output folder (the period name is
    configured text: :func:`toolkit.paths.child` keeps the file in that folder)."""
    from .paths import child

    return child(ws.output_dir, ws.period.name, suffix="情况汇报.docx")


def make_report(
    figures: dict | Path,
    out: Path,
    *,
    ws: Workspace | None = None,
    template: Path | None = None,
    text: ReportText | None = None,
    pdf: bool = False,
) -> ReportOutcome:
    """Write the report (情况汇报, 统计附表, their PDFs when asked) as one set beside ``out``:
    all of them or none (:func:`toolkit.io.output_set`)."""
    from .io import output_set, remove_leftovers
    from .report import report_files

    out = Path(out)
    data = figures if isinstance(figures, dict) else load_figures(Path(figures))  # read once
    remove_leftovers(out.parent)
    with output_set(out.parent, retire=[p.name for p in report_files(out)]) as staging:
        outcome = _render_report(data, staging / out.name, ws=ws, template=template, text=text, pdf=pdf)
    if not isinstance(figures, dict):
        _keep_checks(Path(figures), data, ws, outcome.checks)
    return _moved_report(outcome, staging, out.parent)


def _keep_checks(path: Path, data: dict, ws: Workspace | None, checks: list[dict[str, str]]) -> None:
    """Put the checks of a report written from the workspace's own 汇总数据.json (``path``, whose
    figures are ``data``) into it (``report_checks``), so that it says what the last report was
    checked for; a figures file given from elsewhere is an input and is never written."""
    from .merge import write_figures

    if ws is None or data.get("report_checks") == checks:
        return
    own = ws.output_dir / FIGURES_NAME
    try:
        if path.resolve() == own.resolve():
            write_figures(dict(data, report_checks=checks), ws.output_dir)
    except (OSError, ValueError, ToolkitError):  # the report is written; the note in the figures can wait
        return


def _moved_report(outcome: ReportOutcome, staging: Path, folder: Path) -> ReportOutcome:
    """``outcome`` with its files named where the set was moved to."""
    def moved(path: Path | None) -> Path | None:
        return folder / Path(path).relative_to(staging) if path is not None else None

    return _replace(outcome, docx=moved(outcome.docx), pdf=moved(outcome.pdf),
                    appendix=moved(outcome.appendix), notes=list(outcome.notes))


def _render_report(
    figures: dict | Path,
    out: Path,
    *,
    ws: Workspace | None = None,
    template: Path | None = None,
    text: ReportText | None = None,
    pdf: bool = False,
) -> ReportOutcome:
    """:func:`make_report` writing straight into ``out``'s folder (a staging folder)."""
    from .config import ReportSettings
    from .report import render_report

    data = figures if isinstance(figures, dict) else load_figures(Path(figures))
    settings = ws.report if ws else ReportSettings(signature=str(data.get("org", "")))
    if template is None and ws and ws.report.template:
        template = ws.root / ws.report.template
    if template is not None and not Path(template).is_file():
        raise ConfigError(f"找不到报告模板 {template}。请检查文件名，或删除该设置以使用内置模板。")
    appendix_template = ws.root / ws.report.appendix_template if ws and ws.report.appendix_template else None
    if appendix_template is not None and not appendix_template.is_file():
        raise ConfigError(f"找不到统计附表模板 {appendix_template}。请检查 toolkit.toml 中 appendix_template 的文件名，"
                          "或删除该设置以使用内置模板。")
    if text is None:
        text = report_text(ws) if ws else ReportText()
    checks = report_checks(data, ws, text)
    outcome = render_report(data, Path(out), template=template, settings=settings, text=text, pdf=pdf,
                            appendix_template=appendix_template)
    outcome.checks = checks
    return outcome


def report_checks(figures: dict, ws: Workspace | None, text: ReportText | None = None) -> list[dict[str, str]]:
    """The pre-flight checks of a report (``report.preflight``): 主送机关, units not yet in, dates, fonts,
    characters the official fonts cannot print. Printed before the report, kept in 汇总数据.json."""
    from .config import ReportSettings
    from .report.preflight import as_json, preflight

    settings = ws.report if ws else ReportSettings(signature=str(figures.get("org", "")))
    if text is None:
        text = report_text(ws) if ws else ReportText()
    return as_json(preflight(figures, settings, text))


def report_workspace(
    ws: Workspace,
    *,
    text: ReportText | None = None,
    pdf: bool = False,
    out: Path | None = None,
    template: Path | None = None,
) -> ReportOutcome:
    return make_report(ws.output_dir / FIGURES_NAME, out or default_report_path(ws), ws=ws, template=template,
                       text=text, pdf=pdf)


def run_workspace(
    ws: Workspace,
    *,
    text: ReportText | None = None,
    pdf: bool = False,
    progress: Progress | None = None,
    stage: Callable[[str], None] | None = None,
    record: bool = False,
) -> tuple[ValidationResult, MergeOutcome, ReportOutcome]:
    """一键完成: validate → merge → report; ``record``: and record the period in the history store
    (``next-period`` does, and a run of an earlier recorded period).

    ``stage(name)`` is called as each stage ends ("read", "validate", "merge", "workbook",
    "report": the wait for the report after the workbook); the benchmark times them."""
    from .io import output_set, remove_leftovers
    from .merge import summarize
    from .history.kept import merge_key
    from .report import report_files, warm_up
    from .runtime import Helper
    from .summary_xlsx import write_workbook

    check_report_templates(ws)  # a broken custom template stops the run before anything is read or written
    # the key of this merge, taken before anything is read (a file replaced meanwhile gives another key)
    keep_key = None if record else merge_key(ws)
    for folder in (ws.output_dir, ws.returns_dir):
        remove_leftovers(folder)  # what a killed run left behind
    # On two cores a helper process writes 汇总数据.json and the report while this one writes
    # 汇总表.xlsx. It is forked first, while this process is small, and imports the Word and
    # chart libraries while this one validates and merges (toolkit.runtime). Same files.
    # Both write into one staging folder; this process moves the set in once all of it is
    # written (toolkit.io.output_set): never a 汇总数据.json of one run beside an 汇总表 of another.
    with bulk_gc(), Helper() as helper:
        done = stage or (lambda name: None)
        past = Beside(lambda: carried_and_history(ws))  # the store is read while the pool reads the files
        files, ignored = read_collection(ws.inbox, units=ws.units, period=ws.period, progress=progress,
                                         beside=past, cache=ws.cache_dir)
        carried, history = past.result()
        done("read")
        helper.warm(warm_up)
        result = check_workspace(ws, files, ignored, carried=carried)
        del files  # raw rows are not needed past validation
        done("validate")
        merged = summarize(result, carried=complete_carried(ws, carried, result), history=history,
                           **merge_settings(ws))
        done("merge")
        out_dir = ws.output_dir
        with output_set(out_dir, retire=[p.name for p in report_files(default_report_path(ws))]) as staging:
            side = helper.submit(write_figures_and_report, merged.figures, staging,
                                 staging / default_report_path(ws).name, ws=ws, text=text, pdf=pdf,
                                 keep_key=keep_key, details=merged.details if keep_key else None)
            try:
                workbook = write_workbook(merged, staging)
            except BaseException as exc:
                # nothing of this run is moved in; the step beside it is stopped (Ctrl+C) or
                # finished before the staging folder goes
                helper.abort() if isinstance(exc, KeyboardInterrupt) else side.wait()
                raise
            done("workbook")
            figures_path, report = side.result()
        if record:  # the set is in place: the period is recorded with what it shows
            record_period(ws, merged)
        done("report")
    return (result, MergeOutcome(figures=merged.figures, workbook=out_dir / workbook.name,
                                 figures_path=out_dir / figures_path.name), _moved_report(report, staging, out_dir))


def check_report_templates(ws: Workspace) -> None:
    """The custom report templates of toolkit.toml (``[report] template`` / ``appendix_template``)
    exist and are sound; else a ConfigError / TemplateError saying that nothing was run. ``toolkit
    run`` checks them first, so that a template mistake does not surface after the whole round."""
    from .report import TemplateError, check_template

    stop = "本次没有运行，原有的汇总表和报告未改动"
    for key, label in (("template", "报告模板"), ("appendix_template", "统计附表模板")):
        rel = getattr(ws.report, key, None)
        if not rel:
            continue
        path = ws.root / rel
        if not path.is_file():
            raise ConfigError(f"找不到{label} {path}（toolkit.toml 中 [report] {key}）。请检查文件名，"
                              f"或删除该设置以使用内置模板；{stop}。")
        problems = check_template(path)
        if problems:
            raise TemplateError(f"{label} {path.name} 有误（{stop}）：\n" + "\n".join(f"· {p}" for p in problems)
                                + f"\n请改正模板，或删除 toolkit.toml 中 [report] {key} 以使用内置模板。")


def write_figures_and_report(figures: dict, out_dir: Path, report_path: Path, *, ws: Workspace,
                             text: ReportText | None, pdf: bool, keep_key: str | None = None,
                             details: "dict | None" = None) -> tuple[Path, ReportOutcome]:
    """Write 汇总数据.json, then the report from the same figures: the step ``run_workspace``
    hands to the helper process beside the 汇总表 writer; then, with ``keep_key``, keep the merged
    period (``details`` and the figures) for next-period (:mod:`toolkit.history.kept`)."""
    from .merge import write_figures

    merged_figures = figures
    text = text if text is not None else report_text(ws)
    figures = dict(figures, report_checks=report_checks(figures, ws, text))
    figures_path = write_figures(figures, out_dir)
    report = _render_report(figures, report_path, ws=ws, text=text, pdf=pdf)
    if keep_key is not None and details is not None:
        from .history.kept import keep

        keep(ws, keep_key, details, merged_figures)
    return figures_path, report


# ---------------------------------------------------------------------------
# Front ends placed in a workspace
# ---------------------------------------------------------------------------


def install_front_ends(ws: Workspace) -> list[Path]:
    """Write 控制台.xlsm (Excel buttons) and the launchers (.bat, .sh, .desktop) into the workspace."""
    from .console import write_console
    from .launchers import write_launchers

    return [write_console(ws), *write_launchers(ws)]


# ---------------------------------------------------------------------------
# Offline installer
# ---------------------------------------------------------------------------


def make_bundle(folder: Path, *, platform: str | None = None, python: str | None = None,
                progress: Callable[[str], None] | None = None):
    """Write an offline installer folder (``toolkit bundle``): the toolkit wheel, every dependency
    wheel for ``platform`` and ``python`` (default: this machine's), the installer scripts and
    安装说明.txt. Returns a :class:`toolkit.bundle.Bundle`."""
    from .bundle import build_bundle

    return build_bundle(Path(folder), platform=platform, python=python, progress=progress)


# ---------------------------------------------------------------------------
# Periods: the campaign year
# ---------------------------------------------------------------------------


def workspace_for(ws: Workspace, code: str | None) -> Workspace:
    """``ws`` itself for its current period (or ``code`` None); for an earlier recorded period,
    the workspace seen from it: its folders and 统计截止日 as recorded."""
    from .config import parse_period
    from .history import open_store

    if not code:
        return ws
    wanted = parse_period(code, ws.period.start.year)
    if wanted.code == ws.period.code:
        return ws
    record = None
    parts = []
    if ws.store_path.exists():
        from .history.compose import parts_of

        with open_store(ws.store_path, create=False) as store:
            record = store.period(wanted.code)
            parts = parts_of(store, wanted) if record is None else []
    if record is None and parts:  # a year or half-year made of recorded periods: its own folder
        return ws.with_period(wanted, folder=wanted.name if ws.period_folder else "",
                              as_of=date.fromisoformat(parts[-1].as_of))
    if record is None:
        raise ConfigError(_not_recorded(ws, wanted))
    period = Period(record.code, record.name, date.fromisoformat(record.start), date.fromisoformat(record.end))
    return ws.with_period(period, folder=record.folder, folders=_folder_names(ws, record),
                          as_of=date.fromisoformat(record.as_of))


def _not_recorded(ws: Workspace, wanted: Period) -> str:
    return (f"统计期“{wanted.name}”没有记录：只能处理当前统计期（{ws.period.name}）、已记录的统计期，或由已记录的各期组成的"
            f"年度、半年（运行 toolkit status 查看已记录的统计期）。")


def period_figures(ws: Workspace, code: str) -> dict | None:
    """The figures (汇总数据.json) of period ``code``: a recorded period's as recorded; a period made of
    recorded ones (``2022`` over the quarters or months recorded in 2022, ``2022H1``) computed from the
    store in the same format (docs/figures.md); None for the current period (its 汇总数据.json is the
    one in its output folder). Any other period is refused."""
    from .config import parse_period
    from .history import open_store
    from .history.compose import parts_of

    wanted = parse_period(code)
    if wanted.code == ws.period.code and not is_recorded(ws):
        return None
    if not ws.store_path.exists():
        raise ConfigError(_not_recorded(ws, wanted))
    with open_store(ws.store_path, create=False) as store, store.reading():
        record = store.period(wanted.code)
        if record is not None:
            return record.figures or None
        parts = parts_of(store, wanted)
        if not parts:
            raise ConfigError(_not_recorded(ws, wanted))
        return _composed_figures(ws, store, wanted, parts)


def _composed_figures(ws: Workspace, store, period: Period, parts: list, *, compare: bool = True) -> dict:
    """The figures of ``period`` made of the recorded ``parts`` (``compare``: with ``previous``, the
    period of the same kind before it when it is recorded or made of recorded ones)."""
    from datetime import timedelta

    from .config import preceding_period
    from .history.carry import carried_into as read_carried
    from .history.compose import composed_tables, composed_validation, last_as_of, parts_of
    from .history.past import composed_history, recorded
    from .merge import summarize
    from .merge.periods import headline
    from .submission import over_periods

    as_of = last_as_of(parts)
    result = ValidationResult(root=ws.root, period=period, as_of=as_of, units=list(ws.units), files=[], ignored=[],
                              tables=composed_tables(store, parts), rejected=[])
    start = period.start.isoformat()
    carried = read_carried(store, start, period.code, full=True)  # what was open when the period began
    after = (period.end + timedelta(days=1)).isoformat()
    for key in ("problems", "tasks"):  # every item listed within the period keeps its own first period
        carried.issued[key] = store.issued(key, after)
    history = composed_history(store, start, parts, closed=carried.closed.get("tasks"))
    if compare:
        before = preceding_period(period)
        record = store.period(before.code)
        if record is not None:
            history.previous = recorded(record)
        else:
            earlier = parts_of(store, before)
            if earlier:
                figures = _composed_figures(ws, store, before, earlier, compare=False)
                history.previous = RecordedPeriod(before.code, before.name, before.start.isoformat(),
                                                  before.end.isoformat(), figures["as_of"], headline(figures))
    submission = over_periods(list(ws.units), [store.submissions(p.code) for p in parts])
    figures = summarize(result, carried=carried, history=history, submission=submission,
                        **merge_settings(ws)).figures
    figures["validation"] = composed_validation(parts)
    figures["parts"] = [{"code": p.code, "name": p.name, "start": p.start, "end": p.end} for p in parts]
    return figures


def _folder_names(ws: Workspace, record) -> dict[str, str]:
    """The folder names (inside the period's folder) of a recorded period."""
    out = {}
    base = Path(record.folder) if record.folder else Path()
    for name, rel in (record.folders or {}).items():
        rel_path = Path(rel)
        try:
            out[name] = str(rel_path.relative_to(base)) if record.folder else rel
        except ValueError:
            out[name] = rel
    return out


def is_recorded(ws: Workspace) -> bool:
    """Whether ``ws.period`` is in the history store."""
    from .history import open_store

    if not ws.store_path.exists():
        return False
    with open_store(ws.store_path, create=False) as store:
        return store.period(ws.period.code) is not None


@dataclass
class NextPeriod:
    """What ``next-period`` did."""

    previous: Period  # the period recorded (the one that was current)
    period: Period  # the period now current
    changed: bool  # False: nothing to do (already switched, or the same period asked)
    merged: bool = False  # the previous period was merged again first (its inbox was newer than its outputs)
    templates: list[Path] = field(default_factory=list)
    carried: dict[str, int] = field(default_factory=dict)  # sheet key -> open items carried into the new period
    notes: list[str] = field(default_factory=list)


def _outputs_stale(ws: Workspace) -> bool:
    """Whether the inbox holds a file newer than the period's 汇总数据.json (or there is none)."""
    from .read import find_files

    figures = ws.output_dir / FIGURES_NAME
    if not figures.exists():
        return True
    made = figures.stat().st_mtime
    paths, _ignored = find_files(ws.inbox) if ws.inbox.is_dir() else ([], [])
    return any(p.stat().st_mtime > made for p in paths)


def next_period(ws: Workspace, code: str | None = None, *, console: bool = True,
                progress: Progress | None = None) -> NextPeriod:
    """Close the current period and open the next: record the current period in the history store
    (merging it first when its inbox is newer than its outputs), make the next period current in
    toolkit.toml (the next of the same kind, or ``code``), create its folders and write its
    templates prefilled with what each unit still has open. Running it again changes nothing."""
    from .config import edit_config_text, following_period, load_workspace, parse_period, read_config_text
    from .history.kept import kept
    from .io import write_text_atomic
    from .read import find_files

    current = ws.period
    target = parse_period(code, current.start.year) if code else following_period(current)
    if target.code == current.code:
        return NextPeriod(current, current, False, notes=[f"{current.name}已经是当前统计期，没有改动。"])
    if target.start <= current.start:
        raise ConfigError(f"不能切换到{target.name}：它不晚于当前统计期{current.name}。处理较早的统计期（如补收的文件）"
                          f"请在命令后加 --period，例如 toolkit run --period {target.code}。")
    has_files = ws.inbox.is_dir() and bool(find_files(ws.inbox)[0])
    if code is None and not has_files and not is_recorded(ws):
        return NextPeriod(current, current, False, notes=[
            f"当前统计期{current.name}的收集文件夹中还没有文件，也没有记录过：可能刚刚切换过，不再切换。"
            f"如确实要开始下一期（{target.name}），请运行 toolkit next-period --period {target.code}。"])
    merged_again = _outputs_stale(ws) and has_files
    found = None if merged_again else kept(ws)  # the last run's merge, when it is the merge of the files now
    if merged_again:
        run_workspace(ws, progress=progress, record=True)
    elif found is not None:
        from .history import open_store
        from .history.record import record_tables

        with open_store(ws.store_path) as store:
            record_tables(store, ws, *found)
    else:
        carried, history = carried_and_history(ws)
        result = validate_workspace(ws, progress=progress, carried=carried)
        from .merge import summarize

        record_period(ws, summarize(result, carried=complete_carried(ws, carried, result), history=history,
                                    **merge_settings(ws)))
    values: dict[tuple[str, str], object] = {
        ("period", "code"): target.code, ("period", "name"): target.name,
        ("period", "start"): target.start, ("period", "end"): target.end,
        ("period", "folder"): target.name,  # each new period in its own folder
    }
    notes: list[str] = []
    shift = target.end - current.end
    if ws.as_of is not None:
        values[("", "as_of")] = ws.as_of + shift
        notes.append(f"统计截止日（as_of）已由 {ws.as_of.isoformat()} 顺延为 {(ws.as_of + shift).isoformat()}，"
                     "请按实际修改 toolkit.toml。")
    if ws.report.date is not None:
        values[("report", "date")] = ws.report.date + shift
        notes.append(f"成文日期已由 {ws.report.date.isoformat()} 顺延为 {(ws.report.date + shift).isoformat()}，"
                     "请按实际修改 toolkit.toml。")
    text = edit_config_text(read_config_text(ws.config_path), values)
    write_text_atomic(ws.config_path, text)
    new = load_workspace(ws.root)
    for name in new.folders:
        new.folder(name).mkdir(parents=True, exist_ok=True)
    carried = carried_into(new, full=True)
    templates = make_templates(new, carried=carried)
    counts = {key: sum(len(v) for v in carried.by_unit.get(key, {}).values()) for key in ("problems", "tasks")}
    if console:
        try:
            install_front_ends(new)
        except ToolkitError as exc:  # e.g. 控制台.xlsm open in Excel: the settings there are the old period's
            notes.append(f"控制台未更新（{exc}）。关闭控制台.xlsm 后运行 toolkit console。")
    return NextPeriod(current, new.period, True, merged_again, templates, counts, notes)


def status(ws: Workspace, *, progress: Progress | None = None) -> dict:
    """Where the workspace stands (``toolkit status``): the current period and its folders, the
    inbox, who has submitted / is chased / must resend (a validation of the inbox, nothing
    written), and the recorded periods with their headline figures."""
    from .history import open_store
    from .read import find_files
    from .submission import UNIT_STATUSES, submission_status

    files = find_files(ws.inbox)[0] if ws.inbox.is_dir() else []
    recorded = []
    if ws.store_path.exists():
        with open_store(ws.store_path, create=False) as store:
            recorded = store.periods()
    sub = None
    if ws.units:
        files_read, ignored = read_collection(ws.inbox, units=ws.units, period=ws.period, progress=progress,
                                              cache=ws.cache_dir)
        result = check_collection(files_read, ignored, ws.inbox, period=ws.period, as_of=ws.reference_date(),
                                  units=ws.units, carried=carried_into(ws))
        sub = submission_status(result)
    p = ws.period
    return {
        "workspace": str(ws.root),
        "period": {"code": p.code, "name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat(),
                   "as_of": ws.reference_date().isoformat(), "recorded": any(r.code == p.code for r in recorded)},
        "folders": {name: str(ws.folder(name).resolve()) for name in ("templates", "inbox", "output", "returns")},
        "inbox_files": len(files),
        "units": len(ws.units),
        "submission": None if sub is None else {
            "submitted": [u.name for u in sub.units if u.configured and u.status != "未报送"],  # sent files
            "counts": {state: sub.count(state) for state in UNIT_STATUSES},
            "pending": [{"name": u.name, "files": [r.file for r in u.pending]} for u in sub.pending],
            "chased": [{"name": u.name, "status": u.status, "templates": u.missing_templates} for u in sub.chase],
            "returned": [{"name": u.name, "files": [r.file for r in u.returned]} for u in sub.returns],
        },
        "history": str(ws.store_path),
        "periods": [r.code for r in recorded],
        "recorded": [{"code": r.code, "name": r.name, "recorded_at": r.recorded_at, "as_of": r.as_of,
                      "headline": r.headline} for r in recorded],
    }


def status_periods(ws: Workspace) -> list:
    """The recorded periods of the workspace, in time order (``history.PeriodRecord``)."""
    from .history import open_store

    if not ws.store_path.exists():
        return []
    with open_store(ws.store_path, create=False) as store:
        return store.periods()


@dataclass
class ImportOutcome:
    period: Period
    rows: dict[str, int]  # sheet key -> rows imported
    skipped: list[str]  # rows not imported, with the reason
    carried: dict[str, int]  # sheet key -> items left open, carried into later periods


def import_history(ws: Workspace, summary: Path, code: str, *, as_of: date | None = None) -> ImportOutcome:
    """Record period ``code`` from a 汇总表.xlsx the toolkit wrote earlier (start mid-year).

    The period must be earlier than the current one. Its items get their 编号; the open ones
    are carried into the next periods (run ``toolkit templates`` to prefill the current one's)."""
    from .config import parse_period
    from .history.importer import imported_result, read_summary
    from .history.carry import FINAL_STATUS
    from .merge import summarize

    period = parse_period(code, ws.period.start.year)
    if period.start >= ws.period.start:
        raise ConfigError(f"只能导入当前统计期（{ws.period.name}）以前的统计期；{period.name}不早于当前统计期。"
                          "本期的数据请放进收集文件夹后运行 toolkit run。")
    as_of = as_of or min(period.end, date.today())
    imported = read_summary(Path(summary), period.start.year)
    target = ws.with_period(period, folder=ws.period_folder if not ws.period_folder else period.name, as_of=as_of)
    result = imported_result(imported, target, period, as_of, Path(summary).name)
    carried, history = carried_and_history(target, full=True)
    merged = summarize(result, carried=carried, history=history, **merge_settings(target))
    record_period(target, merged)
    open_items = {key: int((merged.details[key]["status"] != final).sum()) for key, final in FINAL_STATUS.items()}
    return ImportOutcome(period, {k: len(merged.details[k]) for k in merged.details}, imported.skipped, open_items)
