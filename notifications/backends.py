"""Signing in with a one-time login code, as an authentication backend.

So the code goes through `authenticate()` like a password does: django-axes counts its
failures per phone number and per address and refuses a locked-out one (kepu/logins.py).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User

from . import services


class LoginCodeBackend(ModelBackend):
    # "one_time_password" rather than "code": Django masks credentials named like a password in
    # the user_login_failed signal, so the code never reaches a log.
    def authenticate(self, request, username: str | None = None, one_time_password: str | None = None, **kwargs):
        if username is None or one_time_password is None:
            return None
        user: User | None = services.login_code_verify(phone=username, code=one_time_password)
        return user if user is not None and self.user_can_authenticate(user) else None
