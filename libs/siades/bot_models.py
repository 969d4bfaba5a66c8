"""The service's own tables (prefix bot_), on the same Base as OpenSID's. Times are naive UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from libs.siades.base import MYSQL_TABLE_ARGS, Base
from libs.siades.coltypes import PreciseDateTime, utcnow


class InboxEntry(Base):
    """A command message already handled, recorded in the same transaction as its effect."""

    __tablename__ = "bot_inbox"
    __table_args__ = MYSQL_TABLE_ARGS
    message_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    service: Mapped[str] = mapped_column(String(32))
    handled_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)


class OutboxEntry(Base):
    """A reply written with the transaction that produced it, published after commit."""

    __tablename__ = "bot_outbox"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(100), unique=True)
    source_message_id: Mapped[str] = mapped_column(String(80), index=True)
    routing_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)


class RegistrationAttempt(Base):
    """One DAFTAR attempt from a chat, kept to rate-limit guessing."""

    __tablename__ = "bot_registration_attempts"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    attempted_at: Mapped[datetime] = mapped_column(PreciseDateTime, index=True, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))
    # SHA-256 hex of the NIK tried: guesses at one NIK are counted across all accounts.
    nik_digest: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)


class LoginAttempt(Base):
    """One staff login to the console, kept to throttle guessing per account and per address."""

    __tablename__ = "bot_login_attempts"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(PreciseDateTime, index=True, default=utcnow)
    username: Mapped[str] = mapped_column(String(64), index=True)  # as typed, maybe no account
    address: Mapped[str] = mapped_column(String(45), index=True)  # the client's IP address
    success: Mapped[bool] = mapped_column(Boolean)


class Notification(Base):
    """A message the notifier delivered to Telegram (so a redelivery is not sent twice)."""

    __tablename__ = "bot_notifications"
    __table_args__ = MYSQL_TABLE_ARGS
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Chat(Base):
    """What the notifier knows about a chat: whether it blocked the bot (403)."""

    __tablename__ = "bot_chats"
    __table_args__ = MYSQL_TABLE_ARGS
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unreachable_since: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Who did what, for the village office (registrations, staff actions)."""

    __tablename__ = "bot_audit"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


STAFF_OPERATOR = "operator"  # checks requests, hands letters over, rejects
STAFF_HEAD = "kepala_desa"  # the Kepala Desa: everything an operator does, and signs
STAFF_ROLES = (STAFF_OPERATOR, STAFF_HEAD)


class Staff(Base):
    """A village office account for the staff console; the password is stored hashed."""

    __tablename__ = "bot_staff"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # one of STAFF_ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by a password reset: the next login must choose a new one first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)


class LetterDocument(Base):
    """The signed letter issued for a request: its full number, its PDF and its token."""

    __tablename__ = "bot_letter_documents"
    __table_args__ = MYSQL_TABLE_ARGS
    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    letter_log_id: Mapped[int] = mapped_column(Integer)  # log_surat.id
    number: Mapped[str] = mapped_column(String(100))  # as printed, e.g. S-14/007/3517092006/XI/2026
    file_name: Mapped[str] = mapped_column(String(150))
    # A length of 2**24 is one byte past MEDIUMBLOB, so MariaDB has always made this LONGBLOB;
    # saying so keeps the models and the migrations' reflected schema equal.
    pdf: Mapped[bytes] = mapped_column(
        LargeBinary(2**24).with_variant(mysql.LONGBLOB(), "mysql", "mariadb"))
    token: Mapped[str] = mapped_column(Text)  # the signed verification token in the QR code
    issued_by: Mapped[int] = mapped_column(Integer)  # bot_staff.id
    issued_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    # A letter withdrawn after it was issued: the verification page says DICABUT.
    revoked_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class LetterDraft(Base):
    """A resident's letter request in the making (the guided flow), one per chat."""

    __tablename__ = "bot_letter_drafts"
    __table_args__ = MYSQL_TABLE_ARGS
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10))  # SKU, SKD, ...
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON: field name -> answer
    awaiting: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the field asked
    # The request being completed after the office returned it (Belum Lengkap), else NULL.
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow, onupdate=utcnow)


class LetterStatusSeen(Base):
    """The status watcher's memory: the last status of each request it has told about."""

    __tablename__ = "bot_letter_status"
    __table_args__ = MYSQL_TABLE_ARGS
    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[int] = mapped_column(SmallInteger)
    seen_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)


class LetterTransition(Base):
    """Every status change the watcher saw, whoever made it: the service-time figures."""

    __tablename__ = "bot_letter_transitions"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer, index=True)
    from_status: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    to_status: Mapped[int] = mapped_column(SmallInteger)
    seen_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)


BOT_MODELS = (InboxEntry, OutboxEntry, RegistrationAttempt, LoginAttempt, Notification, Chat,
              AuditEntry, Staff, LetterDocument, LetterDraft, LetterStatusSeen, LetterTransition)
