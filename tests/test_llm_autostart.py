"""llm.autostart: the local server is started only when nothing answers, and only on loopback."""

import pytest

from humanllm.llm import LLMConfig
from humanllm.llm.server import answers, ensure_local_server
from humanllm.llm.testing import FaultServer


def test_running_server_is_left_alone(monkeypatch):
    import humanllm.llm.server as server_mod

    monkeypatch.setattr(server_mod.subprocess, "run", lambda *a, **k: pytest.fail("must not start a second server"))
    with FaultServer() as server:
        cfg = LLMConfig(name="t", base_url=server.base_url, model=server.model, autostart=True)
        assert answers(server.base_url)
        ensure_local_server(cfg)


def test_autostart_refuses_remote_hosts():
    cfg = LLMConfig(name="t", base_url="http://10.255.255.1:9/v1", model="m", autostart=True)
    with pytest.raises(ConnectionError, match="loopback"):
        ensure_local_server(cfg)


def test_autostart_off_never_starts(monkeypatch):
    import humanllm.llm.server as server_mod

    monkeypatch.setattr(server_mod.subprocess, "run", lambda *a, **k: pytest.fail("autostart is off"))
    ensure_local_server(LLMConfig(name="t", base_url="http://127.0.0.1:9/v1", model="m"))
