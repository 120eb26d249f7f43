"""The one masking function for everything that leaves ingest (quarantine reasons and values, reports, the
command line, the Data page, every free-text column of every table): anything shaped like a citizen ID, a
Vietnamese phone number or an e-mail address is replaced by a label naming its kind, whatever column it was
found in.

The ID rule goes by shape, not by spelling: a run of digit groups joined by single spaces, dots, dashes or
slashes (a separator may have a space on each side: '096 - 075') that holds 9 to 12 digits in all is masked:
'096185000001', '096 185 000 001', '096-075-000-920', '096.075.000.920', '096/075/000/920'. A run of more
than 12 digits is split at its spaces and each part is judged alone (two IDs side by side are both masked;
'05/10/2024 - 12/10/2024' is two dates and stays).

Kept on purpose: dates and amounts of at most 8 digits ('12/03/2024', '15.000 đ', '1.234.567'), a date with
its time (a run followed by ':' and a digit), GSO unit codes (5 digits), the contract's codes (one capital
letter and a dash before the digits: 'H-32248-00017', 'V-2024-000001'), person keys (hex: a digit run that
touches a letter is part of a word), long numbers written as one block ('12345678901234567890'). An
underscore is a boundary, so a phone in a file name ('0912345678_visits.csv') is masked, and so is a 12-digit
timestamp in one (a harmless loss), or a 9-12 digit amount in free text ('1.500.000.000 đ').

Masking a column is vectorised: Arrow's regex engine picks the values that could hold anything to mask (most
free text holds none), and only those distinct values go through the exact rules here.
"""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PHONE = "[SĐT/phone]"
CITIZEN_ID = "[CCCD/CMND]"
EMAIL = "[email]"
ID_DIGITS = (9, 12)

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A phone: 0 then 9 or 10 digits (mobile, landline with area code), or +84/84 then 9 or 10 digits; digits may be
# grouped by single spaces, dots or dashes ('0912 345 678', '+84 912.345.678').
# A phone never starts inside a longer run of groups ('… 920 0912 …'): there the run rule judges the whole run
# part by part, so that IDs side by side are all masked (a phone matched across two IDs left 8 digits of each).
_PHONE = re.compile(r"(?<![^\W_])(?<!\d[ .\-/])(?:\+84|84|0)(?:[ .\-]?\d){9,10}(?![ .\-]?\d)(?![^\W_])")
_SEPARATOR = r"(?: ?[.\-/] ?| )"
# A run of digit groups; trailing '.0' is how a spreadsheet writes a number, and belongs to the run anyway.
_RUN = re.compile(rf"\d+(?:{_SEPARATOR}\d+)*")
_SPACED = re.compile(r" ?[.\-/] | [.\-/]? ?")
_SPREADSHEET_ZERO = re.compile(r"\.0+$")
# Values that may hold something to mask: an '@', or nine digits with at most three other characters between
# consecutive ones. RE2 syntax (Arrow), checked over a whole column at once.
CANDIDATE = r"@|\d(?:[^\d]{0,3}\d){8}"
_CANDIDATE = re.compile(CANDIDATE)


def _is_letter(char: str) -> bool:
    return char.isalpha() or (char.isalnum() and not char.isdigit())


def _digits(run: str) -> int:
    return sum(c.isdigit() for c in run)


def _judge(run: str) -> str:
    """The run, masked if it is ID-shaped; a run over 12 digits is judged part by part (split at spaces)."""
    n = _digits(run)
    written = _digits(_SPREADSHEET_ZERO.sub("", run)) if "." in run else n  # '912345678.0': 9 digits
    if ID_DIGITS[0] <= n <= ID_DIGITS[1] or ID_DIGITS[0] <= written <= ID_DIGITS[1]:
        return CITIZEN_ID
    if n > ID_DIGITS[1] and " " in run:
        pieces = _SPACED.split(run)
        joins = _SPACED.findall(run)
        if len(pieces) > 1:
            out = [_judge(pieces[0])]
            for join, piece in zip(joins, pieces[1:]):
                out += [join, _judge(piece)]
            return "".join(out)
    return run


def _replace_run(match: re.Match) -> str:
    text, start, end = match.string, match.start(), match.end()
    run = match.group()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if _is_letter(before) or _is_letter(after):  # part of a word: a hex key, 'x2024'
        return run
    if after == ":" and text[end + 1:end + 2].isdigit():  # a date with its time, '2024-10-05 12:30'
        return run
    if before in "-./" and start >= 2 and text[start - 2].isupper() and \
            (start == 2 or not _is_letter(text[start - 3])):  # the contract's codes: 'H-32248-00017'
        return run
    return _judge(run)


def mask(text: object) -> object:
    """text with every phone, citizen ID and e-mail replaced; anything that is not a str is returned as is."""
    if not isinstance(text, str) or not _CANDIDATE.search(text):
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    return _RUN.sub(_replace_run, text)


def mask_all(values) -> list:
    return [mask(v) for v in values]


def mask_array(values) -> np.ndarray:
    """A column of text (an Arrow string array, or any array-like of str/None) with every value masked, as an
    object array. Only the distinct values Arrow's regex picks as candidates go through mask()."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else \
        pa.array(values, type=pa.string(), from_pandas=True)
    out = np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
    candidates = pc.fill_null(pc.match_substring_regex(array, CANDIDATE), False).to_numpy(zero_copy_only=False)
    if candidates.any():
        picked = out[candidates]
        codes, uniques = pd.factorize(picked, use_na_sentinel=False)
        out[candidates] = np.asarray(mask_all(uniques), dtype=object)[codes]
    return out
