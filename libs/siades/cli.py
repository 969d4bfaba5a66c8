"""`python -m libs.siades init-db | schema | seed-demo | create-staff`: create the tables,
show or write the migrations' SQL, fill a demo village, add or update a staff console account."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, select

from libs.config import Settings
from libs.siades import migrate
from libs.siades.accounts import hash_password, password_problem
from libs.siades.bot_models import STAFF_ROLES, Staff
from libs.siades.db import make_engine, make_session_factory, normalise_url, session_scope
from libs.siades.demo import NotEmptyError, seed_demo
from libs.siades.schema import InitReport, init_db
from libs.siades.village import VillageError

__all__ = ["create_staff", "init_db", "main", "seed_demo"]


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command against DATABASE_URL; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m libs.siades", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("init-db", help="run the migrations, create missing tables, fill empty "
                        "lookup tables")
    schema = commands.add_parser(
        "schema", help="show the schema's revisions, or with --sql write the SQL of the "
        "migrations for a DBA to run (init-db runs them itself)")
    schema.add_argument("--sql", action="store_true",
                        help="write the SQL that brings an empty schema to TARGET; connects "
                        "to nothing")
    schema.add_argument("target", nargs="?", default="heads", metavar="TARGET",
                        help="heads (default: bot_ and OpenSID's tables, for a database "
                        "without OpenSID), bot@head (only bot_ tables, beside OpenSID) or "
                        "FROM:TO for a database at FROM")
    commands.add_parser("seed-demo", help="fill an empty database with a demo village")
    staff = commands.add_parser(
        "create-staff", help="add a staff console account, or update an existing one "
        "(password from STAFF_PASSWORD, else asked twice)")
    staff.add_argument("--username", required=True)
    staff.add_argument("--full-name", required=True)
    staff.add_argument("--role", required=True, choices=STAFF_ROLES)
    args = parser.parse_args(argv)

    env = os.environ if environ is None else environ
    settings = Settings.from_env(env)
    url = normalise_url(settings.database_url)
    if args.command == "schema" and args.sql:
        migrate.write_sql(url, args.target)  # stdout is the SQL alone
        return 0
    print(f"database: {url.render_as_string(hide_password=True)}")
    engine = make_engine(url)
    try:
        if args.command == "init-db":
            try:
                print_report(init_db(engine, settings.village_code))
            except VillageError as exc:
                print(f"init-db made the tables but added no letter format: {exc}",
                      file=sys.stderr)
                return 1
            return 0
        if args.command == "schema":
            return print_revisions(engine)
        if args.command == "create-staff":
            return run_create_staff(engine, args, env)
        return run_seed_demo(engine)
    finally:
        engine.dispose()


def print_report(report: InitReport) -> None:
    """Say which migrations init-db ran, which tables it created and lookup tables it filled."""
    if report.migrations.adopted:
        print(f"adopted a database made before migrations: its bot_ tables are kept and "
              f"recorded at {migrate.BOT_BASELINE}")
    for revision in report.migrations.applied:
        print(f"applied migration {revision}")
    for table in report.created_tables:
        print(f"created table {table}")
    for table, rows in report.filled_lookups.items():
        print(f"filled lookup table {table} ({rows} rows)")
    if report.village is not None:
        print(f"schema: {report.village.describe()}")
    for name in report.formats.added:
        print(f"added letter format {name}")
    for kind in report.formats.missing:
        print(f"missing letter format {kind}: residents cannot request it until the village "
              "restores it in OpenSID")
    if not (report.created_tables or report.filled_lookups or report.migrations.applied
            or report.formats.added):
        print("nothing to do: every table exists, every lookup table has rows and every "
              "letter format is there")


def print_revisions(engine: Engine) -> int:
    """Print the revision of each branch, and whether init-db has migrations to run (exit 1)."""
    with engine.connect() as connection:
        current = set(migrate.current_revisions(connection))
    heads = set(migrate.head_revisions())
    print(f"at revision: {', '.join(sorted(current)) or 'none (before migrations)'}")
    print(f"newest: {', '.join(sorted(heads))}")
    if current == heads:
        print("up to date")
        return 0
    print("behind: run `python -m libs.siades init-db`")
    return 1


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


def run_create_staff(engine: Engine, args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Add or update the staff account the arguments name, saying which it did."""
    password = environ.get("STAFF_PASSWORD") or ask_password()
    if password is None:
        print("create-staff refused: the two passwords differ", file=sys.stderr)
        return 1
    problem = password_problem(args.username, password)
    if problem is not None:
        print(f"create-staff refused: {problem}", file=sys.stderr)
        return 1
    created = create_staff(engine, args.username, args.full_name, args.role, password)
    if created:
        print(f"created staff account {args.username} ({args.role})")
    else:
        print(f"staff account {args.username} exists: updated its password, role "
              f"({args.role}) and name")
    return 0


def ask_password() -> str | None:
    """Ask for the password twice without echoing it; None if the two differ."""
    first = getpass.getpass("password: ")
    return first if getpass.getpass("password again: ") == first else None


def create_staff(engine: Engine, username: str, full_name: str, role: str, password: str
                 ) -> bool:
    """Store a staff account with a scrypt hash of its password; True if it is new, False if
    an existing account (found by username) had its password, role and name updated."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(STAFF_ROLES)}")
    with session_scope(make_session_factory(engine)) as session:
        staff = session.scalars(select(Staff).where(Staff.username == username)).first()
        created = staff is None
        if created:
            staff = Staff(username=username)
            session.add(staff)
        staff.full_name = full_name
        staff.role = role
        staff.password_hash = hash_password(password)
    return created
