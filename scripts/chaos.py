#!/usr/bin/env python
"""Chaos test: SIGKILL a small sweep at >= 10 random points over curate, train, merge and eval, rerun
each time, and check the study and results equal an uninterrupted run's (humanllm/bench/chaos.py).

    .venv/bin/python scripts/chaos.py [--kill-points 10] [--seed 0] [--work DIR] [--out results/bench]
Prints the figure and writes results/bench/chaos.json; exits 1 unless every kill point passed.
"""

import argparse
import os
import sys

for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("WANDB_MODE", "offline")

from humanllm.bench.chaos import run_chaos  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kill-points", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None, help="scratch folder (default: a new temp folder)")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()
    report = run_chaos(args.out, args.kill_points, args.seed, args.work)
    for p in report["kill_points"]:
        status = "ok  " if p["passed"] else "FAIL"
        print(
            f"{status} #{p['index']:02d} target {p['target_phase']:<7} killed during {p.get('killed_during', '-'):<30} "
            f"after {p['delay_s']:>6.2f}s; half-written folders left: {len(p['half_written_at_kill'])}"
            + ("" if p["passed"] else f"  {p['problems']}")
        )
    print(
        f"chaos: {report['passed_points']}/{len(report['kill_points'])} kill points passed "
        f"(phases killed: {', '.join(report['phases_killed'])}) in {report['wall_s']:.0f}s → {args.out}/chaos.json"
    )
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
