"""The registers on the desk in a real Chromium, in zh-hans at 1366 px: a clerk opens 年度工作, adds a
village's science board town first, sees it in the year's list and on the registers' home, and records a
repair of it. Screenshots only where KEPU_SCREENSHOTS says."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from outreach.models import Site
from tests.factories import (
    ContestEntryFactory,
    ContestFactory,
    FundingRecordFactory,
    OrganizerFactory,
    SiteFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
YEAR = timezone.localdate().year


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def _shot(page, name: str) -> None:
    if folder := os.environ.get("KEPU_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / name, full_page=True)


def test_a_clerk_adds_a_site_town_first_and_finds_it_in_the_years_list(browser, live_server):
    organizer = OrganizerFactory()
    association = organizer.association
    east, west = (
        TownFactory(parent=association.region, name="东关镇"),
        TownFactory(parent=association.region, name="西河镇"),
    )
    VillageFactory(parent=east, name="上寨村")
    shangzhai_west = VillageFactory(parent=west, name="上寨村")
    SiteFactory(association=association, name="县级科普画廊", kind="gallery", region=association.region)
    contest = ContestFactory(association=association, name="县青少年科技创新大赛", held_on=date(YEAR, 1, 10))
    ContestEntryFactory(contest=contest, entrant="张三", title="节水装置")
    FundingRecordFactory(association=association, date=date(YEAR, 1, 10))
    context = browser.new_context(**DESKTOP)
    console: list[str] = []
    try:
        _log_in(context, live_server, organizer.user)
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{live_server.url}/desk/")
        page.get_by_role("link", name="年度工作").click()
        page.wait_for_url(f"{live_server.url}/desk/registers/")
        assert page.locator("#sites .figure .n").first.text_content() == "1"
        _shot(page, "registers-home.png")

        page.locator("#sites").get_by_role("link", name="新建阵地").click()
        page.fill("#id_name", "上寨村科普宣传栏")
        page.select_option("#id_kind", "board")
        # Town first: the village select then offers only 西河镇's 上寨村.
        page.select_option("#id_region__town", label="西河镇")
        visible = page.locator("#id_region optgroup option").all_text_contents()
        assert visible == ["上寨村"]
        page.select_option("#id_region", str(shangzhai_west.pk))
        page.fill("#id_built_on", f"{YEAR}-03-01")
        _shot(page, "registers-site-form.png")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(f"{live_server.url}/desk/registers/sites/*/")

        site = Site.objects.get(name="上寨村科普宣传栏")
        assert site.region == shangzhai_west and site.association == association
        page.fill("#id_repairs-repaired_on", f"{YEAR}-04-01")
        page.locator("#repairs").get_by_role("button", name="添加").click()
        page.wait_for_url(f"{live_server.url}/desk/registers/sites/{site.pk}/#repairs")
        assert page.locator("#repairs tbody tr").count() == 1
        _shot(page, "registers-site-record.png")

        page.get_by_role("link", name="科普阵地").click()
        rows = page.locator("table.register tbody tr")
        assert rows.count() == 2
        assert "西河镇 · 上寨村" in page.locator("table.register tbody tr", has_text="上寨村科普宣传栏").inner_text()
        _shot(page, "registers-sites-list.png")

        page.goto(f"{live_server.url}/desk/registers/contests/{contest.pk}/")
        _shot(page, "registers-contest.png")
        page.goto(f"{live_server.url}/desk/registers/funding/?year={YEAR}")
        _shot(page, "registers-funding.png")
        # An import with a wrong row: the report names the row, nothing is saved.
        page.goto(f"{live_server.url}/desk/registers/sites/import/")
        listing = "名称,类别,乡镇,村\n东关镇橱窗,橱窗,东关镇,\n某某,游乐场,东关镇,\n".encode()
        page.set_input_files("#id_file", {"name": "sites.csv", "mimeType": "text/csv", "buffer": listing})
        page.get_by_role("button", name="导入").click()
        expect(page.locator("#import-report tbody tr")).to_have_count(1)
        assert "游乐场" in page.locator("#import-report tbody tr").inner_text()
        assert not Site.objects.filter(name="东关镇橱窗").exists()
        _shot(page, "registers-sites-import.png")
    finally:
        context.close()
    assert [line for line in console if "Content Security Policy" in line] == []
