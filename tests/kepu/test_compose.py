"""docker-compose.yml cannot run here (no Docker engine); this keeps it true to the code."""

import importlib
from pathlib import Path

import yaml

from kepu.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _service(name):
    return COMPOSE["services"][name]


def test_compose_has_the_production_services():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(COMPOSE["services"])


def test_web_runs_gunicorn_on_the_real_wsgi_module():
    command = _service("web")["command"]
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert hasattr(importlib.import_module(module), attribute)


def test_worker_and_beat_run_celery_on_the_real_app():
    for name, role in (("worker", "worker"), ("beat", "beat")):
        command = _service(name)["command"]
        assert command[:3] == ["celery", "-A", "kepu"] and command[3] == role
    assert importlib.import_module("kepu").celery_app is celery_app


def test_app_services_are_configured_only_through_the_environment():
    for name in ("web", "worker", "beat"):
        environment = _service(name)["environment"]
        assert (
            environment["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in environment["DATABASE_URL"]
        )
        assert environment["REDIS_URL"].startswith("redis://redis:6379")
        assert "SECRET_KEY" in environment and environment["DEBUG"] == "false"


def test_services_have_healthchecks_and_data_has_volumes():
    for name in ("postgres", "redis", "web", "worker"):
        assert _service(name)["healthcheck"]["test"]
    assert {"pgdata", "redisdata"} <= set(COMPOSE["volumes"])
    assert any(v.startswith("pgdata:") for v in _service("postgres")["volumes"])


def test_the_image_is_built_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert _service("web")["build"] == "."
