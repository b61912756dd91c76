"""docker-compose.yml cannot run here (no Docker engine); this keeps it true to the code."""

import importlib
import re
from pathlib import Path

import pytest
import yaml

from kepu.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
WORKERS = ("worker-tallies", "worker-notifications", "worker-reports")  # one per queue (tests/kepu/test_queues.py)
APP_SERVICES = ("web", *WORKERS, "beat")
REQUIRED = {"SECRET_KEY": "s" * 50, "PUBLIC_BASE_URL": "https://kepu.example.org"}
# What compose itself sets in every app container, whatever .env says: a container is in production.
FIXED = {"DEBUG": "false", "MEDIA_ROOT": "/data/media"}


# --- What `docker compose config` would do (no Docker here): .env, interpolation, env_file ---------------


def parse_dotenv(text: str) -> dict[str, str]:
    """A .env file as compose reads it: KEY=VALUE lines; blank lines and # comments skipped; quotes removed."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class MissingVariable(Exception):
    pass


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^{}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$, innermost first."""
    value = value.replace("$$", "\0")

    def one(match: re.Match) -> str:
        name = match["name"] or match["bare"]
        op, arg, current = match["op"], match["arg"] or "", variables.get(name)
        unset = current is None or (current == "" and op is not None and op.startswith(":"))
        if op and op.endswith("-"):
            return arg if unset else current
        if op and op.endswith("?"):
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    while (replaced := _VARIABLE.sub(one, value)) != value:
        value = replaced
    return value.replace("\0", "$")


def container_environment(service: str, dotenv: dict[str, str]) -> dict[str, str]:
    """The environment a service's container starts with: its env_file, then its `environment` over it."""
    definition = _service(service)
    env_files = definition.get("env_file", [])
    environment: dict[str, str] = {}
    for env_file in [env_files] if isinstance(env_files, str) else env_files:
        assert env_file == ".env", "the test's sample stands for .env only"
        environment.update(dotenv)
    for key, value in (definition.get("environment") or {}).items():
        environment[key] = interpolate(str(value), dotenv)
    return environment


def documented_settings() -> set[str]:
    """The names in the first column of the README's configuration table."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def _service(name):
    return COMPOSE["services"][name]


def test_compose_has_the_production_services():
    assert {"postgres", "redis", "web", *WORKERS, "beat"} <= set(COMPOSE["services"])


def test_web_runs_gunicorn_on_the_real_wsgi_module():
    command = _service("web")["command"]
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert hasattr(importlib.import_module(module), attribute)


def test_worker_and_beat_run_celery_on_the_real_app():
    for name, role in (*((worker, "worker") for worker in WORKERS), ("beat", "beat")):
        command = _service(name)["command"]
        assert command[:3] == ["celery", "-A", "kepu"] and command[3] == role
    assert importlib.import_module("kepu").celery_app is celery_app


def test_app_services_are_configured_only_through_the_environment():
    for name in APP_SERVICES:
        environment = container_environment(name, REQUIRED)
        assert (
            environment["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in environment["DATABASE_URL"]
        )
        assert environment["REDIS_URL"].startswith("redis://redis:6379")
        assert "SECRET_KEY" in environment and environment["DEBUG"] == "false"


def test_services_have_healthchecks_and_data_has_volumes():
    for name in ("postgres", "redis", "web", *WORKERS):
        assert _service(name)["healthcheck"]["test"]
    assert {"pgdata", "redisdata"} <= set(COMPOSE["volumes"])
    assert any(v.startswith("pgdata:") for v in _service("postgres")["volumes"])


def test_the_image_is_built_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert _service("web")["build"] == "."


# --- The settings reach the containers ------------------------------------------------------------------


def test_every_documented_setting_in_dot_env_reaches_web_worker_and_beat():
    documented = documented_settings()
    sample = parse_dotenv((ROOT / ".env.example").read_text())
    sample.update({name: f"sample-{name.lower()}" for name in documented if name not in sample})
    for service in APP_SERVICES:
        environment = container_environment(service, sample)
        for name in sorted(documented):
            assert environment.get(name) == FIXED.get(name, sample[name]), (service, name)


def test_the_sms_settings_and_public_links_of_dot_env_example_reach_the_containers():
    sample = parse_dotenv((ROOT / ".env.example").read_text())
    for service in APP_SERVICES:
        environment = container_environment(service, sample)
        assert environment["SMS_BACKEND"] == "notifications.channels.HttpSmsBackend"
        assert environment["SMS_HTTP_URL"].startswith("https://")
        assert environment["PUBLIC_BASE_URL"] == "https://kepu.example.org"
        assert environment["DATABASE_URL"] == f"postgres://kepu:{sample['POSTGRES_PASSWORD']}@postgres:5432/kepu"


def test_a_managed_database_in_dot_env_replaces_the_bundled_one():
    dotenv = {**REQUIRED, "DATABASE_URL": "postgres://kepu:x@db.example.org:5432/kepu"}
    assert container_environment("web", dotenv)["DATABASE_URL"] == "postgres://kepu:x@db.example.org:5432/kepu"


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_a_required_setting(missing):
    dotenv = {k: v for k, v in REQUIRED.items() if k != missing}
    with pytest.raises(MissingVariable, match=missing):
        container_environment("web", dotenv)


def test_every_setting_of_dot_env_example_is_documented():
    assert set(parse_dotenv((ROOT / ".env.example").read_text())) <= documented_settings()
    assert ".env" in (ROOT / ".gitignore").read_text().split()  # the real one holds secrets


def test_the_interpolation_follows_compose():
    variables = {"A": "a", "EMPTY": ""}
    assert interpolate("${A}-${B:-b}-${EMPTY:-e}-${EMPTY-e}-$$HOSTNAME", variables) == "a-b-e--$HOSTNAME"
    assert interpolate("${X:-x${A:-z}y}", variables) == "xay"
    with pytest.raises(MissingVariable):
        interpolate("${B:?set B}", variables)


# --- The PostgreSQL backup service --------------------------------------------------------------------------


def test_the_backup_service_dumps_the_bundled_database_and_archives_the_media_volume():
    backup = _service("backup")
    assert backup["image"] == _service("postgres")["image"]  # pg_dump of the server's own major version
    assert backup["command"] == ["sh", "/kepu-backup.sh"]
    volumes = {v.split(":")[1]: v.split(":")[0] for v in backup["volumes"]}
    assert (ROOT / volumes["/kepu-backup.sh"]).is_file()
    assert volumes["/data/media"] == "media" and backup["volumes"][1].endswith(":ro")  # reads, never writes
    assert volumes["/backups"] == "backups" and "backups" in COMPOSE["volumes"]
    dotenv = {"POSTGRES_PASSWORD": "pw", "BACKUP_KEEP_DAYS": "30"}
    environment = {k: interpolate(str(v), dotenv) for k, v in backup["environment"].items()}
    assert (environment["PGHOST"], environment["PGPASSWORD"], environment["PGDATABASE"]) == ("postgres", "pw", "kepu")
    assert (environment["BACKUP_KEEP_DAYS"], environment["BACKUP_HOUR"]) == ("30", "3")
    assert environment["MEDIA_DIR"] == "/data/media" == FIXED["MEDIA_ROOT"]


# --- The read replica --------------------------------------------------------------------------------------


def test_the_replica_service_streams_from_the_bundled_database():
    copy, primary = _service("postgres-replica"), _service("postgres")
    assert copy["image"] == primary["image"]  # a physical replica runs the primary's major version
    assert copy["command"] == ["sh", "/kepu-replica.sh"] and copy["user"] == "postgres"
    volumes = {v.split(":")[1]: v.split(":")[0] for v in copy["volumes"]}
    script = (ROOT / volumes["/kepu-replica.sh"]).read_text()
    assert "pg_basebackup" in script and " -R" in script and "hot_standby=on" in script
    assert volumes[copy["environment"]["PGDATA"]] == "pgreplica" and "pgreplica" in COMPOSE["volumes"]
    environment = {k: interpolate(str(v), {"POSTGRES_PASSWORD": "pw"}) for k, v in copy["environment"].items()}
    assert (environment["PRIMARY_HOST"], environment["PGUSER"], environment["PGPASSWORD"]) == ("postgres", "kepu", "pw")
    assert copy["depends_on"]["postgres"]["condition"] == "service_healthy" and copy["healthcheck"]["test"]
    # The primary lets it in: a replication entry in pg_hba.conf, written when its database is created.
    init = {v.split(":")[1]: v.split(":")[0] for v in primary["volumes"] if v.startswith("./")}
    hba_script = (ROOT / init["/docker-entrypoint-initdb.d/kepu-replication.sh"]).read_text()
    assert "host replication" in hba_script


def test_the_apps_read_from_the_replica_unless_dot_env_turns_it_off():
    for service in APP_SERVICES:
        url = container_environment(service, {**REQUIRED, "POSTGRES_PASSWORD": "pw"})["DATABASE_REPLICA_URL"]
        assert url == "postgres://kepu:pw@postgres-replica:5432/kepu"
        assert container_environment(service, {**REQUIRED, "DATABASE_REPLICA_URL": ""})["DATABASE_REPLICA_URL"] == ""
