"""next-period records the merge of the last ``toolkit run`` when the files are still the same
(toolkit.history.kept): the same store as merging again, never a stale or planted entry."""

from __future__ import annotations

import json
import pickle
import sqlite3

import pytest

from demo_workspace import demo_copy
from toolkit import api
from toolkit.config import load_workspace
from toolkit.history.kept import KEPT_NAME, kept

TABLES = ("visits", "problems", "tasks", "submissions", "periods")


def _store_rows(ws) -> dict[str, list[tuple]]:
    con = sqlite3.connect(str(ws.store_path))
    try:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            shown = [c for c in cols if c != "recorded_at"]  # the time of recording differs
            quoted = ", ".join(f'"{c}"' for c in shown)
            rows = con.execute(f"SELECT {quoted} FROM {table} ORDER BY rowid").fetchall()
            out[table] = [tuple(_plain(v, ws) for v in r) for r in rows]
        return out
    finally:
        con.close()


def _plain(value, ws):
    """A stored value with the workspace's own folder and the figures' time of making left out."""
    if not isinstance(value, str):
        return value
    if value.startswith("{") and '"generated_at"' in value:
        data = json.loads(value)
        data.pop("generated_at", None)  # when the figures were made: the run, or the merge again
        value = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return value.replace(str(ws.root), "<root>")


def test_next_period_records_the_kept_merge_and_the_store_is_the_same(tmp_path_factory, tmp_path, monkeypatch):
    fresh_root = demo_copy(tmp_path_factory, tmp_path / "fresh")
    kept_root = demo_copy(tmp_path_factory, tmp_path / "kept")
    monkeypatch.setenv("TOOLKIT_CACHE", "0")  # no cache: next-period validates and merges again
    fresh = load_workspace(fresh_root)
    api.run_workspace(fresh)
    api.next_period(fresh, console=False)
    monkeypatch.delenv("TOOLKIT_CACHE")
    ws = load_workspace(kept_root)
    api.run_workspace(ws)
    assert (ws.cache_dir / KEPT_NAME).is_file() and kept(ws) is not None

    def no_second_merge(*args, **kwargs):
        raise AssertionError("next-period validated the files again")

    monkeypatch.setattr(api, "validate_workspace", no_second_merge)
    monkeypatch.setattr(api, "run_workspace", no_second_merge)
    outcome = api.next_period(ws, console=False)
    assert outcome.changed and not outcome.merged
    assert _store_rows(ws) == _store_rows(fresh)
    assert outcome.carried and outcome.carried["problems"] > 0


def test_a_kept_merge_of_other_files_or_settings_is_not_used(tmp_path_factory, tmp_path):
    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path / "ws"))
    api.run_workspace(ws)
    assert kept(ws) is not None
    text = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(text.replace("as_of = 2022-07-29", "as_of = 2022-07-30"), encoding="utf-8")
    assert "2022-07-30" in ws.config_path.read_text(encoding="utf-8")
    assert kept(load_workspace(ws.root)) is None  # another as_of: another merge
    ws.config_path.write_text(text, encoding="utf-8")
    assert kept(load_workspace(ws.root)) is not None
    first = sorted(ws.inbox.rglob("*.xlsx"))[0]
    data = first.read_bytes()
    first.write_bytes(data + b"\0")  # another file content
    assert kept(load_workspace(ws.root)) is None


def test_a_planted_entry_cannot_run_code(tmp_path_factory, tmp_path):
    ws = load_workspace(demo_copy(tmp_path_factory, tmp_path / "ws"))
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    ws.cache_dir.mkdir(parents=True, exist_ok=True)
    (ws.cache_dir / KEPT_NAME).write_bytes(pickle.dumps({"format": 1, "key": "x", "tables": Evil(), "figures": {}}))
    assert kept(ws) is None and not marker.exists()
