"""The one masking function for everything that leaves ingest (quarantine reasons and values, reports, the
command line, the Data page): anything shaped like a citizen ID (12-digit CCCD, 9-digit CMND), a Vietnamese
phone number or an e-mail address is replaced by a label naming its kind, whatever column it was found in.

Kept on purpose: dates (at most 8 digits, or groups split by '/' or ':'), GSO unit codes (5 digits), counts
below a hundred million, the contract's codes ('H-32248-00017' holds 10 digits, not 9 or 12; a letter next to a digit run is no
boundary), person keys (hex: a digit run inside them touches letters). An underscore is a boundary, so a phone
in a file name ('0912345678_visits.csv') is masked, and so is a 12-digit timestamp in one (a harmless loss).
"""

import re

PHONE = "[SĐT/phone]"
CITIZEN_ID = "[CCCD/CMND]"
EMAIL = "[email]"

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A phone: 0 then 9 or 10 digits (mobile, landline with area code), or +84/84 then 9 or 10 digits; digits may be
# grouped by single spaces, dots or dashes ('0912 345 678', '+84 912.345.678').
_PHONE = re.compile(r"(?<![^\W_])(?:\+84|84|0)(?:[ .\-]?\d){9,10}(?![ .\-]?\d)(?![^\W_])")
# A citizen ID: 12 or 9 digits, run together or in groups split by single spaces; a trailing '.0' is how a
# spreadsheet writes a number.
_CITIZEN_ID = re.compile(r"(?<![^\W_])(?<![.\-])(?:\d(?: ?\d){11}|\d(?: ?\d){8})(?:\.0+)?(?! ?\d)(?![^\W_])")
_WORTH_A_LOOK = re.compile(r"\d{3}|@")


def mask(text: object) -> object:
    """text with every phone, citizen ID and e-mail replaced; anything that is not a str is returned as is."""
    if not isinstance(text, str) or not _WORTH_A_LOOK.search(text):
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    return _CITIZEN_ID.sub(CITIZEN_ID, text)


def mask_all(values) -> list:
    return [mask(v) for v in values]
