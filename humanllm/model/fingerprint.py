"""A model's identity is its weights, not its path: a content hash, memoised by (path, size, mtime)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")
IDENTITY_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
    "added_tokens.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
)
CHUNK = 1 << 22


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def weights_fingerprint(model_dir: str | Path, memo_file: Path | None = None) -> str:
    """sha256 over the model folder's weight and identity files (names relative, contents hashed).

    Copies of a model under another path hash the same; changing one weight changes the hash.
    File digests are memoised in `memo_file` keyed by absolute path, size and mtime.
    """
    model_dir = Path(model_dir)
    files = sorted(
        p for p in model_dir.iterdir() if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name in IDENTITY_FILES)
    )
    if not any(p.suffix in WEIGHT_SUFFIXES for p in files):
        raise FileNotFoundError(f"no weight files (*.safetensors, *.bin) in {model_dir}")
    memo: dict[str, str] = {}
    if memo_file and memo_file.is_file():
        try:
            memo = json.loads(memo_file.read_text())
        except json.JSONDecodeError:
            memo = {}
    total = hashlib.sha256()
    changed = False
    for p in files:
        key = _stat_key(p)
        digest = memo.get(key)
        if digest is None:
            digest = memo[key] = _file_digest(p)
            changed = True
        total.update(f"{p.name}:{digest}\n".encode())
    if memo_file and changed:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, memo_file)
    return total.hexdigest()[:20]


def paths_fingerprint(paths: list[Path], root: str | Path) -> list[list[object]]:
    """[path relative to `root`, size, mtime_ns] of the given files: what a run reads, nothing else."""
    base = Path(root).expanduser()
    out: list[list[object]] = []
    for p in sorted(paths):
        st = p.stat()
        out.append([str(p.relative_to(base)) if p.is_relative_to(base) else str(p), st.st_size, st.st_mtime_ns])
    return out
