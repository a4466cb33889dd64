"""The run context every stage receives: validated config, artifact store, tracker, progress policy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from humanllm.codeid import producer_identity
from humanllm.config import RootConfig
from humanllm.pipeline.ranks import build_on_all_ranks, launched_world_size
from humanllm.store import Artifact, ArtifactStore, BuildContext
from humanllm.tracker import Tracker

log = logging.getLogger("humanllm")


def quiet_library_progress_bars() -> None:
    """progress=false silences the libraries' own bars too (datasets' "Saving the dataset", "Map")."""
    import datasets

    datasets.disable_progress_bars()


@dataclass
class RunContext:
    cfg: RootConfig
    store: ArtifactStore
    tracker: Tracker
    built: list[str] = field(default_factory=list)  # "stage/key" produced in this process
    reused: list[str] = field(default_factory=list)  # "stage/key" found complete

    @classmethod
    def from_config(cls, cfg: RootConfig) -> RunContext:
        if not cfg.progress:
            quiet_library_progress_bars()
        return cls(
            cfg=cfg, store=ArtifactStore(cfg.artifacts_dir), tracker=Tracker(cfg.tracker, cfg.results_dir / "wandb")
        )

    def stage(
        self,
        name: str,
        config: Any,
        inputs: dict[str, str],
        produce: Callable[[BuildContext], None],
        seed: int | None = None,
        label: str | None = None,
        all_ranks: bool = False,
    ) -> Artifact:
        """Build (or reuse) one stage artifact and report which it was.

        The key holds `config`, `inputs`, `seed` and the code identity of the module defining `produce`
        (every project module it can run, hashed): editing that code rebuilds, nothing is bumped by hand.
        `all_ranks`: in a multi-process launch every rank runs `produce` and rank 0 publishes
        (`humanllm.pipeline.ranks`); other stages are built by whichever rank takes the stage lock first.
        """
        what = f"{name}" + (f" [{label}]" if label else "")
        code = producer_identity(produce)
        key = self.store.key(name, code, config, inputs, seed)
        if self.store.get(name, key) is None:
            log.info("%s: building %s", what, key)
        if all_ranks and launched_world_size() > 1:
            art, reused = build_on_all_ranks(self.store, name, code, config, inputs, produce, seed=seed)
        else:
            art, reused = self.store.build(name, code, config, inputs, produce, seed=seed)
        (self.reused if reused else self.built).append(f"{name}/{art.key}")
        if reused:
            log.info("%s: reusing %s", what, art.path)
        else:
            log.info("%s: done in %.1fs → %s", what, art.manifest["timings_s"].get("total", 0.0), art.path)
        return art
