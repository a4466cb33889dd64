"""`humanllm bench sweep`: a k=5 merge-ratio sweep vs the hand loop, on the same SFT and the same items.

- ours: `humanllm sweep` (one process; base and fine-tuned weights loaded once, θ(α) formed in memory,
  the base model scored once);
- hand loop: per ratio `mergekit-yaml` writes the merge, then the `lm_eval` CLI scores it (the base is
  scored once as well), as users do without this framework.

Headline: a light evaluation, the English perplexity suite at LIGHT_DOCS documents, so the figure
measures what a sweep adds around model compute (process starts, weight loading, merges written to
disk) and how each side batches it (ours sorts documents by length; lm-eval's CLI pads each batch of
documents to its longest). `full_eval`: the demo's full evaluation, where the hand loop runs
`humanllm eval eval.model_path=<merge>` per ratio. Both start from a store holding the SFT but no evaluation; the
rerun is the same sweep command again. Writes results/bench/sweep.json.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from humanllm.config import load_config
from humanllm.io import write_json
from humanllm.merge.config import MergeConfig
from humanllm.merge.stage import mergekit_config
from humanllm.paths import evals_dir
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext

log = logging.getLogger("humanllm")
RATIOS = [0.1, 0.3, 0.5, 0.7, 0.9]
LIGHT_DOCS = 8
LIGHT = ["eval.indomain.enabled=false", "eval.bigbench.enabled=false", f"eval.perplexity.max_docs={LIGHT_DOCS}"]
REUSED_STAGES = ("raw_sample", "corpus", "curated", "tasks", "base_model", "train", "fingerprints.json")
RESULT_FILE = "sweep.json"


def _bin(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def _store_with_sft(src: Path, dst: Path) -> None:
    """A fresh store that links the finished upstream stages (data … SFT) but holds no evaluation."""
    dst.mkdir(parents=True)
    for name in REUSED_STAGES:
        if (src / name).exists():
            (dst / name).symlink_to(src / name)


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0


def _ours(
    root: Path, overrides: list[str], eval_overrides: list[str], env: dict[str, str], work: Path, name: str
) -> tuple[float, float, dict[float, dict[str, float]]]:
    import optuna

    spec = {
        "name": name,
        "overrides": [*overrides, *eval_overrides, "tracker=none", "progress=false"],
        "params": {"merge.ratios": {"grid": RATIOS}},
        "objectives": [{"name": "bits_per_byte", "metric": "general/english/bits_per_byte", "direction": "minimize"}],
    }
    spec_file = work / f"{name}.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    cmd = [_bin("humanllm"), "sweep", str(spec_file), "--out", str(work / "sweeps")]
    first = _run(cmd, env, root)
    rerun = _run(cmd, env, root)
    study = optuna.load_study(
        study_name=name,
        storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(work / "sweeps" / name / "study.journal"))
        ),
    )
    scores = {
        t.params["merge.ratios"]: t.user_attrs["metrics"]
        for t in study.get_trials(deepcopy=False)
        if t.state.name == "COMPLETE"
    }
    return first, rerun, scores


def _hand_loop(
    root: Path, base: str, sft: str, env: dict[str, str], work: Path, full: bool, overrides: list[str]
) -> tuple[float, dict[float, dict[str, float]]]:
    scores: dict[float, dict[str, float]] = {}
    t0 = time.perf_counter()
    targets: list[tuple[float, str]] = [(0.0, base)]
    for alpha in RATIOS:
        out = work / f"merge-{alpha}"
        spec = work / f"merge-{alpha}.yml"
        spec.write_text(yaml.safe_dump(mergekit_config("linear", alpha, base, sft, MergeConfig(ratios=[alpha]))))
        _run([_bin("mergekit-yaml"), str(spec), str(out)], env, root)
        for f in Path(base).iterdir():  # tokenizer, chat template, generation config: as users copy them
            if f.name.startswith(("tokenizer", "special_tokens", "chat_template", "generation_config")):
                shutil.copy(f, out / f.name)
        targets.append((alpha, str(out)))
    for alpha, model in targets:
        if full:
            res = work / f"eval-{alpha}"
            _run(
                [
                    _bin("humanllm"),
                    "eval",
                    *overrides,
                    "tracker=none",
                    "progress=false",
                    f"eval.model_path={model}",
                    f"paths.results={res}",
                ],
                env,
                root,
            )
            index = json.loads((res / "evaluations.json").read_text())
            scores[alpha] = json.loads((Path(index["evaluations"][0]["eval_path"]) / "scores.json").read_text())[
                "scores"
            ]
            continue
        res = work / f"lm_eval-{alpha}"
        _run(
            [
                _bin("lm_eval"),
                "--model",
                "hf",
                "--model_args",
                f"pretrained={model},dtype=float32",
                "--tasks",
                "general_english_ppl",
                "--include_path",
                str(evals_dir() / "general_english"),
                "--metadata",
                json.dumps({"max_docs": LIGHT_DOCS, "max_chars": 2000}),
                "--batch_size",
                "8",
                "--device",
                "cpu",
                "--output_path",
                str(res),
            ],
            env,
            root,
        )
        result = json.loads(next(res.rglob("results_*.json")).read_text())["results"]["general_english_ppl"]
        scores[alpha] = {
            f"general/english/{m}": float(result[f"{m},none"])
            for m in ("bits_per_byte", "byte_perplexity", "word_perplexity")
        }
    return time.perf_counter() - t0, scores


def _equal(ours: dict[float, dict[str, float]], hand: dict[float, dict[str, float]], rel: float = 1e-4) -> bool:
    for alpha in RATIOS:
        shared = [k for k in hand[alpha] if k in ours.get(alpha, {}) and not k.endswith("/n")]
        if not shared:
            return False
        for k in shared:
            a, b = ours[alpha][k], hand[alpha][k]
            if abs(a - b) > rel * max(abs(a), abs(b), 1e-12):
                return False
    return True


def run_sweep_bench(out_dir: Path, overrides: list[str]) -> dict[str, Any]:
    root = Path.cwd()
    base_overrides = ["experiment=demo", "merge=linear", *overrides]
    cfg = load_config(base_overrides)
    # Each side gets a fresh store (HUMANLLM_ARTIFACTS) linking the finished SFT: a paths.artifacts override
    # would point both back at the shared store and let one side reuse the other's evaluations.
    side_overrides = [o for o in base_overrides if not o.lstrip("+").startswith("paths.artifacts=")]
    ctx = RunContext.from_config(cfg)
    state = flow.run_train_stage(ctx, flow.FlowState())  # the demo SFT (≈ 5 min the first time)
    base, sft = state.base.location, str(state.sft.path)
    result: dict[str, Any] = {
        "ratios": RATIOS,
        "model": cfg.model.name,
        "sft_key": state.sft.key,
        "light_docs": LIGHT_DOCS,
        "cpu_count": os.cpu_count(),
        "load_avg_start": list(os.getloadavg()),
    }
    for label, eval_overrides, full in (("headline", LIGHT, False), ("full_eval", [], True)):
        with tempfile.TemporaryDirectory(prefix=f"bench-sweep-{label}-") as tmp:
            work = Path(tmp)
            env_ours = {**os.environ, "HUMANLLM_ARTIFACTS": str(work / "store_ours")}
            env_hand = {**os.environ, "HUMANLLM_ARTIFACTS": str(work / "store_hand")}
            _store_with_sft(cfg.artifacts_dir, work / "store_ours")
            _store_with_sft(cfg.artifacts_dir, work / "store_hand")
            ours_s, rerun_s, ours_scores = _ours(root, side_overrides, eval_overrides, env_ours, work, f"bench_{label}")
            hand_s, hand_scores = _hand_loop(root, base, sft, env_hand, work, full, [*side_overrides, *eval_overrides])
        entry = {
            "ours_s": round(ours_s, 1),
            "hand_loop_s": round(hand_s, 1),
            "speedup": round(hand_s / ours_s, 2),
            "scores_equal": _equal(ours_scores, hand_scores),
            "rerun_s": round(rerun_s, 1),
            "rerun_fraction": round(rerun_s / ours_s, 3),
            "scores": {str(a): {"ours": ours_scores.get(a), "hand_loop": hand_scores.get(a)} for a in RATIOS},
        }
        log.info(
            "bench sweep %s: ours %.1fs, hand loop %.1fs (%.2fx), scores equal %s, rerun %.1fs",
            label,
            ours_s,
            hand_s,
            hand_s / ours_s,
            entry["scores_equal"],
            rerun_s,
        )
        if full:
            result["full_eval"] = entry
        else:
            result.update(entry)
        result["load_avg_end"] = list(os.getloadavg())
        out_dir.mkdir(parents=True, exist_ok=True)
        write_json(out_dir / RESULT_FILE, result)  # the headline is kept even if the full evaluation is stopped
    print(
        f"headline (English perplexity, {LIGHT_DOCS} docs): ours {result['ours_s']}s vs hand loop {result['hand_loop_s']}s "
        f"→ {result['speedup']}x, scores equal {result['scores_equal']}, rerun {result['rerun_s']}s\n"
        f"full eval: ours {result['full_eval']['ours_s']}s vs hand loop {result['full_eval']['hand_loop_s']}s "
        f"→ {result['full_eval']['speedup']}x, scores equal {result['full_eval']['scores_equal']}\n→ {out_dir / RESULT_FILE}"
    )
    return result
