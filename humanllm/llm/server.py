"""Start the project's local llama.cpp server on demand (`llm.autostart`), so a curation or judge run
against `llm=llama_server` works without a separate start command."""

from __future__ import annotations

import logging
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from humanllm.llm.config import LLMConfig
from humanllm.paths import REPO_ROOT

log = logging.getLogger(__name__)
SCRIPT = REPO_ROOT / "scripts" / "llm_server.sh"


def answers(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/models", timeout=timeout):
            return True
    except (urllib.error.URLError, OSError):
        return False


def ensure_local_server(cfg: LLMConfig) -> None:
    """If `cfg.autostart` and nothing answers at a loopback `base_url`, start scripts/llm_server.sh there."""
    if not cfg.autostart or cfg.backend != "openai" or answers(cfg.base_url):
        return
    url = urlparse(cfg.base_url)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        raise ConnectionError(
            f"llm.base_url: nothing answers at {cfg.base_url} (llm.autostart only starts loopback servers)"
        )
    if not SCRIPT.is_file():
        raise FileNotFoundError(f"llm.autostart: {SCRIPT} not found (start the server yourself)")
    log.info("starting the local LLM server on port %d (scripts/llm_server.sh)", url.port)
    proc = subprocess.run([str(SCRIPT), "start", str(url.port)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ConnectionError(
            f"llm.autostart: could not start the local server:\n{proc.stderr.strip() or proc.stdout.strip()}"
        )


def server_log(base_url: str) -> Path | None:
    """The log of the server scripts/llm_server.sh started at a loopback `base_url`, if there is one."""
    url = urlparse(base_url)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        return None
    folder = (
        os.environ.get("LLM_SERVER_DIR")
        or Path(os.environ.get("HUMANLLM_ARTIFACTS") or REPO_ROOT / "artifacts") / "llm_server"
    )
    path = Path(folder) / f"server_{url.port}.log"
    return path if path.is_file() else None


def server_log_hint(base_url: str, lines: int = 5) -> str:
    """Where a local server started here logs (with its last lines), or a reminder to check the server."""
    path = server_log(base_url)
    if path is None:
        return " Check that the server runs and answers (its own log says why it stopped)."
    tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return f"\nServer log: {path}, ending:\n" + "\n".join(f"  {line}" for line in tail)
