"""conf/accelerate/*.yaml parse as `accelerate launch` reads them, and a 2-process CPU run (gloo) of the
train stage's own SFT function (trl) on tiny-random trains one model: both ranks end with the same weights.

The launched ranks call `humanllm.train.sft.train_sft` directly, each into its own folder; upstream
stages (corpus, tasks, the tiny base model) are built once by the test beforehand.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "conf" / "accelerate"
OVERRIDES = [
    "experiment=tiny",
    "tracker=none",
    "progress=false",
    "train.max_steps=4",
    "train.per_device_batch_size=2",
    "train.logging_steps=1",
]


def launch_args(config_file: Path):
    """What `accelerate launch --config_file <f> train.py` resolves, and the environment it gives the ranks."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args, defaults, _ = _validate_launch_command(
        launch_command_parser().parse_args(["--config_file", str(config_file), "train.py"])
    )
    env: dict[str, str] = {}
    if args.use_deepspeed:
        args.deepspeed_fields_from_accelerate_config = ",".join(defaults.deepspeed_config)
        _, env = prepare_deepspeed_cmd_env(args)
    elif args.use_fsdp or args.multi_gpu:
        env = prepare_multi_gpu_env(args)
    return args, env


def test_every_config_parses():
    files = sorted(CONFIGS.glob("*.yaml"))
    assert {f.name for f in files} >= {"cpu_2proc.yaml", "gpu_1.yaml", "gpu_8_zero3.yaml", "gpu_8_fsdp.yaml"}
    for f in files:
        args, env = launch_args(f)
        assert args.num_processes >= 1, f
    args, env = launch_args(CONFIGS / "gpu_8_zero3.yaml")
    assert args.use_deepspeed and args.num_processes == 8 and args.zero_stage == 3 and args.mixed_precision == "bf16"
    assert (
        env["ACCELERATE_DEEPSPEED_ZERO_STAGE"] == "3" and env["ACCELERATE_DEEPSPEED_ZERO3_SAVE_16BIT_MODEL"] == "true"
    )
    args, env = launch_args(CONFIGS / "gpu_8_fsdp.yaml")
    assert args.use_fsdp and args.num_processes == 8
    os_env = dict(os.environ)
    try:
        os.environ.update(env)
        from accelerate.utils import FullyShardedDataParallelPlugin

        plugin = FullyShardedDataParallelPlugin()
        assert plugin.fsdp_version == 2 and plugin.reshard_after_forward and plugin.activation_checkpointing
        assert plugin.state_dict_type.name == "FULL_STATE_DICT"
    finally:
        os.environ.clear()
        os.environ.update(os_env)
    args, _ = launch_args(CONFIGS / "cpu_2proc.yaml")
    assert args.use_cpu and args.multi_gpu and args.num_processes == 2  # torchrun, CPU ranks


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory):
    """Corpus, tasks and the tiny base model in a fresh store, so the ranks only train."""
    from humanllm.config import load_config
    from humanllm.model.stage import resolve_base_model
    from humanllm.pipeline.context import RunContext
    from humanllm.pipeline.flow import FlowState, run_task_stage

    tmp = tmp_path_factory.mktemp("accelerate")
    cfg = load_config([*OVERRIDES, f"paths.artifacts={tmp / 'artifacts'}", f"paths.results={tmp / 'results'}"])
    ctx = RunContext.from_config(cfg)
    state = run_task_stage(ctx, FlowState())
    base = resolve_base_model(ctx, cfg.model)
    inputs = {
        "tasks": {name: art.key for name, art in state.tasks.items()},
        "base": {"name": base.name, "location": base.location, "key": base.key},
    }
    (tmp / "inputs.json").write_text(json.dumps(inputs))
    return tmp


def test_two_process_cpu_training(prebuilt):
    out = prebuilt / "ranks"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("accelerate")),
            "launch",
            "--config_file",
            str(CONFIGS / "cpu_2proc.yaml"),
            "--num_processes",
            "2",
            __file__,
            str(prebuilt),
            str(out),
        ],
        env=env,
        cwd=prebuilt,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1] and {r["world_size"] for r in ranks} == {2}
    assert {r["backend"] for r in ranks} == {"gloo"}
    assert all(r["counts"]["steps"] == 4 and r["counts"]["last_logged_loss"] is not None for r in ranks)
    assert ranks[0]["weights_sha256"] == ranks[1]["weights_sha256"], "DDP ranks ended with different weights"
    assert [r["saved"] for r in ranks] == [True, False], "only rank 0 writes the model"
    assert ranks[0]["saved_sha256"] != ranks[0]["base_sha256"], "training changed nothing"
    print(
        f"\n2-process CPU training (gloo): {ranks[0]['counts']['steps']} steps, "
        f"loss {ranks[0]['counts']['first_logged_loss']} → {ranks[0]['counts']['last_logged_loss']}"
    )


def _weights_sha256(folder_or_tensors) -> str:
    from safetensors.torch import load_file

    tensors = (
        folder_or_tensors
        if isinstance(folder_or_tensors, dict)
        else load_file(str(folder_or_tensors / "model.safetensors"))
    )
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].float().numpy().tobytes())
    return digest.hexdigest()


def rank_main(prebuilt: str, out: str) -> None:
    """One rank: the train stage's SFT function on the prebuilt inputs, into a rank-local folder; writes rank<k>.json."""
    import torch.distributed as dist
    import trl
    from accelerate import PartialState

    from humanllm.config import load_config
    from humanllm.model.registry import ModelRef
    from humanllm.pipeline.context import RunContext
    from humanllm.store import BuildContext
    from humanllm.train.sft import train_sft

    state = PartialState(cpu=True)  # what SFTConfig(use_cpu=True) gives the trainer
    tmp = Path(prebuilt)
    cfg = load_config([*OVERRIDES, f"paths.artifacts={tmp / 'artifacts'}", f"paths.results={tmp / 'results'}"])
    ctx = RunContext.from_config(cfg)
    inputs = json.loads((tmp / "inputs.json").read_text())
    tasks = {name: ctx.store.get("tasks", key) for name, key in inputs["tasks"].items()}
    base = ModelRef(**inputs["base"])
    bctx = BuildContext(path=Path(out) / f"rank{state.process_index}")
    bctx.path.mkdir(parents=True)
    trainers = []  # instrumentation only: keep a handle on the trainer train_sft builds, to read its weights
    init = trl.SFTTrainer.__init__
    trl.SFTTrainer.__init__ = lambda self, *a, **k: (init(self, *a, **k), trainers.append(self))[0]
    train_sft(ctx, base, tasks, bctx)
    weights = {k: v.detach().cpu() for k, v in trainers[0].model.state_dict().items()}
    result = {
        "rank": state.process_index,
        "world_size": state.num_processes,
        "backend": dist.get_backend(),
        "counts": bctx.counts,
        "weights_sha256": _weights_sha256(weights),
        "saved": (bctx.path / "model.safetensors").is_file(),
        "base_sha256": _weights_sha256(Path(base.location)),
    }
    if result["saved"]:
        result["saved_sha256"] = _weights_sha256(bctx.path)
    (Path(out) / f"rank{state.process_index}.json").write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    rank_main(*sys.argv[1:3])
