"""OpenSID 22.12's complaints table, `pengaduan`, for a database without OpenSID: if absent.

Revision ID: opensid_0002
Revises: opensid_0001
Create Date: 2026-12-04

Beside a real OpenSID the table exists (22.12 and v2410 both have it) and this creates nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from libs.siades.migrations.helpers import absent, table_creator

revision: str = "opensid_0002"
down_revision: str | Sequence[str] | None = "opensid_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MY = ("mysql", "mariadb")
TINYINT = sa.SmallInteger().with_variant(mysql.TINYINT(), *_MY)
TIMESTAMP = sa.DateTime().with_variant(mysql.TIMESTAMP(), *_MY)
NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    create = table_creator(absent(["pengaduan"]))
    create(
        "pengaduan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_pengaduan", sa.Integer(), nullable=True),
        sa.Column("nik", sa.String(16), nullable=True),
        sa.Column("nama", sa.String(100), nullable=False),
        sa.Column("email", sa.String(100), nullable=True),
        sa.Column("telepon", sa.String(20), nullable=True),
        sa.Column("judul", sa.String(100), nullable=True),
        sa.Column("isi", sa.Text(), nullable=False),
        sa.Column("status", TINYINT, nullable=False, server_default=sa.text("1")),
        sa.Column("foto", sa.String(100), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False, server_default=NOW),
        sa.Column("updated_at", TIMESTAMP, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pengaduan")),
    )


def downgrade() -> None:
    """Drop nothing: the village's complaints, which no migration removes."""
