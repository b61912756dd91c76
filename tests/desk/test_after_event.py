"""After the event: the paper sheet, headcounts and outputs on the desk's page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from checkin.models import CheckIn, Headcount
from events.models import EventOutput
from tests.factories import (
    EventFactory,
    EventOutputFactory,
    HeadcountFactory,
    OrganizerFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(association):
    return EventFactory(association=association, capacity=200)


@pytest.fixture
def client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def sheet(rows: list[dict], blank: int = 5) -> dict:
    data = {"paper-TOTAL_FORMS": str(len(rows) + blank), "paper-INITIAL_FORMS": "0", "save": ""}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"paper-{i}-{key}"] = value
    return data


FIVE = [
    {"name": "张三", "phone": "13812340001", "category": "farmer"},
    {"name": "李四", "category": "farmer"},
    {"name": "王五", "category": "student"},
    {"name": "赵六", "phone": "", "category": "resident"},
    {"name": "钱七", "category": "teacher"},
]


def test_a_paper_sheet_of_five_people_makes_five_counted_checkins(client, event):
    response = client.post(reverse("desk-event-paper", args=[event.id]), sheet(FIVE))
    assert response.status_code == 302
    checkins = CheckIn.objects.filter(event=event, method=CheckIn.Method.PAPER, annulled_at__isnull=True)
    assert checkins.count() == 5
    assert not checkins.filter(awaiting_review=True).exists()
    page = client.get(response["Location"])
    assert "5" in page.content.decode() and page.status_code == 200


def test_a_sheet_entered_twice_counts_nobody_twice(client, event):
    rows = [{"name": "张三", "phone": "13812340001", "category": "farmer"}]
    client.post(reverse("desk-event-paper", args=[event.id]), sheet(rows))
    client.post(reverse("desk-event-paper", args=[event.id]), sheet(rows))
    assert CheckIn.objects.filter(event=event).count() == 1


def test_a_line_without_a_category_keeps_the_sheet_on_screen_and_saves_nothing(client, event):
    rows = [*FIVE[:2], {"name": "孙八"}]
    response = client.post(reverse("desk-event-paper", args=[event.id]), sheet(rows))
    assert response.status_code == 400
    body = response.content.decode()
    assert "孙八" in body and "张三" in body  # what was typed stays
    assert not CheckIn.objects.filter(event=event).exists()


def test_a_village_is_named_with_its_town_when_two_share_the_name(client, event, association):
    town_a = TownFactory(parent=association.region, name="城关镇")
    town_b = TownFactory(parent=association.region, name="河口镇")
    VillageFactory(parent=town_a, name="上寨村")
    wanted = VillageFactory(parent=town_b, name="上寨村")
    ambiguous = client.post(
        reverse("desk-event-paper", args=[event.id]),
        sheet([{"name": "周九", "category": "farmer", "village": "上寨村"}]),
    )
    assert ambiguous.status_code == 400 and not CheckIn.objects.filter(event=event).exists()
    client.post(
        reverse("desk-event-paper", args=[event.id]),
        sheet([{"name": "周九", "category": "farmer", "village": "上寨村（河口镇）"}]),
    )
    assert CheckIn.objects.get(event=event).attendee.region == wanted


def test_more_rows_adds_blank_lines_and_keeps_what_was_typed(client, event):
    data = sheet(FIVE[:1], blank=9)
    del data["save"]
    data["more_rows"] = ""
    response = client.post(reverse("desk-event-paper", args=[event.id]), data)
    body = response.content.decode()
    assert response.status_code == 200 and 'name="paper-19-name"' in body and "张三" in body
    assert not CheckIn.objects.filter(event=event).exists()


def test_the_page_works_without_javascript_rows_are_in_the_html(client, event):
    body = client.get(reverse("desk-event-after", args=[event.id])).content.decode()
    assert 'name="paper-0-name"' in body and 'name="paper-9-village"' in body
    assert "<script>" not in body  # CSP: scripts are files


def test_accepting_a_headcount_confirms_it_as_reported(client, event, organizer):
    headcount = HeadcountFactory(event=event, count=80, counted_at=event.starts_at + timedelta(minutes=5))
    client.post(reverse("desk-event-headcount", args=[event.id, headcount.id]), {"action": "accept"})
    headcount.refresh_from_db()
    assert headcount.reviewed_by == organizer and headcount.count == 80 and headcount.reported_count is None


def test_correcting_a_headcount_keeps_the_reported_figure(client, event):
    headcount = HeadcountFactory(event=event, count=80, counted_at=event.starts_at + timedelta(minutes=5))
    url = reverse("desk-event-headcount", args=[event.id, headcount.id])
    client.post(url, {"action": "correct", "count": "65"})
    client.post(url, {"action": "correct", "count": "70"})
    headcount.refresh_from_db()
    assert (headcount.count, headcount.reported_count) == (70, 80)
    assert headcount.reviewed_at is not None


def test_a_correction_beyond_ten_times_the_capacity_is_refused_with_a_message(client, event):
    headcount = HeadcountFactory(event=event, count=80, counted_at=event.starts_at + timedelta(minutes=5))
    response = client.post(
        reverse("desk-event-headcount", args=[event.id, headcount.id]),
        {"action": "correct", "count": "5000"},
        follow=True,
    )
    headcount.refresh_from_db()
    assert headcount.count == 80
    assert "2,000" in response.content.decode()


def test_another_events_headcount_is_not_found_through_this_event(client, event, association):
    other = HeadcountFactory(event=EventFactory(association=association))
    response = client.post(reverse("desk-event-headcount", args=[event.id, other.id]), {"action": "accept"})
    assert response.status_code == 404
    assert Headcount.objects.get(pk=other.pk).reviewed_at is None


def test_outputs_are_added_changed_and_deleted(client, event):
    client.post(
        reverse("desk-event-outputs", args=[event.id]),
        {"output-kind": "materials", "output-quantity": "300", "output-note": "宣传册"},
    )
    output = EventOutput.objects.get(event=event)
    assert (output.kind, output.quantity, output.note) == ("materials", Decimal("300"), "宣传册")
    prefix = f"output-{output.id}"
    client.post(
        reverse("desk-event-output", args=[event.id, output.id]),
        {f"{prefix}-kind": "display_boards", f"{prefix}-quantity": "12", f"{prefix}-note": "", "action": "save"},
    )
    output.refresh_from_db()
    assert (output.kind, output.quantity) == ("display_boards", Decimal("12"))
    client.post(reverse("desk-event-output", args=[event.id, output.id]), {"action": "delete"})
    assert not EventOutput.objects.filter(event=event).exists()


def test_a_negative_output_is_refused(client, event):
    response = client.post(
        reverse("desk-event-outputs", args=[event.id]), {"output-kind": "materials", "output-quantity": "-3"}
    )
    assert response.status_code == 400 and not EventOutput.objects.filter(event=event).exists()


def test_a_prefecture_organizer_reads_the_page_without_write_buttons_and_cannot_write(event, association):
    prefecture = association.__class__.objects.create(name="州科协", region=association.region)
    association.parent = prefecture
    association.save()
    reader = OrganizerFactory(association=prefecture).user
    client = Client()
    client.force_login(reader)
    output = EventOutputFactory(event=event)
    page = client.get(reverse("desk-event-after", args=[event.id]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="paper-0-name"' not in body and "after_event.js" not in body and 'value="delete"' not in body
    assert client.post(reverse("desk-event-paper", args=[event.id]), sheet(FIVE)).status_code == 403
    assert (
        client.post(reverse("desk-event-output", args=[event.id, output.id]), {"action": "delete"}).status_code == 403
    )
    assert EventOutput.objects.filter(pk=output.pk).exists()


def test_another_countys_organizer_does_not_find_the_page(event):
    stranger = OrganizerFactory().user
    client = Client()
    client.force_login(stranger)
    assert client.get(reverse("desk-event-after", args=[event.id])).status_code == 404
    assert client.post(reverse("desk-event-paper", args=[event.id]), sheet(FIVE)).status_code == 404
