"""The scanner page in a real Chromium: a fake camera showing a ticket's QR, and a phone going offline."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from checkin import services
from checkin.models import CheckIn
from checkin.qr import qr_png
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.factories import EventFactory, OrganizerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def write_y4m(path: Path, png: bytes, *, width: int = 640, height: int = 480, frames: int = 10) -> Path:
    """A short Y4M video (4:2:0) of the QR on white, for Chromium's --use-file-for-fake-video-capture."""
    side = min(width, height) * 3 // 4
    qr = Image.open(io.BytesIO(png)).convert("RGB").resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    data = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + data)
    return path


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


# The pages run under a Content-Security-Policy without 'unsafe-eval', and Playwright's wait_for_function
# evaluates its string inside the page: the waits below use selectors or one awaited evaluate instead.
def _ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']", state="attached")


def _until(page, predicate: str, arg=None, *, timeout: int = 5_000) -> None:
    """Wait until the page's `predicate(arg)` (a function, may be async) is true, polling inside the page."""
    # The whole function goes to the browser as one evaluate (DevTools protocol, not bound by the page's CSP).
    waited = page.evaluate(
        f"""async (arg) => {{
            const predicate = {predicate};
            const end = Date.now() + {timeout};
            while (Date.now() < end) {{
                if (await predicate(arg)) return true;
                await new Promise((resolve) => setTimeout(resolve, 50));
            }}
            return false;
        }}""",
        arg,
    )
    assert waited, predicate


@pytest.fixture
def door():
    event = EventFactory()
    organizer = OrganizerFactory(association=event.association).user
    registration = services.registration_create(event=event, name="王大山", phone="13812345678")
    return event, organizer, registration


def test_a_ticket_shown_to_the_camera_turns_the_screen_green(browser, live_server, door, tmp_path):
    event, organizer, registration = door
    video = write_y4m(tmp_path / "ticket.y4m", qr_png(registration.code))
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(**PHONE, locale="zh-CN", permissions=["camera"])
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/{event.id}/")
        page.wait_for_selector("#answer.green", timeout=20_000)
        assert page.text_content("#answer-name") == "王大山"
        decoder = page.evaluate("document.body.dataset.decoder")
    finally:
        camera_browser.close()
    assert decoder in ("jsQR", "BarcodeDetector")  # Debian's Chromium has no BarcodeDetector: jsQR decodes
    checkin = CheckIn.objects.get()
    assert (checkin.event, checkin.method, checkin.scanned_by) == (event, "staff_scan", organizer)


def test_a_scan_made_offline_is_synced_when_the_network_returns(browser, live_server, door):
    event, organizer, registration = door
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/{event.id}/")
        _ready(page)

        context.set_offline(True)
        _until(page, "() => !navigator.onLine")
        page.fill("#code", registration.code)
        page.click("#manual button")
        page.wait_for_selector("#answer.blue")
        assert page.text_content("#pending") == "1"
        assert not CheckIn.objects.exists()

        context.set_offline(False)
        page.wait_for_selector("#pending-wrap", state="hidden", timeout=20_000)
        expect(page.locator("#count")).to_have_text("1", timeout=20_000)
    finally:
        context.close()
    checkin = CheckIn.objects.get()
    assert (checkin.method, checkin.scanned_by, checkin.attendee.name) == ("offline", organizer, "王大山")


def test_the_scanner_page_loads_offline_after_the_first_visit(browser, live_server, door):
    event, organizer, _registration = door
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        url = f"{live_server.url}/scan/{event.id}/"
        page.goto(url)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now controlled by the worker, which keeps a copy of the page
        _ready(page)
        # The copy is stored under the navigation's own request (with its Accept-Language, which the page
        # varies on); a lookup by bare URL would not match it, so compare the URL only.
        _until(page, "(url) => caches.match(url, {ignoreVary: true}).then(Boolean)", url, timeout=10_000)

        context.set_offline(True)
        page.reload()
        _ready(page)
        assert event.title in page.text_content(".title")
        assert page.evaluate("typeof window.jsQR") == "function"
    finally:
        context.close()


def test_search_by_name_checks_in_and_the_scanner_can_undo_it(browser, live_server, door):
    event, organizer, _registration = door
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/{event.id}/")
        _ready(page)
        page.fill("#search", "大山")
        page.click("#results li")
        page.wait_for_selector("#answer.green")
        assert CheckIn.objects.get().annulled_at is None
        page.click("#annul")
        page.wait_for_selector("#answer[data-status='annulled']")
        expect(page.locator("#count")).to_have_text("0", timeout=10_000)
        page.click("#answer")
        page.click(".headcount summary")
        page.fill("#headcount-count", "85")
        page.click("#headcount-form button")
        expect(page.locator("#headcount")).to_have_text("85", timeout=10_000)
    finally:
        context.close()
    assert CheckIn.objects.get().annulled_at is not None
    assert event.headcounts.get().count == 85


def test_self_checkin_on_a_phone_sends_its_location_and_reads_well(browser, live_server, tmp_path):
    """The poster's page at a venue with coordinates: the phone's location goes with the form (from
    self_checkin.js: no inline script), a phone at the venue is counted, and "not me" opens the form."""
    from decimal import Decimal

    from tests.factories import VenueFactory

    venue = VenueFactory(latitude=Decimal("29.500000"), longitude=Decimal("106.500000"))
    event = EventFactory(association=venue.association, venue=venue, title="农技讲座：水稻病虫害防治")
    poster = services.poster_code_for(event=event)
    context = browser.new_context(
        **PHONE, locale="zh-CN", geolocation={"latitude": 29.5003, "longitude": 106.5002}, permissions=["geolocation"]
    )
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/c/{poster.code}/")
        # A locator's wait, not wait_for_function: the Content-Security-Policy forbids evaluating strings.
        expect(page.locator("#form input[name=latitude]")).not_to_have_value("", timeout=10_000)
        assert page.text_content("#location-status") == "已获取位置。"
        page.screenshot(path=str(tmp_path / "self_checkin_form_390x844.png"), full_page=True)
        page.fill("#id_name", "周大嫂")
        page.select_option("#id_category", "farmer")
        page.check("#id_consent")
        page.click("#form button")
        page.wait_for_selector("#result[data-status=ok]")
        assert page.get_attribute("#result", "data-review") is None and "周大嫂" in page.text_content("#result")
        page.screenshot(path=str(tmp_path / "self_checkin_done_390x844.png"), full_page=True)
        # The phone remembers her; "not me" opens the form for someone else, by the script's handler.
        page.goto(f"{live_server.url}/c/{poster.code}/")
        assert page.is_hidden("#form")
        page.click("#other")
        assert page.is_visible("#form") and page.is_hidden("#other")
    finally:
        context.close()
    assert errors == []
    checkin = CheckIn.objects.get()
    assert (checkin.method, checkin.awaiting_review, checkin.flag_reasons) == ("self", False, "")


def test_the_scanner_runs_under_the_content_security_policy_without_a_violation(browser, live_server, door):
    event, organizer, registration = door
    context = browser.new_context(**PHONE, locale="zh-CN")
    console: list[str] = []
    try:
        _log_in(context, live_server, organizer)
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        response = page.goto(f"{live_server.url}/scan/{event.id}/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        _ready(page)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the worker installs under the policy
        page.fill("#code", registration.code)
        page.click("#manual button")
        page.wait_for_selector("#answer.green")
        if os.environ.get("KEPU_SCREENSHOTS"):
            page.screenshot(path=Path(os.environ["KEPU_SCREENSHOTS"]) / "scanner.png")
    finally:
        context.close()
    assert [line for line in console if "Content Security Policy" in line] == []
