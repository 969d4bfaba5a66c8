"""Alembic's script directory for the SIADES schema; libs/siades/migrate.py runs it."""
