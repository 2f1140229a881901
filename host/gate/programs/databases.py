"""Database clients: a query that only reads is CAUTION (it talks to a server), one that changes or
destroys data needs a person or is refused; SQL the check cannot see is not approved."""

from __future__ import annotations

import re

from tcphw.host.gate.analyse import Invocation, Output, is_loopback, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.shell import Word

_DESTROY = re.compile(
    r"\b(drop\s+(database|schema|table)|truncate\b|flushall|flushdb|dropdatabase|\.drop\(\)|"
    r"delete\s+from\s+\w+\s*(;|$)|deleteMany\(\s*\{\s*\}\s*\))",
    re.I,
)
_CHANGE = re.compile(
    r"\b(insert|update|delete|alter|create|grant|revoke|drop|replace|merge|copy\s+\w+\s+from|"
    r"vacuum|reindex|set\b|del\b|hset|lpush|rpush|sadd|zadd|expire|rename|config\s+set|"
    r"insertOne|insertMany|updateOne|updateMany|deleteOne|shutdown|load\s+data|attach)\b",
    re.I,
)
# server functions and statements that act beyond the query: on other sessions, the server, or its files
_ADMIN = re.compile(
    r"\b(pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_promote|pg_switch_wal|"
    r"pg_drop_replication_slot|pg_create_restore_point|set_config|pg_read_file|pg_read_binary_file|pg_ls_dir|"
    r"lo_import|lo_export|dblink\w*|load_file)\s*\(|^\s*kill\s+(query\s+|connection\s+)?\d+|\binto\s+(out|dump)file\b",
    re.I | re.M,
)
_SECRETS = re.compile(
    r"(pg_shadow|pg_authid|mysql\.user|password|passwd|secret|token|api_?key|credential|"
    r"\bssn\b|card_number|private_key)",
    re.I,
)
_SHELL = re.compile(
    r"(^|\n|;)\s*\\!|\\copy\b.*\bprogram\b|copy\b.*\b(to|from)\s+program\b|\bsystem\s+|\.shell\b|"
    r"\.system\b|sys_exec|xp_cmdshell|\\o\s*\|",
    re.I,
)


@program(
    "psql",
    "mysql",
    "mariadb",
    "sqlite3",
    "redis-cli",
    "mongo",
    "mongosh",
    "sqlcmd",
    "clickhouse-client",
    "cqlsh",
    "pgcli",
    "mycli",
    "litecli",
    "duckdb",
    "influx",
    "etcdctl",
    "consul",
    "vault",
    "pg_dump",
    "pg_dumpall",
    "mysqldump",
    "pg_restore",
    "dropdb",
    "createdb",
    "mysqladmin",
)
def _db(inv: Invocation) -> None:
    name = inv.name
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    if values in (["--version"], ["-V"], ["--help"], ["-h"], ["-version"]):
        inv.find(A, f"{name}.help", "prints the version or help", inv.argv)
        return
    if name in ("dropdb",):
        inv.find(X, "db.drop", "deletes a whole database", inv.argv)
        return
    if name == "mysqladmin" and any(v in ("drop", "shutdown", "flush-privileges", "password") for v in values):
        inv.find(
            X if "drop" in values else R,
            "db.admin",
            "drops a database, shuts the server down or changes passwords",
            inv.argv,
        )
        return
    if name == "pg_restore" and any(v in ("-l", "--list") for v in values) and not any(
            v in ("-d", "--dbname") or v.startswith("--dbname=") for v in values):  # fmt: skip
        inv.find(A, "pg_restore.list", "lists what a dump holds", inv.argv)
        return
    if name in ("pg_restore", "createdb"):
        inv.find(R if name == "pg_restore" else C, f"{name}.change", "restores into or creates a database", inv.argv)
        return
    if name in ("vault",):
        inv.find(R, "vault.secrets", "reads or changes secrets", inv.argv)
        return
    host = None
    for k, v in enumerate(values):
        if v in ("-h", "--host", "-H") and k + 1 < len(values):
            host = values[k + 1]
        elif v.startswith(("--host=", "-h")) and len(v) > 2 and not v.startswith("--help"):
            host = v.split("=", 1)[1] if "=" in v else v[2:]
        elif re.match(r"^(postgres(ql)?|mysql|redis|mongodb(\+srv)?)://", v):
            host = re.sub(r"^[a-z+]+://([^@/]*@)?", "", v).split("/")[0].split(":")[0]
    if name in ("pg_dump", "pg_dumpall", "mysqldump"):
        out = next(
            (args[k + 1] for k, v in enumerate(values[:-1]) if v in ("-f", "--file", "-r", "--result-file")), None
        )
        if out is not None:
            inv.write(out, f"{name}.output")
        schema_only = any(v in ("-s", "--schema-only", "--no-data", "-d") for v in values) and name != "pg_dumpall"
        inv.find(
            C if schema_only else R,
            f"{name}.dump",
            ("copies a database's schema" if schema_only else "copies a database's contents: its people's data, and "
             "any secrets in it") + (", with the roles' password hashes" if name == "pg_dumpall" else ""),
            inv.argv,
        )  # fmt: skip
        inv.output = Output("local")
        return
    queries: list[str | None] = []
    for k, v in enumerate(values):
        if v in ("-c", "--command", "-e", "--execute", "--eval", "-Q", "-q", "--query") and k + 1 < len(args):
            queries.append(args[k + 1].text)
        elif v.startswith(("--command=", "--execute=", "--eval=", "--query=")):
            queries.append(text.split("=", 1)[1] if (text := args[k].text) else None)
        elif v in ("-f", "--file", "--init") and k + 1 < len(args):
            inv.read(args[k + 1], f"{name}.file")
            queries.append(None)
    if name == "sqlite3" or name == "duckdb" or name == "litecli":
        ops = [w for w in args if not w.value.startswith("-")]
        if len(ops) >= 2:
            queries.append(ops[1].text)
        if ops:
            t = inv.target(ops[0])
            if t.zone == Zone.SECRET or (t.path is not None and re.search(
                    r"(Login Data|Cookies|key4\.db|logins|access_tokens|credentials)", t.path)):  # fmt: skip
                inv.find(R, f"{name}.secret-file", f"opens a database of credentials: {t.shown}", [ops[0]])
            else:
                inv.find(A, f"{name}.file", f"opens a database file in {t.zone.value}", [ops[0]])
            host = "localhost"
    if name == "redis-cli":
        ops = [
            w
            for k, w in enumerate(args)
            if not w.value.startswith("-")
            and not (
                k > 0 and values[k - 1] in ("-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "--rdb", "-i", "-r")
            )
        ]
        if ops:
            queries.append(" ".join(w.value for w in ops) if all(w.known for w in ops) else None)
        if "-a" in values or "--pass" in values:
            inv.find(C, "db.password", "passes a password on the command line", inv.argv)
        if "--rdb" in values:
            inv.find(R, "redis.dump", "copies the whole database", inv.argv)
    where = f" on {host}" if host else ""
    remote = host is not None and not is_loopback(host) and name not in ("sqlite3", "duckdb", "litecli")
    if not queries:
        src = inv.ctx.stdin
        sql_file = next((r.target for r in inv.command.redirects if r.op == "<" and r.target is not None), None)
        if src is not None and src.kind == "text":
            queries.append(src.text)
        elif (
            sql_file is not None
            and name in ("sqlite3", "duckdb")
            and inv.target(sql_file).zone == Zone.WORKSPACE
            and [w for w in args if not w.value.startswith("-")][:1]
            and inv.target(next(w for w in args if not w.value.startswith("-"))).zone == Zone.WORKSPACE
        ):
            inv.find(C, "db.project-file", "runs the project's SQL file on the project's database file", inv.argv)
            return
        elif src is not None:
            inv.find(R, "db.unseen", "runs queries read from standard input, which the check cannot see", inv.argv)
            return
        else:
            inv.find(C, f"{name}.session", f"opens an interactive database session{where}", inv.argv)
            return
    if name in ("sqlite3", "duckdb", "litecli"):
        # dot-commands: .output/.once write a file, .shell/.system run one, .read/.import read one
        cmds = [args[k + 1].text for k, v in enumerate(values[:-1]) if v in ("-cmd",)] + [q for q in queries if q]
        for c in cmds:
            if c is None:
                continue
            for m in re.finditer(r"(?m)^\s*\.(output|once|save|backup|excel)\s+(\S+)", c):
                inv.write(Word.literal(m.group(2).strip("'\"")), "sqlite3.output")
            for m in re.finditer(r"(?m)^\s*\.(shell|system)\s+(.+)$", c):
                inv.run_script(m.group(2), "sqlite3 .shell", "the command sqlite3 runs")
            for m in re.finditer(r"(?m)^\s*\.(read|import|open|restore)\s+(\S+)", c):
                inv.read(Word.literal(m.group(2).strip("'\"")), "sqlite3.read")
            if re.search(r"(?i)\b(load_extension|readfile|writefile|edit)\s*\(", c):
                inv.find(R, "sqlite3.functions", "calls SQL functions that read or write files or load code", inv.argv)
        queries = [q for q in queries if q is None or not q.lstrip().startswith(".")]
    for q in queries:
        if q is None:
            inv.find(R, "db.unseen", "runs queries the check cannot see", inv.argv)
            continue
        if _SHELL.search(q):
            inv.find(R, "db.shell", "the query runs shell commands", inv.argv)
        if _ADMIN.search(q):
            inv.find(R, "db.admin", "calls what acts beyond the query: other sessions, the server or its files",
                     inv.argv)  # fmt: skip
        if _DESTROY.search(q):
            inv.find(
                X if remote or name != "sqlite3" else R, "db.destroy", "drops, truncates or empties data", inv.argv
            )
        elif re.match(r"(?is)^\s*explain\b(?!\s+analy[sz]e)", q):
            inv.find(A, "db.explain", "only plans the statement (EXPLAIN without ANALYZE runs nothing)", inv.argv)
        elif re.match(r"(?is)^\s*(begin|start transaction)\b.*\brollback\s*;?\s*$", q) and not re.search(
                r"(?i)\bcommit\b", q):  # fmt: skip
            inv.find(C, "db.rolled-back", "changes data inside a transaction it rolls back", inv.argv)
        elif _CHANGE.search(q):
            files = [w for w in args if not w.value.startswith("-") and w.value not in (":memory:",)]
            memory = name in ("sqlite3", "duckdb", "litecli") and not files[:1]
            project_file = name in ("sqlite3", "duckdb", "litecli") and files[:1] and inv.target(files[0]).zone == \
                Zone.WORKSPACE  # fmt: skip
            if project_file:
                inv.find(C, "db.project-file", "changes a database file of the project", inv.argv)
            elif memory:
                inv.find(A, "db.memory", "changes only a database in memory, gone when it exits", inv.argv)
            else:
                inv.find(R, "db.change", f"changes data or settings in a database{where}", inv.argv)
        elif _SECRETS.search(q):
            inv.find(R, "db.secrets", "reads credentials from the database", inv.argv)
        else:
            level = C if (remote or name not in ("sqlite3", "duckdb", "litecli")) else A
            inv.find(level, "db.query", f"only reads from a database{where}", inv.argv)
    inv.output = Output("local")
