"""The root config: Hydra composes conf/, then everything is validated into typed objects here.

Nothing heavy is imported: a bad key or value fails in well under a second, naming the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from humanllm.config_checks import contradictions, environment_problems
from humanllm.data.config import DataConfig
from humanllm.eval.config import EvalConfig
from humanllm.llm.config import LLMConfig
from humanllm.merge.config import MergeConfig
from humanllm.model.config import ModelConfig
from humanllm.paths import conf_dir
from humanllm.schema import ConfigError, StrictModel, validate
from humanllm.synthesis.config import SynthesisConfig
from humanllm.task.config import MixtureConfig, SplitConfig
from humanllm.tracker import TrackerConfig
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
    from hydra.errors import HydraException, MissingConfigException
    from omegaconf.errors import OmegaConfBaseException

    conf = Path(config_dir).resolve() if config_dir else conf_dir()
    if not (conf / "config.yaml").is_file():
        raise ConfigError(f"no config.yaml in {conf} (set HUMANLLM_CONFIG_DIR or --config-dir)")
    try:
        return _compose_plain(list(overrides), conf)
    except MissingConfigException as e:
        raise ConfigError(_explain_missing(e, conf)) from None
    except (HydraException, OmegaConfBaseException) as e:
        listed = _explain_list_key(list(overrides), conf) if "Error merging override" in str(e) else None
        raise ConfigError(listed or _explain_hydra(e)) from None
    except ValueError as e:  # OmegaConf.update indexing a list with a name: "invalid literal for int()"
        listed = _explain_list_key(list(overrides), conf)
        raise ConfigError(listed or f"cannot apply the overrides: {e}") from None


def _compose_plain(overrides: list[str], conf: Path) -> dict[str, Any]:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=overrides)
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    finally:
        GlobalHydra.instance().clear()


def _explain_list_key(overrides: list[str], conf: Path) -> str | None:
    """For an override `a.b.name=v` where `a.b` is a list (e.g. data.sources.amazon), or `a.b.7.c=v` past
    its end: the list's key, why the override cannot work, and the list's shape (from its composed entries)."""
    for i, override in enumerate(overrides):
        key, sep, _ = override.lstrip("+~").partition("=")
        if not sep or "." not in key:
            continue
        try:
            node: Any = _compose_plain(overrides[:i] + overrides[i + 1 :], conf)
        except Exception:  # another override is the problem; it is checked in its own turn
            continue
        parts = key.split(".")
        for depth, part in enumerate(parts):
            if isinstance(node, list) and (not part.isdigit() or int(part) >= len(node)):
                return _list_shape(".".join(parts[:depth]), node, override, part)
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                break
    return None


def _as_override_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_as_override_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_as_override_value(v) for v in value) + "]"
    return "null" if value is None else str(value)


def _list_shape(key: str, entries: list[Any], override: str, name: str) -> str:
    first = entries[0] if entries else None
    field = next(iter(first), "<field>") if isinstance(first, dict) else "<field>"
    example = _as_override_value(first) if first is not None else "..."
    problem = (
        f"has no entry {name} (indexes 0 to {len(entries) - 1})"
        if name.isdigit()
        else f"is not a mapping, so there is no {name!r} in it"
    )
    return (
        f"{key}: is a list of {len(entries)} entries; `{override}`: it {problem}\n"
        f"expected shape: {key}=[{example}, ...] (one entry each)\n"
        f"set one entry's field by its index: {key}.0.{field}=..., "
        f"or the whole list: '{key}=[{example}]'"
    )


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
