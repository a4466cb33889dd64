"""The row loop shared by the table-shaped loaders (Reddit, Twitter, Amazon)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from humanllm.data.candidate import BadRecord, Candidate, Loaded, split_error
from humanllm.data.rawio import RawRow, progress

Build = Callable[[dict[str, Any], Path, int], Candidate]


def load_rows(out: Loaded, kind: str, files: Iterable[Path], read: Callable[[Path], Iterator[RawRow]],
              required: tuple[str, ...], author_field: str, build: Build, show: bool,
              seen: set[str] | None = None) -> None:
    """Parse every row of `files`: bad rows, rows missing a required field and rows the builder refuses
    (`BadRecord`: wrong types, bad numbers or timestamps) become parse failures with their reason.

    `seen` holds the record ids loaded so far (pass one set to several calls to catch repeats across them).
    """
    seen = set() if seen is None else seen
    for path in files:
        for row in progress(read(path), path, show):
            if row.data is None:
                out.fail(kind, path, row.line, *split_error(row.error or "unparseable"))
                continue
            missing = [k for k in required if row.data.get(k) in (None, "")]
            if missing:
                author = row.data.get(author_field)
                out.fail(kind, path, row.line, "missing_field", ", ".join(missing),
                         author=str(author) if author not in (None, "") else None)
                continue
            try:
                cand = build(row.data, path, row.line)
            except BadRecord as e:
                author = row.data.get(author_field)
                out.fail(kind, path, row.line, e.reason, e.detail,
                         author=str(author) if isinstance(author, (str, int)) and author != "" else None)
                continue
            out.add(cand, seen)
