"""Reporting up in a real Chromium, in zh-hans, under the Content-Security-Policy: the county submits its
year, a check-in arrives afterwards and the page says what changed; the prefecture returns it with a comment."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from reporting.models import Submission
from tests.factories import PASSWORD, CheckInFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screenshot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):  # set it to look at the pages
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / name, full_page=True)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/desk/login/?next=/desk/reporting/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk/reporting/")


def test_the_county_submits_sees_the_change_and_the_prefecture_returns_it(browser, live_server, prefecture):
    county = prefecture.counties[0]
    console: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        _sign_in(page, live_server.url, county.organizer.username)
        page.click("text=提交本年度数据")
        submission = Submission.objects.get()
        page.wait_for_url(f"{live_server.url}/desk/reporting/{submission.id}/")
        event = county.events[0]
        CheckInFactory(event=event, scanned_at=event.starts_at + timedelta(minutes=30))
        page.goto(f"{live_server.url}/desk/reporting/")
        assert page.locator("#own .tag", has_text="提交后有变化").count() == 1
        _screenshot(page, "reporting-county.png")

        context.clear_cookies()  # sign the county out: the prefecture signs in on the same browser
        _sign_in(page, live_server.url, prefecture.organizer.username)
        assert page.locator("#inbox a", has_text="审核").count() == 1
        _screenshot(page, "reporting-prefecture.png")
        page.click("#inbox a")
        page.fill("textarea[name=comment]", "请补充签到表")
        _screenshot(page, "reporting-review.png")
        page.click("button[value=return]")
        page.wait_for_url(f"{live_server.url}/desk/reporting/{submission.id}/")
        assert page.locator("#state .tag", has_text="已退回").count() == 1
        submission.refresh_from_db()
        assert submission.review_comment == "请补充签到表"
    finally:
        context.close()
    assert not [line for line in console if "Content Security Policy" in line]


def test_the_county_page_on_a_phone(browser, live_server, prefecture):
    county = prefecture.counties[0]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        page = context.new_page()
        _sign_in(page, live_server.url, county.organizer.username)
        page.click("text=提交本年度数据")
        page.wait_for_url(f"{live_server.url}/desk/reporting/*/")
        _screenshot(page, "reporting-submission-phone.png")
        assert page.locator("#versions td", has_text="v1").count() == 1
    finally:
        context.close()
