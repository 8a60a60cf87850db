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
