"""The service's own bot_ tables, as bot_models declared them when migrations began.

Revision ID: bot_0001
Revises: (root of the `bot` branch)
Create Date: 2026-12-01

The baseline of a database made by init-db before migrations: adopting one, this revision
creates only the bot_ tables it lacks (an older init-db made fewer) and keeps the others as they
are. Written out rather than taken from the models, so it stays what it was when they change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from libs.siades.migrations.helpers import absent, adopting, table_creator

revision: str = "bot_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("bot",)
depends_on: str | Sequence[str] | None = None

TABLES = (
    "bot_audit", "bot_chats", "bot_inbox", "bot_letter_documents", "bot_letter_drafts",
    "bot_letter_status", "bot_letter_transitions", "bot_notifications", "bot_outbox",
    "bot_registration_attempts", "bot_staff",
)
# Times keep microseconds on MariaDB too (DATETIME(6)), so ordering by them is exact.
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# What create_all made of LargeBinary(2**24) on MariaDB: one byte past MEDIUMBLOB, so LONGBLOB.
PDF = sa.LargeBinary(2**24).with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """The table's primary key, named as create_all named it."""
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def upgrade() -> None:
    """Create the bot_ tables; adopting a database, only those it lacks."""
    create = table_creator(absent(TABLES) if adopting() else TABLES)
    create(
        "bot_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        pk("bot_audit", "id"),
    )
    create(
        "bot_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unreachable_since", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        pk("bot_chats", "chat_id"),
    )
    create(
        "bot_inbox",
        sa.Column("message_id", sa.String(80), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("handled_at", TIME, nullable=False),
        pk("bot_inbox", "message_id"),
    )
    create(
        "bot_letter_documents",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("letter_log_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(150), nullable=False),
        sa.Column("pdf", PDF, nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", TIME, nullable=False),
        pk("bot_letter_documents", "request_id"),
    )
    create(
        "bot_letter_drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("awaiting", sa.String(32), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        pk("bot_letter_drafts", "chat_id"),
    )
    create(
        "bot_letter_status",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("seen_at", TIME, nullable=False),
        pk("bot_letter_status", "request_id"),
    )
    create(
        "bot_letter_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.SmallInteger(), nullable=True),
        sa.Column("to_status", sa.SmallInteger(), nullable=False),
        sa.Column("seen_at", TIME, nullable=False),
        pk("bot_letter_transitions", "id"),
        indexes={"ix_bot_letter_transitions_request_id": ["request_id"]},
    )
    create(
        "bot_notifications",
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("sent_at", TIME, nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        pk("bot_notifications", "message_id"),
    )
    create(
        "bot_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("source_message_id", sa.String(80), nullable=False),
        sa.Column("routing_key", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("published_at", TIME, nullable=True),
        pk("bot_outbox", "id"),
        sa.UniqueConstraint("message_id", name=op.f("uq_bot_outbox_message_id")),
        indexes={"ix_bot_outbox_source_message_id": ["source_message_id"]},
    )
    create(
        "bot_registration_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("attempted_at", TIME, nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        pk("bot_registration_attempts", "id"),
        indexes={
            "ix_bot_registration_attempts_attempted_at": ["attempted_at"],
            "ix_bot_registration_attempts_chat_id": ["chat_id"],
        },
    )
    create(
        "bot_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        pk("bot_staff", "id"),
        sa.UniqueConstraint("username", name=op.f("uq_bot_staff_username")),
    )


def downgrade() -> None:
    """Drop the bot_ tables, and nothing else."""
    for table in reversed(TABLES):
        op.drop_table(table)
