"""Alembic environment: runs against the engine handed over in the config attributes."""

from alembic import context

from app.domain import all_models  # noqa: F401 - registers every table on the metadata
from app.domain.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
