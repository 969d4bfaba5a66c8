"""The service's own tables (prefix bot_), on the same Base as OpenSID's. Times are naive UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
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
    # A unique index rather than a constraint: SQLite adds one to a table without copying it.
    __table_args__ = (Index("ix_bot_staff_telegram_chat_id", "telegram_chat_id", unique=True),
                      MYSQL_TABLE_ARGS)
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
    # The staff member's own Telegram chat, linked with a one-time code: alerts go there.
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StaffLinkCode(Base):
    """A one-time code the console showed a staff member, to send to the bot from their own
    Telegram account; only its keyed digest is stored."""

    __tablename__ = "bot_staff_link_codes"
    __table_args__ = MYSQL_TABLE_ARGS
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(PreciseDateTime)
    used_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)


class StaffAlert(Base):
    """An alert sent to the office's Telegram chats, by its key (`request-12:new`,
    `complaint-5:overdue`, `digest:2026-12-04`): each goes once."""

    __tablename__ = "bot_staff_alerts"
    __table_args__ = MYSQL_TABLE_ARGS
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)


class Complaint(Base):
    """A complaint a resident sent from the chat: kept here whether public or private, with
    its photo and location. A public one is also a `pengaduan` row (`pengaduan_id`), where
    OpenSID's admin sees and answers it; `status` follows that row."""

    __tablename__ = "bot_complaints"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    resident_id: Mapped[int] = mapped_column(Integer, index=True)  # tweb_penduduk.id
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean)
    photo_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # bot_received_files.id
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    pengaduan_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    status: Mapped[int] = mapped_column(SmallInteger, default=1)  # a ComplaintState
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)


class ComplaintReply(Base):
    """An answer to a complaint, whoever wrote it (our console, OpenSID's admin) and the status
    it set; `told_at`: when the resident's message about it was stored for the notifier."""

    __tablename__ = "bot_complaint_replies"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(Integer, index=True)
    # The answer's own `pengaduan` row, for a public complaint; NULL for a private one.
    pengaduan_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # bot_staff.id, if ours
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger)  # a ComplaintState
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    told_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)


class ComplaintDraft(Base):
    """A complaint in the making (the guided flow), one per chat; `awaiting` is the step asked
    (isi, foto, lokasi, publik), NULL at the summary."""

    __tablename__ = "bot_complaint_drafts"
    __table_args__ = MYSQL_TABLE_ARGS
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    photo_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # bot_received_files.id
    photo_skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    awaiting: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # The one-line form: everything given at once, so only the public/private choice is asked.
    one_line: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow, onupdate=utcnow)


FILE_PENDING, FILE_STORED, FILE_REFUSED = "pending", "stored", "refused"


class ReceivedFile(Base):
    """A file a resident sent (a complaint's photo): the worker records it `pending` with
    Telegram's file_id, the notifier downloads it (getFile) and stores the bytes, or says why
    not (`refused`, `reason`)."""

    __tablename__ = "bot_received_files"
    __table_args__ = MYSQL_TABLE_ARGS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    declared_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(10), default=FILE_PENDING)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mime_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[bytes | None] = mapped_column(
        LargeBinary(2**24).with_variant(mysql.LONGBLOB(), "mysql", "mariadb"), nullable=True,
        deferred=True)
    # Where the file was also written for OpenSID's admin (desa/upload/pengaduan/<name>).
    opensid_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(PreciseDateTime, default=utcnow)
    stored_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, nullable=True)


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
              AuditEntry, Staff, StaffLinkCode, StaffAlert, Complaint, ComplaintReply,
              ComplaintDraft, ReceivedFile, LetterDocument, LetterDraft, LetterStatusSeen,
              LetterTransition)
