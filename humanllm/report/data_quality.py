"""`humanllm report data`: the data-quality report of one corpus (and its curated artifact), for reading.

Writes `<results>/data_quality/`: report.md (both funnels with reasons, checked to reconcile; keep rate
per record kind, counted from the kept files and rejected.jsonl and checked against the funnel; the
judge-score histograms), judge_<kind>.png (one panel per metric, kept vs rejected per score) and
sample.md (a seeded random sample of synthesized records — profiles/personas, scenarios/stories,
social QA — each with the post it came from and its judge scores, laid out to read by hand).
"""

from __future__ import annotations

import csv
import random
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from humanllm.io import read_json, read_jsonl
from humanllm.paths import shown
from humanllm.synthesis.config import JUDGE_METRICS
from humanllm.synthesis.records import FILES, RECORD_MODELS, load_rejected

GROUPS = {  # how the sample is laid out: the paper's P, E and B record families
    "profile / persona": ("persona", "profile_paragraph", "profile", "style"),
    "scenario / stories": ("stories", "long_scenario", "scenario"),
    "social QA": ("scenario_qa", "social_qa"),
}
TEXT_FIELDS = (
    "persona",
    "profile",
    "summary",
    "traits",
    "interests",
    "style",
    "theme",
    "situation",
    "behavior",
    "characters",
    "scenario",
    "question",
    "answer",
)


class DataQualityError(RuntimeError):
    """A funnel that does not reconcile, or kept/rejected files that disagree with it."""


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def corpus_funnel(corpus_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of funnel.csv (checked: in = kept + rejected) and the per-platform totals of the manifest."""
    rows = []
    for r in _read_csv(corpus_dir / "funnel.csv"):
        n_in, kept, rejected = int(r["in"]), int(r["kept"]), int(r["rejected"])
        if n_in != kept + rejected:
            raise DataQualityError(
                f"{corpus_dir}/funnel.csv: {r['platform']}/{r['kind']}/{r['stage']}: "
                f"in {n_in} != kept {kept} + rejected {rejected}"
            )
        rows.append({**r, "in": n_in, "kept": kept, "rejected": rejected})
    counts = read_json(corpus_dir / "manifest.json").get("counts", {})
    for platform, t in counts.get("per_platform", {}).items():
        if "raw_records" in t and t["raw_records"] != t["kept_records"] + t["rejected_records"]:
            raise DataQualityError(
                f"{corpus_dir}: {platform}: {t['raw_records']} raw != {t['kept_records']} kept "
                f"+ {t['rejected_records']} rejected"
            )
    on_file = (
        sum(1 for _ in read_jsonl(corpus_dir / "rejected.jsonl")) if (corpus_dir / "rejected.jsonl").is_file() else 0
    )
    if "rejected_records" in counts and on_file != counts["rejected_records"]:
        raise DataQualityError(
            f"{corpus_dir}/rejected.jsonl holds {on_file} records, the manifest counts {counts['rejected_records']}"
        )
    return rows, counts


def curation_funnel(curated_dir: Path) -> list[dict[str, Any]]:
    """curation_funnel.csv folded to one row per (stage, kind), reasons joined; checked to reconcile."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in _read_csv(curated_dir / "curation_funnel.csv"):
        row = rows.setdefault(
            (r["stage"], r["kind"]),
            {
                "stage": r["stage"],
                "kind": r["kind"],
                "in": int(r["in"]),
                "kept": int(r["kept"]),
                "rejected": int(r["rejected"]),
                "reasons": Counter(),
            },
        )
        if r["reason"]:
            row["reasons"][r["reason"]] += int(r["reason_count"])
    for (stage, kind), row in rows.items():
        if row["in"] != row["kept"] + row["rejected"] or sum(row["reasons"].values()) != row["rejected"]:
            raise DataQualityError(
                f"{curated_dir}/curation_funnel.csv: {stage}/{kind}: in {row['in']}, kept "
                f"{row['kept']}, rejected {row['rejected']} (by reason {sum(row['reasons'].values())})"
            )
    return list(rows.values())


def kept_records(curated_dir: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        kind: list(read_jsonl(curated_dir / FILES[kind]))
        for kind in RECORD_MODELS
        if (curated_dir / FILES[kind]).is_file()
    }


def keep_rates(curated_dir: Path, funnel: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per record kind: planned, kept (kept file), rejected (rejected.jsonl) by stage, keep rate.

    Checked against the funnel: planned = the synthesize stage's input, kept = the kind's last stage's output.
    """
    kept = {k: len(v) for k, v in kept_records(curated_dir).items()}
    rejected: dict[str, Counter] = defaultdict(Counter)
    for r in load_rejected(curated_dir):
        if r.kind not in ("user", "post"):
            rejected[r.kind][r.stage] += 1
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in funnel:
        by_kind[row["kind"]].append(row)
    out = []
    for kind in [k for k in JUDGE_METRICS if k in by_kind]:
        rows = by_kind[kind]
        planned = next((r["in"] for r in rows if r["stage"] == "synthesize"), rows[0]["in"])
        final = rows[-1]["kept"]
        n_kept, n_rej = kept.get(kind, 0), sum(rejected[kind].values())
        if n_kept != final or n_kept + n_rej != planned:
            raise DataQualityError(
                f"{curated_dir}: {kind}: {n_kept} kept + {n_rej} rejected records on file, but the "
                f"funnel planned {planned} and kept {final}"
            )
        out.append(
            {
                "kind": kind,
                "planned": planned,
                "kept": n_kept,
                "rejected": n_rej,
                "rejected_at": dict(rejected[kind]),
                "keep_rate": n_kept / planned if planned else None,
            }
        )
    return out


def judge_scores(curated_dir: Path) -> dict[str, list[tuple[dict[str, int], bool]]]:
    """kind → [(scores, kept?)] over kept and judge-rejected records."""
    scores: dict[str, list[tuple[dict[str, int], bool]]] = defaultdict(list)
    for kind, records in kept_records(curated_dir).items():
        scores[kind] += [(r["judge_scores"], True) for r in records if r.get("judge_scores")]
    for r in load_rejected(curated_dir):
        if r.judge_scores:
            scores[r.kind].append((r.judge_scores, False))
    return dict(scores)


def plot_judge_histograms(scores: dict[str, list[tuple[dict[str, int], bool]]], folder: Path) -> dict[str, Path]:
    """judge_<kind>.png: one histogram per metric, scores 1-10, kept stacked over rejected."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = {}
    for kind, rows in scores.items():
        metrics = [m for m in JUDGE_METRICS.get(kind, ()) if any(m in s for s, _ in rows)]
        if not metrics:
            continue
        fig, axes = plt.subplots(1, len(metrics), figsize=(2.3 * len(metrics), 2.6), squeeze=False, sharey=True)
        for ax, metric in zip(axes[0], metrics):
            kept = Counter(s[metric] for s, k in rows if k and metric in s)
            rej = Counter(s[metric] for s, k in rows if not k and metric in s)
            xs = list(range(1, 11))
            ax.bar(xs, [kept[x] for x in xs], color="C2", label="kept")
            ax.bar(xs, [rej[x] for x in xs], bottom=[kept[x] for x in xs], color="C3", label="rejected")
            ax.set_title(metric, fontsize=8)
            ax.set_xticks(xs, [str(x) for x in xs], fontsize=6)
        axes[0][0].set_ylabel("records", fontsize=8)
        axes[0][0].legend(fontsize=6)
        fig.suptitle(f"judge scores: {kind} (n={len(rows)})", fontsize=9)
        fig.tight_layout()
        files[kind] = folder / f"judge_{kind}.png"
        fig.savefig(files[kind], dpi=100)
        plt.close(fig)
    return files


def _quote(text: str, width: int = 100, limit: int = 900) -> str:
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[:limit] + " …"
    return "\n".join("> " + line for line in textwrap.wrap(text, width)) or "> (empty)"


def _record_markdown(r: dict[str, Any], posts: dict[str, dict[str, Any]], verdict: str) -> str:
    lines = [f"#### {r['kind']} · {r['user_id']} ({r.get('platform', '?')}) · {verdict}", ""]
    for name in TEXT_FIELDS:
        value = (r.get("content") or r).get(name) if name not in r else r[name]
        if value:
            lines += [f"**{name}**", "", _quote(", ".join(value) if isinstance(value, list) else value), ""]
    for i, story in enumerate((r.get("content") or r).get("stories") or []):
        lines += [f"**story {i + 1}: {story.get('summary', '')}**", "", _quote(story.get("content", "")), ""]
    if r.get("judge_scores"):
        lines.append("judge: " + ", ".join(f"{m} {v}" for m, v in r["judge_scores"].items()))
    if r.get("reason"):
        lines.append(
            f"rejected at {r['stage']}: `{r['reason']}`" + (f" — {r['detail'][:200]}" if r.get("detail") else "")
        )
    for pid in (r.get("source_post_ids") or [])[:2]:
        if pid in posts:
            lines += ["", f"source post `{pid}`:", "", _quote(posts[pid]["text"], limit=500)]
    return "\n".join(lines) + "\n"


def sample_markdown(curated_dir: Path, n: int, seed: int) -> str:
    """A seeded random sample of n kept records per group (and a few rejected ones), for reading by hand."""
    rng = random.Random(seed)
    kept = kept_records(curated_dir)
    posts = (
        {p["post_id"]: p for p in read_jsonl(curated_dir / FILES["posts"])}
        if (curated_dir / FILES["posts"]).is_file()
        else {}
    )
    rejected = [r.model_dump() for r in load_rejected(curated_dir) if r.content and r.kind not in ("user", "post")]
    out = [
        f"# Synthesized records: a random sample (seed {seed}, up to {n} kept per group)",
        "",
        f"From `{shown(curated_dir)}`. Read each against its source post: is it faithful, specific, free of leaks?",
        "",
    ]
    for group, kinds in GROUPS.items():
        pool = [r for k in kinds for r in kept.get(k, [])]
        out += [f"## {group} ({len(pool)} kept)", ""]
        if not pool:
            out += ["_(none of these kinds in this artifact)_", ""]
        out += [_record_markdown(r, posts, "kept") for r in rng.sample(pool, min(n, len(pool)))]
        rej = [dict(r, **(r["content"] or {})) for r in rejected if r["kind"] in kinds]
        if rej:
            out += [f"### rejected examples ({len(rej)} rejected with content)", ""]
            out += [_record_markdown(r, posts, "rejected") for r in rng.sample(rej, min(max(1, n // 3), len(rej)))]
    return "\n".join(out)


def _table(header: list[str], rows: Iterable[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_data_quality(
    corpus_dir: str | Path, curated_dir: str | Path | None, out: str | Path, sample_n: int = 8, seed: int = 2025
) -> dict[str, Path]:
    """Write the data-quality report into `out`; returns the files written. Raises DataQualityError on a mismatch."""
    corpus_dir, out = Path(corpus_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, counts = corpus_funnel(corpus_dir)
    totals = counts.get("per_platform", {})
    md = [
        "# Data quality",
        "",
        f"corpus `{shown(corpus_dir)}`" + (f", curated `{shown(curated_dir)}`" if curated_dir else ""),
        "",
        "## Corpus funnel (rule filters, dedup, activity thresholds, caps)",
        "",
        "Every row reconciles: in = kept + rejected; rejected records are in the corpus's rejected.jsonl.",
        "",
    ]
    if totals:
        md += [
            _table(
                ["platform", "raw records", "kept", "rejected", "users", "posts", "items"],
                [
                    [
                        p,
                        t.get("raw_records"),
                        t.get("kept_records"),
                        t.get("rejected_records"),
                        t.get("users"),
                        t.get("posts"),
                        t.get("items"),
                    ]
                    for p, t in totals.items()
                ],
            ),
            "",
        ]
    md += [
        _table(
            ["platform", "kind", "stage", "in", "kept", "rejected", "reasons"],
            [[r["platform"], r["kind"], r["stage"], r["in"], r["kept"], r["rejected"], r["reasons"]] for r in rows],
        )
    ]
    files = {"report": out / "report.md"}
    if curated_dir is None:
        md += ["", "## Curation", "", "synthesis=raw: no LLM curation, so no synthesized records to inspect.", ""]
    else:
        curated_dir = Path(curated_dir)
        funnel = curation_funnel(curated_dir)
        rates = keep_rates(curated_dir, funnel)
        md += [
            "",
            "## Curation funnel (select → clean/tag → synthesize → judge → link)",
            "",
            _table(
                ["stage", "kind", "in", "kept", "rejected", "rejected by reason"],
                [
                    [
                        r["stage"],
                        r["kind"],
                        r["in"],
                        r["kept"],
                        r["rejected"],
                        ", ".join(f"{k} {v}" for k, v in r["reasons"].most_common()),
                    ]
                    for r in funnel
                ],
            ),
            "## Keep rate per record kind",
            "",
            "Counted from the kept files and rejected.jsonl, and checked against the funnel.",
            "",
            _table(
                ["kind", "planned", "kept", "rejected", "rejected at", "keep rate"],
                [
                    [
                        r["kind"],
                        r["planned"],
                        r["kept"],
                        r["rejected"],
                        ", ".join(f"{k} {v}" for k, v in r["rejected_at"].items()) or "—",
                        "—" if r["keep_rate"] is None else f"{r['keep_rate']:.0%}",
                    ]
                    for r in rates
                ],
            ),
        ]
        plots = plot_judge_histograms(judge_scores(curated_dir), out)
        md += ["## Judge scores per metric (kept in green, rejected in red)", ""]
        md += [f"![{kind}]({p.name})" for kind, p in plots.items()] or ["_(no judged records)_"]
        files.update({f"judge_{k}": p for k, p in plots.items()})
        files["sample"] = out / "sample.md"
        files["sample"].write_text(sample_markdown(curated_dir, sample_n, seed), encoding="utf-8")
        md += ["", f"A seeded random sample of the records, to read by hand: [sample.md](sample.md) (seed {seed})."]
    files["report"].write_text("\n".join(md) + "\n", encoding="utf-8")
    return files
