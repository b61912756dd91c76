"""DATABASE_REPLICA_URL as kepu/settings.py reads it, and Kepu without it: one database, as before.

The reads from a real replica are tested in tests/kepu/test_replica.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from kepu import replica
from tests.factories import OrganizerFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_settings(**environment: str) -> dict:
    """DATABASES, DATABASE_ROUTERS and the replica's bounds as kepu.settings computes them (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_REPLICA_")}
    env.update(environment, DJANGO_SETTINGS_MODULE="kepu.settings")
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'databases': s.DATABASES, 'routers': getattr(s, 'DATABASE_ROUTERS', []), "
        "'max_lag': s.DATABASE_REPLICA_MAX_LAG_SECONDS, 'pin': s.DATABASE_REPLICA_PIN_SECONDS}, default=str))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_replica_url_adds_a_replica_alias_and_its_router():
    found = _database_settings(
        DATABASE_URL="postgres://kepu:pw@db.example.org:5432/kepu",
        DATABASE_REPLICA_URL="postgres://kepu:pw@replica.example.org:5433/kepu",
    )
    primary, copy = found["databases"]["default"], found["databases"]["replica"]
    assert (primary["HOST"], copy["HOST"], copy["PORT"], copy["NAME"]) == (
        "db.example.org",
        "replica.example.org",
        5433,
        "kepu",
    )
    assert copy["TEST"] == {"MIRROR": "default"}  # tests read the primary's test database through it
    assert copy["OPTIONS"]["prepare_threshold"] == primary["OPTIONS"]["prepare_threshold"]
    assert copy["OPTIONS"]["connect_timeout"] == 2
    assert found["routers"] == ["kepu.replica.ReplicaRouter"]
    assert found["pin"] >= found["max_lag"] + replica.LAG_CHECK_SECONDS  # a fresh replica then has the write


def test_the_lag_bound_and_the_pin_are_settings():
    found = _database_settings(
        DATABASE_REPLICA_URL="postgres://kepu@replica:5432/kepu",
        DATABASE_REPLICA_MAX_LAG_SECONDS="30",
        DATABASE_REPLICA_PIN_SECONDS="45",
    )
    assert (found["max_lag"], found["pin"]) == (30.0, 45)


def test_without_the_replica_url_there_is_one_database_and_no_router():
    found = _database_settings()
    assert list(found["databases"]) == ["default"] and found["routers"] == []


@pytest.mark.django_db
def test_without_a_replica_reads_stay_on_the_one_database_and_no_cookie_is_set(client):
    assert replica.REPLICA not in settings.DATABASES and not replica.configured()
    with replica.reads():
        assert replica.read_alias() == "default" and not replica.reading_from_replica()
    client.force_login(OrganizerFactory().user)
    assert client.get("/dashboard/").status_code == 200
    written = client.post("/i18n/setlang/", {"language": "en"})
    assert written.status_code == 302 and replica.PIN_COOKIE not in written.cookies
