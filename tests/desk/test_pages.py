"""The desk's home and plan pages: who gets in, what they see (their association's records only), and the
plan's writes (create, edit, copy to several villages, cancel) going through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from events.models import Campaign, Event
from notifications.models import Notification
from stats.models import CampaignTarget
from tests.factories import (
    PASSWORD,
    AssociationFactory,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    EventOutputFactory,
    NotificationFactory,
    OrganizationFactory,
    OrganizerFactory,
    ShiftFactory,
    TownFactory,
    UserFactory,
    VenueFactory,
    VillageFactory,
    VolunteerFactory,
)
from volunteers.models import Shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(organizer) -> Client:
    client = Client()
    client.force_login(organizer)
    return client


def _town_with_villages(association, *names):
    town = TownFactory(parent=association.region)
    return town, [VillageFactory(parent=town, name=name) for name in names]


def _dt(days=1, hour=9):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


# --- who gets in --------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_desks_login_page(client):
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/?next=/desk/")


def test_volunteers_are_sent_to_their_own_pages(client):
    client.force_login(VolunteerFactory().user)
    response = client.get("/desk/events/")
    assert response.status_code == 302 and response["Location"] == "/v/"


def test_the_root_leads_to_the_desk(client):
    assert client.get("/")["Location"] == "/desk/"


def test_an_organizer_signs_in_on_the_desk_and_lands_on_its_home(client, organizer):
    response = client.post("/desk/login/", {"username": organizer.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_a_wrong_password_is_refused_on_the_form(client, organizer):
    response = client.post("/desk/login/", {"username": organizer.username, "password": "nope"})
    assert response.status_code == 200 and response.context["form"].errors


def test_repeated_failures_lock_the_desk_login_like_every_other(client, organizer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/desk/login/", {"username": organizer.username, "password": "nope"})
    response = client.post("/desk/login/", {"username": organizer.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_signed_in_organizer_sent_back_to_the_login_page_lands_on_the_desk(desk):
    response = desk.get("/desk/login/?next=/desk/login/")
    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_logout_is_a_post_back_to_the_login_page(desk):
    assert desk.get("/desk/logout/").status_code == 405
    response = desk.post("/desk/logout/")
    assert response["Location"] == "/desk/login/"
    assert desk.get("/desk/").status_code == 302


def test_a_superuser_who_works_for_no_association_is_sent_to_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for page in ("/desk/", "/desk/events/", "/desk/privacy/"):
        assert client.get(page)["Location"] == "/admin/"


def test_the_admin_keeps_its_own_login_and_links_back_to_the_desk(client):
    assert client.get("/admin/login/").status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    assert 'id="back-to-desk"' in html and 'href="/desk/"' in html


# --- the home page ------------------------------------------------------------------------------


def test_home_shows_todays_events_with_counts_and_staffing_but_not_another_associations(desk, association):
    today = EventFactory(association=association, title="今天的讲座")
    CheckInFactory(event=today)
    ShiftFactory(event=today, capacity=4)
    EventFactory(association=association, title="下周的培训", starts_at=timezone.now() + timedelta(days=3))
    EventFactory(title="别县的讲座")  # another association's event, happening now too
    response = desk.get("/desk/")
    html = response.content.decode()
    assert "今天的讲座" in html and "下周的培训" in html and "别县的讲座" not in html
    (row,) = response.context["home"].today
    assert row.checked_in == 1 and row.places == 4 and row.places_taken == 0 and row.short_shifts == 1


def test_home_answers_todays_events_alone_for_its_refresh(desk, association):
    event = EventFactory(association=association, title="正在进行的讲座")
    CheckInFactory(event=event)
    response = desk.get("/desk/?part=today")
    html = response.content.decode()
    assert "正在进行的讲座" in html and "<html" not in html
    assert response.context["events"][0].checked_in == 1


def test_home_lists_what_needs_a_hand_of_its_own_association_only(desk, association):
    ended = EventFactory(
        association=association,
        title="讲完没填产出",
        starts_at=timezone.now() - timedelta(days=2, hours=2),
        ends_at=timezone.now() - timedelta(days=2),
    )
    with_outputs = EventFactory(
        association=association,
        title="都填好了",
        starts_at=timezone.now() - timedelta(days=3, hours=2),
        ends_at=timezone.now() - timedelta(days=3),
    )
    EventOutputFactory(event=with_outputs)
    CheckInFactory(event=with_outputs)
    flagged = EventFactory(association=association, title="自助签到待审")
    CheckInFactory(event=flagged, awaiting_review=True)
    NotificationFactory(association=association, event=flagged, status=Notification.Status.FAILED)
    other = EventFactory(
        title="别县讲完的",
        starts_at=timezone.now() - timedelta(days=2, hours=2),
        ends_at=timezone.now() - timedelta(days=2),
    )
    CheckInFactory(event=EventFactory(association=other.association), awaiting_review=True)
    campaign = CampaignFactory(association=association, name="落后的活动周")
    CampaignTarget.objects.create(campaign=campaign, figure="events_held", target=Decimal(500))

    needs = desk.get("/desk/").context["home"].needs

    assert [e.title for e in needs.without_outputs] == ["讲完没填产出"]
    assert [e.title for e in needs.without_attendance] == ["讲完没填产出"]
    assert [(e.title, e.awaiting) for e in needs.to_review] == [("自助签到待审", 1)]
    assert [(row["event"], row["failed"]) for row in needs.failed_notifications] == [(flagged, 1)]
    assert [row["campaign"].name for row in needs.campaigns_behind] == ["落后的活动周"]
    assert ended.pk not in [e.pk for e in needs.to_review]


def test_home_shows_short_staffed_shifts_emptiest_first(desk, association):
    soon = timezone.now() + timedelta(days=2)
    event = EventFactory(association=association, starts_at=soon, title="缺人的活动")
    ShiftFactory(event=event, capacity=2, role=Shift.Role.GUIDE)
    ShiftFactory(event=event, capacity=6, role=Shift.Role.SCANNER)
    ShiftFactory(event=EventFactory(starts_at=soon), capacity=9)  # another association's
    shifts = desk.get("/desk/").context["home"].short_shifts
    assert [s.capacity for s in shifts] == [6, 2]


# --- the plan: list and calendar ----------------------------------------------------------------


def test_events_list_filters_by_town_kind_and_campaign(desk, association):
    town, (village,) = _town_with_villages(association, "上寨村")
    _other_town, (other_village,) = _town_with_villages(association, "上寨村")
    campaign = CampaignFactory(association=association)
    here = VenueFactory(association=association, region=village)
    there = VenueFactory(association=association, region=other_village)
    EventFactory(association=association, venue=here, title="本镇讲座", campaign=campaign, starts_at=_dt())
    EventFactory(association=association, venue=there, title="外镇讲座", starts_at=_dt())
    EventFactory(association=association, venue=here, title="本镇培训", kind="training", starts_at=_dt())

    def titles(query):
        return {e.title for e in desk.get(f"/desk/events/?{query}").context["page"].object_list}

    assert titles(f"town={town.pk}") == {"本镇讲座", "本镇培训"}
    assert titles(f"town={town.pk}&kind=lecture") == {"本镇讲座"}
    assert titles(f"campaign={campaign.pk}") == {"本镇讲座"}
    assert titles("") == {"本镇讲座", "外镇讲座", "本镇培训"}


def test_events_list_never_shows_another_associations_events(desk, association):
    EventFactory(association=association, title="我的", starts_at=_dt())
    EventFactory(title="别人的", starts_at=_dt())
    html = desk.get("/desk/events/?period=all").content.decode()
    assert "我的" in html and "别人的" not in html


def test_calendar_shows_the_month_asked_for_with_its_filters(desk, association):
    town, (village,) = _town_with_villages(association, "下寨村")
    venue = VenueFactory(association=association, region=village)
    may = timezone.make_aware(timezone.datetime(2026, 5, 18, 9))
    EventFactory(association=association, venue=venue, title="五月讲座", starts_at=may)
    EventFactory(association=association, title="五月别镇", starts_at=may)
    EventFactory(association=association, venue=venue, title="六月讲座", starts_at=may + timedelta(days=30))
    response = desk.get(f"/desk/events/calendar/?month=2026-05&town={town.pk}")
    days = {day.day: [e.title for e in day.events] for week in response.context["weeks"] for day in week}
    assert days[may.date()] == ["五月讲座"]
    html = response.content.decode()
    assert "五月别镇" not in html and "六月讲座" not in html
    assert f"month=2026-04&amp;town={town.pk}" in html and f"month=2026-06&amp;town={town.pk}" in html


def test_calendar_takes_a_wrong_month_as_this_one(desk):
    response = desk.get("/desk/events/calendar/?month=1800-13")
    assert response.status_code == 200 and response.context["month"] == timezone.localdate().replace(day=1)


# --- the plan: writes ---------------------------------------------------------------------------


def _event_post(venue, **overrides):
    start = _dt(days=5)
    data = {
        "title": "科技下乡·果树修剪",
        "kind": "training",
        "venue": venue.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "audience": "farmers",
        "status": "published",
        "shifts-TOTAL_FORMS": "2",
        "shifts-INITIAL_FORMS": "0",
        "shifts-0-role": "lecturer",
        "shifts-0-capacity": "2",
        "shifts-0-expert_only": "on",
        "shifts-1-role": "registration",
        "shifts-1-capacity": "3",
        "shifts-1-starts_at": (start - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "shifts-1-ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    return {**data, **overrides}


def test_an_organizer_creates_an_event_with_two_shifts(desk, association):
    venue = VenueFactory(association=association)
    partner = OrganizationFactory(association=association)
    response = desk.post("/desk/events/new/", _event_post(venue, partners=[partner.pk]))
    event = Event.objects.get(title="科技下乡·果树修剪")
    assert response["Location"] == f"/desk/events/{event.pk}/"
    assert event.association == association and list(event.partners.all()) == [partner]
    lecturer, registration = event.shifts.order_by("role")
    assert lecturer.role == "lecturer" and lecturer.expert_only and lecturer.starts_at == event.starts_at
    assert registration.starts_at == event.starts_at - timedelta(minutes=30)


def test_the_event_form_offers_only_the_organizers_own_venues_grouped_by_town(desk, association):
    town, (village,) = _town_with_villages(association, "上寨村")
    mine = VenueFactory(association=association, region=village, name="我的村委会")
    VenueFactory(name="别县的村委会")
    html = desk.get("/desk/events/new/").content.decode()
    assert "我的村委会" in html and "别县的村委会" not in html
    assert f'<optgroup label="{town.name}" data-town="{town.pk}">' in html
    assert f'<option value="{mine.pk}">我的村委会（上寨村）</option>' in html  # the village said too
    assert "kepu/town_village.js" in html


def test_another_associations_venue_is_refused(desk, association):
    response = desk.post("/desk/events/new/", _event_post(VenueFactory()))
    assert response.status_code == 200 and "venue" in response.context["form"].errors
    assert not Event.objects.exists()


def test_a_refused_shift_saves_nothing(desk, association):
    venue = VenueFactory(association=association)
    far = (_dt(days=9)).strftime("%Y-%m-%dT%H:%M")
    response = desk.post("/desk/events/new/", _event_post(venue, **{"shifts-0-starts_at": far}))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors
    assert not Event.objects.exists() and not Shift.objects.exists()


def test_an_organizer_edits_an_event_and_its_shift(desk, association):
    event = EventFactory(association=association, starts_at=_dt(days=3))
    shift = ShiftFactory(event=event, capacity=2)
    data = {
        "title": "改过的标题",
        "kind": event.kind,
        "venue": event.venue_id,
        "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "audience": "public",
        "status": "published",
        "shifts-TOTAL_FORMS": "2",
        "shifts-INITIAL_FORMS": "1",
        "shifts-0-id": shift.pk,
        "shifts-0-role": shift.role,
        "shifts-0-capacity": "5",
        "shifts-0-starts_at": timezone.localtime(shift.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "shifts-0-ends_at": timezone.localtime(shift.ends_at).strftime("%Y-%m-%dT%H:%M"),
    }
    response = desk.post(f"/desk/events/{event.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db(), shift.refresh_from_db()
    assert event.title == "改过的标题" and shift.capacity == 5


def test_another_associations_event_is_not_found_and_a_prefectures_county_event_is_read_only(desk, association):
    other = EventFactory()
    assert desk.get(f"/desk/events/{other.pk}/").status_code == 404
    assert desk.get(f"/desk/events/{other.pk}/edit/").status_code == 404
    county = AssociationFactory(parent=association)
    county_event = EventFactory(association=county)
    assert desk.get(f"/desk/events/{county_event.pk}/").status_code == 200
    assert desk.get(f"/desk/events/{county_event.pk}/edit/").status_code == 403
    assert desk.post(f"/desk/events/{county_event.pk}/cancel/").status_code == 403


def test_copying_a_trip_to_several_villages_makes_one_draft_each(desk, association):
    _town, villages = _town_with_villages(association, "上寨村", "下寨村", "中寨村")
    halls = [VenueFactory(association=association, region=v, name=f"{v.name}村委会") for v in villages]
    trip = EventFactory(association=association, title="三下乡义诊", starts_at=_dt(days=2), is_countryside_trip=True)
    ShiftFactory(event=trip, capacity=3)
    page = desk.get(f"/desk/events/{trip.pk}/copy/").content.decode()
    assert page.count("<fieldset data-town=") >= 1 and "上寨村村委会" in page
    later = (_dt(days=9)).strftime("%Y-%m-%dT%H:%M")
    response = desk.post(
        f"/desk/events/{trip.pk}/copy/",
        {"venues": [h.pk for h in halls[:2]], "starts_at": later, "with_shifts": "on"},
    )
    assert response.status_code == 302
    copies = Event.objects.filter(title="三下乡义诊").exclude(pk=trip.pk)
    assert {c.venue for c in copies} == set(halls[:2])
    assert all(c.status == Event.Status.DRAFT and c.shifts.count() == 1 for c in copies)


def test_cancelling_asks_first_then_keeps_the_event_as_cancelled(desk, association):
    event = EventFactory(association=association, starts_at=_dt(days=2))
    page = desk.get(f"/desk/events/{event.pk}/cancel/")
    assert page.status_code == 200
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert desk.post(f"/desk/events/{event.pk}/cancel/")["Location"] == f"/desk/events/{event.pk}/"
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED


def test_the_overview_shows_details_shifts_and_actions(desk, association):
    event = EventFactory(association=association, title="概览讲座")
    ShiftFactory(event=event, capacity=4)
    html = desk.get(f"/desk/events/{event.pk}/").content.decode()
    assert "概览讲座" in html
    for url in ("edit", "copy", "cancel"):
        assert f"/desk/events/{event.pk}/{url}/" in html


def test_an_organizer_creates_and_edits_a_campaign_with_targets(desk, association):
    data = {
        "name": "2026年科普月",
        "kind": Campaign.Kind.SCIENCE_DRIVE,
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-30",
        "status": "published",
        "target_events_held": "20",
    }
    assert desk.post("/desk/campaigns/new/", data).status_code == 302
    campaign = Campaign.objects.get(name="2026年科普月")
    assert campaign.association == association
    assert campaign.targets.get().target == 20
    data.update(target_events_held="", target_coverage_pct="60")
    assert desk.post(f"/desk/campaigns/{campaign.pk}/edit/", data).status_code == 302
    assert dict(campaign.targets.values_list("figure", "target")) == {"coverage_pct": 60}


def test_another_associations_campaign_is_not_found(desk):
    assert desk.get(f"/desk/campaigns/{CampaignFactory().pk}/edit/").status_code == 404


def test_a_prefecture_organizer_sees_the_county_but_writes_its_own(client):
    prefecture = AssociationFactory()
    county = AssociationFactory(parent=prefecture)
    organizer = OrganizerFactory(association=prefecture).user
    client.force_login(organizer)
    EventFactory(association=county, title="县里的讲座")
    assert "县里的讲座" in client.get("/desk/").content.decode()


def _edit_data(event, shift, **shift_fields):
    return {
        "title": event.title,
        "kind": event.kind,
        "venue": event.venue_id,
        "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "audience": "public",
        "status": "published",
        "shifts-TOTAL_FORMS": "1",
        "shifts-INITIAL_FORMS": "1",
        "shifts-0-id": shift.pk,
        "shifts-0-role": shift.role,
        "shifts-0-capacity": str(shift.capacity),
        **{f"shifts-0-{k}": v for k, v in shift_fields.items()},
    }


def test_a_shift_nobody_holds_is_removed_from_the_event_form(desk, association):
    event = EventFactory(association=association, starts_at=_dt(days=3))
    shift = ShiftFactory(event=event)
    assert desk.post(f"/desk/events/{event.pk}/edit/", _edit_data(event, shift, DELETE="on")).status_code == 302
    assert not Shift.objects.filter(pk=shift.pk).exists()


def test_a_shift_with_volunteers_is_kept_and_the_form_says_why(desk, association):
    from tests.factories import SignUpFactory

    event = EventFactory(association=association, starts_at=_dt(days=3))
    shift = ShiftFactory(event=event)
    SignUpFactory(shift=shift)
    data = _edit_data(event, shift, DELETE="on")
    data["title"] = "不该保存的新标题"
    response = desk.post(f"/desk/events/{event.pk}/edit/", data)
    assert response.status_code == 200 and response.context["formset"].forms[0].errors
    assert Shift.objects.filter(pk=shift.pk).exists()
    event.refresh_from_db()
    assert event.title != "不该保存的新标题"  # all or nothing
