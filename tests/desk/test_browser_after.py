"""After the event, in a real Chromium and in zh-hans: an organizer enters a 5-person paper sheet with the
keyboard only, accepts a headcount, records an output, uploads a photo, and finds it on the dashboard's
records of the event. The staffing page is looked at too.
Screenshots (1366 px) go to KEPU_SCREENSHOTS when it is set."""

import io
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from checkin.models import CheckIn, Headcount
from events.models import EventEvidence, EventOutput
from notifications.models import Kind, Notification
from tests.factories import (
    EventFactory,
    HeadcountFactory,
    NotificationFactory,
    OrganizerFactory,
    ShiftFactory,
    SignUpFactory,
    TownFactory,
    VillageFactory,
)
from volunteers.models import Shift, SignUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHEET = [  # name, phone, category key (1 农民, 2 学生, 3 居民 …), village
    ("张大山", "13812340001", "1", "上寨村（城关镇）"),
    ("李小花", "", "1", ""),
    ("王明", "", "2", ""),
    ("赵秀英", "13812340004", "3", ""),
    ("钱学文", "", "5", "上寨村（城关镇）"),
]


@pytest.fixture
def desk(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    event = EventFactory(title="玉米种植技术培训", capacity=200, starts_at=timezone.now() - timedelta(hours=3))
    town = TownFactory(parent=event.association.region, name="城关镇")
    VillageFactory(parent=town, name="上寨村")
    VillageFactory(parent=TownFactory(parent=event.association.region, name="河口镇"), name="上寨村")
    organizer = OrganizerFactory(association=event.association, user__first_name="李老师").user
    HeadcountFactory(event=event, count=120, counted_at=event.starts_at + timedelta(minutes=20), note="广场围观群众")
    return event, organizer


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def _png() -> bytes:
    image = Image.new("RGB", (800, 600), (70, 130, 180))
    for x in range(200, 600):
        for y in range(250, 350):
            image.putpixel((x, y), (250, 210, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    yield context
    context.close()


def _shot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):  # set it to look at the pages
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_the_organizer_closes_an_event_from_the_keyboard_to_the_dashboard(desktop, live_server, desk):
    event, organizer = desk
    _log_in(desktop, live_server, organizer)
    page = desktop.new_page()
    page.goto(f"{live_server.url}/desk/events/{event.id}/after/")
    expect(page.get_by_role("heading", name="纸质签到表")).to_be_visible()

    # The sheet, from the keyboard only: type, Enter to the next field, a digit for the category.
    page.locator("[name='paper-0-name']").focus()
    for name, phone, category, village in SHEET:
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        page.keyboard.type(phone)
        page.keyboard.press("Enter")
        page.keyboard.press(category)
        page.keyboard.press("Enter")
        page.keyboard.type(village)
        page.keyboard.press("Enter")
    expect(page.locator("[data-paper-total]")).to_have_text("5")
    expect(page.locator("[name='paper-5-name']")).to_be_focused()  # on to the next line
    expect(page.locator("[name='paper-4-category']")).to_have_value("teacher")
    _shot(page, "after-sheet-typed.png")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".msg.success")).to_contain_text("签到表上的 5 人已签到")
    assert CheckIn.objects.filter(event=event, method=CheckIn.Method.PAPER).count() == 5
    assert CheckIn.objects.get(event=event, attendee__name="张大山").attendee.region.parent.name == "城关镇"

    # The headcount reported at the door: accepted as it is.
    headcount = Headcount.objects.get(event=event)
    page.locator(f"[data-headcount='{headcount.id}']").get_by_role("button", name="确认").click()
    expect(page.locator(f"[data-headcount='{headcount.id}']")).to_contain_text("已确认")
    headcount.refresh_from_db()
    assert headcount.reviewed_by == organizer

    # An output.
    page.locator("#id_output-kind").select_option("materials")
    page.locator("#id_output-quantity").fill("300")
    page.locator("#id_output-note").fill("玉米种植手册")
    page.get_by_role("button", name="添加成果").click()
    expect(page.locator(".msg.success")).to_contain_text("成果已登记")
    assert EventOutput.objects.get(event=event).quantity == Decimal("300")

    # A photo: kept, shown as a thumbnail.
    page.locator("#id_file").set_input_files({"name": "现场.png", "mimeType": "image/png", "buffer": _png()})
    page.locator("#id_caption").fill("培训现场")
    page.get_by_role("button", name="上传").click()
    expect(page.locator(".msg.success")).to_contain_text("文件已随活动存档")
    evidence = EventEvidence.objects.get(event=event)
    thumbnail = page.locator(f"[data-evidence='{evidence.id}'] img")
    expect(thumbnail).to_be_visible()
    assert _loaded(page, f"[data-evidence='{evidence.id}'] img")
    _shot(page, "after-done.png")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet at the venue
    _shot(page, "after-tablet.png")
    page.set_viewport_size({"width": 1366, "height": 900})

    # The dashboard's records of the event show the photo.
    page.get_by_role("link", name="数字背后的记录").click()
    expect(page.locator(f"#evidence [data-evidence='{evidence.id}'] img")).to_be_visible()
    assert _loaded(page, f"#evidence [data-evidence='{evidence.id}'] img")
    expect(page.locator("body")).to_contain_text("培训现场")
    _shot(page, "dashboard-event-records.png")


def test_a_refused_upload_says_why_in_chinese(desktop, live_server, desk):
    event, organizer = desk
    _log_in(desktop, live_server, organizer)
    page = desktop.new_page()
    page.goto(f"{live_server.url}/desk/events/{event.id}/after/")
    page.locator("#id_file").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo" * 50}
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("#evidence .msg.error")).to_contain_text("不是照片")
    _shot(page, "after-upload-refused.png")
    assert not EventEvidence.objects.exists()


def test_the_staffing_page_at_1366(desktop, live_server, desk):
    event, organizer = desk
    scanners = ShiftFactory(event=event, role=Shift.Role.SCANNER, capacity=2)
    guides = ShiftFactory(event=event, role=Shift.Role.GUIDE, capacity=4)
    for shift, status, hours in [
        (scanners, SignUp.Status.ATTENDED, Decimal("3")),
        (scanners, SignUp.Status.ATTENDED, Decimal("2.5")),
        (guides, SignUp.Status.CONFIRMED, None),
        (guides, SignUp.Status.NO_SHOW, None),
        (guides, SignUp.Status.WAITLISTED, None),
    ]:
        signup = SignUpFactory(shift=shift, status=status, hours=hours, hours_source="scanned" if hours else "")
        NotificationFactory(
            volunteer=signup.volunteer,
            event=event,
            recipient_name=signup.volunteer.name,
            status=Notification.Status.SENT if status != SignUp.Status.NO_SHOW else Notification.Status.FAILED,
            sent_at=timezone.now(),
            kind=Kind.SHIFT_REMINDER,
            last_error="号码已停机" if status == SignUp.Status.NO_SHOW else "",
        )
    Shift.objects.filter(pk=scanners.pk).update(taken=2)
    Shift.objects.filter(pk=guides.pk).update(taken=2)
    _log_in(desktop, live_server, organizer)
    page = desktop.new_page()
    page.goto(f"{live_server.url}/desk/events/{event.id}/staffing/")
    expect(page.locator(f"[data-shift='{scanners.id}']")).to_contain_text("已满")
    expect(page.locator(f"[data-shift='{guides.id}']")).to_contain_text("2/4")
    expect(page.locator("#messages")).to_contain_text("失败")
    _shot(page, "staffing.png")
