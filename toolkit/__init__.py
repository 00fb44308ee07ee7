"""toolkit: standardized campaign ledgers → validated, merged workbook → official Word report.

Pipeline (one module per stage, plain data between them, see ``toolkit.model``)::

    schema ─▶ templates ─▶ read ─▶ validate ─▶ merge ─▶ report
                                     │
                                  markup (退回修改 workbooks)

Front ends: ``toolkit.cli`` (the ``toolkit`` command) and ``toolkit.excel``
(xlwings buttons of 控制台.xlsm). Both call the functions in ``toolkit.api``.
"""

__version__ = "0.1.0"


def _answer_early_interrupts() -> None:
    """In the ``toolkit`` command (``toolkit …`` or ``python -m toolkit …``) a Ctrl+C while it is
    still being imported (about 0.1 s, before it handles Ctrl+C itself) is answered with the
    same message (toolkit.exceptions.describe) instead of a traceback or nothing.
    ``toolkit.cli.main`` gives Ctrl+C back to Python once it runs. Nothing changes for a
    program that imports the toolkit as a library."""
    import os
    import sys

    argv = list(getattr(sys, "orig_argv", ()))
    command = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv else ""))[0] == "toolkit"
    if not command and argv[1:3] != ["-m", "toolkit"]:
        return
    import signal

    pending: list[int] = []
    try:
        signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))  # held while the message loads
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        return
    from .exceptions import describe  # now: the handler must not import (an interrupted import is half done)

    def answer(signum, frame):  # noqa: ARG001
        stopped = describe(KeyboardInterrupt())
        sys.stderr.write(f"错误：{stopped.message}\n")
        sys.stderr.flush()
        os._exit(stopped.exit_code)

    signal.signal(signal.SIGINT, answer)
    if pending:
        answer(signal.SIGINT, None)


_answer_early_interrupts()
