"""Reads that may go to a PostgreSQL streaming replica (DATABASE_REPLICA_URL), and only those.

Nothing reads from the replica unless it asks to: the dashboards, the exports and the summary (and any
other report that opts in, the statistics form say) wrap their reading in `reads()` (or decorate their
view with `replica_reads`). Inside, the ORM's reads go to the replica (ReplicaRouter); every write,
anywhere, goes to the primary. A read goes to the primary instead when

- the request is a write (POST, PUT, PATCH, DELETE), or a write of this request already happened: a
  request reads its own writes;
- the browser wrote within the last DATABASE_REPLICA_PIN_SECONDS: the middleware gave it a signed
  cookie after its write, so the page it is sent to next sees what it just did;
- the replica lags more than DATABASE_REPLICA_MAX_LAG_SECONDS behind the primary, or does not answer
  (measured at most once a second per process, `replica_lag_seconds`);
- a transaction on the primary is open around the reads (its writes are not committed, so no replica
  has them).

Without DATABASE_REPLICA_URL there is no replica alias and no router: `reads()` changes nothing.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.signing import BadSignature
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"  # the alias of DATABASES that kepu/settings.py adds when DATABASE_REPLICA_URL is set
PIN_COOKIE = "kepu_primary"  # the browser wrote just now: read from the primary until the cookie expires
PIN_SALT = "kepu.replica.pin"
LAG_CHECK_SECONDS = 1.0  # a lag measured this recently is reused (per process) instead of asked again
DOWN_CHECK_SECONDS = 10.0  # a replica that did not answer is asked again after this long, not at every request
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# On the replica: 0 when it has replayed all it received, else how old its last replayed transaction is
# (NULL when it replayed none since it started: its lag is unknown). A bare `now() - replay timestamp`
# would grow while the primary is idle; comparing the two positions keeps an idle replica at 0.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass
class _Reads:
    """One request's (or one `reads()` block's) reading: where it reads, and whether it wrote."""

    pinned: bool = False  # read from the primary whatever happens (a write request, a recent write)
    wrote: bool = False
    replica: bool = False  # inside `reads()`, and the replica was fit to read from on entry


_current: ContextVar[_Reads | None] = ContextVar("kepu_replica_reads", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


# --- The replica's lag ---------------------------------------------------------------------------------------

_lag_lock = threading.Lock()
_lag_measured: tuple[float, float | None] | None = None  # (time.monotonic() when measured, lag or None)


def replica_lag_seconds() -> float | None:
    """How far the replica is behind, in seconds; None when it does not answer or cannot say. Asked at most
    once per LAG_CHECK_SECONDS per process: a busy dashboard does not double its queries."""
    global _lag_measured
    with _lag_lock:
        if _lag_measured is not None:
            measured_at, lag = _lag_measured
            if time.monotonic() - measured_at < (LAG_CHECK_SECONDS if lag is not None else DOWN_CHECK_SECONDS):
                return lag
    lag = _measure_lag()
    with _lag_lock:
        _lag_measured = (time.monotonic(), lag)
    return lag


def _measure_lag() -> float | None:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError:
        logger.warning("The read replica does not answer; reading from the primary.", exc_info=True)
        connections[REPLICA].close()  # a fresh connection next time, once it is back
        return None
    return None if lag is None else max(float(lag), 0.0)


def forget_lag() -> None:
    """Measure again at the next read (tests, after pausing or resuming the replica)."""
    global _lag_measured
    with _lag_lock:
        _lag_measured = None


def replica_is_fresh() -> bool:
    lag = replica_lag_seconds()
    return lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


# --- Choosing where reads go ------------------------------------------------------------------------------------


def reading_from_replica() -> bool:
    reads = _current.get()
    return reads is not None and reads.replica and not reads.wrote and not reads.pinned


def read_alias() -> str:
    """The alias this code reads from now: for raw SQL (`connections[read_alias()].cursor()`)."""
    return REPLICA if reading_from_replica() else DEFAULT_DB_ALIAS


def note_write() -> None:
    """A write happened: the rest of this request (or block) reads from the primary."""
    reads = _current.get()
    if reads is not None:
        reads.wrote = True


@contextmanager
def reads() -> Iterator[None]:
    """Within, the ORM's reads go to the replica if it is fit to read from (see the module's docstring)."""
    outer = _current.get()
    if not configured():
        yield
        return
    pinned = outer is not None and (outer.pinned or outer.wrote)
    inner = _Reads(pinned=pinned)
    # A transaction open on the primary may hold writes no replica has: read them where they are.
    if not pinned and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        inner.replica = replica_is_fresh()
    token = _current.set(inner)
    try:
        yield
    finally:
        _current.reset(token)
        if outer is not None and inner.wrote:
            outer.wrote = True


@contextmanager
def primary() -> Iterator[None]:
    """Within, reads go to the primary even inside `reads()`: for code that reads what it is about to write."""
    token = _current.set(_Reads(pinned=True))
    try:
        yield
    finally:
        _current.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def replica_reads(view: F) -> F:
    """A view (or any function) whose reads may go to the replica: `reads()` around its call."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with reads():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """Installed only with DATABASE_REPLICA_URL. Reads go to the replica only inside `reads()`; writes always
    to the primary, even of an object read from the replica (Django would otherwise save it where it came
    from)."""

    def db_for_read(self, model, **hints) -> str:
        return REPLICA if reading_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # One database seen twice: an object read from the replica may point to one read from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary's schema by itself


# --- Requests ------------------------------------------------------------------------------------------------


class ReplicaMiddleware:
    """Knows, per request, whether reads must stay on the primary: a write request, or a browser that wrote
    within DATABASE_REPLICA_PIN_SECONDS (the signed cookie); after a request that wrote, sets that cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        reads = _Reads(pinned=request.method in UNSAFE_METHODS or _pinned_by_cookie(request))
        token = _current.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if reads.wrote or request.method in UNSAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _pinned_by_cookie(request: HttpRequest) -> bool:
    try:
        request.get_signed_cookie(PIN_COOKIE, salt=PIN_SALT, max_age=settings.DATABASE_REPLICA_PIN_SECONDS)
    except (KeyError, BadSignature):  # no cookie, a forged one, or one older than the pin (SignatureExpired)
        return False
    return True
