"""The registry of descriptors: the tools a scan found and the ones imported (the tool layer, host/apps/tools,
writes them) and the gate's own entries (host/gate reads them all). A room of its own below both, so the gate
reads it without reaching up into the applications.

SQLite (stdlib), a versioned schema with migrations, and history.

``PRAGMA user_version`` holds the schema version; ``MIGRATIONS[i]`` takes a database from
version i to i + 1, inside the transaction that opens it. A scan writes in one transaction,
so an interrupted scan leaves the database as it was. A tool whose descriptor changes keeps
its previous rows in ``history``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: tools and their history
    """
    CREATE TABLE tools (
        name TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        resolved TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        version TEXT,
        doc_source TEXT NOT NULL,
        doc_hash TEXT,
        risk TEXT NOT NULL,
        flags INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        analysis TEXT NOT NULL,
        descriptor BLOB NOT NULL,
        scanned_at TEXT NOT NULL
    );
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        version TEXT,
        doc_hash TEXT,
        risk TEXT NOT NULL,
        flags INTEGER NOT NULL,
        descriptor BLOB NOT NULL,
        scanned_at TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        why TEXT NOT NULL
    );
    CREATE INDEX history_name ON history(name);
    """,
    # 1 -> 2: scans are recorded (what was scanned, with what isolation, what came of it)
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        seconds REAL NOT NULL,
        dirs TEXT NOT NULL,
        isolation TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    ALTER TABLE tools ADD COLUMN scan_id INTEGER REFERENCES scans(id);
    ALTER TABLE tools ADD COLUMN analysis_version INTEGER NOT NULL DEFAULT 0;
    """,
    # 2 -> 3: descriptors imported from elsewhere (the upstream TCP knowledge base), a source of their own:
    # a scan never replaces or removes them, and a scanned tool of the same name wins a lookup.
    """
    CREATE TABLE imported (
        name TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        resolved TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        version TEXT,
        doc_source TEXT NOT NULL,
        doc_hash TEXT,
        risk TEXT NOT NULL,
        flags INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        analysis TEXT NOT NULL,
        descriptor BLOB NOT NULL,
        scanned_at TEXT NOT NULL,
        scan_id INTEGER,
        analysis_version INTEGER NOT NULL DEFAULT 0,
        upstream_risk TEXT NOT NULL,
        unknown INTEGER NOT NULL
    );
    """,
    # 3 -> 4: the evidence beyond the documentation (the file, its package, the combiner's probability), as JSON
    """
    ALTER TABLE tools ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE imported ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';
    """,
    # 4 -> 5: the gate's own descriptors: one per subcommand ("git push"), shell builtin ("builtin cd") and per
    # program its tables judge, each with its own command hash, so every descriptor a decision rests on is one a
    # backend validates. Derived from the gate's tables; table_digest says which version of them.
    """
    CREATE TABLE commands (
        key TEXT PRIMARY KEY,
        risk TEXT NOT NULL,
        reason TEXT NOT NULL,
        descriptor BLOB NOT NULL,
        table_digest TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class RegistryError(RuntimeError):
    pass


def default_db() -> Path:
    """The user's registry; TCPHW_DATA_DIR moves it with the gate's other data (host/gate/config.py)."""
    return Path(os.environ.get("TCPHW_DATA_DIR") or platformdirs.user_data_dir("tcphw")) / "tools.sqlite"


@dataclass(frozen=True)
class ToolRow:
    name: str
    path: str
    resolved: str
    size: int
    mtime_ns: int
    version: str | None
    doc_source: str
    doc_hash: str | None
    risk: str
    flags: int
    reasons: tuple[str, ...]
    analysis: str
    descriptor: bytes
    scanned_at: str
    scan_id: int | None = None
    analysis_version: int = 0
    evidence: str = "{}"  # JSON: the file, its package and the combiner's probability (schema 4)

    def as_dict(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["descriptor"] = self.descriptor.hex()
        d["reasons"] = list(self.reasons)
        return d


_COLUMNS = tuple(ToolRow.__dataclass_fields__)


class Registry:
    def __init__(self, path: Path, create: bool = False) -> None:
        """Open the registry at ``path``. Only ``create=True`` (tools scan, tools import) makes a missing
        one, with its folders: a typo in ``--db`` must not leave an empty registry behind."""
        self.path = path
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise RegistryError(f"{path}: no tool registry there; tcphw tools scan (or tools import) creates one")
        try:
            self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
            self.db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise RegistryError(f"{path} is not a tcphw tool registry ({e}); give another --db") from e

    def _migrate(self) -> None:
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RegistryError(
                    f"{self.path} has schema version {version}, newer than this tcphw's {SCHEMA_VERSION}: upgrade tcphw"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {step + 1}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def _row(self, values: tuple[Any, ...]) -> ToolRow:
        d = dict(zip(_COLUMNS, values, strict=True))
        d["reasons"] = tuple(json.loads(d["reasons"]))
        return ToolRow(**d)

    def get(self, name: str) -> ToolRow | None:
        row = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM tools WHERE name = ?", (name,)).fetchone()
        return self._row(row) if row else None

    def imported(self, name: str) -> ToolRow | None:
        row = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM imported WHERE name = ?", (name,)).fetchone()
        return self._row(row) if row else None

    def lookup(self, name: str) -> ToolRow | None:
        """What an agent's check sees: the tool scanned on this machine, else an imported descriptor."""
        return self.get(name) or self.imported(name)

    def command(self, key: str) -> tuple[str, str, bytes, str] | None:
        """The gate's entry for a subcommand or builtin: (risk, reason, descriptor, table digest)."""
        row = self.db.execute(
            "SELECT risk, reason, descriptor, table_digest FROM commands WHERE key = ?", (key,)
        ).fetchone()
        return (row[0], row[1], bytes(row[2]), row[3]) if row else None

    def commands_digest(self) -> str | None:
        row = self.db.execute("SELECT table_digest FROM commands LIMIT 1").fetchone()
        return str(row[0]) if row else None

    def put_commands(self, rows: Iterable[tuple[str, str, str, bytes]], digest: str) -> int:
        """Replace the gate's entries (key, risk, reason, descriptor) by those of a table version, in one
        transaction."""
        with self.transaction():
            self.db.execute("DELETE FROM commands")
            n = 0
            for key, risk, reason, descriptor in rows:
                self.db.execute(
                    "INSERT INTO commands (key, risk, reason, descriptor, table_digest) VALUES (?, ?, ?, ?, ?)",
                    (key, risk, reason, descriptor, digest),
                )
                n += 1
        return n

    def tool_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM tools UNION SELECT name FROM imported")]

    def imported_tools(self) -> Iterator[ToolRow]:
        for row in self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM imported ORDER BY name"):
            yield self._row(row)

    def put_imported(self, row: ToolRow, upstream_risk: str, unknown: bool) -> None:
        values = {**row.__dict__, "reasons": json.dumps(list(row.reasons))}
        columns = (*_COLUMNS, "upstream_risk", "unknown")
        self.db.execute(
            f"INSERT OR REPLACE INTO imported ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            (*(values[c] for c in _COLUMNS), upstream_risk, int(unknown)),
        )

    def tools(self, risk: str | None = None) -> Iterator[ToolRow]:
        query = f"SELECT {', '.join(_COLUMNS)} FROM tools"
        args: tuple[Any, ...] = ()
        if risk:
            query += " WHERE risk = ?"
            args = (risk,)
        for row in self.db.execute(query + " ORDER BY name", args):
            yield self._row(row)

    def history(self, name: str) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT path, version, doc_hash, risk, flags, descriptor, scanned_at, replaced_at, why "
            "FROM history WHERE name = ? ORDER BY id",
            (name,),
        )
        keys = ("path", "version", "doc_hash", "risk", "flags", "descriptor", "scanned_at", "replaced_at", "why")
        return [{**dict(zip(keys, r, strict=True)), "descriptor": r[5].hex()} for r in cursor]

    def scans(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("SELECT id, started_at, seconds, dirs, isolation, summary FROM scans ORDER BY id")
        return [
            {"id": i, "started_at": t, "seconds": s, "dirs": json.loads(d), "isolation": iso, **json.loads(summary)}
            for i, t, s, d, iso, summary in cursor
        ]

    # -- writing (inside a transaction) ----------------------------------------------------

    def put(self, row: ToolRow, why: str, now: str) -> None:
        """Insert or replace ``row``; a replaced row goes to history with ``why``."""
        old = self.get(row.name)
        if old is not None:
            self.put_history_only(old, now, why)
        values = {**row.__dict__, "reasons": json.dumps(list(row.reasons))}
        placeholders = ", ".join("?" for _ in _COLUMNS)
        self.db.execute(
            f"INSERT OR REPLACE INTO tools ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            tuple(values[c] for c in _COLUMNS),
        )

    def remove(self, name: str, now: str) -> None:
        old = self.get(name)
        if old is None:
            return
        self.put_history_only(old, now, "no longer found")
        self.db.execute("DELETE FROM tools WHERE name = ?", (name,))

    def put_history_only(self, old: ToolRow, now: str, why: str) -> None:
        self.db.execute(
            "INSERT INTO history (name, path, version, doc_hash, risk, flags, descriptor, scanned_at, replaced_at, "
            "why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (old.name, old.path, old.version, old.doc_hash, old.risk, old.flags, old.descriptor, old.scanned_at,
             now, why),
        )  # fmt: skip

    def add_scan(
        self, started_at: str, seconds: float, dirs: list[str], isolation: str, summary: dict[str, Any]
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO scans (started_at, seconds, dirs, isolation, summary) VALUES (?, ?, ?, ?, ?)",
            (started_at, seconds, json.dumps(dirs), isolation, json.dumps(summary)),
        )
        return int(cursor.lastrowid or 0)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
