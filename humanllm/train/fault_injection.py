"""Fault injection for tests: a training rank that SIGKILLs itself mid-training, once.

`HUMANLLM_FAULT_INJECTION_KILL_RANK=<rank>:<step>:<marker file>` makes that rank kill itself with SIGKILL
at the end of optimizer step <step>, unless the marker file exists; it creates the marker first, so the
retry of the same training runs through. Unset (always, outside tests), no callback is added.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

FAULT_ENV = "HUMANLLM_FAULT_INJECTION_KILL_RANK"


def fault_injection_callbacks() -> list[Any]:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return []
    from transformers import TrainerCallback

    rank, step, marker = spec.split(":", 2)

    class KillRankOnce(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if args.process_index != int(rank) or state.global_step < int(step):
                return
            try:
                Path(marker).open("x").close()
            except FileExistsError:
                return
            os.kill(os.getpid(), signal.SIGKILL)

    return [KillRankOnce()]
