"""What the office's first day asked for: guessing limits, login throttling, returned requests,
withdrawn letters.

Revision ID: bot_0002
Revises: bot_0001
Create Date: 2026-12-03

- `bot_registration_attempts.nik_digest`: SHA-256 of the NIK tried, so attempts on one NIK are
  counted across every Telegram account (the NIK itself is never stored twice).
- `bot_login_attempts`: every staff login, kept to throttle per account and per address.
- `bot_staff.must_change_password`: set when the Kepala Desa resets someone's password.
- `bot_letter_drafts.request_id`: the request a resident is completing after the office returned
  it (Belum Lengkap); NULL for a new request.
- `bot_letter_documents.revoked_at` / `revoked_reason`: a letter withdrawn after it was issued,
  which the verification page must show as DICABUT.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from libs.siades.migrations.helpers import MYSQL_OPTIONS

revision: str = "bot_0002"
down_revision: str | Sequence[str] | None = "bot_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: SQLite has it, and `schema --sql` writes it without a database.
    op.add_column("bot_registration_attempts",
                  sa.Column("nik_digest", sa.String(64), nullable=True))
    op.create_index(op.f("ix_bot_registration_attempts_nik_digest"),
                    "bot_registration_attempts", ["nik_digest"])
    op.create_table(
        "bot_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(45), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_login_attempts")),
        **MYSQL_OPTIONS,
    )
    for column in ("at", "username", "address"):
        op.create_index(op.f(f"ix_bot_login_attempts_{column}"), "bot_login_attempts", [column])
    op.add_column("bot_staff", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.add_column("bot_letter_drafts", sa.Column("request_id", sa.Integer(), nullable=True))
    op.add_column("bot_letter_documents", sa.Column("revoked_at", TIME, nullable=True))
    op.add_column("bot_letter_documents",
                  sa.Column("revoked_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite drops a column by copying the table.
    with op.batch_alter_table("bot_letter_documents") as table:
        table.drop_column("revoked_reason")
        table.drop_column("revoked_at")
    with op.batch_alter_table("bot_letter_drafts") as table:
        table.drop_column("request_id")
    with op.batch_alter_table("bot_staff") as table:
        table.drop_column("must_change_password")
    op.drop_table("bot_login_attempts")
    with op.batch_alter_table("bot_registration_attempts") as table:
        table.drop_index(op.f("ix_bot_registration_attempts_nik_digest"))
        table.drop_column("nik_digest")
