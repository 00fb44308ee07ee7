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


def test_an_output_set_retires_the_old_files_it_did_not_write(tmp_path):
    from toolkit.io import output_set

    (tmp_path / "情况汇报.docx").write_bytes(b"old report")
    (tmp_path / "情况汇报.pdf").write_bytes(b"old pdf")
    (tmp_path / "别的文件.pdf").write_bytes(b"mine")
    with output_set(tmp_path, retire=["情况汇报.docx", "情况汇报.pdf"]) as staging:
        (staging / "情况汇报.docx").write_bytes(b"new report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["别的文件.pdf", "情况汇报.docx"]
    assert (tmp_path / "情况汇报.docx").read_bytes() == b"new report"


def test_a_locked_file_to_retire_keeps_the_whole_old_set(tmp_path, monkeypatch):
    from toolkit.io import output_set

    (tmp_path / "情况汇报.docx").write_bytes(b"old report")
    (tmp_path / "情况汇报.pdf").write_bytes(b"old pdf")
    real = os.replace

    def locked(src, dst):
        if os.fspath(src).endswith("情况汇报.pdf") and os.fspath(src).startswith(os.fspath(tmp_path / "情况")):
            raise PermissionError(13, "being used by another process")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputLockedError) as err:
        with output_set(tmp_path, retire=["情况汇报.pdf"]) as staging:
            (staging / "情况汇报.docx").write_bytes(b"new report")
    assert "情况汇报.pdf" in str(err.value)
    assert (tmp_path / "情况汇报.docx").read_bytes() == b"old report"
    assert (tmp_path / "情况汇报.pdf").read_bytes() == b"old pdf"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["情况汇报.docx", "情况汇报.pdf"]
