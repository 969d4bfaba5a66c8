"""What the revisions share: MariaDB table options, and creating tables only where wanted."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import sqlalchemy as sa
from alembic import context, op

# As OpenSID declares its tables; utf8mb4 so names in any script fit.
MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def adopting() -> bool:
    """True while migrate.py adopts a database made by init-db before there were migrations."""
    return bool(context.config.attributes.get("adopting"))


def absent(names: Collection[str]) -> set[str]:
    """The tables among `names` the database lacks; all of them when writing SQL offline."""
    if context.is_offline_mode():
        return set(names)
    return set(names) - set(sa.inspect(op.get_bind()).get_table_names())


def table_creator(wanted: Collection[str]) -> Callable[..., None]:
    """A create(name, *columns, indexes={index: columns}) that skips tables not in `wanted`."""

    def create(name: str, *elements, indexes: Mapping[str, Sequence[str]] | None = None) -> None:
        if name not in wanted:
            return
        op.create_table(name, *elements, **MYSQL_OPTIONS)
        for index, columns in (indexes or {}).items():
            op.create_index(op.f(index), name, list(columns))

    return create
