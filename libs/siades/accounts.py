"""The rules of staff console accounts, shared by `create-staff` and the console's staff pages:
what a username and a password must be, how a password is hashed, temporary passwords."""

from __future__ import annotations

import re
import secrets

from werkzeug.security import generate_password_hash

MIN_PASSWORD_LENGTH = 8
# werkzeug's scrypt (n=2**15, r=8, p=1): about 0.1 s a hash. The tests lower n (tests/conftest.py);
# a stored hash names its own parameters, so checking it needs none of this.
PASSWORD_HASH_METHOD = "scrypt"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
MAX_FULL_NAME_LENGTH = 100  # bot_staff.full_name
# A temporary password is read aloud or copied by hand: no 0/o, 1/l/i.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def password_problem(username: str, password: str) -> str | None:
    """Why this password may not be the account's, in Bahasa Indonesia; None if it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."
    if password.strip().casefold() == username.strip().casefold():
        return "Kata sandi tidak boleh sama dengan nama pengguna."
    return None


def username_problem(username: str) -> str | None:
    """Why a new account may not have this username, in Bahasa Indonesia; None if it may."""
    if not USERNAME.fullmatch(username):
        return ("Nama pengguna 3-32 karakter: huruf kecil, angka, titik, garis bawah atau "
                "tanda hubung, diawali huruf atau angka.")
    return None


def hash_password(password: str) -> str:
    """The stored form of a password: a salted scrypt hash."""
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def temporary_password() -> str:
    """A random password for a reset, e.g. `k7pm-3xq9-hv2t` (about 59 bits)."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)
