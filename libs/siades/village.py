"""The village a database serves, and which generation of OpenSID's schema holds it.

Two generations are live in villages:

    OpenSID 22.12            one village per database, no `config_id` (init-db makes this shape)
    OpenSID 23.12 and newer  `config_id` -> config.id on nearly every table: one database may hold
                             several villages (hosted OpenSID); unique keys are per village

Which one a database is, is read from the database at start (does `tweb_penduduk` have
`config_id`?), never from a setting. On the newer one the village is the `config` row whose
`kode_desa` is VILLAGE_CODE, else the only row; with several rows and no VILLAGE_CODE every
service refuses to start and names them.

The village travels in each session's `info`. A factory from `session_factory` adds
`config_id = <the village>` to every ORM read, update and delete of a VillageRow table (for a
SharedVillageRow table: or NULL, a row every village shares) and stamps every new VillageRow
with it before it is flushed. So the queries are written once for both generations, and none
can forget the scope.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, event, inspect, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from libs.siades import models  # noqa: F401 - registers every table that _scoped_tables() lists
from libs.siades.base import Base, SharedVillageRow, VillageRow
from libs.siades.db import make_engine, make_session_factory, normalise_url
from libs.siades.letters import VillageConfig

log = logging.getLogger(__name__)

INFO_KEY = "village"


class Generation(enum.Enum):
    """The two shapes of OpenSID's schema the bot reads and writes."""

    OPENSID_2212 = "OpenSID 22.12 (one village per database)"
    OPENSID_2312 = "OpenSID 23.12 or newer (villages by config_id)"


class VillageError(RuntimeError):
    """The database does not say which village to serve; the message says what to do."""


@dataclass(frozen=True)
class Village:
    """The village served: its generation, its `config` row, name and kode_desa."""

    generation: Generation
    config_id: int | None  # None on 22.12, where nothing carries a config_id
    name: str
    code: str
    # OpenSID >= 23.12 with Layanan Mandiri accounts, whose admin needs one per requester
    # (libs/siades/mandiri.py)
    layanan_mandiri: bool = False

    @property
    def scoped(self) -> bool:
        """True where rows carry config_id, so reads and writes must be scoped."""
        return self.config_id is not None

    def describe(self) -> str:
        """One line for the logs: the generation and the village."""
        who = f"{self.name or '(no name)'}, kode {self.code or '-'}"
        if self.config_id is not None:
            who += f", config id {self.config_id}"
        return f"{self.generation.value}; village {who}"


def detect(connection: Connection, village_code: str = "") -> Village:
    """The generation of the database's schema and the village to serve, or VillageError."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    generation = _generation(inspector, tables)
    row = _choose(_villages(connection) if "config" in tables else [], village_code.strip(),
                  generation)
    if row is None:
        return Village(generation, None, "", "")  # a new database, before seed-demo
    if generation is Generation.OPENSID_2212:
        return Village(generation, None, row.name, row.code)
    return Village(generation, row.id, row.name, row.code,
                   layanan_mandiri="tweb_penduduk_mandiri" in tables)


def _generation(inspector, tables: set[str]) -> Generation:
    """23.12+ where tweb_penduduk has config_id; refused where only some village tables do."""
    scoped = _scoped_tables() & tables
    with_config_id = {t for t in scoped
                      if "config_id" in {c["name"] for c in inspector.get_columns(t)}}
    if "tweb_penduduk" not in with_config_id:
        return Generation.OPENSID_2212
    if with_config_id != scoped:
        raise VillageError("the database mixes OpenSID's generations: config_id is missing "
                           f"from {', '.join(sorted(scoped - with_config_id))}")
    return Generation.OPENSID_2312


def _choose(rows: list[_ConfigRow], code: str, generation: Generation) -> _ConfigRow | None:
    """The `config` row VILLAGE_CODE names, else the only one; None in an empty 22.12 one."""
    if code:
        chosen = [row for row in rows if row.code == code]
        if not chosen:
            raise VillageError(f"VILLAGE_CODE={code} names no village in this database "
                               f"(config): {_listing(rows)}")
        return chosen[0]
    if len(rows) > 1:
        raise VillageError(
            f"this database holds {len(rows)} villages (config): {_listing(rows)}; set "
            "VILLAGE_CODE to the kode_desa of the one this installation serves")
    if not rows and generation is Generation.OPENSID_2312:
        raise VillageError("the config table holds no village: set the village up in OpenSID "
                           "first")
    return rows[0] if rows else None


@dataclass(frozen=True)
class _ConfigRow:
    id: int
    name: str
    code: str


def _villages(connection: Connection) -> list[_ConfigRow]:
    query = select(VillageConfig.id, VillageConfig.village_name, VillageConfig.village_code
                   ).order_by(VillageConfig.id)
    return [_ConfigRow(id_, (name or "").strip(), (code or "").strip())
            for id_, name, code in connection.execute(query)]


def _listing(rows: list[_ConfigRow]) -> str:
    return "; ".join(f"{row.name or '(no name)'} (kode {row.code or '-'})" for row in rows) \
        or "none"


def _scoped_tables() -> set[str]:
    return {mapper.local_table.name for mapper in Base.registry.mappers
            if issubclass(mapper.class_, VillageRow | SharedVillageRow)}


# --- sessions scoped to the village -----------------------------------------------------------


def session_factory(engine: Engine, village: Village) -> sessionmaker[Session]:
    """A sessionmaker whose sessions read and write only `village`'s rows."""
    factory = make_session_factory(engine)
    factory.configure(info={INFO_KEY: village})
    if village.scoped:
        event.listen(factory, "do_orm_execute", _scope_statement)
        event.listen(factory, "before_flush", _stamp_new_rows)
    return factory


def village_of(session: Session) -> Village | None:
    """The village a session serves (None for a session made without one)."""
    return session.info.get(INFO_KEY)


def generation_of(session: Session) -> Generation:
    """The schema generation of the session's database (22.12 for a session without a
    village: one made by hand, as the tests and seed-demo on init-db's shape do)."""
    village = village_of(session)
    return village.generation if village is not None else Generation.OPENSID_2212


def village_config(session: Session) -> VillageConfig | None:
    """The `config` row of the session's village (on 22.12: the first, the only one there)."""
    village = village_of(session)
    if village is not None and village.config_id is not None:
        return session.get(VillageConfig, village.config_id)
    return session.scalar(select(VillageConfig).order_by(VillageConfig.id).limit(1))


def village_name(session: Session) -> str | None:
    """The served village's name from OpenSID's `config`, trimmed; None if unset."""
    config = village_config(session)
    name = config.village_name if config is not None else None
    return name.strip() or None if name is not None else None


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the statement that loaded the object was scoped already
    config_id = state.session.info[INFO_KEY].config_id
    state.statement = state.statement.options(
        with_loader_criteria(VillageRow, lambda cls: cls.config_id == config_id,
                             include_aliases=True),
        with_loader_criteria(SharedVillageRow, lambda cls: or_(cls.config_id == config_id,
                                                               cls.config_id.is_(None)),
                             include_aliases=True),
    )


def _stamp_new_rows(session: Session, _context, _instances) -> None:
    config_id = session.info[INFO_KEY].config_id
    for row in session.new:
        if isinstance(row, VillageRow | SharedVillageRow) and row.config_id is None:
            row.config_id = config_id


# --- what each service does at start ----------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """The engine, the village and a session factory scoped to it."""

    engine: Engine
    village: Village
    sessions: sessionmaker[Session]


def connect(database_url: str, village_code: str = "", *, wait: bool = True) -> Database:
    """Open the database, find its generation and village (VillageError if it cannot tell),
    log both, and return sessions scoped to that village. A database that does not answer yet
    is tried again, 1 s doubling to 30 s, unless `wait` is false."""
    engine = make_engine(database_url)
    url = normalise_url(database_url).render_as_string(hide_password=True)
    delay = 1.0
    while True:
        try:
            with engine.connect() as connection:
                village = detect(connection, village_code)
            break
        except VillageError:
            engine.dispose()
            raise
        except OperationalError as exc:
            if not wait:
                raise
            log.warning("database %s unreachable (%s); trying again in %.0f s", url, exc.orig,
                        delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
    log.info("database %s: %s", url, village.describe())
    return Database(engine, village, session_factory(engine, village))


def connect_or_exit(settings) -> Database:
    """connect() for a service's start: a database that does not say which village to serve
    stops the process with the reason."""
    try:
        return connect(settings.database_url, settings.village_code)
    except VillageError as exc:
        raise SystemExit(f"cannot start: {exc}") from None
