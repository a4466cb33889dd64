"""One rank of `train.launcher=accelerate`: what `accelerate launch -m humanllm.pipeline.train_rank <json>` runs.

The launching process (`humanllm.pipeline.train_launch`) writes its validated config and the train key parts
it computed to the JSON file; each rank reuses the upstream stages, checks it computes the same key and
trains (rank 0 publishes the folder, `humanllm.pipeline.ranks`). Kept apart from `train_launch` because it
runs the flow, and the flow calls `train_launch`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from humanllm.config import RootConfig
from humanllm.model.stage import resolve_base_model
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.ranks import launched_world_size
from humanllm.pipeline.train_launch import train_key_parts
from humanllm.schema import ConfigError, validate
from humanllm.train.stage import run_train, train_stage


def rank_main(launch_json: str) -> None:
    """One rank: the validated config from the parent, upstream stages reused, the train stage on all ranks
    under the key the parent computed (a different one means the sources changed meanwhile: refused)."""
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [rank {rank}] %(message)s", datefmt="%H:%M:%S")
    launch = json.loads(Path(launch_json).read_text())
    cfg = validate(RootConfig, launch["config"])
    if launched_world_size() != cfg.train.num_processes:
        raise ConfigError(
            f"train.num_processes={cfg.train.num_processes} but the launch has "
            f"{launched_world_size()} ranks (WORLD_SIZE)"
        )
    ctx = RunContext.from_config(cfg)
    state = flow.run_task_stage(ctx, flow.FlowState())
    base = resolve_base_model(ctx, cfg.model)
    parts = json.loads(json.dumps(train_key_parts(train_stage(ctx, base, state.tasks))))
    expected = launch["key_parts"]
    differ = {name: (expected[name], value) for name, value in parts.items() if expected[name] != value}
    if differ:
        shown = "; ".join(f"{n}: launcher {a}, this rank {b}" for n, (a, b) in differ.items())
        raise RuntimeError(
            f"this rank computes another train key than the launching process "
            f"({shown[:1500]}); were the project's sources edited during the launch?"
        )
    run_train(ctx, base, state.tasks)


if __name__ == "__main__":
    from torch.distributed.elastic.multiprocessing.errors import record  # torchrun keeps the rank's error

    record(rank_main)(sys.argv[1])
