"""Refuse benchmark data as training input: MotiveBench and ToMBench must never be trained on.

The check fails closed: a training file it cannot read is an error, never "not a benchmark"."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

MOTIVEBENCH_KEYS = {"Motivation Reasoning Question", "Options 1", "Correct Answer 1"}
TOMBENCH_KEYS = {"STORY", "QUESTION", "OPTION-A"}


class BenchmarkAsTrainingData(ValueError):
    """Raised when a file given as training input is a benchmark file."""


_HEAD_BYTES = 65536


class UnreadableTrainingFile(ValueError):
    """Raised when a training input cannot be read to check that it is not benchmark data."""


def _head(path: Path, config_key: str) -> str:
    """The first 64 KiB of the file as text (a .gz file is read decompressed)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return f.read(_HEAD_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    except (OSError, EOFError, zlib.error) as e:
        raise UnreadableTrainingFile(
            f"{config_key}: cannot read {path} to check that it is not benchmark data ({type(e).__name__}: {e}); "
            "fix or remove the file"
        ) from None


def _first_record(path: Path, config_key: str) -> dict | None:
    """The first object of a JSON list (MotiveBench) or JSONL file (ToMBench), read from the head only,
    so a large training file is never loaded whole."""
    head = _head(path, config_key)
    text = head[1:].lstrip() if head.startswith("[") else head.split("\n", 1)[0]
    try:
        rec, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return None
    return rec if isinstance(rec, dict) else None


def benchmark_name(path: str | Path, config_key: str = "input") -> str | None:
    """'motivebench' / 'tombench' when the file is in a benchmark's schema, else None (raises when unreadable)."""
    path = Path(path)
    if not path.is_file() or not path.name.lower().removesuffix(".gz").endswith((".json", ".jsonl")):
        return None
    rec = _first_record(path, config_key)
    if not rec:
        return None
    if rec.keys() >= MOTIVEBENCH_KEYS:
        return "motivebench"
    if rec.keys() >= TOMBENCH_KEYS or any("ANSWER" in k and "\n" in k for k in rec):
        return "tombench"
    return None


def refuse_benchmark_file(path: str | Path, config_key: str) -> None:
    """Raise a clear error if `path` is MotiveBench or ToMBench data."""
    name = benchmark_name(path, config_key)
    if name:
        raise BenchmarkAsTrainingData(
            f"{config_key}: {path} is {name} benchmark data; benchmarks are for evaluation only "
            f"and are never used as training input (point eval.data.{name} at it instead)"
        )
