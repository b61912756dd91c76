"""`make run` prints where to go first and both demo logins (desk/management/commands/demo_logins.py)."""

from io import StringIO

import pytest
from django.core.management import call_command

from events.demo import DEMO_ORGANIZER, demo_organizer
from tests.factories import AssociationFactory, UserFactory, VolunteerFactory
from volunteers.demo import DEMO_VOLUNTEER

pytestmark = pytest.mark.django_db


def _printed() -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def test_make_run_prints_the_desks_address_and_both_demo_logins():
    printed = _printed()
    assert "http://127.0.0.1:8000/desk/" in printed and "http://127.0.0.1:8000/v/" in printed
    assert f"{DEMO_ORGANIZER[0]} / {DEMO_ORGANIZER[1]}" in printed
    assert f"13800000001 / {DEMO_VOLUNTEER[1]}" in printed


def test_the_printed_logins_sign_in_where_they_are_printed(client):
    demo_organizer(AssociationFactory())
    response = client.post("/desk/login/", {"username": DEMO_ORGANIZER[0], "password": DEMO_ORGANIZER[1]})
    assert response["Location"] == "/desk/"
    client.logout()
    phone, password = DEMO_VOLUNTEER
    VolunteerFactory(phone=phone, user=UserFactory(username=phone, password=password))
    response = client.post("/v/login/", {"phone": phone.removeprefix("+86"), "password": password})
    assert response.status_code == 302 and "_auth_user_id" in client.session
