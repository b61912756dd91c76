"""The floor: the least a Django check-in view can do. One SELECT of the registration, one INSERT of the
check-in; no authentication, no permission, no idempotency, no log, no middleware (see bench_wsgi)."""

import json
import uuid

from django.http import JsonResponse
from django.utils import timezone

from checkin.models import CheckIn, Registration


def floor(request):
    body = json.loads(request.body)
    registration = Registration.objects.only("id", "attendee_id", "event_id").get(code=body["code"])
    CheckIn.objects.create(
        event_id=registration.event_id,
        attendee_id=registration.attendee_id,
        registration_id=registration.id,
        method="staff_scan",
        client_id=uuid.UUID(body["client_id"]),
        scanned_at=timezone.now(),
    )
    return JsonResponse({"status": "ok"})
