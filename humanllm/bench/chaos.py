"""Chaos test of the whole flow: SIGKILL a small sweep's process tree at random points, rerun, compare.

The sweep (tiny-random; LLM curation against the loopback fault-injecting test server, which stays up
in this process; mergekit TIES merges; in-domain + perplexity evaluation) first runs uninterrupted: the
reference. Then, for each kill point, a fresh sweep folder and artifact store (holding copies of the
reference's finished stages upstream of the target phase, so the phase comes quickly) is started, its
process group is SIGKILLed a random time into the target phase (curate, train, merge or eval, in turn),
and the same command is rerun to the end. A point passes when
- the rerun exits 0 and the study and results table equal the reference's (trial numbers aside);
- after the kill every published stage folder is complete (has its manifest) and the rerun reused only
  folders that were complete at the kill or that it built itself: no half-written folder is reused.
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

PHASES = {"curate": "curated", "train": "train", "merge": "merge", "eval": "eval"}  # phase → stage folder
UPSTREAM = {"curate": ["raw_sample", "corpus", "base_model"], "train": ["raw_sample", "corpus", "base_model", "curated", "tasks"],
            "merge": ["raw_sample", "corpus", "base_model", "curated", "tasks", "train"],
            "eval": ["raw_sample", "corpus", "base_model", "curated", "tasks", "train", "merge"]}
BUILDING = re.compile(r"\b(\w+)(?: \[[^\]]*\])?: building ([0-9a-f]+)")
SPEC = {"name": "chaos", "description": "chaos test: two TIES merge ratios of a curated tiny-random SFT",
        "overrides": ["experiment=tiny", "synthesis=structured", "mixture=all_six", "synthesis.max_users=12", "llm.max_in_flight=8",
                      "merge=ties", "tracker=none", "progress=false", "eval.perplexity.max_docs=2",
                      "eval.indomain.max_samples=2"],
        "params": {"merge.ratios": {"grid": [0.3, 0.7]}},
        "objectives": [{"name": "indomain_gain", "metric": "indomain/social_qa/rouge_l",
                        "relative_to": "base", "direction": "maximize"},
                       {"name": "forgetting", "metric": "general/english/bits_per_byte", "relative_to": "base",
                        "direction": "minimize"}]}


class SweepRun:
    """`humanllm sweep` in its own process group, its log read line by line to know the current phase."""

    def __init__(self, spec: Path, out: Path, artifacts: Path, server_overrides: list[str]):
        env = {**os.environ, "HUMANLLM_ARTIFACTS": str(artifacts), "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "humanllm.cli", "sweep", str(spec), *server_overrides, "--out", str(out)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
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


def _complete_folders(store: Path) -> tuple[set[str], set[str]]:
    """(stage/key folders with a manifest, stage/key of half-written temp folders)."""
    complete, partial = set(), set()
    for stage in (p for p in store.iterdir() if p.is_dir()) if store.is_dir() else []:
        for folder in stage.iterdir():
            if not folder.is_dir():
                continue
            if folder.name.startswith(".tmp-"):
                partial.add(f"{stage.name}/{folder.name.split('-')[1]}")
            elif not folder.name.startswith("."):
                if not (folder / "manifest.json").is_file():
                    raise AssertionError(f"{folder} is published but has no manifest")
                complete.add(f"{stage.name}/{folder.name}")
    return complete, partial


def _study_table(out: Path) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    import optuna
    import pandas as pd
    from optuna.trial import TrialState

    from humanllm.sweep.storage import open_storage

    url = json.loads((out / "chaos" / "sweep.json").read_text())["storage"]
    study = optuna.load_study(study_name="chaos", storage=open_storage(url, 0))
    trials = sorted((json.dumps(t.params, sort_keys=True), tuple(round(v, 9) for v in t.values))
                    for t in study.get_trials(states=(TrialState.COMPLETE,)))
    table = pd.read_csv(out / "chaos" / "trials.csv").drop(columns=["trial"])
    return trials, table.round(9).astype(object).where(table.notna(), "NaN").to_dict(orient="records")


def _difference(got: Any, want: Any) -> str:
    """Which trials' values or which table cells differ (for the report)."""
    if got[0] != want[0]:
        return f"trials {sorted(set(got[0]) ^ set(want[0]))[:4]}"
    if len(got[1]) != len(want[1]):
        return f"table has {len(got[1])} rows, reference {len(want[1])}"
    cells = [(i, k, row.get(k), ref.get(k)) for i, (row, ref) in enumerate(zip(got[1], want[1]))
             for k in sorted(set(row) | set(ref)) if row.get(k) != ref.get(k)]
    return f"cells (row, column, got, reference) {cells[:6]}" if cells else "no cell differs (NaN only)"


def _reused_entries(out: Path) -> list[tuple[list[str], list[str]]]:
    import optuna
    from optuna.trial import TrialState

    from humanllm.sweep.storage import open_storage

    url = json.loads((out / "chaos" / "sweep.json").read_text())["storage"]
    study = optuna.load_study(study_name="chaos", storage=open_storage(url, 0))
    return [(t.user_attrs.get("reused", []), t.user_attrs.get("built", []))
            for t in sorted(study.get_trials(states=(TrialState.COMPLETE,)), key=lambda t: t.number)]


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


def _kill_point(i: int, phase: str, rng: random.Random, work: Path, spec: Path, reference: Path,
                durations: dict[str, float], overrides: list[str], ref_result: Any) -> dict[str, Any]:
    out, store = work / f"kill{i:02d}" / "out", work / f"kill{i:02d}" / "artifacts"
    store.mkdir(parents=True)
    for stage in UPSTREAM[phase]:
        if (reference / "artifacts" / stage).is_dir():
            shutil.copytree(reference / "artifacts" / stage, store / stage)
    fraction = rng.uniform(0.1, 0.9)
    delay = fraction * max(durations.get(PHASES[phase], 1.0), 0.5)
    run = SweepRun(spec, out, store, overrides)
    point: dict[str, Any] = {"index": i, "target_phase": phase, "delay_s": round(delay, 2), "fraction": round(fraction, 2)}
    deadline = time.monotonic() + 1800
    while run.proc.poll() is None and time.monotonic() < deadline:
        hits = [b for b in run.building if b[0] == PHASES[phase]]
        if hits and time.monotonic() - hits[0][2] >= delay:
            now_building = run.building[-1]
            run.kill_tree()
            point.update(killed_during=f"{now_building[0]}/{now_building[1]}",
                         phase_at_kill=next((p for p, s in PHASES.items() if s == now_building[0]), now_building[0]))
            break
        time.sleep(0.05)
    code = run.wait(60)
    point["killed"] = code == -signal.SIGKILL
    complete, partial = _complete_folders(store)
    point["half_written_at_kill"] = sorted(partial - complete)
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
            problems.append("study or results table differ from the uninterrupted run: "
                            + _difference(got, ref_result[:2]))
        built_so_far: set[str] = set()
        for reused, built in _reused_entries(out):
            bad = [r for r in reused if r not in complete and r not in built_so_far]
            if bad:
                problems.append(f"reused folders that were not complete at the kill: {bad}")
            built_so_far |= set(built)
        _complete_folders(store)  # every published folder has its manifest
    if code_identity() != ref_result[2]:
        problems.append("the project's code changed since the reference run: results are not comparable")
    point["passed"] = not problems
    point["problems"] = problems
    return point


def run_chaos(out: str | Path = Path("results/bench"), kill_points: int = 10, seed: int = 0,
              work: str | Path | None = None) -> dict[str, Any]:
    """Reference sweep, then `kill_points` kill-and-rerun rounds cycling curate → train → merge → eval."""
    import tempfile

    from humanllm.curate.testing import ScoringServer

    work = Path(work or tempfile.mkdtemp(prefix="humanllm-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    spec = work / "chaos.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with ScoringServer(latency_s=0.05, fault_rate=0.1, faults=("http_500", "http_429"), seed=seed) as server:
        overrides = [f"llm.base_url={server.base_url}", f"llm.model={server.model}", "llm.structured_output=json_schema",
                     "llm.autostart=false", "llm.max_retries=12", "llm.backoff_initial_s=0.01", "llm.backoff_max_s=0.05"]
        reference = work / "reference"
        ref = SweepRun(spec, reference / "out", reference / "artifacts", overrides)
        if ref.wait(3600) != 0:
            raise RuntimeError("the uninterrupted reference sweep failed:\n" + "".join(ref.lines[-40:]))
        ref_result = (*_study_table(reference / "out"), code_identity())
        durations = _stage_seconds(reference / "artifacts")
        phases = list(PHASES)
        points: list[dict[str, Any]] = []
        for i in range(kill_points):
            points.append(_kill_point(i, phases[i % len(phases)], rng, work, spec, reference, durations, overrides,
                                      ref_result))
            write_json(work / "progress.json", points)  # readable while the next point runs
    report = {
        "passed": all(p["passed"] for p in points) and len(points) >= 10,
        "kill_points": points,
        "passed_points": sum(p["passed"] for p in points),
        "phases_killed": sorted({p.get("phase_at_kill", "?") for p in points}),
        "reference_stage_seconds": durations,
        "seed": seed,
        "code_identity": code_identity(),
        "wall_s": round(time.perf_counter() - t0, 1),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    write_json(Path(out) / "chaos.json", report)
    return report
