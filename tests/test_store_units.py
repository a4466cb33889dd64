"""Unit checks of the artifact store's contract beyond the happy path: the key's recipe, the manifest's fields,
listing, concurrent builders of one key and of different keys, cleanup when a producer fails oddly, the log
line. Written against the mutants that `humanllm bench mutation` found the older tests let pass."""

from __future__ import annotations

import logging
import platform
import re
import threading
import time
from importlib import metadata

import pytest

from humanllm import store as store_mod
from humanllm.io import stable_hash
from humanllm.store import ArtifactStore, package_versions


def _write(text: str):
    def produce(ctx):
        (ctx.path / "out.txt").write_text(text)

    return produce


def test_key_is_the_hash_of_stage_code_config_inputs_and_seed():
    """Finished work is found again only if the recipe never drifts: these five fields, under these names."""
    args = ("train", "abc123", {"lr": 1e-4}, {"data": "k1"})
    assert ArtifactStore.key(*args, seed=3) == stable_hash(
        {"stage": "train", "code": "abc123", "config": {"lr": 1e-4}, "inputs": {"data": "k1"}, "seed": 3}
    )
    assert ArtifactStore.key(*args) == stable_hash(
        {"stage": "train", "code": "abc123", "config": {"lr": 1e-4}, "inputs": {"data": "k1"}, "seed": None}
    )


def test_build_publishes_under_its_key_with_a_full_manifest(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod.time, "time", lambda: 1_000_000_000.0)
    st = ArtifactStore(tmp_path)
    art, reused = st.build("tasks", "c0de", {"n": 2}, {"corpus": "abc"}, _write("x"), seed=5)
    key = ArtifactStore.key("tasks", "c0de", {"n": 2}, {"corpus": "abc"}, 5)
    assert not reused and (art.stage, art.key, art.path) == ("tasks", key, tmp_path.resolve() / "tasks" / key)
    m = art.manifest
    assert {k: m[k] for k in ("stage", "key", "code", "config", "inputs", "seed")} == {
        "stage": "tasks",
        "key": key,
        "code": "c0de",
        "config": {"n": 2},
        "inputs": {"corpus": "abc"},
        "seed": 5,
    }
    assert m["started_at"] == time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(1_000_000_000.0))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", m["started_at"])
    assert isinstance(m["host"], str) and m["host"]
    again = st.get("tasks", key)
    assert (again.stage, again.key, again.path, again.manifest) == (art.stage, art.key, art.path, art.manifest)


def test_package_versions_name_python_and_mark_missing_packages(monkeypatch):
    monkeypatch.setattr(store_mod, "TRACKED_PACKAGES", ("pytest", "surely-not-an-installed-package"))
    assert package_versions() == {
        "python": platform.python_version(),
        "pytest": metadata.version("pytest"),
        "surely-not-an-installed-package": "absent",
    }


def test_list_returns_complete_artifacts_only_in_key_order(tmp_path):
    st = ArtifactStore(tmp_path)
    assert st.list("merge") == []
    built = [st.build("merge", 1, {"i": i}, {}, _write(str(i)))[0] for i in range(3)]
    (tmp_path / "merge" / "0-crashed-before-its-manifest").mkdir()
    (tmp_path / "merge" / ".hidden").mkdir()
    (tmp_path / "merge" / ".hidden" / "manifest.json").write_text("{}")
    listed = st.list("merge")
    assert [a.key for a in listed] == sorted(a.key for a in built)
    assert all(a.stage == "merge" and a.manifest["key"] == a.key for a in listed)


def test_a_builder_that_waited_on_the_lock_reuses_what_the_holder_published(tmp_path):
    a_store, b_store = ArtifactStore(tmp_path), ArtifactStore(tmp_path)
    b_looked = threading.Event()
    calls = []

    def produce_a(ctx):
        calls.append("a")
        assert b_looked.wait(10)
        time.sleep(0.2)  # B is now waiting on the lock
        (ctx.path / "out.txt").write_text("a")

    first_get = b_store.get

    def get_then_signal(stage, key):
        found = first_get(stage, key)
        b_looked.set()
        return found

    b_store.get = get_then_signal
    result: dict = {}
    t = threading.Thread(target=lambda: result.update(a=a_store.build("s", 1, {}, {}, produce_a)))
    t.start()
    while not (tmp_path / "s").is_dir() or not any(p.name.startswith(".tmp") for p in (tmp_path / "s").iterdir()):
        time.sleep(0.01)  # A holds the lock and is producing
    art_b, reused_b = b_store.build("s", 1, {}, {}, lambda ctx: calls.append("b"))
    t.join(10)
    assert calls == ["a"] and reused_b is True
    assert art_b.path == result["a"][0].path and (art_b.path / "out.txt").read_text() == "a"


def test_builders_of_different_keys_do_not_wait_on_each_other(tmp_path):
    st = ArtifactStore(tmp_path)
    b_done = threading.Event()
    errors = []

    def produce_a(ctx):
        if not b_done.wait(5):
            errors.append("B waited on A's lock")

    t = threading.Thread(target=lambda: st.build("s", 1, {"k": "a"}, {}, produce_a))
    t.start()
    while not (tmp_path / "s").is_dir() or not any(p.name.startswith(".tmp") for p in (tmp_path / "s").iterdir()):
        time.sleep(0.01)
    done = threading.Thread(target=lambda: (st.build("s", 1, {"k": "b"}, {}, _write("b")), b_done.set()))
    done.start()
    done.join(8)
    t.join(8)
    assert b_done.is_set() and not errors


def test_the_producers_own_error_surfaces_even_if_it_removed_its_folder(tmp_path):
    import shutil

    def produce(ctx):
        shutil.rmtree(ctx.path)
        raise RuntimeError("the producer's error")

    with pytest.raises(RuntimeError, match="the producer's error"):
        ArtifactStore(tmp_path).build("s", 1, {}, {}, produce)


def test_publication_is_logged_with_stage_key_and_time(tmp_path, caplog):
    def slow(ctx):
        time.sleep(0.07)  # long enough to show in the log's one decimal

    with caplog.at_level(logging.INFO, logger="humanllm.store"):
        art, _ = ArtifactStore(tmp_path).build("curated", 1, {}, {}, slow)
    total = art.manifest["timings_s"]["total"]
    assert total >= 0.07
    assert [r.getMessage() for r in caplog.records if r.name == "humanllm.store"] == [
        f"curated {art.key} written in {total:.1f}s"
    ]


def test_a_store_root_that_does_not_exist_yet_is_created(tmp_path):
    art, reused = ArtifactStore(tmp_path / "new" / "deeper").build("s", 1, {}, {}, _write("x"))
    assert not reused and (art.path / "out.txt").read_text() == "x"


def test_timed_blocks_add_up_in_seconds_to_the_millisecond():
    from humanllm.store import BuildContext

    ctx = BuildContext(path=None)
    for _ in range(2):
        with ctx.timed("step"):
            time.sleep(0.03)
    t = ctx.timings["step"]
    assert 0.06 <= t < 0.5 and t == round(t, 3)
    with ctx.timed("other"):
        pass
    assert 0 <= ctx.timings["other"] < 0.05 and ctx.timings["step"] == t
