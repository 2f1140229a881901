"""The gate's audit log: every decision the gate service answers, written before the answer leaves.

An append-only SQLite file in WAL mode (``config.audit_log()`` unless told otherwise), one row a decision:
when, who asked, where, the line, the decision and its reason, the parts, the SHA-256 of each descriptor the
decision rests on with its verdict byte, the backend that validated them, the gate's version and table digest,
and the digest of the person's rules in force. Triggers refuse UPDATE and DELETE: a mistake in a program
cannot rewrite history (the file's owner can still delete the file; the log guards against accidents, not
against its owner).

Durability: the service commits once per tick (one transaction for the tick's decisions) and answers only
after the commit returns. ``synchronous=FULL`` (the default) syncs the WAL to disk at each commit, so an
answered decision survives a power loss too; ``normal`` leaves it in the OS's page cache, which survives a
``kill -9`` of the service (the kernel still holds the written pages) but not a power loss.

A write that fails (a full disk, a read-only file) raises ``AuditError`` and the service refuses the tick's
checks; the next tick opens the file again, so a log that becomes writable again is used again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "tcphw-gate-audit/1"
USER_VERSION = 1
SYNC_MODES = ("full", "normal")
COLUMNS = (
    "time", "batch", "caller_uid", "caller_pid", "caller_address", "caller_name", "cwd", "workspace", "line",
    "env_names", "decision", "reason", "parts", "descriptor_sha256", "verdicts", "backend", "gate_version",
    "table_digest", "rules_digest",
)  # fmt: skip

INSERT = f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        batch INTEGER NOT NULL,
        caller_uid INTEGER,
        caller_pid INTEGER,
        caller_address TEXT NOT NULL,
        caller_name TEXT,
        cwd TEXT,
        workspace TEXT,
        line TEXT NOT NULL,
        env_names TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL,
        parts TEXT NOT NULL,
        descriptor_sha256 TEXT NOT NULL,
        verdicts BLOB NOT NULL,
        backend TEXT NOT NULL,
        gate_version TEXT NOT NULL,
        table_digest TEXT NOT NULL,
        rules_digest TEXT
    )""",
    "CREATE INDEX decisions_time ON decisions (time)",
    """CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the gate audit log is append-only: no UPDATE'); END""",
    """CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the gate audit log is append-only: no DELETE'); END""",
)


class AuditError(RuntimeError):
    """The log cannot be written (or read): one line that says why."""


@dataclass(frozen=True)
class Caller:
    """Who asked: the peer's uid and pid from the Unix socket (SO_PEERCRED, the kernel's word), or the TCP
    address; plus the name the client gives itself, which nothing verifies."""

    address: str  # "unix" or "tcp:127.0.0.1:54321"
    uid: int | None = None
    pid: int | None = None
    name: str | None = None

    def shown(self) -> str:
        who = f"uid={self.uid} pid={self.pid}" if self.uid is not None else self.address
        return f"{who} ({self.name})" if self.name else who


@dataclass
class Record:
    """One decision as the log stores it (see ``record``)."""

    time: str
    caller: Caller
    cwd: str | None
    workspace: str | None
    line: str
    env_names: list[str]
    decision: str
    reason: str
    parts: str  # JSON
    descriptor_sha256: list[str]
    verdicts: bytes
    backend: str
    gate_version: str
    table_digest: str
    rules_digest: str | None = None  # the person's rules in force (rules.Rules.digest), when there are any


def now() -> str:
    """UTC, ISO 8601 with microseconds and a Z: sorts as text in time order."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def record(
    check: Any,
    caller: Caller,
    parts_json: str,
    env: dict[str, str] | None,
    gate_version: str,
    table_digest: str,
    reason: str | None = None,
    rules_digest: str | None = None,
) -> Record:
    """The log's row for a ``Check``; ``parts_json`` is the JSON of its parts (and ``reason`` its reason, if
    known), made once for the log and the answer alike. The caller's variables are logged by name only: their
    values may be secrets."""
    hashes: list[str] = []
    verdicts = bytearray()
    for part in check.parts:
        if part.descriptor is not None and part.verdict is not None:
            hashes.append(hashlib.sha256(part.descriptor).hexdigest())
            verdicts.append(part.verdict & 0xFF)
    return Record(
        time=now(),
        caller=caller,
        cwd=check.cwd,
        workspace=check.workspace,
        line=check.line,
        env_names=sorted(env or {}),
        decision=check.decision.name,
        reason=reason if reason is not None else check.reason(),
        parts=parts_json,
        descriptor_sha256=hashes,
        verdicts=bytes(verdicts),
        backend=check.backend or "",
        gate_version=gate_version,
        table_digest=table_digest,
        rules_digest=rules_digest,
    )


def _one_line(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text


def _create_private(path: Path) -> None:
    """The log's folder (0700, if this makes it) and file (0600): decisions name the user's folders and lines."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


class AuditLog:
    """The writer: one connection, used by one thread at a time (the service's tick thread)."""

    def __init__(self, path: Path, sync: str = "full", max_pages: int | None = None) -> None:
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {', '.join(SYNC_MODES)}, not {sync!r}")
        self.path = path
        self.sync = sync
        self.max_pages = max_pages  # a size cap, in pages: a "full disk" at that size (SQLITE_FULL)
        self.db: sqlite3.Connection | None = None
        self.error: str | None = None  # the last write's failure, until a write succeeds again
        self.written = 0
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open (and create) the log and check that it takes a write; raises AuditError."""
        with self._lock:
            self._connect()

    def _connect(self) -> sqlite3.Connection:
        if self.db is not None:
            return self.db
        try:
            _create_private(self.path)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(f"PRAGMA synchronous={self.sync.upper()}")
                if self.max_pages is not None:
                    db.execute(f"PRAGMA max_page_count={int(self.max_pages)}")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, USER_VERSION):
                    raise AuditError(f"{self.path} is an audit log of a newer tcphw (format {version})")
                db.execute("BEGIN IMMEDIATE")
                try:
                    if version == 0:
                        tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
                        if tables:
                            raise AuditError(f"{self.path} is another SQLite file, not a gate audit log")
                        for statement in SCHEMA:
                            db.execute(statement)
                        db.execute("INSERT INTO meta VALUES ('format', ?), ('created', ?)", (FORMAT, now()))
                        db.execute(f"PRAGMA user_version={USER_VERSION}")
                        db.execute("COMMIT")
                    else:
                        # a write, rolled back: a read-only file fails here, before any check is taken (taking
                        # the write lock alone succeeds on one in WAL mode)
                        db.execute("INSERT INTO meta VALUES ('write probe', '')")
                        db.execute("ROLLBACK")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except BaseException:
                db.close()
                raise
        except AuditError as e:
            self.error = str(e)
            raise
        except (sqlite3.Error, OSError) as e:
            self.error = f"the audit log {self.path} cannot be written: {_one_line(e)}"
            raise AuditError(self.error) from e
        self.db = db
        self.error = None
        return db

    def append(self, records: Sequence[Record]) -> list[int]:
        """Write ``records`` in one transaction and return their ids; committed (and, with sync=full, on disk)
        when this returns. The rows of one call share a batch number: the first one's id. On failure nothing of
        them is in the log, and AuditError says why."""
        if not records:
            return []
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    # The batch is named by its first row's id, known before the first insert: the rows can
                    # never be updated afterwards. Under the write lock AUTOINCREMENT gives exactly seq + 1.
                    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'decisions'").fetchone()
                    batch = (int(seq[0]) if seq else 0) + 1
                    ids: list[int] = []
                    for r in records:
                        cur = db.execute(INSERT, _values(r, batch))
                        ids.append(int(cur.lastrowid or 0))
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                self.error = f"the audit log {self.path} cannot be written: {_one_line(e)}"
                self._close()  # opened again on the next tick: a freed disk or a fixed mode is used again
                raise AuditError(self.error) from e
            self.error = None
            self.written += len(ids)
            return ids

    def _close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    def close(self) -> None:
        with self._lock:
            self._close()


def _values(r: Record, first_id: int) -> tuple[Any, ...]:
    return (
        r.time, first_id, r.caller.uid, r.caller.pid, r.caller.address, r.caller.name, r.cwd, r.workspace, r.line,
        json.dumps(r.env_names), r.decision, r.reason, r.parts, json.dumps(r.descriptor_sha256), r.verdicts,
        r.backend, r.gate_version, r.table_digest, r.rules_digest,
    )  # fmt: skip


# -- reading ----------------------------------------------------------------------------------------------


def read(
    path: Path,
    since: str | None = None,
    decisions: Iterable[str] = (),
    grep: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The log's decisions in the order they were written, filtered: at or after ``since`` (an ISO time as
    the log writes it, or a prefix of one), with one of ``decisions``, whose line, cwd, reason or caller name
    contain ``grep``; the last ``limit`` of those. Opened read-only: reading never writes the log."""
    if not path.exists():
        raise AuditError(f"no gate audit log at {path} (gate serve writes it; give --log)")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise AuditError(f"cannot open the audit log {path}: {_one_line(e)}") from e
    try:
        where, args = [], []
        if since:
            where.append("time >= ?")
            args.append(since)
        wanted = list(decisions)
        if wanted:
            where.append(f"decision IN ({', '.join('?' * len(wanted))})")
            args.extend(wanted)
        if grep:
            where.append("(instr(line, ?) OR instr(coalesce(cwd, ''), ?) OR instr(reason, ?)"
                         " OR instr(coalesce(caller_name, ''), ?))")  # fmt: skip
            args.extend([grep] * 4)
        sql = f"SELECT id, {', '.join(COLUMNS)} FROM decisions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if limit is not None:
            sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT {int(limit)}) ORDER BY id"
        else:
            sql += " ORDER BY id"
        try:
            rows = db.execute(sql, args)
            names = [d[0] for d in rows.description]
            for row in rows:
                yield as_dict(dict(zip(names, row, strict=True)))
        except sqlite3.Error as e:
            raise AuditError(f"{path} is not a readable gate audit log: {_one_line(e)}") from e
    finally:
        db.close()


def as_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the JSON export writes it: JSON columns decoded, the verdict bytes as a list of ints."""
    out = dict(row)
    out["caller"] = {
        "address": out.pop("caller_address"),
        "uid": out.pop("caller_uid"),
        "pid": out.pop("caller_pid"),
        "name": out.pop("caller_name"),
    }
    out["env_names"] = json.loads(out["env_names"])
    out["parts"] = json.loads(out["parts"])
    out["descriptor_sha256"] = json.loads(out["descriptor_sha256"])
    out["verdicts"] = list(bytes(out["verdicts"]))
    return out


def count(path: Path) -> int:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM decisions").fetchone()[0])
