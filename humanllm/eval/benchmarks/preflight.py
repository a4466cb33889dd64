"""Read and validate every requested benchmark's data before any model loads.

Missing data (an unset or absent folder) raises BenchmarkDataMissing naming eval.data.<name>. A malformed
item never aborts: it is reported as `file:line: what, action` (read the official way, or excluded and
counted) and the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from humanllm.eval.benchmarks.registry import not_run, runnable_benchmarks


@dataclass
class PreflightReport:
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # benchmark -> issues
    not_run: dict[str, str] = field(default_factory=dict)  # benchmark -> why it is reported as not run

    def lines(self) -> list[str]:
        return [f"{b}: {i['file']}:{i['line']}: {i['what']}, {i['action']}" for b, found in self.issues.items()
                for i in found]  # fmt: skip

    def excluded(self) -> int:
        return sum("excluded" in i["action"] for found in self.issues.values() for i in found)

    def text(self) -> str:
        skipped = "".join(f"\n  {b}: not run: {why}" for b, why in self.not_run.items())
        return self._issues_text() + skipped

    def _issues_text(self) -> str:
        if not any(self.issues.values()):
            return "pre-flight: benchmark data read, no malformed items"
        head = (
            f"pre-flight: {sum(map(len, self.issues.values()))} data notes, {self.excluded()} "
            "items or questions excluded (everything else is scored):"
        )
        return "\n".join([head, *("  " + line for line in self.lines())])


def preflight(e: Any) -> PreflightReport:
    """Check the data of every enabled benchmark in eval config `e`."""
    return PreflightReport({b.name: b.check_data(e) for b in runnable_benchmarks(e)}, not_run(e))
