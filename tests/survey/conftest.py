import importlib

import pytest
from django.apps import apps

default_rules_migration = importlib.import_module("survey.migrations.0002_default_rules")


@pytest.fixture(autouse=True)
def default_mapping(db):
    """The default rules the data migration installs. A transactional test elsewhere in the suite empties
    every table when it ends, migrated rows included; without them each cell would be left to the clerk
    and the recounts here would compare nothing."""
    default_rules_migration.add_defaults(apps, None)
