"""The desk in a real Chromium, in zh-hans, under the Content-Security-Policy: an organizer signs in on the desk,
lands on its home and plans an event with two shifts through the pages; the town → village select filters."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from desk.views import home as home_views
from events.models import Event
from tests.factories import (
    PASSWORD,
    CheckInFactory,
    EventFactory,
    OrganizerFactory,
    PosterCodeFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def _violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line]


def _screenshot(page, name: str, *, full_page: bool = True) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):  # set it to look at the pages
        Path(folder).mkdir(parents=True, exist_ok=True)
        # full_page resizes the viewport for a moment: on a form a click right after it may miss its button.
        page.screenshot(path=Path(folder) / name, full_page=full_page)


def _county_with_two_shangzhai(association):
    """Two towns with a 上寨村 each, and a village hall in each: the venue to pick is told apart by its town."""
    east, west = (TownFactory(parent=association.region, name=name) for name in ("东关镇", "西河镇"))
    halls = {}
    for town in (east, west):
        village = VillageFactory(parent=town, name="上寨村")
        halls[town.name] = VenueFactory(association=association, region=village, name=f"{town.name}上寨村村委会")
    return east, west, halls


def test_an_organizer_signs_in_on_the_desk_and_plans_an_event_with_two_shifts(browser, live_server, monkeypatch):
    organizer = OrganizerFactory(user__first_name="王")
    _east, west, halls = _county_with_two_shangzhai(organizer.association)
    today = EventFactory(association=organizer.association, venue=halls["东关镇"], title="今天的果树讲座")
    monkeypatch.setattr(home_views, "REFRESH_SECONDS", 5)
    context = browser.new_context(**DESKTOP)
    console: list[str] = []
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/")  # the root leads to the desk, the desk to its sign-in
        page.wait_for_url(f"{live_server.url}/desk/login/?next=/desk/")
        _screenshot(page, "desk-login.png")
        page.fill("#id_username", organizer.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/desk/")
        assert page.locator("h2", has_text="今天的活动").count() == 1
        _screenshot(page, "desk-home.png")
        # A check-in at today's event shows in its row without a reload (desk/refresh.js).
        checked_in = page.locator("#today tbody tr").first.locator("td").nth(4)
        expect(checked_in).to_have_text("0")
        CheckInFactory(event=today)
        expect(checked_in).to_have_text("1", timeout=15_000)

        page.click("text=新建活动")
        page.wait_for_url(f"{live_server.url}/desk/events/new/")
        page.fill("#id_title", "果树修剪培训")
        page.select_option("#id_kind", "training")
        page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_ends_at", (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        # Town first: the venue select then offers only that town's venues.
        page.select_option("#id_venue__town", label=west.name)
        offered = page.locator("#id_venue option").all_text_contents()
        assert f"{west.name}上寨村村委会" in offered and "东关镇上寨村村委会" not in offered
        page.select_option("#id_venue", label=f"{west.name}上寨村村委会")
        page.select_option("#id_status", "published")
        page.select_option("#id_shifts-0-role", "lecturer")
        page.fill("#id_shifts-0-capacity", "2")
        page.select_option("#id_shifts-1-role", "registration")
        page.fill("#id_shifts-1-capacity", "3")
        _screenshot(page, "desk-event-form.png", full_page=False)
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/desk/events/\d+/$"))

        event = Event.objects.get(title="果树修剪培训")
        assert event.venue == halls[west.name] and event.status == Event.Status.PUBLISHED
        assert sorted(event.shifts.values_list("role", "capacity")) == [("lecturer", 2), ("registration", 3)]
        rows = page.locator("section:has(h2:text('岗位')) tbody tr")
        assert rows.count() == 2
        _screenshot(page, "desk-event-overview.png")
    finally:
        context.close()
    assert _violations(console) == []


def test_the_self_checkin_page_picks_the_town_then_its_village(browser, live_server):
    organizer = OrganizerFactory()
    association = organizer.association
    east, west, halls = _county_with_two_shangzhai(association)
    poster = PosterCodeFactory(event__association=association, event__venue=halls[east.name])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    console: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/c/{poster.code}/")
        # No category is preset: the person says what they are.
        assert page.locator("#id_category").input_value() == ""
        page.select_option("#id_region__town", label=west.name)
        assert page.locator("#id_region optgroup").count() == 1
        assert page.locator("#id_region optgroup").get_attribute("label") == west.name
        page.select_option("#id_region", label="上寨村")
        page.fill("#id_name", "张三")
        page.select_option("#id_category", "farmer")
        page.check("#id_consent")  # the privacy notice's consent
        _screenshot(page, "self-checkin-town-village.png")
        page.click("#form button[type=submit]")
        page.locator("#result").wait_for()
    finally:
        context.close()
    checkin = poster.event.checkins.get()
    assert checkin.attendee.region.parent == west
    assert _violations(console) == []
