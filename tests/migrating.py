"""Databases migrated to a chosen revision, for the tests of a migration's upgrade, backfill and downgrade."""
import contextlib
import warnings

from flask_migrate import upgrade

from app import config, create_app
from app.extensions import db

MIGRATIONS = str(config.REPO_ROOT / "migrations")


@contextlib.contextmanager
def migrated_to(database_url, tmp_path, revision="head"):
    """Inside the context of an app whose database is migrated to `revision`; yields the app."""
    app = create_app(config.testing_config(str(tmp_path), database_url, str(tmp_path / "index")))
    with app.app_context(), warnings.catch_warnings():
        # Neither dialect can reflect the expression index on lower(username) to compare or copy it.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        upgrade(directory=MIGRATIONS, revision=revision)
        try:
            yield app
        finally:
            # Closed here, not by the garbage collector in some later test (a ResourceWarning there).
            db.session.remove()
            db.engine.dispose()
