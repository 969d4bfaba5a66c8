"""Signed verification tokens for issued letters (Ed25519), printed as a QR code on the letter.

The village office signs with its private key; the online gateway holds only the public key and
checks a token without any database. A token is `base64url(claims JSON) "." base64url(signature)`
without padding, the JSON compact with sorted keys. Claims (short keys keep the QR code small):
`k` kind title, `n` letter number, `d` issue date (ISO), `i` holder's initials, `m` masked NIK,
`r` request id, `ds` the issuing village's name and `kd` its kode (OpenSID's `kode_desa`), `v`
token version. Claims are only ever added, under the same version, and a verifier shows what a
token holds: a token signed before `ds` and `kd` existed still verifies (the page says the
village is not named in it), and a gateway not yet upgraded still verifies newer tokens.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
MAX_TOKEN_LENGTH = 1000
KEY_FILE_NAME = "letter-signing-key.pem"


def sign(private_key: Ed25519PrivateKey, claims: dict) -> str:
    """The token for these claims (`v` is set to the current version)."""
    payload = json.dumps({**claims, "v": VERSION}, separators=(",", ":"), sort_keys=True,
                         ensure_ascii=False).encode()
    return f"{_encode(payload)}.{_encode(private_key.sign(payload))}"


def verify(public_key: Ed25519PublicKey, token: str) -> dict | None:
    """The claims of a genuine token; None for anything altered, forged, malformed or too long."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    payload_text, signature_text = token.split(".")
    payload, signature = _decode(payload_text), _decode(signature_text)
    if payload is None or signature is None:
        return None
    try:
        public_key.verify(signature, payload)
    except InvalidSignature:
        return None
    return _claims(payload)


def initials(name: str) -> str:
    """'BUDI SANTOSO' -> 'B. S.'."""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalnum())


def generate_keypair(directory: str | Path) -> tuple[Path, str]:
    """Write a new private key to `directory/letter-signing-key.pem` (mode 0600, PKCS8, no
    password); returns its path and the public key for the gateway (raw, base64url)."""
    path = Path(directory) / KEY_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # O_EXCL: never overwrite a key that has signed letters already (they would stop verifying).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return path, public_key_text(key.public_key())


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64url without padding (what LETTER_VERIFY_KEY holds)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _encode(raw)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (PKCS8, no password)."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """The public key from its base64url text; ValueError if it is not a 32-byte key."""
    raw = _decode(text.strip())
    if raw is None or len(raw) != 32:
        raise ValueError("LETTER_VERIFY_KEY is not a base64url Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def _claims(payload: bytes) -> dict | None:
    """The signed JSON as claims, if it is an object of the current version."""
    try:
        claims = json.loads(payload.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(claims, dict) or claims.get("v") != VERSION:
        return None
    return claims


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    """base64url without padding; None unless `text` is exactly the canonical encoding."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # Re-encoding must give the same text: a changed trailing bit or a stray '=' is an alteration.
    return data if _encode(data) == text else None
