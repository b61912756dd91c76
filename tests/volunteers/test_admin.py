import pytest
from django.test import RequestFactory

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


def _form_data(html: str) -> dict:
    """What the browser would post back from the admin's change form, unchanged."""
    from lxml import html as lxml_html

    form = lxml_html.fromstring(html).get_element_by_id("event_form")
    data = {}
    for name, value in form.form_values():  # what a browser submits: checked boxes, selected options
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def test_shift_inline_saves_through_the_services(client, organizer, association):
    event = UpcomingEventFactory(association=association)
    shift = services.shift_create(
        event=event, role=Shift.Role.GUIDE, starts_at=event.starts_at, ends_at=event.ends_at, capacity=1
    )
    waiting = [
        services.shift_signup(shift=shift, volunteer=VolunteerFactory(association=association)) for _ in range(2)
    ]
    client.force_login(organizer)
    url = f"/admin/events/event/{event.id}/change/"
    data = _form_data(client.get(url).content.decode())
    data["shifts-0-capacity"] = "2"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Shift.objects.get(pk=shift.pk).taken == 2
    assert {type(waiting[0]).objects.get(pk=s.pk).status for s in waiting} == {"confirmed"}


def test_shift_inline_refuses_fewer_places_than_taken(client, organizer, association):
    event = UpcomingEventFactory(association=association)
    shift = services.shift_create(
        event=event, role=Shift.Role.GUIDE, starts_at=event.starts_at, ends_at=event.ends_at, capacity=2
    )
    for _ in range(2):
        services.shift_signup(shift=shift, volunteer=VolunteerFactory(association=association))
    client.force_login(organizer)
    url = f"/admin/events/event/{event.id}/change/"
    data = _form_data(client.get(url).content.decode())
    data["shifts-0-capacity"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Shift.objects.get(pk=shift.pk).capacity == 2


def test_changing_a_volunteers_phone_in_the_admin_changes_their_login(client, organizer, association):
    from django.contrib.auth import authenticate

    from tests.factories import PASSWORD

    volunteer = VolunteerFactory(association=association, name="王芳")
    client.force_login(organizer)
    page = client.get(f"/admin/volunteers/volunteer/{volunteer.id}/change/").content.decode()
    assert page  # the form renders for an organizer
    response = client.post(
        f"/admin/volunteers/volunteer/{volunteer.id}/change/",
        {"phone": "13912345678", "name": "王芳", "language": "zh-hans"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    volunteer.refresh_from_db()
    assert volunteer.phone == "+8613912345678"
    # With a request: the sign-in protection (django-axes) counts every authentication per account and address.
    assert authenticate(RequestFactory().post("/"), username="+8613912345678", password=PASSWORD) == volunteer.user
