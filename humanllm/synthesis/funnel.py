"""The curation funnel: per stage and record kind, how many went in, were kept, and were rejected why.

Every row must reconcile (in = kept + rejected); a row that does not is a bug and raises at once.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class FunnelMismatch(RuntimeError):
    """A curation stage lost or invented records."""


@dataclass
class FunnelRow:
    stage: str
    kind: str
    n_in: int
    kept: int
    rejected: Counter = field(default_factory=Counter)

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())


class CurationFunnel:
    def __init__(self) -> None:
        self.rows: list[FunnelRow] = []

    def add(self, stage: str, kind: str, n_in: int, kept: int, reasons: Iterable[str]) -> FunnelRow:
        row = FunnelRow(stage, kind, n_in, kept, Counter(reasons))
        if row.n_in != row.kept + row.n_rejected:
            raise FunnelMismatch(
                f"curation funnel {stage}/{kind}: in {n_in} != kept {kept} + rejected {row.n_rejected}"
            )
        self.rows.append(row)
        log.info("curate %s/%s: in %d, kept %d, rejected %s", stage, kind, n_in, kept, dict(row.rejected) or 0)
        return row

    def as_dicts(self) -> list[dict[str, Any]]:
        return [
            {
                "stage": r.stage,
                "kind": r.kind,
                "in": r.n_in,
                "kept": r.kept,
                "rejected": r.n_rejected,
                "rejected_by_reason": dict(sorted(r.rejected.items())),
            }
            for r in self.rows
        ]

    def write(self, folder: Path) -> None:
        """curation_funnel.csv (one row per stage × kind × reason) and curation_funnel.md."""
        with (folder / "curation_funnel.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["stage", "kind", "in", "kept", "rejected", "reason", "reason_count"])
            for r in self.rows:
                for reason, n in sorted(r.rejected.items()) or [("", 0)]:
                    w.writerow([r.stage, r.kind, r.n_in, r.kept, r.n_rejected, reason, n])
        (folder / "curation_funnel.md").write_text(self.markdown(), encoding="utf-8")

    def markdown(self) -> str:
        lines = [
            "## Curation funnel",
            "",
            "| stage | kind | in | kept | rejected | rejected by reason |",
            "|---|---|---:|---:|---:|---|",
        ]
        for r in self.rows:
            why = ", ".join(f"{k} {v}" for k, v in sorted(r.rejected.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"| {r.stage} | {r.kind} | {r.n_in} | {r.kept} | {r.n_rejected} | {why} |")
        return "\n".join(lines) + "\n"
