"""`python -m humanllm.pipeline.accelerate_launch <report.json> <accelerate launch arguments>`.

accelerate's own `accelerate launch` (its argument parser and launchers: torchrun for DDP / FSDP / DeepSpeed),
which also writes how the failed ranks ended to report.json: torchrun's record of each (exit code, signal,
the Python error a rank raised), or the exit code of a single-process launch. The launching parent reads it
to tell a killed rank from one that raised.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _text(message: str | dict) -> str:
    """A rank's error: torchrun keeps `{"message": "ValueError: …", "extraInfo": …}` of its error file."""
    return message.get("message", str(message)) if isinstance(message, dict) else message


def main(argv: list[str]) -> None:
    from accelerate.commands.launch import launch_command, launch_command_parser
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    report, args = Path(argv[0]), launch_command_parser().parse_args(argv[1:])
    try:
        launch_command(args)
    except ChildFailedError as e:
        report.write_text(
            json.dumps(
                [
                    {"rank": rank, "exitcode": f.exitcode, "message": _text(f.message)}
                    for rank, f in sorted(e.failures.items())
                ]
            )
        )
        raise
    except subprocess.CalledProcessError as e:  # distributed_type NO: one process, no torchrun
        report.write_text(json.dumps([{"rank": 0, "exitcode": e.returncode, "message": ""}]))
        raise


if __name__ == "__main__":
    main(sys.argv[1:])
