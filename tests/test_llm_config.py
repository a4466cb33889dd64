"""The `llm/` config group: every YAML validates, bad values fail naming the key, keys stay out of config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from humanllm.llm import LLMConfig, cache_path, make_backend
from humanllm.schema import ConfigError, validate

CONF = Path(__file__).resolve().parent.parent / "conf" / "llm"


@pytest.mark.parametrize("path", sorted(CONF.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_llm_yaml_validates(path: Path) -> None:
    cfg = validate(LLMConfig, yaml.safe_load(path.read_text()), prefix="llm")
    assert cfg.name == path.stem


def test_llama_server_yaml_uses_llama_cpp_structured_output() -> None:
    cfg = validate(LLMConfig, yaml.safe_load((CONF / "llama_server.yaml").read_text()))
    assert cfg.structured_output == "json_object_schema"
    assert cfg.base_url == "http://127.0.0.1:8765/v1" and cfg.model == "smollm2"
    assert cfg.temperature == 0.3


def test_unknown_key_and_bad_value_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"llm\.max_in_flght: unknown key"):
        validate(LLMConfig, {"name": "x", "base_url": "http://h/v1", "model": "m", "max_in_flght": 3}, prefix="llm")
    with pytest.raises(ConfigError, match=r"llm\.structured_output"):
        validate(
            LLMConfig, {"name": "x", "base_url": "http://h/v1", "model": "m", "structured_output": "xml"}, prefix="llm"
        )


def test_openai_backend_needs_url_and_model() -> None:
    with pytest.raises(ConfigError, match="base_url and llm.model"):
        validate(LLMConfig, {"name": "x", "backend": "openai"})


def test_api_key_env_must_be_a_variable_name() -> None:
    with pytest.raises(ConfigError, match="NAME of an environment variable"):
        validate(LLMConfig, {"name": "x", "base_url": "http://h/v1", "model": "m", "api_key_env": "sk-abc123-secret"})


def test_missing_api_key_variable_fails_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HUMANLLM_TEST_MISSING_KEY", raising=False)
    cfg = LLMConfig(
        name="x", base_url="http://h/v1", model="m", api_key_env="HUMANLLM_TEST_MISSING_KEY", cache_dir=str(tmp_path)
    )
    with pytest.raises(ConfigError, match="HUMANLLM_TEST_MISSING_KEY is not set"):
        make_backend(cfg)


def test_keyless_server_gets_a_dummy_key() -> None:
    cfg = LLMConfig(name="x", base_url="http://h/v1", model="m")
    assert cfg.api_key() == "sk-no-key-required"


def test_output_identity_ignores_concurrency_and_cache() -> None:
    a = LLMConfig(name="a", base_url="http://h/v1", model="m", max_in_flight=1, cache=False)
    b = LLMConfig(name="b", base_url="http://h/v1", model="m", max_in_flight=64, timeout_s=3, cache_dir="/x")
    assert a.output_identity() == b.output_identity()
    assert (
        a.output_identity() != LLMConfig(name="c", base_url="http://h/v1", model="m", temperature=0.7).output_identity()
    )
    # another server may serve other weights under the same alias
    assert a.output_identity() != LLMConfig(name="d", base_url="http://other/v1", model="m").output_identity()


def test_cache_path_defaults_under_artifacts(tmp_path: Path) -> None:
    cfg = LLMConfig(name="x", base_url="http://h/v1", model="m")
    assert cache_path(cfg, tmp_path) == tmp_path.resolve() / "llm_cache" / "responses.sqlite"
    with pytest.raises(ConfigError, match="llm.cache_dir"):
        cache_path(cfg, None)


def test_local_backend_needs_a_model_folder(tmp_path: Path) -> None:
    cfg = LLMConfig(name="x", backend="local", cache=False)
    with pytest.raises(ConfigError, match="llm.model_path"):
        make_backend(cfg)
    with pytest.raises(ConfigError, match="not a HF model folder"):
        make_backend(cfg, model_path=tmp_path)
