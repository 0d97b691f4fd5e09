"""Configuration classes. Every secret and URL comes from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (refused in production)


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eventapp.db'}")
    # No pool_pre_ping: on PostgreSQL a check without a round trip replaces the connections a restart
    # closed (eventapp/core/db.py, install_postgresql_liveness_check); a SQLite file cannot go away.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = ("fr", "nl", "en")
    # Absolute URLs in emails and calendar feeds are built from this, never from the request Host. In
    # development it follows the port `flask run` serves (FLASK_RUN_PORT, set by `make run PORT=…`).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('FLASK_RUN_PORT', '5000')}")
    # The organiser's site named in the schema.org data of the public pages (eventapp/events/jsonld.py).
    JSONLD_ORGANIZER_URL = os.environ.get("JSONLD_ORGANIZER_URL", "https://digital.brussels")
    # UiTdatabank's Entry API the export is meant for: places are referred to as <this>/places/<id>
    # (publiq's test environment is https://io-test.uitdatabank.be).
    UITDATABANK_URL = os.environ.get("UITDATABANK_URL", "https://io.uitdatabank.be")
    # The licence of the open data in the DCAT-AP catalogue (/api/v1/catalog), as its URI.
    OPEN_DATA_LICENCE = os.environ.get(
        "OPEN_DATA_LICENCE", "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    )
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    # Event images (eventapp/events/images.py): where their resized versions are written (nginx may
    # serve this directory at /media/events/, see docs/deploy.md), and the largest upload taken.
    EVENT_IMAGES_DIR = os.environ.get("EVENT_IMAGES_DIR", str(INSTANCE_DIR / "event-images"))
    EVENT_IMAGE_MAX_BYTES = 12 * 1024 * 1024
    # Off only for load tests (bench/): every state-changing form carries a CSRF token.
    WTF_CSRF_ENABLED = _env_bool("WTF_CSRF_ENABLED", True)
    WTF_CSRF_TIME_LIMIT = None  # a registration form left open over lunch must still submit

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Smart City Events <no-reply@events.brussels>")
    # When true, the outbox keeps messages for the development mailbox page instead of using SMTP.
    MAIL_DEV_MAILBOX = _env_bool("MAIL_DEV_MAILBOX", False)

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis is down, limits fall back to per-process memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # "json" in production
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Number of trusted reverse proxies in front of the app (X-Forwarded-For/Proto/Host).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    # A back-office session ends after this long without a request of the person (background refreshes
    # of an open dashboard do not count), and this long after its login in all (docs/deploy.md).
    ADMIN_SESSION_IDLE_MINUTES = int(os.environ.get("ADMIN_SESSION_IDLE_MINUTES", "30"))
    ADMIN_SESSION_MAX_HOURS = int(os.environ.get("ADMIN_SESSION_MAX_HOURS", "12"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PRIVACY_NOTICE_VERSION = "2026-11"
    # The footer's contact, and where the accessibility statement asks people to report a barrier.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "smartcity-events@digital.brussels")
    # The date of the accessibility statement's last review (ISO date); change it with each review.
    ACCESSIBILITY_REVIEWED_ON = os.environ.get("ACCESSIBILITY_REVIEWED_ON", "2026-12-06")
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "90"))
    # Seats of one event that registrations from one network (/24, /48) may hold while their email
    # address is not confirmed (registration.services; docs/deploy.md). 0: no such limit (load tests).
    REGISTRATION_NETWORK_SEATS = int(os.environ.get("REGISTRATION_NETWORK_SEATS", "40"))
    # Seconds a worker reuses a public feed's fingerprint (a change shows in a feed that much later).
    FEED_STATE_TTL = float(os.environ.get("FEED_STATE_TTL", "10"))
    # Seconds a worker reuses what it knows of a door scanner and its event (tickets.scanners.authenticate_door):
    # a scanner revoked in another worker stops within that time.
    SCANNER_CACHE_TTL = float(os.environ.get("SCANNER_CACHE_TTL", "5"))
    # How long a worker answers live polls from its own copy of a room's version (participation/live.py):
    # a phone sees a change at most this much later; the database sees a few reads a second, not hundreds.
    LIVE_VERSION_TTL = float(os.environ.get("LIVE_VERSION_TTL", "0.25"))


class DevelopmentConfig(Config):
    DEBUG = True
    MAIL_DEV_MAILBOX = _env_bool("MAIL_DEV_MAILBOX", True)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 (tests only)
    # `or`: the Makefile exports TEST_DATABASE_URL empty when no database is chosen.
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    # Off, in memory, unless a scale-out test starts gunicorn with a shared Redis (tests/production).
    RATELIMIT_ENABLED = _env_bool("TEST_RATELIMIT_ENABLED", False)
    RATELIMIT_STORAGE_URI = os.environ.get("TEST_REDIS_URL") or "memory://"
    MAIL_DEV_MAILBOX = False
    PUBLIC_BASE_URL = "http://events.test"
    FEED_STATE_TTL = 0
    # Off, so that a revocation shows at once, unless a test of the snapshot itself sets it.
    SCANNER_CACHE_TTL = float(os.environ.get("TEST_SCANNER_CACHE_TTL", "0"))
    LIVE_VERSION_TTL = float(os.environ.get("TEST_LIVE_VERSION_TTL", "0"))


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "1"))
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Errors and logs never show statement parameters (emails, names, token digests).
    SQLALCHEMY_ENGINE_OPTIONS = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "hide_parameters": True}

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse to start with a missing or development secret key."""
        key = config.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
