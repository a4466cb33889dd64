"""Helpers shared by the sample writers: ids, clocks, JSON lines as bytes, PII snippets."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import string
from pathlib import Path
from typing import Any

from humanllm.data.sample.personas import Persona

B36 = string.digits + string.ascii_lowercase


def base36(r: random.Random, n: int = 6) -> str:
    return "".join(r.choice(B36) for _ in range(n))


def stable_id(name: str, n: int = 5) -> str:
    """A fixed base36 id for a name (subreddit ids)."""
    v = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return "".join(B36[(v >> (5 * i)) % 36] for i in range(n))


def jline(rec: Any, encoding: str = "utf-8") -> bytes:
    """One JSON line; encoding='cp1252' gives the non-UTF-8 lines that real dumps contain."""
    return (json.dumps(rec, ensure_ascii=False) + "\n").encode(encoding)


def write_lines(path: Path, lines: list[bytes], gz: bool = False) -> int:
    """Write raw lines (gzip with a zero mtime, so the bytes depend only on the content)."""
    data = b"".join(lines)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return len(lines)


class Clock:
    """Monotonic timestamps with random gaps (unix seconds)."""

    def __init__(self, r: random.Random, start: int, min_gap: int = 3600, max_gap: int = 20 * 86400):
        self.r, self.t, self.lo, self.hi = r, start, min_gap, max_gap

    def next(self) -> int:
        self.t += self.r.randint(self.lo, self.hi)
        return self.t


def pii_sentence(p: Persona, r: random.Random, other: str) -> str:
    """A sentence with an email, a phone number, a URL and a mention of another user."""
    email = f"{p.first.lower()}.{p.last.lower()}{r.randint(1, 99)}@example.com"
    phone = f"({r.randint(201, 989)}) {r.randint(200, 999)}-{r.randint(1000, 9999)}"
    return (
        f"If you want the full list, email me at {email} or text {phone}; photos are at "
        f"https://photos.example.com/{p.first.lower()}/{r.randint(100, 999)} and {other} has more."
    )
