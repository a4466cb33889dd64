"""A sweep's folder and its record (`sweep.json`): shared by the sweep command, which writes them, and the
sweep report (`report/sweep.py`), which reads them. A leaf: it imports neither of them.
"""

from __future__ import annotations

from pathlib import Path

from humanllm.io import read_json

DEFAULT_OUT = "results/sweeps"


def sweep_dir(out: str | Path, name: str) -> Path:
    return (Path(out) / name).resolve()


def sweep_record(folder: Path) -> dict:
    path = folder / "sweep.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `humanllm sweep sweeps/<name>.yaml` first")
    return read_json(path)
