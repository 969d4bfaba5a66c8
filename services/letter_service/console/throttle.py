"""Login throttling from bot_login_attempts: failed logins are counted over a sliding window per
username as typed and per client address; past either limit the next tries are refused,
unchecked, until enough failures have left the window.

A username with no account locks the same way, so the refusal says nothing about which names
exist. A success clears its username's count (not its address's). Refused tries are not
recorded: an attacker gets at most the limit per window, and cannot keep extending a lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from libs.config import Settings
from libs.siades.bot_models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    """How many failures within `window` lock a username, and an address."""

    window: timedelta
    per_username: int
    per_address: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits the settings give (CONSOLE_LOGIN_*)."""
        return cls(timedelta(minutes=settings.console_login_window_minutes),
                   settings.console_login_max_failures,
                   settings.console_login_address_max_failures)


def locked_for(session: Session, username: str, address: str, now: datetime,
               limits: Limits) -> timedelta | None:
    """How long until this username from this address may try again; None if it may now."""
    since = now - limits.window
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True)))
    by_username = failures(session, LoginAttempt.username == username,
                           max(since, last_success) if last_success else since)
    by_address = failures(session, LoginAttempt.address == address, since)
    unlocks = [times[len(times) - limit] + limits.window
               for times, limit in ((by_username, limits.per_username),
                                    (by_address, limits.per_address))
               if len(times) >= limit]
    return max(unlocks) - now if unlocks else None


def failures(session: Session, condition, since: datetime) -> list[datetime]:
    """When the failed logins matching the condition happened after `since`, oldest first."""
    return list(session.scalars(
        select(LoginAttempt.at).where(condition, LoginAttempt.success.is_(False),
                                      LoginAttempt.at > since).order_by(LoginAttempt.at)))


def record(session: Session, username: str, address: str, success: bool, now: datetime,
           limits: Limits) -> None:
    """Remember a checked login, and forget those that no longer count (older than the window)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - limits.window))
    session.add(LoginAttempt(at=now, username=username, address=address, success=success))
    session.flush()
