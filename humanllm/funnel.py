"""The funnels: per stage and record kind, how many records went in, were kept, and were rejected (why).

Both the corpus (data stage) and the curation (synthesis stage) keep one, made of the same rows: a `FunnelRow`
counts what went in, what was kept and the rejections by reason (their total derived), and every row must
reconcile (in = kept + rejected); one that does not raises `FunnelMismatch`.

- `Funnel`, the data stage's: rows per platform, record kind and stage. Every stage goes through
  `Funnel.apply`, so each raw record is either still flowing or rejected exactly once; `reconcile` checks this
  against what is finally written. Writes funnel.csv and funnel.md.
- `CurationFunnel`, the synthesis stage's: one row per curation stage and kind, checked as it is added.
  Writes curation_funnel.csv and curation_funnel.md.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humanllm.data.candidate import KINDS, Candidate, Loaded
from humanllm.data.config import PLATFORMS
from humanllm.data.records import Rejected
from humanllm.data.rules import Decisions

log = logging.getLogger(__name__)


class FunnelMismatch(RuntimeError):
    """Records in != kept + rejected: a stage lost, invented or double-counted records."""


@dataclass(kw_only=True)
class FunnelRow:
    platform: str = ""  # the corpus funnel's rows are per platform; the curation funnel's are not
    kind: str
    stage: str
    n_in: int = 0
    kept: int = 0
    reasons: Counter = field(default_factory=Counter)  # rejection reason → records

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    def mismatch(self) -> str | None:
        """'in N != kept K + rejected R' when the row does not reconcile, else None."""
        if self.n_in == self.kept + self.rejected:
            return None
        return f"in {self.n_in} != kept {self.kept} + rejected {self.rejected}"

    def by_count(self) -> list[tuple[str, int]]:
        """The reasons, most frequent first, ties by name."""
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))


class Funnel:
    """The corpus funnel of the data stage."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], FunnelRow] = {}
        self.rejected: list[Rejected] = []
        self.raw: Counter = Counter()  # platform → raw records
        self.formats: dict[str, list[str]] = {}  # platform → the schema each input file was read as

    def _row(self, platform: str, kind: str, stage: str) -> FunnelRow:
        key = (platform, kind, stage)
        if key not in self.rows:
            self.rows[key] = FunnelRow(platform=platform, kind=kind, stage=stage)
        return self.rows[key]

    def parse(self, loaded: Loaded) -> list[Candidate]:
        """Count a loader's output: its candidates pass the parse stage, its failures are rejected there."""
        for c in loaded.candidates:
            row = self._row(loaded.platform, c.kind, "parse")
            row.n_in += 1
            row.kept += 1
        for kind, rej in loaded.failures:
            row = self._row(loaded.platform, kind, "parse")
            row.n_in += 1
            row.reasons[rej.reason] += 1
            self.rejected.append(rej)
        self.raw[loaded.platform] += len(loaded.candidates) + len(loaded.failures)
        self.formats.setdefault(loaded.platform, []).extend(loaded.formats)
        return loaded.candidates

    def apply(self, stage: str, cands: list[Candidate], decisions: Decisions) -> list[Candidate]:
        """Drop the decided candidates (recording each with its reason) and return the rest."""
        kept = []
        for c in cands:
            row = self._row(c.platform, c.kind, stage)
            row.n_in += 1
            decision = decisions.get(c.record_id)
            if decision is None:
                row.kept += 1
                kept.append(c)
            else:
                row.reasons[decision[0]] += 1
                self.rejected.append(c.reject(stage, *decision))
        return kept

    def reconcile(self, kept: list[Candidate]) -> dict[str, dict[str, int]]:
        """Check raw = kept + rejected per platform and overall, and that no record id repeats."""
        kept_n = Counter(c.platform for c in kept)
        rej_n = Counter(r.platform for r in self.rejected)
        out: dict[str, dict[str, int]] = {}
        for p in sorted(set(self.raw) | set(kept_n) | set(rej_n), key=PLATFORMS.index):
            if self.raw[p] != kept_n[p] + rej_n[p]:
                raise FunnelMismatch(f"{p}: {self.raw[p]} raw records but {kept_n[p]} kept + {rej_n[p]} rejected")
            out[p] = {"raw_records": self.raw[p], "kept_records": kept_n[p], "rejected_records": rej_n[p]}
        ids = Counter([c.record_id for c in kept] + [r.record_id for r in self.rejected])
        repeated = [i for i, n in ids.items() if n > 1]
        if repeated:
            raise FunnelMismatch(f"{len(repeated)} record ids appear more than once, e.g. {repeated[:3]}")
        for r in self.rows.values():
            if (wrong := r.mismatch()) is not None:
                raise FunnelMismatch(f"{r.platform}/{r.kind}/{r.stage}: {wrong}")
        return out

    def sorted_rows(self) -> list[FunnelRow]:
        order = {s: i for i, s in enumerate(("parse", "rules", "dedup", "activity", "cap"))}
        return sorted(
            self.rows.values(), key=lambda r: (PLATFORMS.index(r.platform), KINDS.index(r.kind), order.get(r.stage, 99))
        )

    def write(self, folder: Path) -> None:
        """funnel.csv (one row per platform, kind, stage) and funnel.md (the same as tables)."""
        rows = self.sorted_rows()
        with open(folder / "funnel.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["platform", "kind", "stage", "in", "kept", "rejected", "reasons"])
            for r in rows:
                w.writerow([r.platform, r.kind, r.stage, r.n_in, r.kept, r.rejected, _reasons(r)])
        (folder / "funnel.md").write_text(self.markdown(rows), encoding="utf-8")

    def markdown(self, rows: list[FunnelRow]) -> str:
        lines = ["# Data funnel", "", "| platform | raw | kept | rejected |", "|---|---:|---:|---:|"]
        rejected: Counter = Counter()  # from the rows: a sharded run keeps its rejected records on disk
        for r in self.rows.values():
            rejected[r.platform] += r.rejected
        for p in [p for p in PLATFORMS if self.raw[p]]:
            lines.append(f"| {p} | {self.raw[p]} | {self.raw[p] - rejected[p]} | {rejected[p]} |")
        total, n_rejected = sum(self.raw.values()), sum(rejected.values())
        lines += [f"| all | {total} | {total - n_rejected} | {n_rejected} |", ""]
        for p in [p for p in PLATFORMS if self.raw[p]]:
            lines += [
                f"## {p}",
                "",
                "| kind | stage | in | kept | rejected | reasons |",
                "|---|---|---:|---:|---:|---|",
            ]
            lines += [
                f"| {r.kind} | {r.stage} | {r.n_in} | {r.kept} | {r.rejected} | {_reasons(r)} |"
                for r in rows
                if r.platform == p
            ]
            lines.append("")
            if self.formats.get(p):
                lines += [f"Input read as: {p}: {f}" for f in self.formats[p]] + [""]
        return "\n".join(lines)


def _reasons(row: FunnelRow) -> str:
    return "; ".join(f"{k}={v}" for k, v in row.by_count())


class CurationFunnel:
    """The curation funnel of the synthesis stage."""

    def __init__(self) -> None:
        self.rows: list[FunnelRow] = []

    def add(self, stage: str, kind: str, n_in: int, kept: int, reasons: Iterable[str]) -> FunnelRow:
        row = FunnelRow(kind=kind, stage=stage, n_in=n_in, kept=kept, reasons=Counter(reasons))
        if (wrong := row.mismatch()) is not None:
            raise FunnelMismatch(f"curation funnel {stage}/{kind}: {wrong}")
        self.rows.append(row)
        log.info("curate %s/%s: in %d, kept %d, rejected %s", stage, kind, n_in, kept, dict(row.reasons) or 0)
        return row

    def as_dicts(self) -> list[dict[str, Any]]:
        return [
            {
                "stage": r.stage,
                "kind": r.kind,
                "in": r.n_in,
                "kept": r.kept,
                "rejected": r.rejected,
                "rejected_by_reason": dict(sorted(r.reasons.items())),
            }
            for r in self.rows
        ]

    def write(self, folder: Path) -> None:
        """curation_funnel.csv (one row per stage × kind × reason) and curation_funnel.md."""
        with (folder / "curation_funnel.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["stage", "kind", "in", "kept", "rejected", "reason", "reason_count"])
            for r in self.rows:
                for reason, n in sorted(r.reasons.items()) or [("", 0)]:
                    w.writerow([r.stage, r.kind, r.n_in, r.kept, r.rejected, reason, n])
        (folder / "curation_funnel.md").write_text(self.markdown(), encoding="utf-8")

    def markdown(self) -> str:
        lines = [
            "## Curation funnel",
            "",
            "| stage | kind | in | kept | rejected | rejected by reason |",
            "|---|---|---:|---:|---:|---|",
        ]
        for r in self.rows:
            why = ", ".join(f"{k} {v}" for k, v in r.by_count())
            lines.append(f"| {r.stage} | {r.kind} | {r.n_in} | {r.kept} | {r.rejected} | {why} |")
        return "\n".join(lines) + "\n"
