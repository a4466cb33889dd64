"""Which users are held out for testing: one rule shared by the tasks stage (the split) and curation
(a user cap that keeps the split's proportion, so curated families have test users too)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

from humanllm.data.records import UserRecord


def _rank(user_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{user_id}".encode()).hexdigest()


def held_out_users(users: Iterable[UserRecord], test_fraction: float, seed: int) -> set[str]:
    """Per platform, the ⌈fraction·n⌉ users with the smallest seeded hash are test users (never all of them).

    Stratified by platform so every platform's tasks have held-out users, and independent of the
    task or mixture, so a test user is never in any task's training data.
    """
    by_platform: dict[str, list[str]] = {}
    for u in users:
        by_platform.setdefault(u.platform, []).append(u.user_id)
    chosen: set[str] = set()
    for ids in by_platform.values():
        n_test = min(len(ids) - 1, math.ceil(test_fraction * len(ids))) if len(ids) > 1 else 0
        chosen.update(sorted(ids, key=lambda i: _rank(i, seed))[:n_test])
    return chosen
