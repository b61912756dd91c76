"""What every desk page needs: who may open it, and the association it works for."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kepu import access


def organizer_required(view):
    """Organizers only: anonymous users go to the login page, volunteers to their own pages, and a superuser
    who works for no association to the admin (the desk's pages all speak for one association)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.is_organizer(request.user):
            return redirect("admin:index" if request.user.is_superuser else "v-events")
        return view(request, *args, **kwargs)

    return wrapped


def association_organizer_required(view):
    """Organizers of the whole association only (kepu.access.holds_association): the pages of its campaigns
    and of its people's personal data. A township organizer or a partner account is refused (403); others
    are sent on as by `organizer_required`."""

    @organizer_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.holds_association(request.user):
            raise PermissionDenied(_("Your account works on its own events only."))
        return view(request, *args, **kwargs)

    return wrapped
