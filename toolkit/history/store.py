"""The history store: one SQLite file per workspace (``台账历史.sqlite``), documented in docs/history.md.

Each recorded period keeps its accepted 走访记录 rows, the state of every problem and task
at the end of that period (carried items included), each unit's 报送情况 and the headline
figures. Writing a period is one transaction that replaces that period's records only;
the other periods are never touched. The file opens in any SQLite tool.

Only the standard library (sqlite3) and the schema are used; the tables are derived from
the schema, so a column added there is stored under its key. Plain data goes in and out:
rows as columns (``dict[column, list]``) with dates as ISO text.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import schema as S
from ..exceptions import StoreError

STORE_NAME = "台账历史.sqlite"
FORMAT = 1  # bumped when a table changes in a way older toolkits cannot read
BUSY_TIMEOUT_S = 5.0

_SQL_TYPES = {"int": "INTEGER", "number": "REAL", "percent": "REAL"}

#: columns every row table has, before the schema columns: (column, SQL type, meaning)
ROW_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("period", "TEXT NOT NULL", "统计期代码（periods.code）"),
    ("unit_code", "TEXT NOT NULL", "单位编码（不在名单中的单位为空）"),
    ("unit", "TEXT NOT NULL", "单位名称（名单中的名称）"),
    ("file", "TEXT", "来源文件（收集文件夹内的相对路径）；结转未更新的条目为空"),
    ("row", "INTEGER", "来源文件中的 Excel 行号"),
    ("notes", "TEXT", "校验提示"),
)
#: columns of the item tables (problems, tasks), after ROW_COLUMNS
ITEM_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "TEXT NOT NULL", "编号：首次汇总时由工具给出，终身不变"),
    ("first_period", "TEXT NOT NULL", "首次列入清单的统计期"),
    ("updated", "INTEGER NOT NULL", "1 = 本期报送中有这一条；0 = 本期未更新（按上期状态结转）"),
    ("light", "TEXT", "亮灯（红/黄/绿）"),
    ("overdue", "TEXT", "是否逾期（是/否）"),
    ("days_overdue", "INTEGER", "逾期天数"),
)
ITEM_SHEETS = ("problems", "tasks")
#: the columns of an item table that every run reads of the earlier periods (what is open, its compared
#: fields, each period's states), kept per period and sheet as one JSON value in table ``ledgers``
LEDGER_FIELDS: dict[str, tuple[str, ...]] = {
    "problems": ("rowid", "id", "unit_code", "unit", "first_period", "status", "light", "deadline", "description"),
    "tasks": ("rowid", "id", "unit_code", "unit", "first_period", "status", "light", "progress", "deadline", "name",
              "result_value"),
}


def _schema_columns(sheet_key: str) -> list[tuple[str, str]]:
    sheet = S.SHEETS[sheet_key]
    taken = {c for c, _t, _m in ROW_COLUMNS + ITEM_COLUMNS}
    return [(c.key, _SQL_TYPES.get(c.kind, "TEXT")) for c in sheet.columns if c.key not in taken]


def table_columns(sheet_key: str) -> list[str]:
    """Every column of the table of ``sheet_key``, in order."""
    cols = [c for c, _t, _m in ROW_COLUMNS]
    if sheet_key in ITEM_SHEETS:
        cols += [c for c, _t, _m in ITEM_COLUMNS]
    return cols + [c for c, _t in _schema_columns(sheet_key)]


#: item table → (column, SQL type) of every column
_SCHEMA_TYPES = {key: [(c, t.split()[0]) for c, t, _m in ROW_COLUMNS + ITEM_COLUMNS] + _schema_columns(key)
                 for key in ITEM_SHEETS}


def _create_statements() -> list[str]:
    out = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS periods (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
            as_of TEXT NOT NULL, recorded_at TEXT NOT NULL, folder TEXT NOT NULL DEFAULT '',
            folders TEXT NOT NULL DEFAULT '{}', headline TEXT NOT NULL DEFAULT '{}',
            figures TEXT NOT NULL DEFAULT '{}')""",
        """CREATE TABLE IF NOT EXISTS submissions (
            period TEXT NOT NULL, unit_code TEXT NOT NULL, unit TEXT NOT NULL, status TEXT NOT NULL,
            templates TEXT NOT NULL, files TEXT NOT NULL, PRIMARY KEY (period, unit))""",
    ]
    for key in S.SHEETS:
        cols = list(ROW_COLUMNS) + (list(ITEM_COLUMNS) if key in ITEM_SHEETS else [])
        defs = [f'"{c}" {t}' for c, t, _m in cols] + [f'"{c}" {t}' for c, t in _schema_columns(key)]
        out.append(f"CREATE TABLE IF NOT EXISTS {key} ({', '.join(defs)})")
        out.append(f"CREATE INDEX IF NOT EXISTS {key}_period ON {key} (period)")
    return out + _ledger_statements()


def _ledger_triggers() -> dict[str, str]:
    """Trigger name → statement: any change to a period's rows of an item table made by another
    program (a SQLite tool) removes that period's ledger, which is then read from the rows again
    (:meth:`Store.ledger`) until the period is recorded anew."""
    out = {}
    for key in ITEM_SHEETS:
        for event, periods in (("INSERT", "NEW.period"), ("UPDATE", "OLD.period, NEW.period"), ("DELETE", "OLD.period")):
            name = f"{key}_{event.lower()}_ledger"
            out[name] = (f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {key} BEGIN "
                         f"DELETE FROM ledgers WHERE sheet = '{key}' AND period IN ({periods}); END")
    return out


def _ledger_statements() -> list[str]:
    """Table ``ledgers`` and its triggers."""
    return ["CREATE TABLE IF NOT EXISTS ledgers (period TEXT NOT NULL, sheet TEXT NOT NULL, field TEXT NOT NULL, "
            "data TEXT NOT NULL, PRIMARY KEY (period, sheet, field))", *_ledger_triggers().values()]


@contextmanager
def _own_ledgers(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside a transaction that writes the ledgers of the periods it changes: the triggers are left
    out (a trigger per row written costs more than the rows: 0.5 s at bench M) and put back before
    it commits; a rollback restores them too."""
    table, *_triggers = _ledger_statements()
    conn.execute(table)
    for name in _ledger_triggers():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for statement in _ledger_statements():
        conn.execute(statement)


@dataclass
class PeriodRecord:
    """One row of ``periods``."""

    code: str
    name: str
    start: str  # ISO dates
    end: str
    as_of: str
    recorded_at: str = ""
    folder: str = ""  # the period's folder, relative to the workspace ("" = the workspace itself)
    folders: dict[str, str] = field(default_factory=dict)  # templates/inbox/output/returns, relative
    headline: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def _message(path: Path, exc: BaseException) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (f"历史记录文件 {path.name} 正被另一个程序使用（可能同时运行了两次 toolkit，或在 SQLite 工具中打开着）。"
                "请等待另一次运行结束或关闭该程序后重试；历史记录未被改动。")
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return (f"无法写入历史记录文件 {path}：没有写入权限或文件夹不存在。请检查工作区文件夹的权限后重试；"
                "历史记录未被改动。")
    if "full" in text:
        return f"磁盘空间不足，无法写入历史记录文件 {path}。请清理磁盘后重试；历史记录未被改动。"
    backup = backup_path(path)
    if backup.is_file():
        fix = (f"请把它改名留存，再把工作区中的 {backup.name}（上次写入前自动保存的副本）改名为 {path.name}，"
               "然后重新汇总之后的各期")
    else:
        fix = ("请把它改名留存，再用 toolkit import-history 从各期的汇总表.xlsx 重建历史记录"
               "（toolkit import-history 汇总表.xlsx --period 2022Q1，逐期导入）")
    return f"历史记录文件 {path} 已损坏，无法读取（{exc}）。{fix}。"


def backup_path(path: Path) -> Path:
    """台账历史.sqlite.bak: the store as it was before the last write (one copy, replaced each time)."""
    path = Path(path)
    return path.with_name(path.name + ".bak")


class Store:
    """The history store of one workspace. Use :func:`open_store`; close it (or use ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = Path(path)
        self._conn = conn
        self._ledgers: dict[tuple[str, str, str], list[Any]] = {}  # (sheet, period, field) -> column read

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.Error as exc:
            raise StoreError(_message(self.path, exc)) from None

    # --- periods -----------------------------------------------------------

    def periods(self) -> list[PeriodRecord]:
        """Every recorded period, in time order."""
        with self._guard() as conn:
            rows = conn.execute('SELECT code, name, start, "end", as_of, recorded_at, folder, folders, headline '
                                'FROM periods ORDER BY start, "end", code').fetchall()
        return [PeriodRecord(c, n, s, e, a, r, f, json.loads(fs), json.loads(h)) for c, n, s, e, a, r, f, fs, h in rows]

    def period(self, code: str) -> PeriodRecord | None:
        with self._guard() as conn:
            row = conn.execute('SELECT code, name, start, "end", as_of, recorded_at, folder, folders, headline, figures '
                               'FROM periods WHERE code = ?', (code,)).fetchone()
        if row is None:
            return None
        c, n, s, e, a, r, f, fs, h, fig = row
        return PeriodRecord(c, n, s, e, a, r, f, json.loads(fs), json.loads(h), json.loads(fig))

    def previous(self, code: str, start: str) -> PeriodRecord | None:
        """The latest recorded period that starts before ``start`` (other than ``code``)."""
        earlier = [p for p in self.periods() if p.code != code and p.start < start]
        return earlier[-1] if earlier else None

    # --- writing -----------------------------------------------------------

    def record_period(self, period: PeriodRecord, tables: dict[str, dict[str, Sequence[Any]]],
                      submissions: list[dict[str, Any]]) -> None:
        """Replace everything of ``period.code`` by ``tables`` (sheet key → columns) in one transaction."""
        period.recorded_at = period.recorded_at or datetime.now().replace(microsecond=0).isoformat()
        self.keep_backup()
        with self._guard() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                with _own_ledgers(conn):
                    for key in S.SHEETS:
                        conn.execute(f"DELETE FROM {key} WHERE period = ?", (period.code,))
                    conn.execute("DELETE FROM submissions WHERE period = ?", (period.code,))
                    conn.execute("DELETE FROM periods WHERE code = ?", (period.code,))
                    conn.execute(
                        'INSERT INTO periods (code, name, start, "end", as_of, recorded_at, folder, folders, headline, '
                        "figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (period.code, period.name, period.start, period.end, period.as_of, period.recorded_at,
                         period.folder, _dumps(period.folders), _dumps(period.headline), _dumps(period.figures)))
                    for key, columns in tables.items():
                        self._insert(conn, key, period.code, columns)
                    for key in ITEM_SHEETS:
                        _write_ledger(conn, key, period.code, tables.get(key))
                conn.executemany(
                    "INSERT INTO submissions (period, unit_code, unit, status, templates, files) VALUES (?, ?, ?, ?, ?, ?)",
                    [(period.code, s.get("code", ""), s["name"], s["status"], _dumps(s.get("templates", {})),
                      _dumps(s.get("files", []))) for s in submissions])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _insert(conn: sqlite3.Connection, key: str, code: str, columns: dict[str, Sequence[Any]]) -> None:
        names = table_columns(key)
        n = len(next(iter(columns.values()))) if columns else 0
        if not n:
            return
        values = [[code] * n if name == "period" else columns.get(name) for name in names]
        values = [col if col is not None else [None] * n for col in values]
        quoted = ", ".join(f'"{c}"' for c in names)
        marks = ", ".join("?" for _ in names)
        conn.executemany(f"INSERT INTO {key} ({quoted}) VALUES ({marks})", zip(*values))

    def keep_backup(self) -> Path | None:
        """Copy the store to :func:`backup_path` before a write (SQLite's online backup: a consistent
        copy, replaced atomically); nothing when no period is recorded yet. A copy that cannot be
        written does not stop the write (the store itself stays one transaction per period)."""
        from ..io import temp_prefix

        if not self.periods():
            return None
        target = backup_path(self.path)
        tmp = target.with_name(temp_prefix() + target.name)
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                self._conn.backup(dst)
            finally:
                dst.close()
            os.replace(tmp, target)
        except (sqlite3.Error, OSError):
            with contextlib.suppress(OSError):
                tmp.unlink()
            return None
        return target

    def delete_period(self, code: str) -> None:
        self.keep_backup()
        with self._guard() as conn:
            with conn:
                for key in S.SHEETS:
                    conn.execute(f"DELETE FROM {key} WHERE period = ?", (code,))
                conn.execute("DELETE FROM submissions WHERE period = ?", (code,))
                conn.execute("DELETE FROM periods WHERE code = ?", (code,))

    # --- reading -----------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator["Store"]:
        """Every read inside sees the store as it was at the first one (one read transaction): a
        period another process records meanwhile is seen whole or not at all, so that the columns
        read of a period in several statements (ledger fields, rows) always belong together."""
        if self._conn.in_transaction:  # already inside one
            yield self
            return
        with self._guard() as conn:
            conn.execute("BEGIN")
        try:
            yield self
        finally:
            if self._conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("COMMIT")  # nothing was written: this only ends the snapshot

    def ledger(self, key: str, period: str, names: Sequence[str] | None = None) -> dict[str, list[Any]]:
        """Fields ``names`` (of :data:`LEDGER_FIELDS`; all by default) of item table ``key`` in ``period``
        as columns in stored (rowid) order: what :meth:`columns` gives for them, read from table
        ``ledgers`` (one JSON value per field, not a row per item) when it holds them; each column
        read once per opening of the store."""
        names = LEDGER_FIELDS[key] if names is None else tuple(names)
        wanted = [n for n in names if (key, period, n) not in self._ledgers]
        if wanted:
            with self._guard() as conn:
                try:
                    marks = ", ".join("?" for _ in wanted)
                    kept = dict(conn.execute(f"SELECT field, data FROM ledgers WHERE period = ? AND sheet = ? "
                                             f"AND field IN ({marks})", (period, key, *wanted)).fetchall())
                except sqlite3.OperationalError:  # no table ledgers: a store this process could not upgrade
                    kept = {}
                try:
                    found = {n: _loads(kept[n]) for n in wanted} if len(kept) == len(wanted) else None
                except ValueError:  # a value edited by hand into something that is not JSON
                    found = None
                if found is not None and all(isinstance(v, list) for v in found.values()):
                    self._ledgers.update({(key, period, n): v for n, v in found.items()})
                else:  # not kept (changed in a SQLite tool since, or never written): from the rows
                    columns = _ledger_columns(conn, key, period)
                    self._ledgers.update({(key, period, n): values for n, values in columns.items()})
        return {n: self._ledgers[(key, period, n)] for n in names}

    def columns(self, key: str, period: str, where: str = "", params: Sequence[Any] = (),
                names: Sequence[str] | None = None) -> dict[str, list[Any]]:
        """The rows of table ``key`` in ``period`` as columns (in stored order; ``names``: only those)."""
        with self._guard() as conn:
            return _select_columns(conn, key, period, names if names is not None else table_columns(key),
                                   where, params)

    def submissions(self, period: str) -> list[dict[str, Any]]:
        with self._guard() as conn:
            rows = conn.execute("SELECT unit_code, unit, status, templates, files FROM submissions WHERE period = ? "
                                "ORDER BY rowid", (period,)).fetchall()
        return [{"code": c, "name": n, "status": s, "templates": json.loads(t), "files": json.loads(f)}
                for c, n, s, t, f in rows]

    def latest(self, key: str, before_start: str, previous: str) -> list[tuple[str, str, str, str, str, str]]:
        """One row per item of ``key`` recorded before ``before_start``: its latest state
        (编号, unit_code, unit, first_period, status, period of that state).

        Every item open at the end of a period is in the next one's ledger, so the ``previous``
        period holds the latest state of all but the items closed before it; those are looked
        up in the earlier periods (newest first)."""
        fields = ("id", "unit_code", "unit", "first_period", "status")
        last = self.ledger(key, previous, fields)
        rows = list(zip(*(last[f] for f in fields), [previous] * len(last["id"])))
        seen = set(last["id"])
        older: list[tuple[str, int, tuple[str, str, str, str, str, str]]] = []
        for p in self.periods():
            if p.start < before_start and p.code != previous:
                if seen.issuperset(self.ledger(key, p.code, ("id",))["id"]):
                    continue  # every item of that period is in the previous one (the usual case)
                cols = self.ledger(key, p.code, ("rowid", *fields))
                older.extend((p.start, rowid, row) for rowid, row in
                             zip(cols["rowid"], zip(*(cols[f] for f in fields), [p.code] * len(cols["id"])))
                             if row[0] not in seen)
        older.sort(key=lambda r: (r[0], r[1]), reverse=True)  # newest period first, latest row first
        for _start, _rowid, r in older:
            if r[0] not in seen:
                seen.add(r[0])
                rows.append(r)
        return rows

    def issued(self, key: str, before_start: str) -> dict[str, tuple[str, str, str]]:
        """编号 → (unit_code, first_period, unit) of every item of ``key`` recorded before ``before_start``."""
        with self._guard() as conn:
            rows = conn.execute(
                f"SELECT t.id, t.unit_code, t.first_period, t.unit FROM {key} t JOIN periods p ON p.code = t.period "
                "WHERE p.start < ? ORDER BY p.start, t.rowid", (before_start,)).fetchall()
        out: dict[str, tuple[str, str, str]] = {}
        for item_id, unit_code, first, unit in rows:
            out.setdefault(item_id, (unit_code, first, unit))
        return out

    def closed(self, key: str, before_start: str, final: str) -> tuple[dict[str, str], dict[str, str]]:
        """Items of ``key`` whose latest state before ``before_start`` is ``final``:
        (编号 → that status, 编号 → the period code of the first record at that status)."""
        with self._guard() as conn:
            rows = conn.execute(
                f"SELECT t.id, t.status, t.period FROM {key} t JOIN periods p ON p.code = t.period "
                "WHERE p.start < ? ORDER BY p.start, t.rowid", (before_start,)).fetchall()
        latest: dict[str, str | None] = {}
        since: dict[str, str] = {}
        for item_id, status, period in rows:
            if status == final and latest.get(item_id) != final:
                since[item_id] = period
            latest[item_id] = status
        closed = {i: s for i, s in latest.items() if s == final}
        return closed, {i: since[i] for i in closed}

    def issued_ids(self, key: str, unit_code: str, before_start: str) -> set[str]:
        """Every 编号 given to ``unit_code`` in table ``key`` in periods starting before ``before_start``."""
        with self._guard() as conn:
            rows = conn.execute(
                f"SELECT DISTINCT t.id FROM {key} t JOIN periods p ON p.code = t.period "
                "WHERE t.unit_code = ? AND p.start < ?", (unit_code, before_start)).fetchall()
        return {r[0] for r in rows}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


try:  # the ledgers are a few MB of JSON at city scale: orjson when installed, the same text otherwise
    import orjson as _orjson
except ImportError:  # pragma: no cover - a platform without the wheel
    _orjson = None


def _loads(text: str) -> Any:
    return _orjson.loads(text) if _orjson is not None else json.loads(text)


def _json_text(value: Any) -> str:
    """``value`` as compact JSON text (as :func:`_loads` reads it back)."""
    return (_orjson.dumps(value).decode("utf-8") if _orjson is not None
            else json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _select_columns(conn: sqlite3.Connection, key: str, period: str, names: Sequence[str], where: str = "",
                    params: Sequence[Any] = ()) -> dict[str, list[Any]]:
    """Columns ``names`` (``rowid`` included if asked) of table ``key``'s rows in ``period``, in stored order."""
    names = list(names)
    quoted = ", ".join(n if n == "rowid" else f'"{n}"' for n in names)
    sql = f"SELECT {quoted} FROM {key} WHERE period = ?" + (f" AND ({where})" if where else "") + " ORDER BY rowid"
    rows = conn.execute(sql, (period, *params)).fetchall()
    return {name: list(col) for name, col in zip(names, zip(*rows))} if rows else {name: [] for name in names}


def _ledger_columns(conn: sqlite3.Connection, key: str, period: str) -> dict[str, list[Any]]:
    return _select_columns(conn, key, period, LEDGER_FIELDS[key])


def _finite(values: Sequence[Any]) -> bool:
    """No NaN or infinity among the numbers of ``values`` (JSON has neither; SQLite stores NaN as NULL)."""
    return all(v is None or not isinstance(v, float) or math.isfinite(v) for v in values)


def _as_stored(key: str, written: dict[str, Sequence[Any]] | None, rowids: list[int]) -> dict[str, list[Any]] | None:
    """The ledger of the rows just inserted from ``written`` (one per rowid, in order), without reading
    them back, when every value is stored as given: text or NULL in a TEXT column, a number or NULL in
    a REAL one (an integer becomes a float there, as SQLite stores it). None when anything else
    would be converted by the column's affinity: then the rows are read back."""
    n = len(rowids)
    out: dict[str, list[Any]] = {"rowid": rowids}
    types = dict(_SCHEMA_TYPES[key])
    for name in LEDGER_FIELDS[key][1:]:
        values = (written or {}).get(name)
        if values is None:
            out[name] = [None] * n
            continue
        if len(values) != n:
            return None
        kinds = set(map(type, values)) - {type(None)}
        if types.get(name, "TEXT") == "REAL":
            if not kinds <= {float, int} or not _finite(values):
                return None  # NaN is stored as NULL
            out[name] = [float(v) if v.__class__ is int else v for v in values] if int in kinds else list(values)
        elif kinds <= {str}:
            out[name] = list(values)
        else:
            return None
    return out


def _write_ledger(conn: sqlite3.Connection, key: str, period: str,
                  written: dict[str, Sequence[Any]] | None = None) -> None:
    """Keep ``period``'s ledger of ``key`` as its rows now hold it (inside the caller's transaction);
    ``written``: the columns just inserted, which spare reading the rows back when stored as given."""
    columns = None
    if written is not None:
        rowids = [r for (r,) in conn.execute(f"SELECT rowid FROM {key} WHERE period = ? ORDER BY rowid", (period,))]
        columns = _as_stored(key, written, rowids)
    conn.execute("DELETE FROM ledgers WHERE period = ? AND sheet = ?", (period, key))
    if columns is None:
        columns = _ledger_columns(conn, key, period)
        real = [name for name, kind in _SCHEMA_TYPES[key] if kind == "REAL" and name in columns]
        if not all(_finite(columns[name]) for name in real):
            return  # JSON has no infinity: that period's ledger is read from its rows
    conn.executemany("INSERT INTO ledgers (period, sheet, field, data) VALUES (?, ?, ?, ?)",
                     [(period, key, name, _json_text(values)) for name, values in columns.items()])


_LEDGERS_SIGNATURE = json.dumps({"layout": 2, "fields": LEDGER_FIELDS}, separators=(",", ":"))


def _add_ledgers(conn: sqlite3.Connection) -> None:
    """(Re)write every period's ledgers, and the table and triggers, for a store whose ledgers are
    missing (written before they existed: same format, older toolkits read and write it as before,
    their writes remove the ledgers they make stale) or hold other fields (``meta.ledgers``). A store
    this process may not write is read from its rows."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TABLE IF EXISTS ledgers")  # written again whole, in this toolkit's layout
        for statement in _ledger_statements():
            conn.execute(statement)
        for (code,) in conn.execute("SELECT code FROM periods").fetchall():
            for key in ITEM_SHEETS:
                _write_ledger(conn, key, code)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ledgers', ?)", (_LEDGERS_SIGNATURE,))
        conn.execute("COMMIT")
    except sqlite3.OperationalError:  # read-only, locked: nothing changed
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def open_store(path: Path, *, create: bool = True) -> Store:
    """Open (or create) the store at ``path``; a damaged, locked or too new store raises :class:`StoreError`."""
    path = Path(path)
    if not path.exists() and not create:
        raise StoreError(f"找不到历史记录文件 {path}。一期工作完成后运行 toolkit next-period，记录本期并开始下一期。")
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(_message(path, exc)) from None
    store = Store(path, conn)
    try:
        with store._guard():
            # one writer at a time, readers never blocked; a crash loses at most the last period written,
            # never a half-written one (each period is one transaction)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            version = 0
            if found:
                row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                version = int(row[0]) if row and str(row[0]).isdigit() else 0
                if version > FORMAT:
                    raise StoreError(f"历史记录文件 {path.name} 由更新版本的 toolkit 写入（格式 {version}），本版本无法读取。"
                                     "请升级 toolkit 后再运行。")
            if version != FORMAT:  # a new store (or one without its tables): create them
                conn.execute("BEGIN IMMEDIATE")
                for statement in _create_statements():
                    conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)", (str(FORMAT),))
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ledgers', ?)", (_LEDGERS_SIGNATURE,))
                conn.execute("COMMIT")
            if conn.execute("SELECT value FROM meta WHERE key = 'ledgers'").fetchone() != (_LEDGERS_SIGNATURE,):
                _add_ledgers(conn)  # a store written before ledgers existed, or by a toolkit keeping other fields
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
        raise
    return store
