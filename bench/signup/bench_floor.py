"""The floor: the least a sign-up can do. One conditional UPDATE of the shift's places and one INSERT of the
sign-up, bare SQL in one transaction; no authentication, no checks, no notification, no middleware (see
bench_wsgi). The volunteer comes in a header, as nobody asks who they are."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone

CLAIM = "UPDATE volunteers_shift SET taken = taken + 1 WHERE id = %s AND taken < capacity"
INSERT = (
    "INSERT INTO volunteers_signup (shift_id, volunteer_id, status, created_at, hours_source)"
    " VALUES (%s, %s, %s, %s, '') RETURNING id"
)


def floor(request, shift_id: int):
    volunteer_id = int(request.headers["X-Volunteer"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM, [shift_id])
        status = "confirmed" if cursor.rowcount == 1 else "waitlisted"
        cursor.execute(INSERT, [shift_id, volunteer_id, status, timezone.now()])
        signup_id = cursor.fetchone()[0]
    return JsonResponse({"id": signup_id, "status": status}, status=201)
