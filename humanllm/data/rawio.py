"""Reading raw dump files leniently: globs, .gz/.zst, bad bytes, broken lines, CSV/JSONL/parquet tables,
and whole JSON documents (a list of objects, or one object) as API clients save them.

Readers yield `RawRow(line, data, error)`: a row that cannot be parsed comes back with `error` set
(and the line number) instead of stopping the file, so the loader can reject it with a reason.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from humanllm.data.text import decode_bytes, repair_surrogates
from humanllm.eval.guard import refuse_benchmark_file
from humanllm.schema import ConfigError

csv.field_size_limit(sys.maxsize)


@dataclass
class RawRow:
    line: int  # 1-based line (JSONL, CSV record start) or row number (parquet)
    data: dict[str, Any] | None
    error: str | None = None
    item: int | str | None = None  # position in a JSON list or an API page ("3.7": page 3, tweet 7)


def expand(patterns: Iterable[str], key: str) -> list[Path]:
    """Resolve paths/globs in order, refusing benchmark files; a pattern matching nothing is an error."""
    files: list[Path] = []
    seen: set[Path] = set()
    for pattern in patterns:
        p = Path(pattern).expanduser()
        matches = sorted(Path(m) for m in glob.glob(str(p))) if glob.has_magic(str(p)) else ([p] if p.exists() else [])
        matches = [m for m in matches if m.is_file()]
        if not matches:
            raise ConfigError(f"{key}: no file matches {pattern!r}")
        for m in matches:
            refuse_benchmark_file(m, key)
            if m not in seen:
                seen.add(m)
                files.append(m)
    return files


def open_binary(path: Path) -> IO[bytes]:
    """Open a raw file, decompressing .gz and .zst (Pushshift dumps use a 2 GiB zstd window)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise ConfigError(f"{path}: reading .zst needs the zstandard package (pip install zstandard)") from None
        dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
        return io.BufferedReader(dctx.stream_reader(open(path, "rb"), closefd=True))
    return open(path, "rb")


def base_format(path: Path) -> str:
    """'jsonl', 'csv' or 'parquet' from the name, ignoring a compression suffix."""
    name = path.name.lower()
    for comp in (".gz", ".zst"):
        name = name.removesuffix(comp)
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    return "jsonl"


def read_json_lines(path: Path) -> Iterator[RawRow]:
    """One JSON object per line; blank lines are skipped; a bad line yields an error row. A file that is one
    JSON document instead (its first line starts with `[`, or is a lone `{`) goes to `read_json_document`."""
    with open_binary(path) as fh:
        lineno = 0
        first = True
        try:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                if first and (raw.lstrip().startswith(b"[") or raw.strip() == b"{"):
                    yield from read_json_document(decode_bytes(raw + fh.read())[0], lineno)
                    return
                first = False
                text, _ = decode_bytes(raw)
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as e:
                    yield RawRow(lineno, None, f"malformed_json: {e.msg} at column {e.colno}")
                    continue
                if not isinstance(obj, dict):
                    yield RawRow(lineno, None, f"not_an_object: {type(obj).__name__}")
                    continue
                yield RawRow(lineno, obj)
        except (OSError, EOFError, ValueError) as e:  # truncated gzip/zstd stream
            yield RawRow(lineno + 1, None, f"unreadable_file: {e}")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def read_json_document(text: str, first_line: int = 1) -> Iterator[RawRow]:
    """A JSON list of objects (one row each, with its line and position) or one object. The elements before
    a syntax error are kept; the error is one row, and nothing after it can be resynchronised."""
    decoder = json.JSONDecoder()

    def line_at(pos: int) -> int:
        return first_line + text.count("\n", 0, pos)

    def broken(e: json.JSONDecodeError) -> RawRow:
        where = f"at line {line_at(e.pos)} column {e.colno}"
        return RawRow(line_at(e.pos), None, f"malformed_json: {e.msg} {where}")

    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            yield broken(e)
            return
        if _skip_space(text, end) < len(text):
            yield RawRow(line_at(end), None, "malformed_json: extra data after the JSON document")
        yield (
            RawRow(line_at(pos), obj)
            if isinstance(obj, dict)
            else RawRow(line_at(pos), None, f"not_an_object: {type(obj).__name__}")
        )
        return
    pos, n = _skip_space(text, pos + 1), 0
    while pos < len(text) and text[pos] != "]":
        if n:
            if text[pos] != ",":
                yield RawRow(line_at(pos), None, "malformed_json: expected ',' between list elements")
                return
            pos = _skip_space(text, pos + 1)
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            yield broken(e)
            return
        yield (
            RawRow(line_at(pos), obj, item=n)
            if isinstance(obj, dict)
            else RawRow(line_at(pos), None, f"not_an_object: {type(obj).__name__}", item=n)
        )
        pos, n = _skip_space(text, end), n + 1
    if pos >= len(text):
        yield RawRow(line_at(pos), None, "malformed_json: the JSON list is not closed (cut short?)", item=n)


def read_csv(path: Path) -> Iterator[RawRow]:
    """A CSV/TSV table with a header; rows with the wrong number of fields are errors."""
    delimiter = "\t" if ".tsv" in path.name.lower() else ","
    with open_binary(path) as fb, io.TextIOWrapper(fb, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not row:
                    continue
                if len(row) != len(header):
                    yield RawRow(line, None, f"bad_row: {len(row)} fields, header has {len(header)}")
                    continue
                yield RawRow(line, {k: repair_surrogates(v) for k, v in zip(header, row, strict=True)})
        except (csv.Error, OSError, EOFError, ValueError) as e:
            yield RawRow(reader.line_num, None, f"unreadable_file: {e}")


def read_parquet(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        n = 0
        for batch in pf.iter_batches(batch_size=10_000):
            for rec in batch.to_pylist():
                n += 1
                yield RawRow(n, rec)
    except Exception as e:  # pyarrow raises several types for a corrupt file
        yield RawRow(0, None, f"unreadable_file: {e}")


def read_table(path: Path) -> Iterator[RawRow]:
    """Rows of a JSONL, CSV/TSV or parquet file (the format from the file name)."""
    fmt = base_format(path)
    if fmt == "parquet":
        return read_parquet(path)
    if fmt == "csv":
        return read_csv(path)
    return read_json_lines(path)


def progress(rows: Iterable[RawRow], path: Path, enabled: bool) -> Iterable[RawRow]:
    """Wrap a file's rows in a tqdm bar (records) when progress is on."""
    if not enabled:
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc=path.name, unit="rec", leave=False)
