"""`humanllm pipeline -m a=1,2 b=x,y`: Hydra's multirun grammar, each combination run as one pipeline.

The combinations come from Hydra's own BasicSweeper (same order as `@hydra.main` multirun). Jobs run
one after another in this process, so every stage they share (data, tasks, the SFT of one training
config) is built once and reused. Each job writes its results and `.hydra/` record under
`<results>/multirun/<job>/`.
"""

from __future__ import annotations

import argparse
import logging

from humanllm.config import load_config
from humanllm.pipeline import commands

log = logging.getLogger("humanllm")


def expand(overrides: list[str]) -> list[list[str]]:
    """Every combination of the comma-separated values, as plain override lists."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0]


def run_multirun(args: argparse.Namespace) -> int:
    jobs = expand(list(args.overrides))
    configs = [load_config(job, args.config_dir) for job in jobs]  # every job validated before any runs
    log.info("multirun: %d jobs", len(jobs))
    for n, (job, cfg) in enumerate(zip(jobs, configs)):
        job = [*job, f"paths.results={cfg.results_dir / 'multirun' / str(n)}"]
        log.info("multirun job %d/%d: %s", n + 1, len(jobs), " ".join(job))
        job_args = argparse.Namespace(**{**vars(args), "overrides": job, "multirun": False})
        commands.cmd_pipeline(load_config(job, args.config_dir), job_args)
    return 0
