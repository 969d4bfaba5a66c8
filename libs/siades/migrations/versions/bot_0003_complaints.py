"""Complaints from the chat, and the office in Telegram.

Revision ID: bot_0003
Revises: bot_0002
Create Date: 2026-12-04

- `bot_complaints`: every complaint sent from the chat, public or private, with its photo and
  location; a public one also has its `pengaduan` row (`pengaduan_id`).
- `bot_complaint_replies`: the office's answers (from our console or OpenSID's admin) and when
  the resident was told.
- `bot_complaint_drafts`: the guided complaint in the making, one per chat.
- `bot_received_files`: the photos residents sent, downloaded by the notifier.
- `bot_staff.telegram_chat_id`, `bot_staff_link_codes`: a staff member's own Telegram chat,
  linked with a one-time code.
- `bot_staff_alerts`: each alert to the office (new, overdue, the daily summary) goes once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from libs.siades.migrations.helpers import MYSQL_OPTIONS

revision: str = "bot_0003"
down_revision: str | Sequence[str] | None = "bot_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BLOB = sa.LargeBinary(2**24).with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "bot_complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("pengaduan_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("first_answer_at", TIME, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        _pk("bot_complaints", "id"),
        sa.UniqueConstraint("pengaduan_id", name=op.f("uq_bot_complaints_pengaduan_id")),
        **MYSQL_OPTIONS,
    )
    _index("bot_complaints", "chat_id", "resident_id")
    op.create_table(
        "bot_complaint_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("pengaduan_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("told_at", TIME, nullable=True),
        _pk("bot_complaint_replies", "id"),
        sa.UniqueConstraint("pengaduan_id", name=op.f("uq_bot_complaint_replies_pengaduan_id")),
        **MYSQL_OPTIONS,
    )
    _index("bot_complaint_replies", "complaint_id")
    op.create_table(
        "bot_complaint_drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("photo_skipped", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("location_skipped", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("awaiting", sa.String(10), nullable=True),
        sa.Column("one_line", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _pk("bot_complaint_drafts", "chat_id"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "bot_received_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.String(255), nullable=False),
        sa.Column("file_unique_id", sa.String(64), nullable=False),
        sa.Column("declared_size", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("mime_type", sa.String(50), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", BLOB, nullable=True),
        sa.Column("opensid_name", sa.String(100), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("stored_at", TIME, nullable=True),
        _pk("bot_received_files", "id"),
        **MYSQL_OPTIONS,
    )
    _index("bot_received_files", "chat_id")
    op.add_column("bot_staff", sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_bot_staff_telegram_chat_id"), "bot_staff", ["telegram_chat_id"],
                    unique=True)
    op.create_table(
        "bot_staff_link_codes",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        _pk("bot_staff_link_codes", "digest"),
        **MYSQL_OPTIONS,
    )
    _index("bot_staff_link_codes", "staff_id")
    op.create_table(
        "bot_staff_alerts",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("sent_at", TIME, nullable=False),
        _pk("bot_staff_alerts", "key"),
        **MYSQL_OPTIONS,
    )


def downgrade() -> None:
    op.drop_table("bot_staff_alerts")
    op.drop_table("bot_staff_link_codes")
    with op.batch_alter_table("bot_staff") as table:
        table.drop_index(op.f("ix_bot_staff_telegram_chat_id"))
        table.drop_column("telegram_chat_id")
    op.drop_table("bot_received_files")
    op.drop_table("bot_complaint_drafts")
    op.drop_table("bot_complaint_replies")
    op.drop_table("bot_complaints")
