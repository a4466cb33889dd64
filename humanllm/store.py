"""Content-addressed artifact store: one folder per (stage, key), written atomically, with a manifest.

A stage's key is a hash of exactly what determines its output: the stage name, the identity of
the code that writes it (a hash of its sources, see `humanllm.codeid`), the stage's own config
slice, its seed, and the keys of its inputs. A folder that exists under its key is
complete (it was renamed into place only after its manifest was written), so a rerun with the
same key skips the work. Concurrent builders of one key are serialised with a file lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import platform
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from humanllm.io import read_json, stable_hash, write_json

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TRACKED_PACKAGES = (
    "humanllm",
    "torch",
    "transformers",
    "tokenizers",
    "peft",
    "trl",
    "accelerate",
    "datasets",
    "mergekit",
    "lm_eval",
    "hydra-core",
    "optuna",
    "wandb",
    "pandas",
)


def package_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour determines our outputs."""
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass
class Artifact:
    """A finished stage output: its folder and manifest."""

    stage: str
    key: str
    path: Path
    manifest: dict[str, Any]

    @property
    def counts(self) -> dict[str, Any]:
        return self.manifest.get("counts", {})


@dataclass
class BuildContext:
    """Handed to a stage while it writes: the temporary folder and what goes into the manifest."""

    path: Path
    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)


class ArtifactStore:
    """Maps (stage, key) to a folder under `root`."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()

    @staticmethod
    def key(stage: str, code: str | int, config: Any, inputs: dict[str, str], seed: int | None = None) -> str:
        """The folder name of (stage, code identity, config, inputs, seed)."""
        return stable_hash({"stage": stage, "code": code, "config": config, "inputs": inputs, "seed": seed})

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def get(self, stage: str, key: str) -> Artifact | None:
        path = self.path(stage, key)
        manifest = path / MANIFEST
        if not manifest.is_file():
            return None
        return Artifact(stage, key, path, read_json(manifest))

    def list(self, stage: str) -> list[Artifact]:
        folder = self.root / stage
        if not folder.is_dir():
            return []
        found = (self.get(stage, p.name) for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith("."))
        return [a for a in found if a is not None]

    @contextmanager
    def _lock(self, stage: str, key: str) -> Iterator[None]:
        lock_dir = self.root / stage
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f".{key}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def build(
        self,
        stage: str,
        code: str | int,
        config: Any,
        inputs: dict[str, str],
        produce: Callable[[BuildContext], None],
        seed: int | None = None,
    ) -> tuple[Artifact, bool]:
        """Return the artifact for this (stage, config, inputs), producing it if absent.

        Returns (artifact, reused). `produce` writes into `ctx.path`; on any exception the
        temporary folder is removed and nothing is published.
        """
        key = self.key(stage, code, config, inputs, seed)
        existing = self.get(stage, key)
        if existing is not None:
            return existing, True
        with self._lock(stage, key):
            existing = self.get(stage, key)  # another process may have finished it meanwhile
            if existing is not None:
                return existing, True
            final = self.path(stage, key)
            tmp = final.parent / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir(parents=True)
            ctx = BuildContext(path=tmp)
            started = time.time()
            try:
                with ctx.timed("total"):
                    produce(ctx)
                manifest = {
                    "stage": stage,
                    "key": key,
                    "code": code,
                    "config": config,
                    "inputs": inputs,
                    "seed": seed,
                    "counts": ctx.counts,
                    "timings_s": ctx.timings,
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
                    "host": socket.gethostname(),
                    "versions": package_versions(),
                    **ctx.extra,
                }
                write_json(tmp / MANIFEST, manifest)
                if final.exists():  # a leftover without manifest (crash before rename): replace it
                    shutil.rmtree(final)
                os.replace(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            log.info("%s %s written in %.1fs", stage, key, ctx.timings.get("total", 0.0))
            return Artifact(stage, key, final, manifest), False
