"""A stage built by every rank of a multi-process launch (torchrun / `accelerate launch`), published once.

Rank 0 alone takes the stage lock, decides (the folder exists: reuse; else build) and tells the others with
a broadcast; then every rank runs `produce` (a DDP / FSDP / ZeRO-3 training needs all of them), rank 0 into
the store's temporary folder, the others into a scratch folder that is removed. Rank 0 writes the manifest
and renames the folder into place; the others wait at a barrier, not on the lock, and return the published
folder. The wait is bounded by the process group's timeout (accelerate's default: 30 min), which also
bounds how long rank 0 may wait on the lock for another builder of the same key.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from humanllm.model.registry import pick_device
from humanllm.store import Artifact, ArtifactStore, BuildContext


def launched_world_size() -> int:
    """The number of ranks of the launch this process belongs to (1 outside one)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def _process_group() -> Any:
    """The launch's process group (accelerate's, the one the trainer uses; started here if not yet)."""
    import torch.distributed as dist
    from accelerate import PartialState

    state = PartialState(cpu=pick_device("auto") == "cpu")
    if not dist.is_initialized():
        raise RuntimeError(
            f"WORLD_SIZE={launched_world_size()} but no process group started "
            f"(distributed_type {state.distributed_type}); launch with a multi-process config"
        )
    return state


def _broadcast_from_rank0(value: Any) -> Any:
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def build_on_all_ranks(
    store: ArtifactStore,
    stage: str,
    code: str | int,
    config: Any,
    inputs: dict[str, str],
    produce: Callable[[BuildContext], None],
    seed: int | None = None,
) -> tuple[Artifact, bool]:
    """`store.build` for a stage every rank must run; returns (artifact, reused) on every rank."""
    import torch.distributed as dist

    state = _process_group()
    if state.is_main_process:
        told: list[str] = []

        def build_and_tell(bctx: BuildContext) -> None:
            told.append(_broadcast_from_rank0("build"))
            produce(bctx)

        art, reused = store.build(stage, code, config, inputs, build_and_tell, seed=seed)
        if not told:
            _broadcast_from_rank0("reuse")
        dist.barrier()  # published: the other ranks may read it
        return art, reused
    decision = _broadcast_from_rank0(None)
    if decision == "build":
        scratch = Path(tempfile.mkdtemp(prefix=f"humanllm-{stage}-rank{state.process_index}-"))
        try:
            produce(BuildContext(path=scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    dist.barrier()
    key = store.key(stage, code, config, inputs, seed)
    art = store.get(stage, key)
    if art is None:
        raise RuntimeError(
            f"rank {state.process_index}: rank 0 published no {stage}/{key} in {store.root} "
            f"(is the store on a filesystem every rank sees?)"
        )
    return art, decision == "reuse"
