"""`python -m libs.siades init-db | seed-demo`: create the tables, fill a demo village."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine

from libs.config import Settings
from libs.siades.db import make_engine, normalise_url
from libs.siades.demo import NotEmptyError, seed_demo
from libs.siades.schema import InitReport, init_db

__all__ = ["init_db", "main", "seed_demo"]


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command against DATABASE_URL; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m libs.siades", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("init-db", help="create missing tables, fill empty lookup tables")
    commands.add_parser("seed-demo", help="fill an empty database with a demo village")
    args = parser.parse_args(argv)

    settings = Settings.from_env(environ)
    url = normalise_url(settings.database_url)
    print(f"database: {url.render_as_string(hide_password=True)}")
    engine = make_engine(url)
    try:
        if args.command == "init-db":
            print_report(init_db(engine))
            return 0
        return run_seed_demo(engine)
    finally:
        engine.dispose()


def print_report(report: InitReport) -> None:
    """Say which tables init-db created and which lookup tables it filled."""
    for table in report.created_tables:
        print(f"created table {table}")
    for table, rows in report.filled_lookups.items():
        print(f"filled lookup table {table} ({rows} rows)")
    if not report.created_tables and not report.filled_lookups:
        print("nothing to do: every table exists and every lookup table has rows")


def run_seed_demo(engine: Engine) -> int:
    """Seed the demo village, or refuse in one line if the database has residents."""
    try:
        summary = seed_demo(engine)
    except NotEmptyError as exc:
        print(f"seed-demo refused: {exc}; it only fills an empty database", file=sys.stderr)
        return 1
    print(
        f"seeded demo village Desa Sumbermulyo: {summary.families} families, "
        f"{summary.residents} residents, {summary.programs} programs, "
        f"{summary.participants} program participants"
    )
    return 0
