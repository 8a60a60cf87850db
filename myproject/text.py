"""Text people type: printable, in one normal form, and displayed as it reads.

Control characters break logs and CSV exports; Unicode format characters (category Cf: bidi
overrides such as U+202E, zero-width spaces and joiners, U+FEFF) and line or paragraph
separators (Zl, Zp) make a name display as something other than what it is.
"""

import unicodedata

from django.core.exceptions import ValidationError

REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def normalize_text(value: str) -> str:
    """NFC, so that the same name typed two ways is stored, searched and compared once."""
    return unicodedata.normalize("NFC", value)


def validate_plain_text(value: str) -> None:
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value):
        raise ValidationError(
            "Control, format and separator characters (such as bidi overrides and "
            "zero-width spaces) are not allowed.",
            code="invalid",
        )


def validate_plain_lines(value: str) -> None:
    """Plain text in lines: line breaks (a browser's text box sends CR LF) and nothing else
    a plain text refuses."""
    validate_plain_text(value.replace("\r\n", "").replace("\n", ""))


# A spreadsheet reads a cell starting with one of these as a formula (`=HYPERLINK(...)`,
# `+cmd|...`, `@SUM(...)`, `-2+3`), and a tab or carriage return can start one too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file for csv.writer that hands each line back instead of keeping it: a CSV written
    row by row into a streamed response."""

    def write(self, value):
        return value


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as text: text starting like a formula gets a
    leading apostrophe (OWASP's advice); numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def has_visible_character(value: str) -> bool:
    """At least one letter or digit that shows: Hangul fillers (U+115F, U+1160, U+3164,
    U+FFA0) are letters to Unicode but print nothing."""
    return any(
        unicodedata.category(char)[0] in "LN" and char not in INVISIBLE_LETTERS for char in value
    )


INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
