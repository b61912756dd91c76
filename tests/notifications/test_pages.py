import re
from datetime import timedelta

import pytest
from django.utils import timezone

from checkin import messages as checkin_messages
from notifications.models import Notification
from tests.factories import EventFactory, RegistrationFactory, SignUpFactory
from volunteers import messages as volunteer_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup():
    start = timezone.now() + timedelta(days=2)
    return SignUpFactory(
        shift__event=EventFactory(title="科学种田讲座", starts_at=start, ends_at=start + timedelta(hours=2))
    )


def test_the_inbox_page_lists_messages_with_the_unread_count(client, signup):
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    client.force_login(signup.volunteer.user)
    page = client.get("/v/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "科学种田讲座" in html and 'data-testid="unread">1<' in html


def test_marking_a_message_read_on_the_inbox_page(client, signup):
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    message = Notification.objects.get(channel="inbox")
    client.force_login(signup.volunteer.user)
    assert client.post(f"/v/inbox/{message.id}/read/").status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    assert 'data-testid="unread"' not in client.get("/v/inbox/").content.decode()


def test_the_inbox_page_needs_a_login(client):
    response = client.get("/v/inbox/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.browser
def test_the_inbox_on_a_phone(live_server, phone_page, signup):
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    volunteer_messages.notify_signup(signup=signup, kind="removed")
    phone_page.context.add_cookies(_session_cookie(live_server, signup.volunteer.user))
    phone_page.goto(f"{live_server.url}/v/inbox/")
    assert phone_page.get_by_test_id("unread").inner_text() == "2"
    phone_page.get_by_role("button", name="全部标为已读").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_test_id("unread").count() == 0
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _session_cookie(live_server, user) -> list[dict]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


def test_the_ticket_link_of_the_registration_sms_shows_the_qr(client, settings):
    settings.NOTIFICATIONS_TICKET_URL = "http://testserver/t/{code}/"
    registration = RegistrationFactory(
        event=EventFactory(title="果树修剪培训"), attendee__phone="13912345678", attendee__name="王大妈"
    )
    checkin_messages.notify_registration(registration=registration)
    link = re.search(r"http://testserver(/t/\S+/)", Notification.objects.get(channel="sms").body).group(1)
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "果树修剪培训" in html and "王大妈" in html and "<svg" in html
    # Kepu's own word for the attendee's name, not django_celery_beat's "Name" (任务名, a task's name).
    assert "<dt>姓名</dt>" in html and "任务名" not in html


def test_a_revoked_or_unknown_ticket_is_a_404(client):
    revoked = RegistrationFactory(revoked_at=timezone.now())
    assert client.get(f"/t/{revoked.code}/").status_code == 404
    assert client.get("/t/NOSUCHCODE/").status_code == 404
