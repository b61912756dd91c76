from uuid import uuid4

import pytest
from django.test import Client

from checkin import services
from checkin.scan import services as scan_services
from tests.factories import EventFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(organizer):
    client = Client()
    client.force_login(organizer)
    return client


@pytest.mark.parametrize("model", ["attendee", "registration", "checkin", "scanlog", "headcount", "postercode"])
def test_organizer_opens_every_checkin_list_in_the_admin(desk, model):
    assert desk.get(f"/admin/checkin/{model}/").status_code == 200


def test_organizer_sees_only_their_associations_registrations(desk, organizer):
    own = services.registration_create(event=EventFactory(association=organizer.organizer.association), name="本县人")
    services.registration_create(event=EventFactory(), name="外县人")
    page = desk.get("/admin/checkin/registration/").content.decode()
    assert own.code in page and "外县人" not in page


def test_organizer_revokes_from_the_admin_only_within_scope(desk, organizer):
    own = services.registration_create(event=EventFactory(association=organizer.organizer.association), name="甲")
    other = services.registration_create(event=EventFactory(), name="乙")
    desk.post(
        "/admin/checkin/registration/",
        {"action": "revoke", "_selected_action": [own.pk, other.pk]},
    )
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.revoked_at is not None and other.revoked_at is None


def test_a_colleague_of_another_county_cannot_open_a_checkin(organizer):
    event = EventFactory(association=organizer.organizer.association)
    answer = scan_services.checkin_scan(
        event=event,
        code=services.registration_create(event=event, name="丙").code,
        client_id=uuid4(),
        scanned_at=event.starts_at,
    )
    outsider = Client()
    outsider.force_login(OrganizerFactory().user)
    assert outsider.get(f"/admin/checkin/checkin/{answer.checkin_id}/change/").status_code in (302, 404)
