"""A volunteer on a phone: register, sign up, see it in the schedule, cancel. Real Chromium."""

import os
import re

import pytest

from notifications.models import Notification
from tests.factories import UpcomingShiftFactory
from volunteers.models import SignUp, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_registers_signs_up_sees_the_schedule_and_cancels(live_server, phone_page, association):
    shift = UpcomingShiftFactory(event__association=association, event__title="果树修剪培训", capacity=3)
    page = phone_page

    page.goto(f"{live_server.url}/v/register/")
    page.fill("input[name=phone]", "139 1234 5678")
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=password]", "Guoshu-2026!")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/v/register/confirm/")  # the same for a new and a taken number
    sms = Notification.objects.get(kind="login_code", address="+8613912345678").body
    page.fill("input[name=code]", re.search(r"\d{6}", sms).group())
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/v/")
    assert Volunteer.objects.get().phone == "+8613912345678"

    page.click("text=果树修剪培训")
    page.click(f"form[action='/v/shifts/{shift.id}/signup/'] button")  # the second tap: signed up
    page.wait_for_selector(".msg.success")
    assert SignUp.objects.get().status == SignUp.Status.CONFIRMED

    page.goto(f"{live_server.url}/v/me/")
    card = page.locator(".card.signup")
    assert "果树修剪培训" in card.inner_text()
    assert card.locator(".status.confirmed").count() == 1

    card.locator("button.danger").click()
    page.wait_for_selector(".msg.success")
    assert page.locator(".card.signup").count() == 0
    assert SignUp.objects.get().status == SignUp.Status.CANCELLED
    # Nothing sideways on a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_invited_number_accepts_on_the_phone_under_the_content_security_policy(
    live_server, phone_page, association, organizer
):
    from volunteers import services

    services.volunteer_invite(association=association, invited_by=organizer, phone="13712345678", name="李明")
    link = re.search(r"/v/join/[^/\s]+/", Notification.objects.get(kind="volunteer_invitation").body).group()
    blocked: list[str] = []
    phone_page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security" in message.text else None
    )

    phone_page.goto(f"{live_server.url}{link}")
    assert "邀请您成为志愿者" in phone_page.inner_text("h2")
    if shot := os.environ.get("KEPU_SCREENSHOT"):
        phone_page.screenshot(path=shot, full_page=True)
    phone_page.fill("input[name=password]", "Guoshu-2026!")
    phone_page.check("input[name=consent]")
    phone_page.click("button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/v/")
    assert Volunteer.objects.get().association == association
    assert blocked == []
