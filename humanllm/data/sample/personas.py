"""Sample personas: stable interests, job, home town, family, pet, a catchphrase and a writing quirk."""

from __future__ import annotations

import random
from dataclasses import dataclass

from humanllm.data.sample.banks import (
    CATCHPHRASES,
    FAMILY,
    FIRST_NAMES,
    JOBS,
    PETS,
    QUIRKS,
    SIGNS,
    SURNAMES,
    TOPICS,
    TOWNS,
)


@dataclass(frozen=True)
class Persona:
    first: str
    last: str
    handle: str  # user name on the platform (handle-like: has a digit, '_' or an inner capital)
    job: str
    workplace: str
    industry: str
    town: str
    topics: tuple[str, ...]  # the first is the main interest
    quirk: str
    catchphrase: str
    family: str
    pet: str
    years: int  # years in the job
    age: int
    gender: str
    sign: str


def _handle(rng: random.Random, first: str, last: str, topic: str) -> str:
    word = topic.split()[0]
    forms = [
        f"{first.lower()}_{word}{rng.randint(2, 99)}",
        f"{first}{last}{rng.randint(10, 99)}",
        f"{word}_{first.lower()}",
        f"the_{last.lower()}_{word}",
        f"{first}{word.capitalize()}{rng.randint(1, 9)}",
    ]
    return rng.choice(forms)


def make_personas(rng: random.Random, n: int, topic_pool: list[str] | None = None, prefix: str = "") -> list[Persona]:
    """`n` distinct personas; `topic_pool` limits their interests (Amazon personas shop within a category)."""
    pool = topic_pool or sorted(TOPICS)
    firsts = rng.sample(FIRST_NAMES, k=min(n, len(FIRST_NAMES)))
    out: list[Persona] = []
    handles: set[str] = set()
    for i in range(n):
        first = firsts[i % len(firsts)]
        last = rng.choice(SURNAMES)
        topics = tuple(rng.sample(pool, k=min(3, len(pool))))
        job, workplace, industry = rng.choice(JOBS)
        handle = _handle(rng, first, last, topics[0])
        while handle in handles:
            handle = f"{handle}{rng.randint(0, 9)}"
        handles.add(handle)
        age = rng.randint(17, 58)
        out.append(
            Persona(
                first=first,
                last=last,
                handle=prefix + handle,
                job=job,
                workplace=workplace,
                industry=industry,
                town=rng.choice(TOWNS),
                topics=topics,
                quirk=QUIRKS[i % len(QUIRKS)] if i < len(QUIRKS) else rng.choice(QUIRKS),
                catchphrase=rng.choice(CATCHPHRASES),
                family=rng.choice(FAMILY),
                pet=rng.choice(PETS),
                years=rng.randint(2, max(3, age - 18)),
                age=age,
                gender=rng.choice(["female", "male"]),
                sign=rng.choice(SIGNS),
            )
        )
    return out
