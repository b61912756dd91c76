"""The organizer's event workspace in a real Chromium, in zh-hans: register 3 attendees and import a 30-row
class list, print the tickets, then watch a scan made on the scanner page arrive in the live count without
a reload."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import Workbook
from playwright.sync_api import expect

from checkin.models import Registration
from events.models import Region
from tests.conftest import CHROMIUM_ARGS, PHONE  # noqa: F401  (the launch recipe lives in tests/conftest.py)
from tests.factories import (
    AssociationFactory,
    CountyFactory,
    EventFactory,
    OrganizationFactory,
    OrganizerFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def _shot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):  # set it to look at the pages
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _class_list(path: Path, rows: int = 30) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "类别", "学校"])
    for n in range(1, rows + 1):
        sheet.append([f"学生{n:02d}", f"139{n:08d}" if n % 3 == 0 else "", "学生", "城关一中"])
    out = io.BytesIO()
    workbook.save(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def county():
    association = AssociationFactory(name="测试县科学技术协会", region=CountyFactory(name="测试县"))
    town = TownFactory(parent=association.region, name="城关镇")
    VillageFactory(parent=town, name="上寨村")
    VillageFactory(parent=TownFactory(parent=association.region, name="石桥镇"), name="上寨村")
    OrganizationFactory(association=association, kind="school", name="城关一中")
    event = EventFactory(association=association, title="农村实用技术讲座", venue__name="城关镇文化站")
    return event, OrganizerFactory(association=association).user


def test_an_organizer_registers_imports_prints_and_watches_a_scan_arrive(browser, live_server, county, tmp_path):
    event, organizer = county
    base = f"{live_server.url}/desk/events/{event.pk}"
    context = browser.new_context(**DESKTOP)
    phone = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{base}/registrations/")
        expect(page.get_by_role("heading", name="添加一人")).to_be_visible()

        # Three people by hand: the category is chosen each time (none is preset), the village town first.
        people = [
            ("王大山", "farmer", "城关镇 · 上寨村", "13812345678"),
            ("李小红", "student", "", ""),
            ("张老师", "teacher", "石桥镇 · 上寨村", ""),
        ]
        for name, category, village, number in people:
            form = page.locator("#add-registration")
            form.locator("input[name=name]").fill(name)
            form.locator("select[name=category]").select_option(category)
            if village:
                town_name, village_name = village.split(" · ")
                place = Region.objects.get(name=village_name, parent__name=town_name)
                town_select = form.locator("select[name=region__town]")  # kepu.widgets' town select, once merged
                if town_select.count():
                    town_select.select_option(label=town_name)
                form.locator("select[name=region]").select_option(value=str(place.pk))
            if number:
                form.locator("input[name=phone]").fill(number)
            form.get_by_role("button", name="报名").click()
            expect(page.locator(".msg.success")).to_contain_text(f"{name}已报名")
        expect(page.locator("table.registrations tbody tr")).to_have_count(3)
        expect(page.locator("table.registrations")).to_contain_text("138****5678")
        _shot(page, "registrations-3-added")

        # A 30-row class list, with the per-row report.
        page.get_by_role("link", name="导入班级或村名单").click()
        page.locator("input[name=file]").set_input_files(str(_class_list(tmp_path / "三年级二班.xlsx")))
        page.locator("input[name=consent_confirmed]").check()
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator("#import-report .msg.success")).to_contain_text("新报名 30 人")
        expect(page.locator("#import-report tbody tr[data-result=created]")).to_have_count(30)
        _shot(page, "import-report")
        assert Registration.objects.filter(event=event).count() == 33

        # The ticket sheet: every ticket, with the venue, the date and the association.
        page.goto(f"{base}/registrations/")
        with context.expect_page() as opened:
            page.get_by_role("link", name="打印入场券").click()
        tickets = opened.value
        tickets.wait_for_load_state()
        expect(tickets.locator(".ticket")).to_have_count(33)
        expect(tickets.locator(".ticket").first).to_contain_text("城关镇文化站")
        expect(tickets.locator(".ticket").first).to_contain_text("测试县科学技术协会")
        _shot(tickets, "tickets")
        tickets.close()
        page.goto(f"{base}/registrations/")
        _shot(page, "registrations")
        before = page.locator("[data-self-code]").text_content()
        page.once("dialog", lambda dialog: dialog.accept())  # "Rotate the code? The printed poster stops working."
        page.get_by_role("button", name="更换签到码").click()
        expect(page.locator(".msg.success")).to_contain_text("已更换自助签到码")
        assert page.locator("[data-self-code]").text_content() != before

        # The live tab, then a scan on the volunteer's scanner page: the count moves without a reload.
        page.locator(f'.tabs a[href="/desk/events/{event.pk}/live/"]').click()  # the tab (its label is the lead's)
        count = page.locator('[data-live="checked_in"]')
        expect(count).to_have_text("0")
        _log_in(phone, live_server, organizer)
        scanner = phone.new_page()
        scanner.goto(f"{live_server.url}/scan/{event.pk}/")
        scanner.wait_for_selector("body[data-ready='1']", state="attached")
        code = Registration.objects.get(event=event, attendee__name="王大山").code
        scanner.fill("#code", code)
        scanner.click("#manual button")
        scanner.wait_for_selector("#answer.green", timeout=10_000)
        expect(count).to_have_text("1", timeout=15_000)
        expect(page.locator('[data-live-list="by_category"]')).to_contain_text("农民")
        expect(page.locator('[data-live-list="by_region"]')).to_contain_text("城关镇 · 上寨村")
        page.reload()  # the scan log is read with the page
        expect(page.locator("table.scan-log")).to_contain_text("王大山")
        _shot(page, "live")
    finally:
        phone.close()
        context.close()


def test_a_held_self_checkin_is_accepted_from_the_live_tab_and_the_prefecture_only_reads(browser, live_server, county):
    from checkin import services
    from checkin.models import CheckIn
    from tests.factories import PosterCodeFactory

    event, organizer = county
    prefecture = AssociationFactory(name="测试州科协", region=event.association.region.parent or CountyFactory())
    event.association.parent = prefecture
    event.association.save()
    event.venue.latitude, event.venue.longitude = 26.5, 107.9
    event.venue.save()
    registration = services.registration_create(event=event, name="王大山", category="farmer")
    services.registration_revoke(registration=registration)
    held = services.self_checkin(
        poster=PosterCodeFactory(event=event), device_id="d1", ip="10.0.0.9", name="赵自助", category="resident"
    )
    assert held.awaiting_review
    base = f"{live_server.url}/desk/events/{event.pk}"
    context = browser.new_context(**DESKTOP)
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{base}/live/")
        review = page.locator("#review")
        expect(review).to_contain_text("赵自助")
        expect(page.locator('[data-live="awaiting_review"]')).to_have_text("1")
        _shot(page, "live-review")
        review.get_by_role("button", name="通过").click()
        expect(page.locator(".msg.success")).to_contain_text("赵自助的签到已通过")
        expect(page.locator('[data-live="checked_in"]')).to_have_text("1")
        page.goto(f"{base}/registrations/{registration.pk}/revoke/")
        _shot(page, "revoke-confirm")
        page.goto(f"{live_server.url}/checkin/events/{event.pk}/poster/")
        expect(page.locator("body")).to_contain_text("测试县科学技术协会")
        _shot(page, "poster")
    finally:
        context.close()
    assert CheckIn.objects.get(attendee__name="赵自助").review == "accepted"

    reader = browser.new_context(**DESKTOP)
    try:
        _log_in(reader, live_server, OrganizerFactory(association=prefecture).user)
        page = reader.new_page()
        page.goto(f"{base}/registrations/")
        expect(page.locator("table.registrations")).to_contain_text("王大山")
        expect(page.locator("#add-registration")).to_have_count(0)
        expect(page.get_by_role("button", name="更换签到码")).to_have_count(0)
        _shot(page, "registrations-prefecture")
        page.set_viewport_size({"width": 820, "height": 1180})  # a tablet at the venue
        _shot(page, "registrations-tablet")
        page.set_viewport_size(DESKTOP["viewport"])
        page.goto(f"{base}/live/")
        expect(page.locator('[data-live="checked_in"]')).to_have_text("1")
        expect(page.get_by_role("button", name="通过")).to_have_count(0)
    finally:
        reader.close()
