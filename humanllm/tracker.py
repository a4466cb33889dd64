"""`tracker/` config group and a thin W&B wrapper (offline by default; `tracker=none` logs nothing)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from humanllm.schema import StrictModel

log = logging.getLogger(__name__)

SECRET_KEY = re.compile(r"(api[_-]?key|token|secret|password)$", re.IGNORECASE)


class TrackerConfig(StrictModel):
    kind: Literal["wandb", "none"] = "wandb"
    project: str = "humanllm"
    entity: str | None = None
    mode: Literal["offline", "online"] = "offline"
    dir: str | None = None  # default: the experiment's results folder
    group: str | None = None
    tags: list[str] = Field(default_factory=list)


def redact(obj: Any) -> Any:
    """Drop values under secret-looking keys before a config leaves the process."""
    if isinstance(obj, dict):
        return {k: ("<redacted>" if SECRET_KEY.search(str(k)) and v else redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    return obj


class RunHandle:
    """What a stage logs into: scalars, tables and a summary. A no-op when tracking is off."""

    def __init__(self, run: Any | None):
        self._run = run

    @property
    def active(self) -> bool:
        return self._run is not None

    @property
    def dir(self) -> str | None:
        return getattr(self._run, "dir", None)

    def log(self, metrics: dict[str, Any], step: int | None = None) -> None:
        if self._run is not None:
            self._run.log(metrics, step=step)

    def table(self, name: str, frame: Any) -> None:
        if self._run is not None:
            import wandb

            self._run.log({name: wandb.Table(dataframe=frame.reset_index(drop=True))})

    def summary(self, values: dict[str, Any]) -> None:
        if self._run is not None:
            self._run.summary.update(values)


class Tracker:
    """Opens one W&B run per stage execution (train, eval, report) in the configured mode."""

    def __init__(self, cfg: TrackerConfig, default_dir: Path):
        self.cfg = cfg
        self.dir = Path(cfg.dir).expanduser().resolve() if cfg.dir else default_dir

    @contextmanager
    def run(self, name: str, job_type: str, config: dict[str, Any]) -> Iterator[RunHandle]:
        if self.cfg.kind == "none":
            yield RunHandle(None)
            return
        import wandb

        self.dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("WANDB_SILENT", "true")
        run = wandb.init(
            project=self.cfg.project,
            entity=self.cfg.entity,
            mode=self.cfg.mode,
            dir=str(self.dir),
            name=name,
            job_type=job_type,
            group=self.cfg.group,
            tags=self.cfg.tags or None,
            config=redact(config),
            reinit="finish_previous",
            settings=wandb.Settings(console="off", quiet=True),
        )
        try:
            yield RunHandle(run)
        finally:
            run.finish()
            log.info("W&B %s run %s in %s", self.cfg.mode, name, getattr(run, "dir", self.dir))


def read_offline_run(run_file: str | Path) -> dict[str, Any]:
    """Group, config and summary of an offline W&B run, read from its `run-*.wandb` file with wandb's own
    protobuf records (LevelDB-log framing: 32 KiB blocks of crc32 · length · type · payload records)."""
    import json
    import struct

    from wandb.proto import wandb_internal_pb2

    data = Path(run_file).read_bytes()
    header = 7  # ":W&B" magic, 2-byte version, 1 byte
    block, pos, pending = 32 * 1024, header, b""
    out: dict[str, Any] = {"group": None, "config": {}, "summary": {}}
    while pos + 7 <= len(data):
        room = block - (pos % block)
        if room < 7:
            pos += room
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        payload = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 0 and length == 0:
            continue
        pending = payload if kind in (1, 2) else pending + payload
        if kind not in (1, 4):  # FULL or LAST completes a record
            continue
        rec = wandb_internal_pb2.Record()
        rec.ParseFromString(pending)
        which = rec.WhichOneof("record_type")
        if which == "run":
            out["group"] = rec.run.run_group or out["group"]
            for item in rec.run.config.update:
                out["config"][item.key] = json.loads(item.value_json)
        elif which == "config":
            for item in rec.config.update:
                out["config"][item.key] = json.loads(item.value_json)
        elif which == "summary":
            for item in rec.summary.update:
                key = "/".join(item.nested_key) if item.nested_key else item.key
                out["summary"][key] = json.loads(item.value_json)
    return out
