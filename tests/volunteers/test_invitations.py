"""Issue 11 item 13: adding a volunteer answers alike whether the number is new or registered elsewhere.

Organizers add volunteers by invitation (POST /api/v1/volunteers/, /v/org/import/); the person holding
the phone accepts at /v/join/<token>/. Only a volunteer of the organizer's own association is refused,
since the organizer can read those anyway.
"""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Notification
from tests.factories import (
    PASSWORD,
    AssociationFactory,
    OrganizationFactory,
    OrganizerFactory,
    SignUpFactory,
    UpcomingShiftFactory,
    VolunteerFactory,
)
from volunteers import services
from volunteers.models import SignUp, Volunteer, VolunteerInvitation

pytestmark = pytest.mark.django_db

NEW = "+8613712345678"
TAKEN = "+8613912345678"
ADD = "/api/v1/volunteers/"


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def elsewhere(association):
    """A volunteer of the neighbouring county, with a sign-up and hours there."""
    neighbour = AssociationFactory(parent=association.parent)
    volunteer = VolunteerFactory(association=neighbour, phone=TAKEN, name="王大山")
    SignUpFactory(shift__event__association=neighbour, volunteer=volunteer, status="attended", hours=Decimal("2.50"))
    return volunteer


def _add(client: APIClient, phone: str, **fields):
    return client.post(ADD, {"phone": phone[3:], "name": "李明", **fields}, format="json")


def _shape(body: dict) -> dict:
    """The answer without what differs by design: which invitation, which masked number, which moment."""
    return {k: v for k, v in body.items() if k not in ("id", "phone", "created_at", "expires_at")}


def _sms_to(phone: str) -> Notification:
    return Notification.objects.get(kind="volunteer_invitation", address=phone)


def _link(phone: str) -> str:
    return re.search(r"/v/join/[^/\s]+/", _sms_to(phone).body).group()


# --- the answer to the organizer ---------------------------------------------------------------------


def test_a_new_number_and_a_volunteer_of_another_association_get_the_same_answer(organizer_api, elsewhere):
    new, taken = _add(organizer_api, NEW), _add(organizer_api, TAKEN)
    assert [new.status_code, taken.status_code] == [202, 202]
    assert new.json()["status"] == taken.json()["status"] == "invited"
    assert (new.json()["phone"], taken.json()["phone"]) == ("137****5678", "139****5678")
    assert _shape(new.json()) == _shape(taken.json())
    assert new.json().keys() == taken.json().keys()


def test_nothing_changes_until_the_invitation_is_accepted(organizer_api, association, elsewhere):
    _add(organizer_api, NEW, is_expert=True)
    _add(organizer_api, TAKEN, name="冒名者")
    assert list(Volunteer.objects.values_list("phone", flat=True)) == [TAKEN]
    elsewhere_now = Volunteer.objects.get(pk=elsewhere.pk)
    assert (elsewhere_now.association_id, elsewhere_now.name) == (elsewhere.association_id, "王大山")
    assert VolunteerInvitation.objects.filter(association=association, accepted_at__isnull=True).count() == 2


def test_the_invitation_sms_is_alike_for_a_new_and_a_taken_number(organizer_api, association, elsewhere):
    _add(organizer_api, NEW)
    _add(organizer_api, TAKEN)
    new, taken = _sms_to(NEW), _sms_to(TAKEN)
    # Addressed to the number, never to the volunteer who holds it: organizers list these rows.
    assert (new.volunteer_id, new.user_id, taken.volunteer_id, taken.user_id) == (None, None, None, None)
    assert new.association_id == taken.association_id == association.id
    assert new.channel == taken.channel == "sms"
    assert re.sub(r"/v/join/[^/\s]+/", "…", new.body) == re.sub(r"/v/join/[^/\s]+/", "…", taken.body)
    assert association.name in new.body


def test_adding_the_same_number_again_keeps_one_invitation_and_one_sms(organizer_api):
    first, second = _add(organizer_api, NEW), _add(organizer_api, NEW, name="李明明")
    assert first.json()["id"] == second.json()["id"] and second.status_code == 202
    assert VolunteerInvitation.objects.get().name == "李明明"
    assert Notification.objects.filter(kind="volunteer_invitation").count() == 1


def test_a_volunteer_of_the_own_association_is_refused_as_before(organizer_api, association):
    VolunteerFactory(association=association, phone=NEW)
    response = _add(organizer_api, NEW)
    assert response.status_code == 400 and "phone" in response.json()
    assert not VolunteerInvitation.objects.exists() and not Notification.objects.exists()


def test_the_schema_documents_the_202_invited_answer(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    answers = schema["paths"]["/api/v1/volunteers/"]["post"]["responses"]
    assert "202" in answers and "201" not in answers
    components = schema["components"]["schemas"]

    def resolved(node: dict) -> dict:
        ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
        return components[ref.rsplit("/", 1)[1]] if ref else node

    invited = resolved(answers["202"]["content"]["application/json"]["schema"])
    assert resolved(invited["properties"]["status"])["enum"] == ["invited"]
    assert {"phone", "name", "expires_at"} <= invited["properties"].keys()


# --- who may invite ----------------------------------------------------------------------------------


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_anonymous_cannot_invite(api):
    assert _add(api, NEW).status_code == 401
    assert not VolunteerInvitation.objects.exists()


def test_a_volunteer_cannot_invite(association):
    volunteer = VolunteerFactory(association=association)
    assert _add(_token_client(volunteer.user), NEW).status_code == 403
    assert not VolunteerInvitation.objects.exists()


def test_a_prefecture_organizer_cannot_invite(association):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    response = _add(_token_client(OrganizerFactory(association=prefecture).user), NEW)
    assert response.status_code == 403
    assert not VolunteerInvitation.objects.exists() and not Notification.objects.exists()


def test_organizers_do_not_add_volunteers_in_the_admin(organizer_client):
    # The add form would say whether a number is registered elsewhere; organizers invite instead.
    assert organizer_client.get("/admin/volunteers/volunteer/add/").status_code == 403
    response = organizer_client.post("/admin/volunteers/volunteer/add/", {"phone": NEW[3:], "name": "李明"})
    assert response.status_code == 403 and not Volunteer.objects.exists()


def test_organizers_list_their_own_invitations_with_masked_numbers(organizer_api, association, elsewhere):
    _add(organizer_api, NEW)
    _add(organizer_api, TAKEN)
    neighbour_organizer = OrganizerFactory(association=elsewhere.association).user
    _add(_token_client(neighbour_organizer), "+8613612345678")
    listed = organizer_api.get("/api/v1/volunteer-invitations/").json()["results"]
    assert sorted(i["phone"] for i in listed) == ["137****5678", "139****5678"]
    assert {i["status"] for i in listed} == {"pending"}
    assert {tuple(sorted(i)) for i in listed} == {tuple(sorted(listed[0]))}  # one shape for every number


def test_volunteers_and_anonymous_do_not_list_invitations(api, association):
    volunteer = VolunteerFactory(association=association)
    assert api.get("/api/v1/volunteer-invitations/").status_code == 401
    assert _token_client(volunteer.user).get("/api/v1/volunteer-invitations/").status_code == 403


# --- accepting on the phone --------------------------------------------------------------------------


def test_a_new_number_sets_a_password_consents_and_becomes_a_volunteer_of_the_inviting_association(
    organizer_api, association
):
    org = OrganizationFactory(association=association)
    _add(organizer_api, NEW, is_expert=True, skills=["农技"], organizations=[org.id])
    phone = Client()
    page = phone.get(_link(NEW))
    assert page.status_code == 200 and "137****5678" in page.content.decode()
    refused = phone.post(_link(NEW), {"password": "Kx-secret-2026"})  # no consent
    assert refused.status_code == 200 and "consent" in refused.context["form"].errors
    assert not Volunteer.objects.exists()

    accepted = phone.post(_link(NEW), {"password": "Kx-secret-2026", "consent": "on"})
    assert accepted.status_code == 302
    volunteer = Volunteer.objects.get(phone=NEW)
    assert (volunteer.association, volunteer.name, volunteer.is_expert) == (association, "李明", True)
    assert list(volunteer.skills.values_list("name", flat=True)) == ["农技"]
    assert list(volunteer.organizations.all()) == [org]
    assert VolunteerInvitation.objects.get().volunteer == volunteer
    assert phone.get("/v/me/").status_code == 200  # signed in
    assert Client().post("/v/login/", {"phone": NEW[3:], "password": "Kx-secret-2026"}).status_code == 302


def test_a_volunteer_of_another_association_signs_in_and_confirms_the_move(organizer_api, association, elsewhere):
    _add(organizer_api, TAKEN, name="冒名者")
    phone = Client()
    first = phone.get(_link(TAKEN))
    assert first.context["step"] == "sign_in"
    assert phone.post(_link(TAKEN), {"confirm": "on"}).context["step"] == "sign_in"  # not signed in: no move
    assert Volunteer.objects.get(pk=elsewhere.pk).association_id == elsewhere.association_id

    phone.post("/v/login/", {"phone": TAKEN[3:], "password": PASSWORD})
    assert phone.get(_link(TAKEN)).context["step"] == "move"
    assert phone.post(_link(TAKEN), {"confirm": "on"}).status_code == 302
    moved = Volunteer.objects.get(pk=elsewhere.pk)
    assert (moved.association, moved.name) == (association, "王大山")  # their own name, not the one typed
    signup = SignUp.objects.get(volunteer=moved)
    assert (signup.status, signup.hours) == ("attended", Decimal("2.50"))  # their record goes with them


def test_another_volunteer_signed_in_cannot_accept_someone_elses_move(organizer_api, association, elsewhere):
    _add(organizer_api, TAKEN)
    intruder = Client()
    intruder.force_login(VolunteerFactory(association=association).user)
    assert intruder.post(_link(TAKEN), {"confirm": "on"}).context["step"] == "sign_in"
    assert Volunteer.objects.get(pk=elsewhere.pk).association_id == elsewhere.association_id


def test_an_expired_link_says_so_and_changes_nothing(organizer_api):
    _add(organizer_api, NEW)
    VolunteerInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(_link(NEW), {"password": "Kx-secret-2026", "consent": "on"})
    assert response.status_code == 410
    assert "过期" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_a_used_link_says_so(organizer_api):
    _add(organizer_api, NEW)
    Client().post(_link(NEW), {"password": "Kx-secret-2026", "consent": "on"})
    again = Client().post(_link(NEW), {"password": "Other-secret-2026", "consent": "on"})
    assert again.status_code == 410 and "已被接受" in again.content.decode()
    assert Volunteer.objects.count() == 1


def test_an_unknown_link_is_a_404_with_a_message():
    response = Client().get("/v/join/not-a-token/")
    assert response.status_code == 404 and "链接无效" in response.content.decode()


def test_the_join_page_has_no_inline_script(organizer_api):
    _add(organizer_api, NEW)
    page = Client().get(_link(NEW)).content.decode()
    assert "<script" not in page and " on" + "click=" not in page


# --- the import --------------------------------------------------------------------------------------


def _csv(rows: str) -> io.BytesIO:
    upload = io.BytesIO(("姓名,手机号\n" + rows).encode())
    upload.name = "list.csv"
    return upload


def test_the_import_report_is_alike_for_new_and_taken_numbers(organizer_client, association, elsewhere):
    response = organizer_client.post("/v/org/import/", {"file": _csv(f"李明,{NEW[3:]}\n王冒名,{TAKEN[3:]}\n")})
    report = response.context["report"]
    assert report["invited"] == 2 and "refused" not in report
    assert [(r["row"], r["ok"], r["result"], r["message"]) for r in report["rows"]] == [
        (2, True, "invited", ""),
        (3, True, "invited", ""),
    ]
    assert list(Volunteer.objects.values_list("phone", "association")) == [(TAKEN, elsewhere.association_id)]
    assert Notification.objects.filter(kind="volunteer_invitation").count() == 2
    page = response.content.decode()
    assert "137****5678" in page and "139****5678" in page  # the pending invitations, masked alike


def test_an_import_with_a_wrong_row_invites_nobody(organizer_client, association):
    VolunteerFactory(association=association, phone=NEW)
    response = organizer_client.post(
        "/v/org/import/", {"file": _csv(f"李明,{NEW[3:]}\n王五,{TAKEN[3:]}\n赵六,{TAKEN[3:]}\n")}
    )
    report = response.context["report"]
    assert report["refused"] and [(r["row"], r["ok"]) for r in report["rows"]] == [(2, False), (4, False)]
    assert not VolunteerInvitation.objects.exists() and not Notification.objects.exists()


def test_a_prefecture_organizer_cannot_import(client, association):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    client.force_login(OrganizerFactory(association=prefecture).user)
    assert client.post("/v/org/import/", {"file": _csv(f"李明,{NEW[3:]}\n")}).status_code == 403
    assert not VolunteerInvitation.objects.exists()


def test_invite_then_accept_through_the_services(association, organizer):
    invitation = services.volunteer_invite(association=association, invited_by=organizer, phone=NEW, name="李明")
    volunteer = services.invitation_accept_new(invitation=invitation, password_hash="!")
    assert volunteer.association == association
    with pytest.raises(services.InvitationClosed) as closed:
        services.invitation_accept_new(invitation=invitation, password_hash="!")
    assert closed.value.code == "accepted"


def test_a_shift_of_the_new_association_is_open_to_the_moved_volunteer(organizer_api, association, elsewhere):
    _add(organizer_api, TAKEN)
    invitation = VolunteerInvitation.objects.get()
    services.invitation_accept_move(invitation=invitation, volunteer=elsewhere)
    shift = UpcomingShiftFactory(event__association=association)
    assert services.shift_signup(shift=shift, volunteer=Volunteer.objects.get(pk=elsewhere.pk)).status == "confirmed"
