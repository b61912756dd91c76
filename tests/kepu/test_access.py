"""Nobody acts outside their association: a county organizer links nothing of another county, and a
prefecture organizer reads its counties but writes into none of them (API and admin)."""

import io

import pytest
from django.contrib import admin
from django.test import RequestFactory
from openpyxl import Workbook

from checkin.models import PosterCode, Registration
from events.models import Event
from notifications.models import Notification
from volunteers.models import Shift, SignUp

pytestmark = pytest.mark.django_db


# --- item 1: a county organizer links nothing of another county --------------------------------------


def test_admin_refuses_a_shift_on_another_countys_event(client, world):
    client.force_login(world.a.organizer)
    event = world.b.event
    response = client.post(
        "/admin/volunteers/shift/add/",
        {
            "event": event.id,
            "role": "guide",
            "starts_at_0": event.starts_at.strftime("%Y-%m-%d"),
            "starts_at_1": event.starts_at.strftime("%H:%M:%S"),
            "ends_at_0": event.ends_at.strftime("%Y-%m-%d"),
            "ends_at_1": event.ends_at.strftime("%H:%M:%S"),
            "capacity": 5,
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert "event" in response.context["adminform"].form.errors
    assert not Shift.objects.filter(event=event).exclude(id=world.b.shift.id).exists()


def test_admin_shift_form_offers_only_own_events(rf_admin, world):
    form = rf_admin(Shift, world.a.organizer).get_form(rf_admin.request)()
    assert set(form.fields["event"].queryset) == {world.a.event}


def test_admin_event_partners_and_links_are_own_associations(rf_admin, world):
    form = rf_admin(Event, world.a.organizer).get_form(rf_admin.request, world.a.event)()
    assert set(form.fields["partners"].queryset) == {world.a.organization}
    assert set(form.fields["venue"].queryset) == {world.a.venue}
    assert set(form.fields["campaign"].queryset) == {world.a.campaign}


def test_admin_choices_of_a_prefecture_are_its_own_not_its_counties(rf_admin, world):
    form = rf_admin(Event, world.prefecture_organizer).get_form(rf_admin.request)()
    assert not form.fields["partners"].queryset.exists()
    assert not form.fields["venue"].queryset.exists()


def test_admin_volunteer_organizations_are_own_associations(rf_admin, world):
    volunteer_admin = rf_admin(world.a.volunteer.__class__, world.a.organizer)
    form = volunteer_admin.get_form(rf_admin.request, world.a.volunteer)()
    assert set(form.fields["organizations"].queryset) == {world.a.organization}


def test_api_refuses_to_attach_another_countys_organization_to_a_volunteer(client, world):
    client.force_login(world.a.organizer)
    response = client.patch(
        f"/api/v1/volunteers/{world.a.volunteer.id}/",
        {"organizations": [world.b.organization.id]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "organizations" in response.json()
    assert "不存在" in str(response.json()["organizations"])  # in the user's language
    assert not world.a.volunteer.organizations.exists()


def test_api_refuses_another_countys_partner_venue_or_campaign_for_an_event(client, world):
    client.force_login(world.a.organizer)
    for field, value in (
        ("partners", [world.b.organization.id]),
        ("venue", world.b.venue.id),
        ("campaign", world.b.campaign.id),
    ):
        response = client.patch(f"/api/v1/events/{world.a.event.id}/", {field: value}, content_type="application/json")
        assert response.status_code == 400, field
        assert field in response.json()
    world.a.event.refresh_from_db()
    assert world.a.event.venue_id == world.a.venue.id
    assert not world.a.event.partners.exists()


def test_api_refuses_a_shift_on_another_countys_event(client, world):
    client.force_login(world.a.organizer)
    event = world.b.event
    response = client.post(
        "/api/v1/shifts/",
        {"event": event.id, "role": "guide", "starts_at": event.starts_at, "ends_at": event.ends_at, "capacity": 3},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "event" in response.json()
    assert Shift.objects.filter(event=event).count() == 1


def test_api_links_own_records_as_before(client, world):
    client.force_login(world.a.organizer)
    response = client.patch(
        f"/api/v1/volunteers/{world.a.volunteer.id}/",
        {"organizations": [world.a.organization.id]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert list(world.a.volunteer.organizations.all()) == [world.a.organization]


# --- item 2: a prefecture organizer reads its counties but writes into none ----------------------


def _xlsx() -> io.BytesIO:
    book = Workbook()
    book.active.append(["姓名", "手机"])
    book.active.append(["王五", ""])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "list.xlsx"
    return content


def test_prefecture_reads_a_countys_event_registrations_and_scan_log(client, world):
    client.force_login(world.prefecture_organizer)
    event = world.a.event
    for url in (
        f"/api/v1/events/{event.id}/",
        f"/api/v1/events/{event.id}/registrations/",
        f"/api/v1/events/{event.id}/scan-log/",
        f"/api/v1/events/{event.id}/attendance/",
        f"/api/v1/registrations/{world.a.registration.id}/",
        f"/api/v1/notifications/{world.a.notification.id}/",
        f"/v/org/events/{event.id}/",
    ):
        assert client.get(url).status_code == 200, url


def test_prefecture_writes_nothing_into_a_county_over_the_api(client, world):
    client.force_login(world.prefecture_organizer)
    a = world.a
    event = a.event
    poster_code = a.poster.code
    registrations = Registration.objects.count()
    writes = [
        (f"/api/v1/events/{event.id}/registrations/", {"name": "赵六"}, "json"),
        (
            f"/api/v1/events/{event.id}/registrations/import/",
            {"file": _xlsx(), "consent_confirmed": "true"},
            "multipart",
        ),
        (f"/api/v1/events/{event.id}/paper-checkins/", {"entries": [{"name": "钱七"}]}, "json"),
        (f"/api/v1/events/{event.id}/poster-code/", {}, "json"),
        (f"/api/v1/events/{event.id}/headcounts/", {"count": 12}, "json"),
        (f"/api/v1/events/{event.id}/cancel/", {}, "json"),
        (f"/api/v1/registrations/{a.registration.id}/revoke/", {}, "json"),
        (f"/api/v1/notifications/{a.notification.id}/resend/", {}, "json"),
        (f"/api/v1/signups/{a.signup.id}/attendance/", {"attended": True}, "json"),
        (f"/api/v1/shifts/{a.shift.id}/add/", {"volunteer": a.idle_volunteer.id}, "json"),
        ("/api/v1/checkin/scan/", {"code": a.registration.code, "event": event.id, "client_id": _uuid()}, "json"),
    ]
    for url, body, kind in writes:
        if kind == "json":
            response = client.post(url, body, content_type="application/json")
        else:
            response = client.post(url, body)
        assert response.status_code in (403, 404), (url, response.status_code)
    assert client.patch(
        f"/api/v1/events/{event.id}/", {"title": "改"}, content_type="application/json"
    ).status_code in (
        403,
        404,
    )
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert Registration.objects.count() == registrations
    assert not Registration.objects.filter(revoked_at__isnull=False).exists()
    assert PosterCode.objects.get(event=event, retired_at__isnull=True).code == poster_code
    assert Notification.objects.get(id=a.notification.id).status == Notification.Status.FAILED
    assert SignUp.objects.get(id=a.signup.id).status == SignUp.Status.CONFIRMED
    assert not SignUp.objects.filter(volunteer=a.idle_volunteer).exists()
    assert not event.checkins.exclude(id=a.checkin.id).exists()
    assert event.headcounts.count() == 1


def test_prefecture_changes_no_roster_of_a_county_on_the_pages(client, world):
    client.force_login(world.prefecture_organizer)
    url = f"/v/org/events/{world.a.event.id}/"
    staff_code = world.a.staff_code.code
    assert client.post(url, {"action": "rotate"}).status_code in (403, 404)
    assert client.post(url, {"action": "no_show", "signup": world.a.signup.id}).status_code in (403, 404)
    assert SignUp.objects.get(id=world.a.signup.id).status == SignUp.Status.CONFIRMED
    world.a.staff_code.refresh_from_db()
    assert world.a.staff_code.code == staff_code


@pytest.mark.parametrize(
    ("changelist", "action", "target"),
    [
        ("/admin/events/event/", "cancel_events", "event"),
        ("/admin/volunteers/signup/", "mark_attended", "signup"),
        ("/admin/volunteers/signup/", "mark_no_show", "signup"),
        ("/admin/volunteers/signup/", "remove", "signup"),
        ("/admin/checkin/registration/", "revoke", "registration"),
        ("/admin/notifications/notification/", "resend", "notification"),
    ],
)
def test_prefecture_admin_actions_leave_a_county_alone(client, world, changelist, action, target):
    obj = getattr(world.a, target)
    before = type(obj).objects.filter(pk=obj.pk).values().get()
    client.force_login(world.prefecture_organizer)
    assert client.get(changelist).status_code == 200  # it reads the county's records
    client.post(changelist, {"action": action, "_selected_action": [obj.pk]})
    assert type(obj).objects.filter(pk=obj.pk).values().get() == before


@pytest.mark.parametrize(
    ("changelist", "action", "target", "changed"),
    [
        ("/admin/events/event/", "cancel_events", "event", lambda o: o.status == Event.Status.CANCELLED),
        ("/admin/volunteers/signup/", "mark_no_show", "signup", lambda o: o.status == SignUp.Status.NO_SHOW),
        ("/admin/checkin/registration/", "revoke", "registration", lambda o: o.revoked_at is not None),
        (
            "/admin/notifications/notification/",
            "resend",
            "notification",
            lambda o: o.status != Notification.Status.FAILED,
        ),
    ],
)
def test_county_organizer_admin_actions_act_on_own_county(client, world, changelist, action, target, changed):
    obj = getattr(world.a, target)
    client.force_login(world.a.organizer)
    client.post(changelist, {"action": action, "_selected_action": [obj.pk]})
    obj.refresh_from_db()
    assert changed(obj)


# --- helpers -------------------------------------------------------------------------------------


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


@pytest.fixture
def rf_admin():
    """rf_admin(Model, user) → the model's admin, with `rf_admin.request` a GET by that user."""

    def model_admin(model, user):
        model_admin.request = RequestFactory().get("/admin/")
        model_admin.request.user = user
        return admin.site._registry[model]

    return model_admin
