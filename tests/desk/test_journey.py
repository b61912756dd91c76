"""The organizer's day on the desk, end to end in a real Chromium and in zh-hans, as one journey: sign in,
plan an event with two shifts, register 3 attendees and import a 30-row class list, print the tickets,
watch a scan made on the scanner page arrive in the live count without a reload, enter a 5-person paper
sheet from the keyboard, accept the door's headcount, record an output, upload a photo, and follow the
dashboard's figure down to those records and the photo.

The separate browser tests beside this one (test_browser*.py) look at each page more closely; this one
proves the pages join up. Set KEPU_SCREENSHOTS to a folder to keep a screenshot of each step."""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import expect

from checkin import services as checkin_services
from checkin.models import CheckIn, Registration
from events.models import Event, EventEvidence, EventOutput
from stats import services as stats_services
from tests.conftest import PHONE
from tests.factories import PASSWORD, OrganizationFactory, OrganizerFactory, TownFactory, VenueFactory, VillageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
PAPER_SHEET = [  # name, phone, category key (1 农民, 2 学生, 3 居民 …), village typed with its town
    ("张大山", "13812340001", "1", "上寨村（城关镇）"),
    ("李小花", "", "1", ""),
    ("王明", "", "2", ""),
    ("赵秀英", "13812340004", "3", ""),
    ("钱学文", "", "5", "上寨村（城关镇）"),
]


def _shot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"journey-{name}.png"), full_page=True)


def _class_list(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "类别", "学校"])
    for n in range(1, 31):
        sheet.append([f"学生{n:02d}", f"139{n:08d}" if n % 3 == 0 else "", "学生", "城关一中"])
    workbook.save(path)
    return path


def _photo() -> bytes:
    image = Image.new("RGB", (800, 600), (70, 130, 180))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_an_organizers_day_from_the_plan_to_the_dashboards_records(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    organizer = OrganizerFactory(user__first_name="李")
    association = organizer.association
    town = TownFactory(parent=association.region, name="城关镇")
    village = VillageFactory(parent=town, name="上寨村")
    VillageFactory(parent=TownFactory(parent=association.region, name="河口镇"), name="上寨村")
    VenueFactory(association=association, region=village, name="上寨村村委会")
    OrganizationFactory(association=association, kind="school", name="城关一中")
    # The event runs now: the scan at the door must fall inside its check-in window.
    start = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=30)

    desk = browser.new_context(**DESKTOP)
    phone = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = desk.new_page()
        # Sign in on the desk: the root leads there.
        page.goto(f"{live_server.url}/")
        page.wait_for_url(re.compile(r"/desk/login/"))
        page.fill("#id_username", organizer.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/desk/")

        # Plan: an event with two shifts, the venue picked town first.
        page.click("text=新建活动")
        page.wait_for_url(f"{live_server.url}/desk/events/new/")
        page.fill("#id_title", "玉米种植技术培训")
        page.select_option("#id_kind", "training")
        page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_ends_at", (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        page.select_option("#id_venue__town", label="城关镇")
        page.select_option("#id_venue", label="上寨村村委会")
        page.select_option("#id_status", "published")
        page.select_option("#id_shifts-0-role", "lecturer")
        page.fill("#id_shifts-0-capacity", "2")
        page.select_option("#id_shifts-1-role", "scanner")
        page.fill("#id_shifts-1-capacity", "3")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/desk/events/\d+/$"))
        event = Event.objects.get(title="玉米种植技术培训")
        assert sorted(event.shifts.values_list("role", "capacity")) == [("lecturer", 2), ("scanner", 3)]
        _shot(page, "1-planned")
        base = f"{live_server.url}/desk/events/{event.pk}"

        # Registrations: three people by hand, the category chosen each time, the village town first.
        page.goto(f"{base}/registrations/")
        for name, category, with_village in [
            ("王大山", "farmer", True),
            ("李小红", "student", False),
            ("张老师", "teacher", False),
        ]:
            form = page.locator("#add-registration")
            form.locator("input[name=name]").fill(name)
            form.locator("select[name=category]").select_option(category)
            if with_village:
                form.locator("select[name=region__town]").select_option(label="城关镇")
                form.locator("select[name=region]").select_option(value=str(village.pk))
            form.get_by_role("button", name="报名").click()
            expect(page.locator(".msg.success")).to_contain_text(f"{name}已报名")
        # A 30-row class list, with its per-row report, on the people's consent.
        page.get_by_role("link", name="导入班级或村名单").click()
        page.locator("input[name=file]").set_input_files(str(_class_list(tmp_path / "三年级二班.xlsx")))
        page.locator("input[name=consent_confirmed]").check()
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator("#import-report tbody tr[data-result=created]")).to_have_count(30)
        assert Registration.objects.filter(event=event, revoked_at__isnull=True).count() == 33
        _shot(page, "2-imported")

        # The ticket sheet: one ticket each, with the venue.
        page.goto(f"{base}/registrations/")
        with desk.expect_page() as opened:
            page.get_by_role("link", name="打印入场券").click()
        tickets = opened.value
        tickets.wait_for_load_state()
        expect(tickets.locator(".ticket")).to_have_count(33)
        expect(tickets.locator(".ticket").first).to_contain_text("上寨村村委会")
        _shot(tickets, "3-tickets")
        tickets.close()

        # Live attendance: a scan on the volunteer's scanner page shows up without a reload.
        page.goto(f"{base}/live/")
        checked_in = page.locator('[data-live="checked_in"]')
        expect(checked_in).to_have_text("0")
        phone.add_cookies(desk.cookies())  # the organizer scans on their own phone
        scanner = phone.new_page()
        scanner.goto(f"{live_server.url}/scan/{event.pk}/")
        scanner.wait_for_selector("body[data-ready='1']", state="attached")
        scanner.fill("#code", Registration.objects.get(event=event, attendee__name="王大山").code)
        scanner.click("#manual button")
        scanner.wait_for_selector("#answer.green", timeout=10_000)
        expect(checked_in).to_have_text("1", timeout=15_000)
        expect(page.locator('[data-live-list="by_region"]')).to_contain_text("上寨村")
        _shot(page, "4-live")

        # After the event: the door's headcount (recorded by a volunteer at the door), then the paper sheet.
        headcount = checkin_services.headcount_record(event=event, count=120, note="广场围观群众")
        page.goto(f"{base}/after/")
        page.locator("[name='paper-0-name']").focus()
        for name, number, category, place in PAPER_SHEET:
            for keys in (name, number):
                page.keyboard.type(keys)
                page.keyboard.press("Enter")
            page.keyboard.press(category)
            page.keyboard.press("Enter")
            page.keyboard.type(place)
            page.keyboard.press("Enter")
        expect(page.locator("[data-paper-total]")).to_have_text("5")
        page.keyboard.press("Control+Enter")
        expect(page.locator(".msg.success")).to_contain_text("签到表上的 5 人已签到")
        assert CheckIn.objects.filter(event=event, method=CheckIn.Method.PAPER).count() == 5

        page.locator(f"[data-headcount='{headcount.id}']").get_by_role("button", name="确认").click()
        expect(page.locator(f"[data-headcount='{headcount.id}']")).to_contain_text("已确认")
        page.locator("#id_output-kind").select_option("materials")
        page.locator("#id_output-quantity").fill("300")
        page.locator("#id_output-note").fill("玉米种植手册")
        page.get_by_role("button", name="添加成果").click()
        expect(page.locator(".msg.success")).to_contain_text("成果已登记")
        assert EventOutput.objects.filter(event=event, kind="materials").exists()
        page.locator("#id_file").set_input_files({"name": "现场.png", "mimeType": "image/png", "buffer": _photo()})
        page.locator("#id_caption").fill("培训现场")
        page.get_by_role("button", name="上传").click()
        expect(page.locator(".msg.success")).to_contain_text("文件已随活动存档")
        evidence = EventEvidence.objects.get(event=event)
        _shot(page, "5-after")

        # The worker's part, done here: the year's tallies, as the nightly recompute leaves them.
        for scope in stats_services.recompute_scopes(year=start.year, association_ids=[association.id]):
            stats_services.tally_compute(scope=scope)

        # The dashboard: the beneficiaries' figure, its events, this event's records and the photo.
        page.goto(f"{live_server.url}/dashboard/?year={start.year}")
        card = page.locator("a.card[data-figure='beneficiaries_person_times']")
        expect(card).to_contain_text("扫码 1")
        expect(card).to_contain_text("纸质 5")
        expect(card).to_contain_text("估算 120")
        _shot(page, "6-dashboard")
        card.click()
        page.get_by_role("link", name="玉米种植技术培训").click()
        page.wait_for_url(re.compile(rf"/dashboard/events/{event.pk}/"))
        expect(page.locator("body")).to_contain_text("张大山")  # a paper check-in behind the figure
        expect(page.locator("body")).to_contain_text("城关镇 · 上寨村")  # the village named with its town
        photo = page.locator(f"#evidence [data-evidence='{evidence.id}'] img")
        expect(photo).to_be_visible()
        assert page.eval_on_selector(f"#evidence [data-evidence='{evidence.id}'] img", "img => img.naturalWidth > 0")
        _shot(page, "7-records")
    finally:
        phone.close()
        desk.close()
