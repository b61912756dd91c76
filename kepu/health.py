"""GET /healthz: can this instance reach its database and its broker?"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the message says which
        return False, str(exc)
    return True, connection.vendor


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return False, str(exc)
    return True, str(transport)


@never_cache
def healthz(request):
    database_ok, database_info = _database_ok()
    broker_ok, broker_info = _broker_ok()
    body = {
        "status": "ok" if database_ok and broker_ok else "unavailable",
        "database": {"ok": database_ok, "detail": database_info},
        "broker": {"ok": broker_ok, "detail": broker_info},
    }
    return JsonResponse(body, status=200 if database_ok and broker_ok else 503)
