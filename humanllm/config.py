"""The root config: Hydra composes conf/, then everything is validated into typed objects here.

Nothing heavy is imported: a bad key or value fails in well under a second, naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from pydantic import Field

from humanllm.curate.config import SynthesisConfig
from humanllm.data.config import DataConfig
from humanllm.evaluate.config import EvalConfig
from humanllm.llm.config import LLMConfig
from humanllm.merge.config import MergeConfig
from humanllm.models.config import ModelConfig
from humanllm.paths import conf_dir
from humanllm.schema import ConfigError, StrictModel, validate
from humanllm.tasks.config import MixtureConfig, SplitConfig
from humanllm.tracking import TrackerConfig
from humanllm.train.config import TrainConfig

GROUPS = ("model", "data", "synthesis", "llm", "mixture", "train", "merge", "eval", "tracker", "experiment")


class PathsConfig(StrictModel):
    artifacts: str  # the artifact store (stage folders keyed by hash)
    results: str  # tables, plots and W&B runs for this experiment


class RootConfig(StrictModel):
    experiment_name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int
    paths: PathsConfig
    split: SplitConfig
    progress: bool = True
    model: ModelConfig
    data: DataConfig
    synthesis: SynthesisConfig
    llm: LLMConfig
    judge_llm: LLMConfig | None = None  # the curation judge's endpoint; None: the same as llm
    mixture: MixtureConfig
    train: TrainConfig
    merge: MergeConfig
    eval: EvalConfig
    tracker: TrackerConfig

    def preflight(self, evaluates: bool = True) -> None:
        """Cross-group contradictions, API keys and (when `evaluates`) benchmark folders: run before any stage
        (not on load, so every group option still composes alone). Raises ConfigError, one `key: problem` a line."""
        from humanllm.config_checks import contradictions, environment_problems

        problems = contradictions(self) + environment_problems(self, evaluates)
        if problems:
            raise ConfigError("\n".join(problems))

    @property
    def artifacts_dir(self) -> Path:
        return Path(self.paths.artifacts).expanduser().resolve()

    @property
    def results_dir(self) -> Path:
        return Path(self.paths.results).expanduser().resolve()


def compose(overrides: Sequence[str] = (), config_dir: str | Path | None = None) -> dict[str, Any]:
    """Compose conf/config.yaml with Hydra overrides into a plain, resolved dict."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException, MissingConfigException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    conf = Path(config_dir).resolve() if config_dir else conf_dir()
    if not (conf / "config.yaml").is_file():
        raise ConfigError(f"no config.yaml in {conf} (set HUMANLLM_CONFIG_DIR or --config-dir)")
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    except MissingConfigException as e:
        raise ConfigError(_explain_missing(e, conf)) from None
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(_explain_hydra(e)) from None
    finally:
        GlobalHydra.instance().clear()


def _options(conf: Path, group: str) -> list[str]:
    folder = conf / group
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.stem.startswith("_")) if folder.is_dir() else []


def _explain_missing(err: Exception, conf: Path) -> str:
    msg = str(err)
    for group in GROUPS + ("task",):
        marker = f"'{group}/"
        if marker in msg:
            name = msg.split(marker, 1)[1].split("'", 1)[0]
            what = "task in the mixture" if group == "task" else f"{group}"
            return f"{group}: unknown {what} '{name}'. Known: {', '.join(_options(conf, group))}"
    return msg.splitlines()[0] if msg else repr(err)


def _explain_hydra(err: Exception) -> str:
    msg = str(err)
    if "not in struct" in msg or "Could not override" in msg or "Could not append" in msg:
        key = msg.split("'", 2)[1] if "'" in msg else "?"
        return f"{key}: unknown config key (check the spelling, or add it with +{key}=... if it is new)"
    return msg.strip().splitlines()[0] if msg.strip() else repr(err)


def load_config(overrides: Sequence[str] = (), config_dir: str | Path | None = None) -> RootConfig:
    """Compose and validate. Raises ConfigError naming the key on any problem."""
    return validate(RootConfig, compose(overrides, config_dir))


def group_options(config_dir: str | Path | None = None) -> dict[str, list[str]]:
    """Available options per config group, for --help."""
    conf = Path(config_dir).resolve() if config_dir else conf_dir()
    return {g: _options(conf, g) for g in GROUPS}
