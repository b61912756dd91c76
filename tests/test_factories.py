import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [factories.SignUpFactory, factories.RegistrationFactory, factories.CheckInFactory, factories.HeadcountFactory],
)
def test_factory_builds_a_consistent_record(factory):
    record = factory()
    association = record.event.association if hasattr(record, "event") else record.shift.event.association
    owner = getattr(record, "attendee", None) or getattr(record, "volunteer", None)
    if owner is not None:
        assert owner.association == association
