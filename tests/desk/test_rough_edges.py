"""Issue 12, items 5 and 6: consent where personal data is collected, and the rough edges found on the way
(label colons, expert-only and full shifts, the inbox in the volunteers' pages, poster and tickets)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from checkin import services as checkin_services
from checkin.models import Attendee
from stats.admin import AnnualFigureAdmin, TallyAdmin, _number
from stats.models import AnnualFigure
from tests.factories import (
    OrganizationFactory,
    RegistrationFactory,
    UpcomingShiftFactory,
    VenueFactory,
    VolunteerFactory,
)
from volunteers import services as volunteer_services
from volunteers.forms import RegisterForm
from volunteers.models import SignUp, Volunteer

pytestmark = pytest.mark.django_db


# --- consent ---------------------------------------------------------------------------------------------


def test_volunteer_registration_shows_the_notice_and_refuses_without_consent(client, association):
    page = client.get("/v/register/").content.decode()
    assert 'data-testid="privacy-notice"' in page and 'name="consent"' in page
    response = client.post(
        "/v/register/",
        {"phone": "13812345670", "name": "李明", "password": "Kx-secret-2026", "association": association.id},
    )
    assert response.status_code == 200
    assert "同意" in response.context["form"].errors["consent"][0]
    assert not Volunteer.objects.exists()


def test_self_checkin_shows_the_notice_and_refuses_without_consent(client, association):
    from tests.factories import EventFactory

    poster = checkin_services.poster_code_for(event=EventFactory(association=association))
    page = client.get(f"/c/{poster.code}/").content.decode()
    assert 'data-testid="privacy-notice"' in page and association.name in page and "1095" in page
    response = client.post(f"/c/{poster.code}/", {"name": "周大嫂", "category": "farmer"})
    html = response.content.decode()
    assert 'data-status="ok"' not in html and "同意" in html
    assert not Attendee.objects.exists()
    response = client.post(f"/c/{poster.code}/", {"name": "周大嫂", "category": "farmer", "consent": "on"})
    assert 'data-status="ok"' in response.content.decode()


# --- Chinese punctuation ----------------------------------------------------------------------------------


def test_form_labels_end_with_a_full_width_colon_in_chinese_and_a_colon_in_english():
    with translation.override("zh-hans"):
        assert RegisterForm()["password"].label_tag().endswith("：</label>")
    with translation.override("zh-hant"):
        assert RegisterForm()["password"].label_tag().endswith("：</label>")
    with translation.override("en"):
        assert RegisterForm()["password"].label_tag().endswith(":</label>")


# --- shifts -----------------------------------------------------------------------------------------------


@pytest.fixture
def expert_shift(association):
    return UpcomingShiftFactory(event__association=association, expert_only=True, capacity=5)


def test_an_expert_only_shift_offers_no_sign_up_to_a_non_expert_and_says_why(client, association, expert_shift):
    volunteer = VolunteerFactory(association=association, is_expert=False)
    client.force_login(volunteer.user)
    page = client.get(f"/v/events/{expert_shift.event_id}/").content.decode()
    assert f"/v/shifts/{expert_shift.id}/signup/" not in page
    assert 'data-testid="ineligible"' in page and "专家" in page
    with pytest.raises(ValidationError):  # and the service refuses too
        volunteer_services.shift_signup(shift=expert_shift, volunteer=volunteer)
    client.post(f"/v/shifts/{expert_shift.id}/signup/")
    assert not SignUp.objects.exists()


def test_an_expert_sees_the_sign_up_button_of_an_expert_only_shift(client, association, expert_shift):
    expert = VolunteerFactory(association=association, is_expert=True)
    client.force_login(expert.user)
    page = client.get(f"/v/events/{expert_shift.event_id}/").content.decode()
    assert f"/v/shifts/{expert_shift.id}/signup/" in page and 'data-testid="ineligible"' not in page


def test_the_roster_says_a_full_shift_is_full(client, organizer, association):
    shift = UpcomingShiftFactory(event__association=association, capacity=2)
    for _ in range(2):
        volunteer_services.shift_signup(shift=shift, volunteer=VolunteerFactory(association=association))
    client.force_login(organizer)
    page = client.get(f"/v/org/events/{shift.event_id}/").content.decode()
    assert "2/2 · " in page and 'data-testid="full">已满<' in page


# --- the inbox --------------------------------------------------------------------------------------------


def test_the_inbox_is_in_the_volunteers_navigation_and_looks_like_their_pages(client, association):
    volunteer = VolunteerFactory(association=association)
    client.force_login(volunteer.user)
    events = client.get("/v/").content.decode()
    assert 'href="/v/inbox/"' in events
    inbox = client.get("/v/inbox/").content.decode()
    assert 'href="/v/inbox/" aria-current="page"' in inbox  # the volunteers' header, the inbox current
    assert 'href="/v/me/"' in inbox or "/v/hours/" in inbox


# --- poster and tickets -----------------------------------------------------------------------------------


def test_the_poster_names_the_association_and_its_partners(client, organizer, association):
    from tests.factories import EventFactory

    event = EventFactory(
        association=association, venue=VenueFactory(association=association, address="城关镇人民路1号")
    )
    event.partners.add(OrganizationFactory(association=association, name="县农业农村局"))
    client.force_login(organizer)
    html = client.get(f"/checkin/events/{event.id}/poster/").content.decode()
    host = html.split('data-testid="poster-host">')[1].split("</div>")[0]
    assert host == f"主办：{association.name} · 协办：县农业农村局"
    assert "城关镇人民路1号" in html


def test_tickets_carry_the_venue_and_the_date(client, organizer, association):
    registration = RegistrationFactory(event__association=association)
    event = registration.event
    client.force_login(organizer)
    html = client.get(f"/checkin/events/{event.id}/tickets/").content.decode()
    when = html.split('data-testid="ticket-when">')[1].split("</div>")[0]
    assert event.venue.name in when
    from django.utils import timezone

    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M") in when


# --- the admin speaks words, not keys ---------------------------------------------------------------------


def test_annual_figures_show_their_label_and_a_plain_number(association):
    figure = AnnualFigure(year=2026, name="display_windows", label="科普橱窗（处）", value=Decimal("86.0"))
    admin = AnnualFigureAdmin(AnnualFigure, None)
    assert admin.label_display(figure) == "科普橱窗（处）" and admin.value_display(figure) == "86"
    assert _number(Decimal("12.5")) == "12.5" and _number(Decimal("1200")) == "1200"


def test_tallies_are_listed_by_what_they_count_not_by_their_queue_key(association):
    from stats import services as stats_services
    from tests.factories import CampaignFactory

    campaign = CampaignFactory(association=association, name="科技活动周")
    tally = stats_services.tally_compute(scope=stats_services.F_.campaign_scope(campaign))
    admin = TallyAdmin(type(tally), None)
    assert admin.scope_display(tally) == "科技活动周"
    with translation.override("zh-hans"):
        assert "{" not in admin.records_display(tally)


def test_a_tallys_page_shows_labelled_figures_not_json(client, association):
    from django.contrib.auth import get_user_model

    from stats import services as stats_services
    from tests.factories import CampaignFactory

    tally = stats_services.tally_compute(
        scope=stats_services.F_.campaign_scope(CampaignFactory(association=association))
    )
    admin_user = get_user_model().objects.create_superuser("root", password="x-Secret-2026")
    client.force_login(admin_user)
    from stats.summary import FIGURE_LABELS

    page = client.get(f"/admin/stats/tally/{tally.id}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        assert f"<th>{FIGURE_LABELS['events_held']}</th><td>0</td>" in page
    assert '"events_held"' not in page and "events_held" not in page
