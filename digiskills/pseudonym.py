"""Pseudonymisation at the door: citizen ID numbers and phone numbers become keyed hashes (HMAC-SHA256).

The key comes from DIGISKILLS_SECRET or, when that is unset, from a file generated on first use next to
the warehouse (git-ignored). Without the key nobody can recompute a person key from an ID number.
"""

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

KEY_LENGTH = 20  # hex characters kept: 80 bits, no collision in practice among a few million people

_DIGITS = re.compile(r"\D+")


def load_secret(secret_file: Path) -> bytes:
    """The HMAC key: DIGISKILLS_SECRET, else the key file (created with a random key when missing)."""
    from_env = os.environ.get("DIGISKILLS_SECRET")
    if from_env:
        return from_env.encode("utf-8")
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return secret_file.read_text().strip().encode("utf-8")


def fingerprint(secret: bytes) -> str:
    """Identifies a key without revealing it, so a warehouse can refuse imports made with another key."""
    return hmac.new(secret, b"digiskills-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def normalise_citizen_id(value: str) -> str | None:
    """Digits of a 12-digit CCCD or 9-digit CMND; None when it is neither."""
    digits = _DIGITS.sub("", value)
    return digits if len(digits) in (9, 12) else None


def normalise_phone(value: str) -> str | None:
    """Vietnamese mobile/landline number as 0 followed by 9 digits ('+84 912…' -> '0912…'); None otherwise."""
    digits = _DIGITS.sub("", value)
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):  # spreadsheets drop the leading zero
        digits = "0" + digits
    return digits if len(digits) == 10 and digits.startswith("0") else None


def person_key(secret: bytes, kind: str, normalised: str) -> str:
    """Keyed hash of a normalised identifier; kind ('cid' or 'tel') keeps the two spaces apart."""
    return hmac.new(secret, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:KEY_LENGTH]
