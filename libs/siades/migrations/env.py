"""Alembic's entry point: run the revisions on the connection migrate.py hands over, else on
DATABASE_URL (the `alembic` command), or write their SQL (offline)."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from libs.config import Settings
from libs.siades import bot_models, models
from libs.siades.base import Base
from libs.siades.db import make_engine, normalise_url
from libs.siades.migrate import VERSION_TABLE, only_tables

assert models.LOOKUP_MODELS and bot_models.BOT_MODELS  # imported for their tables on Base

config = context.config

# Only the `alembic` command has an ini file; init-db keeps the service's own logging.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def options() -> dict:
    """What every run configures: our version table, and autogenerate limited to bot_ tables."""
    return {
        "target_metadata": Base.metadata,
        "version_table": VERSION_TABLE,
        # OpenSID's tables are OpenSID's to change: a model change there is no bot_ revision.
        **only_tables(lambda name: name.startswith("bot_")),
        # SQLite alters a table by copying it; batch operations do that and are plain ALTERs
        # on the other databases.
        "render_as_batch": True,
        "on_version_apply": record_applied,
    }


def record_applied(*, ctx, step, heads, run_args) -> None:
    """Note each revision applied, for init-db to say which ones ran."""
    applied = config.attributes.get("applied")
    if applied is not None and step.is_upgrade and not step.is_stamp:
        applied.extend(step.up_revision_ids)


def database_url():
    """The URL given by migrate.py, else DATABASE_URL as the services read it."""
    return normalise_url(config.attributes.get("url") or Settings.from_env(os.environ).database_url)


def run_offline() -> None:
    """Write the SQL of the revisions to stdout instead of running it."""
    context.configure(url=database_url(), literal_binds=True, **options())
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection) -> None:
    """Run the revisions on one connection."""
    context.configure(connection=connection, **options())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif config.attributes.get("connection") is not None:
    run_online(config.attributes["connection"])
else:
    engine = make_engine(database_url())
    try:
        with engine.begin() as connection:
            run_online(connection)
    finally:
        engine.dispose()
