"""Settings for 基层治理一体化平台, read from the environment (healthchecks style)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # src/
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-change-in-production")
DEBUG = envbool("DEBUG", "False")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
TESTING = envbool("TESTING", "False") or "pytest" in sys.modules

# Layers, lowest first (DESIGN.md §5). Lower apps never import higher ones.
PLATFORM_APPS = [
    "core",
    "divisions",
    "org",
    "accounts",
    "notify",
    "catalog",
    "flows",
    "grids",
    "web",
]

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
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "django_tasks",
    *PLATFORM_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.JsonGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "web.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.PlatformErrorPageMiddleware",
]
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "web.context_processors.platform",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and web processes read while one writes; IMMEDIATE avoids
    # "database is locked" upgrades inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
    # Server-side binding lets psycopg prepare the statements a process repeats (a case step's
    # select/update/inserts): planning once instead of per call. Off behind a transaction-pooling
    # pgbouncer (DB_SERVER_SIDE_BINDING=0).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = envbool("DB_SERVER_SIDE_BINDING", "True")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PlatformPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.PlatformJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "基层治理一体化平台 API",
    "DESCRIPTION": "Grassroots governance platform: divisions, organisation, catalog, process maps, grids.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},  # no call to an outside validator
}

# Background work: Huey (SQLite file of its own by default, Redis when REDIS_URL is set).
# django.tasks (the django-tasks backport; Django 6 has it built in) runs on Huey through the
# backend Huey itself ships (huey.contrib.djhuey.tasks_backend, since huey 3.x; pinned together
# with django-tasks in requirements.lock). Periodic work uses Huey's own db_periodic_task.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "platform",
    "immediate": envbool("HUEY_IMMEDIATE", "True" if TESTING else "False"),
    "utc": True,
    "consumer": {"workers": envint("HUEY_WORKERS", 2), "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})
TASKS = {"default": {"BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend"}}

# The outbox (notify/outbox.py): work that must happen, delivered at least once.
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 300)      # a claim expires; a dead worker's rows return
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 12)         # then the row is dead (kept, shown in the admin)
OUTBOX_BACKOFF_SECONDS = envint("OUTBOX_BACKOFF_SECONDS", 30)   # retry n waits base·2^(n−1) …
OUTBOX_BACKOFF_MAX_SECONDS = envint("OUTBOX_BACKOFF_MAX_SECONDS", 3600)  # … at most this long
OUTBOX_KICK = envbool("OUTBOX_KICK", "True")  # ask for a dispatch through django.tasks after commit
OUTBOX_HANDLERS: dict[str, str] = {}          # kind → dotted handler class (overrides app registrations)

# Notifications (notify/notifiers.py): the inbox always; gateways as plug-ins, e.g. "sms,wecom".
NOTIFY_CHANNELS = [c for c in os.environ.get("NOTIFY_CHANNELS", "").split(",") if c]
NOTIFY_TRANSPORTS = {
    "sms": os.environ.get("NOTIFY_SMS_TRANSPORT", "notify.transports.RecordingTransport"),
    "wecom": os.environ.get("NOTIFY_WECOM_TRANSPORT", "notify.transports.RecordingTransport"),
}
NOTIFY_NOTIFIERS: dict[str, str] = {}  # channel → dotted notifier class (adds or replaces built-ins)
NOTIFY_RECORD_FILE = os.environ.get("NOTIFY_RECORD_FILE", "")  # RecordingTransport also appends JSON lines here

# Working calendar (DESIGN.md §4): default working hours, configurable.
WORKING_HOURS = os.environ.get("WORKING_HOURS", "08:30-12:00,13:30-17:30")

# In-process caches check their generation at most this often (seconds) outside a request.
CACHE_GENERATION_TTL = float(os.environ.get("CACHE_GENERATION_TTL", "0.5"))

# Grid codes (DESIGN.md §4): county 6 + town 3 + village 3 + sequence; the total length is configurable.
GRID_CODE_LENGTH = envint("GRID_CODE_LENGTH", 15)

# Spreadsheet uploads (core.reports.xlsx_read): refused above this unpacked size (zip-bomb guard).
SPREADSHEET_MAX_UNPACKED_BYTES = envint("SPREADSHEET_MAX_UNPACKED_MB", 32) * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


def envsecret(name: str, default: str = "") -> str:
    """A secret from `NAME`, or from the file named by `NAME_FILE` (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


# Personal data (core.personal, core.crypto): SM4 encryption and HMAC-SM3 lookup keys are derived
# from this master secret; earlier masters (comma-separated) still decrypt after a rotation. Unset,
# they derive from SECRET_KEY (development only: `check --deploy` reports it).
PERSONAL_DATA_KEY = envsecret("PERSONAL_DATA_KEY")
PERSONAL_DATA_OLD_KEYS = [k for k in envsecret("PERSONAL_DATA_OLD_KEYS").split(",") if k]

# Audit trail (core.auditchain): HMAC-SM3 chain key, anchor file outside the database, retention
# (at least 180 days: GB/T 22239-2019 level 3 and 网络安全法 art. 21), and the size from which a JSON
# column is audited as a compact change (characters of its JSON form).
AUDIT_CHAIN_KEY = envsecret("AUDIT_CHAIN_KEY")
AUDIT_ANCHOR_FILE = Path(os.environ.get("AUDIT_ANCHOR_FILE", VAR_DIR / "audit-anchors.jsonl"))
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 180)
AUDIT_SEAL_BATCH = envint("AUDIT_SEAL_BATCH", 5000)
AUDIT_INLINE_LIMIT = envint("AUDIT_INLINE_LIMIT", 1024)
