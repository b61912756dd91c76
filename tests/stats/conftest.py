import pytest

from stats import tasks


@pytest.fixture
def sent(monkeypatch):
    """The tally runs sent to the broker, instead of sending them: [(args, options), …]."""
    calls = []

    def apply_async(args=None, kwargs=None, **options):
        calls.append((tuple(args or ()), options))

    monkeypatch.setattr(tasks.tally_run, "apply_async", apply_async)
    return calls
