"""best.md's answer to the ratio question: the largest α whose right→wrong flip rate on the general-reasoning
items stays within the sweep's `forgetting_budget`, with its CI and every α's rate beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ALPHA = "merge.ratios"


Interval = Callable[[Any, dict[str, Any]], "tuple[float, float] | None"]


def budget_choice(study: Any, spec: dict[str, Any], interval: Interval) -> dict[str, Any] | None:
    """{budget, objective, rows (one per complete trial, largest α first), chosen row or None}; None without
    a budget. A row is within the budget when its estimate (or, with bound: upper, its CI's upper end) is at
    most max_rate; `interval(trial, objective)` gives the CI."""
    from optuna.trial import TrialState

    budget = spec.get("forgetting_budget")
    if not budget:
        return None
    names = [o["name"] for o in spec["objectives"]]
    objective = spec["objectives"][names.index(budget["objective"])]
    rows = []
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    for t in sorted(trials, key=lambda t: (-float(t.params[ALPHA]), t.number)):
        rate = t.values[names.index(budget["objective"])]
        ci = interval(t, objective)
        judged = rate if budget.get("bound", "estimate") == "estimate" else (ci[1] if ci else None)
        rows.append(
            {
                "trial": t.number,
                "alpha": float(t.params[ALPHA]),
                "rate": rate,
                "ci": ci,
                "within": judged is not None and judged <= budget["max_rate"],
                "others": {k: v for k, v in t.params.items() if k != ALPHA},
            }
        )
    chosen = next((r for r in rows if r["within"]), None)
    return {"budget": budget, "objective": objective, "rows": rows, "chosen": chosen}


def _ci(ci: tuple[float, float] | None) -> str:
    return f" [95% CI {ci[0]:.4g}, {ci[1]:.4g}]" if ci else " (no CI: too few items)"


def budget_markdown(choice: dict[str, Any] | None) -> str:
    if choice is None:
        return ""
    b, o = choice["budget"], choice["objective"]
    judged = "its estimate" if b.get("bound", "estimate") == "estimate" else "the upper end of its 95% CI"
    lines = [
        "## Largest α within the forgetting budget\n",
        f"Budget: right→wrong flip rate (`{o['name']}`: items of `{o['metric']}` right for the base, "
        f"wrong for the merged model, as a share of all paired items) ≤ {b['max_rate']:g}, judged by "
        f"{judged}.\n",
    ]
    c = choice["chosen"]
    if c is None:
        best = min(choice["rows"], key=lambda r: r["rate"], default=None)
        lowest = (
            f" The lowest rate is {best['rate']:.4g}{_ci(best['ci'])} at α={best['alpha']:g} (trial {best['trial']})."
            if best
            else ""
        )
        lines.append("**No α is within the budget.**" + lowest)
    else:
        extra = ", ".join(f"{k}={v}" for k, v in c["others"].items())
        lines.append(
            f"**α = {c['alpha']:g}** (trial {c['trial']}{', ' + extra if extra else ''}): "
            f"right→wrong rate {c['rate']:.4g}{_ci(c['ci'])}."
        )
    lines += ["", "| α | trial | right→wrong rate | 95% CI | within budget |", "|---:|---:|---:|---|---|"]
    for r in choice["rows"]:
        span = f"[{r['ci'][0]:.4g}, {r['ci'][1]:.4g}]" if r["ci"] else ""
        within = "yes" if r["within"] else "no"
        lines.append(f"| {r['alpha']:g} | {r['trial']} | {r['rate']:.4g} | {span} | {within} |")
    return "\n".join(lines) + "\n"
