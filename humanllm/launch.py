"""`python -m humanllm.launch [-m] [overrides]`: the flow as a Hydra application, so Hydra's launchers run it.

`hydra/launcher=slurm` (conf/hydra/launcher/slurm.yaml) submits each multirun job as one task of a
SLURM job array through submitit; `hydra/launcher=local` runs the same job path on this machine.
A job validates its config, runs the pre-flight, then the pipeline (finished stages are reused from the
shared artifact store) and returns its results folder. With `+launch.sweep=<spec>` a job is instead one
worker of that Optuna study (`+launch.storage=<SQLAlchemy URL>`, e.g. PostgreSQL); a multirun over
`+launch.worker='range(N)'` starts N such workers as one array.
"""

from __future__ import annotations

import logging
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

# registers the generated `eval/_defaults` node in Hydra's ConfigStore before `hydra.main` composes (it loads no
# Hugging Face library, so the offline defaults set in run_job still come first)
from humanllm.eval import config as _eval_config  # noqa: F401
from humanllm.paths import conf_dir

log = logging.getLogger("humanllm")


def run_job(composed: dict[str, Any]) -> str:
    """One job: a sweep worker when `launch.sweep` is set, else the pipeline. Returns what it produced."""
    from humanllm.cli import _offline_defaults
    from humanllm.config import RootConfig
    from humanllm.schema import validate

    _offline_defaults()
    launch = composed.pop("launch", None) or {}
    if launch.get("sweep"):
        from humanllm.cli import main as cli_main

        argv = ["sweep", str(launch["sweep"]), "--worker", *[str(o) for o in launch.get("overrides", [])]]
        if launch.get("storage"):
            argv += ["--storage", str(launch["storage"])]
        if launch.get("out"):
            argv += ["--out", str(launch["out"])]
        code = cli_main(argv)
        if code != 0:
            raise RuntimeError(f"sweep worker {launch.get('worker')} exited with {code}")
        return f"sweep worker {launch.get('worker', 0)} done"
    cfg = validate(RootConfig, composed)
    cfg.preflight()
    from humanllm.pipeline import flow
    from humanllm.pipeline.context import RunContext

    ctx = RunContext.from_config(cfg)
    flow.run_pipeline(ctx)
    log.info("stages built: %d, reused: %d", len(ctx.built), len(ctx.reused))
    return str(cfg.results_dir)


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> str:
    return run_job(OmegaConf.to_container(cfg, resolve=True))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
