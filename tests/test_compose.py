"""The production-shaped stack (docker-compose.yml, Dockerfile), checked without an engine.

The machines that run this suite have the Docker CLI but no engine, so the files are
checked statically: against the Compose Specification schema that docker-compose 1.29
enforces (vendored in tests/data, see its README), by `docker-compose config -q` when
Debian's docker-compose is installed, and for the properties the deployment relies on.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"
DOCKER_COMPOSE = Path("/usr/bin/docker-compose")

APP_SERVICES = ("web", "worker", "documents-worker", "beat")
# Compose durations are Go durations ("1m30s"); the schema does not check them.
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    return instructions


def _exec_form_or_shell(arguments: str) -> list[str]:
    if arguments.startswith("["):
        return json.loads(arguments)
    return shlex.split(arguments)


# --- docker-compose.yml ----------------------------------------------------------------


def test_it_matches_the_compose_specification_schema(compose):
    schema = json.loads(SCHEMA_FILE.read_text())
    # The vendored file names its draft with a URI jsonschema does not recognise.
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def test_it_would_reject_keys_that_docker_compose_1_29_refuses(compose):
    """The vendored schema is the strict one: a guard that the check above has teeth."""
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    newer = json.loads(json.dumps(compose))
    newer["services"]["web"]["depends_on"]["db"]["required"] = True
    newer["services"]["web"]["healthcheck"]["start_interval"] = "5s"
    assert len(list(validator.iter_errors(newer))) == 2


def _docker_compose_config(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`docker-compose config -q` with only the given variables (and PATH, HOME) set.

    An empty --env-file: a developer's own .env must not decide the outcome.
    """
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.touch()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        **env,
    }
    command = [
        str(DOCKER_COMPOSE),
        "--env-file",
        str(empty_env_file),
        "--project-directory",
        str(ROOT),
    ]
    return subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


needs_docker_compose = pytest.mark.skipif(
    not DOCKER_COMPOSE.exists(), reason="Debian's docker-compose is not installed"
)


@needs_docker_compose
def test_it_is_accepted_by_docker_compose(tmp_path):
    result = _docker_compose_config(tmp_path, SECRET_KEY="compose-config-check")

    assert result.returncode == 0, result.stderr


@needs_docker_compose
def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    result = _docker_compose_config(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_defines_the_six_services(services):
    assert set(services) == {"db", "broker", "web", "worker", "documents-worker", "beat"}
    assert services["db"]["image"].split(":")[0].endswith("postgres")
    assert services["broker"]["image"].split(":")[0].endswith("redis")


def test_it_pins_every_image_tag(services):
    for name, service in services.items():
        if "image" not in service:
            continue
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} uses latest"
    assert int(services["db"]["image"].rpartition(":")[2].split(".")[0]) >= 15  # SPEC §1
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM" and "${" not in arguments:
            image = arguments.split()[0]
            assert ":" in image and not image.endswith(":latest"), image
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE.read_text(), re.M)


@pytest.mark.parametrize("name", ["db", "broker", "web", "worker", "documents-worker"])
def test_it_health_checks_the_service(services, name):
    healthcheck = services[name]["healthcheck"]
    assert not healthcheck.get("disable")
    test = healthcheck["test"]
    assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1
    for key in ("interval", "timeout", "start_period"):
        assert GO_DURATION.match(healthcheck[key]), f"{name}.healthcheck.{key}"


def test_it_health_checks_with_the_right_probe(services):
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["broker"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "urllib" in web and "/health/" in web
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    # $$ is Compose's escape: the shell in the container expands $HOSTNAME, which
    # is the worker's default node name celery@<hostname>.
    assert "inspect ping" in worker and "celery@$$HOSTNAME" in worker
    documents = " ".join(services["documents-worker"]["healthcheck"]["test"])
    # It names itself documents@<hostname> (its command's --hostname documents@%h).
    assert "inspect ping" in documents and "documents@$$HOSTNAME" in documents


def test_it_does_not_give_beat_the_web_health_check(services):
    # The image's HEALTHCHECK asks gunicorn, which does not run in the beat container.
    assert services["beat"]["healthcheck"] == {"disable": True}


def test_it_keeps_data_on_named_volumes(compose, services):
    named = set(compose.get("volumes") or {})

    def mounts(service: str) -> dict[str, str]:
        pairs = (entry.split(":")[:2] for entry in services[service].get("volumes", []))
        return {target: source for source, target in pairs}

    assert mounts("db")["/var/lib/postgresql/data"] in named
    assert mounts("broker")["/data"] in named
    media = services["web"]["environment"]["MEDIA_ROOT"]
    assert mounts("web")[media] in named
    # The worker extracts text from the same uploaded files.
    assert mounts("worker")[media] == mounts("web")[media]
    for service in services.values():
        for entry in service.get("volumes", []):
            source = entry.split(":")[0]
            assert source in named, f"{entry} is not a named volume"


def test_it_builds_the_app_services_from_the_dockerfile(services):
    for name in APP_SERVICES:
        build = services[name]["build"]
        context = build if isinstance(build, str) else build["context"]
        assert (ROOT / context).resolve() == ROOT, name
        if isinstance(build, dict):
            assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "--app", "backend", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "--app", "backend", "beat"]


def test_it_never_runs_two_beats(services):
    beat = services["beat"]
    assert beat.get("scale", 1) == 1
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_it_starts_services_once_what_they_need_is_healthy(services):
    def conditions(name: str) -> dict[str, str]:
        depends_on = services[name]["depends_on"]
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        return {other: entry["condition"] for other, entry in depends_on.items()}

    assert conditions("web") == {"db": "service_healthy", "broker": "service_healthy"}
    worker = conditions("worker")
    assert worker["db"] == worker["broker"] == "service_healthy"
    assert conditions("beat")["broker"] == "service_healthy"
    # PDF conversions touch no rows: the broker is what they need.
    assert conditions("documents-worker") == {"broker": "service_healthy"}
    # Web applies the migrations; worker and beat wait for it.
    assert worker["web"] == conditions("beat")["web"] == "service_healthy"


def test_it_configures_the_app_from_the_environment(services):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://broker:6379/")
        # gunicorn runs several processes: a per-process cache would split the counts.
        assert env["CACHE_URL"].endswith("redis://broker:6379/1}")
        assert env["REDIS_URL"] != "redis://broker:6379/1"
        # Required: Compose refuses to start without it instead of using a known key.
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"])
        assert env["DEBUG"] == "false"
        assert "ALLOWED_HOSTS" in env
        assert env["MEDIA_ROOT"].startswith("/")
        for key in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER"):
            assert key in env, f"{name}: {key} is not passed through"
        assert "EMAIL_HOST_PASSWORD" in env


def test_it_migrates_only_in_the_web_service(services):
    assert services["web"]["environment"]["MIGRATE_ON_START"] == "true"
    for name in ("worker", "documents-worker", "beat"):
        assert "MIGRATE_ON_START" not in services[name]["environment"]
    script = ENTRYPOINT.read_text()
    assert os.access(ENTRYPOINT, os.X_OK)
    assert 'if [ "${MIGRATE_ON_START:-false}" = "true" ]' in script
    assert "migrate --noinput" in script
    assert script.rstrip().endswith('exec "$@"')


def test_it_publishes_only_the_web_port(services):
    assert services["web"]["ports"] == ["8000:8000"]
    for name in ("db", "broker", "worker", "documents-worker", "beat"):
        assert "ports" not in services[name], name


def _option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_it_converts_pdfs_on_a_worker_of_their_own(services):
    """SPEC §12: PDF conversions on a queue of their own, one at a time, so a long one
    never holds back reminders; an init reaps the soffice helpers a timeout kills."""
    documents = services["documents-worker"]
    command = documents["command"]
    assert command[:4] == ["celery", "--app", "backend", "worker"]
    assert _option(command, "--queues") == "documents"
    assert _option(command, "--concurrency") == "1"
    assert documents["init"] is True
    # The reminders' worker consumes the default queue only, never the conversions.
    assert "--queues" not in services["worker"]["command"]
    assert "-Q" not in services["worker"]["command"]
    env = documents["environment"]
    for key in ("PDF_CONVERT_TIMEOUT", "PDF_WAIT_SECONDS", "PDF_QUEUE_LIMIT"):
        assert key in env and key in services["web"]["environment"], key
    # Long enough for a warm shutdown to let a conversion reach its time limit.
    assert GO_DURATION.match(documents["stop_grace_period"])


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_it_has_a_valid_entrypoint_script():
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True, timeout=10)


# --- Dockerfile ---------------------------------------------------------------------


def test_it_builds_the_image_from_the_lock_file():
    runs = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs and all("--frozen" in run and "--no-dev" in run for run in syncs)
    collectstatic = next(run for run in runs if "collectstatic" in run)
    assert "SECRET_KEY=" in collectstatic and "DEBUG=false" in collectstatic
    # backend/settings.py serves hashed names only when this manifest exists.
    assert "static/staticfiles.json" in collectstatic
    for catalogues in ("locale", "locale_vendor"):
        compile_ = f"pybabel compile --domain django --directory {catalogues} "
        assert any(compile_ in run for run in runs), catalogues
    copies = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "COPY"]
    assert any("uv.lock" in copy for copy in copies)


def test_it_runs_as_a_non_root_user():
    instructions = _dockerfile_instructions()
    last_stage = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    users = [arguments for keyword, arguments in instructions[last_stage:] if keyword == "USER"]
    assert users, "the runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_it_health_checks_the_web_server_without_curl():
    healthchecks = [a for k, a in _dockerfile_instructions() if k == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    options, _, command = healthchecks[0].partition("CMD")
    assert "--interval=" in options and "--timeout=" in options
    probe = " ".join(_exec_form_or_shell(command.strip()))
    assert probe.startswith("python -c") and "urllib" in probe and "/health/" in probe
    assert "curl" not in probe


def test_it_serves_with_gunicorn_on_port_from_the_environment():
    instructions = _dockerfile_instructions()
    cmd = [a for k, a in instructions if k == "CMD"][-1]
    command = " ".join(_exec_form_or_shell(cmd))
    assert "gunicorn backend.wsgi" in command and "--bind 0.0.0.0:${PORT}" in command
    entrypoint = [a for k, a in instructions if k == "ENTRYPOINT"][-1]
    assert _exec_form_or_shell(entrypoint) == ["/app/docker/entrypoint.sh"]


def test_it_keeps_local_state_out_of_the_build_context():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", ".env"} <= ignored


def test_it_installs_libreoffice_with_fonts_for_vietnamese():
    """SPEC §12: the image converts documents to PDF. With --no-install-recommends,
    fonts-liberation2 (every Vietnamese letter) comes only when named."""
    instructions = _dockerfile_instructions()
    last_stage = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    runs = [args for keyword, args in instructions[last_stage:] if keyword == "RUN"]
    install = next(run for run in runs if "libreoffice" in run)
    words = shlex.split(install.replace("&&", " "))
    assert "--no-install-recommends" in words
    for package in ("libreoffice-writer-nogui", "fonts-liberation2", "poppler-utils"):
        assert package in words, package
    # The older Liberation (1.07) silently loses ơ, ạ, ữ, ự.
    assert "fonts-liberation" not in words


def test_make_run_starts_the_documents_worker():
    procfile = {
        name: command.strip()
        for name, _, command in (
            line.partition(":")
            for line in (ROOT / "Procfile").read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    documents = shlex.split(procfile["documents"].replace("$(", "").replace(")", ""))
    assert _option(documents, "--queues") == "${PDF_QUEUE:-documents}"
    assert _option(documents, "--concurrency") == "1"
    assert "--queues" not in procfile["worker"]
    run = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert run.count(" documents ") == 2, "honcho starts the documents worker with or without Redis"
