"""init-db: run the migrations (libs/siades/migrate.py), recreate any table still missing, fill
empty lookup tables, add the letter formats the village lacks; touching no other row."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from libs.siades import bot_models, migrate, models
from libs.siades.base import Base
from libs.siades.letter_forms import FormatReport, ensure_formats
from libs.siades.lookups import LOOKUPS
from libs.siades.village import Village, detect, session_factory


@dataclass
class InitReport:
    """What init_db did: migrations, tables created, lookup tables filled (name -> rows)."""

    migrations: migrate.MigrationReport = field(default_factory=migrate.MigrationReport)
    created_tables: list[str] = field(default_factory=list)
    filled_lookups: dict[str, int] = field(default_factory=dict)
    village: Village | None = None
    formats: FormatReport = field(default_factory=lambda: FormatReport([], []))


def init_db(engine: Engine, village_code: str = "") -> InitReport:
    """Migrate to the heads, create any table still missing, fill empty lookup tables, then add
    the letter formats the village lacks (VillageError, after the tables, if the database
    holds several villages and `village_code` names none of them)."""
    assert bot_models.BOT_MODELS  # imported for its tables on Base.metadata
    existing = set(inspect(engine).get_table_names())
    report = InitReport(migrations=migrate.upgrade(engine))
    # A table dropped by hand from a migrated database: no revision will run again to make it.
    # At the heads the models are the migrations' schema (tests compare the two), so the
    # model's table is the one the migrations would have made.
    Base.metadata.create_all(engine, checkfirst=True)
    report.created_tables = [
        t.name for t in Base.metadata.sorted_tables if t.name not in existing
    ]
    with Session(engine) as session, session.begin():
        for model in models.LOOKUP_MODELS:
            table = model.__tablename__
            if session.scalar(select(func.count()).select_from(model)):
                continue
            rows = [{"id": id_, "name": name} for id_, name in LOOKUPS[table]]
            session.execute(insert(model), rows)
            if engine.dialect.name == "postgresql":
                # Explicit ids leave PostgreSQL's sequence at 1: move it past them, so a later
                # insert without an id (an operator adding a lookup value) does not collide.
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
            report.filled_lookups[table] = len(rows)
    with engine.connect() as connection:
        report.village = detect(connection, village_code)
    with session_factory(engine, report.village).begin() as session:
        report.formats = ensure_formats(session)
    return report
