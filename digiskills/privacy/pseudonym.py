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

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

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
    """Keyed hashes of many identifiers at once: HMAC-SHA256 computed by an in-memory DuckDB (its
    sha256 is vectorised), bit-identical to hmac.new(secret, f"{kind}:{value}", sha256)."""

    def __init__(self, secret: bytes):
        block = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
        self._params = {"ipad": bytes(b ^ 0x36 for b in block), "opad": bytes(b ^ 0x5c for b in block)}
        self._con = duckdb.connect()

    def __call__(self, kind: str, normalised: pd.Series) -> np.ndarray:
        """kind is 'cid' or 'tel' (it keeps the two spaces apart); values already normalised, no NA."""
        identifiers = pa.table({"v": pa.array(normalised, type=pa.string())})
        self._con.register("identifiers", identifiers)
        try:
            keys = self._con.execute(
                f"select left(sha256($opad::blob || unhex(sha256($ipad::blob || ('{kind}:' || v)::blob))), "
                f"{KEY_LENGTH}) from identifiers", self._params).fetchnumpy()
        finally:
            self._con.unregister("identifiers")
        return next(iter(keys.values())).astype(object)


def person_key(secret: bytes, kind: str, normalised: str) -> str:
    """One key, with the standard library (the reference PersonKeys is checked against)."""
    return hmac.new(secret, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:KEY_LENGTH]
