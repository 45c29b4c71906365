"""`manage.py backup` and `manage.py restore` (SPEC §14): a round trip of the database
and the files, checked table by table and file by file.

pg_dump and pg_restore are system tools (Debian's postgresql-client): the PostgreSQL
tests skip without them, naming the package, and fail when CI=true (SPEC §2).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from checklists.backups import databases
from checklists.models import ReportRevision, Visit
from checklists.services.reports import report_revision_upload
from tests.checklists.test_reports_uploads import docx_bytes

ROOT = Path(__file__).resolve().parent.parent.parent


def require_pg_tools() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL round trip needs DATABASE_URL (CI sets it)")
    have = any(Path("/usr/lib/postgresql").glob("*/bin/pg_dump")) or shutil.which("pg_dump")
    if not have or not shutil.which("pg_restore"):
        message = "pg_dump/pg_restore are missing: apt-get install postgresql-client (.ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# The audit chain's anchor (AUDIT_ANCHOR_PATH, in MEDIA_ROOT) is written by every
# verification, the restore's own included: it is compared through the chain, not
# byte for byte.
ANCHOR = "audit-anchor.json"


def file_hashes(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).as_posix() != ANCHOR
    }


def pg_row_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The browser tests' conftest allows the ORM beside an event loop; a command never has it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_pg_database():
    """A new, empty PostgreSQL database beside the test database: (its URL, a connect())."""
    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    server = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }

    def connect(dbname: str) -> psycopg.Connection:
        return psycopg.connect(dbname=dbname, autocommit=True, **server)

    with connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    url = (
        f"postgres://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    )
    try:
        yield url, lambda: connect(name)
    finally:
        with connect("postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def no_extraction(monkeypatch):
    # No worker runs here, and the text extraction is not what a backup is about.
    monkeypatch.setattr("checklists.services.reports._enqueue_extraction", lambda _id: None)


def upload_revision(visit: Visit, text: str) -> ReportRevision:
    return report_revision_upload(
        actor=None, visit=visit, content=io.BytesIO(docx_bytes(text)), filename="du-thao.docx"
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_round_trips_every_table_and_every_file_on_postgresql(
    world, settings, tmp_path, no_extraction, empty_pg_database
):
    """GIVEN the world of every role, two report revisions in the media folder
    WHEN it is backed up and restored into a new database and a new media folder
    THEN every table has the same row count and every file the same SHA-256."""
    require_pg_tools()
    upload_revision(world.visit, "Báo cáo lần 1")
    revision = upload_revision(world.visit, "Báo cáo lần 2")
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    with connection.cursor() as cursor:
        source_counts = pg_row_counts(cursor)
    source_files = file_hashes(Path(settings.MEDIA_ROOT))
    assert revision.file.name in source_files

    url, connect = empty_pg_database
    restored_media = tmp_path / "restored-media"
    result = run_manage(
        "restore",
        str(archive),
        env={"DATABASE_URL": url, "MEDIA_ROOT": str(restored_media), "VAR_DIR": str(tmp_path)},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    with connect() as restored, restored.cursor() as cursor:
        assert pg_row_counts(cursor) == source_counts
        cursor.execute("SELECT title FROM checklists_visit WHERE id = %s", [world.visit.pk])
        assert cursor.fetchone() == ("Kiểm tra tại Hạ Long",)
    assert file_hashes(restored_media) == source_files
    assert len(source_files) == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_altered_archive_before_writing_anything(
    world, tmp_path, no_extraction, empty_pg_database
):
    require_pg_tools()
    upload_revision(world.visit, "Báo cáo")
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    altered = tmp_path / "altered.tar"
    with tarfile.open(archive) as source, tarfile.open(altered, "w") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                altered_name = member.name
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))

    url, connect = empty_pg_database
    restored_media = tmp_path / "restored-media"
    env = {"DATABASE_URL": url, "MEDIA_ROOT": str(restored_media), "VAR_DIR": str(tmp_path)}
    result = run_manage("restore", str(altered), env=env)

    assert result.returncode != 0
    assert altered_name in result.stderr
    assert "SHA-256" in result.stderr
    with connect() as restored, restored.cursor() as cursor:
        assert pg_row_counts(cursor) == {}
    assert file_hashes(restored_media) == {}
    # The same archive, untouched, then restores into the same empty places.
    assert run_manage("restore", str(archive), env=env).returncode == 0


def test_it_refuses_to_restore_over_records(world, settings, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"not read: the refusal comes first")
    visits = Visit.objects.count()

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))

    assert Visit.objects.count() == visits


def test_it_refuses_a_non_empty_media_folder(db, settings, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"not read: the refusal comes first")
    (Path(settings.MEDIA_ROOT) / "reports").mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "reports" / "kept.pdf").write_bytes(b"%PDF-1.7")

    with pytest.raises(CommandError, match="media folder"):
        call_command("restore", str(archive))


def test_it_picks_the_pg_dump_of_the_server_major_version(tmp_path, monkeypatch):
    for major in ("13", "15", "16"):
        tool = tmp_path / major / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.touch()
    monkeypatch.setattr(databases, "PG_LIB", tmp_path)

    assert databases.pg_tool("pg_dump", 15) == str(tmp_path / "15" / "bin" / "pg_dump")
    # An older server: its own client is missing, a newer one dumps it.
    assert databases.pg_tool("pg_dump", 14) == str(tmp_path / "15" / "bin" / "pg_dump")


@pytest.mark.slow
def test_it_round_trips_a_sqlite_checkout(tmp_path):
    """The newcomer's SQLite database and media folder, through real processes."""
    source, target = tmp_path / "source", tmp_path / "target"
    sqlite_env = {"DATABASE_URL": "", "VAR_DIR": str(source)}
    # One process migrates and adds a person (each start of Django costs seconds).
    seeded = run_manage(
        "shell",
        "-c",
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from checklists.models import User; "
        "User.objects.create_superuser('boss', 'boss@example.org', 'bí-mật-1234')",
        env=sqlite_env,
    )
    assert seeded.returncode == 0, seeded.stderr
    report = source / "media" / "reports" / "1" / "du-thao.docx"
    report.parent.mkdir(parents=True)
    report.write_bytes(docx_bytes("Báo cáo"))
    archive = tmp_path / "backup.tar"

    backed_up = run_manage("backup", "--output", str(archive), env=sqlite_env)
    restored = run_manage("restore", str(archive), env={"DATABASE_URL": "", "VAR_DIR": str(target)})

    assert backed_up.returncode == 0, backed_up.stderr
    assert restored.returncode == 0, restored.stderr

    def counts(path: Path) -> dict[str, int]:
        with sqlite3.connect(path) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for (n,) in names}

    assert counts(target / "db.sqlite3") == counts(source / "db.sqlite3")
    assert counts(target / "db.sqlite3")["checklists_user"] == 1
    assert file_hashes(target / "media") == file_hashes(source / "media")


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param({"name": "media/../../escaped.txt"}, id="path-traversal"),
        pytest.param({"name": "/tmp/absolute.txt"}, id="absolute-path"),
        pytest.param({"name": "media/link", "linkname": "/etc/passwd"}, id="symlink"),
    ],
)
def test_it_refuses_an_archive_entry_that_would_land_elsewhere(db, settings, tmp_path, hostile):
    archive = tmp_path / "hostile.tar"
    with tarfile.open(archive, "w") as tar:
        member = tarfile.TarInfo(hostile["name"])
        if "linkname" in hostile:
            member.type, member.linkname = tarfile.SYMTYPE, hostile["linkname"]
            tar.addfile(member)
        else:
            member.size = 4
            tar.addfile(member, io.BytesIO(b"evil"))

    with pytest.raises(CommandError, match="unexpected entry"):
        call_command("restore", str(archive))

    assert not (tmp_path.parent / "escaped.txt").exists()
    assert file_hashes(Path(settings.MEDIA_ROOT)) == {}
    assert [p.name for p in tmp_path.iterdir()] == ["hostile.tar"]


def test_it_reports_an_audit_trail_that_does_not_verify_after_a_restore(monkeypatch):
    from checklists.backups import archive

    monkeypatch.setattr(archive, "get_commands", dict)
    assert archive.verify_audit_trail() is None  # a version without the command

    def broken_trail(name, **options):
        options["stdout"].write("event 7 was changed")
        raise SystemExit(1)

    monkeypatch.setattr(archive, "get_commands", lambda: {"audit_verify": "checklists"})
    monkeypatch.setattr(archive, "call_command", broken_trail)
    with pytest.raises(archive.BackupError, match="event 7 was changed"):
        archive.verify_audit_trail()


def test_it_refuses_a_database_migrated_past_the_archive(db, settings, tmp_path):
    """GIVEN an (intact) archive of a PostgreSQL database made before a table existed
    WHEN it is restored into an empty database that `migrate` of this version made
    THEN it is refused before anything is written: the next `migrate` would break."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's restore keeps the tables outside the archive; SQLite's does not")
    dump = b"PGDMP placeholder: refused before pg_restore reads it"
    with connection.cursor() as cursor:
        tables = {t: 0 for t in pg_row_counts(cursor) if t != "checklists_auditevent"}
    manifest = {
        "format": 1,
        "database": {"vendor": "postgresql", "file": "database.pgdump"},
        "migrations": [],
        "tables": tables,
        "files": [
            {
                "path": "database.pgdump",
                "size": len(dump),
                "sha256": hashlib.sha256(dump).hexdigest(),
            }
        ],
    }
    archive = tmp_path / "older.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (("database.pgdump", dump), ("manifest.json", json.dumps(manifest))):
            data = data if isinstance(data, bytes) else data.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))

    with pytest.raises(CommandError, match="checklists_auditevent"):
        call_command("restore", str(archive))
