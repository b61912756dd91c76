import pytest

from tests.factories import UpcomingEventFactory, VolunteerFactory
from volunteers import services
from volunteers.models import Shift

pytestmark = pytest.mark.django_db


def test_event_admin_plans_shifts_inline(client, organizer, association):
    event = UpcomingEventFactory(association=association)
    client.force_login(organizer)
    page = client.get(f"/admin/events/event/{event.id}/change/")
    assert page.status_code == 200
    assert "shifts-TOTAL_FORMS" in page.content.decode()


def test_raising_places_in_the_admin_promotes_the_waitlist(client, organizer, association):
    event = UpcomingEventFactory(association=association)
    shift = services.shift_create(
        event=event, role=Shift.Role.GUIDE, starts_at=event.starts_at, ends_at=event.ends_at, capacity=1
    )
    signups = [
        services.shift_signup(shift=shift, volunteer=VolunteerFactory(association=association)) for _ in range(2)
    ]
    client.force_login(organizer)
    response = client.post(
        f"/admin/volunteers/shift/{shift.id}/change/",
        {
            "event": event.id,
            "role": "guide",
            "starts_at_0": event.starts_at.astimezone().strftime("%Y-%m-%d"),
            "starts_at_1": event.starts_at.astimezone().strftime("%H:%M:%S"),
            "ends_at_0": event.ends_at.astimezone().strftime("%Y-%m-%d"),
            "ends_at_1": event.ends_at.astimezone().strftime("%H:%M:%S"),
            "capacity": 2,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert {s.status for s in type(signups[0]).objects.filter(shift=shift)} == {"confirmed"}
    assert Shift.objects.get(pk=shift.pk).taken == 2
