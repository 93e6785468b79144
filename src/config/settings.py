"""Settings for 基层治理一体化平台, read from the environment (healthchecks style)."""
from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # src/
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    """`name` from the environment, or the contents of the file named by `name_FILE` (secrets kept
    out of the environment: systemd credentials, Docker/Kubernetes secrets); surrounding white
    space of a file is dropped, and the file wins when both are set. An unreadable file is refused."""
    path = os.environ.get(f"{name}_FILE", "")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"无法读取 {name}_FILE={path}：{exc.strerror}") from None
    return os.environ.get(name, default)


envsecret = env  # the name the personal-data and audit keys use


def envbool(name: str, default: str = "False") -> bool:
    return (env(name) or default).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(env(name) or default)


# Platform mode: "demo" (the default: ./run, tests, demo accounts allowed) or "production"
# (PLATFORM_MODE=production: secure transport on by default, no demo accounts, a real secret key).
PLATFORM_MODE = os.environ.get("PLATFORM_MODE", "demo").strip().lower()
if PLATFORM_MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"PLATFORM_MODE must be 'demo' or 'production', not {PLATFORM_MODE!r}")
PRODUCTION = PLATFORM_MODE == "production"

BUILTIN_SECRET_KEY = "dev-only-not-secret-change-in-production"
SECRET_KEY = env("SECRET_KEY", BUILTIN_SECRET_KEY)
DEBUG = envbool("DEBUG", "False")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
TESTING = envbool("TESTING", "False") or "pytest" in sys.modules
if PRODUCTION:
    # Production refuses to start on the demo's key (or any short one, or Django's startproject
    # placeholder `django-insecure-…`) and in debug mode.
    if (SECRET_KEY == BUILTIN_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
            or SECRET_KEY.startswith("django-insecure-")):
        raise ImproperlyConfigured("生产模式拒绝启动：请通过环境变量 SECRET_KEY 设置至少 50 个字符的随机密钥"
                                   "（不得使用内置的演示密钥）")
    if DEBUG:
        raise ImproperlyConfigured("生产模式拒绝启动：不得开启 DEBUG")

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
    "events",
    "assess",
    "command",
    "mobile",
    "citizen",
    "sharing",
    "web",
]

INSTALLED_APPS = [
    "accounts.admin_site.PlatformAdminConfig",  # django.contrib.admin with the platform's admin site (TOTP, 三员分立)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "django_tasks",
    "django_ratelimit",
    *PLATFORM_APPS,
]

MIDDLEWARE = [
    "core.logcontext.RequestContextMiddleware",  # first: request id in and out, one access line per request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.JsonGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "web.middleware.ApiTrailingSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AccountSecurityMiddleware",
    "core.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.PlatformErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the Chinese lockout answer
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
                "csp.context_processors.nonce",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and web processes read while one writes; IMMEDIATE avoids
    # "database is locked" upgrades inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
    # Server-side binding and prepared statements: psycopg prepares a statement the process has run
    # `prepare_threshold` times (a case step's select/update/inserts, the intake's insert), so the
    # server parses and plans it once per connection instead of per call (Django leaves preparing
    # off). Both off behind a transaction-pooling pgbouncer (DB_SERVER_SIDE_BINDING=0).
    _bind = envbool("DB_SERVER_SIDE_BINDING", "True")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=_bind, prepare_threshold=envint("DB_PREPARE_THRESHOLD", 5) if _bind else None)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Sign-in (等保 level 3, issue 11): lockout by django-axes, password policy, TOTP for administrators.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out accounts and addresses
    "accounts.backends.PlatformModelBackend",  # ModelBackend that refuses demo accounts in production
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.MinimumLengthValidator",
     "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 8)}},
    {"NAME": "accounts.validators.CharacterClassesValidator",
     "OPTIONS": {"min_classes": envint("PASSWORD_MIN_CLASSES", 3)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")}},
    {"NAME": "accounts.validators.PasswordHistoryValidator",
     "OPTIONS": {"history": envint("PASSWORD_HISTORY", 5)}},
]
# Days after which a password must be changed (0 = never); initial and reset passwords must be
# changed at the next sign-in whatever this says. Demo accounts are exempt in demo mode.
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", 90)

# Lockout (django-axes): AXES_FAILURE_LIMIT failures lock the account and, separately, the source
# address for LOGIN_LOCKOUT_MINUTES. LOGIN_LOCKOUT_BY=username,ip_address (either or both).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [p.strip() for p in os.environ.get("LOGIN_LOCKOUT_BY", "username,ip_address").split(",")
                           if p.strip()]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_VERBOSE = False
# Number of trusted reverse proxies in front of the platform; their X-Forwarded-For entries name
# the client (0: the socket address is the client).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Sessions: idle timeout and absolute lifetime (core.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_LIFETIME = envint("SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# TOTP (django-otp): required for administrators (三员 and superusers), optional for everyone else.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "基层治理一体化平台")

# Transport security, from the environment; on by default in production.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(PRODUCTION))
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load-balancer probes speak plain HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(PRODUCTION))
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(PRODUCTION))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(PRODUCTION))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(PRODUCTION))
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto when a TLS-terminating proxy sets that header (and strips it
# from clients); the request is then https when the header says so.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only the platform's own assets, plus the base-map tile host
# a deployment configures (MAP_TILE_URL, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png).
# Inline scripts need the request's nonce; inline event handlers are not allowed. Inline styles
# are allowed because Leaflet, bpmn-js and ECharts position their elements with style attributes.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an http(s) URL template, not {url!r}")
    host = parts.netloc
    if "{s}" in url:  # Leaflet's subdomain placeholder: allow the host's subdomains
        host = "*." + host.split(".", 1)[1] if host.count(".") >= 2 else host
    return f"{parts.scheme}://{host}"


MAP_TILE_ORIGIN = _origin(MAP_TILE_URL) if MAP_TILE_URL else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *([MAP_TILE_ORIGIN] if MAP_TILE_ORIGIN else [])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
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
# Uploaded and generated files: never served under MEDIA_URL (no such route); each is served by the
# scoped view of core.downloads (/files/<kind>/<pk>/<variant>/) to users who may see its row.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Production serves the files `manage.py collectstatic` wrote (hashed names, gzip, cached for a
# year by WhiteNoise); demo and tests find them in the apps. STATIC_MANIFEST=0 turns hashing off.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if PRODUCTION and envbool("STATIC_MANIFEST", "True")
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files served at the site root by WhiteNoise (favicon.ico); never MEDIA_ROOT, whose files go through
# the scoped view of core.downloads.
WHITENOISE_ROOT = BASE_DIR / "web" / "root"
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.PlatformTokenAuthentication",  # knox: hashed, expiring, revocable
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PlatformPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.filters.ScopedFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.PlatformAutoSchema",
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
    # Field names shared by different choice sets get one stable name each (no hashed suffixes).
    "ENUM_NAME_OVERRIDES": {
        "EventStateEnum": "events.lifecycle.State",
        "EventChannelEnum": "events.choices.Channel",
        "EventLevelEnum": "events.choices.Level",
        "UnitKindEnum": "org.choices.UnitKind",
        "ReportKindEnum": "grids.choices.ReportKind",
        "ListKindEnum": "catalog.choices.ListKind",
    },
    # Every operation documents the error envelope and its 4xx/5xx answers (core.api.schema).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "core.api.schema.document_errors"],
}

# API tokens (django-rest-knox): stored as SHA-512 digests, one per signed-in client, expiring.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=envint("API_TOKEN_TTL_HOURS", 10)),
    "TOKEN_LIMIT_PER_USER": None,  # the oldest token is dropped by accounts.services instead
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
API_TOKENS_PER_USER = envint("API_TOKENS_PER_USER", 10)

# Background work: Huey (SQLite file of its own by default, Redis when REDIS_URL is set).
# django.tasks (the django-tasks backport; Django 6 has it built in) runs on Huey through the
# backend Huey itself ships (huey.contrib.djhuey.tasks_backend, since huey 3.x; pinned together
# with django-tasks in requirements.lock). Periodic work uses Huey's own db_periodic_task.
REDIS_URL = env("REDIS_URL")
HUEY = {
    "name": "platform",
    "immediate": envbool("HUEY_IMMEDIATE", "True" if TESTING else "False"),
    "utc": True,
    "consumer": {"workers": envint("HUEY_WORKERS", 2), "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "core.tasking.PlatformRedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "core.tasking.PlatformSqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})
TASKS = {"default": {"BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend"}}

# Caches. "default" stays Django's per-process memory cache. "ratelimit" holds the counters of
# django-ratelimit (citizen reports, citizen.views) and must be shared by every web process: Redis
# (Django's own RedisCache, atomic INCR) when REDIS_URL is set, else a database table created by
# migration citizen/0002 — shared on SQLite and PostgreSQL alike, but its increment is a read and a
# write, so a burst of simultaneous requests from one address may pass a few over the limit
# (django_ratelimit.E003 says so; silenced below with this reason).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                   "KEY_PREFIX": "platform-rl"} if REDIS_URL else
                  {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "platform_ratelimit_cache",
                   "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4}}),
}
RATELIMIT_USE_CACHE = "ratelimit"
# Counters in Redis outlive a test run's rolled-back transactions: each test run counts under its own prefix.
RATELIMIT_CACHE_PREFIX = f"rl:{os.getpid()}-{int(time.time())}:" if TESTING else "rl:"
RATELIMIT_IP_META_KEY = "accounts.lockout.client_ip"  # one rule for the client address (socket or trusted proxy)
SILENCED_SYSTEM_CHECKS = [
    "django_ratelimit.E003",  # the database cache's non-atomic increment: see CACHES above
    "django_ratelimit.W001",  # Django's built-in RedisCache is not on the library's list; it increments atomically
]

# Citizen reports (群众上报, /report/): limits per client address, as "count/period" (s, m, h, d).
CITIZEN_REPORT_RATE = env("CITIZEN_REPORT_RATE", "5/h")      # reports stored
CITIZEN_SUBMIT_RATE = env("CITIZEN_SUBMIT_RATE", "30/h")     # submissions, refused ones included
CITIZEN_LOOKUP_RATE = env("CITIZEN_LOOKUP_RATE", "60/h")     # status page lookups by query code

# The outbox (notify/outbox.py): work that must happen, delivered at least once.
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 300)      # a claim expires; a dead worker's rows return
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 12)         # then the row is dead (kept, shown in the admin)
OUTBOX_BACKOFF_SECONDS = envint("OUTBOX_BACKOFF_SECONDS", 30)   # retry n waits base·2^(n−1) …
OUTBOX_BACKOFF_MAX_SECONDS = envint("OUTBOX_BACKOFF_MAX_SECONDS", 3600)  # … at most this long
OUTBOX_KICK = envbool("OUTBOX_KICK", "True")  # ask for a dispatch through django.tasks after commit
OUTBOX_HANDLERS: dict[str, str] = {}          # kind → dotted handler class (overrides app registrations)

# Sharing (端口授权, Open311, webhooks; sharing/): key lifetime cap (days), webhook call timeout (seconds).
SHARING_KEY_MAX_DAYS = envint("SHARING_KEY_MAX_DAYS", 730)
SHARING_WEBHOOK_TIMEOUT = envint("SHARING_WEBHOOK_TIMEOUT", 5)
SHARING_OPEN311_ANON_RATE = os.environ.get("SHARING_OPEN311_ANON_RATE", "120/min")  # Open311 reads without a key

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

# Logs (core.logcontext): LOG_FORMAT=json (default in production: one JSON object per line with
# time, level, logger, message, request_id, user; access lines add method, path, status,
# duration_ms) or text (default in demo). LOG_REQUESTS (default on in production) writes one access
# line per request at INFO (4xx WARNING, 5xx ERROR) on the logger platform.request.
from core.logcontext import JSON_FORMATTER  # noqa: E402 - a plain module, no app import

LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}")
LOG_LEVEL = env("LOG_LEVEL", "INFO" if PRODUCTION else "WARNING").upper()
LOG_REQUESTS = envbool("LOG_REQUESTS", str(PRODUCTION))
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logcontext.RequestContextFilter"}},
    "formatters": {
        "json": JSON_FORMATTER,
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # every failed sign-in is in the audit log already; axes would repeat each one as a warning
        "axes": {"level": env("AXES_LOG_LEVEL", "ERROR")},
        "platform.request": {"level": "INFO" if LOG_REQUESTS else "CRITICAL"},
    },
}
if LOG_FORMAT == "json":
    # run_huey gives a "huey" logger without handlers a plain-text one of its own (the demo keeps
    # that, with its -q/-v flags); in JSON mode the consumer's lines are JSON lines too.
    LOGGING["loggers"]["huey"] = {"handlers": ["console"], "level": env("HUEY_LOG_LEVEL", LOG_LEVEL),
                                  "propagate": False}


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
# Monthly partitions on PostgreSQL (core/partitions.py, manage.py manage_partitions): where archived
# months are written, and how long event steps stay in the database (never under 365 days).
PARTITION_ARCHIVE_DIR = env("PARTITION_ARCHIVE_DIR")
EVENT_STEP_RETENTION_DAYS = envint("EVENT_STEP_RETENTION_DAYS", 1095)
AUDIT_INLINE_LIMIT = envint("AUDIT_INLINE_LIMIT", 1024)
