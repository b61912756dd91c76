from uuid import uuid4

import pytest

from checkin import services


@pytest.fixture(autouse=True)
def _fresh_limits(monkeypatch):
    """Each test counts self check-in limits under keys of its own: the cache (Redis in CI) is shared."""
    monkeypatch.setattr(services, "LIMIT_KEY_PREFIX", f"test-{uuid4().hex}:checkin:self:")
