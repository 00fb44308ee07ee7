"""Five configured units, one of each 报送情况 (issue "One answer everywhere").

* 办公室 — both ledgers, clean: 已报送;
* 党建办 — both ledgers, but every 走访记录 row is rejected (参与人数 0): 有退回;
* 政策法规科 — its 大走访大调研台账 is password-protected, its 任务推进台账 is clean: 有退回;
* 综合业务科 — only its 任务推进台账: 部分报送 (chased for 大走访大调研台账);
* 财务科 — nothing: 未报送.

Real files written from the toolkit's own templates into a real workspace.
"""

from __future__ import annotations

import random
from pathlib import Path

from factories import AS_OF, unit_rows, write_unit_workbooks
from messy import encrypted_workbook
from toolkit.config import Workspace, init_workspace
from toolkit.model import Unit
from toolkit.schema import SURVEY

UNITS = [Unit("01", "办公室"), Unit("02", "党建办"), Unit("03", "政策法规科"), Unit("04", "综合业务科"),
         Unit("05", "财务科")]
CLEAN, REJECTED, ENCRYPTED, PARTIAL, NOTHING = (u.name for u in UNITS)

STATUS = {CLEAN: "已报送", REJECTED: "有退回", ENCRYPTED: "有退回", PARTIAL: "部分报送", NOTHING: "未报送"}
CHASED = {PARTIAL: [SURVEY.name], NOTHING: ["大走访大调研台账", "任务推进台账"]}  # 催报名单, missing templates
RETURNED = {REJECTED, ENCRYPTED}  # 退回名单


def build(root: Path) -> Workspace:
    ws = init_workspace(root, "XX市XX局", "2022Q1", units=UNITS, as_of=AS_OF)
    rng = random.Random(11)
    period = ws.period
    write_unit_workbooks(ws.inbox, UNITS[0], unit_rows(rng, 4, 3, 3, period), period=period)
    rejected = unit_rows(rng, 3, 0, 2, period)
    for visit in rejected["visits"]:
        visit["participants"] = 0  # too small: every visit row is rejected
        visit["problems_found"] = 0
        visit["solved_on_spot"] = 0
    write_unit_workbooks(ws.inbox, UNITS[1], rejected, period=period)
    write_unit_workbooks(ws.inbox, UNITS[2], unit_rows(rng, 0, 0, 2, period), period=period, templates=("tasks",))
    encrypted_workbook(ws.inbox / SURVEY.file_name(ENCRYPTED, period.name))
    write_unit_workbooks(ws.inbox, UNITS[3], unit_rows(rng, 0, 0, 3, period), period=period, templates=("tasks",))
    return ws
