"""Each run keeps its composed config and its overrides next to its results, as Hydra's `.hydra/` does.

`<results>/.hydra/config.yaml` is the fully composed, resolved config (a conf folder of its own):
`humanllm pipeline --config-dir <results>/.hydra` re-creates the run; `overrides.yaml` lists the
command-line overrides and `command.txt` the command that produced it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from humanllm.config import compose
from humanllm.paths import recorded_tree, shown, shown_override


def reproduce_command(command: str, overrides: Sequence[str]) -> str:
    """The command line, run from the checkout; absolute paths inside it are shown relative to it."""
    return " ".join(["humanllm", command, *(shlex.quote(shown_override(o)) for o in overrides)])


def write_run_record(
    results_dir: Path,
    command: str,
    overrides: Sequence[str],
    config_dir: str | Path | None = None,
    composed: dict[str, Any] | None = None,
) -> Path:
    """Write `.hydra/{config,overrides}.yaml` and `command.txt` under `results_dir`; returns the folder.
    `composed` is the config those overrides compose to, where the caller has it already; its absolute paths
    are written as `paths.recorded` writes them (relative to the checkout, or `${oc.env:HUMANLLM_*}`)."""
    folder = Path(results_dir) / ".hydra"
    folder.mkdir(parents=True, exist_ok=True)
    composed = compose(overrides, config_dir) if composed is None else composed
    (folder / "config.yaml").write_text(yaml.safe_dump(recorded_tree(composed), sort_keys=False, allow_unicode=True))
    (folder / "overrides.yaml").write_text(yaml.safe_dump(list(overrides), allow_unicode=True))
    (folder / "command.txt").write_text(
        reproduce_command(command, overrides) + "\n" + f"humanllm {command} --config-dir {shlex.quote(shown(folder))}\n"
    )
    return folder
