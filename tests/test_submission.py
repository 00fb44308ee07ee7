"""报送情况: one function (toolkit.submission.submission_status) and every front end agrees with it."""

from __future__ import annotations

import os
import subprocess
import sys

import five_units as F
from toolkit import api
from toolkit.submission import MISSING, PARTIAL, RETURNED, SENT, submission_status


def test_each_unit_gets_the_status_of_what_it_sent(tmp_path):
    ws = F.build(tmp_path / "ws")
    sub = submission_status(api.validate_workspace(ws))
    assert {u.name: u.status for u in sub.units} == F.STATUS
    assert {u.name: u.missing_templates for u in sub.chase} == F.CHASED
    assert {u.name for u in sub.returns} == F.RETURNED
    assert sub.expected == 5 and sub.submitted == 4  # every unit that sent files, 有退回 included
    assert {s: sub.count(s) for s in (SENT, PARTIAL, RETURNED, MISSING)} == {SENT: 1, PARTIAL: 1, RETURNED: 2,
                                                                             MISSING: 1}


def test_a_returned_unit_names_each_file_and_why(tmp_path):
    ws = F.build(tmp_path / "ws")
    sub = submission_status(api.validate_workspace(ws))
    encrypted = sub.unit(F.ENCRYPTED)
    assert [r.file for r in encrypted.returned] == [f"{F.ENCRYPTED}-大走访大调研台账-2022年第一季度.xlsx"]
    assert "密码" in encrypted.returned[0].reason
    assert encrypted.templates == {"survey": RETURNED, "tasks": SENT}
    rejected = sub.unit(F.REJECTED)
    (file,) = rejected.returned
    assert file.rows_rejected == 3 and file.errors >= 3 and file.markup and "退回修改" in file.reason
    assert rejected.templates == {"survey": RETURNED, "tasks": SENT}


def test_a_unit_that_sent_files_is_never_called_missing_by_the_command_line(tmp_path):
    ws = F.build(tmp_path / "ws")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "toolkit", "validate"], cwd=ws.root, env=env, capture_output=True,
                         text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    returns = out.stdout.split("退回名单", 1)[1].split("催报名单", 1)[0]
    chase = out.stdout.split("催报名单", 1)[1].split("\n\n", 1)[0]
    assert {name for name in F.STATUS if f"  {name}：" in returns} == F.RETURNED
    assert f"{F.PARTIAL}（缺大走访大调研台账）" in chase and F.NOTHING in chase
    assert not any(name in chase for name in F.RETURNED | {F.CLEAN})


def test_a_file_the_office_cannot_use_is_neither_returned_nor_chased(tmp_path, monkeypatch):
    """本机无权读取 / 程序出错 are the office's problems: the unit is 待核查, not 有退回 (the message
    itself says 不必退回), and the 下一步 says what the office does about it."""
    from toolkit.cli import next_steps
    from toolkit.submission import PENDING
    from toolkit.validate import collection

    ws = F.build(tmp_path / "ws")
    real = collection.validate_file

    def failing(fd, ctx):
        if fd.unit == F.CLEAN and "大走访" in fd.rel:
            raise ValueError("模拟的程序错误")
        return real(fd, ctx)

    monkeypatch.setattr(collection, "validate_file", failing)
    result = api.validate_workspace(ws)
    sub = submission_status(result)
    clean = sub.unit(F.CLEAN)
    assert clean.status == PENDING and clean.templates == {"survey": PENDING, "tasks": SENT}
    assert clean not in sub.returns and clean not in sub.chase and sub.pending == [clean]
    (held,) = clean.pending
    assert "大走访" in held.file and "不必退回" in held.reason and not clean.returned
    assert sub.count(PENDING) == 1 and sub.submitted == 4  # it did send its files
    data = sub.to_json()
    assert [(u["name"], [f["file"] for f in u["files"]]) for u in data["pending"]] == [(F.CLEAN, [held.file])]
    assert F.CLEAN not in {u["name"] for u in data["returned"]} | {u["name"] for u in data["missing"]}
    steps = next_steps(result, command="validate", inbox=ws.inbox, returns=ws.returns_dir)
    office = [s for s in steps if "待核查" in s]
    assert len(office) == 1 and "1 个文件" in office[0] and "不必退回" in office[0]
    assert not any(F.CLEAN in s for s in steps)  # nothing to send back to it, nobody to chase


def test_the_status_command_gives_the_same_answer(tmp_path):
    import json

    ws = F.build(tmp_path / "ws")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="80")
    data = json.loads(subprocess.run([sys.executable, "-m", "toolkit", "status", "--json", "-"],
                                     cwd=ws.root, env=env, capture_output=True, text=True, encoding="utf-8",
                                     check=True).stdout)
    sub = data["submission"]
    statuses = list(F.STATUS.values())
    assert sub["counts"] == {s: statuses.count(s) for s in sub["counts"]} and sum(sub["counts"].values()) == 5
    assert sorted(sub["submitted"]) == sorted(n for n, s in F.STATUS.items() if s != MISSING)
    assert {u["name"] for u in sub["returned"]} == F.RETURNED
    assert {u["name"]: u["templates"] for u in sub["chased"]} == F.CHASED
    out = subprocess.run([sys.executable, "-m", "toolkit", "status"], cwd=ws.root, env=env, capture_output=True,
                         text=True, encoding="utf-8", check=True).stdout
    line = next(x for x in out.splitlines() if "报送情况：" in x)
    assert "已报送 1 个" in line and "有退回 2 个" in line and "部分报送 1 个" in line and "未报送 1 个" in line
