"""
Settings for her2kb, read from the environment (see .env.example and the README's table).

Every value has an embedded, safe default: with nothing set, the site runs on a SQLite file inside
the project folder and Celery tasks run in-process. Set DATABASE_URL / REDIS_URL for PostgreSQL,
Redis and real Celery workers.
"""

import re
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local, untracked state: the embedded SQLite database, release files

env = environ.Env()
# A developer's local .env (copied from .env.example by `make run`); real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env")

# True under pytest or `manage.py test`: the development key is then acceptable without DEBUG.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

# ---------------------------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "django-insecure-her2kb-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key but DEBUG is off. Set SECRET_KEY to a long random "
        "value for production (or DEBUG=1 for local development)."
    )
# Django's own deploy check (security.W009) only warns about a key shorter than 50 characters or with fewer than 5
# distinct ones; signed sessions and password-reset links rest on it, so production refuses to start instead.
SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_DISTINCT = 50, 5
SECRET_KEY_IS_WEAK = len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < SECRET_KEY_MIN_DISTINCT
if SECRET_KEY_IS_WEAK and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak for production: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
        f"{SECRET_KEY_MIN_DISTINCT} of them different. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's public origin (scheme and host, no path), e.g. https://her2kb.org: the API's links, the bulk export's and
# the pages' structured data begin with it. Never the request's Host header: whatever a client sends there would be
# written into answers that are cached and shared. Empty: links are paths (/api/v1/drugs/...), valid on any host.
# Tests use Django's test client's own host, so their links are absolute as in production.
SITE_URL = env.str("SITE_URL", default="http://testserver" if TESTING else "").rstrip("/")
if SITE_URL and not re.fullmatch(r"https?://[^/?#\s]+", SITE_URL):
    raise ImproperlyConfigured(f"SITE_URL must be a scheme and host such as https://her2kb.org, not {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    # Ours, in the order the arrows run (see pyproject.toml's import contracts): the apps, then the rooms on top
    "drugs",
    "trials",
    "references",
    "curation",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "her2kb.middleware.SecurityHeadersMiddleware",
    # X-Frame-Options above the page cache, so that pages served from the cache carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # NUL characters in the path, query or a form: a 400 before any view (PostgreSQL cannot compare them).
    "her2kb.middleware.InputGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every GET and 304 on a match (If-None-Match / If-Modified-Since).
    "django.middleware.http.ConditionalGetMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "her2kb.middleware.AdminLoginRateLimitMiddleware",
    # Per-address page rate, before the page cache, so cached pages count too.
    "her2kb.middleware.PageRateLimitMiddleware",
    "her2kb.middleware.DataVersionMiddleware",
    "her2kb.middleware.PublicPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "her2kb.urls"
WSGI_APPLICATION = "her2kb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The footer's "data as of" and release version (by name: the project package imports no app).
                "portal.context_processors.footer",
            ],
            # Display filters of the public pages; her2kb is the project package, not an installed app.
            "libraries": {"her2kb": "her2kb.templatetags.her2kb"},
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database: SQLite file in var/ unless DATABASE_URL is set (postgres://user@host:5432/name)
# ---------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'her2kb.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
else:
    # Reuse connections between requests; health checks reconnect after the server drops one.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if TESTING and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Under pytest on PostgreSQL, the embedded database beside it (in memory, created only for the tests that ask for
    # it): search must find the same records on both (portal/tests/test_search_parity.py).
    DATABASES["embedded"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------------
# Redis: cache and Celery broker when REDIS_URL is set; otherwise local memory and eager tasks
# ---------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis errors degrade to cache misses: the site keeps serving while Redis is down.
            "BACKEND": "her2kb.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "her2kb",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "her2kb",
            "TIMEOUT": 300,
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker there is nobody to run a queued task: run it in-process instead. Tests run tasks eagerly too
# (a task queued by one test must not linger in Redis); the one real-worker test opts out explicitly.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only after it finishes, so a worker killed mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With Redis, a message a dead worker never acknowledged returns to the queue after this many seconds.
# It must exceed the longest task (a sync batch with its retries), or a slow task would run twice.
# Task limits from the longest real task: the nightly PubMed re-sync when every reference is due (200,000 at 3/s,
# 1,000 requests: about 12 minutes in `make bench`'s scale), then the export build (about 2 minutes). Past the soft
# limit a task gets SoftTimeLimitExceeded (a sync closes its run with the reason, what it had not done still due);
# past the hard limit its worker process is killed. The visibility timeout must exceed the hard limit, or Redis
# would hand a task that is still running to a second worker; it is also how long a task a dead worker held waits
# before another worker gets it.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_SECONDS", default=1800)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=CELERY_TASK_SOFT_TIME_LIMIT + 120)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=CELERY_TASK_TIME_LIMIT + 300)
}
# A running sync or watch run saves its progress after every batch; one batch takes at most its upstream's attempts
# x (UPSTREAM_DEADLINE_SECONDS + the longest backoff), 10 minutes with the defaults. A run silent for longer than
# this lost its worker: it is marked failed (at the next run's start, and by the sweep every 10 minutes).
SYNC_RUN_STALLED_AFTER_SECONDS = env.int("SYNC_RUN_STALLED_AFTER_SECONDS", default=1800)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["fail-stalled-sync-runs"] = {
    "task": "portal.tasks.fail_stalled_runs",
    "schedule": 600.0,
    "options": {"expires": 600},
}

# ---------------------------------------------------------------------------------------------
# Upstream services. Production talks to the real endpoints; tests point these at a local fake.
# ---------------------------------------------------------------------------------------------
NCBI_EUTILS_BASE_URL = env.str("NCBI_EUTILS_BASE_URL", default="https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
NCBI_EMAIL = env.str("NCBI_EMAIL", default="")
NCBI_API_KEY = env.str("NCBI_API_KEY", default="")
NCBI_TOOL = "her2kb"
CTGOV_API_BASE_URL = env.str("CTGOV_API_BASE_URL", default="https://clinicaltrials.gov/api/v2/")
# Each read of an upstream answer (connecting, then every piece of it) waits at most this many seconds.
UPSTREAM_TIMEOUT_SECONDS = env.float("UPSTREAM_TIMEOUT_SECONDS", default=20.0)
# The whole of one upstream request (sending, waiting, the body's last byte): a server dripping one byte at a time
# never trips the per-read timeout above. The longest real answers (an openFDA page of labels) take a few seconds.
UPSTREAM_DEADLINE_SECONDS = env.float("UPSTREAM_DEADLINE_SECONDS", default=60.0)
# The largest upstream body accepted, decompressed (a gzip bomb inflates 1,000-fold): the largest real ones (100
# ClinicalTrials.gov studies, 25 openFDA labels) stay under 10 MB.
UPSTREAM_MAX_BODY_BYTES = env.int("UPSTREAM_MAX_BODY_BYTES", default=50 * 1024 * 1024)

# PubMed sync (references/): NCBI allows 3 requests/s per IP without an API key, 10/s with one, counted across
# all workers together (the limiter lives in Redis when REDIS_URL is set). Retries back off exponentially with
# jitter; tests shrink these delays. References not synced for PUBMED_RESYNC_AFTER_DAYS are re-synced nightly.
PUBMED_BATCH_SIZE = min(env.int("PUBMED_BATCH_SIZE", default=200), 200)  # NCBI: POST, at most ~200 ids
PUBMED_REQUESTS_PER_SECOND = env.float("PUBMED_REQUESTS_PER_SECOND", default=10.0 if NCBI_API_KEY else 3.0)
PUBMED_RETRY_ATTEMPTS = env.int("PUBMED_RETRY_ATTEMPTS", default=5)
PUBMED_RETRY_BACKOFF_SECONDS = env.float("PUBMED_RETRY_BACKOFF_SECONDS", default=1.0)
PUBMED_RETRY_BACKOFF_MAX_SECONDS = env.float("PUBMED_RETRY_BACKOFF_MAX_SECONDS", default=60.0)
PUBMED_RESYNC_AFTER_DAYS = env.int("PUBMED_RESYNC_AFTER_DAYS", default=30)
# 03:00 UTC is 22:00/23:00 US Eastern: NCBI asks for large jobs between 21:00 and 05:00 Eastern on weekdays.
CELERY_BEAT_SCHEDULE["references-resync-stale-from-pubmed"] = {
    "task": "references.tasks.resync_stale_references",
    "schedule": crontab(hour=env.int("PUBMED_RESYNC_HOUR_UTC", default=3), minute=0),
}
# PubMed literature watcher (references/): saved searches (each trial's NCT number in [si] and acronym, each drug's
# names and codes) over the Entrez dates since their last run; the first run of a search looks this many days back.
# Drug-name searches are narrowed by PUBMED_WATCH_DRUG_FILTER (empty: no filter), or they would find every paper
# that mentions trastuzumab. It shares the PubMed limiter with the sync, and runs after it.
PUBMED_WATCH_FIRST_WINDOW_DAYS = env.int("PUBMED_WATCH_FIRST_WINDOW_DAYS", default=30)
PUBMED_WATCH_MAX_RESULTS = env.int("PUBMED_WATCH_MAX_RESULTS", default=200)
PUBMED_WATCH_DRUG_FILTER = env.str("PUBMED_WATCH_DRUG_FILTER", default='"clinical trial"[pt]')
CELERY_BEAT_SCHEDULE["references-watch-pubmed-literature"] = {
    "task": "references.tasks.watch_pubmed_literature",
    "schedule": crontab(hour=env.int("PUBMED_WATCH_HOUR_UTC", default=4), minute=0),
}

# ClinicalTrials.gov sync (trials/): the registry publishes no rate limit and sends no rate-limit headers; its
# robots.txt asks for one request per second and third-party guides quote about 50 requests per minute per IP, so
# that is the default, held across all workers. The registry refreshes its data Monday to Friday by 09:00 US
# Eastern; the daily run starts at 15:00 UTC, after that.
CTGOV_REQUESTS_PER_MINUTE = env.float("CTGOV_REQUESTS_PER_MINUTE", default=50.0)
CTGOV_BATCH_SIZE = min(env.int("CTGOV_BATCH_SIZE", default=100), 100)
CTGOV_RETRY_ATTEMPTS = env.int("CTGOV_RETRY_ATTEMPTS", default=5)
CTGOV_RETRY_BACKOFF_SECONDS = env.float("CTGOV_RETRY_BACKOFF_SECONDS", default=2.0)
CTGOV_RETRY_BACKOFF_MAX_SECONDS = env.float("CTGOV_RETRY_BACKOFF_MAX_SECONDS", default=120.0)
CELERY_BEAT_SCHEDULE["trials-sync-from-ctgov"] = {
    "task": "trials.tasks.sync_trials_from_ctgov",
    "schedule": crontab(hour=env.int("CTGOV_SYNC_HOUR_UTC", default=15), minute=0),
}

# openFDA watcher (drugs/): "With no API key: 240 requests per minute, per IP address. 1,000 requests per day"
# (open.fda.gov/apis/authentication; with a key 240/minute and 120,000/day per key), held across all workers. It
# reads drug/drugsfda.json for the applications the dataset tracks and new applications of tracked substances and
# of the pharmacological classes below, and drug/label.json for label revisions and boxed warnings; everything it
# finds is a proposal. The class string is openFDA's mechanism-of-action term as seen on trastuzumab labels.
OPENFDA_BASE_URL = env.str("OPENFDA_BASE_URL", default="https://api.fda.gov/")
OPENFDA_API_KEY = env.str("OPENFDA_API_KEY", default="")
OPENFDA_REQUESTS_PER_MINUTE = env.float("OPENFDA_REQUESTS_PER_MINUTE", default=240.0)
OPENFDA_RETRY_ATTEMPTS = env.int("OPENFDA_RETRY_ATTEMPTS", default=5)
OPENFDA_RETRY_BACKOFF_SECONDS = env.float("OPENFDA_RETRY_BACKOFF_SECONDS", default=2.0)
OPENFDA_RETRY_BACKOFF_MAX_SECONDS = env.float("OPENFDA_RETRY_BACKOFF_MAX_SECONDS", default=120.0)
OPENFDA_PHARM_CLASSES = env.list("OPENFDA_PHARM_CLASSES", default=["HER2/Neu/cerbB2 Antagonists [MoA]"])
CELERY_BEAT_SCHEDULE["drugs-watch-openfda"] = {
    "task": "drugs.tasks.watch_openfda",
    "schedule": crontab(hour=env.int("OPENFDA_WATCH_HOUR_UTC", default=5), minute=0),
}

# ---------------------------------------------------------------------------------------------
# Dataset releases (`manage.py release_her2kb`): one folder per version, served at /releases/. Several web
# servers must share this folder (a volume) for all of them to offer the latest release.
# ---------------------------------------------------------------------------------------------
RELEASES_DIR = Path(env.str("RELEASES_DIR", default=str(VAR_DIR / "releases")))

# The bulk export (/api/v1/export/) is written here once per dataset state and streamed from the file. Several
# web servers sharing this folder (a volume) build each state once between them; a private folder works too.
EXPORTS_DIR = Path(env.str("EXPORTS_DIR", default=str(VAR_DIR / "exports")))
# A new state's file is built in the background (a Celery task) while the previous file is served. With tasks
# run in-process (no Redis: no worker) a thread beside the request builds it instead; under pytest the eager
# task builds it at once, so tests see the new file.
TASKS_IN_THREAD = CELERY_TASK_ALWAYS_EAGER and not TESTING  # her2kb.background.start_in_background
# The same for the search vocabulary's rebuild (portal.vocabulary), queued once the request's transaction commits:
# a test run inside a transaction that never commits rebuilds it itself when it needs the words.

# ---------------------------------------------------------------------------------------------
# Internationalisation, static files
# ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; plain storage in tests and development,
        # where collectstatic has not run.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Serve straight from the app/project static folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# ---------------------------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Production (DEBUG off) is HTTPS-only. Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER_NAME.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS_ONLY
if env.str("SECURE_PROXY_SSL_HEADER_NAME", default=""):
    SECURE_PROXY_SSL_HEADER = (env.str("SECURE_PROXY_SSL_HEADER_NAME"), "https")
# The health check must answer plain HTTP from the load balancer / compose health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How many proxies in front of the site append to X-Forwarded-For (a load balancer, a TLS proxy). Per-address limits
# count the address the outermost of them saw; 0 (the default) ignores the header and counts REMOTE_ADDR.
# See her2kb/clients.py. Never set it higher than the real number: clients could then choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LOGIN_URL = "admin:login"
ADMIN_LOGIN_PATH = "/admin/login/"
# Admin sign-in attempts within the window, per account (from anywhere) and per address (at any accounts), before
# further attempts get a 429 (her2kb/login_limits.py). `manage.py clear_login_lockout` lifts a lock-out at once.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)

# ---------------------------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------------------------
# Requests per client, as DRF writes them ("<n>/second|minute|hour|day"): anonymous clients per IP
# address, token holders (and staff) per account. A 429 answer says in Retry-After when to come back.
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_RATE_ANONYMOUS", default="60/minute"),
    "user": env.str("API_THROTTLE_RATE_TOKEN", default="600/minute"),
    # Whole lists in file formats (?format=csv|ris|bibtex|csljson), per address, on top of the rate above.
    "download": env.str("API_THROTTLE_RATE_DOWNLOAD", default="30/hour"),
}
# API responses are cached (Redis, or local memory) for this long under the data version, which every curated
# write bumps: an edit shows at once. Each request is still validated and throttled first. 0 turns it off.
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=600)
# Anonymous HTML pages are cached the same way (her2kb.middleware.PublicPageCacheMiddleware). 0 turns it off:
# the benchmark's cold server does, so that every page it measures is rendered from the database.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# The data version (the number in every cached piece's key) and the version the search vocabulary was built from
# expire after this long without an edit; then everything cached is computed afresh, once. Every entry the code writes
# expires, so Redis, bounded with volatile-lru (docker-compose.yml), may evict any of them and never the Celery queue.
DATA_VERSION_SECONDS = env.int("DATA_VERSION_SECONDS", default=7 * 24 * 3600)
# HTML pages per client address a minute (her2kb.middleware.PageRateLimitMiddleware), a 429 page past it. 0 turns it
# off; the test suite (hundreds of pages a minute from one address) runs without it, except the tests of it.
PAGE_RATE_LIMIT_PER_MINUTE = env.int("PAGE_RATE_LIMIT_PER_MINUTE", default=0 if TESTING else 300)
# django-filter: the "no filter" option of a choice filter, in pages and in the browsable API.
FILTERS_EMPTY_CHOICE_LABEL = "Any"
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "her2kb.api.renderers.CSVRenderer"],
    "DEFAULT_PAGINATION_CLASS": "her2kb.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "her2kb.api.throttling.AnonymousRateThrottle",
        "her2kb.api.throttling.TokenRateThrottle",
    ],
    # The test suite sends hundreds of requests a minute from one address: throttling is off there, except
    # in the throttling tests, which set their own rates.
    "DEFAULT_THROTTLE_RATES": {}
    if TESTING and not env.bool("API_THROTTLE_IN_TESTS", default=False)
    else API_THROTTLE_RATES,
    "EXCEPTION_HANDLER": "her2kb.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "her2kb.api.schema.ApiAutoSchema",
    # Hazard ratios and confidence bounds as JSON numbers, not strings.
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "her2kb API",
    "DESCRIPTION": (BASE_DIR / "her2kb" / "api" / "description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "OAS_VERSION": "3.1.0",
    "SORT_OPERATION_PARAMETERS": False,
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayRequestDuration": True, "tryItOutEnabled": True},
    # Two vocabularies share the field name "kind": name each enumeration after what it is. The flat evidence rows
    # name the approval's and the trial's fields with a prefix (approval_agency …): one enumeration each all the same.
    "ENUM_NAME_OVERRIDES": {
        "WarningKindEnum": "drugs.choices.WarningKind",
        "OutcomeSourceKindEnum": "trials.choices.OutcomeSourceKind",
        "AgencyEnum": "drugs.choices.Agency",
        "TumourTypeEnum": "drugs.choices.TumourType",
        "Her2CategoryEnum": "drugs.choices.Her2Category",
        "SettingEnum": "drugs.choices.TherapySetting",
        "PhaseEnum": "trials.choices.TrialPhase",
        "DesignationEnum": "drugs.choices.Designation",
    },
}
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# A page on another origin may revalidate (If-None-Match / If-Modified-Since) and read the validators, the rate
# limit and a download's file name; without these its browser hides them or refuses the preflight.
CORS_ALLOW_HEADERS = [*cors_default_headers, "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Last-Modified",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Retry-After",
    "Content-Disposition",
]
CORS_PREFLIGHT_MAX_AGE = 86400

# ---------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
