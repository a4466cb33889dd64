"""PII scrubbing: emails, phone numbers, URLs, @handles and known author names → placeholders."""

from __future__ import annotations

import re
from typing import Iterable

from humanllm.data.config import PiiConfig

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_URL_TAIL = r"[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]"  # a URL does not end in punctuation
URL = re.compile(rf"\b(?:https?://|www\.){_URL_TAIL}|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|co\.uk|edu|gov)\b(?:/{_URL_TAIL})?",
                 re.I)
PHONE = re.compile(r"(?<![\w/])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/])")
HANDLE = re.compile(r"(?<![\w@/])(?:@\w{2,}|/?u/[\w-]{3,})")
TOKEN = re.compile(r"[\w-]+")


def handle_like(name: str, min_len: int) -> bool:
    """Names safe to scrub as bare words: long enough and not a plain word (digit, _, - or inner capital)."""
    if len(name) < min_len or name.startswith("["):
        return False
    return any(c.isdigit() or c in "_-" for c in name) or any(c.isupper() for c in name[1:])


class Scrubber:
    """Applies the enabled PII rules; `known` are author names of the same platform."""

    def __init__(self, cfg: PiiConfig, known: Iterable[str] = ()):
        self.cfg = cfg
        self.known = {n.lower() for n in known if handle_like(n, cfg.known_author_min_len)} if cfg.known_authors else set()

    def __call__(self, text: str | None) -> str | None:
        if not text or not self.cfg.enabled:
            return text
        if self.cfg.emails:
            text = EMAIL.sub("[EMAIL]", text)
        if self.cfg.urls:
            text = URL.sub("[URL]", text)
        if self.cfg.phones:
            text = PHONE.sub("[PHONE]", text)
        if self.cfg.handles:
            text = HANDLE.sub("[USER]", text)
        if self.known:
            text = TOKEN.sub(lambda m: "[USER]" if m.group().lower() in self.known else m.group(), text)
        return text
