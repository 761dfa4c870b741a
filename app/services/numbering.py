"""Gapless number series: one counter row per (organisation, series, year), locked to advance.

The counter is advanced inside the caller's transaction, so a rollback returns the number:
no gap, no duplicate, also with many clerks registering at once on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain.numbering import NumberCounter


def next_number(session: Session, organisation_id: int, series: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NumberCounter)
        .values(organisation_id=organisation_id, series=series, year=year, last=0)
        .on_conflict_do_nothing()
    )
    number = session.execute(
        update(NumberCounter)
        .where(
            NumberCounter.organisation_id == organisation_id,
            NumberCounter.series == series,
            NumberCounter.year == year,
        )
        .values(last=NumberCounter.last + 1)
        .returning(NumberCounter.last)
    ).scalar_one()
    return int(number)
