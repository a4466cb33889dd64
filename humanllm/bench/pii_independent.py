"""The independent PII set: sentences from Microsoft's presidio-evaluator data generator, with its own labels.

`PresidioSentenceFaker` (presidio-evaluator 0.3.2, on PyPI) fills 209 templates written by the Presidio
team (bank and support requests, song trivia, résumés, address blocks) with Faker values and records
from FakeNameGenerator.com, and labels every filled slot with a Presidio entity type. Neither the
templates, the values nor the labels were written here, and the scrubber was not tuned on them.

Kept as the generator makes them, except for what makes a run reproducible and offline:
- the generator's person records are loaded once under a fixed seed (loading them draws which names get a
  middle initial, before the generator seeds itself) and "now" is fixed for Faker's date providers (dates
  are drawn between 1970 and the current time), so one seed gives one set on any day, in any process;
- `HospitalProvider` is left out: it queries WikiData over the network when built (no template uses it);
- the `.env` loading that `import presidio_evaluator` does is skipped;
- the templates write line breaks as the two characters `\\n` (one template a line); they are turned into
  real line breaks, span offsets moved to match.

Presidio entity types map onto the scrubber's categories in `MAPPING`; the other types (credit cards,
IBANs, dates, organisations, places on their own, ...) are types the scrubber does not claim to remove:
they are reported as not covered, with their counts, and never count as misses.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import importlib.metadata
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

GENERATOR_PACKAGE = "presidio-evaluator"
GENERATOR_VERSION = "0.3.2"
INSTALL_HINT = (
    f"the independent PII set needs {GENERATOR_PACKAGE}=={GENERATOR_VERSION} and Faker (pinned in the "
    "dev extra): pip install -e '.[dev]'"
)
LOCALE = "en_US"
LOWER_CASE_RATIO = 0.05  # the generator's own default (its __main__): 5% of names start lower-case
FIXED_NOW = _dt.datetime(2025, 1, 1, 12, 0, 0)
RECORDS_SEED = 0  # the seed the person records are loaded under (see _person_records)

# Presidio entity type → the scrubber category that claims it. Everything else is "not covered".
MAPPING = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "DOMAIN_NAME": "url",  # Faker's url(): "https://www.smith.com/"
    "STREET_ADDRESS": "address",  # building number, street, unit, postcode: each its own span
    "PERSON": "name",  # any person's name; the scrubber's [NAME] rule only claims self-introductions
}


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    label: str  # a Presidio entity type, or one of our categories for sets written here


@dataclass(frozen=True)
class Sample:
    text: str
    gold: tuple[Gold, ...]
    known_authors: tuple[str, ...] = ()  # author names of the dump the text came from (planted set only)
    source: str = ""  # template id, or the set's own item kind


class GeneratorMissing(RuntimeError):
    exit_code = 1  # the CLI prints the message (what to install) instead of a traceback


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        fixed = cls(*FIXED_NOW.timetuple()[:6])  # naive: Faker reads naive times as UTC
        return fixed.replace(tzinfo=_dt.UTC).astimezone(tz) if tz else fixed

    @classmethod
    def today(cls):
        return cls.now()


class _FixedDate(_dt.date):
    @classmethod
    def today(cls):
        return cls(FIXED_NOW.year, FIXED_NOW.month, FIXED_NOW.day)


@contextlib.contextmanager
def _reproducible(seed: int) -> Iterator[None]:
    """Fixed 'now' for Faker's dates, seeded global RNGs restored afterwards, generator chatter hidden."""
    import faker.generator
    import faker.providers.date_time as fdt
    import numpy as np

    saved = (random.getstate(), np.random.get_state(), faker.generator.random.getstate(), fdt.datetime, fdt.dtdate)
    fdt.datetime, fdt.dtdate = _FixedDatetime, _FixedDate
    random.seed(seed)
    np.random.seed(seed)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        faker.generator.random.setstate(saved[2])
        fdt.datetime, fdt.dtdate = saved[3], saved[4]


def _import_generator():
    try:
        import dotenv  # presidio_evaluator's __init__ calls load_dotenv(): a .env above site-packages would load

        real, dotenv.load_dotenv = dotenv.load_dotenv, lambda *a, **k: False
        try:
            from presidio_evaluator.data_generator import (
                PresidioSentenceFaker,
                presidio_additional_entity_providers,
                presidio_templates_file_path,
            )
            from presidio_evaluator.data_generator.faker_extensions import HospitalProvider
        finally:
            dotenv.load_dotenv = real
    except ImportError as e:
        raise GeneratorMissing(f"{INSTALL_HINT} ({e})") from e
    providers = [p for p in presidio_additional_entity_providers if p is not HospitalProvider]
    return PresidioSentenceFaker, providers, presidio_templates_file_path


def _unescape_newlines(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    """Literal '\\n' (2 chars) → a line break (1 char), with span offsets moved to match."""
    if "\\n" not in text:
        return text, spans
    new_pos, out, i = [], [], 0
    while i < len(text):
        new_pos.append(len(out))
        if text.startswith("\\n", i):
            new_pos.append(len(out))
            out.append("\n")
            i += 2
        else:
            out.append(text[i])
            i += 1
    new_pos.append(len(out))
    return "".join(out), [(new_pos[s], new_pos[e], label) for s, e, label in spans]


@functools.lru_cache(maxsize=1)
def _person_records() -> list[dict]:
    """The generator's 3,000 FakeNameGenerator.com people, loaded once (3 s) under a fixed seed: loading draws
    which full names carry a middle initial."""
    _import_generator()
    from presidio_evaluator.data_generator.faker_extensions.datasets import load_fake_person_df

    with _reproducible(RECORDS_SEED):
        return load_fake_person_df().to_dict(orient="records")


def generate(n: int, seed: int) -> list[Sample]:
    """`n` sentences from presidio-evaluator's templates, reproducible for a given seed."""
    faker_cls, providers, _ = _import_generator()
    records = [dict(r) for r in _person_records()]
    with _reproducible(seed):
        sentence_faker = faker_cls(
            LOCALE,
            lower_case_ratio=LOWER_CASE_RATIO,
            entity_providers=providers,
            base_records=records,
            random_seed=seed,
        )
        results = sentence_faker.generate_new_fake_sentences(n)
    samples = []
    for r in results:
        spans = [(s.start_position, s.end_position, s.entity_type) for s in r.spans]
        text, spans = _unescape_newlines(r.full_text, spans)
        gold = sorted((Gold(s, e, t) for s, e, t in spans), key=lambda g: (g.start, g.end, g.label))
        samples.append(Sample(text, tuple(gold), source=f"template {r.template_id}"))
    return samples


def dataset_digest(samples: list[Sample]) -> str:
    """sha256 over texts and labelled spans: the same seed must give the same digest."""
    h = hashlib.sha256()
    for s in samples:
        h.update(repr((s.text, [(g.start, g.end, g.label) for g in s.gold])).encode())
    return h.hexdigest()


def generator_info(n: int, seed: int) -> dict[str, Any]:
    _, providers, templates = _import_generator()
    data = templates.read_bytes()
    return {
        "package": f"{GENERATOR_PACKAGE}=={importlib.metadata.version(GENERATOR_PACKAGE)}",
        "faker": importlib.metadata.version("Faker"),
        "class": "presidio_evaluator.data_generator.PresidioSentenceFaker",
        "locale": LOCALE,
        "lower_case_ratio": LOWER_CASE_RATIO,
        "seed": seed,
        "sentences": n,
        "templates_file": "presidio_evaluator/data_generator/raw_data/templates.txt",
        "templates": len([line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]),
        "templates_sha256": hashlib.sha256(data).hexdigest(),
        "entity_providers": [p.__name__ for p in providers],
        "changes": [
            f"person records loaded under seed {RECORDS_SEED}; Faker's 'now' fixed at {FIXED_NOW.isoformat()}",
            "HospitalProvider left out (queries WikiData when built; no template uses it)",
            "literal '\\n' in templates turned into line breaks",
        ],
    }
