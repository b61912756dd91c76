"""Kepu settings: one file, read from the environment.

With nothing set, Kepu runs on SQLite with a file-system Celery broker, so
`make run` works on a bare machine. Production sets DATABASE_URL and
REDIS_URL (see docker-compose.yml).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the embedded default (SQLite, broker folders)

env = environ.Env()
VAR_DIR.mkdir(exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
# The built-in key is public (it is in this file): fine on a developer's machine, refused in production
# (DEBUG=false), where it would let anyone forge sessions, password-reset links and signed values.
DEVELOPMENT_SECRET_KEY = "kepu-insecure-development-key-change-me-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key, and DEBUG is false. Set SECRET_KEY to a long random "
        "value of your own (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=true "
        "on a developer's machine."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by Kepu itself: no CDN reachable in a county office
    "django_celery_beat",
    "axes",  # sign-in protection: see "Sign-in protection" below
    "csp",  # Content-Security-Policy: see "Production" below
    "kepu",
    "events",
    "volunteers",
    "checkin",
    "notifications",
    "outreach",  # the association's registers beyond events: science-popularization sites
    "stats",
    "survey",  # the national science-popularization statistics form, filled from the records
    "reporting",  # submissions up to the parent association and its roll-up
    "desk",  # the organizer's pages: reads and writes through the apps above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kepu.replica.ReplicaMiddleware",  # before sessions: a session written on the way out counts as a write
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kepu.middleware.BadInputMiddleware",  # after LocaleMiddleware: its 400 speaks the request's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # the Content-Security-Policy header: see "Production" below
    # Last, as axes asks: turns a locked-out sign-in into its answer (kepu.logins.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kepu.urls"
WSGI_APPLICATION = "kepu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # kepu/templates first: its admin/base_site.html adds "Back to the desk" to django.contrib.admin's pages
        # (the admin app comes before kepu in INSTALLED_APPS, so the app loader alone would find the admin's own).
        "DIRS": [BASE_DIR / "kepu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Production: HTTPS, cookies, Content-Security-Policy (README, "Production") -----------------
# Kepu runs behind a TLS-terminating proxy (nginx, Caddy, a cloud load balancer). Cookies are sent
# over HTTPS only unless DEBUG (or SECURE_COOKIES=false for a plain-HTTP trial).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
# Opt-in: the header the proxy sets to say the client came over HTTPS, e.g. HTTP_X_FORWARDED_PROTO
# (the proxy must overwrite it: a client could send it itself). Without it Django sees plain HTTP
# behind the proxy, so SECURE_SSL_REDIRECT would redirect forever and HSTS would never be sent.
if _proxy_ssl_header := env("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check asks over plain HTTP
# Sent on HTTPS answers only; a year once HTTPS works everywhere (README's production settings).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# django-csp: every page, the scanner included. Scripts only from Kepu's own static files (no inline
# script, no eval); styles may be inline (the admin and the pages use style attributes). The scanner
# needs the camera (not a CSP matter), its service worker and fetches to its own origin; QR codes are
# data: images; Swagger UI (/api/docs/) is served by drf-spectacular-sidecar from Kepu's static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Database ---------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "kepu.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker read while the web server writes; IMMEDIATE takes the
    # write lock at BEGIN, so a transaction that reads then writes waits for
    # the lock (up to `timeout`) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-kepu.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Server-side parameters, and a statement run a few times on a connection is prepared: PostgreSQL
        # then stops planning it again. The scan endpoint's lookup took longer to plan than to run
        # (bench/checkin). Set DATABASE_PREPARED_STATEMENTS=false behind a pooler in transaction mode
        # that cannot follow prepared statements (PgBouncer before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

# A PostgreSQL streaming replica (kepu/replica.py, docs/operations.md): the dashboards, exports and the summary
# read from it, everything else (and every write) from DATABASE_URL. Unset: one database.
if _replica_url := env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(_replica_url)
    for _option in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        if _option in DATABASES["default"]:
            DATABASES["replica"][_option] = DATABASES["default"][_option]
    # A replica that is down must not hold a dashboard up: Kepu reads from the primary instead (kepu/replica.py).
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), "connect_timeout": 2}
    # Tests: the replica alias reads the test database of the primary (physical replication copies it).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["kepu.replica.ReplicaRouter"]
# A replica further behind than this (seconds) is not read from: those reads go to the primary.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
# After a write, the browser reads from the primary this long (a signed cookie), so it sees what it just did. At
# least the lag bound plus the lag's 1 s measuring interval: a replica within the bound then has the write.
DATABASE_REPLICA_PIN_SECONDS = env.int(
    "DATABASE_REPLICA_PIN_SECONDS", default=int(DATABASE_REPLICA_MAX_LAG_SECONDS) + 2
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes (unlike locmem): nothing may live in one process's memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The desk's sign-in (desk/views/home.py) for every page behind a login; the admin keeps its own at /admin/login/.
LOGIN_URL = "desk-login"
LOGIN_REDIRECT_URL = "desk-home"

# --- Sign-in protection (django-axes; kepu/logins.py) --------------------------------------------
# axes' backend first: a locked-out account or address is refused before any password or code is
# checked. The login-code backend serves POST /api/v1/auth/login-code/verify/ through the same gate.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "kepu.login_codes.LoginCodeBackend",
]
# Failures are counted per account and, separately, per client address; either reaching the limit
# within the cool-off of its last failure locks it out (429) for the cool-off, and every further
# try during the lockout starts the cool-off again.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "kepu.logins.username_of"  # one count per phone number, however it is written
AXES_CLIENT_IP_CALLABLE = "kepu.logins.client_ip"  # REMOTE_ADDR, or X-Forwarded-For per TRUSTED_PROXY_COUNT
AXES_LOCKOUT_CALLABLE = "kepu.logins.lockout_response"  # 429 with a message in the request's language
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the organizers' log of failed sign-ins (kepu/admin_logins.py)
AXES_ENABLE_ADMIN = False  # kepu/admin_logins.py registers the records, scoped per association
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "code", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
# How many proxies of ours stand in front of Kepu and append to X-Forwarded-For (0: none, the
# connection's address is the client's). A client writes that header itself, so trusting more
# entries than there are proxies would let one client pose as many. DRF's throttles use the same.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Internationalization -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
# Kepu's own catalogs come first. Django merges the catalogs of INSTALLED_APPS with the first app winning,
# and the third-party apps listed before Kepu's translate some of the same words otherwise (django_celery_beat's
# "Name" is 任务名); LOCALE_PATHS outrank every app. tests/kepu/test_translations.py checks that no
# catalog overrides Kepu's strings.
# Kepu's own apps, in INSTALLED_APPS' order.
KEPU_APPS = ["kepu", "events", "volunteers", "checkin", "notifications", "outreach", "stats", "desk"]
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in KEPU_APPS]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Imports (kepu/spreadsheets.py) ------------------------------------------------------
# An uploaded list larger than this is refused before it is read; a sheet declaring or holding
# more rows (below its heading) or columns than these is refused before a row is built.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=50)
# Evidence (photos, scanned sign-in sheets) kept with an event: the largest file an upload accepts.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous write then gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kepu.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kepu.api.exception_handler",
    # The client address for throttles: see TRUSTED_PROXY_COUNT.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # One-time login codes (kepu/login_codes.py): per client address and per phone number.
    "DEFAULT_THROTTLE_RATES": {
        "login_code_ip": env("LOGIN_CODE_RATE_PER_IP", default="30/hour"),
        "login_code_phone": env("LOGIN_CODE_RATE_PER_PHONE", default="10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kepu API",
    "DESCRIPTION": _(
        "Kepu: campaigns, events, volunteers, QR check-in and the annual figures of a county science association."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a field named `method`: the check-in's own keeps a readable name in the schema.
    "ENUM_NAME_OVERRIDES": {"CheckInMethodEnum": "checkin.models.CheckIn.Method"},
}

# --- Celery -------------------------------------------------------------------------
# Redis in production; with nothing configured a broker that needs no server,
# so `make run` still runs a real worker process on a bare machine.
# The file-system broker's URL names a host (which it ignores): without one kombu logs "No hostname was
# supplied" on every connection, which reads like an error in `seed_demo` and `tally`.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
    for _folder in ("queue", "control"):  # the transport expects its folders to exist
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str | int] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None  # figures and states live in the database, not in task results
CELERY_TASK_IGNORE_RESULT = True
# Tasks are written to be safe to repeat, so a task whose worker died is run again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must never hold up a request: try briefly, then leave it to the beat sweeps.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Three queues, so that one kind of work never waits behind another: the door's tally requests (`tallies`),
# messages to people (`notifications`), and long work — reports, exports, recomputes, sweeps of old records
# (`reports`, also the default for any task not routed below). A worker started without -Q consumes all
# three (`make run`); docker-compose.yml runs one worker per queue.
KEPU_QUEUES = ("tallies", "notifications", "reports")
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in KEPU_QUEUES)
CELERY_TASK_DEFAULT_QUEUE = "reports"
CELERY_TASK_ROUTES = {
    "stats.tasks.tally_run": {"queue": "tallies"},
    "stats.tasks.tally_sweep": {"queue": "tallies"},
    "notifications.tasks.*": {"queue": "notifications"},
    "volunteers.tasks.*": {"queue": "notifications"},
}
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Periodic work, installed into the database scheduler (editable in the admin
# under "Periodic tasks"). Each sweep is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "mark-finished-events-done": {"task": "events.tasks.mark_finished_events_done", "schedule": 15 * 60},
    # notifications: hand out queued messages no worker took (broker down, retries due, dead workers)
    "notifications-dispatch-due": {"task": "notifications.tasks.dispatch_due_notifications", "schedule": 30},
    # volunteers: record the shift reminders that have come due (the entry keeps its name, so the
    # DatabaseScheduler updates its row's task on start rather than keeping a row for a task that is gone)
    "notifications-record-reminders": {"task": "volunteers.tasks.record_due_reminders", "schedule": 5 * 60},
    # stats: tallies follow the records (a sweep for what no worker did) and a full recompute every night
    "stats-tally-sweep": {"task": "stats.tasks.tally_sweep", "schedule": 60},
    "stats-tally-nightly": {"task": "stats.tasks.tally_nightly", "schedule": crontab(hour=2, minute=30)},
    # privacy: attendees' names and phones go once the retention period has passed (docs/privacy.md)
    "privacy-anonymize-expired": {
        "task": "kepu.tasks.anonymize_expired_personal_data",
        "schedule": crontab(hour=3, minute=40),
    },
}

# --- Personal data (kepu/privacy.py, docs/privacy.md) ------------------------------------------------------
# Days after an attendee's last event (or campaign) ends before their name and phone are removed; the figures
# stay. Three years by default: a work summary's records are checked for a few years after it is written.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=1095)

# --- Backups (kepu/backups.py, docs/operations.md) ------------------------------------------------------
# The embedded default (SQLite) backs itself up every night: the database through SQLite's online backup and
# MEDIA_ROOT as an archive, into BACKUP_DIR, keeping BACKUP_KEEP_DAYS days. On PostgreSQL the compose file's
# backup service does it (pg_dump), with the same two settings.
BACKUP_DIR = env("BACKUP_DIR", default=str(VAR_DIR / "backups"))
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=14)
BACKUP_HOUR = env.int("BACKUP_HOUR", default=3)  # local time (TIME_ZONE)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    CELERY_BEAT_SCHEDULE["kepu-backup-nightly"] = {
        "task": "kepu.tasks.backup_nightly",
        "schedule": crontab(hour=BACKUP_HOUR, minute=0),
    }

# --- Statistics (stats app) -------------------------------------------------------------------------
# stats: seconds a burst of changes is gathered before a tally run, and a claim outlives a dead worker.
STATS_TALLY_DEBOUNCE_SECONDS = env.float("STATS_TALLY_DEBOUNCE_SECONDS", default=2)
STATS_TALLY_LEASE_SECONDS = env.float("STATS_TALLY_LEASE_SECONDS", default=300)
STATS_TALLY_PAUSE_SECONDS = env.float("STATS_TALLY_PAUSE_SECONDS", default=0)  # fault drills only
# How far the clocks of web and worker hosts may disagree (stats.services.clock_margin_seconds).
STATS_TALLY_CLOCK_MARGIN_SECONDS = env.float("STATS_TALLY_CLOCK_MARGIN_SECONDS", default=0.5)

# --- Self check-in (checkin app) -------------------------------------------------------------------------
# Limits of /c/<poster code>/, counted in the cache (Redis in production, so they hold across processes).
# A family may share a phone and a village hall one network address, hence generous limits; what slips
# through in bulk is flagged as a burst and left out of the figures until an organizer accepts it.
CHECKIN_SELF_PER_DEVICE = env.int("CHECKIN_SELF_PER_DEVICE", default=5)  # people per phone and event
CHECKIN_SELF_PER_IP = env.int("CHECKIN_SELF_PER_IP", default=60)  # attempts per network address and event …
CHECKIN_SELF_IP_WINDOW_SECONDS = env.int("CHECKIN_SELF_IP_WINDOW_SECONDS", default=600)  # … in this window
CHECKIN_SELF_PER_EVENT = env.int("CHECKIN_SELF_PER_EVENT", default=3000)  # self check-ins per event
# More new self check-ins than these from one network address, or at one event, within the window: a burst.
CHECKIN_SELF_BURST_PER_IP = env.int("CHECKIN_SELF_BURST_PER_IP", default=10)
CHECKIN_SELF_BURST_PER_EVENT = env.int("CHECKIN_SELF_BURST_PER_EVENT", default=100)
CHECKIN_SELF_BURST_SECONDS = env.int("CHECKIN_SELF_BURST_SECONDS", default=120)
# Where the venue has coordinates, a phone farther than this (or giving no location) is flagged, never refused.
CHECKIN_SELF_RADIUS_METERS = env.int("CHECKIN_SELF_RADIUS_METERS", default=1000)

# --- Notifications (notifications app) ----------------------------------------------------------------
# The channels a message can take; adding one (WeChat, say) is one Channel subclass and one entry here.
NOTIFICATIONS_CHANNELS = {
    "sms": "notifications.channels.SmsChannel",
    "email": "notifications.channels.EmailChannel",
    "inbox": "notifications.channels.InboxChannel",
}
# The console backend logs messages; notifications.channels.HttpSmsBackend posts them to SMS_HTTP_URL.
NOTIFICATIONS_SMS_BACKEND = env("SMS_BACKEND", default="notifications.channels.ConsoleSmsBackend")
NOTIFICATIONS_SMS_HTTP = {
    "url": env("SMS_HTTP_URL", default=""),
    "token": env("SMS_HTTP_TOKEN", default=""),
    "sender": env("SMS_HTTP_SENDER", default="Kepu"),
    "timeout": env.float("SMS_HTTP_TIMEOUT", default=10.0),  # seconds: a hanging provider must free the worker
}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# For EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend: the server Kepu hands its e-mail to.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="kepu@localhost")
# Minutes before a shift that its volunteers are reminded.
NOTIFICATIONS_REMINDER_OFFSETS = env.list("NOTIFICATIONS_REMINDER_OFFSETS", cast=int, default=[24 * 60, 2 * 60])
# No SMS between these local times unless urgent (empty NOTIFICATIONS_QUIET_HOURS turns this off).
NOTIFICATIONS_QUIET_HOURS = [h for h in env.list("NOTIFICATIONS_QUIET_HOURS", default=["22:00", "07:00"]) if h]
NOTIFICATIONS_QUIET_HOURS_TIME_ZONE = env("NOTIFICATIONS_QUIET_HOURS_TIME_ZONE", default="Asia/Shanghai")
# A message about something starting before the quiet hours end plus this margin is urgent.
NOTIFICATIONS_URGENT_MARGIN_MINUTES = env.int("NOTIFICATIONS_URGENT_MARGIN_MINUTES", default=120)
NOTIFICATIONS_RETRY = {
    "base_seconds": env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0),
    "cap_seconds": env.float("NOTIFICATIONS_RETRY_CAP_SECONDS", default=3600.0),
    "max_attempts": env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8),
}
# A 'sending' row older than this is taken back (its worker died); far longer than any send may take.
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=300)
# A queued row handed to the broker this long ago and still not taken is handed out again.
NOTIFICATIONS_REDISPATCH_AFTER_SECONDS = env.int("NOTIFICATIONS_REDISPATCH_AFTER_SECONDS", default=120)
NOTIFICATIONS_BATCH_SIZE = 100  # messages per send task
NOTIFICATIONS_LOGIN_CODE = {
    "ttl_minutes": 10,
    "min_interval_seconds": 60,
    "max_per_window": 5,
    "window_minutes": 60,
    "max_attempts": 5,
}
# Where the public reaches Kepu (scheme, host, optional path prefix), e.g. https://kepu.example.org: every link
# Kepu sends or prints (the SMS's ticket and join links, the poster's and the staff code's QR codes, calendar
# links) starts with it. Unset, links sent without a request point to the development server, and links made
# while answering a request use that request's host (kepu.links.public_url).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="").rstrip("/")
_links_base = PUBLIC_BASE_URL or "http://127.0.0.1:8000"
# The attendee's ticket page (checkin.ticket.ticket) as linked from the registration SMS; set only to override.
NOTIFICATIONS_TICKET_URL = env("NOTIFICATIONS_TICKET_URL", default=_links_base + "/t/{code}/")
# The page where an invited volunteer accepts (volunteers.views.join), as linked from the invitation SMS.
NOTIFICATIONS_JOIN_URL = env("NOTIFICATIONS_JOIN_URL", default=_links_base + "/v/join/{token}/")
