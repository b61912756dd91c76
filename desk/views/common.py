"""What every desk page needs: who may open it, and the association it works for."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

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
