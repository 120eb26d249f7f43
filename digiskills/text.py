"""Text normalisation shared by ingest, unit matching and boundary matching."""

import re
import unicodedata

# Đ/đ do not decompose under NFD, and exports sometimes carry the Icelandic Ð (U+00D0)
# or ð (U+00F0), which look the same on screen.
_D_LIKE = str.maketrans({"Đ": "d", "đ": "d", "Ð": "d", "ð": "d"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(value: str) -> str:
    """Unicode NFC, trimmed, inner whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """Lowercase ASCII key without diacritics: 'Xã Đất Mũi' -> 'xa dat mui'."""
    decomposed = unicodedata.normalize("NFD", value.translate(_D_LIKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_ALNUM.sub(" ", stripped.lower()).split())


def key(value: str) -> str:
    """Compact matching key: fold() without spaces ('Phường 9' -> 'phuong9')."""
    return fold(value).replace(" ", "")
