"""Where the project's non-Python folders are: conf/ and evals/ beside the package in a checkout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def recorded(path: str | Path, outside: str | None = None) -> str:
    """`path` as a run record (`.hydra/config.yaml`, a benchmark report) writes it, naming no machine's folders:
    1. a relative path is kept; 2. inside the working folder (the checkout): relative to it, as `shown`;
    3. inside a folder named by a `HUMANLLM_*` environment variable (the longest such): `${oc.env:VAR}/rest`,
       which Hydra resolves back when the record is composed again (`--config-dir <results>/.hydra`);
    4. elsewhere: `<outside>/<its name>` when the caller gives a placeholder (a report nothing reads back),
       else kept as is: a record that must stay usable has no better choice."""
    text = shown(path)
    p = Path(text)
    if not p.is_absolute():
        return text
    p = p.resolve()
    roots = []
    for var, value in os.environ.items():
        if var.startswith("HUMANLLM_") and value and Path(value).expanduser().is_absolute():
            root = Path(value).expanduser().resolve()
            if p == root or root in p.parents:
                roots.append((len(root.parts), var, root))
    if roots:
        _, var, root = max(roots)
        rest = p.relative_to(root).as_posix()
        return "${oc.env:" + var + "}" + ("" if rest == "." else f"/{rest}")
    return f"{outside}/{p.name}" if outside else text


def recorded_tree(value: Any) -> Any:
    """A copy of a config tree (dicts, lists, scalars) with every absolute path string written as `recorded`."""
    if isinstance(value, dict):
        return {k: recorded_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [recorded_tree(v) for v in value]
    if isinstance(value, str) and value.startswith("/") and "\n" not in value:
        return recorded(value)
    return value


def shown_text(text: str) -> str:
    """Free text (a traceback, a log line) with the working folder's absolute prefix dropped, as `shown` does."""
    return text.replace(f"{Path.cwd().resolve()}{os.sep}", "")
