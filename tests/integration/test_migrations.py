"""The migrations build exactly the schema the models describe, and can be undone."""
import re
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import config, create_app
from app.extensions import db


def test_upgrade_matches_the_models_and_downgrade_undoes_it(fresh_database_url, tmp_path):
    app = create_app(config.testing_config(str(tmp_path), fresh_database_url, str(tmp_path / "index")))
    directory = str(config.REPO_ROOT / "migrations")
    with app.app_context(), warnings.catch_warnings():
        # Neither dialect can reflect the expression index on lower(username) to compare it.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            dialect = connection.dialect.name
            indexes = {index["name"] for index in inspect(connection).get_indexes("users")}
            tables_sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table'").scalars().all() if dialect == "sqlite" else []
        assert differences == []
        assert "uq_users_username_lower" in indexes or dialect == "sqlite"
        # Ids are never reused (a stale search document would point at another post):
        # no migration may rebuild a table without AUTOINCREMENT.
        for table in ("users", "questions", "answers", "comments", "search_changes"):
            # A table a batch migration rebuilt is stored with its name quoted.
            assert dialect != "sqlite" or any(re.match(rf'CREATE TABLE "?{table}"? ', sql) and "AUTOINCREMENT" in sql
                                              for sql in tables_sql), table
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
