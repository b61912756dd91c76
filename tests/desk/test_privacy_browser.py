"""Issue 12, items 5 and 6 in a real Chromium, in zh-hans: the desk's personal-data page (1366 px), the
volunteer registration and self check-in with their notices and consent boxes, the inbox in the
volunteers' pages (390x844), and the scanner saying 签到成功 once. Screenshots go to KEPU_SCREENSHOTS."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from checkin import services as checkin_services
from checkin.models import Attendee
from notifications.models import Notification
from tests.conftest import PHONE
from tests.factories import (
    AttendeeFactory,
    CheckInFactory,
    EventFactory,
    NotificationFactory,
    OrganizerFactory,
    VolunteerFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def test_an_organizer_finds_exports_and_deletes_a_persons_data(browser, live_server):
    start = timezone.now() - timedelta(days=2)
    event = EventFactory(title="果树修剪培训", starts_at=start, ends_at=start + timedelta(hours=2))
    organizer = OrganizerFactory(association=event.association).user
    attendee = AttendeeFactory(association=event.association, name="王大妈", phone="+8613912345678")
    CheckInFactory(event=event, attendee=attendee, scanned_at=start)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/desk/privacy/")
        expect(page.locator("h1")).to_have_text("个人信息")
        page.fill("input[name=phone]", "139 1234 5678")
        page.click("[data-testid=privacy-find] button")
        expect(page.locator("[data-testid=privacy-records]")).to_contain_text("王大妈")
        expect(page.locator("[data-testid=privacy-records]")).to_contain_text("果树修剪培训")
        _shot(page, "desk_privacy_found_1366.png")
        with page.expect_download() as download:
            page.click("[data-testid=privacy-export]")
        assert download.value.suggested_filename.endswith(".json")
        page.check("input[name=confirm]")
        page.click("[data-testid=privacy-delete] button")
        expect(page.locator(".msg.success")).to_contain_text("统计数字不变")
        _shot(page, "desk_privacy_deleted_1366.png")
    finally:
        context.close()
    assert Attendee.objects.get(id=attendee.id).phone == ""


def test_a_volunteer_registers_with_consent_and_reads_the_inbox(browser, live_server, association):
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/v/register/")
        expect(page.locator("[data-testid=privacy-notice]")).to_be_visible()
        page.fill("input[name=phone]", "139 1234 5679")
        page.fill("input[name=name]", "王小明")
        page.fill("input[name=password]", "Guoshu-2026!")
        _shot(page, "volunteer_register_notice_390x844.png")
        page.click("button[type=submit]")  # the consent box is required: the browser does not send the form
        expect(page.locator("input[name=consent]:invalid")).to_have_count(1)
        assert page.url.endswith("/v/register/")
        page.check("input[name=consent]")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/v/register/confirm/")
    finally:
        context.close()
    volunteer = VolunteerFactory(association=association)
    NotificationFactory(
        volunteer=volunteer,
        channel="inbox",
        status="sent",
        sent_at=timezone.now(),
        subject="报名已确认：果树修剪培训",
        body="谢谢！",
    )
    assert Notification.objects.filter(channel="inbox").count() == 1
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, volunteer.user)
        page = context.new_page()
        page.goto(f"{live_server.url}/v/")
        page.click("header a[href='/v/inbox/']")
        expect(page.locator("main")).to_contain_text("报名已确认：果树修剪培训")
        expect(page.locator("[data-testid=unread]")).to_have_text("1")
        _shot(page, "volunteer_inbox_390x844.png")
    finally:
        context.close()


def test_self_checkin_asks_for_consent_and_the_scanner_says_checked_in_once(browser, live_server):
    event = EventFactory(title="科普大篷车进村")
    poster = checkin_services.poster_code_for(event=event)
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/c/{poster.code}/")
        expect(page.locator("[data-testid=privacy-notice]")).to_contain_text(event.association.name)
        _shot(page, "self_checkin_consent_390x844.png")
        page.fill("#id_name", "周大嫂")
        page.select_option("#id_category", "farmer")
        page.check("#id_consent")
        page.click("#form button")
        page.wait_for_selector("#result[data-status=ok]")
    finally:
        context.close()
    organizer = OrganizerFactory(association=event.association).user
    registration = checkin_services.registration_create(event=event, name="王大山", phone="13812345678")
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/{event.id}/")
        page.wait_for_selector("body[data-ready='1']", state="attached")
        page.fill("#code", registration.code)
        page.click("#manual button")
        page.wait_for_selector("#answer.green")
        status, message = page.text_content("#answer-status"), page.text_content("#answer-message")
        assert status == "签到成功" and status not in message and message == "欢迎！"
        _shot(page, "scanner_answer_390x844.png")
    finally:
        context.close()


def test_the_poster_and_the_tickets_name_the_association_venue_and_date(browser, live_server):
    event = EventFactory(title="科技活动周启动仪式")
    organizer = OrganizerFactory(association=event.association).user
    checkin_services.registration_create(event=event, name="王大山", phone="13812345678")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/checkin/events/{event.id}/poster/")
        expect(page.locator("[data-testid=poster-host]")).to_have_text(f"主办：{event.association.name}")
        _shot(page, "poster_1366.png")
        page.goto(f"{live_server.url}/checkin/events/{event.id}/tickets/")
        expect(page.locator("[data-testid=ticket-when]")).to_contain_text(event.venue.name)
        _shot(page, "tickets_1366.png")
    finally:
        context.close()
