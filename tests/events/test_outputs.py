"""An event's outputs through events.services: added, changed and deleted, each time tallied again."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from events import services
from events.models import EventOutput
from tests.factories import EventFactory, EventOutputFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tallied(monkeypatch) -> list[int]:
    asked: list[int] = []
    monkeypatch.setattr(services, "tally_request", lambda *, event_id, **kw: asked.append(event_id))
    return asked


def test_an_added_output_is_tallied(tallied):
    event = EventFactory()
    output = services.event_output_add(event=event, kind="materials", quantity=Decimal("250"))
    assert output.pk and tallied == [event.id]


def test_an_output_is_changed_and_tallied_again(tallied):
    output = EventOutputFactory(quantity=100)
    services.event_output_update(output=output, kind="display_boards", quantity=Decimal("8"), note="展板")
    output.refresh_from_db()
    assert (output.kind, output.quantity, output.note) == ("display_boards", Decimal("8"), "展板")
    assert tallied == [output.event_id]


@pytest.mark.parametrize("fields", [{"quantity": Decimal("-1")}, {"kind": "rockets"}, {"quantity": None}])
def test_an_invalid_change_is_refused_and_nothing_is_saved(fields, tallied):
    output = EventOutputFactory(quantity=100)
    with pytest.raises(ValidationError):
        services.event_output_update(output=output, **fields)
    output.refresh_from_db()
    assert output.quantity == Decimal("100") and output.kind == "materials" and tallied == []


def test_a_deleted_output_is_gone_and_tallied(tallied):
    output = EventOutputFactory()
    services.event_output_delete(output=output)
    assert not EventOutput.objects.filter(pk=output.pk).exists() and tallied == [output.event_id]
