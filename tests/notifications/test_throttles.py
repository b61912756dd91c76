"""Login codes are rate-limited per client address and per phone number (REST_FRAMEWORK's throttle rates)."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from kepu.login_codes import LoginCodePhoneThrottle, LoginCodeThrottle

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/login-code/"
VERIFY = "/api/v1/auth/login-code/verify/"


def test_both_throttles_have_a_rate_configured():
    """DRF lets every request through a throttle without a rate: both must have one from the settings."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert LoginCodeThrottle().rate == rates["login_code_ip"]
    assert LoginCodePhoneThrottle().rate == rates["login_code_phone"]


def test_requests_beyond_the_rate_per_address_get_429():
    allowed = int(LoginCodeThrottle().rate.split("/")[0])
    attacker = APIClient(REMOTE_ADDR="203.0.113.7")
    for number in range(allowed):  # a different number each time: the per-number limits never trip
        assert attacker.post(SEND, {"phone": f"1391234{number:04d}"}).status_code == 202
    refused = attacker.post(SEND, {"phone": "13712345678"})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert "Retry-After" in refused
    assert APIClient(REMOTE_ADDR="198.51.100.20").post(SEND, {"phone": "13712345678"}).status_code == 202


def test_requests_beyond_the_rate_per_number_get_429_from_any_address(monkeypatch):
    monkeypatch.setitem(LoginCodePhoneThrottle.THROTTLE_RATES, "login_code_phone", "3/hour")
    for number, written in enumerate(("13912345678", "139 1234 5678", "+86 139-1234-5678")):
        client = APIClient(REMOTE_ADDR=f"198.51.100.{number}")
        assert client.post(VERIFY, {"phone": written, "code": "000000"}).status_code == 400
    refused = APIClient(REMOTE_ADDR="198.51.100.99").post(VERIFY, {"phone": "13912345678", "code": "000000"})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    other_number = APIClient(REMOTE_ADDR="198.51.100.99").post(VERIFY, {"phone": "13712345678", "code": "000000"})
    assert other_number.status_code == 400
