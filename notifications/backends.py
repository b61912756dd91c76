"""Signing in with a one-time login code, as an authentication backend.

So the code goes through `authenticate()` like a password does: django-axes counts its
failures per phone number and per address and refuses a locked-out one (kepu/logins.py).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from . import services


class LoginCodeBackend(ModelBackend):
    # "one_time_password" rather than "code": Django masks credentials named like a password in
    # the user_login_failed signal, so the code never reaches a log.
    # `password` is there because Django offers a password sign-in to every backend: this one ignores it.
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        one_time_password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or one_time_password is None:
            return None
        user: User | None = services.login_code_verify(phone=username, code=one_time_password)
        return user if user is not None and self.user_can_authenticate(user) else None
