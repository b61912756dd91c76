"""Kepu's own pages, the admin and Swagger UI in a real Chromium under the Content-Security-Policy."""

import os
from pathlib import Path

import pytest

from tests.conftest import PHONE
from tests.factories import PASSWORD, OrganizerFactory, VolunteerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line]


def _screenshot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):  # set it to look at the pages
        page.screenshot(path=Path(folder) / name, full_page=True)


def test_a_volunteer_logs_in_on_the_phone_page_without_a_violation(browser, live_server):
    VolunteerFactory(phone="+8613912345678")
    context = browser.new_context(**PHONE, locale="zh-CN")
    console: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/v/login/")
        _screenshot(page, "v-login.png")
        page.fill("input[name=phone]", "13912345678")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/v/me/")
    finally:
        context.close()
    assert _violations(console) == []


def test_the_admin_and_swagger_ui_work_under_the_policy(browser, live_server):
    organizer = OrganizerFactory().user
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    console: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", organizer.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        page.goto(f"{live_server.url}/admin/events/event/add/")
        page.wait_for_selector("#event_form")
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)  # drawn by Swagger UI's scripts
        assert "Kepu API" in page.text_content(".swagger-ui .info .title")
        _screenshot(page, "api-docs.png")
    finally:
        context.close()
    assert _violations(console) == []
