"""The ``toolkit`` command: a thin skin over :mod:`toolkit.api`.

Every command resolves the workspace (the nearest folder holding toolkit.toml,
or the one given), calls one api function and prints what happened in Chinese.
Exit status is non-zero only when the command itself could not run (bad
configuration, missing folder, locked output); problems found in submissions
are results, not failures.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from .config import ConfigError, Workspace, find_workspace, load_workspace
from .io import OutputLockedError

if TYPE_CHECKING:
    from .model import ValidationResult

# --- Chinese for click/typer's own words -------------------------------------
# typer vendors a copy of click whose strings are hard-coded in English; the help
# text is translated after formatting and usage errors are reworded in main().
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
    (r"No such command '(.+)'\.?", r"没有命令“\1”"),
    (r"Missing argument '(.+)'\.?", r"缺少参数 \1"),
    (r"Missing option '(.+)'\.?", r"缺少选项 \1"),
    (r"Missing parameter: (.+)", r"缺少参数 \1"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
    (r"Invalid value for (.+?): (.+)", r"\1 的值无效：\2"),
    (r"Option '(.+)' requires an argument\.?", r"选项 \1 后面需要写一个值"),
    (r"Missing command\.?", r"缺少命令"),
)


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


class _ChineseHelp:
    def format_help(self, ctx, formatter):
        super().format_help(ctx, formatter)  # type: ignore[misc]
        formatter.buffer[:] = [_translate_help(part) for part in formatter.buffer]


class _ChineseCommand(_ChineseHelp, typer.core.TyperCommand):
    pass


class _ChineseGroup(_ChineseHelp, typer.core.TyperGroup):
    pass


app = typer.Typer(
    name="toolkit",
    cls=_ChineseGroup,
    help="“能力作风建设年”大走访大调研台账工具：生成标准模板、校验并汇总各单位报回的表格、生成情况汇报。",
    epilog="快速开始：toolkit demo 演示目录   ·   在工作区中：toolkit run 一键完成",
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
    """Text from files and paths is printed literally, never as rich markup."""
    from rich.markup import escape as _escape

    return _escape(str(text))


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"错误：{message}\n")
    raise typer.Exit(code)


def _workspace(path: Optional[Path], required: bool = True) -> Workspace | None:
    root = find_workspace(path) if path else find_workspace()
    if root is None:
        if required:
            _fail("这里不是工作区（找不到 toolkit.toml）。请进入工作区目录，或先运行 toolkit init <目录> 创建。")
        return None
    return load_workspace(root)


def _run(fn):
    """Run a command body; every failure becomes one Chinese message and exit status 2.

    Problems found in submissions are results, not failures: only what stops the
    command itself (configuration, paths, a locked output, a broken template, an
    unexpected error) ends up here. No traceback reaches the user.
    """
    from .office import ConversionError
    from .report import TemplateError

    try:
        return fn()
    except (ConfigError, OutputLockedError, TemplateError, ConversionError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("已中止。", 130)
    except OSError as exc:
        where = exc.filename or ""
        _fail(f"无法读写 {where}：{exc.strerror or exc}。请检查路径是否正确、文件夹是否存在、是否有写入权限，"
              "以及该位置是否被同名文件占用。")
    except Exception as exc:  # a bug: say so plainly, with what the maintainer needs
        _fail(f"程序内部错误（{type(exc).__name__}：{exc}）。已完成的输出不受影响；"
              "请把这条信息和所用的文件发给维护人员。")


def _progress_factory(console):
    """A rich progress bar once there are more than a handful of files."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    state: dict = {}

    def progress(done: int, total: int, name: str) -> None:
        if total < 8:
            return
        if "bar" not in state:
            bar = Progress(TextColumn("读取文件"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                           console=console, transient=True)
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("", total=total)
        state["bar"].update(state["task"], completed=done, description=name[:40])
        if done >= total:
            state["bar"].stop()

    return progress


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------

STATUS_STYLE = {"通过": "green", "有提示": "yellow", "有错误": "red", "无法读取": "red", "已被替代": "dim"}
MAX_ISSUES_SHOWN = 15
MAX_FILES_LISTED = 40  # above this, the table lists only the files that are not 通过


def print_validation(result: "ValidationResult", console=None) -> None:
    from rich.table import Table

    console = console or _console()
    if not result.files:
        console.print(f"[yellow]在 {escape(str(result.root))} 中没有找到表格文件（.xlsx、.xlsm、.xls）。"
                      "请把各单位报回的文件放进这个文件夹（可以有子文件夹）后重新运行。[/]")
    table = Table(title="校验结果", show_lines=False, header_style="bold")
    # file names wrap instead of being cut: a person must see which file a line is about
    table.add_column("文件", overflow="fold", ratio=3)
    table.add_column("单位", overflow="fold", ratio=1)
    table.add_column("模板", overflow="fold", ratio=1)
    table.add_column("状态", no_wrap=True)
    for col in ("读取", "通过", "退回", "跳过", "错误", "提示"):
        table.add_column(col, justify="right", no_wrap=True)
    # With many files, the rows that need nobody's attention are summed up in one line.
    clean = [f for f in result.files if f.status == "通过"]
    listed = result.files if len(result.files) <= MAX_FILES_LISTED else [f for f in result.files if f.status != "通过"]
    for f in listed:
        style = STATUS_STYLE.get(f.status, "")
        table.add_row(escape(f.rel), escape(f.unit), escape(f.template_name or "—"), f"[{style}]{f.status}[/]",
                      str(f.rows_read),
                      str(f.rows_accepted), str(f.rows_rejected), str(f.rows_skipped), str(f.errors), str(f.hints))
    t = result.totals()
    table.add_row("合计", "", "", "", str(t["rows_read"]), str(t["rows_accepted"]), str(t["rows_rejected"]),
                  str(t["rows_skipped"]), str(t["errors"]), str(t["hints"]), style="bold")
    console.print(table)
    if len(listed) < len(result.files):
        console.print(f"[green]另有 {len(clean)} 个文件全部通过[/]（共 {sum(f.rows_read for f in clean)} 行），"
                      "表中未逐一列出，合计已包含。")
    if t["rows_superseded"]:
        console.print(f"另有 {t['rows_superseded']} 行属于被新文件替代的旧文件，未汇总（见“已被替代”的文件）。")
    for rel, reason in result.ignored:
        console.print(f"[dim]已忽略 {escape(rel)}：{escape(reason)}[/]")
    for f in result.files:
        problems = [i for i in f.issues if i.severity == "错误"] + [i for i in f.issues if i.severity == "提示"]
        if not problems:
            continue
        console.print(f"\n[bold]{escape(f.rel)}[/]（{escape(f.unit)}）")
        for issue in problems[:MAX_ISSUES_SHOWN]:
            colour = "red" if issue.severity == "错误" else "yellow"
            console.print(f"  [{colour}]{issue.severity}[/] {escape(issue.message)}")
        if len(problems) > MAX_ISSUES_SHOWN:
            console.print(f"  …… 另有 {len(problems) - MAX_ISSUES_SHOWN} 条，详见退回修改文件或 --json 输出。")
        if f.markup_path:
            console.print(f"  已生成退回修改文件：{escape(f.markup_path)}")
    if result.units:
        delivered = {f.unit_code for f in result.files if f.delivered}
        sent = {f.unit_code for f in result.files if f.unit_code}
        resend = [u for u in result.units if u.code in sent and u.code not in delivered]
        missing = [u for u in result.units if u.code not in sent]
        if resend:
            console.print("\n[bold]报来的文件无法使用、需重新报送的单位：[/]" + escape("、".join(u.name for u in resend)))
        if missing:
            console.print("\n[bold]未报送单位（催报名单）：[/]" + escape("、".join(u.name for u in missing)))


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
            _fail("请指定收集目录，例如：toolkit validate 收集文件；或在工作区中运行。")
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
    period: str = typer.Option(..., "--period", metavar="统计期", help="统计期：2022Q1、2022-03、2022H1 或 2022"),
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
        paths = api.make_templates(ws, out)
        c = _console()
        c.print(f"[green]已生成 {len(paths)} 个模板文件[/]：")
        for p in paths:
            c.print(f"  {escape(str(p))}")

    _run(go)


@app.command("validate", cls=_ChineseCommand)
def validate_cmd(
    folder: Optional[Path] = typer.Argument(None, metavar="收集目录", help="收集目录（在工作区中默认为其收集文件夹）"),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="路径或-", help="把校验结果写成 JSON：文件路径，或 - 表示输出到屏幕"),
    returns: Optional[Path] = typer.Option(None, "--returns", metavar="目录", help="退回修改文件的输出目录（工作区中默认为其退回修改文件夹）"),
) -> None:
    """校验各单位报回的表格：逐文件、逐行、逐列列出问题，并为有错误的文件生成退回修改文件。"""
    from . import api
    from .validate import result_to_json

    def go():
        ws = _workspace(folder or None, required=folder is None)
        src, kwargs = _collection_args(folder, ws)
        markup = returns or (ws.returns_dir if ws else None)
        quiet = json_out == "-"
        console = _console() if not quiet else None
        progress = _progress_factory(console) if console else None
        result = api.validate_collection(src, markup_dir=markup, progress=progress, **kwargs)
        if json_out:
            _write_json(json_out, result_to_json(result))
        if not quiet:
            print_validation(result, console)
            if markup is None and any(f.errors for f in result.files):
                console.print("[yellow]提示[/]：不在工作区中，未生成退回修改文件。需要时加上 --returns 目录。")

    _run(go)


@app.command("merge", cls=_ChineseCommand)
def merge_cmd(
    folder: Optional[Path] = typer.Argument(None, metavar="收集目录", help="收集目录（在工作区中默认为其收集文件夹）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="目录", help="输出目录（工作区中默认为其汇总输出文件夹）"),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="路径或-", help="把校验结果写成 JSON：文件路径，或 - 表示输出到屏幕"),
) -> None:
    """校验并汇总：生成 汇总表.xlsx 和 汇总数据.json。"""
    from . import api
    from .validate import result_to_json

    def go():
        ws = _workspace(folder or None, required=folder is None or out is None)
        src, kwargs = _collection_args(folder, ws)
        target = out or ws.output_dir
        quiet = json_out == "-"
        console = _console() if not quiet else None
        result = api.validate_collection(src, markup_dir=ws.returns_dir if ws else None,
                                         progress=_progress_factory(console) if console else None, **kwargs)
        merged = api.merge_result(result, target, ws)
        if json_out:
            _write_json(json_out, result_to_json(result))
        if not quiet:
            print_validation(result, console)
            print_merge(merged, console)

    _run(go)


def print_merge(merged, console=None) -> None:
    console = console or _console()
    f = merged.figures
    v, p, t = f.get("visits", {}), f.get("problems", {}), f.get("tasks", {})
    from .report.numbers import fmt_rate

    console.print(
        f"\n[bold]汇总[/]：走访 {v.get('count', 0)} 次、参与 {v.get('participants', 0)} 人次；"
        f"问题 {p.get('count', 0)} 个，办结 {p.get('closed', 0)} 个，办结率 {fmt_rate(p.get('closure_rate'))}；"
        f"任务 {t.get('count', 0)} 项，已完成 {t.get('completed', 0)} 项。"
    )
    for path in (merged.workbook, merged.figures_path):
        console.print(f"[green]已写入[/] {escape(str(path))}")


def print_report(outcome, console=None) -> None:
    console = console or _console()
    console.print(f"[green]已生成报告[/] {escape(str(outcome.docx))}")
    if outcome.appendix:
        console.print(f"[green]已生成附表[/] {escape(str(outcome.appendix))}")
    if outcome.pdf:
        console.print(f"[green]已生成 PDF[/] {escape(str(outcome.pdf))}")
        if outcome.appendix and outcome.appendix.with_suffix(".pdf").exists():
            console.print(f"[green]已生成 PDF[/] {escape(str(outcome.appendix.with_suffix('.pdf')))}")
    for note in outcome.notes:
        console.print(f"[yellow]提示[/]：{escape(note)}")


@app.command("report", cls=_ChineseCommand)
def report_cmd(
    data: Optional[Path] = typer.Option(None, "--data", metavar="汇总数据.json", help="汇总数据.json（工作区中默认为最近一次汇总）"),
    template: Optional[Path] = typer.Option(None, "--template", metavar="模板.docx", help="自定义 Word 模板（默认用内置的情况汇报模板）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="报告.docx", help="报告文件，如 报告.docx"),
    pdf: bool = typer.Option(False, "--pdf", help="同时转换为 PDF（需要 LibreOffice）"),
) -> None:
    """生成情况汇报（Word），数字取自汇总数据。"""
    from . import api

    def go():
        ws = _workspace(None, required=data is None or out is None)
        figures = data or ws.output_dir / api.FIGURES_NAME
        target = out or api.default_report_path(ws)
        outcome = api.make_report(figures, target, ws=ws, template=template, pdf=pdf)
        print_report(outcome)

    _run(go)


@app.command("run", cls=_ChineseCommand)
def run_cmd(
    pdf: bool = typer.Option(False, "--pdf", help="同时把报告转换为 PDF（需要 LibreOffice）"),
) -> None:
    """一键完成：在工作区中依次校验、汇总、生成报告。"""
    from . import api

    def go():
        ws = _workspace(None)
        console = _console()
        result, merged, report = api.run_workspace(ws, pdf=pdf, progress=_progress_factory(console))
        print_validation(result, console)
        print_merge(merged, console)
        print_report(report, console)

    _run(go)


@app.command("demo", cls=_ChineseCommand)
def demo_cmd(
    directory: Path = typer.Argument(Path("演示工作区"), metavar="目录", help="演示工作区目录（默认：./演示工作区）"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="报告是否同时转换为 PDF（需要 LibreOffice）"),
) -> None:
    """演示：创建一个虚构单位的工作区和各科室报回的表格，并一键完成校验、汇总、报告。"""
    from .demo import create_demo

    def go():
        console = _console()
        ws = create_demo(directory)
        console.print(f"[green]已创建演示工作区[/] {escape(str(ws.root))}（{escape(str(ws.org))}，{len(ws.units)} 个单位）")
        from . import api

        result, merged, report = api.run_workspace(ws, pdf=pdf)
        print_validation(result, console)
        print_merge(merged, console)
        print_report(report, console)
        console.print(f"\n退回修改文件在：{escape(str(ws.returns_dir))}")
        console.print(f"控制台（Excel 按钮）：{escape(str(ws.root / '控制台.xlsm'))}")

    _run(go)


@app.command("console", cls=_ChineseCommand)
def console_cmd() -> None:
    """在工作区中重新生成 控制台.xlsm（Excel 按钮）和 .bat 启动脚本。"""
    from . import api

    def go():
        ws = _workspace(None)
        for p in api.install_front_ends(ws):
            _console().print(f"[green]已生成[/] {escape(str(p))}")

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
    from .runtime import freeze_gc_at_exit

    freeze_gc_at_exit()  # no garbage-collector walk over every object at exit
    try:
        code = app(args=argv, prog_name="toolkit", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("已中止。\n")
        sys.exit(130)
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        ctx = getattr(exc, "ctx", None)
        cmd = ctx.command_path if ctx else "toolkit"
        sys.stderr.write(f"错误：{_translate_error(exc.format_message())}。\n运行 {cmd} -h 查看用法。\n")
        sys.exit(2)
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
