"""/v/register/ answers alike whether a number is new or taken: only the phone's owner learns which."""

import re

import pytest
from django.test import Client

from notifications.models import Notification
from tests.factories import PASSWORD, VolunteerFactory
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

TAKEN = "+8613912345678"
NEW = "+8613712345678"


@pytest.fixture
def owner(association):
    return VolunteerFactory(association=association, phone=TAKEN, name="王大山")


def _register(client: Client, association, phone: str, password: str = "Attacker-2026!"):
    return client.post(
        "/v/register/",
        {"phone": phone, "name": "冒名者", "password": password, "association": association.id, "consent": "on"},
    )


def _sms_to(phone: str) -> str:
    return Notification.objects.filter(kind="login_code", address=phone).latest("created_at").body


def _page(response, masked_phone: str) -> str:
    """The page as anyone sees it, without what differs by design: the masked number and the CSRF token."""
    text = response.content.decode().replace(masked_phone, "…")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def _code_in(text: str) -> str:
    return re.search(r"\d{6}", text).group()


def test_a_new_and_a_taken_number_get_the_same_answer(association, owner):
    new, taken = Client(), Client()
    answers = [_register(new, association, NEW[3:]), _register(taken, association, TAKEN[3:])]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == "/v/register/confirm/"
    pages = [new.get("/v/register/confirm/"), taken.get("/v/register/confirm/")]
    assert _page(pages[0], "137****5678") == _page(pages[1], "139****5678")


def test_a_wrong_code_gets_the_same_answer_for_a_new_and_a_taken_number(association, owner):
    new, taken = Client(), Client()
    _register(new, association, NEW[3:])
    _register(taken, association, TAKEN[3:])
    wrong = [c.post("/v/register/confirm/", {"code": "000000"}) for c in (new, taken)]
    assert [w.status_code for w in wrong] == [200, 200]
    assert "验证码错误或已过期" in wrong[0].content.decode()
    assert _page(wrong[0], "137****5678") == _page(wrong[1], "139****5678")


def test_registering_a_taken_number_changes_nothing_and_its_password_does_not_sign_in(association, owner):
    attacker = Client()
    _register(attacker, association, TAKEN[3:], password="Attacker-2026!")
    owner.refresh_from_db()
    assert owner.name == "王大山" and owner.user.check_password(PASSWORD)
    assert attacker.post("/v/login/", {"phone": TAKEN, "password": "Attacker-2026!"}).status_code == 200
    assert Volunteer.objects.count() == 1


def test_the_owner_of_a_taken_number_is_told_and_signs_in_with_the_code(association, owner):
    browser = Client()
    _register(browser, association, TAKEN[3:])
    sms = _sms_to(TAKEN)
    assert "有人尝试用您的手机号注册" in sms
    response = browser.post("/v/register/confirm/", {"code": _code_in(sms)})
    assert response.status_code == 302
    assert int(browser.session["_auth_user_id"]) == owner.user_id
    owner.refresh_from_db()
    assert owner.name == "王大山" and owner.user.check_password(PASSWORD)  # the typed details were dropped


def test_a_new_number_has_no_account_until_its_code_comes_back(association):
    browser = Client()
    _register(browser, association, NEW[3:], password="Guoshu-2026!")
    assert not Volunteer.objects.exists()
    assert Client().post("/v/login/", {"phone": NEW, "password": "Guoshu-2026!"}).status_code == 200
    sms = _sms_to(NEW)
    assert "注册验证码" in sms
    assert browser.post("/v/register/confirm/", {"code": _code_in(sms)}).status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.phone, volunteer.name, volunteer.association) == (NEW, "冒名者", association)
    assert volunteer.user.check_password("Guoshu-2026!")
    assert int(browser.session["_auth_user_id"]) == volunteer.user_id


def test_registering_again_too_soon_gets_the_same_wait_for_a_new_and_a_taken_number(association, owner):
    answers = []
    for phone in (NEW[3:], TAKEN[3:]):
        _register(Client(), association, phone)
        answers.append(_register(Client(), association, phone))
    assert [a.status_code for a in answers] == [200, 200]
    assert all("稍后" in a.content.decode() or "秒后" in a.content.decode() for a in answers)
    assert Volunteer.objects.count() == 1
