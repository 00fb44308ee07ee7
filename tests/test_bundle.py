"""toolkit bundle: the offline installer folder.

The slow tests download from the package index (one bundle per platform per session): a bundle
for this machine is installed into a fresh venv with nothing but the folder (no index, no pip
configuration, the network made unreachable), and a win_amd64 bundle's wheels are checked
against a closure computed here from the wheels' own metadata with Windows' marker values.
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from cmd_subset import run_batch
from toolkit import __version__, api
from toolkit.bundle import (
    DIST_NAME,
    MIN_PYTHON,
    render_windows_installer,
    repack_distribution,
    resolve_closure,
    this_platform,
)
from toolkit.exceptions import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"

#: Windows' marker values, written out here (not taken from toolkit.bundle)
WINDOWS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
           "python_version": "3.11", "python_full_version": "3.11.9", "implementation_name": "cpython",
           "implementation_version": "3.11.9", "platform_python_implementation": "CPython",
           "platform_release": "10", "platform_version": "10.0.19045"}


def offline_env(**extra) -> dict[str, str]:
    """No pip configuration, no PYTHONPATH, and any network use fails."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PIP_") and k != "PYTHONPATH"}
    dead = "http://127.0.0.1:9"
    env.update(http_proxy=dead, https_proxy=dead, HTTP_PROXY=dead, HTTPS_PROXY=dead, ALL_PROXY=dead,
               PIP_CONFIG_FILE=os.devnull, **extra)
    return env


@pytest.fixture(scope="session")
def here_bundle(tmp_path_factory):
    return api.make_bundle(tmp_path_factory.mktemp("bundle") / "离线安装包 本机")


@pytest.fixture(scope="session")
def windows_bundle(tmp_path_factory):
    return api.make_bundle(tmp_path_factory.mktemp("bundle") / "离线安装包-win", platform="win_amd64", python="3.11")


def wheel_metadata(path: Path):
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(zf.read(name).decode("utf-8"))


# ---------------------------------------------------------------------------
# The package itself
# ---------------------------------------------------------------------------


def test_distribution_name_and_python_requirement_are_true():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DIST_NAME == "taizhang-toolkit"
    assert project["scripts"] == {"toolkit": "toolkit.cli:main"}
    assert project["requires-python"].split("#")[0].strip() == ">=" + ".".join(map(str, MIN_PYTHON))
    assert "xlwings==0.37.8" in project["dependencies"]  # the pin that needs Python 3.11
    assert not any("python_version <" in d for d in project["dependencies"])  # no dead markers
    for doc in ("README.md", "docs/excel.md", "docs/install.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        for m in re.finditer(r"pip install toolkit(?![-_\w])", text):  # only ever as a warning
            assert "不要" in text[max(0, m.start() - 12):m.start()], (doc, text[m.start() - 40:m.end()])
        assert not re.search(r"3\.10\s*(以上|或更高|或更新)", text), doc  # the old, false claim
        assert "64 位" in text and "3.11" in text, doc


def test_python_dash_m_toolkit_works():
    proc = subprocess.run([sys.executable, "-m", "toolkit", "--version"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0 and proc.stdout.strip() == f"toolkit {__version__}"


# ---------------------------------------------------------------------------
# Mistakes the user can make (no download)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"platform": "macos"}, "--platform 的值“macos”无法识别"),
    ({"python": "3.10"}, "toolkit 需要 Python 3.11 或更新的版本"),
    ({"python": "三点一一"}, "--python 的值“三点一一”无法识别"),
])
def test_bad_options_are_explained(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        api.make_bundle(tmp_path / "b", **kwargs)
    assert not (tmp_path / "b").exists()


def test_a_folder_with_other_files_is_not_used(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "重要.docx").write_bytes(b"x")
    with pytest.raises(ConfigError, match="不是空的"):
        api.make_bundle(tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["重要.docx"]


def test_cli_reports_a_bad_option_in_chinese(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "toolkit", "bundle", str(tmp_path / "b"), "--python", "3.9"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 2 and proc.stderr.startswith("错误：toolkit 需要 Python 3.11") and "Traceback" not in proc.stderr


def test_this_machine_has_a_platform():
    assert this_platform() == {"x86_64": "manylinux_x86_64", "aarch64": "manylinux_aarch64"}[os.uname().machine]


# ---------------------------------------------------------------------------
# The closure, with a stand-in for pip (no download)
# ---------------------------------------------------------------------------


def fake_wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def test_markers_are_evaluated_for_the_target_and_conflicts_fetch_again(tmp_path):
    index = {  # name -> versions (newest last) -> requirements
        "app_win": {"1.0": []},
        "app_linux": {"1.0": []},
        "lib": {"1.0": [], "2.0": ['helper[fast]; sys_platform == "win32"']},
        "helper": {"1.0": ['speedup; extra == "fast"', 'docs; extra == "docs"']},
        "speedup": {"1.0": []},
        "late": {"1.0": ["lib<2"]},
    }
    calls: list[list[str]] = []

    def download(lines: list[str], dest: Path) -> None:
        calls.append(lines)
        for line in lines:
            req = Requirement(line)
            versions = [v for v in index[req.name] if req.specifier.contains(v)]
            fake_wheel(dest, req.name, versions[-1], index[req.name][versions[-1]])

    top = [Requirement(r) for r in ['app_win; platform_system == "Windows"', 'app_linux; sys_platform == "linux"',
                                    "lib", 'late; python_version >= "3.11"']]
    chosen = resolve_closure(top, WINDOWS, download, tmp_path, root="root")
    # lib 2.0 (which wanted helper[fast] on Windows) lost to late's lib<2: helper and speedup went with it
    assert {k: parse_wheel_filename(p.name)[1].public for k, p in chosen.items()} == {
        "app-win": "1.0", "lib": "1.0", "late": "1.0"}
    assert sorted(p.name for p in tmp_path.glob("*.whl")) == sorted(p.name for p in chosen.values())
    assert calls[0] == ["app_win", "late", "lib"]  # round 1: what applies on Windows
    assert ["lib<2"] in calls  # late's stricter requirement fetched lib again


def test_extras_of_a_requirement_bring_their_markers_in(tmp_path):
    index = {"a": ['helper[fast]; sys_platform == "win32"', "b"], "b": ["helper"],
             "helper": ['speedup; extra == "fast"', 'docs; extra == "docs"'], "speedup": [], "docs": []}

    def download(lines: list[str], dest: Path) -> None:
        for line in lines:
            name = Requirement(line).name
            fake_wheel(dest, name, "1.0", index[name])

    required_by: dict[str, set[str]] = {}
    chosen = resolve_closure([Requirement("a")], WINDOWS, download, tmp_path, root="root", required_by=required_by)
    assert set(chosen) == {"a", "b", "helper", "speedup"}
    assert required_by["helper"] == {"a", "b"} and required_by["speedup"] == {"helper"}
    linux = dict(WINDOWS, sys_platform="linux", os_name="posix", platform_system="Linux")
    for p in tmp_path.glob("*.whl"):
        p.unlink()
    assert set(resolve_closure([Requirement("a")], linux, download, tmp_path, root="root")) == {"a", "b", "helper"}


# ---------------------------------------------------------------------------
# Installer scripts (no download)
# ---------------------------------------------------------------------------


def fake_bundle(folder: Path, *, python: str, os_name: str = "linux") -> Path:
    folder.mkdir(parents=True)
    (folder / "install.py").write_bytes((ROOT / "toolkit/data/bundle/install.py").read_bytes())
    manifest = {"requirement": f"{DIST_NAME}==0", "python": python, "os": os_name, "bits": 64,
                "machines": [os.uname().machine], "platform_label": "测试平台", "pip": "pip.whl"}
    (folder / "bundle.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize("python, os_name, ok, says", [
    (PY, "linux", True, ""),
    ("3.99", "linux", False, f"这个 Python 是 {PY} 版"),
    (PY, "windows", False, "本安装包是为测试平台生成的"),
])
def test_install_check_says_why_a_python_does_not_fit(tmp_path, python, os_name, ok, says):
    folder = fake_bundle(tmp_path / "b", python=python, os_name=os_name)
    proc = subprocess.run([sys.executable, "install.py", "--check"], cwd=folder, capture_output=True, text=True)
    assert (proc.returncode == 0) is ok
    assert says in proc.stdout


def test_windows_installer_tries_py_then_python_and_explains(tmp_path):
    folder = fake_bundle(tmp_path / "安装包 (1)", python="3.99", os_name="windows")
    bat = folder / "安装.bat"
    bat.write_bytes(render_windows_installer("3.11", 64).encode("utf-8"))
    lines = bat.read_bytes().decode("utf-8").split("\r\n")
    assert lines[:3] == ["@echo off", "chcp 65001 >nul", "setlocal"] and 'pushd "%~dp0" || goto nofolder' in lines
    # on this machine "windows" does not fit: every candidate is refused, the reason is shown
    result = run_batch(bat, programs={"py": [sys.executable], "python": [sys.executable]})
    assert result.returncode == 9009 and result.pauses == 1
    assert [c[1:] for c in result.calls] == [["install.py", "--check"]] * 3
    assert "未找到可用的 Python 3.11（64 位）" in result.stdout and "本安装包是为测试平台生成的" in result.stdout
    # a fitting Python: install.py runs (here a stand-in that fails with status 3)
    (folder / "install.py").write_text("import sys\nprint('install', sys.argv[1:])\nsys.exit(0 if sys.argv[1:] else 3)\n")
    result = run_batch(bat, programs={"py": None, "python": [sys.executable]})
    assert result.returncode == 3 and "install []" in result.stdout and result.pauses == 1


# ---------------------------------------------------------------------------
# Real bundles (download from the package index)
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_bundle_for_this_machine_installs_offline_into_a_fresh_venv(here_bundle, tmp_path):
    assert here_bundle.platform == this_platform() and here_bundle.python == PY
    assert here_bundle.installer.name == "install.sh" and os.access(here_bundle.installer, os.X_OK)
    venv = tmp_path / "新 环境"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # no pip in it
    python = venv / "bin" / "python"
    proc = subprocess.run(["sh", str(here_bundle.installer)], capture_output=True, text=True, cwd="/",
                          stdin=subprocess.DEVNULL, env=offline_env(TOOLKIT_PYTHON=str(python)), timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"安装完成：toolkit {__version__}" in proc.stdout
    for argv in ([str(python), "-m", "toolkit", "--version"], [str(venv / "bin" / "toolkit"), "--version"]):
        run = subprocess.run(argv, capture_output=True, text=True, cwd="/", env=offline_env())
        assert run.returncode == 0 and run.stdout.strip() == f"toolkit {__version__}", run.stderr
    where = subprocess.run([str(python), "-c", "import toolkit, pandas, xlwings; print(toolkit.__file__)"],
                           capture_output=True, text=True, cwd="/", env=offline_env())
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stderr
    # the installed copy is this source: same files as the toolkit wheel of the bundle
    with zipfile.ZipFile(here_bundle.toolkit_wheel) as zf:
        assert "toolkit/data/vba/xlwings.bas" in zf.namelist() and "toolkit/data/bundle/install.py" in zf.namelist()


@pytest.mark.slow
def test_windows_bundle_holds_exactly_the_closure_for_windows(windows_bundle):
    folder = windows_bundle.folder
    wheels = {canonicalize_name(parse_wheel_filename(p.name)[0]): p for p in folder.glob("*.whl")}
    supported = {*cpython_tags((3, 11), ["cp311"], ["win_amd64"]), *compatible_tags((3, 11), "cp311", ["win_amd64"])}
    for path in wheels.values():
        tags = parse_wheel_filename(path.name)[3]
        assert tags & supported, f"{path.name} does not install on 64-bit Windows, CPython 3.11"
    # the closure, from the wheels' own metadata and Windows' marker values
    root = canonicalize_name(DIST_NAME)
    seen, queue = set(), [(root, set())]
    while queue:
        name, extras = queue.pop()
        if name in seen and not extras:
            continue
        seen.add(name)
        for line in wheel_metadata(wheels[name]).get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker and not any(req.marker.evaluate({**WINDOWS, "extra": e}) for e in extras | {""}):
                continue
            dep = canonicalize_name(req.name)
            assert dep in wheels, f"{name} needs {line}: missing"
            version = parse_wheel_filename(wheels[dep].name)[1]
            assert req.specifier.contains(version, prereleases=True), f"{name} needs {line}, got {version}"
            queue.append((dep, set(req.extras)))
    assert {"pywin32", "colorama", "tzdata"} <= seen  # what a Linux-side `pip download --platform` leaves out
    assert set(wheels) == seen | {"pip"}  # nothing more either (pip: the installer runs it)
    manifest = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    assert {k: v["wheel"] for k, v in manifest["dependencies"].items()} == {
        k: wheels[k].name for k in seen - {root}}
    assert set(windows_bundle.requirements) == seen - {root}
    assert manifest["platform"] == "win_amd64" and manifest["python"] == "3.11" and manifest["bits"] == 64
    assert manifest["requirement"] == f"{DIST_NAME}=={__version__}"
    assert (folder / "安装.bat").is_file() and not (folder / "install.sh").exists()
    readme = (folder / "安装说明.txt").read_bytes()
    assert readme.startswith(b"\xef\xbb\xbf") and b"\r\n" in readme  # Notepad on every Windows version
    text = readme.decode("utf-8-sig")
    assert "Python 3.11" in text and "Add python.exe to PATH" in text and "安装.bat" in text and "64 位" in text


@pytest.mark.slow
def test_a_32_bit_windows_bundle_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ConfigError, match="32 位 Python 没有 pandas、pyarrow"):
        api.make_bundle(tmp_path / "b32", platform="win32", python="3.11")
    assert not (tmp_path / "b32").exists() and not list(tmp_path.glob(".~tmp-*"))


@pytest.mark.slow
def test_an_installed_toolkit_is_repacked_into_the_same_wheel(here_bundle, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                    str(here_bundle.toolkit_wheel)], check=True, capture_output=True, env=offline_env())
    import importlib.metadata

    (dist,) = [d for d in importlib.metadata.distributions(path=[str(target)]) if d.metadata["Name"] == DIST_NAME]
    out = tmp_path / "out"
    out.mkdir()
    wheel = repack_distribution(dist, out)
    assert wheel.name == here_bundle.toolkit_wheel.name

    def contents(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/RECORD")}

    assert contents(wheel) == contents(here_bundle.toolkit_wheel)
