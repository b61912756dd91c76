"""The desk's home (/desk/): today's and this week's events, what needs a hand; sign-in and sign-out."""

from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kepu import access
from kepu.logins import lockout_message

from .. import selectors
from .common import organizer_required

# How often the home page's today's events refresh their counts (desk/static/desk/refresh.js).
REFRESH_SECONDS = 30


@organizer_required
@require_GET
def home(request):
    """What an organizer opens every morning. `?part=today`: only today's events, which desk/refresh.js
    fetches every half minute so the counts stay live without a reload."""
    if request.GET.get("part") == "today":
        return render(
            request,
            "desk/_event_rows.html",
            {"events": selectors.todays_events(request.user), "time_only": True, "empty_text": _("No events today.")},
        )
    return render(
        request,
        "desk/home.html",
        {
            "home": selectors.home(request.user),
            "association": access.association_of(request.user),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


class LoginView(auth_views.LoginView):
    """The desk's sign-in: Django's form, which passes the request to authenticate(), so django-axes counts
    failures and locks out as on every other sign-in path (kepu/logins.py)."""

    template_name = "desk/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("desk-home")

    def get_redirect_url(self):
        # A `next` naming this page would send a signed-in user round in a loop (Django answers that with an
        # error): the desk's home instead.
        url = super().get_redirect_url()
        return "" if url.split("?")[0] == reverse("desk-login") else url

    def form_valid(self, form):
        response = super().form_valid(form)
        if access.is_organizer(self.request.user):
            return response
        # A superuser without an organizer profile keeps the admin; a volunteer has their own pages.
        return redirect("admin:index" if self.request.user.is_superuser else "v-events")

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            # Locked out: said on the form, 429 (kepu.logins.lockout_response keeps a 429 page as it is).
            form.errors.clear()
            form.add_error(None, lockout_message(self.request))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django asks), back to the desk's sign-in page."""

    next_page = "desk-login"

    def post(self, request, *args, **kwargs):
        auth.logout(request)
        return redirect(self.next_page)


_login = LoginView.as_view()


@require_http_methods(["GET", "POST"])
def login(request):
    """The sign-in page (GET, and POST to sign in); see LoginView."""
    return _login(request)


urlpatterns: list = [
    path("", home, name="desk-home"),
    path("login/", login, name="desk-login"),
    path("logout/", LogoutView.as_view(), name="desk-logout"),
]
