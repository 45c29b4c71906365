"""Servers refuse a weak SECRET_KEY with DEBUG off (issue 17 item 4): gunicorn
(the WSGI module), the ASGI module, `runserver`, the Celery worker and beat exit
non-zero naming the variable; management commands still run; a strong key, and
the one a plain checkout generates, pass. Each is run as a process, as deployed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.startup import secret_key_problem

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STRONG = "k3y-" + "x7Qz!9bV" * 8
WEAK = {
    "short": "x",
    "49 characters": "a1b2c3d4e5" * 4 + "f6g7h8i9j",
    "4 different characters": "abcd" * 20,
    "Django's placeholder": "django-insecure-" + "x7Qz!9bV" * 8,
}
TIMEOUT = 120


def run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    # A port nobody listens on: nothing here may reach a real broker.
    inherited = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        command,
        cwd=ROOT,
        env={
            **inherited,
            "DEBUG": "false",
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "PYTHONUNBUFFERED": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def refused(result: subprocess.CompletedProcess) -> bool:
    return result.returncode != 0 and "SECRET_KEY is too weak" in result.stdout + result.stderr


@pytest.mark.parametrize("key", WEAK.values(), ids=WEAK.keys())
def test_it_calls_weak_keys_weak(key):
    assert secret_key_problem(key)


def test_it_calls_strong_and_generated_keys_strong():
    import secrets

    assert secret_key_problem(STRONG) is None
    # What a plain checkout generates into var/secret_key.
    assert secret_key_problem(secrets.token_urlsafe(50)) is None


SERVERS = {
    "gunicorn": [str(BIN / "gunicorn"), "backend.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
    "asgi": [sys.executable, "-c", "import backend.asgi"],
    "runserver": [sys.executable, "manage.py", "runserver", "127.0.0.1:0"],
    "worker": [sys.executable, "-m", "celery", "--app", "backend", "worker", "--pool", "solo"],
    "beat": [sys.executable, "-m", "celery", "--app", "backend", "beat", "--schedule", "{tmp}/s"],
}


@pytest.mark.slow
@pytest.mark.parametrize("server", SERVERS)
def test_it_refuses_to_start_a_server_with_a_weak_key(server, tmp_path):
    command = [part.replace("{tmp}", str(tmp_path)) for part in SERVERS[server]]
    result = run(command, tmp_path, SECRET_KEY="x")
    assert refused(result), result.stdout + result.stderr


@pytest.mark.slow
def test_it_serves_with_a_strong_key_and_with_the_generated_one(tmp_path):
    for env in ({"SECRET_KEY": STRONG}, {}):
        result = run(
            [sys.executable, "-c", "import backend.wsgi, backend.asgi; print('served')"],
            tmp_path,
            **env,
        )
        assert result.returncode == 0, result.stderr
        assert "served" in result.stdout


@pytest.mark.slow
def test_it_lets_management_commands_run_with_a_weak_key(tmp_path):
    for command in (["check"], ["migrate", "--plan"], ["showmigrations", "checklists"]):
        result = run([sys.executable, "manage.py", *command], tmp_path, SECRET_KEY="x")
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_it_starts_runserver_with_a_weak_key_when_debug_is_on(tmp_path):
    """DEBUG on (`make run`): the development server starts with any key. It is
    stopped once it has loaded the application."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:0"],
        cwd=ROOT,
        # A database of its own: runserver looks for unapplied migrations at start,
        # and the suite's DATABASE_URL names a database only the test runner creates.
        env={
            **os.environ,
            "DEBUG": "true",
            "SECRET_KEY": "x",
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Starting development server" in line or "Quit the server" in line:
                break
            assert "SECRET_KEY" not in line, line
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(30)
