"""Text repair shared by every loader: lenient decoding, HTML entities and tags, whitespace."""

from __future__ import annotations

import html
import re

_BR = re.compile(r"<br\s*/?>|</?p\s*>", re.I)
_TAG = re.compile(r"</?(?:b|i|u|em|strong|a|span|div|font)(?:\s[^<>]*)?>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")
_SURROGATES = re.compile(r"[\udc80-\udcff]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode raw bytes as UTF-8, else cp1252, else latin-1 (never fails); returns (text, encoding)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def repair_surrogates(text: str) -> str:
    """Re-decode bytes that a `surrogateescape` reader kept as lone surrogates (cp1252 / latin-1)."""
    if not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub(lambda m: decode_bytes(m.group().encode("utf-8", "surrogateescape"))[0], text)


def clean_text(text: object) -> str:
    """Unescape HTML entities (twice: dumps hold `&amp;amp;`), drop invisible characters, turn <br> into
    newlines, strip inline tags, tidy spaces."""
    if text is None:
        return ""
    s = repair_surrogates(str(text))
    for _ in range(2):
        if "&" not in s:
            break
        s = html.unescape(s)
    s = _INVISIBLE.sub("", s)  # zero-width, direction marks, BOM and control characters (tabs and newlines stay)
    s = _BR.sub("\n", s)
    s = _TAG.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = "\n".join(_SPACES.sub(" ", line).strip() for line in s.split("\n"))
    return _BLANKS.sub("\n\n", s).strip()


def normalise(text: str) -> str:
    """Lower-case word sequence: the form exact-duplicate detection compares."""
    return " ".join(_WORD.findall(text.lower()))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
