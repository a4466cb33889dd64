"""Chaos in the suite: SIGKILL a small sweep inside three different phases, rerun, compare with an
uninterrupted run, and check on disk that no half-written stage folder was published or reused.

The disk checker (`store_snapshot`, `used_folders`, `disk_problems`) is first shown to catch each way a
half-written folder can get in: published without its manifest, a temp folder renamed into place, its
files moved into a new folder, a complete folder swapped, a result pointing at a folder that is not there.
Then the short chaos run (the bench's own code, 3 kill points, one merge ratio) must pass.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from humanllm.bench.chaos import PHASES, disk_problems, run_chaos, store_snapshot, used_folders
from humanllm.store import MANIFEST, ArtifactStore


def _produce(text: str):
    def produce(ctx):
        (ctx.path / "data.txt").write_text(text)
        (ctx.path / "sub").mkdir()
        (ctx.path / "sub" / "more.txt").write_text(text * 2)

    return produce


def _half_written(store: ArtifactStore, stage: str, key: str) -> Path:
    """What a SIGKILL in the middle of `produce` leaves: a temp folder with some files, no manifest."""
    tmp = store.root / stage / f".tmp-{key}-deadbeef"
    tmp.mkdir(parents=True)
    (tmp / "data.txt").write_text("half")
    return tmp


def _store(tmp_path: Path) -> tuple[ArtifactStore, str, str]:
    store = ArtifactStore(tmp_path / "artifacts")
    upstream, _ = store.build("train", "code", {"lr": 1}, {}, _produce("weights"))
    key = store.key("eval", "code", {"n": 2}, {"model": upstream.key})
    return store, upstream.key, key


def _publish_as_is(tmp: Path, inputs: dict[str, str]) -> Path:
    (tmp / MANIFEST).write_text(json.dumps({"inputs": inputs}))
    final = tmp.parent / tmp.name.split("-")[1]
    os.replace(tmp, final)
    return final


def test_disk_check_passes_a_clean_rebuild(tmp_path):
    store, upstream, key = _store(tmp_path)
    _half_written(store, "eval", key)
    at_kill = store_snapshot(store.root)
    art, reused = store.build("eval", "code", {"n": 2}, {"model": upstream}, _produce("scores"))
    assert (art.key, reused) == (key, False)
    problems, summary = disk_problems(at_kill, store_snapshot(store.root), {f"eval/{key}", f"train/{upstream}"})
    assert problems == []
    assert summary["used_built_by_rerun"] == [f"eval/{key}"]
    assert summary["used_complete_at_kill"] == 1
    assert summary["half_written_at_kill"] == [f"eval/.tmp-{key}-deadbeef"]


def test_disk_check_catches_a_temp_folder_renamed_into_place(tmp_path):
    store, upstream, key = _store(tmp_path)
    tmp = _half_written(store, "eval", key)
    at_kill = store_snapshot(store.root)
    _publish_as_is(tmp, {"model": upstream})
    problems, _ = disk_problems(at_kill, store_snapshot(store.root), {f"eval/{key}"})
    assert any("renamed into place" in p for p in problems), problems
    assert any("files written before the kill" in p for p in problems), problems


def test_disk_check_catches_half_written_files_moved_into_a_new_folder(tmp_path):
    store, upstream, key = _store(tmp_path)
    tmp = _half_written(store, "eval", key)
    at_kill = store_snapshot(store.root)

    def resume(ctx):  # "resumes" the killed build: takes over what it had written
        os.replace(tmp / "data.txt", ctx.path / "data.txt")

    store.build("eval", "code", {"n": 2}, {"model": upstream}, resume)
    problems, _ = disk_problems(at_kill, store_snapshot(store.root), {f"eval/{key}"})
    assert problems == [f"eval/{key} holds files written before the kill into half-written eval/.tmp-{key}-deadbeef"]


def test_disk_check_catches_a_folder_published_before_its_manifest(tmp_path):
    store, _upstream, key = _store(tmp_path)
    early = store.root / "eval" / key  # published first, manifest to follow: the kill came in between
    early.mkdir(parents=True)
    (early / "data.txt").write_text("half")
    at_kill = store_snapshot(store.root)
    (early / MANIFEST).write_text("{}")  # the rerun takes it as it is and only adds the manifest
    problems, _ = disk_problems(at_kill, store_snapshot(store.root), {f"eval/{key}"})
    assert f"eval/{key} was published at the kill without its manifest (half-written)" in problems
    assert f"eval/{key} was half-written at the kill (no manifest) and is reused as is" in problems


def test_disk_check_catches_a_complete_folder_swapped_and_a_missing_one(tmp_path):
    store, upstream, key = _store(tmp_path)
    at_kill = store_snapshot(store.root)
    (store.root / "train" / upstream / MANIFEST).write_text("{}")
    problems, _ = disk_problems(at_kill, store_snapshot(store.root), {f"train/{upstream}", f"eval/{key}"})
    assert problems == [
        f"train/{upstream} was complete at the kill and has been replaced or changed since",
        f"the rerun's results use eval/{key}, which is not a published folder",
    ]


def test_used_folders_follow_results_and_manifest_inputs(tmp_path):
    store, upstream, _key = _store(tmp_path)
    art, _ = store.build(
        "eval", "code", {"n": 2}, {"model": upstream, "weights": "0123456789abcdef0123"}, _produce("scores")
    )
    store.build("train", "code", {"lr": 2}, {}, _produce("unused"))  # in the store, used by no result
    trial = tmp_path / "out" / "chaos" / "trials" / "0000"
    trial.mkdir(parents=True)
    (trial / "evaluations.json").write_text(json.dumps({"evaluations": [{"eval_path": str(art.path)}]}))
    assert used_folders(tmp_path / "out", store.root) == {f"eval/{art.key}", f"train/{upstream}"}


def test_short_chaos_run(tmp_path):
    """3 kill points, one in each of curate, train and eval; each rerun must equal the uninterrupted run,
    and the disk must show that the folder being written at the kill was rebuilt, not reused."""
    phases = ["curate", "train", "eval"]
    # seed 32 draws kill fractions 0.16, 0.27 and 0.34 of each stage's time in the reference run: early enough
    # that a stage running faster than it did in the reference (a less loaded machine) is still killed inside
    # it; a late fraction (0.78 of curation) was seen to land in the next stage instead
    report = run_chaos(out=None, kill_points=3, seed=32, work=tmp_path, phases=phases, ratios=[0.5], required_points=3)
    assert [p["fraction"] for p in report["kill_points"]] == [0.16, 0.27, 0.34]
    summary = [(p["index"], p.get("killed_during"), p["problems"]) for p in report["kill_points"]]
    assert report["passed"], json.dumps(summary, indent=1)  # a str: pytest shows it whole
    assert [p["target_phase"] for p in report["kill_points"]] == phases
    for point in report["kill_points"]:
        assert point["killed"] and point["rerun_exit"] == 0, point
        assert point["phase_at_kill"] == point["target_phase"], point
        stage, key = point["killed_during"].split("/")
        assert stage == PHASES[point["target_phase"]]
        # the kill left the folder it was writing half-written, and the rerun built it afresh
        assert any(tmp.startswith(f"{stage}/.tmp-{key}-") for tmp in point["half_written_at_kill"]), point
        assert point["killed_during"] in point["used_built_by_rerun"], point
        assert point["used_by_rerun"] >= 10 and point["used_complete_at_kill"] >= 1, point
