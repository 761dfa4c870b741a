from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrations
from app.db import make_engine
from app.domain.base import Base


def test_migrations_upgrade_downgrade_and_match_the_models(database_url) -> None:
    engine = make_engine(database_url)
    try:
        migrations.upgrade(engine)
        assert migrations.current(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        migrations.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert "audit_events" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
