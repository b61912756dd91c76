import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from checkin import services
from checkin.models import Attendee, CheckIn
from tests.factories import (
    EventFactory,
    OrganizationFactory,
    RegistrationFactory,
    ShiftFactory,
    SignUpFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(association):
    return EventFactory(association=association)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the scanner page --------------------------------------------------------------------------


def test_scanner_page_asks_for_a_login(client, event):
    response = client.get(f"/scan/{event.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/v/login/")  # the phone login


def test_scanner_page_is_for_organizers_and_volunteers_on_duty(organizer, event):
    assert _logged_in(organizer).get(f"/scan/{event.id}/").status_code == 200
    volunteer = SignUpFactory(shift=ShiftFactory(event=event), status="confirmed").volunteer.user
    assert _logged_in(volunteer).get(f"/scan/{event.id}/").status_code == 200
    assert _logged_in(UserFactory()).get(f"/scan/{event.id}/").status_code == 403


def test_scanner_page_carries_its_configuration_and_the_vendored_decoder(organizer, event):
    page = _logged_in(organizer).get(f"/scan/{event.id}/").content.decode()
    assert "scanner-config" in page and "checkin/vendor/jsQR.js" in page and event.title in page
    assert "csrftoken" in _logged_in(organizer).get(f"/scan/{event.id}/").cookies


def test_service_worker_is_served_for_the_scanner_scope(client):
    response = client.get("/scan/sw.js")
    assert response.status_code == 200 and response["Service-Worker-Allowed"] == "/scan/"
    assert "javascript" in response["Content-Type"] and b"checkin/scanner.js" in response.content


# --- self check-in ------------------------------------------------------------------------------


def test_self_checkin_form_checks_in_and_remembers_the_person(client, event):
    poster = services.poster_code_for(event=event)
    assert client.get(f"/c/{poster.code}/").status_code == 200
    response = client.post(f"/c/{poster.code}/", {"name": "周大嫂", "category": "farmer", "phone": "", "consent": "on"})
    assert response.status_code == 200 and 'data-status="ok"' in response.content.decode()
    assert CheckIn.objects.get().method == "self"
    # The next event: the phone remembers her, one tap.
    other = EventFactory(association=event.association)
    other_poster = services.poster_code_for(event=other)
    page = client.get(f"/c/{other_poster.code}/").content.decode()
    assert "周大嫂" in page
    response = client.post(f"/c/{other_poster.code}/", {"me": "1"})
    assert 'data-status="ok"' in response.content.decode()
    assert Attendee.objects.count() == 1 and CheckIn.objects.count() == 2


def test_self_checkin_twice_answers_already_checked_in(client, event):
    poster = services.poster_code_for(event=event)
    client.post(f"/c/{poster.code}/", {"name": "周大嫂", "category": "farmer", "consent": "on"})
    response = client.post(f"/c/{poster.code}/", {"me": "1"})
    assert 'data-status="already_checked_in"' in response.content.decode()
    assert CheckIn.objects.count() == 1


def test_self_checkin_form_shows_field_errors(client, event):
    poster = services.poster_code_for(event=event)
    response = client.post(f"/c/{poster.code}/", {"name": "", "category": "farmer", "phone": "12", "consent": "on"})
    assert response.status_code == 200 and not CheckIn.objects.exists()
    assert "errorlist" in response.content.decode()


def test_a_forged_remember_cookie_is_ignored(client, event):
    poster = services.poster_code_for(event=event)
    client.cookies["kepu_attendee"] = "1:forged"
    response = client.post(f"/c/{poster.code}/", {"me": "1"})
    assert not CheckIn.objects.exists() and response.status_code == 200


def test_retired_poster_and_unknown_code(client, event):
    old = services.poster_code_for(event=event)
    services.poster_code_rotate(event=event)
    assert 'data-status="retired"' in client.get(f"/c/{old.code}/").content.decode()
    assert client.get("/c/nonsense/").status_code == 404


def test_self_checkin_before_the_window_says_when_it_opens(client):
    event = EventFactory(starts_at=timezone.now() + timedelta(days=2))
    poster = services.poster_code_for(event=event)
    assert 'data-status="outside_window"' in client.get(f"/c/{poster.code}/").content.decode()


# --- printables ---------------------------------------------------------------------------------


def test_ticket_sheet_prints_one_qr_per_registration_for_a_school(organizer, event):
    school = OrganizationFactory(association=event.association, kind="school")
    for n in range(14):
        services.registration_create(event=event, name=f"学生{n}", category="student", school=school)
    RegistrationFactory(event=event)  # not of the school
    page = _logged_in(organizer).get(f"/checkin/events/{event.id}/tickets/?school={school.id}&per_page=12")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<svg") == 14 and html.count('class="sheet"') == 2


def test_ticket_sheet_is_for_organizers_of_the_event(event):
    assert _logged_in(UserFactory()).get(f"/checkin/events/{event.id}/tickets/").status_code == 403


def test_poster_shows_a_large_qr_of_the_self_checkin_link(organizer, event):
    html = _logged_in(organizer).get(f"/checkin/events/{event.id}/poster/").content.decode()
    code = services.poster_code_for(event=event).code
    assert re.search(rf"http://testserver/c/{code}/", html) and "<svg" in html and event.title in html
