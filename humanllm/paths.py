"""Where the project's non-Python folders are: conf/ and evals/ beside the package in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def conf_dir() -> Path:
    env = os.environ.get("HUMANLLM_CONFIG_DIR")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "conf"


def evals_dir() -> Path:
    env = os.environ.get("HUMANLLM_EVALS_DIR")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "evals"
