"""The ``toolkit`` command: a thin skin over :mod:`toolkit.api`.

Every command resolves the workspace (the nearest folder holding toolkit.toml,
or the one given), calls one api function and prints what happened in Chinese.
Exit status is non-zero only when the command itself could not run (bad
configuration, missing folder, locked output); problems found in submissions
are results, not failures.
"""

from __future__ import annotations

import sys

try:  # importing the command line takes about 0.1 s: a Ctrl+C meanwhile is answered too
    import json
    from datetime import date
    from pathlib import Path
    from typing import TYPE_CHECKING, Optional

    import typer

    from .config import ConfigError, Workspace, find_workspace, load_workspace
    from .exceptions import NotAWorkspaceError, describe
    from .model import FILE_ERRORS, FILE_HINTS, FILE_OK, FILE_SUPERSEDED, FILE_UNREADABLE
except KeyboardInterrupt:
    from .exceptions import describe as _describe

    _stopped = _describe(KeyboardInterrupt())
    sys.stderr.write(f"错误：{_stopped.message}\n")
    raise SystemExit(_stopped.exit_code) from None

if TYPE_CHECKING:
    from .model import ValidationResult

# --- Chinese for click/typer's own words -------------------------------------
# typer vendors a copy of click whose strings are hard-coded in English: the help text
# is translated after formatting, usage errors are rephrased from their classes in
# :func:`usage_message`.
_HELP_WORDS = (
    ("Usage: ", "用法："),
    ("Show this message and exit.", "显示本帮助并退出。"),
    ("Options:", "选项："),
    ("Arguments:", "参数："),
    ("Commands:", "命令："),
    ("[required]", "[必填]"),
    ("[default: ", "[默认："),
    ("[OPTIONS]", "[选项]"),
    ("COMMAND [ARGS]...", "命令 [参数]..."),
)
_ERROR_PATTERNS = (
    (r"No such option: (.+)", r"没有选项 \1"),
    (r"Missing argument '(.+)'\.?", r"缺少参数 \1"),
    (r"Missing option '(.+)'\.?", r"缺少选项 \1"),
    (r"Missing parameter: (.+)", r"缺少参数 \1"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", r"多余的参数：\1"),
    (r"Invalid value for (.+?): (.+)", r"\1 的值无效：\2"),
    (r"Option '(.+)' requires an argument\.?", r"选项 \1 后面需要写一个值"),
    (r"Missing command\.?", r"缺少命令"),
    (r"Option '(.+)' does not take a value\.?", r"选项 \1 后面不用写值（写 \1 即可，不要写 \1=…）"),
    (r"'(.*)' is not a valid integer(?: range)?\.?", r"“\1”不是整数"),
    (r"'(.*)' is not a valid float(?: range)?\.?", r"“\1”不是数字"),
    (r"'(.*)' is not a valid boolean\.?", r"“\1”应为 是/否（true/false）"),
    (r"'(.*)' is not one of (.+?)\.?", r"“\1”不在可选值 \2 之中"),
    (r"(?:File|Directory|Path) '(.+)' does not exist\.?", r"找不到 \1"),
    (r"(?:File|Directory|Path) '(.+)' is a directory\.?", r"\1 是文件夹，这里要写一个文件"),
    (r"(?:File|Directory|Path) '(.+)' is a file\.?", r"\1 是文件，这里要写一个文件夹"),
)

#: Chinese names that work as commands (``toolkit 校验``), shown in the help
COMMAND_ALIASES = {
    "初始化": "init", "新建工作区": "init", "生成模板": "templates", "模板": "templates", "校验": "validate",
    "检查": "validate", "汇总": "merge", "生成报告": "report", "报告": "report", "情况汇报": "report",
    "一键完成": "run", "演示": "demo", "控制台": "console", "下一期": "next-period", "状态": "status",
    "查看状态": "status", "导入历史": "import-history", "离线安装包": "bundle",
}


def _aliases_line() -> str:
    """The Chinese names in the help: the first name of each command."""
    first: dict[str, str] = {}
    for name, command in COMMAND_ALIASES.items():
        first.setdefault(command, name)
    return "命令也可以用中文（如 toolkit 校验）：" + "、".join(first.values()) + "。"


def _translate_help(text: str) -> str:
    for en, zh in _HELP_WORDS:
        text = text.replace(en, zh)
    return text


def _translate_error(message: str) -> str:
    import re

    for pattern, repl in _ERROR_PATTERNS:
        if re.fullmatch(pattern, message.strip(), flags=re.S):
            return re.sub(pattern, repl, message.strip(), flags=re.S)
    return message


def _closest(word: str, choices) -> str | None:
    import difflib

    choices = sorted(set(choices))
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if found:
        return found[0]
    starts = [c for c in choices if c.startswith(word) or word.startswith(c)]
    return starts[0] if len(starts) == 1 else None


def _hint(exc) -> str:
    """The parameter a usage error is about, as the user typed it (``--org``, ``目录``)."""
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        try:
            hint = exc.param.get_error_hint()
        except Exception:  # noqa: BLE001 - only for wording
            hint = getattr(exc.param, "name", "")
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "").replace("'", "").replace('"', "")


def usage_message(exc: BaseException) -> str:
    """A click/typer usage error in Chinese, with a suggestion where one helps."""
    kind = {cls.__name__ for cls in type(exc).__mro__}
    if "NoSuchOption" in kind:
        name = getattr(exc, "option_name", "")
        best = _closest(name, getattr(exc, "possibilities", None) or ())
        return f"没有选项 {name}" + (f"，您是不是要用 {best}？" if best else "")
    if "MissingParameter" in kind:
        what = {"option": "选项", "argument": "参数"}.get(getattr(exc, "param_type", None) or
                                                         getattr(getattr(exc, "param", None), "param_type_name", ""),
                                                         "参数")
        return f"缺少{what} {_hint(exc)}"
    if "BadParameter" in kind:
        return f"{_hint(exc)} 的值无效：{_translate_error(getattr(exc, 'message', str(exc)))}"
    return _translate_error(exc.format_message() if hasattr(exc, "format_message") else str(exc))


class _ChineseHelp:
    def format_help(self, ctx, formatter):
        super().format_help(ctx, formatter)  # type: ignore[misc]
        formatter.buffer[:] = [_translate_help(part) for part in formatter.buffer]


class _ChineseCommand(_ChineseHelp, typer.core.TyperCommand):
    pass


class _ChineseGroup(_ChineseHelp, typer.core.TyperGroup):
    def get_command(self, ctx, cmd_name):
        return super().get_command(ctx, COMMAND_ALIASES.get(cmd_name, cmd_name))

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            best = _closest(name, [*self.commands, *COMMAND_ALIASES])
            best = COMMAND_ALIASES.get(best, best) if best else None
            tip = f"，您是不是要用 toolkit {best}？" if best else "。可用的命令见 toolkit -h"
            raise typer._click.exceptions.UsageError(f"没有命令“{name}”{tip}", ctx)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="toolkit",
    cls=_ChineseGroup,
    help="“能力作风建设年”大走访大调研台账工具：生成标准模板、校验并汇总各单位报回的表格、生成情况汇报。",
    epilog="快速开始：toolkit demo 演示目录   ·   在工作区中：toolkit run 一键完成\n\n" + _aliases_line(),
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def escape(text: str) -> str:
    """Text from files and paths is printed literally: never as rich markup, and no control
    character of it reaches the terminal (an ESC sequence in a 填报单位 cell is shown as \\x1b)."""
    from rich.markup import escape as _escape

    from .exceptions import printable

    return _escape(printable(str(text)))


NOT_A_WORKSPACE = "这里不是工作区（找不到 toolkit.toml）。请进入工作区目录，或先运行 toolkit init <目录> 创建。"


def _workspace(path: Optional[Path], required: bool = True) -> Workspace | None:
    root = find_workspace(path) if path else find_workspace()
    if root is None:
        if required:
            raise NotAWorkspaceError(NOT_A_WORKSPACE)
        return None
    return load_workspace(root)


def _run(fn):
    """Run a command body; every failure becomes one Chinese message (:func:`toolkit.exceptions.describe`).

    Problems found in submissions are results, not failures: only what stops the
    command itself (configuration, paths, a locked output, a broken template, an
    unexpected error) ends up here. No traceback reaches the user.
    """
    try:
        return fn()
    except (typer.Exit, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - Ctrl+C included: one message, its exit status
        failure = describe(exc)
        sys.stderr.write(f"错误：{failure.message}\n")
        _SHOWN.append(failure)
        raise typer.Exit(failure.exit_code) from None


_SHOWN: list = []  # failures already written by _run (typer hands their exit status back to main)


def _progress_factory(console):
    """A rich progress bar once there are more than a handful of files."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    state: dict = {}

    def progress(done: int, total: int, name: str) -> None:
        if total < 8 or not console.is_terminal:
            return
        if "bar" not in state:
            bar = Progress(TextColumn("读取文件"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                           console=console, transient=True)
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("", total=total)
        state["bar"].update(state["task"], completed=done, description=escape(name[:40]))
        if done >= total:
            state["bar"].stop()

    return progress


class _Stages:
    """A spinner naming the step under way (校验, 写入汇总表, 生成情况汇报 …), with the time it has
    taken, for the steps of a command that can take more than a second. ``stage(name)`` is the
    api's "stage ``name`` has ended" callback; the spinner then names the step after it."""

    def __init__(self, console, labels: dict[str, str], first: str | None = None):
        self.console = console
        self.labels = labels
        self.live = None
        self.task = None
        if first:
            self.show(first)

    def show(self, label: str) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.close()
        if self.console is None or not self.console.is_terminal:  # nothing to animate in a file or a pipe
            return
        self.live = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                             console=self.console, transient=True)
        self.live.start()
        self.task = self.live.add_task(label, total=None)

    def __call__(self, name: str) -> None:
        label = self.labels.get(name)
        if label:
            self.show(label)
        elif name in self.labels:  # the last step ended
            self.close()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def __enter__(self) -> "_Stages":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: what the spinner names after each stage of the api has ended ("" : the last one, no spinner)
VALIDATE_STEPS = {"read": "校验各单位的表格……", "check": "生成退回修改文件……", "markup": ""}
MERGE_STEPS = {"markup": "汇总……", "merge": "写入汇总表……", "workbook": ""}


def _run_steps(pdf: bool) -> dict[str, str]:
    """The steps of ``api.run_workspace`` (toolkit run, demo, next-period)."""
    return {"read": "校验各单位的表格，生成退回修改文件……", "validate": "汇总……", "merge": "写入汇总表……",
            "workbook": "生成情况汇报" + ("，转换为 PDF……" if pdf else "……"), "report": ""}


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------

STATUS_STYLE = {FILE_OK: "green", FILE_HINTS: "yellow", FILE_ERRORS: "red", FILE_UNREADABLE: "red", FILE_SUPERSEDED: "dim"}
MAX_ISSUES_SHOWN = 15
MAX_FILES_LISTED = 40  # above this, the table lists only the files that are not 通过
COUNT_COLUMNS = (("读取", "rows_read"), ("通过", "rows_accepted"), ("退回", "rows_rejected"), ("错误", "errors"),
                 ("提示", "hints"))
HANG = 7  # a message's continuation lines start under its text: "  错误 " is seven columns


class _Out:
    """Lines for the terminal, wrapped by the toolkit (toolkit.text.wrap_cells) to the console's
    width, continuation lines indented under their text; one column is left free, so that a
    line as wide as a Windows console window does not make it add an empty line."""

    def __init__(self, console):
        self.console = console
        self.width = max(int(console.width or 80) - 1, 40)

    def para(self, text: str, *, indent: int = 0, hang: int | None = None, style: str = "",
             label: str = "", label_style: str = "") -> None:
        """``label`` (styled) then ``text``, starting ``indent`` columns in; the following lines
        ``hang`` columns in (default: under the text, after the label)."""
        from .text import cells, wrap_cells

        gap = "" if not label or label.endswith("：") else " "
        lead = indent + cells(label + gap)
        hang = lead if hang is None else hang
        lines = wrap_cells(str(text), self.width - hang, first=self.width - lead)
        for n, line in enumerate(lines):
            body = f"[{style}]{escape(line)}[/]" if style and line else escape(line)
            if n == 0:
                head = " " * indent + (f"[{label_style}]{escape(label)}[/]{gap}" if label_style and label else
                                       escape(label) + gap)
            else:
                head = " " * hang
            self.console.print(head + body, soft_wrap=True, highlight=False)

    def blank(self) -> None:
        self.console.print("")


def _shown_path(path: "str | Path", folder: bool = False) -> str:
    """A path as the user can find it: relative to the current folder when inside it."""
    import os

    p = Path(path)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve())
        text = str(rel) if str(rel) != "." else str(p)
    except (ValueError, OSError):
        text = str(p)
    return text + os.sep if folder and not text.endswith(os.sep) else text


def short_file_name(f, period_name: str = "") -> str:
    """A file as the table lists it under its unit: its path in the collection folder without what
    the unit column and the period already say (``体育产业科-大走访大调研台账-2022年第二季度.xlsx`` of
    体育产业科 is ``大走访大调研台账``); a name the toolkit did not make is kept."""
    from pathlib import PurePosixPath

    from .model import UNKNOWN_UNIT

    rel = PurePosixPath(f.rel)
    stem = rel.stem
    for part in (f.unit if f.unit != UNKNOWN_UNIT else "", period_name):
        if part and part in stem:
            stem = stem.replace(part, "-")
    import re

    stem = re.sub(r"[-_ ·]{2,}", "-", stem).strip("-_ ·")
    if not stem:
        stem = f.template_name or rel.stem
    if rel.suffix.lower() != ".xlsx":
        stem += rel.suffix
    parent = str(rel.parent)
    return stem if parent in ("", ".") else f"{parent}/{stem}"


def _file_rows(result: "ValidationResult", listed) -> list:
    """The listed files grouped by unit (configured order, then others), each unit's files by name."""
    from .model import UnitIndex

    index = UnitIndex(result.units)
    return sorted(listed, key=lambda f: (index.sort_key(index.display(f.unit, f.unit_code)), f.rel))


def print_validation(result: "ValidationResult", console=None) -> None:
    """The validation of a collection: one line per file (unit, file, status, counts), the issues of
    each file under its name, then 退回名单 and 催报名单 (toolkit.submission)."""
    from .model import UnitIndex
    from .text import cells, fit_cells

    console = console or _console()
    out = _Out(console)
    if not result.files:
        out.para(f"在 {_shown_path(result.root)} 中没有找到表格文件（.xlsx、.xlsm、.xls、.ods、.et）。"
                 "请把各单位报回的文件放进这个文件夹（可以有子文件夹）后重新运行。", style="yellow")
    period_name = result.period.name if result.period else ""
    index = UnitIndex(result.units)
    # With many files, the rows that need nobody's attention are summed up in one line.
    clean = [f for f in result.files if f.status == FILE_OK]
    listed = result.files if len(result.files) <= MAX_FILES_LISTED else [f for f in result.files if f.status != FILE_OK]
    rows = _file_rows(result, listed)
    t = result.totals()
    if result.files:
        numbers = [max(cells(h), len(str(t[key]))) for h, key in COUNT_COLUMNS]
        status_w = max(cells(s) for s in STATUS_STYLE)
        names = {id(f): index.display(f.unit, f.unit_code) for f in rows}
        files = {id(f): short_file_name(f, period_name) for f in rows}
        fixed = 2 + 2 + 2 + status_w + sum(1 + n for n in numbers)
        room = max(out.width - fixed, 16)
        want_unit = max([cells("单位")] + [cells(n) for n in names.values()])
        want_file = max([cells("文件")] + [cells(n) for n in files.values()])
        if want_unit + want_file <= room:
            unit_w, file_w = want_unit, want_file
        else:  # the unit keeps what the file names leave, at least two fifths of the room
            unit_w = min(want_unit, max(room - want_file, room * 2 // 5, 8))
            file_w = room - unit_w

        def line(unit: str, file: str, status: str, counts: list[str], style: str = "", status_style: str = "") -> str:
            unit_text = fit_cells(unit, unit_w)
            file_text = fit_cells(file, file_w)
            text = ("  " + escape(unit_text) + " " * (unit_w - cells(unit_text) + 2)
                    + escape(file_text) + " " * (file_w - cells(file_text) + 2))
            shown = f"[{status_style}]{escape(status)}[/]" if status_style else escape(status)
            text += shown + " " * (status_w - cells(status))
            text += "".join(" " + " " * (n - cells(c)) + c for c, n in zip(counts, numbers))
            return f"[{style}]{text}[/]" if style else text

        console.print(f"[bold]校验结果[/]（{len(result.files)} 个文件）", highlight=False)
        console.print(line("单位", "文件", "状态", [h for h, _ in COUNT_COLUMNS], style="bold"), highlight=False)
        previous = None
        for f in rows:
            unit = names[id(f)]
            console.print(line(unit if unit != previous else "", files[id(f)], f.status,
                               [str(getattr(f, key)) for _, key in COUNT_COLUMNS],
                               status_style=STATUS_STYLE.get(f.status, "")), highlight=False)
            previous = unit
        console.print(line("合计", "", "", [str(t[key]) for _, key in COUNT_COLUMNS], style="bold"), highlight=False)
        if len(listed) < len(result.files):
            out.para(f"另有 {len(clean)} 个文件全部通过（共 {sum(f.rows_read for f in clean)} 行），"
                     "表中未逐一列出，合计已包含。", style="green")
        if t["rows_skipped"]:
            out.para(f"另有 {t['rows_skipped']} 行是空行、合计行等，已跳过（不算在读取行数中）。")
        if t["rows_superseded"]:
            out.para(f"另有 {t['rows_superseded']} 行属于被新文件替代的旧文件，未汇总（见“已被替代”的文件）。")
    for rel, reason in result.ignored:
        out.para(f"已忽略 {rel}：{reason}", style="dim", hang=2)
    print_issues(result, console)
    print_submission(result, console)


def print_issues(result: "ValidationResult", console=None) -> None:
    """Each file's 错误 and 提示 under its name (never repeated in its lines), and its 退回修改 file."""
    from .errors import within_file
    from .model import UnitIndex

    console = console or _console()
    out = _Out(console)
    index = UnitIndex(result.units)
    for f in _file_rows(result, result.files):
        problems = [i for i in f.issues if i.severity == "错误"] + [i for i in f.issues if i.severity == "提示"]
        if not problems:
            continue
        out.blank()
        out.para(f"{index.display(f.unit, f.unit_code)}：{f.rel}", style="bold", hang=2)
        for issue in problems[:MAX_ISSUES_SHOWN]:
            colour = "red" if issue.severity == "错误" else "yellow"
            out.para(within_file(issue), indent=2, label=issue.severity, label_style=colour, hang=HANG)
        if len(problems) > MAX_ISSUES_SHOWN:
            out.para(f"…… 另有 {len(problems) - MAX_ISSUES_SHOWN} 条，详见退回修改文件或 --json 输出。", indent=2,
                     hang=HANG)
        if f.markup_path:
            out.para(f"已生成退回修改文件：{Path(f.markup_path).name}", indent=2, hang=HANG, style="green")


def print_submission(result: "ValidationResult", console=None) -> None:
    """退回名单 and 催报名单 of ``result`` (toolkit.submission decides them)."""
    from .submission import MISSING, submission_status

    if not result.units:
        return
    console = console or _console()
    out = _Out(console)
    sub = submission_status(result)
    for title, units, files in (("退回名单（报来的文件有错误或无法使用，需修改后重新报送）", sub.returns, "returned"),
                                ("待核查（本机无法使用的文件，不是报送单位的问题，不必退回）", sub.pending, "pending")):
        if units:
            out.blank()
            console.print(f"[bold]{title}：[/]", highlight=False)
            for unit in units:
                for r in getattr(unit, files):
                    out.para(f"{unit.name}：{r.file}（{r.reason}）", indent=2, hang=4)
    if sub.chase:
        names = [u.name if u.status == MISSING else f"{u.name}（缺{'、'.join(u.missing_templates)}）" for u in sub.chase]
        out.blank()
        out.para("催报名单（尚未报送）：" + "、".join(names), hang=2)


def next_steps(result: "ValidationResult", *, command: str, inbox: "Path | None" = None,
               returns: "Path | None" = None, output: "Path | None" = None,
               templates: "Path | None" = None) -> list[str]:
    """What to do after ``command`` (validate, merge, run): who gets which file back, who is chased,
    where the answers go and what to run then. Who is returned and chased is toolkit.submission's
    answer (``submission_status``); this only words it."""
    from .submission import MISSING, submission_status

    inbox_text = _shown_path(inbox, folder=True) if inbox else "收集目录"
    if not result.files:
        where = f"（各单位的模板在 {_shown_path(templates, folder=True)}）" if templates else ""
        return [f"把各单位报回的文件放进 {inbox_text}{where}，再运行 toolkit validate。"]
    sub = submission_status(result)
    steps: list[str] = []
    marked = [(u, r) for u in sub.returns for r in u.returned if r.markup]
    if marked:
        units = list(dict.fromkeys(u.name for u, _ in marked))
        folder = _shown_path(returns, folder=True) if returns else "退回修改文件夹"
        steps.append(f"把 {folder} 中的 {len(marked)} 个文件发回 {_names(units, '退回名单')}，"
                     "请按标出的问题改正后重新报送")
    elif not result.units and any(f.markup_path for f in result.files):
        n = sum(1 for f in result.files if f.markup_path)
        folder = _shown_path(returns, folder=True) if returns else "退回修改文件夹"
        steps.append(f"把 {folder} 中的 {n} 个文件发回报送单位，请按标出的问题改正后重新报送")
    unusable = [(u, r) for u in sub.returns for r in u.returned if not r.markup]
    if unusable:
        units = list(dict.fromkeys(u.name for u, _ in unusable))
        steps.append(f"请 {_names(units, '退回名单')} 重新报送无法使用的文件（原因见上方退回名单）")
    held = [r for u in sub.pending for r in u.pending]
    if held:
        steps.append(f"处理本机无法使用的 {len(held)} 个文件（见上方“待核查”，不必退回）：无权读取的检查文件和收集文件夹的权限，"
                     "程序出错的把文件和提示发给维护人员")
    if returns is None and any(f.errors and not f.markup_path for f in result.files if f.status != FILE_UNREADABLE):
        steps.append("需要退回修改文件时，加上 --returns 目录 重新运行 toolkit validate")
    if sub.chase:
        names = [u.name if u.status == MISSING else f"{u.name}（缺{'、'.join(u.missing_templates)}）" for u in sub.chase]
        steps.append("催报 " + _names(names, "催报名单"))
    if sub.unknown_units:
        which = "这些单位" if len(sub.unknown_units) > 1 else "该单位"
        steps.append(f"核对 {_names(sub.unknown_units, '上方提示')} 的文件：{which}不在单位名单中，如是本期应报单位，"
                     "请在 toolkit.toml 中补充（或给名单中的单位加别名 aliases）")
    if sub.unidentified_files:
        steps.append(f"核对 {len(sub.unidentified_files)} 个认不出填报单位的文件（见上方“未识别填报单位”的提示）")
    again = {"run": "toolkit run", "merge": "toolkit merge"}.get(command, "toolkit validate")
    if steps:
        steps.append(f"收到后放进 {inbox_text}，再运行 {again}"
                     + ("（汇总表和情况汇报按收齐的文件重新生成）" if command in ("run", "merge") else ""))
        return [step + ("。" if n == len(steps) - 1 else "；") for n, step in enumerate(steps)]
    hints = sum(1 for f in result.files if f.status == FILE_HINTS)
    note = f"{hints} 个文件有提示（已照常汇总），可请相关单位核实；" if hints else ""
    if command == "validate":
        done = "各单位都已报送，没有需要退回的文件" if result.units else "没有需要退回的文件"
        return [f"{done}：{note}运行 toolkit run 生成汇总表和情况汇报。"]
    if command == "merge":
        return [f"{note}运行 toolkit report 生成情况汇报。"]
    folder = _shown_path(output, folder=True) if output else "汇总输出文件夹"
    return [f"{note}审核 {folder} 中的汇总表和情况汇报后报送；本期结束时运行 toolkit next-period 开始下一期。"]


def _names(names: list[str], where: str, most: int = 5) -> str:
    """Up to ``most`` names; more are counted and found in the list ``where`` printed above."""
    if len(names) <= most:
        return "、".join(names)
    return f"{'、'.join(names[:3])} 等 {len(names)} 个单位（见{where}）"


def print_next_steps(result: "ValidationResult", console=None, **where) -> None:
    """The closing 下一步 block (:func:`next_steps`): one line, or a numbered list."""
    console = console or _console()
    out = _Out(console)
    out.blank()
    steps = next_steps(result, **where)
    if len(steps) == 1:
        out.para(steps[0], label="下一步：", label_style="bold", hang=2)
        return
    console.print("[bold]下一步：[/]", highlight=False)
    for n, step in enumerate(steps, start=1):
        out.para(step, indent=2, label=f"{n}.", hang=5)


def _write_json(target: str, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if target == "-":
        sys.stdout.write(text + "\n")
    else:
        from .io import write_text_atomic

        write_text_atomic(Path(target), text + "\n")


def _collection_args(folder: Optional[Path], ws: Workspace | None) -> tuple[Path, dict]:
    if folder is None:
        if ws is None:
            raise NotAWorkspaceError("请指定收集目录，例如：toolkit validate 收集文件；或在工作区中运行。")
        return ws.inbox, dict(period=ws.period, as_of=ws.reference_date(), units=ws.units)
    if ws is not None:
        return folder, dict(period=ws.period, as_of=ws.reference_date(), units=ws.units)
    return folder, {}


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


@app.command("init", cls=_ChineseCommand)
def init_cmd(
    directory: Path = typer.Argument(..., metavar="目录", help="新工作区的目录（不存在会自动创建）"),
    org: str = typer.Option(..., "--org", metavar="单位名称", help="本单位名称，如 “XX市XX局”"),
    period: str = typer.Option(..., "--period", metavar="统计期",
                               help="统计期：2022Q1、2022-03、2022H1 或 2022，也可以写 2022年第一季度、2022年3月、2022年上半年"),
    report_date: Optional[str] = typer.Option(None, "--report-date", metavar="日期", help="成文日期，如 2022-04-29"),
) -> None:
    """创建工作区：toolkit.toml 配置文件和各文件夹，并放入控制台和启动脚本。"""
    from . import api
    from .config import init_workspace

    def go():
        rd = _parse_cli_date(report_date, "--report-date") if report_date else None
        ws = init_workspace(directory, org, period, report_date=rd)
        extras = api.install_front_ends(ws)
        c = _console()
        c.print(f"[green]已创建工作区[/] {escape(str(ws.root))}")
        c.print(f"  配置文件：{escape(str(ws.config_path))}（用记事本修改单位名单、报告抬头等）")
        for name in ws.folders:
            c.print(f"  文件夹：{escape(str(ws.folder(name)))}")
        for p in extras:
            c.print(f"  {escape(str(p.name))}：{escape(str(p))}")
        c.print("下一步：修改 toolkit.toml 中的单位名单后，运行 toolkit templates 生成各单位的模板。")

    _run(go)


def _parse_cli_date(text: str, option: str) -> date:
    from .config import parse_date_text

    value = parse_date_text(text)
    if value is None:
        raise ConfigError(f"{option} 的日期“{text}”无法识别，应写成 2022-04-29。")
    return value


@app.command("templates", cls=_ChineseCommand)
def templates_cmd(
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="目录", help="输出目录（不在工作区时必填）"),
) -> None:
    """生成标准模板：空白模板，以及（在工作区中）每个单位一份已填好单位名称的模板。"""
    from . import api

    def go():
        ws = _workspace(None, required=False)
        removed: list[Path] = []
        paths = api.make_templates(ws, out, removed=removed)
        c = _console()
        out_ = _Out(c)
        c.print(f"[green]已生成 {len(paths)} 个模板文件[/]：", highlight=False)
        for p in paths:
            out_.para(_shown_path(p), indent=2, hang=4)
        if removed:
            out_.para("已删除不在单位名单中的单位的旧模板（单位已改名或删除），以免误发：" + "、".join(p.name for p in removed),
                      label="提示：", label_style="yellow", hang=2)

    _run(go)


@app.command("validate", cls=_ChineseCommand)
def validate_cmd(
    folder: Optional[Path] = typer.Argument(None, metavar="收集目录", help="收集目录（在工作区中默认为其收集文件夹）"),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="路径或-", help="把校验结果写成 JSON：文件路径，或 - 表示输出到屏幕"),
    returns: Optional[Path] = typer.Option(None, "--returns", metavar="目录", help="退回修改文件的输出目录（工作区中默认为其退回修改文件夹）"),
    period: Optional[str] = typer.Option(None, "--period", metavar="统计期",
                                         help="处理已记录的较早统计期（如补收上期的文件：--period 2022Q1 或 --period 一季度）；默认当前统计期"),
) -> None:
    """校验各单位报回的表格：逐文件、逐行、逐列列出问题，并为有错误的文件生成退回修改文件。"""
    from . import api
    from .validate import result_to_json

    def go():
        ws = _workspace(folder or None, required=folder is None or period is not None)
        ws = api.workspace_for(ws, period) if ws is not None else None
        src, kwargs = _collection_args(folder, ws)
        markup = returns or (ws.returns_dir if ws else None)
        quiet = json_out == "-"
        console = _console() if not quiet else None
        progress = _progress_factory(console) if console else None
        carried = api.carried_into(ws) if ws is not None and folder is None else None
        with _Stages(console, VALIDATE_STEPS) as stages:
            result = api.validate_collection(src, markup_dir=markup, progress=progress, carried=carried,
                                             stage=stages, **kwargs)
        if json_out:
            _write_json(json_out, result_to_json(result))
        if not quiet:
            print_validation(result, console)
            print_next_steps(result, console, command="validate", inbox=src, returns=markup,
                             templates=ws.templates_dir if ws else None)

    _run(go)


@app.command("merge", cls=_ChineseCommand)
def merge_cmd(
    folder: Optional[Path] = typer.Argument(None, metavar="收集目录", help="收集目录（在工作区中默认为其收集文件夹）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="目录", help="输出目录（工作区中默认为其汇总输出文件夹）"),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="路径或-", help="把校验结果写成 JSON：文件路径，或 - 表示输出到屏幕"),
    period: Optional[str] = typer.Option(None, "--period", metavar="统计期",
                                         help="处理已记录的较早统计期（如补收上期的文件：--period 2022Q1 或 --period 一季度）；默认当前统计期"),
) -> None:
    """校验并汇总：生成 汇总表.xlsx 和 汇总数据.json。"""
    from . import api
    from .validate import result_to_json

    def go():
        ws = _workspace(folder or None, required=folder is None or out is None or period is not None)
        ws = api.workspace_for(ws, period) if ws is not None else None
        earlier = ws is not None and api.is_recorded(ws) and period is not None
        src, kwargs = _collection_args(folder, ws)
        target = out or ws.output_dir
        quiet = json_out == "-"
        console = _console() if not quiet else None
        own = ws is not None and folder is None and out is None  # the workspace's own period: its history
        carried = api.carried_into(ws) if own else None
        with _Stages(console, {**VALIDATE_STEPS, **MERGE_STEPS}) as stages:
            result = api.validate_collection(src, markup_dir=ws.returns_dir if ws else None,
                                             progress=_progress_factory(console) if console else None,
                                             carried=carried, stage=stages, **kwargs)
            merged = api.merge_result(result, target, ws, carried=carried, record=own and earlier, stage=stages)
        if json_out:
            _write_json(json_out, result_to_json(result))
        if not quiet:
            print_validation(result, console)
            print_merge(merged, console)
            if own and earlier:
                print_rerecorded(ws, console)
            print_next_steps(result, console, command="merge", inbox=src, returns=ws.returns_dir if ws else None,
                             output=target, templates=ws.templates_dir if ws else None)

    _run(go)


def _files_line(out: "_Out", verb: str, paths: list) -> None:
    """``已写入 汇总输出/：汇总表.xlsx、汇总数据.json`` — files of one folder on one line."""
    by_folder: dict[Path, list[str]] = {}
    for path in paths:
        by_folder.setdefault(Path(path).parent, []).append(Path(path).name)
    for folder, names in by_folder.items():
        out.para(f"{_shown_path(folder, folder=True)}：{'、'.join(names)}", label=verb, label_style="green", hang=2)


def print_merge(merged, console=None) -> None:
    console = console or _console()
    out = _Out(console)
    f = merged.figures
    v, p, t = f.get("visits", {}), f.get("problems", {}), f.get("tasks", {})
    from .report.numbers import fmt_rate

    out.blank()
    out.para(f"走访 {v.get('count', 0)} 次、参与 {v.get('participants', 0)} 人次；"
             f"问题 {p.get('count', 0)} 个，办结 {p.get('closed', 0)} 个，办结率 {fmt_rate(p.get('closure_rate'))}；"
             f"任务 {t.get('count', 0)} 项，已完成 {t.get('completed', 0)} 项。", label="汇总：", label_style="bold",
             hang=2)
    _files_line(out, "已写入", [merged.workbook, merged.figures_path])


def print_checks(checks: list[dict], console=None) -> None:
    """The pre-flight checks of a report (toolkit.report.preflight), 警告 first."""
    console = console or _console()
    out = _Out(console)
    for check in sorted(checks, key=lambda c: c["level"] != "警告"):
        colour = "red" if check["level"] == "警告" else "yellow"
        out.para(check["message"], label=f"{check['level']}：", label_style=colour, hang=2)


def print_report(outcome, console=None) -> None:
    console = console or _console()
    out = _Out(console)
    if getattr(outcome, "checks", None):
        out.blank()
        console.print("[bold]报告检查[/]（印发前请看一看）：", highlight=False)
        print_checks(outcome.checks, console)
    paths = [outcome.docx] + ([outcome.appendix] if outcome.appendix else [])
    if outcome.pdf:
        paths.append(outcome.pdf)
        if outcome.appendix and outcome.appendix.with_suffix(".pdf").exists():
            paths.append(outcome.appendix.with_suffix(".pdf"))
    _files_line(out, "已生成", paths)
    for note in outcome.notes:
        out.para(note, label="提示：", label_style="yellow", hang=2)


def lint_report(path: Path | None) -> None:
    """``toolkit report --check``: the findings of report.lint, or that the report is clean."""
    from . import api
    from .report.lint import lint

    if path is None:
        path = api.default_report_path(_workspace(None))
    if not Path(path).is_file():
        raise ConfigError(f"找不到报告 {path}。请先生成报告（toolkit report 或 toolkit run），或写出要检查的 .docx 文件。")
    findings = lint(path)
    out = _Out(_console())
    if not findings:
        out.para(f"{_shown_path(path)} 符合公文格式（GB/T 9704-2012）和行文规则。", label="检查通过：",
                 label_style="green", hang=2)
        return
    out.para(f"有 {len(findings)} 处需要修改：{_shown_path(path)}", style="yellow", hang=2)
    for f in findings:
        out.para(f.message + (f"（{f.where}）" if f.where else ""), indent=2, hang=4)


@app.command("report", cls=_ChineseCommand)
def report_cmd(
    data: Optional[Path] = typer.Option(None, "--data", metavar="汇总数据.json", help="汇总数据.json（工作区中默认为最近一次汇总）"),
    template: Optional[Path] = typer.Option(None, "--template", metavar="模板.docx", help="自定义 Word 模板（默认用内置的情况汇报模板）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="报告.docx", help="报告文件，如 报告.docx"),
    pdf: bool = typer.Option(False, "--pdf", help="同时转换为 PDF（需要 LibreOffice）"),
    period: Optional[str] = typer.Option(None, "--period", metavar="统计期",
                                         help="已记录的较早统计期（如补收上期的文件：--period 2022Q1 或 --period 一季度），"
                                              "或由已记录各期组成的年度、半年（全年总结：--period 2022）；默认当前统计期"),
    check: bool = typer.Option(False, "--check",
                               help="只检查报告是否符合公文格式和行文规则（检查 --out 指定的报告，默认本期的报告），不生成报告"),
) -> None:
    """生成情况汇报（Word），数字取自汇总数据。"""
    from . import api

    def go():
        if check:
            lint_report(out)
            return
        base = _workspace(None, required=data is None or out is None or period is not None)
        ws = api.workspace_for(base, period) if base is not None else None
        figures = data or (api.period_figures(base, period) if period else None) or ws.output_dir / api.FIGURES_NAME
        target = out or api.default_report_path(ws)
        console = _console()
        with _Stages(console, {}, first="生成情况汇报" + ("，转换为 PDF……" if pdf else "……")):
            outcome = api.make_report(figures, target, ws=ws, template=template, pdf=pdf)
        print_report(outcome, console)

    _run(go)


@app.command("run", cls=_ChineseCommand)
def run_cmd(
    pdf: bool = typer.Option(False, "--pdf", help="同时把报告转换为 PDF（需要 LibreOffice）"),
    period: Optional[str] = typer.Option(None, "--period", metavar="统计期",
                                         help="处理已记录的较早统计期（如补收上期的文件：--period 2022Q1 或 --period 一季度）；默认当前统计期"),
) -> None:
    """一键完成：在工作区中依次校验、汇总、生成报告。"""
    from . import api

    def go():
        ws = api.workspace_for(_workspace(None), period)
        earlier = period is not None and api.is_recorded(ws)
        console = _console()
        with _Stages(console, _run_steps(pdf)) as stages:
            result, merged, report = api.run_workspace(ws, pdf=pdf, progress=_progress_factory(console),
                                                       record=earlier, stage=stages)
        print_validation(result, console)
        print_merge(merged, console)
        print_report(report, console)
        if earlier:
            print_rerecorded(ws, console)
        print_next_steps(result, console, command="run", inbox=ws.inbox, returns=ws.returns_dir, output=ws.output_dir,
                         templates=ws.templates_dir)

    _run(go)


def print_rerecorded(ws: Workspace, console=None) -> None:
    """What re-recording an earlier period changes (and what it does not)."""
    from .config import load_workspace

    console = console or _console()
    current = load_workspace(ws.root).period
    console.print(f"\n已按本次结果重新记录{escape(ws.period.name)}的台账。")
    if current.code != ws.period.code:
        console.print(f"[yellow]提示[/]：当前统计期{escape(current.name)}的下发模板是在此之前生成的，不含这次的更新；"
                      f"校验{escape(current.name)}的报送时已按更新后的记录核对。如需让各单位看到更新后的内容，"
                      "请运行 toolkit templates 重新生成模板（已下发、已报回的文件照常可用）。")


@app.command("next-period", cls=_ChineseCommand)
def next_period_cmd(
    period: Optional[str] = typer.Option(None, "--period", metavar="统计期",
                                         help="切换到的统计期（如 2022Q3、2022年第三季度）；默认同类型的下一期（下个月、下季度……）"),
) -> None:
    """结束本期、开始下一期：记录本期台账，切换统计期，生成已列出上期未销号问题、未完成任务的新模板。"""
    from . import api

    def go():
        ws = _workspace(None)
        console = _console()
        outcome = api.next_period(ws, period, progress=_progress_factory(console))
        if not outcome.changed:
            for note in outcome.notes:
                console.print(escape(note))
            return
        if outcome.merged:
            console.print(f"收集文件夹中有比上次汇总更新的文件，已重新校验、汇总{escape(outcome.previous.name)}。")
        console.print(f"[green]已记录[/] {escape(outcome.previous.name)}的台账（历史记录：{escape(str(ws.store_path))}）。")
        console.print(f"[green]当前统计期已切换为[/] {escape(outcome.period.name)}。")
        new = api.workspace_for(_workspace(None), None)
        out = _Out(console)
        out.para(f"结转未销号的问题 {outcome.carried.get('problems', 0)} 个、未完成的任务 "
                 f"{outcome.carried.get('tasks', 0)} 项，已列入各单位的新模板。", indent=2, hang=4)
        for name in ("templates", "inbox", "output", "returns"):
            out.para(f"文件夹：{_shown_path(new.folder(name), folder=True)}", indent=2, hang=4)
        for note in outcome.notes:
            out.para(note, label="提示：", label_style="yellow", hang=2)
        out.blank()
        out.para(f"把 {_shown_path(new.templates_dir, folder=True)} 中各单位的模板发给各单位；收到报回的文件后放进 "
                 f"{_shown_path(new.inbox, folder=True)}，再运行 toolkit validate。", label="下一步：",
                 label_style="bold", hang=2)

    _run(go)


@app.command("import-history", cls=_ChineseCommand)
def import_history_cmd(
    summary: Path = typer.Argument(..., metavar="汇总表.xlsx", help="toolkit 以前生成的汇总表"),
    period: str = typer.Option(..., "--period", metavar="统计期", help="该汇总表的统计期，如 2022Q1 或 2022年第一季度"),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="日期", help="该期的统计截止日（默认为该期最后一天）"),
) -> None:
    """导入以前的汇总表：把本功能启用前各期的台账记入历史记录，未销号的问题、未完成的任务结转到以后各期。"""
    from . import api

    def go():
        ws = _workspace(None)
        outcome = api.import_history(ws, summary, period, as_of=_parse_cli_date(as_of, "--as-of") if as_of else None)
        c = _console()
        rows = outcome.rows
        c.print(f"[green]已导入[/] {escape(outcome.period.name)}：走访记录 {rows.get('visits', 0)} 行、问题 "
                f"{rows.get('problems', 0)} 个、任务 {rows.get('tasks', 0)} 项（历史记录：{escape(str(ws.store_path))}）。")
        for reason in outcome.skipped[:20]:
            c.print(f"  [yellow]未导入[/] {escape(reason)}")
        if len(outcome.skipped) > 20:
            c.print(f"  …… 另有 {len(outcome.skipped) - 20} 行未导入。")
        c.print(f"其中未销号的问题 {outcome.carried.get('problems', 0)} 个、未完成的任务 {outcome.carried.get('tasks', 0)} 项"
                f"结转到以后各期。\n下一步：运行 toolkit templates，重新生成本期（{escape(ws.period.name)}）各单位的模板，"
                "模板中会列出这些未销号的问题和未完成的任务。")

    _run(go)


@app.command("status", cls=_ChineseCommand)
def status_cmd(
    json_out: Optional[str] = typer.Option(None, "--json", metavar="路径或-", help="把状态写成 JSON：文件路径，或 - 表示输出到屏幕"),
) -> None:
    """查看工作区状态：当前统计期、各文件夹、收到的文件、报送情况和已记录的各期。"""
    from . import api
    from .report.numbers import fmt_rate

    def go():
        ws = _workspace(None)
        quiet = json_out == "-"
        data = api.status(ws)
        if json_out:
            _write_json(json_out, data)
        if quiet:
            return
        c = _console()
        p = data["period"]
        c.print(f"[bold]当前统计期[/]：{escape(p['name'])}（{p['start']} 至 {p['end']}，统计截止日 {p['as_of']}）"
                + ("，已记录" if p["recorded"] else ""))
        labels = {"templates": "下发模板", "inbox": "收集文件", "output": "汇总输出", "returns": "退回修改"}
        for key, label in labels.items():
            c.print(f"  {label}：{escape(data['folders'][key])}")
        c.print(f"收集文件夹中有 {data['inbox_files']} 个表格文件；单位名单 {data['units']} 个单位。")
        sub = data["submission"]
        if sub is not None:
            counts = "，".join(f"{state} {n} 个" for state, n in sub["counts"].items() if n)
            c.print(f"  报送情况：{counts or '—'}（已报来文件的 {len(sub['submitted'])} 个单位）")
            if sub["returned"]:
                c.print("  需退回修改：" + escape("、".join(u["name"] for u in sub["returned"])))
            if sub["pending"]:
                c.print("  待核查（本机无法使用的文件，不必退回）：" + escape("、".join(u["name"] for u in sub["pending"])))
            if sub["chased"]:
                c.print("  催报：" + escape("、".join(
                    u["name"] if u["status"] == "未报送" else f"{u['name']}（缺{'、'.join(u['templates'])}）"
                    for u in sub["chased"])))
        if data["recorded"]:
            c.print(f"\n[bold]已记录的统计期[/]（{escape(data['history'])}）：")
            for r in data["recorded"]:
                h = r["headline"]
                v, pr, t = h.get("visits", {}), h.get("problems", {}), h.get("tasks", {})
                c.print(f"  {escape(r['name'])}：走访 {v.get('count', 0)} 次，问题 {pr.get('count', 0)} 个"
                        f"（办结率 {fmt_rate(pr.get('closure_rate'))}），任务 {t.get('count', 0)} 项"
                        f"（已完成 {t.get('completed', 0)} 项）")
        else:
            c.print("\n还没有记录过统计期：一期工作完成后运行 toolkit next-period，记录本期并开始下一期。")

    _run(go)


@app.command("demo", cls=_ChineseCommand)
def demo_cmd(
    directory: Path = typer.Argument(Path("演示工作区"), metavar="目录", help="演示工作区目录（默认：./演示工作区）"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="报告是否同时转换为 PDF（需要 LibreOffice）"),
) -> None:
    """演示：创建一个虚构单位的工作区和各科室报回的表格，并一键完成校验、汇总、报告。"""
    from .demo import create_demo

    def go():
        from . import api

        console = _console()
        console.print("正在创建演示工作区（两个统计期，约需十几秒）……")
        ws = create_demo(directory)
        out = _Out(console)
        out.para(f"已创建演示工作区 {_shown_path(ws.root, folder=True)}（{ws.org}，{len(ws.units)} 个单位）", style="green")
        for record in api.status_periods(ws):
            out.para(f"{record.name}：已汇总并记录（toolkit next-period），文件在 "
                     f"{_shown_path(ws.root / record.folder, folder=True)}", indent=2, hang=4)
        out.para(f"当前统计期 {ws.period.name}：各单位报回了已列出上期未销号问题、未完成任务的模板，下面校验、汇总、"
                 "生成报告。", indent=2, hang=4)

        with _Stages(console, _run_steps(pdf)) as stages:
            result, merged, report = api.run_workspace(ws, pdf=pdf, stage=stages)
        print_validation(result, console)
        print_merge(merged, console)
        print_report(report, console)
        out.blank()
        out.para(f"退回修改文件在 {_shown_path(ws.returns_dir, folder=True)}；控制台（Excel 按钮）："
                 f"{_shown_path(ws.root / '控制台.xlsm')}", hang=2)
        print_next_steps(result, console, command="run", inbox=ws.inbox, returns=ws.returns_dir, output=ws.output_dir,
                         templates=ws.templates_dir)

    _run(go)


@app.command("console", cls=_ChineseCommand)
def console_cmd() -> None:
    """在工作区中重新生成 控制台.xlsm（Excel 按钮）和启动脚本（.bat、.sh，Linux 上还有 .desktop）。"""
    from . import api

    def go():
        ws = _workspace(None)
        for p in api.install_front_ends(ws):
            _console().print(f"[green]已生成[/] {escape(str(p))}")

    _run(go)


@app.command("bundle", cls=_ChineseCommand)
def bundle_cmd(
    directory: Path = typer.Argument(..., metavar="目录", help="安装包文件夹（新建；已有的安装包会被替换）"),
    platform: Optional[str] = typer.Option(None, "--platform", metavar="平台",
                                           help="目标电脑：win_amd64、win32、manylinux_x86_64 或 manylinux_aarch64（默认：本机）"),
    python: Optional[str] = typer.Option(None, "--python", metavar="版本", help="目标电脑的 Python 版本，如 3.11（默认：本机的）"),
) -> None:
    """生成离线安装包：toolkit 和它用到的全部软件包，以及安装脚本和安装说明，拷到没有网络的电脑上双击安装。"""
    from . import api

    def go():
        c = _console()
        bundle = api.make_bundle(directory, platform=platform, python=python,
                                 progress=lambda message: c.print(f"[dim]{escape(message)}[/]"))
        c.print(f"[green]已生成离线安装包[/] {escape(str(bundle.folder))}（{bundle.platform}，Python {bundle.python}，"
                f"{len(bundle.wheels)} 个安装包，共 {bundle.size / 1e6:.0f} MB）")
        c.print(f"  安装：在目标电脑上运行 {escape(bundle.installer.name)}；说明见 {escape(bundle.readme.name)}")

    _run(go)


def _version_callback(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"toolkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="显示版本并退出。"),
) -> None:
    """“能力作风建设年”大走访大调研台账工具。"""


def _is_usage_error(exc: BaseException) -> bool:
    """click's UsageError family (typer vendors its own click; match by class name)."""
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``toolkit`` command; usage errors are explained in Chinese."""
    import signal

    from .runtime import freeze_gc_at_exit

    try:  # from here on Ctrl+C is a KeyboardInterrupt, answered below (toolkit/__init__ answered it until now)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    freeze_gc_at_exit()  # no garbage-collector walk over every object at exit
    _SHOWN.clear()
    try:
        code = app(args=argv, prog_name="toolkit", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        failure = describe(KeyboardInterrupt())
        sys.stderr.write(f"错误：{failure.message}\n")
        sys.exit(failure.exit_code)
    except Exception as exc:
        if not _is_usage_error(exc):
            failure = describe(exc)
            sys.stderr.write(f"错误：{failure.message}\n")
            sys.exit(failure.exit_code)
        ctx = getattr(exc, "ctx", None)
        cmd = ctx.command_path if ctx else "toolkit"
        message = usage_message(exc).rstrip("。？") + ("？" if usage_message(exc).endswith("？") else "。")
        sys.stderr.write(f"错误：{message}\n运行 {cmd} -h 查看用法。\n")
        sys.exit(2)
    if isinstance(code, int) and code:
        interrupted = describe(KeyboardInterrupt())
        if code == interrupted.exit_code and not _SHOWN:  # typer turned a Ctrl+C before the command into 130
            sys.stderr.write(f"错误：{interrupted.message}\n")
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
