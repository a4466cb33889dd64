"""Dataset for general_english_ppl: long stdlib docstrings (real English, present on every machine)."""

from __future__ import annotations

import importlib
import re
import warnings

MODULES = (
    "argparse",
    "asyncio",
    "collections",
    "contextlib",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "email",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "http.client",
    "inspect",
    "itertools",
    "json",
    "logging",
    "mailbox",
    "numbers",
    "optparse",
    "pathlib",
    "pickle",
    "pprint",
    "random",
    "re",
    "sched",
    "secrets",
    "shelve",
    "shutil",
    "smtplib",
    "socket",
    "sqlite3",
    "statistics",
    "string",
    "subprocess",
    "tarfile",
    "tempfile",
    "textwrap",
    "threading",
    "timeit",
    "typing",
    "unittest",
    "urllib.parse",
    "uuid",
    "warnings",
    "weakref",
    "zipfile",
)


def general_english_docs(max_docs: int = 64, max_chars: int = 2000, min_chars: int = 400) -> list[str]:
    """Prose-like docstrings (modules, then their public members), whitespace-normalised, in a fixed order."""
    docs: list[str] = []
    seen: set[str] = set()
    for name in MODULES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = importlib.import_module(name)
        for obj in [mod] + [getattr(mod, a) for a in sorted(dir(mod)) if not a.startswith("_")]:
            doc = getattr(obj, "__doc__", None)
            if not isinstance(doc, str):
                continue
            text = re.sub(r"\s+", " ", doc).strip()
            letters = sum(c.isalpha() or c == " " for c in text)
            if len(text) < min_chars or text in seen or letters < 0.85 * len(text):
                continue
            seen.add(text)
            docs.append(text[:max_chars])
            if len(docs) >= max_docs:
                return docs
    return docs


def load_general_english(max_docs: int = 64, max_chars: int = 2000, **_: object):
    from datasets import Dataset, DatasetDict

    docs = general_english_docs(int(max_docs), int(max_chars))
    return DatasetDict({"test": Dataset.from_list([{"doc_id": i, "text": t} for i, t in enumerate(docs)])})
