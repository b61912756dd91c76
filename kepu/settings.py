"""Kepu settings: one file, read from the environment.

With nothing set, Kepu runs on SQLite with a file-system Celery broker, so
`make run` works on a bare machine. Production sets DATABASE_URL and
REDIS_URL (see docker-compose.yml).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the embedded default (SQLite, broker folders)

env = environ.Env()
VAR_DIR.mkdir(exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="kepu-insecure-development-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=True)
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
    "kepu",
    "events",
    "volunteers",
    "checkin",
    "notifications",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kepu.middleware.BadInputMiddleware",  # after LocaleMiddleware: its 400 speaks the request's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kepu.urls"
WSGI_APPLICATION = "kepu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
LOGIN_URL = "admin:login"

# --- Internationalization -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
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
}

# --- Celery -------------------------------------------------------------------------
# Redis in production; with nothing configured a broker that needs no server,
# so `make run` still runs a real worker process on a bare machine.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
    for _folder in ("queue", "control"):  # the transport expects its folders to exist
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
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
    # notifications: record the shift reminders that have come due
    "notifications-record-reminders": {"task": "notifications.tasks.record_due_reminders", "schedule": 5 * 60},
    # stats: tallies follow the records (a sweep for what no worker did) and a full recompute every night
    "stats-tally-sweep": {"task": "stats.tasks.tally_sweep", "schedule": 60},
    "stats-tally-nightly": {"task": "stats.tasks.tally_nightly", "schedule": crontab(hour=2, minute=30)},
}

# --- Statistics (stats app) -------------------------------------------------------------------------
# stats: seconds a burst of changes is gathered before a tally run, and a claim outlives a dead worker.
STATS_TALLY_DEBOUNCE_SECONDS = env.float("STATS_TALLY_DEBOUNCE_SECONDS", default=2)
STATS_TALLY_LEASE_SECONDS = env.float("STATS_TALLY_LEASE_SECONDS", default=300)
STATS_TALLY_PAUSE_SECONDS = env.float("STATS_TALLY_PAUSE_SECONDS", default=0)  # fault drills only

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
# The attendee's ticket page (notifications.views.ticket) as linked from the registration SMS.
NOTIFICATIONS_TICKET_URL = env("NOTIFICATIONS_TICKET_URL", default="http://127.0.0.1:8000/t/{code}/")
