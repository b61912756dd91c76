from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    HeadcountFactory,
    OrganizerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def event(association):
    event = EventFactory(association=association, campaign=CampaignFactory(association=association))
    CheckInFactory.create_batch(3, event=event)
    HeadcountFactory(event=event, count=120)
    return event


def test_the_dashboard_shows_the_figures_with_links_to_their_records(client, organizer, event):
    client.force_login(organizer)
    page = client.get("/dashboard/").content.decode()
    assert "123" in page
    assert f"figures/beneficiaries_person_times/?year={YEAR}" in page
    records = client.get(f"/dashboard/figures/beneficiaries_person_times/?year={YEAR}").content.decode()
    assert event.title in records and f"events/{event.id}/" in records
    detail = client.get(f"/dashboard/events/{event.id}/").content.decode()
    assert detail.count("<tr>") >= 1 + 1 + 1 + 3  # headers, one headcount, three check-ins


def test_the_dashboard_is_for_organizers_only(client):
    assert client.get("/dashboard/").status_code == 302  # to the login
    client.force_login(UserFactory())
    assert client.get("/dashboard/").status_code == 403


def test_an_unknown_figure_is_not_found(client, organizer):
    client.force_login(organizer)
    assert client.get("/dashboard/figures/no_such_figure/").status_code == 404


@pytest.mark.browser
def test_the_dashboard_charts_render_in_chromium(live_server, desktop_page, transactional_db, tmp_path):
    organizer = OrganizerFactory(user__username="chart-organizer")
    event = EventFactory(association=organizer.association)
    CheckInFactory.create_batch(5, event=event)
    HeadcountFactory(event=event, count=40)
    page = desktop_page
    page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", "chart-organizer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    box = page.locator("#months-chart rect").first.bounding_box()
    assert box is not None
    heights = [page.locator("#months-chart rect").nth(i).bounding_box()["height"] for i in range(12)]
    assert max(heights) > 50  # this month's column is drawn
    assert page.locator("#evidence-chart rect.scanned").bounding_box()["width"] > 0
    shot = Path(tmp_path) / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10000
    page.click("a.card[data-figure=beneficiaries_person_times]")
    page.wait_for_url("**/dashboard/figures/beneficiaries_person_times/**")
    assert event.title in page.content()
