"""Atomic output: complete files only, locked targets left intact, normal permissions."""

from __future__ import annotations

import os
import stat

import pytest

from toolkit.io import OutputLockedError, atomic_path, write_bytes_atomic, write_text_atomic


def test_written_file_gets_normal_permissions_not_mkstemp_0600(tmp_path):
    target = tmp_path / "汇总表.xlsx"
    write_bytes_atomic(target, b"data")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_existing_target_keeps_its_mode(tmp_path):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_failure_inside_the_block_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("writer crashed")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_locked_target_gives_chinese_message_and_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputLockedError) as err:
        write_text_atomic(target, "new")
    assert "正在 Excel" in str(err.value) and "汇总表.xlsx" in str(err.value)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总表.xlsx"]
