"""A volunteer on a phone: register, sign up, see it in the schedule, cancel. Real Chromium."""

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
