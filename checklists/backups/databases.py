"""The database half of a backup: PostgreSQL through pg_dump/pg_restore, SQLite
through its online backup API. Each dump also returns every table's row count and
the applied migrations, read in the same snapshot as the dump, for the manifest."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from checklists.backups.errors import BackupError

PG_LIB = Path("/usr/lib/postgresql")
# pg_dump and pg_restore may run for long on a large database, never forever.
PG_TIMEOUT = 6 * 3600


# --- PostgreSQL ----------------------------------------------------------------------


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump or pg_restore able to talk to a server of this major version.

    Debian keeps one client per major version under /usr/lib/postgresql/<major>/bin;
    the one on PATH may be older than the server, and pg_dump refuses a newer
    server. The server's own version is best; a newer client also works.
    """
    found = []
    for path in PG_LIB.glob(f"*/bin/{name}"):
        try:
            found.append((int(path.parts[-3]), str(path)))
        except ValueError:
            continue
    usable = sorted(v for v in found if v[0] >= server_major)
    exact = [path for major, path in usable if major == server_major]
    if exact or usable:
        return (exact or [usable[0][1]])[0]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(
        f"{name} is missing: install postgresql-client (version {server_major} or newer, "
        f"e.g. apt-get install postgresql-client-{server_major})."
    )


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the configured database: the password never appears on a
    command line (where `ps` would show it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        pairs[variable] = options.get(option)
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _pg_conninfo_dbname(name: str) -> str:
    # --dbname takes a connection string; quoting keeps a name with spaces or "=" whole.
    return "dbname='" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{Path(command[0]).name} did not run: {exc}") from exc
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )


def _server_major(connection: BaseDatabaseWrapper) -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def pg_dump(
    connection: BaseDatabaseWrapper, dump: Path
) -> tuple[dict[str, int], list[list[str]], str]:
    """pg_dump in the snapshot the row counts were read in, so the manifest's counts
    are exactly what the dump holds even while people keep working."""
    major = _server_major(connection)
    binary = pg_tool("pg_dump", major)
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
            tables = _pg_row_counts(cursor)
            migrations = _applied_migrations(cursor, "django_migrations" in tables)
            command = [
                binary,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={_pg_conninfo_dbname(connection.settings_dict['NAME'])}",
            ]
            _run(command, _pg_env(connection.settings_dict))
            cursor.execute("ROLLBACK")
    finally:
        raw.close()
    return tables, migrations, str(server)


def _pg_row_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{table.replace(chr(34), chr(34) * 2)}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor: Any, present: bool) -> list[list[str]]:
    if not present:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def pg_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    binary = pg_tool("pg_restore", _server_major(connection))
    connection.close()
    command = [
        binary,
        "--no-owner",
        "--no-privileges",
        # All or nothing: a failure leaves the database as empty as it was.
        "--single-transaction",
        "--exit-on-error",
        # The database may hold the empty tables `migrate` made (the image migrates
        # when it starts); they are replaced by the archive's. Only reached once
        # the project's tables are known to hold no row.
        "--clean",
        "--if-exists",
        "--no-password",
        f"--dbname={_pg_conninfo_dbname(connection.settings_dict['NAME'])}",
        str(dump),
    ]
    _run(command, _pg_env(connection.settings_dict))


# --- SQLite --------------------------------------------------------------------------


def sqlite_dump(
    connection: BaseDatabaseWrapper, dump: Path
) -> tuple[dict[str, int], list[list[str]], str]:
    """A consistent copy through SQLite's online backup API (a plain file copy taken
    while the worker writes can be torn)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name or not Path(name).exists():
        raise BackupError(f"The SQLite database {name!r} is not a file that can be backed up.")
    source = sqlite3.connect(Path(name).resolve().as_uri() + "?mode=ro", uri=True)
    target = sqlite3.connect(dump)
    try:
        source.backup(target)
        tables = _sqlite_row_counts(target)
        migrations = _applied_migrations(target.cursor(), "django_migrations" in tables)
    finally:
        source.close()
        target.close()
    return tables, migrations, sqlite3.sqlite_version


def _sqlite_row_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return {
        name: db.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[
            0
        ]
        for (name,) in names
    }


def sqlite_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    name = Path(connection.settings_dict["NAME"])
    connection.close()
    name.parent.mkdir(parents=True, exist_ok=True)
    # Copied beside the target and renamed over it, so the database file is either
    # the old empty one or the whole restored one.
    incoming = name.with_name(name.name + ".restoring")
    shutil.copyfile(dump, incoming)
    os.replace(incoming, name)
    # A journal left by the old file would be replayed onto the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        name.with_name(name.name + suffix).unlink(missing_ok=True)
