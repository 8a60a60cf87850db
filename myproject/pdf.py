"""Text in PDF documents (ReportLab) as people write it: any script, in its own direction,
wrapped to the page.

ReportLab's built-in fonts know Latin-1 only, and draw anything else as boxes. Documents here
embed DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew and more) and WenQuanYi Micro Hei
(Chinese, Japanese, Korean), found in PDF_FONT_DIRS (Debian's `fonts-dejavu-core` and
`fonts-wqy-microhei` put them there). Arabic letters are joined into the forms they take in a
word (arabic-reshaper) and right-to-left runs are laid out in display order (python-bidi):
ReportLab draws characters as given, left to right. A font that is missing falls back to
ReportLab's own (a warning is logged), so a document is always made.
"""

import functools
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from django.conf import settings
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

log = logging.getLogger("myproject.pdf")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    cjk: str


@functools.cache
def fonts() -> Fonts:
    """Register the embedded fonts once per process; the names to use."""

    def register(name: str, filename: str, **options) -> bool:
        for folder in settings.PDF_FONT_DIRS:
            path = Path(folder) / filename
            if path.is_file():
                pdfmetrics.registerFont(TTFont(name, str(path), **options))
                return True
        log.warning("font missing", extra={"font": filename, "dirs": settings.PDF_FONT_DIRS})
        return False

    unicode_fonts = register("Text", "DejaVuSans.ttf") and register(
        "Text-Bold", "DejaVuSans-Bold.ttf"
    )
    if not register("Text-CJK", "wqy-microhei.ttc", subfontIndex=0):
        # Adobe's standard Chinese font: referred to, not embedded (readers supply it).
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return Fonts(*(("Text", "Text-Bold") if unicode_fonts else FALLBACK), "STSong-Light")
    return Fonts(*(("Text", "Text-Bold") if unicode_fonts else FALLBACK), "Text-CJK")


FALLBACK = ("Helvetica", "Helvetica-Bold")
# Letters joined as in a word, without the ligatures (such as U+FDF2 for "Allah") that
# DejaVu Sans has no glyph for.
RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"support_ligatures": False})

# Scripts DejaVu Sans lacks: Han, kana, Hangul, and their punctuation and full-width forms.
CJK_RANGES = (
    (0x1100, 0x11FF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x30FF),
    (0x3100, 0x31FF),
    (0x3200, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def display_order(text: str) -> str:
    """Text as it is drawn left to right: Arabic letters in their joined forms, and
    right-to-left runs reversed (numbers and Latin words inside them kept as they read)."""
    if not _right_to_left(text):
        return text
    return get_display(RESHAPER.reshape(text))


def markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup for `text`: escaped, in display order, each run in a font that has
    its characters."""
    chosen = fonts()
    base = chosen.bold if bold else chosen.regular
    runs: list[tuple[str, str]] = []
    for char in display_order(text):
        font = chosen.cjk if is_cjk(char) else base
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return "".join(
        escape(chunk) if font == base else f'<font name="{font}">{escape(chunk)}</font>'
        for font, chunk in runs
    )


def style(name: str = "body", *, size: float = 9, bold: bool = False, **options):
    chosen = fonts()
    return ParagraphStyle(
        name,
        fontName=chosen.bold if bold else chosen.regular,
        fontSize=size,
        leading=size * 1.25,
        splitLongWords=True,  # a 100-letter name wraps instead of running off the page
        **options,
    )


def paragraph(text: str, paragraph_style=None, *, bold: bool = False) -> Paragraph:
    return Paragraph(markup(text, bold=bold), paragraph_style or style(bold=bold))
