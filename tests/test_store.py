"""The artifact store: keys, atomic publication, reuse, and failure cleanup."""

import json

import pytest

from humanllm.store import ArtifactStore


def test_key_depends_on_config_inputs_and_version(tmp_path):
    k = ArtifactStore.key
    base = k("train", 1, {"lr": 1e-4}, {"data": "abc"})
    assert base == k("train", 1, {"lr": 1e-4}, {"data": "abc"})
    assert base != k("train", 2, {"lr": 1e-4}, {"data": "abc"})
    assert base != k("train", 1, {"lr": 2e-4}, {"data": "abc"})
    assert base != k("train", 1, {"lr": 1e-4}, {"data": "abd"})
    assert base != k("merge", 1, {"lr": 1e-4}, {"data": "abc"})


def test_build_publishes_once_and_reuses(tmp_path):
    store = ArtifactStore(tmp_path)
    calls = []

    def produce(ctx):
        calls.append(1)
        (ctx.path / "out.txt").write_text("hello")
        ctx.counts["lines"] = 1

    art, reused = store.build("s", 1, {"a": 1}, {}, produce, seed=7)
    assert not reused and (art.path / "out.txt").read_text() == "hello"
    manifest = json.loads((art.path / "manifest.json").read_text())
    assert manifest["counts"] == {"lines": 1} and manifest["seed"] == 7
    assert manifest["versions"]["torch"] != "absent" and "total" in manifest["timings_s"]
    again, reused = store.build("s", 1, {"a": 1}, {}, produce, seed=7)
    assert reused and again.path == art.path and len(calls) == 1
    other, reused = store.build("s", 1, {"a": 1}, {}, produce, seed=8)  # the seed is part of the key
    assert not reused and other.path != art.path and len(calls) == 2


def test_failed_build_leaves_nothing(tmp_path):
    store = ArtifactStore(tmp_path)

    def produce(ctx):
        (ctx.path / "partial").write_text("x")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.build("s", 1, {"a": 2}, {}, produce)
    key = store.key("s", 1, {"a": 2}, {})
    assert store.get("s", key) is None
    assert not any(p.name.startswith(".tmp") for p in (tmp_path / "s").iterdir())


def test_folder_without_manifest_is_not_done(tmp_path):
    store = ArtifactStore(tmp_path)
    key = store.key("s", 1, {}, {})
    (tmp_path / "s" / key).mkdir(parents=True)  # as left by a crash before publication
    art, reused = store.build("s", 1, {}, {}, lambda c: (c.path / "f").write_text("ok"))
    assert not reused and (art.path / "f").read_text() == "ok"
