"""Django settings for Koschei on Django.

Domain configuration lives in ``KOSCHEI`` (defaults of upstream's config.cfg, operator
files merged over them, then environment variables; see koschei_site.config).  Upstream
keys that have a Django meaning are mapped here: ``database_config`` -> DATABASES,
``flask.SECRET_KEY`` -> SECRET_KEY.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from koschei_site.config import ConfigError, load_for_process

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ


def env_flag(name: str, default: bool = False) -> bool:
    """A boolean environment variable: 1/true/yes/on (any case) are true."""
    value = ENV.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_count(name: str, default: int) -> int:
    """A positive whole number from the environment, or a start-up error naming it."""
    value = ENV.get(name, str(default)).strip()
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


try:
    KOSCHEI = load_for_process()
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

DEBUG = env_flag("KOSCHEI_DEBUG")


# What needs a secret: the web (sessions, CSRF, login) and the workers, which unsign the
# tasks django-q2 signs with SECRET_KEY.  Operator commands do not, so they run without
# one; a command that enqueues a task then needs it (Django says so when it does).
COMPONENT = KOSCHEI["component"]
NEEDS_SECRET = COMPONENT in {"frontend", "backend"}


def required(name: str, value: str | None, dev_default: str, *, needed: bool = True) -> str:
    """A production setting that must be given where ``needed``; development gets
    ``dev_default``, other production processes an empty value."""
    if value:
        return value
    if DEBUG:
        return dev_default
    if not needed:
        return ""
    raise ImproperlyConfigured(
        f"{name} must be set in production (KOSCHEI_DEBUG is off) for the {COMPONENT}; "
        "see README.md"
    )


SECRET_KEY = required(
    "KOSCHEI_SECRET_KEY",
    ENV.get("KOSCHEI_SECRET_KEY") or KOSCHEI["flask"].get("SECRET_KEY"),
    "insecure-development-key-do-not-use-in-production-0123456789",
    needed=NEEDS_SECRET,
)
ALLOWED_HOSTS = [
    h.strip()
    for h in required(
        "KOSCHEI_ALLOWED_HOSTS",
        ENV.get("KOSCHEI_ALLOWED_HOSTS"),
        "127.0.0.1,localhost",
        needed=COMPONENT == "frontend",
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mozilla_django_oidc",
    "django_q",
    "koschei_site",
    "packages",
    "builds",
    "resolution",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, served by the app itself
    "koschei_site.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "koschei_site.urls"
WSGI_APPLICATION = "koschei_site.wsgi.application"

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
                "packages.context_processors.page_furniture",
                "resolution.context_processors.buildroot_notices",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """DATABASES['default'] from a postgresql:// URL (KOSCHEI_DATABASE_URL or db_url)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg2"}:
        raise ImproperlyConfigured(f"KOSCHEI_DATABASE_URL must be postgresql://, not {url!r}")
    return {
        "NAME": unquote(parts.path.lstrip("/")) or "koschei",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def database_from_config(db: dict[str, object]) -> dict[str, object]:
    """DATABASES['default'] from upstream's database_config section."""
    return {
        "NAME": db.get("database") or "koschei",
        "USER": db.get("username") or "",
        "PASSWORD": db.get("password") or "",
        "HOST": db.get("host") or "",
        "PORT": str(db.get("port") or ""),
    }


_db_url = ENV.get("KOSCHEI_DATABASE_URL") or KOSCHEI.get("db_url")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        **(
            database_from_url(_db_url)
            if _db_url
            else database_from_config(KOSCHEI["database_config"])
        ),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": ENV.get("KOSCHEI_TEST_DATABASE")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = KOSCHEI["directories"].get("static_url") or "/static/"
STATIC_ROOT = Path(ENV.get("KOSCHEI_STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves compressed, content-hashed copies made by collectstatic (WhiteNoise);
# development serves the files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Maintainers log in with OpenID Connect (koschei_site/auth.py); operators may also use the
# admin's password login.
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    "koschei_site.auth.KoscheiOIDCBackend",
    "django.contrib.auth.backends.ModelBackend",
]
_OIDC = KOSCHEI["oidc"]
OIDC_RP_CLIENT_ID = _OIDC.get("client_id") or ""
OIDC_RP_CLIENT_SECRET = _OIDC.get("client_secret") or ""
OIDC_OP_AUTHORIZATION_ENDPOINT = _OIDC.get("authorization_endpoint") or ""
OIDC_OP_TOKEN_ENDPOINT = _OIDC.get("token_endpoint") or ""
OIDC_OP_USER_ENDPOINT = _OIDC.get("userinfo_endpoint") or ""
OIDC_OP_JWKS_ENDPOINT = _OIDC.get("jwks_endpoint") or ""
OIDC_RP_SIGN_ALGO = _OIDC.get("sign_algo") or "RS256"
OIDC_RP_SCOPES = _OIDC.get("scopes") or "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10  # seconds for each call to the provider

# django-q2: PostgreSQL (Django ORM) broker by default; Redis when KOSCHEI_REDIS_URL is set.
# `retry` must exceed `timeout`, or a slow task is handed to a second worker while running.
# `retry` redelivers only on the ORM broker: Redis has no delivery receipts, so the tasks a
# host has taken (running, and up to `queue_limit` waiting for its workers) die with it.
# Koschei re-does such work itself: the repo check re-enqueues overdue resolution chunks,
# polling syncs running builds, the next scheduler run makes the next decision.
# KOSCHEI_QUEUE_NAME names the queue (the Redis key prefix, and the salt task signatures
# use): every process of one deployment shares it, two deployments on one Redis differ.
Q_CLUSTER: dict[str, object] = {
    "name": ENV.get("KOSCHEI_QUEUE_NAME") or "koschei",
    "workers": env_count("KOSCHEI_WORKERS", 2),
    "timeout": 1800,
    "retry": 2400,
    "max_attempts": 3,
    "queue_limit": env_count("KOSCHEI_QUEUE_LIMIT", 50),
    "bulk": 10,
    "catch_up": False,
    "orm": "default",
    "poll": 0.1,  # seconds an idle ORM-broker cluster waits between looks at the queue
    "label": "Workers",
}
if ENV.get("KOSCHEI_REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = ENV["KOSCHEI_REDIS_URL"]

AMQP_URL = ENV.get("KOSCHEI_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
AMQP_QUEUE = ENV.get("KOSCHEI_AMQP_QUEUE", "koschei-watcher")  # watch-messages' durable queue

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("KOSCHEI_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(ENV.get("KOSCHEI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = KOSCHEI.get("logging") or {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.get("KOSCHEI_LOG_LEVEL", "INFO")},
    # the AMQP client narrates every connection step at INFO; our watcher logs what matters
    "loggers": {"pika": {"level": "WARNING"}},
}
