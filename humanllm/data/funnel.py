"""The funnel: per platform, record kind and stage, how many records came in, were kept, were rejected (why).

Every stage goes through `Funnel.apply`, so each raw record is either still flowing or rejected
exactly once; `reconcile` checks this against what is finally written and fails loudly otherwise.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from humanllm.data.candidate import KINDS, Candidate, Loaded
from humanllm.data.config import PLATFORMS
from humanllm.data.records import Rejected
from humanllm.data.rules import Decisions


class FunnelMismatch(RuntimeError):
    """Raw records do not equal kept + rejected: a record was lost or counted twice."""


@dataclass
class FunnelRow:
    platform: str
    kind: str
    stage: str
    n_in: int = 0
    kept: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())


class Funnel:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], FunnelRow] = {}
        self.rejected: list[Rejected] = []
        self.raw: Counter = Counter()  # platform → raw records
        self.formats: dict[str, list[str]] = {}  # platform → the schema each input file was read as

    def _row(self, platform: str, kind: str, stage: str) -> FunnelRow:
        key = (platform, kind, stage)
        if key not in self.rows:
            self.rows[key] = FunnelRow(platform, kind, stage)
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
            if r.n_in != r.kept + r.rejected:
                raise FunnelMismatch(
                    f"{r.platform}/{r.kind}/{r.stage}: in {r.n_in} != kept {r.kept} + rejected {r.rejected}"
                )
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
    return "; ".join(f"{k}={v}" for k, v in sorted(row.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
