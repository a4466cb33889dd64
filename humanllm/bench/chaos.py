"""Chaos test of the whole flow: SIGKILL a small sweep's process tree at random points, rerun, compare.

The sweep (tiny-random; LLM curation against the loopback fault-injecting test server, which stays up
in this process; mergekit TIES merges; in-domain + perplexity evaluation) first runs uninterrupted: the
reference. Then, for each kill point, a fresh sweep folder and artifact store (holding copies of the
reference's finished stages upstream of the target phase, so the phase comes quickly) is started, its
process group is SIGKILLed a random time into the target phase (curate, train, merge or eval, in turn),
and the same command is rerun to the end. A point passes when
- the rerun exits 0 and the study and results table equal the reference's (trial numbers aside);
- the store, read from the disk (not from what the sweep says it did), shows no half-written folder
  reused: right after the kill every published stage folder has its manifest, and the half-written
  `.tmp-*` folders and their files are recorded (inodes, mtimes); after the rerun every published
  folder, and every folder the rerun's results point at (evaluations.json, closed over manifest inputs),
  is either the very folder that was complete at the kill (same inode, same manifest) or was published
  after the kill from a fresh temp folder: not a half-written temp folder renamed into place, holding
  no file written into one before the kill, its manifest written after the kill.
Writes results/bench/chaos.json with `kill_points` and `passed`.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from humanllm.io import write_json
from humanllm.report.provenance import git_state
from humanllm.store import MANIFEST
from humanllm.sweep.storage import open_storage
from humanllm.synthesis.testing import ScoringServer

PHASES = {"curate": "curated", "train": "train", "merge": "merge", "eval": "eval"}  # phase → stage folder
UPSTREAM = {
    "curate": ["raw_sample", "corpus", "base_model"],
    "train": ["raw_sample", "corpus", "base_model", "curated", "tasks"],
    "merge": ["raw_sample", "corpus", "base_model", "curated", "tasks", "train"],
    "eval": ["raw_sample", "corpus", "base_model", "curated", "tasks", "train", "merge"],
}
BUILDING = re.compile(r"\b(\w+)(?: \[[^\]]*\])?: building ([0-9a-f]+)")
SPEC = {
    "name": "chaos",
    "description": "chaos test: two TIES merge ratios of a curated tiny-random SFT",
    "overrides": [
        "experiment=tiny",
        "synthesis=structured",
        "mixture=all_six",
        "synthesis.max_users=12",
        "llm.max_in_flight=8",
        "merge=ties",
        "tracker=none",
        "progress=false",
        "eval.perplexity.max_docs=2",
        "eval.indomain.max_samples=2",
    ],
    "params": {"merge.ratios": {"grid": [0.3, 0.7]}},
    "objectives": [
        {
            "name": "indomain_gain",
            "metric": "indomain/social_qa/rouge_l",
            "relative_to": "base",
            "direction": "maximize",
        },
        {
            "name": "forgetting",
            "metric": "general/english/bits_per_byte",
            "relative_to": "base",
            "direction": "minimize",
        },
    ],
}


class SweepRun:
    """`humanllm sweep` in its own process group, its log read line by line to know the current phase."""

    def __init__(self, spec: Path, out: Path, artifacts: Path, server_overrides: list[str]):
        env = {**os.environ, "HUMANLLM_ARTIFACTS": str(artifacts), "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "humanllm.cli", "sweep", str(spec), *server_overrides, "--out", str(out)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.lines: list[str] = []
        self.building: list[tuple[str, str, float]] = []  # (stage, key, when)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)
            m = BUILDING.search(line)
            if m:
                self.building.append((m.group(1), m.group(2), time.monotonic()))

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    def kill_tree(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)


def _files(folder: Path) -> set[tuple[int, int]]:
    """(inode, mtime_ns) of every regular file under `folder`: a moved or renamed file keeps both."""
    found = set()
    for path in folder.rglob("*"):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if path.is_file() and not path.is_symlink():
            found.add((st.st_ino, st.st_mtime_ns))
    return found


def store_snapshot(store: Path) -> dict[str, Any]:
    """What the artifact store holds on disk, now.

    `published`: "stage/key" → inode of the folder, its manifest's (inode, mtime_ns, size, sha256) or None
    when it has none, and its files' (inode, mtime_ns). `partial`: "stage/.tmp-…" → the key it was
    being built for, its inode and files. `taken_ns`: when (wall clock, as file mtimes are).
    Top-level folders that are not stages (the LLM response cache: files only) hold no folders and add nothing.
    """
    import hashlib

    taken_ns = time.time_ns()
    published: dict[str, Any] = {}
    partial: dict[str, Any] = {}
    stages = sorted(p for p in store.iterdir() if p.is_dir()) if store.is_dir() else []
    for stage in stages:
        for folder in sorted(stage.iterdir()):
            if not folder.is_dir() or folder.is_symlink():
                continue
            entry = {"inode": folder.stat().st_ino, "files": _files(folder)}
            if folder.name.startswith(".tmp-"):
                partial[f"{stage.name}/{folder.name}"] = {**entry, "key": f"{stage.name}/{folder.name.split('-')[1]}"}
            elif not folder.name.startswith("."):
                manifest = folder / MANIFEST
                if manifest.is_file():
                    st = manifest.stat()
                    entry["manifest"] = (
                        st.st_ino,
                        st.st_mtime_ns,
                        st.st_size,
                        hashlib.sha256(manifest.read_bytes()).hexdigest(),
                    )
                else:
                    entry["manifest"] = None
                published[f"{stage.name}/{folder.name}"] = entry
    return {"published": published, "partial": partial, "taken_ns": taken_ns}


def used_folders(out: Path, store: Path) -> set[str]:
    """ "stage/key" of every store folder the sweep's results point at, read from the disk: the paths and
    keys in each trial's evaluations.json, closed over the `inputs` of their manifests (a key is looked
    up in every stage folder; inputs that are not folder keys, such as a weights hash, match none)."""
    store = store.resolve()
    by_key: dict[str, list[str]] = {}
    for folder in store.glob("*/*"):
        if folder.is_dir() and not folder.name.startswith("."):
            by_key.setdefault(folder.name, []).append(f"{folder.parent.name}/{folder.name}")

    used: set[str] = set()
    todo: list[str] = []

    def note(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                note(v)
        elif isinstance(value, list):
            for v in value:
                note(v)
        elif isinstance(value, str):
            path = Path(value)
            if path.is_absolute() and path.resolve().is_relative_to(store):
                parts = path.resolve().relative_to(store).parts
                if len(parts) >= 2:
                    todo.append(f"{parts[0]}/{parts[1]}")
            todo.extend(by_key.get(value, []))

    for evaluations in sorted((out / "chaos" / "trials").glob("*/evaluations.json")):
        note(json.loads(evaluations.read_text()))
    while todo:
        name = todo.pop()
        if name in used:
            continue
        used.add(name)
        manifest = store / name / MANIFEST
        if manifest.is_file():
            note(json.loads(manifest.read_text()).get("inputs", {}))
    return used


def disk_problems(at_kill: dict[str, Any], after: dict[str, Any], used: set[str]) -> tuple[list[str], dict[str, Any]]:
    """Half-written folders published or reused, from two store snapshots (right after the kill, after the
    rerun) and the folders the rerun's results use; returns (problems, a summary for the report)."""
    problems = []
    for name, entry in at_kill["published"].items():
        if entry["manifest"] is None:
            problems.append(f"{name} was published at the kill without its manifest (half-written)")
    tmp_inodes = {entry["inode"]: name for name, entry in at_kill["partial"].items()}
    tmp_files = {f: name for name, entry in at_kill["partial"].items() for f in entry["files"]}
    kept, rebuilt = [], []
    for name, now in sorted(after["published"].items()):
        if now["manifest"] is None:
            problems.append(f"{name} is published without its manifest after the rerun")
            continue
        before = at_kill["published"].get(name)
        if before is not None:
            if before["manifest"] is None:
                if now["inode"] == before["inode"]:
                    problems.append(f"{name} was half-written at the kill (no manifest) and is reused as is")
                else:
                    rebuilt.append(name)
            elif (now["inode"], now["manifest"]) != (before["inode"], before["manifest"]):
                problems.append(f"{name} was complete at the kill and has been replaced or changed since")
            else:
                kept.append(name)
            continue
        # published after the kill: by the rerun, and it must be a fresh build
        fresh = True
        if now["inode"] in tmp_inodes and tmp_inodes[now["inode"]] not in after["partial"]:
            problems.append(f"{name} is the half-written temp folder {tmp_inodes[now['inode']]} renamed into place")
            fresh = False
        carried = sorted({tmp_files[f] for f in now["files"] if f in tmp_files})
        if carried:
            problems.append(f"{name} holds files written before the kill into half-written {', '.join(carried)}")
            fresh = False
        if now["manifest"][1] < at_kill["taken_ns"]:
            problems.append(f"{name}'s manifest was written before the kill")
            fresh = False
        if fresh:
            rebuilt.append(name)
    for name in sorted(used):
        if name not in after["published"]:
            problems.append(f"the rerun's results use {name}, which is not a published folder")
    summary = {
        "half_written_at_kill": sorted(at_kill["partial"]),
        "published_at_kill": len(at_kill["published"]),
        "used_by_rerun": len(used),
        "used_complete_at_kill": len(used & set(kept)),
        "used_built_by_rerun": sorted(used & set(rebuilt)),
    }
    return problems, summary


def _study_table(out: Path) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    import optuna
    import pandas as pd
    from optuna.trial import TrialState

    url = json.loads((out / "chaos" / "sweep.json").read_text())["storage"]
    study = optuna.load_study(study_name="chaos", storage=open_storage(url, 0))
    trials = sorted(
        (json.dumps(t.params, sort_keys=True), tuple(round(v, 9) for v in t.values))
        for t in study.get_trials(states=(TrialState.COMPLETE,))
    )
    table = pd.read_csv(out / "chaos" / "trials.csv").drop(columns=["trial"])
    return trials, table.round(9).astype(object).where(table.notna(), "NaN").to_dict(orient="records")


def _difference(got: Any, want: Any) -> str:
    """Which trials' values or which table cells differ (for the report)."""
    if got[0] != want[0]:
        return f"trials {sorted(set(got[0]) ^ set(want[0]))[:4]}"
    if len(got[1]) != len(want[1]):
        return f"table has {len(got[1])} rows, reference {len(want[1])}"
    cells = [
        (i, k, row.get(k), ref.get(k))
        for i, (row, ref) in enumerate(zip(got[1], want[1]))
        for k in sorted(set(row) | set(ref))
        if row.get(k) != ref.get(k)
    ]
    return f"cells (row, column, got, reference) {cells[:6]}" if cells else "no cell differs (NaN only)"


def code_identity() -> str:
    """A hash of the package's source: results are only comparable at the same code."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _stage_seconds(store: Path) -> dict[str, float]:
    """The reference's build time per stage folder name (the longest of its keys)."""
    seconds: dict[str, float] = {}
    for manifest in store.glob("*/*/manifest.json"):
        total = json.loads(manifest.read_text()).get("timings_s", {}).get("total", 0.0)
        stage = manifest.parent.parent.name
        seconds[stage] = max(seconds.get(stage, 0.0), float(total))
    return seconds


def _kill_point(
    i: int,
    phase: str,
    rng: random.Random,
    work: Path,
    spec: Path,
    reference: Path,
    durations: dict[str, float],
    overrides: list[str],
    ref_result: Any,
) -> dict[str, Any]:
    out, store = work / f"kill{i:02d}" / "out", work / f"kill{i:02d}" / "artifacts"
    store.mkdir(parents=True)
    for stage in UPSTREAM[phase]:
        if (reference / "artifacts" / stage).is_dir():
            shutil.copytree(reference / "artifacts" / stage, store / stage)
    fraction = rng.uniform(0.1, 0.9)
    delay = fraction * max(durations.get(PHASES[phase], 1.0), 0.5)
    run = SweepRun(spec, out, store, overrides)
    point: dict[str, Any] = {
        "index": i,
        "target_phase": phase,
        "delay_s": round(delay, 2),
        "fraction": round(fraction, 2),
    }
    deadline = time.monotonic() + 1800
    while run.proc.poll() is None and time.monotonic() < deadline:
        hits = [b for b in run.building if b[0] == PHASES[phase]]
        if hits and time.monotonic() - hits[0][2] >= delay:
            now_building = run.building[-1]
            run.kill_tree()
            point.update(
                killed_during=f"{now_building[0]}/{now_building[1]}",
                phase_at_kill=next((p for p, s in PHASES.items() if s == now_building[0]), now_building[0]),
            )
            break
        time.sleep(0.05)
    if run.proc.poll() is None and "killed_during" not in point:
        run.kill_tree()  # the target phase never came
    code = run.wait(60)
    point["killed"] = code == -signal.SIGKILL and "killed_during" in point
    at_kill = store_snapshot(store)  # the process group is dead: nothing writes to the store until the rerun
    rerun = SweepRun(spec, out, store, overrides)
    point["rerun_exit"] = rerun.wait(3600)
    problems = []
    if not point["killed"]:
        problems.append(f"the run ended (exit {code}) before the kill")
    if point["rerun_exit"] != 0:
        problems.append("rerun failed: " + "".join(rerun.lines[-20:]))
    else:
        got = _study_table(out)
        if got != ref_result[:2]:
            problems.append(
                "study or results table differ from the uninterrupted run: " + _difference(got, ref_result[:2])
            )
    used = used_folders(out, store)  # the disk is checked whether or not the rerun got to the end
    if not used and point["rerun_exit"] == 0:
        problems.append("the rerun's results point at no folder of the store")
    found, disk = disk_problems(at_kill, store_snapshot(store), used)
    problems += found
    point.update(disk)
    if code_identity() != ref_result[2]:
        problems.append("the project's code changed since the reference run: results are not comparable")
    point["passed"] = not problems
    point["problems"] = problems
    return point


def run_chaos(
    out: str | Path | None = Path("results/bench"),
    kill_points: int = 10,
    seed: int = 0,
    work: str | Path | None = None,
    phases: list[str] | None = None,
    ratios: list[float] | None = None,
    required_points: int = 10,
) -> dict[str, Any]:
    """Reference sweep, then `kill_points` kill-and-rerun rounds cycling over `phases` (default curate →
    train → merge → eval). `ratios`: the merge ratios swept (default 0.3 and 0.7). Passed when every point
    passed and there were at least `required_points`. Writes `out`/chaos.json unless `out` is None."""
    import tempfile

    phases = list(phases or PHASES)
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise ValueError(f"unknown phases {unknown}; choose from {list(PHASES)}")
    work = Path(work or tempfile.mkdtemp(prefix="humanllm-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    spec = work / "chaos.yaml"
    sweep = json.loads(json.dumps(SPEC))
    if ratios is not None:
        sweep["params"]["merge.ratios"]["grid"] = list(ratios)
    spec.write_text(yaml.safe_dump(sweep))
    rng = random.Random(seed)
    git = git_state(["humanllm"], Path(__file__).resolve().parents[2], untracked=True)
    commit, dirty = git if git is not None else (None, None)
    t0 = time.perf_counter()
    with ScoringServer(latency_s=0.05, fault_rate=0.1, faults=("http_500", "http_429"), seed=seed) as server:
        overrides = [
            f"llm.base_url={server.base_url}",
            f"llm.model={server.model}",
            "llm.structured_output=json_schema",
            "llm.autostart=false",
            "llm.max_retries=12",
            "llm.backoff_initial_s=0.01",
            "llm.backoff_max_s=0.05",
        ]
        reference = work / "reference"
        ref = SweepRun(spec, reference / "out", reference / "artifacts", overrides)
        if ref.wait(3600) != 0:
            raise RuntimeError("the uninterrupted reference sweep failed:\n" + "".join(ref.lines[-40:]))
        ref_result = (*_study_table(reference / "out"), code_identity())
        durations = _stage_seconds(reference / "artifacts")
        points: list[dict[str, Any]] = []
        for i in range(kill_points):
            points.append(
                _kill_point(i, phases[i % len(phases)], rng, work, spec, reference, durations, overrides, ref_result)
            )
            write_json(work / "progress.json", points)  # readable while the next point runs
    report = {
        "passed": all(p["passed"] for p in points) and len(points) >= required_points,
        "kill_points": points,
        "passed_points": sum(p["passed"] for p in points),
        "phases_killed": sorted({p.get("phase_at_kill", "?") for p in points}),
        "merge_ratios": sweep["params"]["merge.ratios"]["grid"],
        "reference_stage_seconds": durations,
        "seed": seed,
        "commit": commit,
        "code_changed_from_commit": dirty,
        "code_identity": code_identity(),
        "wall_s": round(time.perf_counter() - t0, 1),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if out is not None:
        write_json(Path(out) / "chaos.json", report)
    return report
