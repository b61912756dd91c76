"""The event's staffing page: fill rates per shift, attendance and hours, messages and their delivery."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from tests.factories import EventFactory, NotificationFactory, OrganizerFactory, ShiftFactory, SignUpFactory
from volunteers.models import Shift, SignUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(association):
    return EventFactory(association=association)


@pytest.fixture
def client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def signed_up(shift: Shift, status=SignUp.Status.CONFIRMED, **fields) -> SignUp:
    signup = SignUpFactory(shift=shift, status=status, **fields)
    if status in (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED):
        Shift.objects.filter(pk=shift.pk).update(
            taken=shift.signups.filter(status__in=["confirmed", "attended"]).count()
        )
    return signup


def shift_block(body: str, shift: Shift) -> str:
    start = body.index(f'data-shift="{shift.id}"')
    end = body.find("data-shift=", start + 1)
    return body[start : end if end > 0 else len(body)]


def test_each_shift_shows_its_fill_rate_and_a_full_shift_says_so(client, event):
    full = ShiftFactory(event=event, role=Shift.Role.SCANNER, capacity=2)
    half = ShiftFactory(event=event, role=Shift.Role.GUIDE, capacity=4)
    signed_up(full), signed_up(full)
    signed_up(half), signed_up(half)
    signed_up(half, status=SignUp.Status.WAITLISTED)
    response = client.get(reverse("desk-event-staffing", args=[event.id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2/2" in shift_block(body, full) and "已满" in shift_block(body, full)
    assert "2/4" in shift_block(body, half) and "50%" in shift_block(body, half)
    assert "已满" not in shift_block(body, half) and "候补 1 人" in shift_block(body, half)
    assert response.context["totals"].fill_rate == 67  # 4 of 6 places
    assert response.context["totals"].confirmed == 4


def test_attendance_and_hours_are_summed_per_shift(client, event):
    shift = ShiftFactory(event=event, capacity=5)
    signed_up(shift, status=SignUp.Status.ATTENDED, hours=Decimal("2.5"), hours_source="scanned")
    signed_up(shift, status=SignUp.Status.ATTENDED, hours=Decimal("3"), hours_source="organizer")
    signed_up(shift, status=SignUp.Status.NO_SHOW)
    response = client.get(reverse("desk-event-staffing", args=[event.id]))
    row = response.context["shifts"][0]
    assert (row.attended, row.no_show, row.hours) == (2, 1, Decimal("5.50"))
    assert "到岗 2 人，缺席 1 人" in response.content.decode()


def test_messages_about_the_shifts_show_their_delivery_state(client, event, association):
    shift = ShiftFactory(event=event)
    volunteer = signed_up(shift).volunteer
    NotificationFactory(volunteer=volunteer, event=event, status=Notification.Status.SENT, sent_at=timezone.now())
    NotificationFactory(
        volunteer=volunteer,
        event=event,
        kind=Kind.SHIFT_REMINDER,
        status=Notification.Status.FAILED,
        last_error="号码停机",
    )
    NotificationFactory(volunteer=volunteer, event=EventFactory(association=association))  # another event's
    response = client.get(reverse("desk-event-staffing", args=[event.id]))
    body = response.content.decode()
    assert response.context["message_total"] == 2
    assert "已发送" in body and "失败" in body and "号码停机" in body
    assert "短信" in body and ">sms<" not in body  # the channel's name, not its code
    assert volunteer.phone not in body  # masked


def test_read_only_viewers_get_no_action_links_and_strangers_a_404(event, association):
    prefecture = association.__class__.objects.create(name="州科协", region=association.region)
    association.parent = prefecture
    association.save()
    reader = Client()
    reader.force_login(OrganizerFactory(association=prefecture).user)
    page = reader.get(reverse("desk-event-staffing", args=[event.id]))
    assert page.status_code == 200 and "安排岗位" not in page.content.decode()
    stranger = Client()
    stranger.force_login(OrganizerFactory().user)
    assert stranger.get(reverse("desk-event-staffing", args=[event.id])).status_code == 404
