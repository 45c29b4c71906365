"""Backups: the database and the uploaded files in one archive, and back (SPEC §14).

An archive is a tar file (gzip-compressed when its name ends in .gz or .tgz):

    database.pgdump | database.sqlite3   PostgreSQL's custom format, or a SQLite file
    media/<path>                          every file of MEDIA_ROOT, under its own name
    manifest.json                         written last: when, which versions, how many
                                          rows per table, every file's size and SHA-256

`backup_create` and `backup_restore` are the whole interface; the management
commands only parse arguments and print. A restore goes only into an empty
database and an empty media folder, and checks every sum before it writes anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from checklists.backups.databases import pg_dump, pg_restore, sqlite_dump, sqlite_restore
from checklists.backups.errors import BackupError

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# The apps holding the records: a restore refuses a database where any of their
# tables has a row. Django's own tables (migrations, content types, permissions,
# sessions) may be filled by `migrate` or a first visit; the restore replaces them.
PROJECT_APPS = ("checklists", "api", "web", "worker")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchivedFile:
    path: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    files: int
    rows: int
    media_skipped: str | None


@dataclass(frozen=True)
class RestoreResult:
    files: int
    tables: int
    rows: int
    unapplied_migrations: int
    audit_verified: bool | None


# --- backup ------------------------------------------------------------------------


def default_backup_path(now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"inspection-{stamp}.tar.gz"


def backup_create(*, output: Path | None = None, using: str = "default") -> BackupResult:
    """Write the database, then the media files, then the manifest into one archive.

    The database goes first: a file uploaded while the media are copied is then an
    orphan in the archive, never a row whose file is missing.
    """
    output = Path(output or default_backup_path())
    compressed = _compressed(output)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed at the end: a cron run that fails
    # half-way never leaves a truncated archive that looks complete.
    partial = output.with_name(output.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix="backup-") as tmp:
            dump = Path(tmp) / DATABASE_MEMBERS[vendor]
            if vendor == "postgresql":
                tables, migrations, server = pg_dump(connection, dump)
            else:
                tables, migrations, server = sqlite_dump(connection, dump)
            # The records are confidential: the archive is readable by its owner only.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, _tar_for_writing(raw, compressed) as tar:
                files = [_add_file(tar, dump, dump.name)]
                media_root, media_skipped = media_folder()
                if media_root is not None:
                    for path, name in _media_files(media_root):
                        files.append(_add_file(tar, path, name))
                manifest = {
                    "format": FORMAT,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "app_version": _app_version(),
                    "django_version": django.get_version(),
                    "database": {"vendor": vendor, "server_version": server, "file": dump.name},
                    "media": {"included": media_root is not None, "note": media_skipped},
                    "migrations": migrations,
                    "tables": tables,
                    "files": [f.as_json() for f in files],
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=output,
        size=output.stat().st_size,
        sha256=_sha256_of(output),
        files=len(files),
        rows=sum(tables.values()),
        media_skipped=media_skipped,
    )


def media_folder() -> tuple[Path | None, str | None]:
    """MEDIA_ROOT when the files live on this machine; else None and why not."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location), None
    return None, (
        f"the files are kept by {type(default_storage).__name__} (an S3 bucket): "
        "the bucket is backed up by its provider (versioning, replication)"
    )


def _compressed(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return True
    if name.endswith(".tar"):
        return False
    raise BackupError(f"{path}: the archive's name must end in .tar, .tar.gz or .tgz.")


def _tar_for_writing(raw: IO[bytes], compressed: bool) -> tarfile.TarFile:
    if compressed:
        return tarfile.open(fileobj=raw, mode="w:gz")
    return tarfile.open(fileobj=raw, mode="w")


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    # Symbolic links are skipped: one could point outside the media folder.
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path, f"{MEDIA_DIR}/{path.relative_to(root).as_posix()}"


class _HashingReader:
    """Hands a file to tarfile and hashes exactly the bytes that go into the archive."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> ArchivedFile:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with path.open("rb") as stream:
        reader = _HashingReader(stream)
        tar.addfile(info, reader)
    return ArchivedFile(name, reader.size, reader.digest.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as stream:
            return str(tomllib.load(stream)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# --- restore -------------------------------------------------------------------------


def backup_restore(*, archive: Path, using: str = "default") -> RestoreResult:
    """Restore an archive into the empty configured database and media folder.

    1. Refuse unless the project's tables hold no row and the media folder no file.
    2. Unpack into a staging folder, checking every file against the manifest's
       SHA-256 sums, the database's vendor, the migrations this code knows and the
       tables the target already has: nothing is written to the database or the media folder before all pass.
    3. Restore the database, then check every table's row count.
    4. Move the media files into place, then hash them again where they landed.
    5. Verify the audit trail (`manage.py audit_verify`, when the project has it).
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such archive.")
    connection = connections[using]
    media_root, media_note = media_folder()
    _refuse_unless_empty(connection, media_root)
    staging_parent = _staging_parent(media_root)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_parent) as tmp:
        staging = Path(tmp)
        manifest = _unpack_verified(archive, staging)
        database = manifest["database"]
        if database["vendor"] != connection.vendor:
            raise BackupError(
                f"The archive holds a {database['vendor']} database; the configured one is "
                f"{connection.vendor}. Restore it into a {database['vendor']} database."
            )
        _refuse_unknown_migrations(manifest["migrations"])
        _refuse_tables_unknown_to_archive(connection, manifest["tables"])
        media = [f for f in manifest["files"] if f["path"].startswith(MEDIA_DIR + "/")]
        if media and media_root is None:
            raise BackupError(f"The archive holds files but {media_note}; nothing was restored.")

        dump = staging / database["file"]
        if connection.vendor == "postgresql":
            pg_restore(connection, dump)
        else:
            sqlite_restore(connection, dump)
        _verify_row_counts(connection, manifest["tables"])

        if media_root is not None:
            _place_media(staging / MEDIA_DIR, media_root)
            _verify_placed_media(media_root, media)
    return RestoreResult(
        files=len(media),
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        unapplied_migrations=_unapplied_migrations(connection),
        audit_verified=verify_audit_trail(),
    )


def _project_tables_with_rows(connection: BaseDatabaseWrapper) -> list[str]:
    existing = set(connection.introspection.table_names())
    filled = []
    for label in PROJECT_APPS:
        if not apps.is_installed(label):
            continue
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in existing and model._base_manager.using(connection.alias).exists():
                filled.append(table)
    return filled


def _refuse_unless_empty(connection: BaseDatabaseWrapper, media_root: Path | None) -> None:
    filled = _project_tables_with_rows(connection)
    if filled:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']!r} is not empty (rows in "
            f"{', '.join(filled[:5])}{' …' if len(filled) > 5 else ''}). "
            "A restore goes only into an empty database: create a new one, point "
            "DATABASE_URL at it and run the restore again."
        )
    if media_root is not None and any(p.is_file() or p.is_symlink() for p in media_root.rglob("*")):
        raise BackupError(
            f"The media folder {media_root} is not empty. A restore goes only into an "
            "empty folder: point MEDIA_ROOT at a new one and run the restore again."
        )


def _staging_parent(media_root: Path | None) -> str | None:
    """Beside the media folder when possible, so placing the files is a rename."""
    if media_root is None:
        return None
    try:
        media_root.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(media_root.parent) if os.access(media_root.parent, os.W_OK) else None


def _member_name_allowed(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        return False
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    return len(path.parts) > 1 and path.parts[0] == MEDIA_DIR


def _unpack_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract into `staging`, hashing as it goes; then compare with the manifest."""
    found: dict[str, ArchivedFile] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not _member_name_allowed(member.name):
                    raise BackupError(
                        f"{archive}: unexpected entry {member.name!r} (not made by `backup`)."
                    )
                if member.name in found:
                    raise BackupError(f"{archive}: {member.name!r} appears twice.")
                stream = tar.extractfile(member)
                if stream is None:  # pragma: no cover - isfile() members always have one
                    raise BackupError(f"{archive}: {member.name!r} cannot be read.")
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with stream, target.open("wb") as out:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[member.name] = ArchivedFile(member.name, size, digest.hexdigest())
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive}: not a readable archive ({exc}).") from exc
    if MANIFEST not in found:
        raise BackupError(f"{archive}: no {MANIFEST}; it was not made by `manage.py backup`.")
    try:
        manifest = json.loads((staging / MANIFEST).read_bytes())
        expected = {f["path"]: f for f in manifest["files"]}
        _ = manifest["database"]["file"], manifest["tables"], manifest["migrations"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{archive}: the manifest is unreadable ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: archive format {manifest.get('format')!r} is unknown.")
    del found[MANIFEST]
    for path in sorted(expected.keys() | found.keys()):
        if path not in found:
            raise BackupError(f"{archive}: {path} is listed in the manifest but missing.")
        if path not in expected:
            raise BackupError(f"{archive}: {path} is not listed in the manifest.")
        want, got = expected[path], found[path]
        if (want["size"], want["sha256"]) != (got.size, got.sha256):
            raise BackupError(
                f"{archive}: {path} does not match its SHA-256 in the manifest "
                "(the archive is damaged or was altered); nothing was restored."
            )
    if manifest["database"]["file"] not in found:
        raise BackupError(f"{archive}: the database file is missing.")
    return manifest


def _refuse_unknown_migrations(applied: list[list[str]]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in applied if (app, name) not in known]
    if unknown:
        raise BackupError(
            "The archive was made by a newer version of the application (migrations "
            f"{', '.join(unknown[:3])}{' …' if len(unknown) > 3 else ''} are unknown here): "
            "restore it with that version."
        )


def _refuse_tables_unknown_to_archive(
    connection: BaseDatabaseWrapper, tables: dict[str, int]
) -> None:
    """PostgreSQL's restore replaces the tables the archive holds and leaves the others:
    tables a newer version's `migrate` made would then break the next `migrate`."""
    if connection.vendor != "postgresql":
        return  # the SQLite file is replaced whole
    extra = sorted(set(connection.introspection.table_names()) - set(tables))
    if extra:
        raise BackupError(
            f"The database has tables the archive does not ({', '.join(extra[:3])}"
            f"{' …' if len(extra) > 3 else ''}): it was migrated by a newer version. "
            "Restore into a blank database (createdb, no migrate) and run "
            "`manage.py migrate` afterwards; nothing was restored."
        )


def _verify_row_counts(connection: BaseDatabaseWrapper, tables: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        for table, rows in tables.items():
            # Quoted here: Django's quote_name does not double an embedded quote.
            quoted = '"' + table.replace('"', '""') + '"'
            cursor.execute(f"SELECT count(*) FROM {quoted}")
            restored = cursor.fetchone()[0]
            if restored != rows:
                raise BackupError(
                    f"Table {table} has {restored} rows after the restore, the archive {rows}."
                )


def _place_media(source: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    if not source.exists():
        return
    for entry in sorted(source.iterdir()):
        target = media_root / entry.name
        if entry.is_dir() and target.is_dir():
            # An empty folder the storage made already: move its contents in.
            _place_media(entry, target)
        else:
            shutil.move(str(entry), str(target))


def _verify_placed_media(media_root: Path, media: list[dict[str, Any]]) -> None:
    for item in media:
        path = media_root / PurePosixPath(item["path"]).relative_to(MEDIA_DIR)
        if not path.is_file() or _sha256_of(path) != item["sha256"]:
            raise BackupError(
                f"{path} does not match its SHA-256 after the restore (disk full or failing?)."
            )


def _unapplied_migrations(connection: BaseDatabaseWrapper) -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def verify_audit_trail() -> bool | None:
    """Run `manage.py audit_verify` when this version has it; None when it has not."""
    if "audit_verify" not in get_commands():
        return None
    output = io.StringIO()
    try:
        call_command("audit_verify", stdout=output, stderr=output)
    except (CommandError, SystemExit) as exc:
        raise BackupError(
            "The database and files were restored, but the audit trail does not verify: "
            f"{output.getvalue().strip() or exc}"
        ) from exc
    return True
