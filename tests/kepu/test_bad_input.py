"""Bad input is answered 400 (or 404) with a message in the request's language, never 500.

Each test here is one of the causes of a server error found in the API and the pages: a duplicate
organization name and a venue off the globe (constraints the serializers did not check), a year outside
the calendar, an integer beyond 64 bits, a NUL character (which PostgreSQL refuses in any text); and the
API answers JSON whatever goes wrong, a server error included.
"""

import pytest
from django.utils import timezone

from events.models import Organization, Venue
from tests.factories import (
    CampaignFactory,
    EventFactory,
    OrganizationFactory,
    ShiftFactory,
    SignUpFactory,
    UpcomingShiftFactory,
    VillageFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = 99999999999999999999
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def own(organizer):
    return organizer.organizer.association


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


# --- constraints the serializers and admin forms did not check ------------------------------------------


def test_a_duplicate_organization_name_is_a_field_error_in_the_api(organizer_api, own):
    OrganizationFactory(association=own, name="县农业农村局")
    response = organizer_api.post(
        "/api/v1/organizations/", {"name": "县农业农村局", "kind": "department"}, format="json"
    )
    assert response.status_code == 400
    assert "县农业农村局" in response.json()["name"][0]
    assert Organization.objects.filter(association=own, name="县农业农村局").count() == 1


def test_two_requests_racing_with_one_new_organization_name_give_the_loser_a_field_error(
    organizer_api, own, monkeypatch
):
    # The race: the other request saved the name after this one's check passed. Skipping the check stands for
    # that moment; the unique constraint then refuses the insert, which must answer 400, not 500.
    OrganizationFactory(association=own, name="县农业农村局")
    monkeypatch.setattr("events.services.organization_validate", lambda organization: None)
    response = organizer_api.post(
        "/api/v1/organizations/", {"name": "县农业农村局", "kind": "department"}, format="json"
    )
    assert response.status_code == 400
    assert "县农业农村局" in response.json()["name"][0]
    assert Organization.objects.filter(association=own, name="县农业农村局").count() == 1
    # The request's transaction is still usable after the refused insert (the savepoint was rolled back).
    assert organizer_api.get("/api/v1/organizations/").status_code == 200


def test_renaming_an_organization_to_a_taken_name_is_a_field_error(organizer_api, own):
    OrganizationFactory(association=own, name="县科技局")
    other = OrganizationFactory(association=own, name="县教育局")
    response = organizer_api.patch(f"/api/v1/organizations/{other.id}/", {"name": "县科技局"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    other.refresh_from_db()
    assert other.name == "县教育局"


def test_an_organization_keeps_its_own_name_on_update(organizer_api, own):
    organization = OrganizationFactory(association=own, name="县科技局")
    response = organizer_api.patch(
        f"/api/v1/organizations/{organization.id}/", {"name": "县科技局", "member_count": 30}, format="json"
    )
    assert response.status_code == 200


def test_another_association_may_use_the_same_organization_name(organizer_api):
    OrganizationFactory(name="县农业农村局")
    response = organizer_api.post(
        "/api/v1/organizations/", {"name": "县农业农村局", "kind": "department"}, format="json"
    )
    assert response.status_code == 201


def test_a_duplicate_organization_name_is_a_form_error_in_the_admin(organizer_client, own):
    OrganizationFactory(association=own, name="县农业农村局")
    response = organizer_client.post(
        "/admin/events/organization/add/", {"name": "县农业农村局", "kind": "department", "member_count": 5}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "县农业农村局" in str(response.context["adminform"].form.errors["name"])
    assert Organization.objects.filter(association=own, name="县农业农村局").count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("latitude", "90.5"), ("latitude", "-500"), ("longitude", "180.000001"), ("longitude", "-181")]
)
def test_a_venue_off_the_globe_is_a_field_error_in_the_api(organizer_api, field, value):
    payload = {"name": "文化广场", "kind": "square", "region": VillageFactory().id, field: value}
    response = organizer_api.post("/api/v1/venues/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Venue.objects.exists()


def test_a_venue_off_the_globe_is_a_form_error_in_the_admin(organizer_client):
    payload = {"name": "文化广场", "kind": "square", "region": VillageFactory().id, "latitude": "500", "longitude": "1"}
    response = organizer_client.post("/admin/events/venue/add/", payload)
    assert response.status_code == 200
    assert "latitude" in response.context["adminform"].form.errors
    assert not Venue.objects.exists()


# --- a year outside the calendar --------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["0", "10000", "-1", str(BEYOND_64_BITS), "2026.5"])
@pytest.mark.parametrize("route", ["/api/v1/events/", "/api/v1/campaigns/"])
def test_a_year_outside_the_calendar_is_refused_by_the_filters(organizer_api, route, year):
    response = organizer_api.get(route, {"year": year})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_a_year_filter_still_finds_the_year(organizer_api, own):
    event = EventFactory(association=own)
    response = organizer_api.get("/api/v1/events/", {"year": event.starts_at.year})
    assert [e["id"] for e in response.json()["results"]] == [event.id]


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/stats/years/0/",
        "/api/v1/stats/years/10000/",
        f"/api/v1/stats/summary/{BEYOND_64_BITS}/",
        "/api/v1/stats/campaigns/?year=0",
    ],
)
def test_a_year_outside_the_calendar_is_refused_by_the_statistics(organizer_api, route):
    response = organizer_api.get(route)
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_the_dashboard_shows_this_year_for_a_year_outside_the_calendar(organizer_client):
    response = organizer_client.get("/dashboard/", {"year": "0"})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


# --- an integer beyond 64 bits -------------------------------------------------------------------------------


def test_an_event_id_beyond_64_bits_in_a_scan_is_a_field_error(organizer_api):
    payload = {
        "code": "ABC",
        "event": BEYOND_64_BITS,
        "client_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "scanned_at": timezone.now().isoformat(),
    }
    response = organizer_api.post("/api/v1/checkin/scan/", payload, format="json")
    assert response.status_code == 400
    assert "event" in response.json()


def test_ids_beyond_64_bits_in_request_bodies_are_field_errors(organizer_api, own):
    shift = UpcomingShiftFactory(event__association=own)
    signup = SignUpFactory(shift=shift)
    event = EventFactory(association=own)
    answers = {
        "volunteer": organizer_api.post(
            f"/api/v1/shifts/{shift.id}/add/", {"volunteer": BEYOND_64_BITS}, format="json"
        ),
        "shift": organizer_api.post(f"/api/v1/signups/{signup.id}/move/", {"shift": BEYOND_64_BITS}, format="json"),
        "attendee": organizer_api.post(
            f"/api/v1/events/{event.id}/registrations/", {"attendee": BEYOND_64_BITS}, format="json"
        ),
    }
    for field, response in answers.items():
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()


@pytest.mark.parametrize("name", ["campaign", "venue", "town", "kind"])
def test_ids_beyond_64_bits_in_event_filters_are_refused(organizer_api, own, name):
    EventFactory(association=own)
    response = organizer_api.get("/api/v1/events/", {name: BEYOND_64_BITS})
    assert response.status_code == 400
    assert name in response.json()


def test_ids_beyond_64_bits_on_the_dashboard_are_bad_requests_not_server_errors(organizer_client, own):
    CampaignFactory(association=own)
    response = organizer_client.get(
        "/dashboard/figures/events_held/", {"campaign": BEYOND_64_BITS, "town": BEYOND_64_BITS}
    )
    assert response.status_code in (200, 400)


def test_a_value_the_database_cannot_hold_is_a_bad_request_in_the_api(organizer_api, own, monkeypatch):
    """The last resort: an overflow no serializer caught is answered 400, not 500."""
    from stats import selectors

    def overflow(**kwargs):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(selectors, "todays_events", overflow)
    response = organizer_api.get("/api/v1/stats/today/", **ENGLISH)
    assert response.status_code == 400
    assert response.json() == {"detail": "A value is out of range.", "code": "invalid"}


# --- a NUL character --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/t/ab%00cd/", "/c/ab%00cd/", "/v/ical/ab%00cd.ics", "/v/staff/ab%00cd/"])
def test_a_nul_in_a_page_address_is_a_bad_request(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_query_is_a_bad_request_in_the_requests_language(organizer_api, own):
    event = EventFactory(association=own)
    response = organizer_api.get(f"/api/v1/checkin/search/?event={event.id}&q=a%00b", **ENGLISH)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The address contains a NUL character, which is not allowed.",
        "code": "invalid",
    }
    chinese = organizer_api.get(f"/api/v1/checkin/search/?event={event.id}&q=a%00b")
    assert chinese.json()["detail"] != response.json()["detail"]


@pytest.mark.parametrize("query", ["search=a%00b", "kind=lecture%00", "a%00=b"])
def test_a_nul_anywhere_in_the_query_string_is_a_bad_request(api, query):
    response = api.get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_nul_in_a_volunteers_skill_is_a_field_error(organizer_api):
    payload = {"name": "李明", "phone": "13800138000", "skills": ["讲解\u0000"]}
    response = organizer_api.post("/api/v1/volunteers/", payload, format="json")
    assert response.status_code == 400
    assert "skills" in response.json()


def test_a_nul_in_a_shifts_required_skill_is_a_field_error(organizer_api, own):
    shift = ShiftFactory(event__association=own)
    response = organizer_api.patch(f"/api/v1/shifts/{shift.id}/", {"required_skills": ["a\u0000b"]}, format="json")
    assert response.status_code == 400
    assert "required_skills" in response.json()


def test_a_nul_in_a_text_field_of_a_json_body_is_a_field_error(organizer_api, own):
    VolunteerFactory(association=own)
    response = organizer_api.post("/api/v1/venues/", {"name": "广场\u0000", "kind": "square"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


# --- the API answers JSON for its errors ----------------------------------------------------------------------


def test_an_unknown_api_route_answers_json_404(api):
    response = api.get("/api/v1/no-such-thing/", **ENGLISH)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_missing_api_record_answers_404_in_the_requests_language(organizer_api):
    response = organizer_api.get(f"/api/v1/events/{BEYOND_64_BITS}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "No Event matches" not in response.json()["detail"]


def test_a_server_error_in_the_api_answers_json(organizer_api, monkeypatch):
    from stats import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "todays_events", broken)
    organizer_api.raise_request_exception = False
    response = organizer_api.get("/api/v1/stats/today/", **ENGLISH)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error"
    assert "a bug" not in response.content.decode()


def test_a_server_error_in_a_page_answers_html(organizer_client, monkeypatch):
    from stats import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "year_tally", broken)
    organizer_client.raise_request_exception = False
    response = organizer_client.get("/dashboard/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


# --- a date outside Kepu's years (found by the schema fuzzing: a year-774 time came back as +08:05:43) -----


def test_a_checkin_window_in_another_century_is_a_field_error(organizer_api, own):
    event = EventFactory(association=own)
    response = organizer_api.patch(f"/api/v1/events/{event.id}/", {"checkin_opens_at": "0774-06-28T11:48:47Z"})
    assert response.status_code == 400
    assert list(response.json()) == ["checkin_opens_at"]


def test_a_headcount_in_another_century_is_a_field_error(organizer_api, own):
    event = EventFactory(association=own)
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/headcounts/", {"count": 10, "counted_at": "0249-08-26T07:45:35Z"}, format="json"
    )
    assert response.status_code == 400
    assert "counted_at" in response.json()
