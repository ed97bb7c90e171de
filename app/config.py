"""Configuration read from the environment when the app is created, never at import."""
import os
import secrets
from pathlib import Path

# The checkout, where templates/, static/, migrations/ and instance/ live: the project is installed
# editable (pyproject.toml), so app/ is imported from here and not from a copy in site-packages.
REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name, default):
    """Read a boolean environment variable such as `true`, `1`, `no`."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path):
    """DATABASE_URL with the psycopg 3 driver, or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'peerdesk.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path):
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Written with O_EXCL so two workers starting at once agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def switched_on(app, name):
    """Whether a background switch is on: the app's config, then the environment, else on outside tests."""
    value = app.config.get(name, os.environ.get(name))
    if value is None:
        return not app.testing
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path):
    """Settings for a real deployment, from environment variables with embedded defaults."""
    database_url = _database_url(instance_path)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(REPO_ROOT / "search_index")),
        # Uploaded images, re-encoded and named by their hash (app/uploads); created at start.
        "UPLOADS_DIR": os.environ.get("UPLOADS_DIR", str(Path(instance_path) / "uploads")),
        # Semantic suggestions (app.search.semantic): on when the model's package is installed.
        "SEARCH_SEMANTIC": _env_bool("SEARCH_SEMANTIC", True),
        # The content's language (a two-letter code): stemming and stop words follow it (app/search/whoosh_index.py).
        "SEARCH_LANGUAGE": os.environ.get("SEARCH_LANGUAGE", "en").strip().lower(),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "peerdesk"),
        "TRUST_PROXY_HEADERS": int(os.environ.get("TRUST_PROXY_HEADERS", "0")),
        # One JSON line per request on stderr (app/operations/request_log.py).
        "REQUEST_LOG": _env_bool("REQUEST_LOG", True),
        # /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` when this is set.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        # /readyz fails when this host's index is further behind the change log than this.
        "READY_INDEX_LAG_SECONDS": int(os.environ.get("READY_INDEX_LAG_SECONDS", "30")),
        # How often each web process polls the search change log's head (app/search/follow.py), and
        # how many days of changes the log keeps (a host further behind rebuilds its index instead).
        "SEARCH_FOLLOW_SECONDS": float(os.environ.get("SEARCH_FOLLOW_SECONDS", "1")),
        "SEARCH_LOG_KEEP_DAYS": float(os.environ.get("SEARCH_LOG_KEEP_DAYS", "7")),
        # How long view counts and search logs may wait in memory before one write (app/write_behind.py).
        "WRITE_BEHIND_SECONDS": float(os.environ.get("WRITE_BEHIND_SECONDS", "5")),
        **STATIC_SETTINGS,
    }


# Settings that do not vary between deployments.
STATIC_SETTINGS = {
    # Every body but an image upload's, which gets the UPLOADS_MAX_BYTES setting's limit (app/uploads).
    "MAX_CONTENT_LENGTH": 512 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A token tied to the session: a long draft must not fail CSRF after an hour.
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis down or hung: each process counts in its own memory until Redis answers again (checked with
    # a growing pause), so sign-in, posting and resets keep working and keep a per-process limit; a
    # short socket timeout bounds what a hung Redis costs a request before that switch.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    "RATELIMIT_SIGN_IN": "10 per minute; 50 per hour",
    "RATELIMIT_SIGN_UP": "5 per hour",
    "RATELIMIT_POSTING": "20 per minute; 200 per hour",
    "RATELIMIT_MESSAGES": "10 per minute; 100 per day",
    "RATELIMIT_SUGGEST_OPENED": "10 per minute; 60 per hour",
    "PASSWORD_HASH_METHOD": "scrypt",
    "QUESTIONS_PER_PAGE": 30,
    "PAGE_CACHE_SECONDS": 30,
    "PAGE_CACHE_SIZE": 2000,
}


def engine_options(database_url):
    """The pool's options for a database URL.

    A server's connection can die between requests (a restart): pre-ping replaces it; a file's cannot. A server that
    accepts connections but does not answer (frozen, black-holed) must not hold a request for long: libpq gives up
    after DATABASE_CONNECT_TIMEOUT seconds, and the request gets the 503 page.
    """
    if not database_url.startswith("postgresql"):
        return {"pool_pre_ping": not database_url.startswith("sqlite")}
    timeout = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": timeout}}


def testing_config(instance_path, database_url, search_index_dir):
    """Settings for the test suite: a given database and index, limits off unless a test wants them."""
    config = load_config(instance_path)
    config.update(
        TESTING=True,
        SECRET_KEY="test-secret-key",  # noqa: S106 - tests only
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_url),
        SEARCH_INDEX_DIR=search_index_dir,
        RATELIMIT_ENABLED=False,
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=False,
        WRITE_BEHIND_SECONDS=0.0,
        REQUEST_LOG=False,  # a test that reads the lines switches it on
        # Tests create hundreds of members; a fast hash keeps them quick (production keeps scrypt).
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # noqa: S106 - a hash method name, tests only
    )
    return config
