"""The organizer's first look, in a real browser: the admin and the API docs."""

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, CampaignFactory, EventFactory, OrganizerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_logs_into_the_admin_and_sees_their_campaigns(live_server, desktop_page, association, tmp_path):
    organizer = OrganizerFactory(association=association).user
    campaign = CampaignFactory(association=association, name="五月科技活动周")
    EventFactory(association=association, campaign=campaign, title="科学养猪讲座", starts_at=timezone.now())
    CampaignFactory(name="别的县的活动")  # another association's: must not show

    page = desktop_page
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    assert "活动策划" in page.content()  # the app's name, in the default language

    page.goto(f"{live_server.url}/admin/events/campaign/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "五月科技活动周" in rows.first.inner_text()
    page.screenshot(path=str(tmp_path / "admin-campaigns.png"), full_page=True)


def test_api_docs_render_without_a_cdn(live_server, desktop_page):
    page = desktop_page
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Kepu API" in page.inner_text(".swagger-ui .info .title")
    # Swagger UI renders the operations as they scroll into view (some 200 now): the first ones show the
    # schema was read and drawn.
    page.wait_for_selector(".opblock-summary-path >> text=/api/v1/auth/token/", timeout=15000)
    assert page.locator(".opblock").count() > 5
