"""Sign-in protection: failures lock out an account and an address, on every sign-in path (kepu/logins.py)."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from kepu import login_codes
from tests.factories import PASSWORD, AssociationFactory, OrganizerFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


def _token(username: str, password: str, ip: str = ATTACKER, language: str = "zh-hans"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE=language
    )


def _fail_tokens(username: str, ip: str = ATTACKER, times: int = LIMIT) -> None:
    for _ in range(times):
        _token(username, "wrong-guess", ip)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Many sign-ins per test: a cheap hasher keeps them quick (what is counted does not depend on it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return OrganizerFactory().user


# --- The API token ------------------------------------------------------------------------------


def test_the_right_password_is_refused_after_the_limit_of_failures(staff):
    assert _token(staff.username, PASSWORD).status_code == 200
    _fail_tokens(staff.username)
    response = _token(staff.username, PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()


def test_failures_below_the_limit_lock_nothing(staff):
    _fail_tokens(staff.username, times=LIMIT - 1)
    assert _token(staff.username, PASSWORD).status_code == 200


def test_the_lockout_message_is_in_the_requests_language(staff):
    _fail_tokens(staff.username)
    assert "登录失败次数过多" in _token(staff.username, PASSWORD).json()["detail"]
    assert "登入失敗次數過多" in _token(staff.username, PASSWORD, language="zh-hant").json()["detail"]
    assert "Too many failed sign-ins" in _token(staff.username, PASSWORD, language="en").json()["detail"]


def test_a_locked_account_is_locked_from_every_address(staff):
    _fail_tokens(staff.username)
    assert _token(staff.username, PASSWORD, ip=ELSEWHERE).status_code == 429


def test_a_locked_address_is_locked_for_every_account(staff):
    for number in range(LIMIT):
        _token(f"nobody{number}", "guess")  # spraying many accounts from one address
    other = OrganizerFactory().user
    assert _token(other.username, PASSWORD).status_code == 429
    assert _token(other.username, PASSWORD, ip=ELSEWHERE).status_code == 200


def test_another_account_from_another_address_is_not_locked_by_it(staff):
    _fail_tokens(staff.username)
    other = OrganizerFactory().user
    assert _token(other.username, PASSWORD, ip=ELSEWHERE).status_code == 200


def test_a_forwarded_for_header_does_not_change_the_counted_address(staff):
    for number in range(LIMIT):
        APIClient(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.0.0.{number}").post(
            "/api/v1/auth/token/", {"username": f"nobody{number}", "password": "guess"}
        )
    assert _token(staff.username, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def via_proxy(username, password, client_ip):
        return APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_ip}").post(
            "/api/v1/auth/token/", {"username": username, "password": password}
        )

    for number in range(LIMIT):
        via_proxy(f"nobody{number}", "guess", ATTACKER)
    assert via_proxy(staff.username, PASSWORD, ATTACKER).status_code == 429
    assert via_proxy(staff.username, PASSWORD, ELSEWHERE).status_code == 200  # the proxy itself is not locked


# --- The volunteers' page, the admin, the login code ------------------------------------------


def test_volunteer_login_page_refuses_the_right_password_when_locked_and_says_why():
    volunteer = VolunteerFactory(phone="+8613912345678")
    browser = Client(REMOTE_ADDR=ATTACKER)
    for written in ("13912345678", "139 1234 5678", "+86 139 1234 5678", "13912345678")[: LIMIT - 1]:
        assert browser.post("/v/login/", {"phone": written, "password": "wrong"}).status_code == 200
    assert browser.post("/v/login/", {"phone": "139-1234-5678", "password": "wrong"}).status_code == 429
    response = browser.post("/v/login/", {"phone": "13912345678", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    assert AccessAttempt.objects.get().username == volunteer.phone  # one count however the number was written


def test_volunteer_login_page_still_signs_in_another_volunteer_from_another_address():
    VolunteerFactory(phone="+8613912345678")
    other = VolunteerFactory(phone="+8613712345678")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(LIMIT):
        attacker.post("/v/login/", {"phone": "13912345678", "password": "wrong"})
    response = Client(REMOTE_ADDR=ELSEWHERE).post("/v/login/", {"phone": "13712345678", "password": PASSWORD})
    assert response.status_code == 302
    assert other.user.username == "+8613712345678"


def test_admin_login_refuses_the_right_password_when_locked_with_a_page(staff):
    browser = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(LIMIT):
        browser.post("/admin/login/", {"username": staff.username, "password": "wrong"})
    response = browser.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_login_code_verify_is_locked_out_after_wrong_codes_even_with_the_right_code():
    volunteer = VolunteerFactory(phone="+8613912345678")
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for _ in range(LIMIT):
        api.post("/api/v1/auth/login-code/verify/", {"phone": "13912345678", "code": "000000"})
    code = _send_code(volunteer.phone)
    response = api.post("/api/v1/auth/login-code/verify/", {"phone": "13912345678", "code": code})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert AccessFailureLog.objects.filter(username=volunteer.phone, locked_out=True).exists()


def test_login_code_verify_still_gives_a_token_for_the_right_code():
    volunteer = VolunteerFactory(phone="+8613912345678")
    code = _send_code(volunteer.phone)
    response = APIClient(REMOTE_ADDR=ELSEWHERE).post(
        "/api/v1/auth/login-code/verify/", {"phone": "13912345678", "code": code}
    )
    assert response.status_code == 200 and response.json()["token"]


def _send_code(phone: str) -> str:
    sent = {}
    original = login_codes.secrets.randbelow

    def remember(bound: int) -> int:
        sent["code"] = original(bound)
        return sent["code"]

    login_codes.secrets.randbelow = remember
    try:
        login_codes.login_code_send(phone=phone)
    finally:
        login_codes.secrets.randbelow = original
    return f"{sent['code']:06d}"


# --- The organizers' log --------------------------------------------------------------------------


def _admin_page(user: User, path: str) -> str:
    browser = Client()
    browser.force_login(user)
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_organizers_see_failed_sign_ins_of_their_own_associations_people_only():
    own, other = AssociationFactory(), AssociationFactory()
    organizer = OrganizerFactory(association=own).user
    colleague = OrganizerFactory(association=own).user
    volunteer = VolunteerFactory(association=own, phone="+8613912345678")
    stranger = VolunteerFactory(association=other, phone="+8613712345678")
    for username in (colleague.username, volunteer.phone, stranger.phone, "nobody"):
        _token(username, "wrong")
    for page in ("/admin/axes/accessfailurelog/", "/admin/axes/accessattempt/"):
        listed = _admin_page(organizer, page)
        assert colleague.username in listed and "+8613912345678" in listed
        assert "+8613712345678" not in listed and "nobody" not in listed
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    everything = _admin_page(superuser, "/admin/axes/accessfailurelog/")
    assert "+8613712345678" in everything and "nobody" in everything


def test_organizers_only_read_the_log_and_superusers_lift_a_lockout():
    own = AssociationFactory()
    organizer = OrganizerFactory(association=own).user
    locked = OrganizerFactory(association=own).user
    _fail_tokens(locked.username)
    attempt = AccessAttempt.objects.get(username=locked.username)
    browser = Client()
    browser.force_login(organizer)
    assert browser.post(f"/admin/axes/accessattempt/{attempt.id}/delete/", {"post": "yes"}).status_code == 403
    assert _token(locked.username, PASSWORD, ip=ELSEWHERE).status_code == 429

    superuser = User.objects.create_superuser("root", password=PASSWORD)
    browser.force_login(superuser)
    assert browser.post(f"/admin/axes/accessattempt/{attempt.id}/delete/", {"post": "yes"}).status_code == 302
    assert _token(locked.username, PASSWORD, ip=ELSEWHERE).status_code == 200
