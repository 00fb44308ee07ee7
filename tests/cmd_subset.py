"""Run the toolkit's .bat files here: an interpreter of the small part of cmd.exe they use.

There is no cmd.exe on the test machine. The launchers and 安装.bat are written in a deliberately
small subset of batch (no parenthesised blocks, no ``for``, no delayed expansion), and this module
executes exactly that subset, so the tests follow the real control flow: which Python is tried,
which label is reached, which exit status comes out, what is printed. Any other line raises
:class:`UnknownLine` — the static check of every line.

Understood (after ``%~dp0``, ``%VAR%``, ``%errorlevel%`` and ``%%`` expansion, as in a batch file)::

    @echo off | chcp 65001 >nul | setlocal | rem … | :label | goto label | pause | popd
    pushd "folder" || goto label
    set "NAME=value" | set NAME=value
    if [not] exist "path" goto label | if [not] errorlevel N goto label | if "a"=="b" goto label
    echo. | echo text
    exit /b N
    program args [>nul] [2>nul] [2>&1]     (program: a quoted path, or a name looked up in ``programs``)

``programs`` maps a command name (``py``, ``python``) to the argv prefix that stands in for it here,
or to None for "not installed" (errorlevel 9009, as cmd gives). The Python launcher's version
switch (``py -3``, ``py -3.11-64``) is recorded and dropped.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class UnknownLine(AssertionError):
    pass


@dataclass
class BatchRun:
    returncode: int
    output: list[str] = field(default_factory=list)  # lines printed (echo and programs not sent to nul)
    calls: list[list[str]] = field(default_factory=list)  # every program started: [name or path, *args]
    pauses: int = 0
    codepage: int | None = None

    @property
    def stdout(self) -> str:
        return "\n".join(self.output)


_LABEL = r"[A-Za-z_][\w]*"


def _expand(text: str, env: dict[str, str], errorlevel: int, dp0: str) -> str:
    text = text.replace("%~dp0", dp0.replace("%", "\0"))

    def var(m: re.Match) -> str:
        name = m[1]
        if name.lower() == "errorlevel":
            return str(errorlevel)
        for key, value in env.items():
            if key.lower() == name.lower():
                return value.replace("%", "\0")
        return ""

    text = re.sub(r"%%", "\0", text)
    text = re.sub(r"%([A-Za-z_][\w]*)%", var, text)
    if "%" in text:
        raise UnknownLine(f"unexpanded % in {text!r}")
    return text.replace("\0", "%")


def _split(command: str) -> list[str]:
    """cmd-style words: double quotes group (and are removed), no escapes."""
    words, current, quoted, any_char = [], "", False, False
    for ch in command:
        if ch == '"':
            quoted = not quoted
            any_char = True
        elif ch == " " and not quoted:
            if any_char:
                words.append(current)
            current, any_char = "", False
        else:
            current += ch
            any_char = True
    if quoted:
        raise UnknownLine(f"unbalanced quotes: {command!r}")
    if any_char:
        words.append(current)
    return words


def run_batch(path: Path, *, programs: dict[str, list[str] | None], env: dict[str, str] | None = None,
              timeout: float = 900) -> BatchRun:
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise UnknownLine("a BOM breaks the first line")
    text = raw.decode("utf-8")
    if "\n" in text.replace("\r\n", ""):
        raise UnknownLine("a line ends without CR")
    lines = text.split("\r\n")
    if lines[-1] != "":
        raise UnknownLine("the last line has no CRLF")
    lines = lines[:-1]
    labels = {}
    for i, line in enumerate(lines):
        if line.startswith(":"):
            name = line[1:]
            if not re.fullmatch(_LABEL, name) or name.lower() in labels:
                raise UnknownLine(f"bad or repeated label {line!r}")
            labels[name.lower()] = i
    for line in lines:  # every goto has its label
        for target in re.findall(rf"\bgoto ({_LABEL})$", line):
            if target.lower() not in labels:
                raise UnknownLine(f"goto to a missing label: {line!r}")

    env = dict(os.environ if env is None else env)
    folder = str(Path(path).resolve().parent) + os.sep
    dp0 = folder
    cwd_stack: list[str] = []
    cwd = os.getcwd()
    run = BatchRun(returncode=0)
    errorlevel = 0
    echo = True
    pc = 0
    steps = 0
    while pc < len(lines):
        steps += 1
        if steps > 10_000:
            raise UnknownLine("the batch file does not end")
        line = lines[pc]
        pc += 1
        if line == "@echo off":
            echo = False
            continue
        if not line or line.startswith("rem ") or line.startswith(":"):
            continue
        if not line.isascii() and run.codepage != 65001:
            raise UnknownLine(f"non-ASCII line before chcp 65001: {line!r}")
        if line == "chcp 65001 >nul":
            run.codepage = 65001
            continue
        if line == "setlocal":
            continue
        if line == "pause":
            run.pauses += 1
            continue
        if line == "popd":
            if not cwd_stack:
                raise UnknownLine("popd without pushd")
            cwd = cwd_stack.pop()
            continue
        m = re.fullmatch(rf"goto ({_LABEL})", line)
        if m:
            pc = labels[m[1].lower()]
            continue
        m = re.fullmatch(rf'pushd "([^"]+)" \|\| goto ({_LABEL})', line)
        if m:
            target = _expand(m[1], env, errorlevel, dp0)
            if os.path.isdir(target):
                cwd_stack.append(cwd)
                cwd = target
                errorlevel = 0
            else:
                errorlevel = 1
                pc = labels[m[2].lower()]
            continue
        m = re.fullmatch(r'set "(\w+)=([^"]*)"', line) or re.fullmatch(r"set (\w+)=(\S*)", line)
        if m:
            env[m[1]] = _expand(m[2], env, errorlevel, dp0)
            continue
        m = re.fullmatch(rf'if (not )?exist "([^"]+)" goto ({_LABEL})', line)
        if m:
            exists = os.path.exists(_expand(m[2], env, errorlevel, dp0))
            if exists != bool(m[1]):
                pc = labels[m[3].lower()]
            continue
        m = re.fullmatch(rf"if (not )?errorlevel (\d+) goto ({_LABEL})", line)
        if m:
            if (errorlevel >= int(m[2])) != bool(m[1]):
                pc = labels[m[3].lower()]
            continue
        m = re.fullmatch(rf'if "([^"]*)"=="([^"]*)" goto ({_LABEL})', line)
        if m:
            if _expand(m[1], env, errorlevel, dp0) == _expand(m[2], env, errorlevel, dp0):
                pc = labels[m[3].lower()]
            continue
        if line == "echo.":
            run.output.append("")
            continue
        m = re.fullmatch(r"echo (.+)", line)
        if m:
            said = _expand(m[1], env, errorlevel, dp0)
            if re.search(r"[<>|&()^]", re.sub(r'"[^"]*"', "", said)):  # after expansion, as cmd parses it
                raise UnknownLine(f"echo with a character cmd would interpret: {line!r} -> {said!r}")
            run.output.append(said)
            continue
        m = re.fullmatch(r"exit /b (\S+)", line)
        if m:
            value = _expand(m[1], env, errorlevel, dp0)
            run.returncode = int(value)
            return run
        # a program
        m = re.fullmatch(r'(.+?)((?: (?:>nul|2>nul|2>&1))*)', line)
        words = _split(_expand(m[1], env, errorlevel, dp0))
        redirects = m[2].split()
        if not words or re.search(r"[<>|&]", re.sub(r'"[^"]*"', "", m[1])):
            raise UnknownLine(f"not understood: {line!r}")
        name, args = words[0], words[1:]
        if name == "py" and args and re.fullmatch(r"-\d+(\.\d+)?(-(32|64))?", args[0]):
            args = args[1:]
        run.calls.append([name, *args])
        if line.startswith('"'):
            argv = [name] if os.path.isfile(name) else None
        else:
            if name not in programs:
                raise UnknownLine(f"program {name!r} is not one the tests can stand in for: {line!r}")
            argv = programs[name]
        if argv is None:
            errorlevel = 9009  # 'x' is not recognized as an internal or external command
            continue
        proc = subprocess.run([*argv, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        errorlevel = proc.returncode
        out_to_nul = ">nul" in redirects
        err_to_out = "2>&1" in redirects
        err_to_nul = "2>nul" in redirects or (err_to_out and out_to_nul)
        if not out_to_nul:
            run.output += proc.stdout.splitlines()
        if not err_to_nul:
            run.output += proc.stderr.splitlines()
    run.returncode = errorlevel
    return run
