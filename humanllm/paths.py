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


def shown(path: str | Path) -> str:
    """`path` as written into reports and commands: relative to the working folder (the checkout, where the
    README runs every command) when inside it, so committed files name no machine's absolute paths."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def shown_override(override: str) -> str:
    """A Hydra override with an absolute path value shown as `shown` shows it (key=/abs/path → key=rel/path)."""
    key, sep, value = override.partition("=")
    return f"{key}{sep}{shown(value)}" if sep and value.startswith("/") else override
