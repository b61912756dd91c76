"""The volunteer's inbox on the phone pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required(login_url="v-login")
def inbox(request):
    messages = list(selectors.inbox_of(request.user)[:100])
    context = {"messages": messages, "unread": selectors.inbox_unread_count(request.user)}
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def inbox_read(request, notification_id: int):
    services.inbox_mark_read(user=request.user, notification_id=notification_id)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    services.inbox_mark_read(user=request.user)
    return redirect("inbox")
