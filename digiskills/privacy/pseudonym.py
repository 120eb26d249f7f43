"""Pseudonymisation at the door: citizen ID numbers and phone numbers become keyed hashes (HMAC-SHA256).

The key comes from DIGISKILLS_SECRET or, when that is unset, from a file generated on first use beside the
configuration, outside the data folder (digiskills.warehouse.store.secret_file: .streamlit/digiskills-secret,
git-ignored, mode 0600). Without the key nobody can recompute a person key from an ID number.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

KEY_LENGTH = 20  # hex characters kept: 80 bits, no collision in practice among a few million people

def load_secret(secret_file: Path, create: bool = True) -> bytes:
    """The HMAC key: DIGISKILLS_SECRET, else the key file (created with a random key when missing; with
    create=False a throwaway key is used instead, for a check that writes nothing)."""
    from_env = os.environ.get("DIGISKILLS_SECRET")
    if from_env:
        return from_env.encode("utf-8")
    if not secret_file.exists() and not create:
        return secrets.token_hex(32).encode("utf-8")
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    if secret_file.stat().st_mode & 0o077:  # readable by others: tighten (we own it, we made it)
        os.chmod(secret_file, 0o600)
    return secret_file.read_text().strip().encode("utf-8")


def fingerprint(secret: bytes) -> str:
    """Identifies a key without revealing it, so a warehouse can refuse imports made with another key."""
    return hmac.new(secret, b"digiskills-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def normalise_citizen_ids(values: pd.Series) -> pd.Series:
    """Digits of a 12-digit CCCD or 9-digit CMND; NA where the value is neither."""
    digits = values.astype("str").str.replace(r"\D+", "", regex=True)
    return digits.where(digits.str.len().isin([9, 12]))


def normalise_phones(values: pd.Series) -> pd.Series:
    """Vietnamese numbers as 0 followed by 9 digits ('+84 912…' -> '0912…'); NA otherwise."""
    digits = values.astype("str").str.replace(r"\D+", "", regex=True)
    international = digits.str.startswith("84") & (digits.str.len() == 11)
    digits = digits.where(~international, "0" + digits.str[2:])
    dropped_zero = (digits.str.len() == 9) & ~digits.str.startswith("0")  # spreadsheets drop the leading 0
    digits = digits.where(~dropped_zero, "0" + digits)
    return digits.where((digits.str.len() == 10) & digits.str.startswith("0"))


NORMALISE = {"cid": normalise_citizen_ids, "tel": normalise_phones}


class PersonKeys:
    """Keyed hashes of many identifiers at once, bit-identical to hmac.new(secret, f"{kind}:{value}", sha256).
    HMAC's two padded-key blocks are hashed once and each value continues from copies of those states: two
    SHA-256 blocks per identifier, through OpenSSL. (An in-memory DuckDB's sha256, used before, took 1.4–1.9× as
    long for 68,000 identifiers on a 2-core machine: it hashes the padded key again for every value, via hex.)"""

    def __init__(self, secret: bytes):
        block = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5c for b in block))

    def __call__(self, kind: str, normalised: pd.Series) -> np.ndarray:
        """kind is 'cid' or 'tel' (it keeps the two spaces apart); values already normalised, no NA."""
        prefix, inner_state, outer_state = f"{kind}:", self._inner.copy, self._outer.copy
        keys = []
        for value in normalised.tolist():
            inner = inner_state()
            inner.update((prefix + value).encode("utf-8"))
            outer = outer_state()
            outer.update(inner.digest())
            keys.append(outer.hexdigest()[:KEY_LENGTH])
        return np.array(keys, dtype=object)


def person_key(secret: bytes, kind: str, normalised: str) -> str:
    """One key, with the standard library (the reference PersonKeys is checked against)."""
    return hmac.new(secret, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:KEY_LENGTH]
