"""`train.launcher=accelerate`: the train stage run as `train.num_processes` ranks by `accelerate launch`.

The parent (`humanllm train`, a sweep trial) builds the stages upstream of training, computes the train key
and, if that folder is not in the store yet, runs

    accelerate launch --config_file conf/accelerate/<train.accelerate_config>.yaml --num_processes N \
        -m humanllm.pipeline.train_rank <its validated config and train key parts, as JSON>

and waits (the launch goes through `humanllm.pipeline.accelerate_launch`, accelerate's own launcher that
also records how failed ranks ended). Every rank trains (`humanllm.pipeline.train_rank`); rank 0 publishes
the folder (`humanllm.pipeline.ranks`). A failed launch raises `RanksDied` when a rank was killed (SIGKILL, the OOM
killer, preemption), which a sweep retries like a dead worker, and `RanksFailed` naming the rank and its
error when one raised.
"""

from __future__ import annotations

import json
import logging
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from humanllm.codeid import producer_identity
from humanllm.model.registry import ModelRef
from humanllm.pipeline.ranks import launched_world_size
from humanllm.store import Artifact
from humanllm.train.config import accelerate_config_file
from humanllm.train.stage import run_train, train_stage

log = logging.getLogger("humanllm")


class RanksDied(RuntimeError):
    """A rank of the launched training was killed; nothing in the config or data is known to be wrong."""

    exit_code = 1  # the CLI ends with the message, no traceback


class RanksFailed(RuntimeError):
    """A rank of the launched training raised an error."""

    exit_code = 1


def train_key_parts(spec: Any) -> dict[str, Any]:
    """What the train folder's key hashes, as `ctx.stage` computes it."""
    return {"code": producer_identity(spec.produce), "config": spec.config, "inputs": spec.inputs, "seed": spec.seed}


def launch_command(cfg: Any, config_json: Path, report: Path) -> list[str]:
    """`accelerate launch …` (through `humanllm.pipeline.accelerate_launch`, which records failed ranks)."""
    t = cfg.train
    return [
        sys.executable,
        "-m",
        "humanllm.pipeline.accelerate_launch",
        str(report),
        "--config_file",
        str(accelerate_config_file(t.accelerate_config)),
        "--num_processes",
        str(t.num_processes),
        "-m",
        "humanllm.pipeline.train_rank",
        str(config_json),
    ]


def launch_train(ctx: Any, base: ModelRef, tasks: dict[str, Artifact]) -> Artifact:
    """The train folder: reused when published, else trained by the launched ranks (this process waits)."""
    if launched_world_size() > 1:  # started under a launch already: this process is one of the ranks
        return run_train(ctx, base, tasks)
    spec = train_stage(ctx, base, tasks)
    parts = train_key_parts(spec)
    key = ctx.store.key("train", **parts)
    if (found := ctx.store.get("train", key)) is not None:
        ctx.reused.append(f"train/{key}")
        log.info("train [%s]: reusing %s", spec.label, found.path)
        return found
    with tempfile.TemporaryDirectory(prefix="humanllm-launch-") as tmp:
        config_json, report = Path(tmp) / "config.json", Path(tmp) / "failures.json"
        config_json.write_text(json.dumps({"config": ctx.cfg.model_dump(mode="json"), "key_parts": parts}))
        cmd = launch_command(ctx.cfg, config_json, report)
        log.info(
            "train [%s]: building %s on %d rank(s): %s", spec.label, key, ctx.cfg.train.num_processes, shlex.join(cmd)
        )
        t0 = time.perf_counter()
        code = subprocess.run(cmd).returncode
        if code != 0:
            raise launch_failure(code, report, ctx.cfg.train.accelerate_config)
    art = ctx.store.get("train", key)
    if art is None:
        raise RuntimeError(f"accelerate launch exited 0 but train/{key} is not in {ctx.store.root}")
    ctx.built.append(f"train/{key}")
    log.info(
        "train [%s]: done on %d rank(s) in %.1fs → %s",
        spec.label,
        ctx.cfg.train.num_processes,
        time.perf_counter() - t0,
        art.path,
    )
    return art


def launch_failure(code: int, report: Path, accelerate_config: str) -> RuntimeError:
    """RanksDied when a rank was killed by a signal other than the SIGTERM torchrun sends the survivors of a
    failure (SIGKILL: kill -9, the OOM killer), or every failed rank was (a preemption's SIGTERM);
    RanksFailed, naming the rank and its error, when a rank raised or exited with an error code."""
    failures = json.loads(report.read_text()) if report.is_file() else []
    killed = [f for f in failures if f["exitcode"] < 0]
    where = f"train.launcher=accelerate ({accelerate_config}, accelerate launch exit code {code})"
    if failures and (any(f["exitcode"] != -signal.SIGTERM for f in killed) or len(killed) == len(failures)):
        how = ", ".join(f"rank {f['rank']} by {signal.Signals(-f['exitcode']).name}" for f in killed)
        return RanksDied(f"{where}: killed: {how}")
    raised = [f for f in failures if f["exitcode"] >= 0]
    if not raised:
        return RanksFailed(f"{where}: the launch failed before any rank ran (see its output above)")
    return RanksFailed(
        f"{where}: rank {raised[0]['rank']} failed (exit code {raised[0]['exitcode']}): {raised[0]['message']}"
    )
