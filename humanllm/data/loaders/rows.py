"""The row loop shared by the table-shaped loaders (Reddit, Twitter, Amazon), and the one rule for
placeholder values that every loader applies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from humanllm.data.candidate import BadRecord, Candidate, Loaded, UnreadableSource, split_error
from humanllm.data.rawio import RawRow, progress

Build = Callable[[dict[str, Any], Path, int], Candidate]

# Whole-field strings that dumps write for "no value" (pandas, Python str(None), SQL exports): unset.
SENTINELS = frozenset({"", "null", "NULL", "None", "nan", "NaN"})


def unset(value: Any) -> Any:
    """None for a placeholder (a SENTINELS string, surrounding spaces ignored, or a float NaN), else
    the value."""
    if isinstance(value, str):
        return None if value.strip() in SENTINELS else value
    if isinstance(value, float) and value != value:
        return None
    return value


def unset_placeholders(rec: dict[str, Any]) -> dict[str, Any]:
    """The record with every placeholder value unset, in nested objects too (API user objects, `style`,
    objects inside lists); strings inside lists stay as they are."""
    return {k: _unset_nested(v) for k, v in rec.items()}


def _unset_nested(value: Any) -> Any:
    if isinstance(value, dict):
        return unset_placeholders(value)
    if isinstance(value, list):
        return [unset_placeholders(v) if isinstance(v, dict) else v for v in value]
    return unset(value)


def load_rows(
    out: Loaded,
    kind: str,
    files: Iterable[Path],
    read: Callable[[Path], Iterator[RawRow]],
    required: tuple[str, ...],
    author_field: str,
    build: Build,
    show: bool,
    seen: set[str] | None = None,
) -> None:
    """Parse every row of `files`: bad rows, rows missing a required field and rows the builder refuses
    (`BadRecord`: wrong types, bad numbers or timestamps) become parse failures with their reason.

    `seen` holds the record ids loaded so far (pass one set to several calls to catch repeats across them).
    """
    seen = set() if seen is None else seen
    for path in files:
        for row in progress(read(path), path, show):
            rid = None if row.item is None else f"{out.platform}:{path}:{row.line}#{row.item}"
            if row.data is None:
                out.fail(kind, path, row.line, *split_error(row.error or "unparseable"), record_id=rid)
                continue
            data = unset_placeholders(row.data)
            author = data.get(author_field)
            author = str(author) if isinstance(author, (str, int)) and not isinstance(author, bool) else None
            missing = [k for k in required if data.get(k) is None]
            if missing:
                out.fail(kind, path, row.line, "missing_field", ", ".join(missing), record_id=rid, author=author)
                continue
            try:
                cand = build(data, path, row.line)
            except BadRecord as e:
                out.fail(kind, path, row.line, e.reason, e.detail, record_id=rid, author=author)
                continue
            out.add(cand, seen)


def detect_schema(
    path: Path,
    read: Callable[[Path], Iterator[RawRow]],
    markers: dict[str, Callable[[dict], bool]],
    what: str,
    expected: str,
    peek: int = 20,
) -> str | None:
    """The schema (a `markers` name) that most of the file's first `peek` parsed objects match. None when no
    object parses (the rows are then rejected one by one); UnreadableSource when objects parse but none
    matches."""
    votes: Counter[str] = Counter()
    keys: set[str] = set()
    parsed = 0
    rows = read(path)
    try:
        for row in rows:
            if row.data is None:
                continue
            parsed += 1
            keys.update(row.data)
            votes.update(name for name, match in list(markers.items()) if match(row.data))
            if parsed >= peek:
                break
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if votes:
        return votes.most_common(1)[0][0]
    if not parsed:
        return None
    raise UnreadableSource(
        f"{path}: not a known {what} layout (its records have the keys "
        f"{', '.join(sorted(keys)[:20])}); expected {expected}"
    )
