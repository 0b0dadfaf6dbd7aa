"""Commonset settings: one module, driven by environment variables.

Nothing set gives the embedded default: SQLite under var/, Celery tasks run eagerly in
process, the local hub folder under var/hub/, e-mail printed to the console. Every
variable read here is documented in .env.example.
"""

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("COMMONSET_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


DATABASE_URL = env.str("DATABASE_URL", default="")


def _secret_key() -> str:
    """SECRET_KEY comes from the environment; a deployment (DEBUG off, DATABASE_URL set)
    must set it. The embedded default keeps a generated per-checkout key in var/ so that
    the site runs with nothing configured."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG and DATABASE_URL:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "commonset",
    "accounts",
    "cohorts",
    "campaigns",
    "annotation",
    "hub",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, the session's user and messages are Django's, passed by the API's token
    # requests, which need none of them (commonset/browser_middleware.py).
    "commonset.browser_middleware.SessionMiddleware",
    # The language: the language cookie (the switcher), then Accept-Language; a signed-in
    # user's saved choice overrides both once they are known (UserLanguageMiddleware, and
    # for token requests, the token's authentication).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "commonset.browser_middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "commonset.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.signin_limits.SignInLimitMiddleware",
]

ROOT_URLCONF = "commonset.urls"
WSGI_APPLICATION = "commonset.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commonset.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(DATABASE_URL or f"sqlite:///{VAR_DIR / 'commonset.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager task write without
    # "database is locked"; IMMEDIATE serialises writers so assignment stays exact.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The annotation loop's two prepared statements (annotation/services_pg.py, the only
    # prepared statements here) are planned once per connection: on PostgreSQL's default,
    # new statistics could make it re-plan them on every call, and its CPU per loop grew
    # 2.0 -> 4.2 ms through a bench/loop.py run. It affects nothing that is not prepared.
    db_options = DATABASES["default"].setdefault("OPTIONS", {})
    db_options["options"] = (
        db_options.get("options", "") + " -c plan_cache_mode=force_generic_plan"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache holds only what can be lost (API throttling counts, sign-in rate limits,
    # the Hub service account's shared rate budget, hub/budget.py):
    # while Redis is unreachable it answers "not cached" and logs, rather than failing the
    # request (django-redis IGNORE_EXCEPTIONS; tests/faults/test_redis_outage.py).
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "commonset",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    # Sign-in limits and bad API token counts (accounts/signin_limits.py) in the same
    # Redis, under their own prefix; API throttle counts (commonset/throttling.py) too.
    CACHES["signin"] = {**CACHES["default"], "KEY_PREFIX": "commonset-signin"}
    CACHES["throttle"] = CACHES["default"]
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Shared by every process of this machine (a per-process cache would let each
        # worker count its own sign-in failures, bad API tokens and API requests). The
        # throttle counts have their own folder: a file cache culls entries at random past
        # MAX_ENTRIES, and busy API clients must not push sign-in counts out.
        "signin": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "signin"),
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "throttle"),
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }

# Longest countdown any task schedules (provisioning polls, retry backoff). The broker's
# visibility timeout must exceed it, or Redis re-delivers a message that is still waiting.
CELERY_MAX_COUNTDOWN_SECONDS = 60 * 60
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_MAX_COUNTDOWN_SECONDS,
}
# Bounded retries for every task (Celery has no global setting; annotations apply it).
CELERY_TASK_ANNOTATIONS = {"*": {"max_retries": 5}}
CELERY_TIMEZONE = "UTC"

# --- Auth and Hugging Face sign-in ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

HF_ENDPOINT = env.str("HF_ENDPOINT", default="https://huggingface.co").rstrip("/")
HF_TOKEN = env.str("HF_TOKEN", default="")
HF_OAUTH_CLIENT_ID = env.str("HF_OAUTH_CLIENT_ID", default="")
HF_OAUTH_CLIENT_SECRET = env.str("HF_OAUTH_CLIENT_SECRET", default="")
HF_OAUTH_SCOPES = ["openid", "profile", "email", "read-memberships"]

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Failed sign-ins are limited by accounts/signin_limits.py for every door (admin too), per
# client and account; allauth's own limit would lock an account for everyone.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
SIGNIN_MAX_FAILURES = env.int("SIGNIN_MAX_FAILURES", default=5)
SIGNIN_MAX_FAILURES_PER_CLIENT = env.int("SIGNIN_MAX_FAILURES_PER_CLIENT", default=30)
SIGNIN_WINDOW_SECONDS = env.int("SIGNIN_WINDOW_SECONDS", default=900)
# Failed API token authentications allowed per client address within the window; past
# them the client's token requests answer 429 (accounts/authentication.py). 0: no limit.
API_BAD_TOKEN_MAX_FAILURES = env.int("API_BAD_TOKEN_MAX_FAILURES", default=20)
API_BAD_TOKEN_WINDOW_SECONDS = env.int("API_BAD_TOKEN_WINDOW_SECONDS", default=300)
# Local username/password sign-up is for development only; people join with Hugging Face.
ACCOUNT_ALLOW_LOCAL_SIGNUP = env.bool("ACCOUNT_ALLOW_LOCAL_SIGNUP", default=False)
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "huggingface",
                    "name": "Hugging Face",
                    "client_id": HF_OAUTH_CLIENT_ID,
                    "secret": HF_OAUTH_CLIENT_SECRET,
                    "settings": {
                        "server_url": HF_ENDPOINT,
                        "fetch_userinfo": True,
                        "token_auth_method": "client_secret_basic",
                        "scope": HF_OAUTH_SCOPES,
                        "uid_field": "sub",
                    },
                }
            ]
            if HF_OAUTH_CLIENT_ID
            else []
        ),
    }
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The token scope check first (accounts/permissions.py), then "signed in" by default.
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.TokenScope",
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_PARSER_CLASSES": [
        "commonset.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # Throttling (commonset/throttling.py): per user for authenticated requests, per client
    # IP for anonymous ones; over the rate the API answers 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "commonset.throttling.AnonThrottle",
        "commonset.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="6000/min"),
        "anon": env.str("API_THROTTLE_ANON", default="300/min"),
    },
    # How many proxies append to X-Forwarded-For in front of gunicorn: the client IP is the
    # entry that many from the end (0: REMOTE_ADDR, ignoring the header).
    "NUM_PROXIES": env.int("API_THROTTLE_NUM_PROXIES", default=1),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commonset API",
    "DESCRIPTION": "Everything a person can do on Commonset, scripted. Authenticate with "
    "`Authorization: Bearer <token>` using a personal API token from your profile page.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The docs page (templates/api_docs.html) loads nothing from elsewhere: Redoc from the
    # sidecar's static files, and the system's fonts rather than web fonts.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", '
                "sans-serif",
                "headings": {"fontFamily": 'system-ui, -apple-system, "Segoe UI", sans-serif'},
                "code": {"fontFamily": "ui-monospace, SFMono-Regular, Menlo, monospace"},
            }
        },
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commonset.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CohortStateEnum": "cohorts.models.Cohort.State",
        "ApplicationStateEnum": "campaigns.models.Application.State",
        "CampaignStateEnum": "campaigns.models.Campaign.State",
        "WebhookEventEnum": "webhooks.models.WebhookEvent",
        "ApiTokenScopeEnum": "accounts.models.ApiToken.Scope",
        "FieldKindEnum": "annotation.models.Field.Kind",
        "QuestionKindEnum": "annotation.models.Question.Kind",
        "FileFormatEnum": "annotation.models.ImportJob.Format",  # imports and export jobs
    },
}

# How long after closing a campaign its lead may reopen it (organisers may at any time).
CAMPAIGN_REOPEN_GRACE_DAYS = env.int("CAMPAIGN_REOPEN_GRACE_DAYS", default=14)

# --- Record imports -------------------------------------------------------------------
# The largest upload accepted, and the most rows one import may bring in.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=512 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
# Decompressed sizes: a compressed file can hold far more than its size says.
IMPORT_MAX_VALUE_BYTES = env.int("IMPORT_MAX_VALUE_BYTES", default=1024 * 1024)
IMPORT_MAX_ROW_BYTES = env.int("IMPORT_MAX_ROW_BYTES", default=4 * 1024 * 1024)
IMPORT_MAX_CHUNK_BYTES = env.int("IMPORT_MAX_CHUNK_BYTES", default=256 * 1024 * 1024)
# An import is a workflow row (commonset/workflows.py): transient failures are retried with
# backoff, a job whose heartbeat is this stale lost its worker and resumes, a message this
# late is sent again by the imports sweep on beat.
IMPORT_MAX_ATTEMPTS = env.int("IMPORT_MAX_ATTEMPTS", default=5)
IMPORT_BACKOFF_BASE_SECONDS = env.float("IMPORT_BACKOFF_BASE_SECONDS", default=10.0)
IMPORT_BACKOFF_MAX_SECONDS = env.float("IMPORT_BACKOFF_MAX_SECONDS", default=600.0)
IMPORT_HEARTBEAT_STALE_SECONDS = env.float("IMPORT_HEARTBEAT_STALE_SECONDS", default=120.0)
IMPORT_SWEEP_GRACE_SECONDS = env.float("IMPORT_SWEEP_GRACE_SECONDS", default=120.0)

# --- Hub ------------------------------------------------------------------------------
HUB_BACKEND = env.str("HUB_BACKEND", default="local")
if HUB_BACKEND not in {"local", "huggingface"}:
    raise ImproperlyConfigured("HUB_BACKEND must be 'local' or 'huggingface'.")
HUB_LOCAL_DIR = Path(env.str("HUB_LOCAL_DIR", default=str(VAR_DIR / "hub")))
# The organisation campaigns are hosted in unless their cohort or application names another
# (the programme's organisation on the Hub; the service account needs write access there).
HUB_NAMESPACE = env.str(
    "HUB_NAMESPACE", default="commonset-local" if HUB_BACKEND == "local" else ""
)
# Every Hub request gets this timeout (huggingface_hub's own client has none).
HUB_HTTP_TIMEOUT_SECONDS = env.float("HUB_HTTP_TIMEOUT_SECONDS", default=30.0)
# How long the service account's organisations and roles (whoami-v2) are remembered, so
# that the application form and the approval page do not ask the Hub on every view.
HUB_SERVICE_ACCOUNT_CACHE_SECONDS = env.int("HUB_SERVICE_ACCOUNT_CACHE_SECONDS", default=300)

# --- Provisioning of approved campaigns (campaigns/provisioning) ------------------------
# Secrets set on every campaign Space, as a JSON object {"NAME": "value"}. Values are sent
# to the Hub only: never stored in the database, never logged (only the names are).
PROVISIONING_SPACE_SECRETS = env.json("SPACE_SECRETS_JSON", default={})
# Extra public variables for every campaign Space, JSON {"NAME": "value"}.
PROVISIONING_SPACE_VARIABLES = env.json("SPACE_VARIABLES_JSON", default={})
PROVISIONING_MAX_ATTEMPTS = env.int("PROVISIONING_MAX_ATTEMPTS", default=8)
PROVISIONING_BACKOFF_BASE_SECONDS = env.float("PROVISIONING_BACKOFF_BASE_SECONDS", default=10.0)
PROVISIONING_BACKOFF_MAX_SECONDS = env.float("PROVISIONING_BACKOFF_MAX_SECONDS", default=900.0)
PROVISIONING_POLL_SECONDS = env.float("PROVISIONING_POLL_SECONDS", default=20.0)
# The wait step's runtime checks: PROVISIONING_POLL_SECONDS, doubling with each check up
# to this cap, so campaigns waiting on slow builds spare the service account's rate limit.
PROVISIONING_POLL_MAX_SECONDS = env.float("PROVISIONING_POLL_MAX_SECONDS", default=600.0)
# A campaign's static Space page is committed at most once per this many seconds (texts
# edited, publications); changes meanwhile are coalesced into the next commit.
SPACE_PAGE_MIN_INTERVAL_SECONDS = env.float("SPACE_PAGE_MIN_INTERVAL_SECONDS", default=300.0)
# A cohort's language race (campaigns/dashboards/race.py) is cached this long per set of
# visible campaigns: it reads every campaign's counters and distinct contributors.
RACE_CACHE_SECONDS = env.int("RACE_CACHE_SECONDS", default=60)
PROVISIONING_SPACE_START_TIMEOUT_SECONDS = env.int(
    "PROVISIONING_SPACE_START_TIMEOUT_SECONDS", default=60 * 60
)
# A running step whose heartbeat is older than this is taken to have lost its worker.
PROVISIONING_HEARTBEAT_STALE_SECONDS = env.float(
    "PROVISIONING_HEARTBEAT_STALE_SECONDS", default=5 * 60
)
# The sweeper runs on beat every PROVISIONING_SWEEP_SECONDS (commonset/celery.py) and
# re-sends a scheduled step once it is this late.
PROVISIONING_SWEEP_SECONDS = env.float("PROVISIONING_SWEEP_SECONDS", default=60.0)
PROVISIONING_SWEEP_GRACE_SECONDS = env.float("PROVISIONING_SWEEP_GRACE_SECONDS", default=60.0)

# --- Publishing datasets (campaigns/publishing); documented in .env.example --------------
PUBLICATION_MAX_ATTEMPTS = env.int("PUBLICATION_MAX_ATTEMPTS", default=5)
PUBLICATION_BACKOFF_BASE_SECONDS = env.float("PUBLICATION_BACKOFF_BASE_SECONDS", default=30.0)
PUBLICATION_BACKOFF_MAX_SECONDS = env.float("PUBLICATION_BACKOFF_MAX_SECONDS", default=1800.0)
PUBLICATION_HEARTBEAT_STALE_SECONDS = env.float(
    "PUBLICATION_HEARTBEAT_STALE_SECONDS", default=5 * 60
)
PUBLICATION_SWEEP_GRACE_SECONDS = env.float("PUBLICATION_SWEEP_GRACE_SECONDS", default=60.0)
PUBLISH_PSEUDONYM_SECRET = env.str("PUBLISH_PSEUDONYM_SECRET", default="")

# --- Exports (campaigns/exports/) ---------------------------------------------------------
# Campaigns with more records than this are not streamed in one request (about 11 s at
# 100,000 records of 2 responses; 1,000,000 responses took ~57 s, near gunicorn's timeout):
# GET .../export answers 409 `export_use_job`, and an export job writes the file instead.
EXPORTS_DIRECT_MAX_RECORDS = env.int("EXPORTS_DIRECT_MAX_RECORDS", default=100_000)
EXPORT_JOB_KEEP_HOURS = env.float("EXPORT_JOB_KEEP_HOURS", default=24.0)

# --- Webhooks (webhooks/); documented in .env.example -------------------------------------
# Loopback targets (127.0.0.0/8, ::1) and plain http:// are refused unless this is set (tests,
# a local receiver). Private, link-local, multicast and metadata addresses are always refused.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", default=3.0)
WEBHOOKS_READ_TIMEOUT_SECONDS = env.float("WEBHOOKS_READ_TIMEOUT_SECONDS", default=5.0)
# How long a process trusts what it read about site-wide endpoints (emitting an event
# nobody subscribed to costs no query in between).
WEBHOOKS_SITE_EVENTS_CACHE_SECONDS = env.float("WEBHOOKS_SITE_EVENTS_CACHE_SECONDS", default=30.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=10.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Commonset <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static files, i18n ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
LANGUAGE_CODE = "en"
# The interface languages (README, "Languages"). Each but English has a catalogue under
# locale/. The switcher and the profile name each language in itself (Django's language
# info); these names are for code that asks settings.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt-br", "Português (Brasil)"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpx2": {"level": "WARNING"}},
}
