"""``toolkit bundle``: an offline installer folder for office PCs without internet.

The folder holds

* the toolkit wheel (built from this source tree, or repacked from this installation),
* every dependency wheel for the target platform and Python, and pip's own wheel (the
  installer runs pip from it, so a Python without pip works too),
* ``install.py`` (checks the Python, then ``pip install --no-index --find-links <folder>``),
* ``安装.bat`` (Windows) or ``install.sh`` (Linux), which find a suitable Python and run it,
* ``安装说明.txt`` (in Chinese: which Python to install first, what to click) and
  ``bundle.json`` (what is in the folder, read by ``install.py``).

pip evaluates environment markers (``platform_system == "Windows"`` …) against the machine it
runs on, even with ``--platform``: a Windows wheelhouse downloaded on Linux silently lacks
pywin32 and colorama. So the dependency closure is resolved here, requirement by requirement,
with the markers evaluated for the *target* (:func:`marker_environment`); each round of new
requirements is downloaded with ``pip download --no-deps --only-binary=:all: --platform …
--python-version … --implementation cp --abi cp3XX``.
"""

from __future__ import annotations

import email.parser
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .exceptions import ConfigError

__all__ = ["DIST_NAME", "PLATFORMS", "MIN_PYTHON", "Bundle", "Platform", "build_bundle", "this_platform",
           "marker_environment", "wheel_requirements", "repack_distribution", "resolve_closure"]

#: the distribution name on the package index (the import package and the command are ``toolkit``)
DIST_NAME = "taizhang-toolkit"
#: the oldest Python the dependencies support (xlwings 0.37.8 needs 3.11); pyproject's requires-python
MIN_PYTHON = (3, 11)
#: glibc of the Linux targets: 麒麟 Kylin V10 and 统信 UOS 20 ship glibc 2.28
GLIBC = (2, 28)

MANIFEST_NAME = "bundle.json"
README_NAME = "安装说明.txt"
INSTALLER_PY = "install.py"
WINDOWS_INSTALLER = "安装.bat"
LINUX_INSTALLER = "install.sh"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Platform:
    key: str  # the --platform value
    label: str  # Chinese, for messages and 安装说明
    os: str  # "windows" | "linux"
    bits: int
    tags: tuple[str, ...]  # pip --platform values (wheel platform tags accepted)
    machines: tuple[str, ...]  # platform.machine() values of a matching PC
    markers: dict[str, str] = field(default_factory=dict)  # os_name, sys_platform, platform_system, platform_machine


def _manylinux_tags(arch: str) -> tuple[str, ...]:
    tags = [f"manylinux_{GLIBC[0]}_{minor}_{arch}" for minor in range(GLIBC[1], 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags += [f"{name}_{arch}" for minor, name in legacy.items() if minor <= GLIBC[1]]
    return tuple(tags)


def _linux(arch: str) -> dict[str, str]:
    return {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux", "platform_machine": arch}


def _windows(machine: str) -> dict[str, str]:
    return {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": machine}


PLATFORMS: dict[str, Platform] = {
    "win_amd64": Platform("win_amd64", "64 位 Windows", "windows", 64, ("win_amd64",), ("AMD64",), _windows("AMD64")),
    "win32": Platform("win32", "32 位 Windows", "windows", 32, ("win32",), ("x86", "AMD64"), _windows("x86")),
    "manylinux_x86_64": Platform("manylinux_x86_64", "x86_64 处理器的 Linux（如麒麟、统信 UOS 的 Intel/AMD/兆芯/海光版）",
                                 "linux", 64, _manylinux_tags("x86_64"), ("x86_64",), _linux("x86_64")),
    "manylinux_aarch64": Platform("manylinux_aarch64", "ARM64 处理器的 Linux（如麒麟、统信 UOS 的飞腾/鲲鹏版）",
                                  "linux", 64, _manylinux_tags("aarch64"), ("aarch64",), _linux("aarch64")),
}


def this_platform() -> str:
    """The --platform value of this machine (ConfigError where no bundle can be made for it)."""
    import platform
    import struct

    machine = platform.machine().lower()
    bits = struct.calcsize("P") * 8
    if os.name == "nt":
        return "win_amd64" if bits == 64 else "win32"
    if sys.platform.startswith("linux"):
        if machine in ("x86_64", "amd64"):
            return "manylinux_x86_64"
        if machine in ("aarch64", "arm64"):
            return "manylinux_aarch64"
    raise ConfigError(f"本机（{sys.platform} {platform.machine()}）不是离线安装包支持的平台，请用 --platform 指定："
                      f"{'、'.join(PLATFORMS)}。")


def _platform(key: str | None) -> Platform:
    key = key or this_platform()
    if key not in PLATFORMS:
        raise ConfigError(f"--platform 的值“{key}”无法识别，可用的有：{'、'.join(PLATFORMS)}。")
    return PLATFORMS[key]


def _python(text: str | None) -> str:
    if text is None:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", str(text))
    if not m:
        raise ConfigError(f"--python 的值“{text}”无法识别，应写成主版本号.次版本号，如 3.11。")
    if (int(m[1]), int(m[2])) < MIN_PYTHON:
        low = ".".join(map(str, MIN_PYTHON))
        raise ConfigError(f"toolkit 需要 Python {low} 或更新的版本（xlwings 0.37.8 不支持更早的版本），"
                          f"--python {text.strip()} 太旧，请改为 --python {low} 或更新。")
    return f"{int(m[1])}.{int(m[2])}"


def marker_environment(platform: str, python: str) -> dict[str, str]:
    """The environment-marker values (PEP 508) of a CPython ``python`` on ``platform``."""
    target = PLATFORMS[platform]
    env = dict(target.markers)
    env.update({
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
    })
    return env


# ---------------------------------------------------------------------------
# Wheels: names, requirements, repacking an installed distribution
# ---------------------------------------------------------------------------


def _wheel_name(path: Path) -> tuple[str, str]:
    """(canonical project name, version) of a wheel file."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    name, version, _build, _tags = parse_wheel_filename(Path(path).name)
    return canonicalize_name(name), str(version)


def _wheel_metadata(path: Path):
    with zipfile.ZipFile(path) as zf:
        member = next((n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
        if member is None:
            raise ConfigError(f"{Path(path).name} 不是有效的安装包（wheel 中没有 METADATA）。")
        return email.parser.Parser().parsestr(zf.read(member).decode("utf-8"))


def wheel_requirements(path: Path) -> list:
    """The ``Requires-Dist`` requirements of a wheel (packaging ``Requirement`` objects, markers kept)."""
    from packaging.requirements import Requirement

    return [Requirement(line) for line in _wheel_metadata(path).get_all("Requires-Dist") or []]


def _applies(requirement, environment: dict[str, str], extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in (extras | {""}))


def repack_distribution(dist: importlib.metadata.Distribution, out_dir: Path) -> Path:
    """A wheel of an installed pure-Python distribution, rebuilt from its installed files.

    Used when the toolkit runs from an installation (no source tree to build from): the
    package files and the ``.dist-info`` metadata go back into a ``py3-none-any`` wheel; the
    installer's own records (RECORD, INSTALLER, REQUESTED, direct_url.json), compiled files and
    the console script (pip writes it again from entry_points.txt) are left out."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    info = f"{name}-{version}.dist-info"
    target = Path(out_dir) / f"{name}-{version}-py3-none-any.whl"
    skip = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    files = list(dist.files or [])
    top = set((dist.read_text("top_level.txt") or "").split()) or {
        f.parts[0] for f in files if len(f.parts) == 2 and f.parts[1] == "__init__.py"}
    records: list[str] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in sorted(files, key=lambda p: p.as_posix()):
            parts = item.parts
            if not parts or "__pycache__" in parts or item.suffix in (".pyc", ".pyo"):
                continue
            if not parts[0].endswith(".dist-info") and parts[0] not in top:
                continue  # scripts (bin/toolkit, ../../Scripts/toolkit.exe) and anything outside the packages
            if parts[0].endswith(".dist-info"):
                if parts[-1] in skip:
                    continue
                arcname = "/".join((info, *parts[1:]))
            else:
                arcname = item.as_posix()
            data = Path(item.locate()).read_bytes()
            zf.writestr(arcname, data)
            digest = urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
            records.append(f"{arcname},sha256={digest},{len(data)}")
        records.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target


def _source_tree() -> Path | None:
    """The checkout this toolkit is imported from (pyproject.toml of this distribution), if any."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
    except (tomllib.TOMLDecodeError, OSError):
        return None
    return root if name == DIST_NAME else None


def _build_isolation_needed() -> bool:
    try:
        from packaging.version import Version

        return Version(importlib.metadata.version("setuptools")) < Version("68") or not importlib.metadata.version("wheel")
    except importlib.metadata.PackageNotFoundError:
        return True


def build_toolkit_wheel(out_dir: Path) -> Path:
    """The toolkit's own wheel: built from the source tree (a clean copy of it, so that no
    stale ``build/`` folder leaks in), or repacked from this installation."""
    out_dir = Path(out_dir)
    source = _source_tree()
    if source is None:
        return repack_distribution(importlib.metadata.distribution(DIST_NAME), out_dir)
    with tempfile.TemporaryDirectory(prefix="toolkit-wheel-") as tmp:
        copy = Path(tmp) / "src"
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(source / name, copy / name)
        shutil.copytree(source / "toolkit", copy / "toolkit",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".~tmp-*"))
        args = ["wheel", str(copy), "--no-deps", "-w", str(out_dir)]
        if not _build_isolation_needed():
            args.insert(1, "--no-build-isolation")
        proc = _pip(args)
        wheels = sorted(out_dir.glob("taizhang_toolkit-*.whl"))
        if proc.returncode != 0 or not wheels:
            raise ConfigError(f"无法生成 toolkit 自己的安装包（pip wheel 失败）：{_last_lines(proc)}")
        return wheels[-1]


# ---------------------------------------------------------------------------
# pip
# ---------------------------------------------------------------------------


def _pip(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env)


def _last_lines(proc: subprocess.CompletedProcess, n: int = 6) -> str:
    lines = [line for line in (proc.stderr or proc.stdout or "").strip().splitlines() if line.strip()]
    return "\n".join(lines[-n:]) or f"返回码 {proc.returncode}"


_NETWORK_WORDS = ("Failed to establish a new connection", "Max retries exceeded", "Temporary failure in name resolution",
                  "Name or service not known", "ConnectionError", "SSLError", "timed out", "Network is unreachable",
                  "ProxyError")


def _download_error(proc: subprocess.CompletedProcess, target: Platform, python: str) -> ConfigError:
    text = (proc.stderr or "") + (proc.stdout or "")
    missing = re.search(r"No matching distribution found for ([^\s]+)", text)
    if missing:
        hint = ""
        if target.bits == 32:
            hint = ("32 位 Python 没有 pandas、pyarrow 等软件包的安装包，toolkit 只能装在 64 位 Python 上："
                    "请在办公电脑上安装 64 位 Python，并用 --platform win_amd64 生成安装包。")
        elif tuple(int(x) for x in python.split(".")) > MIN_PYTHON:
            low = ".".join(map(str, MIN_PYTHON))
            hint = f"新版本的 Python 刚发布时，部分软件包还没有对应的安装包：可以改用 --python {low}。"
        return ConfigError(f"找不到 {missing[1]} 适用于{target.label}、Python {python} 的安装包（wheel），"
                           f"无法生成离线安装包。{hint}")
    if any(word in text for word in _NETWORK_WORDS):
        return ConfigError("无法连接软件包索引，下载失败。生成离线安装包需要一台能上网的电脑；"
                           f"使用镜像时请检查 pip 的设置（pip config list）。pip 的提示：{_last_lines(proc, 2)}")
    return ConfigError(f"下载安装包失败：{_last_lines(proc)}")


def _download(lines: list[str], target: Platform, python: str, dest: Path) -> None:
    abi = "cp" + python.replace(".", "")
    args = ["download", "--no-deps", "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
            "--abi", abi, "-d", str(dest), "--progress-bar", "off"]
    for tag in target.tags:
        args += ["--platform", tag]
    proc = _pip(args + lines)
    if proc.returncode != 0:
        raise _download_error(proc, target, python)


# ---------------------------------------------------------------------------
# The closure of the requirements, for the target
# ---------------------------------------------------------------------------


@dataclass
class _Wanted:
    name: str  # as first written
    specifiers: list[str] = field(default_factory=list)
    extras: set[str] = field(default_factory=set)
    required_by: set[str] = field(default_factory=set)

    def line(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}{','.join(self.specifiers)}"

    def accepts(self, version: str) -> bool:
        from packaging.specifiers import SpecifierSet

        return SpecifierSet(",".join(self.specifiers)).contains(version, prereleases=True)


Downloader = Callable[[list[str], Path], None]


def resolve_closure(requirements: list, environment: dict[str, str], download: Downloader, dest: Path,
                    *, root: str = DIST_NAME, progress: Progress | None = None,
                    required_by: dict[str, set[str]] | None = None) -> dict[str, Path]:
    """Download the wheels of ``requirements`` and of everything they require, markers evaluated
    in ``environment`` (the target's); returns canonical name -> wheel in ``dest``.

    ``download(lines, dest)`` fetches one batch of requirement lines without their dependencies.
    Each round downloads every requirement met for the first time; a later, stricter specifier for
    a package already downloaded (or a new extra) brings it back into the next round.
    ``required_by``, when given, receives who asked for each package (canonical names)."""
    from packaging.utils import canonicalize_name

    dest = Path(dest)
    wanted: dict[str, _Wanted] = {}
    chosen: dict[str, Path] = {}
    pending: set[str] = set()

    def add(requirement, by: str) -> None:
        key = canonicalize_name(requirement.name)
        if key == canonicalize_name(root):
            return
        want = wanted.setdefault(key, _Wanted(requirement.name))
        want.required_by.add(by)
        spec = str(requirement.specifier)
        new_spec = bool(spec) and spec not in want.specifiers
        if new_spec:
            want.specifiers.append(spec)
        new_extras = set(requirement.extras) - want.extras
        want.extras |= new_extras
        if key not in chosen:
            pending.add(key)
        elif new_spec and not want.accepts(_wheel_name(chosen[key])[1]):
            chosen.pop(key).unlink(missing_ok=True)
            pending.add(key)
        elif new_extras:
            expand(key)

    def expand(key: str) -> None:
        for requirement in wheel_requirements(chosen[key]):
            if _applies(requirement, environment, wanted[key].extras):
                add(requirement, key)

    for requirement in requirements:
        if _applies(requirement, environment, set()):
            add(requirement, root)
    rounds = 0
    while pending:
        rounds += 1
        if rounds > 30:
            raise ConfigError("软件包之间的版本要求无法同时满足，无法生成离线安装包：" + "、".join(sorted(pending)))
        batch = sorted(pending)
        pending.clear()
        if progress:
            progress(f"下载第 {rounds} 批：{len(batch)} 个软件包（{'、'.join(wanted[k].name for k in batch[:6])}"
                     f"{'……' if len(batch) > 6 else ''}）")
        download([wanted[k].line() for k in batch], dest)
        on_disk: dict[str, list[Path]] = {}
        for wheel in dest.glob("*.whl"):
            on_disk.setdefault(_wheel_name(wheel)[0], []).append(wheel)
        for key in batch:
            fitting = [w for w in on_disk.get(key, []) if wanted[key].accepts(_wheel_name(w)[1])]
            if not fitting:
                raise ConfigError(f"pip 没有下载 {wanted[key].line()}，无法生成离线安装包。")
            chosen[key] = max(fitting, key=lambda w: w.stat().st_mtime)
            for other in on_disk.get(key, []):
                if other != chosen[key]:
                    other.unlink(missing_ok=True)
        for key in batch:
            if key in chosen:  # a stricter specifier met meanwhile may have sent it back
                expand(key)

    # What was asked for by a wheel later replaced (a version that lost to a stricter specifier)
    # may no longer be needed: keep what the final wheels require, and check each requirement.
    needed: dict[str, set[str]] = {}
    extras: dict[str, set[str]] = {}
    queue = [(r, root) for r in requirements if _applies(r, environment, set())]
    while queue:
        requirement, by = queue.pop()
        key = canonicalize_name(requirement.name)
        if key == canonicalize_name(root):
            continue
        version = _wheel_name(chosen[key])[1]
        if not requirement.specifier.contains(version, prereleases=True):
            raise ConfigError(f"{by} 需要 {requirement}，下载到的是 {version}：软件包之间的版本要求无法同时满足，"
                              "无法生成离线安装包。")
        first = key not in needed
        needed.setdefault(key, set()).add(by)
        new_extras = set(requirement.extras) - extras.setdefault(key, set())
        extras[key] |= new_extras
        if first or new_extras:
            queue += [(r, key) for r in wheel_requirements(chosen[key]) if _applies(r, environment, extras[key])]
    for key in set(chosen) - set(needed):
        chosen.pop(key).unlink(missing_ok=True)
    if required_by is not None:
        required_by.update(needed)
    return chosen


# ---------------------------------------------------------------------------
# The bundle folder
# ---------------------------------------------------------------------------


@dataclass
class Bundle:
    folder: Path
    platform: str
    python: str
    toolkit_wheel: Path
    wheels: list[Path]  # every wheel in the folder: toolkit, its dependencies, pip
    requirements: dict[str, str]  # canonical name -> version of each dependency installed
    installer: Path  # 安装.bat or install.sh
    readme: Path

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.wheels)


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} 是一个文件，不是文件夹。请换一个目录名。")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST_NAME).is_file():
        raise ConfigError(f"目录 {folder} 不是空的。离线安装包要放在一个新的（或空的）文件夹中，请换一个目录名。")


def build_bundle(folder: Path, *, platform: str | None = None, python: str | None = None,
                 progress: Progress | None = None) -> Bundle:
    """Write the offline installer folder ``folder`` for ``platform`` (default: this machine's)
    and CPython ``python`` (default: this one's). An earlier bundle in ``folder`` is replaced;
    nothing is left half-written: the folder is assembled beside it and moved into place."""
    target = _platform(platform)
    python = _python(python)
    folder = Path(folder).resolve()
    _prepare_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    staging = Path(tempfile.mkdtemp(prefix=".~tmp-bundle-", dir=folder.parent))
    try:
        say("生成 toolkit 的安装包（wheel）……")
        toolkit_wheel = build_toolkit_wheel(staging)
        environment = marker_environment(target.key, python)

        def download(lines: list[str], dest: Path) -> None:
            _download(lines, target, python, dest)

        required_by: dict[str, set[str]] = {}
        chosen = resolve_closure(wheel_requirements(toolkit_wheel), environment, download, staging, progress=say,
                                 required_by=required_by)
        say("下载 pip（安装时从它运行，不需要电脑上已有 pip）……")
        before = set(staging.glob("pip-*.whl"))
        _download(["pip"], target, python, staging)
        pip_wheels = sorted(set(staging.glob("pip-*.whl")) - before) or sorted(before)
        pip_wheel = pip_wheels[-1]
        _write_installer_files(staging, target, python, toolkit_wheel, chosen, required_by, pip_wheel)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    wheels = sorted(folder.glob("*.whl"))
    return Bundle(folder=folder, platform=target.key, python=python, toolkit_wheel=folder / toolkit_wheel.name,
                  wheels=wheels, requirements={k: _wheel_name(p)[1] for k, p in sorted(chosen.items())},
                  installer=folder / (WINDOWS_INSTALLER if target.os == "windows" else LINUX_INSTALLER),
                  readme=folder / README_NAME)


def _write_installer_files(folder: Path, target: Platform, python: str, toolkit_wheel: Path,
                           chosen: dict[str, Path], required_by: dict[str, set[str]], pip_wheel: Path) -> None:
    _name, version = _wheel_name(toolkit_wheel)
    manifest = {
        "format": "toolkit.bundle/1",
        "requirement": f"{DIST_NAME}=={version}",
        "version": version,
        "platform": target.key,
        "platform_label": target.label,
        "os": target.os,
        "bits": target.bits,
        "machines": list(target.machines),
        "python": python,
        "toolkit_wheel": toolkit_wheel.name,
        "pip": pip_wheel.name,
        "dependencies": {key: {"wheel": chosen[key].name, "required_by": sorted(required_by.get(key, ()))}
                         for key in sorted(chosen)},
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    script = resources.files("toolkit").joinpath("data", "bundle", INSTALLER_PY).read_bytes()
    (folder / INSTALLER_PY).write_bytes(script)
    size_mb = sum(p.stat().st_size for p in folder.glob("*.whl")) / 1e6
    if target.os == "windows":
        (folder / WINDOWS_INSTALLER).write_bytes(render_windows_installer(python, target.bits).encode("utf-8"))
        text = render_readme(target, python, version, size_mb)
        (folder / README_NAME).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    else:
        sh = folder / LINUX_INSTALLER
        sh.write_bytes(render_linux_installer(python).encode("utf-8"))
        sh.chmod(0o755)
        (folder / README_NAME).write_text(render_readme(target, python, version, size_mb), encoding="utf-8")


def render_windows_installer(python: str, bits: int) -> str:
    """安装.bat: the Python launcher's ``py -3.11-64`` first, then ``python`` on PATH; each checked by
    ``install.py --check``; a Chinese message and ``pause`` when none fits or the install fails."""
    py = f"py -{python}-{bits}"
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        "setlocal",
        "rem 离线安装 toolkit（台账工具）：双击运行。由 toolkit bundle 生成，说明见 安装说明.txt。",
        'pushd "%~dp0" || goto nofolder',
        f"{py} install.py --check >nul 2>&1",
        "if not errorlevel 1 goto launcher",
        "python install.py --check >nul 2>&1",
        "if not errorlevel 1 goto onpath",
        f"echo 未找到可用的 Python {python}（{bits} 位）。",
        "python install.py --check 2>nul",
        f"echo 请先安装 Python {python}（{bits} 位，安装程序如 python-{python}.x-{'amd64' if bits == 64 else 'win32'}.exe），"
        "再双击本文件。详见 安装说明.txt。",
        "set TOOLKIT_RC=9009",
        "goto end",
        ":launcher",
        f"{py} install.py",
        "goto done",
        ":onpath",
        "python install.py",
        ":done",
        "set TOOLKIT_RC=%errorlevel%",
        ":end",
        "popd",
        "pause",
        "exit /b %TOOLKIT_RC%",
        ":nofolder",
        'echo 无法进入安装包所在的文件夹 "%~dp0"。请把整个文件夹复制到本机（如桌面）后再双击。',
        "pause",
        "exit /b 1",
    ]
    return "\r\n".join(lines) + "\r\n"


def render_linux_installer(python: str) -> str:
    """install.sh: ``$TOOLKIT_PYTHON``, then ``python3.X``, ``python3``, ``python``; each checked by
    ``install.py --check``."""
    return f"""#!/bin/sh
# 离线安装 toolkit（台账工具）：在终端中运行 sh install.sh（或在文件管理器中双击，选“在终端中运行”）。
# 由 toolkit bundle 生成，说明见 安装说明.txt。指定 Python：TOOLKIT_PYTHON=/路径/python3 sh install.sh
cd "$(dirname "$0")" || exit 1
pause() {{
  if [ -t 0 ] && [ -z "${{TOOLKIT_NO_PAUSE:-}}" ]; then
    printf '%s' "按回车键关闭窗口……"
    read -r _ || true
  fi
}}
for py in "${{TOOLKIT_PYTHON:-}}" python{python} python3 python; do
  [ -n "$py" ] || continue
  command -v "$py" >/dev/null 2>&1 || continue
  if "$py" install.py --check >/dev/null 2>&1; then
    "$py" install.py
    rc=$?
    pause
    exit $rc
  fi
done
echo "未找到可用的 Python {python}（64 位）。"
for py in "${{TOOLKIT_PYTHON:-}}" python3 python; do
  [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 && "$py" install.py --check
done
echo "请先安装 Python {python}（见 安装说明.txt），或用 TOOLKIT_PYTHON=/路径/python{python} sh install.sh 指定。"
pause
exit 1
"""


def render_readme(target: Platform, python: str, version: str, size_mb: float) -> str:
    head = [
        f"toolkit（台账工具）{version} 离线安装包",
        f"适用于：{target.label}，Python {python}（{target.bits} 位）。共 {size_mb:.0f} MB，安装时不需要联网。",
        "",
    ]
    if target.os == "windows":
        arch = "amd64" if target.bits == 64 else "win32"
        body = [
            "一、先安装 Python（每台电脑一次；已装好的跳过）",
            f"  1. 双击 Python 安装程序 python-{python}.x-{arch}.exe（信息中心随本文件夹提供；"
            f"也可以从 https://www.python.org/downloads/windows/ 下载 Python {python} 的“Windows installer ({target.bits}-bit)”）。",
            "  2. 在第一个画面的下方勾选“Add python.exe to PATH”，再点“Install Now”。没有管理员权限时也可以安装"
            "（装在当前用户下）。",
            "  3. 看到“Setup was successful”后点“Close”。",
            "",
            "二、安装 toolkit",
            f"  1. 把整个安装包文件夹复制到本机（如桌面），双击其中的“{WINDOWS_INSTALLER}”。",
            "  2. 黑色窗口中显示安装过程，最后一行是“安装完成：toolkit …”。按任意键关闭窗口。",
            "  3. 若提示“未找到可用的 Python”，请确认第一步装的是上面所说的版本（版本号和 64 位都要对）。",
            "",
            "三、开始使用",
            "  按 Win + R，输入 cmd 回车，在黑色窗口中输入（python -m toolkit 在任何情况下都能用）：",
            '    python -m toolkit init D:\\台账工作区 --org "XX市XX局" --period 2022Q1',
            "  工作区中有 控制台.xlsm（Microsoft Excel 的按钮）和 .bat 启动脚本（双击运行，WPS 用户用它）。",
            "  若 python 命令不可用，把 python 换成 py。",
        ]
    else:
        body = [
            "一、先准备 Python（每台电脑一次）",
            f"  需要 Python {python}（64 位）。麒麟、统信 UOS 等系统自带的 python3 通常版本较低，"
            "请由信息中心提供 Python（如 Miniforge 离线安装程序，或 python.org 的源码编译版本），"
            f"在终端中运行 python{python} --version 或 python3 --version 确认版本。",
            "",
            "二、安装 toolkit",
            "  1. 把整个安装包文件夹复制到本机（如主目录）。",
            f"  2. 在文件夹中点右键“在终端中打开”，输入 sh {LINUX_INSTALLER} 回车"
            f"（或双击 {LINUX_INSTALLER}，选择“在终端中运行”）。",
            f"  3. Python 不在默认位置时：TOOLKIT_PYTHON=/路径/python{python} sh {LINUX_INSTALLER}",
            "  4. 最后一行是“安装完成：toolkit …”即装好了。",
            "",
            "三、开始使用",
            f"  在终端中输入：python{python} -m toolkit init ~/台账工作区 --org \"XX市XX局\" --period 2022Q1",
            "  工作区中有 .sh 启动脚本和 .desktop 快捷方式（在文件管理器中双击运行）。",
            "  WPS for Linux 不能运行 Excel 控制台的按钮，请用启动脚本或命令。",
        ]
    tail = [
        "",
        "文件夹中的内容：*.whl 是各软件包的安装包（不要单独删除），install.py 是安装程序，bundle.json 是清单。",
        "详细说明见 toolkit 的 docs/install.md。",
    ]
    return "\n".join(head + body + tail) + "\n"
